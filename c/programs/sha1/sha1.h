/* SHA-1 API shared by the intrinsics kernel (sha1_neon.c) and the portable
 * reference (sha1_plain.c, same names prefixed plain_). */
#ifndef SHA1_H
#define SHA1_H

#include <stddef.h>
#include <stdint.h>

/* Compress nblocks consecutive 64-byte blocks into state (a, b, c, d, e). */
void sha1_blocks(uint32_t state[5], const uint8_t *data, size_t nblocks);
/* Pad the final partial block (tail_len < 64 bytes) of a message of
 * total_len bytes, compress it and write the big-endian digest. */
void sha1_final(uint32_t state[5], const uint8_t *tail, size_t tail_len,
                uint64_t total_len, uint8_t out[20]);
/* One-shot digest of a whole message. */
void sha1_digest(const uint8_t *data, size_t len, uint8_t out[20]);

void plain_sha1_blocks(uint32_t state[5], const uint8_t *data, size_t nblocks);
void plain_sha1_final(uint32_t state[5], const uint8_t *tail, size_t tail_len,
                      uint64_t total_len, uint8_t out[20]);
void plain_sha1_digest(const uint8_t *data, size_t len, uint8_t out[20]);

/* FIPS 180-4 initial hash value. */
#define SHA1_INIT_STATE {0x67452301u, 0xEFCDAB89u, 0x98BADCFEu, 0x10325476u, 0xC3D2E1F0u}

/* Padding and output, shared by both implementations. Byte loops rather
 * than memcpy/memset: Wasm builds are freestanding, without libc. */
static inline void sha1_pad_and_finish(
    void (*blocks)(uint32_t *, const uint8_t *, size_t), uint32_t state[5],
    const uint8_t *tail, size_t tail_len, uint64_t total_len, uint8_t out[20]) {
    uint8_t buf[128];
    size_t n = tail_len + 9 <= 64 ? 64 : 128; /* 0x80 and the 64-bit length */
    uint64_t bits = total_len * 8;
    for (size_t i = 0; i < n; i++)
        buf[i] = i < tail_len ? tail[i] : 0;
    buf[tail_len] = 0x80;
    for (int i = 0; i < 8; i++)
        buf[n - 1 - i] = (uint8_t)(bits >> (8 * i));
    blocks(state, buf, n / 64);
    for (int i = 0; i < 20; i++)
        out[i] = (uint8_t)(state[i / 4] >> (24 - 8 * (i % 4)));
}

#endif
