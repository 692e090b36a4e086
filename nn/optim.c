/* nn core: SGD with momentum and Adam, PyTorch's update formulas exactly
 * (torch.optim.SGD / torch.optim.Adam, single-tensor path; gan_spec.md §0),
 * as flat loops over the trainable part of the parameter slab. */
#include "tensor_internal.h"

#include <math.h>
#include <stdlib.h>

static float *state_new(size_t n, g99_error *err, const char *what)
{
    float *s = (float *)calloc(n ? n : 1, sizeof(float));
    if (!s) g99_fail(err, G99_ENOMEM, "%s: out of memory for %lu floats", what, (unsigned long)n);
    return s;
}

int nn_sgd_init(nn_sgd *o, const nn_params *p, float lr, float momentum, g99_error *err)
{
    memset(o, 0, sizeof *o);
    if (!p->data) return g99_fail(err, G99_EINVAL, "sgd: parameters not allocated");
    o->lr = lr;
    o->momentum = momentum;
    o->n = p->n_train;
    o->buf = state_new(o->n, err, "sgd");
    return o->buf ? 0 : G99_ENOMEM;
}

void nn_sgd_step(nn_sgd *o, nn_params *p)
{
    size_t i;
    float *w = p->data, *g = p->grad, *b = o->buf;
    if (o->n != p->n_train) return;
    for (i = 0; i < o->n; i++) {
        float d = g[i];
        if (o->momentum != 0.0f) {
            /* the buffer starts as a copy of the first gradient (PyTorch) */
            b[i] = o->step == 0 ? d : b[i] * o->momentum + d;
            d = b[i];
        }
        w[i] = w[i] + (-o->lr) * d;   /* param.add_(d, alpha=-lr) */
    }
    o->step++;
}

void nn_sgd_free(nn_sgd *o)
{
    free(o->buf);
    memset(o, 0, sizeof *o);
}

int nn_adam_init(nn_adam *o, const nn_params *p, float lr, float beta1, float beta2, float eps, g99_error *err)
{
    memset(o, 0, sizeof *o);
    if (!p->data) return g99_fail(err, G99_EINVAL, "adam: parameters not allocated");
    o->lr = lr;
    o->beta1 = beta1;
    o->beta2 = beta2;
    o->eps = eps;
    o->n = p->n_train;
    o->beta1_t = o->beta2_t = 1.0;
    o->m = state_new(o->n, err, "adam");
    o->v = o->m ? state_new(o->n, err, "adam") : NULL;
    if (!o->v) {
        nn_adam_free(o);
        return G99_ENOMEM;
    }
    return 0;
}

/* PyTorch (torch/optim/adam.py, _single_tensor_adam), per element:
 *   m = m * b1 + g * (1 - b1)              exp_avg.mul_(b1).add_(g, alpha=1-b1)
 *   v = v * b2 + ((1 - b2) * g) * g        exp_avg_sq.mul_(b2).addcmul_(g, g, value=1-b2)
 *   denom = sqrt(v) / sqrt(1 - b2^t) + eps
 *   p = p + (-lr / (1 - b1^t)) * m / denom  param.addcdiv_(m, denom, value=-step_size)
 * The bias corrections are Python floats (double) rounded to float where
 * they meet the tensors; b^t is a running product in double here, where
 * Python takes a pow: identical to well below float resolution. sqrt is
 * sqrtf/sqrt, correctly rounded everywhere (no libm transcendental). */
void nn_adam_step(nn_adam *o, nn_params *p)
{
    nn_k_adam_coef c;
    if (o->n != p->n_train) return;
    o->step++;
    o->beta1_t *= o->beta1;
    o->beta2_t *= o->beta2;
    c.b1 = o->beta1;
    c.b2 = o->beta2;
    c.a1 = (float)(1.0 - (double)o->beta1);
    c.a2 = (float)(1.0 - (double)o->beta2);
    c.step_size = (float)(-(double)o->lr / (1.0 - o->beta1_t));
    c.bc2_sqrt = (float)sqrt(1.0 - o->beta2_t);
    c.eps = o->eps;
    /* the element loop is a kernel (kernels.h): each SIMD set's lanes do
     * the same correctly rounded operations */
    nn_k_adam(&c, o->n, p->data, p->grad, o->m, o->v);
}

void nn_adam_free(nn_adam *o)
{
    free(o->m);
    free(o->v);
    memset(o, 0, sizeof *o);
}
