/* Tests of jpeg: filled in by the change that builds it. */
#include "test.h"

const test_case jpeg_tests[] = {
    TEST_END
};
