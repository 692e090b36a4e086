/* nn/safetensors.c: reading the goldens written by
 * golden/tools/safetensors_golden.py (values from the formulas listed in
 * golden/safetensors/expected.txt), writing byte-identical files, the
 * reference library's own serialization test vectors, round trips, and the
 * corrupt corpus (tests/corpus/safetensors/, made by
 * tests/corpus/make_corpus.py) with the message each file must produce. */
#include "test.h"
#include "../nn/nn.h"

#include <stdlib.h>

static nn_st_file *load_ok(const char *path)
{
    nn_st_file *f = NULL;
    g99_error err;
    g99_error_clear(&err);
    if (!CHECK_EQ_INT(0, nn_st_load(path, 1 << 20, &f, &err))) fprintf(stderr, "    %s\n", err.msg);
    return f;
}

/* Reads tensor name of the expected shape into a malloc'd float array. */
static float *read_tensor(const nn_st_file *f, const char *name, nn_st_dtype dtype, int rank, const size_t *shape)
{
    const nn_st_tensor *t = nn_st_find(f, name);
    g99_error err;
    float *v;
    int d;
    if (!CHECK(t != NULL)) return NULL;
    CHECK_EQ_STR(nn_st_dtype_name(dtype), nn_st_dtype_name(t->dtype));
    if (!CHECK_EQ_INT(rank, t->rank)) return NULL;
    for (d = 0; d < rank; d++) CHECK_EQ_INT((long long)shape[d], (long long)t->shape[d]);
    v = (float *)malloc((t->numel ? t->numel : 1) * sizeof *v);
    if (!v) return NULL;
    if (!CHECK_EQ_INT(0, nn_st_read_f32(t, v, t->numel, &err))) {
        free(v);
        return NULL;
    }
    return v;
}

static void st_reads_mixed_golden(void)
{
    static const size_t s_conv[] = { 2, 3, 1, 5 }, s_empty[] = { 0, 3 }, s_vec7[] = { 7 }, s_odd[] = { 3, 5 },
                        s_half[] = { 2, 4 }, s_bf[] = { 5 }, s_dbl[] = { 4 };
    /* Data order of the reference writer: I64, F64, the F32s by name, BF16, F16, U8. */
    static const char *order[] = { "steps", "dbl", "conv.weight", "empty", "odd", "scalar", "vec7", "bf", "half", "mask" };
    nn_st_file *f = load_ok("golden/safetensors/mixed.safetensors");
    const nn_st_tensor *t;
    float *v, x[2];
    g99_error err;
    size_t i;
    if (!f) return;
    CHECK_EQ_INT(10, (long long)f->n_tensors);
    for (i = 0; i < 10 && i < f->n_tensors; i++) CHECK_EQ_STR(order[i], f->tensors[i].name);
    CHECK_EQ_INT(2, (long long)f->n_meta);
    CHECK_EQ_STR("dcgan", nn_st_meta(f, "gan99.arch"));
    CHECK_EQ_STR("quote \" backslash \\ newline \n tab \t unicode \xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x99\x82 ctrl \x01",
                 nn_st_meta(f, "note"));
    CHECK(nn_st_meta(f, "absent") == NULL);
    CHECK(nn_st_find(f, "absent") == NULL);

    if ((v = read_tensor(f, "scalar", NN_ST_F32, 0, NULL)) != NULL) CHECK_EQ_FBITS(3.25f, v[0]);
    free(v);
    t = nn_st_find(f, "empty");
    CHECK(t && t->numel == 0 && t->nbytes == 0);
    free(read_tensor(f, "empty", NN_ST_F32, 2, s_empty));
    if ((v = read_tensor(f, "vec7", NN_ST_F32, 1, s_vec7)) != NULL)
        for (i = 0; i < 7; i++) CHECK_EQ_FBITS((float)i * 0.5f - 1.5f, v[i]);
    free(v);
    if ((v = read_tensor(f, "conv.weight", NN_ST_F32, 4, s_conv)) != NULL)
        for (i = 0; i < 30; i++) CHECK_EQ_FBITS(((float)i - 15.0f) / 8.0f, v[i]);
    free(v);
    if ((v = read_tensor(f, "odd", NN_ST_F32, 2, s_odd)) != NULL)
        for (i = 0; i < 15; i++) CHECK_EQ_FBITS((float)((double)i * 1.1), v[i]);
    free(v);
    /* F16 [0, -0, 1, -2.5, 65504, 2^-24, inf, 0.1 -> 0x2E66 = 0.0999755859375]. */
    if ((v = read_tensor(f, "half", NN_ST_F16, 2, s_half)) != NULL) {
        CHECK_EQ_U32(0x00000000u, g99_f32_bits(v[0]));
        CHECK_EQ_U32(0x80000000u, g99_f32_bits(v[1]));
        CHECK_EQ_FBITS(1.0f, v[2]);
        CHECK_EQ_FBITS(-2.5f, v[3]);
        CHECK_EQ_FBITS(65504.0f, v[4]);
        CHECK_EQ_FBITS(5.9604644775390625e-8f, v[5]);
        CHECK_EQ_U32(0x7F800000u, g99_f32_bits(v[6]));
        CHECK_EQ_FBITS(0.0999755859375f, v[7]);
    }
    free(v);
    /* BF16 bits 3F80 C040 4049 0001 FF80 are the top halves of the floats. */
    if ((v = read_tensor(f, "bf", NN_ST_BF16, 1, s_bf)) != NULL) {
        CHECK_EQ_FBITS(1.0f, v[0]);
        CHECK_EQ_FBITS(-3.0f, v[1]);
        CHECK_EQ_FBITS(3.140625f, v[2]);
        CHECK_EQ_U32(0x00010000u, g99_f32_bits(v[3]));
        CHECK_EQ_U32(0xFF800000u, g99_f32_bits(v[4]));
    }
    free(v);
    /* F64 [1/3, 0.1, 1e300, -1e-50] rounded to float. */
    if ((v = read_tensor(f, "dbl", NN_ST_F64, 1, s_dbl)) != NULL) {
        CHECK_EQ_U32(0x3EAAAAABu, g99_f32_bits(v[0]));
        CHECK_EQ_U32(0x3DCCCCCDu, g99_f32_bits(v[1]));
        CHECK_EQ_U32(0x7F800000u, g99_f32_bits(v[2]));
        CHECK_EQ_U32(0x80000000u, g99_f32_bits(v[3]));
    }
    free(v);
    /* Integer tensors are known (sizes validated) but not read as float. */
    t = nn_st_find(f, "steps");
    if (CHECK(t != NULL)) {
        CHECK_EQ_INT(NN_ST_I64, t->dtype);
        CHECK_EQ_INT(16, (long long)t->nbytes);
        CHECK_EQ_U64(7, g99_load_le64(t->data));
        CHECK_EQ_U64(UINT64_MAX, g99_load_le64(t->data + 8));
        CHECK_EQ_INT(G99_EUNSUPPORTED, nn_st_read_f32(t, x, 2, &err));
        CHECK_CONTAINS("dtype I64 cannot be read as float", err.msg);
    }
    t = nn_st_find(f, "mask");
    if (CHECK(t != NULL)) {
        CHECK_EQ_INT(3, (long long)t->nbytes);
        CHECK_EQ_MEM("\x01\x00\xff", t->data, 3);
    }
    /* The caller's count must match. */
    CHECK_EQ_INT(G99_EINVAL, nn_st_read_f32(nn_st_find(f, "scalar"), x, 2, &err));
    CHECK_CONTAINS("has 1 elements, the caller asked for 2", err.msg);
    nn_st_free(f);
}

/* The F32 golden: values, then gan99's writer on the same content (added
 * in another order) gives the same bytes. */
static const float f32only_b[4] = { 1.40129846e-45f, -0.0f, 3.40282347e38f, 0.333333343f };

static void st_reads_f32only_golden(void)
{
    static const size_t s_a[] = { 3, 1, 2, 2 }, s_b[] = { 2, 2 }, s_bias[] = { 5 };
    nn_st_file *f = load_ok("golden/safetensors/f32only.safetensors");
    float *v;
    size_t i;
    if (!f) return;
    CHECK_EQ_INT(5, (long long)f->n_tensors);
    CHECK_EQ_STR("{\"z_dim\":100,\"ngf\":64}", nn_st_meta(f, "gan99.config"));
    CHECK_EQ_STR("\" \\ \b \f \n \r \t \x01 \x1f \x7f / \xc3\xa9 \xf0\x9f\x99\x82", nn_st_meta(f, "zz.escapes"));
    if ((v = read_tensor(f, "A", NN_ST_F32, 0, NULL)) != NULL) CHECK_EQ_FBITS(-7.5f, v[0]);
    free(v);
    if ((v = read_tensor(f, "a.weight", NN_ST_F32, 4, s_a)) != NULL)
        for (i = 0; i < 12; i++) CHECK_EQ_FBITS((float)i * 0.125f - 1.0f, v[i]);
    free(v);
    if ((v = read_tensor(f, "b", NN_ST_F32, 2, s_b)) != NULL)
        for (i = 0; i < 4; i++) CHECK_EQ_FBITS(f32only_b[i], v[i]);
    free(v);
    if ((v = read_tensor(f, "main.0.bias", NN_ST_F32, 1, s_bias)) != NULL)
        for (i = 0; i < 5; i++) CHECK_EQ_FBITS((float)((double)i * 1.1), v[i]);
    free(v);
    CHECK(nn_st_find(f, "z") && nn_st_find(f, "z")->rank == 1 && nn_st_find(f, "z")->numel == 0);
    nn_st_free(f);
}

static int files_equal(const char *expected_path, const char *actual_path)
{
    uint8_t *a = NULL, *b = NULL;
    size_t na = 0, nb = 0;
    g99_error err;
    int ok = CHECK_EQ_INT(0, g99_read_file(expected_path, 1 << 20, &a, &na, &err)) &&
             CHECK_EQ_INT(0, g99_read_file(actual_path, 1 << 20, &b, &nb, &err)) &&
             CHECK_EQ_INT((long long)na, (long long)nb) && CHECK_EQ_MEM(a, b, na);
    free(a);
    free(b);
    return ok;
}

static void st_writer_matches_golden_bytes(void)
{
    static const size_t s_a[] = { 3, 1, 2, 2 }, s_b[] = { 2, 2 }, s_bias[] = { 5 }, s_z[] = { 0 };
    float a[12], bias[5], scalar = -7.5f;
    const char *out = test_tmp_path("f32only.safetensors");
    nn_st_writer *w;
    g99_error err;
    int i;
    for (i = 0; i < 12; i++) a[i] = (float)i * 0.125f - 1.0f;
    for (i = 0; i < 5; i++) bias[i] = (float)((double)i * 1.1);
    if (!CHECK_EQ_INT(0, nn_st_writer_new(&w, &err))) return;
    CHECK_EQ_INT(0, nn_st_writer_f32(w, "z", s_z, 1, NULL, &err));
    CHECK_EQ_INT(0, nn_st_writer_f32(w, "main.0.bias", s_bias, 1, bias, &err));
    CHECK_EQ_INT(0, nn_st_writer_f32(w, "b", s_b, 2, f32only_b, &err));
    CHECK_EQ_INT(0, nn_st_writer_f32(w, "a.weight", s_a, 4, a, &err));
    CHECK_EQ_INT(0, nn_st_writer_f32(w, "A", NULL, 0, &scalar, &err));
    CHECK_EQ_INT(0, nn_st_writer_meta(w, "zz.escapes", "\" \\ \b \f \n \r \t \x01 \x1f \x7f / \xc3\xa9 \xf0\x9f\x99\x82", &err));
    CHECK_EQ_INT(0, nn_st_writer_meta(w, "gan99.version", "0.1.0", &err));
    CHECK_EQ_INT(0, nn_st_writer_meta(w, "gan99.config", "{\"z_dim\":100,\"ngf\":64}", &err));
    CHECK_EQ_INT(0, nn_st_writer_meta(w, "gan99.arch", "dcgan", &err));
    if (CHECK_EQ_INT(0, nn_st_writer_save(w, out, &err))) files_equal("golden/safetensors/f32only.safetensors", out);
    nn_st_writer_free(w);
    remove(out);
}

/* The byte vectors of the reference library's own serialization tests
 * (safetensors/src/tensor.rs: test_serialization, test_empty,
 * test_serialization_forced_alignement). */
static void st_writer_matches_reference_vectors(void)
{
    static const float data[6] = { 0, 1, 2, 3, 4, 5 };
    static const size_t s123[] = { 1, 2, 3 }, s1123[] = { 1, 1, 2, 3 };
    static const char empty[] = "\x08\0\0\0\0\0\0\0{}      ";
    static const char meta_only[] = "\x28\0\0\0\0\0\0\0{\"__metadata__\":{\"framework\":\"pt\"}}     ";
    static const char attn_0[] = "\x40\0\0\0\0\0\0\0{\"attn.0\":{\"dtype\":\"F32\",\"shape\":[1,2,3],\"data_offsets\":[0,24]}}"
                                 "\0\0\0\0\0\0\x80\x3f\0\0\0\x40\0\0\x40\x40\0\0\x80\x40\0\0\xa0\x40";
    static const char attn0[] = "\x48\0\0\0\0\0\0\0{\"attn0\":{\"dtype\":\"F32\",\"shape\":[1,1,2,3],\"data_offsets\":[0,24]}}       "
                                "\0\0\0\0\0\0\x80\x3f\0\0\0\x40\0\0\x40\x40\0\0\x80\x40\0\0\xa0\x40";
    const char *out = test_tmp_path("vector.safetensors");
    const struct {
        const char *bytes;
        size_t n;
    } want[4] = { { empty, sizeof empty - 1 }, { meta_only, sizeof meta_only - 1 },
                  { attn_0, sizeof attn_0 - 1 }, { attn0, sizeof attn0 - 1 } };
    int k;
    for (k = 0; k < 4; k++) {
        nn_st_writer *w;
        g99_error err;
        uint8_t *got = NULL;
        size_t n = 0;
        nn_st_file *f = NULL;
        if (!CHECK_EQ_INT(0, nn_st_writer_new(&w, &err))) return;
        if (k == 1) CHECK_EQ_INT(0, nn_st_writer_meta(w, "framework", "pt", &err));
        if (k == 2) CHECK_EQ_INT(0, nn_st_writer_f32(w, "attn.0", s123, 3, data, &err));
        if (k == 3) CHECK_EQ_INT(0, nn_st_writer_f32(w, "attn0", s1123, 4, data, &err));
        CHECK_EQ_INT(0, nn_st_writer_save(w, out, &err));
        nn_st_writer_free(w);
        if (CHECK_EQ_INT(0, g99_read_file(out, 1 << 20, &got, &n, &err)) && CHECK_EQ_INT((long long)want[k].n, (long long)n))
            CHECK_EQ_MEM(want[k].bytes, got, n);
        /* And the reader takes what the reference wrote. */
        CHECK_EQ_INT(0, nn_st_parse((const uint8_t *)want[k].bytes, want[k].n, &f, &err));
        nn_st_free(f);
        free(got);
    }
    remove(out);
}

/* Any float bits survive a write and a read: NaN payloads, -0, subnormals. */
static void st_round_trip(void)
{
    static const size_t s1[] = { 3, 4, 5, 6 }, s2[] = { 1 }, s3[] = { 2, 0, 2 };
    float big[360], one = 1.0f;
    uint32_t bits = 0x12345678u;
    const char *out = test_tmp_path("round.safetensors");
    nn_st_writer *w;
    nn_st_file *f;
    g99_error err;
    float back[360];
    size_t i;
    for (i = 0; i < 360; i++) {
        bits = bits * 1664525u + 1013904223u;  /* any 32-bit pattern, NaNs included */
        big[i] = g99_bits_f32(bits);
    }
    big[0] = g99_bits_f32(0x7FC00001u);
    big[1] = g99_bits_f32(0x80000000u);
    big[2] = g99_bits_f32(0x00000001u);
    if (!CHECK_EQ_INT(0, nn_st_writer_new(&w, &err))) return;
    CHECK_EQ_INT(0, nn_st_writer_f32(w, "layer.big", s1, 4, big, &err));
    CHECK_EQ_INT(0, nn_st_writer_f32(w, "\xc3\xa9t\xc3\xa9", s2, 1, &one, &err));
    CHECK_EQ_INT(0, nn_st_writer_f32(w, "empty", s3, 3, NULL, &err));
    CHECK_EQ_INT(0, nn_st_writer_meta(w, "k", "", &err));
    CHECK_EQ_INT(0, nn_st_writer_save(w, out, &err));
    nn_st_writer_free(w);
    f = load_ok(out);
    if (!f) return;
    CHECK_EQ_INT(0, (long long)(f->header_len % 8));
    CHECK_EQ_STR("", nn_st_meta(f, "k"));
    if (CHECK(nn_st_find(f, "layer.big") != NULL)) {
        CHECK_EQ_INT(0, nn_st_read_f32(nn_st_find(f, "layer.big"), back, 360, &err));
        CHECK_EQ_MEM(big, back, sizeof big);
    }
    if (CHECK(nn_st_find(f, "\xc3\xa9t\xc3\xa9") != NULL)) {
        CHECK_EQ_INT(0, nn_st_read_f32(nn_st_find(f, "\xc3\xa9t\xc3\xa9"), back, 1, &err));
        CHECK_EQ_FBITS(1.0f, back[0]);
    }
    CHECK(nn_st_find(f, "empty") && nn_st_find(f, "empty")->numel == 0);
    nn_st_free(f);
    remove(out);
}

static void st_writer_refuses_bad_input(void)
{
    static const size_t s[NN_ST_MAX_RANK + 1] = { 1, 1, 1, 1, 1, 1, 1, 1, 1 };
    static const size_t huge[2] = { (size_t)-1 / 2, 3 };
    float x = 0;
    nn_st_writer *w;
    g99_error err;
    if (!CHECK_EQ_INT(0, nn_st_writer_new(&w, &err))) return;
    CHECK_EQ_INT(0, nn_st_writer_f32(w, "w", s, 1, &x, &err));
    CHECK_EQ_INT(G99_EINVAL, nn_st_writer_f32(w, "w", s, 1, &x, &err));
    CHECK_CONTAINS("tensor \"w\": added twice", err.msg);
    CHECK_EQ_INT(G99_EINVAL, nn_st_writer_f32(w, "__metadata__", s, 1, &x, &err));
    CHECK_EQ_INT(G99_EINVAL, nn_st_writer_f32(w, "bad\xff", s, 1, &x, &err));
    CHECK_CONTAINS("must be UTF-8", err.msg);
    CHECK_EQ_INT(G99_EINVAL, nn_st_writer_f32(w, "deep", s, NN_ST_MAX_RANK + 1, &x, &err));
    CHECK_EQ_INT(G99_EINVAL, nn_st_writer_f32(w, "huge", huge, 2, &x, &err));
    CHECK_CONTAINS("overflows", err.msg);
    CHECK_EQ_INT(G99_EINVAL, nn_st_writer_f32(w, "nodata", s, 1, NULL, &err));
    CHECK_EQ_INT(0, nn_st_writer_meta(w, "k", "v", &err));
    CHECK_EQ_INT(G99_EINVAL, nn_st_writer_meta(w, "k", "v2", &err));
    CHECK_EQ_INT(G99_EINVAL, nn_st_writer_meta(w, "k2", "\xc0\xaf", &err));
    /* Saving into a missing folder fails cleanly. */
    CHECK_EQ_INT(G99_EIO, nn_st_writer_save(w, "build/no-such-folder/x/out.safetensors", &err));
    nn_st_writer_free(w);
}

static void st_load_names_the_file(void)
{
    nn_st_file *f = (nn_st_file *)&f;
    g99_error err;
    CHECK_EQ_INT(G99_EIO, nn_st_load("build/no-such-file.safetensors", 1 << 20, &f, &err));
    CHECK(f == NULL);
    CHECK_CONTAINS("build/no-such-file.safetensors", err.msg);
    CHECK_EQ_INT(G99_ELIMIT, nn_st_load("golden/safetensors/mixed.safetensors", 100, &f, &err));
    CHECK_EQ_INT(G99_EFORMAT, nn_st_load("tests/corpus/safetensors/hole.safetensors", 1 << 20, &f, &err));
    CHECK_EQ_STR("tests/corpus/safetensors/hole.safetensors: data buffer bytes 4..8 are not covered by any tensor "
                 "(a hole before tensor \"b\")", err.msg);
}

/* Every strict prefix of a valid file, and every one-byte change in its
 * first 64 bytes, is refused or read without fault (ASan builds check the
 * "without fault"); prefixes can never be valid since the buffer shrinks. */
static void st_truncations_and_flips_are_safe(void)
{
    uint8_t *data = NULL;
    size_t n = 0, i;
    g99_error err;
    int accepted = 0;
    if (!CHECK_EQ_INT(0, g99_read_file("golden/safetensors/mixed.safetensors", 1 << 20, &data, &n, &err))) return;
    for (i = 0; i < n; i++) {
        nn_st_file *f;
        if (!CHECK(nn_st_parse(data, i, &f, &err) != 0)) nn_st_free(f);
    }
    for (i = 0; i < 64; i++) {
        nn_st_file *f;
        data[i] ^= 0x5A;
        if (nn_st_parse(data, n, &f, &err) == 0) {
            accepted++;
            nn_st_free(f);
        }
        data[i] ^= 0x5A;
    }
    /* Only flips inside the metadata value change nothing structural. */
    CHECK(accepted < 64);
    free(data);
}

/* tests/corpus/safetensors: each file and the message it must produce. */
static const struct {
    const char *file, *msg;
} st_corpus[] = {
    { "empty_file", "file is 0 bytes, too short" },
    { "short_file", "file is 5 bytes, too short" },
    { "huge_header_length", "header length 18446744073709551615 is larger than the limit of 100000000 bytes" },
    { "header_over_100MB", "header length 100000001 is larger than the limit" },
    { "header_beyond_file", "header length 1000 is larger than the file (8 bytes after the length)" },
    { "truncated_header", "JSON header (offsets from byte 8): offset 20: string without a closing quote" },
    { "header_not_json", "JSON header (offsets from byte 8): offset 0: unexpected character" },
    { "header_not_object", "JSON header is an array, not an object" },
    { "header_invalid_utf8", "offset 3: invalid UTF-8" },
    { "header_deep_nesting", "nesting deeper than 64 levels" },
    { "duplicate_names", "offset 54: duplicate key \"w\"" },
    { "tensor_not_object", "tensor \"w\": is a number, not an object" },
    { "missing_dtype", "tensor \"w\": missing field \"dtype\"" },
    { "missing_shape", "tensor \"w\": missing field \"shape\"" },
    { "missing_data_offsets", "tensor \"w\": missing field \"data_offsets\"" },
    { "extra_field", "tensor \"w\": unknown field \"extra\"" },
    { "duplicate_field", "tensor \"w\": offset 20: duplicate key \"dtype\"" },
    { "unknown_dtype", "tensor \"w\": dtype: unknown dtype \"F33\"" },
    { "lowercase_dtype", "tensor \"w\": dtype: unknown dtype \"f32\"" },
    { "dtype_not_string", "tensor \"w\": dtype: is a number, not a string" },
    { "subbyte_dtype", "tensor \"w\": dtype: sub-byte dtype F4 is not supported" },
    { "shape_not_array", "tensor \"w\": shape: is a number, not an array" },
    { "negative_dim", "tensor \"w\": shape[0]: not a non-negative integer" },
    { "fractional_dim", "tensor \"w\": shape[0]: not a non-negative integer" },
    { "exponent_dim", "tensor \"w\": shape[0]: not a non-negative integer" },
    { "string_dim", "tensor \"w\": shape[0]: not a non-negative integer" },
    { "too_many_dims", "tensor \"w\": shape: 9 dims, gan99 reads at most 8" },
    { "element_count_overflow", "tensor \"w\": shape: element count overflows" },
    /* "shape: byte size overflows" on 64-bit hosts, "shape[0]: dimension
     * overflows size_t" on 32-bit ones. */
    { "byte_size_overflow", "overflows" },
    { "offsets_not_pair", "tensor \"w\": data_offsets: not an array [begin, end]" },
    { "offsets_three", "tensor \"w\": data_offsets: not an array [begin, end]" },
    { "offsets_negative", "tensor \"w\": data_offsets: begin and end must be non-negative integers" },
    { "offsets_reversed", "tensor \"w\": data_offsets: begin 8 > end 4" },
    { "offsets_beyond_buffer", "tensor \"w\": data_offsets: end 8 is beyond the data buffer (4 bytes)" },
    { "size_mismatch", "tensor \"w\": data_offsets span 8 bytes, but 3 F32 elements need 12" },
    { "overlap", "tensor \"b\": bytes 4..12 overlap tensor \"a\"" },
    { "hole", "data buffer bytes 4..8 are not covered by any tensor (a hole before tensor \"b\")" },
    { "hole_at_start", "data buffer bytes 0..4 are not covered by any tensor (a hole before tensor \"a\")" },
    { "trailing_bytes", "data buffer has 4 trailing bytes not covered by any tensor" },
    { "no_tensors_trailing_bytes", "data buffer has 3 trailing bytes not covered by any tensor" },
    { "misaligned", "tensor \"w\": data_offsets: begin 2 is misaligned for F32 (not a multiple of 4)" },
    { "metadata_not_object", "__metadata__: is an array, not an object" },
    { "metadata_value_number", "__metadata__: \"k\" is a number, not a string" },
    { "metadata_value_null", "__metadata__: \"k\" is null, not a string" },
    { "nul_in_name", "name contains a NUL character" },
    { "nul_in_metadata", "__metadata__: \"k\" contains a NUL character" },
};

static void st_corpus_is_rejected(void)
{
    size_t i;
    for (i = 0; i < sizeof st_corpus / sizeof st_corpus[0]; i++) {
        char path[256];
        nn_st_file *f = NULL;
        g99_error err;
        snprintf(path, sizeof path, "tests/corpus/safetensors/%s.safetensors", st_corpus[i].file);
        g99_error_clear(&err);
        if (!CHECK(nn_st_load(path, 1 << 20, &f, &err) != 0)) {
            fprintf(stderr, "    %s was accepted\n", path);
            nn_st_free(f);
            continue;
        }
        CHECK(f == NULL);
        CHECK_CONTAINS(path, err.msg);
        CHECK_CONTAINS(st_corpus[i].msg, err.msg);
    }
}

static void st_dtype_table(void)
{
    /* Sizes from the reference's Dtype::size; names as the header spells them. */
    CHECK_EQ_STR("BF16", nn_st_dtype_name(NN_ST_BF16));
    CHECK_EQ_INT(16, nn_st_dtype_bits(NN_ST_BF16));
    CHECK_EQ_INT(64, nn_st_dtype_bits(NN_ST_C64));
    CHECK_EQ_INT(4, nn_st_dtype_bits(NN_ST_F4));
    CHECK_EQ_INT(8, nn_st_dtype_bits(NN_ST_BOOL));
    CHECK_EQ_STR("F8_E4M3", nn_st_dtype_name(NN_ST_F8_E4M3));
    CHECK_EQ_STR("?", nn_st_dtype_name(NN_ST_DTYPE_COUNT));
}

const test_case safetensors_tests[] = {
    TEST(st_reads_mixed_golden),
    TEST(st_reads_f32only_golden),
    TEST(st_writer_matches_golden_bytes),
    TEST(st_writer_matches_reference_vectors),
    TEST(st_round_trip),
    TEST(st_writer_refuses_bad_input),
    TEST(st_load_names_the_file),
    TEST(st_truncations_and_flips_are_safe),
    TEST(st_corpus_is_rejected),
    TEST(st_dtype_table),
    TEST_END
};
