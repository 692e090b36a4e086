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
    "       gan99 blend LOW HIGH --sweep --seeds S1,S2,... [--truncation PSI] --out GRID.png\n"
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
    "  --out FILE      the blended model (.safetensors), written atomically\n"
    "  --sweep         no model: a PNG grid, a row per seed, a column per swap\n"
    "                  resolution 4, 8, ... the size (the Toonify paper's figure),\n"
    "                  each image the blended G_ema at --truncation (default 1)\n"
    "                  with const noise; --width, --level, --fix-quirks apply\n"
    "  --seeds LIST    the rows' latents (gan99 sample's seeds; default 0,1,2,3)\n"
    "  --truncation P  psi of the sweep's mapping (default 1: none)\n";

extern const cli_command cli_cmd_blend;

#define SWEEP_MAX_SEEDS 64

/* The sweep: LOW loaded twice (the pristine table and the one each blend
 * is written into), HIGH once; a column per swap resolution. */
static int sweep(const char *low, const char *high, const gan_blend_opts *base, const uint64_t *seeds, int n,
                 double psi, const char *out, g99_error *err)
{
    const gan_family *f[3] = { NULL, NULL, NULL };
    gan_model *m[3] = { NULL, NULL, NULL };
    gan_values v;
    gan_stylegan_g *g = NULL;
    float *z = NULL, *cols[GAN_SG_MAX_BLOCKS];
    int chans[GAN_SG_MAX_BLOCKS], n_cols = 0, i, r, rc = 0, R = 0;
    img_image grid;
    memset(cols, 0, sizeof cols);
    memset(&grid, 0, sizeof grid);
    for (i = 0; i < 3 && !rc; i++) {
        rc = gan_model_load(i == 1 ? high : low, &f[i], &m[i], &v, err);
        if (!rc && !gan_stylegan_model_g(f[i], m[i]))
            rc = g99_fail(err, G99_EINVAL, "%s: a %s model, not a stylegan one", i == 1 ? high : low, f[i]->name);
    }
    if (!rc) {
        g = gan_stylegan_model_g(f[2], m[2]);
        R = g->cfg.resolution;
        z = (float *)malloc((size_t)n * g->cfg.z_dim * sizeof(float));
        if (!z) rc = g99_fail(err, G99_ENOMEM, "out of memory");
        for (i = 0; !rc && i < n; i++) gan_latent_normal(seeds[i], g->cfg.z_dim, z + (size_t)i * g->cfg.z_dim);
    }
    for (r = 4; !rc && r <= R; r *= 2, n_cols++) {
        gan_blend_opts o = *base;
        o.swap_res = r;
        chans[n_cols] = g->cfg.channels;
        cols[n_cols] = (float *)malloc((size_t)n * g->cfg.channels * R * R * sizeof(float));
        if (!cols[n_cols]) rc = g99_fail(err, G99_ENOMEM, "out of memory");
        if (!rc) rc = gan_blend_tables(f[0]->inference(m[0]), f[1]->inference(m[1]), &o, f[2]->inference(m[2]), err);
        if (!rc) {
            gan_sg_render rs;
            rs.psi = (float)psi;
            rs.cutoff = 0;
            rs.noise_mode = GAN_SG_NOISE_CONST;
            rs.noise_seed = 0;
            rc = gan_stylegan_render_z(g, z, n, &rs, cols[n_cols], err);
        }
    }
    if (!rc) rc = gan_sample_rows((const float *const *)cols, chans, n_cols, n, R, R, &grid, err);
    if (!rc) rc = img_png_save(out, &grid, err);
    img_free(&grid);
    for (i = 0; i < n_cols; i++) free(cols[i]);
    for (i = 0; i < 3; i++)
        if (m[i]) f[i]->destroy(m[i]);
    free(z);
    return rc;
}

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
    int do_sweep = 0, n_seeds = 4, have_psi = 0;
    uint64_t seeds[SWEEP_MAX_SEEDS] = { 0, 1, 2, 3 };
    const char *seed_list = NULL;
    double width = 0, alpha = 0, psi = 1;
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
        } else if (strcmp(argv[i], "--sweep") == 0) {
            do_sweep = 1;
        } else if ((r = cli_opt_str(cmd, argc, argv, &i, "--seeds", &seed_list)) != 0) {
            if (r < 0) return CLI_BAD_INPUT;
        } else if ((r = cli_opt_double(cmd, argc, argv, &i, "--truncation", -10, 10, &psi)) != 0) {
            if (r < 0) return CLI_BAD_INPUT;
            have_psi = 1;
        } else {
            return cli_usage_error(cmd, "unknown option '%s'", argv[i]);
        }
    }
    if (n_in != 2) return cli_usage_error(cmd, "needs two model files, LOW and HIGH");
    if (!out) return cli_usage_error(cmd, "needs --out FILE");
    if (do_sweep) {
        size_t len = strlen(out);
        const char *p = seed_list;
        char item[64];
        if (have_alpha || swap) return cli_usage_error(cmd, "--sweep makes every --swap-res; it takes no --alpha or --swap-res");
        if (len < 4 || strcmp(out + len - 4, ".png") != 0)
            return cli_usage_error(cmd, "--sweep writes a PNG grid: --out %s does not end in .png", out);
        for (n_seeds = 0; p;) {
            if (n_seeds == SWEEP_MAX_SEEDS) return cli_usage_error(cmd, "--seeds: more than %d seeds", SWEEP_MAX_SEEDS);
            p = cli_list_next(p, ',', item, sizeof item);
            if (cli_parse_u64(cmd, "--seeds", item, 0, UINT64_MAX, &seeds[n_seeds++])) return CLI_BAD_INPUT;
        }
        if (!seed_list) n_seeds = 4;
    } else if (seed_list || have_psi) {
        return cli_usage_error(cmd, "--seeds and --truncation go with --sweep");
    }
    if (!do_sweep && have_alpha == (swap != 0)) return cli_usage_error(cmd, "needs one of --swap-res R and --alpha A");
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
    if (do_sweep) {
        if (sweep(in[0], in[1], &o, seeds, n_seeds, psi, out, &err)) return cli_fail(&err);
        printf("%s: %d seeds (rows) x swap resolutions 4 .. the size (columns), %s into %s, psi %g\n", out, n_seeds,
               in[0], in[1], psi);
        return CLI_OK;
    }
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
