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
 * its block. Only + - * / and sqrtf touch the pixels (rotation uses
 * nn_sinf / nn_cosf once per face), so every platform draws the same bytes.
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

/* A colour of three draws in [lo, hi), blue first: one draw per full
 * expression, because C leaves the order of a call's arguments open (gcc
 * takes them right to left on x86-64 and left to right on Arm and RISC-V,
 * clang left to right everywhere); blue first keeps the faces that x86-64
 * gcc builds always drew. */
static rgb rgb_draw(nn_rng *r, float lo, float hi)
{
    float b = uni(r, lo, hi);
    float g = uni(r, lo, hi);
    float red = uni(r, lo, hi);
    return make_rgb(red, g, b);
}

static void draw_params(nn_rng *r, face_params *f)
{
    int k;
    f->angle = uni(r, -0.12f, 0.12f);
    f->sx = uni(r, -0.06f, 0.06f);
    f->sy = uni(r, -0.05f, 0.05f);
    f->scale = uni(r, 1.12f, 1.28f);
    f->bg_top = rgb_draw(r, 0.2f, 0.9f);
    f->bg_bottom = shade(f->bg_top, uni(r, 0.55f, 0.9f));
    k = (int)nn_rng_below(r, 5);
    f->skin = mix(table(skin_tones, k), table(skin_tones, k + 1), nn_rng_uniform(r));
    k = (int)nn_rng_below(r, 6);
    f->hair = shade(table(hair_colours, k), uni(r, 0.85f, 1.1f));
    f->iris = table(iris_colours, (int)nn_rng_below(r, 4));
    f->lips = mix(f->skin, make_rgb(0.70f, 0.25f, 0.25f), uni(r, 0.35f, 0.6f));
    f->clothes = rgb_draw(r, 0.05f, 0.8f);
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
            if (we < 1.0f) {
                c = make_rgb(0.95f, 0.94f, 0.92f);
                if (ell(ex, ey, f->iris_r, f->iris_r) < 1.0f) c = f->iris;
                if (ell(ex, ey, f->iris_r * 0.45f, f->iris_r * 0.45f) < 1.0f) c = make_rgb(0.03f, 0.03f, 0.03f);
                if (ell(ex + 0.012f, ey + 0.012f, 0.008f, 0.008f) < 1.0f) c = make_rgb(1.0f, 1.0f, 1.0f);
                if (we > 0.55f && ey < 0) c = shade(c, 0.45f);
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

static uint8_t to_byte(float v)
{
    v = v * 255.0f + 0.5f;
    if (!(v > 0.0f)) return 0;
    if (v >= 255.0f) return 255;
    return (uint8_t)v;
}

int gan_synthface_render(uint64_t seed, uint64_t index, int size, gan_face *out, g99_error *err)
{
    face_params f;
    nn_rng r;
    img_image big;
    int ss, R, i, j, side;
    float ca, sa, inv;
    uint8_t *big_labels = NULL;
    int rc;
    memset(out, 0, sizeof *out);
    if (size < 8 || size > 4096) return g99_fail(err, G99_EINVAL, "synthetic faces: size %d (8..4096)", size);
    nn_rng_init(&r, seed, GAN_STREAM_SYNTHFACES);
    nn_rng_seek(&r, index << 16);
    draw_params(&r, &f);
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
    inv = 1.0f / f.scale;
    for (j = 0; j < R; j++) {
        float iy = ((float)j + 0.5f) * 2.0f / (float)R - 1.0f;
        for (i = 0; i < R; i++) {
            float ix = ((float)i + 0.5f) * 2.0f / (float)R - 1.0f;
            /* image frame -> face frame: undo the shift, the rotation, the scale */
            float px = ix - f.sx, py = iy - f.sy;
            float x = (ca * px + sa * py) * inv, y = (-sa * px + ca * py) * inv;
            rgb c;
            uint8_t *p = big.data + ((size_t)j * R + i) * 3;
            sample(&f, x, y, iy, &c, &big_labels[(size_t)j * R + i]);
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
        float x = (side ? f.eye_dx : -f.eye_dx) * f.scale, y = (f.eye_y + f.face_cy) * f.scale;
        float ix = ca * x - sa * y + f.sx, iy = sa * x + ca * y + f.sy;
        out->eyes[side][0] = (ix + 1.0f) * 0.5f * (float)size;
        out->eyes[side][1] = (iy + 1.0f) * 0.5f * (float)size;
    }
    img_free(&big);
    free(big_labels);
    if (rc) gan_face_free(out);
    return rc;
}

void gan_face_free(gan_face *f)
{
    img_free(&f->rgb);
    free(f->labels);
    memset(f, 0, sizeof *f);
}
