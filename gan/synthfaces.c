/* gan: synthetic faces, drawn procedurally from a seed, so
 * that demos and tests of alignment, DCGAN, pix2pix and SPADE have data
 * that ships with the project.
 *
 * Face i of a seed takes its parameters from nn_rng(seed,
 * GAN_STREAM_SYNTHFACES) seeked to i * 2^16 (so faces are independent of
 * each other and of how many are drawn): skin tone, face shape, hair style
 * and colour, eye size, spacing and colour, brows, nose, mouth and smile,
 * background colours, clothes, and a small pose jitter (rotation, shift,
 * scale). The scene is rasterized with plain C at SS x the output size, in
 * painter's order (background, clothes, hair behind, neck, ears, face,
 * nose, mouth, eyes, brows, fringe), each shape an implicit ellipse or
 * polygon test per sample, then area-averaged down to the output size.
 * Each output pixel's label is the part drawn last at the centre sample of
 * its block. Only + - * / (and a float-to-int cast, exact) touch the
 * pixels (rotation uses nn_sinf / nn_cosf once per face), so every
 * platform draws the same bytes. The cartoon style (GAN_FACE_TOON, its
 * own section below) draws the same person with its own shapes.
 *
 * Coordinates: the face frame has x right, y down, the image spanning
 * [-1, 1] on both axes before the pose; eye centres are returned in output
 * pixels, pixel (i, j) covering [i, i+1) x [j, j+1). */
#include "gan.h"

#include <stdlib.h>

#define SS_TARGET 128   /* render at least this many samples across */

typedef struct rgb { float r, g, b; } rgb;

typedef struct face_params {
    float angle, sx, sy, scale;          /* pose */
    rgb bg_top, bg_bottom, skin, hair, iris, lips, clothes;
    float face_rx, face_ry, face_cy, jaw;
    int hair_style;                      /* 0 short, 1 long, 2 bald-ish, 3 bob */
    float hairline, fringe_tilt;
    float eye_dx, eye_y, eye_rx, eye_ry, iris_r;
    float brow_dy, brow_tilt, brow_thick;
    float nose_len, nose_w;
    float mouth_y, mouth_rx, mouth_ry, smile;
    float light;                         /* light from the left (-) or right (+) */
} face_params;

static float uni(nn_rng *r, float lo, float hi)
{
    return lo + (hi - lo) * nn_rng_uniform(r);
}

static rgb mix(rgb a, rgb b, float t)
{
    rgb c;
    c.r = a.r + (b.r - a.r) * t;
    c.g = a.g + (b.g - a.g) * t;
    c.b = a.b + (b.b - a.b) * t;
    return c;
}

static rgb shade(rgb a, float k)
{
    rgb c;
    c.r = a.r * k;
    c.g = a.g * k;
    c.b = a.b * k;
    return c;
}

static rgb make_rgb(float r, float g, float b)
{
    rgb c;
    c.r = r;
    c.g = g;
    c.b = b;
    return c;
}

/* Skin tones from light to dark; a face picks a point between two. */
static const float skin_tones[6][3] = {
    { 0.98f, 0.85f, 0.75f }, { 0.93f, 0.76f, 0.62f }, { 0.85f, 0.65f, 0.50f },
    { 0.72f, 0.52f, 0.38f }, { 0.55f, 0.38f, 0.27f }, { 0.38f, 0.26f, 0.19f },
};
static const float hair_colours[6][3] = {
    { 0.08f, 0.06f, 0.05f }, { 0.25f, 0.16f, 0.09f }, { 0.45f, 0.30f, 0.16f },
    { 0.80f, 0.65f, 0.38f }, { 0.55f, 0.22f, 0.10f }, { 0.70f, 0.70f, 0.70f },
};
static const float iris_colours[4][3] = {
    { 0.30f, 0.18f, 0.08f }, { 0.25f, 0.45f, 0.70f }, { 0.30f, 0.50f, 0.30f }, { 0.12f, 0.08f, 0.05f },
};

static rgb table(const float t[][3], int i)
{
    return make_rgb(t[i][0], t[i][1], t[i][2]);
}

/* A colour of three draws in [lo, hi), drawn blue first, then green, then
 * red. The order is spelled out because C leaves the order in which a
 * call's arguments are evaluated open: make_rgb(uni(), uni(), uni()) gave
 * gcc's faces (blue first) but other faces under clang and tcc. */
static rgb uni_rgb(nn_rng *r, float lo, float hi)
{
    float b = uni(r, lo, hi), g = uni(r, lo, hi), red = uni(r, lo, hi);
    return make_rgb(red, g, b);
}

static void draw_params(nn_rng *r, face_params *f)
{
    int k;
    f->angle = uni(r, -0.12f, 0.12f);
    f->sx = uni(r, -0.06f, 0.06f);
    f->sy = uni(r, -0.05f, 0.05f);
    f->scale = uni(r, 1.12f, 1.28f);
    f->bg_top = uni_rgb(r, 0.2f, 0.9f);
    f->bg_bottom = shade(f->bg_top, uni(r, 0.55f, 0.9f));
    k = (int)nn_rng_below(r, 5);
    f->skin = mix(table(skin_tones, k), table(skin_tones, k + 1), nn_rng_uniform(r));
    k = (int)nn_rng_below(r, 6);
    f->hair = shade(table(hair_colours, k), uni(r, 0.85f, 1.1f));
    f->iris = table(iris_colours, (int)nn_rng_below(r, 4));
    f->lips = mix(f->skin, make_rgb(0.70f, 0.25f, 0.25f), uni(r, 0.35f, 0.6f));
    f->clothes = uni_rgb(r, 0.05f, 0.8f);
    f->face_rx = uni(r, 0.38f, 0.46f);
    f->face_ry = uni(r, 0.52f, 0.60f);
    f->face_cy = uni(r, 0.02f, 0.08f);
    f->jaw = uni(r, 0.0f, 0.25f);
    {
        /* short hair 3 in 8, long 2 in 8, a bob 2 in 8, bald 1 in 8 */
        static const int styles[8] = { 0, 0, 0, 1, 1, 3, 3, 2 };
        f->hair_style = styles[nn_rng_below(r, 8)];
    }
    f->hairline = uni(r, -0.36f, -0.22f);
    f->fringe_tilt = uni(r, -0.15f, 0.15f);
    f->eye_dx = uni(r, 0.15f, 0.20f);
    f->eye_y = uni(r, -0.05f, 0.03f);
    f->eye_rx = uni(r, 0.075f, 0.095f);
    f->eye_ry = uni(r, 0.035f, 0.05f);
    f->iris_r = uni(r, 0.028f, 0.036f);
    f->brow_dy = uni(r, 0.085f, 0.12f);
    f->brow_tilt = uni(r, -0.25f, 0.2f);
    f->brow_thick = uni(r, 0.016f, 0.028f);
    f->nose_len = uni(r, 0.17f, 0.24f);
    f->nose_w = uni(r, 0.045f, 0.07f);
    f->mouth_y = uni(r, 0.31f, 0.37f);
    f->mouth_rx = uni(r, 0.10f, 0.15f);
    f->mouth_ry = uni(r, 0.025f, 0.045f);
    f->smile = uni(r, -0.5f, 2.0f);
    f->light = uni(r, -0.15f, 0.15f);
}

/* (x/rx)^2 + (y/ry)^2: < 1 inside the ellipse centred at the origin. */
static float ell(float x, float y, float rx, float ry)
{
    float a = x / rx, b = y / ry;
    return a * a + b * b;
}

/* Inside the triangle (a, b, c) of the face frame (either orientation). */
static int in_triangle(float x, float y, const float *a, const float *b, const float *c)
{
    float d1 = (x - b[0]) * (a[1] - b[1]) - (a[0] - b[0]) * (y - b[1]);
    float d2 = (x - c[0]) * (b[1] - c[1]) - (b[0] - c[0]) * (y - c[1]);
    float d3 = (x - a[0]) * (c[1] - a[1]) - (c[0] - a[0]) * (y - a[1]);
    int neg = d1 < 0 || d2 < 0 || d3 < 0, pos = d1 > 0 || d2 > 0 || d3 > 0;
    return !(neg && pos);
}

/* One sample at face-frame point (x, y) and image-frame height iy (for the
 * background gradient): its colour and its part label. */
static void sample(const face_params *f, float x, float y, float iy, rgb *out, uint8_t *label)
{
    rgb c = mix(f->bg_top, f->bg_bottom, (iy + 1.0f) * 0.5f);
    uint8_t l = GAN_PART_BACKGROUND;
    float fx = x, fy = y - f->face_cy, e, k;
    float face_ry_here = f->face_ry * (fy > 0 ? 1.0f - f->jaw * fy : 1.0f);   /* a narrower jaw */
    int side;
    /* clothes: shoulders */
    if (ell(x, y - 1.25f, 0.95f, 0.5f) < 1.0f) {
        c = shade(f->clothes, 1.0f - 0.3f * (y - 0.75f));
        l = GAN_PART_BACKGROUND;
    }
    /* hair behind the head */
    if (f->hair_style != 2) {
        float hy = f->hair_style == 1 ? 0.25f : f->hair_style == 3 ? 0.05f : -0.1f;
        float hry = f->hair_style == 1 ? 0.85f : f->hair_style == 3 ? 0.62f : 0.6f;
        if (ell(fx, fy - hy, f->face_rx + 0.09f, hry) < 1.0f && fy < (f->hair_style == 0 ? 0.0f : 0.75f)) {
            c = shade(f->hair, 0.75f + 0.25f * (1.0f - ell(fx, fy - hy, f->face_rx + 0.09f, hry)));
            l = GAN_PART_HAIR;
        }
    }
    /* neck */
    if (x > -0.17f && x < 0.17f && fy > 0.2f && y < 1.05f && ell(x, y - 1.25f, 0.95f, 0.5f) >= 1.0f) {
        c = shade(f->skin, 0.78f);
        l = GAN_PART_SKIN;
    }
    /* ears */
    for (side = -1; side <= 1; side += 2)
        if (ell(fx - side * f->face_rx, fy - 0.02f, 0.07f, 0.12f) < 1.0f) {
            c = shade(f->skin, 0.88f);
            l = GAN_PART_SKIN;
        }
    /* the face, shaded darker towards its rim and on the side away from the light */
    e = ell(fx, fy, f->face_rx, face_ry_here);
    if (e < 1.0f) {
        k = 1.03f - 0.22f * e * e + f->light * fx / f->face_rx;
        c = shade(f->skin, k);
        l = GAN_PART_SKIN;
        /* cheeks a touch redder */
        for (side = -1; side <= 1; side += 2)
            if (ell(fx - side * 0.22f, fy - 0.17f, 0.1f, 0.07f) < 1.0f) c = mix(c, make_rgb(0.85f, 0.45f, 0.45f), 0.08f);
    }
    if (e < 1.0f) {
        /* nose: a shaded triangle with two nostrils */
        float top[2], left[2], right[2];
        top[0] = 0.0f; top[1] = f->eye_y + 0.03f;
        left[0] = -f->nose_w; left[1] = f->eye_y + f->nose_len;
        right[0] = f->nose_w; right[1] = f->eye_y + f->nose_len;
        if (in_triangle(fx, fy, top, left, right)) {
            float t = (fy - top[1]) / (f->nose_len - 0.03f);
            c = shade(f->skin, (fx * f->light > 0 ? 1.0f : 0.86f) - 0.04f * t);
            l = GAN_PART_NOSE;
        }
        for (side = -1; side <= 1; side += 2)
            if (ell(fx - side * f->nose_w * 0.55f, fy - f->eye_y - f->nose_len + 0.005f, 0.022f, 0.012f) < 1.0f) {
                c = shade(f->skin, 0.45f);
                l = GAN_PART_NOSE;
            }
        /* mouth: lips bent by the smile, a dark line between them */
        {
            float my = fy - f->mouth_y + f->smile * 0.5f * fx * fx;
            float m = ell(fx, my, f->mouth_rx, f->mouth_ry);
            if (m < 1.0f) {
                c = shade(f->lips, my < 0 ? 0.85f : 1.0f);
                l = GAN_PART_MOUTH;
                if (my > -0.006f && my < 0.006f) c = shade(f->lips, 0.35f);
            }
        }
        /* eyes: white, iris, pupil, a highlight, a darker upper lid */
        for (side = -1; side <= 1; side += 2) {
            float ex = fx - side * f->eye_dx, ey = fy - f->eye_y;
            float we = ell(ex, ey, f->eye_rx, f->eye_ry);
            /* the upper lid's shadow, decided before the calls below: tcc
             * 0.9.27 evaluated this test wrongly after them (the whole
             * sclera came out shaded), so tcc's faces differed from gcc's */
            int lid = we > 0.55f && ey < 0;
            if (we < 1.0f) {
                c = make_rgb(0.95f, 0.94f, 0.92f);
                if (ell(ex, ey, f->iris_r, f->iris_r) < 1.0f) c = f->iris;
                if (ell(ex, ey, f->iris_r * 0.45f, f->iris_r * 0.45f) < 1.0f) c = make_rgb(0.03f, 0.03f, 0.03f);
                if (ell(ex + 0.012f, ey + 0.012f, 0.008f, 0.008f) < 1.0f) c = make_rgb(1.0f, 1.0f, 1.0f);
                if (lid) c = shade(c, 0.45f);
                l = GAN_PART_EYES;
            }
        }
        /* brows: tilted thin ellipses */
        for (side = -1; side <= 1; side += 2) {
            float bx = fx - side * f->eye_dx, by = fy - f->eye_y + f->brow_dy;
            by += side * f->brow_tilt * bx;
            if (ell(bx, by + 0.6f * bx * bx, f->eye_rx * 1.25f, f->brow_thick) < 1.0f) {
                c = shade(f->hair, 0.9f);
                l = GAN_PART_BROWS;
            }
        }
    }
    /* hair in front: the cap above the hairline, over the face */
    if (f->hair_style != 2 && ell(fx, fy + 0.05f, f->face_rx + 0.07f, f->face_ry + 0.1f) < 1.0f &&
        fy < f->hairline + f->fringe_tilt * fx + 0.12f * fx * fx / (f->face_rx * f->face_rx) * 0.5f) {
        c = shade(f->hair, 0.85f + 0.25f * (fy - f->hairline + 0.5f));
        l = GAN_PART_HAIR;
    }
    *out = c;
    *label = l;
}

/* ---- the cartoon style ----------------------------------------------------
 *
 * A toon face is the photo face of the same (seed, index) redrawn: its
 * draws come first, unchanged, and the cartoon's own draws follow them in
 * the face's block of the stream, so face i of a seed is the same person
 * in both styles (skin, hair style, smile, pose) and the photo bytes do
 * not depend on this code. The cartoon exaggerates the head (wider, a
 * pointed or square chin), enlarges the eyes (taller than wide, set lower
 * under a big forehead), reduces the nose to an arc or a button and the
 * mouth to an outlined crescent, paints flat colours (one cel shadow on
 * the side away from the light, flat blush) and rings every shape with a
 * thick dark line. An outline belongs to the part it rings: its label is
 * that part's, so the labels describe the toon picture. */

typedef struct toon_params {
    rgb ink, bg, halo, skin, skin_shade, blush, hair, hair_light, brow, iris, clothes, mouth_in, tongue;
    float lw, fw;                        /* outline widths: head, hair, clothes; the features */
    float halo_r;
    float head_rx, head_ry, chin, square;
    float hairline, zig, zig_freq;
    float eye_dx, eye_y, eye_rx, eye_ry, iris_rx, iris_ry;
    float brow_y, brow_tilt, brow_thick;
    int nose_style;                      /* 0 an arc under the tip, 1 a button */
    float nose_y, nose_w;
    float mouth_y, mouth_rx, mouth_ry, smile;
    float shade_side;                    /* the cel shadow's side: -1 left, +1 right */
    float scale;                         /* the pose's scale */
} toon_params;

/* c pushed away from its grey by k (k > 1 saturates), then clamped to [0, 1]. */
static rgb saturate(rgb c, float k)
{
    float g = (c.r + c.g + c.b) * (1.0f / 3.0f);
    rgb o;
    o.r = g + (c.r - g) * k;
    o.g = g + (c.g - g) * k;
    o.b = g + (c.b - g) * k;
    o.r = o.r < 0.0f ? 0.0f : o.r > 1.0f ? 1.0f : o.r;
    o.g = o.g < 0.0f ? 0.0f : o.g > 1.0f ? 1.0f : o.g;
    o.b = o.b < 0.0f ? 0.0f : o.b > 1.0f ? 1.0f : o.b;
    return o;
}

/* Hair a cartoon may have besides the natural ones: blue, pink, violet, green, orange. */
static const float toon_hair_colours[5][3] = {
    { 0.20f, 0.40f, 0.85f }, { 0.95f, 0.45f, 0.65f }, { 0.50f, 0.30f, 0.75f },
    { 0.25f, 0.65f, 0.40f }, { 0.95f, 0.55f, 0.15f },
};
/* Flat pastel backgrounds. */
static const float toon_backgrounds[6][3] = {
    { 0.62f, 0.82f, 0.95f }, { 0.98f, 0.85f, 0.55f }, { 0.75f, 0.92f, 0.70f },
    { 0.95f, 0.72f, 0.78f }, { 0.80f, 0.75f, 0.95f }, { 0.98f, 0.72f, 0.55f },
};

static void draw_toon(nn_rng *r, const face_params *f, toon_params *t)
{
    float gap;
    t->ink = make_rgb(0.10f, 0.07f, 0.09f);
    t->bg = table(toon_backgrounds, (int)nn_rng_below(r, 6));
    t->halo = mix(t->bg, make_rgb(1.0f, 1.0f, 1.0f), uni(r, 0.3f, 0.55f));
    t->halo_r = uni(r, 0.75f, 0.95f);
    t->skin = saturate(shade(f->skin, 1.06f), 1.25f);
    t->skin_shade = saturate(shade(f->skin, 0.84f), 1.35f);
    t->blush = mix(t->skin, make_rgb(0.95f, 0.40f, 0.45f), uni(r, 0.35f, 0.55f));
    if (nn_rng_below(r, 4) == 0) t->hair = table(toon_hair_colours, (int)nn_rng_below(r, 5));
    else t->hair = saturate(f->hair, 1.4f);
    t->hair_light = mix(t->hair, make_rgb(1.0f, 1.0f, 1.0f), 0.35f);
    t->brow = mix(t->hair, t->ink, 0.55f);
    t->iris = saturate(shade(f->iris, 1.25f), 1.5f);
    t->clothes = saturate(f->clothes, 1.4f);
    t->mouth_in = make_rgb(0.45f, 0.08f, 0.12f);
    t->tongue = make_rgb(0.95f, 0.45f, 0.50f);
    t->lw = uni(r, 0.040f, 0.052f);
    t->fw = t->lw * 0.75f;
    t->head_rx = f->face_rx * uni(r, 1.10f, 1.24f);
    t->head_ry = f->face_ry * uni(r, 0.98f, 1.06f);
    t->chin = uni(r, 0.0f, 0.65f);
    t->square = uni(r, 0.0f, 0.7f);
    t->hairline = f->hairline * 1.08f - 0.02f;   /* kept above the brows below */
    t->zig = nn_rng_below(r, 2) ? uni(r, 0.02f, 0.05f) : 0.0f;
    t->zig_freq = uni(r, 4.0f, 7.0f);
    t->eye_rx = uni(r, 0.088f, 0.115f);
    t->eye_ry = t->eye_rx * uni(r, 1.05f, 1.40f);
    gap = uni(r, 0.035f, 0.06f);           /* half the space between the eyes */
    t->eye_dx = t->eye_rx + gap;
    t->eye_y = f->eye_y + 0.05f;
    t->iris_rx = t->eye_rx * uni(r, 0.60f, 0.76f);
    t->iris_ry = t->eye_ry * uni(r, 0.84f, 1.0f);
    t->brow_y = t->eye_y - t->eye_ry - uni(r, 0.04f, 0.075f);
    t->brow_tilt = f->brow_tilt;
    t->brow_thick = uni(r, 0.020f, 0.032f);
    if (t->hairline > t->brow_y - t->brow_thick - t->lw - t->zig - 0.07f)
        t->hairline = t->brow_y - t->brow_thick - t->lw - t->zig - 0.07f;
    t->nose_style = (int)nn_rng_below(r, 2);
    t->nose_y = t->eye_y + t->eye_ry + uni(r, 0.06f, 0.10f);
    t->nose_w = uni(r, 0.035f, 0.055f);
    t->mouth_y = t->nose_y + uni(r, 0.10f, 0.14f);
    t->mouth_rx = f->mouth_rx * uni(r, 1.0f, 1.3f);
    t->mouth_ry = uni(r, 0.010f, 0.065f);
    t->smile = 0.6f + 1.1f * f->smile;
    t->shade_side = f->light > 0 ? -1.0f : 1.0f;
    t->scale = f->scale * 0.86f;
}

/* The toon head's implicit function (< 1 inside): an ellipse squared off by
 * `square` towards a superellipse of power 4, its lower half narrowed into
 * a chin; grow widens both radii (the outline's ring). */
static float toon_head(const toon_params *t, float fx, float fy, float grow)
{
    float ry = t->head_ry + grow, rx = t->head_rx + grow, a, b, a2, b2;
    if (fy > 0) rx *= 1.0f - t->chin * 0.9f * (fy / ry) * (fy / ry);
    a = fx / rx;
    b = fy / ry;
    a2 = a * a;
    b2 = b * b;
    return (1.0f - t->square) * (a2 + b2) + t->square * (a2 * a2 + b2 * b2);
}

/* A triangle wave of period 1 in [0, 1] (the fringe's zig-zag). */
static float tri_wave(float v)
{
    float u = v + 64.0f;                 /* positive, so the cast truncates downwards */
    float fr = u - (float)(int)u;
    float w = 2.0f * fr - 1.0f;
    return w < 0 ? -w : w;
}

static void sample_toon(const face_params *f, const toon_params *t, float x, float y, rgb *out, uint8_t *label)
{
    rgb c = t->bg;
    uint8_t l = GAN_PART_BACKGROUND;
    float fx = x, fy = y - f->face_cy, lw = t->lw, fw = t->fw, e, hair_edge;
    int side;
    if (ell(fx, fy + 0.08f, t->halo_r, t->halo_r) < 1.0f) c = t->halo;
    /* clothes: the shoulders, outlined */
    if (ell(x, y - 1.25f, 0.95f + lw, 0.5f + lw) < 1.0f) {
        c = ell(x, y - 1.25f, 0.95f, 0.5f) < 1.0f ? t->clothes : t->ink;
        l = GAN_PART_BACKGROUND;
    }
    /* hair behind the head */
    if (f->hair_style != 2) {
        float hy = f->hair_style == 1 ? 0.25f : f->hair_style == 3 ? 0.05f : -0.1f;
        float hry = f->hair_style == 1 ? 0.85f : f->hair_style == 3 ? 0.62f : 0.6f;
        float hrx = t->head_rx + 0.09f, cut = f->hair_style == 0 ? 0.0f : 0.75f;
        if (ell(fx, fy - hy, hrx + lw, hry + lw) < 1.0f && fy < cut + lw) {
            c = ell(fx, fy - hy, hrx, hry) < 1.0f && fy < cut ? t->hair : t->ink;
            l = GAN_PART_HAIR;
        }
    }
    /* neck, thin, in the skin's shadow */
    if (x > -0.13f - fw && x < 0.13f + fw && fy > 0.2f && y < 1.05f && ell(x, y - 1.25f, 0.95f + lw, 0.5f + lw) >= 1.0f) {
        c = x > -0.13f && x < 0.13f ? t->skin_shade : t->ink;
        l = GAN_PART_SKIN;
    }
    /* ears */
    for (side = -1; side <= 1; side += 2)
        if (ell(fx - side * t->head_rx * 0.97f, fy - 0.02f, 0.075f + fw, 0.12f + fw) < 1.0f) {
            c = ell(fx - side * t->head_rx * 0.97f, fy - 0.02f, 0.075f, 0.12f) < 1.0f ? t->skin : t->ink;
            l = GAN_PART_SKIN;
        }
    /* the head: flat skin, one cel shadow, the outline ring */
    e = toon_head(t, fx, fy, 0.0f);
    if (e >= 1.0f && toon_head(t, fx, fy, lw) < 1.0f) {
        c = t->ink;
        l = GAN_PART_SKIN;
    }
    if (e < 1.0f) {
        c = t->skin;
        l = GAN_PART_SKIN;
        if (t->shade_side * fx - 0.6f * t->head_rx - 0.5f * fy * fy > 0) c = t->skin_shade;
        for (side = -1; side <= 1; side += 2)
            if (ell(fx - side * (t->eye_dx + 0.04f), fy - t->nose_y - 0.02f, 0.075f, 0.045f) < 1.0f) c = t->blush;
        /* nose: an arc under the tip, or a round button */
        {
            float ny = fy - t->nose_y;
            if (t->nose_style == 0) {
                if (ell(fx, ny, t->nose_w, 0.04f) < 1.0f) {
                    c = ny > 0.0f && ell(fx, ny, t->nose_w - fw, 0.04f - fw) >= 1.0f ? t->ink
                                                                                  : mix(t->skin, t->skin_shade, 0.6f);
                    l = GAN_PART_NOSE;
                }
            } else if (ell(fx, ny, t->nose_w * 0.8f + fw * 0.7f, 0.03f + fw * 0.7f) < 1.0f) {
                c = ell(fx, ny, t->nose_w * 0.8f, 0.03f) < 1.0f ? t->blush : t->ink;
                l = GAN_PART_NOSE;
            }
        }
        /* mouth: a crescent bent by the smile, dark inside, a tongue, outlined */
        {
            float my = fy - t->mouth_y + t->smile * 0.5f * fx * fx;
            if (ell(fx, my, t->mouth_rx + fw * 0.5f, t->mouth_ry + fw) < 1.0f) {
                c = t->ink;
                if (ell(fx, my, t->mouth_rx - fw * 0.5f, t->mouth_ry) < 1.0f) {
                    c = t->mouth_in;
                    if (ell(fx, my - t->mouth_ry * 0.6f, t->mouth_rx * 0.5f, t->mouth_ry * 0.6f) < 1.0f) c = t->tongue;
                }
                l = GAN_PART_MOUTH;
            }
        }
        /* eyes: white, a big iris darker at the top, the pupil, two
         * highlights, a ring that is thicker along the upper lid */
        for (side = -1; side <= 1; side += 2) {
            float ex = fx - side * t->eye_dx, ey = fy - t->eye_y;
            float lid = ey < 0 ? 1.8f * fw : fw;
            if (ell(ex, ey, t->eye_rx + fw, t->eye_ry + lid) < 1.0f) {
                c = t->ink;
                if (ell(ex, ey, t->eye_rx, t->eye_ry) < 1.0f) {
                    c = make_rgb(0.98f, 0.98f, 0.97f);
                    if (ell(ex, ey, t->iris_rx, t->iris_ry) < 1.0f)
                        c = ey < -0.45f * t->iris_ry ? shade(t->iris, 0.65f) : t->iris;
                    if (ell(ex, ey, t->iris_rx * 0.5f, t->iris_ry * 0.5f) < 1.0f) c = t->ink;
                    if (ell(ex - 0.35f * t->iris_rx, ey + 0.35f * t->iris_ry, 0.3f * t->iris_rx, 0.3f * t->iris_rx) < 1.0f ||
                        ell(ex + 0.4f * t->iris_rx, ey - 0.45f * t->iris_ry, 0.14f * t->iris_rx, 0.14f * t->iris_rx) < 1.0f)
                        c = make_rgb(1.0f, 1.0f, 1.0f);
                }
                l = GAN_PART_EYES;
            }
        }
        /* brows: thick dark arcs */
        for (side = -1; side <= 1; side += 2) {
            float bx = fx - side * t->eye_dx, by = fy - t->brow_y + side * t->brow_tilt * bx;
            if (ell(bx, by + 0.9f * bx * bx, t->eye_rx * 1.15f, t->brow_thick) < 1.0f) {
                c = t->brow;
                l = GAN_PART_BROWS;
            }
        }
    }
    /* hair in front: the cap above a (zig-zag) fringe, a shine on the lit
     * side, outlined along the fringe and the cap */
    hair_edge = t->hairline + f->fringe_tilt * fx + 0.06f * fx * fx / (f->face_rx * f->face_rx) +
                t->zig * tri_wave(fx * t->zig_freq);
    if (f->hair_style != 2 && fy < hair_edge + lw &&
        ell(fx, fy + 0.05f, t->head_rx + 0.07f + lw, t->head_ry + 0.1f + lw) < 1.0f) {
        float cap = ell(fx, fy + 0.05f, t->head_rx + 0.07f, t->head_ry + 0.1f);
        if (fy < hair_edge && cap < 1.0f) {
            c = t->hair;
            if (cap > 0.5f && cap < 0.66f && fy < -0.3f && fx * t->shade_side < 0) c = t->hair_light;
        } else {
            c = t->ink;
        }
        l = GAN_PART_HAIR;
    }
    *out = c;
    *label = l;
}

static uint8_t to_byte(float v)
{
    v = v * 255.0f + 0.5f;
    if (!(v > 0.0f)) return 0;
    if (v >= 255.0f) return 255;
    return (uint8_t)v;
}

int gan_synthface_render_style(uint64_t seed, uint64_t index, int size, int style, gan_face *out, g99_error *err)
{
    face_params f;
    toon_params t;
    nn_rng r;
    img_image big;
    int ss, R, i, j, side;
    float ca, sa, inv, scale, eye_dx, eye_y;
    uint8_t *big_labels = NULL;
    int rc;
    memset(out, 0, sizeof *out);
    if (size < 8 || size > 4096) return g99_fail(err, G99_EINVAL, "synthetic faces: size %d (8..4096)", size);
    if (style != GAN_FACE_PHOTO && style != GAN_FACE_TOON)
        return g99_fail(err, G99_EINVAL, "synthetic faces: style %d (GAN_FACE_PHOTO or GAN_FACE_TOON)", style);
    nn_rng_init(&r, seed, GAN_STREAM_SYNTHFACES);
    nn_rng_seek(&r, index << 16);
    draw_params(&r, &f);
    memset(&t, 0, sizeof t);
    scale = f.scale;
    eye_dx = f.eye_dx;
    eye_y = f.eye_y;
    if (style == GAN_FACE_TOON) {
        draw_toon(&r, &f, &t);
        scale = t.scale;
        eye_dx = t.eye_dx;
        eye_y = t.eye_y;
    }
    ss = (SS_TARGET + size - 1) / size;
    if (ss < 2) ss = 2;
    R = size * ss;
    rc = img_new(&big, R, R, 3, 8, err);
    if (rc) return rc;
    big_labels = (uint8_t *)malloc((size_t)R * R);
    if (!big_labels) {
        img_free(&big);
        return g99_fail(err, G99_ENOMEM, "out of memory");
    }
    ca = nn_cosf(f.angle);
    sa = nn_sinf(f.angle);
    inv = 1.0f / scale;
    for (j = 0; j < R; j++) {
        float iy = ((float)j + 0.5f) * 2.0f / (float)R - 1.0f;
        for (i = 0; i < R; i++) {
            float ix = ((float)i + 0.5f) * 2.0f / (float)R - 1.0f;
            /* image frame -> face frame: undo the shift, the rotation, the scale */
            float px = ix - f.sx, py = iy - f.sy;
            float x = (ca * px + sa * py) * inv, y = (-sa * px + ca * py) * inv;
            rgb c;
            uint8_t *p = big.data + ((size_t)j * R + i) * 3;
            if (style == GAN_FACE_TOON) sample_toon(&f, &t, x, y, &c, &big_labels[(size_t)j * R + i]);
            else sample(&f, x, y, iy, &c, &big_labels[(size_t)j * R + i]);
            p[0] = to_byte(c.r);
            p[1] = to_byte(c.g);
            p[2] = to_byte(c.b);
        }
    }
    rc = img_resize(&big, size, size, IMG_INTER_AREA, &out->rgb, err);
    if (!rc) {
        out->labels = (uint8_t *)malloc((size_t)size * size);
        if (!out->labels) rc = g99_fail(err, G99_ENOMEM, "out of memory");
    }
    for (j = 0; !rc && j < size; j++)
        for (i = 0; i < size; i++)
            out->labels[(size_t)j * size + i] = big_labels[((size_t)j * ss + ss / 2) * R + (size_t)i * ss + ss / 2];
    /* eye centres: face frame -> image frame -> output pixels */
    for (side = 0; !rc && side < 2; side++) {
        float x = (side ? eye_dx : -eye_dx) * scale, y = (eye_y + f.face_cy) * scale;
        float ix = ca * x - sa * y + f.sx, iy = sa * x + ca * y + f.sy;
        out->eyes[side][0] = (ix + 1.0f) * 0.5f * (float)size;
        out->eyes[side][1] = (iy + 1.0f) * 0.5f * (float)size;
    }
    img_free(&big);
    free(big_labels);
    if (rc) gan_face_free(out);
    return rc;
}

int gan_synthface_render(uint64_t seed, uint64_t index, int size, gan_face *out, g99_error *err)
{
    return gan_synthface_render_style(seed, index, size, GAN_FACE_PHOTO, out, err);
}

void gan_face_free(gan_face *f)
{
    img_free(&f->rgb);
    free(f->labels);
    memset(f, 0, sizeof *f);
}
