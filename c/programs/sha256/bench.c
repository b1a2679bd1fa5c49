/* Hash N blocks R times, for instruction counting and throughput.
 *
 * Native: bench [neon|plain] [N blocks, default 16384 = 1 MiB] [R, default 1].
 *   Prints the final state (so the work cannot be optimised away), the byte
 *   count and, from CLOCK_PROCESS_CPUTIME_ID, MB per CPU-second. Instruction
 *   count per block = (count(N2) - count(N1)) / (N2 - N1).
 * Wasm: exports input_buffer/input_capacity (a static buffer the host fills
 *   and passes to sha256_digest), bench_neon/bench_plain(N, R) hashing its first
 *   N blocks R times, and engine_features (the availability query). */
#include "sha256.h"

#define CAPACITY (1u << 20) /* bytes: 16384 blocks */

static uint8_t input[CAPACITY];

static uint32_t run(void (*blocks)(uint32_t *, const uint8_t *, size_t), uint32_t nblocks,
                    uint32_t reps, uint32_t state[8]) {
    if (nblocks > CAPACITY / 64)
        nblocks = CAPACITY / 64;
    for (uint32_t r = 0; r < reps; r++)
        blocks(state, input, nblocks);
    return state[0];
}

#ifdef __wasm__
#include <arm_neon.h> /* for the availability query */

uint8_t *input_buffer(void) { return input; }
uint32_t input_capacity(void) { return CAPACITY; }
/* Bytes per block of the block function, for the hosts' MB/s. */
uint32_t block_bytes(void) { return 64; }

uint32_t bench_neon(uint32_t nblocks, uint32_t reps) {
    uint32_t state[8] = SHA256_INIT_STATE;
    return run(sha256_blocks, nblocks, reps, state);
}

uint32_t bench_plain(uint32_t nblocks, uint32_t reps) {
    uint32_t state[8] = SHA256_INIT_STATE;
    return run(plain_sha256_blocks, nblocks, reps, state);
}

/* Bit i set: the engine runs the family's intrinsic i (spec order) as its instruction. */
uint32_t engine_features(void) {
    uint32_t mask = 0;
    for (int i = 0; i < WASM_ARM_NEON_SHA256_COUNT; i++)
        mask |= (uint32_t)(wasm_arm_neon_is_available(WASM_ARM_NEON_SHA256_FIRST_ID + i) != 0) << i;
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
    uint32_t nblocks = argc > 2 ? (uint32_t)strtoul(argv[2], 0, 0) : CAPACITY / 64;
    uint32_t reps = argc > 3 ? (uint32_t)strtoul(argv[3], 0, 0) : 1;
    uint32_t state[8] = SHA256_INIT_STATE;

    if (argc > 1 && !plain && strcmp(argv[1], "neon") != 0) {
        fprintf(stderr, "usage: %s [neon|plain] [blocks] [repetitions]\n", argv[0]);
        return 2;
    }
    if (nblocks > CAPACITY / 64)
        nblocks = CAPACITY / 64;
    for (uint32_t i = 0; i < CAPACITY; i++)
        input[i] = (uint8_t)(i * 131 + 7);
    double t0 = cpu_seconds();
    run(plain ? plain_sha256_blocks : sha256_blocks, nblocks, reps, state);
    double t = cpu_seconds() - t0;
    double bytes = 64.0 * nblocks * reps;
    printf("%s: %u blocks x %u: state %08x %08x %08x %08x %08x %08x %08x %08x\n",
           plain ? "plain" : "neon", nblocks, reps, state[0], state[1], state[2], state[3],
           state[4], state[5], state[6], state[7]);
    printf("%.0f bytes in %.3f CPU s: %.1f MB/s\n", bytes, t, t > 0 ? bytes / t / 1e6 : 0.0);
    return 0;
}
#endif
