/* FIPS 180-4 known answers for both implementations, plus a differential
 * check of every message length up to 256 bytes (all padding cases).
 *
 * kat() returns a failure mask: bit 2*i is case i for the intrinsics kernel,
 * bit 2*i+1 the plain one; 0 means all passed. Wasm builds export kat,
 * kat_case_count and kat_case_name (no libc there to print with); the native
 * build's main prints PASS/FAIL lines. */
#include "sha1.h"

struct kat_case {
    const char *name;
    const char *pattern; /* the message is `pattern` repeated `repeat` times */
    uint32_t repeat;
    const char *digest; /* hex; NULL for the differential check */
};

static const struct kat_case cases[] = {
    {"empty", "", 1, "da39a3ee5e6b4b0d3255bfef95601890afd80709"},
    {"abc", "abc", 1, "a9993e364706816aba3e25717850c26c9cd0d89d"},
    {"448-bit", "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 1,
     "84983e441c3bd26ebaae4aa1f95129e5e54670f1"},
    {"million-a", "a", 1000000, "34aa973cd4c4daa4f61eeb2bdbad27316534016f"},
    {"lengths-0-256-vs-plain", "", 0, 0},
};
#define NCASES ((int)(sizeof cases / sizeof cases[0]))

struct impl {
    void (*blocks)(uint32_t *, const uint8_t *, size_t);
    void (*final)(uint32_t *, const uint8_t *, size_t, uint64_t, uint8_t *);
    void (*digest)(const uint8_t *, size_t, uint8_t *);
};
static const struct impl impls[2] = {
    {sha1_blocks, sha1_final, sha1_digest},
    {plain_sha1_blocks, plain_sha1_final, plain_sha1_digest},
};

static size_t length(const char *s) {
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

static int hex(char c) { return c <= '9' ? c - '0' : c - 'a' + 10; }

static int equal_hex(const uint8_t got[20], const char *want) {
    int ok = 1;
    for (int i = 0; i < 20; i++)
        ok &= got[i] == (hex(want[2 * i]) << 4 | hex(want[2 * i + 1]));
    return ok;
}

/* Stream a repeated pattern one block at a time: no megabyte buffer. */
static void digest_repeated(const struct impl *im, const char *pattern, uint32_t repeat,
                            uint8_t out[20]) {
    uint32_t state[5] = SHA1_INIT_STATE;
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

static int differential(void) {
    static uint8_t msg[256];
    uint8_t a[20], b[20];
    uint32_t x = 1;
    for (int i = 0; i < 256; i++)
        msg[i] = (uint8_t)((x = x * 1103515245u + 12345u) >> 24);
    for (size_t len = 0; len <= 256; len++) {
        sha1_digest(msg, len, a);
        plain_sha1_digest(msg, len, b);
        for (int i = 0; i < 20; i++)
            if (a[i] != b[i])
                return 0;
    }
    return 1;
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
            uint8_t out[20];
            if (k->repeat == 1)
                impls[m].digest((const uint8_t *)k->pattern, length(k->pattern), out);
            else
                digest_repeated(&impls[m], k->pattern, k->repeat, out);
            failed |= !equal_hex(out, k->digest) << (2 * c + m);
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
