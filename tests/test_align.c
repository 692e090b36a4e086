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
    TEST_END,
};
