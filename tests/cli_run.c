/* The helpers of tests/cli_run.h: the gan99 binary run through system()
 * with its output in files under the test folder. */
#include "cli_run.h"
#include "test.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char cli_run_out[8192], cli_run_err[8192], cli_run_first_line[1024];

static void read_text(const char *path, char *buf, size_t size)
{
    FILE *f = fopen(path, "rb");
    size_t n = 0;
    buf[0] = '\0';
    if (!f) return;
    n = fread(buf, 1, size - 1, f);
    buf[n] = '\0';
    fclose(f);
}

#ifdef _WIN32
/* cmd.exe's separator; Windows' file calls take either. */
static void backslashes(char *s)
{
    for (; *s; s++)
        if (*s == '/') *s = '\\';
}
#endif

int cli_run_binary_missing(void)
{
    FILE *f = fopen(test_gan99_path(), "rb");
    if (f) {
        fclose(f);
        return 0;
    }
    return 1;
}

int cli_run(const char *fmt, ...)
{
    char args[4096], cmd[8192], out[1024], err[1024], code[1024], text[32];
    const char *dir = test_tmp_dir();
    char *nl;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof args, fmt, ap);
    va_end(ap);
    snprintf(out, sizeof out, "%s/cli_run_stdout.txt", dir);
    snprintf(err, sizeof err, "%s/cli_run_stderr.txt", dir);
    snprintf(code, sizeof code, "%s/cli_run_code.txt", dir);
    remove(code);
#ifdef _WIN32
    {
        /* cmd.exe: system() returns the program's exit code itself, and a
         * program named with '/' would be read as a command and a switch. */
        char prog[1024];
        int rc;
        (void)text;
        snprintf(prog, sizeof prog, "%s", test_gan99_path());
        backslashes(prog);
        /* the suites quote as a POSIX shell does; cmd.exe knows only '"' */
        for (nl = args; *nl; nl++)
            if (*nl == '\'') *nl = '"';
        backslashes(out);
        backslashes(err);
        snprintf(cmd, sizeof cmd, "%s %s >%s 2>%s", prog, args, out, err);
        rc = system(cmd);
        /* 9009 is cmd.exe's "not recognized as a command": wine's cmd.exe
         * now and then says so of a program that is there (once in about
         * 300 runs here); the binary's presence is checked apart
         * (cli_run_binary_missing), so one more try is not a blind retry. */
        if (rc == 9009) rc = system(cmd);
        read_text(out, cli_run_out, sizeof cli_run_out);
        read_text(err, cli_run_err, sizeof cli_run_err);
        snprintf(cli_run_first_line, sizeof cli_run_first_line, "%s", cli_run_err);
        if ((nl = strchr(cli_run_first_line, '\n')) != NULL) *nl = '\0';
        return rc;
    }
#else
    snprintf(cmd, sizeof cmd, "%s %s >%s 2>%s; echo $? >%s", test_gan99_path(), args, out, err, code);
    if (system(cmd) == -1) return -1;
    read_text(out, cli_run_out, sizeof cli_run_out);
    read_text(err, cli_run_err, sizeof cli_run_err);
    snprintf(cli_run_first_line, sizeof cli_run_first_line, "%s", cli_run_err);
    if ((nl = strchr(cli_run_first_line, '\n')) != NULL) *nl = '\0';
    read_text(code, text, sizeof text);
    return text[0] ? atoi(text) : -1;
#endif
}

int cli_run_exists(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f) fclose(f);
    return f != NULL || g99_is_dir(path);
}

void cli_run_remove_tree(const char *path)
{
    char cmd[2400];
#ifdef _WIN32
    char p[1024];
    snprintf(p, sizeof p, "%s", path);
    backslashes(p);
    snprintf(cmd, sizeof cmd, "rmdir /s /q \"%s\" 2>nul & del /q \"%s\" 2>nul", p, p);
#else
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", path);
#endif
    if (system(cmd) == -1) fprintf(stderr, "  (cannot run: %s)\n", cmd);
}

const char *cli_run_tmp(const char *name)
{
    static char buf[4][1024];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", test_tmp_dir(), name);
    return buf[k];
}
