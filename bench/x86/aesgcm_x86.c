/* AES-128-GCM block function with AES-NI and PCLMULQDQ: the x86-64
 * native-intrinsics build of the aesgcm kernel for bench/run.sh (bench.c's
 * "neon" mode runs it on x86-64, against plain_aesgcm_init/_blocks from
 * aesgcm_plain.c). Leaves struct aesgcm exactly as the plain reference does,
 * and also fills key.dec as the NEON kernel does.
 *
 * GHASH works on bit-reflected values: a block byte-reversed as a whole is a
 * 128-bit integer whose bit 127 - i is the coefficient of x^i, so carry-less
 * products of such integers are (reflected, off by one bit) field products. */
#include <immintrin.h>

#include "aesgcm.h"

#define TARGET __attribute__((target("aes,pclmul,sse4.1,ssse3")))

/* x^7 + x^2 + x (the reduction of x^128, less its 1) as bits 63, 62, 57: a
 * carry-less product of a 64-bit word by it holds, in its high half, the
 * word's right shifts by 1, 2 and 7 and, in its low half, the bits those
 * shifts push out. */
#define GHASH_POLY 0xC200000000000000ull

static inline __attribute__((always_inline)) TARGET __m128i byte_reverse(__m128i x) {
    return _mm_shuffle_epi8(x, _mm_set_epi64x(0x0001020304050607ll, 0x08090a0b0c0d0e0fll));
}

/* One AES-128 key schedule step: aeskeygenassist's top lane is
 * SubWord(RotWord(w3)) ^ rcon; the shifts form the running xor w0, w0^w1, ... */
static inline __attribute__((always_inline)) TARGET __m128i key_step(__m128i k, __m128i assist) {
    k = _mm_xor_si128(k, _mm_slli_si128(k, 4));
    k = _mm_xor_si128(k, _mm_slli_si128(k, 8));
    return _mm_xor_si128(k, _mm_shuffle_epi32(assist, 0xFF));
}

static inline __attribute__((always_inline)) TARGET __m128i encrypt(const __m128i rk[11],
                                                                     __m128i s) {
    s = _mm_xor_si128(s, rk[0]);
    for (int i = 1; i < 10; i++)
        s = _mm_aesenc_si128(s, rk[i]);
    return _mm_aesenclast_si128(s, rk[10]);
}

/* x * h in GF(2^128), both reflected. */
static inline __attribute__((always_inline)) TARGET __m128i gf128_mul(__m128i x, __m128i h) {
    const __m128i poly = _mm_set_epi64x(0, (long long)GHASH_POLY);
    /* Schoolbook 128 x 128 -> 256 bits [hi:lo]. */
    __m128i lo = _mm_clmulepi64_si128(x, h, 0x00), hi = _mm_clmulepi64_si128(x, h, 0x11);
    __m128i mid = _mm_xor_si128(_mm_clmulepi64_si128(x, h, 0x01), _mm_clmulepi64_si128(x, h, 0x10));
    lo = _mm_xor_si128(lo, _mm_slli_si128(mid, 8));
    hi = _mm_xor_si128(hi, _mm_srli_si128(mid, 8));
    /* Reflected 128-bit factors give a 255-bit product with x^i at bit
     * 254 - i; one left shift puts x^0..x^127 in hi and x^128.. in lo. */
    __m128i lo_carry = _mm_srli_epi64(lo, 63), hi_carry = _mm_srli_epi64(hi, 63);
    hi = _mm_or_si128(_mm_or_si128(_mm_slli_epi64(hi, 1), _mm_slli_si128(hi_carry, 8)),
                      _mm_srli_si128(lo_carry, 8));
    lo = _mm_or_si128(_mm_slli_epi64(lo, 1), _mm_slli_si128(lo_carry, 8));
    /* lo stands for lo * x^128 = lo * (1 + x + x^2 + x^7): lo plus its right
     * shifts by 1, 2, 7. The low word (highest degrees) first: its shifts stay
     * in the low word and what they push out wraps into the high word (t);
     * then the high word, whose shifts spill into the low word (q). */
    __m128i p = _mm_clmulepi64_si128(lo, poly, 0x00);
    __m128i t = _mm_xor_si128(lo, _mm_shuffle_epi32(p, 0x4E));
    __m128i q = _mm_clmulepi64_si128(t, poly, 0x01);
    return _mm_xor_si128(hi, _mm_xor_si128(t, q));
}

TARGET void aesgcm_init(struct aesgcm *g, const uint8_t key[16], const uint8_t iv[12]) {
    __m128i rk[11];
    uint8_t j0[16];
    /* aeskeygenassist takes rcon as an immediate, hence the unrolled schedule. */
    rk[0] = _mm_loadu_si128((const __m128i *)key);
    rk[1] = key_step(rk[0], _mm_aeskeygenassist_si128(rk[0], 0x01));
    rk[2] = key_step(rk[1], _mm_aeskeygenassist_si128(rk[1], 0x02));
    rk[3] = key_step(rk[2], _mm_aeskeygenassist_si128(rk[2], 0x04));
    rk[4] = key_step(rk[3], _mm_aeskeygenassist_si128(rk[3], 0x08));
    rk[5] = key_step(rk[4], _mm_aeskeygenassist_si128(rk[4], 0x10));
    rk[6] = key_step(rk[5], _mm_aeskeygenassist_si128(rk[5], 0x20));
    rk[7] = key_step(rk[6], _mm_aeskeygenassist_si128(rk[6], 0x40));
    rk[8] = key_step(rk[7], _mm_aeskeygenassist_si128(rk[7], 0x80));
    rk[9] = key_step(rk[8], _mm_aeskeygenassist_si128(rk[8], 0x1B));
    rk[10] = key_step(rk[9], _mm_aeskeygenassist_si128(rk[9], 0x36));
    for (int i = 0; i <= 10; i++)
        _mm_storeu_si128((__m128i *)g->key.enc[i], rk[i]);
    /* Equivalent inverse cipher keys, in the order the NEON kernel stores them
     * (unused here: bench.c only encrypts). */
    _mm_storeu_si128((__m128i *)g->key.dec[0], rk[10]);
    for (int i = 1; i < 10; i++)
        _mm_storeu_si128((__m128i *)g->key.dec[i], _mm_aesimc_si128(rk[10 - i]));
    _mm_storeu_si128((__m128i *)g->key.dec[10], rk[0]);
    g->key.rounds = 10;

    for (int i = 0; i < 16; i++) {
        j0[i] = i < 12 ? iv[i] : i == 15; /* J0 = IV || 0^31 || 1 */
        g->ghash[i] = 0;
    }
    _mm_storeu_si128((__m128i *)g->h, encrypt(rk, _mm_setzero_si128()));
    _mm_storeu_si128((__m128i *)g->ek_j0, encrypt(rk, _mm_loadu_si128((const __m128i *)j0)));
    j0[15] = 2;
    for (int i = 0; i < 16; i++)
        g->counter[i] = j0[i];
}

/* CTR plus GHASH, one block per iteration. The counter is kept byte-reversed,
 * so the big-endian last word is lane 0 and inc32 is a lane add that wraps
 * mod 2^32 as GCM requires. */
TARGET void aesgcm_blocks(struct aesgcm *g, const uint8_t *in, uint8_t *out, size_t nblocks) {
    __m128i rk[11];
    for (int i = 0; i <= 10; i++)
        rk[i] = _mm_loadu_si128((const __m128i *)g->key.enc[i]);
    __m128i acc = byte_reverse(_mm_loadu_si128((const __m128i *)g->ghash));
    __m128i h = byte_reverse(_mm_loadu_si128((const __m128i *)g->h));
    __m128i ctr = byte_reverse(_mm_loadu_si128((const __m128i *)g->counter));
    const __m128i one = _mm_set_epi32(0, 0, 0, 1);
    for (; nblocks; nblocks--, in += 16, out += 16) {
        __m128i ks = encrypt(rk, byte_reverse(ctr));
        __m128i y = _mm_xor_si128(_mm_loadu_si128((const __m128i *)in), ks); /* in may be out */
        _mm_storeu_si128((__m128i *)out, y);
        acc = gf128_mul(_mm_xor_si128(acc, byte_reverse(y)), h);
        ctr = _mm_add_epi32(ctr, one);
    }
    _mm_storeu_si128((__m128i *)g->counter, byte_reverse(ctr));
    _mm_storeu_si128((__m128i *)g->ghash, byte_reverse(acc));
}
