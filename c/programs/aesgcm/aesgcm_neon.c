/* AES and AES-128-GCM with the ACLE AES and PMULL intrinsics. The same source
 * builds natively for AArch64 (+crypto) and for wasm32 against
 * c/include/wasm_arm_neon.h.
 *
 * GHASH works on bit-reflected values: a block byte-reversed as a whole is a
 * 128-bit integer whose bit 127 - i is the coefficient of x^i, so carry-less
 * products of such integers are (reflected) field products. */
#include <arm_neon.h>

#include "aesgcm.h"

/* The x + x^2 + x^7 of x^128 = x^7 + x^2 + x + 1 (the 1 is added directly) as
 * the multiplier 2^63 + 2^62 + 2^57: PMULL of a reflected word by it gives the
 * word's right shifts by 1, 2 and 7 (times x, x^2, x^7) in the high half and
 * the bits they push out in the low half. */
#define GHASH_POLY 0xC200000000000000ull

static uint32_t sub_word(uint32_t w) {
    /* w in all four columns: ShiftRows only permutes equal columns, so AESE
     * with a zero key is SubBytes on each byte of w. */
    uint8x16_t s = vaeseq_u8(vreinterpretq_u8_u32(vdupq_n_u32(w)), vdupq_n_u8(0));
    return vgetq_lane_u32(vreinterpretq_u32_u8(s), 0);
}

static inline __attribute__((always_inline)) uint8x16_t
encrypt(const uint8x16_t *rk, int rounds, uint8x16_t s) {
    for (int i = 0; i < rounds - 1; i++)
        s = vaesmcq_u8(vaeseq_u8(s, rk[i]));
    return veorq_u8(vaeseq_u8(s, rk[rounds - 1]), rk[rounds]);
}

void aes_expand_key(struct aes_key *k, const uint8_t *key, size_t key_len) {
    int nk = (int)(key_len / 4), rounds = nk + 6, total = 4 * (rounds + 1);
    uint32_t w[4 * (AES_MAX_ROUNDS + 1)];
    uint32_t rcon = 1;
    /* Words are little-endian loads: byte 0 of a word is its low byte. */
    for (int i = 0; i < nk; i++)
        w[i] = key[4 * i] | (uint32_t)key[4 * i + 1] << 8 | (uint32_t)key[4 * i + 2] << 16 |
               (uint32_t)key[4 * i + 3] << 24;
    for (int i = nk; i < total; i++) {
        uint32_t t = w[i - 1];
        if (i % nk == 0) {
            t = sub_word(t >> 8 | t << 24) ^ rcon; /* RotWord is a right rotation here */
            rcon = (rcon << 1) ^ (rcon >> 7) * 0x11b;
        } else if (nk > 6 && i % nk == 4) {
            t = sub_word(t);
        }
        w[i] = w[i - nk] ^ t;
    }
    for (int i = 0; i < total; i++)
        for (int b = 0; b < 4; b++)
            k->enc[i / 4][4 * (i % 4) + b] = (uint8_t)(w[i] >> (8 * b));
    k->rounds = rounds;
    /* Equivalent inverse cipher: reversed order, InvMixColumns on the middle
     * keys so that AESIMC can follow each AESD. */
    vst1q_u8(k->dec[0], vld1q_u8(k->enc[rounds]));
    for (int i = 1; i < rounds; i++)
        vst1q_u8(k->dec[i], vaesimcq_u8(vld1q_u8(k->enc[rounds - i])));
    vst1q_u8(k->dec[rounds], vld1q_u8(k->enc[0]));
}

void aes_encrypt_block(const struct aes_key *k, const uint8_t in[16], uint8_t out[16]) {
    uint8x16_t rk[AES_MAX_ROUNDS + 1];
    for (int i = 0; i <= k->rounds; i++)
        rk[i] = vld1q_u8(k->enc[i]);
    vst1q_u8(out, encrypt(rk, k->rounds, vld1q_u8(in)));
}

void aes_decrypt_block(const struct aes_key *k, const uint8_t in[16], uint8_t out[16]) {
    int rounds = k->rounds;
    uint8x16_t s = vld1q_u8(in);
    for (int i = 0; i < rounds - 1; i++)
        s = vaesimcq_u8(vaesdq_u8(s, vld1q_u8(k->dec[i])));
    s = veorq_u8(vaesdq_u8(s, vld1q_u8(k->dec[rounds - 1])), vld1q_u8(k->dec[rounds]));
    vst1q_u8(out, s);
}

/* Byte-reverse the whole block: block order <-> reflected integer (lane 0 =
 * its low 64 bits). */
static inline uint64x2_t reflect(uint8x16_t b) {
    uint8x16_t r = vrev64q_u8(b);
    return vreinterpretq_u64_u8(vextq_u8(r, r, 8));
}

static inline uint8x16_t unreflect(uint64x2_t x) {
    uint8x16_t r = vrev64q_u8(vreinterpretq_u8_u64(x));
    return vextq_u8(r, r, 8);
}

/* Bytes 8..15 of a, then 0..7 of b: lane 0 = a's lane 1, lane 1 = b's lane 0. */
static inline uint64x2_t ext8(uint64x2_t a, uint64x2_t b) {
    return vreinterpretq_u64_u8(vextq_u8(vreinterpretq_u8_u64(a), vreinterpretq_u8_u64(b), 8));
}

static inline uint64x2_t mul_lo(uint64x2_t a, uint64x2_t b) {
    return vreinterpretq_u64_p128(vmull_p64(vgetq_lane_u64(a, 0), vgetq_lane_u64(b, 0)));
}

static inline uint64x2_t mul_hi(uint64x2_t a, uint64x2_t b) {
    return vreinterpretq_u64_p128(
        vmull_high_p64(vreinterpretq_p64_u64(a), vreinterpretq_p64_u64(b)));
}

/* x * h in GF(2^128), both reflected. */
static inline __attribute__((always_inline)) uint64x2_t gf128_mul(uint64x2_t x, uint64x2_t h) {
    uint64x2_t zero = vdupq_n_u64(0), xs = ext8(x, x);
    /* Schoolbook, four products: 256-bit [hi:lo] with the middle at bit 64. */
    uint64x2_t lo = mul_lo(x, h), hi = mul_hi(x, h);
    uint64x2_t mid = veorq_u64(mul_lo(xs, h), mul_hi(xs, h));
    lo = veorq_u64(lo, ext8(zero, mid));
    hi = veorq_u64(hi, ext8(mid, zero));
    /* The reflected product of two 128-bit values has 255 bits: bit 254 - i
     * is x^i. Shifting left by one puts x^0..x^127 in hi, x^128.. in lo. */
    uint64x2_t lo_carry = vshrq_n_u64(lo, 63), hi_carry = vshrq_n_u64(hi, 63);
    hi = vorrq_u64(vshlq_n_u64(hi, 1), ext8(lo_carry, hi_carry));
    lo = vorrq_u64(vshlq_n_u64(lo, 1), ext8(zero, lo_carry));
    /* Reduce lo, which stands for lo * x^128 = lo * (x^7 + x^2 + x + 1): lo
     * plus its right shifts by 1, 2, 7, whose bits shifted out (past x^255)
     * wrap around once more. Lane 0 (the highest degrees) first: its shifts
     * stay in lane 0 and the wrapped bits land in lane 1 (t); then lane 1:
     * its shifts stay in lane 1 and spill into lane 0 (q). */
    uint64x2_t p = mul_lo(lo, vdupq_n_u64(GHASH_POLY));
    uint64x2_t t = veorq_u64(lo, ext8(p, p));
    uint64x2_t q = mul_hi(t, vdupq_n_u64(GHASH_POLY));
    return veorq_u64(hi, veorq_u64(t, q));
}

void aesgcm_init(struct aesgcm *g, const uint8_t key[16], const uint8_t iv[12]) {
    uint8_t j0[16];
    aes_expand_key(&g->key, key, 16);
    for (int i = 0; i < 16; i++) {
        j0[i] = i < 12 ? iv[i] : i == 15;
        g->h[i] = 0;
        g->ghash[i] = 0;
    }
    aes_encrypt_block(&g->key, g->h, g->h);
    aes_encrypt_block(&g->key, j0, g->ek_j0);
    j0[15] = 2;
    for (int i = 0; i < 16; i++)
        g->counter[i] = j0[i];
}

void aesgcm_ghash(struct aesgcm *g, const uint8_t *data, size_t len) {
    uint64x2_t acc = reflect(vld1q_u8(g->ghash)), h = reflect(vld1q_u8(g->h));
    uint8_t block[16];
    for (size_t pos = 0; pos < len; pos += 16) {
        for (size_t i = 0; i < 16; i++)
            block[i] = pos + i < len ? data[pos + i] : 0;
        acc = gf128_mul(veorq_u64(acc, reflect(vld1q_u8(block))), h);
    }
    vst1q_u8(g->ghash, unreflect(acc));
}

/* Counter mode plus GHASH, one block per iteration. The counter is kept
 * byte-swapped per 32-bit lane so inc32 of the big-endian last word is a
 * lane-3 add (wrapping mod 2^32 as GCM requires). */
static inline __attribute__((always_inline)) void
crypt_blocks(struct aesgcm *g, const uint8_t *in, uint8_t *out, size_t nblocks, int decrypt) {
    static const uint32_t one[4] = {0, 0, 0, 1};
    uint8x16_t rk[11];
    for (int i = 0; i < 11; i++)
        rk[i] = vld1q_u8(g->key.enc[i]);
    uint64x2_t acc = reflect(vld1q_u8(g->ghash)), h = reflect(vld1q_u8(g->h));
    uint32x4_t ctr = vreinterpretq_u32_u8(vrev32q_u8(vld1q_u8(g->counter)));
    uint32x4_t inc = vld1q_u32(one);
    for (; nblocks; nblocks--, in += 16, out += 16) {
        uint8x16_t ks = encrypt(rk, 10, vrev32q_u8(vreinterpretq_u8_u32(ctr)));
        uint8x16_t x = vld1q_u8(in), y = veorq_u8(x, ks);
        vst1q_u8(out, y);
        acc = gf128_mul(veorq_u64(acc, reflect(decrypt ? x : y)), h);
        ctr = vaddq_u32(ctr, inc);
    }
    vst1q_u8(g->counter, vrev32q_u8(vreinterpretq_u8_u32(ctr)));
    vst1q_u8(g->ghash, unreflect(acc));
}

void aesgcm_blocks(struct aesgcm *g, const uint8_t *in, uint8_t *out, size_t nblocks) {
    crypt_blocks(g, in, out, nblocks, 0);
}

void aesgcm_decrypt_blocks(struct aesgcm *g, const uint8_t *in, uint8_t *out, size_t nblocks) {
    crypt_blocks(g, in, out, nblocks, 1);
}

static const struct aesgcm_impl impl = {aesgcm_init, aesgcm_ghash, aesgcm_blocks,
                                        aesgcm_decrypt_blocks, aes_encrypt_block};

void aesgcm_encrypt(const uint8_t key[16], const uint8_t iv[12], const uint8_t *aad,
                    size_t aad_len, const uint8_t *pt, size_t len, uint8_t *ct, uint8_t tag[16]) {
    aesgcm_run(&impl, 0, key, iv, aad, aad_len, pt, len, ct, tag);
}

int aesgcm_decrypt(const uint8_t key[16], const uint8_t iv[12], const uint8_t *aad,
                   size_t aad_len, const uint8_t *ct, size_t len, const uint8_t tag[16],
                   uint8_t *pt) {
    return aesgcm_open(&impl, key, iv, aad, aad_len, ct, len, tag, pt);
}

/* The program interface (c/programs/README.md): record = key (16) || iv (12)
 * || aad_len (u32 little-endian) || aad || plaintext; output = ciphertext ||
 * tag; 0 for a malformed record. */
size_t process(const uint8_t *in, size_t len, uint8_t *out) {
    if (len < 32)
        return 0;
    size_t aad_len = in[28] | (size_t)in[29] << 8 | (size_t)in[30] << 16 | (size_t)in[31] << 24;
    if (aad_len > len - 32)
        return 0;
    size_t pt_len = len - 32 - aad_len;
    aesgcm_encrypt(in, in + 16, in + 32, aad_len, in + 32 + aad_len, pt_len, out, out + pt_len);
    return pt_len + 16;
}
