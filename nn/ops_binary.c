/* nn core: elementwise ops of two tensors with NumPy/PyTorch broadcasting
 * (doc/design.md §4.3): shapes are aligned on the right and a dim of 1 stretches,
 * so a per-channel bias is b viewed [1,C,1,1] over x [N,C,H,W], a linear
 * bias [F] over [N,F]. The gradient of a stretched input is summed back to
 * its shape with nn_sum_to (canonical order). */
#include "tensor_internal.h"

enum { B_ADD, B_SUB, B_MUL, B_DIV };
static const char *const binary_names[] = { "add", "sub", "mul", "div" };

/* y[i] = a[i*sa] op b[i*sb] for i < n; a stride of 0 repeats one value
 * (a broadcast bias). One loop per op, with no branch inside, so the
 * compiler can vectorize the contiguous cases; each element is one
 * correctly rounded operation, the same bits in any lane. */
static void apply(int kind, size_t n, const float *a, size_t sa, const float *b, size_t sb, float *y)
{
    size_t i;
    if (sa == 1 && sb == 1) {
        switch (kind) {
        case B_ADD: for (i = 0; i < n; i++) y[i] = a[i] + b[i]; return;
        case B_SUB: for (i = 0; i < n; i++) y[i] = a[i] - b[i]; return;
        case B_MUL: for (i = 0; i < n; i++) y[i] = a[i] * b[i]; return;
        default: for (i = 0; i < n; i++) y[i] = a[i] / b[i]; return;
        }
    }
    if (sa == 1 && sb == 0) {
        float v = b[0];
        switch (kind) {
        case B_ADD: for (i = 0; i < n; i++) y[i] = a[i] + v; return;
        case B_SUB: for (i = 0; i < n; i++) y[i] = a[i] - v; return;
        case B_MUL: for (i = 0; i < n; i++) y[i] = a[i] * v; return;
        default: for (i = 0; i < n; i++) y[i] = a[i] / v; return;
        }
    }
    switch (kind) {
    case B_ADD: for (i = 0; i < n; i++) y[i] = a[i * sa] + b[i * sb]; return;
    case B_SUB: for (i = 0; i < n; i++) y[i] = a[i * sa] - b[i * sb]; return;
    case B_MUL: for (i = 0; i < n; i++) y[i] = a[i * sa] * b[i * sb]; return;
    default: for (i = 0; i < n; i++) y[i] = a[i * sa] / b[i * sb]; return;
    }
}

static void binary_backward(nn_ctx *ctx, nn_node *nd, nn_tensor *g, nn_tensor **gin)
{
    nn_tensor *a = nd->in[0], *b = nd->in[1];
    nn_tensor *ga = NULL, *gb = NULL;
    switch (nd->iarg[0]) {
    case B_ADD:
        ga = g;
        gb = g;
        break;
    case B_SUB:
        ga = g;
        if (nd->need[1]) gb = nn_scale(ctx, g, -1.0f);
        break;
    case B_MUL:
        if (nd->need[0]) ga = nn_mul(ctx, g, b);
        if (nd->need[1]) gb = nn_mul(ctx, g, a);
        break;
    default:  /* d(a/b)/db = -a/b^2 = -y/b */
        if (nd->need[0]) ga = nn_div(ctx, g, b);
        if (nd->need[1]) gb = nn_scale(ctx, nn_div(ctx, nn_mul(ctx, g, nd->out), b), -1.0f);
        break;
    }
    if (nd->need[0]) gin[0] = nn_sum_to(ctx, ga, a->ndim, a->shape);
    if (nd->need[1]) gin[1] = nn_sum_to(ctx, gb, b->ndim, b->shape);
}

/* The broadcast shape of a and b, or 0 after recording an error. */
static int broadcast_shape(nn_ctx *ctx, const char *op, const nn_tensor *a, const nn_tensor *b,
                           int *ndim, int shape[NN_MAX_DIMS])
{
    int n = a->ndim > b->ndim ? a->ndim : b->ndim, i;
    for (i = 0; i < n; i++) {
        int ia = a->ndim - n + i, ib = b->ndim - n + i;
        int da = ia >= 0 ? a->shape[ia] : 1, db = ib >= 0 ? b->shape[ib] : 1;
        if (da != db && da != 1 && db != 1) {
            char s1[64], s2[64];
            nn__fail(ctx, G99_EINVAL, "%s: shapes %s and %s do not broadcast (dim %d: %d vs %d)", op,
                     nn_shape_str(a, s1), nn_shape_str(b, s2), i, da, db);
            return 0;
        }
        shape[i] = da > db ? da : db;
    }
    *ndim = n;
    return 1;
}

/* Row-major strides of t on the 4 right-aligned axes of out, 0 where t is
 * stretched. */
static void broadcast_strides(const nn_tensor *t, const int o4[4], size_t st[4])
{
    int s4[4], d;
    size_t acc = 1;
    nn__shape4(t, s4);
    for (d = 3; d >= 0; d--) {
        st[d] = (s4[d] == 1 && o4[d] != 1) ? 0 : acc;
        acc *= (size_t)s4[d];
    }
}

static nn_tensor *binary(nn_ctx *ctx, int kind, nn_tensor *a, nn_tensor *b)
{
    const char *op = binary_names[kind];
    int ndim, shape[NN_MAX_DIMS], o4[4];
    size_t sa[4], sb[4];
    long c, rows;
    nn_tensor *y;
    nn_node *nd;
    if (!ctx || !nn__ok(ctx, op, "a", a) || !nn__ok(ctx, op, "b", b)) return NULL;
    if (!broadcast_shape(ctx, op, a, b, &ndim, shape)) return NULL;
    y = nn__empty(ctx, op, ndim, shape);
    if (!y) return NULL;
    if (a->numel == y->numel && b->numel == y->numel) {
        size_t n = y->numel;
#ifdef _OPENMP
#pragma omp parallel for schedule(static) if (NN__PAR(n))
#endif
        for (c = 0; c < NN__CHUNKS(n); c++) {
            size_t lo = (size_t)c * NN__CHUNK, len = n - lo < NN__CHUNK ? n - lo : NN__CHUNK;
            apply(kind, len, a->data + lo, 1, b->data + lo, 1, y->data + lo);
        }
    } else {
        nn__shape4(y, o4);
        broadcast_strides(a, o4, sa);
        broadcast_strides(b, o4, sb);
        rows = (long)o4[0] * o4[1] * o4[2];
        /* one row of y per iteration */
#ifdef _OPENMP
#pragma omp parallel for schedule(static) if (NN__PAR(y->numel) && rows > 1)
#endif
        for (c = 0; c < rows; c++) {
            size_t i2 = (size_t)c % (size_t)o4[2], i1 = (size_t)c / (size_t)o4[2] % (size_t)o4[1];
            size_t i0 = (size_t)c / (size_t)o4[2] / (size_t)o4[1];
            const float *pa = a->data + i0 * sa[0] + i1 * sa[1] + i2 * sa[2];
            const float *pb = b->data + i0 * sb[0] + i1 * sb[1] + i2 * sb[2];
            apply(kind, (size_t)o4[3], pa, sa[3], pb, sb[3], y->data + (size_t)c * (size_t)o4[3]);
        }
    }
    nd = nn__record(ctx, op, binary_backward, y, 2, a, b, NULL);
    if (nd) nd->iarg[0] = kind;
    return ctx->err.code ? NULL : y;
}

nn_tensor *nn_add(nn_ctx *ctx, nn_tensor *a, nn_tensor *b) { return binary(ctx, B_ADD, a, b); }
nn_tensor *nn_sub(nn_ctx *ctx, nn_tensor *a, nn_tensor *b) { return binary(ctx, B_SUB, a, b); }
nn_tensor *nn_mul(nn_ctx *ctx, nn_tensor *a, nn_tensor *b) { return binary(ctx, B_MUL, a, b); }
nn_tensor *nn_div(nn_ctx *ctx, nn_tensor *a, nn_tensor *b) { return binary(ctx, B_DIV, a, b); }
