/* A main for the fuzz entry points without libFuzzer: runs
 * LLVMFuzzerTestOneInput once on each file named on the command line, so
 * any compiler can replay a corpus or a crash (make fuzz-standalone). */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "../../base/base.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(int argc, char **argv)
{
    int i;
    for (i = 1; i < argc; i++) {
        uint8_t *data;
        size_t len;
        g99_error err;
        if (g99_read_file(argv[i], (size_t)1 << 30, &data, &len, &err)) {
            fprintf(stderr, "%s\n", err.msg);
            return 1;
        }
        LLVMFuzzerTestOneInput(data, len);
        free(data);
    }
    printf("ran %d inputs\n", argc - 1);
    return 0;
}
