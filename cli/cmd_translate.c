/* gan99 translate: a conditional model (pix2pix) or a reconstruction model
 * (an autoencoder) on photos (doc/cli.md). Each photo is made as training
 * made an item (gan_image_fit: the model's input channels, the covering
 * resize to the model's width x height, the centre crop), scaled to [-1, 1]
 * as torchvision's ToTensor then Normalize(0.5, 0.5), run through the model
 * (gan_model_translate) and written as DIR/<name>.png, the photo's name
 * with .png (cli_output_name: x-2.png for a second x).
 *
 * Modes follow the reference's test.py: by default batch norm and dropout
 * stay in training mode (test.py without --eval: batch statistics, dropout
 * as noise), and --eval uses the running statistics without dropout. With
 * batch norm in training mode an output depends on the photos batched with
 * it, so the default batch is 1, as test.py forces. */
#include "cli.h"
#include "../gan/gan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: gan99 translate MODEL_FILE --out DIR [--eval] [--batch N] IMAGE|DIR...\n"
    "\n"
    "Runs an image-to-image model (pix2pix, or an autoencoder) on photos of any\n"
    "size and writes DIR/<name>.png for each, the photo's file name with .png for\n"
    "its extension. Photos are scaled to cover the model's size and centre-cropped,\n"
    "as training prepared them; a grey photo is repeated into colour for a model\n"
    "that takes colour, a colour photo made grey for one that takes grey. Folders\n"
    "are searched recursively for .png, .jpg, .jpeg, .ppm, .pgm and .pnm files;\n"
    "unreadable photos are skipped and counted. Models with a latent (dcgan) draw\n"
    "images instead: use gan99 sample.\n"
    "\n"
    "options:\n"
    "  --out DIR    the output folder (made when missing)\n"
    "  --eval       batch norm on its running statistics, no dropout (pix2pix's\n"
    "               test.py --eval). The default keeps batch norm and dropout in\n"
    "               training mode, as test.py does without --eval\n"
    "  --batch N    photos run together, 1..256 (default 1, as test.py); in the\n"
    "               default mode batch norm sees the whole batch\n";

/* Interleaved 8-bit pixels -> planes in [-1, 1]: (v / 255 - 0.5) / 0.5. */
static void to_planes(const img_image *img, float *dst)
{
    size_t plane = (size_t)img->width * img->height, i;
    int c;
    for (c = 0; c < img->channels; c++)
        for (i = 0; i < plane; i++) dst[c * plane + i] = ((float)img->data[i * img->channels + c] / 255.0f - 0.5f) / 0.5f;
}

extern const cli_command cli_cmd_translate;

static int translate_run(int argc, char **argv)
{
    const cli_command *cmd = &cli_cmd_translate;
    const char *model = NULL, *out_dir = NULL, *s;
    char **inputs = (char **)malloc(sizeof(char *) * (size_t)argc), *out_path = NULL;
    const char **batch_paths = NULL;
    int ninputs = 0, i, r, status = CLI_OK, eval = 0, batch = 1, in_channels, made = 0, unreadable = 0, made_dir;
    size_t in_size, out_size;
    const gan_family *f = NULL;
    gan_model *m = NULL;
    gan_values v;
    gan_geometry g;
    cli_file_list files;
    cli_name_set names;
    cli_progress prog;
    float *cond = NULL, *y = NULL;
    g99_error err;
    if (!inputs) {
        cli_error("translate", "out of memory");
        return CLI_FAILED;
    }
    memset(&names, 0, sizeof names);
    for (i = 1; i < argc; i++) {
        if (argv[i][0] != '-' || argv[i][1] == '\0') {
            if (!model) model = argv[i];
            else inputs[ninputs++] = argv[i];
        } else if ((r = cli_opt_str(cmd, argc, argv, &i, "--out", &s)) != 0) {
            if (r < 0) goto bad;
            out_dir = s;
        } else if ((r = cli_opt_int(cmd, argc, argv, &i, "--batch", 1, 256, &batch)) != 0) {
            if (r < 0) goto bad;
        } else if (strcmp(argv[i], "--eval") == 0) {
            eval = 1;
        } else {
            cli_usage_error(cmd, "unknown option '%s'", argv[i]);
            goto bad;
        }
    }
    r = cli_model_on_files(cmd, model, out_dir, ninputs, inputs, "IMAGE", &files, &f, &m, &v);
    free(inputs);
    if (r) return r;
    g99_error_clear(&err);
    f->geometry(m, &g);
    if (g.latent || f->kind == GAN_DATA_LABELS || f->kind == GAN_DATA_SEGMENTS) {
        if (g.latent) cli_error("translate", "%s: %s models draw from a latent: use gan99 sample", model, f->name);
        else if (f->kind == GAN_DATA_SEGMENTS)
            cli_error("translate", "%s: %s models label photos with classes: use gan99 parse", model, f->name);
        else cli_error("translate", "%s: %s models take label maps, not photos: use gan99 paint", model, f->name);
        status = CLI_BAD_INPUT;
        goto done;
    }
    in_channels = g.cond_channels ? g.cond_channels : g.channels;
    in_size = (size_t)in_channels * g.width * g.height;
    out_size = (size_t)g.channels * g.width * g.height;
    cond = (float *)malloc(sizeof *cond * in_size * (size_t)batch);
    y = (float *)malloc(sizeof *y * out_size * (size_t)batch);
    batch_paths = (const char **)malloc(sizeof *batch_paths * (size_t)batch);
    out_path = (char *)malloc(strlen(out_dir) + 4096);
    if (!cond || !y || !batch_paths || !out_path) {
        cli_error("translate", "out of memory");
        status = CLI_FAILED;
        goto done;
    }
    made_dir = !g99_is_dir(out_dir);
    if (g99_mkdir(out_dir, &err)) {
        status = cli_fail(&err);
        goto done;
    }

    cli_progress_start(&prog, "translate", "photos/s", 0, (uint64_t)files.count);
    i = 0;
    while (status == CLI_OK && i < files.count) {
        int n = 0, k;
        /* A batch of readable photos (unreadable ones are reported and skipped). */
        for (; i < files.count && n < batch; i++) {
            img_image photo, fitted;
            memset(&fitted, 0, sizeof fitted);
            if (cli_read_image(files.paths[i], &photo, &err)) {
                cli_progress_break(&prog);
                cli_report(&err, 0);
                unreadable++;
                continue;
            }
            r = gan_image_fit(&photo, in_channels, g.width, g.height, &fitted, &err);
            img_free(&photo);
            if (r) {
                g99_error_prefix(&err, "%s", files.paths[i]);
                cli_progress_break(&prog);
                status = cli_fail(&err);
                i++;
                break;
            }
            to_planes(&fitted, cond + in_size * (size_t)n);
            img_free(&fitted);
            batch_paths[n++] = files.paths[i];
        }
        if (status != CLI_OK || n == 0) break;
        if (gan_model_translate(f, m, cond, n, !eval, y, &err)) {
            cli_progress_break(&prog);
            status = cli_fail(&err);
            break;
        }
        for (k = 0; k < n && status == CLI_OK; k++) {
            const char *name = cli_output_name(&names, batch_paths[k]);
            img_image out;
            if (!name || strlen(name) > 3000) {
                cli_progress_break(&prog);
                if (name) cli_error("translate", "%s: the name is too long", batch_paths[k]);
                else cli_error("translate", "out of memory");
                status = name ? CLI_BAD_INPUT : CLI_FAILED;
                break;
            }
            sprintf(out_path, "%s/%s", out_dir, name);
            r = gan_tensor_image_wh(y + out_size * (size_t)k, g.channels, g.width, g.height, 1, &out, &err);
            if (!r) {
                r = img_png_save(out_path, &out, &err);
                img_free(&out);
            }
            if (r) {
                cli_progress_break(&prog);
                status = cli_fail(&err);
            } else {
                made++;
            }
        }
        cli_progress_update(&prog, (uint64_t)i, NULL);
    }
    if (status == CLI_OK && made == 0) {
        if (made_dir) g99_remove(out_dir);   /* empty: no output at all */
        cli_error("translate", "none of the %d photo%s could be read", files.count, files.count == 1 ? "" : "s");
        status = CLI_BAD_INPUT;
    }
    if (status == CLI_OK)
        printf("translated %d (%s mode), skipped %d unreadable: %s\n", made, eval ? "eval" : "train", unreadable,
               out_dir);
done:
    free(cond);
    free(y);
    free(batch_paths);
    free(out_path);
    cli_name_set_free(&names);
    if (m) f->destroy(m);
    cli_file_list_free(&files);
    return status;
bad:
    free(inputs);
    return CLI_BAD_INPUT;
}

const cli_command cli_cmd_translate = {
    "translate",
    "run an image-to-image model (pix2pix, autoencoder) on photos",
    usage,
    translate_run,
};
