/* gan99 bench pix2pix: one training step of pix2pix's U-Net-128 + PatchGAN
 * (n_layers 3) at batch 1 and 16, and of the autoencoder at batch 16, at 1
 * and 2 threads, each next to the same step in PyTorch
 * (golden/tools/bench_ref_torch_pix2pix.py): seconds per step, the ratio,
 * and the peak memory of both.
 *
 * Every row runs in a process of its own, gan99's too (this binary again,
 * as `gan99 bench --step MODEL BATCH WARMUP TIMED`), so that its thread
 * count is set by OMP_NUM_THREADS and its peak resident set is the row's
 * alone, not the largest row's so far. */
#include "cli.h"
#include "bench.h"
#include "../gan/gan.h"
#include "../nn/nn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define P2P_SIZE 128

/* ---- gan99's side, in its own process -------------------------------------- */

typedef struct p2p_bench {
    gan_pix2pix m;
    gan_pix2pix_trainer t;
    gan_autoencoder ae;
    gan_autoencoder_trainer at;
    int is_p2p, have_model, have_trainer;
    float *a, *b;
} p2p_bench;

static int setup(p2p_bench *s, int batch, g99_error *err)
{
    size_t n = (size_t)batch * 3 * P2P_SIZE * P2P_SIZE;
    nn_rng rng;
    int rc;
    s->a = (float *)malloc(n * sizeof(float));
    s->b = (float *)malloc(n * sizeof(float));
    if (!s->a || !s->b) return g99_fail(err, G99_ENOMEM, "out of memory");
    nn_rng_init(&rng, 1, NN_STREAM_DATA);
    nn_rng_fill_uniform(&rng, s->a, n, -1.0f, 1.0f);
    nn_rng_fill_uniform(&rng, s->b, n, -1.0f, 1.0f);
    nn_rng_init(&rng, 1, NN_STREAM_INIT);
    if (s->is_p2p) {
        /* unet_128 and the basic PatchGAN with the reference's defaults */
        gan_pix2pix_config cfg;
        gan_pix2pix_train_opts o;
        memset(&cfg, 0, sizeof cfg);
        cfg.width = cfg.height = P2P_SIZE;
        cfg.input_nc = cfg.output_nc = 3;
        cfg.ngf = cfg.ndf = 64;
        cfg.num_downs = 7;
        cfg.netd = GAN_P2P_D_BASIC;
        cfg.n_layers_d = 3;
        cfg.norm = GAN_NORM_BATCH;
        if ((rc = gan_pix2pix_init(&s->m, &cfg, err)) != 0) return rc;
        s->have_model = 1;
        gan_pix2pix_weights_init(&s->m, &rng);
        gan_pix2pix_train_defaults(&o);
        if ((rc = gan_pix2pix_trainer_init(&s->t, &s->m, &o, 1, NULL, err)) != 0) return rc;
    } else {
        gan_autoencoder_config cfg;
        memset(&cfg, 0, sizeof cfg);
        cfg.width = cfg.height = P2P_SIZE;
        cfg.channels = 3;
        cfg.nf = 64;
        if ((rc = gan_autoencoder_init(&s->ae, &cfg, err)) != 0) return rc;
        s->have_model = 1;
        gan_autoencoder_weights_init(&s->ae, &rng);
        if ((rc = gan_autoencoder_trainer_init(&s->at, &s->ae, 2e-4f, 0.5f, GAN_AE_LOSS_L1, 0.0f, 1, NULL, err)) != 0)
            return rc;
    }
    s->have_trainer = 1;
    return 0;
}

static int one_step(p2p_bench *s, int batch, g99_error *err)
{
    if (s->is_p2p) {
        gan_pix2pix_losses l;
        return gan_pix2pix_train_step(&s->t, s->a, s->b, batch, 0, &l, err);
    } else {
        float l[2];
        return gan_autoencoder_train_step(&s->at, s->a, s->a, batch, l, err);
    }
}

/* `gan99 bench --step pix2pix|autoencoder BATCH WARMUP TIMED`: prints
 * "step MEDIAN_SECONDS" and "rss PEAK_KIB" as the PyTorch script does. */
int bench_step_child(int argc, char **argv)
{
    enum { MAX_TIMED = 32 };
    p2p_bench s;
    double times[MAX_TIMED];
    int batch, warmup, timed, i, rc = 0;
    g99_error err;
    if (argc != 5 || (strcmp(argv[1], "pix2pix") != 0 && strcmp(argv[1], "autoencoder") != 0))
        return cli_usage_error(&cli_cmd_bench, "--step pix2pix|autoencoder BATCH WARMUP TIMED");
    batch = atoi(argv[2]);
    warmup = atoi(argv[3]);
    timed = atoi(argv[4]);
    if (batch < 1 || batch > 256 || warmup < 0 || warmup > 100 || timed < 1 || timed > MAX_TIMED)
        return cli_usage_error(&cli_cmd_bench, "--step: batch 1..256, warm-up 0..100, timed 1..%d", MAX_TIMED);
    memset(&s, 0, sizeof s);
    s.is_p2p = strcmp(argv[1], "pix2pix") == 0;
    g99_error_clear(&err);
    rc = setup(&s, batch, &err);
    for (i = 0; !rc && i < warmup + timed; i++) {
        double t0 = g99_now_seconds();
        rc = one_step(&s, batch, &err);
        if (i >= warmup) times[i - warmup] = g99_now_seconds() - t0;
    }
    if (!rc) bench_step_report(times, timed);
    if (s.have_trainer && s.is_p2p) gan_pix2pix_trainer_free(&s.t);
    if (s.have_trainer && !s.is_p2p) gan_autoencoder_trainer_free(&s.at);
    if (s.have_model && s.is_p2p) gan_pix2pix_free(&s.m);
    if (s.have_model && !s.is_p2p) gan_autoencoder_free(&s.ae);
    free(s.a);
    free(s.b);
    return rc ? cli_fail(&err) : CLI_OK;
}

void bench_pix2pix_steps(int quick)
{
    static const struct {
        const char *model;
        int batch, quick_batch, warmup, timed;
    } rows[] = {
        { "pix2pix", 1, 1, 2, 5 },
        { "pix2pix", 16, 4, 1, 3 },
        { "autoencoder", 16, 4, 1, 3 },
    };
    char version[32] = "";
    int t, r;
    printf("pix2pix: one training step at 128x128, seeded random data, median of the timed steps:\n"
           "  pix2pix      unet_128 (ngf 64, 7 downs, batch norm, dropout) + PatchGAN (ndf 64, n_layers 3),\n"
           "               vanilla GAN + 100 L1, Adam (G forward, D fake + real, G through D)\n"
           "  autoencoder  nf 64, depth 5, batch norm, L1, Adam\n"
           "  each row in its own process (gan99 too: `gan99 bench --step`), peak RSS of that process;\n"
           "  both sides with OMP_WAIT_POLICY=PASSIVE and MALLOC_{MMAP,TRIM}_THRESHOLD_=1 GiB\n");
    bench_step_header();
    for (t = 1; t <= 2; t++)
        for (r = 0; r < (int)(sizeof rows / sizeof rows[0]); r++) {
            int batch = quick ? rows[r].quick_batch : rows[r].batch;
            int timed = quick ? 2 : rows[r].timed;
            char gan99_args[96], script_args[96];
            sprintf(gan99_args, "--step %s %d %d %d", rows[r].model, batch, rows[r].warmup, timed);
            sprintf(script_args, "%s %d %d %d", rows[r].model, batch, rows[r].warmup, timed);
            bench_step_row(rows[r].model, batch, t, gan99_args, "bench_ref_torch_pix2pix.py", script_args, version,
                           sizeof version);
        }
    printf("  ratio = gan99 time / PyTorch time (below 1: gan99 is faster). PyTorch %s tuned\n"
           "  (bench_ref_torch_pix2pix.py: its threads set to the row's, oneDNN, grads set to None,\n"
           "  foreach Adam), OMP_WAIT_POLICY=PASSIVE, MALLOC_*_THRESHOLD_=1 GiB, OPENBLAS_CORETYPE/L2_SIZE\n"
           "  unset; its peak RSS includes the Python interpreter and torch\n",
           version[0] ? version : "(not run)");
}
