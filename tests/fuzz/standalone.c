/* A main() for the fuzz entry points without libFuzzer: runs
 * LLVMFuzzerTestOneInput once on each file named on the command line (C99
 * cannot list a folder, so the shell expands the glob):
 *
 *   make fuzz-standalone
 *   build/fuzz/fuzz_json-standalone FILE...
 *
 * Used to replay a crash found by libFuzzer with any compiler, or to run
 * the corpora under valgrind or a sanitizer build. */
#include "../../base/base.h"

#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(int argc, char **argv)
{
    int i, ran = 0;
    for (i = 1; i < argc; i++) {
        uint8_t *data = NULL;
        size_t size = 0;
        g99_error err;
        if (g99_read_file(argv[i], (size_t)1 << 30, &data, &size, &err) != G99_OK) {
            fprintf(stderr, "%s\n", err.msg);
            return 2;
        }
        LLVMFuzzerTestOneInput(data, size);
        free(data);
        ran++;
    }
    printf("%d inputs ran without a fault\n", ran);
    return 0;
}
