/* Fuzz entry point for nn/json.c (libFuzzer: make fuzz; any compiler:
 * make fuzz-standalone, then run it on files).
 *
 * Besides "no crash, no leak, no undefined behaviour" it checks invariants
 * and aborts when one breaks (this is test code, not the library):
 *   - a refused text has a message that names the offset;
 *   - every parsed string written back by the writer parses to the same
 *     bytes (escaping round trip);
 *   - nn_json_get finds the first member of each key; nn_json_unique_keys
 *     never fails other than with a duplicate-key message. */
#include "../../nn/nn.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_string(const char *s, size_t n)
{
    nn_json_buf b = { 0 };
    nn_json *back = NULL;
    g99_error err;
    if (nn_json_buf_append_string(&b, s, n) != G99_OK) abort();  /* parsed strings are valid UTF-8 */
    if (nn_json_parse(b.data, b.len, &back, &err) != G99_OK) abort();
    if (back->type != NN_JSON_STRING || back->len != n || memcmp(back->str, s, n) != 0) abort();
    nn_json_free(back);
    nn_json_buf_free(&b);
}

static void walk(const nn_json *v)
{
    size_t i;
    g99_error err;
    switch (v->type) {
    case NN_JSON_STRING:
        check_string(v->str, v->len);
        break;
    case NN_JSON_ARRAY:
        for (i = 0; i < v->len; i++) walk(&v->items[i]);
        if (nn_json_at(v, v->len) != NULL) abort();
        break;
    case NN_JSON_OBJECT:
        for (i = 0; i < v->len; i++) {
            check_string(v->members[i].key, v->members[i].key_len);
            walk(&v->members[i].value);
        }
        if (v->len && strlen(v->members[0].key) == v->members[0].key_len &&
            nn_json_get(v, v->members[0].key) != &v->members[0].value)
            abort();
        if (nn_json_unique_keys(v, &err) != G99_OK && !strstr(err.msg, "duplicate key")) abort();
        break;
    default:
        break;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    nn_json *doc = NULL;
    g99_error err;
    g99_error_clear(&err);
    if (nn_json_parse((const char *)data, size, &doc, &err) != G99_OK) {
        if (doc != NULL || strncmp(err.msg, "offset ", 7) != 0) abort();
        return 0;
    }
    walk(doc);
    nn_json_free(doc);
    return 0;
}
