/* gan99 align: OpenCV's Haar cascades, read from OpenCV's own XML files and
 * run exactly as OpenCV 4.6's CascadeClassifier::detectMultiScale does, so
 * the rectangles (and their order) are OpenCV's for the same grey image.
 * The reference is ../shared/research/haar_spec.md (section numbers below).
 *
 * Needs only base/ and image/ (grey conversion and INTER_LINEAR_EXACT
 * resize). Prefixes: haar_ for the detector, align_ for face alignment. */
#ifndef GAN99_ALIGN_H
#define GAN99_ALIGN_H

#include "../base/base.h"
#include "../image/image.h"

/* ==== the cascade (haar_spec.md §2) ======================================== */

/* A weighted rectangle of a Haar feature, in window coordinates. A tilted
 * rectangle is rotated by 45 degrees about its corner (x, y): its corners are
 * (x, y), (x+w, y+w), (x-h, y+h) and (x+w-h, y+w+h). */
typedef struct haar_rect {
    int x, y, w, h;
    float weight;
} haar_rect;

typedef struct haar_feature {
    haar_rect rects[3];
    int nrects;   /* 1..3; the value uses rects[2] only when its weight != 0 */
    int tilted;
} haar_feature;

/* An internal node of a tree. A child > 0 is a node index relative to the
 * first node of the tree; a child <= 0 is leaf -child of the tree. */
typedef struct haar_node {
    int left, right;
    int feature;       /* index into features */
    float threshold;   /* value < threshold goes left (leaf 0 of a stump) */
} haar_node;

typedef struct haar_tree {
    int first_node, node_count;  /* into nodes */
    int first_leaf;              /* into leaves; a tree has node_count + 1 leaves */
} haar_tree;

typedef struct haar_stage {
    int first_tree, tree_count;  /* into trees */
    float threshold;             /* the file's threshold - 1e-5f, in float (§2.2) */
} haar_stage;

typedef struct haar_cascade {
    int width, height;           /* the detection window */
    int stump;                   /* every tree has one node: OpenCV's stump evaluator */
    int has_tilted;              /* some feature is tilted: a tilted integral is needed */
    int old_format;              /* read from an opencv-haar-classifier file (§2.3) */
    int nstages, ntrees, nnodes, nleaves, nfeatures;
    haar_stage *stages;
    haar_tree *trees;
    haar_node *nodes;
    float *leaves;
    haar_feature *features;
} haar_cascade;

/* Reads a cascade from the bytes of an OpenCV XML file: the new format
 * (opencv-cascade-classifier, BOOST + HAAR) or the old one
 * (opencv-haar-classifier), converted as OpenCV does. Numbers are read
 * decimal -> double -> float as OpenCV's FileStorage does. name (a file
 * name, or NULL) starts every error message; the message also names the
 * line and the element at fault. *out is freed with haar_cascade_free. */
int haar_cascade_parse(const char *xml, size_t len, const char *name, haar_cascade **out, g99_error *err);
/* haar_cascade_parse on a file (at most 64 MiB). */
int haar_cascade_load(const char *path, haar_cascade **out, g99_error *err);
void haar_cascade_free(haar_cascade *c);

/* The decimal -> double conversion the loader uses (align/cascade_xml.c),
 * exposed for its tests: text[0..len) is [+-]digits[.digits][(e|E)[+-]digits]
 * with at least one digit. Correctly rounded (round half to even) whenever
 * the mantissa has at most 19 significant digits, which covers every
 * number OpenCV writes (17 digits); longer mantissas are cut to 19 digits
 * and a sticky bit, so they may be 1 ulp off near a rounding midpoint.
 * Returns 0, or G99_EFORMAT for text that is not such a number. */
int haar_parse_double(const char *text, size_t len, double *value);

/* ==== detection (haar_spec.md §3-§10) ====================================== */

typedef struct haar_box {
    int x, y, w, h;
} haar_box;

typedef struct haar_params {
    double scale_factor;   /* > 1; OpenCV's default 1.1 */
    int min_neighbors;     /* a group needs more than this many candidates; 0 = raw candidates */
    int min_w, min_h;      /* smallest window (0 0: no limit) */
    int max_w, max_h;      /* largest window (0 in either: the image size) */
} haar_params;

/* scale factor 1.1, min_neighbors 3, no size limits: OpenCV's defaults. */
void haar_params_default(haar_params *p);

/* cv::CascadeClassifier::detectMultiScale(grey, boxes, scale_factor,
 * min_neighbors, 0, min size, max size) with one thread: candidates of
 * every scale (§3-§8), grouped (§9), clipped to the image (§10), in
 * OpenCV's order. grey is 1-channel 8-bit (make it with img_grey).
 * *boxes is malloc'd (free() it; NULL when *count is 0). */
int haar_detect_multiscale(const haar_cascade *c, const img_image *grey, const haar_params *p,
                           haar_box **boxes, int *count, g99_error *err);

/* The steps of haar_detect_multiscale, for callers that group one scan
 * several ways. haar_detect_candidates: every accepted window (§3-§8), in
 * scan order, not clipped; min_neighbors is not used. */
int haar_detect_candidates(const haar_cascade *c, const img_image *grey, const haar_params *p,
                           haar_box **boxes, int *count, g99_error *err);
/* cv::groupRectangles(boxes, group_threshold, eps) in place (§9); *count
 * becomes the number of groups kept. Nothing changes when group_threshold
 * <= 0. weights (or NULL) receives each kept group's member count. */
int haar_group_rectangles(haar_box *boxes, int *count, int group_threshold, double eps, int *weights,
                          g99_error *err);
/* Clips each box to (0, 0, width, height) and drops the empty ones, in
 * place, keeping the order (§10). */
void haar_clip_boxes(haar_box *boxes, int *count, int width, int height);

#endif
