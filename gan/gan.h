/* gan99 gan: the models, built on nn/ (doc/design.md §1, §4).
 *
 * Parameter names are the reference implementation's state_dict keys, so
 * a model moves between gan99 and PyTorch through nn_checkpoint_save /
 * nn_checkpoint_load without renaming. */
#ifndef GAN99_GAN_H
#define GAN99_GAN_H

#include "../image/image.h"
#include "../nn/nn.h"

/* PRNG streams of gan/, beside nn.h's NN_STREAM_* (each consumer its own). */
enum {
    GAN_STREAM_SYNTHFACES = 16,  /* the synthetic faces' parameters */
    GAN_STREAM_SAMPLE = 17,      /* z of sample grids and morphs (gan99 sample, the training grids) */
    GAN_STREAM_SPADE_Z = 24,     /* SPADE's z in training steps when z_dim > 0 */
    GAN_STREAM_SPADE_EPS = 25    /* SPADE's VAE: eps of z = mu + eps exp(logvar / 2) (training, gan99 paint --style) */
};

/* SECTION layers */
/* Layer builders (gan/layers.c): each declares its tensors under PyTorch's
 * state_dict names, with the initializer of each declared beside it, and
 * keeps pointers to them for its forward, so a model resolves its tensors
 * once at init (no name lookups while it runs).
 *
 * Initializers are data: a gan_init per tensor, kept in a gan_table beside
 * the nn_params the tensors live in. gan_table_apply runs them all in table
 * (declaration, state_dict) order, one fill per tensor from one generator. */
enum {
    GAN_INIT_CONST = 0,        /* every element a */
    GAN_INIT_NORMAL = 1,       /* N(a, b): mean a, std b (nn_rng_fill_normal) */
    GAN_INIT_UNIFORM = 2,      /* U(a, b) (nn_rng_fill_uniform) */
    GAN_INIT_UNIT_NORMAL = 3,  /* N(0, 1) then scaled to norm 1, eps 1e-12 (spectral norm's u, v) */
    GAN_INIT_FIR = 4,          /* the [a,a] filter outer(t, t) / sum, t the binomial row of a
                                * taps (1 <= a <= 16): a = 4 is StyleGAN's [1,3,3,1]; no draws */
    /* Resolved by the builders from the weight's fans (PyTorch's: fan_in =
     * shape[1] * k * k, fan_out = shape[0] * k * k) into one of the above: */
    GAN_INIT_TORCH_DEFAULT = 5, /* nn.Conv2d/Linear's reset_parameters: U(+-1/sqrt(fan_in)) for weight and bias */
    GAN_INIT_XAVIER_NORMAL = 6  /* N(0, a sqrt(2 / (fan_in + fan_out))), a the gain */
};
typedef struct gan_init {
    int kind;
    float a, b;
} gan_init;

gan_init gan_init_const(float v);
gan_init gan_init_normal(float mean, float std);
gan_init gan_init_uniform(float lo, float hi);
/* kind with a and b (for the others: GAN_INIT_UNIT_NORMAL, _FIR, _TORCH_DEFAULT, _XAVIER_NORMAL). */
gan_init gan_init_make(int kind, float a, float b);

/* The initializers of one nn_params: init[i] belongs to tensor t[i]. Tensors
 * declared through the table go into p in the same order; the table keeps
 * its own tensor pointers, so a model struct may move after init (p is used
 * only while declaring). */
typedef struct gan_table {
    nn_params *p;
    nn_tensor **t;
    gan_init *init;
    size_t n, cap;
} gan_table;

void gan_table_init(gan_table *t, nn_params *p);
void gan_table_free(gan_table *t);
/* Declares "<prefix>.<what>" (just what when prefix is "" or NULL) in p
 * with its initializer; NULL and err filled on a bad name, shape or
 * initializer (the fan-based kinds need ndim >= 2), or no memory. */
nn_tensor *gan_table_add(gan_table *t, const char *prefix, const char *what, int kind, int ndim, const int *shape,
                         gan_init init, g99_error *err);
/* nn_params_alloc, then gan_table_apply(t, NULL). */
int gan_table_alloc(gan_table *t, g99_error *err);
/* Every initializer in table order, one fill per tensor from rng. rng NULL
 * draws nothing: each tensor gets its initializer's centre (a NORMAL's
 * mean, a UNIFORM's midpoint, a CONST's value; a UNIT_NORMAL vector
 * becomes all 1/sqrt(n)), the state of a model before its weights are
 * drawn (DCGAN: weights 0, BN gamma 1, running_var 1). */
void gan_table_apply(const gan_table *t, nn_rng *rng);

/* ---- conv / conv-transpose / linear + norm + activation ---- */
enum { GAN_OP_CONV = 0, GAN_OP_CONV_T = 1, GAN_OP_LINEAR = 2 };
enum { GAN_NORM_NONE = 0, GAN_NORM_BATCH = 1, GAN_NORM_INSTANCE = 2 };
enum { GAN_ACT_NONE = 0, GAN_ACT_RELU = 1, GAN_ACT_LRELU = 2, GAN_ACT_TANH = 3, GAN_ACT_SIGMOID = 4 };

/* nn.Conv2d (weight [out,in,k,k]), nn.ConvTranspose2d ([in,out,k,k]) or
 * nn.Linear ([out,in]): "<prefix>.weight", "<prefix>.bias". spectral
 * (conv and linear): torch.nn.utils.spectral_norm's names instead,
 * "<prefix>.bias", "<prefix>.weight_orig" then the buffers
 * "<prefix>.weight_u" [out], "<prefix>.weight_v" [numel/out]. */
typedef struct gan_conv_def {
    int op;                  /* GAN_OP_* */
    int in, out, kernel;     /* kernel unused by linear */
    nn_conv_opts geom;       /* stride, padding, output_padding ... (conv ops) */
    int bias;                /* nonzero: a bias */
    int spectral;            /* nonzero: spectral norm (one power iteration per training forward) */
    gan_init weight_init, bias_init;
} gan_conv_def;

typedef struct gan_conv {
    int op;
    nn_conv_opts geom;
    nn_tensor *weight;       /* weight_orig under spectral norm */
    nn_tensor *bias;         /* or NULL */
    nn_tensor *u, *v;        /* spectral norm's weight_u, weight_v, or NULL */
} gan_conv;

int gan_conv_add(gan_table *t, const char *prefix, const gan_conv_def *d, gan_conv *out, g99_error *err);
/* x [N,in,H,W] (linear: [N,in]) -> the layer's output; train runs the
 * spectral norm's power iteration (its buffers change). */
nn_tensor *gan_conv_forward(nn_ctx *ctx, const gan_conv *c, nn_tensor *x, int train);

/* nn.BatchNorm2d (weight, bias, running_mean, running_var,
 * num_batches_tracked; BatchNorm1d on [N,C] input) or nn.InstanceNorm2d
 * (weight, bias when affine; no running statistics), under "<prefix>.". */
typedef struct gan_norm {
    int kind;                /* GAN_NORM_* */
    nn_tensor *weight, *bias;                                      /* gamma, beta, or NULL (affine off) */
    nn_tensor *running_mean, *running_var, *num_batches_tracked;   /* batch norm's, else NULL */
    float momentum, eps;     /* PyTorch's 0.1 and 1e-5 */
} gan_norm;

/* affine: 0 PyTorch's default for the kind (BatchNorm2d affine,
 * InstanceNorm2d not), 1 on, -1 off. weight_init is gamma's (DCGAN and
 * pix2pix: N(1, 0.02); PyTorch: CONST 1); beta is 0, running_mean 0,
 * running_var 1, num_batches_tracked 0. GAN_NORM_NONE declares nothing. */
int gan_norm_add(gan_table *t, const char *prefix, int kind, int channels, int affine, gan_init weight_init,
                 gan_norm *out, g99_error *err);
/* Batch norm in training: batch statistics, running statistics updated and
 * num_batches_tracked counted; else the running statistics. x [N,C,H,W] or
 * [N,C]. GAN_NORM_NONE returns x. */
nn_tensor *gan_norm_forward(nn_ctx *ctx, const gan_norm *n, nn_tensor *x, int train);
/* GAN_ACT_*: slope is leaky ReLU's. */
nn_tensor *gan_act(nn_ctx *ctx, int act, float slope, nn_tensor *x);

/* A conv (or linear) layer, then a norm, then an activation; the conv and
 * the norm have their own prefixes, as consecutive nn.Sequential indices. */
typedef struct gan_block_def {
    gan_conv_def conv;
    int norm;                /* GAN_NORM_* */
    int norm_affine;         /* as gan_norm_add's affine */
    gan_init norm_init;      /* gamma's initializer */
    int act;                 /* GAN_ACT_* */
    float slope;             /* leaky ReLU's */
} gan_block_def;

typedef struct gan_block {
    gan_conv conv;
    gan_norm norm;
    int act;
    float slope;
} gan_block;

int gan_block_add(gan_table *t, const char *conv_prefix, const char *norm_prefix, const gan_block_def *d,
                  gan_block *out, g99_error *err);
nn_tensor *gan_block_forward(nn_ctx *ctx, const gan_block *b, nn_tensor *x, int train);
/* Definitions as init_weights('normal', 0.02) of DCGAN and pix2pix leaves
 * the layers: conv/linear weight N(0, 0.02), bias 0, norm weight N(1,
 * 0.02). Filled through a pointer: tcc mishandles a returned struct whose
 * arguments are calls. */
void gan_conv_def_normal(gan_conv_def *d, int op, int in, int out, int kernel, int stride, int padding, int bias);
void gan_block_def_normal(gan_block_def *d, int op, int in, int out, int kernel, int stride, int padding, int bias,
                          int norm, int act, float slope);

/* ---- StyleGAN2 (stylegan2-ada-pytorch's layers) ---- */

/* FullyConnectedLayer: "<prefix>.weight" [out,in] ~ N(0, 1/lr_mul),
 * "<prefix>.bias" [out] = bias_init; at run time weight * lr_mul/sqrt(in)
 * (nn_eqlr_gain) and bias * lr_mul; act GAN_ACT_NONE (linear) or
 * GAN_ACT_LRELU (bias_act's: slope 0.2, times sqrt 2). */
typedef struct gan_eq_linear {
    nn_tensor *weight, *bias;    /* bias NULL when off */
    float weight_gain, bias_gain;
    int act;
} gan_eq_linear;

int gan_eq_linear_add(gan_table *t, const char *prefix, int in, int out, int bias, float lr_mul, float bias_init,
                      int act, gan_eq_linear *l, g99_error *err);
nn_tensor *gan_eq_linear_forward(nn_ctx *ctx, const gan_eq_linear *l, nn_tensor *x);

/* Conv2dLayer: "<prefix>.weight" [out,in,k,k] ~ N(0, 1/lr_mul) scaled by
 * nn_eqlr_gain(in k k, lr_mul) at run time, "<prefix>.bias" [out] =
 * bias_init (times lr_mul at run time; Conv2dLayer itself is lr_mul 1,
 * bias_init 0), the buffer "<prefix>.resample_filter" [4,4] (GAN_INIT_FIR
 * 4); padding k/2; down 2 filters then strides (conv2d_resample). act as
 * gan_eq_linear; clamp > 0 clamps the output to +-clamp (conv_clamp). */
typedef struct gan_eq_conv_def {
    int in, out, kernel;
    int bias;
    int down;                /* 1 or 2 */
    int act;                 /* GAN_ACT_NONE or GAN_ACT_LRELU */
    float lr_mul;            /* 0 means 1 */
    float bias_init;
    float clamp;             /* 0: none */
} gan_eq_conv_def;

typedef struct gan_eq_conv {
    nn_tensor *weight, *bias, *resample_filter;
    float weight_gain, bias_gain, clamp;
    int kernel, down, act;
} gan_eq_conv;

int gan_eq_conv_add(gan_table *t, const char *prefix, const gan_eq_conv_def *d, gan_eq_conv *c, g99_error *err);
/* gain multiplies the activation's gain and the clamp (Conv2dLayer's
 * forward(x, gain); 1 normally, sqrt(0.5) in a resnet D block). */
nn_tensor *gan_eq_conv_forward(nn_ctx *ctx, const gan_eq_conv *c, nn_tensor *x, float gain);

/* SynthesisLayer (torgb 0): "<prefix>.weight" [out,in,k,k] ~ N(0,1),
 * "<prefix>.noise_strength" [] = 0 (with noise), "<prefix>.bias" [out] = 0,
 * the buffers "<prefix>.resample_filter" [4,4] and "<prefix>.noise_const"
 * [res,res] ~ N(0,1) (with noise), then the affine FullyConnectedLayer
 * "<prefix>.affine.weight" [in,w_dim], "<prefix>.affine.bias" [in] = 1.
 * Forward: styles = affine(w); demodulated nn_modulated_conv2d (padding
 * k/2, up 1 or 2); + noise * noise_strength; + bias; leaky ReLU 0.2 times
 * sqrt 2 * gain; clamp.
 * ToRGBLayer (torgb 1): weight, bias, affine.weight, affine.bias (no
 * filter, no noise); styles = affine(w) / sqrt(in k k), not demodulated,
 * + bias, no activation; clamp. */
typedef struct gan_modconv_def {
    int in, out, kernel, w_dim;
    int up;                  /* 1 or 2 (SynthesisBlock's conv0) */
    int torgb;
    int noise_res;           /* > 0: use_noise with noise_const [noise_res, noise_res] */
    float clamp;             /* 0: none */
} gan_modconv_def;

typedef struct gan_modconv {
    gan_eq_linear affine;
    nn_tensor *weight, *bias, *noise_strength, *resample_filter, *noise_const;   /* NULL when absent */
    int kernel, up, torgb;
    float clamp;
} gan_modconv;

int gan_modconv_add(gan_table *t, const char *prefix, const gan_modconv_def *d, gan_modconv *m, g99_error *err);
/* x [N,in,H,W], w [N,w_dim]; noise [N,1,Ho,Wo] (drawn, or noise_const
 * expanded: the reference's 'random' and 'const' modes) or NULL ('none');
 * a layer declared without noise ignores it.
 * gain as gan_eq_conv_forward's (1 except in resnet blocks). */
nn_tensor *gan_modconv_forward(nn_ctx *ctx, const gan_modconv *m, nn_tensor *x, nn_tensor *w, nn_tensor *noise,
                               float gain);
/* SECTION layers end */

/* SECTION dcgan */
/* DCGAN, pytorch/examples dcgan/main.py (doc/models.md §1): G and D as
 * nn.Sequential "main" with the reference's layer indices. At size 64:
 *   G: 0 ConvT(nz->8ngf,4,1,0) 1 BN 2 ReLU 3 ConvT(8ngf->4ngf,4,2,1) 4 BN 5 ReLU
 *      6 ConvT(->2ngf) 7 BN 8 ReLU 9 ConvT(->ngf) 10 BN 11 ReLU 12 ConvT(ngf->nc) 13 Tanh
 *   D: 0 Conv(nc->ndf,4,2,1) 1 LReLU(0.2) 2 Conv(->2ndf) 3 BN 4 LReLU 5 Conv(->4ndf)
 *      6 BN 7 LReLU 8 Conv(->8ndf) 9 BN 10 LReLU 11 Conv(8ndf->1,4,1,0) 12 Sigmoid
 * Size 32 drops the widest stage of each (G 0/3/6/9, D 0/2/5/8); size 28 is
 * the TensorFlow tutorial's network in PyTorch terms, whose D ends in a
 * logit (see gan/dcgan.c). Every conv of 64/32 is bias-free; BN is
 * PyTorch's (momentum 0.1, eps 1e-5) with num_batches_tracked counted on
 * every training forward. */
typedef struct gan_dcgan_config {
    int nz, ngf, ndf, nc;          /* reference defaults: 100, 64, 64, 3 */
    int size;                      /* 64, 32 or 28; 0 means 64 */
} gan_dcgan_config;

/* One network: its layers in forward order (gan/layers.c blocks: G's
 * transposed convs or linear with BN and activation, D's convs), resolved
 * once at init, and the initializers of its state_dict. */
#define GAN_DCGAN_MAX_LAYERS 5
typedef struct gan_dcgan_net {
    gan_block layer[GAN_DCGAN_MAX_LAYERS];
    int n_layers;
    gan_table init;                /* over gan_dcgan's g or d */
} gan_dcgan_net;

typedef struct gan_dcgan {
    gan_dcgan_config cfg;          /* size filled in (never 0) */
    nn_params g, d;                /* the two state_dicts */
    nn_rng *dropout;               /* size 28: D's dropout masks in training (NULL: none) */
    gan_dcgan_net gnet, dnet;      /* G's and D's layers over g and d */
} gan_dcgan;

/* G99_EINVAL naming the field when cfg is not a model gan99 can build. */
int gan_dcgan_check_config(const gan_dcgan_config *cfg, g99_error *err);
/* Declares and allocates both networks (weights 0, BN gamma 1, beta 0,
 * running mean 0, running var 1, counters 0). */
int gan_dcgan_init(gan_dcgan *m, const gan_dcgan_config *cfg, g99_error *err);
void gan_dcgan_free(gan_dcgan *m);
/* The reference's weights_init: conv (and, at 28, linear) weights ~
 * N(0, 0.02), BN gamma ~ N(1, 0.02), biases 0; G's tensors first, then D's,
 * in state_dict order, one fill each from rng (normally NN_STREAM_INIT).
 * The buffers get their construction values again (running mean 0, var 1,
 * counters 0), as on the fresh model the reference initializes. */
void gan_dcgan_weights_init(gan_dcgan *m, nn_rng *rng);
/* z [N,nz,1,1] -> images [N,nc,size,size] in [-1, 1]. train: batch
 * statistics (and running statistics updated), else the running statistics. */
nn_tensor *gan_dcgan_generate(nn_ctx *ctx, gan_dcgan *m, nn_tensor *z, int train);
/* images [N,nc,size,size] -> [N] (the reference's view(-1)): probabilities,
 * or logits when gan_dcgan_d_logits(m). */
nn_tensor *gan_dcgan_discriminate(nn_ctx *ctx, gan_dcgan *m, nn_tensor *x, int train);
int gan_dcgan_d_logits(const gan_dcgan *m);
/* gan99.config of a model file: {"nc":3,"ndf":64,"ngf":64,"nz":100,"size":64}
 * (keys sorted). Parsing takes a missing "size" as 64 and checks the rest. */
int gan_dcgan_config_json(const gan_dcgan_config *cfg, char *buf, size_t cap);
int gan_dcgan_config_parse(const char *json, gan_dcgan_config *cfg, g99_error *err);
/* A model file (gan99.arch "dcgan", as a run's model.safetensors): builds
 * the model its gan99.config describes and loads G (D stays as made). */
int gan_dcgan_load_generator(const char *path, gan_dcgan *m, g99_error *err);

/* ---- training (gan/train_dcgan.c) ---- */

/* One step's figures, as the reference prints them: Loss_D = d_real +
 * d_fake, Loss_G = g, D(x) = d_x, D(G(z)) = d_g_z1 / d_g_z2 (before and
 * after D's update; mean probabilities). */
typedef struct gan_dcgan_losses {
    float d_real, d_fake, g;
    float d_x, d_g_z1, d_g_z2;
} gan_dcgan_losses;

#define GAN_TRAINER_MAX_RNG 8

typedef struct gan_dcgan_trainer {
    gan_dcgan *m;
    nn_adam opt_d, opt_g;
    nn_rng noise;      /* NN_STREAM_NOISE: each step's z */
    nn_rng dropout;    /* NN_STREAM_DROPOUT: D's dropout at size 28 */
    nn_ctx *ctx;       /* the per-step arena */
    int owns_ctx;      /* made by trainer_init (else the caller's) */
    int batch;
    uint64_t step;     /* steps taken */
} gan_dcgan_trainer;

/* The reference's optimizer settings for a model size: lr 2e-4, beta1 0.5
 * (1e-4 and 0.9 at 28, the tutorial's); beta2 is 0.999 and eps 1e-8. */
void gan_dcgan_train_defaults(int size, float *lr, float *beta1);
/* Adam for G and D, the generators from seed, the arena. m must outlive t. */
int gan_dcgan_trainer_init(gan_dcgan_trainer *t, gan_dcgan *m, int batch, float lr, float beta1, uint64_t seed,
                           g99_error *err);
/* The same with the caller's arena (a run loop's), or NULL for its own. */
int gan_dcgan_trainer_init_ctx(gan_dcgan_trainer *t, gan_dcgan *m, int batch, float lr, float beta1, uint64_t seed,
                               nn_ctx *ctx, g99_error *err);
void gan_dcgan_trainer_free(gan_dcgan_trainer *t);
/* One step (doc/models.md §1.2) on real [batch, nc, size, size] in [-1, 1]. */
int gan_dcgan_train_step(gan_dcgan_trainer *t, const float *real, gan_dcgan_losses *out, g99_error *err);
/* A training checkpoint in one file (atomic): G and D under "G." / "D.",
 * both Adam states, the step, the trainer's generators and n_extra more
 * (the caller's, e.g. the data order), config as gan99.config. Loading
 * restores all of it into a trainer made for the same model, or changes
 * nothing and names what differs. */
int gan_dcgan_trainer_save(gan_dcgan_trainer *t, const char *path, const char *config, nn_rng *extra, int n_extra,
                           g99_error *err);
int gan_dcgan_trainer_load(gan_dcgan_trainer *t, const char *path, nn_rng *extra, int n_extra, g99_error *err);
/* SECTION dcgan end */

/* SECTION export_c */
/* A DCGAN generator as C source for a microcontroller (gan/export_c.c,
 * `gan99 export-c`, doc/portability.md): the weights become const arrays
 * (flash) described by a gan_c_model, and the forward pass of one image
 * runs from one static arena (nn_ctx_new_fixed) with no malloc. The
 * generated file defines its gan_c_model and <NAME>_ARENA_BYTES. */
typedef struct gan_c_tensor {
    const char *name;              /* the state_dict key ("main.0.weight") */
    int ndim, shape[NN_MAX_DIMS];
    const float *data;
} gan_c_tensor;

/* One gan_block of G: its geometry, and its tensors as indices into the
 * model's tensor list (-1: none). */
typedef struct gan_c_layer {
    int op;                        /* GAN_OP_* */
    nn_conv_opts geom;
    int norm, act;                 /* GAN_NORM_*, GAN_ACT_* */
    float slope, momentum, eps;
    int weight, bias, gamma, beta, running_mean, running_var;
} gan_c_layer;

typedef struct gan_c_model {
    gan_dcgan_config cfg;
    int n_layers;
    const gan_c_layer *layers;
    int n_tensors;                 /* every tensor of G's state_dict, in its order */
    const gan_c_tensor *tensors;
    size_t arena_bytes;            /* nn_ctx_new_fixed's buffer for one image */
} gan_c_model;

/* What the Cortex-M4 stack needs on top of the arena while G runs (the
 * GEMM packs into a 64 KiB stack buffer; tests/baremetal measures the
 * rest), counted in export-c's RAM check. */
#define GAN_C_STACK_BYTES ((size_t)80 * 1024)

/* m becomes a DCGAN whose G reads cm's weights where they are: records
 * (cm->n_tensors of them, kept by the caller as long as m) are wrapped
 * over the data, nothing is allocated or copied. train 1 leaves the BN
 * running statistics out, so gan_dcgan_generate(ctx, m, z, 1) uses batch
 * statistics as gan99 sample does and writes nothing; train 0 binds them
 * for eval mode (then call generate with train 0 only). m has no D and
 * must not be given to gan_dcgan_free. */
int gan_dcgan_bind(gan_dcgan *m, const gan_c_model *cm, int train, nn_tensor *records, g99_error *err);

typedef struct gan_export_c_opts {
    const char *name;              /* C identifier of the gan_c_model; NULL: "gan99_model" */
    size_t ram, flash;             /* the board's; 0: mps2-an386's 4 MiB each */
} gan_export_c_opts;

typedef struct gan_export_c_info {
    gan_dcgan_config cfg;
    size_t n_weights;              /* floats written */
    size_t weight_bytes;           /* const data (flash) */
    size_t arena_bytes;            /* the fixed context's buffer (RAM) */
    size_t ram_bytes;              /* arena_bytes + GAN_C_STACK_BYTES */
} gan_export_c_info;

/* Writes G of a DCGAN model file as C source to out (atomically). Refuses
 * other families, and a model whose weights exceed the flash or whose
 * arena and stack exceed the RAM, saying how much it needs (G99_ELIMIT).
 * The arena size is measured by running G once at batch 1 on this host
 * (from the same bound model a board runs), then checked by a second run
 * in a fixed context of exactly that size. info may be NULL. */
int gan_export_c(const char *model_path, const char *out, const gan_export_c_opts *o, gan_export_c_info *info,
                 g99_error *err);
/* The CRC-32 of n floats, each as its 4 little-endian IEEE-754 bytes (the
 * same on every host): what gan99 sample --crc and the board print. */
uint32_t gan_crc32_floats(const float *x, size_t n);
/* SECTION export_c end */


/* SECTION pix2pix */
/* pix2pix, junyanz/pytorch-CycleGAN-and-pix2pix (doc/models.md §2): the
 * U-Net generator of nested UnetSkipConnectionBlocks (keys
 * "model.model.0.weight", "model.model.1.model.1.weight" ...), and the
 * PatchGAN ("model.N.*", NLayerDiscriminator) or the 1x1 pixel
 * discriminator ("net.N.*", PixelDiscriminator) on cat(A, B). */
enum { GAN_P2P_D_BASIC = 0, GAN_P2P_D_NLAYERS = 1, GAN_P2P_D_PIXEL = 2 };
enum { GAN_P2P_GAN_VANILLA = 0, GAN_P2P_GAN_LSGAN = 1 };
#define GAN_P2P_MAX_DOWNS 12
#define GAN_P2P_MAX_DLAYERS 8

typedef struct gan_pix2pix_config {
    int width, height;             /* both divisible by 2^num_downs */
    int input_nc, output_nc;       /* A's and B's channels (reference: 3, 3) */
    int ngf, ndf;                  /* 64, 64 */
    int num_downs;                 /* 2..GAN_P2P_MAX_DOWNS (unet_256: 8); 0 = as many as the size allows */
    int netd;                      /* GAN_P2P_D_* */
    int n_layers_d;                /* for GAN_P2P_D_NLAYERS (basic is 3); 0..GAN_P2P_MAX_DLAYERS-2 */
    int norm;                      /* GAN_NORM_BATCH or GAN_NORM_INSTANCE */
    int no_dropout;                /* nonzero: no Dropout(0.5) in the decoder */
    int segmenter;                 /* nonzero: the face parser's U-Net (gan/parser.c): output_nc class logits
                                      (1..GAN_PARSER_MAX_CLASSES), no final Tanh, no discriminator */
} gan_pix2pix_config;

/* A U-Net level k (0 outermost): its down conv and norm, its up conv and
 * norm, and whether its decoder output has dropout. */
typedef struct gan_p2p_level {
    gan_conv down, up;
    gan_norm down_norm, up_norm;
    int dropout;
} gan_p2p_level;

typedef struct gan_pix2pix {
    gan_pix2pix_config cfg;        /* num_downs filled in */
    nn_params g, d;                /* the two state_dicts */
    gan_p2p_level level[GAN_P2P_MAX_DOWNS];
    gan_block dlayer[GAN_P2P_MAX_DLAYERS];
    int n_dlayers;
    gan_table ginit, dinit;
    nn_rng *dropout;               /* the decoder's masks in training (NULL: dropout off) */
    nn_tensor *const *keep;        /* or these keep masks, one per dropout level from the inside out (tests) */
} gan_pix2pix;

/* num_downs 0 -> the largest n with width and height divisible by 2^n, or
 * log2 of the smaller side when that n is under 2 (the check then refuses
 * the size naming the nearest that work). Returns num_downs. */
int gan_pix2pix_resolve(gan_pix2pix_config *cfg);
/* G99_EINVAL naming the field; a size the U-Net cannot take names the
 * nearest sizes that work. */
int gan_pix2pix_check_config(const gan_pix2pix_config *cfg, g99_error *err);
/* Declares and allocates both networks (weights 0, BN gamma 1, running var 1). */
int gan_pix2pix_init(gan_pix2pix *m, const gan_pix2pix_config *cfg, g99_error *err);
void gan_pix2pix_free(gan_pix2pix *m);
/* init_weights('normal', 0.02): conv weights N(0, 0.02), biases 0, BN gamma
 * N(1, 0.02), beta 0; G's tensors then D's in state_dict order, one fill
 * each from rng (normally NN_STREAM_INIT); buffers at their construction
 * values. */
void gan_pix2pix_weights_init(gan_pix2pix *m, nn_rng *rng);
/* A [N, input_nc, H, W] in [-1, 1] -> B [N, output_nc, H, W] in [-1, 1].
 * train: batch statistics and dropout (from m->dropout or m->keep). */
nn_tensor *gan_pix2pix_generate(nn_ctx *ctx, gan_pix2pix *m, nn_tensor *a, int train);
/* cat(A, B) [N, input_nc + output_nc, H, W] -> logits [N, 1, h, w] (the patch map). */
nn_tensor *gan_pix2pix_discriminate(nn_ctx *ctx, gan_pix2pix *m, nn_tensor *ab, int train);

/* ---- training (gan/train_pix2pix.c) ---- */
typedef struct gan_pix2pix_train_opts {
    int gan_mode;                  /* GAN_P2P_GAN_*: vanilla (BCE with logits) or lsgan (MSE) */
    float lambda_l1;               /* 100 */
    float lr, beta1;               /* 2e-4, 0.5 (beta2 0.999) */
    int n_epochs, n_epochs_decay;  /* 100, 100: constant, then linearly to 0 */
} gan_pix2pix_train_opts;

/* The reference's figures, in its order: G_GAN, G_L1 (times lambda), D_real, D_fake. */
typedef struct gan_pix2pix_losses {
    float g_gan, g_l1, d_real, d_fake;
} gan_pix2pix_losses;

typedef struct gan_pix2pix_trainer {
    gan_pix2pix *m;
    gan_pix2pix_train_opts o;
    nn_adam opt_g, opt_d;
    nn_rng dropout;                /* NN_STREAM_DROPOUT */
    nn_ctx *ctx;
    int owns_ctx;
    uint64_t step;
} gan_pix2pix_trainer;

void gan_pix2pix_train_defaults(gan_pix2pix_train_opts *o);
/* The lambda_rule factor of 0-based epoch e: 1 - max(0, e + 1 - n_epochs) / (n_epochs_decay + 1). */
double gan_pix2pix_lr_factor(const gan_pix2pix_train_opts *o, uint64_t epoch);
/* Adam for G and D, the dropout generator from seed; ctx NULL: its own arena. */
int gan_pix2pix_trainer_init(gan_pix2pix_trainer *t, gan_pix2pix *m, const gan_pix2pix_train_opts *o, uint64_t seed,
                             nn_ctx *ctx, g99_error *err);
void gan_pix2pix_trainer_free(gan_pix2pix_trainer *t);
/* Pix2PixModel.optimize_parameters on a [n, input_nc, H, W] and b [n,
 * output_nc, H, W], at learning rate lr * gan_pix2pix_lr_factor(epoch). */
int gan_pix2pix_train_step(gan_pix2pix_trainer *t, const float *a, const float *b, int n, uint64_t epoch,
                           gan_pix2pix_losses *out, g99_error *err);
/* SECTION pix2pix end */

/* SECTION parser */
/* The face parser (gan/parser.c, doc/models.md §3.8): a photo -> a class
 * per pixel (GAN_PART_* for the synthetic faces, or any n_classes up to
 * 255). The network is pix2pix's U-Net (cfg.segmenter: n_classes logits
 * out, no Tanh, no D; keys "model.model.0.weight" ...), trained with
 * per-pixel softmax cross-entropy (F.cross_entropy, mean over pixels) and
 * Adam. */
#define GAN_PARSER_MAX_CLASSES 255

typedef struct gan_parser_config {
    int width, height;             /* divisible by 2^num_downs */
    int input_nc;                  /* the photo's channels (3) */
    int n_classes;                 /* 1..GAN_PARSER_MAX_CLASSES (7: GAN_PART_COUNT) */
    int ngf;                       /* the U-Net's width */
    int num_downs;                 /* 2..GAN_P2P_MAX_DOWNS; 0 = as many as the size allows */
    int norm;                      /* GAN_NORM_BATCH or GAN_NORM_INSTANCE */
} gan_parser_config;

typedef struct gan_parser {
    gan_parser_config cfg;         /* num_downs filled in */
    gan_pix2pix unet;              /* unet.g: the state_dict */
} gan_parser;

/* G99_EINVAL naming the field (sizes as gan_pix2pix_check_config). */
int gan_parser_init(gan_parser *m, const gan_parser_config *cfg, g99_error *err);
void gan_parser_free(gan_parser *m);
/* pix2pix's init_weights('normal', 0.02) from rng. */
void gan_parser_weights_init(gan_parser *m, nn_rng *rng);
/* Photos [N, input_nc, H, W] in [-1, 1] -> logits [N, n_classes, H, W].
 * train: batch statistics (and running-statistics updates); 0: running
 * statistics (the parse command's and the IoU's mode). */
nn_tensor *gan_parser_logits(nn_ctx *ctx, gan_parser *m, nn_tensor *x, int train);

typedef struct gan_parser_trainer {
    gan_parser *m;
    nn_adam opt;
    nn_ctx *ctx;
    int owns_ctx;
    uint64_t step;
} gan_parser_trainer;

/* Adam (lr, beta1, beta2 0.999, eps 1e-8); ctx NULL: its own arena. */
int gan_parser_trainer_init(gan_parser_trainer *t, gan_parser *m, float lr, float beta1, nn_ctx *ctx,
                            g99_error *err);
void gan_parser_trainer_free(gan_parser_trainer *t);
/* One step: x [n, input_nc, H, W] in [-1, 1], labels [n, H, W] class
 * indices; *loss the mean cross-entropy before the step. A label outside
 * 0..n_classes-1 is an error naming it. */
int gan_parser_train_step(gan_parser_trainer *t, const float *x, const uint8_t *labels, int n, float *loss,
                          g99_error *err);
/* SECTION parser end */

/* SECTION spade */
/* SPADE / GauGAN, NVlabs/SPADE (doc/models.md, SPADE): the generator of
 * SPADE ResNet blocks from a one-hot segmentation map (and a latent z), and
 * the multi-scale PatchGAN discriminator on cat(map, image), with the
 * reference's state_dict keys ("head_0.norm_0.mlp_shared.0.weight",
 * "discriminator_0.model1.0.0.weight_orig" ...) and its
 * init_weights('xavier', 0.02). */
enum { GAN_SPADE_NORMAL = 0, GAN_SPADE_MORE = 1 };   /* num_upsampling_layers: 5 or 6 */
#define GAN_SPADE_BLOCKS 7
#define GAN_SPADE_MAX_D 4
#define GAN_SPADE_MAX_DLAYERS 8
#define GAN_SPADE_MAX_ELAYERS 6

typedef struct gan_spade_config {
    int size;                      /* square images; divisible by 2^5 (normal) or 2^6 (more) */
    int classes;                   /* label_nc: the one-hot map's channels (no dontcare, no instance map) */
    int ngf, ndf;                  /* reference 64, 64 */
    int nhidden;                   /* the SPADE layer's hidden width (reference: 128 hard-coded) */
    int z_dim;                     /* 0: fc is a 3x3 conv of the map resized to the start size (the
                                    * reference without --use_vae); > 0: fc is nn.Linear(z_dim, 16 ngf sh sw) of z */
    int schedule;                  /* GAN_SPADE_NORMAL or GAN_SPADE_MORE */
    int norm;                      /* the param-free norm: NN_SPADE_BATCH (spectralspadebatch3x3) or NN_SPADE_INSTANCE */
    int num_d, n_layers_d;         /* 2, 4 */
    int use_vae;                   /* nonzero (--use_vae): the ConvEncoder E gives z from the photo, with the KL
                                    * term; needs z_dim > 0 (the reference: 256) */
    int nef;                       /* E's width (the reference uses ngf: 0 means ngf) */
} gan_spade_config;

/* SPADE(norm_nc, label_nc): param_free_norm (batch norm's buffers, or none
 * for instance norm), mlp_shared.0, mlp_gamma, mlp_beta (3x3, bias). */
typedef struct gan_spade_layer {
    gan_norm pf;
    gan_conv shared, gamma, beta;
} gan_spade_layer;

/* SPADEResnetBlock(fin, fout): conv_0 3x3 fin->min, conv_1 3x3 min->fout
 * (bias), conv_s 1x1 fin->fout without bias when fin != fout, all spectral;
 * norm_0, norm_1, norm_s. */
typedef struct gan_spade_block {
    int fin, fout, shortcut;
    gan_conv conv_0, conv_1, conv_s;
    gan_spade_layer norm_0, norm_1, norm_s;
} gan_spade_block;

typedef struct gan_spade {
    gan_spade_config cfg;
    int start;                     /* sw = sh = size / 2^ups */
    nn_params g, d;
    gan_table ginit, dinit;
    gan_conv fc, conv_img;
    gan_spade_block blk[GAN_SPADE_BLOCKS];   /* head_0, G_middle_0, G_middle_1, up_0 .. up_3 */
    gan_block dl[GAN_SPADE_MAX_D][GAN_SPADE_MAX_DLAYERS];   /* discriminator_i.model<j> */
    int n_dl;                      /* layers a scale: n_layers_d + 1 */
    /* The ConvEncoder netE (use_vae), its own table as the reference saves
     * it apart (E.pth): "layer<k>.0.weight_orig/_u/_v" (spectral conv 3x3
     * s2, no bias, then instance norm and leaky ReLU 0.2), "fc_mu.*",
     * "fc_var.*". Empty without use_vae. */
    nn_params e;
    gan_table einit;
    gan_block enc[GAN_SPADE_MAX_ELAYERS];
    int n_el;                      /* stride-2 layers: 6 at size >= 256, else log2(size / 4) */
    int e_resize;                  /* size > 256: resized bilinear to 256 first, as the reference */
    gan_conv fc_mu, fc_var;
} gan_spade;

/* Reference defaults at gan99's small scale: size 64, classes 7, ngf 16,
 * ndf 16, nhidden 128, z_dim 0, normal, batch, num_d 2, n_layers_d 4,
 * use_vae 0, nef 0 (= ngf). */
void gan_spade_config_defaults(gan_spade_config *c);
/* G99_EINVAL naming the field (sizes say which would work). */
int gan_spade_check_config(const gan_spade_config *c, g99_error *err);
/* Declares and allocates G and D, and E under use_vae (weights 0, running
 * var 1, u and v 1/sqrt n). A checkpoint of a use_vae model holds m->e too
 * (e.g. a third part "E."). */
int gan_spade_init(gan_spade *m, const gan_spade_config *cfg, g99_error *err);
void gan_spade_free(gan_spade *m);
/* init_weights('xavier', 0.02): conv and linear weights (weight_orig under
 * spectral norm) N(0, 0.02 sqrt(2 / (fan_in + fan_out))), biases 0; G's
 * tensors then D's in state_dict order from rng; spectral norm's u and v
 * N(0,1) normalized, as spectral_norm draws them; buffers reset. E's
 * tensors (use_vae) last, so G and D draw the same with or without it. */
void gan_spade_weights_init(gan_spade *m, nn_rng *rng);
/* The SPADE layer (norm_nc channels) and the block alone, declared into a
 * table under prefix ("" for none) with c's classes, nhidden and norm, and
 * their forwards (for tests and other models). seg [N, classes, Hs, Ws] one-hot, resized nearest. */
int gan_spade_layer_add(gan_table *t, const char *prefix, const gan_spade_config *c, int norm_nc, gan_spade_layer *l,
                        g99_error *err);
int gan_spade_block_add(gan_table *t, const char *prefix, const gan_spade_config *c, int fin, int fout,
                        gan_spade_block *b, g99_error *err);
nn_tensor *gan_spade_layer_forward(nn_ctx *ctx, const gan_spade_layer *l, nn_tensor *x, nn_tensor *seg, int norm,
                                   int train);
nn_tensor *gan_spade_block_forward(nn_ctx *ctx, const gan_spade_block *b, nn_tensor *x, nn_tensor *seg, int norm,
                                   int train);
/* G99_EINVAL saying what is wrong unless seg is [N, classes, size, size]
 * and z [N, z_dim] (or z_dim is 0; z is then ignored). err may be NULL. */
int gan_spade_check_input(const gan_spade *m, const nn_tensor *seg, const nn_tensor *z, g99_error *err);
/* seg [N, classes, size, size] one-hot (0/1), z [N, z_dim] (NULL when z_dim
 * is 0) -> [N, 3, size, size] in [-1, 1]. train: batch statistics, the
 * power iterations and the running statistics advance. NULL on an error
 * of the ops (in ctx) or inputs gan_spade_check_input refuses (not in ctx). */
nn_tensor *gan_spade_generate(nn_ctx *ctx, gan_spade *m, nn_tensor *seg, nn_tensor *z, int train);
/* x = cat(seg, image) [N, classes + 3, size, size] -> every layer's output
 * of every scale: out[i * m->n_dl + j] (scale i, layer j; the last layer of
 * a scale is its patch logits). Scale i+1 sees avg_pool2d(k 3, s 2, p 1,
 * count_include_pad False) of scale i's input. Returns the number of
 * outputs (num_d n_dl), or 0: the error of an op in ctx, or x not
 * [N, classes + 3, H, W]. */
int gan_spade_discriminate(nn_ctx *ctx, gan_spade *m, nn_tensor *x, int train, nn_tensor **out);

/* ---- the VAE path (use_vae): ConvEncoder, reparameterization, KL ---- */

/* The ConvEncoder on img [N, 3, size, size] in [-1, 1] (a photo, as the
 * training images): *mu, *logvar [N, z_dim]. Layers: size 256 exactly the
 * reference's 6; above 256 the reference's bilinear resize to 256 first;
 * below, log2(size / 4) layers on the image as it is, so the last map is
 * 4x4 as the reference's (doc/models.md §3.7). train: the power iterations
 * advance (instance norm has no state). 0, or G99_EINVAL (no encoder, img
 * of another shape) or the error of an op, in err (may be NULL). */
int gan_spade_encode(nn_ctx *ctx, gan_spade *m, nn_tensor *img, int train, nn_tensor **mu, nn_tensor **logvar,
                     g99_error *err);
/* z = mu + eps exp(logvar / 2) (the reference's reparameterize): eps the
 * given values (numel of mu, row-major) when eps is not NULL, else drawn
 * N(0, 1) from rng in that order, else 0 (z = mu, the mean style). For
 * gan99 paint --style PHOTO --seed S: rng = nn_rng(S, GAN_STREAM_SPADE_EPS),
 * then gan_spade_generate(ctx, m, seg, z, 0). NULL on an op's error. */
nn_tensor *gan_spade_reparameterize(nn_ctx *ctx, nn_tensor *mu, nn_tensor *logvar, nn_rng *rng, const float *eps);
/* KLDLoss: -0.5 sum(1 + logvar - mu^2 - exp(logvar)), summed over the batch
 * and z (not a mean, as the reference), unweighted; a scalar. */
nn_tensor *gan_spade_kld(nn_ctx *ctx, nn_tensor *mu, nn_tensor *logvar);

/* ---- the VGG19 perceptual loss slot (gan/spade_vgg.c) ---- */

/* torchvision's vgg19().features up to relu5_1, frozen: the 13 convs
 * "features.<k>.weight/.bias" for k = 0 2 5 7 10 12 14 16 19 21 23 25 28
 * (buffers: they get no gradient), loaded from a safetensors file of
 * torchvision's state_dict keys (other keys, e.g. classifier.*, ignored).
 * ImageNet weights are not shipped; gan99 tests the slot on generated
 * weights (doc/models.md §3.7). */
#define GAN_VGG19_CONVS 13
typedef struct gan_vgg19 {
    nn_params p;
    nn_tensor *w[GAN_VGG19_CONVS], *b[GAN_VGG19_CONVS];
} gan_vgg19;

/* The layer list: conv k's index in torchvision's features and its widths. */
void gan_vgg19_layer(int k, int *feature_index, int *in, int *out);
/* Declares and allocates the table (zeros): fill it yourself, or use gan_vgg19_load. */
int gan_vgg19_init(gan_vgg19 *v, g99_error *err);
/* gan_vgg19_init, then every needed key from path (F32, torchvision's
 * shapes); errors name the file and the missing or mis-shaped key. */
int gan_vgg19_load(gan_vgg19 *v, const char *path, g99_error *err);
void gan_vgg19_free(gan_vgg19 *v);
/* x [N, 3, H, W] (H, W >= 16) -> out[0..4] = relu1_1, relu2_1, relu3_1,
 * relu4_1, relu5_1 (the reference's VGG19 slices). 0 or an op's error (in ctx). */
int gan_vgg19_features(nn_ctx *ctx, const gan_vgg19 *v, nn_tensor *x, nn_tensor **out);
/* VGGLoss: sum_k w_k L1(f_k(fake), f_k(real)), w = 1/32, 1/16, 1/8, 1/4, 1,
 * real's features without gradient (the reference detaches them); fed the
 * images in [-1, 1] as the reference does (no ImageNet normalization).
 * Unweighted by lambda_vgg. NULL on an op's error. */
nn_tensor *gan_vgg_loss(nn_ctx *ctx, const gan_vgg19 *v, nn_tensor *fake, nn_tensor *real);

/* ---- training (gan/train_spade.c) ---- */

typedef struct gan_spade_train_opts {
    float lr;                      /* 2e-4 */
    int no_ttur;                   /* 0 (TTUR): G lr/2, D 2 lr, Adam betas (0, 0.9); 1: both lr, (beta1, beta2) */
    float beta1, beta2;            /* under no_ttur: 0.5, 0.999 */
    float lambda_feat;             /* 10; 0: no feature matching (--no_ganFeat_loss) */
    float lambda_kld;              /* 0.05: the KL term's weight (use_vae) */
    const char *vgg_path;          /* NULL (default, --no_vgg_loss): no VGG loss; else converted torchvision
                                    * VGG19 weights (gan_vgg19_load) for the perceptual loss */
    float lambda_vgg;              /* 10 */
} gan_spade_train_opts;

/* The reference's figures, in its order: GAN, GAN_Feat, D_Fake, D_real;
 * then KLD (use_vae, weighted) and VGG (with vgg_path, weighted), 0 when off. */
typedef struct gan_spade_losses {
    float g_gan, g_feat, d_fake, d_real;
    float kld, g_vgg;
} gan_spade_losses;

typedef struct gan_spade_trainer {
    gan_spade *m;
    gan_spade_train_opts o;
    nn_adam opt_g, opt_d;
    nn_rng z;                      /* GAN_STREAM_SPADE_Z */
    nn_ctx *ctx;
    int owns_ctx;
    uint64_t step;
    /* use_vae: E's Adam, G's settings (the reference has one optimizer
     * over G's and E's parameters; Adam is per element, so two with the
     * same lr, betas and step count are the same update); eps's generator. */
    nn_adam opt_e;
    nn_rng eps;                    /* GAN_STREAM_SPADE_EPS */
    const float *eps_replay;       /* tests: eps values to use instead, n z_dim a draw, advanced after each */
    gan_vgg19 *vgg;                /* loaded from o.vgg_path, or NULL; the trainer frees it (tests set their own:
                                    * calloc'd, gan_vgg19_init'ed) */
} gan_spade_trainer;

void gan_spade_train_defaults(gan_spade_train_opts *o);
/* Adam for G and D (TTUR or not), and E under use_vae; the z and eps
 * generators from seed; the VGG19 weights from o->vgg_path when set; ctx
 * NULL: its own arena. */
int gan_spade_trainer_init(gan_spade_trainer *t, gan_spade *m, const gan_spade_train_opts *o, uint64_t seed,
                           nn_ctx *ctx, g99_error *err);
void gan_spade_trainer_free(gan_spade_trainer *t);
/* Pix2PixTrainer's iteration on seg [n, classes, size, size] (one-hot) and
 * img [n, 3, size, size] in [-1, 1]: the G step (hinge G loss + feature
 * matching), then the D step (hinge) on a fake made again by the updated
 * G without gradient. Each D pass is one call on cat(fake pair, real pair)
 * along the batch, as the reference (one power iteration a pass).
 * use_vae: G's z is E(img) reparameterized (a fresh eps at each of the two
 * G runs), the KL term (lambda_kld) joins the G loss and G's step steps E.
 * vgg: lambda_vgg VGGLoss(fake, img) joins the G loss. */
int gan_spade_train_step(gan_spade_trainer *t, const float *seg, const float *img, int n, gan_spade_losses *out,
                         g99_error *err);
/* SECTION spade end */



/* SECTION synthfaces */
/* Synthetic faces (gan/synthfaces.c): face `index` of `seed`, size x size
 * RGB, with a part label per pixel and the two eye centres. */
enum {
    GAN_PART_BACKGROUND = 0, GAN_PART_SKIN = 1, GAN_PART_HAIR = 2, GAN_PART_EYES = 3,
    GAN_PART_BROWS = 4, GAN_PART_NOSE = 5, GAN_PART_MOUTH = 6,
    GAN_PART_COUNT = 7
};

typedef struct gan_face {
    img_image rgb;          /* size x size, 3 channels, 8-bit */
    uint8_t *labels;        /* size * size GAN_PART_* values, row-major */
    float eyes[2][2];       /* (x, y) in pixels of the eye on the image's left, then right */
} gan_face;

/* The styles: PHOTO shaded like a photograph; TOON the same person as a
 * cartoon (flat colours, thick dark outlines, big eyes, a simple nose and
 * mouth, an exaggerated head), labels and eye centres those of the toon. */
enum { GAN_FACE_PHOTO = 0, GAN_FACE_TOON = 1 };

/* size 8..4096. Same (seed, index, size, style), same bytes on every platform. */
int gan_synthface_render_style(uint64_t seed, uint64_t index, int size, int style, gan_face *out, g99_error *err);
/* The PHOTO style. */
int gan_synthface_render(uint64_t seed, uint64_t index, int size, gan_face *out, g99_error *err);
void gan_face_free(gan_face *f);
/* SECTION synthfaces end */

/* SECTION dataset */
/* Training data in memory (gan/dataset*.c), loaded once as 8-bit planes and
 * served in batches as floats. What a spec names depends on opts.kind:
 *
 *   IMAGES  a folder (recursive, sorted by path; unreadable files skipped,
 *           counted in `skipped` and passed to warn), an IDX file (.gz or
 *           raw), or "synth:N[:SEED]" (synth-toon:N[:SEED]: the same
 *           faces as cartoons, GAN_FACE_TOON; everywhere synth: is taken).
 *   PAIRS   (A the input, B the target)
 *           - a folder of pix2pix "aligned" images: A the left half, B the
 *             right half (an odd width is an error naming the file);
 *           - "DIR_A,DIR_B": two folders whose files match by name without
 *             extension ("x/1.jpg" pairs with "x/1.png");
 *           - with opts.pair_filter ("gray", "binary", "contours", "canny",
 *             "blur": image/'s img_filter with its defaults): any IMAGES spec
 *             (a folder, an IDX file, "synth:N[:SEED]") gives B, and A is the
 *             filter of B at load size.
 *   LABELS  (a per-pixel class map, the input, and the image, the target)
 *           - "synth:N[:SEED]": the faces' part labels (GAN_PART_*);
 *           - "DIR_MAPS,DIR_IMAGES", matched as for pairs. A map is an 8-bit
 *             palette PNG (class = palette index), an 8-bit grey image
 *             (class = value), or a colour image whose colours opts.palette
 *             lists (a text file, one class per line "R G B [name]" in
 *             decimal, line k = class k; '#' starts a comment, blank lines
 *             do not count). A class >= n_classes is an error naming the file
 *             and the pixel.
 *
 * Geometry: every image (and map) is made 8-bit with `channels` channels
 * (cond_channels for A), scaled so it covers the load size (W*h >= H*w:
 * width to W, height round(h*W/w); else height to H, width round(w*H/h)),
 * with cv2's INTER_AREA when shrinking and INTER_LINEAR when enlarging (maps:
 * PIL's NEAREST, as SPADE resizes them), and centre-cropped (the extra pixel of
 * an odd margin goes right/bottom). The two sides of a pair or of an image
 * and its map must have one size. Batches then take a width x height crop of
 * the load size (random with an rng, the centre without), and a random
 * horizontal flip when opts.flip, the same for both sides (pix2pix's
 * resize_and_crop with flips). */
typedef void (*gan_warn_fn)(void *user, const char *msg);

enum { GAN_DATA_IMAGES = 0, GAN_DATA_PAIRS = 1, GAN_DATA_LABELS = 2 };
/* A family kind, not a dataset kind: LABELS data the other way round (the
 * face parser): the run loop loads LABELS data and gives the image as the
 * batch's cond, the one-hot map as its x; such a family's geometry has the
 * classes as channels and the image's channels as cond_channels. */
enum { GAN_DATA_SEGMENTS = 3 };

typedef struct gan_dataset_opts {
    int size, channels;          /* channels 1..4; size is used when width and height are 0 */
    int width, height;           /* both 0 (size x size) or both 1..4096 */
    int kind;                    /* GAN_DATA_* */
    int cond_channels;           /* pairs: channels of A (1..4); 0: same as channels */
    int n_classes;               /* labels: 1..255; 0: the palette file's entries, else 7 (GAN_PART_COUNT) */
    int load_width, load_height; /* both 0 (no crop) or both >= width, height: random crops of width x height */
    int flip;                    /* random horizontal flips */
    int b_to_a;                  /* pairs: the left half (DIR_A) is the target, pix2pix's --direction BtoA */
    const char *pair_filter;     /* pairs: A made from B by this filter, or NULL */
    const char *palette;         /* labels: the colour map palette file, or NULL */
    int (*cancel)(void *user);   /* polled per file and per synthetic face; nonzero: G99_ESTOPPED. Or NULL */
    gan_warn_fn warn;            /* or NULL */
    void *user;                  /* for warn and cancel */
} gan_dataset_opts;

typedef struct gan_dataset {
    int n, size, channels;       /* size: width when square, else 0 */
    int width, height, kind, cond_channels, n_classes;   /* cond_channels, n_classes: 0 when unused */
    int load_width, load_height, flip;                   /* load_*: width, height when no crop */
    uint8_t *pixels;             /* n items (IMAGES: the image, else the target): channels planes of
                                    load_height x load_width bytes */
    uint8_t *cond;               /* PAIRS: A, cond_channels planes; LABELS: one plane of class indices; IMAGES: NULL */
    size_t skipped;
    /* IDX sources that are enlarged (or kept) keep their items at the source
     * size: src_width x src_height, one grey plane each (repeated into the
     * channels), resized by plan to cover the load size and cropped at
     * (crop_x, crop_y) as batches are made. The batches are the same bits as
     * from stored items, with a fraction of the memory and no start-up
     * resize. Otherwise src_width is 0 and pixels are as above. */
    int src_width, src_height, crop_x, crop_y;
    img_linear_plan plan;
} gan_dataset;

int gan_dataset_load(const char *spec, const gan_dataset_opts *opts, gan_dataset *ds, g99_error *err);
void gan_dataset_free(gan_dataset *ds);
/* idx[0..n): the order of epoch `epoch`, a permutation that depends on
 * (seed, epoch) only (stream NN_STREAM_DATA). */
void gan_dataset_epoch_order(const gan_dataset *ds, uint64_t seed, uint64_t epoch, uint32_t *idx);
/* Images idx[0..count) (the targets) as floats in [-1, 1], (v / 255 - 0.5) /
 * 0.5 as torchvision's ToTensor then Normalize(0.5, 0.5), [count, channels,
 * height, width]: the centre crop, never flipped. */
void gan_dataset_batch(const gan_dataset *ds, const uint32_t *idx, int count, float *out);
/* Images idx[0..count) with their conditions: x [count, channels, height,
 * width] (the target) in [-1, 1], and cond (ignored for IMAGES) [count, cond_channels, height, width] in [-1, 1] for PAIRS, or
 * one-hot [count, n_classes, height, width] of 0 and 1 for LABELS (SPADE's
 * scatter_). augment (normally stream NN_STREAM_AUGMENT) takes, per image in
 * order: the crop's x offset nn_rng_below(load_width - width + 1) when
 * load_width > width, then y likewise when load_height > height, then the
 * flip nn_rng_below(2) == 1 when flip is on; NULL: the centre, no flip.
 * x or cond may be NULL (not written; the draws are the same). */
void gan_dataset_batch_cond(const gan_dataset *ds, const uint32_t *idx, int count, nn_rng *augment, float *x,
                            float *cond);
/* One photo made as the dataset makes an item (gan/dataset_prep.c): 8-bit
 * with `channels` channels (grey from colour by img_grey, colour from grey
 * repeated, alpha dropped), scaled to cover w x h and centre-cropped, as
 * described above. For commands that prepare photos the way training saw
 * them (gan99 pairs, gan99 translate). */
int gan_image_fit(const img_image *src, int channels, int w, int h, img_image *out, g99_error *err);
/* One label map file read as LABELS data reads a map (gan/dataset_labels.c),
 * for commands that take maps (gan99 paint): a palette PNG, a grey image or
 * a colour image in palette_file's colours (NULL: gan_label_image's
 * documented colours of classes 0..n_classes-1), every class below
 * n_classes, then at width x height: a map of another size is resized as
 * training resizes maps (nearest, covering, centre crop) and *resized set.
 * out: 1 channel of class indices. G99_EFORMAT naming the pixel for a class
 * or a colour outside the palette, or saying the file looks like a photo
 * (many pixels of no class). */
int gan_label_map_load(const char *path, const char *palette_file, int n_classes, int width, int height,
                       img_image *out, int *resized, g99_error *err);
/* The classes of a palette file (its colour lines), read and checked as
 * LABELS data reads it; for the default of --classes when --palette is given. */
int gan_palette_classes(const char *path, int *n, g99_error *err);
/* SECTION dataset end */

/* SECTION pictures */
/* x [nc, height, width] in [-1, 1] -> an 8-bit width*scale x height*scale
 * image, each pixel repeated scale x scale: grey from 1 channel, RGB from
 * the first 3 of 3 or 4 (a value v becomes round((v + 1) * 127.5), clamped). */
int gan_tensor_image_wh(const float *x, int nc, int width, int height, int scale, img_image *out, g99_error *err);
/* The square case: gan_tensor_image_wh(x, nc, size, size, scale, ...). */
int gan_tensor_image(const float *x, int nc, int size, int scale, img_image *out, g99_error *err);
/* n images [n, nc, height, width] in a square-ish grid: ceil(sqrt(n))
 * columns, white margins of 2 between and around them. */
int gan_sample_grid_wh(const float *x, int n, int nc, int width, int height, int scale, img_image *out,
                       g99_error *err);
/* The square case: gan_sample_grid_wh(x, n, nc, size, size, scale, ...). */
int gan_sample_grid(const float *x, int n, int nc, int size, int scale, img_image *out, g99_error *err);
/* n_rows rows of n_cols images side by side (say input | output | target),
 * white margins of 2 as gan_sample_grid: column c is cols[c], [n_rows,
 * col_channels[c], height, width] in [-1, 1]; a 1-channel column is drawn
 * grey, 3 or 4 channels as RGB (the first 3). The sheet is grey when every
 * column is, else RGB (grey columns with r = g = b). */
int gan_sample_rows(const float *const *cols, const int *col_channels, int n_cols, int n_rows, int width, int height,
                    img_image *out, g99_error *err);
/* A class map [n_classes, height, width] (one-hot, probabilities or
 * logits) -> an RGB image, each pixel the colour of its argmax class (the
 * lowest index on ties; NaN never wins). Classes 0..6 are the synthetic
 * faces' parts (GAN_PART_*): background black (0,0,0), skin (255,200,150),
 * hair brown (140,70,20), eyes blue (0,100,255), brows magenta (200,0,200),
 * nose green (0,190,0), mouth red (230,0,0); class 7 and up take the PASCAL
 * VOC colour map of the same index (7 grey (128,128,128), 8 (64,0,0), ...:
 * bits 0, 1, 2 of the index go to the top bit of r, g, b, the next three
 * to the bits below, and so on). n_classes 1..GAN_LABEL_MAX_CLASSES. */
#define GAN_LABEL_MAX_CLASSES 4096
int gan_label_image(const float *onehot, int n_classes, int width, int height, img_image *out, g99_error *err);
/* classes [height * width] (one byte a pixel, each < n_classes, 1..256) ->
 * an 8-bit palette PNG at path, written atomically: pixel value = class,
 * palette = gan_label_image's colours, so it looks like the colour map and
 * reads back as classes (gan_label_map_load, label-map data). */
int gan_label_png_save(const char *path, const uint8_t *classes, int width, int height, int n_classes, g99_error *err);
/* z[0..nz) ~ N(0, 1) from nn_rng(seed, GAN_STREAM_SAMPLE): a seed's latent
 * vector; the first n*nz values of a seed are its grid of n. */
void gan_latent_normal(uint64_t seed, int nz, float *z);
/* Spherical interpolation (Shoemake; White 2016 for GAN latents): out =
 * sin((1-t) w)/sin w a + sin(t w)/sin w b, w the angle between a and b;
 * the linear blend when they are (nearly) parallel. */
void gan_slerp(const float *a, const float *b, int n, float t, float *out);
/* A 640x400 line plot of n_series series of n values against step 1..n,
 * PNG at path, with a legend of names (shown up to GAN_PLOT_NAME_MAX
 * characters; the built-in font has A-Z a-z 0-9 _-.:/() and space, other
 * characters are blanks). n_series 1..GAN_PLOT_MAX_SERIES. */
#define GAN_PLOT_MAX_SERIES 16
#define GAN_PLOT_NAME_MAX 40
int gan_plot_losses(const char *path, const float *const *series, const char *const *names, int n_series, size_t n,
                    g99_error *err);
/* SECTION pictures end */

/* SECTION autoencoder */
/* The encoder-decoder of doc/models.md §2.2 (pix2pix's U-Net without its
 * skips) as an autoencoder: input = target, trained on L1 (or MSE) by Adam.
 * Two nn.Sequential, "encoder" and "decoder", numbered as PyTorch numbers
 * them (every module counts, parameters or not):
 *   encoder stage i: Conv(4, stride 2, pad 1) [BN unless i = 0] LReLU(0.2)
 *                    Dropout(p)
 *     with pool: Conv(3, stride 1, pad 1) [BN] LReLU(0.2) MaxPool2d(2) Dropout(p)
 *   decoder stage j: ConvT(4, 2, 1) BN ReLU; the last ConvT (with a bias) Tanh.
 * Widths nf min(2^i, 8) (pix2pix's C64-C128-C256-C512-C512...); the decoder
 * mirrors them back to the image's channels. 64x64 with nf 64: encoder.0
 * Conv(3->64) .1 LReLU .2 Dropout .3 Conv(64->128) .4 BN .5 .6 .7 Conv(->256)
 * .8 BN ... .11 Conv(->512) .12 BN .13 .14 (512x4x4); decoder.0 ConvT(512->256)
 * .1 BN .2 ReLU ... .9 ConvT(64->3, bias) .10 Tanh. Convs are bias-free but
 * the last (pix2pix's use_bias with batch norm); initialization DCGAN's and
 * pix2pix's: conv weights N(0, 0.02), BN gamma N(1, 0.02), biases 0. */
#define GAN_AE_MAX_DEPTH 12
typedef struct gan_autoencoder_config {
    int width, height;       /* both divisible by 2^depth */
    int channels;            /* 1 or 3 */
    int nf;                  /* base width (64) */
    int depth;               /* down stages; 0: gan_autoencoder_default_depth */
    int pool;                /* 1: stride-1 3x3 convs and 2x2 max-pools */
} gan_autoencoder_config;

typedef struct gan_autoencoder {
    gan_autoencoder_config cfg;      /* depth filled in */
    nn_params p;                     /* "encoder.*" then "decoder.*" */
    gan_table init;
    gan_block enc[GAN_AE_MAX_DEPTH], dec[GAN_AE_MAX_DEPTH];
} gan_autoencoder;

/* Halvings while both sides are even and the smaller is at least 8 (64x64:
 * 4, down to 4x4; 64x32: 3); 0 when the sides cannot halve. */
int gan_autoencoder_default_depth(int width, int height);
/* G99_EINVAL naming the flag, and, for sizes, sizes that work. */
int gan_autoencoder_check_config(const gan_autoencoder_config *cfg, g99_error *err);
/* Declares and allocates the model (weights 0, gamma 1, running var 1). */
int gan_autoencoder_init(gan_autoencoder *m, const gan_autoencoder_config *cfg, g99_error *err);
void gan_autoencoder_free(gan_autoencoder *m);
/* Conv weights N(0, 0.02), BN gamma N(1, 0.02), in state_dict order, one
 * fill per tensor from rng (normally NN_STREAM_INIT); biases, beta and the
 * buffers their construction values. */
void gan_autoencoder_weights_init(gan_autoencoder *m, nn_rng *rng);

/* Dropout after each encoder stage in training: p, masks drawn from rng
 * (NN_STREAM_DROPOUT), or replayed from keep[i] (stage i's mask, the
 * stage's output shape: PyTorch's masks in the tests). NULL or p 0: none. */
typedef struct gan_autoencoder_dropout {
    float p;
    nn_rng *rng;
    nn_tensor *const *keep;
} gan_autoencoder_dropout;

/* x [N,channels,height,width] -> the code [N, nf min(2^(depth-1), 8),
 * height/2^depth, width/2^depth]; train: batch statistics (running ones
 * updated), else the running statistics. */
nn_tensor *gan_autoencoder_encode(nn_ctx *ctx, const gan_autoencoder *m, nn_tensor *x, int train,
                                  const gan_autoencoder_dropout *drop);
/* code -> [N,channels,height,width] in [-1, 1]. */
nn_tensor *gan_autoencoder_decode(nn_ctx *ctx, const gan_autoencoder *m, nn_tensor *code, int train);
/* decode(encode(x)). */
nn_tensor *gan_autoencoder_forward(nn_ctx *ctx, const gan_autoencoder *m, nn_tensor *x, int train,
                                   const gan_autoencoder_dropout *drop);

/* ---- training: loss(forward(input), target), one Adam (lr 2e-4, beta1 0.5) */
enum { GAN_AE_LOSS_L1 = 0, GAN_AE_LOSS_MSE = 1 };
typedef struct gan_autoencoder_trainer {
    gan_autoencoder *m;
    nn_adam adam;
    nn_rng dropout;          /* NN_STREAM_DROPOUT of the run's seed */
    float p;                 /* dropout */
    int loss;                /* GAN_AE_LOSS_* */
    nn_ctx *ctx;
    int owns_ctx;
} gan_autoencoder_trainer;

/* ctx: the arena of every step (NULL: the trainer makes its own). */
int gan_autoencoder_trainer_init(gan_autoencoder_trainer *t, gan_autoencoder *m, float lr, float beta1, int loss,
                                 float dropout, uint64_t seed, nn_ctx *ctx, g99_error *err);
void gan_autoencoder_trainer_free(gan_autoencoder_trainer *t);
/* One step on n images [n,channels,height,width] in [-1, 1]: zero_grad,
 * loss(forward(input, train), target), backward, Adam step. losses[0] the
 * L1 and losses[1] the MSE of that forward (the trained one is t->loss). */
int gan_autoencoder_train_step(gan_autoencoder_trainer *t, const float *input, const float *target, int n,
                               float losses[2], g99_error *err);
/* SECTION autoencoder end */

/* SECTION stylegan */
/* StyleGAN2 as NVlabs/stylegan2-ada-pytorch builds it (doc/models.md,
 * "StyleGAN2"), fp32, no conditioning: G = mapping (normalize_2nd_moment,
 * map_layers FullyConnectedLayers lrelu at lr_mul 0.01, the w_avg buffer)
 * and synthesis (architecture 'skip': a learned 4x4 const, per resolution
 * conv0 up 2 through the FIR filter, conv1, per-layer noise, ToRGB without
 * demodulation); D resnet (fromrgb, conv0, conv1 down 2, 1x1 skip at
 * gain sqrt 0.5, then the epilogue mbstd, conv, fc, out). Channels at
 * resolution r: min(channel_base / r, channel_max). Keys are the
 * reference's state_dict keys: G's (and G_ema's) begin synthesis.b4.const,
 * synthesis.b4.resample_filter, synthesis.b4.conv1.weight ... and end with
 * mapping.w_avg, mapping.fc0.weight ...; D's b{R}.resample_filter,
 * b{R}.fromrgb.weight ... b4.out.bias. */
#define GAN_SG_MAX_MAP 16
#define GAN_SG_MAX_BLOCKS 7          /* 4 .. 256 */

typedef struct gan_stylegan_config {
    int resolution;                  /* 16 .. 256, a power of two */
    int z_dim, w_dim;                /* 512, 512 in the reference */
    int map_layers;                  /* 8 (1 .. GAN_SG_MAX_MAP) */
    int channel_base, channel_max;   /* 32768 (16384 at auto < 512), 512 */
    int channels;                    /* image channels, 3 */
    float lr_mul;                    /* the mapping's, 0.01 */
    float conv_clamp;                /* 0: none (the reference's None; --fp32 runs) */
    float w_avg_beta;                /* 0.995 */
    int mbstd_group;                 /* 4 (N must divide by min(group, N)) */
} gan_stylegan_config;

/* The reference's defaults at this resolution: z_dim w_dim 512, 8 mapping
 * layers, channel_base 32768, channel_max 512, 3 channels, lr_mul 0.01, no
 * clamp, beta 0.995, mbstd group 4. */
void gan_stylegan_config_default(gan_stylegan_config *c, int resolution);
int gan_stylegan_check_config(const gan_stylegan_config *c, g99_error *err);
/* 2 log2(resolution) - 2: the ws a synthesis reads. Block 4 reads ws[0]
 * (conv1) and ws[1] (torgb); block 2^k, k >= 3, ws[2k-5] (conv0), ws[2k-4]
 * (conv1) and ws[2k-3] (torgb): a ToRGB shares its w with the next conv0. */
int gan_stylegan_num_ws(const gan_stylegan_config *c);
/* min(channel_base / res, channel_max) */
int gan_stylegan_channels(const gan_stylegan_config *c, int res);

typedef struct gan_sg_gblock {
    int res, in, out;                /* in 0: the 4x4 block with the const */
    nn_tensor *constant, *resample_filter;
    gan_modconv conv0, conv1, torgb;
} gan_sg_gblock;

/* A generator (G or G_ema: the same keys). */
typedef struct gan_stylegan_g {
    gan_stylegan_config cfg;
    nn_params p;
    gan_table init;
    gan_sg_gblock block[GAN_SG_MAX_BLOCKS];
    int n_blocks, num_ws;
    gan_eq_linear fc[GAN_SG_MAX_MAP];
    nn_tensor *w_avg;
} gan_stylegan_g;

typedef struct gan_sg_dblock {
    int res, in, tmp, out;           /* in 0: the top block, with fromrgb */
    nn_tensor *resample_filter;
    gan_eq_conv fromrgb, conv0, conv1, skip;
} gan_sg_dblock;

typedef struct gan_stylegan_d {
    gan_stylegan_config cfg;
    nn_params p;
    gan_table init;
    gan_sg_dblock block[GAN_SG_MAX_BLOCKS];
    int n_blocks;
    gan_eq_conv conv;                /* the epilogue b4 */
    gan_eq_linear fc, out;
} gan_stylegan_d;

/* G, G_ema and D, each its own nn_params table. */
typedef struct gan_stylegan {
    gan_stylegan_config cfg;
    gan_stylegan_g g, g_ema;
    gan_stylegan_d d;
} gan_stylegan;

/* One network, declared and allocated (every tensor at its initializer's
 * centre: weights 0, affine biases 1, the filters set). */
int gan_stylegan_g_init(gan_stylegan_g *g, const gan_stylegan_config *c, g99_error *err);
int gan_stylegan_d_init(gan_stylegan_d *d, const gan_stylegan_config *c, g99_error *err);
void gan_stylegan_g_free(gan_stylegan_g *g);
void gan_stylegan_d_free(gan_stylegan_d *d);
int gan_stylegan_init(gan_stylegan *m, const gan_stylegan_config *c, g99_error *err);
void gan_stylegan_free(gan_stylegan *m);
/* The reference's initialization from rng (normally NN_STREAM_INIT), G's
 * tensors then D's in state_dict order, one fill each: weights N(0, 1)
 * (mapping N(0, 1/lr_mul)), biases 0, affine biases 1, const and
 * noise_const N(0, 1), noise_strength 0, w_avg 0; G_ema a copy of G. */
void gan_stylegan_weights_init(gan_stylegan *m, nn_rng *rng);
/* Copies every tensor of src into dst (same keys, same shapes). */
void gan_stylegan_g_copy(gan_stylegan_g *dst, const gan_stylegan_g *src);

/* Mapping: z [N, z_dim] -> ws [N, num_ws, w_dim]. train: w_avg moves toward
 * the batch mean, w_avg = mean + beta (w_avg - mean) (the reference in
 * training mode; never on G_ema). psi != 1: ws[:, :cutoff] = w_avg + psi
 * (ws - w_avg), cutoff <= 0 or >= num_ws meaning all (truncation). */
nn_tensor *gan_stylegan_mapping(nn_ctx *ctx, gan_stylegan_g *g, nn_tensor *z, float psi, int cutoff, int train);

enum { GAN_SG_NOISE_CONST = 0, GAN_SG_NOISE_RANDOM = 1, GAN_SG_NOISE_NONE = 2 };
/* A source of normal draws replacing rng (a test feeding PyTorch's noise). */
typedef void (*gan_sg_normal_fn)(void *user, float *dst, size_t n);
/* Synthesis: ws [N, num_ws, w_dim] -> images [N, channels, R, R] (not
 * clamped; about [-1, 1]). noise_mode GAN_SG_NOISE_CONST uses each layer's
 * noise_const buffer, _RANDOM draws [N,1,r,r] N(0,1) per layer in layer
 * order (b4.conv1, b8.conv0, b8.conv1, ...) from rng, _NONE adds none. */
nn_tensor *gan_stylegan_synthesis(nn_ctx *ctx, const gan_stylegan_g *g, nn_tensor *ws, int noise_mode, nn_rng *rng);
/* The same with the draws from fn(user, ...) when fn is not NULL. */
nn_tensor *gan_stylegan_synthesis_fn(nn_ctx *ctx, const gan_stylegan_g *g, nn_tensor *ws, int noise_mode,
                                     nn_rng *rng, gan_sg_normal_fn fn, void *user);
/* D: images [N, channels, R, R] -> logits [N, 1]. */
nn_tensor *gan_stylegan_discriminate(nn_ctx *ctx, const gan_stylegan_d *d, nn_tensor *x);

/* ---- training (gan/train_stylegan.c): StyleGAN2Loss and the loop's phases ---- */
typedef struct gan_stylegan_train_opts {
    float lr;                 /* 0.0025 */
    float gamma;              /* R1 weight; 0: none */
    float pl_weight;          /* 2; 0: no path-length phase */
    float mixing;             /* style-mixing probability, 0.9 */
    float ema_kimg;           /* G_ema half-life in thousands of images; the auto cfg's batch * 10 / 32 */
    float ema_rampup;         /* 0.05; 0: none */
    int r1_interval, pl_interval;   /* 16, 4 */
    int pl_batch_shrink;      /* 2 */
    float pl_decay;           /* 0.01 */
    int mirror;               /* x-flip each real image with probability 0.5 */
    int freeze_d;             /* Freeze-D: D's first freeze_d layers in creation order (per block fromrgb,
                               * conv0, conv1, skip; the epilogue never) get no updates; 0 none */
} gan_stylegan_train_opts;

void gan_stylegan_train_defaults(gan_stylegan_train_opts *o, int batch);

typedef struct gan_stylegan_losses {
    float g_main, g_pl, d_gen, d_real, d_r1;   /* each phase's mean loss (before its gain); 0 when skipped */
    float pl_mean;                              /* after the step */
    float ema_beta;
} gan_stylegan_losses;

typedef struct gan_stylegan_trainer {
    gan_stylegan *m;
    gan_stylegan_train_opts o;
    int batch;
    nn_adam opt_g, opt_d;
    nn_params state;          /* "pl_mean" (the loss's buffer), kept by checkpoints */
    nn_tensor *pl_mean;
    nn_rng noise, augment;    /* z, mixing, synthesis and path-length noise; the mirror flips */
    nn_ctx *ctx;
    int owns_ctx;
    uint64_t step;            /* iterations taken (the reference's batch_idx) */
    /* a test's replacement of every normal draw (z, z2, synthesis noise,
     * pl noise, in the order taken) and of the mixing cutoff draw */
    gan_sg_normal_fn draw_normal;
    int (*draw_cutoff)(void *user, int num_ws);
    /* called after each phase's backward and gradient clean-up, before its
     * Adam step (phase 0 Gmain, 1 Greg, 2 Dmain, 3 Dreg; p: the network's
     * table), for a test that compares gradients; or NULL */
    void (*after_phase)(void *user, int phase, const nn_params *p);
    void *draw_user;
} gan_stylegan_trainer;

int gan_stylegan_trainer_init(gan_stylegan_trainer *t, gan_stylegan *m, int batch, const gan_stylegan_train_opts *o,
                              uint64_t seed, nn_ctx *ctx, g99_error *err);
void gan_stylegan_trainer_free(gan_stylegan_trainer *t);
/* One iteration of the reference's loop: Gmain, Greg (every pl_interval),
 * Dmain, Dreg (every r1_interval), each with its own zero_grad, gradient
 * clean-up and Adam step; then G_ema. real [batch, channels, R, R] in
 * [-1, 1] (flipped here when mirror). */
int gan_stylegan_train_step(gan_stylegan_trainer *t, const float *real, gan_stylegan_losses *out, g99_error *err);
/* ---- drawing (gan/stylegan_render.c): generate.py and style_mixing.py ---- */
typedef struct gan_sg_render {
    float psi;                /* truncation, 1: none */
    int cutoff;               /* truncate ws [0, cutoff); 0: all */
    int noise_mode;           /* GAN_SG_NOISE_* */
    uint64_t noise_seed;      /* GAN_SG_NOISE_RANDOM draws from nn_rng(noise_seed, NN_STREAM_NOISE) */
} gan_sg_render;

/* z [n, z_dim] -> ws [n, num_ws, w_dim] (G in inference: w_avg untouched). */
int gan_stylegan_map(gan_stylegan_g *g, const float *z, int n, float psi, int cutoff, float *ws, g99_error *err);
/* ws [n, num_ws, w_dim] -> images [n, channels, R, R], one batch (random
 * noise is drawn per layer for the whole batch, as the reference). */
int gan_stylegan_render_ws(const gan_stylegan_g *g, const float *ws, int n, int noise_mode, uint64_t noise_seed,
                           float *out, g99_error *err);
int gan_stylegan_render_z(gan_stylegan_g *g, const float *z, int n, const gan_sg_render *r, float *out,
                          g99_error *err);
/* The ws of a named band: the paper's coarse (4-8), middle (16-32) and fine
 * (64 and up) at 1024; in a model under 64 the bands move down so each has
 * a resolution: fine from min(64, R), middle from min(16, fine / 2). */
int gan_stylegan_style_range(const gan_stylegan_g *g, const char *name, int *first, int *last, g99_error *err);
/* style_mixing.py's grid: out gets rows + cols source images (the rows'
 * then the columns') and then rows x cols cells, cell (i, j) the row's ws
 * with ws first..last from column j. */
int gan_stylegan_mix(gan_stylegan_g *g, const float *z_rows, int rows, const float *z_cols, int cols, int first,
                     int last, const gan_sg_render *r, float *out, g99_error *err);
/* The G_ema of a model that gan_model_load gave for gan99.arch "stylegan"
 * (NULL for another family's). */
struct gan_family;
struct gan_model;
gan_stylegan_g *gan_stylegan_model_g(const struct gan_family *f, struct gan_model *m);
/* SECTION stylegan end */

/* SECTION family */
/* A model family (gan/family.c): everything the one run loop, the model
 * files and the generic commands (train, sample, morph, info) need to know
 * of a family, as a table of data and functions. A family is its model
 * file (gan/dcgan.c), its adapter (gan/arch_dcgan.c, this table), its
 * tests and one line in the registry (gan/family.c). Each family keeps its
 * typed API (gan_dcgan_generate ...) for readers who study one model. */

/* An option of a family: a command-line flag, a key of the settings JSON,
 * a range and a default. `arch` options shape the model (they are the
 * model file's gan99.config); the others are training settings (kept in
 * the checkpoint). CHOICE values are indices into choices ("a|b|c"); FLAG
 * options take no value on the command line (present: 1). */
enum { GAN_OPT_INT = 0, GAN_OPT_FLOAT = 1, GAN_OPT_CHOICE = 2, GAN_OPT_FLAG = 3 };
#define GAN_MAX_OPTIONS 32

typedef struct gan_option {
    const char *flag;        /* "--ngf" */
    const char *key;         /* "ngf" */
    const char *help;        /* one line, with the reference's default */
    int type;                /* GAN_OPT_* */
    double lo, hi, def;      /* inclusive range; def may be 0 = "the family's rule" (see resolve) */
    const char *choices;     /* GAN_OPT_CHOICE: "vanilla|lsgan" */
    int arch;                /* 1: part of the model file's gan99.config */
} gan_option;

/* Option values by position in the family's table; given[i] says the user
 * set value i (a resumed run refuses a given arch option that differs). */
typedef struct gan_values {
    double v[GAN_MAX_OPTIONS];
    unsigned char given[GAN_MAX_OPTIONS];
} gan_values;

/* A column of loss.csv; plot names it in loss.png (NULL: not plotted). */
typedef struct gan_loss_col {
    const char *name, *plot;
} gan_loss_col;

/* The images a model makes and takes: width x height x channels, the
 * condition's channels (pairs: A's channels; label maps: the classes), the
 * latent size (0: a conditional family, no latent). */
typedef struct gan_geometry {
    int width, height, channels, cond_channels, latent;
} gan_geometry;

/* One training batch: x [n, channels, H, W] in [-1, 1] (the real images or
 * the targets) and cond [n, cond_channels, H, W] or NULL, with where the
 * run is (learning-rate schedules such as pix2pix's linear decay). */
typedef struct gan_batch {
    int n;
    const float *x, *cond;
    uint64_t step;             /* steps taken before this one */
    uint64_t epoch;            /* the epoch this step is in (0-based), for schedules */
    uint64_t steps_per_epoch;  /* whole batches an epoch */
} gan_batch;

typedef struct gan_model gan_model;   /* a family's own struct */

typedef struct gan_family {
    const char *name;                 /* "dcgan": the gan99.arch of its model files */
    const char *summary;              /* one line */
    const char *reference;            /* the implementation it follows */
    int kind;                         /* what it trains on: GAN_DATA_IMAGES, _PAIRS or _LABELS */
    const gan_option *options;
    int n_options;
    const gan_loss_col *losses;       /* one per value train_step writes */
    int n_losses;
    int default_batch;
    uint64_t default_epochs;          /* the reference's epoch count */
    /* Fills defaults that depend on other options (NULL: none). */
    void (*resolve)(gan_values *v);
    /* The model the arch options describe, parameters allocated (zero). */
    int (*create)(const gan_values *v, gan_model **out, g99_error *err);
    void (*destroy)(gan_model *m);
    void (*geometry)(const gan_model *m, gan_geometry *g);
    /* The reference's initialization, from nn_rng(seed, NN_STREAM_INIT). */
    void (*init_weights)(gan_model *m, uint64_t seed);
    /* Optimizers and generators for training with these settings; every
     * step's tensors go into ctx (the run loop's arena). */
    int (*train_begin)(gan_model *m, const gan_values *v, int batch, uint64_t seed, nn_ctx *ctx, g99_error *err);
    /* One step; losses[0 .. n_losses) filled. */
    int (*train_step)(gan_model *m, const gan_batch *b, float *losses, g99_error *err);
    /* The trained tables with their optimizers ("G.", "D." ...), and the
     * generators a checkpoint keeps; each returns how many it filled. */
    int (*parts)(gan_model *m, nn_checkpoint_part *parts, int max);
    int (*rngs)(gan_model *m, nn_rng **rngs, int max);
    /* The table of model.safetensors (G, or G_ema), with the reference's keys. */
    nn_params *(*inference)(gan_model *m);
    /* z [N, latent] (NULL for conditional families), cond [N, cond_channels,
     * H, W] (NULL for unconditional ones) -> [N, channels, H, W] in [-1, 1].
     * train: batch statistics, as the reference draws its sample grids. */
    nn_tensor *(*generate)(gan_model *m, nn_ctx *ctx, nn_tensor *z, nn_tensor *cond, int train);
} gan_family;

/* The registry: every family gan99 has, NULL-terminated, and lookup by name. */
extern const gan_family *const gan_families[];
extern const gan_family gan_family_dcgan;
extern const gan_family gan_family_pix2pix;
extern const gan_family gan_family_autoencoder;
extern const gan_family gan_family_stylegan;
extern const gan_family gan_family_spade;
/* The SPADE networks of a spade model (gan99 paint draws with its own z), else NULL. */
gan_spade *gan_spade_model(const struct gan_family *f, struct gan_model *m);
extern const gan_family gan_family_parser;
/* A spade model's loss.csv columns (KLD under use_vae and VGG with --vgg
 * join the plain four, in the reference's order), else 0. */
int gan_spade_loss_cols(const gan_family *f, gan_model *m, const gan_loss_col **cols);
/* --vgg FILE for a spade model before train_begin (path copied; NULL:
 * none); G99_EINVAL for another family. */
int gan_spade_set_vgg(const gan_family *f, gan_model *m, const char *path, g99_error *err);
/* The tables of a model file: the inference table under its keys (prefix
 * ""), then those that go with it: a use_vae spade model's encoder under
 * "E." (gan99 paint --style). Returns how many (max >= 2). */
int gan_model_tables(const gan_family *f, gan_model *m, nn_checkpoint_part *parts, int max);
/* loss.csv's columns of this model: the family's table, or the model's
 * own when its options add losses (spade). Returns how many. */
int gan_model_losses(const gan_family *f, gan_model *m, const gan_loss_col **cols);
const gan_family *gan_arch_find(const char *name);
/* "dcgan, pix2pix, ..." for messages. */
const char *gan_family_names(void);
/* Index of the option with this flag ("--ngf") or key ("ngf"), or -1. */
int gan_option_find(const gan_family *f, const char *flag_or_key);
/* Every option at its default, then resolve. */
void gan_values_default(const gan_family *f, gan_values *v);
/* Checks v[i] against option i's type and range; G99_EINVAL naming the flag. */
int gan_option_check(const gan_family *f, int i, double v, g99_error *err);
/* A value as the settings JSON and the help print it: "64", "0.0002", "lsgan". */
void gan_option_format(const gan_family *f, int i, double v, char *buf, size_t cap);
/* The arch options as a JSON object, keys sorted: the model file's
 * gan99.config ({"nc":3,"ndf":64,"ngf":64,"nz":100,"size":64} for DCGAN).
 * all = 1 writes every option (the checkpoint's settings). */
int gan_values_json(const gan_family *f, const gan_values *v, int all, nn_json_buf *out);
/* Reads options back from such a JSON object: a missing arch key takes its
 * default (older files), a key no option has is an error. */
int gan_values_parse(const gan_family *f, const nn_json *doc, int all, gan_values *v, g99_error *err);

/* A model file (a run's model.safetensors): its family by gan99.arch, the
 * model its gan99.config describes, the inference table loaded. A training
 * checkpoint or another file is refused with a message saying what it is. */
int gan_model_load(const char *path, const gan_family **family, gan_model **model, gan_values *values,
                   g99_error *err);
/* n images from the latents z [n, latent] of an unconditional family, drawn
 * as the reference samples (train mode): out [n, channels, H, W]. A
 * conditional family is refused with a message saying so. */
int gan_model_generate_latent(const gan_family *f, gan_model *m, const float *z, int n, float *out, g99_error *err);
/* n outputs of a conditional or reconstruction family (no latent) from
 * cond [n, cond_channels, H, W] in [-1, 1] (channels when the family has no
 * cond_channels): out [n, channels, H, W]. train 1 keeps batch norm and
 * dropout in training mode (the reference's test.py without --eval), 0
 * uses the running statistics and no dropout. A family with a latent is
 * refused with a message saying so. */
int gan_model_translate(const gan_family *f, gan_model *m, const float *cond, int n, int train, float *out,
                        g99_error *err);
/* SECTION family end */

/* SECTION blend */
/* Toonify's layer swapping (gan/blend.c; doc/models.md, "Toonify"): a new
 * StyleGAN2 generator whose low-resolution layers come from LOW and whose
 * high-resolution layers come from HIGH, by the rule of Pinkney and
 * Adler's blend_models.py on stylegan2-ada-pytorch's G_ema keys (mapping.*,
 * synthesis.b4.const, synthesis.b{r}.conv0/conv1/torgb.*). Positions:
 * b4.const 0, b4.torgb 1, b{2^k}.conv0 2(k-2), b{2^k}.conv1 and torgb
 * 2(k-2)+1; mid = the position of (swap_res, level); x = pos - mid; HIGH's
 * weight y = sigmoid(x / width), or (x > 1 ? 1 : 0) for width 0; each
 * tensor becomes LOW + y (HIGH - LOW). Only trainable synthesis tensors
 * are blended: the mapping network and the buffers (w_avg, noise_const,
 * resample_filter) are LOW's. blend_models.py never blends b4.conv1 (its
 * TensorFlow name 4x4/Conv matches none of its prefixes): kept unless
 * fix_quirks, which gives it position 1. Alpha mode interpolates every
 * tensor instead (alpha 0: LOW's bytes, 1: HIGH's). */
typedef struct gan_blend_opts {
    int swap_res;     /* 4, 8, ... the model's size (not used in alpha mode) */
    int level;        /* 0 (blend_models.py's default) or 1 */
    float width;      /* 0: the hard switch; > 0: the sigmoid's width in positions */
    int fix_quirks;   /* 1: b4.conv1 blended at position 1, like b4.torgb */
    int use_alpha;    /* 1: alpha mode */
    float alpha;      /* 0..1 */
} gan_blend_opts;

/* All zero: hard switch, level 0, quirks kept, layer swapping (set swap_res). */
void gan_blend_opts_default(gan_blend_opts *o);
/* A synthesis key's position, or -1 for a key the rule leaves to LOW. */
int gan_blend_position(const char *key, int fix_quirks);
/* HIGH's weight y for a key (0: LOW's bytes); is_param 0 for buffers. */
float gan_blend_weight(const char *key, int is_param, const gan_blend_opts *o);
/* The blend of two G_ema tables with the same keys and shapes (a table
 * without synthesis.b4.const, other keys or shapes are refused naming the
 * first tensor that differs; a swap resolution that is not a power of two
 * in 4..size is refused). out: an empty table (nn_params_init) receives a
 * new one with LOW's keys, kinds and order; an allocated one with the same
 * keys (say a loaded model's inference table, or low itself) is written in
 * place. Nothing is changed on error. */
int gan_blend_tables(const nn_params *low, const nn_params *high, const gan_blend_opts *o, nn_params *out,
                     g99_error *err);
/* The same on two model files (gan99.arch "stylegan", the same
 * gan99.config): the blend written to out atomically, a model file with
 * LOW's metadata. A training checkpoint, another family's model or
 * non-float tensors are refused naming the file. */
int gan_blend_files(const char *low, const char *high, const gan_blend_opts *o, const char *out, g99_error *err);
/* SECTION blend end */

/* SECTION project */
/* Toonify's projection (gan/project.c; doc/models.md, "Toonify"): an image
 * into a StyleGAN2 generator's W by optimization, as stylegan2-ada-pytorch's
 * projector.py, with a pixel distance instead of LPIPS (its VGG16 weights
 * cannot be downloaded here): w from the mean of w_avg_samples mapped
 * latents, Adam (0.9, 0.999) at lr ramp(t) (a 5% ramp-up, a 25% cosine
 * ramp-down), w noise w_std noise_factor max(0, 1 - t / noise_ramp)^2,
 * the noise buffers optimized under the reference's regulariser. */
typedef struct gan_project_opts {
    int steps;                /* 1000 */
    float lr;                 /* 0.1 */
    float lr_rampup, lr_rampdown;   /* 0.05, 0.25 of the steps */
    float noise_factor, noise_ramp; /* 0.05, 0.75 */
    int w_avg_samples;        /* 10000 */
    uint64_t seed;            /* the latents of w_avg and the w noise (nn_rng stream NN_STREAM_NOISE) */
    int optimize_noise;       /* 1 (the reference): g's noise_const buffers are drawn N(0, 1) and optimized
                               * with w, left at their final values (render the projection with g); 0: const */
    float noise_reg;          /* the noise regulariser's weight, 1e5 */
    /* after each step (1-based): the distance of that step (with its w
     * noise) and, every frame_every steps and at the last, the image of the
     * current w [channels, R, R] (else NULL); nonzero stops (G99_ESTOPPED) */
    int (*progress)(void *user, int step, int steps, float dist, const float *image);
    int frame_every;
    void *user;
} gan_project_opts;

typedef struct gan_project_result {
    float dist_start, dist_end;   /* the distance of w_avg's image and of the result's */
    int steps;
} gan_project_result;

void gan_project_opts_default(gan_project_opts *o);
/* d(x, y) = mean((x - y)^2) + the mean over scales 1, 1/2, ... down to 8
 * pixels (2x2 average pooling) of mean |x_s - y_s|; x, y [N, C, H, W]. */
nn_tensor *gan_project_distance_t(nn_ctx *ctx, nn_tensor *x, nn_tensor *y);
/* target [channels, R, R] in [-1, 1] -> w_out [w_dim]. */
int gan_stylegan_project(gan_stylegan_g *g, const float *target, const gan_project_opts *o, float *w_out,
                         gan_project_result *res, g99_error *err);
/* Images [n, channels, R, R] of w [n, w_dim] (every layer the same w),
 * const noise (gan_stylegan_render_z draws from z). */
int gan_stylegan_render_w(gan_stylegan_g *g, const float *w, int n, float *out, g99_error *err);
/* SECTION project end */

/* SECTION metrics */
/* L1 and PSNR of outputs against targets (gan/metrics.c), both [n, C, H, W]
 * in [-1, 1]: L1 the mean absolute difference of every value in [-1, 1]
 * units; PSNR the mean over images of 10 log10(1 / MSE) with the images
 * mapped to [0, 1] (peak 1), 100 dB for an exact image. Add batches to a
 * zeroed sum in order, then read the figures. */
typedef struct gan_metric_sum {
    double abs_sum, psnr_sum;
    uint64_t values, images;
} gan_metric_sum;

void gan_metric_add(gan_metric_sum *s, const float *out, const float *target, int n, size_t per_image);
double gan_metric_l1(const gan_metric_sum *s);
double gan_metric_psnr(const gan_metric_sum *s);

/* Intersection over union of class maps (the face parser's figure; also
 * parse(paint(map)) against map): per class c, |pred = c and truth = c| /
 * |pred = c or truth = c| over every pixel added; the mean over the
 * classes present in either map (a class in neither has no IoU: NaN, left
 * out of the mean; NaN too when no class is present). Maps are class
 * indices, one byte a pixel. Add maps to a gan_iou_init'ed sum, then read
 * the figures; gan_iou does one map pair at once. */
#define GAN_IOU_MAX_CLASSES 256
typedef struct gan_iou_sum {
    int n_classes;
    uint64_t inter[GAN_IOU_MAX_CLASSES], pred[GAN_IOU_MAX_CLASSES], truth[GAN_IOU_MAX_CLASSES];
    uint64_t pixels;               /* counted pixels */
} gan_iou_sum;

/* n_classes is clamped to 1..GAN_IOU_MAX_CLASSES. */
void gan_iou_init(gan_iou_sum *s, int n_classes);
/* n pixels; a pixel whose predicted or true class is >= n_classes is not
 * counted: returns how many were left out (0 for valid maps). */
size_t gan_iou_add(gan_iou_sum *s, const uint8_t *pred, const uint8_t *truth, size_t n);
double gan_iou_class(const gan_iou_sum *s, int c);
double gan_iou_mean(const gan_iou_sum *s);
/* Mean IoU of one pair of maps; per_class (or NULL) gets n_classes values. */
double gan_iou(const uint8_t *pred, const uint8_t *truth, size_t n, int n_classes, double *per_class);
/* Scores [n_classes, plane] (logits, probabilities or one-hot) -> out[plane]
 * the argmax class per pixel, the lowest index on ties, NaN never winning
 * (as gan_label_image colours it); n_classes 1..256. */
void gan_class_argmax(const float *scores, int n_classes, size_t plane, uint8_t *out);
/* SECTION metrics end */

/* SECTION train_run */
/* A whole training run of any family into a folder (gan/train_run.c):
 *   RUN/checkpoint.safetensors  every part with its optimizer, the step, the
 *                               generators, every setting (gan99.config)
 *   RUN/model.safetensors       the inference table, the reference's keys
 *   RUN/samples/step_N.png      a grid every sample_every steps
 *   RUN/snapshots/model_N.safetensors  the model every snapshot_every steps (optional)
 *   RUN/progress.gif            those grids as an animation
 *   RUN/loss.csv, RUN/loss.png  the per-step losses and their plot
 *   RUN/val.csv                 families without a latent: L1 and PSNR
 *                               (gan_metric_*) of the output against the
 *                               target on held-out images at every epoch's
 *                               end and the run's, in translate's default
 *                               mode (train mode, batch 1); the input itself
 *                               (A as RGB) as a baseline for pairs
 *   RUN/iou.csv                 instead of val.csv for a segmenter (the
 *                               parser, GAN_DATA_SEGMENTS): mean and
 *                               per-class IoU (gan_iou_*) on held-out maps,
 *                               eval mode
 *   RUN/lock                    while the run is on (one run per folder) */
typedef struct gan_train_progress {
    uint64_t step, total;        /* steps done, steps asked for */
    const float *losses;         /* of the step just taken, n_losses values */
    const gan_family *family;
    const gan_loss_col *cols;    /* their names (gan_model_losses) */
    int n_losses;
} gan_train_progress;

/* Called after every step; nonzero asks the run to write a checkpoint and
 * return (Ctrl-C). */
typedef int (*gan_progress_fn)(void *user, const gan_train_progress *p);

typedef struct gan_train_opts {
    const gan_family *family;
    const char *data;            /* a folder, an IDX file or synth:N[:SEED]; NULL on resume: the checkpoint's */
    const char *out;             /* the run folder (made if missing) */
    gan_values values;           /* the family's options (gan_values_default, then the user's) */
    int batch;                   /* 0: the family's default */
    uint64_t steps, epochs;      /* the total to reach; steps wins; neither: the family's default epochs */
    uint64_t seed;
    int resume;                  /* continue RUN/checkpoint.safetensors with its settings */
    /* transfer learning: a new run whose weights start as this base's (a
     * run folder, its checkpoint.safetensors or a model.safetensors of the
     * family): the arch options are the base's (a given one that differs
     * is refused), every table of the checkpoint's parts that trains is
     * loaded (a model file fills the inference table and every other table
     * with the same keys, the rest keep their initialization, with a note),
     * the optimizers, the step and the loss's state start fresh; or NULL */
    const char *from;
    uint64_t sample_every;       /* 0: total / 50 */
    uint64_t checkpoint_every;   /* 0: 500 */
    /* > 0: also RUN/snapshots/model_NNNNNNN.safetensors every K steps (a
     * model file each, to pick an early one, as Toonify's authors did); a
     * setting of this invocation, not kept by the checkpoint */
    uint64_t snapshot_every;
    int n_samples;               /* grid size, 0: 64 (8 rows for conditional families) */
    /* conditional families' data (kept by the checkpoint): the filter that
     * makes A from B for synth:N or an image folder (pairs), the palette of
     * colour label maps, the load size to crop from (0: no crop) and the
     * random flip (pix2pix's resize_and_crop + flip) */
    const char *pair_filter, *palette;
    int load_width, load_height, no_flip;
    /* held-out data for val.csv (families without a latent), loaded as the
     * training data at the model's size, centre-cropped, not flipped; NULL:
     * DIR/val beside a DIR/train, or for synth:N[:S] 100 faces of seed
     * S + 1000 (faces training never sees); else none (kept by the checkpoint
     * when given) */
    const char *val;
    /* the VGG19 weights of SPADE's perceptual loss (--vgg; converted
     * torchvision weights, gan_vgg19_load), or NULL (kept by the checkpoint) */
    const char *vgg;
    /* on resume: which of batch, seed, sample_every, checkpoint_every,
     * n_samples the user gave (they must agree with the checkpoint's, or
     * for sample_every/checkpoint_every they override it with a note) */
    int given_batch, given_seed, given_sample_every, given_checkpoint_every, given_samples;
    gan_warn_fn warn;            /* warnings and notes, or NULL */
    gan_progress_fn progress;    /* or NULL */
    int (*cancel)(void *user);   /* polled while loading data; nonzero stops (or NULL) */
    void *user;                  /* for warn, progress and cancel */
} gan_train_opts;

typedef struct gan_train_result {
    uint64_t start, step, total; /* step at the start (resume), at the end, asked for */
    int stopped;                 /* stopped on request: a checkpoint was written (or nothing, before step 1) */
    int n_images;
    size_t skipped;              /* unreadable files of the dataset */
    size_t stale_removed;        /* temporaries of killed runs removed */
} gan_train_result;

/* Without resume, a folder that holds a run (checkpoint or model) is refused
 * before anything is written; a folder another process trains into, too. */
int gan_train_run(const gan_train_opts *opts, gan_train_result *res, g99_error *err);
/* SECTION train_run end */

#endif
