/* Tests of prng: filled in by the change that builds it. */
#include "test.h"

const test_case prng_tests[] = {
    TEST_END
};
