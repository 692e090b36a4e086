/* nn/json.c: the strict reader and the writer helpers. Expected values are
 * hand-derived from RFC 8259 and from the C compiler's own conversion of
 * decimal literals (an independent, correctly rounded reference); the
 * corrupt corpus (tests/corpus/json/, made by tests/corpus/make_corpus.py)
 * must each fail with the message kept in the table below. */
#include "test.h"
#include "../nn/nn.h"

#include <stdlib.h>

static nn_json *parse_ok(const char *text)
{
    nn_json *doc = NULL;
    g99_error err;
    g99_error_clear(&err);
    if (!CHECK_EQ_INT(0, nn_json_parse(text, strlen(text), &doc, &err))) fprintf(stderr, "    %s\n", err.msg);
    return doc;
}

static uint64_t double_bits(double d)
{
    uint64_t u;
    memcpy(&u, &d, 8);
    return u;
}

static void json_nested_document(void)
{
    nn_json *doc = parse_ok(" {\"name\": \"G\", \"sizes\": [64, 32, [true, false, null]], \"opt\": {\"lr\": 2e-4}}\r\n");
    const nn_json *sizes, *inner;
    uint64_t u = 0;
    if (!doc) return;
    CHECK_EQ_INT(NN_JSON_OBJECT, doc->type);
    CHECK_EQ_INT(3, (long long)doc->len);
    CHECK_EQ_INT(1, (long long)doc->offset);
    CHECK_EQ_STR("G", nn_json_string(nn_json_get(doc, "name")));
    sizes = nn_json_get(doc, "sizes");
    CHECK(sizes && sizes->type == NN_JSON_ARRAY && sizes->len == 3);
    CHECK_EQ_INT(0, nn_json_get_u64(nn_json_at(sizes, 1), &u));
    CHECK_EQ_INT(32, (long long)u);
    inner = nn_json_at(sizes, 2);
    CHECK(inner && inner->len == 3);
    CHECK(nn_json_at(inner, 0)->type == NN_JSON_BOOL && nn_json_at(inner, 0)->boolean == 1);
    CHECK(nn_json_at(inner, 1)->type == NN_JSON_BOOL && nn_json_at(inner, 1)->boolean == 0);
    CHECK_EQ_INT(NN_JSON_NULL, nn_json_at(inner, 2)->type);
    CHECK(nn_json_at(inner, 3) == NULL);
    CHECK_EQ_U64(double_bits(2e-4), double_bits(nn_json_get(nn_json_get(doc, "opt"), "lr")->number));
    /* Lookups on the wrong type, or of absent keys, give NULL. */
    CHECK(nn_json_get(doc, "missing") == NULL);
    CHECK(nn_json_get(sizes, "name") == NULL);
    CHECK(nn_json_at(doc, 0) == NULL);
    CHECK(nn_json_string(sizes) == NULL);
    CHECK_EQ_STR("array", nn_json_type_name(sizes->type));
    nn_json_free(doc);
}

/* Integers are exact to 64 bits whatever a double would make of them. */
static void json_exact_integers(void)
{
    nn_json *doc = parse_ok("[18446744073709551615, -9223372036854775808, 9007199254740993, "
                            "18446744073709551616, -0, 9223372036854775808, 1.0, 1e2]");
    uint64_t u = 0;
    int64_t i = 0;
    if (!doc) return;
    CHECK_EQ_INT(0, nn_json_get_u64(&doc->items[0], &u));
    CHECK_EQ_U64(UINT64_MAX, u);
    CHECK_EQ_INT(-1, nn_json_get_i64(&doc->items[0], &i));
    CHECK_EQ_INT(0, nn_json_get_i64(&doc->items[1], &i));
    CHECK(i == INT64_MIN);
    CHECK_EQ_INT(-1, nn_json_get_u64(&doc->items[1], &u));
    /* 2^53 + 1: the double rounds to 2^53, the integer stays exact. */
    CHECK_EQ_INT(0, nn_json_get_u64(&doc->items[2], &u));
    CHECK_EQ_U64(9007199254740993ull, u);
    CHECK_EQ_U64(double_bits(9007199254740992.0), double_bits(doc->items[2].number));
    /* 2^64 no longer fits: a number, but not an exact integer. */
    CHECK_EQ_INT(0, doc->items[3].is_int);
    CHECK_EQ_INT(-1, nn_json_get_u64(&doc->items[3], &u));
    CHECK_EQ_U64(double_bits(18446744073709551616.0), double_bits(doc->items[3].number));
    /* -0 is the integer 0 and the double -0.0. */
    CHECK_EQ_INT(0, nn_json_get_u64(&doc->items[4], &u));
    CHECK_EQ_U64(0, u);
    CHECK_EQ_U64(0x8000000000000000ull, double_bits(doc->items[4].number));
    CHECK_EQ_INT(-1, nn_json_get_i64(&doc->items[5], &i));
    /* A fraction or exponent makes it a non-integer, even when integral. */
    CHECK_EQ_INT(-1, nn_json_get_u64(&doc->items[6], &u));
    CHECK_EQ_INT(-1, nn_json_get_u64(&doc->items[7], &u));
    CHECK_EQ_U64(double_bits(100.0), double_bits(doc->items[7].number));
    nn_json_free(doc);
}

/* Short decimals are correctly rounded: the same bits as the compiler's
 * conversion of the same literal. Long or far ones are close. */
static void json_doubles(void)
{
    static const char *text = "[0.1, -2.5e-3, 1e22, 123.456e-7, 0.000001, 3.14159, 1E+2, 4.9406564584124654e-324,"
                              " 1.79769313486231e308, 123456789012345678901234567890, 2.2250738585072014E-308,"
                              " 1e-400, 0.00000000000000000000000000000000000001234, 0.30000000000000004, 0.1000000000000000055511151231257827]";
    nn_json *doc = parse_ok(text);
    if (!doc) return;
    CHECK_EQ_U64(double_bits(0.1), double_bits(doc->items[0].number));
    CHECK_EQ_U64(double_bits(-2.5e-3), double_bits(doc->items[1].number));
    CHECK_EQ_U64(double_bits(1e22), double_bits(doc->items[2].number));
    CHECK_EQ_U64(double_bits(123.456e-7), double_bits(doc->items[3].number));
    CHECK_EQ_U64(double_bits(0.000001), double_bits(doc->items[4].number));
    CHECK_EQ_U64(double_bits(3.14159), double_bits(doc->items[5].number));
    CHECK_EQ_U64(double_bits(1E+2), double_bits(doc->items[6].number));
    CHECK(doc->items[7].number > 0.0 && doc->items[7].number < 1e-323);
    CHECK_NEAR(1.79769313486231e308, doc->items[8].number, 0, 1e-15);
    CHECK_NEAR(123456789012345678901234567890.0, doc->items[9].number, 0, 1e-15);
    CHECK_NEAR(2.2250738585072014E-308, doc->items[10].number, 0, 1e-15);
    CHECK_EQ_U64(0, double_bits(doc->items[11].number));
    CHECK_NEAR(1.234e-38, doc->items[12].number, 0, 1e-15);
    /* 17 and more digits: here still the compiler's double. */
    CHECK_EQ_U64(double_bits(0.30000000000000004), double_bits(doc->items[13].number));
    CHECK_EQ_U64(double_bits(0.1), double_bits(doc->items[14].number));
    nn_json_free(doc);
}

static void json_strings_and_escapes(void)
{
    /* \u00e9 is U+00E9 (C3 A9); \ud83d\ude00 is U+1F600 (F0 9F 98 80). */
    nn_json *doc = parse_ok("[\"\\\"\\\\\\/\\b\\f\\n\\r\\t\", \"\\u00e9\\u20AC\\ud83d\\ude00\", \"a\\u0000b\", \"\xc3\xa9\xe2\x82\xac\", \"\"]");
    if (!doc) return;
    CHECK_EQ_INT(8, (long long)doc->items[0].len);
    CHECK_EQ_MEM("\"\\/\b\f\n\r\t", doc->items[0].str, 9);
    CHECK_EQ_INT(9, (long long)doc->items[1].len);
    CHECK_EQ_MEM("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", doc->items[1].str, 10);
    CHECK_EQ_INT(3, (long long)doc->items[2].len);
    CHECK_EQ_MEM("a\0b", doc->items[2].str, 4);
    CHECK_EQ_STR("\xc3\xa9\xe2\x82\xac", doc->items[3].str);
    CHECK_EQ_STR("", doc->items[4].str);
    nn_json_free(doc);
}

/* Exact messages, so the offsets are checked too. */
static void json_error_messages_name_the_offset(void)
{
    static const struct {
        const char *text, *msg;
    } cases[] = {
        { "[1, 2, x]", "offset 7: unexpected character" },
        { "{\"a\": 1 \"b\"}", "offset 8: expected ',' or '}' in object" },
        { "[\"ok\", \"bad\\q\"]", "offset 11: unknown escape in string" },
        { "  ", "offset 2: unexpected end of text, expected a value" },
        { "{}}", "offset 2: trailing characters after the JSON value" },
        { "[007]", "offset 1: bad number: leading zero" },
        { "\"\\ud83dx\"", "offset 1: \\u escape is a high surrogate without a low one" },
        { "\"\\ud83d\\u0041\"", "offset 1: \\u escape is a high surrogate without a low one" },
    };
    size_t i;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        nn_json *doc = (nn_json *)&doc;
        g99_error err;
        CHECK_EQ_INT(G99_EFORMAT, nn_json_parse(cases[i].text, strlen(cases[i].text), &doc, &err));
        CHECK(doc == NULL);
        CHECK_EQ_STR(cases[i].msg, err.msg);
    }
}

static void json_depth_limit(void)
{
    char text[2 * (NN_JSON_MAX_DEPTH + 1) + 1];
    nn_json *doc;
    g99_error err;
    int i;
    /* NN_JSON_MAX_DEPTH levels are fine, one more is refused. */
    for (i = 0; i < NN_JSON_MAX_DEPTH; i++) {
        text[i] = '[';
        text[2 * NN_JSON_MAX_DEPTH - 1 - i] = ']';
    }
    CHECK_EQ_INT(0, nn_json_parse(text, 2 * NN_JSON_MAX_DEPTH, &doc, &err));
    nn_json_free(doc);
    for (i = 0; i <= NN_JSON_MAX_DEPTH; i++) {
        text[i] = '[';
        text[2 * NN_JSON_MAX_DEPTH + 1 - i] = ']';
    }
    CHECK_EQ_INT(G99_ELIMIT, nn_json_parse(text, 2 * NN_JSON_MAX_DEPTH + 2, &doc, &err));
    CHECK_EQ_STR("offset 64: nesting deeper than 64 levels", err.msg);
}

static void json_duplicate_keys_are_reported(void)
{
    nn_json *doc = parse_ok("{\"b\":1, \"a\":2, \"c\":{\"x\":1,\"x\":2}, \"a\":3, \"b\":4}");
    g99_error err;
    if (!doc) return;
    /* Lookup gives the first; the check names the first repeat in the text. */
    CHECK_EQ_U64(double_bits(1.0), double_bits(nn_json_get(doc, "b")->number));
    CHECK_EQ_INT(G99_EFORMAT, nn_json_unique_keys(doc, &err));
    CHECK_EQ_STR("offset 34: duplicate key \"a\"", err.msg);
    CHECK_EQ_INT(G99_EFORMAT, nn_json_unique_keys(nn_json_get(doc, "c"), &err));
    CHECK_EQ_STR("offset 26: duplicate key \"x\"", err.msg);
    nn_json_free(doc);
    doc = parse_ok("{\"a\":1, \"a\\u0000\":2, \"\":3}");
    if (!doc) return;
    CHECK_EQ_INT(0, nn_json_unique_keys(doc, &err));
    nn_json_free(doc);
}

/* serde_json's escaping: two-character forms where JSON has them, \u00xx
 * (lowercase) for other controls, everything else verbatim. */
static void json_writer_escapes_like_serde(void)
{
    nn_json_buf b = { 0 };
    static const char in[] = "q\" b\\ \b\f\n\r\t \x01\x1f\x7f / \xc3\xa9";
    CHECK_EQ_INT(0, nn_json_buf_append_string(&b, in, sizeof in - 1));
    CHECK_EQ_STR("\"q\\\" b\\\\ \\b\\f\\n\\r\\t \\u0001\\u001f\x7f / \xc3\xa9\"", b.data);
    CHECK_EQ_INT(0, nn_json_buf_append(&b, ",", 1));
    CHECK_EQ_INT(0, nn_json_buf_append_u64(&b, 0));
    CHECK_EQ_INT(0, nn_json_buf_append(&b, ",", 1));
    CHECK_EQ_INT(0, nn_json_buf_append_u64(&b, UINT64_MAX));
    CHECK_CONTAINS("\",0,18446744073709551615", b.data);
    /* NUL inside the string goes out as \u0000; invalid UTF-8 is refused. */
    nn_json_buf_free(&b);
    CHECK_EQ_INT(0, nn_json_buf_append_string(&b, "a\0b", 3));
    CHECK_EQ_STR("\"a\\u0000b\"", b.data);
    CHECK_EQ_INT(G99_EINVAL, nn_json_buf_append_string(&b, "\xc0\xaf", 2));
    CHECK_EQ_INT(G99_EINVAL, nn_json_buf_append_string(&b, "\xed\xa0\x80", 3));
    CHECK_EQ_STR("\"a\\u0000b\"", b.data);
    nn_json_buf_free(&b);
    CHECK(b.data == NULL && b.len == 0);
}

/* Every byte 1..127 and a few multi-byte characters survive write + read. */
static void json_writer_round_trip(void)
{
    char s[160];
    nn_json_buf b = { 0 };
    nn_json *doc = NULL;
    g99_error err;
    size_t n = 0;
    int c;
    for (c = 1; c < 128; c++) s[n++] = (char)c;
    memcpy(s + n, "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 9);
    n += 9;
    if (!CHECK_EQ_INT(0, nn_json_buf_append_string(&b, s, n))) return;
    if (CHECK_EQ_INT(0, nn_json_parse(b.data, b.len, &doc, &err))) {
        CHECK_EQ_INT(NN_JSON_STRING, doc->type);
        CHECK_EQ_INT((long long)n, (long long)doc->len);
        CHECK_EQ_MEM(s, doc->str, n);
    }
    nn_json_free(doc);
    nn_json_buf_free(&b);
}

/* tests/corpus/json: each file and the message it must produce. */
static const struct {
    const char *file, *msg;
} json_corpus[] = {
    { "empty", "offset 0: unexpected end of text" },
    { "only_space", "offset 5: unexpected end of text" },
    { "trailing_garbage", "offset 3: trailing characters" },
    { "two_values", "offset 2: trailing characters" },
    { "trailing_comma_array", "offset 5: unexpected character" },
    { "trailing_comma_object", "offset 7: expected a string key" },
    { "single_quotes", "offset 1: expected a string key" },
    { "unquoted_key", "offset 1: expected a string key" },
    { "missing_colon", "offset 5: expected ':'" },
    { "missing_comma", "offset 3: expected ',' or ']'" },
    { "unterminated_array", "offset 4: unterminated array" },
    { "unterminated_object", "offset 6: unterminated object" },
    { "unterminated_string", "offset 0: string without a closing quote" },
    { "leading_zero", "offset 0: bad number: leading zero" },
    { "plus_sign", "offset 0: unexpected character" },
    { "leading_dot", "offset 0: unexpected character" },
    { "dot_without_digits", "offset 2: bad number: no digits after the decimal point" },
    { "exponent_without_digits", "offset 3: bad number: no digits in the exponent" },
    { "minus_alone", "offset 0: bad number: no digits" },
    { "nan", "offset 0: unexpected character" },
    { "infinity", "offset 0: bad number: no digits" },
    { "huge_number", "offset 0: number out of range of a double" },
    { "bad_literal", "offset 0: unexpected character" },
    { "capital_literal", "offset 0: unexpected character" },
    { "bom", "offset 0: unexpected character" },
    { "comment", "offset 0: unexpected character" },
    { "lone_high_surrogate", "offset 1: \\u escape is a high surrogate without a low one" },
    { "high_surrogate_then_text", "offset 1: \\u escape is a high surrogate without a low one" },
    { "lone_low_surrogate", "offset 1: \\u escape is a lone low surrogate" },
    { "bad_escape", "offset 1: unknown escape" },
    { "short_unicode_escape", "offset 1: \\u needs four hex digits" },
    { "raw_control_character", "offset 2: control character in string" },
    { "raw_newline", "offset 2: control character in string" },
    { "invalid_utf8_byte", "offset 1: invalid UTF-8" },
    { "overlong_utf8", "offset 1: invalid UTF-8" },
    { "utf8_surrogate", "offset 1: invalid UTF-8" },
    { "utf8_above_max", "offset 1: invalid UTF-8" },
    { "truncated_utf8", "offset 1: invalid UTF-8" },
    { "stray_continuation", "offset 1: invalid UTF-8" },
    { "deep_array", "offset 64: nesting deeper than 64 levels" },
    { "deep_object", "offset 320: nesting deeper than 64 levels" },
    { "duplicate_key", "offset 13: duplicate key \"a\"" },
};

static void json_corpus_is_rejected(void)
{
    size_t i;
    for (i = 0; i < sizeof json_corpus / sizeof json_corpus[0]; i++) {
        char path[256];
        uint8_t *data = NULL;
        size_t len = 0;
        nn_json *doc = NULL;
        g99_error err;
        int rc;
        snprintf(path, sizeof path, "tests/corpus/json/%s.json", json_corpus[i].file);
        if (!CHECK_EQ_INT(0, g99_read_file(path, 1 << 20, &data, &len, &err))) continue;
        /* Duplicate keys parse (RFC 8259 allows them); the check refuses them. */
        rc = nn_json_parse((const char *)data, len, &doc, &err);
        if (rc == 0) {
            rc = doc->type == NN_JSON_OBJECT ? nn_json_unique_keys(doc, &err) : 0;
            nn_json_free(doc);
        }
        if (!CHECK(rc != 0)) fprintf(stderr, "    %s was accepted\n", path);
        else CHECK_CONTAINS(json_corpus[i].msg, err.msg);
        free(data);
    }
}

const test_case json_tests[] = {
    TEST(json_nested_document),
    TEST(json_exact_integers),
    TEST(json_doubles),
    TEST(json_strings_and_escapes),
    TEST(json_error_messages_name_the_offset),
    TEST(json_depth_limit),
    TEST(json_duplicate_keys_are_reported),
    TEST(json_writer_escapes_like_serde),
    TEST(json_writer_round_trip),
    TEST(json_corpus_is_rejected),
    TEST_END
};
