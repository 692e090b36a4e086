/* gan99 bench: running the reference programs (golden/tools/bench_ref_*.py)
 * and reading their figures, plus the small helpers the sections share.
 * Only base/'s platform layer touches the OS (the pipe). */
#include "cli.h"
#include "bench.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

volatile float bench_sink;

/* Debian's Python, which sees python3-torch, python3-pil and python3-opencv
 * (a virtualenv's python3 first in $PATH may not). */
#define BENCH_PYTHON "/usr/bin/python3"

static int readable(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f) fclose(f);
    return f != NULL;
}

int bench_shell_quote(char *out, size_t size, const char *s)
{
    size_t n = strlen(out), need = n + (n > 0) + 2 + 1;
    const char *p;
    char *o;
    for (p = s; *p; p++) need += *p == '\'' ? 4 : 1;
    if (need > size) return 0;
    o = out + n;
    if (n > 0) *o++ = ' ';
    *o++ = '\'';
    for (p = s; *p; p++) {
        if (*p == '\'') {
            /* close the quotes, an escaped quote, reopen them */
            memcpy(o, "'\\''", 4);
            o += 4;
        } else {
            *o++ = *p;
        }
    }
    *o++ = '\'';
    *o = '\0';
    return 1;
}

/* golden/tools/NAME of the current folder, else of the binary's folder. */
static int script_path(const char *name, char *out, size_t size)
{
    const char *slash = cli_program_path ? strrchr(cli_program_path, '/') : NULL;
    int n = snprintf(out, size, "golden/tools/%s", name);
    if (n > 0 && (size_t)n < size && readable(out)) return 1;
    if (!slash) return 0;
    n = snprintf(out, size, "%.*s/golden/tools/%s", (int)(slash - cli_program_path), cli_program_path, name);
    return n > 0 && (size_t)n < size && readable(out);
}

/* The line without its end of line and surrounding blanks, at most
 * size - 1 bytes. */
static void keep_line(char *out, size_t size, const char *line)
{
    size_t n;
    while (*line == ' ' || *line == '\t') line++;
    n = strcspn(line, "\r\n");
    while (n > 0 && (line[n - 1] == ' ' || line[n - 1] == '\t')) n--;
    if (n >= size) n = size - 1;
    memcpy(out, line, n);
    out[n] = '\0';
}

int bench_ref_run(const char *script, const char *env, const char *args, bench_ref_parse_fn parse, void *ctx,
                  char *why, size_t why_size)
{
    char path[1200], cmd[8192], line[512], last[200] = "", skip[200] = "";
    int status;
    FILE *f;
    if (!readable(BENCH_PYTHON)) {
        snprintf(why, why_size, "%s not found", BENCH_PYTHON);
        return 0;
    }
    if (!script_path(script, path, sizeof path)) {
        snprintf(why, why_size, "golden/tools/%s not found (run from the repository root)", script);
        return 0;
    }
    cmd[0] = '\0';
    if (env[0]) snprintf(cmd, sizeof cmd, "%s", env);
    if (!bench_shell_quote(cmd, sizeof cmd, BENCH_PYTHON) || !bench_shell_quote(cmd, sizeof cmd, path) ||
        strlen(cmd) + strlen(args) + 8 > sizeof cmd) {
        snprintf(why, why_size, "command line too long");
        return 0;
    }
    /* error output too, so a failure can say why */
    sprintf(cmd + strlen(cmd), " %s 2>&1", args);
    fflush(stdout);
    f = g99_pipe_open(cmd);
    if (!f) {
        snprintf(why, why_size, "cannot start %s on this system", BENCH_PYTHON);
        return 0;
    }
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "skip ", 5) == 0)
            keep_line(skip, sizeof skip, line + 5);
        else if (!parse(line, ctx) && strspn(line, " \t\r\n") < strlen(line))
            keep_line(last, sizeof last, line);
    }
    status = g99_pipe_close(f);
    if (skip[0]) {
        snprintf(why, why_size, "%s", skip);
        return 0;
    }
    if (status != 0) {
        snprintf(why, why_size, "%s failed: %s", script, last[0] ? last : "no output");
        return 0;
    }
    return 1;
}

double bench_peak_rss_mib(void)
{
    char line[256];
    double kib = -1.0;
    FILE *f = fopen("/proc/self/status", "r");
    if (!f) return -1.0;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "VmHWM: %lf kB", &kib) == 1) break;
    fclose(f);
    return kib < 0.0 ? -1.0 : kib / 1024.0;
}
