/* nn core: conv2d and conv_transpose2d by im2col/col2im + SGEMM (doc/design.md §4.3;
 * torch.nn.functional.conv2d / conv_transpose2d, doc/models.md §0).
 *
 * A convolution y = F(x, w) is bilinear, and so are its two gradients:
 *   Gx(gy, w) = dL/dx  (the transposed convolution: cols = w^T gy, col2im)
 *   Gw(x, gy) = dL/dw  (cols = im2col(x), dw += gy cols^T)
 * The three are closed under differentiation, which is all create_graph
 * needs (doc/models.md §7, the R1 penalty):
 *   F (x, w):  with upstream g of y's shape:  dx = Gx(g, w),  dw = Gw(x, g)
 *   Gx(gy, w): with upstream u of x's shape:  dgy = F(u, w),  dw = Gw(u, gy)
 *   Gw(x, gy): with upstream u of w's shape:  dx = Gx(gy, u), dgy = F(x, u)
 * conv_transpose2d(x, w) is Gx of the convolution that maps its output back
 * to x; PyTorch's weight [in, out/groups, kh, kw] is that convolution's
 * weight [O, C/groups, kh, kw] as it stands.
 *
 * Shapes, per image n and group g (Cg = C/groups, Og = O/groups,
 * K = Cg kh kw, L = Ho Wo):
 *   im2col(x[n,g]) [K, L];  y[n,g] [Og, L] += w[g] [Og, K] . cols
 *   cols [K, L] = w[g]^T . gy[n,g];  col2im(cols) -> x[n,g]
 *   dw[g] [Og, K] += gy[n,g] [Og, L] . cols^T   (n = 0, 1, ... in order)
 * Gx of a stride-1 convolution that keeps the image size skips the stored
 * column matrix: nn_k_conv_gx_same gives its bits directly (kernels.h).
 * Gx of a stride-2 4x4 convolution runs as four stride-1 2x2 ones, one per
 * output parity, in its own chain order (conv_gx_subpixel below). */
#include "tensor_internal.h"

typedef struct conv_geom {
    int n, c, h, w;         /* the convolution's input */
    int o, ho, wo;          /* its output */
    int kh, kw, sh, sw, ph, pw, dh, dw, groups;
} conv_geom;

/* The geometry travels in the node's integer arguments. */
typedef char conv_geom_fits_node[sizeof(conv_geom) <= NN_NODE_IARGS * sizeof(int) ? 1 : -1];

static nn_k_conv_geom kgeom(const conv_geom *g)
{
    nn_k_conv_geom k;
    k.c = g->c / g->groups;
    k.h = g->h;
    k.w = g->w;
    k.kh = g->kh;
    k.kw = g->kw;
    k.sh = g->sh;
    k.sw = g->sw;
    k.ph = g->ph;
    k.pw = g->pw;
    k.dh = g->dh;
    k.dw = g->dw;
    k.ho = g->ho;
    k.wo = g->wo;
    return k;
}

static void save_geom(nn_node *nd, const conv_geom *g)
{
    memcpy(nd->iarg, g, sizeof *g);
}

static nn_tensor *conv_f(nn_ctx *ctx, const conv_geom *g, nn_tensor *x, nn_tensor *w, nn_tensor *b);
static nn_tensor *conv_gx(nn_ctx *ctx, const conv_geom *g, nn_tensor *gy, nn_tensor *w, const char *op);
static nn_tensor *conv_gw(nn_ctx *ctx, const conv_geom *g, nn_tensor *x, nn_tensor *gy);

static void f_backward(nn_ctx *ctx, nn_node *nd, nn_tensor *u, nn_tensor **gin)
{
    conv_geom g;
    memcpy(&g, nd->iarg, sizeof g);
    if (nd->need[0]) gin[0] = conv_gx(ctx, &g, u, nd->in[1], "conv2d_grad_input");
    if (nd->need[1]) gin[1] = conv_gw(ctx, &g, nd->in[0], u);
    if (nd->n_in > 2 && nd->need[2]) {
        /* nn_add's rule for the bias [1,O,1,1] it replaces, then its reshape */
        nn_tensor *b = nd->in[2];
        int s4[4];
        s4[0] = 1; s4[1] = b->shape[0]; s4[2] = s4[3] = 1;
        gin[2] = nn_reshape(ctx, nn_sum_to(ctx, u, 4, s4), 1, b->shape);
    }
}

static void gx_backward(nn_ctx *ctx, nn_node *nd, nn_tensor *u, nn_tensor **gin)
{
    conv_geom g;
    memcpy(&g, nd->iarg, sizeof g);
    if (nd->need[0]) gin[0] = conv_f(ctx, &g, u, nd->in[1], NULL);
    if (nd->need[1]) gin[1] = conv_gw(ctx, &g, u, nd->in[0]);
}

static void gw_backward(nn_ctx *ctx, nn_node *nd, nn_tensor *u, nn_tensor **gin)
{
    conv_geom g;
    memcpy(&g, nd->iarg, sizeof g);
    if (nd->need[0]) gin[0] = conv_gx(ctx, &g, nd->in[1], u, "conv2d_grad_input");
    if (nd->need[1]) gin[1] = conv_f(ctx, &g, nd->in[0], u, NULL);
}

/* The views the GEMMs read (nn/kernels/kernels.h): a weight [O, K] of
 * group grp, plain or transposed; a batch t [N, ch, L] of group grp as one
 * [chg, N*L] matrix; the implicit column matrix [K, N*L] of x's images. */
static nn_k_view weight_view(const float *w, int og, size_t K, int grp, int trans)
{
    nn_k_view v;
    memset(&v, 0, sizeof v);
    v.p = w + (size_t)grp * og * K;
    v.ld = K;
    v.trans = trans;
    return v;
}

static nn_k_view batch_view(const float *t, int ch, int chg, int grp, size_t L)
{
    nn_k_view v;
    memset(&v, 0, sizeof v);
    v.p = t + (size_t)grp * chg * L;
    v.ld = L;
    v.seg = L;
    v.seg_ld = (size_t)ch * L;
    return v;
}

static nn_k_view cols_view(const conv_geom *g, const nn_k_conv_geom *kg, const float *x, int grp, int trans)
{
    nn_k_view v;
    size_t hw = (size_t)g->h * g->w;
    memset(&v, 0, sizeof v);
    v.p = x + (size_t)grp * (g->c / g->groups) * hw;
    if (g->ho == 1 && g->wo == 1 && g->ph == 0 && g->pw == 0 && g->dh == 1 && g->dw == 1 && g->kh == g->h &&
        g->kw == g->w) {
        /* a kernel as large as the image (DCGAN's last D layer, G's first):
         * column n is image n itself, so the column matrix is the batch
         * [N, C*H*W] transposed, read as it stands */
        v.ld = (size_t)g->c * hw;
        v.trans = !trans;
        return v;
    }
    v.seg_ld = (size_t)g->c * hw;
    v.trans = trans;
    v.conv = kg;
    return v;
}

/* Column matrices for conv_gx, which must store them for col2im: about
 * COLS_MAX floats (1 MiB: col2im then reads them from L2) at a time, in
 * chunks of whole images, but at least COLS_MIN_N columns (each chunk's
 * GEMM packs all of w again: narrower chunks pay more for that than they
 * save). The chunking splits columns only: no sum changes. */
#define COLS_MAX ((size_t)1 << 18)
#define COLS_MIN_N 512

static int chunk_images(const conv_geom *g, size_t K, size_t L)
{
    size_t nc = COLS_MAX / (K * L), least = (COLS_MIN_N + L - 1) / L;
    if (nc < least) nc = least;
    if (nc < 1) nc = 1;
    if (nc > (size_t)g->n) nc = (size_t)g->n;
    return (int)nc;
}

static float *scratch(nn_ctx *ctx, const char *op, size_t a, size_t b)
{
    size_t n;
    if (g99_size_mul(a, b, &n) || n > (size_t)-1 / sizeof(float)) {
        nn__fail(ctx, G99_ELIMIT, "%s: column matrix too large", op);
        return NULL;
    }
    return (float *)nn__alloc(ctx, op, n * sizeof(float));
}

/* Whether conv_f takes the direct path (nn_k_conv_direct: stride 1, the
 * same bits as the GEMM's). Measured on AVX-512 at 1 thread (SPADE's and
 * the discriminators' shapes, batch 8-16): the direct path wins by 1.2x
 * to 3x wherever the output planes have 32 positions or more, and by far
 * when a few output channels leave the GEMM's packed columns unshared
 * (O = 1: 7x); below that (4x4, 2x2 planes with 128-256 channels) its
 * tiles are mostly padding and the GEMM wins. Only on sets with their own
 * direct tiles (nn_k_conv_direct_fast). */
static int use_direct(const conv_geom *g)
{
    return g->sh == 1 && g->sw == 1 && ((size_t)g->ho * g->wo >= 32 || g->o / g->groups <= 8) &&
           nn_k_conv_direct_fast();
}

/* y [N,O,Ho,Wo] = F(x [N,C,H,W], w [O,Cg,kh,kw]) (+ b [O]): per group,
 * one GEMM over the whole batch, y[n,g] [Og, L] += w[g] [Og, K] .
 * im2col(x[n,g]) with the columns gathered as the GEMM packs them, or the
 * direct convolution's same chains (stride 1). The bias is added in y's
 * own memory, y = chain + b[o], one rounding: the bits of nn_add after the
 * convolution, without its tensor and its pass (the direct path adds it as
 * it stores); the node's backward gives b nn_add's gradient. */
static nn_tensor *conv_f(nn_ctx *ctx, const conv_geom *g, nn_tensor *x, nn_tensor *w, nn_tensor *b)
{
    int shape[4], grp, og = g->o / g->groups, cg = g->c / g->groups, direct = use_direct(g), plane;
    size_t K = (size_t)cg * g->kh * g->kw, L = (size_t)g->ho * g->wo, hw = (size_t)g->h * g->w;
    nn_k_conv_geom kg = kgeom(g);
    nn_tensor *y;
    nn_node *nd;
    if (!x || !w || ctx->err.code) return NULL;
    shape[0] = g->n; shape[1] = g->o; shape[2] = g->ho; shape[3] = g->wo;
    /* every element is written by the GEMMs: no zeroing first */
    y = nn__empty(ctx, "conv2d", 4, shape);
    if (!y) return NULL;
    for (grp = 0; grp < g->groups; grp++) {
        nn_k_view a = weight_view(w->data, og, K, grp, 0), v = cols_view(g, &kg, x->data, grp, 0);
        /* the GEMM when the direct path cannot have its buffers */
        if (direct && nn_k_conv_direct(&kg, g->n, og, x->data + (size_t)grp * cg * hw, (size_t)g->c * hw,
                                       a.p, b ? b->data + (size_t)grp * og : NULL, y->data + (size_t)grp * og * L,
                                       (size_t)g->o * L) == 0)
            continue;
        nn_k_gemm_over((size_t)og, (size_t)g->n * L, K, &a, &v, y->data + (size_t)grp * og * L, L, L, (size_t)g->o * L);
        if (!b) continue;
        /* planes (n, o) of this group, each on its own: any thread, same bits */
#ifdef _OPENMP
#pragma omp parallel for schedule(static) if ((size_t)g->n * og * L >= ((size_t)1 << 16) && nn_k_threads() > 1)
#endif
        for (plane = 0; plane < g->n * og; plane++) {
            int o = grp * og + plane % og;
            float *p = y->data + ((size_t)(plane / og) * g->o + (size_t)o) * L, bo = b->data[o];
            size_t i;
            for (i = 0; i < L; i++) p[i] = p[i] + bo;
        }
    }
    nd = b ? nn__record(ctx, "conv2d", f_backward, y, 3, x, w, b) : nn__record(ctx, "conv2d", f_backward, y, 2, x, w, NULL);
    if (nd) save_geom(nd, g);
    return ctx->err.code ? NULL : y;
}

/* A stride-1 convolution that keeps the image size (odd kernel, padding
 * half of it, as SPADE's and the ResNet blocks' 3x3 and 1x1): its input
 * gradient by the direct kernel (kernels.h), the very bits of the column
 * matrix and col2im below, when the active kernel set has a twin of it
 * and the images have at least 16 pixels (below, most vector lanes idle
 * and the GEMM is faster). */
static int gx_same(const conv_geom *g)
{
    return g->sh == 1 && g->sw == 1 && g->dh == 1 && g->dw == 1 && g->kh % 2 == 1 && g->kw % 2 == 1 &&
           g->kh <= NN_K_GX_SAME_KMAX && g->kw <= NN_K_GX_SAME_KMAX && g->ph == g->kh / 2 && g->pw == g->kw / 2 &&
           g->ho == g->h && g->wo == g->w && (size_t)g->h * g->w >= 16 && (size_t)g->h * g->w <= (size_t)1 << 28 &&
           nn_k_conv_gx_same_fast();
}

static int conv_gx_same(nn_ctx *ctx, const conv_geom *g, const float *gy, const float *w, float *x, const char *op)
{
    int grp, cg = g->c / g->groups, og = g->o / g->groups;
    size_t K = (size_t)cg * g->kh * g->kw, hw = (size_t)g->h * g->w;
    nn_k_gx_same a;
    nn_scratch sm;
    a.n = g->n;
    a.c = cg;
    a.o = og;
    a.h = g->h;
    a.w = g->w;
    a.kh = g->kh;
    a.kw = g->kw;
    a.gy_ld = (size_t)g->o * hw;
    a.x_ld = (size_t)g->c * hw;
    /* the packed weights die with this call */
    sm = nn__scratch_mark(ctx);
    a.pack = scratch(ctx, op, nn_k_gx_same_pack_floats(&a), 1);
    if (!a.pack) return 0;
    for (grp = 0; grp < g->groups; grp++) {
        a.wt = w + (size_t)grp * og * K;
        a.gy = gy + (size_t)grp * og * hw;
        a.x = x + (size_t)grp * cg * hw;
        nn_k_conv_gx_same(&a);
    }
    nn__scratch_release(ctx, sm);
    return 1;
}

/* The input gradient of a stride-2, 4x4, padding-1 convolution (DCGAN's
 * and pix2pix's down-sampling layers; so also their transposed up-sampling
 * layers' forward) by sub-pixel decomposition. Output pixel (2m+a, 2p+b)
 * of x sees only the taps i = 3-2di-a, j = 3-2dj-b (di, dj in {0, 1}) at
 * gy pixel (m-1+a+di, p-1+b+dj): for each parity (a, b) a stride-1 2x2
 * convolution of gy with padding 1-a on top (1-b left) and a on the bottom
 * (b right), its weight wsub[c][(o, di, dj)] = w[o][c][3-2di-a][3-2dj-b].
 * So each x value is one chain over (o, di, dj) in that order (taps in the
 * padding read +0), the GEMM's chain for wsub . cols(gy), with no column
 * matrix stored and no col2im; the four parities' results are interleaved
 * into x. Below SUBPIXEL_MIN_C channels most rows of the GEMM's 8-row
 * tiles would be padding (the general path's GEMM has 16x the rows).
 * Below SUBPIXEL_MIN_COLS gy pixels in all (pix2pix at batch 1, its inner
 * layers) each weight serves too few columns to pay for gathering wsub,
 * and the general path's one GEMM splits better over threads (measured:
 * that pix2pix step was 11-26% slower on 2 threads without this floor). */
#define SUBPIXEL_MIN_C 8
#define SUBPIXEL_MIN_COLS 256

static int gx_subpixel(const conv_geom *g)
{
    return g->sh == 2 && g->sw == 2 && g->kh == 4 && g->kw == 4 && g->ph == 1 && g->pw == 1 && g->dh == 1 &&
           g->dw == 1 && g->groups == 1 && g->h == 2 * g->ho && g->w == 2 * g->wo && g->c >= SUBPIXEL_MIN_C &&
           (size_t)g->n * g->ho * g->wo >= SUBPIXEL_MIN_COLS;
}

/* wsub [4][c][(o, di, dj)] for output channels o0 .. o0+15 of w [o][c][4][4]:
 * each (o, c) holds 16 taps, 4 for each parity. 16 o at a time, so that w
 * is read as 16 streams and wsub written in runs of 64 floats. */
static void subpixel_weights(const float *w, int o, int c, int o0, float *wsub)
{
    size_t K = (size_t)4 * o, ci, oi, end = (size_t)(o0 + 16 < o ? o0 + 16 : o);
    int par;
    for (ci = 0; ci < (size_t)c; ci++)
        for (oi = (size_t)o0; oi < end; oi++) {
            const float *taps = w + (oi * c + ci) * 16;
            for (par = 0; par < 4; par++) {
                float *d = wsub + ((size_t)par * c + ci) * K + oi * 4;
                int a = par / 2, b = par % 2;
                d[0] = taps[(3 - a) * 4 + 3 - b];
                d[1] = taps[(3 - a) * 4 + 1 - b];
                d[2] = taps[(1 - a) * 4 + 3 - b];
                d[3] = taps[(1 - a) * 4 + 1 - b];
            }
        }
}

/* Parity par = 2a + b as a convolution of gy: stride 1, 2x2, padding 1-a
 * on top and 1-b on the left (the far side's tap then falls outside gy),
 * gy's size kept, x's channels out. */
static conv_geom parity_geom(const conv_geom *g, int par)
{
    conv_geom p;
    memset(&p, 0, sizeof p);
    p.n = g->n;
    p.c = g->o;
    p.h = p.ho = g->ho;
    p.w = p.wo = g->wo;
    p.o = g->c;
    p.kh = p.kw = 2;
    p.sh = p.sw = p.dh = p.dw = p.groups = 1;
    p.ph = 1 - par / 2;
    p.pw = 1 - par % 2;
    return p;
}

static int conv_gx_subpixel(nn_ctx *ctx, const conv_geom *g, const float *gy, const float *w, float *x, const char *op)
{
    int n0, cnt, nc, par, i, ob, c = g->c, o = g->o;
    size_t K = (size_t)4 * o, L = (size_t)g->ho * g->wo, hw = (size_t)g->h * g->w;
    float *wsub, *tmp;
    nn_scratch sm = nn__scratch_mark(ctx);
    nc = chunk_images(g, (size_t)4 * c, L);
    wsub = scratch(ctx, op, 4 * (size_t)c, K);
    tmp = scratch(ctx, op, 4 * (size_t)c * L, (size_t)nc);
    if (!wsub || !tmp) return 0;
    /* blocks of 16 output channels over the threads (a copy: any split) */
#ifdef _OPENMP
#pragma omp parallel for schedule(static) if ((size_t)o * c * 16 >= ((size_t)1 << 16) && nn_k_threads() > 1)
#endif
    for (ob = 0; ob < (o + 15) / 16; ob++) subpixel_weights(w, o, c, ob * 16, wsub);
    for (n0 = 0; n0 < g->n; n0 += nc) {
        cnt = g->n - n0 < nc ? g->n - n0 : nc;
        for (par = 0; par < 4; par++) {
            conv_geom pg = parity_geom(g, par);
            nn_k_conv_geom kg = kgeom(&pg);
            nn_k_view va = weight_view(wsub + par * (size_t)c * K, c, K, 0, 0);
            nn_k_view vb = cols_view(&pg, &kg, gy + (size_t)n0 * o * L, 0, 0);
            nn_k_gemm_over((size_t)c, (size_t)cnt * L, K, &va, &vb, tmp + par * (size_t)cnt * c * L, L, L,
                           (size_t)c * L);
        }
        /* (image, channel) planes over the threads: each x value is copied once */
#ifdef _OPENMP
#pragma omp parallel for schedule(static) if ((size_t)cnt * c * hw >= ((size_t)1 << 16) && nn_k_threads() > 1)
#endif
        for (i = 0; i < cnt * c; i++) {
            const float *t0 = tmp + (size_t)i * L;
            size_t step = (size_t)cnt * c * L, m, p;
            float *xp = x + ((size_t)n0 * c + (size_t)i) * hw;
            for (m = 0; m < (size_t)g->ho; m++) {
                float *r0 = xp + 2 * m * g->w, *r1 = r0 + g->w;
                const float *s00 = t0 + m * g->wo, *s01 = s00 + step, *s10 = s01 + step, *s11 = s10 + step;
                for (p = 0; p < (size_t)g->wo; p++) {
                    r0[2 * p] = s00[p];
                    r0[2 * p + 1] = s01[p];
                    r1[2 * p] = s10[p];
                    r1[2 * p + 1] = s11[p];
                }
            }
        }
    }
    nn__scratch_release(ctx, sm);
    return 1;
}

/* x-shaped [N,C,H,W] = Gx(gy [N,O,Ho,Wo], w [O,Cg,kh,kw]): per chunk of
 * images and group, cols [K, cnt*L] = w[g]^T . gy[n,g], then col2im. */
static nn_tensor *conv_gx(nn_ctx *ctx, const conv_geom *g, nn_tensor *gy, nn_tensor *w, const char *op)
{
    int shape[4], n0, grp, cnt, nc, i, cg = g->c / g->groups, og = g->o / g->groups;
    size_t K = (size_t)cg * g->kh * g->kw, L = (size_t)g->ho * g->wo, hw = (size_t)g->h * g->w;
    nn_k_conv_geom kg = kgeom(g);
    nn_tensor *x;
    float *cols;
    nn_node *nd;
    nn_scratch sm;
    if (!gy || !w || ctx->err.code) return NULL;
    shape[0] = g->n; shape[1] = g->c; shape[2] = g->h; shape[3] = g->w;
    if (gx_same(g)) {
        /* every element is written by the kernel: no zeroing first */
        if (!(x = nn__empty(ctx, op, 4, shape))) return NULL;
        if (!conv_gx_same(ctx, g, gy->data, w->data, x->data, op)) return NULL;
        goto record;
    }
    if (gx_subpixel(g)) {
        if (!(x = nn__empty(ctx, op, 4, shape))) return NULL;
        if (!conv_gx_subpixel(ctx, g, gy->data, w->data, x->data, op)) return NULL;
        goto record;
    }
    x = nn_tensor_new(ctx, 4, shape);
    if (!x) return NULL;
    /* the columns die with this call: released before the tape node */
    sm = nn__scratch_mark(ctx);
    nc = chunk_images(g, K, L);
    cols = scratch(ctx, op, K, (size_t)nc * L);
    if (!cols) return NULL;
    for (n0 = 0; n0 < g->n; n0 += nc) {
        cnt = g->n - n0 < nc ? g->n - n0 : nc;
        for (grp = 0; grp < g->groups; grp++) {
            size_t ld = (size_t)cnt * L;
            nn_k_view a = weight_view(w->data, og, K, grp, 1);
            nn_k_view b = batch_view(gy->data + (size_t)n0 * g->o * L, g->o, og, grp, L);
            nn_k_gemm_over(K, ld, (size_t)og, &a, &b, cols, ld, 0, 0);
            /* (image, channel) planes over the threads: a plane's adds are
             * one item's, in col2im's order, whatever the split */
#ifdef _OPENMP
#pragma omp parallel for schedule(static) if ((size_t)cnt * K * L >= ((size_t)1 << 16) && cnt * cg > 1 && \
                                             nn_k_threads() > 1)
#endif
            for (i = 0; i < cnt * cg; i++) {
                int im = i / cg, c = i % cg;
                nn_k_conv_geom k1 = kg;
                k1.c = 1;
                nn_k_col2im_ld(&k1, cols + (size_t)im * L + (size_t)c * (K / cg) * ld, ld,
                               x->data + ((size_t)(n0 + im) * g->c + (size_t)grp * cg + (size_t)c) * hw);
            }
        }
    }
    nn__scratch_release(ctx, sm);
record:
    nd = nn__record(ctx, op, gx_backward, x, 2, gy, w, NULL);
    if (nd) save_geom(nd, g);
    return ctx->err.code ? NULL : x;
}

/* Whether conv_gw takes nn_k_conv_direct_gw (3x3, stride and dilation 1:
 * the GEMM's chains, same bits). Measured on AVX-512 at 1 thread: 1.4x to
 * 2x faster for SPADE's mlp_gamma/beta (128 -> 16..64 channels at 32x32
 * and 64x64); slower with many output channels (their transposed output
 * gradient leaves L1: 128 -> 256 at 8x8) or few input channels (7 -> 128). */
static int use_direct_gw(const conv_geom *g)
{
    return g->sh == 1 && g->sw == 1 && g->kh == 3 && g->kw == 3 && g->dh == 1 && g->dw == 1 &&
           g->o / g->groups <= 64 && g->c / g->groups >= 16 && (size_t)g->ho * g->wo >= 256 && nn_k_conv_direct_fast();
}

/* w-shaped [O,Cg,kh,kw] = Gw(x [N,C,H,W], gy [N,O,Ho,Wo]): per group, one
 * GEMM over the batch, dw[g] [Og, K] += gy[n,g] [Og, N*L] . cols^T, whose
 * chains run over images, then pixels. */
static nn_tensor *conv_gw(nn_ctx *ctx, const conv_geom *g, nn_tensor *x, nn_tensor *gy)
{
    int shape[4], grp, cg = g->c / g->groups, og = g->o / g->groups, direct_gw = use_direct_gw(g);
    size_t K = (size_t)cg * g->kh * g->kw, L = (size_t)g->ho * g->wo, hw = (size_t)g->h * g->w;
    nn_k_conv_geom kg = kgeom(g);
    nn_tensor *dw;
    nn_node *nd;
    if (!x || !gy || ctx->err.code) return NULL;
    shape[0] = g->o; shape[1] = cg; shape[2] = g->kh; shape[3] = g->kw;
    dw = nn__empty(ctx, "conv2d_grad_weight", 4, shape);
    if (!dw) return NULL;
    for (grp = 0; grp < g->groups; grp++) {
        nn_k_view a = batch_view(gy->data, g->o, og, grp, L), b = cols_view(g, &kg, x->data, grp, 1);
        if (direct_gw &&
            nn_k_conv_direct_gw(&kg, g->n, og, x->data + (size_t)grp * cg * hw, (size_t)g->c * hw, a.p,
                                (size_t)g->o * L, dw->data + (size_t)grp * og * K) == 0)
            continue;
        nn_k_gemm_over((size_t)og, K, (size_t)g->n * L, &a, &b, dw->data + (size_t)grp * og * K, K, 0, 0);
    }
    nd = nn__record(ctx, "conv2d_grad_weight", gw_backward, dw, 2, x, gy, NULL);
    if (nd) save_geom(nd, g);
    return ctx->err.code ? NULL : dw;
}

/* Reads the options into g (kernel size from the weight), or records an
 * error naming op and returns 0. */
static int read_opts(nn_ctx *ctx, const char *op, const nn_conv_opts *o, conv_geom *g, int *oph, int *opw)
{
    nn_conv_opts d;
    if (!o) {
        memset(&d, 0, sizeof d);
        o = &d;
    }
    g->sh = o->stride_h ? o->stride_h : (o->stride ? o->stride : 1);
    g->sw = o->stride_w ? o->stride_w : (o->stride ? o->stride : 1);
    g->ph = o->padding_h ? o->padding_h : o->padding;
    g->pw = o->padding_w ? o->padding_w : o->padding;
    g->dh = o->dilation_h ? o->dilation_h : (o->dilation ? o->dilation : 1);
    g->dw = o->dilation_w ? o->dilation_w : (o->dilation ? o->dilation : 1);
    g->groups = o->groups ? o->groups : 1;
    *oph = o->output_padding_h ? o->output_padding_h : o->output_padding;
    *opw = o->output_padding_w ? o->output_padding_w : o->output_padding;
    if (g->sh < 1 || g->sw < 1 || g->dh < 1 || g->dw < 1 || g->ph < 0 || g->pw < 0 || g->groups < 1 ||
        *oph < 0 || *opw < 0) {
        nn__fail(ctx, G99_EINVAL, "%s: stride %dx%d, padding %dx%d, dilation %dx%d, groups %d, "
                 "output_padding %dx%d (want stride, dilation, groups >= 1, paddings >= 0)", op,
                 g->sh, g->sw, g->ph, g->pw, g->dh, g->dw, g->groups, *oph, *opw);
        return 0;
    }
    return 1;
}

static int check_bias(nn_ctx *ctx, const char *op, const nn_tensor *b, int channels)
{
    char s1[64];
    if (!b) return 1;
    if (!nn__ok(ctx, op, "bias", b)) return 0;
    if (b->ndim != 1 || b->shape[0] != channels) {
        nn__fail(ctx, G99_EINVAL, "%s: bias %s for %d output channels", op, nn_shape_str(b, s1), channels);
        return 0;
    }
    return 1;
}

static nn_tensor *add_bias(nn_ctx *ctx, nn_tensor *y, nn_tensor *b)
{
    int shape[4];
    if (!b || !y) return y;
    shape[0] = 1; shape[1] = b->shape[0]; shape[2] = 1; shape[3] = 1;
    return nn_add(ctx, y, nn_reshape(ctx, b, 4, shape));
}

nn_tensor *nn_conv2d(nn_ctx *ctx, nn_tensor *x, nn_tensor *w, nn_tensor *b, const nn_conv_opts *o)
{
    conv_geom g;
    int oph, opw;
    long eh, ew;
    char s1[64], s2[64];
    if (!ctx || !nn__ok(ctx, "conv2d", "input", x) || !nn__ok(ctx, "conv2d", "weight", w)) return NULL;
    if (!read_opts(ctx, "conv2d", o, &g, &oph, &opw)) return NULL;
    nn_shape_str(x, s1);
    nn_shape_str(w, s2);
    if (x->ndim != 4 || w->ndim != 4)
        return (nn_tensor *)nn__fail(ctx, G99_EINVAL, "conv2d: input %s and weight %s must be 4-D", s1, s2);
    g.n = x->shape[0]; g.c = x->shape[1]; g.h = x->shape[2]; g.w = x->shape[3];
    g.o = w->shape[0]; g.kh = w->shape[2]; g.kw = w->shape[3];
    if (g.c % g.groups || g.o % g.groups)
        return (nn_tensor *)nn__fail(ctx, G99_EINVAL, "conv2d: input %s and weight %s: channels not divisible by groups %d",
                                     s1, s2, g.groups);
    if (w->shape[1] * g.groups != g.c)
        return (nn_tensor *)nn__fail(ctx, G99_EINVAL, "conv2d: input %s has %d channels, weight %s wants %d", s1,
                                     g.c, s2, w->shape[1] * g.groups);
    if (!check_bias(ctx, "conv2d", b, g.o)) return NULL;
    eh = (long)g.h + 2L * g.ph - (long)g.dh * (g.kh - 1) - 1;
    ew = (long)g.w + 2L * g.pw - (long)g.dw * (g.kw - 1) - 1;
    if (eh < 0 || ew < 0)
        return (nn_tensor *)nn__fail(ctx, G99_EINVAL, "conv2d: input %s with padding %dx%d is smaller than the "
                                     "dilated kernel of weight %s", s1, g.ph, g.pw, s2);
    g.ho = (int)(eh / g.sh + 1);
    g.wo = (int)(ew / g.sw + 1);
    return conv_f(ctx, &g, x, w, b);
}

nn_tensor *nn_conv_transpose2d(nn_ctx *ctx, nn_tensor *x, nn_tensor *w, nn_tensor *b, const nn_conv_opts *o)
{
    conv_geom g;
    int oph, opw;
    long ho, wo;
    char s1[64], s2[64];
    if (!ctx || !nn__ok(ctx, "conv_transpose2d", "input", x) || !nn__ok(ctx, "conv_transpose2d", "weight", w))
        return NULL;
    if (!read_opts(ctx, "conv_transpose2d", o, &g, &oph, &opw)) return NULL;
    nn_shape_str(x, s1);
    nn_shape_str(w, s2);
    if (x->ndim != 4 || w->ndim != 4)
        return (nn_tensor *)nn__fail(ctx, G99_EINVAL, "conv_transpose2d: input %s and weight %s must be 4-D", s1, s2);
    if (x->shape[1] != w->shape[0])
        return (nn_tensor *)nn__fail(ctx, G99_EINVAL, "conv_transpose2d: input %s has %d channels, weight %s wants %d",
                                     s1, x->shape[1], s2, w->shape[0]);
    if (x->shape[1] % g.groups)
        return (nn_tensor *)nn__fail(ctx, G99_EINVAL, "conv_transpose2d: input %s: channels not divisible by groups %d",
                                     s1, g.groups);
    /* PyTorch's rule: an output padding must be below the stride or the dilation. */
    if ((oph >= g.sh && oph >= g.dh) || (opw >= g.sw && opw >= g.dw))
        return (nn_tensor *)nn__fail(ctx, G99_EINVAL, "conv_transpose2d: output_padding %dx%d must be smaller than "
                                     "stride %dx%d or dilation %dx%d", oph, opw, g.sh, g.sw, g.dh, g.dw);
    /* the convolution that maps the output back to x */
    g.n = x->shape[0]; g.o = x->shape[1]; g.ho = x->shape[2]; g.wo = x->shape[3];
    g.c = w->shape[1] * g.groups; g.kh = w->shape[2]; g.kw = w->shape[3];
    if (!check_bias(ctx, "conv_transpose2d", b, g.c)) return NULL;
    ho = ((long)g.ho - 1) * g.sh - 2L * g.ph + (long)g.dh * (g.kh - 1) + oph + 1;
    wo = ((long)g.wo - 1) * g.sw - 2L * g.pw + (long)g.dw * (g.kw - 1) + opw + 1;
    if (ho < 1 || wo < 1 || ho > 1L << 24 || wo > 1L << 24)
        return (nn_tensor *)nn__fail(ctx, G99_EINVAL, "conv_transpose2d: input %s, weight %s, padding %dx%d give "
                                     "an output of %ldx%ld", s1, s2, g.ph, g.pw, ho, wo);
    g.h = (int)ho;
    g.w = (int)wo;
    return add_bias(ctx, conv_gx(ctx, &g, x, w, "conv_transpose2d"), b);
}
