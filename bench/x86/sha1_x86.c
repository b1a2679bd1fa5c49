/* SHA-1 block function with the x86 SHA extensions: the x86-64 native-intrinsics
 * build of the sha1 kernel for bench/run.sh (bench.c's "neon" mode runs it on
 * x86-64, against plain_sha1_blocks from sha1_plain.c).
 *
 * SHA1RNDS4 keeps a, b, c, d in one register with a in the top lane, and e
 * (plus the next four message words) in the top lane of another; message
 * vectors likewise hold W[t] in the top lane, so a block is byte-reversed as a
 * whole on load. */
#include <immintrin.h>

#include "sha1.h"

#define TARGET __attribute__((target("sha,sse4.1,ssse3")))

/* W[t..t+3] = rotl1(W[t-3] ^ W[t-8] ^ W[t-14] ^ W[t-16]) from the four
 * previous vectors, oldest first. MSG2 needs W[t-3..t-1] from the newest one
 * and resolves the dependency on W[t] inside the vector itself. */
static inline __attribute__((always_inline)) TARGET __m128i
schedule(__m128i w16, __m128i w12, __m128i w8, __m128i w4) {
    return _mm_sha1msg2_epu32(_mm_xor_si128(_mm_sha1msg1_epu32(w16, w12), w8), w4);
}

/* Four rounds of group g (rounds 4g..4g+3) with round function f = g / 5.
 * prev is abcd before the previous group: SHA1NEXTE derives this group's e
 * from its a (e = rotl30(a) four rounds later). g and f are literals, so the
 * conditions fold and w[] stays in registers. */
#define GROUP(g, f)                                                                \
    do {                                                                           \
        __m128i x_;                                                                \
        if ((g) >= 4)                                                              \
            w[(g) & 3] = schedule(w[(g) & 3], w[((g) + 1) & 3], w[((g) + 2) & 3],  \
                                  w[((g) + 3) & 3]);                               \
        x_ = (g) == 0 ? _mm_add_epi32(e, w[0]) : _mm_sha1nexte_epu32(prev, w[(g) & 3]); \
        prev = abcd;                                                               \
        abcd = _mm_sha1rnds4_epu32(abcd, x_, f);                                   \
    } while (0)

TARGET void sha1_blocks(uint32_t state[5], const uint8_t *data, size_t nblocks) {
    const __m128i bswap = _mm_set_epi64x(0x0001020304050607ll, 0x08090a0b0c0d0e0fll);
    __m128i abcd = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)state), 0x1B);
    __m128i e = _mm_set_epi32((int)state[4], 0, 0, 0);

    for (; nblocks; nblocks--, data += 64) {
        __m128i abcd0 = abcd, e0 = e, prev = abcd, w[4];
        for (int i = 0; i < 4; i++)
            w[i] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(data + 16 * i)), bswap);
        GROUP(0, 0);  GROUP(1, 0);  GROUP(2, 0);  GROUP(3, 0);  GROUP(4, 0);
        GROUP(5, 1);  GROUP(6, 1);  GROUP(7, 1);  GROUP(8, 1);  GROUP(9, 1);
        GROUP(10, 2); GROUP(11, 2); GROUP(12, 2); GROUP(13, 2); GROUP(14, 2);
        GROUP(15, 3); GROUP(16, 3); GROUP(17, 3); GROUP(18, 3); GROUP(19, 3);
        /* The final e is rotl30 of a before the last group, plus the saved e. */
        e = _mm_sha1nexte_epu32(prev, e0);
        abcd = _mm_add_epi32(abcd, abcd0);
    }
    _mm_storeu_si128((__m128i *)state, _mm_shuffle_epi32(abcd, 0x1B));
    state[4] = (uint32_t)_mm_extract_epi32(e, 3);
}
