/* gan99 toonify: a photo turned into a cartoon, as Pinkney and Adler's
 * Toonify does it (doc/cli.md; doc/models.md, "Toonify"): the face found and
 * aligned (align/), projected into the photo model's W (gan/project.c,
 * stylegan2-ada-pytorch's projector with a pixel distance), and that w
 * rendered with the blended model at const noise. For each photo DIR gets
 * <name>_aligned.png, <name>_projected.png, <name>_toon.png and
 * <name>_projection.gif (the projection's progress). A photo without a
 * detectable face is centre-cropped, with a note. */
#include "cli.h"
#include "../align/align.h"
#include "../gan/gan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: gan99 toonify PHOTO... --base BASE --blended BLENDED --out DIR [--steps N] [--seed S] [--no-align]\n"
    "\n"
    "Finds and aligns the face of each photo (gan99 align's cascades and eye\n"
    "targets) at the models' resolution, projects it into the W of BASE (the\n"
    "photo StyleGAN2 model) by optimization as stylegan2-ada-pytorch's projector\n"
    "does (w from the mean of 10000 mapped latents, Adam with its learning-rate\n"
    "ramps, w noise, the noise buffers optimized under its regulariser), with a\n"
    "pixel distance (MSE plus a multi-scale L1: LPIPS's VGG16 weights are not\n"
    "available here); then renders that w with BLENDED (gan99 blend's output)\n"
    "at const noise. Writes\n"
    "DIR/<name>_aligned.png, _projected.png, _toon.png and _projection.gif.\n"
    "\n"
    "options:\n"
    "  --base FILE      the photo model (model.safetensors of a stylegan run)\n"
    "  --blended FILE   the blended model, the same architecture\n"
    "  --out DIR        the output folder (made when missing)\n"
    "  --steps N        projection steps (default 1000, the reference's)\n"
    "  --seed S         the latents of the mean w and the w noise (default 0)\n"
    "  --no-align       no face search: the centre square of the photo\n";

extern const cli_command cli_cmd_toonify;

#define GIF_FRAMES 40

typedef struct proj_state {
    cli_progress bar;
    img_image frames[GIF_FRAMES + 2];
    int n_frames, size, channels;
} proj_state;

static int on_step(void *user, int step, int steps, float dist, const float *image)
{
    proj_state *s = (proj_state *)user;
    char extra[64];
    snprintf(extra, sizeof extra, "dist %.4f", (double)dist);
    cli_progress_update(&s->bar, (uint64_t)step, extra);
    if (image && s->n_frames < GIF_FRAMES + 2 &&
        gan_tensor_image(image, s->channels, s->size, 1, &s->frames[s->n_frames], NULL) == 0)
        s->n_frames++;
    (void)steps;
    return g99_stop_requested() != 0;
}

/* An 8-bit image as [3, R, R] in [-1, 1] (grey repeated, alpha dropped). */
static void to_tensor(const img_image *img, float *x)
{
    size_t plane = (size_t)img->width * img->height, i;
    int c;
    for (c = 0; c < 3; c++)
        for (i = 0; i < plane; i++) {
            int k = img->channels >= 3 ? c : 0;
            x[c * plane + i] = (float)img->data[i * img->channels + k] / 127.5f - 1.0f;
        }
}

/* The centre square of the photo at R x R. */
static int centre_crop(const img_image *photo, int R, img_image *out, g99_error *err)
{
    img_image sq;
    int s = photo->width < photo->height ? photo->width : photo->height, rc;
    memset(&sq, 0, sizeof sq);
    rc = img_crop(photo, (photo->width - s) / 2, (photo->height - s) / 2, s, s, &sq, err);
    if (!rc) rc = img_resize(&sq, R, R, IMG_INTER_AREA, out, err);
    img_free(&sq);
    return rc;
}

/* DIR/<photo's name without its extension><suffix> */
static char *out_name(const char *dir, const char *photo, const char *suffix)
{
    const char *base = strrchr(photo, '/'), *dot;
    size_t n, a = strlen(dir);
    char *s;
    base = base ? base + 1 : photo;
    dot = strrchr(base, '.');
    n = dot && dot != base ? (size_t)(dot - base) : strlen(base);
    s = (char *)malloc(a + n + strlen(suffix) + 2);
    if (s) sprintf(s, "%s/%.*s%s", dir, (int)n, base, suffix);
    return s;
}

static int toonify_one(const char *photo_path, gan_stylegan_g *base, gan_stylegan_g *toon, haar_cascade *face,
                       haar_cascade *eye, int no_align, const gan_project_opts *po_in, const char *dir, g99_error *err)
{
    int R = base->cfg.resolution, nc = base->cfg.channels, rc, i;
    img_image photo, aligned, out_img;
    float *target = NULL, *img = NULL, *w = NULL;
    gan_project_opts po = *po_in;
    gan_project_result res;
    proj_state s;
    char *names[4] = { NULL, NULL, NULL, NULL };
    static const char *const suffix[4] = { "_aligned.png", "_projected.png", "_toon.png", "_projection.gif" };
    memset(&photo, 0, sizeof photo);
    memset(&aligned, 0, sizeof aligned);
    memset(&out_img, 0, sizeof out_img);
    memset(&s, 0, sizeof s);
    if ((rc = cli_read_image(photo_path, &photo, err)) != 0) return rc;
    if (!no_align) {
        align_params p;
        align_result ar;
        align_params_default(&p);
        p.width = p.height = R;
        rc = align_face(face, eye, &photo, &p, &aligned, &ar, err);
        if (!rc && ar.status == ALIGN_NO_FACE) {
            fprintf(stderr, "gan99: toonify: %s: %s; using the centre square of the photo\n", photo_path,
                    ar.reason ? ar.reason : "no face found");
            no_align = 1;
        } else if (!rc && ar.status == ALIGN_FACE_BOX) {
            fprintf(stderr, "gan99: toonify: %s: no eye pair found; aligned on the face box\n", photo_path);
        }
    }
    if (!rc && no_align) rc = centre_crop(&photo, R, &aligned, err);
    target = (float *)malloc((size_t)3 * R * R * sizeof(float));
    img = (float *)malloc((size_t)nc * R * R * sizeof(float));
    w = (float *)malloc((size_t)base->cfg.w_dim * sizeof(float));
    for (i = 0; i < 4; i++) names[i] = out_name(dir, photo_path, suffix[i]);
    if (!rc && (!target || !img || !w || !names[0] || !names[1] || !names[2] || !names[3]))
        rc = g99_fail(err, G99_ENOMEM, "out of memory");
    if (!rc && nc != 3) rc = g99_fail(err, G99_EUNSUPPORTED, "toonify: the model makes %d-channel images, not RGB", nc);
    if (!rc) {
        to_tensor(&aligned, target);
        rc = img_png_save(names[0], &aligned, err);
    }
    if (!rc) {
        s.size = R;
        s.channels = nc;
        po.progress = on_step;
        po.user = &s;
        po.frame_every = po.steps / GIF_FRAMES > 0 ? po.steps / GIF_FRAMES : 1;
        cli_progress_start(&s.bar, "project", "it/s", 0, (uint64_t)po.steps);
        rc = gan_stylegan_project(base, target, &po, w, &res, err);
        cli_progress_break(&s.bar);
    }
    if (!rc) rc = gan_stylegan_render_w(base, w, 1, img, err);
    if (!rc) rc = gan_tensor_image(img, nc, R, 1, &out_img, err);
    if (!rc) rc = img_png_save(names[1], &out_img, err);
    img_free(&out_img);
    if (!rc) rc = gan_stylegan_render_w(toon, w, 1, img, err);
    if (!rc) rc = gan_tensor_image(img, nc, R, 1, &out_img, err);
    if (!rc) rc = img_png_save(names[2], &out_img, err);
    if (!rc && s.n_frames) {
        img_gif_params gp;
        img_gif_params_default(&gp);
        rc = img_gif_write(names[3], s.frames, s.n_frames, &gp, err);
    }
    if (!rc)
        printf("%s: projected in %d steps, distance %.4f (the mean w's %.4f); %s, %s, %s, %s\n", photo_path, res.steps,
               (double)res.dist_end, (double)res.dist_start, names[0], names[1], names[2], names[3]);
    for (i = 0; i < s.n_frames; i++) img_free(&s.frames[i]);
    for (i = 0; i < 4; i++) free(names[i]);
    img_free(&out_img);
    img_free(&aligned);
    img_free(&photo);
    free(target);
    free(img);
    free(w);
    return rc;
}

static int load_sg(const char *path, const gan_family **f, gan_model **m, gan_stylegan_g **g, g99_error *err)
{
    gan_values v;
    int rc = gan_model_load(path, f, m, &v, err);
    if (rc) return rc;
    if (!(*g = gan_stylegan_model_g(*f, *m))) return g99_fail(err, G99_EINVAL, "%s: a %s model, not a stylegan one", path, (*f)->name);
    return 0;
}

static int toonify_run(int argc, char **argv)
{
    const cli_command *cmd = &cli_cmd_toonify;
    const char *base_path = NULL, *toon_path = NULL, *dir = NULL;
    const char **photos;
    const gan_family *fb = NULL, *ft = NULL;
    gan_model *mb = NULL, *mt = NULL;
    gan_stylegan_g *gb = NULL, *gt = NULL;
    haar_cascade *face = NULL, *eye = NULL;
    gan_project_opts po;
    g99_error err;
    int i, r, n = 0, no_align = 0, steps = 1000, rc = 0, done = 0;
    uint64_t seed = 0;
    photos = (const char **)calloc((size_t)argc, sizeof *photos);
    g99_error_clear(&err);
    if (!photos) return cli_fail((g99_fail(&err, G99_ENOMEM, "out of memory"), &err));
    for (i = 1; i < argc; i++) {
        if (argv[i][0] != '-' || argv[i][1] == '\0') {
            photos[n++] = argv[i];
        } else if ((r = cli_opt_str(cmd, argc, argv, &i, "--base", &base_path)) != 0 ||
                   (r = cli_opt_str(cmd, argc, argv, &i, "--blended", &toon_path)) != 0 ||
                   (r = cli_opt_str(cmd, argc, argv, &i, "--out", &dir)) != 0 ||
                   (r = cli_opt_int(cmd, argc, argv, &i, "--steps", 1, 1000000, &steps)) != 0 ||
                   (r = cli_opt_u64(cmd, argc, argv, &i, "--seed", 0, UINT64_MAX, &seed)) != 0) {
            if (r < 0) {
                free(photos);
                return CLI_BAD_INPUT;
            }
        } else if (strcmp(argv[i], "--no-align") == 0) {
            no_align = 1;
        } else {
            free(photos);
            return cli_usage_error(cmd, "unknown option '%s'", argv[i]);
        }
    }
    if (!n || !base_path || !toon_path || !dir) {
        free(photos);
        return cli_usage_error(cmd, "needs PHOTO..., --base, --blended and --out");
    }
    for (i = 0; i < n; i++)
        if (cli_check_input(cmd, photos[i])) {
            free(photos);
            return CLI_BAD_INPUT;
        }
    if (cli_check_input(cmd, base_path) || cli_check_input(cmd, toon_path) || cli_check_output_dir(cmd, "--out", dir)) {
        free(photos);
        return CLI_BAD_INPUT;
    }
    g99_error_clear(&err);
    rc = load_sg(base_path, &fb, &mb, &gb, &err);
    if (!rc) rc = load_sg(toon_path, &ft, &mt, &gt, &err);
    if (!rc && (gb->cfg.resolution != gt->cfg.resolution || gb->cfg.w_dim != gt->cfg.w_dim ||
                gb->num_ws != gt->num_ws))
        rc = g99_fail(&err, G99_EINVAL, "%s and %s: models of other sizes (%d and %d pixels, w_dim %d and %d)",
                      base_path, toon_path, gb->cfg.resolution, gt->cfg.resolution, gb->cfg.w_dim, gt->cfg.w_dim);
    if (!rc && !no_align &&
        ((r = cli_load_cascade("frontalface_default", &face)) != 0 || (r = cli_load_cascade("eye", &eye)) != 0)) {
        rc = r;
        goto out;
    }
    if (!rc) rc = g99_mkdir(dir, &err);
    gan_project_opts_default(&po);
    po.steps = steps;
    po.seed = seed;
    g99_stop_catch();
    for (i = 0; !rc && i < n; i++) {
        rc = toonify_one(photos[i], gb, gt, face, eye, no_align, &po, dir, &err);
        if (!rc) done++;
    }
    g99_stop_release();
    if (rc) rc = cli_fail(&err);
out:
    (void)done;
    if (face) haar_cascade_free(face);
    if (eye) haar_cascade_free(eye);
    if (mb) fb->destroy(mb);
    if (mt) ft->destroy(mt);
    free(photos);
    return rc;
}

const cli_command cli_cmd_toonify = {
    "toonify",
    "a photo's face projected into a StyleGAN2 model and rendered with a blended one",
    usage,
    toonify_run,
};
