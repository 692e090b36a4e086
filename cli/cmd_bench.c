/* gan99 bench: speed figures that can be compared across machines, each
 * next to the reference where one is at hand (libm for the math functions).
 * Results are printed, never asserted: speed is no test (DEVELOPERS.md). */
#define _POSIX_C_SOURCE 200809L
#include "cli.h"
#include "../nn/nn.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Keeps results alive so the compiler cannot drop the timed loops. */
static volatile float sink;

typedef float (*unary_fn)(float);

static float libm_sigmoid(float x) { return 1.0f / (1.0f + expf(-x)); }
static float gan_pow2(float x) { return nn_powf(x, 1.37f); }
static float libm_pow2(float x) { return powf(x, 1.37f); }

/* Best of 3 runs over n arguments spread over [lo, hi): ns per call. */
static double time_unary(unary_fn fn, float lo, float hi, long n)
{
    double best = 1e30;
    int rep;
    for (rep = 0; rep < 3; rep++) {
        float acc = 0.0f, step = (hi - lo) / (float)n;
        double t0 = now_seconds(), t;
        long i;
        for (i = 0; i < n; i++) acc += fn(lo + step * (float)i);
        t = now_seconds() - t0;
        sink = acc;
        if (t < best) best = t;
    }
    return best * 1e9 / (double)n;
}

static void bench_math(long n)
{
    static const struct {
        const char *name;
        unary_fn ours, libm;
        float lo, hi;
    } fns[] = {
        { "exp", nn_expf, expf, -80.0f, 80.0f },
        { "log", nn_logf, logf, 1e-30f, 1e30f },
        { "tanh", nn_tanhf, tanhf, -10.0f, 10.0f },
        { "sigmoid", nn_sigmoidf, libm_sigmoid, -20.0f, 20.0f },
        { "sin", nn_sinf, sinf, -100.0f, 100.0f },
        { "cos", nn_cosf, cosf, -100.0f, 100.0f },
        { "pow(x,1.37)", gan_pow2, libm_pow2, 0.001f, 1000.0f },
    };
    size_t i;
    printf("math: ns per call (gan99 vs the host libm's float function; libm is not used by gan99)\n");
    printf("  %-12s %10s %10s %8s\n", "function", "gan99", "libm", "ratio");
    for (i = 0; i < sizeof fns / sizeof fns[0]; i++) {
        double a = time_unary(fns[i].ours, fns[i].lo, fns[i].hi, n);
        double b = time_unary(fns[i].libm, fns[i].lo, fns[i].hi, n);
        printf("  %-12s %10.2f %10.2f %7.2fx\n", fns[i].name, a, b, a / b);
    }
}

static void bench_prng(long n)
{
    nn_rng r;
    float *buf = (float *)malloc(sizeof(float) * 4096);
    double t0, t;
    long i;
    uint32_t acc = 0;
    if (!buf) return;
    nn_rng_init(&r, 1, NN_STREAM_NOISE);
    t0 = now_seconds();
    for (i = 0; i < n; i++) acc += nn_rng_u32(&r);
    t = now_seconds() - t0;
    sink = (float)acc;
    printf("prng: Philox4x32-10 %.1f M u32/s", (double)n / t * 1e-6);
    t0 = now_seconds();
    for (i = 0; i < n / 4096 + 1; i++) nn_rng_fill_normal(&r, buf, 4096, 0.0f, 1.0f);
    t = now_seconds() - t0;
    printf(", normal %.1f M/s\n", (double)(n / 4096 + 1) * 4096.0 / t * 1e-6);
    free(buf);
}

static void bench_crc32(long n)
{
    size_t len = 1 << 20;
    uint8_t *buf = (uint8_t *)malloc(len);
    uint32_t crc = 0;
    double t0, t;
    long i, reps = n / (long)len * 16 + 1;
    if (!buf) return;
    memset(buf, 0x5A, len);
    t0 = now_seconds();
    for (i = 0; i < reps; i++) crc = g99_crc32(crc, buf, len);
    t = now_seconds() - t0;
    sink = (float)crc;
    printf("crc32: %.0f MB/s\n", (double)reps * (double)len / t * 1e-6);
    free(buf);
}

static int bench_run(int argc, char **argv)
{
    long n = 4000000;
    int i;
    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quick") == 0) n = 200000;
        else return cli_usage_error(&cli_cmd_bench, "unknown option '%s'", argv[i]);
    }
    printf("gan99 %s bench%s\n", GAN99_VERSION, n < 4000000 ? " (quick)" : "");
    bench_math(n);
    bench_prng(n);
    bench_crc32(n);
    return CLI_OK;
}

const cli_command cli_cmd_bench = {
    "bench",
    "measure gan99's kernels on this machine",
    "usage: gan99 bench [--quick]\n"
    "\n"
    "Prints speed figures (math functions against libm, the PRNG, CRC-32; more as\n"
    "the kernels land), each best of 3 runs. --quick runs shorter loops.\n",
    bench_run,
};
