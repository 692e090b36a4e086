/* gan99 mix: the style-mixing grid of the StyleGAN paper's Figure 3, as
 * stylegan2-ada-pytorch's style_mixing.py draws it (doc/cli.md). The row
 * seeds' images run down the left edge, the column seeds' along the top
 * (the corner stays black), and cell (row, column) is the row seed's ws
 * with the chosen ws taken from the column seed: coarse styles carry pose
 * and face shape, middle ones features, fine ones colours and texture.
 * A seed's latent is its first z_dim values of gan_latent_normal, so
 * `gan99 sample --n 1 --seed S` draws the same source image. */
#include "cli.h"
#include "../gan/gan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MIX_MAX_SEEDS 32

int cli_sg_noise_mode(const cli_command *cmd, const char *name)
{
    if (strcmp(name, "const") == 0) return GAN_SG_NOISE_CONST;
    if (strcmp(name, "random") == 0) return GAN_SG_NOISE_RANDOM;
    if (strcmp(name, "none") == 0) return GAN_SG_NOISE_NONE;
    cli_usage_error(cmd, "--noise %s: want const, random or none", name);
    return -1;
}

static int parse_seed_list(const cli_command *cmd, const char *flag, const char *s, uint64_t *seeds, int *n)
{
    char item[64];
    *n = 0;
    while (s) {
        if (*n == MIX_MAX_SEEDS) return cli_usage_error(cmd, "%s: more than %d seeds", flag, MIX_MAX_SEEDS);
        s = cli_list_next(s, ',', item, sizeof item);
        if (cli_parse_u64(cmd, flag, item, 0, UINT64_MAX, &seeds[(*n)++])) return CLI_BAD_INPUT;
    }
    return 0;
}

/* --styles coarse|middle|fine|A-B|A into ws first..last. */
static int parse_styles(const cli_command *cmd, const char *s, gan_stylegan_g *g, int *first, int *last,
                        g99_error *err)
{
    char a[32];
    const char *dash = strchr(s, '-');
    if (s[0] < '0' || s[0] > '9') return gan_stylegan_style_range(g, s, first, last, err);
    if (!dash) {
        if (cli_parse_int(cmd, "--styles", s, 0, g->num_ws - 1, first)) return CLI_BAD_INPUT;
        *last = *first;
        return 0;
    }
    if ((size_t)(dash - s) >= sizeof a) return cli_usage_error(cmd, "--styles %s: want A-B", s);
    memcpy(a, s, (size_t)(dash - s));
    a[dash - s] = '\0';
    if (cli_parse_int(cmd, "--styles", a, 0, g->num_ws - 1, first) ||
        cli_parse_int(cmd, "--styles", dash + 1, 0, g->num_ws - 1, last))
        return CLI_BAD_INPUT;
    if (*first > *last) return cli_usage_error(cmd, "--styles %s: A must not exceed B", s);
    return 0;
}

static int mix_run(int argc, char **argv)
{
    const cli_command *cmd = &cli_cmd_mix;
    const char *model = NULL, *out = NULL, *rows_s = NULL, *cols_s = NULL, *styles = "0-6", *noise = NULL;
    uint64_t rows[MIX_MAX_SEEDS], cols[MIX_MAX_SEEDS];
    int n_rows = 0, n_cols = 0, first = 0, last = 0, i, j, r, rc, cutoff = 0;
    double psi = 1.0;
    uint64_t noise_seed = 0;
    const gan_family *f;
    gan_model *m;
    gan_values v;
    gan_stylegan_g *sg;
    g99_error err;
    gan_sg_render rs;
    float *zr = NULL, *zc = NULL, *x = NULL, *blank = NULL, **colbuf = NULL;
    int *colch = NULL;
    img_image grid;
    for (i = 1; i < argc; i++) {
        if ((r = cli_opt_str(cmd, argc, argv, &i, "--rows", &rows_s)) != 0 ||
            (r = cli_opt_str(cmd, argc, argv, &i, "--cols", &cols_s)) != 0 ||
            (r = cli_opt_str(cmd, argc, argv, &i, "--styles", &styles)) != 0 ||
            (r = cli_opt_double(cmd, argc, argv, &i, "--truncation", -10, 10, &psi)) != 0 ||
            (r = cli_opt_int(cmd, argc, argv, &i, "--cutoff", 0, 64, &cutoff)) != 0 ||
            (r = cli_opt_str(cmd, argc, argv, &i, "--noise", &noise)) != 0 ||
            (r = cli_opt_u64(cmd, argc, argv, &i, "--noise-seed", 0, UINT64_MAX, &noise_seed)) != 0 ||
            (r = cli_opt_str(cmd, argc, argv, &i, "--out", &out)) != 0) {
            if (r < 0) return CLI_BAD_INPUT;
            continue;
        }
        if (argv[i][0] == '-' && argv[i][1] != '\0') return cli_usage_error(cmd, "unknown option %s", argv[i]);
        if (model) return cli_usage_error(cmd, "unexpected '%s'", argv[i]);
        model = argv[i];
    }
    if (!model || !out || !rows_s || !cols_s)
        return cli_usage_error(cmd, "expects MODEL_FILE, --rows SEEDS, --cols SEEDS and --out FILE");
    if (parse_seed_list(cmd, "--rows", rows_s, rows, &n_rows) || parse_seed_list(cmd, "--cols", cols_s, cols, &n_cols))
        return CLI_BAD_INPUT;
    rs.noise_mode = noise ? cli_sg_noise_mode(cmd, noise) : GAN_SG_NOISE_CONST;
    if (rs.noise_mode < 0) return CLI_BAD_INPUT;
    rs.psi = (float)psi;
    rs.cutoff = cutoff;
    rs.noise_seed = noise_seed;
    if (cli_check_output(cmd, "--out", out, CLI_OUT_IMAGE) || cli_check_input(cmd, model)) return CLI_BAD_INPUT;
    g99_error_clear(&err);
    if (gan_model_load(model, &f, &m, &v, &err) != 0) return cli_fail(&err);
    if (!(sg = gan_stylegan_model_g(f, m))) {
        f->destroy(m);
        cli_error("mix", "%s: a %s model; style mixing needs a StyleGAN2 model (gan99 train stylegan)", model, f->name);
        return CLI_BAD_INPUT;
    }
    rc = parse_styles(cmd, styles, sg, &first, &last, &err);
    if (rc == CLI_BAD_INPUT) {
        f->destroy(m);
        return rc;
    }
    {
        const gan_stylegan_config *c = &sg->cfg;
        size_t img = (size_t)c->channels * (size_t)c->resolution * (size_t)c->resolution;
        int n = n_rows + n_cols + n_rows * n_cols;
        if (!rc) {
            zr = (float *)malloc((size_t)n_rows * (size_t)c->z_dim * sizeof *zr);
            zc = (float *)malloc((size_t)n_cols * (size_t)c->z_dim * sizeof *zc);
            x = (float *)malloc((size_t)n * img * sizeof *x);
            blank = (float *)malloc(((size_t)n_rows + 1) * img * sizeof *blank);
            colbuf = (float **)malloc(((size_t)n_cols + 1) * sizeof *colbuf);
            colch = (int *)malloc(((size_t)n_cols + 1) * sizeof *colch);
            if (!zr || !zc || !x || !blank || !colbuf || !colch) rc = g99_fail(&err, G99_ENOMEM, "out of memory");
        }
        for (i = 0; !rc && i < n_rows; i++) gan_latent_normal(rows[i], c->z_dim, zr + (size_t)i * c->z_dim);
        for (j = 0; !rc && j < n_cols; j++) gan_latent_normal(cols[j], c->z_dim, zc + (size_t)j * c->z_dim);
        if (!rc) rc = gan_stylegan_mix(sg, zr, n_rows, zc, n_cols, first, last, &rs, x, &err);
        /* x: row sources, column sources, then cells row by row; the sheet
         * is drawn by columns: column 0 the corner and the row sources,
         * column j + 1 the column source and its cells */
        for (j = 0; !rc && j <= n_cols; j++) {
            float *col = j == 0 ? blank : (float *)malloc(((size_t)n_rows + 1) * img * sizeof *col);
            if (!col) {
                rc = g99_fail(&err, G99_ENOMEM, "out of memory");
                break;
            }
            colbuf[j] = col;
            colch[j] = c->channels;
            if (j == 0) {
                for (i = 0; (size_t)i < img; i++) col[i] = -1.0f;   /* black, as style_mixing.py's canvas */
                memcpy(col + img, x, (size_t)n_rows * img * sizeof *col);
            } else {
                memcpy(col, x + ((size_t)n_rows + j - 1) * img, img * sizeof *col);
                for (i = 0; i < n_rows; i++)
                    memcpy(col + ((size_t)i + 1) * img,
                           x + ((size_t)n_rows + n_cols + (size_t)i * n_cols + (j - 1)) * img, img * sizeof *col);
            }
        }
        if (!rc) rc = gan_sample_rows((const float *const *)colbuf, colch, n_cols + 1, n_rows + 1, c->resolution,
                                      c->resolution, &grid, &err);
        for (i = 1; colbuf && i <= j && i <= n_cols; i++) free(colbuf[i]);
    }
    if (!rc) {
        rc = img_save(out, &grid, &err);
        img_free(&grid);
    }
    free(zr);
    free(zc);
    free(x);
    free(blank);
    free(colbuf);
    free(colch);
    f->destroy(m);
    if (rc) return cli_fail(&err);
    printf("%s: %d x %d seeds, ws %d-%d from the columns\n", out, n_rows, n_cols, first, last);
    return CLI_OK;
}

const cli_command cli_cmd_mix = {
    "mix",
    "style mixing: a grid of StyleGAN2 images sharing styles between seeds",
    "usage: gan99 mix MODEL_FILE --rows SEEDS --cols SEEDS [--styles coarse|middle|fine|A-B]\n"
    "                 [--truncation PSI] [--cutoff C] [--noise const|random|none] [--noise-seed S]\n"
    "                 --out FILE\n"
    "\n"
    "Writes the style-mixing figure of the StyleGAN paper as stylegan2-ada-pytorch's\n"
    "style_mixing.py: the images of the row seeds down the left, of the column seeds\n"
    "along the top (1..32 seeds each, comma separated), and in cell (row, column)\n"
    "the row seed's image with the chosen styles taken from the column seed.\n"
    "--styles names the ws: A-B (inclusive, default 0-6 as style_mixing.py, clipped\n"
    "to the model), or coarse (4x4-8x8: pose, face shape), middle (16-32: features)\n"
    "or fine (64 and up: colours, texture); a model under 64x64 moves the bands down\n"
    "(fine from its top resolution). PSI, C and the noise as in gan99 sample.\n",
    mix_run,
};
