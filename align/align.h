/* gan99 align: OpenCV's Haar cascades, read from OpenCV's own XML files and
 * run exactly as OpenCV 4.6's CascadeClassifier::detectMultiScale does, so
 * the rectangles (and their order) are OpenCV's for the same grey image.
 * The reference is doc/haar.md (section numbers below).
 *
 * Needs only base/ and image/ (grey conversion and INTER_LINEAR_EXACT
 * resize). Prefixes: haar_ for the detector, align_ for face alignment. */
#ifndef GAN99_ALIGN_H
#define GAN99_ALIGN_H

#include "../base/base.h"
#include "../image/image.h"

/* ==== the cascade (doc/haar.md §2) ======================================== */

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

/* ==== detection (doc/haar.md §3-§10) ====================================== */

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

/* A pyramid of more levels than this (a scale factor a hair above 1) is
 * refused with G99_ELIMIT, the message giving the smallest factor that
 * works for the image; OpenCV would run it for hours. */
#define HAAR_MAX_LEVELS 4096

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

/* ==== face alignment (doc/models.md §6, the eye-only variant) ================ */

/* Positions are in continuous image coordinates: pixel (i, j) covers the
 * square [i, i+1) x [j, j+1), so its centre is (i + 0.5, j + 0.5) and a
 * detection box (x, y, w, h) has its centre at (x + w/2, y + h/2). "Left"
 * and "right" are as seen in the image (the person's right eye is the
 * image's left eye). */

enum {
    ALIGN_EYES = 0,      /* aligned on two detected eyes */
    ALIGN_FACE_BOX = 1,  /* no plausible eye pair: aligned on eyes predicted from the face box */
    ALIGN_NO_FACE = 2    /* no face: nothing was made */
};

typedef struct align_params {
    int width, height;         /* the output (any size, non-square included) */
    double eye_left[2];        /* where the eye centres go, as fractions of width */
    double eye_right[2];       /* and height: default (0.375, 0.4725) and (0.625, 0.4725) */
    haar_params face;          /* the face search */
    haar_params eye;           /* the eye search; its min and max sizes are set from the face width */
    int detect_max_side;       /* faces are searched on a copy shrunk to this longer side (0: full size) */
    int border;                /* IMG_BORDER_* for output pixels that fall outside the photo */
    uint8_t border_value[4];   /* for IMG_BORDER_CONSTANT */
    int order;                 /* IMG_ORDER_RGB or IMG_ORDER_BGR: how to make the photo grey */
    int refine_eyes;           /* 1: the eye centre is the iris found in the eye box; 0: the box centre */
} align_params;

/* 256x256, the eye targets above, OpenCV's (1.1, 3) for both cascades,
 * detection on a copy of at most 1024 pixels a side, mirrored borders
 * (IMG_BORDER_REFLECT_101, as FFHQ pads by reflection), RGB order, eye
 * centres refined. */
void align_params_default(align_params *p);

typedef struct align_result {
    int status;                /* ALIGN_EYES, ALIGN_FACE_BOX or ALIGN_NO_FACE */
    const char *reason;        /* for ALIGN_FACE_BOX and ALIGN_NO_FACE, a static string saying why */
    int faces;                 /* faces detected */
    haar_box face;             /* the largest one (zeros when none) */
    int eyes;                  /* eye candidates found in the upper face */
    haar_box eye_box[2];       /* the pair chosen (ALIGN_EYES; zeros otherwise) */
    double eye_left[2];        /* the eye centres aligned on, in the photo: detected */
    double eye_right[2];       /* (ALIGN_EYES) or predicted from the face box */
    double m[6];               /* photo -> output, continuous coordinates: x' = m0 x + m1 y + m2 ... */
    int prefilter;             /* the INTER_AREA shrink applied before the warp (1: none) */
} align_result;

/* The warp alone: out (p->width x p->height, src's channels) is src turned,
 * scaled and moved so that eyes[0..1] (left) and eyes[2..3] (right) land on
 * p's targets. Bilinear sampling (img_warp_affine); when that shrinks by
 * more than 2x, the part of src that the output sees is first shrunk by the
 * integer factor floor(scale) with INTER_AREA and the transform adjusted,
 * so that every source pixel counts (bilinear sampling of a 2x+ reduction
 * skips pixels and aliases). m (or NULL) receives the photo -> output map
 * and prefilter (or NULL) the shrink factor used. src is 8-bit. */
int align_warp(const img_image *src, const double eyes[4], const align_params *p, img_image *out, double m[6],
               int *prefilter, g99_error *err);

/* The eye-pair rule of align_face on candidate boxes (photo coordinates):
 * a pair is one box on each side of the face's vertical centre line, both
 * centres in the upper half of the face, 0.25 to 0.65 face widths apart,
 * tilted by at most atan(0.5) (26.6 degrees). Among such pairs the one with
 * the lowest sum of
 *     |distance - 0.40 w| / w        (0.40: the typical eye distance)
 *   + |dy| / dx                      (tilt)
 *   + |midpoint x - face centre x| / w
 *   + |w1 - w2| / max(w1, w2)        (two eyes are about the same size)
 * wins; the first in candidate order on a tie. Sets *left and *right to
 * indices into eyes and returns 1, or returns 0 when no pair qualifies. */
int align_pick_eyes(const haar_box *face, const haar_box *eyes, int n, int *left, int *right);

/* The whole alignment of one photo (align/align_face.c): the largest face
 * found by face_cascade, the eye pair found by eye_cascade in its upper
 * part and chosen by geometry, then align_warp. res says which case
 * happened. No face is not an error: the function returns 0 with
 * res->status ALIGN_NO_FACE and out left empty. */
int align_face(const haar_cascade *face_cascade, const haar_cascade *eye_cascade, const img_image *src,
               const align_params *p, img_image *out, align_result *res, g99_error *err);

/* ==== the mean face (align/average.c) ====================================== */

/* Start zeroed (align_mean m = {0}); add images of one size and channel
 * count (the first fixes them; another is G99_EINVAL, with both sizes in the
 * message); align_mean_image makes the mean, each sample sum / n rounded
 * half up, exactly. */
typedef struct align_mean {
    int width, height, channels;
    uint64_t count;
    uint64_t *sum;
} align_mean;

int align_mean_add(align_mean *m, const img_image *img, g99_error *err);
int align_mean_image(const align_mean *m, img_image *out, g99_error *err);
void align_mean_free(align_mean *m);

#endif
