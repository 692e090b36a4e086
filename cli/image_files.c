/* Image files for the commands that take IMAGE|DIR... (align, average):
 * a folder is listed by base/'s g99_list_files (recursive, sorted by path,
 * hidden entries skipped) and its images are the files with an image
 * extension (.png, .jpg, .jpeg, .ppm, .pgm, .pnm, any case). */
#include "cli.h"
#include "../image/image.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


static int has_image_extension(const char *name)
{
    static const char *const exts[] = { ".png", ".jpg", ".jpeg", ".ppm", ".pgm", ".pnm" };
    const char *dot = strrchr(name, '.');
    size_t i, k;
    if (!dot) return 0;
    for (i = 0; i < sizeof exts / sizeof exts[0]; i++) {
        if (strlen(dot) != strlen(exts[i])) continue;
        for (k = 0; dot[k]; k++) {
            char c = dot[k];
            if (c >= 'A' && c <= 'Z') c = (char)(c - 'A' + 'a');
            if (c != exts[i][k]) break;
        }
        if (!dot[k]) return 1;
    }
    return 0;
}

static char *dup_str(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = (char *)malloc(n);
    if (d) memcpy(d, s, n);
    return d;
}

static int add(cli_file_list *l, char *path, g99_error *err)
{
    if (l->count == l->cap) {
        int cap = l->cap ? 2 * l->cap : 64;
        char **p = cap <= (1 << 26) ? (char **)realloc(l->paths, sizeof *p * (size_t)cap) : NULL;
        if (!p) {
            free(path);
            return g99_fail(err, G99_ENOMEM, "listing images: out of memory");
        }
        l->paths = p;
        l->cap = cap;
    }
    l->paths[l->count++] = path;
    return G99_OK;
}

/* The images among the files under dir, appended to l in path order. */
static int add_folder(cli_file_list *l, const char *dir, g99_error *err)
{
    char **paths;
    size_t n, i;
    int rc = g99_list_files(dir, &paths, &n, err);
    for (i = 0; i < n; i++) {
        if (!rc && has_image_extension(paths[i])) {
            rc = add(l, paths[i], err);
            paths[i] = NULL;  /* owned by l now (or freed by add on failure) */
        }
    }
    g99_free_list(paths, n);
    return rc;
}

int cli_list_images(int n, char **args, cli_file_list *out, g99_error *err)
{
    int i, rc = 0;
    memset(out, 0, sizeof *out);
    for (i = 0; i < n && !rc; i++) {
        FILE *f;
        if (g99_is_dir(args[i])) {
            size_t len = strlen(args[i]);
            char *dir = dup_str(args[i]);
            if (!dir) {
                rc = g99_fail(err, G99_ENOMEM, "listing images: out of memory");
                break;
            }
            while (len > 1 && dir[len - 1] == '/') dir[--len] = '\0';  /* "faces/" lists as "faces/a.png" */
            rc = add_folder(out, dir, err);
            free(dir);
        } else if ((f = g99_fopen(args[i], "rb")) == NULL) {
            /* A missing photo is the user's input at fault: not G99_EIO. */
            rc = g99_fail(err, G99_EINVAL, "%s: %s", args[i], strerror(errno));
        } else {
            char *p = dup_str(args[i]);
            fclose(f);
            rc = p ? add(out, p, err) : g99_fail(err, G99_ENOMEM, "listing images: out of memory");
        }
    }
    if (rc) cli_file_list_free(out);
    return rc;
}

int cli_list_inputs(const cli_command *cmd, int n, char **args, cli_file_list *out)
{
    g99_error err;
    g99_error_clear(&err);
    if (cli_list_images(n, args, out, &err)) return cli_fail(&err);
    if (out->count) return 0;
    cli_file_list_free(out);
    cli_error(cmd->name, "no images (.png, .jpg, .jpeg, .ppm, .pgm, .pnm) in the folders given");
    return CLI_BAD_INPUT;
}

void cli_file_list_free(cli_file_list *l)
{
    int i;
    for (i = 0; i < l->count; i++) free(l->paths[i]);
    free(l->paths);
    memset(l, 0, sizeof *l);
}

int cli_read_image(const char *path, img_image *img, g99_error *err)
{
    int rc = img_load(path, NULL, img, err);
    if (!rc && img->depth == 16) {
        /* The high byte of each sample, as PIL's 8-bit view of 16-bit
         * PNGs; in place, front to back (byte i comes from bytes 2i, 2i+1). */
        size_t n = (size_t)img->width * (size_t)img->height * (size_t)img->channels, i;
        for (i = 0; i < n; i++) {
            uint16_t v;
            memcpy(&v, img->data + 2 * i, 2);
            img->data[i] = (uint8_t)(v >> 8);
        }
        img->depth = 8;
    }
    return rc;
}
