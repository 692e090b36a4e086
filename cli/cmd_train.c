/* gan99 train FAMILY: a training run of any model family through
 * gan_train_run (gan/train_run.c). The family's flags and help come from
 * its option table; this file adds what only a program has: stop requests
 * (Ctrl-C and SIGTERM through base's g99_stop_catch: the run writes a
 * checkpoint and returns, however often the key is pressed; exit 130, or
 * 143 for SIGTERM, so `gan99 train ... && gan99 sample ...` does not go on),
 * and the progress bar with the rate and the ETA. */
#include "cli.h"
#include "../gan/gan.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The shared progress line (cli/progress.c), with the plotted losses on a
 * terminal's bar and every loss in a log's plain lines. */
typedef struct train_state {
    cli_progress bar;
    int started;
} train_state;

static int on_progress(void *user, const gan_train_progress *p)
{
    train_state *s = (train_state *)user;
    char extra[256];
    size_t n = 0;
    int k;
    /* the rate counts from the first step of this process (a resumed run
     * starts past 0); the first step is timed from the start, setup included */
    if (!s->started) {
        double t0 = s->bar.start;
        cli_progress_start(&s->bar, "train", "it/s", p->step - 1, p->total);
        s->bar.start = t0;
        s->started = 1;
    }
    extra[0] = '\0';
    for (k = 0; k < p->n_losses && n < sizeof extra - 32; k++)
        if (!s->bar.tty || p->cols[k].plot)
            n += (size_t)snprintf(extra + n, sizeof extra - n, "%s%s %.4f", n ? "  " : "",
                                  s->bar.tty ? p->cols[k].plot : p->cols[k].name, (double)p->losses[k]);
    cli_progress_update(&s->bar, p->step, extra);
    return g99_stop_requested() != 0;
}

static int on_cancel(void *user)
{
    (void)user;
    return g99_stop_requested() != 0;
}

static void on_warning(void *user, const char *msg)
{
    cli_progress_break(&((train_state *)user)->bar);
    fprintf(stderr, "gan99: train: %s\n", msg);
}

int cli_train(gan_train_opts *o, gan_train_result *res)
{
    train_state s;
    g99_error err;
    int rc, sig;
    memset(&s, 0, sizeof s);
    cli_progress_start(&s.bar, "train", "it/s", 0, 0);
    o->progress = on_progress;
    o->cancel = on_cancel;
    o->warn = on_warning;
    o->user = &s;
    g99_error_clear(&err);
    g99_stop_catch();
    rc = gan_train_run(o, res, &err);
    sig = g99_stop_requested();
    g99_stop_release();
    cli_progress_break(&s.bar);
    if (rc) return cli_fail(&err);
    if (res->skipped) fprintf(stderr, "gan99: train: %lu unreadable files skipped\n", (unsigned long)res->skipped);
    if (res->stale_removed)
        fprintf(stderr, "gan99: train: removed %lu temporary files of runs that were killed\n",
                (unsigned long)res->stale_removed);
    if (!res->stopped) return CLI_OK;
    if (res->step == res->start)
        fprintf(stderr, "gan99: train: stopped (%s) before the first step; nothing written\n",
                sig == SIGTERM ? "SIGTERM" : "Ctrl-C");
    else
        fprintf(stderr, "gan99: train: stopped (%s) at step %llu of %llu; checkpoint %s/checkpoint.safetensors "
                "(the same command with --resume continues it)\n", sig == SIGTERM ? "SIGTERM" : "Ctrl-C",
                (unsigned long long)res->step, (unsigned long long)res->total, o->out);
    return 128 + (sig == SIGTERM ? SIGTERM : SIGINT);   /* the shells' convention: 130 Ctrl-C, 143 SIGTERM */
}

/* ---- the command line ----------------------------------------------------------- */

/* A value of a family option: a choice by name, or a number of the
 * option's type in its range (cli/numbers.c checks syntax and overflow). */
static int parse_option(const cli_command *cmd, const gan_family *f, int i, const char *s, double *v)
{
    const gan_option *o = &f->options[i];
    if (o->type == GAN_OPT_CHOICE) {
        const char *p = o->choices;
        size_t n = strlen(s);
        int k;
        for (k = 0; p && n; k++) {
            if (strncmp(p, s, n) == 0 && (p[n] == '|' || p[n] == '\0')) {
                *v = k;
                return 0;
            }
            p = strchr(p, '|');
            if (p) p++;
        }
        return cli_usage_error(cmd, "%s: '%s' is not one of %s", o->flag, s, o->choices);
    }
    if (o->type == GAN_OPT_INT) {
        int64_t x;
        if (cli_parse_i64(cmd, o->flag, s, (int64_t)o->lo, (int64_t)o->hi, &x)) return CLI_BAD_INPUT;
        *v = (double)x;
        return 0;
    }
    return cli_parse_double(cmd, o->flag, s, o->lo, o->hi, v);
}

/* "WxH" or "N" into the family's width and height options. */
static int parse_size(const cli_command *cmd, const gan_family *f, const char *s, gan_values *v)
{
    int kw = gan_option_find(f, "width"), kh = gan_option_find(f, "height"), x, y;
    g99_error err;
    if (cli_parse_wxh(cmd, "--size", s, 1, (int)f->options[kw].lo, (int)f->options[kw].hi, &x, &y)) return CLI_BAD_INPUT;
    if (gan_option_check(f, kh, y, &err)) return cli_usage_error(cmd, "--size: %s", err.msg);
    v->v[kw] = x;
    v->v[kh] = y;
    v->given[kw] = v->given[kh] = 1;
    return 0;
}

/* The generic flags of every family, with their ranges. */
static const struct run_flag {
    const char *flag, *help;
    uint64_t lo, hi;
} run_flags[] = {
    { "--batch", "batch size (default: the family's)", 1, 65536 },
    { "--steps", "steps in all, counting resumed ones", 1, (uint64_t)1 << 32 },
    { "--epochs", "epochs in all (default: the reference's count)", 1, (uint64_t)1 << 32 },
    { "--seed", "initialization, noise and data order (default 0)", 0, UINT64_MAX },
    { "--sample-every", "a sample grid every K steps (default steps/50)", 1, (uint64_t)1 << 32 },
    { "--checkpoint-every", "a checkpoint every N steps (default 500)", 1, (uint64_t)1 << 32 },
    { "--samples", "images in each sample grid (default 64)", 1, 1024 },
    { "--snapshot-every", "also keep the model every K steps in snapshots/ (this invocation)", 1,
      (uint64_t)1 << 32 },
};
enum { F_BATCH, F_STEPS, F_EPOCHS, F_SEED, F_SAMPLE_EVERY, F_CHECKPOINT_EVERY, F_SAMPLES, F_SNAPSHOT_EVERY,
       N_RUN_FLAGS };

/* A family whose default model takes no latent: it translates or
 * reconstructs images, and gets held-out metrics (--val). */
static int no_latent(const gan_family *f)
{
    gan_values v;
    gan_model *m = NULL;
    gan_geometry g;
    gan_values_default(f, &v);
    if (f->resolve) f->resolve(&v);
    if (f->kind == GAN_DATA_LABELS || f->create(&v, &m, NULL)) return 0;
    f->geometry(m, &g);
    f->destroy(m);
    return g.latent == 0;
}

static void print_family_help(FILE *out, const gan_family *f)
{
    int i;
    fprintf(out,
            "usage: gan99 train %s --data D --out RUN [--steps N | --epochs N] [options]\n"
            "\n"
            "%s.\nFollows %s.\n"
            "D is a folder of PNG/JPEG/PPM images (recursive), an IDX file such as\n"
            "MNIST's (.gz too), or synth:N[:SEED] for N built-in synthetic faces.\n"
            "RUN receives checkpoint.safetensors, model.safetensors (the reference's\n"
            "key names), samples/, progress.gif, loss.csv and loss.png. Without\n"
            "--steps or --epochs the run takes the reference's %llu epochs.\n"
            "Ctrl-C or SIGTERM writes a checkpoint and stops (exit 130 or 143);\n"
            "--resume continues it bit for bit with the settings it stored.\n"
            "\n",
            f->name, f->summary, f->reference, (unsigned long long)f->default_epochs);
    if (f->kind == GAN_DATA_SEGMENTS)
        fprintf(out, "For %s, D gives photos with their class maps: synth:N[:SEED] (the faces'\n"
                "part labels) or MAPS,PHOTOS, two folders whose files match by name (maps as\n"
                "8-bit palette or grey PNGs, class = value, or colour with --palette).\n\n", f->name);
    for (i = 0; i < N_RUN_FLAGS; i++) fprintf(out, "  %-20s %s\n", run_flags[i].flag, run_flags[i].help);
    fprintf(out, "  %-20s %s\n", "--resume", "continue RUN/checkpoint.safetensors (its data and settings)");
    fprintf(out, "  %-20s %s\n", "--from BASE", "transfer learning: a new run from BASE's weights (a run folder, its\n"
            "                       checkpoint or model file; its architecture, fresh optimizers)");
    if (f->kind != GAN_DATA_IMAGES) {
        if (f->kind == GAN_DATA_PAIRS)
            fprintf(out, "  %-20s %s\n", "--pairs FILTER", "make A from each image: gray, binary, contours, canny, blur");
        if (f->kind == GAN_DATA_LABELS || f->kind == GAN_DATA_SEGMENTS) fprintf(out, "  %-20s %s\n", "--palette FILE", "the colours of colour label maps");
        if (f == &gan_family_spade)
            fprintf(out, "  %-20s %s\n", "--vgg FILE", "the VGG perceptual loss (lambda-vgg) with VGG19 weights: torchvision's\n"
                    "                       keys (features.N.weight/.bias) in a safetensors file; off by default");
        fprintf(out, "  %-20s %s\n", "--load-size WxH", "resize to WxH, then crop at random (pix2pix's load_size)");
        fprintf(out, "  %-20s %s\n", "--no-flip", "no random horizontal flips");
    }
    if (f->kind == GAN_DATA_SEGMENTS)
        fprintf(out, "  %-20s %s\n", "--val D", "held-out maps for iou.csv: per-class and mean IoU every epoch (default:\n"
                "                       D/val beside a D/train, 100 unseen faces for synth:N)");
    else if (no_latent(f))
        fprintf(out, "  %-20s %s\n", "--val D", "held-out data for val.csv: L1 and PSNR every epoch (default: D/val\n"
                "                       beside a D/train, 100 unseen faces for synth:N)");
    fprintf(out, "\n%s options:\n", f->name);
    for (i = 0; i < f->n_options; i++) {
        char flag[64];
        const gan_option *o = &f->options[i];
        if (o->type == GAN_OPT_FLAG) snprintf(flag, sizeof flag, "%s", o->flag);
        else if (o->type == GAN_OPT_CHOICE) snprintf(flag, sizeof flag, "%s %s", o->flag, o->choices);
        else snprintf(flag, sizeof flag, "%s %s", o->flag, o->type == GAN_OPT_INT ? "N" : "X");
        fprintf(out, "  %-20s %s\n", flag, o->help);
    }
}

static void print_help(FILE *out)
{
    int i;
    fprintf(out,
            "usage: gan99 train FAMILY --data D --out RUN [--steps N | --epochs N] [options]\n"
            "       gan99 help train FAMILY   the options of one family\n"
            "\n"
            "Trains a model of one family into the run folder RUN. Families:\n");
    for (i = 0; gan_families[i]; i++) fprintf(out, "  %-12s %s\n", gan_families[i]->name, gan_families[i]->summary);
}


/* A flag this family lacks: another family's, or none at all. */
static int unknown_flag(const cli_command *cmd, const gan_family *f, const char *flag)
{
    int i;
    for (i = 0; gan_families[i]; i++)
        if (gan_families[i] != f && gan_option_find(gan_families[i], flag) >= 0 && flag[0] == '-')
            return cli_usage_error(cmd, "%s is an option of %s, not of %s", flag, gan_families[i]->name,
                                   f->name);
    return cli_usage_error(cmd, "unknown option '%s' for %s", flag, f->name);
}

static int train_main(int argc, char **argv)
{
    const cli_command *cmd = &cli_cmd_train;
    const gan_family *f;
    gan_train_opts o;
    gan_train_result res;
    uint64_t run[N_RUN_FLAGS];
    const char *load = NULL;
    int i, k, r;
    memset(&o, 0, sizeof o);
    memset(run, 0, sizeof run);
    if (cli_wants_help(argc, argv)) {
        f = argc >= 2 ? gan_arch_find(argv[1]) : NULL;
        if (f) print_family_help(stdout, f);
        else print_help(stdout);
        return CLI_OK;
    }
    if (argc < 2 || argv[1][0] == '-')
        return cli_usage_error(cmd, "the first argument is the model family: %s", gan_family_names());
    f = gan_arch_find(argv[1]);
    if (!f) return cli_usage_error(cmd, "'%s' is no model family of gan99 (%s)", argv[1], gan_family_names());
    o.family = f;
    gan_values_default(f, &o.values);
    for (i = 2; i < argc; i++) {
        const char *a = argv[i];
        if ((r = cli_opt_str(cmd, argc, argv, &i, "--data", &o.data)) != 0 ||
            (r = cli_opt_str(cmd, argc, argv, &i, "--out", &o.out)) != 0 ||
            (r = cli_opt_str(cmd, argc, argv, &i, "--pairs", &o.pair_filter)) != 0 ||
            (r = cli_opt_str(cmd, argc, argv, &i, "--palette", &o.palette)) != 0 ||
            (r = cli_opt_str(cmd, argc, argv, &i, "--val", &o.val)) != 0 ||
            (r = cli_opt_str(cmd, argc, argv, &i, "--vgg", &o.vgg)) != 0 ||
            (r = cli_opt_str(cmd, argc, argv, &i, "--from", &o.from)) != 0 ||
            (r = cli_opt_str(cmd, argc, argv, &i, "--load-size", &load)) != 0) {
            if (r < 0) return CLI_BAD_INPUT;
            continue;
        }
        if (strcmp(a, "--resume") == 0 || strcmp(a, "--no-flip") == 0) {
            o.resume |= a[2] == 'r';
            o.no_flip |= a[2] == 'n';
            continue;
        }
        for (k = 0; k < N_RUN_FLAGS && strcmp(a, run_flags[k].flag) != 0; k++) {}
        if (k < N_RUN_FLAGS) {
            if (i + 1 >= argc) return cli_usage_error(cmd, "%s needs a value", a);
            if (cli_parse_u64(cmd, a, argv[++i], run_flags[k].lo, run_flags[k].hi, &run[k])) return CLI_BAD_INPUT;
            continue;
        }
        k = gan_option_find(f, a);
        if (k < 0 && strcmp(a, "--size") == 0 && gan_option_find(f, "width") >= 0 && gan_option_find(f, "height") >= 0) {
            /* --size WxH (or N for N x N) of a family with a width and a height */
            if (i + 1 >= argc) return cli_usage_error(cmd, "%s needs a value", a);
            if (parse_size(cmd, f, argv[++i], &o.values)) return CLI_BAD_INPUT;
            continue;
        }
        if (k < 0 || a[0] != '-') return unknown_flag(cmd, f, a);
        if (f->options[k].type == GAN_OPT_FLAG) {
            o.values.v[k] = 1;
        } else {
            if (i + 1 >= argc) return cli_usage_error(cmd, "%s needs a value", a);
            if (parse_option(cmd, f, k, argv[++i], &o.values.v[k])) return CLI_BAD_INPUT;
        }
        o.values.given[k] = 1;
    }
    if (o.from && o.resume) return cli_usage_error(cmd, "--from starts a new run; --resume continues one");
    if (!o.out || (!o.data && !o.resume))
        return cli_usage_error(cmd, "--data and --out are required (--resume takes the run's data)");
    if (f->kind == GAN_DATA_IMAGES && (o.pair_filter || o.palette || load || o.no_flip))
        return cli_usage_error(cmd, "--pairs, --palette, --load-size and --no-flip are for families that translate "
                               "images; %s trains on images alone", f->name);
    if (o.vgg && f != &gan_family_spade)
        return cli_usage_error(cmd, "--vgg (the VGG perceptual loss) is an option of spade, not of %s", f->name);
    if (o.vgg && cli_check_input(cmd, o.vgg)) return CLI_BAD_INPUT;
    if (o.pair_filter) {
        static const char *const filters[] = { "gray", "grey", "binary", "contours", "canny", "blur" };
        size_t n;
        for (n = 0; n < sizeof filters / sizeof filters[0] && strcmp(filters[n], o.pair_filter) != 0; n++) {}
        if (n == sizeof filters / sizeof filters[0])
            return cli_usage_error(cmd, "--pairs: '%s' is not one of gray, binary, contours, canny, blur", o.pair_filter);
    }
    if (load && cli_parse_wxh(cmd, "--load-size", load, 0, 1, 4096, &o.load_width, &o.load_height))
        return CLI_BAD_INPUT;
    if (run[F_STEPS] && run[F_EPOCHS]) return cli_usage_error(cmd, "give --steps or --epochs, not both");
    o.batch = (int)run[F_BATCH];
    o.steps = run[F_STEPS];
    o.epochs = run[F_EPOCHS];
    o.seed = run[F_SEED];
    o.sample_every = run[F_SAMPLE_EVERY];
    o.checkpoint_every = run[F_CHECKPOINT_EVERY];
    o.n_samples = (int)run[F_SAMPLES];
    o.snapshot_every = run[F_SNAPSHOT_EVERY];
    for (i = 2; i < argc; i++) {
        o.given_batch |= strcmp(argv[i], "--batch") == 0;
        o.given_seed |= strcmp(argv[i], "--seed") == 0;
        o.given_sample_every |= strcmp(argv[i], "--sample-every") == 0;
        o.given_checkpoint_every |= strcmp(argv[i], "--checkpoint-every") == 0;
        o.given_samples |= strcmp(argv[i], "--samples") == 0;
    }
    r = cli_train(&o, &res);
    if (r == CLI_OK)
        printf("%s: step %llu of %llu; model %s/model.safetensors, samples %s/progress.gif, losses %s/loss.png\n",
               o.out, (unsigned long long)res.step, (unsigned long long)res.total, o.out, o.out, o.out);
    return r;
}

const cli_command cli_cmd_train = {
    "train",
    "train a model (dcgan ...) on a folder of images, an IDX file or synthetic faces",
    NULL,   /* the help is made from the registry: train_main prints it */
    train_main,
};
