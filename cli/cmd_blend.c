/* gan99 blend: Toonify's layer swapping of two StyleGAN2 model files, or
 * their plain interpolation (doc/cli.md; the rule in gan/blend.c and
 * doc/models.md, "Toonify"). Everything is checked before the output is
 * written, and the output is written atomically: an error leaves no file. */
#include "cli.h"
#include "../gan/gan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: gan99 blend LOW HIGH --swap-res R [--width W] [--level L] [--fix-quirks] --out FILE\n"
    "       gan99 blend LOW HIGH --alpha A --out FILE\n"
    "\n"
    "Makes a StyleGAN2 model file from two of the same architecture (the same\n"
    "gan99.config, keys and shapes; in Toonify LOW is the cartoon model fine-tuned\n"
    "from HIGH, the photo model). With --swap-res, blend_models.py's rule (Pinkney\n"
    "and Adler): the synthesis layers up to resolution R come from LOW, those above\n"
    "from HIGH; the mapping network, w_avg and the buffers from LOW. With --alpha,\n"
    "every tensor is LOW + A (HIGH - LOW).\n"
    "\n"
    "options:\n"
    "  --swap-res R    4, 8, ... the model's size: the last resolution taken from LOW\n"
    "                  (with --level 0 and no --width)\n"
    "  --width W       a sigmoid of width W layers centred on R's first layer\n"
    "                  instead of the hard switch (default 0: the hard switch)\n"
    "  --level L       0 (default) or 1: centre on R's first or second layer\n"
    "  --fix-quirks    also blend b4.conv1, which blend_models.py always takes\n"
    "                  from LOW (its TensorFlow name matches none of its prefixes)\n"
    "  --alpha A       0..1: plain interpolation of every tensor (0: LOW, 1: HIGH)\n"
    "  --out FILE      the blended model (.safetensors), written atomically\n";

extern const cli_command cli_cmd_blend;

/* FILE must not be a folder and its folder must exist. */
static int check_out(const cli_command *cmd, const char *path)
{
    const char *slash = strrchr(path, '/');
    char parent[1024];
    size_t n;
    if (g99_is_dir(path) || (*path && path[strlen(path) - 1] == '/'))
        return cli_usage_error(cmd, "--out %s: is a folder, not a file", path);
    if (!slash) return 0;
    n = slash == path ? 1 : (size_t)(slash - path);
    if (n >= sizeof parent) return 0;   /* the OS judges a name this long */
    memcpy(parent, path, n);
    parent[n] = '\0';
    if (!g99_is_dir(parent)) return cli_usage_error(cmd, "--out %s: there is no folder %.200s", path, parent);
    return 0;
}

static int blend_run(int argc, char **argv)
{
    const cli_command *cmd = &cli_cmd_blend;
    const char *out = NULL, *in[2] = { NULL, NULL };
    int i, r, n_in = 0, swap = 0, level = 0, fix = 0, have_alpha = 0, have_width = 0, have_level = 0;
    double width = 0, alpha = 0;
    gan_blend_opts o;
    g99_error err;
    for (i = 1; i < argc; i++) {
        if (argv[i][0] != '-' || argv[i][1] == '\0') {
            if (n_in == 2) return cli_usage_error(cmd, "takes two model files, LOW and HIGH (a third: '%s')", argv[i]);
            in[n_in++] = argv[i];
        } else if ((r = cli_opt_str(cmd, argc, argv, &i, "--out", &out)) != 0) {
            if (r < 0) return CLI_BAD_INPUT;
        } else if ((r = cli_opt_int(cmd, argc, argv, &i, "--swap-res", 1, 1 << 16, &swap)) != 0) {
            if (r < 0) return CLI_BAD_INPUT;
        } else if ((r = cli_opt_double(cmd, argc, argv, &i, "--width", 0, 1e6, &width)) != 0) {
            if (r < 0) return CLI_BAD_INPUT;
            have_width = 1;
        } else if ((r = cli_opt_int(cmd, argc, argv, &i, "--level", 0, 1, &level)) != 0) {
            if (r < 0) return CLI_BAD_INPUT;
            have_level = 1;
        } else if ((r = cli_opt_double(cmd, argc, argv, &i, "--alpha", 0, 1, &alpha)) != 0) {
            if (r < 0) return CLI_BAD_INPUT;
            have_alpha = 1;
        } else if (strcmp(argv[i], "--fix-quirks") == 0) {
            fix = 1;
        } else {
            return cli_usage_error(cmd, "unknown option '%s'", argv[i]);
        }
    }
    if (n_in != 2) return cli_usage_error(cmd, "needs two model files, LOW and HIGH");
    if (!out) return cli_usage_error(cmd, "needs --out FILE");
    if (have_alpha == (swap != 0)) return cli_usage_error(cmd, "needs one of --swap-res R and --alpha A");
    if (have_alpha && (have_width || have_level || fix))
        return cli_usage_error(cmd, "--width, --level and --fix-quirks go with --swap-res, not --alpha");
    if (swap && (swap < 4 || (swap & (swap - 1)) != 0))
        return cli_usage_error(cmd, "--swap-res %d: not a resolution (4, 8, 16, ... the model's size)", swap);
    if (cli_check_input(cmd, in[0]) || cli_check_input(cmd, in[1]) || check_out(cmd, out)) return CLI_BAD_INPUT;
    gan_blend_opts_default(&o);
    o.swap_res = swap;
    o.level = level;
    o.width = (float)width;
    o.fix_quirks = fix;
    o.use_alpha = have_alpha;
    o.alpha = (float)alpha;
    g99_error_clear(&err);
    if (gan_blend_files(in[0], in[1], &o, out, &err)) return cli_fail(&err);
    if (have_alpha) printf("%s: %s + %g (%s - %s)\n", out, in[0], alpha, in[1], in[0]);
    else if (width > 0)
        printf("%s: %s (low resolutions) into %s (high), a sigmoid of width %g centred on resolution %d, level %d%s\n",
               out, in[0], in[1], width, swap, level, fix ? ", b4.conv1 blended too" : "");
    else
        printf("%s: %s (low resolutions) into %s (high), switched after resolution %d, level %d%s\n", out, in[0], in[1],
               swap, level, fix ? ", b4.conv1 blended too" : "");
    return CLI_OK;
}

const cli_command cli_cmd_blend = {
    "blend",
    "Toonify's layer swapping of two StyleGAN2 models (or --alpha)",
    usage,
    blend_run,
};
