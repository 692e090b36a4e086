/* Gaussian blur as OpenCV 4.6's cv::GaussianBlur(src, (k, k), sigma) on
 * 8-bit images (imgproc/src/smooth.dispatch.cpp, smooth.simd.hpp), bit for
 * bit. For 8-bit data OpenCV does not filter in float: it builds the 1-D
 * kernel in double ("softdouble", getGaussianKernelBitExact), turns it into
 * integers in 1/256 that sum to exactly 256 by error diffusion
 * (getGaussianKernelFixedPoint_ED), and filters separably in integers: the
 * horizontal pass keeps 8 fraction bits, the vertical one 16, and the result
 * is (sum + 2^15) >> 16. Borders: BORDER_REFLECT_101 (OpenCV's default).
 *
 * The kernel needs exp(). doc/determinism.md §3 keeps libm's transcendental functions
 * off result paths, and image/ must not depend on nn/'s math, so this file
 * has its own: range reduction by ln 2 and a Taylor series in double, within
 * a few ulp. Only a tie in the 1/256 rounding could make that differ from
 * OpenCV's exp, and the goldens cover the common kernels. */
#include "ops_private.h"

#include <stdlib.h>

enum { KERNEL_BITS = 8, KERNEL_ONE = 1 << KERNEL_BITS, MAX_KSIZE = 31 };

/* exp(x) for the x <= 0 this file needs (and small positive x). */
static double blur_exp(double x)
{
    /* ln 2 split so that k * LN2_HI is exact for |k| < 2^20. */
    static const double LN2_HI = 6.93147180369123816490e-01, LN2_LO = 1.90821492927058770002e-10;
    double r, term, sum;
    int k, i;
    if (x < -745.0) return 0.0;
    k = img__round(x / 0.69314718055994530942);
    r = (x - k * LN2_HI) - k * LN2_LO;  /* |r| <= 0.35 */
    term = 1.0;
    sum = 1.0;
    for (i = 1; i < 24; i++) {
        term *= r / i;
        sum += term;
    }
    return ldexp(sum, k);  /* exact scaling by 2^k */
}

/* a * b + c with one rounding for the product (Dekker's exact product, no
 * fma needed), as softfloat's mulAdd, up to a final double rounding. */
static double mul_add(double a, double b, double c)
{
    const double split = 134217729.0;  /* 2^27 + 1 */
    double p = a * b, t, ah, al, bh, bl, e, s, z;
    t = split * a;
    ah = t - (t - a);
    al = a - ah;
    t = split * b;
    bh = t - (t - b);
    bl = b - bh;
    e = ((ah * bh - p) + ah * bl + al * bh) + al * bl;  /* a*b = p + e exactly */
    s = p + c;
    z = s - p;
    return s + (((p - (s - z)) + (c - z)) + e);
}

/* The fixed-point kernel of odd size n: integers summing to 256. */
static void gaussian_kernel_fixed(int n, double sigma, int *k)
{
    double v[MAX_KSIZE], kd[MAX_KSIZE], sum = 0, mul, err = 0, sigma_x, scale2;
    int i, x, n2 = (n - 1) / 2, total = 0;
    /* For sigma <= 0 OpenCV uses fixed binomial-like tables up to n = 9. */
    static const double t3[] = { 0.25, 0.5 }, t5[] = { 0.0625, 0.25, 0.375 };
    static const double t7[] = { 0.03125, 0.109375, 0.21875, 0.28125 };
    static const double t9[] = { 4 / 256.0, 13 / 256.0, 30 / 256.0, 51 / 256.0, 60 / 256.0 };
    const double *table = NULL;
    if (sigma <= 0) table = n == 3 ? t3 : n == 5 ? t5 : n == 7 ? t7 : n == 9 ? t9 : NULL;
    if (n == 1) {
        k[0] = KERNEL_ONE;
        return;
    }
    if (table) {
        for (i = 0; i <= n2; i++) kd[i] = table[i];
    } else {
        sigma_x = sigma > 0 ? sigma : mul_add((double)n, 0.15, 0.35);
        scale2 = -0.125 / (sigma_x * sigma_x);  /* -1/(2 (2 sigma)^2): x below steps by 2 */
        for (i = 0, x = 1 - n; i < n2; i++, x += 2) {
            v[i] = blur_exp((double)(x * x) * scale2);
            sum += v[i];
        }
        sum *= 2;
        sum += 1;  /* the centre, exp(0) */
        mul = 1.0 / sum;
        for (i = 0; i < n2; i++) kd[i] = v[i] * mul;
        kd[n2] = mul;
    }
    /* Error diffusion from the outside in; the centre takes what is left. */
    for (i = 0; i < n2; i++) {
        double adj = kd[i] * KERNEL_ONE + err;
        int q = img__round(adj);
        err = adj - q;
        k[i] = k[n - 1 - i] = q;
        total += 2 * q;
    }
    k[n2] = KERNEL_ONE - total;
}

int img_gaussian_blur(const img_image *src, int ksize, double sigma, img_image *out, g99_error *err)
{
    int rc = img__need_u8(src, "blur", err);
    int k[MAX_KSIZE], *xi = NULL, *yi = NULL;
    uint32_t *rows = NULL;
    int w, h, cn, r, x, y, c, i;
    size_t rowlen;
    if (rc) return rc;
    if (!(sigma == sigma)) return g99_fail(err, G99_EINVAL, "blur: sigma is not a number");
    if (ksize <= 0 && sigma > 0 && sigma < 100) ksize = img__round(sigma * 3 * 2 + 1) | 1;
    if (ksize < 1 || ksize > MAX_KSIZE || ksize % 2 == 0)
        return g99_fail(err, G99_EINVAL, "blur: kernel size %d (odd, 1..%d)", ksize, MAX_KSIZE);
    gaussian_kernel_fixed(ksize, sigma, k);
    rc = img_new(out, src->width, src->height, src->channels, 8, err);
    if (rc) return rc;
    w = src->width;
    h = src->height;
    cn = src->channels;
    r = ksize / 2;
    rowlen = (size_t)w * cn;
    /* Reflected source columns for every tap position (and room for the
     * rows of one output row), then the horizontal pass of the whole image
     * (8 fraction bits; at most 255*256). */
    xi = (int *)malloc(sizeof(int) * ((size_t)w + 2 * (size_t)r + (size_t)ksize));
    rows = (uint32_t *)malloc(sizeof(uint32_t) * rowlen * (size_t)h);
    if (!xi || !rows) {
        free(xi);
        free(rows);
        img_free(out);
        return g99_fail(err, G99_ENOMEM, "blur: out of memory for %dx%d", w, h);
    }
    yi = xi + w + 2 * r;
    for (x = -r; x < w + r; x++) xi[x + r] = img__reflect101(x, w);
    for (y = 0; y < h; y++) {
        const uint8_t *s = src->data + (size_t)y * rowlen;
        uint32_t *d = rows + (size_t)y * rowlen;
        for (x = 0; x < w; x++)
            for (c = 0; c < cn; c++) {
                uint32_t acc = 0;
                for (i = 0; i < ksize; i++) acc += (uint32_t)k[i] * s[(size_t)xi[x + i] * cn + c];
                d[(size_t)x * cn + c] = acc;
            }
    }
    for (y = 0; y < h; y++) {
        uint8_t *d = out->data + (size_t)y * rowlen;
        size_t j;
        for (i = 0; i < ksize; i++) yi[i] = img__reflect101(y + i - r, h);
        for (j = 0; j < rowlen; j++) {
            uint32_t acc = 0;
            for (i = 0; i < ksize; i++) acc += (uint32_t)k[i] * rows[(size_t)yi[i] * rowlen + j];
            acc = (acc + 32768) >> 16;
            d[j] = (uint8_t)(acc > 255 ? 255 : acc);
        }
    }
    free(xi);
    free(rows);
    return G99_OK;
}
