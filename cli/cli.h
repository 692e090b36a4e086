/* The gan99 command line: one file per command, each exporting a
 * cli_command. Exit codes (doc/cli.md): 0 done, 1 failed while working
 * (out of memory, a write refused), 2 bad usage or bad input, found before
 * any work where it can be. Messages go to stderr as "gan99: WHAT: reason". */
#ifndef GAN99_CLI_H
#define GAN99_CLI_H

#include "../base/base.h"

enum { CLI_OK = 0, CLI_FAILED = 1, CLI_BAD_INPUT = 2 };

typedef struct cli_command {
    const char *name;
    const char *summary;  /* one line for `gan99 --help` */
    const char *usage;    /* the whole text of `gan99 help NAME`; NULL: run prints it for --help */
    int (*run)(int argc, char **argv);  /* argv[0] is the command name */
} cli_command;

/* "gan99: WHAT: reason" on stderr. */
void cli_error(const char *what, const char *fmt, ...) G99_PRINTF(2, 3);

/* Reports a bad command line for cmd and returns CLI_BAD_INPUT. */
int cli_usage_error(const cli_command *cmd, const char *fmt, ...) G99_PRINTF(2, 3);

/* The exit code of a g99 status: 0 for G99_OK; 1 (failed while working)
 * for G99_ENOMEM and G99_EIO; 2 (bad input) for every other code. */
int cli_exit_code(int g99_code);

/* Prints err as "gan99: reason" (the message already names the file) and
 * returns cli_exit_code(err->code). */
int cli_fail(const g99_error *err);
/* The same with the exit code chosen by the caller (0: print only). */
int cli_report(const g99_error *err, int exit_code);

/* True when argv holds -h or --help. */
int cli_wants_help(int argc, char **argv);

/* ---- numbers (cli/numbers.c) ----
 * Option values: when argv[*i] is `name`, the next argument is its value:
 * *i advances and the result is 1; 0 when argv[*i] is another flag; -1 when
 * the value is missing or bad, already reported as a usage error naming
 * the flag ("gan99: CMD: --n: '3x' is not an integer"). Integers are plain
 * decimal in lo..hi; doubles finite (no inf, nan, 1e999) in lo..hi. */
int cli_opt_str(const cli_command *cmd, int argc, char **argv, int *i, const char *name, const char **value);
int cli_opt_int(const cli_command *cmd, int argc, char **argv, int *i, const char *name, int lo, int hi, int *v);
int cli_opt_u64(const cli_command *cmd, int argc, char **argv, int *i, const char *name, uint64_t lo, uint64_t hi,
                uint64_t *v);
int cli_opt_double(const cli_command *cmd, int argc, char **argv, int *i, const char *name, double lo, double hi,
                   double *v);
/* Any long (LONG_MIN..LONG_MAX), checked like the others; range checks
 * are the caller's (prefer cli_opt_int with the range). */
int cli_opt_long(const cli_command *cmd, int argc, char **argv, int *i, const char *name, long *value);

/* The same checks on a text already in hand (a list item, a WxH half):
 * 0, or CLI_BAD_INPUT after reporting "FLAG: reason". */
int cli_parse_int(const cli_command *cmd, const char *flag, const char *s, int lo, int hi, int *v);
int cli_parse_i64(const cli_command *cmd, const char *flag, const char *s, int64_t lo, int64_t hi, int64_t *v);
int cli_parse_u64(const cli_command *cmd, const char *flag, const char *s, uint64_t lo, uint64_t hi, uint64_t *v);
int cli_parse_double(const cli_command *cmd, const char *flag, const char *s, double lo, double hi, double *v);
/* Lists such as "1,2,3" or "64x48": copies the item of s up to sep (or the
 * end) into item (size bytes; a longer item is cut and ends in "...", so it
 * never reads as a number) and returns where the next item starts, or NULL
 * after the last. */
const char *cli_list_next(const char *s, char sep, char *item, size_t size);

/* ---- file names (cli/outputs.c): checked before any work ----
 * An image file: its extension must name a format in `allowed` (CLI_OUT_*
 * bits; .jpg is never writable: gan99 has no JPEG encoder), it must not be
 * a folder and its folder must exist. flag names the option ("--out") or
 * NULL for a positional OUT. 0, or CLI_BAD_INPUT after reporting. */
enum { CLI_OUT_PNG = 1, CLI_OUT_PNM = 2, CLI_OUT_GIF = 4, CLI_OUT_IMAGE = 7 };
int cli_check_output(const cli_command *cmd, const char *flag, const char *path, int allowed);
/* An input file: it can be opened for reading and is not a folder. */
int cli_check_input(const cli_command *cmd, const char *path);
/* An output folder: a folder or nothing yet (then its parent must exist);
 * a file of that name is "a file, not a folder". */
int cli_check_output_dir(const cli_command *cmd, const char *flag, const char *path);

/* ---- progress (cli/progress.c) ----
 * A progress line on stderr: on a terminal a bar redrawn in place, else a
 * plain line at the first update, every 10 seconds and at the end; both
 * with the rate (units per second since start) and the time left. */
typedef struct cli_progress {
    const char *label;   /* what is done: "align", "train" */
    const char *unit;    /* rate unit: "photos/s", "it/s" */
    uint64_t first;      /* done at cli_progress_start (a resumed run) */
    uint64_t total;
    double start, last_line;
    int tty, shown, open;  /* open: a bar is on screen without its newline */
} cli_progress;
void cli_progress_start(cli_progress *p, const char *label, const char *unit, uint64_t done, uint64_t total);
/* done of total; extra (NULL for none) follows the figures, e.g. losses. */
void cli_progress_update(cli_progress *p, uint64_t done, const char *extra);
/* Ends a bar left open on a terminal, so that a message prints on a line
 * of its own. */
void cli_progress_break(cli_progress *p);

extern const cli_command cli_cmd_demo;
extern const cli_command cli_cmd_train;
extern const cli_command cli_cmd_sample;
extern const cli_command cli_cmd_morph;
extern const cli_command cli_cmd_info;
extern const cli_command cli_cmd_bench;
extern const cli_command cli_cmd_filter;
extern const cli_command cli_cmd_convert;
extern const cli_command cli_cmd_detect;
extern const cli_command cli_cmd_align;
extern const cli_command cli_cmd_average;
extern const cli_command cli_cmd_pairs;
extern const cli_command cli_cmd_translate;
extern const cli_command cli_cmd_paint;
extern const cli_command cli_cmd_parse;
extern const cli_command cli_cmd_synth;
extern const cli_command cli_cmd_blend;
extern const cli_command cli_cmd_mix;
/* const|random|none -> GAN_SG_NOISE_*, or a usage error and -1 (cli/cmd_mix.c). */
int cli_sg_noise_mode(const cli_command *cmd, const char *name);
extern const cli_command cli_cmd_toonify;
extern const cli_command cli_cmd_export_c;

/* argv[0] of gan99 itself (set by main), to find files installed next to
 * the binary. */
extern const char *cli_program_path;

/* Where the Haar cascade `name` is (a path, or a vendored name such as
 * "eye" or "haarcascade_eye.xml"; cli/cascades.c lists the folders
 * searched): its path in out and 1, or 0 when it is nowhere. */
int cli_cascade_path(const char *name, char *out, size_t size);

/* Image files of IMAGE|DIR... arguments (cli/image_files.c): a file is
 * taken as given, a folder is walked recursively for .png/.jpg/.jpeg/.ppm/
 * .pgm/.pnm files, sorted by path. Free with cli_file_list_free. */
typedef struct cli_file_list {
    char **paths;
    int count, cap;
} cli_file_list;
int cli_list_images(int n, char **args, cli_file_list *out, g99_error *err);
/* The same for a command that needs at least one image: 0, or the exit
 * code after its message ("gan99: CMD: no images ..." when none). */
int cli_list_inputs(const cli_command *cmd, int n, char **args, cli_file_list *out);
void cli_file_list_free(cli_file_list *l);
/* The front of translate, paint and parse (cli/model_inputs.c): MODEL_FILE
 * and --out DIR given, at least one input ("needs at least one WHAT or
 * DIR"), the output folder usable, the inputs listed into files and the
 * model loaded. 0, or the exit code after the message (nothing is then
 * held); inputs stay the caller's. */
struct gan_family;
struct gan_model;
struct gan_values;
int cli_model_on_files(const cli_command *cmd, const char *model, const char *out_dir, int ninputs, char **inputs,
                       const char *what, cli_file_list *files, const struct gan_family **f, struct gan_model **m,
                       struct gan_values *v);
/* img_load (a PNG, JPEG or PGM/PPM file by content) made 8-bit: 16-bit
 * samples keep their high byte. Messages start with the path. */
struct img_image;
int cli_read_image(const char *path, struct img_image *img, g99_error *err);

/* Helpers of gan99 align that pairs and translate share (cli/cmd_align.c).
 * Output file names: a photo's file name with .png for its extension;
 * when two photos share a name (a/x.jpg and b/x.jpg) the later one gets
 * x-2.png, x-3.png ... in the order asked. The name is owned by the set;
 * NULL without memory. A zeroed set is empty. */
typedef struct cli_name_set {
    char **slots;
    size_t cap, count;
} cli_name_set;
const char *cli_output_name(cli_name_set *set, const char *path);
void cli_name_set_free(cli_name_set *s);
/* A size "WxH" (or "N" for N x N when square) for flag, each lo..hi: 0, or
 * CLI_BAD_INPUT after reporting. */
int cli_parse_wxh(const cli_command *cmd, const char *flag, const char *s, int square, int lo, int hi, int *w, int *h);
/* A Haar cascade by name (cli_cascade_path): CLI_OK, or the exit code
 * after reporting. */
struct haar_cascade;
int cli_load_cascade(const char *name, struct haar_cascade **c);

/* A training run with stop requests (Ctrl-C, SIGTERM), a progress bar (or
 * plain lines) and the ETA on stderr (cli/cmd_train.c); sets o->progress,
 * cancel, warn and user. Returns an exit code (130/143 after a stop). */
struct gan_train_opts;
struct gan_train_result;
int cli_train(struct gan_train_opts *o, struct gan_train_result *res);

#endif
