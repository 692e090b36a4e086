/* gan: how close images are to their targets, for the run loop's held-out
 * validation (gan/train_run.c) and the README's quality table; and how well
 * class maps agree (IoU, for the face parser).
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

/* ---- intersection over union of class maps --------------------------------
 *
 * IoU of class c = |pred = c and truth = c| / |pred = c or truth = c|,
 * counted over every pixel added (the whole held-out set at once, not a
 * mean of per-image figures, as segmentation benchmarks count it). A class
 * that appears in neither map has no IoU (NaN) and stays out of the mean. */

static double not_a_number(void)
{
    uint64_t u = 0x7FF8000000000000ull;
    double d;
    memcpy(&d, &u, sizeof d);
    return d;
}

void gan_iou_init(gan_iou_sum *s, int n_classes)
{
    memset(s, 0, sizeof *s);
    s->n_classes = n_classes < 1 ? 1 : n_classes > GAN_IOU_MAX_CLASSES ? GAN_IOU_MAX_CLASSES : n_classes;
}

size_t gan_iou_add(gan_iou_sum *s, const uint8_t *pred, const uint8_t *truth, size_t n)
{
    size_t i, outside = 0;
    for (i = 0; i < n; i++) {
        int p = pred[i], t = truth[i];
        if (p >= s->n_classes || t >= s->n_classes) {
            outside++;
            continue;
        }
        s->pred[p]++;
        s->truth[t]++;
        if (p == t) s->inter[p]++;
    }
    s->pixels += n - outside;
    return outside;
}

double gan_iou_class(const gan_iou_sum *s, int c)
{
    uint64_t uni;
    if (c < 0 || c >= s->n_classes) return not_a_number();
    uni = s->pred[c] + s->truth[c] - s->inter[c];
    return uni ? (double)s->inter[c] / (double)uni : not_a_number();
}

double gan_iou_mean(const gan_iou_sum *s)
{
    double sum = 0.0;
    int c, k = 0;
    for (c = 0; c < s->n_classes; c++) {
        double v = gan_iou_class(s, c);
        if (v == v) {
            sum += v;
            k++;
        }
    }
    return k ? sum / k : not_a_number();
}

double gan_iou(const uint8_t *pred, const uint8_t *truth, size_t n, int n_classes, double *per_class)
{
    gan_iou_sum s;
    int c;
    gan_iou_init(&s, n_classes);
    gan_iou_add(&s, pred, truth, n);
    for (c = 0; per_class && c < s.n_classes; c++) per_class[c] = gan_iou_class(&s, c);
    return gan_iou_mean(&s);
}

void gan_class_argmax(const float *scores, int n_classes, size_t plane, uint8_t *out)
{
    size_t i;
    int c;
    for (i = 0; i < plane; i++) {
        int best = 0;
        float v = scores[i];
        for (c = 1; c < n_classes && c <= 255; c++) {
            float w = scores[(size_t)c * plane + i];
            if (w > v || (v != v && w == w)) {   /* the lowest index on ties; NaN never wins */
                v = w;
                best = c;
            }
        }
        out[i] = (uint8_t)best;
    }
}
