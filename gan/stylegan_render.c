/* gan: drawing with a trained StyleGAN2 generator outside training: z to w
 * with truncation, w to images with a chosen noise, and the style-mixing
 * grid of the paper's Figure 3 (stylegan2-ada-pytorch's generate.py and
 * style_mixing.py). Everything runs without a tape, in one batch, on
 * buffers the caller owns, so the commands (sample, mix, morph) and the
 * Toonify tools share one path. */
#include "gan.h"

#include <stdlib.h>
#include <string.h>

/* Runs one forward in a fresh grad-free arena and copies the result out. */
static int finish(nn_ctx *ctx, nn_tensor *y, float *out, g99_error *err)
{
    int rc = 0;
    if (y) memcpy(out, y->data, y->numel * sizeof *out);
    else {
        rc = nn_ctx_error(ctx)->code ? nn_ctx_error(ctx)->code : G99_EINVAL;
        if (err) *err = *nn_ctx_error(ctx);
    }
    nn_ctx_free(ctx);
    return rc;
}

static nn_ctx *arena(g99_error *err)
{
    nn_ctx *ctx = nn_ctx_new(0);
    if (!ctx) g99_fail(err, G99_ENOMEM, "out of memory");
    else nn_set_grad_enabled(ctx, 0);
    return ctx;
}

int gan_stylegan_map(gan_stylegan_g *g, const float *z, int n, float psi, int cutoff, float *ws, g99_error *err)
{
    nn_ctx *ctx;
    int zs[2];
    if (n < 1) return g99_fail(err, G99_EINVAL, "%d latents asked for", n);
    if (!(ctx = arena(err))) return G99_ENOMEM;
    zs[0] = n;
    zs[1] = g->cfg.z_dim;
    return finish(ctx, gan_stylegan_mapping(ctx, g, nn_tensor_from(ctx, 2, zs, z), psi, cutoff, 0), ws, err);
}

int gan_stylegan_render_ws(const gan_stylegan_g *g, const float *ws, int n, int noise_mode, uint64_t noise_seed,
                           float *out, g99_error *err)
{
    nn_ctx *ctx;
    nn_rng rng;
    int s[3];
    if (n < 1) return g99_fail(err, G99_EINVAL, "%d images asked for", n);
    if (!(ctx = arena(err))) return G99_ENOMEM;
    nn_rng_init(&rng, noise_seed, NN_STREAM_NOISE);
    s[0] = n;
    s[1] = g->num_ws;
    s[2] = g->cfg.w_dim;
    return finish(ctx, gan_stylegan_synthesis(ctx, g, nn_tensor_from(ctx, 3, s, ws), noise_mode, &rng), out, err);
}

int gan_stylegan_render_z(gan_stylegan_g *g, const float *z, int n, const gan_sg_render *r, float *out,
                          g99_error *err)
{
    size_t per = (size_t)g->num_ws * (size_t)g->cfg.w_dim;
    float *ws = (float *)malloc((size_t)n * per * sizeof *ws);
    int rc;
    if (!ws) return g99_fail(err, G99_ENOMEM, "out of memory for %d latents", n);
    rc = gan_stylegan_map(g, z, n, r->psi, r->cutoff, ws, err);
    if (!rc) rc = gan_stylegan_render_ws(g, ws, n, r->noise_mode, r->noise_seed, out, err);
    free(ws);
    return rc;
}

/* ws index i feeds resolution 2^(i/2 + 2): block 4 reads ws 0 and 1, block
 * 2^k reads 2k-5 .. 2k-3, and its ToRGB's w (2k-3) is also the next conv0's,
 * so the pair (2k-4, 2k-3) belongs to 2^k. */
static int ws_resolution(int i) { return 1 << (i / 2 + 2); }

int gan_stylegan_style_range(const gan_stylegan_g *g, const char *name, int *first, int *last, g99_error *err)
{
    int R = g->cfg.resolution, fine = R < 64 ? R : 64, middle = fine / 2 < 16 ? fine / 2 : 16;
    int lo, hi, i;
    if (strcmp(name, "coarse") == 0) lo = 4, hi = middle / 2;
    else if (strcmp(name, "middle") == 0) lo = middle, hi = fine / 2;
    else if (strcmp(name, "fine") == 0) lo = fine, hi = R;
    else return g99_fail(err, G99_EINVAL, "styles \"%s\": want coarse, middle, fine or A-B", name);
    *first = -1;
    *last = -1;
    for (i = 0; i < g->num_ws; i++)
        if (ws_resolution(i) >= lo && ws_resolution(i) <= hi) {
            if (*first < 0) *first = i;
            *last = i;
        }
    if (*first < 0) return g99_fail(err, G99_EINVAL, "styles \"%s\": none at resolution %d", name, R);
    return 0;
}

int gan_stylegan_mix(gan_stylegan_g *g, const float *z_rows, int rows, const float *z_cols, int cols,
                     int first, int last, const gan_sg_render *r, float *out, g99_error *err)
{
    size_t per = (size_t)g->num_ws * (size_t)g->cfg.w_dim, wd = (size_t)g->cfg.w_dim;
    int n = rows + cols, cells = rows * cols, i, j;
    float *ws = (float *)malloc(((size_t)n + (size_t)cells) * per * sizeof *ws), *cell;
    float *zs = (float *)malloc((size_t)n * (size_t)g->cfg.z_dim * sizeof *zs);
    int rc = ws && zs ? 0 : g99_fail(err, G99_ENOMEM, "out of memory for a %dx%d grid", rows, cols);
    if (!rc && (first < 0 || last >= g->num_ws || first > last))
        rc = g99_fail(err, G99_EINVAL, "styles %d-%d: the model has ws 0-%d", first, last, g->num_ws - 1);
    if (!rc) {
        memcpy(zs, z_rows, (size_t)rows * (size_t)g->cfg.z_dim * sizeof *zs);
        memcpy(zs + (size_t)rows * (size_t)g->cfg.z_dim, z_cols, (size_t)cols * (size_t)g->cfg.z_dim * sizeof *zs);
        rc = gan_stylegan_map(g, zs, n, r->psi, r->cutoff, ws, err);
    }
    /* cell (i, j): row i's ws with the column's ws first..last */
    cell = ws ? ws + (size_t)n * per : NULL;
    for (i = 0; !rc && i < rows; i++)
        for (j = 0; j < cols; j++) {
            float *c = cell + ((size_t)i * cols + j) * per;
            memcpy(c, ws + (size_t)i * per, per * sizeof *c);
            memcpy(c + (size_t)first * wd, ws + ((size_t)rows + j) * per + (size_t)first * wd,
                   (size_t)(last - first + 1) * wd * sizeof *c);
        }
    /* sources first (rows, then columns), then the cells row by row */
    if (!rc) rc = gan_stylegan_render_ws(g, ws, n + cells, r->noise_mode, r->noise_seed, out, err);
    free(ws);
    free(zs);
    return rc;
}
