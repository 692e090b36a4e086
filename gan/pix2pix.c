/* gan: pix2pix (Isola et al. 2017) as junyanz/pytorch-CycleGAN-and-pix2pix
 * builds it (doc/models.md §2): the U-Net generator and the PatchGAN or
 * pixel discriminator, with the reference's state_dict names and its
 * init_weights('normal', 0.02).
 *
 * The U-Net is a chain of nested UnetSkipConnectionBlocks. Level k (0 the
 * outermost, n-1 the innermost, n = num_downs) has inner = ngf min(2^k, 8)
 * channels and outer = that of level k-1 (level 0: output_nc); its
 * nn.Sequential is
 *   outermost  0 Conv(in_nc->ngf)  1 level 1  2 ReLU  3 ConvT(2ngf->out_nc, bias)  4 Tanh
 *   middle     0 LReLU  1 Conv  2 Norm  3 level k+1  4 ReLU  5 ConvT(2inner->outer)  6 Norm  [7 Dropout]
 *   innermost  0 LReLU  1 Conv  2 ReLU  3 ConvT(inner->outer)  4 Norm
 * at "model.model" for level 0 and "<level k-1's>.1.model" (k = 1) or
 * ".3.model" below. A non-outermost level returns cat(x, up(...)); its
 * LeakyReLU is in place, so the x it concatenates is LReLU(x). Convs have a
 * bias only under instance norm, except the outermost up-conv. Dropout
 * sits on levels 4 .. n-2 (the reference's num_downs - 5 middle blocks of
 * 8ngf); for num_downs < 5 the same channel rule gives a smaller U-Net
 * without dropout.
 *
 * cfg.segmenter turns the same U-Net into the face parser's (gan/parser.c):
 * the outermost up-conv's output_nc channels are class logits (up to 255),
 * so there is no Tanh after it, and there is no discriminator. */
#include "gan.h"

#include <stdio.h>

static int inner_nc(const gan_pix2pix_config *c, int k)
{
    return c->ngf * (k >= 3 ? 8 : 1 << k);
}

int gan_pix2pix_resolve(gan_pix2pix_config *c)
{
    if (c->num_downs == 0 && c->width > 0 && c->height > 0) {
        int n = 0, m = c->width < c->height ? c->width : c->height;
        while (n < GAN_P2P_MAX_DOWNS && c->width % (2 << n) == 0 && c->height % (2 << n) == 0) n++;
        if (n < 2) {   /* an odd size: log2 of the smaller side, so the check names sizes that work */
            n = 0;
            while (n < GAN_P2P_MAX_DOWNS && (2 << n) <= m) n++;
        }
        c->num_downs = n;
    }
    return c->num_downs;
}

/* The output side of a 4x4 conv with padding 1 and this stride. */
static int patch_out(int s, int stride)
{
    return (s + 2 - 4) / stride + 1;
}

static int fits_unet(int s, int q, char *buf, size_t cap, const char *what)
{
    int lo = s / q * q, hi = lo + q;
    if (s % q == 0) return 1;
    if (lo > 0) snprintf(buf, cap, "%s %d is not a multiple of %d: %d or %d would work", what, s, q, lo, hi);
    else snprintf(buf, cap, "%s %d is not a multiple of %d: %d would work", what, s, q, hi);
    return 0;
}

int gan_pix2pix_check_config(const gan_pix2pix_config *c, g99_error *err)
{
    char why[160];
    int q, i, s;
    if (c->width < 1 || c->width > 4096 || c->height < 1 || c->height > 4096)
        return g99_fail(err, G99_EINVAL, "pix2pix: size %dx%d (want 1..4096)", c->width, c->height);
    if (c->input_nc < 1 || c->input_nc > 4) return g99_fail(err, G99_EINVAL, "pix2pix: --input-nc %d (want 1..4)", c->input_nc);
    if (c->segmenter && (c->output_nc < 1 || c->output_nc > GAN_PARSER_MAX_CLASSES))
        return g99_fail(err, G99_EINVAL, "parser: --classes %d (want 1..%d)", c->output_nc, GAN_PARSER_MAX_CLASSES);
    if (!c->segmenter && (c->output_nc < 1 || c->output_nc > 4))
        return g99_fail(err, G99_EINVAL, "pix2pix: --output-nc %d (want 1..4)", c->output_nc);
    if (c->ngf < 1 || c->ngf > 4096) return g99_fail(err, G99_EINVAL, "pix2pix: --ngf %d (want 1..4096)", c->ngf);
    if (c->ndf < 1 || c->ndf > 4096) return g99_fail(err, G99_EINVAL, "pix2pix: --ndf %d (want 1..4096)", c->ndf);
    if (c->norm != GAN_NORM_BATCH && c->norm != GAN_NORM_INSTANCE)
        return g99_fail(err, G99_EINVAL, "pix2pix: --norm %d (want batch or instance)", c->norm);
    if (c->netd < GAN_P2P_D_BASIC || c->netd > GAN_P2P_D_PIXEL)
        return g99_fail(err, G99_EINVAL, "pix2pix: --netD %d (want basic, n_layers or pixel)", c->netd);
    if (c->n_layers_d < 0 || c->n_layers_d > GAN_P2P_MAX_DLAYERS - 2)
        return g99_fail(err, G99_EINVAL, "pix2pix: --n-layers-D %d (want 0..%d)", c->n_layers_d, GAN_P2P_MAX_DLAYERS - 2);
    if (c->num_downs < 2 || c->num_downs > GAN_P2P_MAX_DOWNS)
        return g99_fail(err, G99_EINVAL, "pix2pix: --num-downs %d: the U-Net needs 2..%d (size %dx%d)", c->num_downs,
                        GAN_P2P_MAX_DOWNS, c->width, c->height);
    q = 1 << c->num_downs;
    if (!fits_unet(c->width, q, why, sizeof why, "width") || !fits_unet(c->height, q, why, sizeof why, "height"))
        return g99_fail(err, G99_EINVAL, "pix2pix: a U-Net with %d downsamplings halves the image %d times: %s",
                        c->num_downs, c->num_downs, why);
    if (c->netd != GAN_P2P_D_PIXEL && !c->segmenter) {
        /* the PatchGAN's n stride-2 convs, then two stride-1 ones */
        int n = c->netd == GAN_P2P_D_BASIC ? 3 : c->n_layers_d;
        s = c->width < c->height ? c->width : c->height;
        for (i = 0; i < n; i++) s = patch_out(s, 2);
        s = patch_out(patch_out(s, 1), 1);
        if (s < 1)
            return g99_fail(err, G99_EINVAL, "pix2pix: size %dx%d is too small for a PatchGAN of %d layers (its output "
                            "would be empty): it needs %d pixels a side, or --netD pixel", c->width, c->height, n,
                            3 << n);
    }
    return 0;
}

/* "<seq>.<index>" into name (the names are short: 12 levels at most). */
static const char *at(char *name, size_t cap, const char *seq, int index)
{
    if (snprintf(name, cap, "%s.%d", seq, index) >= (int)cap) name[0] = '\0';
    return name;
}

static int declare_g(gan_pix2pix *m, g99_error *err)
{
    const gan_pix2pix_config *c = &m->cfg;
    char seq[GAN_P2P_MAX_DOWNS][128], name[160];
    int n = c->num_downs, k, rc = 0, bias = c->norm == GAN_NORM_INSTANCE;
    gan_init gamma = gan_init_normal(1.0f, 0.02f);
    strcpy(seq[0], "model.model");
    for (k = 1; k < n; k++)
        if (snprintf(seq[k], sizeof seq[k], "%s.%d.model", seq[k - 1], k == 1 ? 1 : 3) >= (int)sizeof seq[k])
            seq[k][0] = '\0';
    /* state_dict order: a level's down layers, the level inside, its up layers */
    for (k = 0; k < n && !rc; k++) {
        gan_p2p_level *l = &m->level[k];
        int in = k == 0 ? c->input_nc : inner_nc(c, k - 1);
        gan_conv_def d;
        gan_conv_def_normal(&d, GAN_OP_CONV, in, inner_nc(c, k), 4, 2, 1, bias);
        rc = gan_conv_add(&m->ginit, at(name, sizeof name, seq[k], k == 0 ? 0 : 1), &d, &l->down, err);
        if (!rc && k > 0 && k < n - 1)
            rc = gan_norm_add(&m->ginit, at(name, sizeof name, seq[k], 2), c->norm, inner_nc(c, k), 0, gamma,
                              &l->down_norm, err);
        l->dropout = !c->no_dropout && k >= 4 && k <= n - 2;
    }
    for (k = n - 1; k >= 0 && !rc; k--) {
        gan_p2p_level *l = &m->level[k];
        int innermost = k == n - 1, outer = k == 0 ? c->output_nc : inner_nc(c, k - 1);
        gan_conv_def d;
        gan_conv_def_normal(&d, GAN_OP_CONV_T, innermost ? inner_nc(c, k) : 2 * inner_nc(c, k), outer, 4, 2, 1, k == 0 || bias);
        rc = gan_conv_add(&m->ginit, at(name, sizeof name, seq[k], k == 0 || innermost ? 3 : 5), &d, &l->up, err);
        if (!rc && k > 0)
            rc = gan_norm_add(&m->ginit, at(name, sizeof name, seq[k], innermost ? 4 : 6), c->norm, outer, 0, gamma,
                              &l->up_norm, err);
    }
    return rc;
}

static int add_dlayer(gan_pix2pix *m, const char *fmt, int conv, int norm, const gan_conv_def *cd, int has_norm,
                      int act, g99_error *err)
{
    char cp[32], np[32];
    gan_block_def d;
    memset(&d, 0, sizeof d);
    d.conv = *cd;
    d.norm = has_norm ? m->cfg.norm : GAN_NORM_NONE;
    d.norm_init = gan_init_normal(1.0f, 0.02f);
    d.act = act;
    d.slope = 0.2f;
    snprintf(cp, sizeof cp, fmt, conv);
    snprintf(np, sizeof np, fmt, norm);
    return gan_block_add(&m->dinit, cp, np, &d, &m->dlayer[m->n_dlayers++], err);
}

/* NLayerDiscriminator: model.0 Conv(in->ndf, s2, bias) LReLU; then per
 * layer i (1..n-1) Conv(s2) at 3i-1, Norm at 3i, LReLU; one more Conv(s1) +
 * Norm + LReLU; the last Conv(->1, s1, bias) at 3n+2. Widths ndf min(2^i, 8).
 * PixelDiscriminator: net.0 Conv1x1(in->ndf, bias) LReLU, net.2
 * Conv1x1(ndf->2ndf) net.3 Norm LReLU, net.5 Conv1x1(2ndf->1). */
static int declare_d(gan_pix2pix *m, g99_error *err)
{
    const gan_pix2pix_config *c = &m->cfg;
    int in = c->input_nc + c->output_nc, bias = c->norm == GAN_NORM_INSTANCE, rc, i, n, prev, mult;
    gan_conv_def d;
    if (c->netd == GAN_P2P_D_PIXEL) {
        gan_conv_def_normal(&d, GAN_OP_CONV, in, c->ndf, 1, 1, 0, 1);
        rc = add_dlayer(m, "net.%d", 0, 0, &d, 0, GAN_ACT_LRELU, err);
        gan_conv_def_normal(&d, GAN_OP_CONV, c->ndf, 2 * c->ndf, 1, 1, 0, bias);
        if (!rc) rc = add_dlayer(m, "net.%d", 2, 3, &d, 1, GAN_ACT_LRELU, err);
        gan_conv_def_normal(&d, GAN_OP_CONV, 2 * c->ndf, 1, 1, 1, 0, bias);
        if (!rc) rc = add_dlayer(m, "net.%d", 5, 5, &d, 0, GAN_ACT_NONE, err);
        return rc;
    }
    n = c->netd == GAN_P2P_D_BASIC ? 3 : c->n_layers_d;
    gan_conv_def_normal(&d, GAN_OP_CONV, in, c->ndf, 4, 2, 1, 1);
    rc = add_dlayer(m, "model.%d", 0, 0, &d, 0, GAN_ACT_LRELU, err);
    mult = 1;
    for (i = 1; i <= n && !rc; i++) {
        prev = mult;
        mult = i >= 3 ? 8 : 1 << i;
        gan_conv_def_normal(&d, GAN_OP_CONV, c->ndf * prev, c->ndf * mult, 4, i < n ? 2 : 1, 1, bias);
        rc = add_dlayer(m, "model.%d", 3 * i - 1, 3 * i, &d, 1, GAN_ACT_LRELU, err);
    }
    if (n == 0 && !rc) {   /* range(1, 0) is empty: only the stride-1 layer of width ndf */
        gan_conv_def_normal(&d, GAN_OP_CONV, c->ndf, c->ndf, 4, 1, 1, bias);
        rc = add_dlayer(m, "model.%d", 2, 3, &d, 1, GAN_ACT_LRELU, err);
        n = 1;
    }
    gan_conv_def_normal(&d, GAN_OP_CONV, c->ndf * mult, 1, 4, 1, 1, 1);
    if (!rc) rc = add_dlayer(m, "model.%d", 3 * n + 2, 3 * n + 2, &d, 0, GAN_ACT_NONE, err);
    return rc;
}

int gan_pix2pix_init(gan_pix2pix *m, const gan_pix2pix_config *cfg, g99_error *err)
{
    int rc;
    memset(m, 0, sizeof *m);
    m->cfg = *cfg;
    gan_pix2pix_resolve(&m->cfg);
    if ((rc = gan_pix2pix_check_config(&m->cfg, err)) != 0) return rc;
    nn_params_init(&m->g);
    nn_params_init(&m->d);
    gan_table_init(&m->ginit, &m->g);
    gan_table_init(&m->dinit, &m->d);
    rc = declare_g(m, err);
    if (!rc && !m->cfg.segmenter) rc = declare_d(m, err);
    if (!rc) rc = gan_table_alloc(&m->ginit, err);
    if (!rc) rc = gan_table_alloc(&m->dinit, err);
    if (rc) gan_pix2pix_free(m);
    return rc;
}

void gan_pix2pix_free(gan_pix2pix *m)
{
    gan_table_free(&m->ginit);
    gan_table_free(&m->dinit);
    nn_params_free(&m->g);
    nn_params_free(&m->d);
    memset(m, 0, sizeof *m);
}

void gan_pix2pix_weights_init(gan_pix2pix *m, nn_rng *rng)
{
    gan_table_apply(&m->ginit, NULL);   /* buffers back to their construction values */
    gan_table_apply(&m->dinit, NULL);
    gan_table_apply(&m->ginit, rng);
    gan_table_apply(&m->dinit, rng);
}

/* Level k on its input x; *drop counts the dropout levels passed (the
 * index of the next replayed mask). */
static nn_tensor *level_forward(nn_ctx *ctx, gan_pix2pix *m, int k, nn_tensor *x, int train, int *drop)
{
    const gan_p2p_level *l = &m->level[k];
    int innermost = k == m->cfg.num_downs - 1;
    nn_tensor *y = k == 0 ? x : nn_leaky_relu(ctx, x, 0.2f), *u;
    u = gan_conv_forward(ctx, &l->down, y, train);
    if (k > 0 && !innermost) u = gan_norm_forward(ctx, &l->down_norm, u, train);
    if (!innermost) u = level_forward(ctx, m, k + 1, u, train, drop);
    u = gan_conv_forward(ctx, &l->up, nn_relu(ctx, u), train);
    if (k == 0) return m->cfg.segmenter ? u : nn_tanh(ctx, u);
    u = gan_norm_forward(ctx, &l->up_norm, u, train);
    if (l->dropout && train) {
        if (m->keep) u = nn_dropout_mask(ctx, u, m->keep[*drop], 0.5f);
        else if (m->dropout) u = nn_dropout(ctx, u, 0.5f, 1, m->dropout);
        (*drop)++;
    }
    return nn_concat(ctx, y, u, 1);
}

nn_tensor *gan_pix2pix_generate(nn_ctx *ctx, gan_pix2pix *m, nn_tensor *a, int train)
{
    int drop = 0;
    return level_forward(ctx, m, 0, a, train, &drop);
}

nn_tensor *gan_pix2pix_discriminate(nn_ctx *ctx, gan_pix2pix *m, nn_tensor *ab, int train)
{
    int i;
    for (i = 0; i < m->n_dlayers; i++) ab = gan_block_forward(ctx, &m->dlayer[i], ab, train);
    return ab;
}
