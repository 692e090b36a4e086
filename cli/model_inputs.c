/* The front that translate, paint and parse share: each runs a model file
 * on image files, so each needs MODEL_FILE, --out DIR and at least one file
 * or folder, checked in that order before anything is read or written. */
#include "cli.h"
#include "../gan/gan.h"

int cli_model_on_files(const cli_command *cmd, const char *model, const char *out_dir, int ninputs, char **inputs,
                       const char *what, cli_file_list *files, const gan_family **f, gan_model **m, gan_values *v)
{
    g99_error err;
    int r;
    if (!model || !out_dir) return cli_usage_error(cmd, "needs MODEL_FILE and --out DIR");
    if (ninputs == 0) return cli_usage_error(cmd, "needs at least one %s or DIR", what);
    if (cli_check_output_dir(cmd, "--out", out_dir) || cli_check_input(cmd, model)) return CLI_BAD_INPUT;
    if ((r = cli_list_inputs(cmd, ninputs, inputs, files)) != 0) return r;
    g99_error_clear(&err);
    if (gan_model_load(model, f, m, v, &err)) {
        cli_file_list_free(files);
        return cli_fail(&err);
    }
    return CLI_OK;
}
