/* nn core: the reverse-mode engine behind nn_backward and nn_grad
 * (doc/design.md §4.2; doc/models.md §7 for the second-order requirement).
 *
 * The tape is in creation order, so walking it backwards from its tail
 * meets every consumer of a tensor before the op that made it: when a node
 * is reached, the gradient of its output (out->bgrad) is complete. Each
 * node's backward builds the input gradients with the public ops; with
 * create_graph the context keeps recording while it runs, so those
 * gradients are graph tensors (torch's create_graph=True), otherwise they
 * are plain numbers. Nodes appended during the walk lie after the old tail
 * and are not visited.
 *
 * Without create_graph the gradients are nobody's but the walk's, so it
 * spends less memory on them (the same numbers, bit for bit):
 *   - a gradient is "owned" by the tensor t it was made for when its data
 *     was allocated by the backward call that returned it and no other
 *     gradient of that call shares it (not a view of g or of a sibling, not
 *     the caller's grads_out). The mark is a back pointer in the gradient
 *     record, g->bgrad == t (gradient records are never differentiated, so
 *     the field is free), believed only on records made during the walk;
 *     the walk clears every mark before it returns.
 *   - accumulating into an owned sum adds in place (a[i] = a[i] + b[i], the
 *     order nn_add uses), or into an owned new gradient, instead of a new
 *     tensor per sum;
 *   - the owned gradient of a node's output is dead once the node's
 *     backward has run, unless it is one of nn_grad's inputs or the
 *     backward returned it (or a view of it) as an input's gradient: when
 *     it went to one input only (add's first input, a reshape) that input
 *     inherits it, else its data goes on a free list that nn__empty takes
 *     from for the next tensor of about that size. A gradient shared by
 *     two inputs (a + b both requiring one) is owned by neither. The arena is
 *     a stack, so this list is how the memory of gradients comes back
 *     during the walk; it lives for one walk (everything on it was
 *     allocated during the walk, so no release the caller does can pull
 *     memory from under it). */
#include "tensor_internal.h"

#include <stdlib.h>

/* The data of t, a dead gradient, for the next tensor of its size. */
static void pool_give(nn_ctx *ctx, nn_tensor *t)
{
    /* no room for the record (a fixed arena): the buffer just stays unused */
    nn_pooled *p = (nn_pooled *)nn__arena_alloc(&ctx->arena, sizeof *p);
    t->bgrad = NULL;
    if (!p) return;
    p->data = t->data;
    p->numel = t->numel;
    p->next = ctx->pool_free;
    ctx->pool_free = p;
}

/* The smallest buffer on the free list that holds numel floats, and not
 * more than twice that (a small tensor, a per-channel sum, would waste a
 * big one that the next activation-sized gradient needs: SPADE batch 8,
 * G's backward peak 591 MiB with any size, 497 with at most twice, 509
 * with exact sizes only); logged as handed out, so that the backward call
 * it went to owns it. */
float *nn__pool_take(nn_ctx *ctx, size_t numel)
{
    nn_pooled **best = NULL, **pp;
    nn_pooled *p;
    for (pp = &ctx->pool_free; *pp; pp = &(*pp)->next)
        if ((*pp)->numel >= numel && (*pp)->numel / 2 <= numel && (!best || (*pp)->numel < (*best)->numel)) {
            best = pp;
            if ((*pp)->numel == numel) break;
        }
    if (!best) return NULL;
    p = *best;
    *best = p->next;
    p->next = ctx->pool_out;
    ctx->pool_out = p;
    return p->data;
}

/* 1 when [d, d + n) was allocated after am, or taken from the free list
 * since out (the log's head then). */
static int fresh(const nn_ctx *ctx, nn_arena_mark am, const nn_pooled *out, const float *d, size_t n)
{
    const nn_pooled *p;
    if (nn__arena_since(&ctx->arena, am, d)) return 1;
    for (p = ctx->pool_out; p && p != out; p = p->next)
        if ((uintptr_t)d >= (uintptr_t)p->data && (uintptr_t)(d + n) <= (uintptr_t)(p->data + p->numel)) return 1;
    return 0;
}

static int overlap(const nn_tensor *a, const nn_tensor *b)
{
    return (uintptr_t)a->data < (uintptr_t)(b->data + b->numel) &&
           (uintptr_t)b->data < (uintptr_t)(a->data + a->numel);
}

/* The ownership mark, believed only on a record made during this walk (a
 * caller's tensor, say a grads_out that is also an output, may point
 * anywhere). */
static int owned(const nn_ctx *ctx, nn_arena_mark wm, const nn_tensor *rec, const nn_tensor *t)
{
    return rec->bgrad == t && nn__arena_since(&ctx->arena, wm, rec);
}

/* y[i] = a[i] + b[i], y being a or b (in place): one add per element, so
 * the threads may split the range anywhere. */
static void add_into(size_t n, const float *a, const float *b, float *y)
{
    long c;
#ifdef _OPENMP
#pragma omp parallel for schedule(static) if (NN__PAR(n))
#endif
    for (c = 0; c < NN__CHUNKS(n); c++) {
        size_t k, lo = (size_t)c * NN__CHUNK, hi = n - lo < NN__CHUNK ? n : lo + NN__CHUNK;
        for (k = lo; k < hi; k++) y[k] = a[k] + b[k];
    }
}

/* t->bgrad += g. With the walk's ownership marks (no create_graph), an
 * owned sum takes g in place; else an owned g takes the sum; else a new
 * tensor, which the sum then owns. Each element is bgrad[i] + g[i], as
 * nn_add computes it, whichever memory holds the result. */
static void accumulate(nn_ctx *ctx, nn_arena_mark wm, nn_tensor *t, nn_tensor *g)
{
    nn_touched *tl;
    if (!g) return;
    if (t->bgrad) {
        nn_tensor *a = t->bgrad;
        size_t n = a->numel;
        if (!ctx->pool_on) {
            t->bgrad = nn_add(ctx, a, g);
            return;
        }
        if (owned(ctx, wm, a, t)) {
            add_into(n, a->data, g->data, a->data);
            if (owned(ctx, wm, g, t)) pool_give(ctx, g);
        } else if (owned(ctx, wm, g, t)) {
            add_into(n, a->data, g->data, g->data);
            t->bgrad = g;
        } else {
            nn_tensor *sum = nn_add(ctx, a, g);
            if (sum) sum->bgrad = t;
            t->bgrad = sum;
        }
        return;
    }
    tl = (nn_touched *)nn__alloc(ctx, "backward", sizeof *tl);
    if (!tl) {
        if (owned(ctx, wm, g, t)) g->bgrad = NULL;
        return;
    }
    tl->t = t;
    tl->next = ctx->touched;
    ctx->touched = tl;
    t->bgrad = g;
}

static nn_tensor *ones_like(nn_ctx *ctx, const nn_tensor *t)
{
    nn_tensor *o = nn__empty_like(ctx, "backward", t);
    size_t i;
    if (o)
        for (i = 0; i < o->numel; i++) o->data[i] = 1.0f;
    return o;
}

/* Before nn_backward adds into the leaves' .grad: every arena leaf that
 * got a gradient and has no .grad yet gets a zeroed one (as PyTorch's
 * leaves), remembered for nn_ctx_rewind; a persistent tensor without one
 * (a buffer marked as requiring a gradient) is refused before any .grad
 * changes. Returns 1 when all is well. */
static int leaf_grads_ready(nn_ctx *ctx, const char *api)
{
    nn_touched *tl;
    char s1[64];
    for (tl = ctx->touched; tl; tl = tl->next) {
        nn_tensor *t = tl->t;
        if (!t->node && !t->grad && t->gen == NN_GEN_PERSISTENT) {
            nn__fail(ctx, G99_EINVAL, "%s: %s %s requires a gradient but has no .grad (only NN_PARAM entries "
                     "hold one)", api, t->name ? t->name : "a persistent tensor", nn_shape_str(t, s1));
            return 0;
        }
    }
    for (tl = ctx->touched; tl; tl = tl->next) {
        nn_tensor *t = tl->t;
        nn_leaf_grad *lg;
        if (t->node || t->grad) continue;
        lg = (nn_leaf_grad *)nn__alloc(ctx, api, sizeof *lg);
        t->grad = lg ? (float *)nn__alloc(ctx, api, t->numel * sizeof(float)) : NULL;
        if (!t->grad) return 0;
        nn_k_zero(t->grad, t->numel);
        lg->t = t;
        lg->next = ctx->leaf_grads;
        ctx->leaf_grads = lg;
    }
    return 1;
}

/* The shared engine. inputs == NULL: nn_backward (every tensor that
 * requires a gradient is relevant, parameters' .grad are accumulated);
 * else nn_grad (only ancestors of inputs are differentiated). */
static int run(nn_ctx *ctx, const char *api, int n_out, nn_tensor *const *outputs,
               nn_tensor *const *grads_out, int create_graph, int n_in, nn_tensor *const *inputs,
               nn_tensor **grads_in)
{
    nn_node *nd, *tail;
    nn_arena_mark wm;
    nn_touched *tl;
    unsigned pass;
    int i, j, mode;
    char s1[64], s2[64];

    if (ctx->err.code != G99_OK) return ctx->err.code;
    if (!nn__lives_check(ctx, api)) return ctx->err.code;
    if (n_out < 1 || !outputs || (inputs && n_in < 1) || (inputs && !grads_in)) {
        nn__fail(ctx, G99_EINVAL, "%s: no outputs or no inputs", api);
        return ctx->err.code;
    }
    for (j = 0; j < n_out; j++)
        if (!nn__ok(ctx, api, "an output", outputs[j])) return ctx->err.code;
    for (i = 0; inputs && i < n_in; i++) {
        if (!nn__ok(ctx, api, "an input", inputs[i])) return ctx->err.code;
        if (!inputs[i]->requires_grad) {
            nn__fail(ctx, G99_EINVAL, "%s: input %d %s does not require a gradient (mark the leaf with "
                     "nn_tensor_set_requires_grad)", api, i, nn_shape_str(inputs[i], s1));
            return ctx->err.code;
        }
    }
    if (!inputs && !outputs[0]->requires_grad) {
        nn__fail(ctx, G99_EINVAL, "%s: the loss does not depend on anything that requires a gradient", api);
        return ctx->err.code;
    }

    pass = ++ctx->pass;
    if (inputs) {
        for (i = 0; i < n_in; i++) inputs[i]->mark = pass;
        for (nd = ctx->tape_head; nd; nd = nd->next)
            for (i = 0; i < nd->n_in; i++)
                if (nd->in[i]->mark == pass) nd->out->mark = pass;
    }

    tail = ctx->tape_tail;
    mode = ctx->grad_enabled;
    ctx->grad_enabled = create_graph != 0;
    ctx->touched = NULL;
    ctx->pool_free = ctx->pool_out = NULL;
    ctx->pool_on = create_graph == 0;
    wm = nn__arena_mark(&ctx->arena);

    for (j = 0; j < n_out && ctx->err.code == G99_OK; j++) {
        nn_tensor *g;
        if (grads_out) {
            g = grads_out[j];
            if (!nn__ok(ctx, api, "a gradient", g)) break;
            if (!nn__same_shape(g, outputs[j])) {
                nn__fail(ctx, G99_EINVAL, "%s: gradient %s for output %s", api, nn_shape_str(g, s1),
                         nn_shape_str(outputs[j], s2));
                break;
            }
        } else {
            if (outputs[j]->numel != 1) {
                nn__fail(ctx, G99_EINVAL, "%s: output %s has more than one element; pass its gradient",
                         api, nn_shape_str(outputs[j], s1));
                break;
            }
            g = ones_like(ctx, outputs[j]);
        }
        if (outputs[j]->requires_grad) accumulate(ctx, wm, outputs[j], g);
    }

    for (nd = tail; nd && ctx->err.code == G99_OK; nd = nd->prev) {
        nn_tensor *gin[NN_NODE_MAX_IN] = { NULL, NULL, NULL };
        nn_arena_mark am;
        nn_pooled *out_log;
        nn_tensor *g;
        int any = 0, g_own, n_alias, heir;
        if (!nd->out->bgrad) continue;
        for (i = 0; i < nd->n_in; i++) {
            nn_tensor *t = nd->in[i];
            nd->need[i] = t->requires_grad && (!inputs || t->mark == pass);
            any |= nd->need[i];
        }
        if (!any) continue;
        am = nn__arena_mark(&ctx->arena);
        out_log = ctx->pool_out;
        g = nd->out->bgrad;
        nd->backward(ctx, nd, g, gin);
        /* g is the walk's to give away when it owns it: an input whose
         * gradient is g itself (add, a reshape) inherits it, else it dies */
        g_own = ctx->pool_on && ctx->err.code == G99_OK && owned(ctx, wm, g, nd->out);
        for (i = 0; g_own && inputs && i < n_in; i++)
            if (inputs[i] == nd->out) g_own = 0;
        n_alias = 0;
        heir = -1;
        for (i = 0; g_own && i < nd->n_in; i++)
            if (nd->need[i] && gin[i] && overlap(gin[i], g)) {
                n_alias++;
                if (gin[i]->data == g->data && gin[i]->numel == g->numel) heir = i;
            }
        if (n_alias != 1) heir = -1;
        for (i = 0; i < nd->n_in && ctx->err.code == G99_OK; i++) {
            if (!nd->need[i] || !gin[i]) continue;
            if (!nn__same_shape(gin[i], nd->in[i])) {
                nn__fail(ctx, G99_EINVAL, "%s backward: gradient %s for input %s", nd->op,
                         nn_shape_str(gin[i], s1), nn_shape_str(nd->in[i], s2));
                break;
            }
            if (i == heir) {
                g->bgrad = NULL;
                gin[i]->bgrad = nd->in[i];
            } else if (ctx->pool_on && fresh(ctx, am, out_log, gin[i]->data, gin[i]->numel)) {
                int own = 1;
                for (j = 0; j < nd->n_in; j++)
                    if (j != i && nd->need[j] && gin[j] && overlap(gin[i], gin[j])) own = 0;
                if (own) gin[i]->bgrad = nd->in[i];
            }
            accumulate(ctx, wm, nd->in[i], gin[i]);
        }
        if (g_own && ctx->err.code == G99_OK) {
            nd->out->bgrad = NULL;
            if (!n_alias) pool_give(ctx, g);
            else if (heir < 0) g->bgrad = NULL;   /* shared by inputs' gradients: theirs, unowned */
        }
    }
    ctx->pool_on = 0;
    ctx->pool_free = ctx->pool_out = NULL;

    if (ctx->err.code == G99_OK) {
        if (inputs) {
            for (i = 0; i < n_in; i++) {
                grads_in[i] = inputs[i]->bgrad;
                if (!grads_in[i]) grads_in[i] = nn_tensor_new(ctx, inputs[i]->ndim, inputs[i]->shape);
            }
        } else if (leaf_grads_ready(ctx, api)) {
            for (tl = ctx->touched; tl; tl = tl->next) {
                nn_tensor *t = tl->t;
                if (t->node) continue;
                add_into(t->numel, t->grad, t->bgrad->data, t->grad);
            }
        }
    }
    for (tl = ctx->touched; tl; tl = tl->next) {
        nn_tensor *t = tl->t;
        if (t->bgrad && owned(ctx, wm, t->bgrad, t)) t->bgrad->bgrad = NULL;   /* the ownership mark */
        t->bgrad = NULL;
    }
    ctx->pool_on = 0;
    ctx->pool_free = ctx->pool_out = NULL;
    ctx->touched = NULL;
    ctx->grad_enabled = mode;
    return ctx->err.code;
}

int nn_backward(nn_ctx *ctx, nn_tensor *loss, int create_graph)
{
    if (!ctx) return G99_EINVAL;
    return run(ctx, "backward", 1, &loss, NULL, create_graph, 0, NULL, NULL);
}

int nn_grad(nn_ctx *ctx, int n_out, nn_tensor *const *outputs, int n_in, nn_tensor *const *inputs,
            nn_tensor *const *grads_out, int create_graph, nn_tensor **grads_in)
{
    if (!ctx) return G99_EINVAL;
    return run(ctx, "grad", n_out, outputs, grads_out, create_graph, n_in, inputs, grads_in);
}
