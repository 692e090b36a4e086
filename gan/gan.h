/* gan99 gan: the models, built on nn/ (SPEC.md §1, §4).
 *
 * Parameter names are the reference implementation's state_dict keys, so
 * a model moves between gan99 and PyTorch through nn_checkpoint_save /
 * nn_checkpoint_load without renaming. */
#ifndef GAN99_GAN_H
#define GAN99_GAN_H

#include "../nn/nn.h"

/* SECTION dcgan */
/* DCGAN 64x64, pytorch/examples dcgan/main.py (gan_spec.md §1): G and D as
 * nn.Sequential "main" with the reference's layer indices:
 *   G: 0 ConvT(nz->8ngf,4,1,0) 1 BN 2 ReLU 3 ConvT(8ngf->4ngf,4,2,1) 4 BN 5 ReLU
 *      6 ConvT(->2ngf) 7 BN 8 ReLU 9 ConvT(->ngf) 10 BN 11 ReLU 12 ConvT(ngf->nc) 13 Tanh
 *   D: 0 Conv(nc->ndf,4,2,1) 1 LReLU(0.2) 2 Conv(->2ndf) 3 BN 4 LReLU 5 Conv(->4ndf)
 *      6 BN 7 LReLU 8 Conv(->8ndf) 9 BN 10 LReLU 11 Conv(8ndf->1,4,1,0) 12 Sigmoid
 * Every conv is bias-free; BN is PyTorch's (momentum 0.1, eps 1e-5) with
 * num_batches_tracked counted on every training forward. */
typedef struct gan_dcgan_config {
    int nz, ngf, ndf, nc;          /* reference defaults: 100, 64, 64, 3 */
} gan_dcgan_config;

typedef struct gan_dcgan {
    gan_dcgan_config cfg;
    nn_params g, d;                /* the two state_dicts */
} gan_dcgan;

/* Declares and allocates both networks (conv weights 0, BN gamma 1, beta 0,
 * running mean 0, running var 1, counters 0). */
int gan_dcgan_init(gan_dcgan *m, const gan_dcgan_config *cfg, g99_error *err);
void gan_dcgan_free(gan_dcgan *m);
/* The reference's weights_init: conv weights ~ N(0, 0.02), BN gamma ~
 * N(1, 0.02), beta 0; G's tensors first, then D's, in state_dict order,
 * one fill each from rng (normally stream NN_STREAM_INIT). */
void gan_dcgan_weights_init(gan_dcgan *m, nn_rng *rng);
/* z [N,nz,1,1] -> images [N,nc,64,64] in [-1, 1]. train: batch statistics
 * (and running statistics updated), else the running statistics. */
nn_tensor *gan_dcgan_generate(nn_ctx *ctx, gan_dcgan *m, nn_tensor *z, int train);
/* images [N,nc,64,64] -> probabilities [N] (the reference's view(-1)). */
nn_tensor *gan_dcgan_discriminate(nn_ctx *ctx, gan_dcgan *m, nn_tensor *x, int train);
/* SECTION dcgan end */

#endif
