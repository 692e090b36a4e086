/* gan: what the dataset files share (gan/dataset.c, dataset_prep.c,
 * dataset_pairs.c, dataset_labels.c). Private to the library: not
 * installed, not part of gan.h. */
#ifndef GAN99_DATASET_INTERNAL_H
#define GAN99_DATASET_INTERNAL_H

#include "gan.h"

/* ---- gan/dataset_prep.c: one image at a time ---------------------------- */

/* opts->warn with a message made of fmt and two strings. */
void gan_ds_warn(const gan_dataset_opts *o, const char *fmt, const char *a, const char *b);
/* G99_ESTOPPED (message "dataset: stopped") when opts->cancel asks. */
int gan_ds_poll(const gan_dataset_opts *o, g99_error *err);
/* An 8-bit image of `channels` channels from any decoded one: 16-bit keeps
 * the high byte, grey from colour is img_grey (RGB order), colour from grey
 * repeats it, alpha is dropped. */
int gan_ds_to_channels(const img_image *src, int channels, img_image *out, g99_error *err);
/* The size (*nw, *nh) that covers w x h from a src_w x src_h image. */
void gan_ds_cover(int src_w, int src_h, int w, int h, int *nw, int *nh);
/* Cover w x h (INTER_AREA shrinking, INTER_LINEAR enlarging), then the centre w x h. */
int gan_ds_fit(const img_image *src, int w, int h, img_image *out, g99_error *err);
/* The same geometry for a 1-channel class map, with PIL's NEAREST
 * (what SPADE resizes label maps with; gan/dataset_prep.c). */
int gan_ds_fit_map(const img_image *map, int w, int h, img_image *out, g99_error *err);
/* malloc'd pixels (and cond) for up to n items of ds's kind and load size. */
int gan_ds_alloc(gan_dataset *ds, size_t n, g99_error *err);
/* Item ds->n (then ds->n++): target (load size, ds->channels interleaved)
 * and cond (PAIRS: cond_channels; LABELS: one channel; IMAGES: NULL). */
void gan_ds_store(gan_dataset *ds, const img_image *target, const img_image *cond);
/* A decoded image of an IMAGES source: stored (IMAGES) or made a pair with
 * opts->pair_filter (PAIRS). */
int gan_ds_add_image(gan_dataset *ds, const gan_dataset_opts *o, const img_image *src, g99_error *err);
/* 1 when spec names synthetic faces: "synth:..." or "synth-toon:...". */
int gan_ds_is_synth(const char *spec);
/* "synth:N[:SEED]" (GAN_FACE_PHOTO) or "synth-toon:N[:SEED]" (GAN_FACE_TOON)
 * -> n 1..10000000, seed (default 1) and the style. */
int gan_ds_parse_synth(const char *spec, unsigned long *n, unsigned long *seed, int *style, g99_error *err);
/* 1 when spec is "DIR_A,DIR_B" (split at the first comma that leaves two
 * folders); *a and *b are malloc'd copies. */
int gan_ds_split_dirs(const char *spec, char **a, char **b);
/* The files of folders a and b matched by their path below the folder
 * without extension, sorted by that name. Every file must have its match;
 * names and counts go in the error otherwise. Free both lists with
 * g99_free_list(list, *n). */
int gan_ds_match_dirs(const char *a, const char *b, char ***pa, char ***pb, size_t *n, g99_error *err);

/* ---- the sources ------------------------------------------------------------ */

/* gan/dataset_pairs.c: aligned images and two folders (no filter). */
int gan_ds_load_pairs(const char *spec, const gan_dataset_opts *o, gan_dataset *ds, g99_error *err);
/* gan/dataset_labels.c: synthetic faces' parts and folders of class maps. */
int gan_ds_load_labels(const char *spec, const gan_dataset_opts *o, gan_dataset *ds, g99_error *err);

#endif
