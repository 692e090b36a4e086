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

typedef struct gan_dcgan {
    gan_dcgan_config cfg;          /* size filled in (never 0) */
    nn_params g, d;                /* the two state_dicts */
    nn_rng *dropout;               /* size 28: D's dropout masks in training (NULL: none) */
} gan_dcgan;

/* G99_EINVAL naming the field when cfg is not a model gan99 can build. */
int gan_dcgan_check_config(const gan_dcgan_config *cfg, g99_error *err);
/* Declares and allocates both networks (weights 0, BN gamma 1, beta 0,
 * running mean 0, running var 1, counters 0). */
int gan_dcgan_init(gan_dcgan *m, const gan_dcgan_config *cfg, g99_error *err);
void gan_dcgan_free(gan_dcgan *m);
/* The reference's weights_init: conv (and, at 28, linear) weights ~
 * N(0, 0.02), BN gamma ~ N(1, 0.02), biases 0; G's tensors first, then D's,
 * in state_dict order, one fill each from rng (normally NN_STREAM_INIT). */
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
