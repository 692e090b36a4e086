/* gan99 demo: the main job on data gan99 makes itself (doc/cli.md §2.1):
 * synthetic faces (gan/synthfaces.c) -> a DCGAN 32x32 trained from
 * scratch -> sample grids, progress.gif and loss.png, then a grid of 64 new
 * faces from the trained model; then Haar face detection and eye alignment
 * (align/) on the photograph shipped in data/; pix2pix colourisation; Toonify
 * in small (StyleGAN2, transfer, blend, toonify); it prints where each output is.
 *
 * The defaults are sized for the SIMD kernels (about two minutes on two
 * cores): 2000 faces, nz 64, ngf = ndf = 32, batch 32, 1500 steps. The
 * scalar build is far slower; --steps shortens the run and the progress
 * line shows the ETA from the start. */
#include "cli.h"
#include "../align/align.h"
#include "../gan/gan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The shipped photograph: data/astronaut.jpg of the current folder, else of
 * the folder of the gan99 binary (the repository root holds both). The
 * path in out (size >= 1200) and 1, or 0 when neither exists. */
static int demo_photo_path(char *out, size_t size)
{
    static const char rel[] = "data/astronaut.jpg";
    const char *slash = cli_program_path ? strrchr(cli_program_path, '/') : NULL;
    FILE *f;
    snprintf(out, size, "%s", rel);
    if ((f = g99_fopen(out, "rb")) != NULL) {
        fclose(f);
        return 1;
    }
    if (!slash || (size_t)(slash - cli_program_path) + sizeof rel + 1 > size) return 0;
    sprintf(out, "%.*s/%s", (int)(slash - cli_program_path), cli_program_path, rel);
    if ((f = g99_fopen(out, "rb")) == NULL) return 0;
    fclose(f);
    return 1;
}

/* Face detection and eye alignment (align_face, default parameters) on the
 * shipped photo: DIR/detected.png, the photo with the face box (red) and
 * the eye boxes used (green), and DIR/aligned.png, 256x256 with the eyes at
 * FFHQ's places. Prints its outputs, or one line when the photo or a
 * cascade is not at hand (then it is skipped, not failed). Returns 0, or a
 * G99_E* code with err filled when detection or writing failed. */
static int demo_align(const char *out, g99_error *err)
{
    static const uint8_t red[4] = { 255, 0, 0, 255 }, green[4] = { 0, 200, 0, 255 };
    char photo[1200], face_path[1200], eye_path[1200], *path;
    haar_cascade *face = NULL, *eye = NULL;
    img_image img, aligned;
    align_params p;
    align_result res;
    int rc, k, thick;
    if (!demo_photo_path(photo, sizeof photo) || !cli_cascade_path("frontalface_default", face_path, sizeof face_path) ||
        !cli_cascade_path("eye", eye_path, sizeof eye_path)) {
        printf("  %-22s skipped (data/astronaut.jpg or the Haar cascades not found; run from the repository)\n",
               "face alignment:");
        return 0;
    }
    if (haar_cascade_load(face_path, &face, err) || haar_cascade_load(eye_path, &eye, err) ||
        cli_read_image(photo, &img, err)) {
        printf("  %-22s skipped (%s)\n", "face alignment:", err->msg);
        haar_cascade_free(face);
        haar_cascade_free(eye);
        g99_error_clear(err);
        return 0;
    }
    path = (char *)malloc(strlen(out) + 32);
    align_params_default(&p);
    memset(&aligned, 0, sizeof aligned);
    rc = path ? align_face(face, eye, &img, &p, &aligned, &res, err) : g99_fail(err, G99_ENOMEM, "out of memory");
    if (!rc && res.status != ALIGN_NO_FACE) {
        thick = img.width / 256 > 2 ? img.width / 256 : 2;
        rc = img_draw_rectangle(&img, res.face.x, res.face.y, res.face.w, res.face.h, thick, red, err);
        for (k = 0; !rc && res.status == ALIGN_EYES && k < 2; k++)
            rc = img_draw_rectangle(&img, res.eye_box[k].x, res.eye_box[k].y, res.eye_box[k].w, res.eye_box[k].h,
                                    thick / 2, green, err);
    }
    if (!rc) {
        sprintf(path, "%s/detected.png", out);
        rc = img_png_save(path, &img, err);
    }
    if (!rc && res.status != ALIGN_NO_FACE) {
        sprintf(path, "%s/aligned.png", out);
        rc = img_png_save(path, &aligned, err);
    }
    if (!rc) {
        char label[32];
        sprintf(label, "detected faces (%d):", res.faces);
        printf("  %-22s %s/detected.png (of %s)\n", label, out, photo);
        if (res.status == ALIGN_NO_FACE)
            printf("  %-22s none (%s)\n", "aligned face:", res.reason);
        else
            printf("  %-22s %s/aligned.png (%dx%d, on %s)\n", "aligned face:", out, aligned.width, aligned.height,
                   res.status == ALIGN_EYES ? "the detected eyes" : "the face box");
    }
    free(path);
    img_free(&aligned);
    img_free(&img);
    haar_cascade_free(face);
    haar_cascade_free(eye);
    return rc;
}

static void set_option(gan_train_opts *o, const char *key, double v)
{
    o->values.v[gan_option_find(o->family, key)] = v;
}

/* Colourisation, pix2pix's grey -> colour on synthetic faces at 32x32
 * (ngf = ndf = 32, batch 8, 2000 steps: about a minute on two cores), then
 * eight faces the run never saw (another seed), each as grey | pix2pix's
 * colours | the truth, in colourised.png. The grey side is made as in
 * training (the dataset's gray filter), and G runs in train mode, the
 * reference's default at test time. */
#define COLOUR_ROWS 8
static int demo_colour(const char *out, const char *data, uint64_t seed, int resume, g99_error *err)
{
    gan_train_opts o;
    gan_train_result res;
    gan_dataset_opts dopts;
    gan_dataset held;
    const gan_family *f = gan_arch_find("pix2pix");
    gan_model *m = NULL;
    gan_values v;
    char *dir = (char *)malloc(strlen(out) + 64), held_spec[64];
    float *x = NULL, *cond = NULL, *y = NULL;
    uint32_t idx[COLOUR_ROWS];
    img_image grid;
    int rc, i;
    if (!dir || !f) {
        free(dir);
        return dir ? 0 : g99_fail(err, G99_ENOMEM, "out of memory");
    }
    memset(&o, 0, sizeof o);
    o.family = f;
    gan_values_default(f, &o.values);
    set_option(&o, "width", 32);
    set_option(&o, "height", 32);
    set_option(&o, "ngf", 32);
    set_option(&o, "ndf", 32);
    sprintf(dir, "%s/colour", out);
    o.data = data;
    o.pair_filter = "gray";
    o.out = dir;
    o.batch = 8;
    o.steps = 2000;
    o.seed = seed;
    o.sample_every = 200;
    sprintf(held_spec, "%s/colour/checkpoint.safetensors", out);
    {
        FILE *ck = g99_fopen(held_spec, "rb");
        o.resume = resume && ck;
        if (ck) fclose(ck);
    }
    fprintf(stderr, "gan99 demo: pix2pix grey -> colour on synthetic faces, 32x32, 2000 steps -> %s/\n", dir);
    rc = cli_train(&o, &res);
    if (rc != CLI_OK) {
        free(dir);
        return g99_fail(err, G99_EINVAL, "the colourisation run stopped (exit %d)", rc);
    }
    memset(&dopts, 0, sizeof dopts);
    dopts.width = dopts.height = 32;
    dopts.channels = dopts.cond_channels = 3;
    dopts.kind = GAN_DATA_PAIRS;
    dopts.pair_filter = "gray";
    snprintf(held_spec, sizeof held_spec, "synth:%d:%llu", COLOUR_ROWS, (unsigned long long)(seed + 1000));
    rc = gan_dataset_load(held_spec, &dopts, &held, err);
    sprintf(dir, "%s/colour/model.safetensors", out);
    if (!rc) rc = gan_model_load(dir, &f, &m, &v, err);
    x = (float *)malloc((size_t)3 * COLOUR_ROWS * 3 * 32 * 32 * sizeof *x);
    if (!rc && !x) rc = g99_fail(err, G99_ENOMEM, "out of memory");
    if (!rc) {
        const float *cols[3];
        int chans[3] = { 3, 3, 3 };
        cond = x + COLOUR_ROWS * 3 * 32 * 32;
        y = cond + COLOUR_ROWS * 3 * 32 * 32;
        for (i = 0; i < COLOUR_ROWS; i++) idx[i] = (uint32_t)i;
        gan_dataset_batch_cond(&held, idx, COLOUR_ROWS, NULL, x, cond);
        rc = gan_model_translate(f, m, cond, COLOUR_ROWS, 1, y, err);
        cols[0] = cond;
        cols[1] = y;
        cols[2] = x;
        if (!rc) rc = gan_sample_rows(cols, chans, 3, COLOUR_ROWS, 32, 32, &grid, err);
        sprintf(dir, "%s/colourised.png", out);
        if (!rc) {
            rc = img_png_save(dir, &grid, err);
            img_free(&grid);
        }
    }
    if (!rc) printf("  %-22s %s (unseen faces: grey | pix2pix | truth)\n", "colourised:", dir);
    if (m) f->destroy(m);
    if (held.pixels || held.cond) gan_dataset_free(&held);
    free(x);
    free(dir);
    return rc;
}

/* Toonify in small (doc/models.md §5): a StyleGAN2 32x32 (z = w = 32,
 * 4 mapping layers, at most 16 channels, batch 8) trained 300 steps on the
 * photo-style synthetic faces (DIR/toon/base), fine-tuned 100 steps from
 * it on the cartoon ones (DIR/toon/cartoon, --from, Freeze-D 2), blended
 * (cartoon up to 8x8, photo above: DIR/toon/blended.safetensors), and the
 * shipped photo toonified through gan99 toonify (300 projection steps) into
 * DIR/toon/. About a minute and a half on two cores. */
static int demo_toonify(const char *out, const char *data, uint64_t seed, int resume, g99_error *err)
{
    static const char *const names[2] = { "base", "cartoon" };
    char dir[2][1200], ck[2500], model[2][2500], blended[1200], photo[1200], toon_dir[1200];
    gan_blend_opts bo;
    int k, rc;
    if (strlen(out) > 1000) return g99_fail(err, G99_EINVAL, "--out %.40s...: too long", out);
    snprintf(toon_dir, sizeof toon_dir, "%s/toon", out);
    if ((rc = g99_mkdir(toon_dir, err)) != 0) return rc;
    for (k = 0; k < 2; k++) {
        gan_train_opts o;
        gan_train_result res;
        FILE *f;
        snprintf(dir[k], sizeof dir[k], "%s/toon/%s", out, names[k]);
        snprintf(ck, sizeof ck, "%s/checkpoint.safetensors", dir[k]);
        snprintf(model[k], sizeof model[k], "%s/model.safetensors", dir[k]);
        memset(&o, 0, sizeof o);
        o.family = &gan_family_stylegan;
        gan_values_default(o.family, &o.values);
        if (k == 0) {
            set_option(&o, "size", 32);
            set_option(&o, "z_dim", 32);
            set_option(&o, "w_dim", 32);
            set_option(&o, "map_layers", 4);
            set_option(&o, "channel_base", 256);
            set_option(&o, "channel_max", 16);
        } else {
            set_option(&o, "freeze_d", 2);
        }
        o.data = k == 0 ? data : "synth-toon:500";
        o.out = dir[k];
        o.batch = 8;
        o.steps = k == 0 ? 300 : 100;
        o.seed = seed;
        o.sample_every = 25;
        f = fopen(ck, "rb");
        o.resume = resume && f;
        if (f) fclose(f);
        if (k == 1 && !o.resume) o.from = dir[0];
        fprintf(stderr, "gan99 demo: Toonify: StyleGAN2 32x32 %s, %llu steps -> %s/\n",
                k == 0 ? "on the photo-style faces" : "fine-tuned on cartoon faces (--from the base, Freeze-D 2)",
                (unsigned long long)o.steps, dir[k]);
        rc = cli_train(&o, &res);
        if (rc != CLI_OK) return g99_fail(err, G99_EINVAL, "the Toonify %s run stopped (exit %d)", names[k], rc);
    }
    gan_blend_opts_default(&bo);
    bo.swap_res = 8;
    snprintf(blended, sizeof blended, "%s/toon/blended.safetensors", out);
    if ((rc = gan_blend_files(model[1], model[0], &bo, blended, err)) != 0) return rc;
    printf("  %-22s %s (cartoon up to 8x8, photo above)\n", "blended model:", blended);
    if (!demo_photo_path(photo, sizeof photo)) {
        printf("  %-22s skipped (data/astronaut.jpg not found; run from the repository)\n", "toonify:");
        return 0;
    }
    {
        char *argv[12];
        argv[0] = (char *)"toonify";
        argv[1] = photo;
        argv[2] = (char *)"--base";
        argv[3] = model[0];
        argv[4] = (char *)"--blended";
        argv[5] = blended;
        argv[6] = (char *)"--out";
        argv[7] = toon_dir;
        argv[8] = (char *)"--steps";
        argv[9] = (char *)"300";
        argv[10] = NULL;
        rc = cli_cmd_toonify.run(10, argv);
        if (rc != CLI_OK) return g99_fail(err, G99_EINVAL, "toonify of %s failed (exit %d)", photo, rc);
    }
    printf("  %-22s %s/astronaut_{aligned,projected,toon}.png, _projection.gif\n", "toonified photo:", toon_dir);
    return 0;
}

static int demo_run(int argc, char **argv)
{
    const cli_command *cmd = &cli_cmd_demo;
    const char *out = "gan99-demo";
    uint64_t steps = 1500, seed = 1;
    int faces = 2000;
    gan_train_opts o;
    gan_train_result res;
    const gan_family *f;
    gan_model *m;
    gan_values v;
    g99_error err;
    char data[64], *path = NULL;
    int i, r, rc;
    for (i = 1; i < argc; i++) {
        if ((r = cli_opt_str(cmd, argc, argv, &i, "--out", &out)) != 0 ||
            (r = cli_opt_u64(cmd, argc, argv, &i, "--steps", 1, (uint64_t)1 << 32, &steps)) != 0 ||
            (r = cli_opt_int(cmd, argc, argv, &i, "--faces", 32, 1000000, &faces)) != 0 ||
            (r = cli_opt_u64(cmd, argc, argv, &i, "--seed", 0, UINT64_MAX - 1, &seed)) != 0) {
            if (r < 0) return CLI_BAD_INPUT;
            continue;
        }
        if (strcmp(argv[i], "--resume") == 0) continue;
        return cli_usage_error(cmd, "unknown option '%s'", argv[i]);
    }
    memset(&o, 0, sizeof o);
    snprintf(data, sizeof data, "synth:%d", faces);
    o.family = &gan_family_dcgan;
    gan_values_default(o.family, &o.values);
    set_option(&o, "size", 32);
    set_option(&o, "nz", 64);
    set_option(&o, "ngf", 32);
    set_option(&o, "ndf", 32);
    o.data = data;
    o.out = out;
    o.batch = 32;
    o.steps = steps;
    o.seed = seed;
    o.checkpoint_every = 250;
    for (i = 1; i < argc; i++) o.resume |= strcmp(argv[i], "--resume") == 0;
    fprintf(stderr, "gan99 demo: %d synthetic faces, DCGAN 32x32 (nz 64, ngf = ndf = 32, batch 32), %llu steps -> %s/\n",
            faces, (unsigned long long)steps, out);
    rc = cli_train(&o, &res);
    if (rc != CLI_OK) return rc;
    /* 64 new faces from the trained G: seed + 1's latents (the run's grids use seed's) */
    g99_error_clear(&err);
    path = (char *)malloc(strlen(out) + 32);
    if (!path) return CLI_FAILED;
    sprintf(path, "%s/model.safetensors", out);
    rc = gan_model_load(path, &f, &m, &v, &err);
    if (!rc) {
        gan_geometry g;
        float *z, *x;
        img_image grid;
        f->geometry(m, &g);
        z = (float *)malloc((size_t)64 * g.latent * sizeof *z);
        x = (float *)malloc((size_t)64 * g.channels * g.width * g.height * sizeof *x);
        rc = z && x ? 0 : g99_fail(&err, G99_ENOMEM, "out of memory");
        if (!rc) {
            gan_latent_normal(seed + 1, 64 * g.latent, z);
            rc = gan_model_generate_latent(f, m, z, 64, x, &err);
        }
        if (!rc) rc = gan_sample_grid(x, 64, g.channels, g.width, 2, &grid, &err);
        sprintf(path, "%s/faces.png", out);
        if (!rc) {
            rc = img_png_save(path, &grid, &err);
            img_free(&grid);
        }
        free(z);
        free(x);
        f->destroy(m);
    }
    free(path);
    if (rc) return cli_fail(&err);
    printf("gan99 demo: trained %llu of %llu steps on %d synthetic faces\n", (unsigned long long)res.step,
           (unsigned long long)res.total, res.n_images);
    printf("  new faces (64, 2x):    %s/faces.png\n", out);
    printf("  training animation:    %s/progress.gif\n", out);
    printf("  sample grids:          %s/samples/\n", out);
    printf("  loss plot, values:     %s/loss.png, %s/loss.csv\n", out, out);
    printf("  generator (PyTorch):   %s/model.safetensors\n", out);
    printf("  checkpoint (--resume): %s/checkpoint.safetensors\n", out);
    if (demo_align(out, &err)) return cli_fail(&err);
    if (demo_colour(out, data, seed, o.resume, &err)) return cli_fail(&err);
    if (demo_toonify(out, data, seed, o.resume, &err)) return cli_fail(&err);
    return CLI_OK;
}

const cli_command cli_cmd_demo = {
    "demo",
    "train a small face GAN on generated faces and write an animation of its progress",
    "usage: gan99 demo [--out DIR] [--steps N] [--faces N] [--seed S] [--resume]\n"
    "\n"
    "Generates N synthetic faces (default 2000), trains a DCGAN 32x32 on them\n"
    "for N steps (default 1500: about two minutes on two cores with the SIMD\n"
    "kernels; the progress line shows the ETA) and writes to DIR (default\n"
    "gan99-demo): faces.png (new faces), progress.gif, samples/, loss.png,\n"
    "loss.csv, model.safetensors and checkpoint.safetensors. Then it finds the\n"
    "face and eyes in the shipped photo data/astronaut.jpg and writes\n"
    "detected.png (the boxes drawn) and aligned.png (256x256); that part is\n"
    "skipped when the photo or the cascades are not found. Last it trains\n"
    "pix2pix to colour grey synthetic faces (DIR/colour/, 2000 steps at 32x32)\n"
    "and writes colourised.png: faces it never saw, as grey | its colours |\n"
    "the truth. Then Toonify in small (DIR/toon/): a StyleGAN2 32x32 trained on\n"
    "the faces, fine-tuned on cartoon faces (--from), the two blended, and the\n"
    "photo projected and toonified (about 1.5 more minutes).\n"
    "Ctrl-C stops with a checkpoint; --resume continues it.\n",
    demo_run,
};
