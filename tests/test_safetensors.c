/* Tests of safetensors: filled in by the change that builds it. */
#include "test.h"

const test_case safetensors_tests[] = {
    TEST_END
};
