/* Multi-scale Haar detection as OpenCV 4.6's
 * CascadeClassifier::detectMultiScale runs it on one thread
 * (doc/haar.md §3-§8, §10): the list of scales, the image resized per scale
 * with INTER_LINEAR_EXACT, integral images, the window scan with OpenCV's
 * stripe and skip rules, variance normalisation, stump or tree stages, and
 * the candidates mapped back with the nominal float scale.
 *
 * Float and double are used exactly where OpenCV uses them; every such
 * place says so. Rounding is cvRound: half to even, lrint/lrintf in the
 * default rounding mode. */
#include "align_private.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void haar_params_default(haar_params *p)
{
    p->scale_factor = 1.1;
    p->min_neighbors = 3;
    p->min_w = p->min_h = 0;
    p->max_w = p->max_h = 0;
}

/* ---- the scales (§3) ---- */

typedef struct scale_list {
    float *s;
    int n, cap;
} scale_list;

static int scales_push(scale_list *l, float s)
{
    if (l->n == l->cap) {
        int cap = l->cap ? l->cap * 2 : 32;
        float *p = (float *)realloc(l->s, (size_t)cap * sizeof *p);
        if (!p) return -1;
        l->s = p;
        l->cap = cap;
    }
    l->s[l->n++] = s;
    return 0;
}

/* How many pyramid levels a factor gives: the loop of compute_scales,
 * counting, stopped once past `stop`. */
static long count_levels(const haar_cascade *c, int img_w, int img_h, double scale_factor, long stop)
{
    long n = 0;
    double factor;
    for (factor = 1; n <= stop; factor *= scale_factor) {
        double fw = (double)c->width * factor, fh = (double)c->height * factor;
        if (fw > 2147483647.0 || fh > 2147483647.0) break;
        if (lrint(fw) > img_w || lrint(fh) > img_h) break;
        n++;
    }
    return n;
}

/* A factor a hair above 1 makes millions of levels and runs for hours:
 * refused with the smallest factor (in steps of 1e-6) that keeps the
 * pyramid within HAAR_MAX_LEVELS for this image. */
static int check_levels(const haar_cascade *c, int img_w, int img_h, double scale_factor, g99_error *err)
{
    double ratio, f;
    long n;
    if (img_w < c->width || img_h < c->height) return G99_OK;
    if (count_levels(c, img_w, img_h, scale_factor, HAAR_MAX_LEVELS) <= HAAR_MAX_LEVELS) return G99_OK;
    /* The levels run while W * f^k stays within the image, so f^(L-1) = ratio. */
    ratio = (double)img_w / c->width < (double)img_h / c->height ? (double)img_w / c->width
                                                                  : (double)img_h / c->height;
    f = ceil(exp(log(ratio) / (HAAR_MAX_LEVELS - 1)) * 1e6) / 1e6;
    while ((n = count_levels(c, img_w, img_h, f, HAAR_MAX_LEVELS)) > HAAR_MAX_LEVELS) f += 1e-6;
    return g99_fail(err, G99_ELIMIT,
                    "haar detection: scale factor %.9g makes more than %d pyramid levels for a %dx%d image and a "
                    "%dx%d window; the smallest factor within the limit is %.6f",
                    scale_factor, HAAR_MAX_LEVELS, img_w, img_h, c->width, c->height, f);
}

/* The factor grows by repeated multiplication in double (pow() could
 * differ in the last bit); each fitting factor is kept as a float. Then
 * maxSize ends the list and minSize skips, on cvRound(float W * s).
 * check_levels has bounded the list. */
static int compute_scales(const haar_cascade *c, int img_w, int img_h, const haar_params *p, scale_list *out)
{
    scale_list all = { NULL, 0, 0 };
    double factor;
    int i, max_w = p->max_w, max_h = p->max_h;
    if (max_w == 0 || max_h == 0) {
        max_w = img_w;
        max_h = img_h;
    }
    out->n = 0;
    if (img_w < c->width || img_h < c->height) return 0;
    for (factor = 1;; factor *= p->scale_factor) {
        double fw = (double)c->width * factor, fh = (double)c->height * factor;
        if (fw > 2147483647.0 || fh > 2147483647.0) break;
        if (lrint(fw) > img_w || lrint(fh) > img_h) break;
        if (scales_push(&all, (float)factor)) goto nomem;
    }
    for (i = 0; i < all.n; i++) {
        long ww = lrintf((float)c->width * all.s[i]), wh = lrintf((float)c->height * all.s[i]);
        if (ww > max_w || wh > max_h) break;
        if (ww < p->min_w || wh < p->min_h) continue;
        if (scales_push(out, all.s[i])) goto nomem;
    }
    if (out->n == 0 && all.n > 0) {
        /* No scale between minSize and maxSize: the one nearest to minSize. */
        int best = 0;
        double best_d = 0;
        for (i = 0; i < all.n; i++) {
            double dw = (double)p->min_w - (double)lrintf((float)c->width * all.s[i]);
            double dh = (double)p->min_h - (double)lrintf((float)c->height * all.s[i]);
            double d = dw * dw + dh * dh;
            if (i == 0 || best_d > d) {
                best = i;
                best_d = d;
            }
        }
        if (scales_push(out, all.s[best])) goto nomem;
    }
    free(all.s);
    return 0;
nomem:
    free(all.s);
    return -1;
}

/* ---- integral images (§5) ---- */

/* sum and sqsum are (h+1) x (w+1) with a zero first row and column. Both are
 * uint32_t: OpenCV's int32 squared sum wraps on any realistic image, and
 * unsigned arithmetic makes that wrap defined; a window's difference is
 * still exact because its true value is below 2^32. */
static void integrals(const uint8_t *img, int w, int h, uint32_t *sum, uint32_t *sq)
{
    int x, y, stride = w + 1;
    memset(sum, 0, (size_t)stride * sizeof *sum);
    memset(sq, 0, (size_t)stride * sizeof *sq);
    for (y = 0; y < h; y++) {
        const uint8_t *row = img + (size_t)y * w;
        uint32_t *s = sum + (size_t)(y + 1) * stride, *q = sq + (size_t)(y + 1) * stride;
        const uint32_t *sp = s - stride, *qp = q - stride;
        uint32_t rs = 0, rq = 0;
        s[0] = q[0] = 0;
        for (x = 0; x < w; x++) {
            uint32_t v = row[x];
            rs += v;
            rq += v * v;
            s[x + 1] = sp[x + 1] + rs;
            q[x + 1] = qp[x + 1] + rq;
        }
    }
}

/* The 45-degree integral: T(X,Y) is the sum of the pixels (x, y) with y < Y
 * and |x - (X-1)| <= Y-1-y, i.e. the upward triangle whose lowest pixel is
 * (X-1, Y-1), pixels outside the image counting 0. The recurrence
 *   T(X,Y) = T(X-1,Y-1) + T(X+1,Y-1) - T(X,Y-2) + I(X-1,Y-1) + I(X-1,Y-2)
 * needs T one column beyond each side; those triangles hold exactly the
 * image pixels of T(0,Y-2) and T(w,Y-2) (their extra row lies outside), so
 * the first and last columns simplify to
 *   T(0,Y) = T(1,Y-1)   and   T(w,Y) = T(w-1,Y-1) + I(w-1,Y-1) + I(w-1,Y-2). */
static void tilted_integral(const uint8_t *img, int w, int h, uint32_t *t)
{
    int x, y, stride = w + 1;
    memset(t, 0, (size_t)stride * sizeof *t);
    for (y = 1; y <= h; y++) {
        uint32_t *r = t + (size_t)y * stride;
        const uint32_t *r1 = r - stride, *r2 = y >= 2 ? r - 2 * stride : NULL;
        const uint8_t *i1 = img + (size_t)(y - 1) * w, *i2 = y >= 2 ? img + (size_t)(y - 2) * w : NULL;
        r[0] = r1[1];
        for (x = 1; x < w; x++)
            r[x] = r1[x - 1] + r1[x + 1] - (r2 ? r2[x] : 0) + i1[x - 1] + (i2 ? i2[x - 1] : 0);
        r[w] = r1[w - 1] + i1[w - 1] + (i2 ? i2[w - 1] : 0);
    }
}

/* ---- one window (§7) ---- */

/* A node with its feature's corner offsets for the current integral stride
 * (OpenCV's OptFeature, copied into each node so the evaluation walks one
 * array): rect k is b[o[k][0]] - b[o[k][1]] - b[o[k][2]] + b[o[k][3]], b
 * being the window's origin in the sum (upright) or the tilted integral.
 * Every such sum is of non-negative pixels and below 2^31, so the uint32
 * difference (modulo 2^32, like OpenCV's wrapping int) is the value itself. */
typedef struct opt_node {
    int o[3][4];
    float weight[3];
    float threshold;
    int left, right;
    int tilted;
    const uint32_t *ii;   /* the integral the offsets are into: sum or tilted */
    float leaf[2];        /* stump cascades: the leaves of tree i = node i (left, right) */
} opt_node;

typedef struct scan_state {
    const haar_cascade *c;
    opt_node *nodes;
    const uint32_t *sum, *sq, *tilt;
    int stride;
    int norm[4];    /* corners of the normalisation rect (1, 1, W-2, H-2) */
    double area;    /* (W-2)*(H-2) */
} scan_state;

static void opt_nodes(scan_state *st)
{
    const haar_cascade *c = st->c;
    int i, k, s = st->stride;
    for (i = 0; i < c->nnodes; i++) {
        const haar_feature *f = &c->features[c->nodes[i].feature];
        opt_node *o = &st->nodes[i];
        o->threshold = c->nodes[i].threshold;
        o->left = c->nodes[i].left;
        o->right = c->nodes[i].right;
        o->tilted = f->tilted;
        o->ii = f->tilted ? st->tilt : st->sum;
        if (c->stump && i < c->ntrees) {
            o->leaf[0] = c->leaves[2 * i];
            o->leaf[1] = c->leaves[2 * i + 1];
        }
        for (k = 0; k < 3; k++) {
            const haar_rect *r = &f->rects[k];
            o->weight[k] = r->weight;
            if (!f->tilted) {
                o->o[k][0] = r->y * s + r->x;
                o->o[k][1] = r->y * s + r->x + r->w;
                o->o[k][2] = (r->y + r->h) * s + r->x;
                o->o[k][3] = (r->y + r->h) * s + r->x + r->w;
            } else {
                /* CV_TILTED_OFS: (x,y), (x-h,y+h), (x+w,y+w), (x+w-h,y+w+h). */
                o->o[k][0] = r->y * s + r->x;
                o->o[k][1] = (r->y + r->h) * s + r->x - r->h;
                o->o[k][2] = (r->y + r->w) * s + r->x + r->w;
                o->o[k][3] = (r->y + r->w + r->h) * s + r->x + r->w - r->h;
            }
        }
    }
    st->norm[0] = 1 * s + 1;
    st->norm[1] = 1 * s + 1 + (c->width - 2);
    st->norm[2] = (1 + c->height - 2) * s + 1;
    st->norm[3] = (1 + c->height - 2) * s + 1 + (c->width - 2);
}

/* fl32(fl32(w0*R0 + w1*R1 [+ w2*R2]) * vnf): every step in binary32, as
 * OpenCV's float arithmetic. The casts force float rounding even where a
 * compiler evaluates float expressions wider. */
static inline float feature_value(const opt_node *o, size_t ofs, float vnf)
{
    const uint32_t *b = o->ii + ofs;
    float r0 = (float)(b[o->o[0][0]] - b[o->o[0][1]] - b[o->o[0][2]] + b[o->o[0][3]]);
    float r1 = (float)(b[o->o[1][0]] - b[o->o[1][1]] - b[o->o[1][2]] + b[o->o[1][3]]);
    float ret = (float)((float)(o->weight[0] * r0) + (float)(o->weight[1] * r1));
    if (o->weight[2] != 0.0f) {
        float r2 = (float)(b[o->o[2][0]] - b[o->o[2][1]] - b[o->o[2][2]] + b[o->o[2][3]]);
        ret = (float)(ret + (float)(o->weight[2] * r2));
    }
    return (float)(ret * vnf);
}

/* runAt: 1 accepted, 0 rejected by stage 0, -i rejected by stage i, and -1
 * also for a window whose standard deviation is about 10 or less. */
static int run_at(const scan_state *st, size_t ofs)
{
    const haar_cascade *c = st->c;
    const uint32_t *s = st->sum + ofs, *q = st->sq + ofs;
    uint32_t vs = s[st->norm[0]] - s[st->norm[1]] - s[st->norm[2]] + s[st->norm[3]];
    uint32_t vq = q[st->norm[0]] - q[st->norm[1]] - q[st->norm[2]] + q[st->norm[3]];
    double nf = st->area * (double)vq - (double)vs * (double)vs;  /* exact in double */
    float vnf;
    int si, ti;
    if (!(nf > 0)) return -1;
    vnf = (float)(1.0 / sqrt(nf));
    if (!(st->area * (double)vnf < 0.1)) return -1;
    for (si = 0; si < c->nstages; si++) {
        const haar_stage *stage = &c->stages[si];
        int end = stage->first_tree + stage->tree_count;
        double acc = 0;  /* float leaves summed in double, in file order */
        if (c->stump) {
            /* tree ti is node ti with leaves 2ti and 2ti+1; left/right unused */
            for (ti = stage->first_tree; ti < end; ti++) {
                const opt_node *n = &st->nodes[ti];
                acc += n->leaf[feature_value(n, ofs, vnf) < n->threshold ? 0 : 1];
            }
        } else {
            for (ti = stage->first_tree; ti < end; ti++) {
                const haar_tree *t = &c->trees[ti];
                int idx = 0;
                do {
                    const opt_node *n = &st->nodes[t->first_node + idx];
                    idx = feature_value(n, ofs, vnf) < n->threshold ? n->left : n->right;
                } while (idx > 0);
                acc += c->leaves[t->first_leaf - idx];
            }
        }
        if (acc < (double)stage->threshold) return -si;
    }
    return 1;
}

/* ---- the scan (§4, §6, §8) ---- */

typedef struct box_list {
    haar_box *b;
    int n, cap;
} box_list;

static int boxes_push(box_list *l, int x, int y, int w, int h)
{
    if (l->n == l->cap) {
        int cap = l->cap ? l->cap * 2 : 64;
        haar_box *p;
        if (l->cap > 0x3FFFFFFF / 2) return -1;
        p = (haar_box *)realloc(l->b, (size_t)cap * sizeof *p);
        if (!p) return -1;
        l->b = p;
        l->cap = cap;
    }
    l->b[l->n].x = x;
    l->b[l->n].y = y;
    l->b[l->n].w = w;
    l->b[l->n].h = h;
    l->n++;
    return 0;
}

static int check_args(const haar_cascade *c, const img_image *grey, const haar_params *p, g99_error *err)
{
    if (!c || !grey || !p || !grey->data) return g99_fail(err, G99_EINVAL, "haar detection: missing argument");
    if (grey->channels != 1 || grey->depth != 8)
        return g99_fail(err, G99_EINVAL, "haar detection: a 1-channel 8-bit image is needed, not %d channels of %d bits",
                        grey->channels, grey->depth);
    if (!(p->scale_factor > 1.0) || !(p->scale_factor <= 1e6))
        return g99_fail(err, G99_EINVAL, "haar detection: scale factor %g is not above 1", p->scale_factor);
    if (p->min_w < 0 || p->min_h < 0 || p->max_w < 0 || p->max_h < 0)
        return g99_fail(err, G99_EINVAL, "haar detection: negative minimum or maximum size");
    return 0;
}

int haar_detect_candidates(const haar_cascade *c, const img_image *grey, const haar_params *p, haar_box **boxes,
                           int *count, g99_error *err)
{
    scale_list scales = { NULL, 0, 0 };
    box_list out = { NULL, 0, 0 };
    scan_state st;
    uint32_t *buf = NULL;
    int k, rc, nstripes = 0, W, H;
    size_t cells, bytes;
    *boxes = NULL;
    *count = 0;
    if ((rc = check_args(c, grey, p, err))) return rc;
    W = c->width;
    H = c->height;
    if ((rc = check_levels(c, grey->width, grey->height, p->scale_factor, err)) != 0) return rc;
    if (compute_scales(c, grey->width, grey->height, p, &scales))
        return g99_fail(err, G99_ENOMEM, "haar detection: out of memory for the scales");
    if (scales.n == 0) {
        free(scales.s);
        return 0;
    }
    /* Integrals for the largest scaled image, reused by the smaller ones. */
    if (g99_size_mul((size_t)grey->width + 1, (size_t)grey->height + 1, &cells) ||
        g99_size_mul(cells, (c->has_tilted ? 3 : 2) * sizeof(uint32_t), &bytes) ||
        !(buf = (uint32_t *)malloc(bytes)) ||
        !(st.nodes = (opt_node *)malloc((size_t)(c->nnodes ? c->nnodes : 1) * sizeof *st.nodes))) {
        free(buf);
        free(scales.s);
        return g99_fail(err, G99_ENOMEM, "haar detection: out of memory for the integral images of %dx%d",
                        grey->width, grey->height);
    }
    st.c = c;
    st.sum = buf;
    st.sq = buf + cells;
    st.tilt = c->has_tilted ? buf + 2 * cells : NULL;
    st.area = (double)((int64_t)(W - 2) * (H - 2));
    for (k = 0; k < scales.n; k++) {
        float s = scales.s[k];
        int szw = (int)lrintf((float)grey->width / s), szh = (int)lrintf((float)grey->height / s);
        int ystep = s >= 2.0f ? 1 : 2;
        int wk_w = szw + 1 - W > 0 ? szw + 1 - W : 0, wk_h = szh + 1 - H > 0 ? szh + 1 - H : 0;
        int stripe, y_end, x, y;
        long win_w = lrintf((float)W * s), win_h = lrintf((float)H * s);
        img_image small = { 0, 0, 0, 0, NULL };
        const uint8_t *pix = grey->data;
        /* OpenCV splits the rows into nstripes stripes of `stripe` rows, with
         * nstripes taken from the FIRST scale's working width; the stripes
         * can end before the last row (the stripe quirk, §6). */
        if (k == 0) nstripes = (wk_w + 31) / 32;
        if (nstripes == 0) break;
        stripe = (wk_h / ystep + nstripes - 1) / nstripes;
        stripe = (stripe > 1 ? stripe : 1) * ystep;
        y_end = (int64_t)nstripes * stripe < wk_h ? nstripes * stripe : wk_h;
        if (szw != grey->width || szh != grey->height) {
            rc = img_resize(grey, szw, szh, IMG_INTER_LINEAR_EXACT, &small, err);
            if (rc) break;
            pix = small.data;
        }
        integrals(pix, szw, szh, buf, buf + cells);
        if (c->has_tilted) tilted_integral(pix, szw, szh, buf + 2 * cells);
        img_free(&small);
        st.stride = szw + 1;
        opt_nodes(&st);
        for (y = 0; y < y_end && !rc; y += ystep) {
            for (x = 0; x < wk_w; x += ystep) {
                int r = run_at(&st, (size_t)y * st.stride + (size_t)x);
                if (r > 0 && boxes_push(&out, (int)lrintf((float)x * s), (int)lrintf((float)y * s), (int)win_w,
                                        (int)win_h)) {
                    rc = g99_fail(err, G99_ENOMEM, "haar detection: out of memory for the candidates");
                    break;
                }
                if (r == 0) x += ystep;  /* rejected by stage 0: skip one more position */
            }
        }
        if (rc) break;
    }
    free(st.nodes);
    free(buf);
    free(scales.s);
    if (rc) {
        free(out.b);
        return rc;
    }
    *boxes = out.b;
    *count = out.n;
    return 0;
}

int haar_detect_multiscale(const haar_cascade *c, const img_image *grey, const haar_params *p, haar_box **boxes,
                           int *count, g99_error *err)
{
    int rc = haar_detect_candidates(c, grey, p, boxes, count, err);
    if (!rc) rc = haar_group_rectangles(*boxes, count, p->min_neighbors, 0.2, NULL, err);
    if (rc) {
        free(*boxes);
        *boxes = NULL;
        *count = 0;
        return rc;
    }
    haar_clip_boxes(*boxes, count, grey->width, grey->height);
    if (*count == 0) {
        free(*boxes);
        *boxes = NULL;
    }
    return 0;
}
