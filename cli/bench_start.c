/* gan99 bench start: how long `gan99 train dcgan --data FASHION-MNIST`
 * takes to get to its first step, and the memory it holds then.
 *
 * The work is what gan/train_run.c's setup does before step 1: the model
 * created with the family's defaults (64x64, 3 channels), its weights
 * initialized, the optimizers and the step's arena made (train_begin at the
 * default batch), and the 60,000 images of train-images-idx3-ubyte.gz
 * loaded (inflated, each resized from 28x28 to 64x64). No file is written.
 *
 * It runs in a process of its own (this binary again, as `gan99 bench
 * --start DATA CHANNELS`), so the peak resident set is that of the start
 * alone; the time counts from the child's entry to the work (loading the
 * program is the same for any command). The goal (issue 16) is at most 2 s
 * and 300 MB. */
#include "cli.h"
#include "bench.h"
#include "../gan/gan.h"
#include "../nn/nn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Debian's dataset-fashion-mnist. */
#define START_DATA "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz"
#define START_GOAL_S 2.0
#define START_GOAL_MIB 300.0

static int load_fail(gan_model *m, const gan_family *f, nn_ctx *ctx, g99_error *err)
{
    if (m) f->destroy(m);
    if (ctx) nn_ctx_free(ctx);
    return cli_fail(err);
}

/* `gan99 bench --start DATA CHANNELS`: prints "start SECONDS" (wall
 * clock), "cpu SECONDS" (the process's processor time, clock(): all its
 * threads), "images N" and "rss PEAK_KIB". */
int bench_start_child(int argc, char **argv)
{
    const gan_family *f = &gan_family_dcgan;
    double t0 = g99_now_seconds(), mib;
    clock_t c0 = clock();
    gan_values v;
    gan_model *m = NULL;
    gan_geometry geo;
    gan_dataset ds;
    gan_dataset_opts o;
    nn_ctx *ctx = NULL;
    int k, channels;
    g99_error err;
    if (argc != 3 || (strcmp(argv[2], "1") != 0 && strcmp(argv[2], "3") != 0))
        return cli_usage_error(&cli_cmd_bench, "--start DATA 1|3");
    channels = atoi(argv[2]);
    g99_error_clear(&err);
    gan_values_default(f, &v);
    k = gan_option_find(f, "--channels");
    if (k < 0) return cli_usage_error(&cli_cmd_bench, "--start: dcgan has no channels option");
    v.v[k] = channels;
    if (f->resolve) f->resolve(&v);
    if (f->create(&v, &m, &err)) return load_fail(m, f, ctx, &err);
    f->geometry(m, &geo);
    f->init_weights(m, 0);
    ctx = nn_ctx_new(0);
    if (!ctx) {
        g99_fail(&err, G99_ENOMEM, "out of memory");
        return load_fail(m, f, ctx, &err);
    }
    if (f->train_begin(m, &v, f->default_batch, 0, ctx, &err)) return load_fail(m, f, ctx, &err);
    memset(&o, 0, sizeof o);
    o.size = o.width = geo.width;
    o.height = geo.height;
    o.channels = geo.channels;
    o.kind = f->kind;
    if (gan_dataset_load(argv[1], &o, &ds, &err)) return load_fail(m, f, ctx, &err);
    printf("start %.6f\n", g99_now_seconds() - t0);
    printf("cpu %.6f\n", (double)(clock() - c0) / CLOCKS_PER_SEC);
    printf("images %d\n", ds.n);
    mib = bench_peak_rss_mib();
    printf("rss %ld\n", mib < 0.0 ? -1L : (long)(mib * 1024.0 + 0.5));
    gan_dataset_free(&ds);
    f->destroy(m);
    nn_ctx_free(ctx);
    return CLI_OK;
}

typedef struct start_figures {
    int got;
    double seconds, cpu;
    long images, rss_kib;
} start_figures;

static int start_line(const char *line, void *ctx)
{
    start_figures *f = (start_figures *)ctx;
    int before = f->got;
    if (sscanf(line, "start %lf", &f->seconds) == 1) f->got |= 1;
    else if (sscanf(line, "images %ld", &f->images) == 1) f->got |= 2;
    else if (sscanf(line, "rss %ld", &f->rss_kib) == 1) f->got |= 4;
    else if (sscanf(line, "cpu %lf", &f->cpu) == 1) f->got |= 8;
    return f->got != before;
}

/* One child run; 1 with f filled, else 0 with the reason in why. */
static int start_row(int channels, start_figures *f, char *why, size_t why_size)
{
    char cmd[1600], line[512], last[200] = "";
    FILE *p;
    int status;
    memset(f, 0, sizeof *f);
    cmd[0] = '\0';
    if (!cli_program_path || !bench_shell_quote(cmd, sizeof cmd, cli_program_path)) {
        snprintf(why, why_size, "the gan99 binary's path is unknown or too long");
        return 0;
    }
    strcat(cmd, " bench --start");
    bench_shell_quote(cmd, sizeof cmd, START_DATA);
    sprintf(cmd + strlen(cmd), " %d 2>&1", channels);
    fflush(stdout);
    if (!(p = g99_pipe_open(cmd))) {
        snprintf(why, why_size, "cannot start %s", cli_program_path);
        return 0;
    }
    while (fgets(line, sizeof line, p))
        if (!start_line(line, f)) snprintf(last, sizeof last, "%.*s", (int)strcspn(line, "\r\n"), line);
    status = g99_pipe_close(p);
    if (status != 0 || f->got != 15) {
        snprintf(why, why_size, "gan99 bench --start failed: %s", last[0] ? last : "no output");
        return 0;
    }
    return 1;
}

void bench_start(int reps)
{
    FILE *probe = fopen(START_DATA, "rb");
    int c, r;
    printf("start: `gan99 train dcgan` on Fashion-MNIST (60,000 28x28 images) at 64x64, up to its first step:\n"
           "  model, weights, optimizers and arena (batch 64), the data inflated and resized; own process,\n"
           "  best of %d; goal <= %.0f s and <= %.0f MiB\n",
           reps, START_GOAL_S, START_GOAL_MIB);
    if (!probe) {
        printf("  skipped: %s not found (apt-get install dataset-fashion-mnist)\n", START_DATA);
        return;
    }
    fclose(probe);
    printf("  %-10s %8s %10s %10s %10s %8s\n", "channels", "images", "seconds", "cpu s", "peak MiB", "goal");
    for (c = 3; c >= 1; c -= 2) {
        start_figures best, f;
        char why[256];
        int ok = 0;
        memset(&best, 0, sizeof best);
        for (r = 0; r < reps; r++) {
            if (!start_row(c, &f, why, sizeof why)) break;
            if (!ok || f.seconds < best.seconds) best.seconds = f.seconds;
            if (!ok || f.cpu < best.cpu) best.cpu = f.cpu;
            if (!ok || f.rss_kib > best.rss_kib) best.rss_kib = f.rss_kib;
            best.images = f.images;
            ok = 1;
        }
        if (!ok) {
            printf("  %-10d skipped: %s\n", c, why);
            continue;
        }
        printf("  %-10d %8ld %10.3f %10.3f %10.0f %8s\n", c, best.images, best.seconds, best.cpu,
               (double)best.rss_kib / 1024.0,
               best.seconds <= START_GOAL_S && (double)best.rss_kib / 1024.0 <= START_GOAL_MIB ? "met" : "not met");
    }
    printf("  (seconds: wall clock, the goal's; cpu s: processor time of all its threads, which a busy\n"
           "  machine does not stretch; threads: OMP_NUM_THREADS, as train; peak MiB: the largest of the runs)\n");
}
