/* gan99 train: a DCGAN training run (SPEC.md §6, issue 6 item 4) through
 * gan_train_dcgan, with what only a program has: Ctrl-C (SIGINT sets a
 * flag that the progress callback hands back, so the run writes a
 * checkpoint and returns), the clock for it/s and the ETA, and a progress
 * bar redrawn in place when stderr is a terminal (plain lines otherwise). */
#define _POSIX_C_SOURCE 200809L
#include "cli.h"
#include "../gan/gan.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t interrupted;

static void on_sigint(int sig)
{
    (void)sig;
    interrupted = 1;
}

typedef struct progress_state {
    double t0;
    uint64_t start;
    int started, tty;
    double last_line;
} progress_state;

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void format_time(double s, char *buf, size_t cap)
{
    long t = s > 0 && s < 1e8 ? (long)(s + 0.5) : 0;
    if (t >= 3600) snprintf(buf, cap, "%ldh%02ldm", t / 3600, t / 60 % 60);
    else snprintf(buf, cap, "%ldm%02lds", t / 60, t % 60);
}

static int on_progress(void *user, const gan_train_progress *p)
{
    progress_state *s = (progress_state *)user;
    double t = now_seconds(), rate;
    char eta[32];
    /* the rate counts from the first step of this process (a resumed run
     * starts past 0); the first step is timed from the start, setup included */
    if (!s->started) {
        s->started = 1;
        s->start = p->step - 1;
    }
    rate = (double)(p->step - s->start) / (t - s->t0 > 1e-9 ? t - s->t0 : 1e-9);
    format_time(rate > 0 ? (double)(p->total - p->step) / rate : 0, eta, sizeof eta);
    if (s->tty) {
        char bar[31];
        int i, fill = (int)(30.0 * (double)p->step / (double)p->total);
        for (i = 0; i < 30; i++) bar[i] = i < fill ? '#' : '.';
        bar[30] = '\0';
        fprintf(stderr, "\r[%s] %llu/%llu  D %.3f  G %.3f  %.2f it/s  ETA %s ", bar, (unsigned long long)p->step,
                (unsigned long long)p->total, (double)(p->losses.d_real + p->losses.d_fake), (double)p->losses.g,
                rate, eta);
        if (p->step == p->total) fputc('\n', stderr);
    } else if (t - s->last_line >= 10.0 || p->step == p->total || p->step == s->start + 1) {
        fprintf(stderr, "step %llu/%llu  loss_d %.4f  loss_g %.4f  D(x) %.3f  D(G(z)) %.3f/%.3f  %.2f it/s  ETA %s\n",
                (unsigned long long)p->step, (unsigned long long)p->total,
                (double)(p->losses.d_real + p->losses.d_fake), (double)p->losses.g, (double)p->losses.d_x,
                (double)p->losses.d_g_z1, (double)p->losses.d_g_z2, rate, eta);
        s->last_line = t;
    }
    fflush(stderr);
    return interrupted != 0;
}

static void on_warning(void *user, const char *msg)
{
    (void)user;
    fprintf(stderr, "gan99: warning: %s\n", msg);
}

int cli_train_dcgan(gan_train_opts *o, gan_train_result *res)
{
    progress_state s;
    g99_error err;
    void (*old)(int);
    int rc;
    memset(&s, 0, sizeof s);
    s.t0 = s.last_line = now_seconds();
    s.tty = isatty(fileno(stderr));
    o->progress = on_progress;
    o->warn = on_warning;
    o->user = &s;
    interrupted = 0;
    old = signal(SIGINT, on_sigint);
    g99_error_clear(&err);
    rc = gan_train_dcgan(o, res, &err);
    signal(SIGINT, old == SIG_ERR ? SIG_DFL : old);
    if (s.tty && res->stopped) fputc('\n', stderr);
    if (rc) return cli_report(&err, rc == G99_ENOMEM || rc == G99_EIO ? CLI_FAILED : CLI_BAD_INPUT);
    if (res->skipped) fprintf(stderr, "gan99: %lu unreadable files skipped\n", (unsigned long)res->skipped);
    if (res->stopped)
        fprintf(stderr, "gan99: interrupted at step %llu; checkpoint written (--resume continues)\n",
                (unsigned long long)res->step);
    return CLI_OK;
}

static int parse_u64(const cli_command *cmd, int argc, char **argv, int *i, const char *name, uint64_t *v)
{
    long x;
    int rc = cli_opt_long(cmd, argc, argv, i, name, &x);
    if (rc == 1 && x < 0) {
        cli_usage_error(cmd, "%s must not be negative", name);
        return -1;
    }
    if (rc == 1) *v = (uint64_t)x;
    return rc;
}

static int train_run(int argc, char **argv)
{
    const cli_command *cmd = &cli_cmd_train;
    gan_train_opts o;
    gan_train_result res;
    int i, r;
    long size = 64, batch = 64, nz = 100, ngf = 64, ndf = 64, nc = 3, samples = 64;
    const char *lr = NULL;
    memset(&o, 0, sizeof o);
    if (argc < 2 || strcmp(argv[1], "dcgan") != 0)
        return cli_usage_error(cmd, "the first argument is the model: dcgan");
    for (i = 2; i < argc; i++) {
        if ((r = cli_opt_str(cmd, argc, argv, &i, "--data", &o.data)) != 0 ||
            (r = cli_opt_str(cmd, argc, argv, &i, "--out", &o.out)) != 0 ||
            (r = cli_opt_long(cmd, argc, argv, &i, "--size", &size)) != 0 ||
            (r = cli_opt_long(cmd, argc, argv, &i, "--batch", &batch)) != 0 ||
            (r = parse_u64(cmd, argc, argv, &i, "--steps", &o.steps)) != 0 ||
            (r = parse_u64(cmd, argc, argv, &i, "--epochs", &o.epochs)) != 0 ||
            (r = parse_u64(cmd, argc, argv, &i, "--seed", &o.seed)) != 0 ||
            (r = cli_opt_str(cmd, argc, argv, &i, "--lr", &lr)) != 0 ||
            (r = parse_u64(cmd, argc, argv, &i, "--sample-every", &o.sample_every)) != 0 ||
            (r = parse_u64(cmd, argc, argv, &i, "--checkpoint-every", &o.checkpoint_every)) != 0 ||
            (r = cli_opt_long(cmd, argc, argv, &i, "--nz", &nz)) != 0 ||
            (r = cli_opt_long(cmd, argc, argv, &i, "--ngf", &ngf)) != 0 ||
            (r = cli_opt_long(cmd, argc, argv, &i, "--ndf", &ndf)) != 0 ||
            (r = cli_opt_long(cmd, argc, argv, &i, "--channels", &nc)) != 0 ||
            (r = cli_opt_long(cmd, argc, argv, &i, "--samples", &samples)) != 0) {
            if (r < 0) return CLI_BAD_INPUT;
            continue;
        }
        if (strcmp(argv[i], "--resume") == 0) o.resume = 1;
        else return cli_usage_error(cmd, "unknown option '%s'", argv[i]);
    }
    if (!o.data || !o.out) return cli_usage_error(cmd, "--data and --out are required");
    if (!o.resume && !o.steps && !o.epochs) return cli_usage_error(cmd, "give --steps N or --epochs N");
    if (size != 64 && size != 32 && size != 28) return cli_usage_error(cmd, "--size is 64, 32 or 28");
    if (batch < 1 || batch > 65536 || nz < 1 || nz > 65536 || ngf < 1 || ngf > 65536 || ndf < 1 || ndf > 65536 ||
        (nc != 1 && nc != 3) || samples < 1 || samples > 1024)
        return cli_usage_error(cmd, "--batch, --nz, --ngf, --ndf, --channels (1 or 3) or --samples out of range");
    if (lr) {
        char *end;
        double v = strtod(lr, &end);
        if (end == lr || *end || !(v > 0 && v < 1)) return cli_usage_error(cmd, "--lr wants a number in (0, 1)");
        o.lr = (float)v;
    }
    o.model.size = (int)size;
    o.model.nz = (int)nz;
    o.model.ngf = (int)ngf;
    o.model.ndf = (int)ndf;
    o.model.nc = (int)nc;
    o.batch = (int)batch;
    o.n_samples = (int)samples;
    r = cli_train_dcgan(&o, &res);
    if (r == CLI_OK)
        printf("%s: step %llu of %llu; model %s/model.safetensors, samples %s/progress.gif, losses %s/loss.png\n",
               o.out, (unsigned long long)res.step, (unsigned long long)res.total, o.out, o.out, o.out);
    return r;
}

const cli_command cli_cmd_train = {
    "train",
    "train a model (dcgan) on a folder of images, an IDX file or synthetic faces",
    "usage: gan99 train dcgan --data D --out RUN (--steps N | --epochs N) [options]\n"
    "\n"
    "Trains pytorch/examples' DCGAN (gan_spec.md §1). D is a folder of PNG/JPEG/PPM\n"
    "images (recursive), an IDX file such as MNIST's (.gz too), or synth:N[:SEED]\n"
    "for N built-in synthetic faces. RUN receives checkpoint.safetensors,\n"
    "model.safetensors (G, PyTorch key names), samples/, progress.gif, loss.csv\n"
    "and loss.png. Ctrl-C writes a checkpoint and stops; --resume continues it\n"
    "bit for bit with the checkpoint's settings.\n"
    "\n"
    "  --size 64|32|28         image size (default 64)\n"
    "  --batch N               batch size (default 64)\n"
    "  --steps N | --epochs N  how long (total, counting resumed steps)\n"
    "  --seed S                initialization, noise and data order (default 0)\n"
    "  --lr X                  Adam learning rate (default 2e-4; 1e-4 at 28)\n"
    "  --nz N --ngf N --ndf N  latent size and widths (default 100, 64, 64)\n"
    "  --channels 1|3          grey or colour (default 3)\n"
    "  --samples N             images in each sample grid (default 64)\n"
    "  --sample-every K        a sample grid every K steps (default steps/50)\n"
    "  --checkpoint-every N    a checkpoint every N steps (default 500)\n"
    "  --resume                continue RUN/checkpoint.safetensors\n",
    train_run,
};
