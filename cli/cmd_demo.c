/* gan99 demo: the main job on data gan99 generates itself. Until the DCGAN
 * pipeline exists it says what is missing and fails with exit code 1. */
#include "cli.h"

#include <stdio.h>

static int demo_run(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    cli_error("demo", "not built yet: the demo trains a DCGAN on synthetic faces and needs the nn core,\n"
                      "  image/ and the DCGAN pipeline (issues 3, 4 and 6); the foundation is in place");
    return CLI_FAILED;
}

const cli_command cli_cmd_demo = {
    "demo",
    "train a small face GAN on generated faces and write an animation of its progress",
    "usage: gan99 demo [--out DIR]\n"
    "\n"
    "Generates synthetic faces, trains a DCGAN on them and writes samples, a\n"
    "progress animation and a loss plot to DIR (default gan99-demo).\n",
    demo_run,
};
