/* Choosing the kernel set (kernels.h) once, and routing the seam's
 * functions to it (doc/design.md §4.5).
 *
 * Order of choice, on first use:
 *   1. GAN99_SIMD=scalar|avx2|avx512|neon in the environment, when that set
 *      is compiled in and the CPU has it (tests and benches switch paths);
 *   2. the build's force (make SIMD=avx2 defines GAN99_SIMD_FORCE_AVX2);
 *   3. the best set the CPU has: AVX-512 > AVX2 > scalar on x86-64, NEON on
 *      aarch64 (part of the base architecture there).
 * x86 detection asks cpuid for the instructions and xgetbv for whether the
 * OS saves the YMM/ZMM registers on a context switch: a CPU may have AVX-512
 * that the OS (or hypervisor) has not enabled. Only this file includes
 * <cpuid.h>, and only for builds that compile an x86 set. Every set gives
 * the same bits, so the choice changes speed only. */
#include "arch.h"

#include <stdlib.h>
#include <string.h>

#if defined(GAN99_HAVE_AVX2) || defined(GAN99_HAVE_AVX512)
#include <cpuid.h>
#define GAN99_X86_DETECT 1
#endif
#ifdef _OPENMP
#include <omp.h>
#endif

static const char *const path_names[NN_K_NPATHS] = { "scalar", "avx2", "avx512", "neon" };

/* -1 until chosen. A race between two first calls is benign: both compute
 * the same value. */
static int active = -1;

#ifdef GAN99_X86_DETECT
static unsigned long long read_xcr0(void)
{
    unsigned lo, hi;
    __asm__ __volatile__("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return ((unsigned long long)hi << 32) | lo;
}

static int x86_has(int path)
{
    unsigned a, b, c, d;
    unsigned long long xcr0;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    /* OSXSAVE (27), AVX (28), FMA (12) */
    if (!(c & (1u << 27)) || !(c & (1u << 28)) || !(c & (1u << 12))) return 0;
    xcr0 = read_xcr0();
    if ((xcr0 & 0x6) != 0x6) return 0;                 /* XMM and YMM state */
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
    if (!(b & (1u << 5))) return 0;                    /* AVX2 */
    if (path == NN_K_AVX2) return 1;
    /* AVX-512 F (16), DQ (17), BW (30), VL (31), and the opmask, ZMM_Hi256
     * and Hi16_ZMM states (XCR0 bits 5, 6, 7) */
    return (b & (1u << 16)) && (b & (1u << 17)) && (b & (1u << 30)) && (b & (1u << 31)) &&
           (xcr0 & 0xE0) == 0xE0;
}
#endif

int nn_k_path_supported(int path)
{
    switch (path) {
    case NN_K_SCALAR: return 1;
#ifdef GAN99_HAVE_AVX2
    case NN_K_AVX2: return x86_has(NN_K_AVX2);
#endif
#ifdef GAN99_HAVE_AVX512
    case NN_K_AVX512: return x86_has(NN_K_AVX512);
#endif
#ifdef GAN99_HAVE_NEON
    case NN_K_NEON: return 1;
#endif
    default: return 0;
    }
}

const char *nn_k_path_name(int path)
{
    return path >= 0 && path < NN_K_NPATHS ? path_names[path] : "?";
}

int nn_k_path_from_name(const char *name)
{
    int p;
    for (p = 0; name && p < NN_K_NPATHS; p++)
        if (strcmp(name, path_names[p]) == 0) return p;
    return -1;
}

static int choose(void)
{
    int p = nn_k_path_from_name(getenv("GAN99_SIMD"));
    if (p >= 0 && nn_k_path_supported(p)) return p;
#if defined(GAN99_SIMD_FORCE_SCALAR)
    return NN_K_SCALAR;
#elif defined(GAN99_SIMD_FORCE_AVX2)
    return nn_k_path_supported(NN_K_AVX2) ? NN_K_AVX2 : NN_K_SCALAR;
#elif defined(GAN99_SIMD_FORCE_AVX512)
    return nn_k_path_supported(NN_K_AVX512) ? NN_K_AVX512 : NN_K_SCALAR;
#else
    if (nn_k_path_supported(NN_K_AVX512)) return NN_K_AVX512;
    if (nn_k_path_supported(NN_K_AVX2)) return NN_K_AVX2;
    if (nn_k_path_supported(NN_K_NEON)) return NN_K_NEON;
    return NN_K_SCALAR;
#endif
}

int nn_k_path(void)
{
    if (active < 0) active = choose();
    return active;
}

int nn_k_path_set(int path)
{
    if (!nn_k_path_supported(path)) return -1;
    active = path;
    return 0;
}

int nn_k_threads(void)
{
#ifdef _OPENMP
    return omp_get_max_threads();
#else
    return 1;
#endif
}

/* ---- the seam's functions, routed ------------------------------------------ */

static const nn_k_gemm_tile *active_tile(void)
{
    switch (nn_k_path()) {
#ifdef GAN99_HAVE_AVX512
    case NN_K_AVX512: return &nn_k_tile_avx512;
#endif
#ifdef GAN99_HAVE_AVX2
    case NN_K_AVX2: return &nn_k_tile_avx2;
#endif
#ifdef GAN99_HAVE_NEON
    case NN_K_NEON: return &nn_k_tile_neon;
#endif
    default: return &nn_k_tile_scalar;
    }
}

void nn_k_gemm(size_t m, size_t n, size_t k, const nn_k_view *a, const nn_k_view *b, float *c, size_t ldc,
               size_t cseg, size_t cseg_ld)
{
    nn_k_gemm_blocked(active_tile(), m, n, k, a, b, c, ldc, cseg, cseg_ld, 0);
}

void nn_k_gemm_over(size_t m, size_t n, size_t k, const nn_k_view *a, const nn_k_view *b, float *c, size_t ldc,
                    size_t cseg, size_t cseg_ld)
{
    nn_k_gemm_blocked(active_tile(), m, n, k, a, b, c, ldc, cseg, cseg_ld, 1);
}

void nn_k_sgemm(int ta, int tb, size_t m, size_t n, size_t k, const float *a, size_t lda,
                const float *b, size_t ldb, float *c, size_t ldc)
{
    nn_k_view va, vb;
    memset(&va, 0, sizeof va);
    memset(&vb, 0, sizeof vb);
    va.p = a;
    va.ld = lda;
    va.trans = ta;
    vb.p = b;
    vb.ld = ldb;
    vb.trans = tb;
    nn_k_gemm(m, n, k, &va, &vb, c, ldc, 0, 0);
}

void nn_k_add_evens(float *dst, const float *src, size_t n)
{
    size_t t;
    switch (nn_k_path()) {
#ifdef GAN99_HAVE_AVX512
    case NN_K_AVX512: nn_k_add_evens_avx512(dst, src, n); return;
#endif
#ifdef GAN99_HAVE_AVX2
    case NN_K_AVX2: nn_k_add_evens_avx2(dst, src, n); return;
#endif
#ifdef GAN99_HAVE_NEON
    case NN_K_NEON: nn_k_add_evens_neon(dst, src, n); return;
#endif
    default:
        for (t = 0; t < n; t++) dst[2 * t] += src[t];
        return;
    }
}

void nn_k_lsum_add(nn_k_lsum *acc, const float *x, size_t n)
{
    switch (nn_k_path()) {
#ifdef GAN99_HAVE_AVX512
    case NN_K_AVX512: nn_k_lsum_add_avx512(acc, x, n); return;
#endif
#ifdef GAN99_HAVE_AVX2
    case NN_K_AVX2: nn_k_lsum_add_avx2(acc, x, n); return;
#endif
#ifdef GAN99_HAVE_NEON
    case NN_K_NEON: nn_k_lsum_add_neon(acc, x, n); return;
#endif
    default: nn_k_lsum_add_scalar(acc, x, n); return;
    }
}

void nn_k_fma_rows(size_t m, size_t n, const float *a, size_t lda, const float *s, float *y)
{
    switch (nn_k_path()) {
#ifdef GAN99_HAVE_AVX512
    case NN_K_AVX512: nn_k_fma_rows_avx512(m, n, a, lda, s, y); return;
#endif
#ifdef GAN99_HAVE_AVX2
    case NN_K_AVX2: nn_k_fma_rows_avx2(m, n, a, lda, s, y); return;
#endif
#ifdef GAN99_HAVE_NEON
    case NN_K_NEON: nn_k_fma_rows_neon(m, n, a, lda, s, y); return;
#endif
    default: nn_k_fma_rows_scalar(m, n, a, lda, s, y); return;
    }
}

void nn_k_fma_dots(size_t m, size_t n, const float *a, size_t lda, const float *v, float *y)
{
    switch (nn_k_path()) {
#ifdef GAN99_HAVE_AVX512
    case NN_K_AVX512: nn_k_fma_dots_avx512(m, n, a, lda, v, y); return;
#endif
#ifdef GAN99_HAVE_AVX2
    case NN_K_AVX2: nn_k_fma_dots_avx2(m, n, a, lda, v, y); return;
#endif
#ifdef GAN99_HAVE_NEON
    case NN_K_NEON: nn_k_fma_dots_neon(m, n, a, lda, v, y); return;
#endif
    default: nn_k_fma_dots_scalar(m, n, a, lda, v, y); return;
    }
}

static void adam_one(const nn_k_adam_coef *c, size_t n, float *w, const float *g, float *m, float *v)
{
    switch (nn_k_path()) {
#ifdef GAN99_HAVE_AVX512
    case NN_K_AVX512: nn_k_adam_avx512(c, n, w, g, m, v); return;
#endif
#ifdef GAN99_HAVE_AVX2
    case NN_K_AVX2: nn_k_adam_avx2(c, n, w, g, m, v); return;
#endif
#ifdef GAN99_HAVE_NEON
    case NN_K_NEON: nn_k_adam_neon(c, n, w, g, m, v); return;
#endif
    default: nn_k_adam_scalar(c, n, w, g, m, v); return;
    }
}

static void relu_one(size_t n, const float *x, float *y)
{
    switch (nn_k_path()) {
#ifdef GAN99_HAVE_AVX512
    case NN_K_AVX512: nn_k_relu_avx512(n, x, y); return;
#endif
#ifdef GAN99_HAVE_AVX2
    case NN_K_AVX2: nn_k_relu_avx2(n, x, y); return;
#endif
#ifdef GAN99_HAVE_NEON
    case NN_K_NEON: nn_k_relu_neon(n, x, y); return;
#endif
    default: nn_k_relu_scalar(n, x, y); return;
    }
}

static void leaky_relu_one(size_t n, const float *x, float slope, float *y)
{
    switch (nn_k_path()) {
#ifdef GAN99_HAVE_AVX512
    case NN_K_AVX512: nn_k_leaky_relu_avx512(n, x, slope, y); return;
#endif
#ifdef GAN99_HAVE_AVX2
    case NN_K_AVX2: nn_k_leaky_relu_avx2(n, x, slope, y); return;
#endif
#ifdef GAN99_HAVE_NEON
    case NN_K_NEON: nn_k_leaky_relu_neon(n, x, slope, y); return;
#endif
    default: nn_k_leaky_relu_scalar(n, x, slope, y); return;
    }
}

static void leaky_relu_grad_one(size_t n, const float *x, const float *dy, float slope, float *dx)
{
    switch (nn_k_path()) {
#ifdef GAN99_HAVE_AVX512
    case NN_K_AVX512: nn_k_leaky_relu_grad_avx512(n, x, dy, slope, dx); return;
#endif
#ifdef GAN99_HAVE_AVX2
    case NN_K_AVX2: nn_k_leaky_relu_grad_avx2(n, x, dy, slope, dx); return;
#endif
#ifdef GAN99_HAVE_NEON
    case NN_K_NEON: nn_k_leaky_relu_grad_neon(n, x, dy, slope, dx); return;
#endif
    default: nn_k_leaky_relu_grad_scalar(n, x, dy, slope, dx); return;
    }
}

static void relu_grad_one(size_t n, const float *x, const float *dy, float *dx)
{
    switch (nn_k_path()) {
#ifdef GAN99_HAVE_AVX512
    case NN_K_AVX512: nn_k_relu_grad_avx512(n, x, dy, dx); return;
#endif
#ifdef GAN99_HAVE_AVX2
    case NN_K_AVX2: nn_k_relu_grad_avx2(n, x, dy, dx); return;
#endif
#ifdef GAN99_HAVE_NEON
    case NN_K_NEON: nn_k_relu_grad_neon(n, x, dy, dx); return;
#endif
    default: nn_k_relu_grad_scalar(n, x, dy, dx); return;
    }
}

static void adam_wd_one(const nn_k_adam_coef *c, float wd, size_t n, float *w, const float *g, float *m, float *v)
{
    switch (nn_k_path()) {
#ifdef GAN99_HAVE_AVX512
    case NN_K_AVX512: nn_k_adam_wd_avx512(c, wd, n, w, g, m, v); return;
#endif
#ifdef GAN99_HAVE_AVX2
    case NN_K_AVX2: nn_k_adam_wd_avx2(c, wd, n, w, g, m, v); return;
#endif
#ifdef GAN99_HAVE_NEON
    case NN_K_NEON: nn_k_adam_wd_neon(c, wd, n, w, g, m, v); return;
#endif
    default: nn_k_adam_wd_scalar(c, wd, n, w, g, m, v); return;
    }
}

/* ---- the same-convolution input gradient (conv_gx.c) ------------------------ */

nn_k_gx_block_fn nn_k_gx_block_active(void)
{
    switch (nn_k_path()) {
#ifdef GAN99_HAVE_AVX512
    case NN_K_AVX512: return nn_k_gx_block_avx512;
#endif
#ifdef GAN99_HAVE_AVX2
    case NN_K_AVX2: return nn_k_gx_block_avx2;
#endif
#ifdef GAN99_HAVE_NEON
    case NN_K_NEON: return nn_k_gx_block_neon;
#endif
    default: return nn_k_gx_block_scalar;
    }
}

int nn_k_conv_gx_same_fast(void)
{
    return nn_k_gx_block_active() != nn_k_gx_block_scalar;
}

int nn_k_conv_direct_fast(void)
{
    return nn_k_dconv_active() != &nn_k_dconv_scalar;
}

/* ---- packing a convolution's column matrix (conv_pack_*.c) ------------------ */

const nn_k_cpacker *nn_k_cpack_active(void)
{
    switch (nn_k_path()) {
#ifdef GAN99_HAVE_AVX512
    case NN_K_AVX512: return &nn_k_cpack_avx512;
#endif
#ifdef GAN99_HAVE_AVX2
    case NN_K_AVX2: return &nn_k_cpack_avx2;
#endif
    default: return NULL;
    }
}

/* ---- elementwise kernels over threads -------------------------------------
 * Each element is computed alone, so splitting the range over threads
 * changes no bit. Below PAR_MIN elements a team costs more than it saves;
 * ranges are cut at multiples of 16 floats (whole vectors). */
#define PAR_MIN ((size_t)1 << 16)

static int par_threads(size_t n)
{
#ifdef _OPENMP
    int T = nn_k_threads();
    return n >= PAR_MIN && T > 1 && !omp_in_parallel() ? T : 1;
#else
    (void)n;
    return 1;
#endif
}

/* Part t of T of [0, n): [*lo, *hi). */
static void par_range(size_t n, int T, int t, size_t *lo, size_t *hi)
{
    size_t blocks = (n + 15) / 16;
    *lo = blocks * (size_t)t / (size_t)T * 16;
    *hi = blocks * (size_t)(t + 1) / (size_t)T * 16;
    if (*lo > n) *lo = n;
    if (*hi > n) *hi = n;
}

/* The arguments of one elementwise kernel call. */
typedef struct ew_args {
    int kind;
    size_t n;
    const float *x, *dy;
    float slope, wd, *y;
    const nn_k_adam_coef *c;
    float *w, *m, *v;
    const float *g;
} ew_args;

enum { EW_ZERO, EW_RELU, EW_RELU_GRAD, EW_LEAKY, EW_LEAKY_GRAD, EW_ADAM, EW_ADAM_WD };

static void ew_part(const ew_args *a, size_t lo, size_t hi)
{
    size_t n = hi - lo;
    switch (a->kind) {
    case EW_ZERO: memset(a->y + lo, 0, n * sizeof(float)); break;
    case EW_RELU: relu_one(n, a->x + lo, a->y + lo); break;
    case EW_RELU_GRAD: relu_grad_one(n, a->x + lo, a->dy + lo, a->y + lo); break;
    case EW_LEAKY: leaky_relu_one(n, a->x + lo, a->slope, a->y + lo); break;
    case EW_LEAKY_GRAD: leaky_relu_grad_one(n, a->x + lo, a->dy + lo, a->slope, a->y + lo); break;
    case EW_ADAM: adam_one(a->c, n, a->w + lo, a->g + lo, a->m + lo, a->v + lo); break;
    default: adam_wd_one(a->c, a->wd, n, a->w + lo, a->g + lo, a->m + lo, a->v + lo); break;
    }
}

static void ew_run(const ew_args *a)
{
    int T = par_threads(a->n);
    if (T == 1) {
        ew_part(a, 0, a->n);
        return;
    }
#ifdef _OPENMP
#pragma omp parallel num_threads(T)
    {
        size_t lo, hi;
        par_range(a->n, omp_get_num_threads(), omp_get_thread_num(), &lo, &hi);
        if (lo < hi) ew_part(a, lo, hi);
    }
#endif
}

void nn_k_zero(float *p, size_t n)
{
    ew_args a;
    memset(&a, 0, sizeof a);
    a.kind = EW_ZERO;
    a.n = n;
    a.y = p;
    ew_run(&a);
}

void nn_k_relu(size_t n, const float *x, float *y)
{
    ew_args a;
    memset(&a, 0, sizeof a);
    a.kind = EW_RELU;
    a.n = n;
    a.x = x;
    a.y = y;
    ew_run(&a);
}

void nn_k_relu_grad(size_t n, const float *x, const float *dy, float *dx)
{
    ew_args a;
    memset(&a, 0, sizeof a);
    a.kind = EW_RELU_GRAD;
    a.n = n;
    a.x = x;
    a.dy = dy;
    a.y = dx;
    ew_run(&a);
}

void nn_k_leaky_relu(size_t n, const float *x, float slope, float *y)
{
    ew_args a;
    memset(&a, 0, sizeof a);
    a.kind = EW_LEAKY;
    a.n = n;
    a.x = x;
    a.slope = slope;
    a.y = y;
    ew_run(&a);
}

void nn_k_leaky_relu_grad(size_t n, const float *x, const float *dy, float slope, float *dx)
{
    ew_args a;
    memset(&a, 0, sizeof a);
    a.kind = EW_LEAKY_GRAD;
    a.n = n;
    a.x = x;
    a.dy = dy;
    a.slope = slope;
    a.y = dx;
    ew_run(&a);
}

void nn_k_adam(const nn_k_adam_coef *c, size_t n, float *w, const float *g, float *m, float *v)
{
    ew_args a;
    memset(&a, 0, sizeof a);
    a.kind = EW_ADAM;
    a.n = n;
    a.c = c;
    a.w = w;
    a.g = g;
    a.m = m;
    a.v = v;
    ew_run(&a);
}

void nn_k_adam_wd(const nn_k_adam_coef *c, float wd, size_t n, float *w, const float *g, float *m, float *v)
{
    ew_args a;
    memset(&a, 0, sizeof a);
    a.kind = EW_ADAM_WD;
    a.n = n;
    a.c = c;
    a.wd = wd;
    a.w = w;
    a.g = g;
    a.m = m;
    a.v = v;
    ew_run(&a);
}

/* ---- direct convolution tiles (conv_direct.c) ------------------------------ */
const nn_k_dconv_tile *nn_k_dconv_active(void)
{
    switch (nn_k_path()) {
#ifdef GAN99_HAVE_AVX512
    case NN_K_AVX512: return &nn_k_dconv_avx512;
#endif
#ifdef GAN99_HAVE_AVX2
    case NN_K_AVX2: return &nn_k_dconv_avx2;
#endif
#ifdef GAN99_HAVE_NEON
    case NN_K_NEON: return &nn_k_dconv_neon;
#endif
    default: return &nn_k_dconv_scalar;
    }
}

const nn_k_dgw_tile *nn_k_dgw_active(void)
{
    switch (nn_k_path()) {
#ifdef GAN99_HAVE_AVX512
    case NN_K_AVX512: return &nn_k_dgw_avx512;
#endif
#ifdef GAN99_HAVE_AVX2
    case NN_K_AVX2: return &nn_k_dgw_avx2;
#endif
#ifdef GAN99_HAVE_NEON
    case NN_K_NEON: return &nn_k_dgw_neon;
#endif
    default: return &nn_k_dgw_scalar;
    }
}
