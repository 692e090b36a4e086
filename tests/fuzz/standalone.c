/* A plain main for the fuzz entry points, so any compiler can replay a
 * corpus or a crash without libFuzzer:
 *
 *   build/fuzz/fuzz_png-standalone FILE...                                  */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(int argc, char **argv)
{
    int i;
    for (i = 1; i < argc; i++) {
        FILE *fp = fopen(argv[i], "rb");
        uint8_t *buf = NULL;
        size_t n = 0, cap = 0, got;
        if (!fp) {
            fprintf(stderr, "%s: cannot open\n", argv[i]);
            return 2;
        }
        do {
            if (n == cap) {
                uint8_t *grown = (uint8_t *)realloc(buf, cap ? cap * 2 : 4096);
                if (!grown) {
                    fprintf(stderr, "%s: out of memory\n", argv[i]);
                    free(buf);
                    fclose(fp);
                    return 2;
                }
                buf = grown;
                cap = cap ? cap * 2 : 4096;
            }
            got = fread(buf + n, 1, cap - n, fp);
            n += got;
        } while (got > 0);
        fclose(fp);
        LLVMFuzzerTestOneInput(buf, n);
        free(buf);
    }
    printf("ran %d inputs\n", argc - 1);
    return 0;
}
