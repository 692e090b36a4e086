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

/* gan99's rows get PyTorch's environment but for the BLAS variables (as
 * bench_pix2pix.c's). */
#define BENCH_GAN99_ENV                                                                          \
    "env OMP_NUM_THREADS=%d OMP_WAIT_POLICY=PASSIVE MALLOC_MMAP_THRESHOLD_=1073741824 "          \
    "MALLOC_TRIM_THRESHOLD_=1073741824"

typedef struct step_figures {
    int got;   /* one bit per line read: step, rss, version */
    double seconds;
    long rss_kib;
    char version[32];
} step_figures;

static int step_line(const char *line, void *ctx)
{
    step_figures *f = (step_figures *)ctx;
    int before = f->got;
    if (sscanf(line, "step %lf", &f->seconds) == 1) f->got |= 1;
    else if (sscanf(line, "rss %ld", &f->rss_kib) == 1) f->got |= 2;
    else if (sscanf(line, "version %31s", f->version) == 1) f->got |= 4;
    return f->got != before;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* `gan99 bench --parser-step BATCH WARMUP TIMED`: prints "step
 * MEDIAN_SECONDS" and "rss PEAK_KIB" as the PyTorch script does. */
int bench_parser_step_child(int argc, char **argv)
{
    enum { MAX_TIMED = 32 };
    gan_parser m;
    gan_parser_trainer t;
    gan_parser_config cfg;
    double times[MAX_TIMED], mib;
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
    if (!rc) {
        qsort(times, (size_t)timed, sizeof times[0], cmp_double);
        printf("step %.9f\n", 0.5 * (times[(timed - 1) / 2] + times[timed / 2]));
        mib = bench_peak_rss_mib();
        printf("rss %ld\n", mib < 0.0 ? -1L : (long)(mib * 1024.0 + 0.5));
    }
    if (have_t) gan_parser_trainer_free(&t);
    if (have_m) gan_parser_free(&m);
    free(x);
    free(labels);
    return rc ? cli_fail(&err) : CLI_OK;
}

static int gan99_row(int threads, int batch, int warmup, int timed, step_figures *f, char *why, size_t why_size)
{
    char cmd[1600], line[512], last[200] = "";
    FILE *p;
    int status;
    memset(f, 0, sizeof *f);
    snprintf(cmd, sizeof cmd, BENCH_GAN99_ENV, threads);
    if (!cli_program_path || !bench_shell_quote(cmd, sizeof cmd, cli_program_path)) {
        snprintf(why, why_size, "the gan99 binary's path is unknown or too long");
        return 0;
    }
    sprintf(cmd + strlen(cmd), " bench --parser-step %d %d %d 2>&1", batch, warmup, timed);
    fflush(stdout);
    if (!(p = g99_pipe_open(cmd))) {
        snprintf(why, why_size, "cannot start %s", cli_program_path);
        return 0;
    }
    while (fgets(line, sizeof line, p))
        if (!step_line(line, f)) snprintf(last, sizeof last, "%.*s", (int)strcspn(line, "\r\n"), line);
    status = g99_pipe_close(p);
    if (status != 0 || (f->got & 3) != 3) {
        snprintf(why, why_size, "gan99 bench --parser-step failed: %s", last[0] ? last : "no output");
        return 0;
    }
    return 1;
}

static int torch_row(int threads, int batch, int warmup, int timed, step_figures *f, char *why, size_t why_size)
{
    char env[300], args[100];
    memset(f, 0, sizeof *f);
    sprintf(env, BENCH_TORCH_ENV, threads, threads);
    sprintf(args, "%d %d %d %d", threads, batch, warmup, timed);
    if (!bench_ref_run("bench_ref_torch_parser.py", env, args, step_line, f, why, why_size)) return 0;
    if (f->got != 7) {
        snprintf(why, why_size, "bench_ref_torch_parser.py: unexpected output");
        return 0;
    }
    return 1;
}

void bench_parser_steps(int quick)
{
    char version[32] = "";
    int t, warmup = 2, timed = quick ? 3 : 7;
    printf("parser: one face-parser training step at %dx%d, batch %d, seeded random photos and classes, median of\n"
           "  %d timed steps after %d warm-up: U-Net segmenter (ngf %d, 6 downs, batch norm, %d classes, no Tanh),\n"
           "  softmax cross-entropy, Adam (lr 1e-3); each row in its own process, peak RSS of that process\n",
           PARSER_SIZE, PARSER_SIZE, PARSER_BATCH, timed, warmup, PARSER_NGF, PARSER_CLASSES);
    printf("  %-12s %5s %7s %12s %14s %7s %10s %12s\n", "model", "batch", "threads", "gan99 s/step", "PyTorch s/step",
           "ratio", "gan99 MiB", "PyTorch MiB");
    for (t = 1; t <= 2; t++) {
        step_figures g, p;
        char why_g[256], why_p[256];
        int have_g = gan99_row(t, PARSER_BATCH, warmup, timed, &g, why_g, sizeof why_g);
        int have_p = torch_row(t, PARSER_BATCH, warmup, timed, &p, why_p, sizeof why_p);
        printf("  %-12s %5d %7d", "parser", PARSER_BATCH, t);
        if (have_g) printf(" %12.4f", g.seconds);
        else printf(" %12s", "-");
        if (have_p) printf(" %14.4f", p.seconds);
        else printf(" %14s", "-");
        if (have_g && have_p) printf(" %6.2fx", g.seconds / p.seconds);
        else printf(" %7s", "-");
        if (have_g && g.rss_kib >= 0) printf(" %10.0f", (double)g.rss_kib / 1024.0);
        else printf(" %10s", "-");
        if (have_p) printf(" %12.0f\n", (double)p.rss_kib / 1024.0);
        else printf(" %12s\n", "-");
        if (!have_g) printf("    gan99 skipped: %s\n", why_g);
        if (!have_p) printf("    PyTorch skipped: %s\n", why_p);
        else snprintf(version, sizeof version, "%s", p.version);
    }
    printf("  ratio = gan99 time / PyTorch time (below 1: gan99 is faster). PyTorch %s tuned\n"
           "  (bench_ref_torch_parser.py: its threads set to the row's, oneDNN, grads set to None, foreach Adam)\n",
           version[0] ? version : "(not run)");
}
