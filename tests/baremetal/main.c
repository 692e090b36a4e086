/* One image of a 32x32 DCGAN generator with no operating system: the first
 * step towards a microcontroller port. The generator is built and
 * initialized from a fixed seed (no file system is needed), generates one
 * image from a fixed noise seed, and the CRC-32 of the image's float bytes
 * is printed; `make baremetal-test` requires the same line from the native
 * build and from the Cortex-M4F build (newlib, semihosting). */
#include "../../gan/gan.h"

#include <stdio.h>

int main(void)
{
    gan_dcgan m;
    gan_dcgan_config cfg;
    g99_error err;
    nn_rng r;
    nn_ctx *ctx;
    nn_tensor *z, *img;
    int shape[4] = { 1, 100, 1, 1 };
    cfg.nz = 100;
    cfg.ngf = 16;
    cfg.ndf = 16;
    cfg.nc = 3;
    cfg.size = 32;
    if (gan_dcgan_init(&m, &cfg, &err)) {
        printf("gan99: %s\n", err.msg);
        return 2;
    }
    nn_rng_init(&r, 1, NN_STREAM_INIT);
    gan_dcgan_weights_init(&m, &r);
    ctx = nn_ctx_new(0);
    z = ctx ? nn_tensor_new(ctx, 4, shape) : NULL;
    if (!z) {
        printf("gan99: out of memory\n");
        return 2;
    }
    nn_rng_init(&r, 7, NN_STREAM_NOISE);
    nn_rng_fill_normal(&r, z->data, 100, 0.0f, 1.0f);
    img = gan_dcgan_generate(ctx, &m, z, 0);
    if (!img) {
        printf("gan99: the generator failed\n");
        return 2;
    }
    printf("dcgan 32x32 ngf 16, init seed 1, noise seed 7: crc32 %08lX\n",
           (unsigned long)g99_crc32(0, img->data, img->numel * sizeof(float)));
    nn_ctx_free(ctx);
    gan_dcgan_free(&m);
    return 0;
}
