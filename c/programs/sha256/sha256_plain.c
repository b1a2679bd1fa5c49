/* Portable SHA-256 and SHA-224 (FIPS 180-4), the reference the intrinsics
 * kernel is checked against and the "plain C" throughput baseline. */
#include "sha256.h"

static const uint32_t K[64] = SHA256_ROUND_CONSTANTS;

static uint32_t ror(uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }

/* FIPS 180-4 4.1.2 */
static uint32_t big_sigma0(uint32_t x) { return ror(x, 2) ^ ror(x, 13) ^ ror(x, 22); }
static uint32_t big_sigma1(uint32_t x) { return ror(x, 6) ^ ror(x, 11) ^ ror(x, 25); }
static uint32_t small_sigma0(uint32_t x) { return ror(x, 7) ^ ror(x, 18) ^ (x >> 3); }
static uint32_t small_sigma1(uint32_t x) { return ror(x, 17) ^ ror(x, 19) ^ (x >> 10); }

void plain_sha256_blocks(uint32_t state[8], const uint8_t *data, size_t nblocks) {
    for (; nblocks; nblocks--, data += 64) {
        uint32_t w[16]; /* the schedule, kept as a 16-word ring */
        uint32_t a = state[0], b = state[1], c = state[2], d = state[3];
        uint32_t e = state[4], f = state[5], g = state[6], h = state[7];
        for (int i = 0; i < 16; i++)
            w[i] = (uint32_t)data[4 * i] << 24 | (uint32_t)data[4 * i + 1] << 16 |
                   (uint32_t)data[4 * i + 2] << 8 | data[4 * i + 3];
        for (int t = 0; t < 64; t++) {
            if (t >= 16)
                w[t & 15] += small_sigma1(w[(t - 2) & 15]) + w[(t - 7) & 15] +
                             small_sigma0(w[(t - 15) & 15]); /* w[t & 15] was W[t-16] */
            uint32_t t1 = h + big_sigma1(e) + ((e & f) ^ (~e & g)) + K[t] + w[t & 15];
            uint32_t t2 = big_sigma0(a) + ((a & b) ^ (a & c) ^ (b & c));
            h = g, g = f, f = e, e = d + t1, d = c, c = b, b = a, a = t1 + t2;
        }
        state[0] += a, state[1] += b, state[2] += c, state[3] += d;
        state[4] += e, state[5] += f, state[6] += g, state[7] += h;
    }
}

void plain_sha256_final(uint32_t state[8], const uint8_t *tail, size_t tail_len,
                        uint64_t total_len, uint8_t out[32]) {
    sha256_pad_and_finish(plain_sha256_blocks, state, tail, tail_len, total_len, out, 32);
}

void plain_sha256_digest(const uint8_t *data, size_t len, uint8_t out[32]) {
    uint32_t state[8] = SHA256_INIT_STATE;
    plain_sha256_blocks(state, data, len / 64);
    plain_sha256_final(state, data + (len & ~(size_t)63), len % 64, len, out);
}

void plain_sha224_digest(const uint8_t *data, size_t len, uint8_t out[28]) {
    uint32_t state[8] = SHA224_INIT_STATE;
    plain_sha256_blocks(state, data, len / 64);
    sha256_pad_and_finish(plain_sha256_blocks, state, data + (len & ~(size_t)63), len % 64,
                          len, out, 28);
}
