/* Portable SHA-1 (FIPS 180-4), the reference the intrinsics kernel is
 * checked against and the "plain C" throughput baseline. */
#include "sha1.h"

static uint32_t rol(uint32_t x, int n) { return (x << n) | (x >> (32 - n)); }

void plain_sha1_blocks(uint32_t state[5], const uint8_t *data, size_t nblocks) {
    for (; nblocks; nblocks--, data += 64) {
        uint32_t w[16]; /* the schedule, kept as a 16-word ring */
        uint32_t a = state[0], b = state[1], c = state[2], d = state[3], e = state[4];
        for (int i = 0; i < 16; i++)
            w[i] = (uint32_t)data[4 * i] << 24 | (uint32_t)data[4 * i + 1] << 16 |
                   (uint32_t)data[4 * i + 2] << 8 | data[4 * i + 3];
        for (int t = 0; t < 80; t++) {
            uint32_t f, k;
            if (t >= 16)
                w[t & 15] = rol(w[(t - 3) & 15] ^ w[(t - 8) & 15] ^ w[(t - 14) & 15] ^ w[t & 15], 1);
            if (t < 20)
                f = (b & c) | (~b & d), k = 0x5A827999u;
            else if (t < 40)
                f = b ^ c ^ d, k = 0x6ED9EBA1u;
            else if (t < 60)
                f = (b & c) | (b & d) | (c & d), k = 0x8F1BBCDCu;
            else
                f = b ^ c ^ d, k = 0xCA62C1D6u;
            uint32_t tmp = rol(a, 5) + f + e + k + w[t & 15];
            e = d, d = c, c = rol(b, 30), b = a, a = tmp;
        }
        state[0] += a, state[1] += b, state[2] += c, state[3] += d, state[4] += e;
    }
}

void plain_sha1_final(uint32_t state[5], const uint8_t *tail, size_t tail_len,
                      uint64_t total_len, uint8_t out[20]) {
    sha1_pad_and_finish(plain_sha1_blocks, state, tail, tail_len, total_len, out);
}

void plain_sha1_digest(const uint8_t *data, size_t len, uint8_t out[20]) {
    uint32_t state[5] = SHA1_INIT_STATE;
    plain_sha1_blocks(state, data, len / 64);
    plain_sha1_final(state, data + (len & ~(size_t)63), len % 64, len, out);
}
