/* gan99 bench: figures that can be compared across machines. */
#include "cli.h"

static int bench_run(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    cli_error("bench", "not built yet");
    return CLI_FAILED;
}

const cli_command cli_cmd_bench = {
    "bench",
    "measure gan99's kernels on this machine",
    "usage: gan99 bench [--quick]\n",
    bench_run,
};
