/* Fuzz entry point for align/'s cascade reader (cascade_xml.c, cascade.c)
 * and, for inputs it accepts, the detector (libFuzzer: make fuzz; any
 * compiler: make fuzz-standalone, then run it on the files of tests/corpus/cascade).
 *
 * Besides "no crash, no leak, no undefined behaviour" it checks, aborting
 * when one breaks (this is test code, not the library):
 *   - a refused input has a message naming a line;
 *   - an accepted cascade's indices all lie inside their arrays, so the
 *     evaluator cannot read outside them;
 *   - detection on a small textured image succeeds and returns boxes inside
 *     the image. */
#include "../../align/align.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_cascade(const haar_cascade *c)
{
    int i, k, r;
    for (i = 0; i < c->nstages; i++)
        if (c->stages[i].first_tree < 0 || c->stages[i].first_tree + c->stages[i].tree_count > c->ntrees) abort();
    for (i = 0; i < c->ntrees; i++) {
        const haar_tree *t = &c->trees[i];
        if (t->node_count < 1 || t->first_node + t->node_count > c->nnodes ||
            t->first_leaf + t->node_count + 1 > c->nleaves)
            abort();
        for (k = 0; k < t->node_count; k++) {
            const haar_node *n = &c->nodes[t->first_node + k];
            if (n->feature < 0 || n->feature >= c->nfeatures) abort();
            if (!c->stump && ((n->left > 0 && (n->left <= k || n->left >= t->node_count)) || -n->left > t->node_count))
                abort();
        }
    }
    for (i = 0; i < c->nfeatures; i++)
        for (r = 0; r < c->features[i].nrects; r++) {
            const haar_rect *q = &c->features[i].rects[r];
            if (q->x < 0 || q->y < 0 || q->w < 0 || q->h < 0 || q->x + q->w > c->width || q->y + q->h > c->height)
                abort();
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    haar_cascade *c = NULL;
    g99_error err;
    g99_error_clear(&err);
    if (haar_cascade_parse((const char *)data, size, "fuzz", &c, &err) != G99_OK) {
        if (c != NULL || !strstr(err.msg, "line ")) abort();
        return 0;
    }
    check_cascade(c);
    if (c->width <= 48 && c->height <= 48 && c->nnodes <= 4096) {
        img_image img;
        haar_params p;
        haar_box *boxes = NULL;
        int n = 0, x, y, i;
        if (img_new(&img, 48, 40, 1, 8, &err) == G99_OK) {
            for (y = 0; y < img.height; y++)
                for (x = 0; x < img.width; x++) img.data[y * img.width + x] = (uint8_t)((x * 37 + y * 91 + x * y) & 255);
            haar_params_default(&p);
            p.min_neighbors = 0;
            if (haar_detect_multiscale(c, &img, &p, &boxes, &n, &err) != G99_OK) abort();
            for (i = 0; i < n; i++)
                if (boxes[i].x < 0 || boxes[i].y < 0 || boxes[i].x + boxes[i].w > img.width ||
                    boxes[i].y + boxes[i].h > img.height)
                    abort();
            free(boxes);
            img_free(&img);
        }
    }
    haar_cascade_free(c);
    return 0;
}
