/* Tests of image: filled in by the change that builds it. */
#include "test.h"

const test_case image_tests[] = {
    TEST_END
};
