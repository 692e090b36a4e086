/* Tests of align/: the decimal -> double conversion of the cascade reader,
 * the cascade loader (new and old format, hand-read values of the stock
 * files, a corrupt corpus), grouping and clipping on hand-derived cases,
 * and detection against OpenCV 4.6's own output
 * (golden/tools/haar_golden.py -> golden/haar/detections.txt). */
#include "test.h"

#include "../align/align.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CASCADE_DIR "align/cascades/"
#define CORPUS_DIR "tests/corpus/cascade/"

static uint64_t dbits(double d)
{
    uint64_t u;
    memcpy(&u, &d, 8);
    return u;
}

static int parse(const char *s, double *v) { return haar_parse_double(s, strlen(s), v); }

/* ---- decimal -> double ---- */

/* Bits worked out by hand (or known IEEE constants), including the ties and
 * the edges of the range. */
static void parse_double_hand(void)
{
    static const struct {
        const char *text;
        uint64_t bits;
    } cases[] = {
        { "0", 0 },
        { "-0.0", 0x8000000000000000u },
        { "1", 0x3FF0000000000000u },
        { "-1.", 0xBFF0000000000000u },
        { "0.1", 0x3FB999999999999Au },
        { "1e23", 0x44B52D02C7E14AF6u },
        { "9007199254740993", 0x4340000000000000u },    /* 2^53+1: a tie, goes to even 2^53 */
        { "9007199254740995", 0x4340000000000002u },    /* 2^53+3: a tie, goes to even 2^53+4 */
        { "9007199254740993.00000000000000000001", 0x4340000000000001u }, /* just above the tie: sticky */
        { "2.2250738585072014e-308", 0x0010000000000000u },  /* smallest normal */
        { "4.9406564584124654e-324", 0x0000000000000001u },  /* smallest subnormal */
        { "2.4703282292062327e-324", 0 },                    /* below half of it */
        { "2.4703282292062328e-324", 0x0000000000000001u },  /* above half of it */
        { "1.7976931348623157e308", 0x7FEFFFFFFFFFFFFFu },   /* largest */
        { "1.7976931348623159e308", 0x7FF0000000000000u },   /* rounds to infinity */
        { "1e400", 0x7FF0000000000000u },
        { "1e-400", 0 },
        { "4.3272329494357109e-003", 0x3F71B96EC0000000u },  /* a float widened: low bits zero */
        { ".5", 0x3FE0000000000000u },
        { "+2.5E+1", 0x4039000000000000u },
    };
    size_t i;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        double v = -1;
        CHECK_EQ_INT(0, parse(cases[i].text, &v));
        if (!CHECK_EQ_U64(cases[i].bits, dbits(v))) fprintf(stderr, "    for \"%s\"\n", cases[i].text);
    }
}

static void parse_double_rejects(void)
{
    static const char *bad[] = { "", "-", ".", "e5", "1e", "1e+", "1.2.3", "nan", "inf", "1,5", "0x10", " 1" };
    size_t i;
    double v;
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (!CHECK_EQ_INT(G99_EFORMAT, parse(bad[i], &v))) fprintf(stderr, "    for \"%s\"\n", bad[i]);
}

/* Every REAL literal of the three vendored cascades, compared with the C
 * library's strtod (correctly rounded in glibc): the conversion OpenCV
 * uses. */
static void parse_double_cascade_values(void)
{
    static const char *files[] = { "haarcascade_frontalface_default.xml", "haarcascade_frontalface_alt2.xml",
                                   "haarcascade_eye.xml" };
    size_t f, compared = 0, mismatched = 0;
    for (f = 0; f < 3; f++) {
        char path[128], tok[64];
        uint8_t *data;
        size_t len, i = 0;
        g99_error err;
        sprintf(path, CASCADE_DIR "%s", files[f]);
        if (!CHECK_EQ_INT(0, g99_read_file(path, (size_t)1 << 24, &data, &len, &err))) return;
        while (i < len) {
            size_t s = i, n;
            while (i < len && (strchr("0123456789.-+eE", data[i]) != NULL)) i++;
            n = i - s;
            if (n > 0 && n < sizeof tok && memchr(data + s, '.', n) && (data[s] == '-' || (data[s] >= '0' && data[s] <= '9'))) {
                double mine, ref;
                memcpy(tok, data + s, n);
                tok[n] = 0;
                ref = strtod(tok, NULL);
                if (haar_parse_double(tok, n, &mine) != 0 || dbits(mine) != dbits(ref)) {
                    if (mismatched++ < 5) fprintf(stderr, "    %s: %s\n", files[f], tok);
                }
                compared++;
            }
            if (i == s) i++;
        }
        free(data);
    }
    CHECK(compared > 20000);
    CHECK_EQ_INT(0, (long long)mismatched);
}

/* ---- the loader ---- */

static haar_cascade *load(const char *path)
{
    haar_cascade *c = NULL;
    g99_error err;
    if (haar_cascade_load(path, &c, &err) != 0) fprintf(stderr, "    %s\n", err.msg);
    return c;
}

/* Counts and first values read off the files by hand. */
static void cascade_stock_default(void)
{
    haar_cascade *c = load(CASCADE_DIR "haarcascade_frontalface_default.xml");
    const haar_feature *f;
    if (!CHECK(c != NULL)) return;
    CHECK_EQ_INT(24, c->width);
    CHECK_EQ_INT(24, c->height);
    CHECK_EQ_INT(1, c->stump);
    CHECK_EQ_INT(0, c->has_tilted);
    CHECK_EQ_INT(0, c->old_format);
    CHECK_EQ_INT(25, c->nstages);
    CHECK_EQ_INT(2913, c->ntrees);
    CHECK_EQ_INT(2913, c->nnodes);
    CHECK_EQ_INT(2 * 2913, c->nleaves);
    CHECK_EQ_INT(2913, c->nfeatures);
    CHECK_EQ_FBITS((float)(-5.0425500869750977e+00) - 1e-5f, c->stages[0].threshold);
    CHECK_EQ_INT(0, c->nodes[0].feature);
    CHECK_EQ_FBITS((float)-3.1511999666690826e-02, c->nodes[0].threshold);
    CHECK_EQ_FBITS((float)2.0875380039215088e+00, c->leaves[0]);
    CHECK_EQ_FBITS((float)-2.2172100543975830e+00, c->leaves[1]);
    f = &c->features[0];
    CHECK_EQ_INT(2, f->nrects);
    CHECK_EQ_INT(6, f->rects[0].x);
    CHECK_EQ_INT(4, f->rects[0].y);
    CHECK_EQ_INT(12, f->rects[0].w);
    CHECK_EQ_INT(9, f->rects[0].h);
    CHECK_EQ_FBITS(-1.0f, f->rects[0].weight);
    CHECK_EQ_FBITS(3.0f, f->rects[1].weight);
    CHECK_EQ_FBITS(0.0f, f->rects[2].weight);
    haar_cascade_free(c);
}

static void cascade_stock_alt2_eye(void)
{
    haar_cascade *c = load(CASCADE_DIR "haarcascade_frontalface_alt2.xml");
    if (!CHECK(c != NULL)) return;
    CHECK_EQ_INT(20, c->width);
    CHECK_EQ_INT(0, c->stump);
    CHECK_EQ_INT(20, c->nstages);
    CHECK_EQ_INT(1047, c->ntrees);
    CHECK_EQ_INT(2094, c->nnodes);
    CHECK_EQ_INT(3 * 1047, c->nleaves);
    CHECK_EQ_INT(2094, c->nfeatures);
    /* tree 0: "0 1 0 4.3272329494357109e-03  -1 -2 1 1.3076160103082657e-02" */
    CHECK_EQ_INT(0, c->nodes[0].left);
    CHECK_EQ_INT(1, c->nodes[0].right);
    CHECK_EQ_INT(-1, c->nodes[1].left);
    CHECK_EQ_INT(-2, c->nodes[1].right);
    CHECK_EQ_INT(1, c->nodes[1].feature);
    CHECK_EQ_FBITS((float)1.3076160103082657e-02, c->nodes[1].threshold);
    CHECK_EQ_FBITS((float)2.6293140649795532e-01, c->leaves[2]);
    CHECK_EQ_INT(3, c->trees[1].first_leaf);
    CHECK_EQ_FBITS((float)3.5069230198860168e-01 - 1e-5f, c->stages[0].threshold);
    haar_cascade_free(c);
    c = load(CASCADE_DIR "haarcascade_eye.xml");
    if (!CHECK(c != NULL)) return;
    CHECK_EQ_INT(20, c->height);
    CHECK_EQ_INT(1, c->stump);
    CHECK_EQ_INT(24, c->nstages);
    CHECK_EQ_INT(1066, c->nfeatures);
    CHECK_EQ_INT(14, c->features[0].rects[1].y);
    haar_cascade_free(c);
}

/* The old-format stock cascade (opencv-haar-classifier): the first node of
 * the file, converted as OpenCV does. */
static void cascade_old_format(void)
{
    haar_cascade *c = load(CORPUS_DIR "haarcascade_licence_plate_rus_16stages.xml");
    if (!CHECK(c != NULL)) return;
    CHECK_EQ_INT(1, c->old_format);
    CHECK_EQ_INT(64, c->width);
    CHECK_EQ_INT(16, c->height);
    CHECK_EQ_INT(16, c->nstages);
    CHECK_EQ_INT(1, c->stump);
    CHECK_EQ_INT(c->ntrees, c->nfeatures);  /* one new feature per node */
    CHECK_EQ_INT(32, c->features[0].rects[1].x);
    CHECK_EQ_INT(4, c->features[0].rects[1].y);
    CHECK_EQ_FBITS(3.0f, c->features[0].rects[1].weight);
    CHECK_EQ_FBITS((float)1.6915600746870041e-002, c->nodes[0].threshold);
    CHECK_EQ_INT(0, c->nodes[0].left);    /* left_val: the tree's leaf 0 */
    CHECK_EQ_INT(-1, c->nodes[0].right);  /* right_val: leaf 1 */
    CHECK_EQ_FBITS((float)-9.5547717809677124e-001, c->leaves[0]);
    CHECK_EQ_FBITS((float)8.9129137992858887e-001, c->leaves[1]);
    haar_cascade_free(c);
    c = load(CORPUS_DIR "eye_tree_6stages.xml");
    if (!CHECK(c != NULL)) return;
    CHECK_EQ_INT(1, c->has_tilted);
    CHECK_EQ_INT(0, c->stump);
    CHECK_EQ_INT(6, c->nstages);
    haar_cascade_free(c);
}

/* The same one-stump cascade written in both formats loads to the same
 * numbers (tests/corpus/cascade/make_bad.py writes both). */
static void cascade_formats_agree(void)
{
    haar_cascade *a = load(CORPUS_DIR "ok_tiny.xml"), *b = load(CORPUS_DIR "ok_tiny_old.xml");
    if (CHECK(a != NULL) && CHECK(b != NULL)) {
        CHECK_EQ_INT(0, a->old_format);
        CHECK_EQ_INT(1, b->old_format);
        CHECK_EQ_INT(a->nstages, b->nstages);
        CHECK_EQ_FBITS(-1.5f - 1e-5f, b->stages[0].threshold);
        CHECK_EQ_FBITS(a->stages[0].threshold, b->stages[0].threshold);
        CHECK_EQ_FBITS(a->nodes[0].threshold, b->nodes[0].threshold);
        CHECK_EQ_INT(a->nodes[0].left, b->nodes[0].left);
        CHECK_EQ_INT(a->nodes[0].right, b->nodes[0].right);
        CHECK_EQ_MEM(a->leaves, b->leaves, 2 * sizeof(float));
        CHECK_EQ_MEM(&a->features[0], &b->features[0], sizeof(haar_feature));
    }
    haar_cascade_free(a);
    haar_cascade_free(b);
}

/* Malformed cascades: each is refused with a message naming the element
 * (and line) at fault. The files are tests/corpus/cascade/bad_*.xml; the
 * same folder seeds the fuzz harness. */
static void cascade_corrupt_corpus(void)
{
    static const struct {
        const char *file, *needle;
    } cases[] = {
        { "bad_unclosed.xml", "line 12: closing tag </_> does not match <weakClassifiers> of line 8" },
        { "bad_mismatch.xml", "line 11: closing tag </internalNodes> does not match <leafValues>" },
        { "bad_node_count.xml", "line 10: <internalNodes>: 5 numbers, a positive multiple of 4" },
        { "bad_leaf_count.xml", "line 11: <leafValues>: 3 leaf values for 1 nodes, 2 expected" },
        { "bad_no_features.xml", "line 3: <cascade>: no <features> element" },
        { "bad_nan.xml", "line 10: <internalNodes>: 'nan' is not a number" },
        { "bad_inf.xml", "line 7: <stageThreshold>: 1e+99 is not a finite float" },
        { "bad_rect.xml", "line 15: <_>: rectangle 20 4 12 9 outside the 24x24 window" },
        { "bad_tilted.xml", "line 15: <_>: tilted rectangle 2 4 12 9 outside the 24x24 window" },
        { "bad_feature_index.xml", "line 10: <internalNodes>: feature index 3 out of range (1 features)" },
        { "bad_loop.xml", "tree 0, node 1: child node 1 is not a later node of the tree" },
        { "bad_stage_type.xml", "line 3: <stageType>: only BOOST stages are supported" },
        { "bad_lbp.xml", "only HAAR features are supported" },
        { "bad_not_cascade.xml", "not a cascade" },
        { "bad_not_storage.xml", "root <opencv_storage> expected" },
        { "bad_text.xml", "line 1: text outside the root element" },
        { "bad_window.xml", "window 2x24 outside 3..100000" },
        { "bad_old_leaf.xml", "neither <right_val> nor <right_node>" },
        { "bad_attribute.xml", "line 3: attribute value without quotes" },
        { "bad_rect_count.xml", "line 14: <rects>: 4 rectangles, 1 to 3 expected" },
        { "bad_empty.xml", "no XML element" },
        { "bad_long_tags.xml", "line 3: closing tag </stageTyooooo" },  /* found by libFuzzer */
    };
    size_t i;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char path[128];
        haar_cascade *c = (haar_cascade *)&c;
        g99_error err;
        int rc;
        sprintf(path, CORPUS_DIR "%s", cases[i].file);
        g99_error_clear(&err);
        rc = haar_cascade_load(path, &c, &err);
        if (!CHECK(rc < 0) || !CHECK(c == NULL)) {
            fprintf(stderr, "    %s loaded\n", path);
            haar_cascade_free(c);
            continue;
        }
        CHECK_CONTAINS(cases[i].needle, err.msg);
        CHECK_CONTAINS(path, err.msg);
    }
}

/* ---- grouping and clipping by hand ---- */

static void group_hand(void)
{
    /* Three similar boxes (delta = 0.2*(10+10)*0.5 = 2) and a lone one.
     * Average of x: (0+1+2)/3 -> 1, y: (0+0+1)/3 = 0.333 -> 0, w: (10+10+11)/3
     * = 10.33 -> 10, h: 10. The lone box has 1 member: dropped at threshold 1. */
    haar_box b[4] = { { 0, 0, 10, 10 }, { 50, 50, 10, 10 }, { 1, 0, 10, 10 }, { 2, 1, 11, 10 } };
    int n = 4, weights[4];
    g99_error err;
    CHECK_EQ_INT(0, haar_group_rectangles(b, &n, 1, 0.2, weights, &err));
    CHECK_EQ_INT(1, n);
    CHECK_EQ_INT(1, b[0].x);
    CHECK_EQ_INT(0, b[0].y);
    CHECK_EQ_INT(10, b[0].w);
    CHECK_EQ_INT(10, b[0].h);
    CHECK_EQ_INT(3, weights[0]);
}

static void group_half_even_and_nesting(void)
{
    /* Two members: x = (3+4)/2 = 3.5 -> 4 (even), y = (1+2)/2 = 1.5 -> 2,
     * w = (20+21)/2 = 20.5 -> 20, h = (20+20)/2 = 20. A class of 2 inside a
     * class of 5: dropped since n2 = 5 > max(3, 2). Label order = order of
     * each class's first member. */
    haar_box b[9] = { { 3, 1, 20, 20 },  { 100, 100, 40, 40 }, { 4, 2, 21, 20 },   { 101, 100, 40, 40 },
                      { 100, 101, 40, 40 }, { 99, 100, 40, 40 }, { 100, 99, 40, 40 }, { 110, 110, 20, 20 },
                      { 111, 110, 20, 20 } };
    int n = 9, weights[9];
    g99_error err;
    CHECK_EQ_INT(0, haar_group_rectangles(b, &n, 1, 0.2, weights, &err));
    CHECK_EQ_INT(2, n);
    CHECK_EQ_INT(4, b[0].x);
    CHECK_EQ_INT(2, b[0].y);
    CHECK_EQ_INT(20, b[0].w);
    CHECK_EQ_INT(20, b[0].h);
    CHECK_EQ_INT(2, weights[0]);
    CHECK_EQ_INT(100, b[1].x);
    CHECK_EQ_INT(5, weights[1]);
    /* Threshold 0 changes nothing. */
    n = 9;
    CHECK_EQ_INT(0, haar_group_rectangles(b, &n, 0, 0.2, NULL, &err));
    CHECK_EQ_INT(9, n);
}

static void clip_hand(void)
{
    haar_box b[3] = { { -2, 5, 10, 10 }, { 95, 95, 10, 10 }, { 100, 0, 5, 5 } };
    int n = 3;
    haar_clip_boxes(b, &n, 100, 100);
    CHECK_EQ_INT(2, n);
    CHECK_EQ_INT(0, b[0].x);
    CHECK_EQ_INT(8, b[0].w);
    CHECK_EQ_INT(95, b[1].x);
    CHECK_EQ_INT(5, b[1].w);
    CHECK_EQ_INT(5, b[1].h);
}

static void detect_bad_arguments(void)
{
    haar_cascade *c = load(CASCADE_DIR "haarcascade_eye.xml");
    img_image rgb, grey;
    haar_params p;
    haar_box *boxes = NULL;
    int n = -1;
    g99_error err;
    if (!CHECK(c != NULL)) return;
    CHECK_EQ_INT(0, img_new(&rgb, 30, 30, 3, 8, &err));
    CHECK_EQ_INT(0, img_new(&grey, 30, 30, 1, 8, &err));
    haar_params_default(&p);
    CHECK_EQ_INT(G99_EINVAL, haar_detect_multiscale(c, &rgb, &p, &boxes, &n, &err));
    CHECK_CONTAINS("1-channel 8-bit", err.msg);
    p.scale_factor = 1.0;
    CHECK_EQ_INT(G99_EINVAL, haar_detect_multiscale(c, &grey, &p, &boxes, &n, &err));
    /* A flat image: every window fails the variance test; no detection. */
    p.scale_factor = 1.1;
    CHECK_EQ_INT(0, haar_detect_multiscale(c, &grey, &p, &boxes, &n, &err));
    CHECK_EQ_INT(0, n);
    CHECK(boxes == NULL);
    img_free(&rgb);
    img_free(&grey);
    haar_cascade_free(c);
}

/* ---- detection against OpenCV ---- */

#define MAX_CACHED 32

typedef struct golden_ctx {
    char img_name[MAX_CACHED][64];
    img_image img[MAX_CACHED];
    int nimg;
    char casc_name[MAX_CACHED][64];
    haar_cascade *casc[MAX_CACHED];
    int ncasc;
} golden_ctx;

static const img_image *get_image(golden_ctx *g, const char *name)
{
    int i;
    char path[160];
    g99_error err;
    for (i = 0; i < g->nimg; i++)
        if (strcmp(g->img_name[i], name) == 0) return &g->img[i];
    if (g->nimg == MAX_CACHED) return NULL;
    sprintf(path, "golden/haar/img/%.60s.pgm", name);
    if (img_ppm_load(path, NULL, &g->img[g->nimg], &err) != 0) {
        fprintf(stderr, "    %s\n", err.msg);
        return NULL;
    }
    strcpy(g->img_name[g->nimg], name);
    return &g->img[g->nimg++];
}

static const haar_cascade *get_cascade(golden_ctx *g, const char *name)
{
    int i;
    char path[160];
    for (i = 0; i < g->ncasc; i++)
        if (strcmp(g->casc_name[i], name) == 0) return g->casc[i];
    if (g->ncasc == MAX_CACHED) return NULL;
    if (strcmp(name, "eye_tree_6stages") == 0) sprintf(path, CORPUS_DIR "eye_tree_6stages.xml");
    else if (strcmp(name, "licence_plate_rus") == 0)
        sprintf(path, CORPUS_DIR "haarcascade_licence_plate_rus_16stages.xml");
    else sprintf(path, CASCADE_DIR "haarcascade_%.60s.xml", name);
    g->casc[g->ncasc] = load(path);
    if (!g->casc[g->ncasc]) return NULL;
    strcpy(g->casc_name[g->ncasc], name);
    return g->casc[g->ncasc++];
}

/* Every case of detections.txt: one scan per (image, cascade, scale factor,
 * sizes), grouped for each minNeighbors value, must give OpenCV's list,
 * same rectangles in the same order. */
static void detect_opencv_goldens(void)
{
    golden_ctx g;
    uint8_t *data;
    size_t len;
    char *text, *line, *save = NULL;
    char last_key[256] = "";
    haar_box *cand = NULL, *work = NULL;
    int ncand = 0, cases = 0, failed = 0, boxes_checked = 0, i;
    g99_error err;
    memset(&g, 0, sizeof g);
    if (!CHECK_EQ_INT(0, g99_read_file("golden/haar/detections.txt", (size_t)1 << 24, &data, &len, &err))) return;
    text = (char *)malloc(len + 1);
    memcpy(text, data, len);
    text[len] = 0;
    free(data);
    line = strtok(text, "\n");
    while (line) {
        char img_name[64], casc_name[64], key[256];
        double sf;
        int mn, minw, minh, maxw, maxh, count, n, ok = 1;
        const img_image *im;
        const haar_cascade *c;
        haar_params p;
        if (sscanf(line, "%63s %63s %lf %d %d %d %d %d %d", img_name, casc_name, &sf, &mn, &minw, &minh, &maxw,
                   &maxh, &count) != 9) {
            CHECK(!"malformed case line in detections.txt");
            break;
        }
        im = get_image(&g, img_name);
        c = get_cascade(&g, casc_name);
        if (!CHECK(im != NULL) || !CHECK(c != NULL)) break;
        p.scale_factor = sf;
        p.min_neighbors = mn;
        p.min_w = minw, p.min_h = minh, p.max_w = maxw, p.max_h = maxh;
        /* The scan depends on everything but minNeighbors: reuse it. */
        sprintf(key, "%s %s %.17g %d %d %d %d", img_name, casc_name, sf, minw, minh, maxw, maxh);
        if (strcmp(key, last_key) != 0) {
            free(cand);
            cand = NULL;
            if (!CHECK_EQ_INT(0, haar_detect_candidates(c, im, &p, &cand, &ncand, &err))) break;
            strcpy(last_key, key);
            free(work);
            work = (haar_box *)malloc((size_t)(ncand ? ncand : 1) * sizeof *work);
        }
        n = ncand;
        if (ncand) memcpy(work, cand, (size_t)ncand * sizeof *work);
        CHECK_EQ_INT(0, haar_group_rectangles(work, &n, mn, 0.2, NULL, &err));
        haar_clip_boxes(work, &n, im->width, im->height);
        if (n != count) ok = 0;
        for (i = 0; i < count; i++) {
            haar_box e;
            line = strtok(NULL, "\n");
            if (!line || sscanf(line, "%d %d %d %d", &e.x, &e.y, &e.w, &e.h) != 4) {
                CHECK(!"truncated detections.txt");
                ok = 0;
                break;
            }
            if (i < n && (e.x != work[i].x || e.y != work[i].y || e.w != work[i].w || e.h != work[i].h)) ok = 0;
            boxes_checked++;
        }
        if (!ok && failed++ < 5)
            fprintf(stderr, "    differs: %s %s sf %g minNeighbors %d: %d boxes, OpenCV %d\n", img_name, casc_name,
                    sf, mn, n, count);
        cases++;
        line = strtok(NULL, "\n");
    }
    (void)save;
    CHECK_EQ_INT(0, failed);
    CHECK(cases >= 456);
    CHECK(boxes_checked > 8000);
    free(cand);
    free(work);
    free(text);
    for (i = 0; i < g.nimg; i++) img_free(&g.img[i]);
    for (i = 0; i < g.ncasc; i++) haar_cascade_free(g.casc[i]);
}

/* ---- face alignment ---- */

#define PHOTO "data/astronaut.jpg"

/* Hand-measured iris centres of data/astronaut.jpg (continuous coordinates;
 * data/README.md says how they were measured, to +-0.5 pixel). */
static const double astronaut_eyes[4] = { 203.0, 100.8, 246.7, 103.2 };

static void map_point(const double m[6], double x, double y, double *u, double *v)
{
    *u = m[0] * x + m[1] * y + m[2];
    *v = m[3] * x + m[4] * y + m[5];
}

/* Where eyes[] land under res->m must be within tol of the targets of p. */
static void check_eyes_land(const align_result *res, const align_params *p, const double eyes[4], double tol)
{
    double u, v;
    map_point(res->m, eyes[0], eyes[1], &u, &v);
    CHECK_NEAR(p->eye_left[0] * p->width, u, tol, 0);
    CHECK_NEAR(p->eye_left[1] * p->height, v, tol, 0);
    map_point(res->m, eyes[2], eyes[3], &u, &v);
    CHECK_NEAR(p->eye_right[0] * p->width, u, tol, 0);
    CHECK_NEAR(p->eye_right[1] * p->height, v, tol, 0);
}

static int load_pair(haar_cascade **face, haar_cascade **eye)
{
    *face = load(CASCADE_DIR "haarcascade_frontalface_default.xml");
    *eye = load(CASCADE_DIR "haarcascade_eye.xml");
    if (*face && *eye) return 1;
    haar_cascade_free(*face);
    haar_cascade_free(*eye);
    return 0;
}

/* The pair rule on boxes placed by hand in a face (0, 0, 100, 100); scores
 * worked out from the formula in align.h. */
static void align_pick_eyes_hand(void)
{
    haar_box face = { 0, 0, 100, 100 };
    /* centres: A (30, 35), B (70, 35), C (50, 80) a mouth, D (72, 37) a
     * second right candidate of another size, E (30, 60) below the half. */
    haar_box e[5] = { { 20, 25, 20, 20 }, { 60, 25, 20, 20 }, { 40, 70, 20, 20 }, { 64, 29, 16, 16 }, { 20, 50, 20, 20 } };
    haar_box same_side[2] = { { 10, 25, 20, 20 }, { 30, 25, 20, 20 } };
    haar_box steep[2] = { { 20, 10, 20, 20 }, { 60, 35, 20, 20 } };      /* dy 25 > 0.5 dx 40: 32 degrees */
    haar_box too_close[2] = { { 30, 25, 20, 20 }, { 42, 25, 20, 20 } };  /* 12 apart < 0.25 w */
    haar_box too_far[2] = { { -5, 25, 20, 20 }, { 65, 25, 20, 20 } };    /* 70 apart > 0.65 w */
    int l = -1, r = -1;
    CHECK_EQ_INT(1, align_pick_eyes(&face, e, 5, &l, &r));
    /* A-B: |40 - 40| + 0 + 0 + 0 = 0; A-D: |42.05 - 40|/100 + 2/42 + 1/100 + 4/20 > 0. */
    CHECK_EQ_INT(0, l);
    CHECK_EQ_INT(1, r);
    /* Without B, A-D is the only pair (C and E have their centre below the half). */
    e[1] = e[4];
    CHECK_EQ_INT(1, align_pick_eyes(&face, e, 5, &l, &r));
    CHECK_EQ_INT(0, l);
    CHECK_EQ_INT(3, r);
    CHECK_EQ_INT(0, align_pick_eyes(&face, e, 3, &l, &r));
    CHECK_EQ_INT(0, align_pick_eyes(&face, same_side, 2, &l, &r));
    CHECK_EQ_INT(0, align_pick_eyes(&face, steep, 2, &l, &r));
    CHECK_EQ_INT(0, align_pick_eyes(&face, too_close, 2, &l, &r));
    CHECK_EQ_INT(0, align_pick_eyes(&face, too_far, 2, &l, &r));
    CHECK_EQ_INT(0, align_pick_eyes(&face, e, 0, &l, &r));
}

/* align_warp on a linear ramp (R = x, G = y at pixel (x, y)), whose value
 * at any point is known: an output pixel centre (u + 0.5, v + 0.5) maps to
 * the photo point p = (q - b) / a (complex numbers, a and b from the two
 * eye pairs, computed here independently of align/), where the ramp is
 * p - 0.5. Box averages and bilinear interpolation of a linear function
 * are exact, so only 8-bit rounding (twice: INTER_AREA, warp) and the warp's
 * 1/32-pixel positions separate the two: within 1 level. Three sizes: no
 * prefilter (shrink 1.98), INTER_AREA by 3 (shrink 3.09) and by 4 (4.95,
 * non-square output). */
static void align_warp_ramp(void)
{
    static const struct {
        int w, h, k;
    } cases[] = { { 100, 120, 1 }, { 64, 64, 3 }, { 40, 48, 4 } };
    const double eyes[4] = { 100.0, 90.0, 148.0, 102.0 };
    img_image ramp, out;
    align_params p;
    g99_error err;
    size_t c;
    int x, y;
    if (!CHECK_EQ_INT(0, img_new(&ramp, 256, 256, 3, 8, &err))) return;
    for (y = 0; y < 256; y++)
        for (x = 0; x < 256; x++) {
            ramp.data[(y * 256 + x) * 3] = (uint8_t)x;
            ramp.data[(y * 256 + x) * 3 + 1] = (uint8_t)y;
            ramp.data[(y * 256 + x) * 3 + 2] = 128;
        }
    align_params_default(&p);
    for (c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        double m[6], ql[2], qr[2], ar, ai, br, bi, n, worst = 0;
        int k = 0, checked = 0;
        p.width = cases[c].w;
        p.height = cases[c].h;
        if (!CHECK_EQ_INT(0, align_warp(&ramp, eyes, &p, &out, m, &k, &err))) break;
        CHECK_EQ_INT(cases[c].w, out.width);
        CHECK_EQ_INT(cases[c].h, out.height);
        CHECK_EQ_INT(3, out.channels);
        CHECK_EQ_INT(cases[c].k, k);
        /* a = (q_r - q_l) / (p_r - p_l), b = q_l - a p_l. */
        ql[0] = 0.375 * p.width, ql[1] = 0.4725 * p.height;
        qr[0] = 0.625 * p.width, qr[1] = 0.4725 * p.height;
        n = 48.0 * 48.0 + 12.0 * 12.0;
        ar = ((qr[0] - ql[0]) * 48.0 + (qr[1] - ql[1]) * 12.0) / n;
        ai = ((qr[1] - ql[1]) * 48.0 - (qr[0] - ql[0]) * 12.0) / n;
        br = ql[0] - (ar * eyes[0] - ai * eyes[1]);
        bi = ql[1] - (ai * eyes[0] + ar * eyes[1]);
        CHECK_NEAR(ar, m[0], 1e-12, 0);
        CHECK_NEAR(ai, m[3], 1e-12, 0);
        CHECK_NEAR(br, m[2], 1e-9, 0);
        CHECK_NEAR(bi, m[5], 1e-9, 0);
        for (y = 0; y < out.height; y++)
            for (x = 0; x < out.width; x++) {
                /* p = (q - b) / a */
                double qx = x + 0.5 - br, qy = y + 0.5 - bi, d = ar * ar + ai * ai;
                double px = (qx * ar + qy * ai) / d, py = (qy * ar - qx * ai) / d, e1, e2;
                const uint8_t *o = out.data + (y * out.width + x) * 3;
                if (px < 2 + 2 * k || px > 254 - 2 * k || py < 2 + 2 * k || py > 254 - 2 * k) continue;
                e1 = o[0] - (px - 0.5);
                e2 = o[1] - (py - 0.5);
                e1 = e1 < 0 ? -e1 : e1;
                e2 = e2 < 0 ? -e2 : e2;
                worst = e1 > worst ? e1 : worst;
                worst = e2 > worst ? e2 : worst;
                checked++;
            }
        if (!CHECK(worst <= 1.0)) fprintf(stderr, "    %dx%d: worst %.3f\n", p.width, p.height, worst);
        CHECK(checked > out.width * out.height / 3);
        img_free(&out);
    }
    img_free(&ramp);
}

/* The shipped photo, several output sizes (non-square ones included, and
 * 64x80 where the warp shrinks 2.7x, so INTER_AREA by 2 comes first): the
 * hand-measured eyes land within 1.5 pixels of the targets. */
static void align_astronaut(void)
{
    static const struct {
        int w, h, k;
    } sizes[] = { { 256, 256, 1 }, { 256, 320, 1 }, { 360, 480, 1 }, { 64, 80, 2 } };
    haar_cascade *face, *eye;
    img_image photo, out;
    align_params p;
    align_result res;
    g99_error err;
    size_t i;
    if (!load_pair(&face, &eye)) return;
    if (!CHECK_EQ_INT(0, img_jpeg_load(PHOTO, NULL, &photo, &err))) return;
    for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        align_params_default(&p);
        p.width = sizes[i].w;
        p.height = sizes[i].h;
        p.face.min_w = p.face.min_h = 80;  /* the face is 95 pixels: skips the small scales, faster */
        if (!CHECK_EQ_INT(0, align_face(face, eye, &photo, &p, &out, &res, &err))) break;
        CHECK_EQ_INT(ALIGN_EYES, res.status);
        CHECK(res.reason == NULL);
        CHECK_EQ_INT(1, res.faces);
        CHECK_EQ_INT(2, res.eyes);
        CHECK_EQ_INT(sizes[i].w, out.width);
        CHECK_EQ_INT(sizes[i].h, out.height);
        CHECK_EQ_INT(3, out.channels);
        CHECK_EQ_INT(sizes[i].k, res.prefilter);
        /* The eye boxes hold the measured centres. */
        CHECK(res.eye_box[0].x < 203 && res.eye_box[0].x + res.eye_box[0].w > 203);
        CHECK(res.eye_box[1].x < 246 && res.eye_box[1].x + res.eye_box[1].w > 247);
        check_eyes_land(&res, &p, astronaut_eyes, 1.5);
        img_free(&out);
    }
    img_free(&photo);
    haar_cascade_free(face);
    haar_cascade_free(eye);
}

/* The photo turned by atan(0.26/1.58) = 9.3 degrees and enlarged 1.6x
 * (z -> a z + t with a = 1.58 + 0.26i, by img_warp_affine), so its eyes are
 * the measured ones moved by the same map; aligned to 128x128 (a 2.2x
 * shrink: INTER_AREA by 2). */
static void align_astronaut_turned(void)
{
    const double ar = 1.58, ai = 0.26;
    double tx = 410 - (ar * 256 - ai * 256), ty = 410 - (ai * 256 + ar * 256), eyes[4];
    haar_cascade *face, *eye;
    img_image photo, turned, out;
    img_warp_params wp;
    align_params p;
    align_result res;
    g99_error err;
    int i;
    if (!load_pair(&face, &eye)) return;
    if (!CHECK_EQ_INT(0, img_jpeg_load(PHOTO, NULL, &photo, &err))) return;
    memset(&wp, 0, sizeof wp);
    wp.width = wp.height = 820;
    wp.border = IMG_BORDER_REPLICATE;
    /* In pixel-centre coordinates x_idx = x - 0.5 on both sides. */
    wp.m[0] = ar, wp.m[1] = -ai, wp.m[2] = tx + 0.5 * (ar - ai) - 0.5;
    wp.m[3] = ai, wp.m[4] = ar, wp.m[5] = ty + 0.5 * (ai + ar) - 0.5;
    CHECK_EQ_INT(0, img_warp_affine(&photo, &wp, &turned, &err));
    img_free(&photo);
    for (i = 0; i < 2; i++) {
        eyes[2 * i] = ar * astronaut_eyes[2 * i] - ai * astronaut_eyes[2 * i + 1] + tx;
        eyes[2 * i + 1] = ai * astronaut_eyes[2 * i] + ar * astronaut_eyes[2 * i + 1] + ty;
    }
    align_params_default(&p);
    p.width = p.height = 128;
    p.face.min_w = p.face.min_h = 120;  /* the face is about 150 pixels */
    if (CHECK_EQ_INT(0, align_face(face, eye, &turned, &p, &out, &res, &err))) {
        CHECK_EQ_INT(ALIGN_EYES, res.status);
        CHECK_EQ_INT(2, res.prefilter);
        check_eyes_land(&res, &p, eyes, 1.5);
        img_free(&out);
    }
    img_free(&turned);
    haar_cascade_free(face);
    haar_cascade_free(eye);
}

/* No face (the cat of the detector goldens, where OpenCV finds none with
 * frontalface_default (1.1, 3)): reported, not an error, nothing made. */
static void align_no_face(void)
{
    haar_cascade *face, *eye;
    img_image cat, out;
    align_params p;
    align_result res;
    g99_error err;
    if (!load_pair(&face, &eye)) return;
    if (CHECK_EQ_INT(0, img_ppm_load("golden/haar/img/chelsea.pgm", NULL, &cat, &err))) {
        align_params_default(&p);
        CHECK_EQ_INT(0, align_face(face, eye, &cat, &p, &out, &res, &err));
        CHECK_EQ_INT(ALIGN_NO_FACE, res.status);
        CHECK_EQ_STR("no face found", res.reason);
        CHECK_EQ_INT(0, res.faces);
        CHECK(out.data == NULL);
        img_free(&cat);
    }
    haar_cascade_free(face);
    haar_cascade_free(eye);
}

/* Dark glasses (a black band over both eyes, the nose bridge left): the
 * face is still found, the eyes are not; the alignment falls back on the
 * face box, with the eyes at (0.30, 0.38) and (0.70, 0.38) of it. */
static void align_no_eyes(void)
{
    haar_cascade *face, *eye;
    img_image photo, out;
    align_params p;
    align_result res;
    g99_error err;
    double used[4];
    int x, y, c;
    if (!load_pair(&face, &eye)) return;
    if (!CHECK_EQ_INT(0, img_jpeg_load(PHOTO, NULL, &photo, &err))) return;
    for (y = 93; y < 111; y++)
        for (x = 190; x < 260; x++)
            if (!(x > 216 && x < 232 && y > 100))
                for (c = 0; c < 3; c++) photo.data[(y * 512 + x) * 3 + c] = 20;
    align_params_default(&p);
    p.width = 96;
    p.height = 128;
    p.face.min_w = p.face.min_h = 80;
    if (CHECK_EQ_INT(0, align_face(face, eye, &photo, &p, &out, &res, &err))) {
        const haar_box *f = &res.face;
        CHECK_EQ_INT(ALIGN_FACE_BOX, res.status);
        CHECK_EQ_STR("no eye found", res.reason);
        CHECK_EQ_INT(0, res.eyes);
        /* The box is around the face of the photo (177, 66, 95, 95 without glasses). */
        CHECK(f->x > 140 && f->x < 200 && f->y > 40 && f->y < 90 && f->w > 80 && f->w < 150);
        CHECK_NEAR(f->x + 0.30 * f->w, res.eye_left[0], 1e-12, 0);
        CHECK_NEAR(f->y + 0.38 * f->h, res.eye_left[1], 1e-12, 0);
        CHECK_NEAR(f->x + 0.70 * f->w, res.eye_right[0], 1e-12, 0);
        CHECK_NEAR(f->y + 0.38 * f->h, res.eye_right[1], 1e-12, 0);
        CHECK_EQ_INT(96, out.width);
        CHECK_EQ_INT(128, out.height);
        /* and those land on the targets */
        used[0] = res.eye_left[0], used[1] = res.eye_left[1], used[2] = res.eye_right[0], used[3] = res.eye_right[1];
        check_eyes_land(&res, &p, used, 1e-9);
        img_free(&out);
    }
    img_free(&photo);
    haar_cascade_free(face);
    haar_cascade_free(eye);
}

static void align_bad_arguments(void)
{
    const double eyes[4] = { 10, 10, 20, 10 }, same[4] = { 10, 10, 10, 10 }, far[4] = { 1e9, 0, 1e9 + 100, 0 };
    double nan_eyes[4] = { 10, 10, 20, 10 };
    volatile double zero = 0;
    img_image img, deep, out;
    align_params p;
    g99_error err;
    if (!CHECK_EQ_INT(0, img_new(&img, 32, 32, 3, 8, &err))) return;
    if (!CHECK_EQ_INT(0, img_new(&deep, 32, 32, 3, 16, &err))) return;
    align_params_default(&p);
    CHECK_EQ_INT(G99_EUNSUPPORTED, align_warp(&deep, eyes, &p, &out, NULL, NULL, &err));
    CHECK_EQ_INT(G99_EINVAL, align_warp(&img, same, &p, &out, NULL, NULL, &err));
    CHECK_CONTAINS("coincide", err.msg);
    nan_eyes[1] = zero / zero;
    CHECK_EQ_INT(G99_EINVAL, align_warp(&img, nan_eyes, &p, &out, NULL, NULL, &err));
    CHECK_CONTAINS("not finite", err.msg);
    /* Eyes a billion pixels off a 32x32 photo: out of the warp's range. */
    CHECK_EQ_INT(G99_EINVAL, align_warp(&img, far, &p, &out, NULL, NULL, &err));
    CHECK_CONTAINS("more than 2^19 pixels away", err.msg);
    p.eye_right[0] = p.eye_left[0];
    p.eye_right[1] = p.eye_left[1];
    CHECK_EQ_INT(G99_EINVAL, align_warp(&img, eyes, &p, &out, NULL, NULL, &err));
    align_params_default(&p);
    p.height = 0;
    CHECK_EQ_INT(G99_EINVAL, align_warp(&img, eyes, &p, &out, NULL, NULL, &err));
    CHECK_CONTAINS("output size", err.msg);
    CHECK(out.data == NULL);
    img_free(&img);
    img_free(&deep);
}

/* The mean of three 2x1 RGB images, worked out by hand: sums 2, 1, 765,
 * 764, 4, 5 over 3 images give 0.67 -> 1, 0.33 -> 0, 255, 254.67 -> 255,
 * 1.33 -> 1, 1.67 -> 2; two images with an odd sum give .5, rounded up. */
static void align_mean_hand(void)
{
    static const uint8_t a[6] = { 0, 0, 255, 255, 1, 2 }, b[6] = { 1, 0, 255, 254, 1, 2 }, c[6] = { 1, 1, 255, 255, 2, 1 };
    static const uint8_t mean3[6] = { 1, 0, 255, 255, 1, 2 }, mean2[6] = { 1, 0, 255, 255, 1, 2 };
    const uint8_t *src[3] = { a, b, c };
    align_mean m;
    img_image img, mean, odd;
    g99_error err;
    int i;
    memset(&m, 0, sizeof m);
    CHECK_EQ_INT(G99_EINVAL, align_mean_image(&m, &mean, &err));
    if (!CHECK_EQ_INT(0, img_new(&img, 2, 1, 3, 8, &err))) return;
    for (i = 0; i < 2; i++) {
        memcpy(img.data, src[i], 6);
        CHECK_EQ_INT(0, align_mean_add(&m, &img, &err));
    }
    /* a + b: 1/2 -> 1 (half up), 0, 255, 509/2 -> 255, 1, 2. */
    if (CHECK_EQ_INT(0, align_mean_image(&m, &mean, &err))) {
        CHECK_EQ_MEM(mean2, mean.data, 6);
        img_free(&mean);
    }
    memcpy(img.data, src[2], 6);
    CHECK_EQ_INT(0, align_mean_add(&m, &img, &err));
    if (CHECK_EQ_INT(0, align_mean_image(&m, &mean, &err))) {
        CHECK_EQ_INT(2, mean.width);
        CHECK_EQ_INT(3, mean.channels);
        CHECK_EQ_MEM(mean3, mean.data, 6);
        img_free(&mean);
    }
    CHECK_EQ_INT(0, img_new(&odd, 1, 2, 3, 8, &err));
    CHECK_EQ_INT(G99_EINVAL, align_mean_add(&m, &odd, &err));
    CHECK_CONTAINS("1x2 with 3 channels, unlike the first image (2x1 with 3 channels)", err.msg);
    CHECK_EQ_INT(3, (long long)m.count);
    img_free(&odd);
    img_free(&img);
    align_mean_free(&m);
}

const test_case align_tests[] = {
    TEST(parse_double_hand),
    TEST(parse_double_rejects),
    TEST(parse_double_cascade_values),
    TEST(cascade_stock_default),
    TEST(cascade_stock_alt2_eye),
    TEST(cascade_old_format),
    TEST(cascade_formats_agree),
    TEST(cascade_corrupt_corpus),
    TEST(group_hand),
    TEST(group_half_even_and_nesting),
    TEST(clip_hand),
    TEST(detect_bad_arguments),
    TEST(detect_opencv_goldens),
    TEST(align_pick_eyes_hand),
    TEST(align_warp_ramp),
    TEST(align_astronaut),
    TEST(align_astronaut_turned),
    TEST(align_no_face),
    TEST(align_no_eyes),
    TEST(align_bad_arguments),
    TEST(align_mean_hand),
    TEST_END,
};
