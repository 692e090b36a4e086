/* Tests of json: filled in by the change that builds it. */
#include "test.h"

const test_case json_tests[] = {
    TEST_END
};
