/* nn core: ops that move no numbers, only change how they are indexed
 * (SPEC.md §4). nn_reshape is a view: the output shares the input's data. */
#include "tensor_internal.h"

static void reshape_backward(nn_ctx *ctx, nn_node *nd, nn_tensor *g, nn_tensor **gin)
{
    gin[0] = nn_reshape(ctx, g, nd->in[0]->ndim, nd->in[0]->shape);
}

nn_tensor *nn_reshape(nn_ctx *ctx, nn_tensor *x, int ndim, const int *shape)
{
    nn_tensor *y;
    char s1[64], s2[64];
    if (!ctx || !nn__ok(ctx, "reshape", "input", x)) return NULL;
    y = nn__view(ctx, "reshape", ndim, shape, x->data);
    if (!y) return NULL;
    if (y->numel != x->numel)
        return (nn_tensor *)nn__fail(ctx, G99_EINVAL, "reshape: input %s has %lu elements, shape %s wants %lu",
                                     nn_shape_str(x, s1), (unsigned long)x->numel, nn_shape_str(y, s2),
                                     (unsigned long)y->numel);
    nn__record(ctx, "reshape", reshape_backward, y, 1, x, NULL, NULL);
    return ctx->err.code ? NULL : y;
}
