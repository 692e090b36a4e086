/* Tests of the cartoon synthetic faces (gan/synthfaces.c, GAN_FACE_TOON)
 * and the synth-toon:N[:SEED] data spec. No golden holds these pictures:
 * the checks are properties of what a cartoon face must be, read off the
 * pixels and the labels (flat colours, dark outlines, eyes where the
 * labels and the eye centres say, bigger eyes than the photo's), plus
 * determinism (two calls, the same bytes) and the photo style left as it
 * was (gan_synthface_render is the PHOTO style). */
#include "test.h"

#include "../gan/gan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N_FACES 16

static int luma(const uint8_t *p)
{
    return (299 * p[0] + 587 * p[1] + 114 * p[2]) / 1000;
}

static int max3(const uint8_t *p)
{
    int m = p[0] > p[1] ? p[0] : p[1];
    return m > p[2] ? m : p[2];
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* The share (0..1) of the pixels labelled `part` that have the most common
 * colour among them; 0 when no pixel has the label. */
static double top_colour_share(const gan_face *f, int part)
{
    int n = f->rgb.width * f->rgb.height, i, m = 0, best = 0, run = 0;
    uint32_t *c = (uint32_t *)malloc(sizeof *c * (size_t)n);
    if (!c) return 0;
    for (i = 0; i < n; i++)
        if (f->labels[i] == part) {
            const uint8_t *p = f->rgb.data + (size_t)i * 3;
            c[m++] = (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
        }
    qsort(c, (size_t)m, sizeof *c, cmp_u32);
    for (i = 0; i < m; i++) {
        run = i > 0 && c[i] == c[i - 1] ? run + 1 : 1;
        if (run > best) best = run;
    }
    free(c);
    return m ? (double)best / m : 0;
}

static int count_part(const gan_face *f, int part)
{
    int i, n = f->rgb.width * f->rgb.height, k = 0;
    for (i = 0; i < n; i++) k += f->labels[i] == part;
    return k;
}

/* Two calls, the same bytes, labels and eyes; the toon is not the photo;
 * the photo entry point is the PHOTO style; a bad style is refused. */
static void toon_faces_are_deterministic(void)
{
    static const int sizes[2] = { 32, 64 };
    g99_error err;
    gan_face a, b, p, q;
    int s, k;
    for (s = 0; s < 2; s++)
        for (k = 0; k < 3; k++) {
            int n = sizes[s];
            if (!CHECK_EQ_INT(0, gan_synthface_render_style(7, (uint64_t)k, n, GAN_FACE_TOON, &a, &err))) return;
            if (CHECK_EQ_INT(0, gan_synthface_render_style(7, (uint64_t)k, n, GAN_FACE_TOON, &b, &err))) {
                CHECK_EQ_MEM(a.rgb.data, b.rgb.data, (size_t)n * n * 3);
                CHECK_EQ_MEM(a.labels, b.labels, (size_t)n * n);
                CHECK_EQ_MEM(a.eyes, b.eyes, sizeof a.eyes);
                gan_face_free(&b);
            }
            if (CHECK_EQ_INT(0, gan_synthface_render_style(7, (uint64_t)k, n, GAN_FACE_PHOTO, &p, &err)) &&
                CHECK_EQ_INT(0, gan_synthface_render(7, (uint64_t)k, n, &q, &err))) {
                CHECK_EQ_MEM(p.rgb.data, q.rgb.data, (size_t)n * n * 3);
                CHECK_EQ_MEM(p.labels, q.labels, (size_t)n * n);
                CHECK_EQ_MEM(p.eyes, q.eyes, sizeof p.eyes);
                CHECK(memcmp(a.rgb.data, p.rgb.data, (size_t)n * n * 3) != 0);
                gan_face_free(&p);
                gan_face_free(&q);
            }
            gan_face_free(&a);
        }
    CHECK_EQ_INT(G99_EINVAL, gan_synthface_render_style(1, 0, 32, 2, &a, &err));
    CHECK_CONTAINS("style 2", err.msg);
    CHECK_EQ_INT(G99_EINVAL, gan_synthface_render_style(1, 0, 4, GAN_FACE_TOON, &a, &err));
}

/* The labels describe the toon: every part is drawn (hair but for the
 * bald), each eye centre lies on an eye pixel darker than the skin (the
 * pupil), the eyes hold white (the sclera), the left eye is left of the
 * right one, and the eyes are bigger than the photo face's. */
static void toon_labels_and_eyes(void)
{
    static const int sizes[2] = { 48, 64 };
    g99_error err;
    int s, k, side, i;
    for (s = 0; s < 2; s++)
        for (k = 0; k < N_FACES; k++) {
            gan_face t, p;
            int n = sizes[s], parts[GAN_PART_COUNT], white = 0;
            long skin = 0;
            if (!CHECK_EQ_INT(0, gan_synthface_render_style(3, (uint64_t)k, n, GAN_FACE_TOON, &t, &err))) return;
            memset(parts, 0, sizeof parts);
            for (i = 0; i < n * n; i++) {
                const uint8_t *px = t.rgb.data + (size_t)i * 3;
                if (!CHECK(t.labels[i] < GAN_PART_COUNT)) break;
                parts[t.labels[i]]++;
                if (t.labels[i] == GAN_PART_SKIN) skin += luma(px);
                if (t.labels[i] == GAN_PART_EYES && luma(px) > white) white = luma(px);
            }
            for (i = 0; i < GAN_PART_COUNT; i++)
                if (i != GAN_PART_HAIR && !CHECK(parts[i] > 0)) fprintf(stderr, "    face %d at %d: no part %d\n", k, n, i);
            skin /= parts[GAN_PART_SKIN] ? parts[GAN_PART_SKIN] : 1;
            if (!CHECK(white > skin && white > 180)) fprintf(stderr, "    face %d at %d: eyes at most %d, skin %ld\n", k, n, white, skin);
            for (side = 0; side < 2; side++) {
                int x = (int)t.eyes[side][0], y = (int)t.eyes[side][1];
                if (!CHECK(x >= 0 && x < n && y >= 0 && y < n)) continue;
                CHECK_EQ_INT(GAN_PART_EYES, t.labels[y * n + x]);
                if (!CHECK(luma(t.rgb.data + ((size_t)y * n + x) * 3) < skin))
                    fprintf(stderr, "    face %d at %d: eye centre luma %d, skin %ld\n", k, n,
                            luma(t.rgb.data + ((size_t)y * n + x) * 3), skin);
            }
            CHECK(t.eyes[0][0] < t.eyes[1][0]);
            if (CHECK_EQ_INT(0, gan_synthface_render(3, (uint64_t)k, n, &p, &err))) {
                CHECK(2 * count_part(&t, GAN_PART_EYES) > 3 * count_part(&p, GAN_PART_EYES));
                gan_face_free(&p);
            }
            gan_face_free(&t);
        }
}

/* Thick dark outlines: along the row of the eyes, from either edge, the
 * first pixels past the background include a dark one (the ring of the
 * hair, an ear or the head), while the background there is light. */
static void toon_outlines_are_dark(void)
{
    g99_error err;
    int k, dir, n = 64;
    for (k = 0; k < N_FACES; k++) {
        gan_face t;
        int y;
        if (!CHECK_EQ_INT(0, gan_synthface_render_style(3, (uint64_t)k, n, GAN_FACE_TOON, &t, &err))) return;
        y = (int)((t.eyes[0][1] + t.eyes[1][1]) * 0.5f);
        for (dir = 0; dir < 2; dir++) {
            int x = dir ? n - 1 : 0, step = dir ? -1 : 1, j, darkest = 255;
            const uint8_t *row = t.rgb.data + (size_t)y * n * 3;
            CHECK(max3(row + x * 3) > 140);
            while (x >= 0 && x < n && t.labels[y * n + x] == GAN_PART_BACKGROUND) x += step;
            if (!CHECK(x > 0 && x < n - 1)) continue;
            for (j = 0; j < 3 && x + j * step >= 0 && x + j * step < n; j++) {
                int m = max3(row + (x + j * step) * 3);
                if (m < darkest) darkest = m;
            }
            if (!CHECK(darkest < 80)) fprintf(stderr, "    face %d, side %d: darkest %d\n", k, dir, darkest);
        }
        gan_face_free(&t);
    }
}

/* Flat colours: most of the skin is one colour in a toon (its cel shadow,
 * blush and anti-aliased rims aside), unlike the shaded photo face. */
static void toon_colours_are_flat(void)
{
    g99_error err;
    int k, n = 64;
    for (k = 0; k < N_FACES; k++) {
        gan_face t, p;
        double st, sp;
        if (!CHECK_EQ_INT(0, gan_synthface_render_style(3, (uint64_t)k, n, GAN_FACE_TOON, &t, &err))) return;
        if (!CHECK_EQ_INT(0, gan_synthface_render(3, (uint64_t)k, n, &p, &err))) {
            gan_face_free(&t);
            return;
        }
        st = top_colour_share(&t, GAN_PART_SKIN);
        sp = top_colour_share(&p, GAN_PART_SKIN);
        if (!CHECK(st > 0.4) || !CHECK(sp < 0.15)) fprintf(stderr, "    face %d: toon %.3f, photo %.3f\n", k, st, sp);
        gan_face_free(&t);
        gan_face_free(&p);
    }
}

/* synth-toon:N[:SEED] as images and as class maps: the faces the renderer
 * draws, the labels its labels; bad specs name the form wanted. */
static void toon_dataset_spec(void)
{
    gan_dataset ds;
    gan_dataset_opts o;
    g99_error err;
    gan_face f;
    int i, ok = 1;
    memset(&o, 0, sizeof o);
    o.size = 16;
    o.channels = 3;
    o.kind = GAN_DATA_IMAGES;
    if (!CHECK_EQ_INT(0, gan_dataset_load("synth-toon:3:7", &o, &ds, &err))) {
        fprintf(stderr, "    %s\n", err.msg);
        return;
    }
    CHECK_EQ_INT(3, ds.n);
    if (CHECK_EQ_INT(0, gan_synthface_render_style(7, 2, 16, GAN_FACE_TOON, &f, &err))) {
        /* planes of 16x16 per channel */
        for (i = 0; i < 256; i++)
            ok &= ds.pixels[2 * 3 * 256 + i] == f.rgb.data[i * 3] && ds.pixels[2 * 3 * 256 + 512 + i] == f.rgb.data[i * 3 + 2];
        CHECK(ok);
        gan_face_free(&f);
    }
    gan_dataset_free(&ds);
    o.kind = GAN_DATA_LABELS;
    if (CHECK_EQ_INT(0, gan_dataset_load("synth-toon:1:7", &o, &ds, &err))) {
        if (CHECK_EQ_INT(0, gan_synthface_render_style(7, 0, 16, GAN_FACE_TOON, &f, &err))) {
            CHECK_EQ_MEM(f.labels, ds.cond, 256);
            gan_face_free(&f);
        }
        gan_dataset_free(&ds);
    }
    o.kind = GAN_DATA_IMAGES;
    CHECK_EQ_INT(G99_EINVAL, gan_dataset_load("synth-toon:x", &o, &ds, &err));
    CHECK_CONTAINS("want synth-toon:N or synth-toon:N:SEED", err.msg);
    CHECK_EQ_INT(G99_EINVAL, gan_dataset_load("synth-toon:0", &o, &ds, &err));
    CHECK_CONTAINS("N must be", err.msg);
    o.kind = GAN_DATA_PAIRS;
    CHECK_EQ_INT(G99_EINVAL, gan_dataset_load("synth-toon:2", &o, &ds, &err));
    CHECK_CONTAINS("need a pair filter", err.msg);
}

/* The picture of doc/img/synth_toon.png: faces 0..15 of seed 1 at 64x64,
 * each photo followed by its toon, 8 to a row, written to the test folder
 * (copy it from there: build/test-tmp/synth_toon.png). */
static void toon_picture(void)
{
    img_image faces[2 * 16], sheet;
    img_grid_params gp;
    g99_error err;
    int i, k, rc = 0;
    memset(faces, 0, sizeof faces);
    for (i = 0; !rc && i < 16; i++)
        for (k = 0; !rc && k < 2; k++) {
            gan_face f;
            rc = gan_synthface_render_style(1, (uint64_t)i, 64, k ? GAN_FACE_TOON : GAN_FACE_PHOTO, &f, &err);
            if (!rc) {
                faces[2 * i + k] = f.rgb;
                free(f.labels);
            }
        }
    gp.cols = 8;
    gp.margin = 2;
    memset(gp.background, 255, sizeof gp.background);
    if (CHECK_EQ_INT(0, rc) && CHECK_EQ_INT(0, img_grid(faces, 32, &gp, &sheet, &err))) {
        CHECK_EQ_INT(8 * 64 + 9 * 2, sheet.width);
        CHECK_EQ_INT(4 * 64 + 5 * 2, sheet.height);
        CHECK_EQ_INT(0, img_png_save(test_tmp_path("synth_toon.png"), &sheet, &err));
        img_free(&sheet);
    }
    for (i = 0; i < 32; i++) img_free(&faces[i]);
}

const test_case synthtoon_tests[] = {
    TEST(toon_faces_are_deterministic),
    TEST(toon_labels_and_eyes),
    TEST(toon_outlines_are_dark),
    TEST(toon_colours_are_flat),
    TEST(toon_dataset_spec),
    TEST(toon_picture),
    TEST_END,
};
