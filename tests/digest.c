/* The determinism digest: CRC-32s of the bytes of seeded PRNG streams and of
 * the math functions over fixed argument grids. Not a test by itself: the
 * expected value is whatever the native build prints, and `make cross-test`
 * requires every other platform (aarch64, armhf, s390x under qemu) and every
 * SIMD path to print the very same lines. */
#include "test.h"
#include "../base/base.h"
#include "../nn/nn.h"

#include <stdio.h>

typedef struct digest_entry {
    const char *name;
    uint32_t (*fn)(void);
} digest_entry;

static const digest_entry digests[] = {
    { NULL, NULL }
};

void test_digest_print(void)
{
    const digest_entry *d;
    for (d = digests; d->name; d++) printf("%s %08lX\n", d->name, (unsigned long)d->fn());
}
