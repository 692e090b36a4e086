/* gan99 bench parser: one training step of the face parser (the U-Net
 * segmenter of gan/parser.c: 64x64, ngf 32, 6 downsamplings, batch norm, 7
 * classes; cross-entropy and Adam) at batch 8, at 1 and 2 threads, next to
 * the same step in PyTorch (golden/tools/bench_ref_torch_parser.py):
 * seconds per step, the ratio, and the peak memory of both.
 *
 * As cli/bench_pix2pix.c: every row runs in a process of its own, gan99's
 * too (this binary again, as `gan99 bench --parser-step BATCH WARMUP
 * TIMED`), so its thread count is set by OMP_NUM_THREADS and its peak
 * resident set is the row's alone. */
#include "cli.h"
#include "bench.h"
#include "../gan/gan.h"
#include "../nn/nn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PARSER_SIZE 64
#define PARSER_NGF 32
#define PARSER_CLASSES 7
#define PARSER_BATCH 8

/* `gan99 bench --parser-step BATCH WARMUP TIMED`: prints "step
 * MEDIAN_SECONDS" and "rss PEAK_KIB" as the PyTorch script does. */
int bench_parser_step_child(int argc, char **argv)
{
    enum { MAX_TIMED = 32 };
    gan_parser m;
    gan_parser_trainer t;
    gan_parser_config cfg;
    double times[MAX_TIMED];
    float *x = NULL;
    uint8_t *labels = NULL;
    size_t plane = (size_t)PARSER_SIZE * PARSER_SIZE, i;
    int batch, warmup, timed, k, rc, have_m = 0, have_t = 0;
    nn_rng rng;
    g99_error err;
    if (argc != 4) return cli_usage_error(&cli_cmd_bench, "--parser-step BATCH WARMUP TIMED");
    batch = atoi(argv[1]);
    warmup = atoi(argv[2]);
    timed = atoi(argv[3]);
    if (batch < 1 || batch > 256 || warmup < 0 || warmup > 100 || timed < 1 || timed > MAX_TIMED)
        return cli_usage_error(&cli_cmd_bench, "--parser-step: batch 1..256, warm-up 0..100, timed 1..%d", MAX_TIMED);
    g99_error_clear(&err);
    memset(&cfg, 0, sizeof cfg);
    cfg.width = cfg.height = PARSER_SIZE;
    cfg.input_nc = 3;
    cfg.n_classes = PARSER_CLASSES;
    cfg.ngf = PARSER_NGF;
    cfg.norm = GAN_NORM_BATCH;
    x = (float *)malloc((size_t)batch * 3 * plane * sizeof *x);
    labels = (uint8_t *)malloc((size_t)batch * plane);
    rc = x && labels ? 0 : g99_fail(&err, G99_ENOMEM, "out of memory");
    if (!rc) {
        /* uniform photos in [-1, 1], uniform classes */
        nn_rng_init(&rng, 1, NN_STREAM_DATA);
        nn_rng_fill_uniform(&rng, x, (size_t)batch * 3 * plane, -1.0f, 1.0f);
        for (i = 0; i < (size_t)batch * plane; i++) labels[i] = (uint8_t)nn_rng_below(&rng, PARSER_CLASSES);
        rc = gan_parser_init(&m, &cfg, &err);
        have_m = rc == 0;
    }
    if (!rc) {
        nn_rng_init(&rng, 1, NN_STREAM_INIT);
        gan_parser_weights_init(&m, &rng);
        rc = gan_parser_trainer_init(&t, &m, 1e-3f, 0.9f, NULL, &err);
        have_t = rc == 0;
    }
    for (k = 0; !rc && k < warmup + timed; k++) {
        double t0 = g99_now_seconds();
        rc = gan_parser_train_step(&t, x, labels, batch, NULL, &err);
        if (k >= warmup) times[k - warmup] = g99_now_seconds() - t0;
    }
    if (!rc) bench_step_report(times, timed);
    if (have_t) gan_parser_trainer_free(&t);
    if (have_m) gan_parser_free(&m);
    free(x);
    free(labels);
    return rc ? cli_fail(&err) : CLI_OK;
}

void bench_parser_steps(int quick)
{
    char version[32] = "";
    int t, warmup = 2, timed = quick ? 3 : 7;
    printf("parser: one face-parser training step at %dx%d, batch %d, seeded random photos and classes, median of\n"
           "  %d timed steps after %d warm-up: U-Net segmenter (ngf %d, 6 downs, batch norm, %d classes, no Tanh),\n"
           "  softmax cross-entropy, Adam (lr 1e-3); each row in its own process, peak RSS of that process\n",
           PARSER_SIZE, PARSER_SIZE, PARSER_BATCH, timed, warmup, PARSER_NGF, PARSER_CLASSES);
    bench_step_header();
    for (t = 1; t <= 2; t++) {
        char gan99_args[64], script_args[64];
        sprintf(gan99_args, "--parser-step %d %d %d", PARSER_BATCH, warmup, timed);
        sprintf(script_args, "%d %d %d", PARSER_BATCH, warmup, timed);
        bench_step_row("parser", PARSER_BATCH, t, gan99_args, "bench_ref_torch_parser.py", script_args, version,
                       sizeof version);
    }
    printf("  ratio = gan99 time / PyTorch time (below 1: gan99 is faster). PyTorch %s tuned\n"
           "  (bench_ref_torch_parser.py: its threads set to the row's, oneDNN, grads set to None, foreach Adam)\n",
           version[0] ? version : "(not run)");
}
