/* gan99 bench dcgan: one DCGAN 64x64 training step of gan99 (its real
 * gan_dcgan_train_step), next to the same step in PyTorch
 * (golden/tools/bench_ref_torch_dcgan.py): seconds per step, images per
 * second and peak memory. */
#include "cli.h"
#include "bench.h"
#include "../gan/gan.h"
#include "../nn/nn.h"
#include "../nn/kernels/kernels.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* bench_ref_torch_dcgan.py's lines "step S", "rss KIB", "version V". */
typedef struct torch_step {
    int got;   /* one bit per line read */
    double seconds;
    long rss_kib;
    char version[32];
} torch_step;

static int torch_step_line(const char *line, void *ctx)
{
    torch_step *ts = (torch_step *)ctx;
    int before = ts->got;
    if (sscanf(line, "step %lf", &ts->seconds) == 1) ts->got |= 1;
    else if (sscanf(line, "rss %ld", &ts->rss_kib) == 1) ts->got |= 2;
    else if (sscanf(line, "version %31s", ts->version) == 1) ts->got |= 4;
    return ts->got != before;
}

static int torch_step_run(int threads, int batch, int warmup, int timed, torch_step *ts, char *why, size_t why_size)
{
    char env[300], args[100];
    memset(ts, 0, sizeof *ts);
    sprintf(env, BENCH_TORCH_ENV, threads, threads);
    sprintf(args, "%d %d %d %d", threads, batch, warmup, timed);
    if (!bench_ref_run("bench_ref_torch_dcgan.py", env, args, torch_step_line, ts, why, why_size)) return 0;
    if (ts->got != 7) {
        snprintf(why, why_size, "bench_ref_torch_dcgan.py: unexpected output");
        return 0;
    }
    return 1;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void print_mib(double mib)
{
    if (mib < 0.0) printf(" %14s", "?");
    else printf(" %14.0f", mib);
}

/* The median time of gan99's real training step (gan_dcgan_train_step) of
 * DCGAN 64x64 at the reference widths, after warmup untimed steps; PyTorch
 * times torch_timed steps (fewer keep the bench short: its step can be
 * several times slower). */
void bench_dcgan_step(int batch, int warmup, int timed, int torch_timed)
{
    enum { MAX_TIMED = 16 };
    gan_dcgan_config cfg;
    gan_dcgan m;
    gan_dcgan_trainer tr;
    gan_dcgan_losses losses;
    torch_step ts;
    nn_rng rng;
    float lr, beta1, *real = NULL;
    double times[MAX_TIMED], rss_before = bench_peak_rss_mib(), med;
    int i, T = nn_k_threads(), have_model = 0, have_trainer = 0;
    size_t n_real = (size_t)batch * 3 * 64 * 64;
    char why[256];
    g99_error err;
    if (timed < 1) timed = 1;
    if (timed > MAX_TIMED) timed = MAX_TIMED;
    printf("dcgan: one training step of DCGAN 64x64 (nz 100, ngf = ndf = 64, nc 3), batch %d, %d thread(s);\n"
           "  median of %d timed steps after %d warm-up (PyTorch: %d after %d), seeded random data\n"
           "  (D real + D fake + G, Adam)\n",
           batch, T, timed, warmup, torch_timed, warmup);
    memset(&cfg, 0, sizeof cfg);
    cfg.nz = 100;
    cfg.ngf = cfg.ndf = 64;
    cfg.nc = 3;
    cfg.size = 64;
    g99_error_clear(&err);
    if (gan_dcgan_init(&m, &cfg, &err)) goto fail;
    have_model = 1;
    nn_rng_init(&rng, 1, NN_STREAM_INIT);
    gan_dcgan_weights_init(&m, &rng);
    gan_dcgan_train_defaults(64, &lr, &beta1);
    if (gan_dcgan_trainer_init(&tr, &m, batch, lr, beta1, 1, &err)) goto fail;
    have_trainer = 1;
    real = (float *)malloc(n_real * sizeof *real);
    if (!real) {
        g99_fail(&err, G99_ENOMEM, "out of memory");
        goto fail;
    }
    nn_rng_init(&rng, 1, NN_STREAM_DATA);
    nn_rng_fill_uniform(&rng, real, n_real, -1.0f, 1.0f);
    for (i = 0; i < warmup + timed; i++) {
        double t0 = g99_now_seconds();
        if (gan_dcgan_train_step(&tr, real, &losses, &err)) goto fail;
        if (i >= warmup) times[i - warmup] = g99_now_seconds() - t0;
    }
    qsort(times, (size_t)timed, sizeof times[0], cmp_double);
    med = 0.5 * (times[(timed - 1) / 2] + times[timed / 2]);
    printf("  %-8s %10s %10s %14s\n", "", "s/step", "images/s", "peak RSS MiB");
    printf("  %-8s %10.3f %10.1f", "gan99", med, batch / med);
    print_mib(bench_peak_rss_mib());
    printf("  (whole bench process so far; ");
    if (rss_before < 0.0) printf("? before this section)\n");
    else printf("%.0f before this section)\n", rss_before);
    if (torch_step_run(T, batch, warmup, torch_timed, &ts, why, sizeof why)) {
        printf("  %-8s %10.3f %10.1f %14.0f  (torch %s, its own process)\n", "PyTorch", ts.seconds,
               batch / ts.seconds, (double)ts.rss_kib / 1024.0, ts.version);
        printf("  ratio gan99/PyTorch time %.2fx (below 1: gan99 is faster); PyTorch tuned\n"
               "  (bench_ref_torch_dcgan.py: %d thread(s), oneDNN, grads set to None, foreach Adam),\n"
               "  OMP_WAIT_POLICY=PASSIVE, MALLOC_*_THRESHOLD_=1 GiB, OPENBLAS_CORETYPE/L2_SIZE unset\n",
               med / ts.seconds, T);
    } else {
        printf("  PyTorch reference skipped: %s\n", why);
    }
    printf("  (losses of the last step: D %.3f, G %.3f)\n", losses.d_real + losses.d_fake, losses.g);
    goto done;
fail:
    printf("  failed: %s\n", err.msg);
done:
    free(real);
    if (have_trainer) gan_dcgan_trainer_free(&tr);
    if (have_model) gan_dcgan_free(&m);
}
