/* Fuzz entry point for nn/safetensors.c (libFuzzer: make fuzz; any
 * compiler: make fuzz-standalone, then run it on files). Seeds:
 * tests/corpus/safetensors/ and golden/safetensors/.
 *
 * Invariants checked (abort when broken; this is test code):
 *   - a refused file leaves *out NULL and a non-empty message;
 *   - an accepted file's tensors tile the data buffer in order, each inside
 *     the file, aligned, with nbytes == numel * dtype size;
 *   - lookups find every tensor and metadata key by its name;
 *   - every float tensor converts (reads every byte of it). */
#include "../../nn/nn.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_file(const nn_st_file *f)
{
    const uint8_t *buffer = f->bytes + 8 + f->header_len;
    size_t i, next = 0;
    g99_error err;
    for (i = 0; i < f->n_tensors; i++) {
        const nn_st_tensor *t = &f->tensors[i];
        size_t elem = (size_t)nn_st_dtype_bits(t->dtype) / 8;
        if (t->begin != next || t->data != buffer + t->begin || t->nbytes != t->numel * elem) abort();
        if (t->begin % elem) abort();
        next = t->begin + t->nbytes;
        if (nn_st_find(f, t->name) == NULL || strcmp(nn_st_find(f, t->name)->name, t->name) != 0) abort();
        if (t->dtype == NN_ST_F32 || t->dtype == NN_ST_F16 || t->dtype == NN_ST_BF16 || t->dtype == NN_ST_F64) {
            float *v = (float *)malloc(t->numel ? t->numel * sizeof *v : 1);
            if (v) {
                if (nn_st_read_f32(t, v, t->numel, &err) != G99_OK) abort();
                free(v);
            }
        }
    }
    if (8 + f->header_len + next != f->size) abort();
    for (i = 0; i < f->n_meta; i++)
        if (nn_st_meta(f, f->meta_keys[i]) == NULL) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    nn_st_file *f = NULL;
    g99_error err;
    g99_error_clear(&err);
    if (nn_st_parse(data, size, &f, &err) != G99_OK) {
        if (f != NULL || err.msg[0] == '\0') abort();
        return 0;
    }
    check_file(f);
    nn_st_free(f);
    return 0;
}
