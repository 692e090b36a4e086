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

/* As bench_pix2pix.c's rows: passive OpenMP waiting, glibc keeping freed memory. */
#define BENCH_GAN99_ENV                                                                          \
    "env OMP_NUM_THREADS=%d OMP_WAIT_POLICY=PASSIVE MALLOC_MMAP_THRESHOLD_=1073741824 "          \
    "MALLOC_TRIM_THRESHOLD_=1073741824"

typedef struct step_figures {
    int got;   /* one bit per line read */
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
    if (!rc) {
        double mib = bench_peak_rss_mib();
        qsort(times, (size_t)timed, sizeof times[0], cmp_double);
        printf("step %.9f\n", 0.5 * (times[(timed - 1) / 2] + times[timed / 2]));
        printf("rss %ld\n", mib < 0.0 ? -1L : (long)(mib * 1024.0 + 0.5));
    }
    if (have_trainer) gan_spade_trainer_free(&t);
    if (have_model) gan_spade_free(&m);
    free(seg);
    free(img);
    return rc ? cli_fail(&err) : CLI_OK;
}

/* This binary's --step in a process of its own with `threads` threads. */
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
    sprintf(cmd + strlen(cmd), " bench --step spade %d %d %d 2>&1", batch, warmup, timed);
    fflush(stdout);
    if (!(p = g99_pipe_open(cmd))) {
        snprintf(why, why_size, "cannot start %s", cli_program_path);
        return 0;
    }
    while (fgets(line, sizeof line, p))
        if (!step_line(line, f)) snprintf(last, sizeof last, "%.*s", (int)strcspn(line, "\r\n"), line);
    status = g99_pipe_close(p);
    if (status != 0 || (f->got & 3) != 3) {
        snprintf(why, why_size, "gan99 bench --step spade failed: %s", last[0] ? last : "no output");
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
    if (!bench_ref_run("bench_ref_torch_spade.py", env, args, step_line, f, why, why_size)) return 0;
    if (f->got != 7) {
        snprintf(why, why_size, "bench_ref_torch_spade.py: unexpected output");
        return 0;
    }
    return 1;
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
    printf("  %-12s %5s %7s %12s %14s %7s %10s %12s\n", "model", "batch", "threads", "gan99 s/step", "PyTorch s/step",
           "ratio", "gan99 MiB", "PyTorch MiB");
    for (t = 1; t <= 2; t++) {
        step_figures g, p;
        char why_g[256], why_p[256];
        int have_g = gan99_row(t, batch, 1, timed, &g, why_g, sizeof why_g);
        int have_p = torch_row(t, batch, 1, timed, &p, why_p, sizeof why_p);
        printf("  %-12s %5d %7d", "spade", batch, t);
        if (have_g) printf(" %12.3f", g.seconds);
        else printf(" %12s", "-");
        if (have_p) printf(" %14.3f", p.seconds);
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
           "  (bench_ref_torch_spade.py: its threads set to the row's, oneDNN, grads set to None,\n"
           "  foreach Adam), OMP_WAIT_POLICY=PASSIVE, MALLOC_*_THRESHOLD_=1 GiB, OPENBLAS_CORETYPE/L2_SIZE\n"
           "  unset; its peak RSS includes the Python interpreter and torch\n",
           version[0] ? version : "(not run)");
}
