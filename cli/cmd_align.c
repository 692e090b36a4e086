/* gan99 align: eye-aligned face crops of photos (doc/cli.md, align/align.h
 * align_face). For each photo: the largest face, its eyes, and the crop
 * with the eyes at fixed places, written as DIR/<name>.png; the summary
 * counts the photos aligned on their eyes, aligned on the face box (no eye
 * pair found) and skipped (no face, or unreadable), and DIR/eyes.csv lists
 * every photo with the eye positions used.
 *
 * Output names are the photo's file name with .png for the extension;
 * when two photos share a name (a/x.jpg and b/x.jpg), the later one gets
 * x-2.png, x-3.png ..., in the order the photos are listed. Folders are
 * walked by cli/image_files.c (base/'s g99_list_files). The progress
 * (cli/progress.c) goes to stderr, the summary to stdout. When no photo
 * had a face the command fails (exit 2) with a message saying so. */
#include "cli.h"
#include "../align/align.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: gan99 align [--size WxH] [--eyes LX,LY,RX,RY] --out DIR IMAGE|DIR...\n"
    "\n"
    "Finds the largest face of each photo and its eyes (OpenCV's frontal-face and\n"
    "eye Haar cascades), then turns, scales and crops the photo so that the eyes\n"
    "land at fixed places, and writes DIR/<name>.png. Folders are searched\n"
    "recursively for .png, .jpg, .jpeg, .ppm, .pgm and .pnm files. When no eye\n"
    "pair is found the face box gives the alignment; photos without a face are\n"
    "skipped. DIR/eyes.csv lists every photo with the eye positions used (pixel\n"
    "(i, j) spans [i, i+1) x [j, j+1)) and the face box.\n"
    "\n"
    "options:\n"
    "  --size WxH          output size (default 256x256; any size, e.g. 256x320)\n"
    "  --eyes LX,LY,RX,RY  eye targets as fractions of the width and height\n"
    "                      (default 0.375,0.4725,0.625,0.4725, as FFHQ's alignment)\n"
    "  --out DIR           the output folder (made when missing)\n";

/* ---- output names ---- */

/* The names given so far (cli.h's cli_name_set). */
typedef cli_name_set name_set;

static size_t name_hash(const char *s) { return (size_t)g99_crc32(0, s, strlen(s)); }

/* Adds name (taking it) unless present: 1 added, 0 present, -1 no memory. */
static int name_add(name_set *s, char *name)
{
    size_t i;
    if (2 * (s->count + 1) > s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 256, k;
        char **slots = (char **)calloc(cap, sizeof *slots);
        if (!slots) return -1;
        for (k = 0; k < s->cap; k++)
            if (s->slots[k]) {
                for (i = name_hash(s->slots[k]) % cap; slots[i]; i = (i + 1) % cap) {}
                slots[i] = s->slots[k];
            }
        free(s->slots);
        s->slots = slots;
        s->cap = cap;
    }
    for (i = name_hash(name) % s->cap; s->slots[i]; i = (i + 1) % s->cap)
        if (strcmp(s->slots[i], name) == 0) return 0;
    s->slots[i] = name;
    s->count++;
    return 1;
}

void cli_name_set_free(cli_name_set *s)
{
    size_t i;
    for (i = 0; i < s->cap; i++) free(s->slots[i]);
    free(s->slots);
}

const char *cli_output_name(cli_name_set *set, const char *path)
{
    const char *base = strrchr(path, '/'), *dot;
    size_t stem;
    int k;
    base = base ? base + 1 : path;
    dot = strrchr(base, '.');
    stem = dot && dot != base ? (size_t)(dot - base) : strlen(base);
    for (k = 1; k < 1000000; k++) {
        char *name = (char *)malloc(stem + 16);
        int r;
        if (!name) return NULL;
        memcpy(name, base, stem);
        if (k == 1) strcpy(name + stem, ".png");
        else sprintf(name + stem, "-%d.png", k);
        r = name_add(set, name);
        if (r == 1) return name;
        free(name);
        if (r < 0) return NULL;
    }
    return NULL;
}

/* ---- the CSV ---- */

typedef struct text_buf {
    char *data;
    size_t len, cap;
    int failed;
} text_buf;

static void put(text_buf *b, const char *s, size_t n)
{
    if (b->failed) return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        char *d;
        while (b->len + n + 1 > cap) cap *= 2;
        d = (char *)realloc(b->data, cap);
        if (!d) {
            b->failed = 1;
            return;
        }
        b->data = d;
        b->cap = cap;
    }
    memcpy(b->data + b->len, s, n);
    b->len += n;
}

/* A CSV field (RFC 4180): quoted when it holds a comma, quote or newline. */
static void put_field(text_buf *b, const char *s)
{
    const char *c;
    if (!strpbrk(s, ",\"\r\n")) {
        put(b, s, strlen(s));
        return;
    }
    put(b, "\"", 1);
    for (c = s; *c; c++) {
        if (*c == '"') put(b, "\"", 1);  /* a quote is written twice */
        put(b, c, 1);
    }
    put(b, "\"", 1);
}

/* ---- the command ---- */

static int parse_eyes(const cli_command *cmd, const char *s, align_params *p)
{
    double v[4];
    char item[64];
    int i;
    for (i = 0; i < 4; i++) {
        if (!s) return cli_usage_error(cmd, "--eyes wants four fractions LX,LY,RX,RY");
        s = cli_list_next(s, ',', item, sizeof item);
        if (cli_parse_double(cmd, "--eyes", item, -10, 10, &v[i])) return CLI_BAD_INPUT;
    }
    if (s) return cli_usage_error(cmd, "--eyes wants four fractions LX,LY,RX,RY, not more");
    if (v[0] == v[2] && v[1] == v[3]) return cli_usage_error(cmd, "--eyes: the two eyes are one point");
    p->eye_left[0] = v[0];
    p->eye_left[1] = v[1];
    p->eye_right[0] = v[2];
    p->eye_right[1] = v[3];
    return 0;
}

int cli_load_cascade(const char *name, haar_cascade **c)
{
    char path[1200];
    g99_error err;
    if (!cli_cascade_path(name, path, sizeof path)) {
        cli_error(name, "cascade not found (set GAN99_CASCADES to the folder of the cascades)");
        return CLI_BAD_INPUT;
    }
    if (haar_cascade_load(path, c, &err)) return cli_fail(&err);
    return CLI_OK;
}

/* Counts by outcome; reasons are align_result's static strings, compared by
 * address (there are few). */
typedef struct tally {
    int eyes, box, skipped, unreadable, failed;
    const char *reasons[8];
    int counts[8], nreasons;
} tally;

static void count_reason(tally *t, const char *reason)
{
    int i;
    for (i = 0; i < t->nreasons; i++)
        if (t->reasons[i] == reason) break;
    if (i == t->nreasons) {
        if (i == 8) return;
        t->reasons[t->nreasons++] = reason;
    }
    t->counts[i]++;
}

static void print_reasons(const tally *t, int status_box)
{
    int i, first = 1;
    for (i = 0; i < t->nreasons; i++) {
        int is_box = strcmp(t->reasons[i], "no face found") != 0;
        if (is_box != status_box) continue;
        printf("%s%s: %d", first ? " (" : ", ", t->reasons[i], t->counts[i]);
        first = 0;
    }
    if (!status_box && t->unreadable) {
        printf("%sunreadable: %d", first ? " (" : ", ", t->unreadable);
        first = 0;
    }
    if (!status_box && t->failed) {
        printf("%salignment failed: %d", first ? " (" : ", ", t->failed);
        first = 0;
    }
    if (!first) printf(")");
    printf("\n");
}

extern const cli_command cli_cmd_align;

static int align_run(int argc, char **argv)
{
    const cli_command *cmd = &cli_cmd_align;
    const char *out_dir = NULL, *s;
    char **inputs = (char **)malloc(sizeof(char *) * (size_t)argc);
    int ninputs = 0, i, r, status = CLI_OK, made_dir = 0;
    align_params p;
    haar_cascade *face = NULL, *eye = NULL;
    cli_file_list files;
    name_set names;
    text_buf csv;
    tally t;
    cli_progress prog;
    g99_error err;
    if (!inputs) {
        cli_error("align", "out of memory");
        return CLI_FAILED;
    }
    align_params_default(&p);
    for (i = 1; i < argc; i++) {
        if (argv[i][0] != '-' || argv[i][1] == '\0') {
            inputs[ninputs++] = argv[i];
        } else if ((r = cli_opt_str(cmd, argc, argv, &i, "--out", &s)) != 0) {
            if (r < 0) goto bad;
            out_dir = s;
        } else if ((r = cli_opt_str(cmd, argc, argv, &i, "--size", &s)) != 0) {
            if (r < 0) goto bad;
            if (cli_parse_wxh(cmd, "--size", s, 0, 1, 16384, &p.width, &p.height)) goto bad;
        } else if ((r = cli_opt_str(cmd, argc, argv, &i, "--eyes", &s)) != 0) {
            if (r < 0) goto bad;
            if (parse_eyes(cmd, s, &p)) goto bad;
        } else {
            cli_usage_error(cmd, "unknown option '%s'", argv[i]);
            goto bad;
        }
    }
    if (!out_dir) {
        cli_usage_error(cmd, "needs --out DIR");
        goto bad;
    }
    if (ninputs == 0) {
        cli_usage_error(cmd, "needs at least one IMAGE or DIR");
        goto bad;
    }
    if (cli_check_output_dir(cmd, "--out", out_dir)) goto bad;
    g99_error_clear(&err);
    r = cli_list_inputs(cmd, ninputs, inputs, &files);
    free(inputs);
    if (r) return r;
    if ((r = cli_load_cascade("frontalface_default", &face)) != 0 || (r = cli_load_cascade("eye", &eye)) != 0) {
        haar_cascade_free(face);
        cli_file_list_free(&files);
        return r;
    }
    made_dir = !g99_is_dir(out_dir);
    if (g99_mkdir(out_dir, &err)) {
        status = cli_fail(&err);
        goto done_early;
    }

    memset(&names, 0, sizeof names);
    memset(&csv, 0, sizeof csv);
    memset(&t, 0, sizeof t);
    cli_progress_start(&prog, "align", "photos/s", 0, (uint64_t)files.count);
    s = "file,output,status,left_eye_x,left_eye_y,right_eye_x,right_eye_y,face_x,face_y,face_w,face_h,note\n";
    put(&csv, s, strlen(s));
    for (i = 0; i < files.count && status == CLI_OK; i++) {
        const char *path = files.paths[i], *name = NULL;
        img_image photo, crop;
        align_result res;
        char line[400];
        put_field(&csv, path);
        if (cli_read_image(path, &photo, &err)) {
            cli_progress_break(&prog);
            cli_report(&err, 0);
            t.unreadable++;
            t.skipped++;
            put(&csv, ",,skipped,,,,,,,,,", 18);
            put_field(&csv, err.msg);
            put(&csv, "\n", 1);
            cli_progress_update(&prog, (uint64_t)i + 1, NULL);
            continue;
        }
        r = align_face(face, eye, &photo, &p, &crop, &res, &err);
        img_free(&photo);
        if (r == G99_ENOMEM) {
            cli_progress_break(&prog);
            status = cli_fail(&err);
            break;
        }
        if (r) {  /* this photo only (say, too small to search) */
            g99_error_prefix(&err, "%s", path);
            cli_progress_break(&prog);
            cli_report(&err, 0);
            t.failed++;
            t.skipped++;
            put(&csv, ",,skipped,,,,,,,,,", 18);
            put_field(&csv, err.msg);
            put(&csv, "\n", 1);
            cli_progress_update(&prog, (uint64_t)i + 1, NULL);
            continue;
        }
        if (res.status == ALIGN_NO_FACE) {
            t.skipped++;
            count_reason(&t, res.reason);
            sprintf(line, ",,skipped,,,,,,,,,%s\n", res.reason);
            put(&csv, line, strlen(line));
            cli_progress_update(&prog, (uint64_t)i + 1, NULL);
            continue;
        }
        name = cli_output_name(&names, path);
        if (!name) {
            img_free(&crop);
            cli_progress_break(&prog);
            cli_error("align", "out of memory");
            status = CLI_FAILED;
            break;
        }
        {
            size_t n = strlen(out_dir) + strlen(name) + 2;
            char *out_path = (char *)malloc(n);
            if (!out_path) {
                img_free(&crop);
                cli_progress_break(&prog);
                cli_error("align", "out of memory");
                status = CLI_FAILED;
                break;
            }
            sprintf(out_path, "%s/%s", out_dir, name);
            r = img_png_save(out_path, &crop, &err);
            free(out_path);
            img_free(&crop);
            if (r) {
                cli_progress_break(&prog);
                status = cli_fail(&err);
                break;
            }
        }
        if (res.status == ALIGN_EYES) t.eyes++;
        else t.box++, count_reason(&t, res.reason);
        put(&csv, ",", 1);
        put_field(&csv, name);
        sprintf(line, ",%s,%.2f,%.2f,%.2f,%.2f,%d,%d,%d,%d,%s\n", res.status == ALIGN_EYES ? "eyes" : "face_box",
                res.eye_left[0], res.eye_left[1], res.eye_right[0], res.eye_right[1], res.face.x, res.face.y,
                res.face.w, res.face.h, res.status == ALIGN_EYES ? "" : res.reason);
        put(&csv, line, strlen(line));
        cli_progress_update(&prog, (uint64_t)i + 1, NULL);
    }
    if (status == CLI_OK && t.eyes + t.box == 0) {
        /* Nothing aligned: no output at all (the folder goes if this run
         * made it; it is empty), and the reasons on stdout. */
        printf("aligned: 0\nskipped: %d", t.skipped);
        print_reasons(&t, 0);
        if (made_dir) g99_remove(out_dir);
        if (files.count == 1) cli_error("align", "no face found in %s", files.paths[0]);
        else cli_error("align", "no face found in any of the %d photos", files.count);
        status = CLI_BAD_INPUT;
    }
    if (status == CLI_OK) {
        char *csv_path = (char *)malloc(strlen(out_dir) + 10);
        if (csv.failed || !csv_path) {
            cli_error("align", "out of memory");
            status = CLI_FAILED;
        } else {
            sprintf(csv_path, "%s/eyes.csv", out_dir);
            if (g99_write_file_atomic(csv_path, csv.data, csv.len, &err)) status = cli_fail(&err);
        }
        if (status == CLI_OK) {
            printf("aligned on the eyes:     %d\n", t.eyes);
            printf("aligned on the face box: %d", t.box);
            print_reasons(&t, 1);
            printf("skipped:                 %d", t.skipped);
            print_reasons(&t, 0);
            printf("eye positions:           %s\n", csv_path);
        }
        free(csv_path);
    }
    free(csv.data);
    cli_name_set_free(&names);
done_early:
    haar_cascade_free(face);
    haar_cascade_free(eye);
    cli_file_list_free(&files);
    return status;
bad:
    free(inputs);
    return CLI_BAD_INPUT;
}

const cli_command cli_cmd_align = {
    "align",
    "eye-aligned face crops of photos (+ eyes.csv and a summary)",
    usage,
    align_run,
};
