/* File names checked before any work, the same way for every command: a
 * bad --out is found before a model is loaded or a photo decoded, a file is
 * written in the format its name says (never PNG bytes under .jpg), and a
 * missing input is bad input (exit 2), not a failure while working. */
#include "cli.h"
#include "../image/image.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ".png, .ppm, .pgm, .pnm or .gif" for the allowed formats. */
static void accepted(int allowed, char *buf, size_t size)
{
    const char *names[5];
    int n = 0, i;
    if (allowed & CLI_OUT_PNG) names[n++] = ".png";
    if (allowed & CLI_OUT_PNM) names[n++] = ".ppm", names[n++] = ".pgm", names[n++] = ".pnm";
    if (allowed & CLI_OUT_GIF) names[n++] = ".gif";
    buf[0] = '\0';
    for (i = 0; i < n; i++) {
        if (i) strncat(buf, i == n - 1 ? " or " : ", ", size - strlen(buf) - 1);
        strncat(buf, names[i], size - strlen(buf) - 1);
    }
}

/* Whether the folder that would hold path exists ("" is the working one). */
static int parent_exists(const char *path, char *parent, size_t size)
{
    size_t len = strlen(path), n;
    const char *slash = NULL;
    while (len > 1 && path[len - 1] == '/') len--;   /* "runs/a/" lives in "runs" */
    for (n = len; n > 0 && !slash; n--)
        if (path[n - 1] == '/') slash = path + n - 1;
    if (!slash) return 1;
    n = slash == path ? 1 : (size_t)(slash - path);  /* "/x" lives in "/" */
    if (n + 1 > size) return 1;  /* let the OS judge a name this long */
    memcpy(parent, path, n);
    parent[n] = '\0';
    return g99_is_dir(parent);
}

static void report(const cli_command *cmd, const char *flag, const char *path, const char *reason)
{
    if (flag) cli_usage_error(cmd, "%s %s: %s", flag, path, reason);
    else cli_usage_error(cmd, "%s: %s", path, reason);
}

int cli_check_output(const cli_command *cmd, const char *flag, const char *path, int allowed)
{
    static const int bits[] = { 0, CLI_OUT_PNG, 0, CLI_OUT_PNM, CLI_OUT_GIF };
    char list[64], parent[1024], reason[160];
    int format = img_format_from_path(path);
    accepted(allowed, list, sizeof list);
    if (g99_is_dir(path)) {
        report(cmd, flag, path, "is a folder, not a file");
        return CLI_BAD_INPUT;
    }
    if (!(bits[format] & allowed)) {
        if (format == IMG_FORMAT_JPEG)
            snprintf(reason, sizeof reason, "gan99 reads JPEG but cannot write it; name a %s file", list);
        else if (format != IMG_FORMAT_UNKNOWN)
            snprintf(reason, sizeof reason, "%s cannot write %s; name a %s file", cmd->name,
                     img_format_name(format), list);
        else snprintf(reason, sizeof reason, "the name has no known image extension; name a %s file", list);
        report(cmd, flag, path, reason);
        return CLI_BAD_INPUT;
    }
    if (!parent_exists(path, parent, sizeof parent)) {
        snprintf(reason, sizeof reason, "there is no folder %.100s", parent);
        report(cmd, flag, path, reason);
        return CLI_BAD_INPUT;
    }
    return 0;
}

int cli_check_output_dir(const cli_command *cmd, const char *flag, const char *path)
{
    char parent[1024], reason[160];
    FILE *f;
    if (g99_is_dir(path)) return 0;
    f = g99_fopen(path, "rb");
    if (f) {
        fclose(f);
        report(cmd, flag, path, "is a file, not a folder");
        return CLI_BAD_INPUT;
    }
    if (!parent_exists(path, parent, sizeof parent)) {
        snprintf(reason, sizeof reason, "there is no folder %.100s to make it in", parent);
        report(cmd, flag, path, reason);
        return CLI_BAD_INPUT;
    }
    return 0;
}

int cli_check_input(const cli_command *cmd, const char *path)
{
    FILE *f;
    if (g99_is_dir(path)) {
        cli_error(cmd->name, "%s: is a folder, not a file", path);
        return CLI_BAD_INPUT;
    }
    f = g99_fopen(path, "rb");
    if (!f) {
        cli_error(cmd->name, "%s: %s", path, strerror(errno));
        return CLI_BAD_INPUT;
    }
    fclose(f);
    return 0;
}
