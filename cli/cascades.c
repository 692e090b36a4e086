/* Where the Haar cascades are, so that `--cascade eye` works without a
 * path. A name with no '/' is looked up as NAME, NAME.xml and
 * haarcascade_NAME.xml in
 *   each folder of the list $GAN99_CASCADES, then <folder of the gan99 binary>/cascades,
 *   <binary folder>/align/cascades (a build tree), <binary
 *   folder>/../share/gan99/cascades (an installed prefix, where `make
 *   install` copies them), then align/cascades under the working folder.
 * Paths follow the host: on Windows a folder ends at '\\' or '/', and a
 * list ($GAN99_CASCADES, $PATH) is split at ';' (':' is a drive's);
 * elsewhere at '/' and ':'. */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef _WIN32
#define CASCADES_WINDOWS 1
#else
#define CASCADES_WINDOWS 0
#endif

/* The last folder separator of path, or NULL. */
static const char *last_separator(const char *path, int windows)
{
    const char *s = strrchr(path, '/');
    if (windows) {
        const char *b = strrchr(path, '\\');
        if (b && (!s || b > s)) s = b;
    }
    return s;
}

/* The next entry of a path list into item (size bytes; a longer one is
 * skipped, as are empty ones); returns where the rest of the list starts,
 * or NULL when no entry is left (item is then ""). */
static const char *list_next(const char *list, int windows, char *item, size_t size)
{
    char sep = windows ? ';' : ':';
    item[0] = '\0';
    while (list && *list) {
        const char *end = strchr(list, sep);
        size_t n = end ? (size_t)(end - list) : strlen(list);
        const char *rest = end ? end + 1 : list + n;
        if (n > 0 && n < size) {
            memcpy(item, list, n);
            item[n] = '\0';
            return rest;
        }
        list = rest;
    }
    return NULL;
}

static int readable(const char *path)
{
    FILE *f = g99_fopen(path, "rb");
    if (!f) return 0;
    fclose(f);
    return 1;
}

/* The folder of the running binary (without the trailing '/'), from argv[0]
 * or, when argv[0] has no '/', the first $PATH entry that holds it. */
static int binary_folder(char *out, size_t size)
{
    const char *prog = cli_program_path, *slash, *path;
    char dir[1024];
    if (!prog) return 0;
    slash = last_separator(prog, CASCADES_WINDOWS);
    if (slash) {
        size_t n = (size_t)(slash - prog);
        if (n + 1 > size) return 0;
        memcpy(out, prog, n);
        out[n] = '\0';
        return 1;
    }
    path = getenv("PATH");
    while ((path = list_next(path, CASCADES_WINDOWS, dir, sizeof dir)) != NULL) {
        size_t n = strlen(dir);
        if (n + strlen(prog) + 2 <= size) {
            memcpy(out, dir, n);
            out[n] = '/';
            strcpy(out + n + 1, prog);
            if (readable(out)) {
                out[n] = '\0';
                return 1;
            }
        }
    }
    return 0;
}

int cli_cascade_path(const char *name, char *out, size_t size)
{
    static const char *const forms[] = { "%s/%s", "%s/%s.xml", "%s/haarcascade_%s.xml" };
    const char *dirs[4 + 16], *list = getenv("GAN99_CASCADES");
    char bin[1024], d1[1100], d2[1100], d3[1100], listed[16][1024];
    int nd = 0, i, k;
    if (last_separator(name, CASCADES_WINDOWS) || readable(name)) {
        if (strlen(name) + 1 > size) return 0;
        strcpy(out, name);
        return 1;
    }
    while (nd < 16 && (list = list_next(list, CASCADES_WINDOWS, listed[nd], sizeof listed[nd])) != NULL) {
        dirs[nd] = listed[nd];
        nd++;
    }
    if (binary_folder(bin, sizeof bin)) {
        sprintf(d1, "%s/cascades", bin);
        sprintf(d2, "%s/align/cascades", bin);
        sprintf(d3, "%s/../share/gan99/cascades", bin);
        dirs[nd++] = d1;
        dirs[nd++] = d2;
        dirs[nd++] = d3;
    }
    dirs[nd++] = "align/cascades";
    for (i = 0; i < nd; i++)
        for (k = 0; k < 3; k++) {
            if (strlen(dirs[i]) + strlen(name) + 24 > size) continue;
            sprintf(out, forms[k], dirs[i], name);
            if (readable(out)) return 1;
        }
    return 0;
}
