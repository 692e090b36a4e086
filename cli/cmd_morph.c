/* gan99 morph: an animation through the latents of several seeds (doc/cli.md).
 * Between consecutive seeds the latent moves along the great circle
 * (gan_slerp: spherical interpolation, since a Gaussian z of high dimension
 * lies near a sphere and a straight line between two would pass through
 * improbably short vectors). A StyleGAN2 model moves along straight lines
 * in W instead, between the mapped latents of the seeds, as the StyleGAN
 * papers interpolate (W is not Gaussian, and its linear paths are the
 * perceptually smooth ones). All frames go through G as one batch in train
 * mode, as the reference draws samples, so G's memory grows with the frame
 * count: it is estimated from two small batches and a run that would need
 * more than MORPH_MAX_BYTES is refused before it starts, as is an
 * animation of more than MORPH_MAX_PIXELS (hours of encoding). The frames
 * themselves are streamed to the GIF one at a time (img_gif_writer): made
 * once for the global palette and once to write, never all kept. */
#include "cli.h"
#include "../gan/gan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SEEDS 64
#define MORPH_MAX_BYTES 4294967296.0   /* 4 GiB for G's batch */
#define MORPH_MAX_PIXELS 2147483648.0  /* 2^31 pixels in all frames: a GIF of a few GB at most */

static int parse_seeds(const cli_command *cmd, const char *s, uint64_t *seeds, int *n)
{
    char item[64];
    *n = 0;
    while (s) {
        if (*n == MAX_SEEDS) return cli_usage_error(cmd, "--seeds: more than %d seeds", MAX_SEEDS);
        s = cli_list_next(s, ',', item, sizeof item);
        if (cli_parse_u64(cmd, "--seeds", item, 0, UINT64_MAX, &seeds[(*n)++])) return CLI_BAD_INPUT;
    }
    if (*n < 2) return cli_usage_error(cmd, "--seeds: at least 2 seeds A,B,...");
    return 0;
}

/* Arena bytes of G on a batch of n (grad recording as in the real pass). */
static double g_bytes(nn_ctx *ctx, const gan_family *f, gan_model *m, int nz, int n, float *z)
{
    nn_mark mark = nn_ctx_mark(ctx);
    int zs[2];
    size_t used = 0, reserved, mallocs;
    zs[0] = n;
    zs[1] = nz;
    memset(z, 0, sizeof(float) * (size_t)n * (size_t)nz);
    if (f->generate(m, ctx, nn_tensor_from(ctx, 2, zs, z), NULL, 1))
        nn_ctx_arena_stats(ctx, &used, &reserved, &mallocs);
    nn_ctx_rewind(ctx, mark);
    return (double)used;
}

/* Refuses (usage error) a frame count whose batch would not fit. */
static int check_memory(const cli_command *cmd, nn_ctx *ctx, const gan_family *f, gan_model *m,
                        const gan_geometry *g, int n_seeds, int frames, int total)
{
    float *z = (float *)malloc(sizeof(float) * 4 * (size_t)g->latent);
    double b2, b4, need;
    if (!z) return 0;  /* the real allocation will report it */
    b2 = g_bytes(ctx, f, m, g->latent, 2, z);
    b4 = g_bytes(ctx, f, m, g->latent, 4, z);
    free(z);
    nn_ctx_clear_error(ctx);
    need = b2 + (b4 - b2) / 2 * (total - 2);
    if (need <= MORPH_MAX_BYTES) return 0;
    return cli_usage_error(cmd,
                           "--seeds (%d seeds) and --frames %d make %d frames of %dx%d; G needs about %.1f GiB "
                           "for them in one batch, more than morph's %.0f GiB: use fewer seeds or frames",
                           n_seeds, frames, total, g->width, g->height, need / 1073741824.0,
                           MORPH_MAX_BYTES / 1073741824.0);
}

/* A StyleGAN2 model's frames: each seed's z through the mapping (psi 1),
 * then frame k of leg l at w_l + (w_{l+1} - w_l) k / frames, rendered with
 * constant noise. *out [total, channels, R, R], the caller frees it. */
static int morph_in_w(gan_stylegan_g *g, const uint64_t *seeds, int n_seeds, int frames, float **out,
                      g99_error *err)
{
    size_t per = (size_t)g->num_ws * (size_t)g->cfg.w_dim, k, total = (size_t)(n_seeds - 1) * frames;
    size_t img = (size_t)g->cfg.channels * (size_t)g->cfg.resolution * (size_t)g->cfg.resolution;
    float *z = (float *)malloc((size_t)n_seeds * (size_t)g->cfg.z_dim * sizeof *z);
    float *w = (float *)malloc((size_t)n_seeds * per * sizeof *w);
    float *ws = (float *)malloc(total * per * sizeof *ws);
    int rc = z && w && ws ? 0 : g99_fail(err, G99_ENOMEM, "morph: out of memory for %d frames", (int)total);
    int i;
    *out = rc ? NULL : (float *)malloc(total * img * sizeof **out);
    if (!rc && !*out) rc = g99_fail(err, G99_ENOMEM, "morph: out of memory for %d frames", (int)total);
    for (i = 0; !rc && i < n_seeds; i++) gan_latent_normal(seeds[i], g->cfg.z_dim, z + (size_t)i * g->cfg.z_dim);
    if (!rc) rc = gan_stylegan_map(g, z, n_seeds, 1.0f, 0, w, err);
    for (k = 0; !rc && k < total; k++) {
        const float *a = w + (k / (size_t)frames) * per, *b = a + per;
        float t = (float)(k % (size_t)frames) / (float)frames;
        size_t j;
        for (j = 0; j < per; j++) ws[k * per + j] = a[j] + (b[j] - a[j]) * t;
    }
    if (!rc) rc = gan_stylegan_render_ws(g, ws, (int)total, GAN_SG_NOISE_CONST, 0, *out, err);
    free(z);
    free(w);
    free(ws);
    return rc;
}

static int morph_run(int argc, char **argv)
{
    const cli_command *cmd = &cli_cmd_morph;
    const char *model = NULL, *out = NULL, *seed_list = NULL;
    int frames = 24, scale = 4, delay = 8;
    uint64_t seeds[MAX_SEEDS];
    int n_seeds = 0, i, r, rc, zs[2], total, nz, pass;
    const gan_family *f;
    gan_model *m;
    gan_values v;
    gan_geometry g;
    g99_error err;
    nn_ctx *ctx = NULL;
    nn_tensor *x = NULL;
    float *z = NULL, *za = NULL, *zb = NULL, *wx = NULL;
    const float *frame_data = NULL;
    gan_stylegan_g *sg;
    img_gif_writer *gif = NULL;
    img_gif_params gp;
    for (i = 1; i < argc; i++) {
        if ((r = cli_opt_str(cmd, argc, argv, &i, "--seeds", &seed_list)) != 0 ||
            (r = cli_opt_int(cmd, argc, argv, &i, "--frames", 2, 1000, &frames)) != 0 ||
            (r = cli_opt_int(cmd, argc, argv, &i, "--scale", 1, 16, &scale)) != 0 ||
            (r = cli_opt_int(cmd, argc, argv, &i, "--delay", 1, 1000, &delay)) != 0 ||
            (r = cli_opt_str(cmd, argc, argv, &i, "--out", &out)) != 0) {
            if (r < 0) return CLI_BAD_INPUT;
            continue;
        }
        if (argv[i][0] == '-' && argv[i][1] != '\0') return cli_usage_error(cmd, "unknown option %s", argv[i]);
        if (model) return cli_usage_error(cmd, "unexpected '%s'", argv[i]);
        model = argv[i];
    }
    if (!model || !out || !seed_list) return cli_usage_error(cmd, "expects MODEL_FILE, --seeds A,B,... and --out FILE.gif");
    if (parse_seeds(cmd, seed_list, seeds, &n_seeds)) return CLI_BAD_INPUT;
    if (cli_check_output(cmd, "--out", out, CLI_OUT_GIF) || cli_check_input(cmd, model)) return CLI_BAD_INPUT;
    total = (n_seeds - 1) * frames;   /* frames per leg; the animation loops back to the start */
    g99_error_clear(&err);
    if (gan_model_load(model, &f, &m, &v, &err) != 0) return cli_fail(&err);
    f->geometry(m, &g);
    if (!g.latent) {
        f->destroy(m);
        cli_error("morph", "%s: %s models translate images; they have no latent to move through", model, f->name);
        return CLI_BAD_INPUT;
    }
    {
        double w = (double)g.width * scale, h = (double)g.height * scale, pixels = w * h * total;
        if (pixels > MORPH_MAX_PIXELS) {
            f->destroy(m);
            return cli_usage_error(cmd,
                                   "--seeds (%d seeds), --frames %d and --scale %d make %d frames of %.0fx%.0f, "
                                   "%.2f Gpixels; morph writes at most %.2f: use fewer seeds or frames or a "
                                   "smaller scale", n_seeds, frames, scale, total, w, h, pixels / 1e9,
                                   MORPH_MAX_PIXELS / 1e9);
        }
    }
    nz = g.latent;
    ctx = nn_ctx_new(0);
    if (!ctx) {
        f->destroy(m);
        cli_error("morph", "out of memory");
        return CLI_FAILED;
    }
    if ((rc = check_memory(cmd, ctx, f, m, &g, n_seeds, frames, total)) != 0) {
        nn_ctx_free(ctx);
        f->destroy(m);
        return rc;
    }
    z = (float *)malloc((size_t)total * nz * sizeof *z);
    za = (float *)malloc((size_t)nz * sizeof *za);
    zb = (float *)malloc((size_t)nz * sizeof *zb);
    rc = z && za && zb ? 0 : g99_fail(&err, G99_ENOMEM, "morph: out of memory for %d latents", total);
    for (i = 0; !rc && i < total; i++) {
        int leg = i / frames, k = i % frames;
        gan_latent_normal(seeds[leg], nz, za);
        gan_latent_normal(seeds[leg + 1], nz, zb);
        gan_slerp(za, zb, nz, (float)k / (float)frames, z + (size_t)i * nz);
    }
    sg = gan_stylegan_model_g(f, m);
    if (!rc && sg) rc = morph_in_w(sg, seeds, n_seeds, frames, &wx, &err);
    else if (!rc) {
        zs[0] = total;
        zs[1] = nz;
        x = f->generate(m, ctx, nn_tensor_from(ctx, 2, zs, z), NULL, 1);
        if (!x) {
            err = *nn_ctx_error(ctx);
            rc = err.code ? err.code : G99_ENOMEM;
        }
    }
    frame_data = sg ? wx : x ? x->data : NULL;
    img_gif_params_default(&gp);
    gp.delay_cs = delay;
    if (!rc) rc = img_gif_writer_open(&gif, out, g.width * scale, g.height * scale, &gp, &err);
    /* Pass 0 shows every frame to the global palette, pass 1 writes it. */
    g99_stop_catch();  /* Ctrl-C between frames removes the partial file */
    for (pass = 0; pass < 2 && !rc; pass++)
        for (i = 0; !rc && i < total; i++) {
            img_image frame;
            if (g99_stop_requested()) {
                rc = g99_fail(&err, G99_ESTOPPED, "morph: stopped at frame %d of %d; %s not written", i, total, out);
                break;
            }
            rc = gan_tensor_image_wh(frame_data + (size_t)i * g.channels * g.width * g.height, g.channels, g.width,
                                     g.height, scale, &frame, &err);
            if (rc) break;
            rc = pass == 0 ? img_gif_writer_scan(gif, &frame, &err) : img_gif_writer_add(gif, &frame, &err);
            img_free(&frame);
        }
    if (!rc) rc = img_gif_writer_close(gif, &err);
    else img_gif_writer_abort(gif);
    g99_stop_release();
    free(z);
    free(za);
    free(zb);
    free(wx);
    nn_ctx_free(ctx);
    f->destroy(m);
    if (rc) return cli_fail(&err);
    printf("%s: %d frames through %d seeds\n", out, total, n_seeds);
    return CLI_OK;
}

const cli_command cli_cmd_morph = {
    "morph",
    "animate a model's images between the latents of several seeds",
    "usage: gan99 morph MODEL_FILE --seeds A,B,... [--frames N] [--scale K] [--delay CS] --out FILE.gif\n"
    "\n"
    "Moves from the latent of seed A to B (and on; 2..64 seeds) in N frames per\n"
    "step (2..1000, default 24) by spherical interpolation (a StyleGAN2 model: along\n"
    "straight lines between the seeds' w), and writes an animated\n"
    "GIF of G's images, enlarged K times (1..16, default 4), CS centiseconds a\n"
    "frame (1..1000, default 8). All frames go through G as one batch: a count\n"
    "whose batch would need more than 4 GiB, or an animation of more than 2^31\n"
    "pixels in all, is refused before the work.\n",
    morph_run,
};
