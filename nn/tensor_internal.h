/* Internal to nn/'s core: the tape node, the context, the arena and the
 * helpers every op file uses. Not installed; the public API is nn.h. */
#ifndef GAN99_NN_TENSOR_INTERNAL_H
#define GAN99_NN_TENSOR_INTERNAL_H

#include "nn.h"
#include "kernels/kernels.h"

#define NN_TENSOR_MAGIC 0x6E6E7431u  /* "nnt1": a live tensor */
#define NN_GEN_PERSISTENT 0u         /* parameters: valid across resets */

enum { NN_NODE_MAX_IN = 3, NN_NODE_IARGS = 20, NN_NODE_FARGS = 4 };

/* Computes the gradient of each input in[i] with need[i] set, from g (the
 * gradient of out), with the public ops, so that it is recorded when the
 * context records (create_graph). gin[i] may stay NULL for "no gradient";
 * shapes must equal the inputs'. */
typedef void (*nn_backward_fn)(nn_ctx *ctx, nn_node *nd, nn_tensor *g, nn_tensor **gin);

struct nn_node {
    const char *op;
    nn_backward_fn backward;
    nn_tensor *out;
    int n_in;
    nn_tensor *in[NN_NODE_MAX_IN];
    int need[NN_NODE_MAX_IN];       /* set by the engine before backward */
    int iarg[NN_NODE_IARGS];        /* op-specific integers (geometry ...) */
    float farg[NN_NODE_FARGS];      /* op-specific constants (slope ...) */
    float *saved;                   /* op-specific arena floats (batch-norm statistics) */
    nn_node *prev, *next;           /* the tape, in creation order */
};

/* A bump allocator over a chain of blocks (tensor_arena.c). */
typedef struct nn_arena_block {
    struct nn_arena_block *next;    /* the newer block */
    size_t cap, used;
} nn_arena_block;

typedef struct nn_arena {
    nn_arena_block *first, *cur;    /* the oldest block; the one being filled (those after are empty) */
    size_t first_cap;
    size_t mallocs;
    size_t in_use, peak;            /* bytes allocated now / at most since the reset */
    int fixed;                      /* one block in the caller's memory: never malloc, never free */
} nn_arena;

/* The top of the arena, for a later release (stack discipline). */
typedef struct nn_arena_mark {
    const nn_arena_block *block;
    size_t used, in_use;
} nn_arena_mark;

int nn__arena_init(nn_arena *a, size_t first_cap);
/* Fixed mode: the arena is the block at mem (64-byte aligned, bytes long);
 * an allocation that does not fit fails instead of growing. */
int nn__arena_init_fixed(nn_arena *a, void *mem, size_t bytes);
void *nn__arena_alloc(nn_arena *a, size_t bytes);
nn_arena_mark nn__arena_mark(const nn_arena *a);
/* Frees everything allocated after m, which must be from the current step
 * (no reset since) and not older than a mark already released. */
void nn__arena_release(nn_arena *a, nn_arena_mark m);
void nn__arena_reset(nn_arena *a);
void nn__arena_free(nn_arena *a);
void nn__arena_stats(const nn_arena *a, size_t *used, size_t *reserved);
/* 1 when p points into memory allocated after m (and not released). */
int nn__arena_since(const nn_arena *a, nn_arena_mark m, const void *p);

/* Tensors that received a gradient in the current backward pass. */
typedef struct nn_touched {
    struct nn_touched *next;
    nn_tensor *t;
} nn_touched;

/* A gradient buffer of a backward pass without create_graph (autograd.c):
 * on the free list, a dead gradient's data for the next tensor of that
 * size; on the handed-out log, one given to a tensor since. */
typedef struct nn_pooled {
    struct nn_pooled *next;
    float *data;
    size_t numel;
} nn_pooled;

/* Arena leaves whose .grad a backward pass allocated (newest first), so
 * that a rewind can drop the ones it frees. */
typedef struct nn_leaf_grad {
    struct nn_leaf_grad *next;
    nn_tensor *t;
} nn_leaf_grad;

/* A parameter table's liveness, outliving the table: the table holds one
 * reference, and so does each context whose tape has recorded one of its
 * tensors (until that context's reset). nn_params_free clears alive, so a
 * backward pass can refuse a tape that points into a freed table without
 * reading it. Not shared between threads. */
typedef struct nn_params_life {
    int alive;
    unsigned refs;
    char first[64];   /* the table's first key, for messages */
} nn_params_life;

void nn__life_unref(nn_params_life *l);
/* 1 when every table the tape points into is alive; else records an
 * error naming it and returns 0. */
int nn__lives_check(nn_ctx *ctx, const char *api);

struct nn_ctx {
    nn_arena arena;
    nn_node *tape_head, *tape_tail;
    int grad_enabled;
    uint32_t gen;                   /* bumped by nn_ctx_reset; 0 is never used */
    unsigned pass;                  /* backward passes, for nn_tensor.mark */
    nn_touched *touched;
    nn_leaf_grad *leaf_grads;
    nn_pooled *pool_free, *pool_out;   /* during a backward pass without create_graph */
    int pool_on;
    nn_params_life **lives;         /* tables the tape points into (malloc'd) */
    size_t n_lives, cap_lives;
    g99_error err;
};

/* Kernel scratch that dies with its op: take a mark before allocating the
 * scratch (nn__alloc), release it once the op's output is written. The
 * contract is a stack's: only the newest allocations are released, so
 * between the mark and the release nothing may be allocated that must
 * outlive the op (its output tensor and tape node come before the mark,
 * or after the release). Releasing in an error path is fine. */
typedef struct nn_scratch {
    nn_arena_mark m;
    uint32_t gen;
} nn_scratch;
nn_scratch nn__scratch_mark(nn_ctx *ctx);
void nn__scratch_release(nn_ctx *ctx, nn_scratch mark);

/* During a backward pass without create_graph: the data of a dead
 * gradient of numel floats (or more) to reuse, or NULL (nn__empty then
 * allocates). */
float *nn__pool_take(nn_ctx *ctx, size_t numel);

/* Records an error (the first one sticks) and returns NULL for `return`. */
void *nn__fail(nn_ctx *ctx, int code, const char *fmt, ...) G99_PRINTF(3, 4);
/* 1 when ops may run on t: the context has no error and t is live.
 * Otherwise records "op: <what> is NULL / a freed tensor" unless an error
 * is already there, and returns 0. */
int nn__ok(nn_ctx *ctx, const char *op, const char *what, const nn_tensor *t);
void *nn__alloc(nn_ctx *ctx, const char *op, size_t bytes);
/* A tensor with uninitialized data (the op fills every element). */
nn_tensor *nn__empty(nn_ctx *ctx, const char *op, int ndim, const int *shape);
nn_tensor *nn__empty_like(nn_ctx *ctx, const char *op, const nn_tensor *t);
/* A tensor record over existing data (a view: reshape, detach). */
nn_tensor *nn__view(nn_ctx *ctx, const char *op, int ndim, const int *shape, float *data);
int nn__same_shape(const nn_tensor *a, const nn_tensor *b);
/* The shape on 4 axes, right-aligned with leading 1s ([C] -> [1,1,1,C]). */
void nn__shape4(const nn_tensor *t, int s4[4]);

/* Adds a node for out = op(in...) when the context records and any input
 * requires a gradient; marks out accordingly. Returns the node (for op
 * arguments) or NULL when nothing was recorded (check ctx->err for OOM). */
nn_node *nn__record(nn_ctx *ctx, const char *op, nn_backward_fn backward, nn_tensor *out, int n_in,
                    nn_tensor *in0, nn_tensor *in1, nn_tensor *in2);

/* Internal ops that other op files use in their backward passes. */
/* mm with transposes: op(a) [m,k] . op(b) [k,n]. */
nn_tensor *nn__mm(nn_ctx *ctx, nn_tensor *a, nn_tensor *b, int ta, int tb);
/* A constant (never differentiated) tensor made from x by a mask rule. */
enum { NN_MASK_SIGN, NN_MASK_RANGE };
nn_tensor *nn__mask(nn_ctx *ctx, nn_tensor *x, int rule, float a, float b);

/* ---- elementwise loops over the threads ----
 * An op whose every output element is computed on its own (no sum across
 * elements) may cut its range anywhere and keep the bits on any thread
 * count. NN__PAR(work): a team pays for waking a thread only past about
 * 64 K floats (the kernels' PAR_MIN, dispatch.c). Ranges are cut into
 * chunks of NN__CHUNK floats, each a plain vectorizable run. */
#define NN__PAR_MIN ((size_t)1 << 16)
#define NN__CHUNK ((size_t)1 << 13)
#define NN__PAR(work) ((size_t)(work) >= NN__PAR_MIN && nn_k_threads() > 1)
#define NN__CHUNKS(n) ((long)(((n) + NN__CHUNK - 1) / NN__CHUNK))

#endif
