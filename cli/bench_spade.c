/* gan99 bench spade: one SPADE training iteration (G step then D step, as
 * gan_spade_train_step) at 64x64, batch 8, with `gan99 train spade`'s
 * default model (7 classes, ngf 16, ndf 16, nhidden 128, z_dim 0, normal
 * schedule, batch norm, 2 scales of 4-layer PatchGAN, hinge + feature
 * matching, TTUR Adam), at 1 and 2 threads, next to the same iteration in
 * PyTorch (golden/tools/bench_ref_torch_spade.py, the networks of
 * spade_golden.py): seconds per step, the ratio and the peak memory.
 *
 * As in bench pix2pix, every row runs in a process of its own, gan99's
 * too (`gan99 bench --step spade BATCH WARMUP TIMED`), so its thread count
 * comes from OMP_NUM_THREADS and its peak resident set is its own. */
#include "cli.h"
#include "bench.h"
#include "../gan/gan.h"
#include "../nn/nn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SPADE_SIZE 64
#define SPADE_BATCH 8

/* ---- gan99's side, in its own process -------------------------------------- */

/* `gan99 bench --step spade BATCH WARMUP TIMED`: prints "step
 * MEDIAN_SECONDS" and "rss PEAK_KIB" as the PyTorch script does. */
int bench_spade_step_child(int argc, char **argv)
{
    enum { MAX_TIMED = 32 };
    gan_spade m;
    gan_spade_config cfg;
    gan_spade_trainer t;
    gan_spade_train_opts o;
    gan_spade_losses l;
    double times[MAX_TIMED];
    int batch, warmup, timed, i, rc, have_model = 0, have_trainer = 0;
    size_t plane = (size_t)SPADE_SIZE * SPADE_SIZE, p;
    float *seg = NULL, *img = NULL;
    nn_rng rng;
    g99_error err;
    if (argc != 5 || strcmp(argv[1], "spade") != 0)
        return cli_usage_error(&cli_cmd_bench, "--step spade BATCH WARMUP TIMED");
    batch = atoi(argv[2]);
    warmup = atoi(argv[3]);
    timed = atoi(argv[4]);
    if (batch < 1 || batch > 256 || warmup < 0 || warmup > 100 || timed < 1 || timed > MAX_TIMED)
        return cli_usage_error(&cli_cmd_bench, "--step: batch 1..256, warm-up 0..100, timed 1..%d", MAX_TIMED);
    g99_error_clear(&err);
    gan_spade_config_defaults(&cfg);   /* gan99 train spade's model */
    cfg.size = SPADE_SIZE;
    seg = (float *)calloc((size_t)batch * cfg.classes * plane, sizeof *seg);
    img = (float *)malloc((size_t)batch * 3 * plane * sizeof *img);
    rc = seg && img ? 0 : g99_fail(&err, G99_ENOMEM, "out of memory");
    if (!rc) {
        /* a random class per pixel, one-hot; the image uniform in [-1, 1] */
        nn_rng_init(&rng, 1, NN_STREAM_DATA);
        for (i = 0; i < batch; i++)
            for (p = 0; p < plane; p++)
                seg[((size_t)i * cfg.classes + nn_rng_below(&rng, (uint32_t)cfg.classes)) * plane + p] = 1.0f;
        nn_rng_fill_uniform(&rng, img, (size_t)batch * 3 * plane, -1.0f, 1.0f);
        rc = gan_spade_init(&m, &cfg, &err);
        have_model = rc == 0;
    }
    if (!rc) {
        nn_rng_init(&rng, 1, NN_STREAM_INIT);
        gan_spade_weights_init(&m, &rng);
        gan_spade_train_defaults(&o);
        rc = gan_spade_trainer_init(&t, &m, &o, 1, NULL, &err);
        have_trainer = rc == 0;
    }
    for (i = 0; !rc && i < warmup + timed; i++) {
        double t0 = g99_now_seconds();
        rc = gan_spade_train_step(&t, seg, img, batch, &l, &err);
        if (i >= warmup) times[i - warmup] = g99_now_seconds() - t0;
    }
    if (!rc) bench_step_report(times, timed);
    if (have_trainer) gan_spade_trainer_free(&t);
    if (have_model) gan_spade_free(&m);
    free(seg);
    free(img);
    return rc ? cli_fail(&err) : CLI_OK;
}

void bench_spade_steps(int quick)
{
    char version[32] = "";
    int t, batch = quick ? 2 : SPADE_BATCH, timed = quick ? 1 : 3;
    printf("spade: one training iteration at 64x64, seeded random maps (7 classes) and images, median of the\n"
           "timed steps: G (ngf 16, nhidden 128, z_dim 0, normal: 5 ups, batch-norm SPADE, spectral norm) +\n"
           "2-scale PatchGAN D (ndf 16, n_layers 4, spectral + instance norm); G step (hinge G loss + feature\n"
           "matching 10), then D step (hinge) on G's fake made again; TTUR Adam (G 1e-4, D 4e-4, betas 0, 0.9).\n"
           "  each row in its own process (gan99 too: `gan99 bench --step spade`), peak RSS of that process;\n"
           "  both sides with OMP_WAIT_POLICY=PASSIVE and MALLOC_{MMAP,TRIM}_THRESHOLD_=1 GiB\n");
    bench_step_header();
    for (t = 1; t <= 2; t++) {
        char gan99_args[64], script_args[64];
        sprintf(gan99_args, "--step spade %d 1 %d", batch, timed);
        sprintf(script_args, "%d 1 %d", batch, timed);
        bench_step_row("spade", batch, t, gan99_args, "bench_ref_torch_spade.py", script_args, version, sizeof version);
    }
    printf("  ratio = gan99 time / PyTorch time (below 1: gan99 is faster). PyTorch %s tuned\n"
           "  (bench_ref_torch_spade.py: its threads set to the row's, oneDNN, grads set to None,\n"
           "  foreach Adam), OMP_WAIT_POLICY=PASSIVE, MALLOC_*_THRESHOLD_=1 GiB, OPENBLAS_CORETYPE/L2_SIZE\n"
           "  unset; its peak RSS includes the Python interpreter and torch\n",
           version[0] ? version : "(not run)");
}
