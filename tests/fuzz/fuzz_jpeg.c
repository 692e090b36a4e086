/* Fuzz entry point for the JPEG decoder (image/jpeg_*.c).
 *
 *   make fuzz && build/fuzz/fuzz_jpeg -max_total_time=600 CORPUS_DIR golden/jpeg tests/corpus/jpeg
 *   make fuzz-standalone && build/fuzz/fuzz_jpeg-standalone FILE...   (replay without libFuzzer)
 *
 * Any input must either decode or fail with a status and a message; the
 * sanitizers catch the rest. A budget of 2^20 pixels keeps every run small
 * (the budget logic itself is what the tests check). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "../../image/image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    img_image img;
    img_limits limits;
    g99_error err;
    limits.max_pixels = (uint64_t)1 << 20;
    if (img_jpeg_decode(data, size, &limits, &img, &err) == 0) {
        /* Touch the output so an uninitialised or short buffer shows up. */
        size_t n = (size_t)img.width * (size_t)img.height * (size_t)img.channels, i;
        unsigned sum = 0;
        for (i = 0; i < n; i++) sum += img.data[i];
        if (img.channels != 1 && img.channels != 3) abort();
        (void)sum;
        img_free(&img);
    } else if (err.msg[0] == '\0' || img.data != NULL) {
        abort();
    }
    return 0;
}
