/* Fuzz entry point for PNG decoding and the zlib/gzip decoders under it.
 * Besides "no crash, no leak, no UB", it checks one property: whatever
 * decodes re-encodes and decodes to the same pixels. */
#include "../../image/image.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    img_png_options opt;
    img_image img, back;
    g99_error err;
    uint8_t *out = NULL;
    size_t n = 0;
    memset(&opt, 0, sizeof opt);
    opt.limits.max_pixels = (uint64_t)1 << 20;  /* keep each run small and fast */
    opt.trns_alpha = size > 0 && (data[size - 1] & 1);
    opt.to_8bit = size > 0 && (data[size - 1] & 2);
    if (img_png_decode(data, size, &opt, &img, &err) == G99_OK) {
        if (img_png_encode(&img, &out, &n, &err) != G99_OK) abort();
        if (img_png_decode(out, n, NULL, &back, &err) != G99_OK) abort();
        if (back.channels != img.channels || back.depth != img.depth ||
            memcmp(back.data, img.data, img_row_bytes(&img) * (size_t)img.height) != 0)
            abort();
        free(out);
        img_free(&back);
        img_free(&img);
    }
    /* The same bytes as bare zlib and gzip streams. */
    if (img_zlib_decode(data, size, (size_t)1 << 22, &out, &n, &err) == G99_OK) free(out);
    if (img_gzip_decode(data, size, (size_t)1 << 22, &out, &n, &err) == G99_OK) free(out);
    return 0;
}
