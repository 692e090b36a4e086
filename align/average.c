/* The mean face: the pixel-wise average of aligned crops (gan99 average).
 * Sums are kept exactly in 64-bit integers, so the mean does not depend on
 * the order of the images, and each sample of the result is sum / n
 * rounded half up: (2 sum + n) / (2 n) in integers. */
#include "align.h"

#include <stdlib.h>

int align_mean_add(align_mean *m, const img_image *img, g99_error *err)
{
    size_t n, i;
    if (!img || !img->data || img->depth != 8)
        return g99_fail(err, G99_EUNSUPPORTED, "average: images must be 8-bit");
    if (m->count == 0) {
        if (g99_size_mul((size_t)img->width * (size_t)img->height, (size_t)img->channels, &n) ||
            n > ((size_t)-1) / sizeof *m->sum)
            return g99_fail(err, G99_ELIMIT, "average: %dx%d is too large", img->width, img->height);
        free(m->sum);
        m->sum = (uint64_t *)calloc(n, sizeof *m->sum);
        if (!m->sum) return g99_fail(err, G99_ENOMEM, "average: out of memory");
        m->width = img->width;
        m->height = img->height;
        m->channels = img->channels;
    } else if (img->width != m->width || img->height != m->height || img->channels != m->channels) {
        return g99_fail(err, G99_EINVAL, "%dx%d with %d channel%s, unlike the first image (%dx%d with %d channel%s)",
                        img->width, img->height, img->channels, img->channels == 1 ? "" : "s", m->width, m->height,
                        m->channels, m->channels == 1 ? "" : "s");
    }
    n = (size_t)m->width * (size_t)m->height * (size_t)m->channels;
    for (i = 0; i < n; i++) m->sum[i] += img->data[i];
    m->count++;
    return G99_OK;
}

int align_mean_image(const align_mean *m, img_image *out, g99_error *err)
{
    size_t n, i;
    int rc;
    memset(out, 0, sizeof *out);
    if (m->count == 0) return g99_fail(err, G99_EINVAL, "average: no images");
    if ((rc = img_new(out, m->width, m->height, m->channels, 8, err)) != 0) return rc;
    n = (size_t)m->width * (size_t)m->height * (size_t)m->channels;
    for (i = 0; i < n; i++) out->data[i] = (uint8_t)((2 * m->sum[i] + m->count) / (2 * m->count));
    return G99_OK;
}

void align_mean_free(align_mean *m)
{
    free(m->sum);
    memset(m, 0, sizeof *m);
}
