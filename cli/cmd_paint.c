/* gan99 paint: a SPADE model turns label maps into faces (doc/models.md
 * §3.7). Each map is read as training reads maps (gan_label_map_load: a
 * palette PNG, a grey map of class values, or a colour map in the
 * documented class colours or a --palette file's), resized nearest to the
 * model's size when it has another (said once), made one-hot and drawn by
 * G; DIR/<name>.png, or DIR/<name>_seed<S>.png for each seed of a model
 * with a latent (z_dim > 0: z = gan_latent_normal(S), so seeds give
 * different faces on one map).
 *
 * Every map is read and checked before anything is written: a bad map (a
 * class beyond the model's, a colour of no class, a photo) stops the
 * command with exit 2 and an empty --out. Batch norm uses its running
 * statistics, one map at a time, as the reference's test.py (model.eval());
 * --train keeps the batch statistics of each single map instead.
 *
 * --style PHOTO (a model trained with --use-vae): the photo is made as
 * training made its images (gan_image_fit: covering resize to the model's
 * size, centre crop), encoded by E in eval mode (spectral norm's stored
 * vectors, so every seed sees the same mu and logvar), and each seed S
 * draws z = mu + eps exp(logvar / 2) with eps from nn_rng(S,
 * GAN_STREAM_SPADE_EPS), as the reference's reparameterize; --mean-style
 * takes z = mu (one face per map). */
#include "cli.h"
#include "../gan/gan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: gan99 paint MODEL_FILE --out DIR [--seed S] [--count K] [--palette FILE]\n"
    "                   [--train] [--style PHOTO [--mean-style]] MAP|DIR...\n"
    "\n"
    "Draws a face for each label map with a SPADE model (gan99 train spade) and\n"
    "writes DIR/<map name>.png. A map is an 8-bit palette PNG (class = palette\n"
    "index), a grey PNG (class = value) or a colour PNG in the class colours\n"
    "gan99 draws maps with (background black, skin 255,200,150, hair 140,70,20,\n"
    "eyes 0,100,255, brows 200,0,200, nose 0,190,0, mouth 230,0,0; classes 7 and\n"
    "up the PASCAL VOC colours) or in a --palette file's. A map of another size\n"
    "is resized nearest to the model's, as training resizes maps.\n"
    "\n"
    "options:\n"
    "  --out DIR        the output folder (made when missing)\n"
    "  --seed S         the first latent seed (default 0, the training grids' z)\n"
    "  --count K        faces per map from seeds S .. S+K-1 (default 1), written\n"
    "                   as DIR/<name>_seed<S>.png. A model trained with --z-dim 0\n"
    "                   (the default) has no latent: one face per map, whatever\n"
    "                   the seed\n"
    "  --palette FILE   colours of colour maps, one class a line \"R G B [name]\"\n"
    "  --train          batch statistics of each map instead of the running ones\n"
    "  --style PHOTO    take the style from a photo (needs a model trained with\n"
    "                   --use-vae, whose encoder gives z): each seed draws a z\n"
    "                   near the photo's. The photo is scaled to cover the\n"
    "                   model's size and centre-cropped, as training saw photos\n"
    "  --mean-style     with --style: z is the encoder's mean, one face per map\n";

extern const cli_command cli_cmd_paint;

typedef struct paint_map {
    const char *path;
    img_image map;   /* class indices at the model's size */
} paint_map;

/* Classes -> one-hot planes [classes, size, size]. */
static void one_hot(const img_image *map, int classes, float *dst)
{
    size_t plane = (size_t)map->width * map->height, i;
    memset(dst, 0, (size_t)classes * plane * sizeof *dst);
    for (i = 0; i < plane; i++) dst[(size_t)map->data[i] * plane + i] = 1.0f;
}

/* Interleaved 8-bit pixels -> planes in [-1, 1], as training scales images. */
static void to_planes(const img_image *img, float *dst)
{
    size_t plane = (size_t)img->width * img->height, i;
    int c;
    for (c = 0; c < img->channels; c++)
        for (i = 0; i < plane; i++) dst[c * plane + i] = ((float)img->data[i * img->channels + c] / 255.0f - 0.5f) / 0.5f;
}

/* One face: G on the map, and when the model has a latent z of seed:
 * gan_latent_normal(seed), or with a style photo (planes [3, size, size])
 * E's mu + eps exp(logvar / 2), eps of nn_rng(seed, GAN_STREAM_SPADE_EPS),
 * or mu alone (mean). */
static int draw(gan_spade *sp, const float *seg, const float *photo, int mean, uint64_t seed, int train,
                img_image *out, g99_error *err)
{
    const gan_spade_config *c = &sp->cfg;
    nn_ctx *ctx = nn_ctx_new(0);
    nn_tensor *z = NULL, *y = NULL;
    int ss[4], zs[2], rc = 0;
    if (!ctx) return g99_fail(err, G99_ENOMEM, "out of memory");
    ss[0] = 1;
    ss[1] = c->classes;
    ss[2] = ss[3] = c->size;
    if (photo) {
        nn_tensor *mu = NULL, *logvar = NULL;
        nn_rng eps;
        ss[1] = 3;
        rc = gan_spade_encode(ctx, sp, nn_tensor_from(ctx, 4, ss, photo), 0, &mu, &logvar, err);
        ss[1] = c->classes;
        nn_rng_init(&eps, seed, GAN_STREAM_SPADE_EPS);
        if (!rc && !(z = gan_spade_reparameterize(ctx, mu, logvar, mean ? NULL : &eps, NULL))) rc = -1;
    } else if (c->z_dim > 0) {
        zs[0] = 1;
        zs[1] = c->z_dim;
        if ((z = nn_tensor_new(ctx, 2, zs)) != NULL) gan_latent_normal(seed, c->z_dim, z->data);
    }
    if (rc > 0) {
        nn_ctx_free(ctx);
        return rc;
    }
    if (!rc) y = gan_spade_generate(ctx, sp, nn_tensor_from(ctx, 4, ss, seg), z, train);
    if (!y) {
        rc = nn_ctx_error(ctx)->code ? nn_ctx_error(ctx)->code : G99_EINVAL;
        if (err) *err = *nn_ctx_error(ctx);
        if (!nn_ctx_error(ctx)->code) g99_fail(err, rc, "paint: the generator failed");
    } else {
        rc = gan_tensor_image_wh(y->data, 3, c->size, c->size, 1, out, err);
    }
    nn_ctx_free(ctx);
    return rc;
}

static int paint_run(int argc, char **argv)
{
    const cli_command *cmd = &cli_cmd_paint;
    const char *model = NULL, *out_dir = NULL, *palette = NULL, *style = NULL, *s;
    char **inputs = (char **)malloc(sizeof(char *) * (size_t)argc), *out_path = NULL;
    int ninputs = 0, i, k, r, status = CLI_OK, train = 0, count = 1, made = 0, resized = 0, seed_given = 0;
    int mean_style = 0, seeded;
    uint64_t seed = 0;
    const gan_family *f = NULL;
    gan_model *m = NULL;
    gan_spade *sp;
    gan_values v;
    cli_file_list files;
    cli_name_set names;
    paint_map *maps = NULL;
    float *seg = NULL, *photo = NULL;
    g99_error err;
    if (!inputs) {
        cli_error("paint", "out of memory");
        return CLI_FAILED;
    }
    memset(&names, 0, sizeof names);
    memset(&files, 0, sizeof files);
    for (i = 1; i < argc; i++) {
        if (argv[i][0] != '-' || argv[i][1] == '\0') {
            if (!model) model = argv[i];
            else inputs[ninputs++] = argv[i];
        } else if ((r = cli_opt_str(cmd, argc, argv, &i, "--out", &s)) != 0) {
            if (r < 0) goto bad;
            out_dir = s;
        } else if ((r = cli_opt_str(cmd, argc, argv, &i, "--palette", &s)) != 0) {
            if (r < 0) goto bad;
            palette = s;
        } else if ((r = cli_opt_str(cmd, argc, argv, &i, "--style", &s)) != 0) {
            if (r < 0) goto bad;
            style = s;
        } else if ((r = cli_opt_u64(cmd, argc, argv, &i, "--seed", 0, UINT64_MAX - 1024, &seed)) != 0) {
            if (r < 0) goto bad;
            seed_given = 1;
        } else if ((r = cli_opt_int(cmd, argc, argv, &i, "--count", 1, 1024, &count)) != 0) {
            if (r < 0) goto bad;
        } else if (strcmp(argv[i], "--train") == 0) {
            train = 1;
        } else if (strcmp(argv[i], "--mean-style") == 0) {
            mean_style = 1;
        } else {
            cli_usage_error(cmd, "unknown option '%s'", argv[i]);
            goto bad;
        }
    }
    if (mean_style && !style) {
        cli_usage_error(cmd, "--mean-style needs --style PHOTO");
        goto bad;
    }
    if ((palette && cli_check_input(cmd, palette)) || (style && cli_check_input(cmd, style))) goto bad;
    r = cli_model_on_files(cmd, model, out_dir, ninputs, inputs, "MAP", &files, &f, &m, &v);
    free(inputs);
    if (r) return r;
    g99_error_clear(&err);
    if (!(sp = gan_spade_model(f, m))) {
        cli_error("paint", "%s: a %s model; paint takes a spade model (label maps to faces)%s", model, f->name,
                  f->kind == GAN_DATA_PAIRS ? ": use gan99 translate" : "");
        status = CLI_BAD_INPUT;
        goto done;
    }
    if (style && !sp->cfg.use_vae) {
        /* the VAE encoder (--use-vae) is not part of this model */
        cli_error("paint", "--style %s: needs a model trained with --use-vae (an encoder that takes the style of a "
                  "photo); %s has none", style, model);
        status = CLI_BAD_INPUT;
        goto done;
    }
    if (style) {
        img_image img, fitted;
        int n = sp->cfg.size;
        memset(&fitted, 0, sizeof fitted);
        if (cli_read_image(style, &img, &err)) {
            status = cli_fail(&err);
            goto done;
        }
        if (img.width != n || img.height != n)
            fprintf(stderr, "gan99: paint: --style %s is %dx%d: scaled to cover %dx%d and centre-cropped, as "
                    "training prepared its photos\n", style, img.width, img.height, n, n);
        r = gan_image_fit(&img, 3, n, n, &fitted, &err);
        img_free(&img);
        if (r || !(photo = (float *)malloc((size_t)3 * n * n * sizeof *photo))) {
            if (r) g99_error_prefix(&err, "--style %s", style);
            status = r ? cli_fail(&err) : CLI_FAILED;
            if (!r) cli_error("paint", "out of memory");
            img_free(&fitted);
            goto done;
        }
        to_planes(&fitted, photo);
        img_free(&fitted);
    }
    /* every map read and checked before anything is written */
    maps = (paint_map *)calloc((size_t)files.count, sizeof *maps);
    seg = (float *)malloc((size_t)sp->cfg.classes * sp->cfg.size * sp->cfg.size * sizeof *seg);
    out_path = (char *)malloc(strlen(out_dir) + 4096);
    if (!maps || !seg || !out_path) {
        cli_error("paint", "out of memory");
        status = CLI_FAILED;
        goto done;
    }
    for (i = 0; i < files.count; i++) {
        int was_resized = 0;
        maps[i].path = files.paths[i];
        if (gan_label_map_load(files.paths[i], palette, sp->cfg.classes, sp->cfg.size, sp->cfg.size, &maps[i].map,
                               &was_resized, &err)) {
            status = cli_fail(&err);
            goto done;
        }
        if (was_resized && !resized++)
            fprintf(stderr, "gan99: paint: %s is not %dx%d: resized nearest (covering, centre-cropped), as training "
                    "resizes maps; so is every map of another size\n", files.paths[i], sp->cfg.size, sp->cfg.size);
    }
    if (sp->cfg.z_dim == 0 && (count > 1 || seed_given))
        fprintf(stderr, "gan99: paint: %s has no latent (trained with --z-dim 0): a face depends on its map alone, "
                "so --seed and --count change nothing; one face per map\n", model);
    if (mean_style && (count > 1 || seed_given))
        fprintf(stderr, "gan99: paint: --mean-style takes the photo's mean z: --seed and --count change nothing; "
                "one face per map\n");
    seeded = sp->cfg.z_dim > 0 && !mean_style;
    if (!seeded) count = 1;
    if (g99_mkdir(out_dir, &err)) {
        status = cli_fail(&err);
        goto done;
    }
    for (i = 0; i < files.count && status == CLI_OK; i++) {
        const char *name = cli_output_name(&names, maps[i].path);
        size_t stem;
        if (!name || strlen(name) > 3000) {
            if (name) cli_error("paint", "%s: the name is too long", maps[i].path);
            else cli_error("paint", "out of memory");
            status = name ? CLI_BAD_INPUT : CLI_FAILED;
            break;
        }
        stem = strlen(name) - 4;   /* without ".png" */
        one_hot(&maps[i].map, sp->cfg.classes, seg);
        for (k = 0; k < count && status == CLI_OK; k++) {
            img_image face;
            if (seeded)
                sprintf(out_path, "%s/%.*s_seed%llu.png", out_dir, (int)stem, name,
                        (unsigned long long)(seed + (uint64_t)k));
            else sprintf(out_path, "%s/%s", out_dir, name);
            r = draw(sp, seg, photo, mean_style, seed + (uint64_t)k, train, &face, &err);
            if (!r) {
                r = img_png_save(out_path, &face, &err);
                img_free(&face);
            }
            if (r) status = cli_fail(&err);
            else made++;
        }
    }
    if (status == CLI_OK)
        printf("painted %d face%s from %d map%s (%s statistics): %s\n", made, made == 1 ? "" : "s", files.count,
               files.count == 1 ? "" : "s", train ? "batch" : "running", out_dir);
done:
    if (maps)
        for (i = 0; i < files.count; i++) img_free(&maps[i].map);
    free(maps);
    free(seg);
    free(photo);
    free(out_path);
    cli_name_set_free(&names);
    if (m) f->destroy(m);
    cli_file_list_free(&files);
    return status;
bad:
    free(inputs);
    return CLI_BAD_INPUT;
}

const cli_command cli_cmd_paint = {
    "paint",
    "draw faces from label maps with a SPADE model",
    usage,
    paint_run,
};
