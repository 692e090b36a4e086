/* gan99 pairs: image-to-image training pairs from photos, in pix2pix's
 * "aligned" format (doc/cli.md): one PNG per photo, A (the filtered photo)
 * on the left and B (the photo) on the right, so that the reference's
 * AlignedDataset, which splits at w/2, reads A then B.
 *
 * Each photo is made as training makes an item (gan_image_fit: RGB, the
 * covering resize, the centre crop), or aligned on its eyes first with
 * --align (align_face, as gan99 align); then A = img_filter(B). The split
 * into DIR/train, DIR/val and DIR/test is decided over the files listed,
 * before any is read: a seeded shuffle (nn_rng(seed, NN_STREAM_DATA),
 * nn_rng_shuffle), val and test take floor(n * percent / 100) places, train
 * the rest; so a file's split never depends on which other files could be
 * read. A grey filter (gray, canny) gives a grey A, written as RGB beside B. */
#include "cli.h"
#include "../align/align.h"
#include "../gan/gan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: gan99 pairs --filter NAME [--size WxH] [--align] [--split T,V,E] [--seed S]\n"
    "                   --out DIR IMAGE|DIR...\n"
    "\n"
    "Makes image-to-image training pairs in pix2pix's aligned format: for each\n"
    "photo one PNG with A, the filtered photo, on the left and B, the photo, on the\n"
    "right (2W x H). Photos are scaled to cover WxH and centre-cropped (as gan99\n"
    "train prepares them), or with --align turned and cropped so the eyes land at\n"
    "fixed places (as gan99 align). Folders are searched recursively for .png,\n"
    ".jpg, .jpeg, .ppm, .pgm and .pnm files. The pairs go into DIR/train, DIR/val\n"
    "and DIR/test by a shuffle of the files listed (seeded; val and test get\n"
    "floor(n * percent / 100) files, train the rest), named as the photo with .png.\n"
    "Unreadable photos (and with --align, photos without a face) are skipped and\n"
    "counted in the summary. Train on the result with `gan99 train pix2pix --data\n"
    "DIR/train`.\n"
    "\n"
    "options:\n"
    "  --filter NAME   gray, binary, contours, canny or blur (gan99 filter's, with\n"
    "                  their defaults)\n"
    "  --size WxH      the size of each side (default 256x256)\n"
    "  --align         align on the eyes first (needs the Haar cascades)\n"
    "  --split T,V,E   percentages of train, val and test, summing to 100\n"
    "                  (default 90,5,5)\n"
    "  --seed S        the shuffle's seed, 0..2^64-1 (default 0)\n"
    "  --out DIR       the output folder (made when missing)\n";

static const char *const split_names[3] = { "train", "val", "test" };

static int parse_split(const cli_command *cmd, const char *s, int pct[3])
{
    char item[64];
    const char *q = s;
    int i;
    for (i = 0; i < 3; i++) {
        if (!q) return cli_usage_error(cmd, "--split wants three percentages T,V,E, not '%s'", s);
        q = cli_list_next(q, ',', item, sizeof item);
        if (cli_parse_int(cmd, "--split", item, 0, 100, &pct[i])) return CLI_BAD_INPUT;
    }
    if (q) return cli_usage_error(cmd, "--split wants three percentages T,V,E, not more");
    if (pct[0] + pct[1] + pct[2] != 100)
        return cli_usage_error(cmd, "--split: %d,%d,%d sums to %d, not 100", pct[0], pct[1], pct[2],
                               pct[0] + pct[1] + pct[2]);
    return 0;
}

static int known_filter(const char *name)
{
    static const char *const names[] = { "gray", "grey", "binary", "contours", "canny", "blur" };
    size_t i;
    for (i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(names[i], name) == 0) return 1;
    return 0;
}

/* A | B: a (any channels) and b (RGB), one size, side by side as RGB. */
static int side_by_side(const img_image *a, const img_image *b, img_image *out, g99_error *err)
{
    int w = b->width, h = b->height, x, y, c, rc;
    rc = img_new(out, 2 * w, h, 3, 8, err);
    for (y = 0; !rc && y < h; y++)
        for (x = 0; x < w; x++)
            for (c = 0; c < 3; c++) {
                uint8_t *row = out->data + (size_t)y * 2 * w * 3;
                row[(size_t)x * 3 + c] = a->data[((size_t)y * w + x) * a->channels + (a->channels >= 3 ? c : 0)];
                row[(size_t)(w + x) * 3 + c] = b->data[((size_t)y * w + x) * 3 + c];
            }
    return rc;
}

/* What happened to the photos, for the summary. */
typedef struct pair_tally {
    int made[3];
    int unreadable, no_face, failed;
} pair_tally;

typedef struct pair_job {
    const char *filter, *out_dir;
    int width, height, align;
    align_params ap;
    haar_cascade *face, *eye;
} pair_job;

/* One photo to its pair file: 0 made, 1 skipped (reported, counted),
 * else an exit code. */
static int make_pair(const pair_job *j, const char *path, const char *out_path, pair_tally *t, cli_progress *prog)
{
    img_image photo, b, a, pair;
    align_result res;
    g99_error err;
    int rc;
    memset(&b, 0, sizeof b);
    memset(&a, 0, sizeof a);
    memset(&pair, 0, sizeof pair);
    g99_error_clear(&err);
    if (cli_read_image(path, &photo, &err)) {
        cli_progress_break(prog);
        cli_report(&err, 0);
        t->unreadable++;
        return 1;
    }
    if (j->align) {
        img_image crop;
        rc = align_face(j->face, j->eye, &photo, &j->ap, &crop, &res, &err);
        img_free(&photo);
        if (rc == G99_ENOMEM) return cli_fail(&err);
        if (rc) {
            g99_error_prefix(&err, "%s", path);
            cli_progress_break(prog);
            cli_report(&err, 0);
            t->failed++;
            return 1;
        }
        if (res.status == ALIGN_NO_FACE) {
            t->no_face++;
            return 1;
        }
        photo = crop;
    }
    rc = gan_image_fit(&photo, 3, j->width, j->height, &b, &err);
    img_free(&photo);
    if (!rc) rc = img_filter(j->filter, &b, NULL, &a, &err);
    if (!rc) rc = side_by_side(&a, &b, &pair, &err);
    if (!rc) rc = img_png_save(out_path, &pair, &err);
    img_free(&a);
    img_free(&b);
    img_free(&pair);
    if (rc) {
        cli_progress_break(prog);
        return cli_fail(&err);
    }
    return 0;
}

extern const cli_command cli_cmd_pairs;

static int pairs_run(int argc, char **argv)
{
    const cli_command *cmd = &cli_cmd_pairs;
    const char *s;
    char **inputs = (char **)malloc(sizeof(char *) * (size_t)argc), *out_path = NULL;
    int ninputs = 0, i, r, status = CLI_OK, pct[3] = { 90, 5, 5 }, count[3], made_dir[4] = { 0, 0, 0, 0 }, k;
    uint64_t seed = 0;
    uint32_t *order = NULL;
    unsigned char *split = NULL;
    pair_job job;
    pair_tally t;
    cli_file_list files;
    cli_name_set names;
    cli_progress prog;
    nn_rng rng;
    g99_error err;
    if (!inputs) {
        cli_error("pairs", "out of memory");
        return CLI_FAILED;
    }
    memset(&job, 0, sizeof job);
    memset(&t, 0, sizeof t);
    memset(&names, 0, sizeof names);
    job.width = job.height = 256;
    for (i = 1; i < argc; i++) {
        if (argv[i][0] != '-' || argv[i][1] == '\0') {
            inputs[ninputs++] = argv[i];
        } else if ((r = cli_opt_str(cmd, argc, argv, &i, "--out", &s)) != 0) {
            if (r < 0) goto bad;
            job.out_dir = s;
        } else if ((r = cli_opt_str(cmd, argc, argv, &i, "--filter", &s)) != 0) {
            if (r < 0) goto bad;
            job.filter = s;
        } else if ((r = cli_opt_str(cmd, argc, argv, &i, "--size", &s)) != 0) {
            if (r < 0 || cli_parse_wxh(cmd, "--size", s, 0, 1, 16384, &job.width, &job.height)) goto bad;
        } else if ((r = cli_opt_str(cmd, argc, argv, &i, "--split", &s)) != 0) {
            if (r < 0 || parse_split(cmd, s, pct)) goto bad;
        } else if ((r = cli_opt_u64(cmd, argc, argv, &i, "--seed", 0, UINT64_MAX, &seed)) != 0) {
            if (r < 0) goto bad;
        } else if (strcmp(argv[i], "--align") == 0) {
            job.align = 1;
        } else {
            cli_usage_error(cmd, "unknown option '%s'", argv[i]);
            goto bad;
        }
    }
    if (!job.filter) {
        cli_usage_error(cmd, "needs --filter NAME (gray, binary, contours, canny, blur)");
        goto bad;
    }
    if (!known_filter(job.filter)) {
        cli_usage_error(cmd, "--filter: no filter '%s' (gray, binary, contours, canny, blur)", job.filter);
        goto bad;
    }
    if (!job.out_dir) {
        cli_usage_error(cmd, "needs --out DIR");
        goto bad;
    }
    if (ninputs == 0) {
        cli_usage_error(cmd, "needs at least one IMAGE or DIR");
        goto bad;
    }
    if (cli_check_output_dir(cmd, "--out", job.out_dir)) goto bad;
    g99_error_clear(&err);
    r = cli_list_inputs(cmd, ninputs, inputs, &files);
    free(inputs);
    if (r) return r;
    if (job.align) {
        align_params_default(&job.ap);
        job.ap.width = job.width;
        job.ap.height = job.height;
        if ((r = cli_load_cascade("frontalface_default", &job.face)) != 0 ||
            (r = cli_load_cascade("eye", &job.eye)) != 0) {
            haar_cascade_free(job.face);
            cli_file_list_free(&files);
            return r;
        }
    }

    /* The split, decided before any photo is read. */
    order = (uint32_t *)malloc(sizeof *order * (size_t)files.count);
    split = (unsigned char *)malloc((size_t)files.count);
    out_path = (char *)malloc(strlen(job.out_dir) + 4096);
    if (!order || !split || !out_path) {
        cli_error("pairs", "out of memory");
        status = CLI_FAILED;
        goto done;
    }
    for (i = 0; i < files.count; i++) order[i] = (uint32_t)i;
    nn_rng_init(&rng, seed, NN_STREAM_DATA);
    nn_rng_shuffle(&rng, order, (size_t)files.count);
    count[1] = (int)((long long)files.count * pct[1] / 100);
    count[2] = (int)((long long)files.count * pct[2] / 100);
    count[0] = files.count - count[1] - count[2];
    for (i = 0; i < files.count; i++) split[order[i]] = (unsigned char)(i < count[0] ? 0 : i < count[0] + count[1] ? 1 : 2);

    made_dir[3] = !g99_is_dir(job.out_dir);
    if (g99_mkdir(job.out_dir, &err)) {
        status = cli_fail(&err);
        goto done;
    }
    for (k = 0; k < 3; k++) {
        if (!count[k]) continue;
        sprintf(out_path, "%s/%s", job.out_dir, split_names[k]);
        made_dir[k] = !g99_is_dir(out_path);
        if (g99_mkdir(out_path, &err)) {
            status = cli_fail(&err);
            goto done;
        }
    }

    cli_progress_start(&prog, "pairs", "photos/s", 0, (uint64_t)files.count);
    for (i = 0; i < files.count && status == CLI_OK; i++) {
        const char *name = cli_output_name(&names, files.paths[i]);
        if (!name || strlen(name) > 3000) {
            cli_progress_break(&prog);
            if (name) cli_error("pairs", "%s: the name is too long", files.paths[i]);
            else cli_error("pairs", "out of memory");
            status = name ? CLI_BAD_INPUT : CLI_FAILED;
            break;
        }
        sprintf(out_path, "%s/%s/%s", job.out_dir, split_names[split[i]], name);
        r = make_pair(&job, files.paths[i], out_path, &t, &prog);
        if (r == 0) t.made[split[i]]++;
        else if (r != 1) status = r;
        cli_progress_update(&prog, (uint64_t)i + 1, NULL);
    }
    if (status == CLI_OK && t.made[0] + t.made[1] + t.made[2] == 0) {
        /* Nothing made: no output at all (the folders this run made go; they are empty). */
        for (k = 0; k < 3; k++)
            if (made_dir[k]) {
                sprintf(out_path, "%s/%s", job.out_dir, split_names[k]);
                g99_remove(out_path);
            }
        if (made_dir[3]) g99_remove(job.out_dir);
        cli_error("pairs", "no pair made from the %d photo%s (%d unreadable, %d without a face, %d failed)",
                  files.count, files.count == 1 ? "" : "s", t.unreadable, t.no_face, t.failed);
        status = CLI_BAD_INPUT;
    }
    if (status == CLI_OK) {
        for (k = 0; k < 3; k++) printf("%-6s %d\n", split_names[k], t.made[k]);
        printf("skipped %d", t.unreadable + t.no_face + t.failed);
        if (t.unreadable + t.no_face + t.failed)
            printf(" (unreadable: %d, no face: %d, alignment failed: %d)", t.unreadable, t.no_face, t.failed);
        printf("\n");
    }
done:
    free(order);
    free(split);
    free(out_path);
    cli_name_set_free(&names);
    haar_cascade_free(job.face);
    haar_cascade_free(job.eye);
    cli_file_list_free(&files);
    return status;
bad:
    free(inputs);
    return CLI_BAD_INPUT;
}

const cli_command cli_cmd_pairs = {
    "pairs",
    "image-to-image training pairs (A = filtered | B = photo) in train/val/test",
    usage,
    pairs_run,
};
