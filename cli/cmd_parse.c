/* gan99 parse: a face parser (gan99 train parser) on photos: a class per
 * pixel, written as a colour map (doc/cli.md). Each photo is made as
 * training made an item (gan_image_fit: the model's channels, the covering
 * resize to the model's size, the centre crop; a photo of another size is
 * resized so, and said once), scaled to [-1, 1], run through the parser in
 * eval mode (batch norm on its running statistics: a photo's map does not
 * depend on the others), and each pixel takes its highest-scoring class.
 *
 * DIR/<name>.png is an RGB image in the classes' colours (gan_label_image:
 * the synthetic faces' part colours, then PASCAL VOC's), or with --index an
 * 8-bit palette PNG whose pixel values are the classes and whose palette
 * holds the same colours: it looks the same and is a label map gan99 train
 * (and gan99 paint) read back as classes. */
#include "cli.h"
#include "../gan/gan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: gan99 parse MODEL_FILE --out DIR [--index] [--truth MAPS] IMAGE|DIR...\n"
    "\n"
    "Runs a face parser (a model of gan99 train parser) on photos and writes\n"
    "DIR/<name>.png for each: every pixel in the colour of its class (background\n"
    "black, skin (255,200,150), hair (140,70,20), eyes (0,100,255), brows\n"
    "(200,0,200), nose (0,190,0), mouth (230,0,0); classes from 7 on take the\n"
    "PASCAL VOC colours). Photos are scaled to cover the model's size and\n"
    "centre-cropped, as training prepared them (a photo of another size is\n"
    "resized so, with a note); maps are at the model's size. Folders are searched\n"
    "recursively for .png, .jpg, .jpeg, .ppm, .pgm and .pnm files; unreadable\n"
    "photos are skipped and counted. Batch norm runs on its running statistics.\n"
    "\n"
    "options:\n"
    "  --out DIR    the output folder (made when missing)\n"
    "  --index      write 8-bit palette PNGs: pixel value = class, palette = the\n"
    "               class colours (a label map for gan99 train spade / paint)\n"
    "  --truth MAPS  score the maps against the true ones: MAPS/<the name parse\n"
    "               writes> for each photo (any label map gan99 reads), every\n"
    "               one checked before any work; prints each class's IoU and the\n"
    "               mean over the classes present (all pixels of all maps\n"
    "               counted together) and writes them to DIR/iou.csv\n";

static void to_planes(const img_image *img, float *dst)
{
    size_t plane = (size_t)img->width * img->height, i;
    int c;
    for (c = 0; c < img->channels; c++)
        for (i = 0; i < plane; i++) dst[c * plane + i] = ((float)img->data[i * img->channels + c] / 255.0f - 0.5f) / 0.5f;
}

/* Every photo's true map is there before anything is written. */
static int check_truth(const cli_command *cmd, const char *truth, const cli_file_list *files)
{
    cli_name_set names;
    char *path = (char *)malloc(strlen(truth) + 4096);
    int i, status = CLI_OK;
    memset(&names, 0, sizeof names);
    if (!path) {
        cli_error("parse", "out of memory");
        return CLI_FAILED;
    }
    for (i = 0; status == CLI_OK && i < files->count; i++) {
        const char *name = cli_output_name(&names, files->paths[i]);
        if (!name || strlen(name) > 3000) break;   /* the main loop names the trouble */
        sprintf(path, "%s/%s", truth, name);
        status = cli_check_input(cmd, path);
    }
    cli_name_set_free(&names);
    free(path);
    return status;
}

/* The true map of `name` (at the model's size, as paint reads maps) into the sum. */
static int add_truth(gan_iou_sum *iou, const char *truth, const char *name, const uint8_t *classes,
                     const gan_geometry *g, g99_error *err)
{
    char *path = (char *)malloc(strlen(truth) + strlen(name) + 2);
    img_image map;
    int resized = 0, rc;
    if (!path) return g99_fail(err, G99_ENOMEM, "out of memory");
    sprintf(path, "%s/%s", truth, name);
    rc = gan_label_map_load(path, NULL, g->channels, g->width, g->height, &map, &resized, err);
    free(path);
    if (rc) return rc;
    gan_iou_add(iou, classes, map.data, (size_t)g->width * g->height);
    img_free(&map);
    return 0;
}

/* Each class's IoU and the mean, printed and in DIR/iou.csv. */
static int report_iou(const gan_iou_sum *iou, const char *out_dir)
{
    char *csv = (char *)malloc((size_t)64 * (iou->n_classes + 2)), *path;
    size_t len = 0;
    int c;
    g99_error err;
    path = (char *)malloc(strlen(out_dir) + 16);
    if (!csv || !path) {
        free(csv);
        free(path);
        cli_error("parse", "out of memory");
        return CLI_FAILED;
    }
    len += (size_t)sprintf(csv + len, "class,iou\n");
    printf("IoU against the true maps (%llu pixels):", (unsigned long long)iou->pixels);
    for (c = 0; c < iou->n_classes; c++) {
        double v = gan_iou_class(iou, c);
        len += (size_t)sprintf(csv + len, "%d,%.4f\n", c, v);
        printf(" %d:%.3f", c, v);
    }
    len += (size_t)sprintf(csv + len, "mean,%.4f\n", gan_iou_mean(iou));
    printf("  mean %.4f\n", gan_iou_mean(iou));
    sprintf(path, "%s/iou.csv", out_dir);
    g99_error_clear(&err);
    c = g99_write_file_atomic(path, csv, len, &err);
    free(csv);
    free(path);
    return c ? cli_fail(&err) : CLI_OK;
}

extern const cli_command cli_cmd_parse;

static int parse_run(int argc, char **argv)
{
    const cli_command *cmd = &cli_cmd_parse;
    const char *model = NULL, *out_dir = NULL, *s;
    char **inputs = (char **)malloc(sizeof(char *) * (size_t)argc), *out_path = NULL;
    int ninputs = 0, i, r, status = CLI_OK, index = 0, made = 0, unreadable = 0, resized = 0, made_dir;
    size_t in_size, plane;
    const gan_family *f = NULL;
    gan_model *m = NULL;
    gan_values v;
    gan_geometry g;
    cli_file_list files;
    cli_name_set names;
    float *x = NULL, *y = NULL;
    uint8_t *classes = NULL;
    const char *truth = NULL;      /* --truth DIR: the true maps, for IoU */
    gan_iou_sum iou;
    g99_error err;
    if (!inputs) {
        cli_error("parse", "out of memory");
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
        } else if ((r = cli_opt_str(cmd, argc, argv, &i, "--truth", &s)) != 0) {
            if (r < 0) goto bad;
            truth = s;
        } else if (strcmp(argv[i], "--index") == 0) {
            index = 1;
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
    if (f->kind != GAN_DATA_SEGMENTS) {
        cli_error("parse", "%s: a %s model, not a face parser (train one with gan99 train parser)", model, f->name);
        status = CLI_BAD_INPUT;
        goto done;
    }
    plane = (size_t)g.width * g.height;
    in_size = (size_t)g.cond_channels * plane;
    x = (float *)malloc(sizeof *x * in_size);
    y = (float *)malloc(sizeof *y * plane * (size_t)g.channels);
    classes = (uint8_t *)malloc(plane);
    out_path = (char *)malloc(strlen(out_dir) + 4096);
    if (!x || !y || !classes || !out_path) {
        cli_error("parse", "out of memory");
        status = CLI_FAILED;
        goto done;
    }
    if (truth && (status = check_truth(cmd, truth, &files)) != CLI_OK) goto done;
    gan_iou_init(&iou, g.channels);
    made_dir = !g99_is_dir(out_dir);
    if (g99_mkdir(out_dir, &err)) {
        status = cli_fail(&err);
        goto done;
    }
    for (i = 0; status == CLI_OK && i < files.count; i++) {
        img_image photo, fitted, map;
        const char *name;
        if (cli_read_image(files.paths[i], &photo, &err)) {
            cli_report(&err, 0);
            unreadable++;
            continue;
        }
        if ((photo.width != g.width || photo.height != g.height) && !resized++)
            fprintf(stderr, "gan99: parse: note: %s is %dx%d: resized to cover the model's %dx%d and centre-cropped "
                    "(so is every photo of another size; the maps are %dx%d)\n", files.paths[i], photo.width,
                    photo.height, g.width, g.height, g.width, g.height);
        r = gan_image_fit(&photo, g.cond_channels, g.width, g.height, &fitted, &err);
        img_free(&photo);
        if (r) {
            g99_error_prefix(&err, "%s", files.paths[i]);
            status = cli_fail(&err);
            break;
        }
        to_planes(&fitted, x);
        img_free(&fitted);
        if (gan_model_translate(f, m, x, 1, 0, y, &err)) {
            status = cli_fail(&err);
            break;
        }
        name = cli_output_name(&names, files.paths[i]);
        if (!name || strlen(name) > 3000) {
            if (name) cli_error("parse", "%s: the name is too long", files.paths[i]);
            else cli_error("parse", "out of memory");
            status = name ? CLI_BAD_INPUT : CLI_FAILED;
            break;
        }
        sprintf(out_path, "%s/%s", out_dir, name);
        if (index || truth) gan_class_argmax(y, g.channels, plane, classes);   /* the colour map takes its own argmax */
        if (truth && (r = add_truth(&iou, truth, name, classes, &g, &err)) != 0) {
            status = cli_fail(&err);
            break;
        }
        if (index) {
            r = gan_label_png_save(out_path, classes, g.width, g.height, g.channels, &err);
        } else {
            r = gan_label_image(y, g.channels, g.width, g.height, &map, &err);
            if (!r) {
                r = img_png_save(out_path, &map, &err);
                img_free(&map);
            }
        }
        if (r) status = cli_fail(&err);
        else made++;
    }
    if (status == CLI_OK && made == 0) {
        if (made_dir) g99_remove(out_dir);   /* empty: no output at all */
        cli_error("parse", "none of the %d photo%s could be read", files.count, files.count == 1 ? "" : "s");
        status = CLI_BAD_INPUT;
    }
    if (status == CLI_OK)
        printf("parsed %d into %s maps of %dx%d (%d classes), skipped %d unreadable: %s\n", made,
               index ? "8-bit palette" : "colour", g.width, g.height, g.channels, unreadable, out_dir);
    if (status == CLI_OK && truth) status = report_iou(&iou, out_dir);
done:
    free(x);
    free(y);
    free(classes);
    free(out_path);
    cli_name_set_free(&names);
    if (m) f->destroy(m);
    cli_file_list_free(&files);
    return status;
bad:
    free(inputs);
    return CLI_BAD_INPUT;
}

const cli_command cli_cmd_parse = {
    "parse",
    "label every pixel of face photos with a face parser (colour or palette maps)",
    usage,
    parse_run,
};
