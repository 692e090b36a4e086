/* gan99 bench dcgan: one DCGAN 64x64 training step of gan99 (its real
 * gan_dcgan_train_step), next to the same step in PyTorch
 * (golden/tools/bench_ref_torch_dcgan.py): seconds per step, the ratio and
 * peak memory. Both sides run as the other training rows do
 * (cli/bench_steps.c): each in a process of its own, gan99's as `gan99 bench
 * --step dcgan BATCH WARMUP TIMED`, with the same environment (passive
 * OpenMP waiting, glibc keeping freed memory), so a busy machine does not
 * punish one side's spinning threads more than the other's. */
#include "cli.h"
#include "bench.h"
#include "../gan/gan.h"
#include "../nn/nn.h"
#include "../nn/kernels/kernels.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* `gan99 bench --step dcgan BATCH WARMUP TIMED`: DCGAN 64x64 at the
 * reference widths (nz 100, ngf = ndf = 64) on seeded random images; prints
 * "step MEDIAN_SECONDS" and "rss PEAK_KIB". */
int bench_dcgan_step_child(int argc, char **argv)
{
    enum { MAX_TIMED = 32 };
    gan_dcgan_config cfg;
    gan_dcgan m;
    gan_dcgan_trainer tr;
    gan_dcgan_losses losses;
    nn_rng rng;
    float lr, beta1, *real = NULL;
    double times[MAX_TIMED];
    int batch, warmup, timed, i, rc, have_model = 0, have_trainer = 0;
    g99_error err;
    if (argc != 5 || strcmp(argv[1], "dcgan") != 0)
        return cli_usage_error(&cli_cmd_bench, "--step dcgan BATCH WARMUP TIMED");
    batch = atoi(argv[2]);
    warmup = atoi(argv[3]);
    timed = atoi(argv[4]);
    if (batch < 1 || batch > 1024 || warmup < 0 || warmup > 100 || timed < 1 || timed > MAX_TIMED)
        return cli_usage_error(&cli_cmd_bench, "--step: batch 1..1024, warm-up 0..100, timed 1..%d", MAX_TIMED);
    memset(&cfg, 0, sizeof cfg);
    cfg.nz = 100;
    cfg.ngf = cfg.ndf = 64;
    cfg.nc = 3;
    cfg.size = 64;
    g99_error_clear(&err);
    rc = gan_dcgan_init(&m, &cfg, &err);
    have_model = rc == 0;
    if (!rc) {
        nn_rng_init(&rng, 1, NN_STREAM_INIT);
        gan_dcgan_weights_init(&m, &rng);
        gan_dcgan_train_defaults(64, &lr, &beta1);
        rc = gan_dcgan_trainer_init(&tr, &m, batch, lr, beta1, 1, &err);
        have_trainer = rc == 0;
    }
    if (!rc) {
        size_t n_real = (size_t)batch * 3 * 64 * 64;
        real = (float *)malloc(n_real * sizeof *real);
        if (!real) rc = g99_fail(&err, G99_ENOMEM, "out of memory");
        else {
            nn_rng_init(&rng, 1, NN_STREAM_DATA);
            nn_rng_fill_uniform(&rng, real, n_real, -1.0f, 1.0f);
        }
    }
    for (i = 0; !rc && i < warmup + timed; i++) {
        double t0 = g99_now_seconds();
        rc = gan_dcgan_train_step(&tr, real, &losses, &err);
        if (i >= warmup) times[i - warmup] = g99_now_seconds() - t0;
    }
    if (!rc) bench_step_report(times, timed);
    free(real);
    if (have_trainer) gan_dcgan_trainer_free(&tr);
    if (have_model) gan_dcgan_free(&m);
    return rc ? cli_fail(&err) : CLI_OK;
}

/* The median of `timed` steps after `warmup` untimed ones on this
 * process's thread count; PyTorch times torch_timed steps (fewer keep the
 * bench short: its step can be several times slower). */
void bench_dcgan_step(int batch, int warmup, int timed, int torch_timed)
{
    char version[32] = "", gan99_args[96], script_args[96];
    int threads = nn_k_threads();
    printf("dcgan: one training step of DCGAN 64x64 (nz 100, ngf = ndf = 64, nc 3), batch %d, %d thread(s);\n"
           "  median of %d timed steps after %d warm-up (PyTorch: %d after %d), seeded random data\n"
           "  (D real + D fake + G, Adam); each side in its own process (gan99: `gan99 bench --step dcgan`),\n"
           "  peak RSS of that process; both with OMP_WAIT_POLICY=PASSIVE and MALLOC_{MMAP,TRIM}_THRESHOLD_=1 GiB\n",
           batch, threads, timed, warmup, torch_timed, warmup);
    bench_step_header();
    sprintf(gan99_args, "--step dcgan %d %d %d", batch, warmup, timed);
    sprintf(script_args, "%d %d %d", batch, warmup, torch_timed);
    bench_step_row("dcgan", batch, threads, gan99_args, "bench_ref_torch_dcgan.py", script_args, version,
                   sizeof version);
    printf("  ratio = gan99 time / PyTorch time (below 1: gan99 is faster). PyTorch %s tuned\n"
           "  (bench_ref_torch_dcgan.py: its threads set to the row's, oneDNN, grads set to None, foreach Adam),\n"
           "  OPENBLAS_CORETYPE/L2_SIZE unset; its peak RSS includes the Python interpreter and torch\n",
           version[0] ? version : "(not run)");
}
