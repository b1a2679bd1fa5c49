/* Native driver of a program's `digest` (c/programs/README.md) for differential tests:
 * reads records `u32 length (little-endian), bytes` from stdin and prints each message's
 * digest as one line of hex. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int digest_size(void);
void digest(const uint8_t *data, size_t len, uint8_t *out);

int main(void) {
    unsigned char len_bytes[4];
    uint8_t out[64];
    while (fread(len_bytes, 1, 4, stdin) == 4) {
        size_t len = len_bytes[0] | len_bytes[1] << 8 | len_bytes[2] << 16 |
                     (size_t)len_bytes[3] << 24;
        uint8_t *msg = malloc(len ? len : 1);
        if (!msg || fread(msg, 1, len, stdin) != len) {
            fprintf(stderr, "digest: truncated message of %zu bytes\n", len);
            return 1;
        }
        digest(msg, len, out);
        for (int i = 0; i < digest_size(); i++)
            printf("%02x", out[i]);
        putchar('\n');
        free(msg);
    }
    return ferror(stdin) ? 1 : 0;
}
