/* Known answers for both implementations: FIPS-197 Appendix C (AES-128/192/256
 * encryption and decryption of one block) and the GCM specification's
 * (McGrew & Viega) AES-128 test cases 1-4, each also decrypted and verified;
 * plus a forged-tag rejection and a differential check against the plain
 * reference over all tail lengths.
 *
 * kat() returns a failure mask: bit 2*i is case i for the intrinsics kernel,
 * bit 2*i+1 the plain one; 0 means all passed. Wasm builds export kat,
 * kat_case_count and kat_case_name (no libc there to print with); the native
 * build's main prints PASS/FAIL lines. */
#include "aesgcm.h"

enum kind { BLOCK_ENCRYPT, BLOCK_DECRYPT, GCM, GCM_FORGED, GCM_VS_PLAIN };

#define FIPS_PT "00112233445566778899aabbccddeeff"
#define GCM_K3 "feffe9928665731c6d6a8f9467308308"
#define GCM_IV3 "cafebabefacedbaddecaf888"
#define GCM_P3_60                                                                   \
    "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"             \
    "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39"
#define GCM_C3_60                                                                   \
    "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"             \
    "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091"
#define ZERO16 "00000000000000000000000000000000"
#define ZERO12 "000000000000000000000000"

struct kat_case {
    const char *name;
    enum kind kind;
    const char *key, *iv, *aad, *in, *out, *tag; /* hex */
};

static const struct kat_case cases[] = {
    {"fips197-c1-aes128-encrypt", BLOCK_ENCRYPT, "000102030405060708090a0b0c0d0e0f", "", "",
     FIPS_PT, "69c4e0d86a7b0430d8cdb78070b4c55a", ""},
    {"fips197-c1-aes128-decrypt", BLOCK_DECRYPT, "000102030405060708090a0b0c0d0e0f", "", "",
     "69c4e0d86a7b0430d8cdb78070b4c55a", FIPS_PT, ""},
    {"fips197-c2-aes192-encrypt", BLOCK_ENCRYPT,
     "000102030405060708090a0b0c0d0e0f1011121314151617", "", "", FIPS_PT,
     "dda97ca4864cdfe06eaf70a0ec0d7191", ""},
    {"fips197-c2-aes192-decrypt", BLOCK_DECRYPT,
     "000102030405060708090a0b0c0d0e0f1011121314151617", "", "",
     "dda97ca4864cdfe06eaf70a0ec0d7191", FIPS_PT, ""},
    {"fips197-c3-aes256-encrypt", BLOCK_ENCRYPT,
     "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", "", "", FIPS_PT,
     "8ea2b7ca516745bfeafc49904b496089", ""},
    {"fips197-c3-aes256-decrypt", BLOCK_DECRYPT,
     "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", "", "",
     "8ea2b7ca516745bfeafc49904b496089", FIPS_PT, ""},
    {"gcm-tc1-empty", GCM, ZERO16, ZERO12, "", "", "", "58e2fccefa7e3061367f1d57a4e7455a"},
    {"gcm-tc2-one-zero-block", GCM, ZERO16, ZERO12, "", ZERO16,
     "0388dace60b6a392f328c2b971b2fe78", "ab6e47d42cec13bdf53a67b21257bddf"},
    {"gcm-tc3-64-bytes", GCM, GCM_K3, GCM_IV3, "", GCM_P3_60 "1aafd255", GCM_C3_60 "473f5985",
     "4d5c2af327cd64a62cf35abd2ba6fab4"},
    {"gcm-tc4-60-bytes-aad", GCM, GCM_K3, GCM_IV3, "feedfacedeadbeeffeedfacedeadbeefabaddad2",
     GCM_P3_60, GCM_C3_60, "5bc94fbc3221a5db94fae95ae7121a47"},
    {"gcm-tc4-forged-tag-rejected", GCM_FORGED, GCM_K3, GCM_IV3,
     "feedfacedeadbeeffeedfacedeadbeefabaddad2", GCM_P3_60, GCM_C3_60,
     "5bc94fbc3221a5db94fae95ae7121a47"},
    {"gcm-lengths-0-80-vs-plain", GCM_VS_PLAIN, "", "", "", "", "", ""},
};
#define NCASES ((int)(sizeof cases / sizeof cases[0]))

/* Which implementation a case runs: direct calls, not function pointers
 * (engines and the verifier's interpreter run this code; it needs no tables). */
enum impl { NEON, PLAIN };

static void expand(enum impl im, struct aes_key *key, const uint8_t *kb, size_t n) {
    if (im == PLAIN)
        plain_aes_expand_key(key, kb, n);
    else
        aes_expand_key(key, kb, n);
}

static void crypt_block(enum impl im, int decrypt, const struct aes_key *key, const uint8_t *in,
                        uint8_t *out) {
    if (im == PLAIN)
        (decrypt ? plain_aes_decrypt_block(key, in, out) : plain_aes_encrypt_block(key, in, out));
    else
        (decrypt ? aes_decrypt_block(key, in, out) : aes_encrypt_block(key, in, out));
}

static void seal(enum impl im, const uint8_t *key, const uint8_t *iv, const uint8_t *aad,
                 size_t aad_len, const uint8_t *pt, size_t len, uint8_t *ct, uint8_t *tag) {
    if (im == PLAIN)
        plain_aesgcm_encrypt(key, iv, aad, aad_len, pt, len, ct, tag);
    else
        aesgcm_encrypt(key, iv, aad, aad_len, pt, len, ct, tag);
}

static int open_(enum impl im, const uint8_t *key, const uint8_t *iv, const uint8_t *aad,
                 size_t aad_len, const uint8_t *ct, size_t len, const uint8_t *tag, uint8_t *pt) {
    return im == PLAIN ? plain_aesgcm_decrypt(key, iv, aad, aad_len, ct, len, tag, pt)
                       : aesgcm_decrypt(key, iv, aad, aad_len, ct, len, tag, pt);
}

static int hex(char c) { return c <= '9' ? c - '0' : c - 'a' + 10; }

/* Decode hex into out (at most 64 bytes here); returns the byte count. */
static size_t unhex(const char *s, uint8_t *out) {
    size_t n = 0;
    for (; s[2 * n]; n++)
        out[n] = (uint8_t)(hex(s[2 * n]) << 4 | hex(s[2 * n + 1]));
    return n;
}

static int same(const uint8_t *a, const uint8_t *b, size_t n) {
    int ok = 1;
    for (size_t i = 0; i < n; i++)
        ok &= a[i] == b[i];
    return ok;
}

static int block_case(enum impl im, const struct kat_case *k) {
    struct aes_key key;
    uint8_t kb[32], in[16], want[16], got[16];
    expand(im, &key, kb, unhex(k->key, kb));
    unhex(k->in, in);
    unhex(k->out, want);
    crypt_block(im, k->kind != BLOCK_ENCRYPT, &key, in, got);
    return same(got, want, 16);
}

/* Seal and check ciphertext and tag, then open the expected ciphertext: a
 * genuine tag must verify and give the plaintext back; with one tag bit
 * flipped (GCM_FORGED) it must be rejected. */
static int gcm_case(enum impl im, const struct kat_case *k) {
    uint8_t key[16], iv[12], aad[64], pt[64], ct[64], tag[16], got[64], got_tag[16];
    size_t aad_len = unhex(k->aad, aad), len = unhex(k->in, pt);
    unhex(k->key, key);
    unhex(k->iv, iv);
    unhex(k->out, ct);
    unhex(k->tag, tag);
    seal(im, key, iv, aad, aad_len, pt, len, got, got_tag);
    int ok = same(got, ct, len) & same(got_tag, tag, 16);
    if (k->kind == GCM_FORGED) {
        tag[15] ^= 1;
        return ok & (open_(im, key, iv, aad, aad_len, ct, len, tag, got) == 0);
    }
    return ok & (open_(im, key, iv, aad, aad_len, ct, len, tag, got) == 1) & same(got, pt, len);
}

/* Every plaintext length 0..80 (each tail, one to five blocks) with AAD
 * lengths cycling through 0..20: the kernel must agree with the plain
 * reference, and each must open the other's output. */
static int differential(void) {
    static uint8_t msg[80 + 20], a[80], b[80], back[80];
    uint8_t key[16], iv[12], ta[16], tb[16];
    uint32_t x = 1;
    int ok = 1;
    for (size_t i = 0; i < sizeof msg; i++)
        msg[i] = (uint8_t)((x = x * 1103515245u + 12345u) >> 24);
    for (int i = 0; i < 16; i++)
        key[i] = (uint8_t)(i * 29 + 3);
    for (int i = 0; i < 12; i++)
        iv[i] = (uint8_t)(i * 71 + 5);
    for (size_t len = 0; len <= 80; len++) {
        size_t aad_len = len % 21;
        const uint8_t *aad = msg + 80, *pt = msg;
        aesgcm_encrypt(key, iv, aad, aad_len, pt, len, a, ta);
        plain_aesgcm_encrypt(key, iv, aad, aad_len, pt, len, b, tb);
        ok &= same(a, b, len) & same(ta, tb, 16);
        ok &= aesgcm_decrypt(key, iv, aad, aad_len, b, len, tb, back) & same(back, pt, len);
        ok &= plain_aesgcm_decrypt(key, iv, aad, aad_len, a, len, ta, back) & same(back, pt, len);
    }
    return ok;
}

int kat_case_count(void) { return NCASES; }

const char *kat_case_name(int i) { return i >= 0 && i < NCASES ? cases[i].name : "?"; }

int kat(void) {
    int failed = 0;
    for (int c = 0; c < NCASES; c++) {
        const struct kat_case *k = &cases[c];
        if (k->kind == GCM_VS_PLAIN) {
            failed |= !differential() * 3 << (2 * c); /* implicates both */
            continue;
        }
        for (int m = 0; m < 2; m++) {
            int ok = k->kind == BLOCK_ENCRYPT || k->kind == BLOCK_DECRYPT
                         ? block_case(m ? PLAIN : NEON, k)
                         : gcm_case(m ? PLAIN : NEON, k);
            failed |= !ok << (2 * c + m);
        }
    }
    return failed;
}

#ifndef __wasm__
#include <stdio.h>

int main(void) {
    int failed = kat();
    for (int c = 0; c < NCASES; c++)
        for (int m = 0; m < 2; m++)
            printf("%s %-5s %s\n", failed >> (2 * c + m) & 1 ? "FAIL" : "PASS",
                   m ? "plain" : "neon", cases[c].name);
    return failed != 0;
}
#endif
