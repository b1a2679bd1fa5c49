/* Portable AES (FIPS-197) and AES-128-GCM (SP 800-38D): the reference the
 * intrinsics kernel is checked against and the "plain C" throughput baseline.
 * Straight from the specifications: byte-wise rounds with S-box tables and
 * the bit-serial GHASH multiplication (SP 800-38D Algorithm 1). Not constant
 * time: the tables are indexed by data. */
#include "aesgcm.h"

/* FIPS-197 Figure 7 and Figure 14. */
static const uint8_t SBOX[256] = {
    0x63, 0x7c, 0x77, 0x7b, 0xf2, 0x6b, 0x6f, 0xc5, 0x30, 0x01, 0x67, 0x2b, 0xfe, 0xd7, 0xab, 0x76,
    0xca, 0x82, 0xc9, 0x7d, 0xfa, 0x59, 0x47, 0xf0, 0xad, 0xd4, 0xa2, 0xaf, 0x9c, 0xa4, 0x72, 0xc0,
    0xb7, 0xfd, 0x93, 0x26, 0x36, 0x3f, 0xf7, 0xcc, 0x34, 0xa5, 0xe5, 0xf1, 0x71, 0xd8, 0x31, 0x15,
    0x04, 0xc7, 0x23, 0xc3, 0x18, 0x96, 0x05, 0x9a, 0x07, 0x12, 0x80, 0xe2, 0xeb, 0x27, 0xb2, 0x75,
    0x09, 0x83, 0x2c, 0x1a, 0x1b, 0x6e, 0x5a, 0xa0, 0x52, 0x3b, 0xd6, 0xb3, 0x29, 0xe3, 0x2f, 0x84,
    0x53, 0xd1, 0x00, 0xed, 0x20, 0xfc, 0xb1, 0x5b, 0x6a, 0xcb, 0xbe, 0x39, 0x4a, 0x4c, 0x58, 0xcf,
    0xd0, 0xef, 0xaa, 0xfb, 0x43, 0x4d, 0x33, 0x85, 0x45, 0xf9, 0x02, 0x7f, 0x50, 0x3c, 0x9f, 0xa8,
    0x51, 0xa3, 0x40, 0x8f, 0x92, 0x9d, 0x38, 0xf5, 0xbc, 0xb6, 0xda, 0x21, 0x10, 0xff, 0xf3, 0xd2,
    0xcd, 0x0c, 0x13, 0xec, 0x5f, 0x97, 0x44, 0x17, 0xc4, 0xa7, 0x7e, 0x3d, 0x64, 0x5d, 0x19, 0x73,
    0x60, 0x81, 0x4f, 0xdc, 0x22, 0x2a, 0x90, 0x88, 0x46, 0xee, 0xb8, 0x14, 0xde, 0x5e, 0x0b, 0xdb,
    0xe0, 0x32, 0x3a, 0x0a, 0x49, 0x06, 0x24, 0x5c, 0xc2, 0xd3, 0xac, 0x62, 0x91, 0x95, 0xe4, 0x79,
    0xe7, 0xc8, 0x37, 0x6d, 0x8d, 0xd5, 0x4e, 0xa9, 0x6c, 0x56, 0xf4, 0xea, 0x65, 0x7a, 0xae, 0x08,
    0xba, 0x78, 0x25, 0x2e, 0x1c, 0xa6, 0xb4, 0xc6, 0xe8, 0xdd, 0x74, 0x1f, 0x4b, 0xbd, 0x8b, 0x8a,
    0x70, 0x3e, 0xb5, 0x66, 0x48, 0x03, 0xf6, 0x0e, 0x61, 0x35, 0x57, 0xb9, 0x86, 0xc1, 0x1d, 0x9e,
    0xe1, 0xf8, 0x98, 0x11, 0x69, 0xd9, 0x8e, 0x94, 0x9b, 0x1e, 0x87, 0xe9, 0xce, 0x55, 0x28, 0xdf,
    0x8c, 0xa1, 0x89, 0x0d, 0xbf, 0xe6, 0x42, 0x68, 0x41, 0x99, 0x2d, 0x0f, 0xb0, 0x54, 0xbb, 0x16,
};
static const uint8_t INV_SBOX[256] = {
    0x52, 0x09, 0x6a, 0xd5, 0x30, 0x36, 0xa5, 0x38, 0xbf, 0x40, 0xa3, 0x9e, 0x81, 0xf3, 0xd7, 0xfb,
    0x7c, 0xe3, 0x39, 0x82, 0x9b, 0x2f, 0xff, 0x87, 0x34, 0x8e, 0x43, 0x44, 0xc4, 0xde, 0xe9, 0xcb,
    0x54, 0x7b, 0x94, 0x32, 0xa6, 0xc2, 0x23, 0x3d, 0xee, 0x4c, 0x95, 0x0b, 0x42, 0xfa, 0xc3, 0x4e,
    0x08, 0x2e, 0xa1, 0x66, 0x28, 0xd9, 0x24, 0xb2, 0x76, 0x5b, 0xa2, 0x49, 0x6d, 0x8b, 0xd1, 0x25,
    0x72, 0xf8, 0xf6, 0x64, 0x86, 0x68, 0x98, 0x16, 0xd4, 0xa4, 0x5c, 0xcc, 0x5d, 0x65, 0xb6, 0x92,
    0x6c, 0x70, 0x48, 0x50, 0xfd, 0xed, 0xb9, 0xda, 0x5e, 0x15, 0x46, 0x57, 0xa7, 0x8d, 0x9d, 0x84,
    0x90, 0xd8, 0xab, 0x00, 0x8c, 0xbc, 0xd3, 0x0a, 0xf7, 0xe4, 0x58, 0x05, 0xb8, 0xb3, 0x45, 0x06,
    0xd0, 0x2c, 0x1e, 0x8f, 0xca, 0x3f, 0x0f, 0x02, 0xc1, 0xaf, 0xbd, 0x03, 0x01, 0x13, 0x8a, 0x6b,
    0x3a, 0x91, 0x11, 0x41, 0x4f, 0x67, 0xdc, 0xea, 0x97, 0xf2, 0xcf, 0xce, 0xf0, 0xb4, 0xe6, 0x73,
    0x96, 0xac, 0x74, 0x22, 0xe7, 0xad, 0x35, 0x85, 0xe2, 0xf9, 0x37, 0xe8, 0x1c, 0x75, 0xdf, 0x6e,
    0x47, 0xf1, 0x1a, 0x71, 0x1d, 0x29, 0xc5, 0x89, 0x6f, 0xb7, 0x62, 0x0e, 0xaa, 0x18, 0xbe, 0x1b,
    0xfc, 0x56, 0x3e, 0x4b, 0xc6, 0xd2, 0x79, 0x20, 0x9a, 0xdb, 0xc0, 0xfe, 0x78, 0xcd, 0x5a, 0xf4,
    0x1f, 0xdd, 0xa8, 0x33, 0x88, 0x07, 0xc7, 0x31, 0xb1, 0x12, 0x10, 0x59, 0x27, 0x80, 0xec, 0x5f,
    0x60, 0x51, 0x7f, 0xa9, 0x19, 0xb5, 0x4a, 0x0d, 0x2d, 0xe5, 0x7a, 0x9f, 0x93, 0xc9, 0x9c, 0xef,
    0xa0, 0xe0, 0x3b, 0x4d, 0xae, 0x2a, 0xf5, 0xb0, 0xc8, 0xeb, 0xbb, 0x3c, 0x83, 0x53, 0x99, 0x61,
    0x17, 0x2b, 0x04, 0x7e, 0xba, 0x77, 0xd6, 0x26, 0xe1, 0x69, 0x14, 0x63, 0x55, 0x21, 0x0c, 0x7d,
};

/* Multiplication by x modulo x^8 + x^4 + x^3 + x + 1. */
static uint8_t xtime(uint8_t a) { return (uint8_t)(a << 1 ^ (a >> 7) * 0x1b); }

static uint8_t gf_mul(uint8_t a, uint8_t b) {
    uint8_t r = 0;
    for (int i = 0; i < 8; i++, a = xtime(a))
        if (b >> i & 1)
            r ^= a;
    return r;
}

void plain_aes_expand_key(struct aes_key *k, const uint8_t *key, size_t key_len) {
    int nk = (int)(key_len / 4), rounds = nk + 6;
    uint8_t *w = k->enc[0]; /* the round keys as one array of 4-byte words */
    uint8_t rcon = 1;
    for (int i = 0; i < 4 * nk; i++)
        w[i] = key[i];
    for (int i = nk; i < 4 * (rounds + 1); i++) {
        uint8_t t[4];
        for (int j = 0; j < 4; j++)
            t[j] = w[4 * (i - 1) + j];
        if (i % nk == 0) { /* SubWord(RotWord(t)) xor Rcon */
            uint8_t t0 = t[0];
            t[0] = SBOX[t[1]] ^ rcon;
            t[1] = SBOX[t[2]];
            t[2] = SBOX[t[3]];
            t[3] = SBOX[t0];
            rcon = xtime(rcon);
        } else if (nk > 6 && i % nk == 4) {
            for (int j = 0; j < 4; j++)
                t[j] = SBOX[t[j]];
        }
        for (int j = 0; j < 4; j++)
            w[4 * i + j] = w[4 * (i - nk) + j] ^ t[j];
    }
    k->rounds = rounds;
}

static void add_round_key(uint8_t s[16], const uint8_t rk[16]) {
    for (int i = 0; i < 16; i++)
        s[i] ^= rk[i];
}

/* Byte r + 4c is row r, column c. Row r rotates left by r (ShiftRows) or
 * right by r (InvShiftRows), through the S-box or its inverse. */
static void sub_shift_rows(uint8_t s[16], const uint8_t box[256], int dir) {
    uint8_t t[16];
    for (int r = 0; r < 4; r++)
        for (int c = 0; c < 4; c++)
            t[r + 4 * c] = box[s[r + 4 * ((c + dir * r + 4) % 4)]];
    for (int i = 0; i < 16; i++)
        s[i] = t[i];
}

static void mix_columns(uint8_t s[16]) {
    for (int c = 0; c < 16; c += 4) {
        uint8_t a0 = s[c], a1 = s[c + 1], a2 = s[c + 2], a3 = s[c + 3];
        s[c] = gf_mul(a0, 2) ^ gf_mul(a1, 3) ^ a2 ^ a3;
        s[c + 1] = a0 ^ gf_mul(a1, 2) ^ gf_mul(a2, 3) ^ a3;
        s[c + 2] = a0 ^ a1 ^ gf_mul(a2, 2) ^ gf_mul(a3, 3);
        s[c + 3] = gf_mul(a0, 3) ^ a1 ^ a2 ^ gf_mul(a3, 2);
    }
}

static void inv_mix_columns(uint8_t s[16]) {
    for (int c = 0; c < 16; c += 4) {
        uint8_t a0 = s[c], a1 = s[c + 1], a2 = s[c + 2], a3 = s[c + 3];
        s[c] = gf_mul(a0, 14) ^ gf_mul(a1, 11) ^ gf_mul(a2, 13) ^ gf_mul(a3, 9);
        s[c + 1] = gf_mul(a0, 9) ^ gf_mul(a1, 14) ^ gf_mul(a2, 11) ^ gf_mul(a3, 13);
        s[c + 2] = gf_mul(a0, 13) ^ gf_mul(a1, 9) ^ gf_mul(a2, 14) ^ gf_mul(a3, 11);
        s[c + 3] = gf_mul(a0, 11) ^ gf_mul(a1, 13) ^ gf_mul(a2, 9) ^ gf_mul(a3, 14);
    }
}

/* FIPS-197 5.1 */
void plain_aes_encrypt_block(const struct aes_key *k, const uint8_t in[16], uint8_t out[16]) {
    uint8_t s[16];
    for (int i = 0; i < 16; i++)
        s[i] = in[i];
    add_round_key(s, k->enc[0]);
    for (int r = 1; r <= k->rounds; r++) {
        sub_shift_rows(s, SBOX, 1);
        if (r < k->rounds)
            mix_columns(s);
        add_round_key(s, k->enc[r]);
    }
    for (int i = 0; i < 16; i++)
        out[i] = s[i];
}

/* FIPS-197 5.3 (the straightforward inverse cipher, with the encryption keys) */
void plain_aes_decrypt_block(const struct aes_key *k, const uint8_t in[16], uint8_t out[16]) {
    uint8_t s[16];
    for (int i = 0; i < 16; i++)
        s[i] = in[i];
    add_round_key(s, k->enc[k->rounds]);
    for (int r = k->rounds - 1; r >= 0; r--) {
        sub_shift_rows(s, INV_SBOX, -1);
        add_round_key(s, k->enc[r]);
        if (r > 0)
            inv_mix_columns(s);
    }
    for (int i = 0; i < 16; i++)
        out[i] = s[i];
}

static uint64_t load_be64(const uint8_t *p) {
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | p[i];
    return v;
}

static void store_be64(uint8_t *p, uint64_t v) {
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (56 - 8 * i));
}

/* x = x * h (SP 800-38D 6.3, Algorithm 1): bit 0 of a block is the MSB of
 * byte 0, and multiplying v by x is a right shift, reduced by R = 0xe1 || 0^120. */
static void ghash_mul(uint8_t x[16], const uint8_t h[16]) {
    uint64_t z0 = 0, z1 = 0, v0 = load_be64(h), v1 = load_be64(h + 8);
    for (int i = 0; i < 128; i++) {
        uint64_t take = 0 - (uint64_t)(x[i / 8] >> (7 - i % 8) & 1);
        uint64_t reduce = 0 - (v1 & 1);
        z0 ^= v0 & take;
        z1 ^= v1 & take;
        v1 = v1 >> 1 | v0 << 63;
        v0 = v0 >> 1 ^ (0xE100000000000000ull & reduce);
    }
    store_be64(x, z0);
    store_be64(x + 8, z1);
}

void plain_aesgcm_init(struct aesgcm *g, const uint8_t key[16], const uint8_t iv[12]) {
    uint8_t j0[16];
    plain_aes_expand_key(&g->key, key, 16);
    for (int i = 0; i < 16; i++) {
        j0[i] = i < 12 ? iv[i] : i == 15; /* J0 = IV || 0^31 || 1 */
        g->h[i] = 0;
        g->ghash[i] = 0;
    }
    plain_aes_encrypt_block(&g->key, g->h, g->h);
    plain_aes_encrypt_block(&g->key, j0, g->ek_j0);
    j0[15] = 2;
    for (int i = 0; i < 16; i++)
        g->counter[i] = j0[i];
}

void plain_aesgcm_ghash(struct aesgcm *g, const uint8_t *data, size_t len) {
    for (size_t pos = 0; pos < len; pos += 16) {
        for (size_t i = 0; i < 16 && pos + i < len; i++)
            g->ghash[i] ^= data[pos + i];
        ghash_mul(g->ghash, g->h);
    }
}

/* inc32: the last four bytes as a big-endian counter mod 2^32. */
static void increment(uint8_t counter[16]) {
    for (int i = 15; i >= 12 && ++counter[i] == 0; i--)
        ;
}

static void crypt_blocks(struct aesgcm *g, const uint8_t *in, uint8_t *out, size_t nblocks,
                         int decrypt) {
    uint8_t ks[16];
    for (; nblocks; nblocks--, in += 16, out += 16) {
        plain_aes_encrypt_block(&g->key, g->counter, ks);
        increment(g->counter);
        for (int i = 0; i < 16; i++) {
            uint8_t c = decrypt ? in[i] : in[i] ^ ks[i]; /* read before out may overwrite in */
            out[i] = in[i] ^ ks[i];
            g->ghash[i] ^= c;
        }
        ghash_mul(g->ghash, g->h);
    }
}

void plain_aesgcm_blocks(struct aesgcm *g, const uint8_t *in, uint8_t *out, size_t nblocks) {
    crypt_blocks(g, in, out, nblocks, 0);
}

void plain_aesgcm_decrypt_blocks(struct aesgcm *g, const uint8_t *in, uint8_t *out,
                                 size_t nblocks) {
    crypt_blocks(g, in, out, nblocks, 1);
}

static const struct aesgcm_impl impl = {plain_aesgcm_init, plain_aesgcm_ghash,
                                        plain_aesgcm_blocks, plain_aesgcm_decrypt_blocks,
                                        plain_aes_encrypt_block};

void plain_aesgcm_encrypt(const uint8_t key[16], const uint8_t iv[12], const uint8_t *aad,
                          size_t aad_len, const uint8_t *pt, size_t len, uint8_t *ct,
                          uint8_t tag[16]) {
    aesgcm_run(&impl, 0, key, iv, aad, aad_len, pt, len, ct, tag);
}

int plain_aesgcm_decrypt(const uint8_t key[16], const uint8_t iv[12], const uint8_t *aad,
                         size_t aad_len, const uint8_t *ct, size_t len, const uint8_t tag[16],
                         uint8_t *pt) {
    return aesgcm_open(&impl, key, iv, aad, aad_len, ct, len, tag, pt);
}
