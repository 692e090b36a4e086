/* The image record: allocation, size checks and the pixel budget. */
#include "image.h"

#include <stdlib.h>

int img_check_size(uint64_t width, uint64_t height, const img_limits *limits, g99_error *err)
{
    uint64_t budget = limits && limits->max_pixels ? limits->max_pixels : IMG_DEFAULT_MAX_PIXELS;
    if (width == 0 || height == 0)
        return g99_fail(err, G99_EFORMAT, "image size %llux%llu: zero width or height",
                        (unsigned long long)width, (unsigned long long)height);
    /* Compare by division so a huge width times height cannot overflow. */
    if (width > 0x7FFFFFFF || height > 0x7FFFFFFF || width > budget / height)
        return g99_fail(err, G99_ELIMIT, "image size %llux%llu exceeds the budget of %llu pixels",
                        (unsigned long long)width, (unsigned long long)height, (unsigned long long)budget);
    return G99_OK;
}

size_t img_row_bytes(const img_image *img)
{
    return (size_t)img->width * (size_t)img->channels * (size_t)(img->depth / 8);
}

int img_new(img_image *img, int width, int height, int channels, int depth, g99_error *err)
{
    size_t n;
    int rc;
    img->data = NULL;
    img->width = img->height = img->channels = img->depth = 0;
    if (width <= 0 || height <= 0)
        return g99_fail(err, G99_EINVAL, "image size %dx%d: zero or negative", width, height);
    if (channels < 1 || channels > 4) return g99_fail(err, G99_EINVAL, "image with %d channels", channels);
    if (depth != 8 && depth != 16) return g99_fail(err, G99_EINVAL, "image with %d-bit samples", depth);
    rc = img_check_size((uint64_t)width, (uint64_t)height, NULL, err);
    if (rc) return rc;
    if (g99_size_mul((size_t)width * (size_t)height, (size_t)channels * (size_t)(depth / 8), &n))
        return g99_fail(err, G99_ELIMIT, "image size %dx%dx%d overflows", width, height, channels);
    img->data = (uint8_t *)calloc(n, 1);
    if (!img->data) return g99_fail(err, G99_ENOMEM, "out of memory for a %dx%d image", width, height);
    img->width = width;
    img->height = height;
    img->channels = channels;
    img->depth = depth;
    return G99_OK;
}

void img_free(img_image *img)
{
    if (!img) return;
    free(img->data);
    img->data = NULL;
    img->width = img->height = img->channels = img->depth = 0;
}
