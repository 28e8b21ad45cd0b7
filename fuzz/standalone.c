/* Runs a fuzz target over files without libFuzzer: the seed corpus
 * becomes a regression test in `make check`, with any compiler. */
#include <stdio.h>
#include <stdlib.h>
#include "fuzz_journal.h"

int main(int argc, char **argv) {
        for (int i = 1; i < argc; i++) {
                FILE *f = fopen(argv[i], "rb");
                uint8_t *buf;
                long n;

                if (!f || fseek(f, 0, SEEK_END) < 0 || (n = ftell(f)) < 0) {
                        perror(argv[i]);
                        return 1;
                }
                rewind(f);
                buf = malloc(n ? (size_t) n : 1);
                if (!buf || fread(buf, 1, (size_t) n, f) != (size_t) n) {
                        perror(argv[i]);
                        return 1;
                }
                fclose(f);
                LLVMFuzzerTestOneInput(buf, (size_t) n);
                free(buf);
        }
        printf("%d inputs ran\n", argc - 1);
        return 0;
}
