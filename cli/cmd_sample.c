/* gan99 sample: a grid of images from a DCGAN model file (SPEC.md §6).
 * Image i's latent is the i-th nz values of gan_latent_normal(seed), and G
 * runs in train mode on the whole batch, as the reference draws its grids,
 * so `--seed S --n 64` on a run's model.safetensors redraws that run's last
 * grid (a run's fixed noise is its seed's first 64 latents). */
#include "cli.h"
#include "../gan/gan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int sample_run(int argc, char **argv)
{
    const cli_command *cmd = &cli_cmd_sample;
    const char *model = NULL, *out = NULL;
    long n = 64, seed = 0, scale = 1;
    gan_dcgan m;
    g99_error err;
    nn_ctx *ctx = NULL;
    float *z = NULL;
    img_image grid;
    int i, r, zs[4], rc;
    for (i = 1; i < argc; i++) {
        if ((r = cli_opt_long(cmd, argc, argv, &i, "--n", &n)) != 0 ||
            (r = cli_opt_long(cmd, argc, argv, &i, "--seed", &seed)) != 0 ||
            (r = cli_opt_long(cmd, argc, argv, &i, "--scale", &scale)) != 0 ||
            (r = cli_opt_str(cmd, argc, argv, &i, "--out", &out)) != 0) {
            if (r < 0) return CLI_BAD_INPUT;
            continue;
        }
        if (argv[i][0] == '-' || model) return cli_usage_error(cmd, "unexpected '%s'", argv[i]);
        model = argv[i];
    }
    if (!model || !out) return cli_usage_error(cmd, "expects MODEL_FILE and --out FILE.png");
    if (n < 1 || n > 1024 || seed < 0 || scale < 1 || scale > 16)
        return cli_usage_error(cmd, "--n is 1..1024, --scale 1..16, --seed >= 0");
    g99_error_clear(&err);
    if ((rc = gan_dcgan_load_generator(model, &m, &err)) != 0)
        return cli_report(&err, rc == G99_ENOMEM ? CLI_FAILED : CLI_BAD_INPUT);
    z = (float *)malloc((size_t)n * m.cfg.nz * sizeof *z);
    ctx = nn_ctx_new(0);
    rc = z && ctx ? 0 : g99_fail(&err, G99_ENOMEM, "out of memory");
    if (!rc) {
        nn_tensor *x;
        gan_latent_normal((uint64_t)seed, (int)n * m.cfg.nz, z);
        zs[0] = (int)n; zs[1] = m.cfg.nz; zs[2] = zs[3] = 1;
        x = gan_dcgan_generate(ctx, &m, nn_tensor_from(ctx, 4, zs, z), 1);
        if (!x) {
            err = *nn_ctx_error(ctx);
            rc = err.code ? err.code : G99_ENOMEM;
        }
        if (!rc) rc = gan_sample_grid(x->data, (int)n, m.cfg.nc, m.cfg.size, (int)scale, &grid, &err);
        if (!rc) {
            rc = img_png_save(out, &grid, &err);
            img_free(&grid);
        }
    }
    free(z);
    nn_ctx_free(ctx);
    gan_dcgan_free(&m);
    if (rc) return cli_report(&err, CLI_FAILED);
    printf("%s: %ld samples of seed %ld\n", out, n, seed);
    return CLI_OK;
}

const cli_command cli_cmd_sample = {
    "sample",
    "draw a grid of images from a trained model",
    "usage: gan99 sample MODEL_FILE [--n N] [--seed S] [--scale K] --out FILE.png\n"
    "\n"
    "Draws N images (default 64) from the latents of seed S (default 0) with a\n"
    "DCGAN model file (a run's model.safetensors) and writes them as a grid,\n"
    "each image enlarged K times (default 1).\n",
    sample_run,
};
