/* Tests of math: filled in by the change that builds it. */
#include "test.h"

const test_case math_tests[] = {
    TEST_END
};
