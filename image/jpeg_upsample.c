/* JPEG chroma upsampling, as libjpeg-turbo 2.1's default (jdsample.c).
 *
 * T.81 leaves upsampling to the application (A.1.1 only defines how the
 * sampling factors relate the component sizes). PIL decodes with libjpeg's
 * do_fancy_upsampling on, which picks per component:
 *   - 2:1 horizontal (h2v1) and 2:1 both ways (h2v2): a triangle filter,
 *     output samples 3/4 nearer + 1/4 further input sample in each direction,
 *     with alternating rounding biases (an ordered dither, so .5 is not always
 *     rounded up) -- only when the component is more than 2 samples wide;
 *   - 1:2 vertical (h1v2, 4:4:0): the vertical triangle filter, bias 1 for
 *     the upper and 2 for the lower output row;
 *   - anything else with integer ratios (and narrow components): replication.
 * The filters see the component edge-extended at its true (downsampled)
 * size: libjpeg's main buffer repeats the first row above the image and the
 * last real row below it, and the row filters special-case both ends. */
#include "jpeg_internal.h"
#include "../nn/kernels/kernels.h"

static const uint8_t *plane_row(const jpeg__component *c, int y)
{
    if (y < 0) y = 0;
    if (y > c->height - 1) y = c->height - 1;
    return jpeg__plane_row(c, y);
}

/* h2v1: one row, 3/4 * nearer + 1/4 * further neighbour. */
static void fancy_h2v1(const uint8_t *in, int n, uint8_t *out)
{
    int x;
    out[0] = in[0];
    out[1] = (uint8_t)((in[0] * 3 + in[1] + 2) >> 2);
    for (x = 1; x < n - 1; x++) {
        int v = in[x] * 3;
        out[2 * x] = (uint8_t)((v + in[x - 1] + 1) >> 2);
        out[2 * x + 1] = (uint8_t)((v + in[x + 1] + 2) >> 2);
    }
    out[2 * n - 2] = (uint8_t)((in[n - 1] * 3 + in[n - 2] + 1) >> 2);
    out[2 * n - 1] = in[n - 1];
}

/* h2v2: column sums 3 * nearer row + further row, then the same horizontal
 * weights on the sums; /16 with biases 8 and 7. */
void jpeg__fancy_h2v2(const uint8_t *near, const uint8_t *far, int n, uint8_t *out)
{
    int x, last, cur, next;
    cur = near[0] * 3 + far[0];
    next = near[1] * 3 + far[1];
    out[0] = (uint8_t)((cur * 4 + 8) >> 4);
    out[1] = (uint8_t)((cur * 3 + next + 7) >> 4);
    for (x = 1; x < n - 1; x++) {
        last = cur;
        cur = next;
        next = near[x + 1] * 3 + far[x + 1];
        out[2 * x] = (uint8_t)((cur * 3 + last + 8) >> 4);
        out[2 * x + 1] = (uint8_t)((cur * 3 + next + 7) >> 4);
    }
    last = cur;
    cur = next;
    out[2 * n - 2] = (uint8_t)((cur * 3 + last + 8) >> 4);
    out[2 * n - 1] = (uint8_t)((cur * 4 + 7) >> 4);
}

const uint8_t *jpeg__upsample_row(const jpeg__decoder *d, const jpeg__component *c, int y, uint8_t *tmp)
{
    int hexp = d->h_max / c->h, vexp = d->v_max / c->v, x;
    const uint8_t *in;

    if (hexp == 1 && vexp == 1) return plane_row(c, y);
    if (hexp == 2 && vexp == 1 && c->width > 2) {
        fancy_h2v1(plane_row(c, y), c->width, tmp);
        return tmp;
    }
    if (hexp == 1 && vexp == 2) {
        /* Even output rows lie nearer the row above, odd ones the row below. */
        const uint8_t *near = plane_row(c, y >> 1);
        const uint8_t *far = plane_row(c, (y & 1) ? (y >> 1) + 1 : (y >> 1) - 1);
        int bias = (y & 1) ? 2 : 1;
        for (x = 0; x < c->width; x++) tmp[x] = (uint8_t)((near[x] * 3 + far[x] + bias) >> 2);
        return tmp;
    }
    if (hexp == 2 && vexp == 2 && c->width > 2) {
        d->fancy_h2v2(plane_row(c, y >> 1), plane_row(c, (y & 1) ? (y >> 1) + 1 : (y >> 1) - 1), c->width,
                   tmp);
        return tmp;
    }
    in = plane_row(c, y / vexp);
    for (x = 0; x < d->width; x++) tmp[x] = in[x / hexp];
    return tmp;
}

void (*jpeg__h2v2_select(void))(const uint8_t *near, const uint8_t *far, int n, uint8_t *out)
{
#if defined(GAN99_HAVE_AVX2)
    int p = nn_k_path();
    if (p == NN_K_AVX2 || p == NN_K_AVX512) return jpeg__fancy_h2v2_avx2;
#endif
    return jpeg__fancy_h2v2;
}
