/* The per-step arena of nn/ (SPEC.md §2): activations, gradients, the tape
 * and kernel scratch are bump-allocated and all released at once by a reset.
 *
 * Blocks are chained; when a step needs more than the arena holds, a new
 * block of at least twice the last is added. A reset that finds more than
 * one block replaces them with a single block of their total size, so from
 * the second step of a steady training loop on, no malloc happens at all. */
#include "tensor_internal.h"

#include <stdlib.h>

/* Every allocation starts on a 64-byte offset from the block header, so
 * SIMD twins may use aligned loads when malloc's base is aligned. */
#define NN_ARENA_ALIGN 64u
#define NN_ARENA_HEADER ((sizeof(nn_arena_block) + NN_ARENA_ALIGN - 1) / NN_ARENA_ALIGN * NN_ARENA_ALIGN)

static nn_arena_block *block_new(nn_arena *a, size_t cap)
{
    size_t total;
    nn_arena_block *b;
    if (g99_size_add(cap, NN_ARENA_HEADER, &total)) return NULL;
    b = (nn_arena_block *)malloc(total);
    if (!b) return NULL;
    a->mallocs++;
    b->next = NULL;
    b->cap = cap;
    b->used = 0;
    return b;
}

int nn__arena_init(nn_arena *a, size_t first_cap)
{
    a->head = NULL;
    a->mallocs = 0;
    a->first_cap = first_cap ? first_cap : (size_t)1 << 20;
    a->head = block_new(a, a->first_cap);
    return a->head ? 0 : -1;
}

void *nn__arena_alloc(nn_arena *a, size_t bytes)
{
    nn_arena_block *b = a->head;
    size_t need;
    if (g99_size_add(bytes, NN_ARENA_ALIGN - 1, &need)) return NULL;
    need = need / NN_ARENA_ALIGN * NN_ARENA_ALIGN;
    if (need == 0) need = NN_ARENA_ALIGN;
    if (!b || b->cap - b->used < need) {
        size_t cap = b ? b->cap : a->first_cap;
        nn_arena_block *nb;
        if (cap <= (size_t)-1 / 2) cap *= 2;
        if (cap < need) cap = need;
        nb = block_new(a, cap);
        if (!nb) return NULL;
        nb->next = b;
        a->head = b = nb;
    }
    b->used += need;
    return (unsigned char *)b + NN_ARENA_HEADER + (b->used - need);
}

void nn__arena_reset(nn_arena *a)
{
    nn_arena_block *b = a->head, *next;
    size_t total = 0;
    if (b && !b->next) {
        b->used = 0;
        return;
    }
    for (; b; b = next) {
        next = b->next;
        total += b->cap;
        free(b);
    }
    a->head = block_new(a, total ? total : a->first_cap);
}

void nn__arena_free(nn_arena *a)
{
    nn_arena_block *b = a->head, *next;
    for (; b; b = next) {
        next = b->next;
        free(b);
    }
    a->head = NULL;
}

void nn__arena_stats(const nn_arena *a, size_t *used, size_t *reserved)
{
    const nn_arena_block *b;
    size_t u = 0, r = 0;
    for (b = a->head; b; b = b->next) {
        u += b->used;
        r += b->cap;
    }
    if (used) *used = u;
    if (reserved) *reserved = r;
}
