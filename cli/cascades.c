/* Where the Haar cascades are, so that `--cascade eye` works without a
 * path. A name with no '/' is looked up as NAME, NAME.xml and
 * haarcascade_NAME.xml in
 *   $GAN99_CASCADES, then <folder of the gan99 binary>/cascades,
 *   <binary folder>/align/cascades (a build tree), <binary
 *   folder>/../share/gan99/cascades (an installed prefix, where `make
 *   install` copies them), then align/cascades under the working folder. */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
    if (!prog) return 0;
    slash = strrchr(prog, '/');
    if (slash) {
        size_t n = (size_t)(slash - prog);
        if (n + 1 > size) return 0;
        memcpy(out, prog, n);
        out[n] = '\0';
        return 1;
    }
    path = getenv("PATH");
    while (path && *path) {
        const char *end = strchr(path, ':');
        size_t n = end ? (size_t)(end - path) : strlen(path);
        if (n > 0 && n + strlen(prog) + 2 <= size) {
            memcpy(out, path, n);
            sprintf(out + n, "/%s", prog);
            if (readable(out)) {
                out[n] = '\0';
                return 1;
            }
        }
        path = end ? end + 1 : NULL;
    }
    return 0;
}

int cli_cascade_path(const char *name, char *out, size_t size)
{
    static const char *const forms[] = { "%s/%s", "%s/%s.xml", "%s/haarcascade_%s.xml" };
    const char *dirs[5];
    char bin[1024], d1[1100], d2[1100], d3[1100];
    int nd = 0, i, k;
    if (strchr(name, '/') || readable(name)) {
        if (strlen(name) + 1 > size) return 0;
        strcpy(out, name);
        return 1;
    }
    if (getenv("GAN99_CASCADES")) dirs[nd++] = getenv("GAN99_CASCADES");
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
