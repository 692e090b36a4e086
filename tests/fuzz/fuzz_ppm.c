/* Fuzz entry point for PGM/PPM decoding; whatever decodes must re-encode
 * and decode to the same pixels. */
#include "../../image/image.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    img_limits limits;
    img_image img, back;
    g99_error err;
    uint8_t *out = NULL;
    size_t n = 0;
    limits.max_pixels = (uint64_t)1 << 20;
    if (img_ppm_decode(data, size, &limits, &img, &err) == G99_OK) {
        if (img_ppm_encode(&img, &out, &n, &err) != G99_OK) abort();
        if (img_ppm_decode(out, n, NULL, &back, &err) != G99_OK) abort();
        if (back.channels != img.channels || back.depth != img.depth ||
            memcmp(back.data, img.data, img_row_bytes(&img) * (size_t)img.height) != 0)
            abort();
        free(out);
        img_free(&back);
        img_free(&img);
    }
    return 0;
}
