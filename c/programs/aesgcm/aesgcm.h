/* AES (FIPS-197, 128/192/256-bit keys) and AES-128-GCM (NIST SP 800-38D) API
 * shared by the intrinsics kernel (aesgcm_neon.c) and the portable reference
 * (aesgcm_plain.c, same names prefixed plain_). Byte loops rather than
 * memcpy/memset: Wasm builds are freestanding, without libc. */
#ifndef AESGCM_H
#define AESGCM_H

#include <stddef.h>
#include <stdint.h>

#define AES_MAX_ROUNDS 14

struct aes_key {
    uint8_t enc[AES_MAX_ROUNDS + 1][16]; /* round keys 0..rounds, block byte order */
    /* Equivalent inverse cipher keys (FIPS-197 5.3.5) in the order AESD uses
     * them; filled by the kernel only, the plain reference decrypts with enc. */
    uint8_t dec[AES_MAX_ROUNDS + 1][16];
    int rounds; /* 10, 12 or 14 */
};

/* GCM state between calls: what the block function needs, in bytes so both
 * implementations share it. */
struct aesgcm {
    struct aes_key key;  /* AES-128 */
    uint8_t h[16];       /* hash subkey E(K, 0^128) */
    uint8_t ek_j0[16];   /* E(K, J0), masks the tag */
    uint8_t counter[16]; /* next counter block; inc32 on the last four bytes */
    uint8_t ghash[16];   /* GHASH accumulator, block byte order */
};

/* key_len is 16, 24 or 32 bytes. */
void aes_expand_key(struct aes_key *k, const uint8_t *key, size_t key_len);
void aes_encrypt_block(const struct aes_key *k, const uint8_t in[16], uint8_t out[16]);
void aes_decrypt_block(const struct aes_key *k, const uint8_t in[16], uint8_t out[16]);
/* Key schedule, H, E(K, J0) and the first counter J0 + 1 for a 96-bit IV. */
void aesgcm_init(struct aesgcm *g, const uint8_t key[16], const uint8_t iv[12]);
/* Fold len bytes, zero-padded to whole blocks, into the GHASH accumulator. */
void aesgcm_ghash(struct aesgcm *g, const uint8_t *data, size_t len);
/* The hot loop of GCM: CTR-encrypt nblocks whole blocks and fold the
 * ciphertext into GHASH. The decrypting variant folds its input instead. */
void aesgcm_blocks(struct aesgcm *g, const uint8_t *in, uint8_t *out, size_t nblocks);
void aesgcm_decrypt_blocks(struct aesgcm *g, const uint8_t *in, uint8_t *out, size_t nblocks);
/* One-shot AES-128-GCM with a 96-bit IV and a 16-byte tag. aesgcm_decrypt
 * returns 1 if the tag is authentic, else 0 with pt zeroed. */
void aesgcm_encrypt(const uint8_t key[16], const uint8_t iv[12], const uint8_t *aad,
                    size_t aad_len, const uint8_t *pt, size_t len, uint8_t *ct, uint8_t tag[16]);
int aesgcm_decrypt(const uint8_t key[16], const uint8_t iv[12], const uint8_t *aad,
                   size_t aad_len, const uint8_t *ct, size_t len, const uint8_t tag[16],
                   uint8_t *pt);

void plain_aes_expand_key(struct aes_key *k, const uint8_t *key, size_t key_len);
void plain_aes_encrypt_block(const struct aes_key *k, const uint8_t in[16], uint8_t out[16]);
void plain_aes_decrypt_block(const struct aes_key *k, const uint8_t in[16], uint8_t out[16]);
void plain_aesgcm_init(struct aesgcm *g, const uint8_t key[16], const uint8_t iv[12]);
void plain_aesgcm_ghash(struct aesgcm *g, const uint8_t *data, size_t len);
void plain_aesgcm_blocks(struct aesgcm *g, const uint8_t *in, uint8_t *out, size_t nblocks);
void plain_aesgcm_decrypt_blocks(struct aesgcm *g, const uint8_t *in, uint8_t *out,
                                 size_t nblocks);
void plain_aesgcm_encrypt(const uint8_t key[16], const uint8_t iv[12], const uint8_t *aad,
                          size_t aad_len, const uint8_t *pt, size_t len, uint8_t *ct,
                          uint8_t tag[16]);
int plain_aesgcm_decrypt(const uint8_t key[16], const uint8_t iv[12], const uint8_t *aad,
                         size_t aad_len, const uint8_t *ct, size_t len, const uint8_t tag[16],
                         uint8_t *pt);

/* The GCM steps of one implementation, for the shared one-shot code below. */
struct aesgcm_impl {
    void (*init)(struct aesgcm *, const uint8_t *, const uint8_t *);
    void (*ghash)(struct aesgcm *, const uint8_t *, size_t);
    void (*blocks)(struct aesgcm *, const uint8_t *, uint8_t *, size_t);
    void (*decrypt_blocks)(struct aesgcm *, const uint8_t *, uint8_t *, size_t);
    void (*encrypt_block)(const struct aes_key *, const uint8_t *, uint8_t *);
};

/* SP 800-38D 7.1/7.2 with a 96-bit IV: whole blocks through the block
 * function, the partial last block through one keystream block, then the
 * lengths block; the tag is GHASH xor E(K, J0). */
static inline __attribute__((always_inline)) void aesgcm_run(const struct aesgcm_impl *im, int decrypt, const uint8_t key[16],
                              const uint8_t iv[12], const uint8_t *aad, size_t aad_len,
                              const uint8_t *in, size_t len, uint8_t *out, uint8_t tag[16]) {
    struct aesgcm g;
    uint8_t ks[16], lengths[16];
    size_t done = len & ~(size_t)15, tail = len - done;
    uint64_t aad_bits = (uint64_t)aad_len * 8, text_bits = (uint64_t)len * 8;
    im->init(&g, key, iv);
    im->ghash(&g, aad, aad_len);
    (decrypt ? im->decrypt_blocks : im->blocks)(&g, in, out, len / 16);
    if (tail) {
        im->encrypt_block(&g.key, g.counter, ks);
        for (size_t i = 0; i < tail; i++)
            out[done + i] = in[done + i] ^ ks[i];
        im->ghash(&g, (decrypt ? in : out) + done, tail); /* GHASH covers the ciphertext */
    }
    for (int i = 0; i < 8; i++) {
        lengths[7 - i] = (uint8_t)(aad_bits >> (8 * i));
        lengths[15 - i] = (uint8_t)(text_bits >> (8 * i));
    }
    im->ghash(&g, lengths, 16);
    for (int i = 0; i < 16; i++)
        tag[i] = g.ghash[i] ^ g.ek_j0[i];
}

/* Decrypt, then compare tags without an early exit. */
static inline __attribute__((always_inline)) int aesgcm_open(const struct aesgcm_impl *im, const uint8_t key[16],
                              const uint8_t iv[12], const uint8_t *aad, size_t aad_len,
                              const uint8_t *ct, size_t len, const uint8_t tag[16],
                              uint8_t *pt) {
    uint8_t want[16], diff = 0;
    aesgcm_run(im, 1, key, iv, aad, aad_len, ct, len, pt, want);
    for (int i = 0; i < 16; i++)
        diff |= want[i] ^ tag[i];
    if (diff)
        for (size_t i = 0; i < len; i++)
            pt[i] = 0; /* release no unauthenticated plaintext */
    return diff == 0;
}

#endif
