/* gan99 average: the mean face of aligned images (doc/cli.md), the picture
 * that shows how well a set is aligned: sharp eyes when they all sit at the
 * same place, a blur otherwise.
 *
 * Every image must have the size and channel count of the first; the
 * sums are exact and each sample is rounded half up (align_mean_*). */
#include "cli.h"
#include "../align/align.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: gan99 average --out FILE IMAGE|DIR...\n"
    "\n"
    "Writes the pixel-wise mean of the images (the average face of aligned crops,\n"
    "e.g. the output of gan99 align). Folders are searched recursively for .png,\n"
    ".jpg, .jpeg, .ppm, .pgm and .pnm files; all images must have the size and the\n"
    "channels of the first. Samples are averaged exactly and rounded half up.\n"
    "\n"
    "options:\n"
    "  --out FILE   the mean image, in the format its extension names (.png,\n"
    "               .ppm/.pgm/.pnm, .gif)\n";

extern const cli_command cli_cmd_average;

static int average_run(int argc, char **argv)
{
    const cli_command *cmd = &cli_cmd_average;
    const char *out = NULL, *s;
    char **inputs = (char **)malloc(sizeof(char *) * (size_t)argc);
    int ninputs = 0, i, r, status = CLI_OK;
    cli_file_list files;
    align_mean acc;
    img_image mean;
    g99_error err;
    if (!inputs) {
        cli_error("average", "out of memory");
        return CLI_FAILED;
    }
    for (i = 1; i < argc; i++) {
        if (argv[i][0] != '-' || argv[i][1] == '\0') {
            inputs[ninputs++] = argv[i];
        } else if ((r = cli_opt_str(cmd, argc, argv, &i, "--out", &s)) != 0) {
            if (r < 0) break;
            out = s;
        } else {
            cli_usage_error(cmd, "unknown option '%s'", argv[i]);
            break;
        }
    }
    if (i < argc || !out || ninputs == 0) {
        free(inputs);
        if (i < argc) return CLI_BAD_INPUT;
        return cli_usage_error(cmd, !out ? "needs --out FILE" : "needs at least one IMAGE or DIR");
    }
    if (cli_check_output(cmd, "--out", out, CLI_OUT_IMAGE)) {
        free(inputs);
        return CLI_BAD_INPUT;
    }
    g99_error_clear(&err);
    r = cli_list_inputs(cmd, ninputs, inputs, &files);
    free(inputs);
    if (r) return r;
    memset(&acc, 0, sizeof acc);
    for (i = 0; i < files.count && status == CLI_OK; i++) {
        img_image img;
        if (cli_read_image(files.paths[i], &img, &err)) {
            status = cli_fail(&err);
            break;
        }
        if (align_mean_add(&acc, &img, &err)) {
            if (err.code == G99_EINVAL)  /* the odd file and the first one, by name */
                cli_error(files.paths[i], "%dx%d with %d channel%s, unlike %s (%dx%d with %d channel%s)", img.width,
                          img.height, img.channels, img.channels == 1 ? "" : "s", files.paths[0], acc.width,
                          acc.height, acc.channels, acc.channels == 1 ? "" : "s");
            else cli_report(&err, 0);
            status = cli_exit_code(err.code);
        }
        img_free(&img);
    }
    if (status == CLI_OK) {
        if (align_mean_image(&acc, &mean, &err)) {
            status = cli_fail(&err);
        } else {
            r = img_save(out, &mean, &err);
            if (r) status = cli_fail(&err);
            else printf("%s: the mean of %d images (%dx%d)\n", out, files.count, mean.width, mean.height);
            img_free(&mean);
        }
    }
    align_mean_free(&acc);
    cli_file_list_free(&files);
    return status;
}

const cli_command cli_cmd_average = {
    "average",
    "the mean face of aligned images",
    usage,
    average_run,
};
