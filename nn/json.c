/* A small strict JSON reader (RFC 8259) and the writer helpers gan99 needs
 * for safetensors headers and the gan99.config metadata (doc/design.md §5.1).
 *
 * The reader is a recursive-descent parser over a byte buffer that builds a
 * tree of nn_json values; recursion is bounded by NN_JSON_MAX_DEPTH. Every
 * error names the byte offset where the text stops being valid JSON. What is
 * refused, following the RFC's grammar (section numbers of RFC 8259):
 *   - anything but whitespace after the value (§2), a byte order mark;
 *   - literals other than true/false/null (§3), numbers outside the grammar
 *     of §6 (leading zeros, "+1", ".5", "1.", "1e", NaN, Infinity), numbers
 *     beyond the range of a double (§6 lets an implementation set limits);
 *   - raw control characters U+0000..U+001F in strings, unknown escapes,
 *     \u escapes that leave a surrogate unpaired, invalid UTF-8 (overlong
 *     forms, surrogates, code points above U+10FFFF) (§7, §8.1, RFC 3629). */
#include "nn.h"

#include <stdlib.h>

typedef struct json_parser {
    const unsigned char *s;
    size_t n;      /* text length */
    size_t pos;    /* next byte to read */
    g99_error *err;
} json_parser;

static int parse_value(json_parser *p, nn_json *v, int depth);

static int fail_at(json_parser *p, size_t offset, const char *what)
{
    return g99_fail(p->err, G99_EFORMAT, "offset %lu: %s", (unsigned long)offset, what);
}

static int out_of_memory(json_parser *p)
{
    return g99_fail(p->err, G99_ENOMEM, "offset %lu: out of memory", (unsigned long)p->pos);
}

/* Whitespace is exactly space, tab, line feed and carriage return (§2). */
static void skip_ws(json_parser *p)
{
    while (p->pos < p->n) {
        unsigned char c = p->s[p->pos];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r') break;
        p->pos++;
    }
}

static void free_value(nn_json *v)
{
    size_t i;
    if (v->type == NN_JSON_STRING) {
        free(v->str);
    } else if (v->type == NN_JSON_ARRAY) {
        for (i = 0; i < v->len; i++) free_value(&v->items[i]);
        free(v->items);
    } else if (v->type == NN_JSON_OBJECT) {
        for (i = 0; i < v->len; i++) {
            free(v->members[i].key);
            free_value(&v->members[i].value);
        }
        free(v->members);
    }
    v->type = NN_JSON_NULL;
}

/* ---- strings ------------------------------------------------------------ */

/* Length of the valid UTF-8 sequence at s[0..n), or 0 if it is not one.
 * RFC 3629 §4: no overlong forms (C0, C1, E0 80..9F, F0 80..8F), no
 * surrogates (ED A0..BF), nothing above U+10FFFF (F4 90.., F5..FF). */
static size_t utf8_sequence(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    size_t len, i;
    unsigned char lo = 0x80, hi = 0xBF;  /* allowed range of the second byte */
    if (c < 0x80) return 1;
    if (c < 0xC2) return 0;
    if (c < 0xE0) {
        len = 2;
    } else if (c < 0xF0) {
        len = 3;
        if (c == 0xE0) lo = 0xA0;
        if (c == 0xED) hi = 0x9F;
    } else if (c < 0xF5) {
        len = 4;
        if (c == 0xF0) lo = 0x90;
        if (c == 0xF4) hi = 0x8F;
    } else {
        return 0;
    }
    if (n < len) return 0;
    if (s[1] < lo || s[1] > hi) return 0;
    for (i = 2; i < len; i++)
        if (s[i] < 0x80 || s[i] > 0xBF) return 0;
    return len;
}

static size_t utf8_encode(uint32_t cp, unsigned char *out)
{
    if (cp < 0x80) {
        out[0] = (unsigned char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (unsigned char)(0xC0 | cp >> 6);
        out[1] = (unsigned char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (unsigned char)(0xE0 | cp >> 12);
        out[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
        out[2] = (unsigned char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (unsigned char)(0xF0 | cp >> 18);
    out[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3F));
    out[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
    out[3] = (unsigned char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Four hex digits at p->pos; -1 (and an error naming the escape that
 * starts at offset at) if they are not there. */
static long read_hex4(json_parser *p, size_t at)
{
    long v = 0;
    int i;
    if (p->n - p->pos < 4) return fail_at(p, at, "\\u needs four hex digits"), -1;
    for (i = 0; i < 4; i++) {
        unsigned char c = p->s[p->pos + i];
        int d;
        if (c >= '0' && c <= '9') d = c - '0';
        else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
        else return fail_at(p, at, "\\u needs four hex digits"), -1;
        v = v * 16 + d;
    }
    p->pos += 4;
    return v;
}

/* A string starting at the opening quote at p->pos. Decoding never makes a
 * string longer than its source text, so a first pass finds the closing
 * quote and one allocation of that size holds the result. */
static int parse_string(json_parser *p, char **out, size_t *out_len)
{
    size_t start = p->pos + 1, end = start, n = 0;
    unsigned char *buf;
    while (end < p->n && p->s[end] != '"') end += p->s[end] == '\\' ? 2 : 1;
    if (end >= p->n) return fail_at(p, p->pos, "string without a closing quote");
    buf = (unsigned char *)malloc(end - start + 1);
    if (!buf) return out_of_memory(p);
    p->pos = start;
    while (p->pos < end) {
        unsigned char c = p->s[p->pos];
        if (c == '\\') {
            size_t at = p->pos;
            unsigned char e = p->s[p->pos + 1];
            p->pos += 2;
            switch (e) {
            case '"': buf[n++] = '"'; break;
            case '\\': buf[n++] = '\\'; break;
            case '/': buf[n++] = '/'; break;
            case 'b': buf[n++] = '\b'; break;
            case 'f': buf[n++] = '\f'; break;
            case 'n': buf[n++] = '\n'; break;
            case 'r': buf[n++] = '\r'; break;
            case 't': buf[n++] = '\t'; break;
            case 'u': {
                long hi = read_hex4(p, at), lo;
                uint32_t cp;
                if (hi < 0) goto fail;
                cp = (uint32_t)hi;
                if (hi >= 0xDC00 && hi <= 0xDFFF) {
                    fail_at(p, at, "\\u escape is a lone low surrogate");
                    goto fail;
                }
                /* A high surrogate must be followed by an escaped low one (§7). */
                if (hi >= 0xD800 && hi <= 0xDBFF) {
                    if (end - p->pos < 6 || p->s[p->pos] != '\\' || p->s[p->pos + 1] != 'u') {
                        fail_at(p, at, "\\u escape is a high surrogate without a low one");
                        goto fail;
                    }
                    p->pos += 2;
                    lo = read_hex4(p, p->pos - 2);
                    if (lo < 0) goto fail;
                    if (lo < 0xDC00 || lo > 0xDFFF) {
                        fail_at(p, at, "\\u escape is a high surrogate without a low one");
                        goto fail;
                    }
                    cp = 0x10000 + ((uint32_t)(hi - 0xD800) << 10) + (uint32_t)(lo - 0xDC00);
                }
                n += utf8_encode(cp, buf + n);
                break;
            }
            default:
                fail_at(p, at, "unknown escape in string");
                goto fail;
            }
        } else if (c < 0x20) {
            fail_at(p, p->pos, "control character in string (must be escaped)");
            goto fail;
        } else {
            size_t k = utf8_sequence(p->s + p->pos, end - p->pos);
            if (k == 0) {
                fail_at(p, p->pos, "invalid UTF-8 in string");
                goto fail;
            }
            memcpy(buf + n, p->s + p->pos, k);
            n += k;
            p->pos += k;
        }
    }
    p->pos = end + 1;
    buf[n] = '\0';
    *out = (char *)buf;
    *out_len = n;
    return G99_OK;
fail:
    free(buf);
    return p->err ? p->err->code : G99_EFORMAT;
}

/* ---- numbers ------------------------------------------------------------ */

/* 10^k for k = 0..22 are exact doubles (10^22 < 2^53 * 2^22 with 5^22 < 2^53). */
static const double exact_pow10[23] = {
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};
/* 10^(2^k), k = 0..8, for the slow path's binary powering. */
static const double pow10_2k[9] = { 1e1, 1e2, 1e4, 1e8, 1e16, 1e32, 1e64, 1e128, 1e256 };

/* mant * 10^e10 as a double.
 *   - mant <= 2^53 and |e10| <= 22: both operands are exact, so one IEEE
 *     multiply or divide gives the correctly rounded result (Clinger's
 *     fast path); this covers every short decimal (0.1, 2e-4, 3.14159).
 *   - mant > 2^53 (17 to 19 digits) and |e10| <= 22: two roundings (mant
 *     to double, then the operation), so within 1 ulp (what %.17g prints
 *     reads back to the same double or a neighbour).
 *   - farther exponents: the power of ten is applied by binary powering,
 *     one multiply or divide per bit of the exponent in a fixed order;
 *     within a few ulp, so a value within a few ulp of DBL_MAX may be
 *     refused as out of range.
 * Not always correctly rounded, but always the same bits on every IEEE
 * platform, which is what gan99's determinism needs. */
static double decimal_to_double(uint64_t mant, long e10)
{
    double x = (double)mant;
    int k;
    long e = e10 < 0 ? -e10 : e10;
    if (mant == 0) return 0.0;
    if (e <= 22) return e10 < 0 ? x / exact_pow10[e] : x * exact_pow10[e];
    if (e10 > 400) return x * 1e300 * 1e300;   /* infinity: refused by the caller */
    if (e10 < -400) return 0.0;                /* below the smallest subnormal even for 19 digits */
    for (k = 0; k < 9; k++) {
        if (!(e & (1L << k))) continue;
        if (e10 > 0) x *= pow10_2k[k];
        else x /= pow10_2k[k];
    }
    return x;
}

/* A number per the grammar of §6:
 *   -? (0 | [1-9][0-9]*) (.[0-9]+)? ([eE][+-]?[0-9]+)?                      */
static int parse_number(json_parser *p, nn_json *v)
{
    size_t start = p->pos;
    const unsigned char *s = p->s;
    int negative = 0, int_overflow = 0, integral = 1;
    uint64_t magnitude = 0, mant = 0;
    int kept = 0;        /* significant digits in mant (at most 19: < 2^64) */
    long e10 = 0;        /* decimal exponent of mant */
    long exp_val = 0;
    double d;

    if (s[p->pos] == '-') {
        negative = 1;
        p->pos++;
    }
    if (p->pos >= p->n || s[p->pos] < '0' || s[p->pos] > '9') return fail_at(p, start, "bad number: no digits");
    if (s[p->pos] == '0' && p->pos + 1 < p->n && s[p->pos + 1] >= '0' && s[p->pos + 1] <= '9')
        return fail_at(p, start, "bad number: leading zero");
    while (p->pos < p->n && s[p->pos] >= '0' && s[p->pos] <= '9') {
        unsigned d1 = (unsigned)(s[p->pos] - '0');
        if (magnitude > (UINT64_MAX - d1) / 10) int_overflow = 1;
        else magnitude = magnitude * 10 + d1;
        if (kept < 19) {
            if (mant != 0 || d1 != 0) {
                mant = mant * 10 + d1;
                kept++;
            }
        } else {
            e10++;   /* a dropped integer digit still scales the value */
        }
        p->pos++;
    }
    if (p->pos < p->n && s[p->pos] == '.') {
        integral = 0;
        p->pos++;
        if (p->pos >= p->n || s[p->pos] < '0' || s[p->pos] > '9')
            return fail_at(p, p->pos, "bad number: no digits after the decimal point");
        while (p->pos < p->n && s[p->pos] >= '0' && s[p->pos] <= '9') {
            unsigned d1 = (unsigned)(s[p->pos] - '0');
            if (kept < 19) {
                if (mant != 0 || d1 != 0) {
                    mant = mant * 10 + d1;
                    kept++;
                }
                e10--;
            }
            p->pos++;
        }
    }
    if (p->pos < p->n && (s[p->pos] == 'e' || s[p->pos] == 'E')) {
        int exp_negative = 0;
        integral = 0;
        p->pos++;
        if (p->pos < p->n && (s[p->pos] == '+' || s[p->pos] == '-')) exp_negative = s[p->pos++] == '-';
        if (p->pos >= p->n || s[p->pos] < '0' || s[p->pos] > '9')
            return fail_at(p, p->pos, "bad number: no digits in the exponent");
        while (p->pos < p->n && s[p->pos] >= '0' && s[p->pos] <= '9') {
            /* Saturate: anything this large is 0 or out of range anyway. */
            if (exp_val < 100000) exp_val = exp_val * 10 + (s[p->pos] - '0');
            p->pos++;
        }
        e10 += exp_negative ? -exp_val : exp_val;
    }
    d = decimal_to_double(mant, e10);
    if (d > 1.7976931348623157e308) return fail_at(p, start, "number out of range of a double");
    v->type = NN_JSON_NUMBER;
    v->number = negative ? -d : d;
    v->is_int = integral && !int_overflow;
    v->negative = negative;
    v->magnitude = v->is_int ? magnitude : 0;
    return G99_OK;
}

/* ---- values ------------------------------------------------------------- */

static int parse_literal(json_parser *p, nn_json *v, const char *word, int type, int boolean)
{
    size_t k = strlen(word);
    if (p->n - p->pos < k || memcmp(p->s + p->pos, word, k) != 0) return fail_at(p, p->pos, "unexpected character");
    p->pos += k;
    v->type = type;
    v->boolean = boolean;
    return G99_OK;
}

/* Grows *items (of size elem) so that it can hold one more than *count. */
static int grow(void **items, size_t *cap, size_t count, size_t elem)
{
    size_t new_cap, bytes;
    void *grown;
    if (count < *cap) return 0;
    new_cap = *cap ? *cap * 2 : 4;
    if (new_cap < *cap || g99_size_mul(new_cap, elem, &bytes)) return -1;
    grown = realloc(*items, bytes);
    if (!grown) return -1;
    *items = grown;
    *cap = new_cap;
    return 0;
}

static int parse_array(json_parser *p, nn_json *v, int depth)
{
    size_t cap = 0;
    v->type = NN_JSON_ARRAY;
    p->pos++;  /* [ */
    skip_ws(p);
    if (p->pos < p->n && p->s[p->pos] == ']') {
        p->pos++;
        return G99_OK;
    }
    for (;;) {
        nn_json item;
        memset(&item, 0, sizeof item);
        if (grow((void **)&v->items, &cap, v->len, sizeof *v->items)) goto nomem;
        if (parse_value(p, &item, depth + 1)) goto fail;
        v->items[v->len++] = item;
        skip_ws(p);
        if (p->pos >= p->n) {
            fail_at(p, p->pos, "unterminated array");
            goto fail;
        }
        if (p->s[p->pos] == ']') {
            p->pos++;
            return G99_OK;
        }
        if (p->s[p->pos] != ',') {
            fail_at(p, p->pos, "expected ',' or ']' in array");
            goto fail;
        }
        p->pos++;
    }
nomem:
    out_of_memory(p);
fail:
    free_value(v);
    return p->err ? p->err->code : G99_EFORMAT;
}

static int parse_object(json_parser *p, nn_json *v, int depth)
{
    size_t cap = 0;
    v->type = NN_JSON_OBJECT;
    p->pos++;  /* { */
    skip_ws(p);
    if (p->pos < p->n && p->s[p->pos] == '}') {
        p->pos++;
        return G99_OK;
    }
    for (;;) {
        nn_json_member m;
        memset(&m, 0, sizeof m);
        skip_ws(p);
        if (p->pos >= p->n || p->s[p->pos] != '"') {
            fail_at(p, p->pos, "expected a string key in object");
            goto fail;
        }
        if (grow((void **)&v->members, &cap, v->len, sizeof *v->members)) goto nomem;
        m.offset = p->pos;
        if (parse_string(p, &m.key, &m.key_len)) goto fail;
        skip_ws(p);
        if (p->pos >= p->n || p->s[p->pos] != ':') {
            free(m.key);
            fail_at(p, p->pos, "expected ':' after key in object");
            goto fail;
        }
        p->pos++;
        if (parse_value(p, &m.value, depth + 1)) {
            free(m.key);
            goto fail;
        }
        v->members[v->len++] = m;
        skip_ws(p);
        if (p->pos >= p->n) {
            fail_at(p, p->pos, "unterminated object");
            goto fail;
        }
        if (p->s[p->pos] == '}') {
            p->pos++;
            return G99_OK;
        }
        if (p->s[p->pos] != ',') {
            fail_at(p, p->pos, "expected ',' or '}' in object");
            goto fail;
        }
        p->pos++;
    }
nomem:
    out_of_memory(p);
fail:
    free_value(v);
    return p->err ? p->err->code : G99_EFORMAT;
}

/* One value at p->pos (after whitespace) into *v; on failure *v holds
 * nothing that needs freeing. */
static int parse_value(json_parser *p, nn_json *v, int depth)
{
    skip_ws(p);
    memset(v, 0, sizeof *v);
    v->offset = p->pos;
    if (p->pos >= p->n) return fail_at(p, p->pos, "unexpected end of text, expected a value");
    switch (p->s[p->pos]) {
    case '{':
    case '[':
        if (depth >= NN_JSON_MAX_DEPTH) {
            g99_fail(p->err, G99_ELIMIT, "offset %lu: nesting deeper than %d levels", (unsigned long)p->pos,
                     NN_JSON_MAX_DEPTH);
            return G99_ELIMIT;
        }
        return p->s[p->pos] == '{' ? parse_object(p, v, depth) : parse_array(p, v, depth);
    case '"': {
        int rc = parse_string(p, &v->str, &v->len);
        if (rc == G99_OK) v->type = NN_JSON_STRING;
        return rc;
    }
    case 't': return parse_literal(p, v, "true", NN_JSON_BOOL, 1);
    case 'f': return parse_literal(p, v, "false", NN_JSON_BOOL, 0);
    case 'n': return parse_literal(p, v, "null", NN_JSON_NULL, 0);
    default:
        if (p->s[p->pos] == '-' || (p->s[p->pos] >= '0' && p->s[p->pos] <= '9')) return parse_number(p, v);
        return fail_at(p, p->pos, "unexpected character");
    }
}

int nn_json_parse(const char *text, size_t len, nn_json **out, g99_error *err)
{
    json_parser p;
    nn_json *doc;
    int rc;
    *out = NULL;
    if (!text && len) return g99_fail(err, G99_EINVAL, "nn_json_parse: NULL text");
    p.s = (const unsigned char *)text;
    p.n = len;
    p.pos = 0;
    p.err = err;
    doc = (nn_json *)calloc(1, sizeof *doc);
    if (!doc) return g99_fail(err, G99_ENOMEM, "out of memory");
    rc = parse_value(&p, doc, 0);
    if (rc == G99_OK) {
        skip_ws(&p);
        if (p.pos != p.n) {
            rc = fail_at(&p, p.pos, "trailing characters after the JSON value");
            free_value(doc);
        }
    }
    if (rc != G99_OK) {
        free(doc);
        return rc;
    }
    *out = doc;
    return G99_OK;
}

void nn_json_free(nn_json *doc)
{
    if (!doc) return;
    free_value(doc);
    free(doc);
}

/* ---- access ------------------------------------------------------------- */

const nn_json *nn_json_get(const nn_json *obj, const char *key)
{
    size_t i, k;
    if (!obj || obj->type != NN_JSON_OBJECT || !key) return NULL;
    k = strlen(key);
    for (i = 0; i < obj->len; i++)
        if (obj->members[i].key_len == k && memcmp(obj->members[i].key, key, k) == 0) return &obj->members[i].value;
    return NULL;
}

const nn_json *nn_json_at(const nn_json *arr, size_t i)
{
    if (!arr || arr->type != NN_JSON_ARRAY || i >= arr->len) return NULL;
    return &arr->items[i];
}

const char *nn_json_string(const nn_json *v)
{
    return v && v->type == NN_JSON_STRING ? v->str : NULL;
}

int nn_json_get_u64(const nn_json *v, uint64_t *out)
{
    if (!v || v->type != NN_JSON_NUMBER || !v->is_int) return -1;
    if (v->negative && v->magnitude != 0) return -1;
    *out = v->magnitude;
    return 0;
}

int nn_json_get_i64(const nn_json *v, int64_t *out)
{
    const uint64_t limit = (uint64_t)INT64_MAX;
    if (!v || v->type != NN_JSON_NUMBER || !v->is_int) return -1;
    if (!v->negative) {
        if (v->magnitude > limit) return -1;
        *out = (int64_t)v->magnitude;
    } else {
        /* -2^63 is representable although +2^63 is not. */
        if (v->magnitude > limit + 1) return -1;
        *out = v->magnitude == limit + 1 ? INT64_MIN : -(int64_t)v->magnitude;
    }
    return 0;
}

const char *nn_json_type_name(int type)
{
    switch (type) {
    case NN_JSON_NULL: return "null";
    case NN_JSON_BOOL: return "boolean";
    case NN_JSON_NUMBER: return "number";
    case NN_JSON_STRING: return "string";
    case NN_JSON_ARRAY: return "array";
    case NN_JSON_OBJECT: return "object";
    default: return "unknown";
    }
}

/* Orders members by key bytes, then by position, for the duplicate check. */
static int member_cmp(const void *a, const void *b)
{
    const nn_json_member *x = *(const nn_json_member *const *)a, *y = *(const nn_json_member *const *)b;
    size_t k = x->key_len < y->key_len ? x->key_len : y->key_len;
    int c = memcmp(x->key, y->key, k);
    if (c) return c;
    if (x->key_len != y->key_len) return x->key_len < y->key_len ? -1 : 1;
    return x->offset < y->offset ? -1 : x->offset > y->offset;
}

/* Sorting a list of pointers keeps the check O(n log n): a header with a
 * million names must not take a million squared comparisons. */
int nn_json_unique_keys(const nn_json *obj, g99_error *err)
{
    const nn_json_member **order, *dup = NULL;
    size_t i, bytes;
    if (!obj || obj->type != NN_JSON_OBJECT) return g99_fail(err, G99_EINVAL, "nn_json_unique_keys: not an object");
    if (obj->len < 2) return G99_OK;
    if (g99_size_mul(obj->len, sizeof *order, &bytes)) return g99_fail(err, G99_ENOMEM, "out of memory");
    order = (const nn_json_member **)malloc(bytes);
    if (!order) return g99_fail(err, G99_ENOMEM, "out of memory");
    for (i = 0; i < obj->len; i++) order[i] = &obj->members[i];
    qsort(order, obj->len, sizeof *order, member_cmp);
    /* Report the repeat that comes first in the text. */
    for (i = 1; i < obj->len; i++) {
        const nn_json_member *a = order[i - 1], *b = order[i];
        if (a->key_len == b->key_len && memcmp(a->key, b->key, a->key_len) == 0 && (!dup || b->offset < dup->offset))
            dup = b;
    }
    free(order);
    if (dup) return g99_fail(err, G99_EFORMAT, "offset %lu: duplicate key \"%.100s\"", (unsigned long)dup->offset, dup->key);
    return G99_OK;
}

/* ---- writing ------------------------------------------------------------ */

static int buf_reserve(nn_json_buf *b, size_t extra)
{
    size_t need, cap;
    char *grown;
    if (g99_size_add(b->len, extra, &need) || g99_size_add(need, 1, &need)) return G99_ENOMEM;
    if (need <= b->cap) return G99_OK;
    cap = b->cap ? b->cap : 64;
    while (cap < need) {
        if (cap > (size_t)-1 / 2) {
            cap = need;
            break;
        }
        cap *= 2;
    }
    grown = (char *)realloc(b->data, cap);
    if (!grown) return G99_ENOMEM;
    b->data = grown;
    b->cap = cap;
    return G99_OK;
}

int nn_json_buf_append(nn_json_buf *b, const char *s, size_t n)
{
    if (buf_reserve(b, n)) return G99_ENOMEM;
    if (n) memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
    return G99_OK;
}

int nn_json_buf_append_u64(nn_json_buf *b, uint64_t v)
{
    char digits[20];
    char out[20];
    int n = 0, i;
    do {
        digits[n++] = (char)('0' + (int)(v % 10));
        v /= 10;
    } while (v);
    for (i = 0; i < n; i++) out[i] = digits[n - 1 - i];
    return nn_json_buf_append(b, out, (size_t)n);
}

int nn_json_buf_append_string(nn_json_buf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *u = (const unsigned char *)s;
    size_t i, start = b->len;
    for (i = 0; i < n;) {
        size_t k = utf8_sequence(u + i, n - i);
        if (k == 0) return G99_EINVAL;
        i += k;
    }
    if (nn_json_buf_append(b, "\"", 1)) return G99_ENOMEM;
    for (i = 0; i < n; i++) {
        unsigned char c = u[i];
        char esc[6];
        const char *piece = esc;
        size_t k = 2;
        esc[0] = '\\';
        switch (c) {
        case '"': esc[1] = '"'; break;
        case '\\': esc[1] = '\\'; break;
        case '\b': esc[1] = 'b'; break;
        case '\f': esc[1] = 'f'; break;
        case '\n': esc[1] = 'n'; break;
        case '\r': esc[1] = 'r'; break;
        case '\t': esc[1] = 't'; break;
        default:
            if (c < 0x20) {
                esc[1] = 'u';
                esc[2] = '0';
                esc[3] = '0';
                esc[4] = hex[c >> 4];
                esc[5] = hex[c & 15];
                k = 6;
            } else {
                piece = (const char *)u + i;
                k = 1;
            }
        }
        if (nn_json_buf_append(b, piece, k)) goto nomem;
    }
    if (nn_json_buf_append(b, "\"", 1)) goto nomem;
    return G99_OK;
nomem:
    b->len = start;
    if (b->data) b->data[start] = '\0';
    return G99_ENOMEM;
}

void nn_json_buf_free(nn_json_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}
