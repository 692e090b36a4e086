/* One image of an exported DCGAN generator with no operating system
 * (doc/portability.md §1): `gan99 export-c` wrote model.c (the weights as
 * const arrays, which stay in flash, and the arena size); this program
 * binds them (gan_dcgan_bind: nothing copied), makes its context in one
 * static arena (nn_ctx_new_fixed), draws latent SEED as `gan99 sample
 * --n 1 --seed SEED` does and prints "crc32 XXXXXXXX" of the output floats
 * (gan_crc32_floats), the line `gan99 sample --crc` prints on the host.
 *
 * Built twice by `make baremetal-test`: for the host (the line only) and
 * for the Cortex-M4F (G99_BAREMETAL), where it also proves and measures:
 *   - no malloc after start: malloc, calloc, realloc and newlib's
 *     _malloc_r are wrapped (-Wl,--wrap) and refuse every call once main
 *     has begun; the count of refused calls must be 0;
 *   - the instruction count of the forward pass: under qemu -icount
 *     shift=0 one instruction is one nanosecond of virtual time, read from
 *     the board's CMSDK timer 0 (25 MHz: 40 instructions a tick);
 *   - the stack: painted below main's frame before G runs, and the deepest
 *     word touched found afterwards. */
#include "gan/gan.h"
#include "model.c"

#include <stdio.h>

#ifndef SEED
#define SEED 7
#endif

static unsigned char arena[GAN99_MODEL_ARENA_BYTES];
static nn_tensor records[GAN99_MODEL_TENSORS];
static char out_buf[256];

#ifdef G99_BAREMETAL
static volatile int started;
static volatile unsigned long refused;

void *__real_malloc(size_t n);
void *__real_calloc(size_t k, size_t n);
void *__real_realloc(void *p, size_t n);
void *__real__malloc_r(void *r, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t k, size_t n);
void *__wrap_realloc(void *p, size_t n);
void *__wrap__malloc_r(void *r, size_t n);
void *__wrap_malloc(size_t n)
{
    if (started) return refused++, (void *)0;
    return __real_malloc(n);
}
void *__wrap_calloc(size_t k, size_t n)
{
    if (started) return refused++, (void *)0;
    return __real_calloc(k, n);
}
void *__wrap_realloc(void *p, size_t n)
{
    if (started) return refused++, (void *)0;
    return __real_realloc(p, n);
}
void *__wrap__malloc_r(void *r, size_t n)
{
    if (started) return refused++, (void *)0;
    return __real__malloc_r(r, n);
}

/* CMSDK APB timer 0 of mps2-an386: a 32-bit down counter. */
#define TIMER0 ((volatile uint32_t *)0x40000000u)
static uint32_t timer_start(void)
{
    TIMER0[0] = 0;             /* CTRL: stop */
    TIMER0[2] = 0xFFFFFFFFu;   /* RELOAD */
    TIMER0[1] = 0xFFFFFFFFu;   /* VALUE */
    TIMER0[0] = 1;             /* CTRL: enable */
    return TIMER0[1];
}

/* The 256 KiB below this frame (the stack rdimon's start-up set from the
 * semihosting HEAPINFO call: the top of the board's PSRAM). */
#define PAINT 0x5AA5C33Cu
#define PAINT_WORDS (64u * 1024u)
static uint32_t *paint_lo, *paint_hi;
static void stack_paint(void)
{
    volatile uint32_t here = 0;
    uint32_t *p;
    paint_hi = (uint32_t *)((size_t)&here & ~(size_t)7) - 64;
    paint_lo = paint_hi - PAINT_WORDS;
    for (p = paint_lo; p < paint_hi; p++) *p = PAINT;
}
/* From main's frame (top) down to the deepest word written since the paint. */
static size_t stack_used(const void *top)
{
    uint32_t *p = paint_lo;
    while (p < paint_hi && *p == PAINT) p++;
    return (size_t)((const char *)top - (const char *)p);
}
#endif

int main(void)
{
    gan_dcgan g;
    g99_error err;
    nn_ctx *ctx;
    nn_tensor *z, *img;
    int shape[4];
#ifdef G99_BAREMETAL
    uint32_t t0, t1;
    size_t stack;
#endif
    setvbuf(stdout, out_buf, _IOLBF, sizeof out_buf);   /* else stdio would malloc its buffer */
#ifdef G99_BAREMETAL
    started = 1;
    stack_paint();
#endif
    if (gan_dcgan_bind(&g, &gan99_model, 1, records, &err)) {
        printf("gan99: %s\n", err.msg);
        return 2;
    }
    ctx = nn_ctx_new_fixed(arena, sizeof arena);
    shape[0] = 1;
    shape[1] = g.cfg.nz;
    shape[2] = shape[3] = 1;
    z = ctx ? nn_tensor_new(ctx, 4, shape) : NULL;
    if (!z) {
        printf("gan99: the arena of %lu bytes is too small\n", (unsigned long)sizeof arena);
        return 2;
    }
    gan_latent_normal(SEED, g.cfg.nz, z->data);
#ifdef G99_BAREMETAL
    t0 = timer_start();
#endif
    img = gan_dcgan_generate(ctx, &g, z, 1);
#ifdef G99_BAREMETAL
    t1 = TIMER0[1];
    stack = stack_used(&t0);
#endif
    if (!img) {
        printf("gan99: %s\n", nn_ctx_error(ctx)->msg);
        return 2;
    }
    printf("crc32 %08lX\n", (unsigned long)gan_crc32_floats(img->data, img->numel));
#ifdef G99_BAREMETAL
    printf("dcgan %dx%d ngf %d, seed %d: arena peak %lu of %lu bytes, stack %lu bytes, "
           "%lu instructions (+-40), malloc calls after start %lu\n", g.cfg.size, g.cfg.size, g.cfg.ngf, SEED,
           (unsigned long)nn_ctx_arena_peak(ctx), (unsigned long)sizeof arena, (unsigned long)stack,
           (unsigned long)(t0 - t1) * 40ul, (unsigned long)refused);
    if (refused) return 1;
#endif
    nn_ctx_free(ctx);
    return 0;
}
