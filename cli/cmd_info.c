/* gan99 info: what a model or checkpoint file holds. */
#include "cli.h"

static int info_run(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    cli_error("info", "not built yet");
    return CLI_FAILED;
}

const cli_command cli_cmd_info = {
    "info",
    "list the metadata and tensors of a model or checkpoint file",
    "usage: gan99 info MODEL_FILE\n",
    info_run,
};
