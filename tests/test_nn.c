/* nn core: kernels, errors, the arena, parameters. */
#include "test.h"
#include "../nn/nn.h"

const test_case nn_tests[] = {
    TEST_END
};
