/* gan99 export-c: G of a DCGAN model file as C source for a microcontroller
 * (gan/export_c.c; doc/portability.md §1): const weight arrays (flash), the
 * model's description and the size of the one static arena it runs in. */
#include "cli.h"
#include "../gan/gan.h"

#include <stdio.h>

static int export_c_run(int argc, char **argv)
{
    const cli_command *cmd = &cli_cmd_export_c;
    const char *model = NULL, *out = NULL, *name = NULL;
    uint64_t ram = 4u << 20, flash = 4u << 20;
    gan_export_c_opts o;
    gan_export_c_info in;
    g99_error err;
    int i, r;
    for (i = 1; i < argc; i++) {
        if ((r = cli_opt_str(cmd, argc, argv, &i, "--out", &out)) != 0 ||
            (r = cli_opt_str(cmd, argc, argv, &i, "--name", &name)) != 0 ||
            (r = cli_opt_u64(cmd, argc, argv, &i, "--ram", 1024, (uint64_t)1 << 40, &ram)) != 0 ||
            (r = cli_opt_u64(cmd, argc, argv, &i, "--flash", 1024, (uint64_t)1 << 40, &flash)) != 0) {
            if (r < 0) return CLI_BAD_INPUT;
            continue;
        }
        if (argv[i][0] == '-' && argv[i][1] != '\0') return cli_usage_error(cmd, "unknown option %s", argv[i]);
        if (model) return cli_usage_error(cmd, "unexpected '%s'", argv[i]);
        model = argv[i];
    }
    if (!model || !out) return cli_usage_error(cmd, "expects MODEL_FILE and --out FILE.c");
    if (cli_check_input(cmd, model)) return CLI_BAD_INPUT;
    if ((size_t)ram != ram || (size_t)flash != flash) return cli_usage_error(cmd, "--ram/--flash too large here");
    o.name = name;
    o.ram = (size_t)ram;
    o.flash = (size_t)flash;
    g99_error_clear(&err);
    if (gan_export_c(model, out, &o, &in, &err)) return cli_fail(&err);
    printf("%s: G of a %dx%d DCGAN (nz %d, ngf %d, nc %d): %lu weights, %lu bytes of flash; RAM %lu bytes "
           "(arena %lu + stack %lu) of %lu\n", out, in.cfg.size, in.cfg.size, in.cfg.nz, in.cfg.ngf, in.cfg.nc,
           (unsigned long)in.n_weights, (unsigned long)in.weight_bytes, (unsigned long)in.ram_bytes,
           (unsigned long)in.arena_bytes, (unsigned long)(in.ram_bytes - in.arena_bytes), (unsigned long)ram);
    return CLI_OK;
}

const cli_command cli_cmd_export_c = {
    "export-c",
    "write a DCGAN generator as C source for a microcontroller",
    "usage: gan99 export-c MODEL_FILE --out FILE.c [--name ID] [--ram BYTES] [--flash BYTES]\n"
    "\n"
    "Writes G of a DCGAN model file (a run's model.safetensors) as C99: each\n"
    "tensor a const float array (flash on a microcontroller), every value a\n"
    "hexadecimal literal (exact bits with any compiler), the layers as a\n"
    "gan_c_model named ID (default gan99_model), and ID_ARENA_BYTES (in\n"
    "capitals), the static arena one image needs (batch 1, measured by running\n"
    "G here). On the board: gan_dcgan_bind, nn_ctx_new_fixed over the arena,\n"
    "gan_dcgan_generate; no malloc (doc/portability.md).\n"
    "\n"
    "Refuses other families, and a model whose weights exceed --flash or whose\n"
    "arena and stack exceed --ram (bytes; both default to the 4 MiB each of\n"
    "qemu's mps2-an386 Cortex-M4F board), saying how much it needs.\n",
    export_c_run,
};
