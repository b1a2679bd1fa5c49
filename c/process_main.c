/* Native driver of a program's `process` (c/programs/README.md) for differential tests:
 * reads records `u32 length (little-endian), bytes` from stdin and prints each record's
 * output as one line of hex. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

size_t process(const uint8_t *in, size_t len, uint8_t *out);

int main(void) {
    unsigned char len_bytes[4];
    while (fread(len_bytes, 1, 4, stdin) == 4) {
        size_t len = len_bytes[0] | len_bytes[1] << 8 | len_bytes[2] << 16 |
                     (size_t)len_bytes[3] << 24;
        uint8_t *in = malloc(len ? len : 1);
        uint8_t *out = malloc(len + 64); /* no program's output exceeds its input + 64 */
        if (!in || !out || fread(in, 1, len, stdin) != len) {
            fprintf(stderr, "process: truncated record of %zu bytes\n", len);
            return 1;
        }
        size_t n = process(in, len, out);
        for (size_t i = 0; i < n; i++)
            printf("%02x", out[i]);
        putchar('\n');
        free(in);
        free(out);
    }
    return ferror(stdin) ? 1 : 0;
}
