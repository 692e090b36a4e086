/* gan99 info: what a model or checkpoint file holds (doc/cli.md).
 *
 *   gan99 info G.safetensors
 *   gan99.arch = dcgan
 *   main.0.weight F32 [100, 512, 4, 4] 3276800 bytes
 *
 * Metadata first ("key = value", in file order), then one line per tensor
 * in data order: name, dtype, shape, bytes, and last what the file is to
 * gan99 (its family, and the commands that take it, by gan99.arch).
 * Control characters in names and values print as escapes. A file that fails validation
 * prints "gan99: FILE: reason" and exits 2. */
#include "cli.h"
#include "../gan/gan.h"

#include <stdio.h>
#include <string.h>

/* Names and values come from the file: control characters are shown as
 * escapes (\n, \t, \x01) so that they cannot garble the terminal. */
static void print_clean(const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '\n') fputs("\\n", stdout);
        else if (c == '\t') fputs("\\t", stdout);
        else if (c < 0x20 || c == 0x7F) printf("\\x%02X", c);
        else putchar(c);
    }
}

/* One line: the family by gan99.arch ("dcgan", or "dcgan-train" for a
 * training checkpoint), and what uses the file. */
static void describe(const char *arch)
{
    char name[64];
    size_t n = arch ? strlen(arch) : 0;
    int training = n > 6 && strcmp(arch + n - 6, "-train") == 0;
    const gan_family *fam;
    if (!arch) return;
    snprintf(name, sizeof name, "%.*s", (int)(training ? n - 6 : n), arch);
    fam = gan_arch_find(name);
    fputs("family: ", stdout);
    if (!fam) {
        print_clean(arch);
        printf(" (not a family gan99 has: %s)\n", gan_family_names());
    } else if (training) {
        printf("%s, a training checkpoint (gan99 train %s --out RUN --resume continues it)\n", fam->name, fam->name);
    } else {
        printf("%s, a model file (%s)\n", fam->name,
               fam->kind == GAN_DATA_IMAGES ? "gan99 sample and gan99 morph draw from it" : "it translates images");
    }
}

static int info_run(int argc, char **argv)
{
    nn_st_file *f;
    g99_error err;
    size_t i;
    int d, rc;
    const char *path = NULL;
    for (d = 1; d < argc; d++) {
        if (argv[d][0] == '-' && argv[d][1] != '\0') return cli_usage_error(&cli_cmd_info, "unknown option %s", argv[d]);
        if (path) return cli_usage_error(&cli_cmd_info, "expects one MODEL_FILE, not also '%s'", argv[d]);
        path = argv[d];
    }
    if (!path) return cli_usage_error(&cli_cmd_info, "expects one MODEL_FILE");
    if (cli_check_input(&cli_cmd_info, path)) return CLI_BAD_INPUT;
    g99_error_clear(&err);
    rc = nn_st_load(path, NN_ST_MAX_FILE, &f, &err);
    if (rc) return cli_fail(&err);
    for (i = 0; i < f->n_meta; i++) {
        print_clean(f->meta_keys[i]);
        fputs(" = ", stdout);
        print_clean(f->meta_values[i]);
        putchar('\n');
    }
    for (i = 0; i < f->n_tensors; i++) {
        const nn_st_tensor *t = &f->tensors[i];
        print_clean(t->name);
        printf(" %s [", nn_st_dtype_name(t->dtype));
        for (d = 0; d < t->rank; d++) printf(d ? ", %lu" : "%lu", (unsigned long)t->shape[d]);
        printf("] %lu bytes\n", (unsigned long)t->nbytes);
    }
    describe(nn_st_meta(f, "gan99.arch"));
    nn_st_free(f);
    return CLI_OK;
}

const cli_command cli_cmd_info = {
    "info",
    "list the metadata and tensors of a model or checkpoint file",
    "usage: gan99 info MODEL_FILE\n"
    "\n"
    "Validates a safetensors file and prints its metadata (key = value) and\n"
    "one line per tensor: name, dtype, shape, bytes. Exit status 2 when the\n"
    "file is missing or malformed.\n",
    info_run,
};
