/* Running the gan99 binary from a test, as a user runs it (tests/cli_run.c):
 * the helpers of tests/test_cli.c for the suites that test more commands.
 * The shell runs `PROG ARGS >out 2>err; echo $? >code` in the test folder,
 * so the exit code is read the same way on every POSIX system; on Windows
 * cmd.exe runs `PROG ARGS >out 2>err` and system() gives the exit code. */
#ifndef GAN99_TEST_CLI_RUN_H
#define GAN99_TEST_CLI_RUN_H

#include "../base/base.h"

#include <stddef.h>

/* What the last cli_run printed: stdout, stderr and stderr's first line. */
extern char cli_run_out[8192], cli_run_err[8192], cli_run_first_line[1024];

/* Runs `gan99 ARGS` (printf-style); its exit code, -1 when the shell could
 * not run it. */
int cli_run(const char *fmt, ...) G99_PRINTF(1, 2);
/* 1 when the binary is not there (the suite then skips, unless --gan99
 * named it: then the test fails). */
int cli_run_binary_missing(void);
/* A file or folder of that name exists. */
int cli_run_exists(const char *path);
/* A folder and what is in it, gone (left by an earlier, failed run). */
void cli_run_remove_tree(const char *path);
/* "<tmp dir>/<name>" in one of four rotating static buffers. */
const char *cli_run_tmp(const char *name);

#endif
