/* SHA-256 and SHA-224 with the ACLE SHA-256 intrinsics. The same source
 * builds natively for AArch64 (+crypto) and for wasm32 against
 * c/include/arm_neon.h. */
#include <arm_neon.h>

#include "sha256.h"

static const uint32_t K[64] = SHA256_ROUND_CONSTANTS;

/* Four rounds. SHA256H and SHA256H2 both start from the old abcd, so it is
 * saved before SHA256H overwrites it. */
#define ROUNDS(t)                              \
    prev = abcd;                               \
    abcd = vsha256hq_u32(abcd, efgh, t);       \
    efgh = vsha256h2q_u32(efgh, prev, t)
/* W + K for group g, two groups ahead, so the addition overlaps the rounds. */
#define WK(t, m, g) t = vaddq_u32(m, vld1q_u32(K + 4 * (g)))
/* Message schedule: SU0 adds sigma0(W[t-15]) to W[t-16]; SU1, one group
 * later, adds W[t-7] and sigma1(W[t-2]), completing the four words. */
#define SU0(a, b) a = vsha256su0q_u32(a, b)
#define SU1(a, b, c) a = vsha256su1q_u32(a, b, c)

static uint32x4_t load_be(const uint8_t *p) {
    return vreinterpretq_u32_u8(vrev32q_u8(vld1q_u8(p)));
}

void sha256_blocks(uint32_t state[8], const uint8_t *data, size_t nblocks) {
    uint32x4_t abcd = vld1q_u32(state), efgh = vld1q_u32(state + 4);

    for (; nblocks; nblocks--, data += 64) {
        uint32x4_t abcd_in = abcd, efgh_in = efgh, prev;
        /* m0..m3 hold W in groups of four, rotating through the schedule. */
        uint32x4_t m0 = load_be(data), m1 = load_be(data + 16);
        uint32x4_t m2 = load_be(data + 32), m3 = load_be(data + 48);
        uint32x4_t t0 = vaddq_u32(m0, vld1q_u32(K));
        uint32x4_t t1 = vaddq_u32(m1, vld1q_u32(K + 4));

        /*  0- 3 */ ROUNDS(t0); WK(t0, m2,  2);                   SU0(m0, m1);
        /*  4- 7 */ ROUNDS(t1); WK(t1, m3,  3); SU1(m0, m2, m3); SU0(m1, m2);
        /*  8-11 */ ROUNDS(t0); WK(t0, m0,  4); SU1(m1, m3, m0); SU0(m2, m3);
        /* 12-15 */ ROUNDS(t1); WK(t1, m1,  5); SU1(m2, m0, m1); SU0(m3, m0);
        /* 16-19 */ ROUNDS(t0); WK(t0, m2,  6); SU1(m3, m1, m2); SU0(m0, m1);
        /* 20-23 */ ROUNDS(t1); WK(t1, m3,  7); SU1(m0, m2, m3); SU0(m1, m2);
        /* 24-27 */ ROUNDS(t0); WK(t0, m0,  8); SU1(m1, m3, m0); SU0(m2, m3);
        /* 28-31 */ ROUNDS(t1); WK(t1, m1,  9); SU1(m2, m0, m1); SU0(m3, m0);
        /* 32-35 */ ROUNDS(t0); WK(t0, m2, 10); SU1(m3, m1, m2); SU0(m0, m1);
        /* 36-39 */ ROUNDS(t1); WK(t1, m3, 11); SU1(m0, m2, m3); SU0(m1, m2);
        /* 40-43 */ ROUNDS(t0); WK(t0, m0, 12); SU1(m1, m3, m0); SU0(m2, m3);
        /* 44-47 */ ROUNDS(t1); WK(t1, m1, 13); SU1(m2, m0, m1); SU0(m3, m0);
        /* 48-51 */ ROUNDS(t0); WK(t0, m2, 14); SU1(m3, m1, m2);
        /* 52-55 */ ROUNDS(t1); WK(t1, m3, 15);
        /* 56-59 */ ROUNDS(t0);
        /* 60-63 */ ROUNDS(t1);

        abcd = vaddq_u32(abcd, abcd_in);
        efgh = vaddq_u32(efgh, efgh_in);
    }
    vst1q_u32(state, abcd);
    vst1q_u32(state + 4, efgh);
}

void sha256_final(uint32_t state[8], const uint8_t *tail, size_t tail_len,
                  uint64_t total_len, uint8_t out[32]) {
    sha256_pad_and_finish(sha256_blocks, state, tail, tail_len, total_len, out, 32);
}

void sha256_digest(const uint8_t *data, size_t len, uint8_t out[32]) {
    uint32_t state[8] = SHA256_INIT_STATE;
    sha256_blocks(state, data, len / 64);
    sha256_final(state, data + (len & ~(size_t)63), len % 64, len, out);
}

void sha224_digest(const uint8_t *data, size_t len, uint8_t out[28]) {
    uint32_t state[8] = SHA224_INIT_STATE;
    sha256_blocks(state, data, len / 64);
    sha256_pad_and_finish(sha256_blocks, state, data + (len & ~(size_t)63), len % 64, len,
                          out, 28);
}

/* The program interface every kernel provides (c/programs/README.md): the message's digest. */
size_t process(const uint8_t *data, size_t len, uint8_t *out) {
    sha256_digest(data, len, out);
    return 32;
}
