/* The kernel sets against the scalar reference, bit for bit (doc/determinism.md §6,
 * nn/kernels/kernels.h). Every kernel of every set this build compiled and
 * this CPU runs (switched at run time with nn_k_path_set) must give the
 * very bytes of nn/kernels/scalar.c: the SGEMM on odd sizes and all
 * transposes (tails of every tile shape, k blocks, row blocks), the long
 * sum at every stream offset, Adam, and conv2d / conv_transpose2d with
 * their gradients. The expected values are the scalar reference's, an
 * independent code path (the GEMM's is nn_k_sgemm_scalar's plain loops,
 * with explicit im2col for the views: no packing, no blocking); the
 * reference itself is checked against hand-derived values in test_nn.c and
 * against PyTorch in test_nn_ops.c.
 * A build with no SIMD set (tcc, s390x) compares the reference with
 * itself and checks only the path API. */
#include "test.h"
#include "../nn/nn.h"
#include "../nn/kernels/arch.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Fills v with values of mixed signs and magnitudes (so that roundings
 * differ whenever the order of operations does) and a few exact zeros. */
static void fill(nn_rng *r, float *v, size_t n)
{
    size_t i;
    nn_rng_fill_uniform(r, v, n, -1.0f, 1.0f);
    for (i = 0; i < n; i++) {
        uint32_t u = nn_rng_u32(r);
        if ((u & 15) == 0) v[i] = 0.0f;
        else v[i] *= (float)(1u << (u >> 28));   /* scale by 2^0 .. 2^15 */
    }
}

/* p over every SIMD set other than scalar that this build and CPU run. */
#define FOR_EACH_SIMD_PATH(p)                                                     \
    for (p = NN_K_SCALAR + 1; p < NN_K_NPATHS; p++)                               \
        if (nn_k_path_supported(p))
/* p over every set, scalar included (its blocked driver against the plain
 * loops of nn_k_sgemm_scalar). */
#define FOR_EACH_PATH(p)                                                          \
    for (p = NN_K_SCALAR; p < NN_K_NPATHS; p++)                                   \
        if (nn_k_path_supported(p))

static void path_api(void)
{
    int p, orig = nn_k_path();
    CHECK(nn_k_path_supported(NN_K_SCALAR));
    CHECK(nn_k_path_supported(orig));
    for (p = 0; p < NN_K_NPATHS; p++) CHECK_EQ_INT(p, nn_k_path_from_name(nn_k_path_name(p)));
    CHECK_EQ_INT(-1, nn_k_path_from_name("sse9"));
    CHECK_EQ_INT(-1, nn_k_path_from_name(NULL));
    CHECK_EQ_STR("?", nn_k_path_name(NN_K_NPATHS));
    CHECK_EQ_INT(-1, nn_k_path_set(NN_K_NPATHS));
    CHECK_EQ_INT(-1, nn_k_path_set(-1));
    for (p = 0; p < NN_K_NPATHS; p++) {
        if (nn_k_path_supported(p)) {
            CHECK_EQ_INT(0, nn_k_path_set(p));
            CHECK_EQ_INT(p, nn_k_path());
        } else {
            CHECK_EQ_INT(-1, nn_k_path_set(p));
        }
    }
    nn_k_path_set(orig);
    CHECK(nn_k_threads() >= 1);
}

/* One GEMM case: C (ldc = n + 3, starting from random values) on path p
 * against the scalar reference. A and B have padded leading dimensions. */
static int sgemm_case(nn_rng *r, int p, int ta, int tb, size_t m, size_t n, size_t k)
{
    size_t lda = (ta ? m : k) + 1, ldb = (tb ? k : n) + 2, ldc = n + 3;
    size_t na = (ta ? k : m) * lda, nb = (tb ? n : k) * ldb, nc = m * ldc;
    float *a = (float *)malloc(sizeof(float) * (na + nb + 2 * nc + 1));
    float *b, *c0, *c1;
    int ok;
    if (!CHECK(a != NULL)) return 0;
    b = a + na;
    c0 = b + nb;
    c1 = c0 + nc;
    fill(r, a, na);
    fill(r, b, nb);
    fill(r, c0, nc);
    memcpy(c1, c0, sizeof(float) * nc);
    nn_k_sgemm_scalar(ta, tb, m, n, k, a, lda, b, ldb, c0, ldc);
    nn_k_path_set(p);
    nn_k_sgemm(ta, tb, m, n, k, a, lda, b, ldb, c1, ldc);
    ok = memcmp(c0, c1, sizeof(float) * nc) == 0;
    if (!ok)
        fprintf(stderr, "  sgemm %s ta=%d tb=%d m=%lu n=%lu k=%lu differs from scalar\n", nn_k_path_name(p), ta, tb,
                (unsigned long)m, (unsigned long)n, (unsigned long)k);
    free(a);
    return ok;
}

static void sgemm_bit_identical(void)
{
    static const size_t sizes[] = { 1, 7, 17, 33, 100 };
    /* n around the tile widths (48 and its 16/32 tails for AVX-512, 16 for
     * AVX2, 12 for NEON) and past a column block (1056) */
    static const size_t wide[] = { 16, 32, 47, 48, 64, 80, 1100 };
    int p, orig = nn_k_path(), ta, tb;
    size_t im, in, ik;
    nn_rng r;
    nn_rng_init(&r, 11, NN_STREAM_DATA);
    FOR_EACH_PATH(p) {
        for (ta = 0; ta < 2; ta++)
            for (tb = 0; tb < 2; tb++)
                for (im = 0; im < 5; im++)
                    for (in = 0; in < 5; in++)
                        for (ik = 0; ik < 5; ik++)
                            CHECK(sgemm_case(&r, p, ta, tb, sizes[im], sizes[in], sizes[ik]));
        /* more than one k block, row block and thread's share, ragged */
        for (ta = 0; ta < 2; ta++)
            for (tb = 0; tb < 2; tb++) CHECK(sgemm_case(&r, p, ta, tb, 261, 101, 530));
        for (in = 0; in < sizeof wide / sizeof wide[0]; in++) CHECK(sgemm_case(&r, p, in & 1, in >> 1 & 1, 9, wide[in], 37));
        /* k = 0 leaves C alone; m or n = 0 touches nothing */
        CHECK(sgemm_case(&r, p, 0, 0, 5, 9, 0));
        CHECK(sgemm_case(&r, p, 1, 1, 0, 9, 4));
    }
    nn_k_path_set(orig);
}

/* The views of nn_k_gemm against explicit copies and the plain loops, on
 * every set: a convolution's forward (weights . implicit columns, C a batch
 * [N, O, L] written through segments), its weight gradient (a segmented
 * batch . transposed implicit columns, chains over images then pixels) and
 * its input gradient's GEMM (transposed weights . a segmented batch). */
typedef struct view_case {
    int n, c, h, w, o, kh, kw, sh, sw, ph, pw, dh, dw;
} view_case;

static int views_case(nn_rng *r, int p, const view_case *vc)
{
    nn_k_conv_geom g;
    nn_k_view va, vb;
    size_t L, K, X, i, total;
    float *x, *wt, *gy, *cols, *y0, *y1, *dw0, *dw1, *gc0, *gc1, *buf;
    int ok = 1;
    memset(&g, 0, sizeof g);
    g.c = vc->c; g.h = vc->h; g.w = vc->w; g.kh = vc->kh; g.kw = vc->kw; g.sh = vc->sh; g.sw = vc->sw;
    g.ph = vc->ph; g.pw = vc->pw; g.dh = vc->dh; g.dw = vc->dw;
    g.ho = (g.h + 2 * g.ph - g.dh * (g.kh - 1) - 1) / g.sh + 1;
    g.wo = (g.w + 2 * g.pw - g.dw * (g.kw - 1) - 1) / g.sw + 1;
    L = (size_t)g.ho * g.wo;
    K = (size_t)g.c * g.kh * g.kw;
    X = (size_t)g.c * g.h * g.w;
    total = vc->n * X + vc->o * K + vc->n * vc->o * L + K * L + 2 * vc->n * vc->o * L + 2 * vc->o * K +
            2 * K * vc->n * L;
    buf = (float *)calloc(total, sizeof(float));
    if (!CHECK(buf != NULL)) return 0;
    x = buf; wt = x + vc->n * X; gy = wt + vc->o * K; cols = gy + vc->n * vc->o * L;
    y0 = cols + K * L; y1 = y0 + vc->n * vc->o * L; dw0 = y1 + vc->n * vc->o * L; dw1 = dw0 + vc->o * K;
    gc0 = dw1 + vc->o * K; gc1 = gc0 + K * vc->n * L;
    fill(r, x, vc->n * X);
    fill(r, wt, vc->o * K);
    fill(r, gy, vc->n * vc->o * L);
    /* the reference: image by image, explicit columns, plain loops */
    for (i = 0; i < (size_t)vc->n; i++) {
        nn_k_im2col(&g, x + i * X, cols);
        nn_k_sgemm_scalar(0, 0, vc->o, L, K, wt, K, cols, L, y0 + i * vc->o * L, L);
        nn_k_sgemm_scalar(0, 1, vc->o, K, L, gy + i * vc->o * L, L, cols, L, dw0, K);
        nn_k_sgemm_scalar(1, 0, K, L, vc->o, wt, K, gy + i * vc->o * L, L, gc0 + i * L, vc->n * L);
    }
    nn_k_path_set(p);
    memset(&va, 0, sizeof va);
    memset(&vb, 0, sizeof vb);
    va.p = wt; va.ld = K;
    vb.p = x; vb.seg_ld = X; vb.conv = &g;
    nn_k_gemm(vc->o, vc->n * L, K, &va, &vb, y1, L, L, vc->o * L);
    ok &= CHECK(memcmp(y0, y1, sizeof(float) * vc->n * vc->o * L) == 0);
    memset(&va, 0, sizeof va);
    va.p = gy; va.ld = L; va.seg = L; va.seg_ld = vc->o * L;
    vb.trans = 1;
    nn_k_gemm(vc->o, K, vc->n * L, &va, &vb, dw1, K, 0, 0);
    ok &= CHECK(memcmp(dw0, dw1, sizeof(float) * vc->o * K) == 0);
    memset(&va, 0, sizeof va);
    memset(&vb, 0, sizeof vb);
    va.p = wt; va.ld = K; va.trans = 1;
    vb.p = gy; vb.ld = L; vb.seg = L; vb.seg_ld = vc->o * L;
    nn_k_gemm(K, vc->n * L, vc->o, &va, &vb, gc1, vc->n * L, 0, 0);
    ok &= CHECK(memcmp(gc0, gc1, sizeof(float) * K * vc->n * L) == 0);
    if (!ok) fprintf(stderr, "  views on %s, case c=%d h=%d w=%d o=%d\n", nn_k_path_name(p), vc->c, vc->h, vc->w, vc->o);
    free(buf);
    return ok;
}

static void gemm_views_exact(void)
{
    /* n, c, h, w, o, kh, kw, sh, sw, ph, pw, dh, dw */
    static const view_case cases[] = {
        { 3, 3, 16, 16, 20, 4, 4, 2, 2, 1, 1, 1, 1 },   /* DCGAN D's first layer, 8x8 output */
        { 5, 4, 4, 4, 9, 4, 4, 2, 2, 1, 1, 1, 1 },      /* 2x2 outputs: every tile straddles images */
        { 2, 2, 9, 11, 50, 3, 2, 1, 3, 2, 0, 2, 1 },    /* odd strides, dilation, padding */
        { 4, 6, 5, 5, 17, 5, 5, 1, 1, 0, 0, 1, 1 },     /* a 1x1 output */
        { 1, 1, 40, 40, 8, 3, 3, 1, 1, 1, 1, 1, 1 },    /* one image, wide rows */
    };
    int p, orig = nn_k_path();
    size_t i;
    nn_rng r;
    nn_rng_init(&r, 13, NN_STREAM_DATA);
    FOR_EACH_PATH(p)
        for (i = 0; i < sizeof cases / sizeof cases[0]; i++) CHECK(views_case(&r, p, &cases[i]));
    nn_k_path_set(orig);
}

/* A transposed A whose columns lie in segments (rows of S are k; runs of
 * S's columns cross the tiles of A and the segments), into a C that is
 * accumulated into (nn_k_gemm) and one that is overwritten from garbage
 * (nn_k_gemm_over: its first k block starts from +0), against a dense copy
 * and the plain loops. m spans several blocks of packed A and k several k
 * blocks. */
static void gemm_trans_segments(void)
{
    enum { SEG = 13, NSEG = 53, SEG_LD = 17, M = SEG * NSEG, N = 61, K = 300, LD = NSEG * SEG_LD };
    float *s, *at, *b, *c0, *c1, *c2;
    nn_k_view va, vb;
    size_t p, q;
    int path, orig = nn_k_path();
    nn_rng r;
    nn_rng_init(&r, 21, NN_STREAM_DATA);
    s = (float *)malloc(sizeof(float) * (K * LD + K * M + K * N + 3 * M * N));
    if (!CHECK(s != NULL)) return;
    at = s + K * LD; b = at + K * M; c0 = b + K * N; c1 = c0 + M * N; c2 = c1 + M * N;
    fill(&r, s, K * LD);
    fill(&r, b, K * N);
    for (p = 0; p < K; p++)
        for (q = 0; q < M; q++) at[p * M + q] = s[p * LD + (q / SEG) * SEG_LD + q % SEG];
    memset(&va, 0, sizeof va);
    memset(&vb, 0, sizeof vb);
    va.p = s; va.ld = LD; va.seg = SEG; va.seg_ld = SEG_LD; va.trans = 1;
    vb.p = b; vb.ld = N;
    FOR_EACH_PATH(path) {
        fill(&r, c0, M * N);
        memcpy(c1, c0, sizeof(float) * M * N);
        for (q = 0; q < M * N; q++) c2[q] = (float)(1e30 * 1e30);
        nn_k_path_set(NN_K_SCALAR);
        nn_k_sgemm_scalar(1, 0, M, N, K, at, M, b, N, c0, N);
        nn_k_path_set(path);
        nn_k_gemm(M, N, K, &va, &vb, c1, N, 0, 0);
        CHECK_EQ_MEM(c0, c1, sizeof(float) * M * N);
        memset(c0, 0, sizeof(float) * M * N);
        nn_k_sgemm_scalar(1, 0, M, N, K, at, M, b, N, c0, N);
        nn_k_gemm_over(M, N, K, &va, &vb, c2, N, 0, 0);
        CHECK_EQ_MEM(c0, c2, sizeof(float) * M * N);
    }
    nn_k_path_set(orig);
    free(s);
}

/* nn_k_gemm_over with a plain or transposed A into a garbage C (ldc n + 3)
 * against the plain loops on a zeroed C. */
static int over_case(nn_rng *r, int p, int ta, size_t m, size_t n, size_t k)
{
    size_t lda = (ta ? m : k) + 1, ldc = n + 3, na = (ta ? k : m) * lda, nb = k * n, nc = m * ldc, q;
    float *a = (float *)malloc(sizeof(float) * (na + nb + 2 * nc + 1)), *b, *c0, *c1;
    nn_k_view va, vb;
    int ok;
    if (!CHECK(a != NULL)) return 0;
    b = a + na;
    c0 = b + nb;
    c1 = c0 + nc;
    fill(r, a, na);
    fill(r, b, nb);
    memset(c0, 0, sizeof(float) * nc);
    for (q = 0; q < nc; q++) c1[q] = (float)(1e30 * 1e30);
    nn_k_sgemm_scalar(ta, 0, m, n, k, a, lda, b, n, c0, ldc);
    for (q = 0; q < m; q++) memset(c0 + q * ldc + n, 0, sizeof(float) * 3);
    for (q = 0; q < m; q++) memset(c1 + q * ldc + n, 0, sizeof(float) * 3);
    memset(&va, 0, sizeof va);
    memset(&vb, 0, sizeof vb);
    va.p = a; va.ld = lda; va.trans = ta;
    vb.p = b; vb.ld = n;
    nn_k_path_set(p);
    nn_k_gemm_over(m, n, k, &va, &vb, c1, ldc, 0, 0);
    ok = memcmp(c0, c1, sizeof(float) * nc) == 0;
    if (!ok)
        fprintf(stderr, "  gemm_over %s ta=%d m=%lu n=%lu k=%lu differs from scalar\n", nn_k_path_name(p), ta,
                (unsigned long)m, (unsigned long)n, (unsigned long)k);
    free(a);
    return ok;
}

/* The blocking around a plain A read in place by the tiles (arch.h fna):
 * full and edge row tiles, the 16/32/48-wide tiles, several column blocks
 * of B (k 600: two k blocks, blocks of 240 columns on AVX-512) with a
 * transposed A kept packed across them, n split between threads in
 * vectors (70 x 500), rows split between threads (300 x 250, k halved
 * so that B is one block; 500 x 490, A kept across three blocks),
 * each accumulated (nn_k_sgemm) and from garbage (nn_k_gemm_over: the
 * first k block's tiles start from +0). */
static void gemm_plain_blocks(void)
{
    static const size_t cases[][3] = { { 70, 500, 600 }, { 9, 32, 37 }, { 17, 80, 530 }, { 8, 16, 513 },
                                       { 23, 112, 5 }, { 41, 1100, 64 }, { 300, 250, 520 } };
    int p, orig = nn_k_path(), ta;
    size_t i;
    nn_rng r;
    nn_rng_init(&r, 31, NN_STREAM_DATA);
    FOR_EACH_PATH(p) {
        for (i = 0; i < sizeof cases / sizeof cases[0]; i++)
            for (ta = 0; ta < 2; ta++) {
                CHECK(sgemm_case(&r, p, ta, 0, cases[i][0], cases[i][1], cases[i][2]));
                CHECK(over_case(&r, p, ta, cases[i][0], cases[i][1], cases[i][2]));
            }
        /* a thread's rows of a kept A: only AVX-512's blocks are that
         * narrow, and the plain loops are slow */
        if (p == NN_K_AVX512) CHECK(sgemm_case(&r, p, 1, 0, 500, 490, 520));
    }
    nn_k_path_set(orig);
}

static void lsum_bit_identical(void)
{
    enum { N = 1000 };
    static float x[N];
    int p, orig = nn_k_path();
    size_t start, chunk;
    nn_rng r;
    nn_rng_init(&r, 12, NN_STREAM_DATA);
    fill(&r, x, N);
    FOR_EACH_SIMD_PATH(p) {
        for (start = 0; start < 17; start++)
            for (chunk = 1; chunk < 70; chunk += 13) {
                nn_k_lsum a0, a1;
                size_t i;
                nn_k_path_set(NN_K_SCALAR);
                nn_k_lsum_init(&a0);
                nn_k_lsum_add(&a0, x, start);
                for (i = start; i < N; i += chunk) nn_k_lsum_add(&a0, x + i, i + chunk < N ? chunk : N - i);
                nn_k_path_set(p);
                nn_k_lsum_init(&a1);
                nn_k_lsum_add(&a1, x, start);
                for (i = start; i < N; i += chunk) nn_k_lsum_add(&a1, x + i, i + chunk < N ? chunk : N - i);
                CHECK_EQ_MEM(a0.s, a1.s, sizeof a0.s);
                CHECK_EQ_INT((long long)a0.n, (long long)a1.n);
                CHECK_EQ_FBITS(nn_k_lsum_result(&a0), nn_k_lsum_result(&a1));
            }
        nn_k_path_set(NN_K_SCALAR);
        {
            float s0 = nn_k_sum(x, N);
            nn_k_path_set(p);
            CHECK_EQ_FBITS(s0, nn_k_sum(x, N));
        }
    }
    nn_k_path_set(orig);
}

/* Three Adam steps on lengths that leave every lane count as a tail. */
/* (Leaky) ReLU forward and backward on every set against the scalar
 * reference, with signed zeros, infinities and NaNs among the inputs and
 * lengths that leave tails. */
static void relu_bit_identical(void)
{
    enum { N = 203 };
    static float x[N], dy[N], want[N], got[N];
    static const float special[] = { 0.0f, -0.0f, 1e30f, -1e30f, 1e-40f, -1e-40f };
    int p, orig = nn_k_path(), len;
    size_t i;
    nn_rng r;
    nn_rng_init(&r, 17, NN_STREAM_DATA);
    fill(&r, x, N);
    fill(&r, dy, N);
    for (i = 0; i < sizeof special / sizeof special[0]; i++) x[3 * i] = special[i];
    x[40] = x[41] * 0.0f * (float)(1e30 * 1e30);   /* inf * 0: NaN */
    dy[50] = (float)(1e30 * 1e30);
    FOR_EACH_SIMD_PATH(p) {
        for (len = N - 16; len <= N; len += 5) {
            nn_k_relu_scalar((size_t)len, x, want);
            nn_k_path_set(p);
            nn_k_relu((size_t)len, x, got);
            CHECK(memcmp(want, got, sizeof(float) * (size_t)len) == 0);
            nn_k_leaky_relu_scalar((size_t)len, x, 0.2f, want);
            nn_k_leaky_relu((size_t)len, x, 0.2f, got);
            CHECK(memcmp(want, got, sizeof(float) * (size_t)len) == 0);
            nn_k_leaky_relu_grad_scalar((size_t)len, x, dy, 0.2f, want);
            nn_k_leaky_relu_grad((size_t)len, x, dy, 0.2f, got);
            CHECK(memcmp(want, got, sizeof(float) * (size_t)len) == 0);
            nn_k_leaky_relu_grad_scalar((size_t)len, x, dy, 0.0f, want);
            nn_k_leaky_relu_grad((size_t)len, x, dy, 0.0f, got);
            CHECK(memcmp(want, got, sizeof(float) * (size_t)len) == 0);
        }
    }
    /* the reference itself, by hand */
    x[0] = -2.0f;
    x[1] = 3.0f;
    nn_k_leaky_relu_scalar(2, x, 0.25f, want);
    CHECK_EQ_FBITS(-0.5f, want[0]);
    CHECK_EQ_FBITS(3.0f, want[1]);
    nn_k_path_set(orig);
}

static void adam_bit_identical(void)
{
    enum { N = 1037 };
    static float w0[N], m0[N], v0[N], w1[N], m1[N], v1[N], g[N];
    static const size_t lens[] = { 1, 7, 15, 16, 17, 33, 100, N };
    int p, orig = nn_k_path(), step;
    size_t li;
    nn_k_adam_coef c;
    nn_rng r;
    nn_rng_init(&r, 13, NN_STREAM_DATA);
    c.b1 = 0.5f;
    c.b2 = 0.999f;
    c.a1 = 0.5f;
    c.a2 = 0.001f;
    c.bc2_sqrt = 0.0316069f;
    c.eps = 1e-8f;
    FOR_EACH_SIMD_PATH(p) {
        for (li = 0; li < sizeof lens / sizeof lens[0]; li++) {
            size_t n = lens[li];
            fill(&r, w0, n);
            memset(m0, 0, sizeof m0);
            memset(v0, 0, sizeof v0);
            memcpy(w1, w0, sizeof w0);
            memcpy(m1, m0, sizeof m0);
            memcpy(v1, v0, sizeof v0);
            for (step = 0; step < 3; step++) {
                fill(&r, g, n);
                c.step_size = -0.0002f * (float)(step + 1);
                nn_k_path_set(NN_K_SCALAR);
                nn_k_adam(&c, n, w0, g, m0, v0);
                nn_k_path_set(p);
                nn_k_adam(&c, n, w1, g, m1, v1);
            }
            CHECK_EQ_MEM(w0, w1, n * sizeof(float));
            CHECK_EQ_MEM(m0, m1, n * sizeof(float));
            CHECK_EQ_MEM(v0, v1, n * sizeof(float));
        }
    }
    nn_k_path_set(orig);
}

/* A convolution (or its transpose) with bias, forward and the gradients of
 * its input, weight and bias for the upstream gradient gy, on the active
 * set: the bytes of y, dx, dw, db in out (CRC-32 of each). */
typedef struct conv_case {
    int transpose, n, c, h, w, o, kh, kw;
    nn_conv_opts opts;
} conv_case;

static int conv_run(const conv_case *cc, uint32_t crc[4])
{
    nn_ctx *ctx = nn_ctx_new(0);
    nn_rng r;
    int xs[4], ws[4], bs[1], ok = 0, g = cc->opts.groups ? cc->opts.groups : 1;
    nn_tensor *x, *w, *b, *y, *gy, *in[3], *gr[3];
    if (!ctx) return 0;
    nn_rng_init(&r, 14, NN_STREAM_DATA);
    xs[0] = cc->n; xs[1] = cc->c; xs[2] = cc->h; xs[3] = cc->w;
    ws[0] = cc->transpose ? cc->c : cc->o;
    ws[1] = cc->transpose ? cc->o / g : cc->c / g;
    ws[2] = cc->kh; ws[3] = cc->kw;
    bs[0] = cc->o;
    x = nn_tensor_new(ctx, 4, xs);
    w = nn_tensor_new(ctx, 4, ws);
    b = nn_tensor_new(ctx, 1, bs);
    if (x && w && b) {
        fill(&r, x->data, x->numel);
        fill(&r, w->data, w->numel);
        fill(&r, b->data, b->numel);
        nn_tensor_set_requires_grad(x, 1);
        nn_tensor_set_requires_grad(w, 1);
        nn_tensor_set_requires_grad(b, 1);
        y = cc->transpose ? nn_conv_transpose2d(ctx, x, w, b, &cc->opts) : nn_conv2d(ctx, x, w, b, &cc->opts);
        gy = y ? nn_tensor_new(ctx, y->ndim, y->shape) : NULL;
        if (gy) {
            fill(&r, gy->data, gy->numel);
            in[0] = x;
            in[1] = w;
            in[2] = b;
            if (nn_grad(ctx, 1, &y, 3, in, &gy, 0, gr) == 0 && gr[0] && gr[1] && gr[2]) {
                crc[0] = g99_crc32(0, y->data, y->numel * sizeof(float));
                crc[1] = g99_crc32(0, gr[0]->data, gr[0]->numel * sizeof(float));
                crc[2] = g99_crc32(0, gr[1]->data, gr[1]->numel * sizeof(float));
                crc[3] = g99_crc32(0, gr[2]->data, gr[2]->numel * sizeof(float));
                ok = 1;
            }
        }
    }
    if (!ok) fprintf(stderr, "  conv: %s\n", nn_ctx_error(ctx)->msg);
    nn_ctx_free(ctx);
    return ok;
}

static void conv_bit_identical(void)
{
    /* transpose, n, c, h, w, o, kh, kw, {stride, padding, dilation, groups, output_padding} */
    static const conv_case cases[] = {
        { 0, 3, 3, 17, 13, 5, 4, 4, { 2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 } },   /* DCGAN D, ragged */
        { 0, 5, 8, 4, 4, 33, 4, 4, { 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 } },    /* 1x1 output */
        { 0, 2, 6, 9, 11, 10, 3, 2, { 1, 2, 2, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0 } },   /* dilation, groups */
        { 0, 20, 7, 6, 6, 9, 3, 3, { 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 } },    /* many small images */
        { 1, 3, 9, 5, 7, 4, 4, 4, { 2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 } },     /* DCGAN G */
        { 1, 6, 10, 1, 1, 17, 4, 4, { 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 } },   /* G's first layer */
        { 1, 2, 6, 5, 4, 9, 3, 3, { 2, 1, 0, 3, 1, 0, 0, 0, 0, 0, 0, 0, 0 } },     /* groups, output padding */
    };
    int p, orig = nn_k_path();
    size_t i;
    FOR_EACH_SIMD_PATH(p) {
        for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
            uint32_t want[4] = { 0, 0, 0, 0 }, got[4] = { 1, 1, 1, 1 };
            int j;
            nn_k_path_set(NN_K_SCALAR);
            if (!CHECK(conv_run(&cases[i], want))) continue;
            nn_k_path_set(p);
            if (!CHECK(conv_run(&cases[i], got))) continue;
            for (j = 0; j < 4; j++)
                if (!CHECK_EQ_U32(want[j], got[j]))
                    fprintf(stderr, "  conv case %lu (%s), output %d (y, dx, dw, db)\n", (unsigned long)i,
                            nn_k_path_name(p), j);
        }
    }
    nn_k_path_set(orig);
}

/* ---- packing the implicit column matrix (gemm.c conv_block, conv_pack_*.c) --
 * A GEMM by the identity moves its B operand into C unchanged (each chain
 * is +0, then + 1*b, then + 0*b' that leaves it), so C = I . cols and
 * C = I . cols^T show the packed column matrix itself, bit for bit, against
 * cols built here by plain loops from kernels.h's definition. The view
 * reads channels 1 .. c of images with c + 2 channels; channel 0, the last
 * one and the gap are NaN, so a float taken from outside the view's planes
 * shows as NaN in C. Shapes: stride 2 with ragged edges, dilation with
 * output rows wider than the input (lane offsets not increasing), strides
 * 2 x 5 (groups too wide for one window), 4x4 planes (windows reaching
 * past an image's planes), 1x1 outputs, groups cut where images end. */
typedef struct cpack_case {
    int n, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw;
} cpack_case;

static void cpack_run(const cpack_case *cc, int path)
{
    nn_k_conv_geom g;
    nn_k_view vi, vc;
    size_t hw, L, K, Q, E, seg_ld, i, j, total;
    float *x, *cols, *eye, *c1;
    nn_rng r;
    int img, ch, ki, kj, oy, ox;
    memset(&g, 0, sizeof g);
    g.c = cc->c; g.h = cc->h; g.w = cc->w; g.kh = cc->kh; g.kw = cc->kw; g.sh = cc->sh; g.sw = cc->sw;
    g.ph = cc->ph; g.pw = cc->pw; g.dh = cc->dh; g.dw = cc->dw;
    g.ho = (cc->h + 2 * cc->ph - cc->dh * (cc->kh - 1) - 1) / cc->sh + 1;
    g.wo = (cc->w + 2 * cc->pw - cc->dw * (cc->kw - 1) - 1) / cc->sw + 1;
    hw = (size_t)g.h * g.w;
    L = (size_t)g.ho * g.wo;
    K = (size_t)g.c * g.kh * g.kw;
    Q = (size_t)cc->n * L;
    seg_ld = (size_t)(g.c + 2) * hw + 3;
    total = (size_t)cc->n * seg_ld;
    E = K > Q ? K : Q;
    x = (float *)malloc(sizeof(float) * (total + K * Q + E * E + K * Q));
    if (!CHECK(x != NULL)) return;
    cols = x + total; eye = cols + K * Q; c1 = eye + E * E;
    nn_rng_init(&r, 31, NN_STREAM_DATA);
    for (i = 0; i < total; i++) x[i] = (float)(1e30 * 1e30) * 0.0f;   /* NaN */
    for (img = 0; img < cc->n; img++) {
        float *p = x + (size_t)img * seg_ld + hw;
        fill(&r, p, (size_t)g.c * hw);
        for (i = 0; i < (size_t)g.c * hw; i++)
            if (p[i] == 0.0f) p[i] = 0.0f;   /* no -0: I . b would give +0 */
    }
    /* kernels.h: cols[(c kh + i) kw + j][img L + oy wo + ox] */
    for (ch = 0; ch < g.c; ch++)
        for (ki = 0; ki < g.kh; ki++)
            for (kj = 0; kj < g.kw; kj++)
                for (img = 0; img < cc->n; img++)
                    for (oy = 0; oy < g.ho; oy++)
                        for (ox = 0; ox < g.wo; ox++) {
                            int y = oy * g.sh - g.ph + ki * g.dh, xx = ox * g.sw - g.pw + kj * g.dw;
                            size_t row = ((size_t)ch * g.kh + ki) * g.kw + kj, q = img * L + oy * g.wo + ox;
                            cols[row * Q + q] = y < 0 || y >= g.h || xx < 0 || xx >= g.w ? 0.0f
                                : x[(size_t)img * seg_ld + (size_t)(ch + 1) * hw + (size_t)y * g.w + xx];
                        }
    memset(&vi, 0, sizeof vi);
    memset(&vc, 0, sizeof vc);
    vc.p = x + hw;
    vc.seg_ld = seg_ld;
    vc.conv = &g;
    nn_k_path_set(path);
    /* C [K, Q] = I_K . cols */
    memset(eye, 0, sizeof(float) * K * K);
    for (i = 0; i < K; i++) eye[i * K + i] = 1.0f;
    vi.p = eye;
    vi.ld = K;
    for (i = 0; i < K * Q; i++) c1[i] = (float)(1e30 * 1e30);
    nn_k_gemm_over(K, Q, K, &vi, &vc, c1, Q, 0, 0);
    if (!CHECK_EQ_MEM(cols, c1, sizeof(float) * K * Q))
        fprintf(stderr, "  cols, %s, %dx%d k %dx%d s %d,%d\n", nn_k_path_name(path), g.h, g.w, g.kh, g.kw, g.sh, g.sw);
    /* C [Q, K] = I_Q . cols^T */
    memset(eye, 0, sizeof(float) * Q * Q);
    for (i = 0; i < Q; i++) eye[i * Q + i] = 1.0f;
    vi.ld = Q;
    vc.trans = 1;
    for (i = 0; i < K * Q; i++) c1[i] = (float)(1e30 * 1e30);
    nn_k_gemm_over(Q, K, Q, &vi, &vc, c1, K, 0, 0);
    for (i = 0; i < Q; i++)
        for (j = 0; j < K; j++)
            if (!CHECK_EQ_FBITS(cols[j * Q + i], c1[i * K + j])) {
                fprintf(stderr, "  cols^T [%lu][%lu], %s, %dx%d k %dx%d s %d,%d\n", (unsigned long)i,
                        (unsigned long)j, nn_k_path_name(path), g.h, g.w, g.kh, g.kw, g.sh, g.sw);
                i = Q;
                break;
            }
    free(x);
}

static void conv_pack_exact(void)
{
    /* n, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw */
    static const cpack_case cases[] = {
        { 3, 3, 17, 13, 4, 4, 2, 2, 1, 1, 1, 1 },   /* DCGAN D, ragged */
        { 2, 2, 9, 11, 3, 2, 1, 1, 2, 2, 2, 2 },    /* dilation, wo > w */
        { 2, 2, 20, 40, 3, 3, 2, 5, 1, 1, 1, 1 },   /* wide stride */
        { 5, 4, 4, 4, 3, 3, 1, 1, 1, 1, 1, 1 },     /* small planes */
        { 7, 3, 4, 4, 4, 4, 1, 1, 0, 0, 1, 1 },     /* 1x1 outputs */
        { 2, 2, 32, 32, 4, 4, 2, 2, 1, 1, 1, 1 },   /* DCGAN layer 2's rows */
        { 1, 1, 6, 70, 4, 4, 2, 2, 1, 1, 1, 1 },    /* rows of 35 */
        { 2, 8, 10, 10, 4, 4, 2, 2, 1, 1, 1, 1 },   /* K 128, L 25 */
    };
    int p, orig = nn_k_path();
    size_t i;
    FOR_EACH_PATH(p)
        for (i = 0; i < sizeof cases / sizeof cases[0]; i++) cpack_run(&cases[i], p);
    nn_k_path_set(orig);
}

/* ---- the direct convolution (nn/kernels/conv_direct.c) --------------------
 * Its definition (kernels.h) against values worked out by hand, on every
 * set, on 1 thread and (under OpenMP) on the threads the run has. */

/* A 1x1 image through a 3x3 kernel with padding 1: the output is one chain
 * over the 9 taps, 8 of them in the padding. Tap 4 (the centre) is
 * -1e-30 * 1e-30 = -1e-60, which rounds to -0 from acc = +0; a padding tap
 * after it then gives fmaf(w, +0, -0) = (+-0) + (-0): +0 for w > 0, -0 for
 * w < 0. Skipping the padding would leave -0 in the first case. An
 * infinite weight on a padding tap makes inf * 0 = NaN. */
static void conv_direct_padding_zeros(void)
{
    nn_k_conv_geom g = { 1, 1, 1, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1 };
    float x = -1e-30f, w[9], y, y4[4];
    int p, t, orig = nn_k_path();
    FOR_EACH_PATH(p) {
        nn_k_path_set(p);
        for (t = 0; t < 9; t++) w[t] = 1.0f;
        w[4] = 1e-30f;
        y = 1.0f;
        CHECK_EQ_INT(0, nn_k_conv_direct(&g, 1, 1, &x, 1, w, NULL, &y, 1));
        CHECK_EQ_FBITS(0.0f, y);
        for (t = 5; t < 9; t++) w[t] = -1.0f;
        y = 1.0f;
        CHECK_EQ_INT(0, nn_k_conv_direct(&g, 1, 1, &x, 1, w, NULL, &y, 1));
        CHECK_EQ_FBITS(-0.0f, y);
        /* a 2x2 kernel (1e-30, 1, 1, 1e-30), padding 1: output (0,0) meets
         * x at its last tap (-0 stays), (1,1) at its first (then +0),
         * (0,1) and (1,0) with weight 1 (-1e-30 stays) */
        g.kh = g.kw = 2;
        g.ho = g.wo = 2;
        w[0] = w[3] = 1e-30f;
        w[1] = w[2] = 1.0f;
        for (t = 0; t < 4; t++) y4[t] = 1.0f;
        CHECK_EQ_INT(0, nn_k_conv_direct(&g, 1, 1, &x, 1, w, NULL, y4, 4));
        CHECK_EQ_FBITS(-0.0f, y4[0]);
        CHECK_EQ_FBITS(-1e-30f, y4[1]);
        CHECK_EQ_FBITS(-1e-30f, y4[2]);
        CHECK_EQ_FBITS(0.0f, y4[3]);
        g.kh = g.kw = 3;
        g.ho = g.wo = 1;
        for (t = 0; t < 9; t++) w[t] = 1.0f;
        w[0] = 1.0f / 0.0f;
        y = 1.0f;
        CHECK_EQ_INT(0, nn_k_conv_direct(&g, 1, 1, &x, 1, w, NULL, &y, 1));
        CHECK(y != y);
        /* stride 2 is not its case */
        g.sh = 2;
        CHECK_EQ_INT(-1, nn_k_conv_direct(&g, 1, 1, &x, 1, w, NULL, &y, 1));
        g.sh = 1;
    }
    nn_k_path_set(orig);
}

/* 1..9 as [1,3,3], 2x2 kernel (1, 10, 100, 1000), no padding: each output
 * is its window read as decimal digits, x[0,0] + 10 x[0,1] + 100 x[1,0]
 * + 1000 x[1,1]; with bias 0.5. */
static void conv_direct_by_hand(void)
{
    static const float x[9] = { 1, 2, 3, 4, 5, 6, 7, 8, 9 }, w[4] = { 1, 10, 100, 1000 }, b = 0.5f;
    static const float want[4] = { 5421.5f, 6532.5f, 8754.5f, 9865.5f };
    nn_k_conv_geom g = { 1, 3, 3, 2, 2, 1, 1, 0, 0, 1, 1, 2, 2 };
    float y[4];
    int p, i, orig = nn_k_path();
    FOR_EACH_PATH(p) {
        nn_k_path_set(p);
        CHECK_EQ_INT(0, nn_k_conv_direct(&g, 1, 1, x, 9, w, &b, y, 4));
        for (i = 0; i < 4; i++) CHECK_EQ_FBITS(want[i], y[i]);
    }
    nn_k_path_set(orig);
}

/* Small integers (|x| <= 3, |w| <= 2, at most 9 * 70 taps): every partial
 * sum is an integer below 2^24, exact in float whatever the order, so the
 * plain sum of products in double is the expected value. The shapes cover
 * the tiles' tails (output channels not a multiple of any tile's, position
 * counts not a multiple of 8, 16 or 48), several bands per image (70
 * channels of 70-wide rows), dilation, 1x1 and 4x4 kernels, bias, and
 * images strided apart as one group of a larger tensor. */
typedef struct dconv_case {
    int n, c, h, w, o, kh, kw, ph, pw, dh, dw, bias;
} dconv_case;

/* One case on the active set: 1 when it held. r is the stream of the cases
 * that draw random values (NULL for the others). */
typedef int (*dconv_case_fn)(nn_rng *r, const dconv_case *dc);

/* Every case of a list on every set, a failed one named by what, its index
 * and the set. Each set starts from *r (when r), so all of them see the
 * same values; *r is left where the cases stopped, the same place on every
 * set, so that a second list continues the stream as one list would. */
static void dconv_each_path(const char *what, const dconv_case *cases, size_t ncases, dconv_case_fn fn, nn_rng *r)
{
    nn_rng start;
    int p, orig = nn_k_path();
    size_t i;
    memset(&start, 0, sizeof start);
    if (r) start = *r;
    FOR_EACH_PATH(p) {
        nn_k_path_set(p);
        if (r) *r = start;
        for (i = 0; i < ncases; i++)
            if (!CHECK(fn(r, &cases[i])))
                fprintf(stderr, "  %s case %lu (%s)\n", what, (unsigned long)i, nn_k_path_name(p));
    }
    nn_k_path_set(orig);
}

/* The small integers of index i, scrambled (Knuth's multiplicative hash)
 * so that neighbouring taps, lanes and channels seldom share a value: a tile
 * that reads the wrong one then gives another sum. The first choice here,
 * (i * 7 + 3) % 7, was 3 for every i, which made x all zeros. */
static unsigned dconv_hash(size_t i)
{
    return (unsigned)((i * 2654435761u) & 0xFFFFFFFFu) >> 16;
}

static int dconv_exact_case(nn_rng *r, const dconv_case *dc)
{
    nn_k_conv_geom g;
    int ho = dc->h + 2 * dc->ph - dc->dh * (dc->kh - 1), wo = dc->w + 2 * dc->pw - dc->dw * (dc->kw - 1);
    size_t hw = (size_t)dc->h * dc->w, L = (size_t)ho * wo, K = (size_t)dc->c * dc->kh * dc->kw, i;
    size_t xld = (size_t)(dc->c + 1) * hw, yld = (size_t)(dc->o + 2) * L;   /* a group's images */
    float *x = (float *)malloc(sizeof(float) * (size_t)dc->n * xld);
    float *w = (float *)malloc(sizeof(float) * (size_t)dc->o * K);
    float *y = (float *)malloc(sizeof(float) * (size_t)dc->n * yld), b[64];
    int ok = 1, n, o, oy, ox, c, i2, j2;
    (void)r;
    g.c = dc->c; g.h = dc->h; g.w = dc->w; g.kh = dc->kh; g.kw = dc->kw; g.sh = 1; g.sw = 1;
    g.ph = dc->ph; g.pw = dc->pw; g.dh = dc->dh; g.dw = dc->dw; g.ho = ho; g.wo = wo;
    if (!x || !w || !y || dc->o > 64) {
        free(x); free(w); free(y);
        return 0;
    }
    for (i = 0; i < (size_t)dc->n * xld; i++) x[i] = (float)((int)(dconv_hash(i) % 7) - 3);
    for (i = 0; i < (size_t)dc->o * K; i++) w[i] = (float)((int)(dconv_hash(i + 977) % 5) - 2);
    for (o = 0; o < dc->o; o++) b[o] = (float)(o % 3) - 0.75f;
    for (i = 0; i < (size_t)dc->n * yld; i++) y[i] = 12345.0f;
    if (nn_k_conv_direct(&g, dc->n, dc->o, x, xld, w, dc->bias ? b : NULL, y, yld) != 0) ok = 0;
    for (n = 0; ok && n < dc->n; n++)
        for (o = 0; o < dc->o; o++)
            for (oy = 0; oy < ho; oy++)
                for (ox = 0; ox < wo; ox++) {
                    double s = 0;
                    for (c = 0; c < dc->c; c++)
                        for (i2 = 0; i2 < dc->kh; i2++)
                            for (j2 = 0; j2 < dc->kw; j2++) {
                                int iy = oy - dc->ph + i2 * dc->dh, ix = ox - dc->pw + j2 * dc->dw;
                                if (iy < 0 || iy >= dc->h || ix < 0 || ix >= dc->w) continue;
                                s += (double)w[(size_t)o * K + ((size_t)c * dc->kh + i2) * dc->kw + j2] *
                                     x[(size_t)n * xld + (size_t)c * hw + (size_t)iy * dc->w + ix];
                            }
                    if (dc->bias) s += b[o];
                    if ((double)y[(size_t)n * yld + (size_t)o * L + (size_t)oy * wo + ox] != s) ok = 0;
                }
    /* the rest of each image's slot is not written */
    for (n = 0; ok && n < dc->n; n++)
        for (i = (size_t)dc->o * L; i < yld; i++)
            if (y[(size_t)n * yld + i] != 12345.0f) ok = 0;
    free(x); free(w); free(y);
    return ok;
}

static void conv_direct_exact(void)
{
    /* n, c, h, w, o, kh, kw, ph, pw, dh, dw, bias */
    static const dconv_case cases[] = {
        { 2, 3, 7, 9, 11, 3, 3, 1, 1, 1, 1, 1 },     /* SPADE's 3x3, ragged */
        { 3, 70, 23, 70, 9, 3, 3, 1, 1, 1, 1, 0 },   /* bands */
        { 1, 5, 64, 64, 17, 3, 3, 1, 1, 1, 1, 1 },   /* 64x64 */
        { 2, 4, 9, 10, 3, 3, 2, 2, 2, 2, 1, 0 },     /* dilation, unequal padding */
        { 2, 6, 8, 5, 19, 1, 1, 0, 0, 1, 1, 1 },     /* 1x1 */
        { 3, 5, 6, 6, 2, 4, 4, 2, 2, 1, 1, 0 },      /* the discriminators' 4x4, padding 2 */
        { 1, 2, 1, 1, 1, 1, 1, 0, 0, 1, 1, 1 },      /* one position */
    };
    dconv_each_path("direct conv", cases, sizeof cases / sizeof cases[0], dconv_exact_case, NULL);
}

/* The weight gradient by hand: a 1x2 image (x0, x1) = (3, -1e-30), 3x3
 * kernel, padding 1, output gradient (g0, g1) over the two positions. Tap
 * (1,2) reads x1 at position 0 and the padding at position 1:
 * dw = fmaf(g1, +0, fmaf(g0, x1, +0)); with g0 = 1e-30 the inner product
 * rounds to -0, so g1 = 1 gives +0 and g1 = -1 gives -0 (skipping the
 * padding would give -0 both times), and g1 = inf gives NaN. Tap (1,1)
 * is the two-step chain itself (its sum 3e-30 - 1e-30 rounds), written
 * with the C library's fmaf; tap (1,0) is g1 * 3 (+0 before it). */
static void conv_direct_gw_by_hand(void)
{
    nn_k_conv_geom g = { 1, 1, 2, 3, 3, 1, 1, 1, 1, 1, 1, 1, 2 };
    float x[2] = { 3.0f, -1e-30f }, gy[2] = { 1e-30f, 1.0f }, dw[9];
    int p, orig = nn_k_path();
    FOR_EACH_PATH(p) {
        nn_k_path_set(p);
        gy[1] = 1.0f;
        CHECK_EQ_INT(0, nn_k_conv_direct_gw(&g, 1, 1, x, 2, gy, 2, dw));
        CHECK_EQ_FBITS(0.0f, dw[5]);
        CHECK_EQ_FBITS(fmaf(gy[1], x[1], fmaf(gy[0], x[0], 0.0f)), dw[4]);
        CHECK_EQ_FBITS(3.0f, dw[3]);           /* fmaf(g1, x0, fmaf(g0, +0, +0)) */
        CHECK_EQ_FBITS(0.0f, dw[0]);           /* the padding row */
        gy[1] = -1.0f;
        CHECK_EQ_INT(0, nn_k_conv_direct_gw(&g, 1, 1, x, 2, gy, 2, dw));
        CHECK_EQ_FBITS(-0.0f, dw[5]);
        CHECK_EQ_FBITS(-3.0f, dw[3]);
        gy[1] = 1.0f / 0.0f;
        CHECK_EQ_INT(0, nn_k_conv_direct_gw(&g, 1, 1, x, 2, gy, 2, dw));
        CHECK(dw[5] != dw[5]);
        CHECK(dw[0] != dw[0]);
        /* only 3x3 kernels with stride and dilation 1 */
        g.dh = 2;
        CHECK_EQ_INT(-1, nn_k_conv_direct_gw(&g, 1, 1, x, 2, gy, 2, dw));
        g.dh = 1;
    }
    nn_k_path_set(orig);
}

/* Small integers again (|x| <= 3, |gy| <= 2, under 2^24 in every partial
 * sum), the plain sum over images and positions in double as the expected
 * value: odd channel counts (the tiles' lanes and channel pairs), several
 * bands (70 channels of 72-wide rows), padding 0 and unequal padding. */
static int dgw_exact_case(nn_rng *r, const dconv_case *dc)
{
    nn_k_conv_geom g;
    int ho = dc->h + 2 * dc->ph - 2, wo = dc->w + 2 * dc->pw - 2, n, o, oy, ox, c, t, ok = 1;
    size_t hw = (size_t)dc->h * dc->w, L = (size_t)ho * wo, K = (size_t)dc->c * 9, i;
    size_t xld = (size_t)(dc->c + 1) * hw, gld = (size_t)(dc->o + 2) * L;
    float *x = (float *)malloc(sizeof(float) * (size_t)dc->n * xld);
    float *gy = (float *)malloc(sizeof(float) * (size_t)dc->n * gld);
    float *dw = (float *)malloc(sizeof(float) * (size_t)dc->o * K);
    (void)r;
    g.c = dc->c; g.h = dc->h; g.w = dc->w; g.kh = 3; g.kw = 3; g.sh = 1; g.sw = 1;
    g.ph = dc->ph; g.pw = dc->pw; g.dh = 1; g.dw = 1; g.ho = ho; g.wo = wo;
    if (!x || !gy || !dw) {
        free(x); free(gy); free(dw);
        return 0;
    }
    for (i = 0; i < (size_t)dc->n * xld; i++) x[i] = (float)((int)(dconv_hash(i) % 7) - 3);
    for (i = 0; i < (size_t)dc->n * gld; i++) gy[i] = (float)((int)(dconv_hash(i + 331) % 5) - 2);
    if (nn_k_conv_direct_gw(&g, dc->n, dc->o, x, xld, gy, gld, dw) != 0) ok = 0;
    for (o = 0; ok && o < dc->o; o++)
        for (c = 0; c < dc->c; c++)
            for (t = 0; t < 9; t++) {
                double s = 0;
                for (n = 0; n < dc->n; n++)
                    for (oy = 0; oy < ho; oy++)
                        for (ox = 0; ox < wo; ox++) {
                            int iy = oy - dc->ph + t / 3, ix = ox - dc->pw + t % 3;
                            if (iy < 0 || iy >= dc->h || ix < 0 || ix >= dc->w) continue;
                            s += (double)gy[(size_t)n * gld + (size_t)o * L + (size_t)oy * wo + ox] *
                                 x[(size_t)n * xld + (size_t)c * hw + (size_t)iy * dc->w + ix];
                        }
                if ((double)dw[(size_t)o * K + (size_t)c * 9 + (size_t)t] != s) ok = 0;
            }
    free(x); free(gy); free(dw);
    return ok;
}

static void conv_direct_gw_exact(void)
{
    /* n, c, h, w, o, (kh, kw), ph, pw, (dh, dw, bias) */
    static const dconv_case cases[] = {
        { 2, 3, 7, 9, 11, 3, 3, 1, 1, 1, 1, 0 },
        { 3, 70, 13, 72, 17, 3, 3, 1, 1, 1, 1, 0 },
        { 1, 16, 32, 32, 32, 3, 3, 1, 1, 1, 1, 0 },
        { 2, 5, 6, 8, 3, 3, 3, 0, 2, 1, 1, 0 },
    };
    dconv_each_path("direct weight-gradient", cases, sizeof cases / sizeof cases[0], dgw_exact_case, NULL);
}

/* ---- the same-convolution input gradient (nn_k_conv_gx_same) ----------------
 * Expected values: the general path's definition written out here, the
 * column matrix cols = w^T . gy as plain fmaf chains over o from +0 (the
 * GEMM's order, kernels.h) and nn_k_col2im into a zeroed image, on every
 * set including the scalar reference; the kernel under test is never used
 * for them. */
typedef struct gx_case {
    int n, c, o, h, w, kh, kw;
} gx_case;

static void gx_reference(const gx_case *gc, const float *w, const float *gy, float *x, float *cols)
{
    nn_k_conv_geom g;
    int i, k, o;
    size_t L = (size_t)gc->h * gc->w, K = (size_t)gc->c * gc->kh * gc->kw, l;
    g.c = gc->c; g.h = gc->h; g.w = gc->w; g.kh = gc->kh; g.kw = gc->kw;
    g.sh = g.sw = g.dh = g.dw = 1;
    g.ph = gc->kh / 2; g.pw = gc->kw / 2;
    g.ho = gc->h; g.wo = gc->w;
    memset(x, 0, sizeof(float) * (size_t)gc->n * gc->c * L);
    for (i = 0; i < gc->n; i++) {
        const float *gi = gy + (size_t)i * gc->o * L;
        for (k = 0; k < (int)K; k++)
            for (l = 0; l < L; l++) {
                float t = 0.0f;
                for (o = 0; o < gc->o; o++) t = fmaf(w[(size_t)o * K + (size_t)k], gi[(size_t)o * L + l], t);
                cols[(size_t)k * L + l] = t;
            }
        nn_k_col2im(&g, cols, x + (size_t)i * gc->c * L);
    }
}

static void gx_args(const gx_case *gc, nn_k_gx_same *a)
{
    memset(a, 0, sizeof *a);
    a->n = gc->n; a->c = gc->c; a->o = gc->o; a->h = gc->h; a->w = gc->w; a->kh = gc->kh; a->kw = gc->kw;
}

static void gx_run(const gx_case *gc, const float *w, const float *gy, float *x, float *pack)
{
    nn_k_gx_same a;
    memset(&a, 0, sizeof a);
    a.n = gc->n; a.c = gc->c; a.o = gc->o; a.h = gc->h; a.w = gc->w; a.kh = gc->kh; a.kw = gc->kw;
    a.wt = w;
    a.gy = gy;
    a.gy_ld = (size_t)gc->o * gc->h * gc->w;
    a.x = x;
    a.x_ld = (size_t)gc->c * gc->h * gc->w;
    a.pack = pack;
    nn_k_conv_gx_same(&a);
}

static void conv_gx_same_exact(void)
{
    /* n, c, o, h, w, kh, kw: SPADE's shapes shrunk, images from 1x1 to
     * wider than three vectors and narrower than one (and of 256 pixels or
     * more: gy copied with skewed channels), channel counts off every
     * block size, 1x1 to 7x7 kernels, unequal kh and kw */
    static const gx_case cases[] = {
        { 2, 16, 16, 16, 16, 3, 3 }, { 3, 13, 5, 9, 7, 3, 3 }, { 2, 6, 19, 4, 4, 3, 3 }, { 2, 9, 3, 2, 2, 3, 3 },
        { 1, 5, 4, 1, 1, 3, 3 }, { 2, 7, 6, 3, 20, 3, 3 }, { 1, 4, 1, 50, 1, 3, 3 }, { 2, 20, 12, 5, 11, 1, 1 },
        { 1, 3, 9, 7, 6, 5, 5 }, { 1, 2, 3, 8, 9, 7, 7 }, { 2, 5, 7, 6, 13, 1, 3 }, { 1, 8, 2, 11, 4, 5, 1 },
        { 1, 33, 17, 8, 8, 3, 3 }, { 1, 4, 8, 1, 37, 3, 3 }, { 2, 5, 3, 20, 30, 3, 3 }, { 1, 3, 2, 17, 19, 5, 3 },
    };
    nn_rng r;
    int p, orig = nn_k_path();
    size_t ci;
    nn_rng_init(&r, 16, NN_STREAM_DATA);
    for (ci = 0; ci < sizeof cases / sizeof cases[0]; ci++) {
        const gx_case *gc = &cases[ci];
        size_t L = (size_t)gc->h * gc->w, K = (size_t)gc->c * gc->kh * gc->kw;
        size_t nw = (size_t)gc->o * K, ngy = (size_t)gc->n * gc->o * L, nx = (size_t)gc->n * gc->c * L;
        size_t npack;
        nn_k_gx_same ga;
        float *w;
        gx_args(gc, &ga);
        npack = nn_k_gx_same_pack_floats(&ga);
        w = (float *)malloc(sizeof(float) * (nw + ngy + 2 * nx + K * L + npack));
        float *gy, *want, *got, *cols, *pack;
        if (!CHECK(w != NULL)) return;
        gy = w + nw;
        want = gy + ngy;
        got = want + nx;
        cols = got + nx;
        pack = cols + K * L;
        fill(&r, w, nw);
        fill(&r, gy, ngy);
        /* negative zeros, and an infinite weight at a corner tap: its
         * column values are NaN or infinite, and every pixel where that tap
         * falls outside the image must not see them */
        w[0] = -0.0f;
        gy[ngy - 1] = -0.0f;
        if (gc->kh * gc->kw > 1) w[nw - 1] = 1.0f / 0.0f;
        gx_reference(gc, w, gy, want, cols);
        FOR_EACH_PATH(p) {
            nn_k_path_set(p);
            memset(got, 0xFF, sizeof(float) * nx);   /* NaN garbage: every element must be written */
            gx_run(gc, w, gy, got, pack);
            if (!CHECK_EQ_MEM(want, got, nx * sizeof(float)))
                fprintf(stderr, "  gx case %lu on %s\n", (unsigned long)ci, nn_k_path_name(p));
        }
        free(w);
    }
    nn_k_path_set(orig);
}

/* ---- stride-2 4x4 transposed convolutions by sub-pixel parity ------------
 * conv_transpose2d(x [N,O,H,W], w [O,C,4,4], stride 2, padding 1) with C
 * of 8 or more and N H W of 256 or more (ops_conv.c gx_subpixel): each
 * output value is the chain
 * acc = fmaf(w[o][c][3-2di-a][3-2dj-b], x[n][o][m-1+a+di][p-1+b+dj], acc)
 * over (o, di, dj) ascending from +0 for output pixel (2m+a, 2p+b), an x
 * outside the image read as +0. Written out here as plain loops; on every
 * set, with -0, an infinite weight (NaN where its tap reads the padding)
 * and images from 1x1 up. The conv2d input gradient is the same sum. */
typedef struct subpix_case {
    int n, o, c, h, w;
} subpix_case;

static float subpix_ref(const subpix_case *sc, const float *x, const float *w, int n, int c, int y, int xo)
{
    int a = y % 2, b = xo % 2, m = y / 2, p = xo / 2, o, di, dj;
    float acc = 0.0f;
    for (o = 0; o < sc->o; o++)
        for (di = 0; di < 2; di++)
            for (dj = 0; dj < 2; dj++) {
                int iy = m - 1 + a + di, ix = p - 1 + b + dj;
                float wv = w[(((size_t)o * sc->c + (size_t)c) * 4 + (size_t)(3 - 2 * di - a)) * 4 + (size_t)(3 - 2 * dj - b)];
                float xv = iy < 0 || iy >= sc->h || ix < 0 || ix >= sc->w
                               ? 0.0f
                               : x[(((size_t)n * sc->o + (size_t)o) * sc->h + (size_t)iy) * sc->w + (size_t)ix];
                acc = fmaf(wv, xv, acc);
            }
    return acc;
}

static int subpix_case_ok(nn_rng *r, const subpix_case *sc, int grad)
{
    nn_ctx *ctx = nn_ctx_new(0);
    nn_conv_opts opts;
    int xs[4], ws[4], ok = 0, n, c, y, xo, H = 2 * sc->h, W = 2 * sc->w;
    nn_tensor *x, *w, *out = NULL;
    if (!ctx) return 0;
    memset(&opts, 0, sizeof opts);
    opts.stride = 2;
    opts.padding = 1;
    xs[0] = sc->n; xs[1] = sc->o; xs[2] = sc->h; xs[3] = sc->w;
    ws[0] = sc->o; ws[1] = sc->c; ws[2] = 4; ws[3] = 4;
    x = nn_tensor_new(ctx, 4, xs);
    w = nn_tensor_new(ctx, 4, ws);
    if (x && w) {
        fill(r, x->data, x->numel);
        fill(r, w->data, w->numel);
        w->data[0] = -0.0f;
        w->data[w->numel - 1] = 1.0f / 0.0f;
        if (!grad) {
            out = nn_conv_transpose2d(ctx, x, w, NULL, &opts);
        } else {
            /* the input gradient of conv2d(img [N,C,2H,2W], w) for upstream x */
            int is[4];
            nn_tensor *img, *y, *gr[1];
            is[0] = sc->n; is[1] = sc->c; is[2] = H; is[3] = W;
            img = nn_tensor_new(ctx, 4, is);
            if (img) {
                nn_tensor_set_requires_grad(img, 1);
                y = nn_conv2d(ctx, img, w, NULL, &opts);
                if (y && nn_grad(ctx, 1, &y, 1, &img, &x, 0, gr) == 0) out = gr[0];
            }
        }
    }
    if (out && out->numel == (size_t)sc->n * sc->c * H * W) {
        ok = 1;
        for (n = 0; n < sc->n && ok; n++)
            for (c = 0; c < sc->c && ok; c++)
                for (y = 0; y < H && ok; y++)
                    for (xo = 0; xo < W && ok; xo++) {
                        float want = subpix_ref(sc, x->data, w->data, n, c, y, xo);
                        float got = out->data[(((size_t)n * sc->c + (size_t)c) * H + (size_t)y) * W + (size_t)xo];
                        if (memcmp(&want, &got, sizeof want)) {
                            fprintf(stderr, "  subpixel (%d,%d,%d,%d): want %a got %a\n", n, c, y, xo, want, got);
                            ok = 0;
                        }
                    }
    }
    nn_ctx_free(ctx);
    return ok;
}

static void conv_subpixel_chains(void)
{
    /* n, o (channels in), c (out, >= 8), h, w; n h w >= 256 */
    static const subpix_case cases[] = {
        { 2, 5, 8, 12, 11 }, { 256, 3, 9, 1, 1 }, { 1, 4, 33, 16, 17 }, { 4, 64, 16, 8, 8 },
        { 1, 3, 12, 37, 7 }, { 4, 8, 8, 8, 8 }, { 1, 2, 20, 16, 16 },
        { 1, 64, 64, 16, 16 },   /* enough weights for the threads to share the regrouping */
    };
    nn_rng r;
    int p, orig = nn_k_path(), grad;
    size_t i;
    nn_rng_init(&r, 18, NN_STREAM_DATA);
    FOR_EACH_PATH(p) {
        nn_k_path_set(p);
        for (grad = 0; grad < 2; grad++)
            for (i = 0; i < sizeof cases / sizeof cases[0]; i++)
                if (!CHECK(subpix_case_ok(&r, &cases[i], grad)))
                    fprintf(stderr, "  subpixel case %lu, %s (%s)\n", (unsigned long)i,
                            grad ? "conv2d input gradient" : "conv_transpose2d", nn_k_path_name(p));
    }
    nn_k_path_set(orig);
}

/* Hand-derived: a 3x3 kernel w = 1..9 on a 3x3 image of ones sums the
 * taps that stay inside (12 at a corner, 45 in the middle); a 1x3 kernel
 * of ones on gy = (2^-24, 2^-24, 1) adds, for the middle pixel, 1 first
 * (tap 0 reads gy[2]), then the two small ones, each lost to rounding
 * (1, not the 1 + 2^-23 of the other order); and three output channels
 * whose products are 1, 2^-24, 2^-24 give 1 per pixel (the chain in
 * increasing o), on every set. */
static void conv_gx_same_by_hand(void)
{
    static const gx_case sq = { 1, 1, 1, 3, 3, 3, 3 }, row = { 1, 1, 1, 1, 3, 1, 3 }, ch = { 1, 1, 3, 4, 4, 1, 1 };
    static const float w9[9] = { 1, 2, 3, 4, 5, 6, 7, 8, 9 }, ones[9] = { 1, 1, 1, 1, 1, 1, 1, 1, 1 };
    static const float want9[9] = { 12, 21, 16, 27, 45, 33, 24, 39, 28 };
    float e = 1.0f / 16777216.0f, gyr[3], want3[3], gyc[48], x[16], pack[64];
    int p, orig = nn_k_path(), k;
    gyr[0] = e; gyr[1] = e; gyr[2] = 1.0f;
    want3[0] = 2 * e; want3[1] = 1.0f; want3[2] = 1.0f;
    for (k = 0; k < 16; k++) {
        gyc[k] = 1.0f;
        gyc[16 + k] = e;
        gyc[32 + k] = e;
    }
    FOR_EACH_PATH(p) {
        nn_k_path_set(p);
        gx_run(&sq, w9, ones, x, pack);
        CHECK_EQ_MEM(want9, x, sizeof want9);
        gx_run(&row, ones, gyr, x, pack);
        CHECK_EQ_MEM(want3, x, sizeof want3);
        gx_run(&ch, ones, gyc, x, pack);
        for (k = 0; k < 16; k++) CHECK_EQ_FBITS(1.0f, x[k]);
    }
    nn_k_path_set(orig);
}

/* nn_k_fma_rows by hand, rows of a 3x3 matrix times s = (1, 1, 1):
 * column 0 adds 1, 2^-24, 2^-24 in row order (1: each small one lost to
 * rounding; the other order gives 1 + 2^-23); column 1 is -1 + h + 0 with
 * h = 1 + 2^-12 (2^-12); column 2 is -0 products from +0, so +0 (a chain
 * started from -0 would stay -0). fmaf(h, h, -1) = 2^-11 + 2^-24 checks the
 * single rounding (the product rounded first gives 2^-11). Then every tail
 * of 1..70 columns of a strided matrix against plain fmaf chains. The same
 * for nn_k_fma_dots (chains along rows) on the transposed cases. */
static void fma_rows_chains(void)
{
    float e = 1.0f / 16777216.0f, h = 1.0f + 1.0f / 4096.0f;
    float a[9], at[9], s[3], y[3];
    float big[5 * 75], sv[5], got[72], ref[72];
    unsigned seed = 12345u;
    int p, orig = nn_k_path();
    size_t n, r, j, i;
    a[0] = 1.0f; a[1] = -1.0f; a[2] = -0.0f;
    a[3] = e;    a[4] = h;     a[5] = -0.0f;
    a[6] = e;    a[7] = 0.0f;  a[8] = -0.0f;
    s[0] = s[1] = s[2] = 1.0f;
    for (i = 0; i < 5 * 75; i++) {
        seed = seed * 1103515245u + 12345u;
        big[i] = (float)((int)(seed >> 16 & 0xFFFF) - 32768) / 4096.0f;
    }
    for (i = 0; i < 5; i++) sv[i] = 0.5f + (float)i * 0.37f;
    FOR_EACH_PATH(p) {
        nn_k_path_set(p);
        y[0] = y[1] = y[2] = NAN;
        nn_k_fma_rows(3, 3, a, 3, s, y);
        CHECK_EQ_FBITS(1.0f, y[0]);
        CHECK_EQ_FBITS(1.0f / 4096.0f, y[1]);
        CHECK_EQ_FBITS(0.0f, y[2]);
        {
            float a2[2], s2[2], y2 = NAN;
            a2[0] = -1.0f; a2[1] = h;
            s2[0] = 1.0f; s2[1] = h;
            nn_k_fma_rows(2, 1, a2, 1, s2, &y2);
            CHECK_EQ_FBITS(1.0f / 2048.0f + e, y2);
        }
        for (n = 1; n <= 70; n++) {
            for (j = 0; j < n; j++) {
                float acc = 0.0f;
                for (r = 0; r < 5; r++) acc = fmaf(big[r * 75 + j], sv[r], acc);
                ref[j] = acc;
            }
            got[n] = 12345.0f;
            nn_k_fma_rows(5, n, big, 75, sv, got);
            if (!CHECK_EQ_MEM(ref, got, n * sizeof(float)))
                fprintf(stderr, "  fma_rows n %lu on %s\n", (unsigned long)n, nn_k_path_name(p));
            CHECK_EQ_FBITS(12345.0f, got[n]);   /* nothing written past n */
        }
        /* nn_k_fma_dots: the same matrix read as 75 rows of 5 (lda 5),
         * then its first 1..70 rows of 3 with lda 5 */
        for (n = 1; n <= 70; n++) {
            size_t len = n % 2 ? 5 : 3;
            for (j = 0; j < n; j++) {
                float acc = 0.0f;
                for (r = 0; r < len; r++) acc = fmaf(big[j * 5 + r], sv[r], acc);
                ref[j] = acc;
            }
            got[n] = 12345.0f;
            nn_k_fma_dots(n, len, big, 5, sv, got);
            if (!CHECK_EQ_MEM(ref, got, n * sizeof(float)))
                fprintf(stderr, "  fma_dots m %lu on %s\n", (unsigned long)n, nn_k_path_name(p));
            CHECK_EQ_FBITS(12345.0f, got[n]);
        }
        for (i = 0; i < 9; i++) at[i % 3 * 3 + i / 3] = a[i];
        y[0] = y[1] = y[2] = NAN;
        nn_k_fma_dots(3, 3, at, 3, s, y);   /* the hand case along rows */
        CHECK_EQ_FBITS(1.0f, y[0]);
        CHECK_EQ_FBITS(1.0f / 4096.0f, y[1]);
        CHECK_EQ_FBITS(0.0f, y[2]);
    }
    nn_k_path_set(orig);
}

/* ---- the direct convolutions' chains, bit for bit (every set; written for
 * the NEON tiles, which the integer cases above do not tell apart) --------
 * Random values of mixed signs and magnitudes with exact zeros (fill), so
 * any change of order or of a tap's operand changes bits; the expected
 * values are kernels.h's definitions written out as plain fmaf chains
 * (the column value +0 in the padding), never the kernels. Shapes: ragged
 * channel counts and positions (every tile width and its narrow twins,
 * the weight gradient's 4-position steps and their tails), several bands,
 * dilation, unequal padding. */
static float dchain_x(const dconv_case *dc, const float *x, size_t xld, int n, int c, int iy, int ix)
{
    if (iy < 0 || iy >= dc->h || ix < 0 || ix >= dc->w) return 0.0f;
    return x[(size_t)n * xld + ((size_t)c * dc->h + (size_t)iy) * dc->w + (size_t)ix];
}

static int dchain_case(nn_rng *r, const dconv_case *dc, int gw)
{
    nn_k_conv_geom g;
    int ho = dc->h + 2 * dc->ph - dc->dh * (dc->kh - 1), wo = dc->w + 2 * dc->pw - dc->dw * (dc->kw - 1);
    int ok = 1, n, o, oy, ox, c, i, j;
    size_t L = (size_t)ho * wo, K = (size_t)dc->c * dc->kh * dc->kw, k;
    size_t xld = (size_t)dc->c * dc->h * dc->w, yld = (size_t)dc->o * L;
    size_t nx = (size_t)dc->n * xld, ny = (size_t)dc->n * yld, nw = (size_t)dc->o * K;
    float *x = (float *)malloc(sizeof(float) * (nx + 2 * ny + 2 * nw + (size_t)dc->o));
    float *y, *want, *w, *dw, *b;
    if (!x) return 0;
    y = x + nx;
    want = y + ny;
    w = want + ny;
    dw = w + nw;
    b = dw + nw;
    g.c = dc->c; g.h = dc->h; g.w = dc->w; g.kh = dc->kh; g.kw = dc->kw; g.sh = 1; g.sw = 1;
    g.ph = dc->ph; g.pw = dc->pw; g.dh = dc->dh; g.dw = dc->dw; g.ho = ho; g.wo = wo;
    fill(r, x, nx);
    fill(r, w, nw);
    fill(r, b, (size_t)dc->o);
    if (!gw) {
        for (n = 0; n < dc->n; n++)
            for (o = 0; o < dc->o; o++)
                for (oy = 0; oy < ho; oy++)
                    for (ox = 0; ox < wo; ox++) {
                        float acc = 0.0f;
                        for (c = 0, k = 0; c < dc->c; c++)
                            for (i = 0; i < dc->kh; i++)
                                for (j = 0; j < dc->kw; j++, k++)
                                    acc = fmaf(w[(size_t)o * K + k],
                                               dchain_x(dc, x, xld, n, c, oy - dc->ph + i * dc->dh, ox - dc->pw + j * dc->dw),
                                               acc);
                        want[(size_t)n * yld + (size_t)o * L + (size_t)oy * wo + ox] = dc->bias ? acc + b[o] : acc;
                    }
        if (nn_k_conv_direct(&g, dc->n, dc->o, x, xld, w, dc->bias ? b : NULL, y, yld) != 0) ok = 0;
        ok = ok && memcmp(want, y, sizeof(float) * ny) == 0;
    } else {
        fill(r, y, ny);   /* gy */
        for (o = 0; o < dc->o; o++)
            for (c = 0, k = 0; c < dc->c; c++)
                for (i = 0; i < 3; i++)
                    for (j = 0; j < 3; j++, k++) {
                        float acc = 0.0f;
                        for (n = 0; n < dc->n; n++)
                            for (oy = 0; oy < ho; oy++)
                                for (ox = 0; ox < wo; ox++)
                                    acc = fmaf(y[(size_t)n * yld + (size_t)o * L + (size_t)oy * wo + ox],
                                               dchain_x(dc, x, xld, n, c, oy - dc->ph + i, ox - dc->pw + j), acc);
                        w[(size_t)o * K + k] = acc;
                    }
        if (nn_k_conv_direct_gw(&g, dc->n, dc->o, x, xld, y, yld, dw) != 0) ok = 0;
        ok = ok && memcmp(w, dw, sizeof(float) * nw) == 0;
    }
    free(x);
    return ok;
}

static int dchain_fwd_case(nn_rng *r, const dconv_case *dc)
{
    return dchain_case(r, dc, 0);
}

static int dchain_gw_case(nn_rng *r, const dconv_case *dc)
{
    return dchain_case(r, dc, 1);
}

static void conv_direct_chains(void)
{
    /* n, c, h, w, o, kh, kw, ph, pw, dh, dw, bias */
    static const dconv_case fwd[] = {
        { 2, 3, 7, 9, 11, 3, 3, 1, 1, 1, 1, 1 },     /* 8 + 3 channels, 7 rows of 9 */
        { 1, 5, 16, 16, 17, 3, 3, 1, 1, 1, 1, 0 },
        { 2, 70, 9, 70, 9, 3, 3, 1, 1, 1, 1, 1 },    /* bands */
        { 2, 4, 9, 10, 3, 3, 2, 2, 2, 2, 1, 0 },     /* dilation, unequal padding */
        { 2, 6, 8, 5, 19, 1, 1, 0, 0, 1, 1, 1 },     /* 1x1 */
        { 3, 5, 6, 6, 2, 4, 4, 2, 2, 1, 1, 0 },      /* 4x4, padding 2 */
        { 1, 2, 1, 3, 8, 1, 1, 0, 0, 1, 1, 1 },      /* 3 positions: the narrowest tile */
        { 1, 2, 2, 3, 8, 1, 1, 0, 0, 1, 1, 0 },      /* 6: the 8-wide one */
    };
    static const dconv_case bwd[] = {
        { 2, 3, 7, 9, 11, 3, 3, 1, 1, 1, 1, 0 },     /* wo 9: two 4-position steps + 1 */
        { 1, 2, 5, 4, 8, 3, 3, 1, 1, 1, 1, 0 },      /* wo 4 */
        { 2, 5, 6, 8, 3, 3, 3, 0, 2, 1, 1, 0 },      /* padding 0 and 2: wo 10 */
        { 3, 70, 6, 72, 17, 3, 3, 1, 1, 1, 1, 0 },   /* bands */
        { 1, 3, 4, 3, 5, 3, 3, 1, 0, 1, 1, 0 },      /* wo 1: tails only */
    };
    nn_rng r;
    nn_rng_init(&r, 17, NN_STREAM_DATA);
    dconv_each_path("direct conv chain", fwd, sizeof fwd / sizeof fwd[0], dchain_fwd_case, &r);
    dconv_each_path("direct weight-gradient chain", bwd, sizeof bwd / sizeof bwd[0], dchain_gw_case, &r);
}

const test_case kernels_tests[] = {
    TEST(path_api),
    TEST(sgemm_bit_identical),
    TEST(gemm_views_exact),
    TEST(gemm_trans_segments),
    TEST(gemm_plain_blocks),
    TEST(lsum_bit_identical),
    TEST(relu_bit_identical),
    TEST(adam_bit_identical),
    TEST(conv_bit_identical),
    TEST(conv_pack_exact),
    TEST(conv_direct_padding_zeros),
    TEST(conv_direct_by_hand),
    TEST(conv_direct_exact),
    TEST(conv_direct_gw_by_hand),
    TEST(conv_direct_gw_exact),
    TEST(conv_gx_same_exact),
    TEST(conv_gx_same_by_hand),
    TEST(fma_rows_chains),
    TEST(conv_direct_chains),
    TEST(conv_subpixel_chains),
    TEST_END
};
