/* The kernel sets against the scalar reference, bit for bit (SPEC.md §3,
 * nn/kernels/kernels.h). Every kernel of every set this build compiled and
 * this CPU runs (switched at run time with nn_k_path_set) must give the
 * very bytes of nn/kernels/scalar.c: the SGEMM on odd sizes and all
 * transposes (tails of every tile shape, k blocks, row blocks), the long
 * sum at every stream offset, Adam, and conv2d / conv_transpose2d with
 * their gradients. The expected values are the scalar reference's, an
 * independent code path; the reference itself is checked against
 * hand-derived values in test_nn.c and against PyTorch in test_nn_ops.c.
 * A build with no SIMD set (tcc, s390x) compares the reference with
 * itself and checks only the path API. */
#include "test.h"
#include "../nn/nn.h"
#include "../nn/kernels/kernels.h"

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
    nn_k_path_set(NN_K_SCALAR);
    nn_k_sgemm(ta, tb, m, n, k, a, lda, b, ldb, c0, ldc);
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
    int p, orig = nn_k_path(), ta, tb;
    size_t im, in, ik;
    nn_rng r;
    nn_rng_init(&r, 11, NN_STREAM_DATA);
    FOR_EACH_SIMD_PATH(p) {
        for (ta = 0; ta < 2; ta++)
            for (tb = 0; tb < 2; tb++)
                for (im = 0; im < 5; im++)
                    for (in = 0; in < 5; in++)
                        for (ik = 0; ik < 5; ik++)
                            CHECK(sgemm_case(&r, p, ta, tb, sizes[im], sizes[in], sizes[ik]));
        /* more than one k block, row block and thread's share, ragged */
        for (ta = 0; ta < 2; ta++)
            for (tb = 0; tb < 2; tb++) CHECK(sgemm_case(&r, p, ta, tb, 261, 101, 530));
        /* k = 0 leaves C alone; m or n = 0 touches nothing */
        CHECK(sgemm_case(&r, p, 0, 0, 5, 9, 0));
        CHECK(sgemm_case(&r, p, 1, 1, 0, 9, 4));
    }
    nn_k_path_set(orig);
}

/* The long sum from every stream offset and chunking, and its partials. */
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

const test_case kernels_tests[] = {
    TEST(path_api),
    TEST(sgemm_bit_identical),
    TEST(lsum_bit_identical),
    TEST(adam_bit_identical),
    TEST(conv_bit_identical),
    TEST_END
};
