/* gan99 nn: deterministic math, the counter-based PRNG, JSON and safetensors
 * checkpoints; the tensor/autograd core builds on these.
 *
 * Everything here gives the same bits on every platform and compiler
 * (doc/determinism.md §3): no libm transcendental is called on a path that affects a
 * result, and files are little-endian whatever the host. */
#ifndef GAN99_NN_H
#define GAN99_NN_H

#include <stddef.h>
#include <stdint.h>

#include "../base/base.h"

/* ==== math: gan99's own transcendental functions (nn/math.c) ============== */

/* SECTION math */
/* Float in, float out, the same bits on every platform; within 2 ulp of the
 * exact result by contract, measured at most 0.500005 ulp: correctly rounded
 * but for a few arguments in 10^8 (the table is in nn/math.c and printed by
 * `make test`). sin and cos reduce their argument exactly up to 3.4e38.
 * Special values follow C99 Annex F (NaN in, NaN out; exp(-inf) = 0 ...);
 * a NaN argument comes back quieted with its payload, a NaN made by the
 * function (log(-1), sin(inf), pow(-8, 1/3)) is always 0x7FC00000. */
float nn_expf(float x);
float nn_logf(float x);
float nn_tanhf(float x);
float nn_sigmoidf(float x);   /* 1 / (1 + e^-x) */
float nn_sinf(float x);
float nn_cosf(float x);
float nn_powf(float x, float y);
/* SECTION math end */

/* ==== PRNG: Philox4x32-10 keyed by seed, one stream per consumer (nn/prng.c) */

/* SECTION prng */
/* Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2,
 * 3", SC 2011): a counter-based generator, so draw i of a stream is a pure
 * function of (seed, stream, i). Every consumer draws from its own stream,
 * so adding one never shifts another, and a checkpoint stores three numbers.
 * Counter words: {block lo, block hi, stream lo, stream hi}; key: the seed. */
typedef struct nn_rng {
    uint64_t seed;
    uint64_t stream;
    uint64_t pos;         /* index of the next 32-bit draw in the stream */
    uint64_t cached_block; /* cache of the Philox block holding draw pos ... */
    uint32_t cache[4];     /* ... valid when cache_valid; derivable, never saved */
    int cache_valid;
} nn_rng;

/* The stream of each consumer (doc/determinism.md §2.2). */
enum {
    NN_STREAM_INIT = 1,     /* parameter initialization */
    NN_STREAM_NOISE = 2,    /* latent noise z, noise inputs */
    NN_STREAM_DATA = 3,     /* dataset order */
    NN_STREAM_DROPOUT = 4,  /* dropout masks */
    NN_STREAM_AUGMENT = 5   /* flips, crops */
};

/* One Philox4x32 block with 10 rounds. */
void nn_philox4x32_10(const uint32_t ctr[4], const uint32_t key[2], uint32_t out[4]);

void nn_rng_init(nn_rng *r, uint64_t seed, uint64_t stream);
/* Moves to draw `pos` of the stream (what a checkpoint restores). */
void nn_rng_seek(nn_rng *r, uint64_t pos);
uint32_t nn_rng_u32(nn_rng *r);
/* (u32 >> 8) * 2^-24: one of the 2^24 evenly spaced floats in [0, 1). */
float nn_rng_uniform(nn_rng *r);
/* An unbiased integer in [0, n), n >= 1 (Lemire's multiply-and-reject). */
uint32_t nn_rng_below(nn_rng *r, uint32_t n);
/* dst[i] = lo + (hi - lo) * uniform. */
void nn_rng_fill_uniform(nn_rng *r, float *dst, size_t n, float lo, float hi);
/* dst[i] = mean + std * z, z ~ N(0, 1) by Box-Muller on pairs of draws:
 * draws (a, b) give r cos(2 pi u2) and r sin(2 pi u2), r = sqrt(-2 ln u1),
 * u1 = ((a >> 8) + 1) 2^-24 in (0, 1], u2 = (b >> 8) 2^-24. An odd n uses
 * the cosine alone for the last value. A fill is one unit: two fills of 1
 * differ from one fill of 2, as in PyTorch. */
void nn_rng_fill_normal(nn_rng *r, float *dst, size_t n, float mean, float std);
float nn_rng_normal(nn_rng *r);
/* Fisher-Yates shuffle of idx[0..n) (from the last element down). */
void nn_rng_shuffle(nn_rng *r, uint32_t *idx, size_t n);
/* SECTION prng end */

/* ==== JSON: a small strict reader and writer helpers (nn/json.c) ========== */

/* SECTION json */
/* RFC 8259, strictly: one value, no trailing garbage, no comments, no BOM,
 * strings must be valid UTF-8 without raw control characters, \u escapes
 * must pair surrogates. Errors name the byte offset.
 *
 * Numbers: an integer literal (no fraction, no exponent) whose magnitude is
 * below 2^64 is also kept exactly (is_int, negative, magnitude), so file
 * offsets and sizes never pass through a double. Every number also gets a
 * double: correctly rounded when its significant digits form an integer
 * up to 2^53 (any decimal of 15 digits) and the decimal exponent is within
 * +-22, within 1 ulp for longer digit strings, otherwise a deterministic
 * approximation within a few ulp: always the same bits on every platform.
 * Values beyond the double range are refused.
 *
 *   nn_json *doc;
 *   if (nn_json_parse(text, len, &doc, err)) return err->code;
 *   v = nn_json_get(doc, "z_dim");              (NULL when absent)
 *   if (v && nn_json_get_u64(v, &z_dim) == 0) ...
 *   nn_json_free(doc);                                                      */
enum { NN_JSON_NULL, NN_JSON_BOOL, NN_JSON_NUMBER, NN_JSON_STRING, NN_JSON_ARRAY, NN_JSON_OBJECT };

/* Arrays and objects nested deeper than this are refused (the parser
 * recurses once per level, so this bounds its stack). */
#define NN_JSON_MAX_DEPTH 64

typedef struct nn_json nn_json;
typedef struct nn_json_member nn_json_member;

struct nn_json {
    int type;                 /* NN_JSON_* */
    size_t offset;            /* byte offset of the value's first character */
    int boolean;              /* NN_JSON_BOOL: 0 or 1 */
    double number;            /* NN_JSON_NUMBER */
    int is_int;               /* NN_JSON_NUMBER written as an integer, |value| < 2^64: */
    int negative;             /*   its sign ("-0" is negative with magnitude 0) */
    uint64_t magnitude;       /*   and its exact magnitude */
    char *str;                /* NN_JSON_STRING: UTF-8, NUL-terminated; */
    size_t len;               /*   string bytes (may hold NUL from \u0000), or the
                                 number of array items / object members */
    nn_json *items;           /* NN_JSON_ARRAY: len items */
    nn_json_member *members;  /* NN_JSON_OBJECT: len members, in document order */
};

struct nn_json_member {
    char *key;                /* UTF-8, NUL-terminated */
    size_t key_len;           /* bytes (may hold NUL from \u0000) */
    size_t offset;            /* byte offset of the key's opening quote */
    nn_json value;
};

/* Parses text[0..len) into a tree (*out, free with nn_json_free). */
int nn_json_parse(const char *text, size_t len, nn_json **out, g99_error *err);
void nn_json_free(nn_json *doc);

/* The first member named key (a C string), or NULL when obj is not an
 * object or has no such member. */
const nn_json *nn_json_get(const nn_json *obj, const char *key);
/* Item i of an array, or NULL when arr is not an array or i is too large. */
const nn_json *nn_json_at(const nn_json *arr, size_t i);
/* The string of a string value, or NULL. */
const char *nn_json_string(const nn_json *v);
/* An exact integer: 0 and *out set, or -1 when v is not an integer literal
 * in range (u64: 0 .. 2^64-1; i64: -2^63 .. 2^63-1). */
int nn_json_get_u64(const nn_json *v, uint64_t *out);
int nn_json_get_i64(const nn_json *v, int64_t *out);
/* "null", "boolean", "number", "string", "array", "object". */
const char *nn_json_type_name(int type);
/* RFC 8259 lets keys repeat; callers that must not accept that call this:
 * 0 when obj's keys are unique, else G99_EFORMAT with a message naming the
 * key and its offset (G99_ENOMEM if the check cannot allocate). */
int nn_json_unique_keys(const nn_json *obj, g99_error *err);

/* A growing output buffer for writing JSON (NUL-terminated while data is
 * not NULL). Start from {0}; free with nn_json_buf_free. */
typedef struct nn_json_buf {
    char *data;
    size_t len, cap;
} nn_json_buf;

/* Each returns 0 or G99_ENOMEM (buffer left as it was). */
int nn_json_buf_append(nn_json_buf *b, const char *s, size_t n);
int nn_json_buf_append_u64(nn_json_buf *b, uint64_t v);
/* s[0..n) as a quoted JSON string, escaped as serde_json (the reference
 * safetensors writer) does: \" \\ \b \f \n \r \t, other control
 * characters as \u00xx, everything else (incl. non-ASCII) as is. Returns
 * G99_EINVAL when s is not valid UTF-8. */
int nn_json_buf_append_string(nn_json_buf *b, const char *s, size_t n);
void nn_json_buf_free(nn_json_buf *b);
/* SECTION json end */

/* ==== safetensors: checkpoints and model files (nn/safetensors.c) ======== */

/* SECTION safetensors */
/* The safetensors format (huggingface/safetensors, doc/design.md §5.1):
 *   8 bytes   N, little-endian u64
 *   N bytes   a JSON object: "name": {"dtype": "F32", "shape": [2, 3],
 *             "data_offsets": [begin, end]} per tensor, offsets relative to
 *             the data buffer; optional "__metadata__": {string: string}
 *   the rest  the data buffer, little-endian, row-major
 *
 * Reading validates what the reference library validates and a little more
 * (see nn/safetensors.c): N at most 100,000,000 and within the file, the
 * header strict JSON with unique keys, exactly the three fields per tensor,
 * a known dtype, shape dims non-negative integers with no overflow,
 * end - begin == prod(shape) * dtype size, begin aligned to the dtype size,
 * and the tensors tiling the buffer exactly: no overlap, no hole, no
 * trailing byte. Errors name the field ("tensor \"w\": data_offsets: ...").
 *
 *   nn_st_file *f;
 *   const nn_st_tensor *t;
 *   if (nn_st_load("G.safetensors", NN_ST_MAX_FILE, &f, err)) return err->code;
 *   t = nn_st_find(f, "main.0.weight");
 *   if (t && t->numel == n) rc = nn_st_read_f32(t, w, n, err);
 *   nn_st_free(f);
 *
 * Writing produces the bytes Python's safetensors writes for the same
 * content: compact JSON header padded with spaces to a multiple of 8,
 * tensors ordered by descending dtype (the enum order below) then by name,
 * metadata keys in byte order (see nn/safetensors.c on why). */

/* Every dtype the reference names, in its order (writers sort on it). */
typedef enum nn_st_dtype {
    NN_ST_BOOL, NN_ST_F4, NN_ST_F6_E2M3, NN_ST_F6_E3M2, NN_ST_U8, NN_ST_I8, NN_ST_F8_E5M2, NN_ST_F8_E4M3,
    NN_ST_F8_E8M0, NN_ST_I16, NN_ST_U16, NN_ST_F16, NN_ST_BF16, NN_ST_I32, NN_ST_U32, NN_ST_F32, NN_ST_C64,
    NN_ST_F64, NN_ST_I64, NN_ST_U64,
    NN_ST_DTYPE_COUNT
} nn_st_dtype;

#define NN_ST_MAX_HEADER 100000000u  /* the reference's limit on N, bytes */
#define NN_ST_MAX_RANK 8             /* dims gan99 reads and writes */
/* A default file-size limit for nn_st_load: no limit beyond the address space. */
#define NN_ST_MAX_FILE ((size_t)-1 >> 1)

typedef struct nn_st_tensor {
    const char *name;           /* NUL-terminated UTF-8 */
    nn_st_dtype dtype;
    int rank;                   /* 0 for a scalar */
    size_t shape[NN_ST_MAX_RANK];
    size_t numel;               /* prod(shape); 1 for a scalar */
    size_t begin, nbytes;       /* data_offsets[0] and end - begin */
    const uint8_t *data;        /* the nbytes little-endian bytes, in the file */
} nn_st_tensor;

typedef struct nn_st_file {
    uint8_t *bytes;             /* the whole file (owned) */
    size_t size;
    size_t header_len;          /* N */
    nn_st_tensor *tensors;      /* in data-buffer order */
    size_t n_tensors;
    const char **meta_keys;     /* __metadata__, in header order */
    const char **meta_values;
    size_t n_meta;
    struct nn_json *header;     /* the parsed header; names point into it */
} nn_st_file;

/* Parses a copy of bytes[0..size) (the fuzzers' entry point). */
int nn_st_parse(const uint8_t *bytes, size_t size, nn_st_file **out, g99_error *err);
/* Reads and parses a file no larger than max_bytes; messages start with path. */
int nn_st_load(const char *path, size_t max_bytes, nn_st_file **out, g99_error *err);
void nn_st_free(nn_st_file *f);

/* Lookups; NULL when absent. */
const nn_st_tensor *nn_st_find(const nn_st_file *f, const char *name);
const char *nn_st_meta(const nn_st_file *f, const char *key);

/* Converts a F32, F16, BF16 or F64 tensor to floats (n must be t->numel);
 * G99_EUNSUPPORTED for other dtypes. F64 rounds to nearest float (values
 * beyond the float range become infinities); the others are exact. */
int nn_st_read_f32(const nn_st_tensor *t, float *out, size_t n, g99_error *err);

/* "F32", "BF16" ...; element size in bits (4 for F4, 6 for F6_*). */
const char *nn_st_dtype_name(nn_st_dtype dtype);
int nn_st_dtype_bits(nn_st_dtype dtype);

/* The writer collects metadata strings and F32 / I64 tensors, then saves them
 * atomically. Tensor data is not copied: it must stay valid until save. */
typedef struct nn_st_writer nn_st_writer;

int nn_st_writer_new(nn_st_writer **out, g99_error *err);
int nn_st_writer_meta(nn_st_writer *w, const char *key, const char *value, g99_error *err);
int nn_st_writer_f32(nn_st_writer *w, const char *name, const size_t *shape, int rank, const float *data,
                     g99_error *err);
/* I64 tensors (PyTorch's BatchNorm num_batches_tracked, step counters). */
int nn_st_writer_i64(nn_st_writer *w, const char *name, const size_t *shape, int rank, const int64_t *data,
                     g99_error *err);
int nn_st_writer_save(nn_st_writer *w, const char *path, g99_error *err);
void nn_st_writer_free(nn_st_writer *w);
/* SECTION safetensors end */

/* ==== core: tensors, autograd, ops, optimizers (nn/tensor.c and friends) == */

/* SECTION core */
/* The design is in nn/tensor.c's header comment; in short:
 *  - nn_tensor: float32, 0 to 4 dims (N, C, H, W), contiguous row-major.
 *  - nn_ctx: an arena (reset each step) for activations and the tape, the
 *    grad mode and a sticky error. An op given bad shapes or NULL returns
 *    NULL and records an error naming the op and the shapes; an op given
 *    NULL after an error just returns NULL, so a forward pass is checked
 *    once at its end (nn_ctx_error). Nothing here aborts.
 *  - Every backward pass is written with the differentiable ops below, so
 *    with create_graph the gradients are graph tensors themselves
 *    (second-order gradients, StyleGAN's R1 penalty); batch norm and the
 *    activations use fused kernels when the backward is not recorded.
 *  - nn_params: parameters and buffers in one slab with a table of names,
 *    the reference implementation's state_dict keys. */

#define NN_MAX_DIMS 4

typedef struct nn_ctx nn_ctx;
typedef struct nn_node nn_node;  /* the op record on the tape (internal) */

typedef struct nn_tensor {
    int ndim;                  /* 0 (a scalar) to NN_MAX_DIMS */
    int shape[NN_MAX_DIMS];    /* shape[i] >= 1 for i < ndim, 1 beyond */
    size_t numel;
    float *data;               /* numel floats, row-major */
    float *grad;               /* the gradient nn_backward accumulates: parameters' in the
                                  slab, an arena leaf's in the arena (see nn_backward); else NULL */
    nn_node *node;             /* the op that made it; NULL for a leaf */
    int requires_grad;
    const char *name;          /* parameters and buffers: the state_dict key; else NULL */
    /* private to nn/: validity stamps and backward-pass scratch */
    uint32_t magic, gen;
    struct nn_params_life *life;   /* parameters: their table's liveness record */
    struct nn_tensor *bgrad;
    unsigned mark;
} nn_tensor;

/* ---- context ----------------------------------------------------------- */

/* arena_bytes: the first arena block (0 picks 1 MiB); it grows as needed
 * during the first step (blocks of doubling size) and a reset keeps the
 * blocks, so a steady training step does not call malloc and reuses the
 * memory the first step touched. NULL when out of memory. */
nn_ctx *nn_ctx_new(size_t arena_bytes);
void nn_ctx_free(nn_ctx *ctx);
/* Starts a step: frees every tensor and node made since the last reset (the
 * parameters live elsewhere and stay). Using an older tensor afterwards is
 * an error ("freed tensor"), not a crash. The error record is kept. */
void nn_ctx_reset(nn_ctx *ctx);
/* A point inside a step to come back to: nn_ctx_rewind(ctx, m) frees every
 * tensor, tape node and scratch made since nn_ctx_mark gave m, and cuts
 * the tape there, so a training step can drop a pass whose graph is dead
 * (D's pass on the real batch, once its gradients are in the parameters'
 * .grad) instead of holding it until the next reset. Tensors made before
 * the mark stay valid; one made after it must not be used again (this is
 * not detected). Marks nest like a stack; a mark from before the last
 * reset is ignored. Not during a backward pass. */
typedef struct nn_mark {
    const void *block, *tape, *leaf_grads;   /* private to nn/ */
    size_t used, in_use, n_lives;
    uint32_t gen;
} nn_mark;
nn_mark nn_ctx_mark(nn_ctx *ctx);
void nn_ctx_rewind(nn_ctx *ctx, nn_mark m);
/* The first error since nn_ctx_clear_error (code G99_OK when none). */
const g99_error *nn_ctx_error(const nn_ctx *ctx);
void nn_ctx_clear_error(nn_ctx *ctx);
/* Records the graph (1, the default) or not (0, like torch.no_grad);
 * returns the previous mode. */
int nn_set_grad_enabled(nn_ctx *ctx, int enabled);
/* Arena figures: bytes in use, bytes reserved, and how many times the arena
 * called malloc since nn_ctx_new. */
void nn_ctx_arena_stats(const nn_ctx *ctx, size_t *used, size_t *reserved, size_t *mallocs);
/* A context that never calls malloc: its record and its arena are the
 * bytes at buf (a static array on a microcontroller, any alignment). An op
 * that needs more than they hold fails with G99_ENOMEM; resets and marks
 * work as usual; nn_ctx_free frees nothing of buf. NULL when bytes is
 * below nn_ctx_fixed_bytes(0). */
nn_ctx *nn_ctx_new_fixed(void *buf, size_t bytes);
/* The bytes nn_ctx_new_fixed needs for an arena peak of arena_bytes (as
 * nn_ctx_arena_peak reports it): the context record and the alignment. */
size_t nn_ctx_fixed_bytes(size_t arena_bytes);
/* The arena's high-water mark (bytes) since nn_ctx_new or the last reset. */
size_t nn_ctx_arena_peak(const nn_ctx *ctx);

/* ---- tensors in the arena ---------------------------------------------- */

/* Zero-filled; shape has ndim entries. */
nn_tensor *nn_tensor_new(nn_ctx *ctx, int ndim, const int *shape);
/* A copy of n = numel floats. */
nn_tensor *nn_tensor_from(nn_ctx *ctx, int ndim, const int *shape, const float *data);
nn_tensor *nn_tensor_scalar(nn_ctx *ctx, float value);
/* A persistent leaf over data the caller keeps (weights in flash: no op
 * writes its inputs), in the caller's record: no allocation, no gradient,
 * valid in every context until the caller drops data. NULL on a bad shape. */
nn_tensor *nn_tensor_wrap(nn_tensor *rec, int ndim, const int *shape, const float *data);
/* Marks a leaf so nn_grad can differentiate with respect to it (x in R1)
 * and nn_backward gives it a .grad (see there). */
void nn_tensor_set_requires_grad(nn_tensor *t, int on);
/* The same data, cut from the graph. */
nn_tensor *nn_detach(nn_ctx *ctx, nn_tensor *t);
/* "[2,3,8,8]" into buf (at least 64 bytes); returns buf. */
const char *nn_shape_str(const nn_tensor *t, char *buf);

/* ---- autograd ---------------------------------------------------------- */

/* Reverse mode from a one-element loss: adds d loss / d p to p->grad of
 * every parameter p that loss depends on (as torch's loss.backward()).
 * With create_graph, the intermediate gradients are recorded on the tape.
 * A leaf in the arena marked with nn_tensor_set_requires_grad is treated
 * as PyTorch treats any leaf: the first backward pass that reaches it
 * gives it a zeroed .grad in the arena, and every pass adds into it (plain
 * numbers, also with create_graph). That .grad lives as long as the
 * tensor: until nn_ctx_reset, or a rewind to a mark taken before the pass
 * that allocated it (it is NULL again then). A persistent tensor with no
 * .grad (a buffer someone marked) is refused (G99_EINVAL naming it).
 * Returns 0 or the context's error code. */
int nn_backward(nn_ctx *ctx, nn_tensor *loss, int create_graph);
/* As torch.autograd.grad: grads_in[i] = sum_j d outputs[j] / d inputs[i],
 * weighted by grads_out[j] (NULL: outputs must have one element each, weight
 * 1). Every input must require a gradient (a parameter, a leaf marked with
 * nn_tensor_set_requires_grad, or a result of ops on those), else
 * G99_EINVAL names its index, as PyTorch refuses. An input the outputs do
 * not depend on gets zeros (PyTorch's allow_unused + materialize_grads).
 * With create_graph the results are graph tensors that can be
 * differentiated again. .grad fields are not touched. Returns 0 or the
 * context's error code. */
int nn_grad(nn_ctx *ctx, int n_out, nn_tensor *const *outputs, int n_in, nn_tensor *const *inputs,
            nn_tensor *const *grads_out, int create_graph, nn_tensor **grads_in);

/* ---- ops: each returns a new arena tensor, or NULL (see nn_ctx_error) ---- */

/* Elementwise a op b with NumPy broadcasting (shapes aligned on the right;
 * a size-1 dim stretches), e.g. [N,C,H,W] + [1,C,1,1], [N,F] + [F]. */
nn_tensor *nn_add(nn_ctx *ctx, nn_tensor *a, nn_tensor *b);
nn_tensor *nn_sub(nn_ctx *ctx, nn_tensor *a, nn_tensor *b);
nn_tensor *nn_mul(nn_ctx *ctx, nn_tensor *a, nn_tensor *b);
nn_tensor *nn_div(nn_ctx *ctx, nn_tensor *a, nn_tensor *b);
/* x * s, x + s, x / s for a constant s. */
nn_tensor *nn_scale(nn_ctx *ctx, nn_tensor *x, float s);
nn_tensor *nn_add_scalar(nn_ctx *ctx, nn_tensor *x, float s);
nn_tensor *nn_div_scalar(nn_ctx *ctx, nn_tensor *x, float s);

nn_tensor *nn_square(nn_ctx *ctx, nn_tensor *x);                    /* x^2 */
nn_tensor *nn_sqrt(nn_ctx *ctx, nn_tensor *x);                      /* sqrtf(x) */
nn_tensor *nn_rsqrt(nn_ctx *ctx, nn_tensor *x);                     /* 1 / sqrtf(x) */
nn_tensor *nn_abs(nn_ctx *ctx, nn_tensor *x);                       /* |x|, gradient sign(x), 0 at 0 */
nn_tensor *nn_exp(nn_ctx *ctx, nn_tensor *x);                       /* nn_expf */
nn_tensor *nn_log(nn_ctx *ctx, nn_tensor *x);                       /* nn_logf */
/* PyTorch's bits: relu keeps NaN (its payload) and -0, its gradient is
 * x <= 0 ? +0 : g (a select: NaN x passes g; a NaN g where x <= 0 gives 0);
 * leaky relu's gradient is x > 0 ? g : g slope (NaN x takes the slope). */
nn_tensor *nn_relu(nn_ctx *ctx, nn_tensor *x);                      /* x < 0 ? 0 : x */
nn_tensor *nn_leaky_relu(nn_ctx *ctx, nn_tensor *x, float slope);   /* x > 0 ? x : slope x */
nn_tensor *nn_tanh(nn_ctx *ctx, nn_tensor *x);                      /* nn_tanhf */
nn_tensor *nn_sigmoid(nn_ctx *ctx, nn_tensor *x);                   /* nn_sigmoidf */
nn_tensor *nn_softplus(nn_ctx *ctx, nn_tensor *x);                  /* log(1 + e^x); x when x > 20 */
/* min(max(x, lo), hi); the gradient passes where lo <= x <= hi (PyTorch). */
nn_tensor *nn_clamp(nn_ctx *ctx, nn_tensor *x, float lo, float hi);

/* Reductions, in the canonical long-sum order (doc/determinism.md §4.2). */
nn_tensor *nn_sum(nn_ctx *ctx, nn_tensor *x);    /* all elements -> scalar */
nn_tensor *nn_mean(nn_ctx *ctx, nn_tensor *x);   /* sum / numel */
/* Sums (means) x down to a shape x broadcasts from, e.g. [N,C,H,W] ->
 * [1,C,1,1] per channel; the inverse of broadcasting. */
nn_tensor *nn_sum_to(nn_ctx *ctx, nn_tensor *x, int ndim, const int *shape);
nn_tensor *nn_mean_to(nn_ctx *ctx, nn_tensor *x, int ndim, const int *shape);
/* Broadcasts x to shape (a materialized copy). */
nn_tensor *nn_expand(nn_ctx *ctx, nn_tensor *x, int ndim, const int *shape);

/* The same data in another shape with the same numel (a view: no copy). */
nn_tensor *nn_reshape(nn_ctx *ctx, nn_tensor *x, int ndim, const int *shape);
/* x's elements [start, start + len) along dim (torch.narrow, a copy). */
nn_tensor *nn_narrow(nn_ctx *ctx, nn_tensor *x, int dim, int start, int len);
/* a and b joined along dim; the other dims must agree (torch.cat([a, b],
 * dim); dim 1 joins channels, pix2pix's skips). */
nn_tensor *nn_concat(nn_ctx *ctx, nn_tensor *a, nn_tensor *b, int dim);
/* y.shape[i] = x.shape[perm[i]] (x.permute(perm), a contiguous copy);
 * perm has x->ndim entries. */
nn_tensor *nn_permute(nn_ctx *ctx, nn_tensor *x, const int *perm);

/* [m,k] x [k,n] -> [m,n]. */
nn_tensor *nn_matmul(nn_ctx *ctx, nn_tensor *a, nn_tensor *b);
/* x [N,in], weight [out,in], bias [out] or NULL -> [N,out] (torch.nn.Linear). */
nn_tensor *nn_linear(nn_ctx *ctx, nn_tensor *x, nn_tensor *weight, nn_tensor *bias);

/* Convolution geometry; a zero field takes its default (stride 1,
 * dilation 1, groups 1, padding 0, output_padding 0), so
 * (nn_conv_opts){ .stride = 2, .padding = 1 } reads like PyTorch. The _h/_w
 * fields, when nonzero, override stride/padding/dilation per axis. */
typedef struct nn_conv_opts {
    int stride, padding, dilation, groups, output_padding;
    int stride_h, stride_w, padding_h, padding_w, dilation_h, dilation_w;
    int output_padding_h, output_padding_w;
} nn_conv_opts;

/* x [N,C,H,W], weight [O,C/groups,kh,kw], bias [O] or NULL -> [N,O,Ho,Wo],
 * Ho = (H + 2p - d(kh-1) - 1) / s + 1 (torch.nn.functional.conv2d). */
nn_tensor *nn_conv2d(nn_ctx *ctx, nn_tensor *x, nn_tensor *weight, nn_tensor *bias, const nn_conv_opts *o);
/* x [N,Cin,H,W], weight [Cin,Cout/groups,kh,kw], bias [Cout] or NULL ->
 * [N,Cout,Ho,Wo], Ho = (H-1)s - 2p + d(kh-1) + output_padding + 1
 * (torch.nn.functional.conv_transpose2d). */
nn_tensor *nn_conv_transpose2d(nn_ctx *ctx, nn_tensor *x, nn_tensor *weight, nn_tensor *bias,
                               const nn_conv_opts *o);

/* torch.nn.BatchNorm2d on x [N,C,H,W]; gamma, beta [C] or NULL (affine off).
 * train: batch mean and biased variance; running_mean/running_var [C] (may
 * be NULL) become (1-momentum) r + momentum stat, the variance unbiased.
 * Eval: the running statistics. PyTorch: momentum 0.1, eps 1e-5. */
nn_tensor *nn_batch_norm2d(nn_ctx *ctx, nn_tensor *x, nn_tensor *gamma, nn_tensor *beta,
                           nn_tensor *running_mean, nn_tensor *running_var, int train,
                           float momentum, float eps);

/* torch.nn.InstanceNorm2d: per (n, c) over H, W, biased variance, no
 * running statistics; gamma, beta [C] or NULL (affine=False, pix2pix/SPADE).
 * PyTorch: eps 1e-5. */
nn_tensor *nn_instance_norm2d(nn_ctx *ctx, nn_tensor *x, nn_tensor *gamma, nn_tensor *beta, float eps);
/* x rsqrt(mean over dim 1 of x^2 + eps), x [N,C] or [N,C,H,W] (StyleGAN's
 * pixel norm / normalize_2nd_moment, eps 1e-8). */
nn_tensor *nn_pixel_norm(nn_ctx *ctx, nn_tensor *x, float eps);

/* Average pooling; stride 0 means the kernel size (PyTorch's default);
 * exclude_pad set is PyTorch's count_include_pad=False. */
typedef struct nn_pool_opts {
    int kernel, stride, padding, exclude_pad;
} nn_pool_opts;
/* x [N,C,H,W] -> [N,C,Ho,Wo], Ho = (H + 2p - k) / s + 1 (floor). */
nn_tensor *nn_avg_pool2d(nn_ctx *ctx, nn_tensor *x, const nn_pool_opts *o);
/* torch.nn.functional.max_pool2d (floor mode, dilation 1; exclude_pad
 * unused): padding counts as -inf, the first of equal maxima wins (row by
 * row), a NaN wins; the gradient goes to the winner alone. */
nn_tensor *nn_max_pool2d(nn_ctx *ctx, nn_tensor *x, const nn_pool_opts *o);
/* x [N,C,H,W] -> [N,C,sH,sW] (F.interpolate(scale_factor=s), mode
 * 'nearest', and 'bilinear' with align_corners=False). */
nn_tensor *nn_upsample_nearest(nn_ctx *ctx, nn_tensor *x, int scale);
nn_tensor *nn_upsample_bilinear(nn_ctx *ctx, nn_tensor *x, int scale);
/* x [N,C,H,W] -> [N,C,height,width] (F.interpolate(size=...), mode
 * 'nearest': source floor(dst * in/out) in float, as PyTorch; SPADE's
 * segmentation map at every layer). */
nn_tensor *nn_resize_nearest(nn_ctx *ctx, nn_tensor *x, int height, int width);
/* x [N,C,H,W] -> [N,C,height,width], bilinear (F.interpolate(size=(height,
 * width), mode='bilinear', align_corners=...)); per axis the source of
 * output o is o (in-1)/(out-1) with align_corners (0 when out = 1), else
 * max((o + 0.5) in/out - 0.5, 0), the ratio a float as in PyTorch; equal
 * sizes copy. Upsampling by s with align_corners=True is this with size
 * (sH, sW): PyTorch ignores the scale factor then. */
nn_tensor *nn_resize_bilinear(nn_ctx *ctx, nn_tensor *x, int height, int width, int align_corners);

/* ---- StyleGAN and SPADE layers (doc/models.md §3, §4) ---------------------- */

/* upfirdn2d (stylegan2-ada-pytorch's _upfirdn2d_ref): upsample x [N,C,H,W]
 * by inserting up-1 zeros after each sample, pad by (x0, x1, y0, y1) zeros
 * (negative crops), convolve with f [fh,fw] * gain (flip_filter: correlate
 * instead), keep every down-th sample: Ho = (H up + y0 + y1 - fh) / down + 1.
 * Zero fields take defaults (up, down 1, gain 1). The filter is a constant.
 *   upsample2d: up 2, pads (2,1,2,1), gain 4;  downsample2d: down 2, pads 1. */
typedef struct nn_upfirdn_opts {
    int up, down;
    int pad_x0, pad_x1, pad_y0, pad_y1;
    float gain;
    int flip_filter;
} nn_upfirdn_opts;
nn_tensor *nn_upfirdn2d(nn_ctx *ctx, nn_tensor *x, nn_tensor *f, const nn_upfirdn_opts *o);
/* The [n,n] filter outer(taps, taps) / its sum (setup_filter); StyleGAN2's
 * resample_filter is taps {1, 3, 3, 1}. */
nn_tensor *nn_fir_filter(nn_ctx *ctx, const float *taps, int n);

/* StyleGAN2's modulated convolution, fused (modulated_conv2d): x [N,I,H,W],
 * weight [O,I,kh,kw], styles [N,I] -> [N,O,Ho,Wo]. Per sample the weight
 * w[o,i] s[n,i], demodulated (times rsqrt(sum_{i,kh,kw} (w s)^2 + 1e-8))
 * unless no_demodulate is set (toRGB layers); a grouped convolution with
 * padding. up > 1 (SynthesisLayer conv0) needs the filter f (nn_fir_filter)
 * and gives a stride-2 transposed convolution then upfirdn2d, as
 * conv2d_resample; output 2H x 2W for 3x3, padding 1. As in every opts
 * struct, zero fields (or o NULL) are the defaults: padding 0, up 1, and
 * demodulation on, StyleGAN2's default. */
typedef struct nn_modconv_opts {
    int padding, up, no_demodulate;
} nn_modconv_opts;
nn_tensor *nn_modulated_conv2d(nn_ctx *ctx, nn_tensor *x, nn_tensor *weight, nn_tensor *styles, nn_tensor *f,
                               const nn_modconv_opts *o);
/* StyleGAN v1 AdaIN: instance norm of x [N,C,H,W] with eps (v1: 1e-8), then
 * x (style[:, :C] + 1) + style[:, C:]; style [N,2C] from the style dense. */
nn_tensor *nn_adain(nn_ctx *ctx, nn_tensor *x, nn_tensor *style, float eps);
/* x + noise * strength: noise [N,1,H,W], strength [C] (v1) or one element
 * (v2 noise_strength). */
nn_tensor *nn_noise_inject(nn_ctx *ctx, nn_tensor *x, nn_tensor *noise, nn_tensor *strength);
/* StyleGAN2's MinibatchStdLayer: groups of G = min(group_size, N) samples
 * n, n + N/G, ... (N divisible by G); per group and channel group (C split
 * in num_channels) the mean over C/F, H, W of sqrt(var over the group +
 * 1e-8); appended as num_channels channels: [N, C + num_channels, H, W]. */
nn_tensor *nn_minibatch_stddev(nn_ctx *ctx, nn_tensor *x, int group_size, int num_channels);
/* Equalized learning rate: weights are stored N(0, 1/lr_mul) and scaled
 * at run time, so a layer is
 *   nn_linear(x, nn_scale(ctx, w, nn_eqlr_gain(in, lr_mul)), nn_scale(ctx, b, lr_mul))
 *   nn_conv2d(x, nn_scale(ctx, w, nn_eqlr_gain(in * kh * kw, 1)), b, ...)
 * (FullyConnectedLayer, Conv2dLayer). Returns lr_mul / sqrt(fan_in) as a
 * float (0 for fan_in < 1). */
float nn_eqlr_gain(int fan_in, double lr_mul);
/* torch.nn.utils.spectral_norm (dim 0): weight_orig w [O,...] -> w / sigma.
 * train: one power iteration first updates the buffers u [O] and v
 * [numel/O] in place (v = normalize(W^T u), u = normalize(W v), eps 1e-12
 * in PyTorch); eval uses them as they are. sigma = u . W v with u, v
 * constants; the gradient flows to w (also through sigma). */
nn_tensor *nn_spectral_norm(nn_ctx *ctx, nn_tensor *w, nn_tensor *u, nn_tensor *v, int train, float eps);
/* SPADE modulation: the param-free norm of x [N,C,H,W] (NN_SPADE_BATCH:
 * batch norm, train or eval with the running statistics, which may be NULL
 * in training; NN_SPADE_INSTANCE: instance norm; eps 1e-5), times 1 + gamma,
 * plus beta, where a = relu(conv(resize_nearest(segmap), shared)) and
 * gamma, beta = conv(a, ...); every conv k x k with padding k/2.
 * Keys: norm_0.mlp_shared.0.*, norm_0.mlp_gamma.*, norm_0.mlp_beta.*. */
enum { NN_SPADE_BATCH = 0, NN_SPADE_INSTANCE = 1 };
typedef struct nn_spade_params {
    nn_tensor *shared_weight, *shared_bias;   /* [hidden, L, k, k], [hidden] */
    nn_tensor *gamma_weight, *gamma_bias;     /* [C, hidden, k, k], [C] */
    nn_tensor *beta_weight, *beta_bias;       /* [C, hidden, k, k], [C] */
    nn_tensor *running_mean, *running_var;    /* batch norm's buffers [C], or NULL */
} nn_spade_params;
nn_tensor *nn_spade(nn_ctx *ctx, nn_tensor *x, nn_tensor *segmap, const nn_spade_params *p, int norm, int train);

/* Dropout: train zeroes an element with probability p (0 <= p < 1) and
 * scales the rest by 1/(1-p); eval (train 0) returns x itself. The keep
 * mask takes one nn_rng_uniform draw per element (kept when >= p) from rng,
 * normally stream NN_STREAM_DROPOUT. nn_dropout_mask takes the mask (x's
 * shape, nonzero = kept) instead, to replay another generator's mask. */
nn_tensor *nn_dropout(nn_ctx *ctx, nn_tensor *x, float p, int train, nn_rng *rng);
nn_tensor *nn_dropout_mask(nn_ctx *ctx, nn_tensor *x, nn_tensor *keep, float p);

/* Losses, mean over all elements, a scalar result. target gets no gradient. */
/* -(y log x + (1-y) log(1-x)), each log clamped >= -100 (torch BCELoss). */
nn_tensor *nn_bce_loss(nn_ctx *ctx, nn_tensor *x, nn_tensor *target);
/* max(x,0) - x y + log(1 + e^-|x|) (torch BCEWithLogitsLoss). */
nn_tensor *nn_bce_with_logits_loss(nn_ctx *ctx, nn_tensor *x, nn_tensor *target);
nn_tensor *nn_mse_loss(nn_ctx *ctx, nn_tensor *x, nn_tensor *target);   /* (x-y)^2 */
nn_tensor *nn_l1_loss(nn_ctx *ctx, nn_tensor *x, nn_tensor *target);    /* |x-y| */
/* SPADE's hinge loss for D: target +1 (real) mean(relu(1 - x)), target -1
 * (fake) mean(relu(1 + x)). (G's hinge loss is -mean(D(fake)).) */
nn_tensor *nn_hinge_loss(nn_ctx *ctx, nn_tensor *x, int target);
/* Softmax cross-entropy (torch F.cross_entropy, mean): logits [N,C] with
 * target [N], or [N,C,H,W] with [N,H,W]; targets are class indices held
 * as floats (0, 1, ... C-1). */
nn_tensor *nn_cross_entropy_loss(nn_ctx *ctx, nn_tensor *x, nn_tensor *target);
/* StyleGAN's non-saturating logistic loss: target +1 mean(softplus(-x))
 * (D on reals, G on fakes), -1 mean(softplus(x)) (D on fakes). */
nn_tensor *nn_logistic_ns_loss(nn_ctx *ctx, nn_tensor *x, int target);

/* ---- parameters: one slab, a table of names ---------------------------- */

/* Trained, or state only (BN running stats), or an integer counter held as
 * a float (BN's num_batches_tracked: exact up to 2^24, saved as I64 as
 * PyTorch stores it). */
enum { NN_PARAM = 0, NN_BUFFER = 1, NN_COUNTER = 2 };

typedef struct nn_params {
    nn_tensor **t;        /* table in declaration order, the state_dict order */
    int *kind;            /* NN_PARAM, NN_BUFFER or NN_COUNTER per entry of t */
    size_t n, cap;
    float *data;          /* the slab: trainable values [0, n_train), buffers after */
    float *grad;          /* gradients of the trainable part, n_train floats */
    size_t n_train, n_total;
    struct nn_params_life *life;   /* private: lets a tape notice the table was freed */
} nn_params;

/* An empty table (zeroes *p). */
void nn_params_init(nn_params *p);
/* Frees the table. A context whose tape still holds its tensors refuses
 * nn_backward / nn_grad afterwards (G99_EINVAL naming the table's first
 * key) instead of reading freed memory; nn_ctx_reset clears that. */
void nn_params_free(nn_params *p);
/* Declares a tensor named by its state_dict key; its data pointer is set by
 * nn_params_alloc. The returned pointer stays valid until nn_params_free.
 * NULL (and err filled) on a duplicate name, bad shape or no memory. */
nn_tensor *nn_params_add(nn_params *p, const char *name, int kind, int ndim, const int *shape,
                         g99_error *err);
/* Allocates the slab (zero-filled) once every tensor is declared. */
int nn_params_alloc(nn_params *p, g99_error *err);
nn_tensor *nn_params_find(const nn_params *p, const char *name);
void nn_params_zero_grad(nn_params *p);

/* ---- initializers (stream NN_STREAM_INIT, as the reference models) ------ */

/* data ~ N(mean, std) (DCGAN: conv weights N(0, 0.02), BN gamma N(1, 0.02)). */
void nn_init_normal(nn_tensor *t, nn_rng *rng, float mean, float std);
void nn_init_constant(nn_tensor *t, float value);

/* ---- optimizers: flat loops over the trainable slab ---------------------- */

/* Both follow torch.optim with these extras, set after *_init:
 *  - weight_decay (0 by default): torch.optim's L2 term, g + wd p added to
 *    the gradient before the update (not AdamW's decoupled decay);
 *  - per-tensor learning-rate scales (torch.optim parameter groups whose
 *    lr is lr * scale): nn_*_set_lr_scale gives every trainable tensor
 *    whose state_dict key starts with name_prefix ("" for all) the scale;
 *    G99_EINVAL when no trainable tensor matches or scale is negative or
 *    not finite. Scales are hyperparameters: checkpoints do not store them.
 * With neither, the update is bit for bit the plain one.
 * Note for the StyleGAN family: StyleGAN2-ADA's mapping network learns at
 * lr x 0.01 through equalized LR (weights stored N(0, 1/lr_mul), scaled by
 * lr_mul / sqrt(fan_in) at run time, see nn_eqlr_gain), NOT through an
 * optimizer group; it uses one Adam for all of G. Apply one or the other,
 * never both, or the mapping network learns 100 times slower than meant.
 * A step returns 0, or G99_EINVAL (err filled, nothing changed) when the
 * optimizer was made for another table (other trainable size) or freed. */

/* torch.optim.SGD (dampening 0, no Nesterov):
 * d = g + wd p; b = d on the first step, else momentum b + d; p -= lr b. */
typedef struct nn_sgd {
    float lr, momentum;
    float weight_decay;   /* 0 by default */
    float *buf;           /* n_train floats */
    size_t n;
    long step;
    float *lr_scale;      /* one per table entry, or NULL (all 1) */
    size_t n_scale;
} nn_sgd;
int nn_sgd_init(nn_sgd *o, const nn_params *p, float lr, float momentum, g99_error *err);
int nn_sgd_set_lr_scale(nn_sgd *o, const nn_params *p, const char *name_prefix, float scale, g99_error *err);
int nn_sgd_step(nn_sgd *o, nn_params *p, g99_error *err);
void nn_sgd_free(nn_sgd *o);

/* torch.optim.Adam (no amsgrad): g = g + wd p;
 * m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2;
 * p -= (lr / (1 - b1^t)) m / (sqrt(v) / sqrt(1 - b2^t) + eps). */
typedef struct nn_adam {
    float lr, beta1, beta2, eps;
    float weight_decay;   /* 0 by default */
    float *m, *v;         /* n_train floats each */
    size_t n;
    long step;
    double beta1_t, beta2_t;  /* beta^step, by repeated multiplication */
    float *lr_scale;      /* one per table entry, or NULL (all 1) */
    size_t n_scale;
} nn_adam;
int nn_adam_init(nn_adam *o, const nn_params *p, float lr, float beta1, float beta2, float eps,
                 g99_error *err);
int nn_adam_set_lr_scale(nn_adam *o, const nn_params *p, const char *name_prefix, float scale, g99_error *err);
int nn_adam_step(nn_adam *o, nn_params *p, g99_error *err);
void nn_adam_free(nn_adam *o);
/* ---- model files and training checkpoints (nn/checkpoint.c) ------------- */

/* What a training checkpoint adds to the parameters, so a resume continues
 * bit-identically: the optimizer state (Adam's moments or SGD's buffer and
 * the optimizer's step), the loop's step counter and the generators. */
typedef struct nn_train_state {
    nn_adam *adam;        /* or NULL */
    nn_sgd *sgd;          /* or NULL */
    uint64_t step;        /* the training loop's step */
    nn_rng *rng;          /* n_rng generators, saved as (seed, stream, pos) */
    int n_rng;
} nn_train_state;

/* Writes the parameter table as safetensors (atomically): every entry under
 * its state_dict key, F32, NN_COUNTER entries as I64 (PyTorch's
 * num_batches_tracked); __metadata__ gan99.arch = arch and gan99.config =
 * config (a JSON object text) when not NULL, gan99.version. With ts, also
 * optim.exp_avg.<key> / optim.exp_avg_sq.<key> (Adam) or
 * optim.momentum_buffer.<key> (SGD), optim.step (I64), and metadata
 * gan99.step and gan99.rng. */
int nn_checkpoint_save(const char *path, const nn_params *p, const char *arch, const char *config,
                       const nn_train_state *ts, g99_error *err);
/* Loads into an allocated table: every key must be in the file with the
 * same shape and dtype, and the file may hold no other tensor (optim.* is
 * skipped when ts is NULL); errors name the key. With ts, restores the
 * optimizers given (already made with nn_adam_init / nn_sgd_init for p),
 * ts->step and the ts->n_rng generators. Nothing changes unless all is well. */
int nn_checkpoint_load(const char *path, nn_params *p, nn_train_state *ts, g99_error *err);
/* Several tables in one file, e.g. a GAN's G and D with their optimizers:
 * the keys of part k are prefix + key ("G.main.0.weight"), its optimizer
 * state "optim.exp_avg." prefix key ..., its optimizer step "optim." prefix
 * "step". The parts' adam / sgd fields say which optimizer states are saved
 * or restored; ts (ts->adam and ts->sgd ignored) adds gan99.step and
 * gan99.rng, or is NULL. Loading is strict over all parts together, checks
 * everything before it changes anything, and names the key at fault.
 * nn_checkpoint_save / _load are the one-part case with prefix "". */
typedef struct nn_checkpoint_part {
    const char *prefix;   /* put before each key; "" or NULL for none */
    nn_params *p;
    nn_adam *adam;        /* or NULL */
    nn_sgd *sgd;          /* or NULL */
} nn_checkpoint_part;
int nn_checkpoint_save_parts(const char *path, const nn_checkpoint_part *parts, int n_parts, const char *arch,
                             const char *config, const nn_train_state *ts, g99_error *err);
int nn_checkpoint_load_parts(const char *path, const nn_checkpoint_part *parts, int n_parts, nn_train_state *ts,
                             g99_error *err);
/* SECTION core end */

#endif
