/* FIPS 180-4 known answers (SHA-256 and SHA-224) for both implementations,
 * plus a differential check of every message length up to 256 bytes (all
 * padding cases).
 *
 * kat() returns a failure mask: bit 2*i is case i for the intrinsics kernel,
 * bit 2*i+1 the plain one; 0 means all passed. Wasm builds export kat,
 * kat_case_count and kat_case_name (no libc there to print with); the native
 * build's main prints PASS/FAIL lines. */
#include "sha256.h"

struct kat_case {
    const char *name;
    const char *pattern; /* the message is `pattern` repeated `repeat` times */
    uint32_t repeat;
    int size;           /* digest bytes: 32 for SHA-256, 28 for SHA-224 */
    const char *digest; /* hex; NULL for the differential check */
};

#define M448 "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"

/* The SHA-256 cases keep the SHA-1 program's names: the program is SHA-256. */
static const struct kat_case cases[] = {
    {"empty", "", 1, 32, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
    {"abc", "abc", 1, 32, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
    {"448-bit", M448, 1, 32, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
    {"million-a", "a", 1000000, 32,
     "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"},
    {"sha224-abc", "abc", 1, 28, "23097d223405d8228642a477bda255b32aadbce4bda0b3f7e36c9da7"},
    {"sha224-448-bit", M448, 1, 28, "75388b16512776cc5dba5da1fd890150b0c6455cb4f58b1952522525"},
    {"sha224-million-a", "a", 1000000, 28,
     "20794655980c91d8bbb4c1ea97618a4bf03f42581948b2ee4ee7ad67"},
    {"lengths-0-256-vs-plain", "", 0, 0, 0},
};
#define NCASES ((int)(sizeof cases / sizeof cases[0]))

struct impl {
    void (*blocks)(uint32_t *, const uint8_t *, size_t);
    void (*final)(uint32_t *, const uint8_t *, size_t, uint64_t, uint8_t *);
    void (*digest)(const uint8_t *, size_t, uint8_t *);
    void (*digest224)(const uint8_t *, size_t, uint8_t *);
};
static const struct impl impls[2] = {
    {sha256_blocks, sha256_final, sha256_digest, sha224_digest},
    {plain_sha256_blocks, plain_sha256_final, plain_sha256_digest, plain_sha224_digest},
};

static size_t length(const char *s) {
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

static int hex(char c) { return c <= '9' ? c - '0' : c - 'a' + 10; }

static int equal_hex(const uint8_t *got, const char *want, int size) {
    int ok = 1;
    for (int i = 0; i < size; i++)
        ok &= got[i] == (hex(want[2 * i]) << 4 | hex(want[2 * i + 1]));
    return ok;
}

/* Stream a repeated pattern one block at a time: no megabyte buffer. SHA-224
 * is SHA-256 from another initial value, truncated, so the SHA-256 final
 * serves both; only the first `size` bytes of out are the digest. */
static void digest_repeated(const struct impl *im, const char *pattern, uint32_t repeat,
                            int size, uint8_t out[32]) {
    uint32_t state256[8] = SHA256_INIT_STATE, state224[8] = SHA224_INIT_STATE;
    uint32_t *state = size == 28 ? state224 : state256;
    size_t plen = length(pattern), total = plen * repeat, pos = 0;
    uint8_t block[64];
    for (; total - pos >= 64; pos += 64) {
        for (int i = 0; i < 64; i++)
            block[i] = (uint8_t)pattern[(pos + i) % plen];
        im->blocks(state, block, 1);
    }
    for (size_t i = 0; i < total - pos; i++)
        block[i] = (uint8_t)pattern[(pos + i) % plen];
    im->final(state, block, total - pos, total, out);
}

static int same(const uint8_t *a, const uint8_t *b, int size) {
    int ok = 1;
    for (int i = 0; i < size; i++)
        ok &= a[i] == b[i];
    return ok;
}

/* SHA-224 only at the lengths around the padding boundaries: its blocks are
 * the same code, only the initial value and truncation differ. */
static int differential(void) {
    static uint8_t msg[256];
    static const uint16_t lengths224[] = {0, 1, 55, 56, 63, 64, 65, 119, 120, 128, 255, 256};
    uint8_t a[32], b[32];
    uint32_t x = 1;
    int ok = 1;
    for (int i = 0; i < 256; i++)
        msg[i] = (uint8_t)((x = x * 1103515245u + 12345u) >> 24);
    for (size_t len = 0; len <= 256; len++) {
        sha256_digest(msg, len, a);
        plain_sha256_digest(msg, len, b);
        ok &= same(a, b, 32);
    }
    for (size_t i = 0; i < sizeof lengths224 / sizeof lengths224[0]; i++) {
        sha224_digest(msg, lengths224[i], a);
        plain_sha224_digest(msg, lengths224[i], b);
        ok &= same(a, b, 28);
    }
    return ok;
}

int kat_case_count(void) { return NCASES; }

const char *kat_case_name(int i) { return i >= 0 && i < NCASES ? cases[i].name : "?"; }

int kat(void) {
    int failed = 0;
    for (int c = 0; c < NCASES; c++) {
        const struct kat_case *k = &cases[c];
        if (!k->digest) {
            failed |= !differential() * 3 << (2 * c); /* implicates both */
            continue;
        }
        for (int m = 0; m < 2; m++) {
            uint8_t out[32];
            size_t len = length(k->pattern);
            if (k->repeat != 1)
                digest_repeated(&impls[m], k->pattern, k->repeat, k->size, out);
            else if (k->size == 28)
                impls[m].digest224((const uint8_t *)k->pattern, len, out);
            else
                impls[m].digest((const uint8_t *)k->pattern, len, out);
            failed |= !equal_hex(out, k->digest, k->size) << (2 * c + m);
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
