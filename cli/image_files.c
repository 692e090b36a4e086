/* Image files for the commands that take IMAGE|DIR... (align, average):
 * folders are walked with POSIX opendir/readdir, which C99 itself cannot
 * do. This stays in cli/ (which may use the OS) so that align/ and image/
 * remain plain C99 with no file-system code; gan/'s dataset reader has its
 * own platform file.
 *
 * A folder is walked recursively and its images (by extension: .png, .jpg,
 * .jpeg, .ppm, .pgm, .pnm, any case) are taken in byte order of their
 * paths, so runs are deterministic whatever order the OS lists them in.
 * Hidden entries (".name") are skipped; recursion stops at 32 levels, so a
 * symbolic-link loop cannot run away. */
#define _POSIX_C_SOURCE 200809L
/* 64-bit inode numbers and offsets on 32-bit systems (armhf): without it
 * readdir fails with EOVERFLOW on large file systems. */
#define _FILE_OFFSET_BITS 64
#include "cli.h"
#include "../image/image.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

#define MAX_DEPTH 32

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

static char *join(const char *dir, const char *name)
{
    size_t a = strlen(dir), b = strlen(name);
    char *s = (char *)malloc(a + b + 2);
    if (!s) return NULL;
    memcpy(s, dir, a);
    s[a] = '/';
    memcpy(s + a + 1, name, b + 1);
    return s;
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

static int by_path(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static int walk(cli_file_list *l, const char *dir, int depth, g99_error *err)
{
    DIR *d;
    struct dirent *e;
    int rc = 0;
    if (depth > MAX_DEPTH) return g99_fail(err, G99_ELIMIT, "%s: folders nested deeper than %d", dir, MAX_DEPTH);
    d = opendir(dir);
    if (!d) return g99_fail(err, G99_EIO, "%s: cannot open the folder: %s", dir, strerror(errno));
    while (!rc) {
        struct stat st;
        char *path;
        errno = 0;
        e = readdir(d);
        if (!e) {
            if (errno != 0) rc = g99_fail(err, G99_EIO, "%s: cannot list the folder: %s", dir, strerror(errno));
            break;
        }
        if (e->d_name[0] == '.') continue;
        path = join(dir, e->d_name);
        if (!path) {
            rc = g99_fail(err, G99_ENOMEM, "listing images: out of memory");
            break;
        }
        if (stat(path, &st) != 0) {
            rc = g99_fail(err, G99_EIO, "%s: %s", path, strerror(errno));
            free(path);
        } else if (S_ISDIR(st.st_mode)) {
            rc = walk(l, path, depth + 1, err);
            free(path);
        } else if (S_ISREG(st.st_mode) && has_image_extension(e->d_name)) {
            rc = add(l, path, err);
        } else {
            free(path);
        }
    }
    closedir(d);
    return rc;
}

int cli_list_images(int n, char **args, cli_file_list *out, g99_error *err)
{
    int i, rc = 0;
    memset(out, 0, sizeof *out);
    for (i = 0; i < n && !rc; i++) {
        struct stat st;
        if (stat(args[i], &st) != 0) {
            rc = g99_fail(err, G99_EIO, "%s: %s", args[i], strerror(errno));
        } else if (S_ISDIR(st.st_mode)) {
            int first = out->count;
            size_t len = strlen(args[i]);
            char *dir = dup_str(args[i]);
            if (!dir) {
                rc = g99_fail(err, G99_ENOMEM, "listing images: out of memory");
                break;
            }
            while (len > 1 && dir[len - 1] == '/') dir[--len] = '\0';  /* "faces/" lists as "faces/a.png" */
            rc = walk(out, dir, 0, err);
            free(dir);
            if (!rc) qsort(out->paths + first, (size_t)(out->count - first), sizeof *out->paths, by_path);
        } else {
            char *p = dup_str(args[i]);
            rc = p ? add(out, p, err) : g99_fail(err, G99_ENOMEM, "listing images: out of memory");
        }
    }
    if (rc) cli_file_list_free(out);
    return rc;
}

void cli_file_list_free(cli_file_list *l)
{
    int i;
    for (i = 0; i < l->count; i++) free(l->paths[i]);
    free(l->paths);
    memset(l, 0, sizeof *l);
}

int cli_make_dir(const char *path, g99_error *err)
{
    struct stat st;
    if (mkdir(path, 0777) == 0) return G99_OK;
    if (errno == EEXIST && stat(path, &st) == 0 && S_ISDIR(st.st_mode)) return G99_OK;
    return g99_fail(err, G99_EIO, "%s: cannot make the folder: %s", path, strerror(errno));
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
