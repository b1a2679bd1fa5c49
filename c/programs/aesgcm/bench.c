/* AES-128-GCM-encrypt N 16-byte blocks R times, for instruction counting and
 * throughput: the block function (CTR + GHASH) in place over the buffer.
 *
 * Native: bench [neon|plain] [N blocks, default 65536 = 1 MiB] [R, default 1].
 *   Prints the final GHASH accumulator as four words (so the work cannot be
 *   optimised away), the byte count and, from CLOCK_PROCESS_CPUTIME_ID, MB per
 *   CPU-second. Instruction count per block = (count(N2) - count(N1)) / (N2 - N1).
 * Wasm: exports input_buffer/input_capacity (a static buffer the host fills
 *   and passes to process), bench_neon/bench_plain(N, R) running the block
 *   function over its first N blocks R times, and engine_features (the
 *   availability query). */
#include "aesgcm.h"

#define CAPACITY (1u << 20) /* bytes: 65536 blocks */

static uint8_t input[CAPACITY];

static const uint8_t bench_key[16] = {0x2b, 0x7e, 0x15, 0x16, 0x28, 0xae, 0xd2, 0xa6,
                                      0xab, 0xf7, 0x15, 0x88, 0x09, 0xcf, 0x4f, 0x3c};
static const uint8_t bench_iv[12] = {0xca, 0xfe, 0xba, 0xbe, 0xfa, 0xce,
                                     0xdb, 0xad, 0xde, 0xca, 0xf8, 0x88};

/* The GHASH accumulator's first four bytes, big-endian: state word 0. */
static uint32_t word(const uint8_t *p) {
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Encrypts the buffer in place: each repetition continues the same stream. */
static inline __attribute__((always_inline)) uint32_t run(void (*init)(struct aesgcm *, const uint8_t *, const uint8_t *),
                    void (*blocks)(struct aesgcm *, const uint8_t *, uint8_t *, size_t),
                    uint32_t nblocks, uint32_t reps, struct aesgcm *g) {
    if (nblocks > CAPACITY / 16)
        nblocks = CAPACITY / 16;
    init(g, bench_key, bench_iv);
    for (uint32_t r = 0; r < reps; r++)
        blocks(g, input, input, nblocks);
    return word(g->ghash);
}

#ifdef __wasm__
#include <arm_neon.h> /* for the availability query */

uint8_t *input_buffer(void) { return input; }
uint32_t input_capacity(void) { return CAPACITY; }
/* Bytes per block of the block function, for the hosts' MB/s. */
uint32_t block_bytes(void) { return 16; }

uint32_t bench_neon(uint32_t nblocks, uint32_t reps) {
    struct aesgcm g;
    return run(aesgcm_init, aesgcm_blocks, nblocks, reps, &g);
}

uint32_t bench_plain(uint32_t nblocks, uint32_t reps) {
    struct aesgcm g;
    return run(plain_aesgcm_init, plain_aesgcm_blocks, nblocks, reps, &g);
}

/* Bits 0-3: the AES intrinsics, 4-5: PMULL (spec order), set when the engine
 * runs the intrinsic as its instruction. */
uint32_t engine_features(void) {
    uint32_t mask = 0;
    for (int i = 0; i < WASM_ARM_NEON_AES_COUNT; i++)
        mask |= (uint32_t)(wasm_arm_neon_is_available(WASM_ARM_NEON_AES_FIRST_ID + i) != 0) << i;
    for (int i = 0; i < WASM_ARM_NEON_PMULL_COUNT; i++)
        mask |= (uint32_t)(wasm_arm_neon_is_available(WASM_ARM_NEON_PMULL_FIRST_ID + i) != 0)
                << (WASM_ARM_NEON_AES_COUNT + i);
    return mask;
}

#else
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double cpu_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
    int plain = argc > 1 && strcmp(argv[1], "plain") == 0;
    uint32_t nblocks = argc > 2 ? (uint32_t)strtoul(argv[2], 0, 0) : CAPACITY / 16;
    uint32_t reps = argc > 3 ? (uint32_t)strtoul(argv[3], 0, 0) : 1;
    struct aesgcm g;

    if (argc > 1 && !plain && strcmp(argv[1], "neon") != 0) {
        fprintf(stderr, "usage: %s [neon|plain] [blocks] [repetitions]\n", argv[0]);
        return 2;
    }
    if (nblocks > CAPACITY / 16)
        nblocks = CAPACITY / 16;
    for (uint32_t i = 0; i < CAPACITY; i++)
        input[i] = (uint8_t)(i * 131 + 7);
    double t0 = cpu_seconds();
    if (plain)
        run(plain_aesgcm_init, plain_aesgcm_blocks, nblocks, reps, &g);
    else
        run(aesgcm_init, aesgcm_blocks, nblocks, reps, &g);
    double t = cpu_seconds() - t0;
    double bytes = 16.0 * nblocks * reps;
    printf("%s: %u blocks x %u: state %08x %08x %08x %08x\n", plain ? "plain" : "neon", nblocks,
           reps, word(g.ghash), word(g.ghash + 4), word(g.ghash + 8), word(g.ghash + 12));
    printf("%.0f bytes in %.3f CPU s: %.1f MB/s\n", bytes, t, t > 0 ? bytes / t / 1e6 : 0.0);
    return 0;
}
#endif
