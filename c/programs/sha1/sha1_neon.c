/* SHA-1 with the ACLE SHA-1 intrinsics. The same source builds natively for
 * AArch64 (+crypto) and for wasm32 against c/include/arm_neon.h. */
#include <arm_neon.h>

#include "sha1.h"

#define K0 0x5A827999u /* rounds  0-19, Choose   (SHA1C) */
#define K1 0x6ED9EBA1u /* rounds 20-39, Parity   (SHA1P) */
#define K2 0x8F1BBCDCu /* rounds 40-59, Majority (SHA1M) */
#define K3 0xCA62C1D6u /* rounds 60-79, Parity   (SHA1P) */

/* Four rounds. The e of the next group is rol(a, 30) of the current a, which
 * SHA1H computes before the rounds overwrite abcd. */
#define ROUNDS(op, e_next, e_cur, t)                \
    e_next = vsha1h_u32(vgetq_lane_u32(abcd, 0)); \
    abcd = op(abcd, e_cur, t)
/* W + K for the group after next, so the addition overlaps the rounds. */
#define WK(t, m, k) t = vaddq_u32(m, vdupq_n_u32(k))
/* Message schedule: SU0 starts W[16..] from W[-16], W[-14], W[-8]; SU1 adds
 * W[-3] and rotates, completing the four words. */
#define SU0(a, b, c) a = vsha1su0q_u32(a, b, c)
#define SU1(a, b) a = vsha1su1q_u32(a, b)

static uint32x4_t load_be(const uint8_t *p) {
    return vreinterpretq_u32_u8(vrev32q_u8(vld1q_u8(p)));
}

void sha1_blocks(uint32_t state[5], const uint8_t *data, size_t nblocks) {
    uint32x4_t abcd = vld1q_u32(state);
    uint32_t e0 = state[4], e1;

    for (; nblocks; nblocks--, data += 64) {
        uint32x4_t abcd_in = abcd;
        uint32_t e_in = e0;
        /* m0..m3 hold W in groups of four, rotating through the schedule. */
        uint32x4_t m0 = load_be(data), m1 = load_be(data + 16);
        uint32x4_t m2 = load_be(data + 32), m3 = load_be(data + 48);
        uint32x4_t t0 = vaddq_u32(m0, vdupq_n_u32(K0));
        uint32x4_t t1 = vaddq_u32(m1, vdupq_n_u32(K0));

        /*  0- 3 */ ROUNDS(vsha1cq_u32, e1, e0, t0); WK(t0, m2, K0); SU0(m0, m1, m2);
        /*  4- 7 */ ROUNDS(vsha1cq_u32, e0, e1, t1); WK(t1, m3, K0); SU1(m0, m3); SU0(m1, m2, m3);
        /*  8-11 */ ROUNDS(vsha1cq_u32, e1, e0, t0); WK(t0, m0, K0); SU1(m1, m0); SU0(m2, m3, m0);
        /* 12-15 */ ROUNDS(vsha1cq_u32, e0, e1, t1); WK(t1, m1, K1); SU1(m2, m1); SU0(m3, m0, m1);
        /* 16-19 */ ROUNDS(vsha1cq_u32, e1, e0, t0); WK(t0, m2, K1); SU1(m3, m2); SU0(m0, m1, m2);
        /* 20-23 */ ROUNDS(vsha1pq_u32, e0, e1, t1); WK(t1, m3, K1); SU1(m0, m3); SU0(m1, m2, m3);
        /* 24-27 */ ROUNDS(vsha1pq_u32, e1, e0, t0); WK(t0, m0, K1); SU1(m1, m0); SU0(m2, m3, m0);
        /* 28-31 */ ROUNDS(vsha1pq_u32, e0, e1, t1); WK(t1, m1, K1); SU1(m2, m1); SU0(m3, m0, m1);
        /* 32-35 */ ROUNDS(vsha1pq_u32, e1, e0, t0); WK(t0, m2, K2); SU1(m3, m2); SU0(m0, m1, m2);
        /* 36-39 */ ROUNDS(vsha1pq_u32, e0, e1, t1); WK(t1, m3, K2); SU1(m0, m3); SU0(m1, m2, m3);
        /* 40-43 */ ROUNDS(vsha1mq_u32, e1, e0, t0); WK(t0, m0, K2); SU1(m1, m0); SU0(m2, m3, m0);
        /* 44-47 */ ROUNDS(vsha1mq_u32, e0, e1, t1); WK(t1, m1, K2); SU1(m2, m1); SU0(m3, m0, m1);
        /* 48-51 */ ROUNDS(vsha1mq_u32, e1, e0, t0); WK(t0, m2, K2); SU1(m3, m2); SU0(m0, m1, m2);
        /* 52-55 */ ROUNDS(vsha1mq_u32, e0, e1, t1); WK(t1, m3, K3); SU1(m0, m3); SU0(m1, m2, m3);
        /* 56-59 */ ROUNDS(vsha1mq_u32, e1, e0, t0); WK(t0, m0, K3); SU1(m1, m0); SU0(m2, m3, m0);
        /* 60-63 */ ROUNDS(vsha1pq_u32, e0, e1, t1); WK(t1, m1, K3); SU1(m2, m1); SU0(m3, m0, m1);
        /* 64-67 */ ROUNDS(vsha1pq_u32, e1, e0, t0); WK(t0, m2, K3); SU1(m3, m2);
        /* 68-71 */ ROUNDS(vsha1pq_u32, e0, e1, t1); WK(t1, m3, K3);
        /* 72-75 */ ROUNDS(vsha1pq_u32, e1, e0, t0);
        /* 76-79 */ ROUNDS(vsha1pq_u32, e0, e1, t1);

        abcd = vaddq_u32(abcd, abcd_in);
        e0 += e_in;
    }
    vst1q_u32(state, abcd);
    state[4] = e0;
}

void sha1_final(uint32_t state[5], const uint8_t *tail, size_t tail_len,
                uint64_t total_len, uint8_t out[20]) {
    sha1_pad_and_finish(sha1_blocks, state, tail, tail_len, total_len, out);
}

void sha1_digest(const uint8_t *data, size_t len, uint8_t out[20]) {
    uint32_t state[5] = SHA1_INIT_STATE;
    sha1_blocks(state, data, len / 64);
    sha1_final(state, data + (len & ~(size_t)63), len % 64, len, out);
}

/* The program interface every kernel provides (c/programs/README.md): the message's digest. */
size_t process(const uint8_t *data, size_t len, uint8_t *out) {
    sha1_digest(data, len, out);
    return 20;
}
