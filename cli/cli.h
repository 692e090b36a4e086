/* The gan99 command line: one file per command, each exporting a
 * cli_command. Exit codes (SPEC.md §6): 0 done, 1 failed while working,
 * 2 bad usage or bad input. Messages go to stderr as "gan99: WHAT: reason". */
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

/* Prints err as "gan99: reason" (the message already names the file) and
 * returns the exit code its status calls for: 1 for out-of-memory and
 * write failures while working, 2 for bad input. */
int cli_report(const g99_error *err, int exit_code);

/* True when argv holds -h or --help. */
int cli_wants_help(int argc, char **argv);

/* Option values: when argv[*i] is `name`, takes the next argument as its
 * value, advances *i and returns 1; a missing value is a usage error (-1). */
int cli_opt_str(const cli_command *cmd, int argc, char **argv, int *i, const char *name, const char **value);
int cli_opt_long(const cli_command *cmd, int argc, char **argv, int *i, const char *name, long *value);

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

/* argv[0] of gan99 itself (set by main), to find files installed next to
 * the binary. */
extern const char *cli_program_path;

/* Where the Haar cascade `name` is (a path, or a vendored name such as
 * "eye" or "haarcascade_eye.xml"; cli/cmd_detect.c lists the folders
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
void cli_file_list_free(cli_file_list *l);
/* img_load (a PNG, JPEG or PGM/PPM file by content) made 8-bit: 16-bit
 * samples keep their high byte. Messages start with the path. */
struct img_image;
int cli_read_image(const char *path, struct img_image *img, g99_error *err);

/* A training run with stop requests (Ctrl-C, SIGTERM), a progress bar (or
 * plain lines) and the ETA on stderr (cli/cmd_train.c); sets o->progress,
 * cancel, warn and user. Returns an exit code (130/143 after a stop). */
struct gan_train_opts;
struct gan_train_result;
int cli_train(struct gan_train_opts *o, struct gan_train_result *res);

#endif
