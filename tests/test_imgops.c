/* Tests of imgops: filled in by the change that builds it. */
#include "test.h"

const test_case imgops_tests[] = {
    TEST_END
};
