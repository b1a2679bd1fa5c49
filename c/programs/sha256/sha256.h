/* SHA-256 and SHA-224 API shared by the intrinsics kernel (sha256_neon.c) and
 * the portable reference (sha256_plain.c, same names prefixed plain_). */
#ifndef SHA256_H
#define SHA256_H

#include <stddef.h>
#include <stdint.h>

/* Compress nblocks consecutive 64-byte blocks into state (a, b, ..., h).
 * SHA-224 uses the same compression from its own initial value. */
void sha256_blocks(uint32_t state[8], const uint8_t *data, size_t nblocks);
/* Pad the final partial block (tail_len < 64 bytes) of a message of
 * total_len bytes, compress it and write the big-endian state. For SHA-224
 * (state started from SHA224_INIT_STATE) the digest is out[0..27]. */
void sha256_final(uint32_t state[8], const uint8_t *tail, size_t tail_len,
                  uint64_t total_len, uint8_t out[32]);
/* One-shot digests of a whole message. */
void sha256_digest(const uint8_t *data, size_t len, uint8_t out[32]);
void sha224_digest(const uint8_t *data, size_t len, uint8_t out[28]);

void plain_sha256_blocks(uint32_t state[8], const uint8_t *data, size_t nblocks);
void plain_sha256_final(uint32_t state[8], const uint8_t *tail, size_t tail_len,
                        uint64_t total_len, uint8_t out[32]);
void plain_sha256_digest(const uint8_t *data, size_t len, uint8_t out[32]);
void plain_sha224_digest(const uint8_t *data, size_t len, uint8_t out[28]);

/* FIPS 180-4 initial hash values (5.3.3 and 5.3.2). */
#define SHA256_INIT_STATE                                                   \
    {0x6A09E667u, 0xBB67AE85u, 0x3C6EF372u, 0xA54FF53Au,                    \
     0x510E527Fu, 0x9B05688Cu, 0x1F83D9ABu, 0x5BE0CD19u}
#define SHA224_INIT_STATE                                                   \
    {0xC1059ED8u, 0x367CD507u, 0x3070DD17u, 0xF70E5939u,                    \
     0xFFC00B31u, 0x68581511u, 0x64F98FA7u, 0xBEFA4FA4u}

/* FIPS 180-4 4.2.2: the 64 round constants, as an initialiser. */
#define SHA256_ROUND_CONSTANTS                                              \
    {0x428A2F98u, 0x71374491u, 0xB5C0FBCFu, 0xE9B5DBA5u,                    \
     0x3956C25Bu, 0x59F111F1u, 0x923F82A4u, 0xAB1C5ED5u,                    \
     0xD807AA98u, 0x12835B01u, 0x243185BEu, 0x550C7DC3u,                    \
     0x72BE5D74u, 0x80DEB1FEu, 0x9BDC06A7u, 0xC19BF174u,                    \
     0xE49B69C1u, 0xEFBE4786u, 0x0FC19DC6u, 0x240CA1CCu,                    \
     0x2DE92C6Fu, 0x4A7484AAu, 0x5CB0A9DCu, 0x76F988DAu,                    \
     0x983E5152u, 0xA831C66Du, 0xB00327C8u, 0xBF597FC7u,                    \
     0xC6E00BF3u, 0xD5A79147u, 0x06CA6351u, 0x14292967u,                    \
     0x27B70A85u, 0x2E1B2138u, 0x4D2C6DFCu, 0x53380D13u,                    \
     0x650A7354u, 0x766A0ABBu, 0x81C2C92Eu, 0x92722C85u,                    \
     0xA2BFE8A1u, 0xA81A664Bu, 0xC24B8B70u, 0xC76C51A3u,                    \
     0xD192E819u, 0xD6990624u, 0xF40E3585u, 0x106AA070u,                    \
     0x19A4C116u, 0x1E376C08u, 0x2748774Cu, 0x34B0BCB5u,                    \
     0x391C0CB3u, 0x4ED8AA4Au, 0x5B9CCA4Fu, 0x682E6FF3u,                    \
     0x748F82EEu, 0x78A5636Fu, 0x84C87814u, 0x8CC70208u,                    \
     0x90BEFFFAu, 0xA4506CEBu, 0xBEF9A3F7u, 0xC67178F2u}

/* Padding and output, shared by both implementations and both digest sizes
 * (out_len 32 or 28: SHA-224 is the truncated state). Byte loops rather than
 * memcpy/memset: Wasm builds are freestanding, without libc. */
static inline void sha256_pad_and_finish(
    void (*blocks)(uint32_t *, const uint8_t *, size_t), uint32_t state[8],
    const uint8_t *tail, size_t tail_len, uint64_t total_len, uint8_t *out,
    int out_len) {
    uint8_t buf[128];
    size_t n = tail_len + 9 <= 64 ? 64 : 128; /* 0x80 and the 64-bit length */
    uint64_t bits = total_len * 8;
    for (size_t i = 0; i < n; i++)
        buf[i] = i < tail_len ? tail[i] : 0;
    buf[tail_len] = 0x80;
    for (int i = 0; i < 8; i++)
        buf[n - 1 - i] = (uint8_t)(bits >> (8 * i));
    blocks(state, buf, n / 64);
    for (int i = 0; i < out_len; i++)
        out[i] = (uint8_t)(state[i / 4] >> (24 - 8 * (i % 4)));
}

#endif
