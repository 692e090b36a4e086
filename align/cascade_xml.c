/* The XML that OpenCV's cascade files use, and the numbers in it.
 *
 * A small non-validating reader for the subset cv::FileStorage writes
 * (doc/haar.md §2.1): a prolog `<?xml ...?>`, comments, elements with
 * attributes (read and ignored), and text. DOCTYPE, CDATA and entity
 * references never occur in cascade files and are refused. The result is a
 * flat array of elements linked by index, built without recursion, so deep
 * or hostile input costs memory in proportion to its size and nothing else.
 *
 * Numbers follow FileStorage: a literal whose digits are followed by '.' or
 * 'e' is a REAL, parsed with strtod (decimal -> correctly rounded double);
 * any other is an INT, parsed with strtol(.., 0). gan99 does not call strtod
 * (its result depends on the locale's decimal point, and some small libcs
 * do not round correctly): haar_parse_double below converts exactly with a
 * little big-integer arithmetic. */
#include "align_private.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* ==== decimal -> double ===================================================== */

/* A non-negative integer of up to BIG_WORDS 32-bit words, least significant
 * first. 48 words (1536 bits) hold 10^364 shifted left by 64 bits plus a
 * 64-bit mantissa: the largest operands the conversion below forms. */
#define BIG_WORDS 48
typedef struct big {
    uint32_t w[BIG_WORDS];
    int n;  /* words in use; w[n-1] != 0 unless n == 0 */
} big;

static void big_set_u64(big *a, uint64_t v)
{
    a->w[0] = (uint32_t)v;
    a->w[1] = (uint32_t)(v >> 32);
    a->n = a->w[1] ? 2 : (a->w[0] ? 1 : 0);
}

static void big_mul_small(big *a, uint32_t m)
{
    uint64_t carry = 0;
    int i;
    for (i = 0; i < a->n; i++) {
        uint64_t t = (uint64_t)a->w[i] * m + carry;
        a->w[i] = (uint32_t)t;
        carry = t >> 32;
    }
    if (carry) a->w[a->n++] = (uint32_t)carry;
}

static void big_shl(big *a, int bits)
{
    int words = bits / 32, sh = bits % 32, i;
    if (a->n == 0) return;
    a->w[a->n] = 0;
    for (i = a->n; i >= 0; i--) {
        uint32_t hi = a->w[i] << sh;
        uint32_t lo = (sh && i > 0) ? a->w[i - 1] >> (32 - sh) : 0;
        a->w[i + words] = hi | lo;
    }
    for (i = 0; i < words; i++) a->w[i] = 0;
    a->n += words + 1;
    while (a->n > 0 && a->w[a->n - 1] == 0) a->n--;
}

static void big_shr1(big *a)
{
    int i;
    for (i = 0; i < a->n; i++) a->w[i] = (a->w[i] >> 1) | (i + 1 < a->n ? a->w[i + 1] << 31 : 0);
    while (a->n > 0 && a->w[a->n - 1] == 0) a->n--;
}

static int big_bits(const big *a)
{
    int b = 0;
    uint32_t top;
    if (a->n == 0) return 0;
    top = a->w[a->n - 1];
    while (top) {
        b++;
        top >>= 1;
    }
    return (a->n - 1) * 32 + b;
}

static int big_cmp(const big *a, const big *b)
{
    int i;
    if (a->n != b->n) return a->n < b->n ? -1 : 1;
    for (i = a->n - 1; i >= 0; i--)
        if (a->w[i] != b->w[i]) return a->w[i] < b->w[i] ? -1 : 1;
    return 0;
}

static void big_sub(big *a, const big *b)  /* a -= b, with a >= b */
{
    uint32_t borrow = 0;
    int i;
    for (i = 0; i < a->n; i++) {
        uint32_t bi = i < b->n ? b->w[i] : 0;
        uint64_t t = (uint64_t)a->w[i] - bi - borrow;
        a->w[i] = (uint32_t)t;
        borrow = (uint32_t)(t >> 63);
    }
    while (a->n > 0 && a->w[a->n - 1] == 0) a->n--;
}

/* The 64 bits of a below its top bit position `top` (so bit top-1 of a is
 * bit 63 of the result), and whether any bit further down is set. */
static uint64_t big_top64(const big *a, int top, int *sticky)
{
    uint64_t r = 0;
    int i;
    *sticky = 0;
    for (i = 0; i < top; i++) {
        int bit = (int)((a->w[i / 32] >> (i % 32)) & 1u);
        if (i < top - 64) {
            if (bit) *sticky = 1;
        } else {
            r |= (uint64_t)bit << (i - (top - 64));
        }
    }
    return r;
}

/* The double nearest to (q + t) * 2^e2, where 0 < t < 1 when sticky and t = 0
 * otherwise; q != 0. Ties go to even. Built from bits so no libm is used. */
static double make_double(uint64_t q, int e2, int sticky)
{
    uint64_t mant, rem, half, bits;
    int e, shift;
    double d;
    while (!(q >> 63)) {
        q <<= 1;
        e2--;
    }
    e = 63 + e2;  /* the value is in [2^e, 2^(e+1)) */
    if (e > 1023) {
        bits = (uint64_t)0x7FF << 52;
        memcpy(&d, &bits, 8);
        return d;
    }
    shift = 11 + (e < -1022 ? -1022 - e : 0);  /* subnormals keep fewer bits */
    if (shift > 64) return 0.0;
    if (shift == 64) {
        mant = 0;
        rem = q;
        half = (uint64_t)1 << 63;
    } else {
        mant = q >> shift;
        rem = q & (((uint64_t)1 << shift) - 1);
        half = (uint64_t)1 << (shift - 1);
    }
    if (rem > half || (rem == half && (sticky || (mant & 1)))) mant++;
    if (e < -1022) {
        bits = mant;  /* a subnormal; rounding up to 2^52 gives the smallest normal, same bits */
    } else {
        if (mant >> 53) {
            mant >>= 1;
            e++;
            if (e > 1023) {
                bits = (uint64_t)0x7FF << 52;
                memcpy(&d, &bits, 8);
                return d;
            }
        }
        bits = ((uint64_t)(e + 1023) << 52) | (mant & (((uint64_t)1 << 52) - 1));
    }
    memcpy(&d, &bits, 8);
    return d;
}

/* m * 10^e10 (+ a sticky fraction of the last digit) as the nearest double.
 * For e10 >= 0 the product is an exact big integer. For e10 < 0 it is the
 * quotient m * 2^k / 10^-e10, with k chosen so the integer part has 63 or 64
 * bits, found by shift-and-subtract; a non-zero remainder is the sticky bit. */
static double decimal_to_double(uint64_t m, int e10, int sticky)
{
    big a, d;
    int i;
    if (e10 >= 0) {
        int top, s2;
        uint64_t q;
        big_set_u64(&a, m);
        for (i = 0; i < e10; i++) big_mul_small(&a, 10);
        top = big_bits(&a);
        if (top <= 64) return make_double(big_top64(&a, 64, &s2), 0, sticky);
        q = big_top64(&a, top, &s2);
        return make_double(q, top - 64, sticky || s2);
    } else {
        int k, bits_d, bits_m;
        uint64_t q = 0;
        big_set_u64(&d, 1);
        for (i = 0; i < -e10; i++) big_mul_small(&d, 10);
        big_set_u64(&a, m);
        bits_d = big_bits(&d);
        bits_m = big_bits(&a);
        k = 63 + bits_d - bits_m;  /* m * 2^k / d lies in (2^62, 2^64) */
        if (k > 0) big_shl(&a, k);
        big_shl(&d, 63);
        for (i = 63; i >= 0; i--) {
            if (big_cmp(&a, &d) >= 0) {
                big_sub(&a, &d);
                q |= (uint64_t)1 << i;
            }
            big_shr1(&d);
        }
        return make_double(q, -k, sticky || a.n != 0);
    }
}

static int is_digit(char c) { return c >= '0' && c <= '9'; }

int haar_parse_double(const char *s, size_t len, double *value)
{
    size_t i = 0;
    int neg = 0, ndig = 0, sticky = 0, any = 0, exp_neg = 0;
    long e10 = 0, ex = 0;
    uint64_t m = 0;
    if (i < len && (s[i] == '+' || s[i] == '-')) neg = s[i++] == '-';
    /* Mantissa digits: the first 19 significant ones go into m (they fit in
     * 64 bits); later ones only raise the exponent and the sticky bit. */
    for (; i < len && is_digit(s[i]); i++, any = 1) {
        if (ndig < 19) {
            if (m || s[i] != '0') {
                m = m * 10 + (uint64_t)(s[i] - '0');
                ndig++;
            }
        } else {
            e10++;
            if (s[i] != '0') sticky = 1;
        }
    }
    if (i < len && s[i] == '.') {
        for (i++; i < len && is_digit(s[i]); i++, any = 1) {
            if (ndig < 19) {
                if (m || s[i] != '0') {
                    m = m * 10 + (uint64_t)(s[i] - '0');
                    ndig++;
                }
                e10--;
            } else if (s[i] != '0') {
                sticky = 1;
            }
        }
    }
    if (!any) return G99_EFORMAT;
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        int edig = 0;
        i++;
        if (i < len && (s[i] == '+' || s[i] == '-')) exp_neg = s[i++] == '-';
        for (; i < len && is_digit(s[i]); i++, edig++)
            if (ex < 100000) ex = ex * 10 + (s[i] - '0');  /* beyond this, 0 or inf anyway */
        if (!edig) return G99_EFORMAT;
    }
    if (i != len) return G99_EFORMAT;
    e10 += exp_neg ? -ex : ex;
    if (m == 0) {
        *value = neg ? -0.0 : 0.0;
        return 0;
    }
    /* Out of range on either side: the leading digit's power of ten decides. */
    if (e10 + ndig - 1 > 309) {
        *value = make_double(1, 2000, 0);  /* inf */
    } else if (e10 + ndig - 1 < -345) {
        *value = 0.0;
    } else {
        *value = decimal_to_double(m, (int)e10, sticky);
    }
    if (neg) *value = -*value;
    return 0;
}

/* ==== number tokens ========================================================= */

static int is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

/* strtol(s, .., 0) on a whole token, limited to the long range. */
static int parse_int(const char *s, size_t len, long *value)
{
    size_t i = 0;
    int neg = 0, base = 10, any = 0;
    unsigned long v = 0, limit;
    if (i < len && (s[i] == '+' || s[i] == '-')) neg = s[i++] == '-';
    if (len - i > 2 && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'X')) {
        base = 16;
        i += 2;
    } else if (len - i > 1 && s[i] == '0') {
        base = 8;
    }
    limit = neg ? (unsigned long)-(LONG_MIN + 1) + 1 : (unsigned long)LONG_MAX;
    for (; i < len; i++) {
        int dv;
        char c = s[i];
        if (c >= '0' && c <= '9') dv = c - '0';
        else if (c >= 'a' && c <= 'f') dv = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F') dv = c - 'A' + 10;
        else return G99_EFORMAT;
        if (dv >= base) return G99_EFORMAT;
        if (v > (limit - (unsigned long)dv) / (unsigned long)base) return G99_EFORMAT;
        v = v * (unsigned long)base + (unsigned long)dv;
        any = 1;
    }
    if (!any) return G99_EFORMAT;
    *value = neg ? (v == (unsigned long)LONG_MAX + 1 ? LONG_MIN : -(long)v) : (long)v;
    return 0;
}

static int parse_token(const char *s, size_t len, axml_num *num)
{
    size_t i = 0;
    if (i < len && (s[i] == '+' || s[i] == '-')) i++;
    while (i < len && is_digit(s[i])) i++;
    num->is_real = i < len && (s[i] == '.' || s[i] == 'e' || s[i] == 'E');
    num->real = 0;
    num->integer = 0;
    if (num->is_real) return haar_parse_double(s, len, &num->real);
    return parse_int(s, len, &num->integer);
}

int axml_numbers(const axml_doc *doc, int node, axml_num *nums, int max, int *count, const char **bad,
                 size_t *bad_len)
{
    const char *t = doc->nodes[node].text;
    size_t n = doc->nodes[node].text_len, i = 0;
    *count = 0;
    while (t && i < n) {
        size_t start;
        axml_num tmp;
        while (i < n && is_space(t[i])) i++;
        if (i == n) break;
        start = i;
        while (i < n && !is_space(t[i])) i++;
        if (parse_token(t + start, i - start, *count < max ? &nums[*count] : &tmp)) {
            *bad = t + start;
            *bad_len = i - start;
            return G99_EFORMAT;
        }
        if (*count == 0x7FFFFFFF) return G99_EFORMAT;
        (*count)++;
    }
    return 0;
}

/* ==== the XML tree ========================================================== */

int axml_line(const axml_doc *doc, size_t offset)
{
    size_t i;
    int line = 1;
    for (i = 0; i < offset && i < doc->len; i++)
        if (doc->src[i] == '\n') line++;
    return line;
}

int axml_child(const axml_doc *doc, int node, const char *name)
{
    int c;
    for (c = doc->nodes[node].first_child; c >= 0; c = doc->nodes[c].next_sibling)
        if (axml_is(doc, c, name)) return c;
    return -1;
}

int axml_is(const axml_doc *doc, int node, const char *name)
{
    const axml_node *n = &doc->nodes[node];
    return strlen(name) == n->name_len && memcmp(n->name, name, n->name_len) == 0;
}

int axml_child_count(const axml_doc *doc, int node)
{
    int c, k = 0;
    for (c = doc->nodes[node].first_child; c >= 0; c = doc->nodes[c].next_sibling) k++;
    return k;
}

void axml_free(axml_doc *doc)
{
    free(doc->nodes);
    doc->nodes = NULL;
    doc->count = doc->cap = 0;
}

static int name_start(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' || c == ':'; }
static int name_char(char c) { return name_start(c) || is_digit(c) || c == '-' || c == '.'; }

static int xml_fail(const axml_doc *doc, g99_error *err, const char *source, size_t offset, const char *what)
{
    return g99_fail(err, G99_EFORMAT, "%s%sline %d: %s", source ? source : "", source ? ": " : "",
                    axml_line(doc, offset), what);
}

/* Finds the first occurrence of pat at or after i; returns its offset or len. */
static size_t find(const char *s, size_t len, size_t i, const char *pat)
{
    size_t m = strlen(pat);
    for (; i + m <= len; i++)
        if (memcmp(s + i, pat, m) == 0) return i;
    return len;
}

static int add_node(axml_doc *doc, int parent, const char *name, size_t name_len, size_t offset)
{
    axml_node *n;
    if (doc->count == doc->cap) {
        int cap = doc->cap ? doc->cap * 2 : 256;
        axml_node *p;
        if (doc->cap > 0x3FFFFFFF / 2 || (size_t)cap > (size_t)-1 / sizeof *p) return -1;
        p = (axml_node *)realloc(doc->nodes, (size_t)cap * sizeof *p);
        if (!p) return -1;
        doc->nodes = p;
        doc->cap = cap;
    }
    n = &doc->nodes[doc->count];
    n->name = name;
    n->name_len = name_len;
    n->text = NULL;
    n->text_len = 0;
    n->offset = offset;
    n->parent = parent;
    n->first_child = n->last_child = n->next_sibling = -1;
    if (parent >= 0) {
        axml_node *p = &doc->nodes[parent];
        if (p->last_child >= 0) doc->nodes[p->last_child].next_sibling = doc->count;
        else p->first_child = doc->count;
        p->last_child = doc->count;
    }
    return doc->count++;
}

int axml_parse(axml_doc *doc, const char *s, size_t len, const char *source, g99_error *err)
{
    size_t i = 0;
    int cur = -1;  /* the innermost open element */
    char msg[256];
    doc->src = s;
    doc->len = len;
    doc->nodes = NULL;
    doc->count = doc->cap = 0;
    if (len >= 3 && (unsigned char)s[0] == 0xEF && (unsigned char)s[1] == 0xBB && (unsigned char)s[2] == 0xBF)
        i = 3;  /* a UTF-8 byte order mark */
    while (i < len) {
        if (s[i] != '<') {
            /* Character data up to the next tag. */
            size_t start = i, end;
            int blank = 1;
            while (i < len && s[i] != '<') {
                if (!is_space(s[i])) blank = 0;
                if (s[i] == '&') {
                    axml_free(doc);
                    return xml_fail(doc, err, source, i, "entity references are not supported");
                }
                i++;
            }
            end = i;
            if (blank) continue;
            if (cur < 0) {
                axml_free(doc);
                return xml_fail(doc, err, source, start, "text outside the root element");
            }
            if (doc->nodes[cur].text) {
                const axml_node *o = &doc->nodes[cur];
                snprintf(msg, sizeof msg, "<%.*s>: text split by a comment or an element",
                        (int)(o->name_len < 60 ? o->name_len : 60), o->name);
                axml_free(doc);
                return xml_fail(doc, err, source, start, msg);
            }
            doc->nodes[cur].text = s + start;
            doc->nodes[cur].text_len = end - start;
            continue;
        }
        if (len - i >= 4 && memcmp(s + i, "<!--", 4) == 0) {
            size_t e = find(s, len, i + 4, "-->");
            if (e == len) {
                axml_free(doc);
                return xml_fail(doc, err, source, i, "unclosed comment");
            }
            i = e + 3;
        } else if (len - i >= 2 && s[i + 1] == '?') {
            size_t e = find(s, len, i + 2, "?>");
            if (e == len) {
                axml_free(doc);
                return xml_fail(doc, err, source, i, "unclosed <? ... ?>");
            }
            i = e + 2;
        } else if (len - i >= 2 && s[i + 1] == '!') {
            axml_free(doc);
            return xml_fail(doc, err, source, i, "DOCTYPE and CDATA are not supported");
        } else if (len - i >= 2 && s[i + 1] == '/') {
            /* A closing tag: must match the innermost open element. */
            size_t start = i, ns = i + 2, ne = ns;
            while (ne < len && name_char(s[ne])) ne++;
            i = ne;
            while (i < len && is_space(s[i])) i++;
            if (i >= len || s[i] != '>') {
                axml_free(doc);
                return xml_fail(doc, err, source, start, "malformed closing tag");
            }
            i++;
            if (cur < 0) {
                axml_free(doc);
                return xml_fail(doc, err, source, start, "closing tag without an open element");
            }
            if (ne - ns != doc->nodes[cur].name_len || memcmp(s + ns, doc->nodes[cur].name, ne - ns) != 0) {
                const axml_node *o = &doc->nodes[cur];
                snprintf(msg, sizeof msg, "closing tag </%.*s> does not match <%.*s> of line %d", (int)(ne - ns < 60 ? ne - ns : 60),
                        s + ns, (int)(o->name_len < 60 ? o->name_len : 60), o->name, axml_line(doc, o->offset));
                axml_free(doc);
                return xml_fail(doc, err, source, start, msg);
            }
            cur = doc->nodes[cur].parent;
        } else {
            /* An opening tag with attributes, or an empty-element tag. */
            size_t start = i, ns = i + 1, ne = ns;
            int node;
            if (ns >= len || !name_start(s[ns])) {
                axml_free(doc);
                return xml_fail(doc, err, source, start, "malformed tag");
            }
            while (ne < len && name_char(s[ne])) ne++;
            if (cur < 0 && doc->count > 0) {
                axml_free(doc);
                return xml_fail(doc, err, source, start, "a second root element");
            }
            node = add_node(doc, cur, s + ns, ne - ns, start);
            if (node < 0) {
                axml_free(doc);
                return g99_fail(err, G99_ENOMEM, "%s%sout of memory for the XML tree", source ? source : "",
                                source ? ": " : "");
            }
            i = ne;
            for (;;) {
                char q;
                while (i < len && is_space(s[i])) i++;
                if (i < len && s[i] == '>') {
                    i++;
                    cur = node;
                    break;
                }
                if (len - i >= 2 && s[i] == '/' && s[i + 1] == '>') {
                    i += 2;
                    break;
                }
                /* name = "value" or 'value' */
                if (i >= len || !name_start(s[i]) || i == ne) {
                    axml_free(doc);
                    return xml_fail(doc, err, source, start, "malformed or unclosed tag");
                }
                while (i < len && name_char(s[i])) i++;
                while (i < len && is_space(s[i])) i++;
                if (i >= len || s[i] != '=') {
                    axml_free(doc);
                    return xml_fail(doc, err, source, start, "attribute without a value");
                }
                i++;
                while (i < len && is_space(s[i])) i++;
                if (i >= len || (s[i] != '"' && s[i] != '\'')) {
                    axml_free(doc);
                    return xml_fail(doc, err, source, start, "attribute value without quotes");
                }
                q = s[i++];
                while (i < len && s[i] != q && s[i] != '<') i++;
                if (i >= len || s[i] != q) {
                    axml_free(doc);
                    return xml_fail(doc, err, source, start, "unclosed attribute value");
                }
                i++;
            }
        }
    }
    if (cur >= 0) {
        const axml_node *o = &doc->nodes[cur];
        snprintf(msg, sizeof msg, "<%.*s> of line %d is not closed", (int)(o->name_len < 60 ? o->name_len : 60), o->name,
                axml_line(doc, o->offset));
        axml_free(doc);
        return xml_fail(doc, err, source, len, msg);
    }
    if (doc->count == 0) {
        axml_free(doc);
        return xml_fail(doc, err, source, len, "no XML element");
    }
    return 0;
}
