/* The machine's fp32 FMA peak, measured (kernels.h nn_k_peak_gflops), so a
 * benchmark can print its GEMM figures as a fraction of what this CPU does
 * rather than of an assumed number. Each kernel set has a twin that runs
 * independent chains of fused multiply-adds and nothing else (no loads, no
 * stores); this file holds the scalar twin, picks the active set's, and
 * times it on one or more threads. */
#include "arch.h"
#include "../../base/base.h"

#include <math.h>
#ifdef _OPENMP
#include <omp.h>
#endif

/* The scalar set's ceiling: 16 chains of fmaf, as the scalar GEMM tile
 * issues them. Where fmaf is a library call (x86-64 without -mfma) this is
 * far below the vector units' peak: callers print which set measured it. */
double nn_k_peak_run_scalar(long rounds, float seed, float *keep)
{
    float a[16], s = 0.0f;
    long r;
    int j;
    for (j = 0; j < 16; j++) a[j] = seed + (float)j;
    for (r = 0; r < rounds; r++)
        for (j = 0; j < 16; j++) a[j] = fmaf(a[j], 0.5f, 0.5f);
    for (j = 0; j < 16; j++) s += a[j];
    *keep = s;
    return (double)rounds * 16.0 * 2.0;
}

/* rounds of the active set's chains; returns the FLOPs done (an FMA is 2) */
static double peak_run(long rounds, float seed, float *keep)
{
    switch (nn_k_path()) {
#ifdef GAN99_HAVE_AVX512
    case NN_K_AVX512: return nn_k_peak_run_avx512(rounds, seed, keep);
#endif
#ifdef GAN99_HAVE_AVX2
    case NN_K_AVX2: return nn_k_peak_run_avx2(rounds, seed, keep);
#endif
#ifdef GAN99_HAVE_NEON
    case NN_K_NEON: return nn_k_peak_run_neon(rounds, seed, keep);
#endif
    default: return nn_k_peak_run_scalar(rounds, seed, keep);
    }
}

/* Keeps the chains' results alive, so the compiler cannot drop them. */
static volatile float peak_sink;

double nn_k_peak_gflops(int threads)
{
    long rounds = 1024;
    double t, best = 0.0;
    float keep = 0.0f;
    int rep;
    if (threads < 1) threads = 1;
    /* rounds that take about 5 ms on one thread: long enough for the
     * clock, short enough that some of the runs find the cores free on a
     * shared machine */
    for (;;) {
        double t0 = g99_now_seconds();
        peak_run(rounds, 1.0f, &keep);
        t = g99_now_seconds() - t0;
        if (t >= 0.002 || rounds >= (1L << 28)) break;
        rounds *= 4;
    }
    if (t > 0.0 && t < 0.005) rounds = (long)((double)rounds * (0.005 / t));
    /* best of 20: other processes only ever take time away */
    for (rep = 0; rep < 20; rep++) {
        double flops = 0.0, t0 = g99_now_seconds(), gf;
#ifdef _OPENMP
#pragma omp parallel num_threads(threads) reduction(+ : flops, keep)
        {
            float k;
            flops += peak_run(rounds, 1.0f + (float)omp_get_thread_num(), &k);
            keep += k;
        }
#else
        flops = peak_run(rounds, 1.0f, &keep);
#endif
        t = g99_now_seconds() - t0;
        gf = t > 0.0 ? flops / t * 1e-9 : 0.0;
        if (gf > best) best = gf;
    }
    peak_sink = keep;
    return best;
}
