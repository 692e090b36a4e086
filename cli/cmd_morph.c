/* gan99 morph: an animation through the latents of several seeds (SPEC.md
 * §6). Between consecutive seeds the latent moves along the great circle
 * (gan_slerp: spherical interpolation, since a Gaussian z of high dimension
 * lies near a sphere and a straight line between two would pass through
 * improbably short vectors). All frames go through G as one batch in train
 * mode, as the reference draws samples. */
#include "cli.h"
#include "../gan/gan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SEEDS 64

static int parse_seeds(const char *s, uint64_t *seeds, int *n)
{
    *n = 0;
    while (*s) {
        char *end;
        unsigned long long v = strtoull(s, &end, 10);
        if (end == s || *n == MAX_SEEDS || (*end && *end != ',')) return -1;
        seeds[(*n)++] = v;
        s = *end ? end + 1 : end;
    }
    return *n >= 2 ? 0 : -1;
}

static int morph_run(int argc, char **argv)
{
    const cli_command *cmd = &cli_cmd_morph;
    const char *model = NULL, *out = NULL, *seed_list = NULL;
    long frames = 24, scale = 4, delay = 8;
    uint64_t seeds[MAX_SEEDS];
    int n_seeds = 0, i, r, rc, zs[4], total, nz;
    gan_dcgan m;
    g99_error err;
    nn_ctx *ctx = NULL;
    float *z = NULL, *za = NULL, *zb = NULL;
    img_image *imgs = NULL;
    for (i = 1; i < argc; i++) {
        if ((r = cli_opt_str(cmd, argc, argv, &i, "--seeds", &seed_list)) != 0 ||
            (r = cli_opt_long(cmd, argc, argv, &i, "--frames", &frames)) != 0 ||
            (r = cli_opt_long(cmd, argc, argv, &i, "--scale", &scale)) != 0 ||
            (r = cli_opt_long(cmd, argc, argv, &i, "--delay", &delay)) != 0 ||
            (r = cli_opt_str(cmd, argc, argv, &i, "--out", &out)) != 0) {
            if (r < 0) return CLI_BAD_INPUT;
            continue;
        }
        if (argv[i][0] == '-' || model) return cli_usage_error(cmd, "unexpected '%s'", argv[i]);
        model = argv[i];
    }
    if (!model || !out || !seed_list) return cli_usage_error(cmd, "expects MODEL_FILE, --seeds A,B,... and --out FILE.gif");
    if (parse_seeds(seed_list, seeds, &n_seeds)) return cli_usage_error(cmd, "--seeds wants 2..64 integers A,B,...");
    if (frames < 2 || frames > 1000 || scale < 1 || scale > 16 || delay < 1 || delay > 1000)
        return cli_usage_error(cmd, "--frames is 2..1000, --scale 1..16, --delay 1..1000");
    g99_error_clear(&err);
    if ((rc = gan_dcgan_load_generator(model, &m, &err)) != 0)
        return cli_report(&err, rc == G99_ENOMEM ? CLI_FAILED : CLI_BAD_INPUT);
    nz = m.cfg.nz;
    total = (n_seeds - 1) * (int)frames;   /* frames per leg; the animation loops back to the start */
    z = (float *)malloc((size_t)total * nz * sizeof *z);
    za = (float *)malloc((size_t)nz * sizeof *za);
    zb = (float *)malloc((size_t)nz * sizeof *zb);
    imgs = (img_image *)calloc((size_t)total, sizeof *imgs);
    ctx = nn_ctx_new(0);
    rc = z && za && zb && imgs && ctx ? 0 : g99_fail(&err, G99_ENOMEM, "out of memory");
    for (i = 0; !rc && i < total; i++) {
        int leg = i / (int)frames, k = i % (int)frames;
        gan_latent_normal(seeds[leg], nz, za);
        gan_latent_normal(seeds[leg + 1], nz, zb);
        gan_slerp(za, zb, nz, (float)k / (float)frames, z + (size_t)i * nz);
    }
    if (!rc) {
        nn_tensor *x;
        zs[0] = total; zs[1] = nz; zs[2] = zs[3] = 1;
        x = gan_dcgan_generate(ctx, &m, nn_tensor_from(ctx, 4, zs, z), 1);
        if (!x) {
            err = *nn_ctx_error(ctx);
            rc = err.code ? err.code : G99_ENOMEM;
        }
        for (i = 0; !rc && i < total; i++)
            rc = gan_tensor_image(x->data + (size_t)i * m.cfg.nc * m.cfg.size * m.cfg.size, m.cfg.nc, m.cfg.size,
                                  (int)scale, &imgs[i], &err);
    }
    if (!rc) {
        img_gif_params gp;
        img_gif_params_default(&gp);
        gp.delay_cs = (int)delay;
        rc = img_gif_write(out, imgs, total, &gp, &err);
    }
    for (i = 0; imgs && i < total; i++) img_free(&imgs[i]);
    free(imgs);
    free(z);
    free(za);
    free(zb);
    nn_ctx_free(ctx);
    gan_dcgan_free(&m);
    if (rc) return cli_report(&err, CLI_FAILED);
    printf("%s: %d frames through %d seeds\n", out, total, n_seeds);
    return CLI_OK;
}

const cli_command cli_cmd_morph = {
    "morph",
    "animate a model's images between the latents of several seeds",
    "usage: gan99 morph MODEL_FILE --seeds A,B,... [--frames N] [--scale K] [--delay CS] --out FILE.gif\n"
    "\n"
    "Moves from the latent of seed A to B (and on) in N frames per step\n"
    "(default 24) by spherical interpolation, and writes an animated GIF of\n"
    "G's images, enlarged K times (default 4), CS centiseconds a frame (8).\n",
    morph_run,
};
