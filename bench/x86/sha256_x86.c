/* SHA-256 block function with the x86 SHA extensions: the x86-64
 * native-intrinsics build of the sha256 kernel for bench/run.sh (bench.c's
 * "neon" mode runs it on x86-64, against plain_sha256_blocks from
 * sha256_plain.c).
 *
 * SHA256RNDS2 splits the state as (a, b, e, f) and (c, d, g, h), top lane
 * first, and takes W[t] + K[t] for two rounds in the low two lanes; message
 * vectors hold W[t] in lane 0, so each word is byte-swapped on its own. */
#include <immintrin.h>

#include "sha256.h"

#define TARGET __attribute__((target("sha,sse4.1,ssse3")))

static const uint32_t K[64] = SHA256_ROUND_CONSTANTS;

/* W[t..t+3] = s1(W[t-2]) + W[t-7] + s0(W[t-15]) + W[t-16] from the four
 * previous vectors, oldest first. W[t-7..t-4] straddles the two newest. */
static inline __attribute__((always_inline)) TARGET __m128i
schedule(__m128i w16, __m128i w12, __m128i w8, __m128i w4) {
    __m128i t = _mm_add_epi32(_mm_sha256msg1_epu32(w16, w12), _mm_alignr_epi8(w4, w8, 4));
    return _mm_sha256msg2_epu32(t, w4);
}

/* Four rounds of group g (rounds 4g..4g+3). Each RNDS2 returns the new
 * (a, b, e, f); the old one is then (c, d, g, h), so the two state registers
 * swap roles twice and end where they started. g is a literal: the condition
 * folds and w[] stays in registers. */
#define GROUP(g)                                                                   \
    do {                                                                           \
        __m128i wk_;                                                               \
        if ((g) >= 4)                                                              \
            w[(g) & 3] = schedule(w[(g) & 3], w[((g) + 1) & 3], w[((g) + 2) & 3],  \
                                  w[((g) + 3) & 3]);                               \
        wk_ = _mm_add_epi32(w[(g) & 3], _mm_loadu_si128((const __m128i *)(K + 4 * (g)))); \
        cdgh = _mm_sha256rnds2_epu32(cdgh, abef, wk_);                             \
        abef = _mm_sha256rnds2_epu32(abef, cdgh, _mm_shuffle_epi32(wk_, 0x0E));   \
    } while (0)

TARGET void sha256_blocks(uint32_t state[8], const uint8_t *data, size_t nblocks) {
    const __m128i bswap32 = _mm_set_epi64x(0x0c0d0e0f08090a0bll, 0x0405060700010203ll);
    /* state lanes (a, b, c, d), (e, f, g, h) -> (f, e, b, a), (h, g, d, c) */
    __m128i t = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)state), 0xB1);
    __m128i u = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)(state + 4)), 0x1B);
    __m128i abef = _mm_alignr_epi8(t, u, 8), cdgh = _mm_blend_epi16(u, t, 0xF0);

    for (; nblocks; nblocks--, data += 64) {
        __m128i abef0 = abef, cdgh0 = cdgh, w[4];
        for (int i = 0; i < 4; i++)
            w[i] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(data + 16 * i)), bswap32);
        GROUP(0);  GROUP(1);  GROUP(2);  GROUP(3);
        GROUP(4);  GROUP(5);  GROUP(6);  GROUP(7);
        GROUP(8);  GROUP(9);  GROUP(10); GROUP(11);
        GROUP(12); GROUP(13); GROUP(14); GROUP(15);
        abef = _mm_add_epi32(abef, abef0);
        cdgh = _mm_add_epi32(cdgh, cdgh0);
    }
    /* (f, e, b, a), (h, g, d, c) -> (a, b, c, d), (e, f, g, h) */
    t = _mm_shuffle_epi32(abef, 0x1B);
    u = _mm_shuffle_epi32(cdgh, 0xB1);
    _mm_storeu_si128((__m128i *)state, _mm_blend_epi16(t, u, 0xF0));
    _mm_storeu_si128((__m128i *)(state + 4), _mm_alignr_epi8(u, t, 8));
}
