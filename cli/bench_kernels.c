/* gan99 bench: the machine's peak, SGEMM and the DCGAN conv layers per
 * kernel set, as GFLOP/s and as % of the peak measured in the same run;
 * the conv layers next to PyTorch's (golden/tools/bench_ref_torch_conv.py). */
#include "cli.h"
#include "bench.h"
#include "../nn/nn.h"
#include "../nn/kernels/kernels.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The widest set this CPU runs: the machine's peak is that of its widest
 * units, whichever set the kernels use now (GAN99_SIMD may pick another). */
static int widest_path(void)
{
    int p, best = NN_K_SCALAR;
    for (p = 0; p < NN_K_NPATHS; p++)
        if (nn_k_path_supported(p)) best = p;
    return best;
}

void bench_peak_measure(bench_peak *pk)
{
    int orig = nn_k_path();
    pk->path = widest_path();
    pk->threads = nn_k_threads();
    nn_k_path_set(pk->path);
    pk->one = nn_k_peak_gflops(1);
    pk->all = pk->threads > 1 ? nn_k_peak_gflops(pk->threads) : pk->one;
    nn_k_path_set(orig);
    printf("peak: fp32 FMA GFLOP/s of this CPU, measured now (%s set, independent FMA chains, best of 20)\n",
           nn_k_path_name(pk->path));
    printf("  1 thread %.1f", pk->one);
    if (pk->threads > 1) printf(", %d threads %.1f (%.2fx)", pk->threads, pk->all, pk->all / pk->one);
    printf("%s\n", pk->path == NN_K_SCALAR ? "; scalar fmaf: a lower bound for the vector units" : "");
    /* the figures below are shares of the all-threads figure, measured
     * under the same load, so say when that load was there */
    if (pk->threads > 1 && pk->all < 0.9 * pk->threads * pk->one)
        printf("  (below %dx: other processes or SMT siblings share the cores; %% of peak is of the\n"
               "  %d-thread figure, measured under the same load)\n", pk->threads, pk->threads);
}

void bench_kernels_header(void)
{
    int p;
    printf("kernels: active set %s (GAN99_SIMD overrides); this CPU runs:", nn_k_path_name(nn_k_path()));
    for (p = 0; p < NN_K_NPATHS; p++)
        if (nn_k_path_supported(p)) printf(" %s", nn_k_path_name(p));
    printf("; %d thread(s)\n", nn_k_threads());
}

void bench_sgemm(size_t n, const bench_peak *pk)
{
    float *a = (float *)malloc(sizeof(float) * n * n * 3), *b, *c;
    int p, orig = nn_k_path(), T = nn_k_threads();
    size_t i;
    if (!a) return;
    b = a + n * n;
    c = b + n * n;
    for (i = 0; i < n * n; i++) {
        a[i] = (float)(i % 13) / 13.0f - 0.5f;
        b[i] = (float)(i % 11) / 11.0f - 0.5f;
    }
    printf("sgemm %lux%lux%lu, %d thread(s): GFLOP/s per kernel set, best of 20, and %% of the measured peak\n"
           "  (%.1f GFLOP/s on %d thread(s))\n",
           (unsigned long)n, (unsigned long)n, (unsigned long)n, T, pk->all, T);
    for (p = 0; p < NN_K_NPATHS; p++) {
        double best = 1e30, gf;
        int rep, reps = p == NN_K_SCALAR ? 1 : 20;
        if (nn_k_path_set(p)) continue;
        for (rep = 0; rep < reps; rep++) {
            double t0, t;
            memset(c, 0, sizeof(float) * n * n);
            t0 = g99_now_seconds();
            nn_k_sgemm(0, 0, n, n, n, a, n, b, n, c, n);
            t = g99_now_seconds() - t0;
            if (t < best) best = t;
        }
        bench_sink = c[n + 1];
        gf = 2.0 * (double)n * (double)n * (double)n / best * 1e-9;
        printf("  %-8s %8.1f %5.0f%%\n", nn_k_path_name(p), gf, 100.0 * gf / pk->all);
    }
    nn_k_path_set(orig);
    free(a);
}

/* conv2d and conv_transpose2d at the layer shapes of DCGAN 64x64
 * (pytorch/examples defaults nz 100, ngf = ndf = 64). FLOPs = 2 N Cout Ho
 * Wo Cin k^2 (conv) or 2 N Cin H W Cout k^2 (the transpose); forward +
 * backward computes the input's and the weight's gradient, 3 times the
 * forward's FLOPs. */
static const struct conv_layer {
    const char *name;
    int transpose, cin, cout, h, stride, pad;
} layers[] = {
    { "D main.0", 0, 3, 64, 64, 2, 1 }, { "D main.2", 0, 64, 128, 32, 2, 1 },
    { "D main.5", 0, 128, 256, 16, 2, 1 }, { "D main.8", 0, 256, 512, 8, 2, 1 },
    { "D main.11", 0, 512, 1, 4, 1, 0 }, { "G main.0", 1, 100, 512, 1, 1, 0 },
    { "G main.3", 1, 512, 256, 4, 2, 1 }, { "G main.6", 1, 256, 128, 8, 2, 1 },
    { "G main.9", 1, 128, 64, 16, 2, 1 }, { "G main.12", 1, 64, 3, 32, 2, 1 },
};
enum { N_LAYERS = sizeof layers / sizeof layers[0] };

static int layer_out(const struct conv_layer *l)
{
    return l->transpose ? (l->h - 1) * l->stride - 2 * l->pad + 4 : (l->h + 2 * l->pad - 4) / l->stride + 1;
}

static double layer_flops(const struct conv_layer *l, int batch)
{
    int ho = layer_out(l);
    return 2.0 * batch * l->cin * l->cout * 16.0 * (l->transpose ? (double)l->h * l->h : (double)ho * ho);
}

/* PyTorch's times for the layers, from bench_ref_torch_conv.py's lines
 * "layer INDEX FORWARD FORWARD_BACKWARD" and "version V". */
typedef struct torch_conv {
    double f[N_LAYERS], b[N_LAYERS];
    int got;   /* layers read */
    char version[32];
} torch_conv;

static int torch_conv_line(const char *line, void *ctx)
{
    torch_conv *tc = (torch_conv *)ctx;
    int i;
    double f, b;
    if (sscanf(line, "layer %d %lf %lf", &i, &f, &b) == 3 && i >= 0 && i < N_LAYERS) {
        tc->f[i] = f;
        tc->b[i] = b;
        tc->got++;
        return 1;
    }
    return sscanf(line, "version %31s", tc->version) == 1;
}

static int torch_conv_run(int threads, int batch, int reps, torch_conv *tc, char *why, size_t why_size)
{
    char env[300], args[600], specs[512];
    size_t used = 0;
    int i;
    memset(tc, 0, sizeof *tc);
    for (i = 0; i < N_LAYERS; i++)
        used += (size_t)sprintf(specs + used, "%s%d,%d,%d,%d,%d,%d", i ? ";" : "", layers[i].transpose,
                                layers[i].cin, layers[i].cout, layers[i].h, layers[i].stride, layers[i].pad);
    sprintf(env, BENCH_TORCH_ENV, threads, threads);
    sprintf(args, "%d %d %d '%s'", threads, batch, reps, specs);
    if (!bench_ref_run("bench_ref_torch_conv.py", env, args, torch_conv_line, tc, why, why_size)) return 0;
    if (tc->got != N_LAYERS) {
        snprintf(why, why_size, "bench_ref_torch_conv.py gave %d of %d layers", tc->got, N_LAYERS);
        return 0;
    }
    return 1;
}

/* Times one layer on the active kernel set: best of reps, after one
 * untimed call of each (as PyTorch's side does). */
static int time_layer(nn_ctx *ctx, nn_rng *r, const struct conv_layer *l, int batch, int reps, double *tf,
                      double *tb)
{
    int xs[4], ws[4], t = l->transpose, rep;
    nn_conv_opts o;
    nn_tensor *x, *w, *y, *gy, *in[2], *g[2];
    size_t k;
    memset(&o, 0, sizeof o);
    o.stride = l->stride;
    o.padding = l->pad;
    xs[0] = batch; xs[1] = l->cin; xs[2] = xs[3] = l->h;
    ws[0] = t ? l->cin : l->cout;
    ws[1] = t ? l->cout : l->cin;
    ws[2] = ws[3] = 4;
    *tf = *tb = 1e30;
    for (rep = -1; rep < reps; rep++) {
        double t0, dt;
        nn_ctx_reset(ctx);
        x = nn_tensor_new(ctx, 4, xs);
        w = nn_tensor_new(ctx, 4, ws);
        if (!x || !w) return 0;
        nn_rng_fill_uniform(r, x->data, x->numel, -1.0f, 1.0f);
        nn_rng_fill_normal(r, w->data, w->numel, 0.0f, 0.02f);
        nn_tensor_set_requires_grad(x, 1);
        nn_tensor_set_requires_grad(w, 1);
        t0 = g99_now_seconds();
        y = t ? nn_conv_transpose2d(ctx, x, w, NULL, &o) : nn_conv2d(ctx, x, w, NULL, &o);
        dt = g99_now_seconds() - t0;
        if (!y) return 0;
        if (rep >= 0 && dt < *tf) *tf = dt;
        gy = nn_tensor_new(ctx, y->ndim, y->shape);
        if (!gy) return 0;
        for (k = 0; k < gy->numel; k++) gy->data[k] = 1.0f;
        in[0] = x;
        in[1] = w;
        t0 = g99_now_seconds();
        y = t ? nn_conv_transpose2d(ctx, x, w, NULL, &o) : nn_conv2d(ctx, x, w, NULL, &o);
        if (nn_grad(ctx, 1, &y, 2, in, &gy, 0, g)) return 0;
        dt = g99_now_seconds() - t0;
        if (rep >= 0 && dt < *tb) *tb = dt;
        bench_sink = g[0]->data[0] + g[1]->data[0];
    }
    return 1;
}

void bench_conv(int batch, int reps, const bench_peak *pk)
{
    double peak = pk->all;
    int have_torch, p, orig = nn_k_path(), T = nn_k_threads();
    nn_ctx *ctx = nn_ctx_new(0);
    torch_conv tc;
    char why[256];
    nn_rng r;
    if (!ctx) return;
    nn_rng_init(&r, 1, NN_STREAM_NOISE);
    printf("conv: DCGAN 64x64 layer shapes, batch %d, %d thread(s), best of %d after a warm-up call;\n"
           "  GFLOP/s and %% of the measured peak (%.1f GFLOP/s on %d thread(s)), forward and\n"
           "  forward + input and weight gradients\n", batch, T, reps, peak, T);
    have_torch = torch_conv_run(T, batch, reps, &tc, why, sizeof why);
    if (have_torch)
        printf("  PyTorch %s (bench_ref_torch_conv.py: %d thread(s), oneDNN, no autograd for the forward;\n"
               "  OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset): GFLOP/s of the same layers;\n"
               "  \"x\" = PyTorch's time / gan99's (above 1: gan99 is faster)\n", tc.version, T);
    else
        printf("  PyTorch reference skipped: %s\n", why);
    for (p = NN_K_SCALAR + 1; p < NN_K_NPATHS; p++) {
        double sum_f[2] = { 0, 0 }, sum_b[2] = { 0, 0 }, sum_tf[2] = { 0, 0 }, sum_tb[2] = { 0, 0 }, fl[2] = { 0, 0 };
        int i, k;
        if (nn_k_path_set(p)) continue;
        printf("  kernel set %s\n", nn_k_path_name(p));
        printf("  %-10s %-19s %7s %5s %7s %5s", "layer", "input -> output", "fwd", "%pk", "fwd+bwd", "%pk");
        if (have_torch) printf(" | %7s %7s %6s %6s", "torch f", "f+b", "x f", "x f+b");
        printf("\n");
        for (i = 0; i < N_LAYERS; i++) {
            const struct conv_layer *l = &layers[i];
            double tf, tb, f = layer_flops(l, batch);
            int t = l->transpose;
            char io[40];
            if (!time_layer(ctx, &r, l, batch, reps, &tf, &tb)) break;
            sprintf(io, "%dx%d^2 -> %dx%d^2", l->cin, l->h, l->cout, layer_out(l));
            printf("  %-10s %-19s %7.1f %4.0f%% %7.1f %4.0f%%", l->name, io, f / tf * 1e-9, 100.0 * f / tf * 1e-9 / peak,
                   3.0 * f / tb * 1e-9, 300.0 * f / tb * 1e-9 / peak);
            if (have_torch)
                printf(" | %7.1f %7.1f %5.2fx %5.2fx", f / tc.f[i] * 1e-9, 3.0 * f / tc.b[i] * 1e-9, tc.f[i] / tf,
                       tc.b[i] / tb);
            printf("\n");
            fl[t] += f;
            sum_f[t] += tf;
            sum_b[t] += tb;
            if (have_torch) {
                sum_tf[t] += tc.f[i];
                sum_tb[t] += tc.b[i];
            }
        }
        if (nn_ctx_error(ctx)->code) {
            printf("  error: %s\n", nn_ctx_error(ctx)->msg);
            break;
        }
        for (k = 0; k < 2; k++) {
            printf("  %-10s %-19s %7.1f %4.0f%% %7.1f %4.0f%%", k ? "G total" : "D total", "", fl[k] / sum_f[k] * 1e-9,
                   100.0 * fl[k] / sum_f[k] * 1e-9 / peak, 3.0 * fl[k] / sum_b[k] * 1e-9,
                   300.0 * fl[k] / sum_b[k] * 1e-9 / peak);
            if (have_torch)
                printf(" | %7.1f %7.1f %5.2fx %5.2fx", fl[k] / sum_tf[k] * 1e-9, 3.0 * fl[k] / sum_tb[k] * 1e-9,
                       sum_tf[k] / sum_f[k], sum_tb[k] / sum_b[k]);
            printf("\n");
        }
    }
    nn_k_path_set(orig);
    nn_ctx_free(ctx);
}
