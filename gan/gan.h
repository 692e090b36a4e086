/* gan99 gan: the models, built on nn/ (SPEC.md §1, §4).
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
    GAN_STREAM_SAMPLE = 17       /* z of sample grids and morphs (gan99 sample, the training grids) */
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
/* DCGAN, pytorch/examples dcgan/main.py (gan_spec.md §1): G and D as
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
    int batch;
    uint64_t step;     /* steps taken */
} gan_dcgan_trainer;

/* The reference's optimizer settings for a model size: lr 2e-4, beta1 0.5
 * (1e-4 and 0.9 at 28, the tutorial's); beta2 is 0.999 and eps 1e-8. */
void gan_dcgan_train_defaults(int size, float *lr, float *beta1);
/* Adam for G and D, the generators from seed, the arena. m must outlive t. */
int gan_dcgan_trainer_init(gan_dcgan_trainer *t, gan_dcgan *m, int batch, float lr, float beta1, uint64_t seed,
                           g99_error *err);
void gan_dcgan_trainer_free(gan_dcgan_trainer *t);
/* One step (gan_spec.md §1) on real [batch, nc, size, size] in [-1, 1]. */
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

/* size 8..4096. Same (seed, index, size), same bytes on every platform. */
int gan_synthface_render(uint64_t seed, uint64_t index, int size, gan_face *out, g99_error *err);
void gan_face_free(gan_face *f);
/* SECTION synthfaces end */

/* SECTION dataset */
/* Training images in memory (gan/dataset.c): spec is a folder (recursive,
 * sorted by path), an IDX file (.gz or raw), or "synth:N[:SEED]". Every
 * image is made 8-bit, `channels` channels, resized (short side) and
 * centre-cropped to size x size. Unreadable files of a folder are skipped,
 * counted in `skipped` and passed to warn; no usable image is an error. */
typedef void (*gan_warn_fn)(void *user, const char *msg);

typedef struct gan_dataset_opts {
    int size, channels;
    gan_warn_fn warn;       /* or NULL */
    void *user;
} gan_dataset_opts;

typedef struct gan_dataset {
    int n, size, channels;
    uint8_t *pixels;        /* n images of channels planes of size*size bytes */
    size_t skipped;
} gan_dataset;

int gan_dataset_load(const char *spec, const gan_dataset_opts *opts, gan_dataset *ds, g99_error *err);
void gan_dataset_free(gan_dataset *ds);
/* idx[0..n): the order of epoch `epoch`, a permutation that depends on
 * (seed, epoch) only (stream NN_STREAM_DATA). */
void gan_dataset_epoch_order(const gan_dataset *ds, uint64_t seed, uint64_t epoch, uint32_t *idx);
/* Images idx[0..count) as floats in [-1, 1], [count, channels, size, size]. */
void gan_dataset_batch(const gan_dataset *ds, const uint32_t *idx, int count, float *out);
/* SECTION dataset end */

/* SECTION pictures */
/* x [nc, size, size] in [-1, 1] -> an 8-bit image (grey, or RGB from the
 * first 3 channels), each pixel repeated scale x scale. */
int gan_tensor_image(const float *x, int nc, int size, int scale, img_image *out, g99_error *err);
/* n such images in a square-ish grid (ceil(sqrt(n)) columns, white margins of 2). */
int gan_sample_grid(const float *x, int n, int nc, int size, int scale, img_image *out, g99_error *err);
/* z[0..nz) ~ N(0, 1) from nn_rng(seed, GAN_STREAM_SAMPLE): a seed's latent
 * vector; the first n*nz values of a seed are its grid of n. */
void gan_latent_normal(uint64_t seed, int nz, float *z);
/* Spherical interpolation (Shoemake; White 2016 for GAN latents): out =
 * sin((1-t) w)/sin w a + sin(t w)/sin w b, w the angle between a and b;
 * the linear blend when they are (nearly) parallel. */
void gan_slerp(const float *a, const float *b, int n, float t, float *out);
/* A line plot of up to 4 series of n values against step 1..n, PNG at path. */
int gan_plot_losses(const char *path, const float *const *series, const char *const *names, int n_series, size_t n,
                    g99_error *err);
/* SECTION pictures end */

/* SECTION train_run */
/* A whole training run into a folder (gan/train_run.c): checkpoint,
 * model.safetensors (G only), samples/step_N.png grids, progress.gif,
 * loss.csv and loss.png. */
typedef struct gan_train_progress {
    uint64_t step, total;        /* steps done, steps asked for */
    gan_dcgan_losses losses;     /* of the step just taken */
} gan_train_progress;

/* Called after every step; nonzero asks the run to write a checkpoint and
 * return (Ctrl-C). */
typedef int (*gan_progress_fn)(void *user, const gan_train_progress *p);

typedef struct gan_train_opts {
    const char *data;            /* a folder, an IDX file or synth:N[:SEED] */
    const char *out;             /* the run folder (made if missing) */
    gan_dcgan_config model;      /* ignored on resume (the checkpoint's) */
    int batch;                   /* 0: 64 */
    uint64_t steps, epochs;      /* the total to reach; steps wins; 0 and 0 on resume: the checkpoint's */
    uint64_t seed;
    float lr;                    /* 0: gan_dcgan_train_defaults */
    int resume;                  /* continue RUN/checkpoint.safetensors (its settings win) */
    uint64_t sample_every;       /* 0: total / 50 */
    uint64_t checkpoint_every;   /* 0: 500 */
    int n_samples;               /* grid size, 0: 64 */
    gan_warn_fn warn;            /* dataset warnings, or NULL */
    gan_progress_fn progress;    /* or NULL */
    void *user;                  /* for warn and progress */
} gan_train_opts;

typedef struct gan_train_result {
    uint64_t start, step, total; /* step at the start (resume), at the end, asked for */
    int stopped;                 /* the progress callback stopped the run */
    int n_images;
    size_t skipped;              /* unreadable files of the dataset */
} gan_train_result;

/* Without resume, a folder that holds a checkpoint is refused before
 * anything is written. */
int gan_train_dcgan(const gan_train_opts *opts, gan_train_result *res, g99_error *err);
/* SECTION train_run end */

#endif
