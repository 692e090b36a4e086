/* nn core: parameter initializers as the reference models use them
 * (doc/design.md §4.4; doc/models.md §1: DCGAN's weights_init draws conv weights from
 * N(0, 0.02) and BatchNorm gammas from N(1, 0.02), betas 0). Draws come
 * from the caller's nn_rng, normally stream NN_STREAM_INIT (doc/determinism.md §2.2);
 * one fill per tensor, in the order the caller visits them. */
#include "tensor_internal.h"

void nn_init_normal(nn_tensor *t, nn_rng *rng, float mean, float std)
{
    if (!t || !t->data || !rng) return;
    nn_rng_fill_normal(rng, t->data, t->numel, mean, std);
}

void nn_init_constant(nn_tensor *t, float value)
{
    size_t i;
    if (!t || !t->data) return;
    for (i = 0; i < t->numel; i++) t->data[i] = value;
}
