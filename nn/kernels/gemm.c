/* The blocked GEMM driver every kernel set shares (kernels.h, arch.h;
 * doc/determinism.md §4.1): C[m,n] += op(A)[m,k] . op(B)[k,n] over matrix views,
 * bit-identical to nn_k_sgemm_scalar on the same numbers.
 *
 * The loops, after Goto and van de Geijn ("Anatomy of high-performance
 * matrix multiplication", ACM TOMS 2008), turned so that the SIMD lanes run
 * along rows of C (row-major here), which makes the broadcast operand A the
 * one that sits in L1:
 *   for each k block of kc          (k in order: chains continue from C)
 *     for each block of about nc columns (kc x nc floats of B fit in L2;
 *       blocks of whole panels, as even as can be): pack op(B)'s block,
 *       in panels of nr columns, once (a plain B a row at a time)
 *       for each block of 8 tiles of mr rows: pack op(A)'s 8 mr x kc
 *         tiles (a transposed A a row at a time, see pack_a_block), or
 *         keep all of A's tiles packed for every column block
 *         for each tile (L1), for each panel: the micro-kernel,
 *           broadcasting A and loading the panel as vectors streamed
 *           from L2.
 * Packing is where the views pay off: a transposed operand, a batch of
 * images read as one matrix (segments), or a convolution's column matrix
 * gathered straight from the images (implicit im2col) all become the same
 * contiguous panels, so the micro-kernels see one case and no column
 * matrix is ever stored. A plain A (rows of k floats, C in one piece) is
 * not packed at all where the set has tiles that read it in place (fna):
 * its rows are the streams the packed tile would have read.
 * Edges: short tiles are zero-padded in the packed panels and go through a
 * scratch tile of C, as do tiles that straddle two segments of C. k is
 * never padded, so no output sees an extra fmaf.
 * Threads (OpenMP) take disjoint ranges of columns (in vectors where the
 * set has narrow tiles, else panels) or of row tiles, each the same loops
 * over its own part with its own buffers: outputs split, never k. */
#include "arch.h"

#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

/* ---- reading a view ------------------------------------------------------
 * The packers copy blocks of a view's stored matrix S: rows row0 ..
 * row0+nrows-1, columns q0 .. q0+len-1, element (r, q) to
 * dst[(r - row0)*rstep + (q - q0)*qstep]. */

/* A convolution's column matrix: S(row, q) with row = (c kh + i) kw + j
 * and q = (image, oy, ox). The column start is decoded once per block and
 * each row's (c, i, j) steps from the last, so no division runs per row;
 * each row walks output rows, so the bounds of the input row and the
 * valid span of input columns are found once per output row. */
static void conv_block(const nn_k_gemm_tile *tl, const nn_k_view *s, size_t row0, size_t nrows, size_t q0,
                       size_t len, float *dst, size_t rstep, size_t qstep)
{
    const nn_k_conv_geom *g = s->conv;
    size_t khw = (size_t)g->kh * (size_t)g->kw, L = (size_t)g->ho * (size_t)g->wo;
    size_t hw = (size_t)g->h * (size_t)g->w, l0 = q0 % L, r;
    const float *img0 = s->p + (q0 / L) * s->seg_ld;
    int oy0 = (int)(l0 / (size_t)g->wo), ox0 = (int)(l0 % (size_t)g->wo);
    int c = (int)(row0 / khw), ki = (int)(row0 % khw) / g->kw, kj = (int)(row0 % khw) % g->kw;
    for (r = 0; r < nrows; r++, dst += rstep) {
        int dy = ki * g->dh - g->ph, dx = kj * g->dw - g->pw, oy = oy0, ox = ox0;
        /* the output columns whose input column ox*sw + dx is in [0, w) */
        int ox_lo = dx >= 0 ? 0 : (-dx + g->sw - 1) / g->sw;
        int ox_hi = dx > g->w - 1 ? 0 : (g->w - 1 - dx) / g->sw + 1;
        const float *xc = img0 + (size_t)c * hw;
        float *d = dst;
        size_t left = len;
        while (left) {
            size_t run = (size_t)(g->wo - ox), t;
            int iy = oy * g->sh + dy;
            if (run > left) run = left;
            if (iy < 0 || iy >= g->h) {
                for (t = 0; t < run; t++) d[t * qstep] = 0.0f;
            } else {
                const float *xr = xc + (size_t)iy * (size_t)g->w;
                long ix0 = (long)ox * g->sw + dx;
                size_t lo = ox_lo > ox ? (size_t)(ox_lo - ox) : 0, hi = ox_hi > ox ? (size_t)(ox_hi - ox) : 0;
                if (hi > run) hi = run;
                if (lo > hi) lo = hi;
                for (t = 0; t < lo; t++) d[t * qstep] = 0.0f;
                if (qstep == 1 && g->sw == 1) {
                    memcpy(d + lo, xr + (ix0 + (long)lo), (hi - lo) * sizeof(float));
                } else if (qstep == 1 && g->sw == 2) {
                    /* DCGAN's stride */
                    const float *from = xr + ix0;
                    if (tl->evens) tl->evens(from + 2 * lo, hi - lo, d + lo);
                    else
                        for (t = lo; t < hi; t++) d[t] = from[2 * t];
                } else
                    for (t = lo; t < hi; t++) d[t * qstep] = xr[ix0 + (long)(t * (size_t)g->sw)];
                for (t = hi; t < run; t++) d[t * qstep] = 0.0f;
            }
            d += run * qstep;
            left -= run;
            ox += (int)run;
            if (ox == g->wo) {
                ox = 0;
                if (++oy == g->ho) {
                    oy = 0;
                    xc += s->seg_ld;
                }
            }
        }
        if (++kj == g->kw) {
            kj = 0;
            if (++ki == g->kh) {
                ki = 0;
                c++;
            }
        }
    }
}

/* ---- the column matrix through a set's packer (arch.h nn_k_cpack_grp) ------
 * Columns are taken CPACK_COLS at a time: their groups (lanes of one
 * image, so each lane's input is the group's window plus a fixed offset)
 * are worked out once and serve every row of the block; a row is a
 * channel plane and a tap. */
enum { CPACK_COLS = 64, CPACK_ROWS = 64 };

/* Every offset the groups and rows hold, and their sums, fit an int (and
 * a 32-bit long). */
static int cpack_fits(const nn_k_conv_geom *g)
{
    double ys = (double)g->ho * g->sh + (double)g->kh * g->dh + g->ph + g->h + 1.0;
    double xs = (double)g->wo * g->sw + (double)g->kw * g->dw + g->pw + g->w + 1.0;
    return ys * xs + (double)g->c * g->h * g->w < 2e9;
}

/* Columns q0 .. q0+len-1 (len <= CPACK_COLS) cut into groups of vl lanes
 * (fewer at the block's end and where an image ends); returns how many.
 * idx[t] >= 0: win is the lowest lane's offset. */
static size_t cpack_groups(const nn_k_view *s, size_t q0, size_t len, int vl, nn_k_cpack_grp *grp)
{
    const nn_k_conv_geom *g = s->conv;
    size_t L = (size_t)g->ho * (size_t)g->wo, img = q0 / L, l = q0 % L, t = 0, ng = 0;
    int oy = (int)(l / (size_t)g->wo), ox = (int)(l % (size_t)g->wo), y = oy * g->sh, x = ox * g->sw;
    long off = (long)y * g->w + x;   /* y*w + x, stepped */
    while (t < len) {
        nn_k_cpack_grp *p = grp + ng++;
        int n = 0, end = 0, lo = 0, hi = 0;
        p->dofs = t;
        p->img = img * s->seg_ld;
        p->win = off;
        while (n < vl && t < len && !end) {
            int d = (int)(off - p->win);
            p->iy[n] = y;
            p->ix[n] = x;
            p->idx[n] = d;
            if (d < lo) lo = d;
            if (d > hi) hi = d;
            n++;
            t++;
            if (++ox < g->wo) {
                x += g->sw;
                off += g->sw;
                continue;
            }
            ox = x = 0;
            y += g->sh;
            if (++oy == g->ho) {
                oy = y = 0;
                img++;
                end = 1;
            }
            off = (long)y * g->w;
        }
        /* lanes go up in q, but not always in offset (wo*sw > w when the
         * padding is wide): the window starts at the lowest */
        if (lo < 0) {
            int i;
            for (i = 0; i < n; i++) p->idx[i] -= lo;
            p->win += lo;
        }
        p->span = hi - lo + 1;
        p->n = n;
        /* lanes n .. vl-1: row -2^29 is outside every image, so never read */
        for (; n < vl; n++) {
            p->iy[n] = -(1 << 29);
            p->ix[n] = 0;
            p->idx[n] = 0;
        }
    }
    return ng;
}

static void cpack_rows(const nn_k_conv_geom *g, size_t row0, size_t nrows, nn_k_cpack_row *rows)
{
    size_t khw = (size_t)g->kh * (size_t)g->kw, r;
    long hw = (long)g->h * (long)g->w;
    int c = (int)(row0 / khw), ki = (int)(row0 % khw) / g->kw, kj = (int)(row0 % khw) % g->kw;
    for (r = 0; r < nrows; r++) {
        rows[r].dy = ki * g->dh - g->ph;
        rows[r].dx = kj * g->dw - g->pw;
        rows[r].off = (long)c * hw + (long)rows[r].dy * g->w + rows[r].dx;
        if (++kj == g->kw) {
            kj = 0;
            if (++ki == g->kh) {
                ki = 0;
                c++;
            }
        }
    }
}

/* The floats of an image the packers may read: its c planes. */
static long cpack_ext(const nn_k_conv_geom *g)
{
    return (long)g->c * (long)g->h * (long)g->w;
}

/* conv_block for qstep 1 through the packer pk. */
static void conv_block_packed(const nn_k_cpacker *pk, const nn_k_view *s, size_t row0, size_t nrows, size_t q0,
                              size_t len, float *dst, size_t rstep)
{
    nn_k_cpack_grp grp[CPACK_COLS];
    nn_k_cpack_row rows[CPACK_ROWS];
    size_t q, r;
    for (q = 0; q < len; q += CPACK_COLS) {
        size_t nq = len - q < CPACK_COLS ? len - q : CPACK_COLS, ng = cpack_groups(s, q0 + q, nq, pk->vl, grp);
        for (r = 0; r < nrows; r += CPACK_ROWS) {
            size_t nr = nrows - r < CPACK_ROWS ? nrows - r : CPACK_ROWS;
            cpack_rows(s->conv, row0 + r, nr, rows);
            pk->fn(grp, ng, rows, nr, s->p, s->conv->h, s->conv->w, cpack_ext(s->conv), dst + r * rstep + q,
                   rstep);
        }
    }
}

/* A transposing read (rstep 1) of a column matrix: 8 rows at a time
 * gathered as rows into tmp, then transposed into place. */
enum { TRANS_ROWS = 8, TRANS_LEN = 256 };

static void conv_block_transposed(const nn_k_gemm_tile *tl, const nn_k_cpacker *pk, const nn_k_view *s,
                                  size_t row0, size_t nrows, size_t q0, size_t len, float *dst, size_t qstep)
{
    float tmp[TRANS_ROWS * TRANS_LEN];
    size_t r, q;
    if (pk) {
        /* the rows (a panel's, at most CPACK_ROWS) once, then columns
         * outer, so each block's groups serve all the rows */
        nn_k_cpack_grp grp[CPACK_COLS];
        nn_k_cpack_row rows[CPACK_ROWS];
        size_t rb, ext = (size_t)cpack_ext(s->conv);
        for (rb = 0; rb < nrows; rb += CPACK_ROWS) {
            size_t nrb = nrows - rb < CPACK_ROWS ? nrows - rb : CPACK_ROWS;
            cpack_rows(s->conv, row0 + rb, nrb, rows);
            for (q = 0; q < len; q += CPACK_COLS) {
                size_t nq = len - q < CPACK_COLS ? len - q : CPACK_COLS;
                size_t ng = cpack_groups(s, q0 + q, nq, pk->vl, grp);
                for (r = 0; r < nrb; r += TRANS_ROWS) {
                    size_t nr = nrb - r < TRANS_ROWS ? nrb - r : TRANS_ROWS;
                    pk->fn(grp, ng, rows + r, nr, s->p, s->conv->h, s->conv->w, (long)ext, tmp, nq);
                    tl->transpose(tmp, nq, nr, nq, dst + rb + r + q * qstep, qstep);
                }
            }
        }
        return;
    }
    for (r = 0; r < nrows; r += TRANS_ROWS) {
        size_t nr = nrows - r < TRANS_ROWS ? nrows - r : TRANS_ROWS;
        for (q = 0; q < len; q += TRANS_LEN) {
            size_t nq = len - q < TRANS_LEN ? len - q : TRANS_LEN;
            conv_block(tl, s, row0 + r, nr, q0 + q, nq, tmp, nq, 1);
            tl->transpose(tmp, nq, nr, nq, dst + r + q * qstep, qstep);
        }
    }
}

static void read_block(const nn_k_gemm_tile *tl, const nn_k_view *s, size_t row0, size_t nrows, size_t q0,
                       size_t len, float *dst, size_t rstep, size_t qstep)
{
    size_t r;
    if (s->conv) {
        const nn_k_cpacker *pk = cpack_fits(s->conv) ? nn_k_cpack_active() : NULL;
        if (qstep != 1 && rstep == 1 && tl->transpose)
            conv_block_transposed(tl, pk, s, row0, nrows, q0, len, dst, qstep);
        else if (qstep == 1 && pk)
            conv_block_packed(pk, s, row0, nrows, q0, len, dst, rstep);
        else
            conv_block(tl, s, row0, nrows, q0, len, dst, rstep, qstep);
        return;
    }
    if (qstep != 1 && rstep == 1 && tl->transpose) {
        /* a transpose per run of columns that stays in one segment */
        size_t left = len, q = q0;
        const float *src = s->p + row0 * s->ld;
        while (left) {
            size_t run = left;
            const float *from = src + q;
            if (s->seg) {
                size_t off = q % s->seg;
                if (run > s->seg - off) run = s->seg - off;
                from = src + (q / s->seg) * s->seg_ld + off;
            }
            tl->transpose(from, s->ld, nrows, run, dst, qstep);
            dst += run * qstep;
            left -= run;
            q += run;
        }
        return;
    }
    for (r = 0; r < nrows; r++, dst += rstep) {
        const float *src = s->p + (row0 + r) * s->ld;
        size_t left = len, q = q0, t;
        float *d = dst;
        while (left) {
            size_t run = left;
            const float *from = src + q;
            if (s->seg) {
                size_t off = q % s->seg;
                if (run > s->seg - off) run = s->seg - off;
                from = src + (q / s->seg) * s->seg_ld + off;
            }
            if (qstep == 1 && run == 8) {
                /* a tile's row of a transposed A: no call for 32 bytes */
                for (t = 0; t < 8; t++) d[t] = from[t];
            } else if (qstep == 1)
                memcpy(d, from, run * sizeof(float));
            else
                for (t = 0; t < run; t++) d[t * qstep] = from[t];
            d += run * qstep;
            left -= run;
            q += run;
        }
    }
}

/* ---- packing --------------------------------------------------------------- */

/* ap[p*mr + i] = op(A)[i0+i][p0+p] for i < mv, 0 for the rows that pad
 * the tile to mr. */
static void pack_a(const nn_k_gemm_tile *tl, const nn_k_view *a, size_t i0, size_t mv, size_t p0, size_t kc,
                   size_t mr, float *ap)
{
    size_t i, p;
    if (a->trans) read_block(tl, a, p0, kc, i0, mv, ap, mr, 1);
    else read_block(tl, a, i0, mv, p0, kc, ap, 1, mr);
    for (p = 0; p < kc; p++)
        for (i = mv; i < mr; i++) ap[p * mr + i] = 0.0f;
}

/* The tiles of op(A)'s rows i0 .. i0+mv-1 (mv up to A_TILES*mr), one after
 * another, each as pack_a packs it. A transposed A (rows of S are k) is
 * read a row of S at a time, its mv floats spread over the tiles: packing
 * tile by tile would read only mr floats of each row, and rows lying a
 * power of two apart (w^T of a convolution) share cache sets, so each
 * tile's kc rows missed L1 and L2 again. */
enum { A_TILES = 8 };

static void pack_a_block(const nn_k_gemm_tile *tl, const nn_k_view *a, size_t i0, size_t mv, size_t p0,
                         size_t kc, size_t mr, float *ap)
{
    size_t i, p, q, tiles = (mv + mr - 1) / mr;
    if (!a->trans || a->conv) {
        for (i = 0; i < tiles; i++)
            pack_a(tl, a, i0 + i * mr, mv - i * mr < mr ? mv - i * mr : mr, p0, kc, mr, ap + i * mr * kc);
        return;
    }
    for (p = 0; p < kc; p++) {
        const float *src = a->p + (p0 + p) * a->ld;
        for (q = 0; q < mv;) {
            size_t g = i0 + q, run = mv - q, r = q % mr, t;
            const float *from = src + g;
            if (a->seg) {
                size_t off = g % a->seg;
                if (run > a->seg - off) run = a->seg - off;
                from = src + (g / a->seg) * a->seg_ld + off;
            }
            /* the run, cut where the tiles change */
            while (run) {
                size_t len = mr - r < run ? mr - r : run;
                float *d = ap + (q / mr) * mr * kc + p * mr + r;
                for (t = 0; t < len; t++) d[t] = from[t];
                from += len;
                q += len;
                run -= len;
                r = 0;
            }
        }
    }
    if (mv % mr) {
        float *last = ap + (tiles - 1) * mr * kc;
        for (p = 0; p < kc; p++)
            for (i = mv % mr; i < mr; i++) last[p * mr + i] = 0.0f;
    }
}

/* bp[p*nr + j] = op(B)[p0+p][j0+j] for j < nv, 0 for nv <= j < nr. */
static void pack_b(const nn_k_gemm_tile *tl, const nn_k_view *b, size_t p0, size_t kc, size_t j0, size_t nv,
                   size_t nr, float *bp)
{
    size_t p, j;
    if (b->trans) read_block(tl, b, j0, nv, p0, kc, bp, 1, nr);
    else read_block(tl, b, p0, kc, j0, nv, bp, nr, 1);
    for (p = 0; p < kc; p++)
        for (j = nv; j < nr; j++) bp[p * nr + j] = 0.0f;
}

/* ---- the loops ------------------------------------------------------------- */

/* C as the kernels write it: rows ldc apart, columns in segments of cseg
 * (0: one segment) cseg_ld apart. */
typedef struct cview {
    float *p;
    size_t ldc, cseg, cseg_ld;
    int over;           /* C's prior content is ignored (nn_k_gemm_over) */
} cview;

static float *c_at(const cview *c, size_t i, size_t j)
{
    size_t col = c->cseg ? (j / c->cseg) * c->cseg_ld + j % c->cseg : j;
    return c->p + i * c->ldc + col;
}

/* One tile of C through the scratch tile ct (mr x w): an edge tile, or
 * one that straddles two segments. The columns' offsets are worked out
 * once per tile, not per element. */
static void tile_via_scratch(nn_k_tile_fn fn, size_t kc, const float *at, const float *bt, const cview *c,
                             size_t i0, size_t mv, size_t j0, size_t nv, size_t w, float *ct, int zero)
{
    size_t off[NN_K_TILE_MAXNR], i, j;
    size_t seg = c->cseg ? c->cseg : nv + j0 + 1, s = j0 / seg, q = j0 % seg;
    for (j = 0; j < nv; j++) {
        off[j] = s * c->cseg_ld + q;
        if (++q == seg) {
            q = 0;
            s++;
        }
    }
    for (i = 0; i < mv; i++) {
        const float *row = c->p + (i0 + i) * c->ldc;
        if (zero)
            for (j = 0; j < nv; j++) ct[i * w + j] = 0.0f;
        else
            for (j = 0; j < nv; j++) ct[i * w + j] = row[off[j]];
    }
    fn(kc, at, bt, ct, w);
    for (i = 0; i < mv; i++) {
        float *row = c->p + (i0 + i) * c->ldc;
        for (j = 0; j < nv; j++) row[off[j]] = ct[i * w + j];
    }
}

/* Rows i0 .. i0+rows-1 of C, columns j0 .. j0+len-1 (inside one segment),
 * set to +0: the start of every chain when C is overwritten. In cache,
 * just before the tile loads it. */
static void zero_c(const cview *c, size_t i0, size_t rows, size_t j0, size_t len)
{
    size_t i;
    for (i = 0; i < rows; i++) memset(c_at(c, i0 + i, j0), 0, len * sizeof(float));
}

/* A full tile whose vectors lie in different segments of C: the set's
 * segmented tile, each vector at its own place. */
static void tile_segments(const nn_k_gemm_tile *t, size_t kc, const float *at, const float *bt, const cview *c,
                          size_t i0, size_t j0, int zero)
{
    float *cv[NN_K_TILE_MAXNR];
    size_t v, nvec = (size_t)t->nr / (size_t)t->vw;
    for (v = 0; v < nvec; v++) cv[v] = c_at(c, i0, j0 + v * (size_t)t->vw);
    if (zero && t->seg0) {
        t->seg0(kc, at, bt, cv, c->ldc);
        return;
    }
    if (zero)
        for (v = 0; v < nvec; v++) zero_c(c, i0, (size_t)t->mr, j0 + v * (size_t)t->vw, (size_t)t->vw);
    t->seg(kc, at, bt, cv, c->ldc);
}

/* The tile for a panel of nv <= nr columns: the narrowest that covers it,
 * and its width (the packed panel's). */
static size_t panel_tile(const nn_k_gemm_tile *t, size_t nv, nn_k_tile_fn *fn)
{
    int i;
    for (i = 0; i < 2; i++) {
        size_t w = (size_t)t->vw * (size_t)(i + 1);
        if (t->narrow[i] && nv <= w && w < (size_t)t->nr) {
            *fn = t->narrow[i];
            return w;
        }
    }
    *fn = t->fn;
    return (size_t)t->nr;
}

/* The panels of a plain B's columns j0 .. j0+nv-1 (rows p0 .. p0+kc-1),
 * as pack_b packs them, read a row of B at a time across all the panels:
 * packing panel by panel read 48 floats from each of kc rows a page or
 * more apart (a TLB miss per row, no stream for the prefetcher). */
static void pack_b_rows(const nn_k_gemm_tile *t, const nn_k_view *b, size_t p0, size_t kc, size_t j0, size_t nv,
                        float *bp)
{
    size_t nr = (size_t)t->nr, p, q, j;
    for (p = 0; p < kc; p++) {
        const float *src = b->p + (p0 + p) * b->ld + j0;
        for (q = 0; q < nv; q += nr) {
            nn_k_tile_fn fn;
            size_t len = nv - q < nr ? nv - q : nr, w = panel_tile(t, len, &fn);
            float *d = bp + q * kc + p * w;
            memcpy(d, src + q, len * sizeof(float));
            for (j = len; j < w; j++) d[j] = 0.0f;
        }
    }
}

/* Whether the full tiles read A in place (arch.h, fna): a plain A, and C
 * in one piece (a tile across C's segments needs A packed). */
static int a_in_place(const nn_k_gemm_tile *t, const nn_k_view *a, size_t cseg)
{
    return t->fna && !a->trans && !a->conv && !a->seg && !cseg;
}

/* The part of C in rows [m0, m1) and columns [n0, n1) (m0 a multiple of
 * mr, n0 of vw or nr), with column blocks of nc and its own buffer buf:
 * kc x nc floats of B, a tile of C, then at tiles of mr x kc of A. If at
 * covers all the part's rows, A is packed once per k block and kept for
 * every column block; else A_TILES tiles at a time, again for each. */
static void gemm_part(const nn_k_gemm_tile *t, size_t m0, size_t m1, size_t n0, size_t n1, size_t k,
                      const nn_k_view *a, const nn_k_view *b, const cview *c, size_t nc, size_t at, float *buf)
{
    size_t mr = (size_t)t->mr, nr = (size_t)t->nr, kcmax = t->kc < k ? t->kc : k;
    float *bblk = buf, *ct = bblk + kcmax * nc, *ablk = ct + mr * nr;
    size_t p0, bi, ib, i0, j0, pp = (n1 - n0 + nr - 1) / nr, nb = (pp + nc / nr - 1) / (nc / nr);
    int keep = (m1 - m0 + mr - 1) / mr <= at, direct = a_in_place(t, a, c->cseg);
    nn_k_tile_fn fn;
    /* every vector of a full tile inside one segment of C (the tile's
     * columns start at multiples of nr, so of vw) */
    int segs_whole = t->seg && t->vw > 0 && c->cseg && c->cseg % (size_t)t->vw == 0;
    for (p0 = 0; p0 < k; p0 += kcmax) {
        size_t kc = k - p0 < kcmax ? k - p0 : kcmax;
        int zero = c->over && p0 == 0;
        for (bi = 0; bi < nb; bi++) {
            /* blocks of whole panels, as many in each as can be */
            size_t jc = n0 + pp * bi / nb * nr, jend = n0 + pp * (bi + 1) / nb * nr;
            size_t ncur = (jend < n1 ? jend : n1) - jc;
            if (!b->trans && !b->conv && !b->seg)
                pack_b_rows(t, b, p0, kc, jc, ncur, bblk);
            else
                for (j0 = 0; j0 < ncur; j0 += nr) {
                    size_t nv = ncur - j0 < nr ? ncur - j0 : nr;
                    pack_b(t, b, p0, kc, jc + j0, nv, panel_tile(t, nv, &fn), bblk + j0 * kc);
                }
            for (ib = m0; ib < m1; ib += A_TILES * mr) {
                size_t mb = m1 - ib < A_TILES * mr ? m1 - ib : A_TILES * mr;
                float *ab = keep ? ablk + (ib - m0) * kc : ablk;
                if (!direct && (!keep || bi == 0)) pack_a_block(t, a, ib, mb, p0, kc, mr, ab);
                for (i0 = ib; i0 < ib + mb; i0 += mr) {
                    size_t mv = m1 - i0 < mr ? m1 - i0 : mr;
                    const float *atile = direct ? NULL : ab + (i0 - ib) * kc;
                    for (j0 = 0; j0 < ncur; j0 += nr) {
                        size_t nv = ncur - j0 < nr ? ncur - j0 : nr, j = jc + j0, w = panel_tile(t, nv, &fn);
                        const float *bt = bblk + j0 * kc;
                        if (direct && mv == mr && nv == w) {
                            t->fna(kc, a->p + i0 * a->ld + p0, a->ld, bt, c_at(c, i0, j), c->ldc, w, zero);
                            continue;
                        }
                        if (!atile) {
                            /* an edge tile of an A read in place: packed after all */
                            pack_a(t, a, i0, mv, p0, kc, mr, ablk);
                            atile = ablk;
                        }
                        if (mv == mr && nv == w && (!c->cseg || j % c->cseg + w <= c->cseg)) {
                            if (zero && t->fn0 && fn == t->fn) {
                                t->fn0(kc, atile, bt, c_at(c, i0, j), c->ldc);
                                continue;
                            }
                            if (zero) zero_c(c, i0, mr, j, w);
                            fn(kc, atile, bt, c_at(c, i0, j), c->ldc);
                        } else if (mv == mr && nv == w && w == nr && segs_whole)
                            tile_segments(t, kc, atile, bt, c, i0, j, zero);
                        else
                            tile_via_scratch(fn, kc, atile, bt, c, i0, mv, j, nv, w, ct, zero);
                    }
                }
            }
        }
    }
}

#ifdef _OPENMP
/* Splits [0, parts) in T near-equal ranges; range t in units of unit,
 * clipped to total. */
static void split(size_t parts, int T, int t, size_t unit, size_t total, size_t *lo, size_t *hi)
{
    *lo = parts * (size_t)t / (size_t)T * unit;
    *hi = parts * (size_t)(t + 1) / (size_t)T * unit;
    if (*lo > total) *lo = total;
    if (*hi > total) *hi = total;
}
#endif

/* Small problems pack into this much stack; larger ones into one malloc'd
 * buffer per call (glibc keeps recently freed blocks, so steady training
 * pays no page faults), or, if that fails, into the stack with narrower
 * column blocks: slower, same bits. */
enum { STACK_FLOATS = 16384 };
/* A is kept packed across column blocks up to this many floats (8 MB:
 * w^T of conv_gx, 4096 x 512),
 * beyond that packed again for each. */
enum { A_KEEP_FLOATS = 1 << 21 };

void nn_k_gemm_blocked(const nn_k_gemm_tile *t, size_t m, size_t n, size_t k, const nn_k_view *a,
                       const nn_k_view *b, float *c, size_t ldc, size_t cseg, size_t cseg_ld, int over)
{
    float stack[STACK_FLOATS], *heap = NULL, *buf = stack;
    size_t mr = (size_t)t->mr, nr = (size_t)t->nr, kc = t->kc < k ? t->kc : k;
    size_t mp = (m + mr - 1) / mr, np = (n + nr - 1) / nr, nc, ncmax, per, at, unit, pm, pn, blocks;
    int by_cols;
    int nth = nn_k_threads();
    cview cv;
    nn_k_gemm_tile tk;
    if (m == 0 || n == 0) return;
    cv.p = c;
    cv.ldc = ldc;
    cv.cseg = cseg;
    cv.cseg_ld = cseg_ld;
    cv.over = over;
    if (k == 0) {
        /* no chain to run: an overwritten C is all +0 */
        size_t i, j;
        for (i = 0; over && i < m; i++)
            for (j = 0; j < n; j++) *c_at(&cv, i, j) = 0.0f;
        return;
    }
    /* below about 4 MFLOP a thread team costs more than it saves */
    if (nth > 1 && (double)m * (double)n * (double)k < 2e6) nth = 1;
    if (nth > 1 && (np > mp ? np : mp) < 2) nth = 1;
    /* Threads split the panels (each packs its own columns of B, and all
     * of A) or the row tiles (its own rows of A, all of B): the side that
     * has a few parts per thread, and if both do, the one that packs less
     * twice (A is m x k, B k x n). */
    if (np >= 4 * (size_t)nth && mp >= 4 * (size_t)nth) by_cols = m <= n;
    else if (np >= 4 * (size_t)nth || mp >= 4 * (size_t)nth) by_cols = np >= 4 * (size_t)nth;
    else by_cols = np >= mp;
    /* Columns go to threads in vectors where the set has narrow tiles
     * (n = 1024 on 2 threads: 512 each, 10 panels of 48 and one of 32,
     * rather than 528 and 496), else in panels. */
    unit = by_cols && t->vw > 0 && t->narrow[1] ? (size_t)t->vw : nr;
    pm = by_cols ? mp : (mp + (size_t)nth - 1) / (size_t)nth;
    pn = by_cols ? (((n + unit - 1) / unit + (size_t)nth - 1) / (size_t)nth * unit + nr - 1) / nr : np;
    /* the fewest column blocks of B that fit the set's L2 budget of
     * t->kc x t->nc floats (a shorter k gets wider blocks), all about as
     * wide */
    ncmax = t->kc * t->nc / kc / nr * nr;
    if (ncmax < nr) ncmax = nr;
    blocks = (pn * nr + ncmax - 1) / ncmax;
    if (blocks > 1 && !a_in_place(t, a, cseg) && kc > t->kc / 2 && pn * nr <= ncmax * 2) {
        /* A packed, and B one block at half the k block: A is packed once
         * per k block in L2-sized chunks rather than kept in memory and
         * read back for each column block (A^T of conv_gx, 4096 x 512 x
         * 512: 3 blocks of 240 at kc 512 measured 2-3% slower than one at
         * kc 256) */
        kc = (kc + 1) / 2;
        ncmax = t->kc * t->nc / kc / nr * nr;
        blocks = (pn * nr + ncmax - 1) / ncmax;
    }
    nc = (pn + blocks - 1) / blocks * nr;
    at = mp < A_TILES ? mp : A_TILES;
    if (a_in_place(t, a, cseg)) at = 1;
    else if (blocks > 1 && pm > at && pm * mr * kc <= A_KEEP_FLOATS) at = pm;
    per = kc * nc + at * mr * kc + mr * nr;
    if (per * (size_t)nth > STACK_FLOATS) {
        heap = (float *)malloc(per * (size_t)nth * sizeof(float));
        if (heap) {
            buf = heap;
        } else {
            /* the stack, with the widest column block that fits */
            nth = 1;
            at = mp < A_TILES ? mp : A_TILES;
            while (kc > 1 && at * mr * kc + mr * nr + kc * nr > STACK_FLOATS) kc /= 2;
            nc = (STACK_FLOATS - at * mr * kc - mr * nr) / kc / nr * nr;
            if (nc < nr) nc = nr;
            per = kc * nc + at * mr * kc + mr * nr;
        }
    }
    tk = *t;
    tk.kc = kc;
    if (nth == 1) {
        gemm_part(&tk, 0, m, 0, n, k, a, b, &cv, nc, at, buf);
        free(heap);
        return;
    }
#ifdef _OPENMP
#pragma omp parallel num_threads(nth)
    {
        int T = omp_get_num_threads(), id = omp_get_thread_num();
        size_t lo, hi;
        float *mine = buf + per * (size_t)id;
        if (by_cols) {
            split((n + unit - 1) / unit, T, id, unit, n, &lo, &hi);
            if (lo < hi) gemm_part(&tk, 0, m, lo, hi, k, a, b, &cv, nc, at, mine);
        } else {
            split(mp, T, id, mr, m, &lo, &hi);
            if (lo < hi) gemm_part(&tk, lo, hi, 0, n, k, a, b, &cv, nc, at, mine);
        }
    }
#endif
    free(heap);
}
