/* safetensors: gan99's model and checkpoint files (doc/design.md §5.1).
 *
 * The format and its checks follow the reference implementation,
 * huggingface/safetensors (safetensors/src/tensor.rs):
 *   - N (the header length) at most 100,000,000 and within the file;
 *   - the header is JSON; tensors sorted by data_offsets must start at 0,
 *     each begin where the previous ended (no overlap, no hole), with
 *     end - begin == prod(shape) * dtype size (overflow checked), and the
 *     last end must be the end of the file (no trailing bytes).
 * gan99 is stricter where the reference is lenient or silent, so that a
 * file gan99 accepts means one thing only:
 *   - duplicate keys are refused (serde_json keeps the last one);
 *   - unknown fields in a tensor entry are refused (serde ignores them);
 *   - begin must be a multiple of the dtype size (the reference's writer
 *     always does this by sorting on dtype; its reader does not check);
 *   - names, metadata keys and values may not contain NUL (a C API);
 *   - sub-byte dtypes (F4, F6_*) are known by name but not supported.
 *
 * Writing matches the reference writer byte for byte: tensors sorted by
 * descending dtype then by name (bytewise, as Rust's String order), the
 * header as serde_json writes it (no spaces; fields dtype, shape,
 * data_offsets; "__metadata__" first), padded with spaces to a multiple of
 * 8 so that the data buffer starts 8-aligned. The reference keeps metadata
 * in a hash map, so the order of metadata keys in its files is random
 * (safetensors issue #584); gan99 writes them sorted, one of the orders the
 * reference may produce and the one a deterministic writer can promise.
 *
 * All multi-byte values are little-endian in the file and converted
 * explicitly, so big-endian hosts read and write the same bytes. */
#include "nn.h"

#include <stdlib.h>

/* ---- dtypes ------------------------------------------------------------- */

static const struct {
    const char *name;
    int bits;
} dtypes[NN_ST_DTYPE_COUNT] = {
    { "BOOL", 8 }, { "F4", 4 }, { "F6_E2M3", 6 }, { "F6_E3M2", 6 }, { "U8", 8 }, { "I8", 8 },
    { "F8_E5M2", 8 }, { "F8_E4M3", 8 }, { "F8_E8M0", 8 }, { "I16", 16 }, { "U16", 16 }, { "F16", 16 },
    { "BF16", 16 }, { "I32", 32 }, { "U32", 32 }, { "F32", 32 }, { "C64", 64 }, { "F64", 64 },
    { "I64", 64 }, { "U64", 64 },
};

const char *nn_st_dtype_name(nn_st_dtype dtype)
{
    return (unsigned)dtype < NN_ST_DTYPE_COUNT ? dtypes[dtype].name : "?";
}

int nn_st_dtype_bits(nn_st_dtype dtype)
{
    return (unsigned)dtype < NN_ST_DTYPE_COUNT ? dtypes[dtype].bits : 0;
}

/* ---- reading ------------------------------------------------------------ */

/* A tensor's name for messages: cut, since names come from the file. */
#define NAME_FMT "tensor \"%.100s\""

/* "a number", "an array" ... for messages. */
static const char *a_type(int type)
{
    switch (type) {
    case NN_JSON_NULL: return "null";
    case NN_JSON_BOOL: return "a boolean";
    case NN_JSON_NUMBER: return "a number";
    case NN_JSON_STRING: return "a string";
    case NN_JSON_ARRAY: return "an array";
    default: return "an object";
    }
}

static int has_nul(const char *s, size_t len)
{
    return memchr(s, '\0', len) != NULL;
}

/* A non-negative integer that fits size_t: 0; not such an integer: -1; an
 * integer too large for size_t (on a 32-bit host): -2. */
static int get_size(const nn_json *v, size_t *out)
{
    uint64_t u;
    if (nn_json_get_u64(v, &u)) return -1;
    if (u > (uint64_t)(size_t)-1) return -2;
    *out = (size_t)u;
    return 0;
}

static int parse_metadata(nn_st_file *f, const nn_json *meta, g99_error *err)
{
    size_t i, bytes;
    if (meta->type != NN_JSON_OBJECT)
        return g99_fail(err, G99_EFORMAT, "__metadata__: is %s, not an object", a_type(meta->type));
    if (meta->len == 0) return G99_OK;
    if (g99_size_mul(meta->len, sizeof *f->meta_keys, &bytes)) return g99_fail(err, G99_ENOMEM, "out of memory");
    f->meta_keys = (const char **)malloc(bytes);
    f->meta_values = (const char **)malloc(bytes);
    if (!f->meta_keys || !f->meta_values) return g99_fail(err, G99_ENOMEM, "out of memory");
    for (i = 0; i < meta->len; i++) {
        const nn_json_member *m = &meta->members[i];
        if (m->value.type != NN_JSON_STRING)
            return g99_fail(err, G99_EFORMAT, "__metadata__: \"%.100s\" is %s, not a string", m->key,
                            a_type(m->value.type));
        if (has_nul(m->key, m->key_len) || has_nul(m->value.str, m->value.len))
            return g99_fail(err, G99_EFORMAT, "__metadata__: \"%.100s\" contains a NUL character", m->key);
        f->meta_keys[i] = m->key;
        f->meta_values[i] = m->value.str;
    }
    f->n_meta = meta->len;
    return G99_OK;
}

/* One header entry: name -> {"dtype", "shape", "data_offsets"}. */
static int parse_tensor(nn_st_tensor *t, const nn_json_member *m, size_t buffer_len, g99_error *err)
{
    const nn_json *info = &m->value, *dtype, *shape, *offsets;
    size_t i, end, size;
    int d, rc;

    t->name = m->key;
    if (has_nul(m->key, m->key_len)) return g99_fail(err, G99_EFORMAT, NAME_FMT ": name contains a NUL character", m->key);
    if (info->type != NN_JSON_OBJECT)
        return g99_fail(err, G99_EFORMAT, NAME_FMT ": is %s, not an object", m->key, a_type(info->type));
    if (nn_json_unique_keys(info, err)) return g99_error_prefix(err, NAME_FMT, m->key);
    for (i = 0; i < info->len; i++) {
        const char *k = info->members[i].key;
        if (strcmp(k, "dtype") != 0 && strcmp(k, "shape") != 0 && strcmp(k, "data_offsets") != 0)
            return g99_fail(err, G99_EFORMAT, NAME_FMT ": unknown field \"%.40s\"", m->key, k);
    }
    dtype = nn_json_get(info, "dtype");
    shape = nn_json_get(info, "shape");
    offsets = nn_json_get(info, "data_offsets");
    if (!dtype) return g99_fail(err, G99_EFORMAT, NAME_FMT ": missing field \"dtype\"", m->key);
    if (!shape) return g99_fail(err, G99_EFORMAT, NAME_FMT ": missing field \"shape\"", m->key);
    if (!offsets) return g99_fail(err, G99_EFORMAT, NAME_FMT ": missing field \"data_offsets\"", m->key);

    if (dtype->type != NN_JSON_STRING)
        return g99_fail(err, G99_EFORMAT, NAME_FMT ": dtype: is %s, not a string", m->key, a_type(dtype->type));
    for (d = 0; d < NN_ST_DTYPE_COUNT; d++)
        if (strlen(dtypes[d].name) == dtype->len && strcmp(dtypes[d].name, dtype->str) == 0) break;
    if (d == NN_ST_DTYPE_COUNT)
        return g99_fail(err, G99_EFORMAT, NAME_FMT ": dtype: unknown dtype \"%.20s\"", m->key, dtype->str);
    if (dtypes[d].bits % 8)
        return g99_fail(err, G99_EUNSUPPORTED, NAME_FMT ": dtype: sub-byte dtype %s is not supported", m->key,
                        dtypes[d].name);
    t->dtype = (nn_st_dtype)d;
    size = (size_t)dtypes[d].bits / 8;

    if (shape->type != NN_JSON_ARRAY)
        return g99_fail(err, G99_EFORMAT, NAME_FMT ": shape: is %s, not an array", m->key, a_type(shape->type));
    if (shape->len > NN_ST_MAX_RANK)
        return g99_fail(err, G99_EUNSUPPORTED, NAME_FMT ": shape: %lu dims, gan99 reads at most %d", m->key,
                        (unsigned long)shape->len, NN_ST_MAX_RANK);
    t->rank = (int)shape->len;
    t->numel = 1;
    for (i = 0; i < shape->len; i++) {
        rc = get_size(&shape->items[i], &t->shape[i]);
        if (rc == -1)
            return g99_fail(err, G99_EFORMAT, NAME_FMT ": shape[%lu]: not a non-negative integer", m->key,
                            (unsigned long)i);
        if (rc == -2)
            return g99_fail(err, G99_EFORMAT, NAME_FMT ": shape[%lu]: dimension overflows size_t", m->key,
                            (unsigned long)i);
        if (g99_size_mul(t->numel, t->shape[i], &t->numel))
            return g99_fail(err, G99_EFORMAT, NAME_FMT ": shape: element count overflows", m->key);
    }

    if (offsets->type != NN_JSON_ARRAY || offsets->len != 2)
        return g99_fail(err, G99_EFORMAT, NAME_FMT ": data_offsets: not an array [begin, end]", m->key);
    rc = get_size(&offsets->items[0], &t->begin);
    if (rc == 0) rc = get_size(&offsets->items[1], &end);
    if (rc == -1)
        return g99_fail(err, G99_EFORMAT, NAME_FMT ": data_offsets: begin and end must be non-negative integers", m->key);
    if (rc == -2) return g99_fail(err, G99_EFORMAT, NAME_FMT ": data_offsets: offset overflows size_t", m->key);
    if (t->begin > end)
        return g99_fail(err, G99_EFORMAT, NAME_FMT ": data_offsets: begin %lu > end %lu", m->key,
                        (unsigned long)t->begin, (unsigned long)end);
    if (end > buffer_len)
        return g99_fail(err, G99_EFORMAT, NAME_FMT ": data_offsets: end %lu is beyond the data buffer (%lu bytes)",
                        m->key, (unsigned long)end, (unsigned long)buffer_len);
    t->nbytes = end - t->begin;
    if (g99_size_mul(t->numel, size, &size))
        return g99_fail(err, G99_EFORMAT, NAME_FMT ": shape: byte size overflows", m->key);
    if (t->nbytes != size)
        return g99_fail(err, G99_EFORMAT, NAME_FMT ": data_offsets span %lu bytes, but %lu %s elements need %lu",
                        m->key, (unsigned long)t->nbytes, (unsigned long)t->numel, dtypes[d].name,
                        (unsigned long)size);
    if (t->begin % ((size_t)dtypes[d].bits / 8))
        return g99_fail(err, G99_EFORMAT, NAME_FMT ": data_offsets: begin %lu is misaligned for %s (not a multiple of %d)",
                        m->key, (unsigned long)t->begin, dtypes[d].name, dtypes[d].bits / 8);
    return G99_OK;
}

/* Data order: by begin, then end (zero-size tensors first), then name. */
static int tensor_cmp(const void *a, const void *b)
{
    const nn_st_tensor *x = (const nn_st_tensor *)a, *y = (const nn_st_tensor *)b;
    if (x->begin != y->begin) return x->begin < y->begin ? -1 : 1;
    if (x->nbytes != y->nbytes) return x->nbytes < y->nbytes ? -1 : 1;
    return strcmp(x->name, y->name);
}

/* The tensors must tile the data buffer: sorted by offset, each one begins
 * where the previous one ended, and the last one ends at the end of file. */
static int check_layout(nn_st_file *f, size_t buffer_len, g99_error *err)
{
    size_t i, expected = 0;
    if (f->n_tensors > 1) qsort(f->tensors, f->n_tensors, sizeof *f->tensors, tensor_cmp);
    for (i = 0; i < f->n_tensors; i++) {
        const nn_st_tensor *t = &f->tensors[i];
        if (t->begin < expected)
            return g99_fail(err, G99_EFORMAT, NAME_FMT ": bytes %lu..%lu overlap tensor \"%.100s\"", t->name,
                            (unsigned long)t->begin, (unsigned long)(t->begin + t->nbytes), f->tensors[i - 1].name);
        if (t->begin > expected)
            return g99_fail(err, G99_EFORMAT, "data buffer bytes %lu..%lu are not covered by any tensor (a hole before "
                            NAME_FMT ")", (unsigned long)expected, (unsigned long)t->begin, t->name);
        expected = t->begin + t->nbytes;
    }
    if (expected != buffer_len)
        return g99_fail(err, G99_EFORMAT, "data buffer has %lu trailing bytes not covered by any tensor",
                        (unsigned long)(buffer_len - expected));
    return G99_OK;
}

/* v in decimal, into buf[24] (C99's printf has no portable u64 format
 * without <inttypes.h> macros, and long may be 32 bits). */
static const char *u64_text(uint64_t v, char *buf)
{
    char *p = buf + 23;
    *p = '\0';
    do {
        *--p = (char)('0' + (int)(v % 10));
        v /= 10;
    } while (v);
    return p;
}

/* Parses bytes, which f owns from here on (also on failure). */
static int parse_owned(uint8_t *bytes, size_t size, nn_st_file **out, g99_error *err)
{
    nn_st_file *f;
    const nn_json *h;
    uint64_t n64;
    size_t i, k, buffer_len, count = 0;
    int rc;

    *out = NULL;
    f = (nn_st_file *)calloc(1, sizeof *f);
    if (!f) {
        free(bytes);
        return g99_fail(err, G99_ENOMEM, "out of memory");
    }
    f->bytes = bytes;
    f->size = size;
    if (size < 8) {
        rc = g99_fail(err, G99_EFORMAT, "file is %lu bytes, too short for the 8-byte header length", (unsigned long)size);
        goto fail;
    }
    n64 = g99_load_le64(bytes);
    if (n64 > NN_ST_MAX_HEADER) {
        char digits[24];
        rc = g99_fail(err, G99_ELIMIT, "header length %s is larger than the limit of %lu bytes", u64_text(n64, digits),
                      (unsigned long)NN_ST_MAX_HEADER);
        goto fail;
    }
    if (n64 > size - 8) {
        rc = g99_fail(err, G99_EFORMAT, "header length %lu is larger than the file (%lu bytes after the length)",
                      (unsigned long)n64, (unsigned long)(size - 8));
        goto fail;
    }
    f->header_len = (size_t)n64;
    buffer_len = size - 8 - f->header_len;
    rc = nn_json_parse((const char *)bytes + 8, f->header_len, &f->header, err);
    if (rc) {
        g99_error_prefix(err, "JSON header (offsets from byte 8)");
        goto fail;
    }
    h = f->header;
    if (h->type != NN_JSON_OBJECT) {
        rc = g99_fail(err, G99_EFORMAT, "JSON header is %s, not an object", a_type(h->type));
        goto fail;
    }
    rc = nn_json_unique_keys(h, err);
    if (rc) {
        g99_error_prefix(err, "JSON header (offsets from byte 8)");
        goto fail;
    }
    for (i = 0; i < h->len; i++)
        if (strcmp(h->members[i].key, "__metadata__") != 0 || h->members[i].key_len != 12) count++;
    if (count) {
        f->tensors = (nn_st_tensor *)calloc(count, sizeof *f->tensors);
        if (!f->tensors) {
            rc = g99_fail(err, G99_ENOMEM, "out of memory");
            goto fail;
        }
    }
    for (i = 0, k = 0; i < h->len; i++) {
        const nn_json_member *m = &h->members[i];
        if (m->key_len == 12 && strcmp(m->key, "__metadata__") == 0) {
            rc = parse_metadata(f, &m->value, err);
        } else {
            rc = parse_tensor(&f->tensors[k], m, buffer_len, err);
            f->tensors[k].data = bytes + 8 + f->header_len + f->tensors[k].begin;
            k++;
            f->n_tensors = k;
        }
        if (rc) goto fail;
    }
    rc = check_layout(f, buffer_len, err);
    if (rc) goto fail;
    *out = f;
    return G99_OK;
fail:
    nn_st_free(f);
    return rc;
}

int nn_st_parse(const uint8_t *bytes, size_t size, nn_st_file **out, g99_error *err)
{
    uint8_t *copy;
    *out = NULL;
    if (!bytes && size) return g99_fail(err, G99_EINVAL, "nn_st_parse: NULL bytes");
    copy = (uint8_t *)malloc(size ? size : 1);
    if (!copy) return g99_fail(err, G99_ENOMEM, "out of memory copying %lu bytes", (unsigned long)size);
    if (size) memcpy(copy, bytes, size);
    return parse_owned(copy, size, out, err);
}

int nn_st_load(const char *path, size_t max_bytes, nn_st_file **out, g99_error *err)
{
    uint8_t *bytes;
    size_t size;
    int rc;
    *out = NULL;
    rc = g99_read_file(path, max_bytes, &bytes, &size, err);
    if (rc) return rc;  /* the message already names the path */
    rc = parse_owned(bytes, size, out, err);
    if (rc) g99_error_prefix(err, "%s", path);
    return rc;
}

void nn_st_free(nn_st_file *f)
{
    if (!f) return;
    free(f->bytes);
    free(f->tensors);
    free((void *)f->meta_keys);
    free((void *)f->meta_values);
    nn_json_free(f->header);
    free(f);
}

const nn_st_tensor *nn_st_find(const nn_st_file *f, const char *name)
{
    size_t i;
    for (i = 0; i < f->n_tensors; i++)
        if (strcmp(f->tensors[i].name, name) == 0) return &f->tensors[i];
    return NULL;
}

const char *nn_st_meta(const nn_st_file *f, const char *key)
{
    size_t i;
    for (i = 0; i < f->n_meta; i++)
        if (strcmp(f->meta_keys[i], key) == 0) return f->meta_values[i];
    return NULL;
}

/* IEEE binary16 -> binary32, exactly: every half is a float. */
static float half_to_float(uint32_t h)
{
    uint32_t sign = (h & 0x8000u) << 16, exponent = h >> 10 & 0x1F, mantissa = h & 0x3FF;
    if (exponent == 0) {
        /* Zero or subnormal: mantissa * 2^-24, a product that is exact. */
        float v = (float)mantissa * 5.9604644775390625e-8f;
        return sign ? -v : v;
    }
    if (exponent == 31) return g99_bits_f32(sign | 0x7F800000u | mantissa << 13);  /* inf, NaN (payload kept) */
    return g99_bits_f32(sign | (exponent + 112) << 23 | mantissa << 13);             /* rebias 15 -> 127 */
}

int nn_st_read_f32(const nn_st_tensor *t, float *out, size_t n, g99_error *err)
{
    size_t i;
    const uint8_t *p = t->data;
    if (n != t->numel)
        return g99_fail(err, G99_EINVAL, NAME_FMT ": has %lu elements, the caller asked for %lu", t->name,
                        (unsigned long)t->numel, (unsigned long)n);
    switch (t->dtype) {
    case NN_ST_F32:
        for (i = 0; i < n; i++) out[i] = g99_bits_f32(g99_load_le32(p + 4 * i));
        return G99_OK;
    case NN_ST_F16:
        for (i = 0; i < n; i++) out[i] = half_to_float((uint32_t)p[2 * i] | (uint32_t)p[2 * i + 1] << 8);
        return G99_OK;
    case NN_ST_BF16:
        /* bfloat16 is the top half of a float32. */
        for (i = 0; i < n; i++) out[i] = g99_bits_f32(((uint32_t)p[2 * i] | (uint32_t)p[2 * i + 1] << 8) << 16);
        return G99_OK;
    case NN_ST_F64:
        for (i = 0; i < n; i++) {
            uint64_t bits = g99_load_le64(p + 8 * i);
            double d;
            memcpy(&d, &bits, 8);
            out[i] = (float)d;  /* IEEE rounding to nearest, the same on every host */
        }
        return G99_OK;
    default:
        return g99_fail(err, G99_EUNSUPPORTED, NAME_FMT ": dtype %s cannot be read as float", t->name,
                        dtypes[t->dtype].name);
    }
}

/* ---- writing ------------------------------------------------------------ */

typedef struct st_entry {
    char *name;
    nn_st_dtype dtype;          /* NN_ST_F32 or NN_ST_I64 */
    int rank;
    size_t shape[NN_ST_MAX_RANK];
    size_t nbytes;
    const float *f32;           /* the data of the one dtype */
    const int64_t *i64;
} st_entry;

typedef struct st_meta {
    char *key, *value;
} st_meta;

struct nn_st_writer {
    st_entry *tensors;
    size_t n_tensors, cap_tensors;
    st_meta *meta;
    size_t n_meta, cap_meta;
};

static char *str_dup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = (char *)malloc(n);
    if (d) memcpy(d, s, n);
    return d;
}

static int grow(void **items, size_t *cap, size_t count, size_t elem)
{
    size_t new_cap, bytes;
    void *grown;
    if (count < *cap) return 0;
    new_cap = *cap ? *cap * 2 : 8;
    if (new_cap < *cap || g99_size_mul(new_cap, elem, &bytes)) return -1;
    grown = realloc(*items, bytes);
    if (!grown) return -1;
    *items = grown;
    *cap = new_cap;
    return 0;
}

/* Valid UTF-8, checked by the JSON writer itself. */
static int is_utf8(const char *s)
{
    nn_json_buf b = { 0 };
    int rc = nn_json_buf_append_string(&b, s, strlen(s));
    nn_json_buf_free(&b);
    return rc != G99_EINVAL;
}

int nn_st_writer_new(nn_st_writer **out, g99_error *err)
{
    *out = (nn_st_writer *)calloc(1, sizeof **out);
    return *out ? G99_OK : g99_fail(err, G99_ENOMEM, "out of memory");
}

int nn_st_writer_meta(nn_st_writer *w, const char *key, const char *value, g99_error *err)
{
    size_t i;
    st_meta m;
    if (!is_utf8(key) || !is_utf8(value))
        return g99_fail(err, G99_EINVAL, "metadata \"%.100s\": key and value must be UTF-8", key);
    for (i = 0; i < w->n_meta; i++)
        if (strcmp(w->meta[i].key, key) == 0) return g99_fail(err, G99_EINVAL, "metadata \"%.100s\": added twice", key);
    if (grow((void **)&w->meta, &w->cap_meta, w->n_meta, sizeof *w->meta)) return g99_fail(err, G99_ENOMEM, "out of memory");
    m.key = str_dup(key);
    m.value = str_dup(value);
    if (!m.key || !m.value) {
        free(m.key);
        free(m.value);
        return g99_fail(err, G99_ENOMEM, "out of memory");
    }
    w->meta[w->n_meta++] = m;
    return G99_OK;
}

/* Adds a tensor of 4- or 8-byte elements (f32 or i64 holds the data). */
static int add_tensor(nn_st_writer *w, const char *name, nn_st_dtype dtype, const size_t *shape, int rank,
                      const float *f32, const int64_t *i64, g99_error *err)
{
    st_entry e;
    const void *data = dtype == NN_ST_I64 ? (const void *)i64 : (const void *)f32;
    size_t i, numel = 1;
    if (rank < 0 || rank > NN_ST_MAX_RANK)
        return g99_fail(err, G99_EINVAL, NAME_FMT ": rank %d is outside 0..%d", name, rank, NN_ST_MAX_RANK);
    if (strcmp(name, "__metadata__") == 0) return g99_fail(err, G99_EINVAL, "\"__metadata__\" cannot name a tensor");
    if (!is_utf8(name)) return g99_fail(err, G99_EINVAL, NAME_FMT ": name must be UTF-8", name);
    for (i = 0; i < w->n_tensors; i++)
        if (strcmp(w->tensors[i].name, name) == 0) return g99_fail(err, G99_EINVAL, NAME_FMT ": added twice", name);
    memset(&e, 0, sizeof e);
    for (i = 0; i < (size_t)rank; i++) {
        e.shape[i] = shape[i];
        if (g99_size_mul(numel, shape[i], &numel)) return g99_fail(err, G99_EINVAL, NAME_FMT ": shape overflows", name);
    }
    if (g99_size_mul(numel, (size_t)dtypes[dtype].bits / 8, &e.nbytes))
        return g99_fail(err, G99_EINVAL, NAME_FMT ": shape overflows", name);
    if (numel && !data) return g99_fail(err, G99_EINVAL, NAME_FMT ": NULL data", name);
    e.dtype = dtype;
    e.rank = rank;
    e.f32 = f32;
    e.i64 = i64;
    if (grow((void **)&w->tensors, &w->cap_tensors, w->n_tensors, sizeof *w->tensors))
        return g99_fail(err, G99_ENOMEM, "out of memory");
    e.name = str_dup(name);
    if (!e.name) return g99_fail(err, G99_ENOMEM, "out of memory");
    w->tensors[w->n_tensors++] = e;
    return G99_OK;
}

int nn_st_writer_f32(nn_st_writer *w, const char *name, const size_t *shape, int rank, const float *data,
                     g99_error *err)
{
    return add_tensor(w, name, NN_ST_F32, shape, rank, data, NULL, err);
}

int nn_st_writer_i64(nn_st_writer *w, const char *name, const size_t *shape, int rank, const int64_t *data,
                     g99_error *err)
{
    return add_tensor(w, name, NN_ST_I64, shape, rank, NULL, data, err);
}

/* The reference's order: descending dtype (I64 before F32), then names in
 * byte order (strcmp compares as unsigned char, as Rust compares UTF-8). */
static int entry_cmp(const void *a, const void *b)
{
    const st_entry *x = (const st_entry *)a, *y = (const st_entry *)b;
    if (x->dtype != y->dtype) return x->dtype > y->dtype ? -1 : 1;
    return strcmp(x->name, y->name);
}

static int meta_cmp(const void *a, const void *b)
{
    return strcmp(((const st_meta *)a)->key, ((const st_meta *)b)->key);
}

/* The header exactly as serde_json writes the reference's Metadata. */
static int build_header(const nn_st_writer *w, nn_json_buf *b)
{
    size_t i, offset = 0;
    int d, rc = nn_json_buf_append(b, "{", 1);
    if (w->n_meta) {
        rc |= nn_json_buf_append(b, "\"__metadata__\":{", 16);
        for (i = 0; i < w->n_meta; i++) {
            if (i) rc |= nn_json_buf_append(b, ",", 1);
            rc |= nn_json_buf_append_string(b, w->meta[i].key, strlen(w->meta[i].key));
            rc |= nn_json_buf_append(b, ":", 1);
            rc |= nn_json_buf_append_string(b, w->meta[i].value, strlen(w->meta[i].value));
        }
        rc |= nn_json_buf_append(b, "}", 1);
    }
    for (i = 0; i < w->n_tensors; i++) {
        const st_entry *e = &w->tensors[i];
        if (i || w->n_meta) rc |= nn_json_buf_append(b, ",", 1);
        rc |= nn_json_buf_append_string(b, e->name, strlen(e->name));
        rc |= nn_json_buf_append(b, ":{\"dtype\":\"", 11);
        rc |= nn_json_buf_append(b, dtypes[e->dtype].name, strlen(dtypes[e->dtype].name));
        rc |= nn_json_buf_append(b, "\",\"shape\":[", 11);
        for (d = 0; d < e->rank; d++) {
            if (d) rc |= nn_json_buf_append(b, ",", 1);
            rc |= nn_json_buf_append_u64(b, (uint64_t)e->shape[d]);
        }
        rc |= nn_json_buf_append(b, "],\"data_offsets\":[", 18);
        rc |= nn_json_buf_append_u64(b, (uint64_t)offset);
        rc |= nn_json_buf_append(b, ",", 1);
        if (g99_size_add(offset, e->nbytes, &offset)) return G99_ENOMEM;
        rc |= nn_json_buf_append_u64(b, (uint64_t)offset);
        rc |= nn_json_buf_append(b, "]}", 2);
    }
    rc |= nn_json_buf_append(b, "}", 1);
    /* Spaces up to a multiple of 8, so the data buffer is 8-aligned. */
    while (rc == 0 && b->len % 8) rc |= nn_json_buf_append(b, " ", 1);
    return rc ? G99_ENOMEM : G99_OK;
}

int nn_st_writer_save(nn_st_writer *w, const char *path, g99_error *err)
{
    nn_json_buf header = { 0 };
    g99_afile file;
    uint8_t chunk[4096], len8[8];
    size_t i, j;
    int rc;

    /* (qsort may not be handed the NULL of an empty list.) */
    if (w->n_tensors > 1) qsort(w->tensors, w->n_tensors, sizeof *w->tensors, entry_cmp);
    if (w->n_meta > 1) qsort(w->meta, w->n_meta, sizeof *w->meta, meta_cmp);
    if (build_header(w, &header)) {
        nn_json_buf_free(&header);
        return g99_fail(err, G99_ENOMEM, "%s: out of memory building the header", path);
    }
    g99_store_le64(len8, (uint64_t)header.len);
    rc = g99_afile_open(&file, path, err);
    if (!rc) rc = g99_afile_write(&file, len8, 8, err);
    if (!rc) rc = g99_afile_write(&file, header.data, header.len, err);
    nn_json_buf_free(&header);
    /* Values go out through a little-endian chunk, whatever the host order. */
    for (i = 0; !rc && i < w->n_tensors; i++) {
        const st_entry *e = &w->tensors[i];
        size_t size = e->dtype == NN_ST_I64 ? 8 : 4, numel = e->nbytes / size;
        for (j = 0; !rc && j < numel; j += sizeof chunk / size) {
            size_t k, m = numel - j < sizeof chunk / size ? numel - j : sizeof chunk / size;
            for (k = 0; k < m; k++) {
                if (size == 8) g99_store_le64(chunk + 8 * k, (uint64_t)e->i64[j + k]);
                else g99_store_le32(chunk + 4 * k, g99_f32_bits(e->f32[j + k]));
            }
            rc = g99_afile_write(&file, chunk, size * m, err);
        }
    }
    if (!rc) rc = g99_afile_commit(&file, err);
    return rc;
}

void nn_st_writer_free(nn_st_writer *w)
{
    size_t i;
    if (!w) return;
    for (i = 0; i < w->n_tensors; i++) free(w->tensors[i].name);
    for (i = 0; i < w->n_meta; i++) {
        free(w->meta[i].key);
        free(w->meta[i].value);
    }
    free(w->tensors);
    free(w->meta);
    free(w);
}
