/* The training-step rows of gan99 bench (pix2pix, spade, parser): each
 * side, gan99 and PyTorch, runs in a process of its own, so each row's
 * thread count comes from its environment and its peak resident set is its
 * own. gan99's side is this binary's hidden `gan99 bench --step ...` child;
 * PyTorch's a golden/tools/bench_ref_torch_*.py script. Both print the same
 * lines: "step MEDIAN_SECONDS", "rss PEAK_KIB" (and PyTorch "version V"). */
#include "cli.h"
#include "bench.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* gan99's rows get PyTorch's environment (BENCH_TORCH_ENV) but for the
 * BLAS variables it does not read: passive OpenMP waiting (threads that
 * spin at barriers lose badly on a busy machine) and glibc keeping freed
 * memory (no page faults from re-mapping each step's big buffers). */
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

void bench_step_report(double *times, int n)
{
    double mib = bench_peak_rss_mib();
    qsort(times, (size_t)n, sizeof times[0], cmp_double);
    printf("step %.9f\n", 0.5 * (times[(n - 1) / 2] + times[n / 2]));
    printf("rss %ld\n", mib < 0.0 ? -1L : (long)(mib * 1024.0 + 0.5));
}

/* `gan99 bench ARGS` in a process of its own with `threads` threads. */
static int gan99_side(const char *args, int threads, step_figures *f, char *why, size_t why_size)
{
    char cmd[1600], line[512], last[200] = "";
    FILE *p;
    int status;
    memset(f, 0, sizeof *f);
    snprintf(cmd, sizeof cmd, BENCH_GAN99_ENV, threads);
    if (!cli_program_path || !bench_shell_quote(cmd, sizeof cmd, cli_program_path) ||
        strlen(cmd) + strlen(args) + 16 > sizeof cmd) {
        snprintf(why, why_size, "the gan99 binary's path is unknown or too long");
        return 0;
    }
    sprintf(cmd + strlen(cmd), " bench %s 2>&1", args);
    fflush(stdout);
    if (!(p = g99_pipe_open(cmd))) {
        snprintf(why, why_size, "cannot start %s", cli_program_path);
        return 0;
    }
    while (fgets(line, sizeof line, p))
        if (!step_line(line, f)) snprintf(last, sizeof last, "%.*s", (int)strcspn(line, "\r\n"), line);
    status = g99_pipe_close(p);
    if (status != 0 || (f->got & 3) != 3) {
        snprintf(why, why_size, "gan99 bench %s failed: %s", args, last[0] ? last : "no output");
        return 0;
    }
    return 1;
}

/* `SCRIPT THREADS ARGS` under PyTorch's environment. */
static int torch_side(const char *script, const char *args, int threads, step_figures *f, char *why,
                      size_t why_size)
{
    char env[300], all[300];
    memset(f, 0, sizeof *f);
    sprintf(env, BENCH_TORCH_ENV, threads, threads);
    snprintf(all, sizeof all, "%d %s", threads, args);
    if (!bench_ref_run(script, env, all, step_line, f, why, why_size)) return 0;
    if (f->got != 7) {
        snprintf(why, why_size, "%s: unexpected output", script);
        return 0;
    }
    return 1;
}

void bench_step_header(void)
{
    printf("  %-12s %5s %7s %12s %14s %7s %10s %12s\n", "model", "batch", "threads", "gan99 s/step", "PyTorch s/step",
           "ratio", "gan99 MiB", "PyTorch MiB");
}

void bench_step_row(const char *label, int batch, int threads, const char *gan99_args, const char *script,
                    const char *script_args, char *version, size_t version_size)
{
    step_figures g, p;
    char why_g[256], why_p[256];
    int have_g = gan99_side(gan99_args, threads, &g, why_g, sizeof why_g);
    int have_p = torch_side(script, script_args, threads, &p, why_p, sizeof why_p);
    printf("  %-12s %5d %7d", label, batch, threads);
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
    else snprintf(version, version_size, "%s", p.version);
}
