/* Linked with c/bench.c and c/sha1_plain.c for the x86-64 native plain-C throughput run
 * (bench/run.sh): x86-64 has no ACLE SHA-1 intrinsics, so c/sha1_neon.c cannot be built and
 * bench.c's `neon` mode is unavailable. */
#include <stdio.h>
#include <stdlib.h>

#include "sha1.h"

void sha1_blocks(uint32_t state[5], const uint8_t *data, size_t nblocks) {
    (void)state, (void)data, (void)nblocks;
    fputs("bench: the intrinsics kernel is AArch64-only; use `bench plain`\n", stderr);
    abort();
}
