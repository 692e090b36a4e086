/* Grouping of candidate rectangles as OpenCV 4.6's cv::groupRectangles
 * (doc/haar.md §9): classes are the connected components of the
 * "similar" relation (cv::partition, union-find), numbered by their
 * lowest member; each class with more than group_threshold members becomes
 * its float average, unless it lies inside a stronger class. Then
 * clipObjects (§10). */
#include "align_private.h"

#include <math.h>
#include <stdlib.h>

/* SimilarRects: delta = (eps * (min w + min h)) * 0.5 in double. */
static int similar(const haar_box *a, const haar_box *b, double eps)
{
    int mw = a->w < b->w ? a->w : b->w, mh = a->h < b->h ? a->h : b->h;
    double delta = eps * ((double)mw + (double)mh) * 0.5;
    return fabs((double)a->x - b->x) <= delta && fabs((double)a->y - b->y) <= delta &&
           fabs((double)a->x + a->w - b->x - b->w) <= delta && fabs((double)a->y + a->h - b->y - b->h) <= delta;
}

static int find_root(const int *parent, int i)
{
    while (parent[i] >= 0) i = parent[i];
    return i;
}

/* cv::partition: union by rank with path compression; labels then go to
 * classes in order of their lowest member index, which fixes the output
 * order. Returns the number of classes. */
static int partition(const haar_box *v, int n, double eps, int *parent, int *rank, int *labels)
{
    int i, j, nclasses = 0;
    for (i = 0; i < n; i++) {
        parent[i] = -1;
        rank[i] = 0;
    }
    for (i = 0; i < n; i++) {
        int root = find_root(parent, i);
        for (j = 0; j < n; j++) {
            int root2, k;
            if (i == j || !similar(&v[i], &v[j], eps)) continue;
            root2 = find_root(parent, j);
            if (root2 == root) continue;
            if (rank[root] > rank[root2]) {
                parent[root2] = root;
            } else {
                parent[root] = root2;
                rank[root2] += rank[root] == rank[root2];
                root = root2;
            }
            /* compress the paths from j and from i to the root */
            for (k = j; parent[k] >= 0;) {
                int next = parent[k];
                parent[k] = root;
                k = next;
            }
            for (k = i; parent[k] >= 0;) {
                int next = parent[k];
                parent[k] = root;
                k = next;
            }
        }
    }
    for (i = 0; i < n; i++) {
        int root = find_root(parent, i);
        if (rank[root] >= 0) rank[root] = ~nclasses++;
        labels[i] = ~rank[root];
    }
    return nclasses;
}

int haar_group_rectangles(haar_box *boxes, int *count, int group_threshold, double eps, int *weights, g99_error *err)
{
    int n = *count, i, j, nclasses, kept = 0;
    int *work;
    int64_t *sums;
    haar_box *avg;
    if (group_threshold <= 0 || n == 0) {
        if (weights)
            for (i = 0; i < n; i++) weights[i] = 1;
        return 0;
    }
    if (n < 0 || (size_t)n > ((size_t)-1 / sizeof(int64_t)) / 8)
        return g99_fail(err, G99_EINVAL, "groupRectangles: bad count %d", n);
    work = (int *)malloc((size_t)n * 4 * sizeof *work);
    sums = (int64_t *)malloc((size_t)n * 4 * sizeof *sums);
    avg = (haar_box *)malloc((size_t)n * sizeof *avg);
    if (!work || !sums || !avg) {
        free(work);
        free(sums);
        free(avg);
        return g99_fail(err, G99_ENOMEM, "groupRectangles: out of memory for %d rectangles", n);
    }
    {
        int *parent = work, *rank = work + n, *labels = work + 2 * n, *members = work + 3 * n;
        nclasses = partition(boxes, n, eps, parent, rank, labels);
        for (i = 0; i < nclasses; i++) {
            sums[4 * i] = sums[4 * i + 1] = sums[4 * i + 2] = sums[4 * i + 3] = 0;
            members[i] = 0;
        }
        for (i = 0; i < n; i++) {
            int l = labels[i];
            sums[4 * l] += boxes[i].x;
            sums[4 * l + 1] += boxes[i].y;
            sums[4 * l + 2] += boxes[i].w;
            sums[4 * l + 3] += boxes[i].h;
            members[l]++;
        }
        /* The average in float: s = 1.f/n rounded to float, then
         * cvRound((float)sum * s), half to even. OpenCV's sums are int. */
        for (i = 0; i < nclasses; i++) {
            float s = 1.0f / (float)members[i];
            avg[i].x = (int)lrintf((float)((float)sums[4 * i] * s));
            avg[i].y = (int)lrintf((float)((float)sums[4 * i + 1] * s));
            avg[i].w = (int)lrintf((float)((float)sums[4 * i + 2] * s));
            avg[i].h = (int)lrintf((float)((float)sums[4 * i + 3] * s));
        }
        /* Keep classes with more than group_threshold members that are not
         * inside a stronger class (compared by raw member counts). */
        for (i = 0; i < nclasses; i++) {
            const haar_box *r1 = &avg[i];
            int n1 = members[i], drop = 0;
            if (n1 <= group_threshold) continue;
            for (j = 0; j < nclasses && !drop; j++) {
                const haar_box *r2 = &avg[j];
                int n2 = members[j], dx, dy;
                if (j == i || n2 <= group_threshold) continue;
                dx = (int)lrint(r2->w * 0.2);  /* cvRound(int * double) */
                dy = (int)lrint(r2->h * 0.2);
                if (r1->x >= r2->x - dx && r1->y >= r2->y - dy && r1->x + r1->w <= r2->x + r2->w + dx &&
                    r1->y + r1->h <= r2->y + r2->h + dy && (n2 > (n1 > 3 ? n1 : 3) || n1 < 3))
                    drop = 1;
            }
            if (!drop) {
                if (weights) weights[kept] = n1;
                boxes[kept++] = *r1;
            }
        }
    }
    free(work);
    free(sums);
    free(avg);
    *count = kept;
    return 0;
}

void haar_clip_boxes(haar_box *boxes, int *count, int width, int height)
{
    int i, kept = 0;
    for (i = 0; i < *count; i++) {
        haar_box b = boxes[i];
        int x1 = b.x > 0 ? b.x : 0, y1 = b.y > 0 ? b.y : 0;
        int x2 = b.x + b.w < width ? b.x + b.w : width, y2 = b.y + b.h < height ? b.y + b.h : height;
        if (x2 - x1 <= 0 || y2 - y1 <= 0) continue;
        boxes[kept].x = x1;
        boxes[kept].y = y1;
        boxes[kept].w = x2 - x1;
        boxes[kept].h = y2 - y1;
        kept++;
    }
    *count = kept;
}
