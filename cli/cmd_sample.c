/* gan99 sample: a grid of images from a model file of any family with a
 * latent (doc/cli.md). Image i's latent is the i-th latent-size values of
 * gan_latent_normal(seed), and G runs in train mode on the whole batch, as the reference draws its grids,
 * so `--seed S --n 64` on a run's model.safetensors redraws that run's last
 * grid (a run's fixed noise is its seed's first 64 latents). StyleGAN2
 * models also take generate.py's truncation and noise mode. */
#include "cli.h"
#include "../gan/gan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int sample_run(int argc, char **argv)
{
    const cli_command *cmd = &cli_cmd_sample;
    const char *model = NULL, *out = NULL, *noise = NULL;
    int n = 64, scale = 1, cutoff = 0;
    double psi = 1.0;
    uint64_t noise_seed = 0;
    int styled = 0;   /* a StyleGAN2 option was given */
    int crc = 0;      /* --crc: print the CRC-32 of the output floats */
    uint64_t seed = 0;
    const gan_family *f;
    gan_model *m;
    gan_values v;
    gan_geometry g;
    g99_error err;
    float *z = NULL, *x = NULL;
    img_image grid;
    int i, r, rc;
    for (i = 1; i < argc; i++) {
        if ((r = cli_opt_int(cmd, argc, argv, &i, "--n", 1, 1024, &n)) != 0 ||
            (r = cli_opt_u64(cmd, argc, argv, &i, "--seed", 0, UINT64_MAX, &seed)) != 0 ||
            (r = cli_opt_int(cmd, argc, argv, &i, "--scale", 1, 16, &scale)) != 0 ||
            (r = cli_opt_str(cmd, argc, argv, &i, "--out", &out)) != 0) {
            if (r < 0) return CLI_BAD_INPUT;
            continue;
        }
        if ((r = cli_opt_double(cmd, argc, argv, &i, "--truncation", -10, 10, &psi)) != 0 ||
            (r = cli_opt_int(cmd, argc, argv, &i, "--cutoff", 0, 64, &cutoff)) != 0 ||
            (r = cli_opt_str(cmd, argc, argv, &i, "--noise", &noise)) != 0 ||
            (r = cli_opt_u64(cmd, argc, argv, &i, "--noise-seed", 0, UINT64_MAX, &noise_seed)) != 0) {
            if (r < 0) return CLI_BAD_INPUT;
            styled = 1;
            continue;
        }
        if (strcmp(argv[i], "--crc") == 0) {
            crc = 1;
            continue;
        }
        if (argv[i][0] == '-' && argv[i][1] != '\0') return cli_usage_error(cmd, "unknown option %s", argv[i]);
        if (model) return cli_usage_error(cmd, "unexpected '%s'", argv[i]);
        model = argv[i];
    }
    if (!model || (!out && !crc)) return cli_usage_error(cmd, "expects MODEL_FILE and --out FILE.png (or --crc)");
    if (noise && cli_sg_noise_mode(cmd, noise) < 0) return CLI_BAD_INPUT;
    if ((out && cli_check_output(cmd, "--out", out, CLI_OUT_IMAGE)) || cli_check_input(cmd, model))
        return CLI_BAD_INPUT;
    g99_error_clear(&err);
    if (gan_model_load(model, &f, &m, &v, &err) != 0) return cli_fail(&err);
    f->geometry(m, &g);
    if (f->kind == GAN_DATA_LABELS)   /* spade: a face needs a map (and its own latent, drawn by paint) */
        rc = g99_fail(&err, G99_EINVAL, "%s: %s models draw faces from label maps; they have no latent to sample "
                      "(use gan99 paint MODEL --out DIR MAP...)", model, f->name);
    else
        rc = g.latent ? 0 : g99_fail(&err, G99_EINVAL, "%s: %s models translate images; they have no latent to "
                                      "sample (use gan99 translate)", model, f->name);
    if (!rc) {
        z = (float *)malloc((size_t)n * g.latent * sizeof *z);
        x = (float *)malloc((size_t)n * g.channels * g.width * g.height * sizeof *x);
        if (!z || !x) rc = g99_fail(&err, G99_ENOMEM, "out of memory");
    }
    if (!rc) {
        gan_stylegan_g *sg = gan_stylegan_model_g(f, m);
        gan_latent_normal(seed, n * g.latent, z);
        if (sg) {
            gan_sg_render rs;
            rs.psi = (float)psi;
            rs.cutoff = cutoff;
            rs.noise_mode = noise ? cli_sg_noise_mode(cmd, noise) : GAN_SG_NOISE_CONST;
            rs.noise_seed = noise_seed;
            rc = gan_stylegan_render_z(sg, z, n, &rs, x, &err);
        } else if (styled)
            rc = g99_fail(&err, G99_EINVAL, "%s: --truncation, --cutoff and --noise are StyleGAN2's; this is a %s "
                          "model", model, f->name);
        else
            rc = gan_model_generate_latent(f, m, z, n, x, &err);
    }
    if (!rc && crc)
        printf("crc32 %08lX\n", (unsigned long)gan_crc32_floats(x, (size_t)n * g.channels * g.width * g.height));
    if (!rc && out) rc = gan_sample_grid_wh(x, n, g.channels, g.width, g.height, scale, &grid, &err);
    if (!rc && out) {
        rc = img_save(out, &grid, &err);
        img_free(&grid);
    }
    free(z);
    free(x);
    f->destroy(m);
    if (rc) return cli_fail(&err);
    if (out) printf("%s: %d samples of seed %llu\n", out, n, (unsigned long long)seed);
    return CLI_OK;
}

const cli_command cli_cmd_sample = {
    "sample",
    "draw a grid of images from a trained model",
    "usage: gan99 sample MODEL_FILE [--n N] [--seed S] [--scale K] [--crc] --out FILE\n"
    "       StyleGAN2: [--truncation PSI] [--cutoff C] [--noise const|random|none] [--noise-seed S]\n"
    "\n"
    "Draws N images (1..1024, default 64) from the latents of seed S (0..2^64-1,\n"
    "default 0) with a model file (a run's model.safetensors) and writes\n"
    "them as a grid, each image enlarged K times (1..16, default 1), in the format\n"
    "FILE names: .png, .ppm/.pgm/.pnm or .gif. --crc prints \"crc32 XXXXXXXX\", the\n"
    "CRC-32 of G's output (N x channels x H x W floats, each as its 4 little-endian\n"
    "IEEE-754 bytes; --out is then optional): the line a board running the\n"
    "model's export-c prints (doc/portability.md).\n"
    "\n"
    "A StyleGAN2 model draws with G_ema as generate.py does: each w is pulled toward\n"
    "the average w by PSI (1: none, the default; 0.7 is common), in the first C ws\n"
    "only when C > 0; each layer's noise is its constant buffer (const, the\n"
    "default), drawn from --noise-seed (random) or none.\n",
    sample_run,
};
