/* gan: how close images are to their targets, for the run loop's held-out
 * validation (gan/train_run.c) and the README's quality table.
 *
 *   L1    mean |out - target| over every value, in the images' own [-1, 1]
 *         units (pix2pix's L1 term divided by nothing: twice the error on
 *         a [0, 1] scale);
 *   PSNR  per image 10 log10(1 / MSE) with both images mapped to [0, 1]
 *         ((x + 1) / 2, so MSE = MSE[-1,1] / 4), averaged over the images;
 *         an image identical to its target counts 100 dB.
 *
 * Sums are in double in index order, the logarithm nn_logf (nn/math.c), so
 * the figures are the same bytes on every platform and thread count. */
#include "gan.h"

#define PSNR_CAP 100.0
#define LOG10_E 0.43429448190325182765   /* 1 / ln 10 */

void gan_metric_add(gan_metric_sum *s, const float *out, const float *target, int n, size_t per_image)
{
    int k;
    size_t i;
    for (k = 0; k < n; k++) {
        const float *a = out + (size_t)k * per_image, *b = target + (size_t)k * per_image;
        double abs_sum = 0.0, sq_sum = 0.0, mse, psnr;
        for (i = 0; i < per_image; i++) {
            double d = (double)a[i] - (double)b[i];
            abs_sum += d < 0.0 ? -d : d;
            sq_sum += d * d;
        }
        mse = per_image ? sq_sum / (double)per_image / 4.0 : 0.0;
        psnr = mse > 0.0 ? -10.0 * LOG10_E * (double)nn_logf((float)mse) : PSNR_CAP;
        if (psnr > PSNR_CAP) psnr = PSNR_CAP;
        s->abs_sum += abs_sum;
        s->psnr_sum += psnr;
        s->values += per_image;
        s->images++;
    }
}

double gan_metric_l1(const gan_metric_sum *s)
{
    return s->values ? s->abs_sum / (double)s->values : 0.0;
}

double gan_metric_psnr(const gan_metric_sum *s)
{
    return s->images ? s->psnr_sum / (double)s->images : 0.0;
}
