/* gan99 nn: deterministic math, the counter-based PRNG, JSON and safetensors
 * checkpoints; the tensor/autograd core builds on these.
 *
 * Everything here gives the same bits on every platform and compiler
 * (SPEC.md §3): no libm transcendental is called on a path that affects a
 * result, and files are little-endian whatever the host. */
#ifndef GAN99_NN_H
#define GAN99_NN_H

#include <stddef.h>
#include <stdint.h>

#include "../base/base.h"

/* ==== math: gan99's own transcendental functions (nn/math.c) ============== */

/* SECTION math */
/* Float in, float out, the same bits on every platform; within 2 ulp of the
 * correctly rounded result (the measured table is printed by `make test`).
 * Special values follow C99 Annex F (NaN in, NaN out; exp(-inf) = 0 ...). */
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

/* The stream of each consumer (SPEC.md §3). */
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
/* The safetensors format (huggingface/safetensors, SPEC.md §5):
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

/* The writer collects metadata strings and F32 tensors, then saves them
 * atomically. Tensor data is not copied: it must stay valid until save. */
typedef struct nn_st_writer nn_st_writer;

int nn_st_writer_new(nn_st_writer **out, g99_error *err);
int nn_st_writer_meta(nn_st_writer *w, const char *key, const char *value, g99_error *err);
int nn_st_writer_f32(nn_st_writer *w, const char *name, const size_t *shape, int rank, const float *data,
                     g99_error *err);
int nn_st_writer_save(nn_st_writer *w, const char *path, g99_error *err);
void nn_st_writer_free(nn_st_writer *w);
/* SECTION safetensors end */

#endif
