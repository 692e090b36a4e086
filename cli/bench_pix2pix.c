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

/* gan99's rows get PyTorch's environment (BENCH_TORCH_ENV) but for the
 * BLAS variables it does not read: passive OpenMP waiting (threads that
 * spin at barriers lose badly on a busy machine) and glibc keeping freed
 * memory (no page faults from re-mapping each step's big buffers). */
#define BENCH_GAN99_ENV                                                                          \
    "env OMP_NUM_THREADS=%d OMP_WAIT_POLICY=PASSIVE MALLOC_MMAP_THRESHOLD_=1073741824 "          \
    "MALLOC_TRIM_THRESHOLD_=1073741824"

/* "step S", "rss KIB", "version V": the lines of both sides. */
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

static long peak_rss_kib(void)
{
    double mib = bench_peak_rss_mib();
    return mib < 0.0 ? -1 : (long)(mib * 1024.0 + 0.5);
}

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
    if (!rc) {
        qsort(times, (size_t)timed, sizeof times[0], cmp_double);
        printf("step %.9f\n", 0.5 * (times[(timed - 1) / 2] + times[timed / 2]));
        printf("rss %ld\n", peak_rss_kib());
    }
    if (s.have_trainer && s.is_p2p) gan_pix2pix_trainer_free(&s.t);
    if (s.have_trainer && !s.is_p2p) gan_autoencoder_trainer_free(&s.at);
    if (s.have_model && s.is_p2p) gan_pix2pix_free(&s.m);
    if (s.have_model && !s.is_p2p) gan_autoencoder_free(&s.ae);
    free(s.a);
    free(s.b);
    return rc ? cli_fail(&err) : CLI_OK;
}

/* This binary's --step in a process of its own with `threads` threads. */
static int gan99_row(const char *model, int threads, int batch, int warmup, int timed, step_figures *f, char *why,
                     size_t why_size)
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
    sprintf(cmd + strlen(cmd), " bench --step %s %d %d %d 2>&1", model, batch, warmup, timed);
    fflush(stdout);
    if (!(p = g99_pipe_open(cmd))) {
        snprintf(why, why_size, "cannot start %s", cli_program_path);
        return 0;
    }
    while (fgets(line, sizeof line, p))
        if (!step_line(line, f)) snprintf(last, sizeof last, "%.*s", (int)strcspn(line, "\r\n"), line);
    status = g99_pipe_close(p);
    if (status != 0 || (f->got & 3) != 3) {
        snprintf(why, why_size, "gan99 bench --step %s failed: %s", model, last[0] ? last : "no output");
        return 0;
    }
    return 1;
}

static int torch_row(const char *model, int threads, int batch, int warmup, int timed, step_figures *f, char *why,
                     size_t why_size)
{
    char env[300], args[100];
    memset(f, 0, sizeof *f);
    sprintf(env, BENCH_TORCH_ENV, threads, threads);
    sprintf(args, "%d %s %d %d %d", threads, model, batch, warmup, timed);
    if (!bench_ref_run("bench_ref_torch_pix2pix.py", env, args, step_line, f, why, why_size)) return 0;
    if (f->got != 7) {
        snprintf(why, why_size, "bench_ref_torch_pix2pix.py: unexpected output");
        return 0;
    }
    return 1;
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
    printf("  %-12s %5s %7s %12s %14s %7s %10s %12s\n", "model", "batch", "threads", "gan99 s/step", "PyTorch s/step",
           "ratio", "gan99 MiB", "PyTorch MiB");
    for (t = 1; t <= 2; t++)
        for (r = 0; r < (int)(sizeof rows / sizeof rows[0]); r++) {
            int batch = quick ? rows[r].quick_batch : rows[r].batch;
            int timed = quick ? 2 : rows[r].timed;
            step_figures g, p;
            char why_g[256], why_p[256];
            int have_g = gan99_row(rows[r].model, t, batch, rows[r].warmup, timed, &g, why_g, sizeof why_g);
            int have_p = torch_row(rows[r].model, t, batch, rows[r].warmup, timed, &p, why_p, sizeof why_p);
            printf("  %-12s %5d %7d", rows[r].model, batch, t);
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
           "  (bench_ref_torch_pix2pix.py: its threads set to the row's, oneDNN, grads set to None,\n"
           "  foreach Adam), OMP_WAIT_POLICY=PASSIVE, MALLOC_*_THRESHOLD_=1 GiB, OPENBLAS_CORETYPE/L2_SIZE\n"
           "  unset; its peak RSS includes the Python interpreter and torch\n",
           version[0] ? version : "(not run)");
}
