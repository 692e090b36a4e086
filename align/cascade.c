/* Haar cascades from OpenCV's XML files (doc/haar.md §2): the new format
 * (opencv-cascade-classifier, as CascadeClassifierImpl::Data::read and
 * HaarEvaluator::Feature::read read it) and the old one
 * (opencv-haar-classifier), converted as haar_cvt::convert does.
 *
 * Everything OpenCV would trip over is refused with a message naming the
 * line and the element: missing elements, wrong counts, numbers that are
 * not numbers or not finite, rectangles outside the window, feature and
 * node indices out of range, trees that loop. Where OpenCV is lenient in a
 * way that could read outside the window or loop forever (negative sizes,
 * a tilted rectangle poking out of the window, a child pointing back), gan99
 * refuses the file; no stock cascade is affected. */
#include "align_private.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* The window sizes accepted; OpenCV allows up to 1e6 but its int area
 * (W-2)*(H-2) would overflow long before that. */
#define HAAR_MAX_WINDOW 100000

typedef struct reader {
    const axml_doc *doc;
    const char *source;
    g99_error *err;
    axml_num *nums;
    int nums_cap;
    haar_cascade *c;
    int cap_stages, cap_trees, cap_nodes, cap_leaves, cap_features;
} reader;

static int fail(reader *r, int code, int node, const char *fmt, ...) G99_PRINTF(4, 5);

static int fail(reader *r, int code, int node, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    const axml_node *n = &r->doc->nodes[node];
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return g99_fail(r->err, code, "%s%sline %d: <%.*s>: %s", r->source ? r->source : "", r->source ? ": " : "",
                    axml_line(r->doc, n->offset), (int)(n->name_len < 60 ? n->name_len : 60), n->name, msg);
}

/* A required child element. */
static int need(reader *r, int parent, const char *name, int *child)
{
    *child = axml_child(r->doc, parent, name);
    if (*child < 0) return fail(r, G99_EFORMAT, parent, "no <%s> element", name);
    return 0;
}

static int grow(reader *r, void **p, int *cap, int need_n, size_t size)
{
    void *q;
    int n;
    if (need_n <= *cap) return 0;
    n = *cap ? *cap : 16;
    while (n < need_n) {
        if (n > 0x3FFFFFFF) return g99_fail(r->err, G99_ELIMIT, "%s: cascade too large", r->source ? r->source : "");
        n *= 2;
    }
    if ((size_t)n > (size_t)-1 / size) return g99_fail(r->err, G99_ELIMIT, "cascade too large");
    q = realloc(*p, (size_t)n * size);
    if (!q) return g99_fail(r->err, G99_ENOMEM, "%s: out of memory", r->source ? r->source : "cascade");
    *p = q;
    *cap = n;
    return 0;
}

/* The numbers of node's text into r->nums; *count of them. */
static int numbers(reader *r, int node, int *count)
{
    const char *bad = NULL;
    size_t bad_len = 0;
    int rc = axml_numbers(r->doc, node, r->nums, r->nums_cap, count, &bad, &bad_len);
    if (!rc && *count > r->nums_cap) {
        rc = grow(r, (void **)&r->nums, &r->nums_cap, *count, sizeof *r->nums);
        if (rc) return rc;
        rc = axml_numbers(r->doc, node, r->nums, r->nums_cap, count, &bad, &bad_len);
    }
    if (rc) return fail(r, G99_EFORMAT, node, "'%.*s' is not a number", (int)(bad_len < 40 ? bad_len : 40), bad);
    return 0;
}

/* (int)node: an INT as it is, a REAL rounded half to even (cvRound). */
static int num_int(reader *r, int node, const axml_num *v, int *out)
{
    if (v->is_real) {
        if (!(v->real >= -2147483648.0 && v->real <= 2147483647.0))
            return fail(r, G99_EFORMAT, node, "%g is not an int", v->real);
        *out = (int)lrint(v->real);
    } else {
        if (v->integer < -2147483647L - 1 || v->integer > 2147483647L)
            return fail(r, G99_EFORMAT, node, "%ld is not an int", v->integer);
        *out = (int)v->integer;
    }
    return 0;
}

/* (float)node: decimal -> double -> float, OpenCV's two roundings. */
static int num_float(reader *r, int node, const axml_num *v, float *out)
{
    *out = v->is_real ? (float)v->real : (float)v->integer;
    if (!isfinite(*out)) return fail(r, G99_EFORMAT, node, "%g is not a finite float", v->is_real ? v->real : 0.0);
    return 0;
}

static int one_number(reader *r, int node)
{
    int n, rc = numbers(r, node, &n);
    if (rc) return rc;
    if (n != 1) return fail(r, G99_EFORMAT, node, "%d numbers, one expected", n);
    return 0;
}

static int child_int(reader *r, int parent, const char *name, int *out)
{
    int node, rc = need(r, parent, name, &node);
    if (!rc) rc = one_number(r, node);
    if (!rc) rc = num_int(r, node, &r->nums[0], out);
    return rc;
}

static int child_float(reader *r, int parent, const char *name, float *out)
{
    int node, rc = need(r, parent, name, &node);
    if (!rc) rc = one_number(r, node);
    if (!rc) rc = num_float(r, node, &r->nums[0], out);
    return rc;
}

/* The stage threshold: (float)t - 1e-5f in float (OpenCV's THRESHOLD_EPS),
 * so that a sum equal to the threshold in the file passes. */
static int child_stage_threshold(reader *r, int parent, const char *name, float *out)
{
    float t;
    int rc = child_float(r, parent, name, &t);
    if (!rc) *out = (float)(t - 1e-5f);
    return rc;
}

/* The trimmed text of node equals s. */
static int text_is(const reader *r, int node, const char *s)
{
    const axml_node *n = &r->doc->nodes[node];
    const char *t = n->text;
    size_t len = n->text_len;
    if (!t) return 0;
    while (len && (*t == ' ' || *t == '\t' || *t == '\n' || *t == '\r')) t++, len--;
    while (len && (t[len - 1] == ' ' || t[len - 1] == '\t' || t[len - 1] == '\n' || t[len - 1] == '\r')) len--;
    return strlen(s) == len && memcmp(t, s, len) == 0;
}

/* ---- features ---- */

/* <rects> with 1..3 children "x y w h weight"; drop_tiny_third is the old
 * format's conversion, which leaves out a third rect whose |weight| is below
 * FLT_EPSILON. Checks as HaarEvaluator::Feature::read, plus: sizes are not
 * negative and a tilted rectangle lies inside the window. */
static int read_feature(reader *r, int fnode, int drop_tiny_third)
{
    haar_cascade *c = r->c;
    haar_feature *f;
    int rects, tnode, rnode, k = 0, rc;
    rc = grow(r, (void **)&c->features, &r->cap_features, c->nfeatures + 1, sizeof *c->features);
    if (rc) return rc;
    f = &c->features[c->nfeatures];
    memset(f, 0, sizeof *f);
    rc = need(r, fnode, "rects", &rects);
    if (rc) return rc;
    if (axml_child_count(r->doc, rects) < 1 || axml_child_count(r->doc, rects) > 3)
        return fail(r, G99_EFORMAT, rects, "%d rectangles, 1 to 3 expected", axml_child_count(r->doc, rects));
    tnode = axml_child(r->doc, fnode, "tilted");
    if (tnode >= 0) {
        int t = 0;   /* set by num_int; mingw gcc 12 cannot see it */
        rc = one_number(r, tnode);
        if (!rc) rc = num_int(r, tnode, &r->nums[0], &t);
        if (rc) return rc;
        f->tilted = t != 0;
    }
    for (rnode = r->doc->nodes[rects].first_child; rnode >= 0; rnode = r->doc->nodes[rnode].next_sibling, k++) {
        haar_rect *q = &f->rects[k];
        int n;
        int64_t x, y, w, h, W = c->width, H = c->height;
        rc = numbers(r, rnode, &n);
        if (rc) return rc;
        if (n != 5) return fail(r, G99_EFORMAT, rnode, "%d numbers, 5 expected (x y w h weight)", n);
        if ((rc = num_int(r, rnode, &r->nums[0], &q->x)) || (rc = num_int(r, rnode, &r->nums[1], &q->y)) ||
            (rc = num_int(r, rnode, &r->nums[2], &q->w)) || (rc = num_int(r, rnode, &r->nums[3], &q->h)) ||
            (rc = num_float(r, rnode, &r->nums[4], &q->weight)))
            return rc;
        x = q->x, y = q->y, w = q->w, h = q->h;
        if (x < 0 || y < 0 || w < 0 || h < 0 || x >= W || y >= H || x + w > W || y + h > H)
            return fail(r, G99_EFORMAT, rnode, "rectangle %d %d %d %d outside the %dx%d window", q->x, q->y, q->w,
                        q->h, c->width, c->height);
        if (f->tilted && (x - h < 0 || y + w + h > H))
            return fail(r, G99_EFORMAT, rnode, "tilted rectangle %d %d %d %d outside the %dx%d window", q->x, q->y,
                        q->w, q->h, c->width, c->height);
    }
    f->nrects = k;
    if (drop_tiny_third && k == 3 && fabsf(f->rects[2].weight) < FLT_EPSILON) {
        f->nrects = 2;
        memset(&f->rects[2], 0, sizeof f->rects[2]);
    }
    if (f->tilted) c->has_tilted = 1;
    c->nfeatures++;
    return 0;
}

static int add_tree(reader *r, int nodes, int leaves)
{
    haar_cascade *c = r->c;
    int rc = grow(r, (void **)&c->trees, &r->cap_trees, c->ntrees + 1, sizeof *c->trees);
    if (!rc) rc = grow(r, (void **)&c->nodes, &r->cap_nodes, c->nnodes + nodes, sizeof *c->nodes);
    if (!rc) rc = grow(r, (void **)&c->leaves, &r->cap_leaves, c->nleaves + leaves, sizeof *c->leaves);
    if (rc) return rc;
    c->trees[c->ntrees].first_node = c->nnodes;
    c->trees[c->ntrees].node_count = nodes;
    c->trees[c->ntrees].first_leaf = c->nleaves;
    return 0;
}

static int add_stage(reader *r)
{
    haar_cascade *c = r->c;
    int rc = grow(r, (void **)&c->stages, &r->cap_stages, c->nstages + 1, sizeof *c->stages);
    if (rc) return rc;
    c->stages[c->nstages].first_tree = c->ntrees;
    c->stages[c->nstages].tree_count = 0;
    c->stages[c->nstages].threshold = 0;
    return 0;
}

static int read_window(reader *r, int node, int w, int h)
{
    if (w < 3 || h < 3 || w > HAAR_MAX_WINDOW || h > HAAR_MAX_WINDOW)
        return fail(r, G99_EFORMAT, node, "window %dx%d outside 3..%d", w, h, HAAR_MAX_WINDOW);
    r->c->width = w;
    r->c->height = h;
    return 0;
}

/* ---- the new format (doc/haar.md §2.2) ---- */

static int read_new(reader *r, int root)
{
    haar_cascade *c = r->c;
    int node, stages, features, s, w, h, rc;
    const int nodes_per = 4;  /* left right feature threshold: HAAR has no categories */
    if ((rc = need(r, root, "stageType", &node))) return rc;
    if (!text_is(r, node, "BOOST")) return fail(r, G99_EUNSUPPORTED, node, "only BOOST stages are supported");
    if ((rc = need(r, root, "featureType", &node))) return rc;
    if (!text_is(r, node, "HAAR")) return fail(r, G99_EUNSUPPORTED, node, "only HAAR features are supported");
    if ((rc = child_int(r, root, "height", &h)) || (rc = child_int(r, root, "width", &w))) return rc;
    if ((rc = read_window(r, root, w, h))) return rc;
    if ((rc = need(r, root, "featureParams", &node))) return rc;
    if (axml_child(r->doc, node, "maxCatCount") >= 0) {
        int cats;
        if ((rc = child_int(r, node, "maxCatCount", &cats))) return rc;
        if (cats != 0) return fail(r, G99_EUNSUPPORTED, node, "maxCatCount %d: categorical features are not HAAR", cats);
    }
    if ((rc = need(r, root, "stages", &stages)) || (rc = need(r, root, "features", &features))) return rc;
    for (s = r->doc->nodes[stages].first_child; s >= 0; s = r->doc->nodes[s].next_sibling) {
        int weak, wc;
        if ((rc = add_stage(r))) return rc;
        if ((rc = child_stage_threshold(r, s, "stageThreshold", &c->stages[c->nstages].threshold))) return rc;
        if ((rc = need(r, s, "weakClassifiers", &weak))) return rc;
        for (wc = r->doc->nodes[weak].first_child; wc >= 0; wc = r->doc->nodes[wc].next_sibling) {
            int in, lv, n, nl, k;
            haar_tree *t;
            if ((rc = need(r, wc, "internalNodes", &in)) || (rc = need(r, wc, "leafValues", &lv))) return rc;
            if ((rc = numbers(r, in, &n))) return rc;
            if (n < nodes_per || n % nodes_per)
                return fail(r, G99_EFORMAT, in, "%d numbers, a positive multiple of 4 expected", n);
            if ((rc = add_tree(r, n / nodes_per, n / nodes_per + 1))) return rc;
            t = &c->trees[c->ntrees];
            for (k = 0; k < t->node_count; k++) {
                haar_node *q = &c->nodes[t->first_node + k];
                if ((rc = num_int(r, in, &r->nums[4 * k], &q->left)) ||
                    (rc = num_int(r, in, &r->nums[4 * k + 1], &q->right)) ||
                    (rc = num_int(r, in, &r->nums[4 * k + 2], &q->feature)) ||
                    (rc = num_float(r, in, &r->nums[4 * k + 3], &q->threshold)))
                    return rc;
                if (q->feature < 0) return fail(r, G99_EFORMAT, in, "feature index %d is negative", q->feature);
            }
            if ((rc = numbers(r, lv, &nl))) return rc;
            if (nl != t->node_count + 1)
                return fail(r, G99_EFORMAT, lv, "%d leaf values for %d nodes, %d expected", nl, t->node_count,
                            t->node_count + 1);
            for (k = 0; k < nl; k++)
                if ((rc = num_float(r, lv, &r->nums[k], &c->leaves[t->first_leaf + k]))) return rc;
            c->nnodes += t->node_count;
            c->nleaves += nl;
            c->ntrees++;
            c->stages[c->nstages].tree_count++;
        }
        c->nstages++;
    }
    for (node = r->doc->nodes[features].first_child; node >= 0; node = r->doc->nodes[node].next_sibling)
        if ((rc = read_feature(r, node, 0))) return rc;
    /* Feature indices, now that the features are counted: checked per tree so
     * the message can name its <internalNodes>. */
    {
        int ti = 0, k;
        for (s = r->doc->nodes[stages].first_child; s >= 0; s = r->doc->nodes[s].next_sibling) {
            int wc = r->doc->nodes[axml_child(r->doc, s, "weakClassifiers")].first_child;
            for (; wc >= 0; wc = r->doc->nodes[wc].next_sibling, ti++) {
                const haar_tree *t = &c->trees[ti];
                for (k = 0; k < t->node_count; k++)
                    if (c->nodes[t->first_node + k].feature >= c->nfeatures)
                        return fail(r, G99_EFORMAT, axml_child(r->doc, wc, "internalNodes"),
                                    "feature index %d out of range (%d features)", c->nodes[t->first_node + k].feature,
                                    c->nfeatures);
            }
        }
    }
    return 0;
}

/* ---- the old format and its conversion (doc/haar.md §2.3) ---- */

/* A child given as <X_val> becomes a new leaf (encoded -leaf), one given as
 * <X_node> keeps its index. */
static int old_child(reader *r, int nnode, const char *val, const char *nod, int tree_leaves, float *leaf, int *out,
                     int *is_leaf)
{
    int node = axml_child(r->doc, nnode, val), rc;
    if (node >= 0) {
        rc = one_number(r, node);
        if (!rc) rc = num_float(r, node, &r->nums[0], leaf);
        *out = -tree_leaves;
        *is_leaf = 1;
        return rc;
    }
    node = axml_child(r->doc, nnode, nod);
    if (node < 0) return fail(r, G99_EFORMAT, nnode, "neither <%s> nor <%s>", val, nod);
    *is_leaf = 0;
    rc = one_number(r, node);
    if (!rc) rc = num_int(r, node, &r->nums[0], out);
    return rc;
}

static int read_old(reader *r, int root)
{
    haar_cascade *c = r->c;
    int node, stages, s, n, w = 0, h = 0, rc;   /* w, h: mingw gcc 12 warns */
    r->c->old_format = 1;
    if ((rc = need(r, root, "size", &node)) || (rc = numbers(r, node, &n))) return rc;
    if (n != 2) return fail(r, G99_EFORMAT, node, "%d numbers, 2 expected (width height)", n);
    if ((rc = num_int(r, node, &r->nums[0], &w)) || (rc = num_int(r, node, &r->nums[1], &h))) return rc;
    if ((rc = read_window(r, node, w, h))) return rc;
    if ((rc = need(r, root, "stages", &stages))) return rc;
    for (s = r->doc->nodes[stages].first_child; s >= 0; s = r->doc->nodes[s].next_sibling) {
        int trees, tr;
        if ((rc = add_stage(r))) return rc;
        if ((rc = child_stage_threshold(r, s, "stage_threshold", &c->stages[c->nstages].threshold))) return rc;
        if ((rc = need(r, s, "trees", &trees))) return rc;
        for (tr = r->doc->nodes[trees].first_child; tr >= 0; tr = r->doc->nodes[tr].next_sibling) {
            int count = axml_child_count(r->doc, tr), nn, k = 0;
            haar_tree *t;
            if (count < 1) return fail(r, G99_EFORMAT, tr, "a tree without nodes");
            if ((rc = add_tree(r, count, count + 1))) return rc;
            t = &c->trees[c->ntrees];
            n = 0;  /* leaves so far in this tree */
            for (nn = r->doc->nodes[tr].first_child; nn >= 0; nn = r->doc->nodes[nn].next_sibling, k++) {
                haar_node *q = &c->nodes[t->first_node + k];
                int fnode, is_leaf;
                float leaf = 0;
                if ((rc = need(r, nn, "feature", &fnode)) || (rc = read_feature(r, fnode, 1))) return rc;
                q->feature = c->nfeatures - 1;
                if ((rc = child_float(r, nn, "threshold", &q->threshold))) return rc;
                if ((rc = old_child(r, nn, "left_val", "left_node", n, &leaf, &q->left, &is_leaf))) return rc;
                if (is_leaf) {
                    if (n > count) return fail(r, G99_EFORMAT, tr, "more than %d leaves", count + 1);
                    c->leaves[t->first_leaf + n++] = leaf;
                }
                if ((rc = old_child(r, nn, "right_val", "right_node", n, &leaf, &q->right, &is_leaf))) return rc;
                if (is_leaf) {
                    if (n > count) return fail(r, G99_EFORMAT, tr, "more than %d leaves", count + 1);
                    c->leaves[t->first_leaf + n++] = leaf;
                }
            }
            if (n != count + 1) return fail(r, G99_EFORMAT, tr, "%d leaves for %d nodes, %d expected", n, count, count + 1);
            c->nnodes += count;
            c->nleaves += n;
            c->ntrees++;
            c->stages[c->nstages].tree_count++;
        }
        c->nstages++;
    }
    return 0;
}

/* ---- after either format ---- */

/* Stump mode when every tree has one node (the left/right fields are then
 * ignored, as OpenCV does); otherwise every child must point forward inside
 * its tree or at one of its leaves, so evaluation always ends. */
static int finish(reader *r, int root)
{
    haar_cascade *c = r->c;
    int t, k, max_nodes = 0;
    if (c->nstages == 0) return fail(r, G99_EFORMAT, root, "a cascade without stages");
    for (t = 0; t < c->ntrees; t++)
        if (c->trees[t].node_count > max_nodes) max_nodes = c->trees[t].node_count;
    c->stump = max_nodes == 1;
    if (c->stump) return 0;
    for (t = 0; t < c->ntrees; t++) {
        const haar_tree *tr = &c->trees[t];
        for (k = 0; k < tr->node_count; k++) {
            const haar_node *q = &c->nodes[tr->first_node + k];
            int ch[2], j;
            ch[0] = q->left;
            ch[1] = q->right;
            for (j = 0; j < 2; j++) {
                if (ch[j] > 0 && (ch[j] <= k || ch[j] >= tr->node_count))
                    return fail(r, G99_EFORMAT, root, "tree %d, node %d: child node %d is not a later node of the tree",
                                t, k, ch[j]);
                if (ch[j] <= 0 && -(int64_t)ch[j] > tr->node_count)
                    return fail(r, G99_EFORMAT, root, "tree %d, node %d: leaf %d out of range (%d leaves)", t, k,
                                -ch[j], tr->node_count + 1);
            }
        }
    }
    return 0;
}

void haar_cascade_free(haar_cascade *c)
{
    if (!c) return;
    free(c->stages);
    free(c->trees);
    free(c->nodes);
    free(c->leaves);
    free(c->features);
    free(c);
}

int haar_cascade_parse(const char *xml, size_t len, const char *name, haar_cascade **out, g99_error *err)
{
    axml_doc doc;
    reader r;
    int root, rc;
    *out = NULL;
    if (!xml) return g99_fail(err, G99_EINVAL, "haar_cascade_parse: no input");
    rc = axml_parse(&doc, xml, len, name, err);
    if (rc) return rc;
    memset(&r, 0, sizeof r);
    r.doc = &doc;
    r.source = name;
    r.err = err;
    r.c = (haar_cascade *)calloc(1, sizeof *r.c);
    if (!r.c) {
        axml_free(&doc);
        return g99_fail(err, G99_ENOMEM, "%s: out of memory", name ? name : "cascade");
    }
    /* The cascade is the first element inside <opencv_storage>. */
    if (!axml_is(&doc, 0, "opencv_storage")) {
        rc = fail(&r, G99_EFORMAT, 0, "not an OpenCV storage file (root <opencv_storage> expected)");
    } else if ((root = doc.nodes[0].first_child) < 0) {
        rc = fail(&r, G99_EFORMAT, 0, "empty: no cascade inside");
    } else if (axml_child(&doc, root, "stageType") >= 0) {
        rc = read_new(&r, root);
        if (!rc) rc = finish(&r, root);
    } else if (axml_child(&doc, root, "size") >= 0 && axml_child(&doc, root, "stages") >= 0) {
        rc = read_old(&r, root);
        if (!rc) rc = finish(&r, root);
    } else {
        rc = fail(&r, G99_EFORMAT, root, "not a cascade (neither <stageType> nor <size> and <stages>)");
    }
    axml_free(&doc);
    free(r.nums);
    if (rc) {
        haar_cascade_free(r.c);
        return rc;
    }
    *out = r.c;
    return 0;
}

int haar_cascade_load(const char *path, haar_cascade **out, g99_error *err)
{
    uint8_t *data;
    size_t len;
    int rc;
    *out = NULL;
    rc = g99_read_file(path, (size_t)64 << 20, &data, &len, err);
    if (rc) return rc;
    rc = haar_cascade_parse((const char *)data, len, path, out, err);
    free(data);
    return rc;
}
