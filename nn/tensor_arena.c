/* The per-step arena of nn/ (doc/design.md §2.3): activations, gradients, the tape
 * and kernel scratch are bump-allocated and all released at once by a reset.
 *
 * Blocks are chained oldest first; when a step needs more than the arena
 * holds, a new block of at least twice the last is added at the end. A reset
 * keeps every block and starts filling again from the first: a steady
 * training loop makes the same allocations in the same order each step, so
 * they land in the same places and, from the second step on, no malloc
 * happens at all. Keeping the chain (rather than replacing it by one block
 * of the high-water size) matters for the peak resident set: the pages the
 * first step touched are reused as they are, whereas a new block could not
 * reuse them when the heap serves it from brk (the freed chain is split by
 * the mallocs made between its blocks) and would be faulted in anew on top
 * of them. A block's untouched tail (the doubling past the high-water mark)
 * costs address space, not memory.
 *
 * Mark and release (stack discipline): nn__arena_mark notes the top of the
 * arena, nn__arena_release drops everything allocated after it. Only the
 * newest allocations can be released this way: whoever releases a mark
 * must own every allocation made since it (kernel scratch that dies with
 * its op; a training pass whose graph is dead). Blocks filled after the
 * mark are emptied, not freed, so the next pass of the step reuses them.
 *
 * Fixed mode (nn_ctx_new_fixed): the one block is memory the caller gave
 * (a static array on a microcontroller), so the arena never calls malloc
 * or free; an allocation that does not fit fails (the op reports out of
 * memory) instead of chaining a block. */
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
    a->mallocs = 0;
    a->in_use = a->peak = 0;
    a->first_cap = first_cap ? first_cap : (size_t)1 << 20;
    a->fixed = 0;
    a->first = a->cur = block_new(a, a->first_cap);
    return a->first ? 0 : -1;
}

int nn__arena_init_fixed(nn_arena *a, void *mem, size_t bytes)
{
    nn_arena_block *b = (nn_arena_block *)mem;
    if (!mem || bytes < NN_ARENA_HEADER) return -1;
    a->mallocs = 0;
    a->in_use = a->peak = 0;
    a->first_cap = bytes - NN_ARENA_HEADER;
    a->fixed = 1;
    b->next = NULL;
    b->cap = a->first_cap;
    b->used = 0;
    a->first = a->cur = b;
    return 0;
}

void *nn__arena_alloc(nn_arena *a, size_t bytes)
{
    nn_arena_block *b = a->cur;
    size_t need;
    if (!b) return NULL;
    if (g99_size_add(bytes, NN_ARENA_ALIGN - 1, &need)) return NULL;
    need = need / NN_ARENA_ALIGN * NN_ARENA_ALIGN;
    if (need == 0) need = NN_ARENA_ALIGN;
    /* the blocks after cur are empty: the first that fits takes it */
    while (b->cap - b->used < need && b->next) b = b->next;
    if (b->cap - b->used < need) {
        size_t cap = b->cap;
        nn_arena_block *nb;
        if (a->fixed) return NULL;
        if (cap <= (size_t)-1 / 2) cap *= 2;
        if (cap < need) cap = need;
        nb = block_new(a, cap);
        if (!nb) return NULL;
        b->next = nb;
        b = nb;
    }
    a->cur = b;
    b->used += need;
    a->in_use += need;
    if (a->in_use > a->peak) a->peak = a->in_use;
    return (unsigned char *)b + NN_ARENA_HEADER + (b->used - need);
}

nn_arena_mark nn__arena_mark(const nn_arena *a)
{
    nn_arena_mark m;
    m.block = a->cur;
    m.used = a->cur ? a->cur->used : 0;
    m.in_use = a->in_use;
    return m;
}

void nn__arena_release(nn_arena *a, nn_arena_mark m)
{
    nn_arena_block *b;
    if (!m.block) return;
    /* blocks after the mark's hold only newer allocations */
    for (b = m.block->next; b; b = b->next) b->used = 0;
    a->cur = (nn_arena_block *)m.block;
    if (a->cur->used >= m.used) a->cur->used = m.used;
    a->in_use = m.in_use;
}

void nn__arena_reset(nn_arena *a)
{
    nn_arena_block *b;
    for (b = a->first; b; b = b->next) b->used = 0;
    a->cur = a->first;
    a->in_use = 0;
    a->peak = 0;
}

void nn__arena_free(nn_arena *a)
{
    nn_arena_block *b = a->first, *next;
    if (a->fixed) b = NULL;   /* the caller's memory */
    for (; b; b = next) {
        next = b->next;
        free(b);
    }
    a->first = a->cur = NULL;
}

int nn__arena_since(const nn_arena *a, nn_arena_mark m, const void *p)
{
    const nn_arena_block *b;
    uintptr_t c = (uintptr_t)p;
    for (b = m.block; b; b = b->next) {
        uintptr_t base = (uintptr_t)b + NN_ARENA_HEADER;
        if (c >= base + (b == m.block ? m.used : 0) && c < base + b->used) return 1;
        if (b == a->cur) break;
    }
    return 0;
}

void nn__arena_stats(const nn_arena *a, size_t *used, size_t *reserved)
{
    const nn_arena_block *b;
    size_t u = 0, r = 0;
    for (b = a->first; b; b = b->next) {
        u += b->used;
        r += b->cap;
    }
    if (used) *used = u;
    if (reserved) *reserved = r;
}

/* ---- a context in the caller's memory (nn.h) -------------------------------- */

/* The context record, rounded to the arena's alignment. */
#define NN_CTX_RECORD ((sizeof(nn_ctx) + NN_ARENA_ALIGN - 1) / NN_ARENA_ALIGN * NN_ARENA_ALIGN)

size_t nn_ctx_fixed_bytes(size_t arena_bytes)
{
    size_t fixed = (NN_ARENA_ALIGN - 1) + NN_CTX_RECORD + NN_ARENA_HEADER, total;
    return g99_size_add(fixed, arena_bytes, &total) ? (size_t)-1 : total;
}

nn_ctx *nn_ctx_new_fixed(void *buf, size_t bytes)
{
    unsigned char *p = (unsigned char *)buf;
    size_t pad;
    nn_ctx *ctx;
    if (!buf || bytes < nn_ctx_fixed_bytes(0)) return NULL;
    pad = (NN_ARENA_ALIGN - (size_t)((uintptr_t)p % NN_ARENA_ALIGN)) % NN_ARENA_ALIGN;
    ctx = (nn_ctx *)(void *)(p + pad);
    memset(ctx, 0, sizeof *ctx);
    if (nn__arena_init_fixed(&ctx->arena, p + pad + NN_CTX_RECORD, bytes - pad - NN_CTX_RECORD)) return NULL;
    ctx->grad_enabled = 1;
    ctx->gen = 1;
    return ctx;
}

size_t nn_ctx_arena_peak(const nn_ctx *ctx)
{
    return ctx ? ctx->arena.peak : 0;
}
