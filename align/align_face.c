/* Face alignment on the eyes (doc/models.md §6, "eye-only variant"): find the
 * largest face with a Haar cascade, the two eyes in its upper part with the
 * eye cascade, and warp the photo with the similarity transform that puts
 * the eye centres at fixed places of the output, as FFHQ's alignment does
 * with dlib landmarks (NVlabs/ffhq-dataset). When the eyes cannot be found,
 * the face box stands in for them; when no face is found, nothing is made.
 *
 * Coordinates are continuous: pixel (i, j) covers [i, i+1) x [j, j+1), so a
 * box (x, y, w, h) has its centre at (x + w/2, y + h/2) and the eye target
 * 0.375 W is a fraction of the output's real width. img_warp_affine works
 * with pixel centres at integers, hence the half-pixel shifts below.
 *
 * The numbers of the eye search come from frontalface_default boxes on
 * faces whose eyes the eye cascade found (golden/tools/align_box_fractions.py
 * measures them with OpenCV on 100 faces of Labeled Faces in the Wild): eye
 * centres sit at (0.30, 0.39) and (0.67, 0.37) of the face box (medians of
 * 49 faces; spread 0.02 to 0.03), 0.37 (median) to 0.49 (the astronaut)
 * box widths apart. The fallback uses (0.30, 0.38) and (0.70, 0.38):
 * symmetric about the box centre, as a frontal face is. */
#include "align.h"

#include <math.h>
#include <stdlib.h>

/* Eyes are searched in the top 60% of the face box: the eye cascade also
 * fires on nostrils and mouth corners, which lie below 0.6 (so does the
 * whole lower half in OpenCV's face tutorial crops); 0.6 rather than 0.5
 * leaves room for the eye cascade's boxes, which are centred on the eye at
 * 0.38 and reach about 0.15 box heights below it. A box is kept only when
 * its centre is in the upper half. */
#define EYE_REGION_HEIGHT 0.6
#define EYE_CENTRE_MAX_Y 0.5
/* The eye cascade's boxes are about 0.3 face widths; 0.12..0.5 keeps the
 * scan short and skips specks and whole-face hits. */
#define EYE_MIN_SIZE 0.12
#define EYE_MAX_SIZE 0.5
/* The pair rule (align_pick_eyes). */
#define PAIR_MIN_DIST 0.25
#define PAIR_MAX_DIST 0.65
#define PAIR_TYPICAL_DIST 0.40
#define PAIR_MAX_SLOPE 0.5
/* Where the eyes are predicted from a face box alone. */
#define BOX_EYE_X_LEFT 0.30
#define BOX_EYE_X_RIGHT 0.70
#define BOX_EYE_Y 0.38
/* Output sizes are capped so that width * height stays far from int range. */
#define MAX_OUTPUT_SIDE 16384

void align_params_default(align_params *p)
{
    memset(p, 0, sizeof *p);
    p->width = 256;
    p->height = 256;
    p->eye_left[0] = 0.375;
    p->eye_left[1] = 0.4725;
    p->eye_right[0] = 0.625;
    p->eye_right[1] = 0.4725;
    haar_params_default(&p->face);
    haar_params_default(&p->eye);
    p->detect_max_side = 1024;
    p->border = IMG_BORDER_REFLECT_101;
    p->order = IMG_ORDER_RGB;
    p->refine_eyes = 1;
}

static int is_finite(double v) { return v - v == 0; }

static double clampd(double v, double lo, double hi) { return v < lo ? lo : v > hi ? hi : v; }

/* ---- the warp ------------------------------------------------------------ */

/* The output sees the photo through inv (output -> photo, continuous): the
 * bounding box of the image of the output rectangle, widened by pad and
 * clipped to the photo, as integer bounds. 0 when nothing is left. */
static int visible_region(const double inv[6], int ow, int oh, int sw, int sh, double pad, int r[4])
{
    double xs[4], ys[4], x0, x1, y0, y1;
    int i;
    for (i = 0; i < 4; i++) {
        double u = (i & 1) ? ow : 0, v = (i & 2) ? oh : 0;
        xs[i] = inv[0] * u + inv[1] * v + inv[2];
        ys[i] = inv[3] * u + inv[4] * v + inv[5];
    }
    x0 = x1 = xs[0];
    y0 = y1 = ys[0];
    for (i = 1; i < 4; i++) {
        x0 = xs[i] < x0 ? xs[i] : x0;
        x1 = xs[i] > x1 ? xs[i] : x1;
        y0 = ys[i] < y0 ? ys[i] : y0;
        y1 = ys[i] > y1 ? ys[i] : y1;
    }
    /* Clamped in double first, so the int conversions cannot overflow. */
    r[0] = (int)floor(clampd(x0 - pad, 0, sw));
    r[1] = (int)floor(clampd(y0 - pad, 0, sh));
    r[2] = (int)ceil(clampd(x1 + pad, 0, sw));
    r[3] = (int)ceil(clampd(y1 + pad, 0, sh));
    return r[2] > r[0] && r[3] > r[1];
}

int align_warp(const img_image *src, const double eyes[4], const align_params *p, img_image *out, double m[6],
               int *prefilter, g99_error *err)
{
    double q[4], inv[6], fwd[6], a[6], sx = 1, sy = 1, dp, dq, shrink;
    int k = 1, reg[4] = { 0, 0, 0, 0 }, i, rc;
    img_image crop, small;
    const img_image *from = src;
    img_warp_params wp;
    memset(out, 0, sizeof *out);
    if (!src || !src->data || src->depth != 8)
        return g99_fail(err, G99_EUNSUPPORTED, "align: the photo must be an 8-bit image");
    if (!p || p->width < 1 || p->height < 1 || p->width > MAX_OUTPUT_SIDE || p->height > MAX_OUTPUT_SIDE)
        return g99_fail(err, G99_EINVAL, "align: output size %dx%d outside 1..%d", p ? p->width : 0,
                        p ? p->height : 0, MAX_OUTPUT_SIDE);
    q[0] = p->eye_left[0] * p->width;
    q[1] = p->eye_left[1] * p->height;
    q[2] = p->eye_right[0] * p->width;
    q[3] = p->eye_right[1] * p->height;
    for (i = 0; i < 4; i++)
        if (!is_finite(eyes[i]) || !is_finite(q[i]))
            return g99_fail(err, G99_EINVAL, "align: eye position or target %d is not finite", i);
    if ((rc = img_similarity_from_points(q, eyes, inv, err)) != 0) {
        g99_error_prefix(err, "align: eye targets");
        return rc;
    }
    if ((rc = img_similarity_from_points(eyes, q, fwd, err)) != 0) {
        g99_error_prefix(err, "align: eye positions");
        return rc;
    }
    dp = sqrt((eyes[2] - eyes[0]) * (eyes[2] - eyes[0]) + (eyes[3] - eyes[1]) * (eyes[3] - eyes[1]));
    dq = sqrt((q[2] - q[0]) * (q[2] - q[0]) + (q[3] - q[1]) * (q[3] - q[1]));
    shrink = dp / dq;  /* photo pixels per output pixel */
    if (!is_finite(shrink))
        return g99_fail(err, G99_EINVAL, "align: eye positions %g apart, targets %g apart", dp, dq);
    /* Bilinear sampling reads 2x2 pixels per output pixel: past a 2x
     * reduction it skips photo pixels and aliases. Shrinking the visible
     * part by k = floor(shrink) with INTER_AREA (a k x k box average) first
     * leaves a reduction of 1..2x for the warp, as FFHQ shrinks before its
     * transform. The region is widened by 2k photo pixels so the bilinear
     * taps at the edge of the output still fall inside it. */
    if (shrink > 2 && visible_region(inv, p->width, p->height, src->width, src->height, 2.0 * floor(shrink), reg)) {
        int cw = reg[2] - reg[0], ch = reg[3] - reg[1], rw, rh;
        k = shrink < 65536 ? (int)floor(shrink) : 65536;
        rw = (cw + k / 2) / k;
        rh = (ch + k / 2) / k;
        rw = rw < 1 ? 1 : rw;
        rh = rh < 1 ? 1 : rh;
        if ((rc = img_crop(src, reg[0], reg[1], cw, ch, &crop, err)) != 0) return rc;
        rc = img_resize(&crop, rw, rh, IMG_INTER_AREA, &small, err);
        img_free(&crop);
        if (rc) return rc;
        /* The resized copy covers the region exactly: pixel edges scale
         * by cw/rw and ch/rh (close to k, not always equal to it). */
        sx = (double)cw / rw;
        sy = (double)ch / rh;
        from = &small;
    } else {
        reg[0] = reg[1] = 0;
    }
    /* Output (continuous) -> copy (continuous): a = D (inv - offset), with
     * D = diag(1/sx, 1/sy); then pixel-index coordinates on both sides:
     * r_idx = a (q_idx + 0.5) + b - 0.5. */
    a[0] = inv[0] / sx;
    a[1] = inv[1] / sx;
    a[2] = (inv[2] - reg[0]) / sx;
    a[3] = inv[3] / sy;
    a[4] = inv[4] / sy;
    a[5] = (inv[5] - reg[1]) / sy;
    /* img_warp_affine keeps source positions in 32-bit fixed point with 10
     * fraction bits: the output must map within +-2^19 pixels of the
     * copy, which any real alignment does by far. */
    for (i = 0; i < 4; i++) {
        double u = (i & 1) ? p->width : 0, v = (i & 2) ? p->height : 0;
        double x = a[0] * u + a[1] * v + a[2], y = a[3] * u + a[4] * v + a[5];
        if (!(x > -524288.0 && x < 524288.0 && y > -524288.0 && y < 524288.0)) {
            if (from == &small) img_free(&small);
            return g99_fail(err, G99_EINVAL,
                            "align: the eye positions map the output more than 2^19 pixels away from the photo");
        }
    }
    memset(&wp, 0, sizeof wp);
    wp.m[0] = a[0];
    wp.m[1] = a[1];
    wp.m[2] = a[2] + 0.5 * (a[0] + a[1]) - 0.5;
    wp.m[3] = a[3];
    wp.m[4] = a[4];
    wp.m[5] = a[5] + 0.5 * (a[3] + a[4]) - 0.5;
    wp.width = p->width;
    wp.height = p->height;
    wp.inverse_map = 1;
    wp.border = p->border;
    memcpy(wp.border_value, p->border_value, 4);
    rc = img_warp_affine(from, &wp, out, err);
    if (from == &small) img_free(&small);
    if (rc) return rc;
    if (m) memcpy(m, fwd, sizeof fwd);
    if (prefilter) *prefilter = k;
    return G99_OK;
}

/* ---- choosing the eyes --------------------------------------------------- */

int align_pick_eyes(const haar_box *face, const haar_box *eyes, int n, int *left, int *right)
{
    double fw = face->w, mid = face->x + 0.5 * face->w, ymax = face->y + EYE_CENTRE_MAX_Y * face->h;
    double best = 0;
    int i, j, found = 0;
    for (i = 0; i < n; i++) {
        double xi = eyes[i].x + 0.5 * eyes[i].w, yi = eyes[i].y + 0.5 * eyes[i].h;
        if (!(xi < mid) || !(yi < ymax)) continue;
        for (j = 0; j < n; j++) {
            double xj = eyes[j].x + 0.5 * eyes[j].w, yj = eyes[j].y + 0.5 * eyes[j].h;
            double dx = xj - xi, dy = yj - yi, d, score, wmax;
            if (!(xj > mid) || !(yj < ymax)) continue;
            d = sqrt(dx * dx + dy * dy);
            if (d < PAIR_MIN_DIST * fw || d > PAIR_MAX_DIST * fw || fabs(dy) > PAIR_MAX_SLOPE * dx) continue;
            wmax = eyes[i].w > eyes[j].w ? eyes[i].w : eyes[j].w;
            score = fabs(d - PAIR_TYPICAL_DIST * fw) / fw + fabs(dy) / dx + fabs(0.5 * (xi + xj) - mid) / fw +
                    fabs((double)(eyes[i].w - eyes[j].w)) / wmax;
            if (!found || score < best) {
                found = 1;
                best = score;
                *left = i;
                *right = j;
            }
        }
    }
    return found;
}

/* ---- the eye centre ------------------------------------------------------ */

/* The eye cascade's box holds the brow and the eye; its centre lies a pixel
 * or two off the pupil, which the output scale then magnifies. The iris is
 * the darkest iris-sized spot of the box below the brow: the d x d block
 * (d = a quarter of the box width, an iris diameter: 7 pixels in the
 * 28-pixel boxes of data/astronaut.jpg) of least sum whose centre lies in
 * [0.2, 0.8) x [0.35, 0.85) of the box (the brow sits above 0.3), the first
 * in row order on a tie. A parabola through the sums one pixel either side
 * puts the centre between pixels (at most half a pixel from the block's).
 * Sums come from a 32-bit integral image: a block sum is below 2^32 (d is
 * at most 4096) and
 * modular differences of a wrapped integral are exact, so the choice is
 * exact integer arithmetic. On the shipped photo this lands within 0.6
 * pixels of hand-measured iris centres where the box centres were 1 to 2
 * pixels off (tests/test_align.c). Returns 0 when the box is too close to the
 * image edge for the search (the box centre is then kept). */
static int refine_eye(const img_image *grey, const haar_box *b, double c[2], g99_error *err)
{
    int d = (int)floor(0.25 * b->w + 0.5), W = grey->width, H = grey->height;
    int rx0, ry0, rx1, ry1, rw, rh, x, y, cx, cy, found = 0, bx = 0, by = 0;
    uint32_t *ii, best = 0;
    if (d < 3) d = 3;
    if (d > 4096) return 0;  /* keeps 255 d^2 below 2^32 */
    /* Blocks, with their +-1 neighbours, stay inside [rx0, rx1) x [ry0, ry1). */
    rx0 = b->x + (int)floor(0.2 * b->w) - d / 2 - 1;
    ry0 = b->y + (int)floor(0.35 * b->h) - d / 2 - 1;
    rx1 = b->x + (int)floor(0.8 * b->w) - d / 2 + d + 1;
    ry1 = b->y + (int)floor(0.85 * b->h) - d / 2 + d + 1;
    if (rx0 < 0 || ry0 < 0 || rx1 > W || ry1 > H || rx1 - rx0 < d + 2 || ry1 - ry0 < d + 2) return 0;
    rw = rx1 - rx0;
    rh = ry1 - ry0;
    ii = (uint32_t *)calloc((size_t)(rw + 1) * (size_t)(rh + 1), sizeof *ii);
    if (!ii) return g99_fail(err, G99_ENOMEM, "align: out of memory");
    /* ii[(y) (rw+1) + x] = sum of the region's pixels above and left of (x, y). */
    for (y = 0; y < rh; y++) {
        const uint8_t *row = grey->data + (size_t)(ry0 + y) * W + rx0;
        uint32_t acc = 0;
        for (x = 0; x < rw; x++) {
            acc += row[x];
            ii[(size_t)(y + 1) * (rw + 1) + x + 1] = ii[(size_t)y * (rw + 1) + x + 1] + acc;
        }
    }
#define BLOCK(x0, y0)                                                                                  \
    (ii[(size_t)((y0) + d) * (rw + 1) + (x0) + d] - ii[(size_t)(y0) * (rw + 1) + (x0) + d] -          \
     ii[(size_t)((y0) + d) * (rw + 1) + (x0)] + ii[(size_t)(y0) * (rw + 1) + (x0)])
    for (cy = b->y + (int)floor(0.35 * b->h); cy < b->y + (int)floor(0.85 * b->h); cy++)
        for (cx = b->x + (int)floor(0.2 * b->w); cx < b->x + (int)floor(0.8 * b->w); cx++) {
            int x0 = cx - d / 2 - rx0, y0 = cy - d / 2 - ry0;
            uint32_t s = BLOCK(x0, y0);
            if (!found || s < best) {
                found = 1;
                best = s;
                bx = x0;
                by = y0;
            }
        }
    {
        /* Parabola vertex through (-1, l), (0, m), (1, r): (l - r) / (2 (l - 2m + r)). */
        double m = best, l = BLOCK(bx - 1, by), r = BLOCK(bx + 1, by);
        double u = BLOCK(bx, by - 1), n = BLOCK(bx, by + 1), ox = 0, oy = 0;
        if (l - 2 * m + r > 0) ox = clampd(0.5 * (l - r) / (l - 2 * m + r), -0.5, 0.5);
        if (u - 2 * m + n > 0) oy = clampd(0.5 * (u - n) / (u - 2 * m + n), -0.5, 0.5);
        c[0] = rx0 + bx + 0.5 * d + ox;
        c[1] = ry0 + by + 0.5 * d + oy;
    }
#undef BLOCK
    free(ii);
    return found;
}

/* ---- the whole alignment ------------------------------------------------- */

/* Faces on grey, shrunk first when it is larger than max_side (so a 12
 * megapixel photo is searched at about 1 megapixel: the face box only has
 * to find the eyes, which are searched at full resolution); boxes are
 * returned in grey's coordinates. */
static int find_faces(const haar_cascade *c, const img_image *grey, const haar_params *hp, int max_side,
                      haar_box **boxes, int *n, g99_error *err)
{
    int side = grey->width > grey->height ? grey->width : grey->height, i, rc, sw, sh;
    haar_params sp = *hp;
    img_image small;
    double fx, fy;
    if (max_side <= 0 || side <= max_side) return haar_detect_multiscale(c, grey, hp, boxes, n, err);
    fx = (double)max_side / side;
    sw = (int)(grey->width * fx + 0.5);
    sh = (int)(grey->height * fx + 0.5);
    rc = img_resize(grey, sw > 0 ? sw : 1, sh > 0 ? sh : 1, IMG_INTER_AREA, &small, err);
    if (rc) return rc;
    /* The size limits are in photo pixels: scaled to the copy. */
    sp.min_w = (int)(hp->min_w * fx);
    sp.min_h = (int)(hp->min_h * fx);
    sp.max_w = (int)(hp->max_w * fx + 0.5);
    sp.max_h = (int)(hp->max_h * fx + 0.5);
    if (hp->max_w > 0 && hp->max_h > 0 && (sp.max_w < 1 || sp.max_h < 1)) sp.max_w = sp.max_h = 1;
    rc = haar_detect_multiscale(c, &small, &sp, boxes, n, err);
    fx = (double)grey->width / small.width;
    fy = (double)grey->height / small.height;
    img_free(&small);
    if (rc) return rc;
    for (i = 0; i < *n; i++) {
        haar_box *b = &(*boxes)[i];
        int x1 = (int)floor((b->x + b->w) * fx + 0.5), y1 = (int)floor((b->y + b->h) * fy + 0.5);
        b->x = (int)floor(b->x * fx + 0.5);
        b->y = (int)floor(b->y * fy + 0.5);
        b->w = x1 - b->x;
        b->h = y1 - b->y;
    }
    return G99_OK;
}

/* Eye candidates in the top EYE_REGION_HEIGHT of the face, in photo
 * coordinates. */
static int find_eyes(const haar_cascade *c, const img_image *grey, const haar_box *face, const haar_params *hp,
                     haar_box **boxes, int *n, g99_error *err)
{
    img_image roi;
    haar_params ep = *hp;
    int rh = (int)floor(EYE_REGION_HEIGHT * face->h + 0.5), i, rc;
    ep.min_w = ep.min_h = (int)floor(EYE_MIN_SIZE * face->w + 0.5);
    ep.max_w = ep.max_h = (int)floor(EYE_MAX_SIZE * face->w + 0.5);
    if (ep.max_w < 1) ep.max_w = ep.max_h = 1;
    if (rh < 1) rh = 1;
    if ((rc = img_crop(grey, face->x, face->y, face->w, rh, &roi, err)) != 0) return rc;
    rc = haar_detect_multiscale(c, &roi, &ep, boxes, n, err);
    img_free(&roi);
    if (rc) return rc;
    for (i = 0; i < *n; i++) {
        (*boxes)[i].x += face->x;
        (*boxes)[i].y += face->y;
    }
    return G99_OK;
}

int align_face(const haar_cascade *face_cascade, const haar_cascade *eye_cascade, const img_image *src,
               const align_params *p, img_image *out, align_result *res, g99_error *err)
{
    img_image grey;
    haar_box *faces = NULL, *eyes = NULL;
    double pos[4];
    int nf = 0, ne = 0, i, best = 0, l, r, rc;
    memset(out, 0, sizeof *out);
    memset(res, 0, sizeof *res);
    res->prefilter = 1;
    if (!face_cascade || !eye_cascade || !p) return g99_fail(err, G99_EINVAL, "align: no cascade or no parameters");
    if (!src || !src->data || src->depth != 8)
        return g99_fail(err, G99_EUNSUPPORTED, "align: the photo must be an 8-bit image");
    if ((rc = img_grey(src, p->order, &grey, err)) != 0) return rc;
    rc = find_faces(face_cascade, &grey, &p->face, p->detect_max_side, &faces, &nf, err);
    if (rc) {
        img_free(&grey);
        return rc;
    }
    res->faces = nf;
    if (nf == 0) {
        img_free(&grey);
        res->status = ALIGN_NO_FACE;
        res->reason = "no face found";
        return G99_OK;
    }
    /* The largest face; the first in OpenCV's order on a tie. */
    for (i = 1; i < nf; i++)
        if ((long)faces[i].w * faces[i].h > (long)faces[best].w * faces[best].h) best = i;
    res->face = faces[best];
    free(faces);
    rc = find_eyes(eye_cascade, &grey, &res->face, &p->eye, &eyes, &ne, err);
    if (rc) {
        img_free(&grey);
        return rc;
    }
    res->eyes = ne;
    if (align_pick_eyes(&res->face, eyes, ne, &l, &r)) {
        res->status = ALIGN_EYES;
        res->eye_box[0] = eyes[l];
        res->eye_box[1] = eyes[r];
        for (i = 0; i < 2; i++) {
            const haar_box *b = &res->eye_box[i];
            pos[2 * i] = b->x + 0.5 * b->w;
            pos[2 * i + 1] = b->y + 0.5 * b->h;
            if (p->refine_eyes && (rc = refine_eye(&grey, b, pos + 2 * i, err)) < 0) {
                img_free(&grey);
                free(eyes);
                return rc;
            }
        }
    } else {
        const haar_box *f = &res->face;
        res->status = ALIGN_FACE_BOX;
        res->reason = ne == 0 ? "no eye found" : ne == 1 ? "one eye found" : "no plausible eye pair";
        pos[0] = f->x + BOX_EYE_X_LEFT * f->w;
        pos[1] = f->y + BOX_EYE_Y * f->h;
        pos[2] = f->x + BOX_EYE_X_RIGHT * f->w;
        pos[3] = pos[1];
    }
    free(eyes);
    img_free(&grey);
    res->eye_left[0] = pos[0];
    res->eye_left[1] = pos[1];
    res->eye_right[0] = pos[2];
    res->eye_right[1] = pos[3];
    return align_warp(src, pos, p, out, res->m, &res->prefilter, err);
}
