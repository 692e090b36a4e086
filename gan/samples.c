/* gan: from generator outputs to pictures: [-1, 1] floats to 8-bit images,
 * sample grids (the training run's grids, gan99 sample) and the spherical
 * interpolation of latent vectors (gan99 morph).
 *
 * Float to byte: round((v + 1) * 127.5) clamped to 0..255, the inverse of
 * the dataset's v / 127.5 - 1 (torchvision's save_image does the same
 * up to its rounding, x * 255 + 0.5 truncated after mapping to [0, 1]). */
#include "gan.h"

#include <math.h>
#include <stdlib.h>

static uint8_t to_byte(float v)
{
    float b = (v + 1.0f) * 127.5f + 0.5f;
    if (!(b > 0.0f)) return 0;   /* NaN too */
    if (b >= 255.0f) return 255;
    return (uint8_t)b;
}

int gan_tensor_image(const float *x, int nc, int size, int scale, img_image *out, g99_error *err)
{
    size_t plane = (size_t)size * size;
    int rc, c, i, j, W;
    if (nc < 1 || nc > 4 || size < 1 || scale < 1 || scale > 64)
        return g99_fail(err, G99_EINVAL, "image from tensor: %d channels, size %d, scale %d", nc, size, scale);
    W = size * scale;
    rc = img_new(out, W, W, nc == 1 ? 1 : 3, 8, err);
    if (rc) return rc;
    for (j = 0; j < W; j++)
        for (i = 0; i < W; i++)
            for (c = 0; c < out->channels; c++)
                out->data[((size_t)j * W + i) * out->channels + c] =
                    to_byte(x[c * plane + (size_t)(j / scale) * size + (size_t)(i / scale)]);
    return 0;
}

int gan_sample_grid(const float *x, int n, int nc, int size, int scale, img_image *out, g99_error *err)
{
    img_image *imgs;
    img_grid_params gp;
    int i, cols = 1, rc = 0;
    if (n < 1) return g99_fail(err, G99_EINVAL, "sample grid: no images");
    while (cols * cols < n) cols++;
    imgs = (img_image *)calloc((size_t)n, sizeof *imgs);
    if (!imgs) return g99_fail(err, G99_ENOMEM, "out of memory");
    for (i = 0; i < n && !rc; i++)
        rc = gan_tensor_image(x + (size_t)i * nc * size * size, nc, size, scale, &imgs[i], err);
    gp.cols = cols;
    gp.margin = 2;
    memset(gp.background, 255, sizeof gp.background);
    if (!rc) rc = img_grid(imgs, n, &gp, out, err);
    for (i = 0; i < n; i++) img_free(&imgs[i]);
    free(imgs);
    return rc;
}

void gan_latent_normal(uint64_t seed, int nz, float *z)
{
    nn_rng r;
    nn_rng_init(&r, seed, GAN_STREAM_SAMPLE);
    nn_rng_fill_normal(&r, z, (size_t)nz, 0.0f, 1.0f);
}

/* The angle between a and b from its cosine, by bisection on nn_cosf
 * (decreasing on [0, pi]): gan99 has no acos of its own, and 40 halvings
 * of [0, pi] reach float resolution. */
static float angle_of(float cosine)
{
    float lo = 0.0f, hi = 3.14159265f;
    int i;
    for (i = 0; i < 40; i++) {
        float mid = 0.5f * (lo + hi);
        if (nn_cosf(mid) > cosine) lo = mid;
        else hi = mid;
    }
    return 0.5f * (lo + hi);
}

void gan_slerp(const float *a, const float *b, int n, float t, float *out)
{
    double dot = 0, na = 0, nb = 0;
    float c, omega, s;
    int i;
    for (i = 0; i < n; i++) {
        dot += (double)a[i] * b[i];
        na += (double)a[i] * a[i];
        nb += (double)b[i] * b[i];
    }
    c = na > 0 && nb > 0 ? (float)(dot / (sqrt(na) * sqrt(nb))) : 1.0f;
    if (c > 1.0f) c = 1.0f;
    if (c < -1.0f) c = -1.0f;
    omega = angle_of(c);
    s = nn_sinf(omega);
    /* nearly parallel (or opposite) vectors: the linear blend */
    if (s < 1e-4f) {
        for (i = 0; i < n; i++) out[i] = (1.0f - t) * a[i] + t * b[i];
        return;
    }
    {
        float wa = nn_sinf((1.0f - t) * omega) / s, wb = nn_sinf(t * omega) / s;
        for (i = 0; i < n; i++) out[i] = wa * a[i] + wb * b[i];
    }
}
