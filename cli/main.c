/* gan99: the command-line entry point and git-style dispatch to commands. */
#include "cli.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const cli_command *const commands[] = {
    &cli_cmd_demo,
    &cli_cmd_train,
    &cli_cmd_sample,
    &cli_cmd_morph,
    &cli_cmd_info,
    &cli_cmd_bench,
    &cli_cmd_filter,
    &cli_cmd_convert,
    &cli_cmd_detect,
    &cli_cmd_align,
    &cli_cmd_average,
    &cli_cmd_pairs,
    &cli_cmd_translate,
    &cli_cmd_paint,
    &cli_cmd_parse,
    &cli_cmd_synth,
    &cli_cmd_blend,
    &cli_cmd_mix,
    &cli_cmd_toonify,
    &cli_cmd_export_c,
};
#define N_COMMANDS (sizeof commands / sizeof commands[0])

const char *cli_program_path = NULL;

void cli_error(const char *what, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "gan99: %s: ", what);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

int cli_usage_error(const cli_command *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "gan99: %s: ", cmd->name);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n(see 'gan99 help %s')\n", cmd->name);
    return CLI_BAD_INPUT;
}

int cli_exit_code(int g99_code)
{
    if (g99_code == G99_OK) return CLI_OK;
    /* Memory and the OS failing are not the user's input at fault. */
    if (g99_code == G99_ENOMEM || g99_code == G99_EIO) return CLI_FAILED;
    return CLI_BAD_INPUT;
}

int cli_report(const g99_error *err, int exit_code)
{
    fprintf(stderr, "gan99: %s\n", err->msg[0] ? err->msg : g99_status_name(err->code));
    return exit_code;
}

int cli_fail(const g99_error *err) { return cli_report(err, cli_exit_code(err->code)); }

int cli_wants_help(int argc, char **argv)
{
    int i;
    for (i = 1; i < argc; i++)
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) return 1;
    return 0;
}

static void print_overview(FILE *out)
{
    size_t i;
    fprintf(out,
            "gan99 " GAN99_VERSION " - GANs for faces in portable C99\n"
            "\n"
            "usage: gan99 COMMAND [ARGS]\n"
            "       gan99 help COMMAND    the options of one command\n"
            "       gan99 --version\n"
            "\n"
            "commands:\n");
    for (i = 0; i < N_COMMANDS; i++) fprintf(out, "  %-10s %s\n", commands[i]->name, commands[i]->summary);
}

static const cli_command *find_command(const char *name)
{
    size_t i;
    for (i = 0; i < N_COMMANDS; i++)
        if (strcmp(commands[i]->name, name) == 0) return commands[i];
    return NULL;
}

int main(int argc, char **argv)
{
    const cli_command *cmd;
    g99_main_init(&argc, &argv);   /* Windows: UTF-8 arguments, binary stdout and stderr */
    cli_program_path = argv[0];
    if (argc < 2) {
        print_overview(stderr);
        return CLI_BAD_INPUT;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        print_overview(stdout);
        return CLI_OK;
    }
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
        printf("gan99 %s\n", GAN99_VERSION);
        return CLI_OK;
    }
    if (strcmp(argv[1], "help") == 0) {
        if (argc < 3) {
            print_overview(stdout);
            return CLI_OK;
        }
        cmd = find_command(argv[2]);
        if (!cmd) {
            cli_error(argv[2], "no such command (see 'gan99 --help')");
            return CLI_BAD_INPUT;
        }
        if (!cmd->usage) {   /* a command that makes its help: run it with --help */
            char *args[4];
            args[0] = argv[2];
            args[1] = argc > 3 ? argv[3] : (char *)"--help";
            args[2] = (char *)"--help";
            args[3] = NULL;
            return cmd->run(argc > 3 ? 3 : 2, args);
        }
        fputs(cmd->usage, stdout);
        return CLI_OK;
    }
    cmd = find_command(argv[1]);
    if (!cmd) {
        cli_error(argv[1], "no such command (see 'gan99 --help')");
        return CLI_BAD_INPUT;
    }
    if (cmd->usage && cli_wants_help(argc - 1, argv + 1)) {
        fputs(cmd->usage, stdout);
        return CLI_OK;
    }
    return cmd->run(argc - 1, argv + 1);
}
