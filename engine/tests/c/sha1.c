/* Plain-C SHA-1 for the clang -> Wasm test (freestanding, no libc). Built with
 * clang --target=wasm32 -msimd128 -mbulk-memory -O3 -nostdlib. */
#include <stdint.h>

typedef struct {
    uint32_t h[5];
    uint64_t len;
    uint8_t buf[64];
    uint32_t used;
} Sha1;

static uint32_t rol(uint32_t x, int n) { return (x << n) | (x >> (32 - n)); }

static void block(uint32_t h[5], const uint8_t *p) {
    uint32_t w[80];
    for (int t = 0; t < 16; t++)
        w[t] = (uint32_t)p[4 * t] << 24 | (uint32_t)p[4 * t + 1] << 16 |
               (uint32_t)p[4 * t + 2] << 8 | p[4 * t + 3];
    for (int t = 16; t < 80; t++) w[t] = rol(w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16], 1);
    uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
    for (int t = 0; t < 80; t++) {
        uint32_t f, k;
        if (t < 20) { f = (b & c) | (~b & d); k = 0x5a827999; }
        else if (t < 40) { f = b ^ c ^ d; k = 0x6ed9eba1; }
        else if (t < 60) { f = (b & c) | (b & d) | (c & d); k = 0x8f1bbcdc; }
        else { f = b ^ c ^ d; k = 0xca62c1d6; }
        uint32_t tmp = rol(a, 5) + f + e + k + w[t];
        e = d; d = c; c = rol(b, 30); b = a; a = tmp;
    }
    h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e;
}

static void init(Sha1 *s) {
    s->h[0] = 0x67452301; s->h[1] = 0xefcdab89; s->h[2] = 0x98badcfe;
    s->h[3] = 0x10325476; s->h[4] = 0xc3d2e1f0;
    s->len = 0; s->used = 0;
}

static void update(Sha1 *s, const uint8_t *p, uint32_t n) {
    s->len += n;
    while (n) {
        if (s->used == 0 && n >= 64) { block(s->h, p); p += 64; n -= 64; continue; }
        uint32_t take = 64 - s->used < n ? 64 - s->used : n;
        __builtin_memcpy(s->buf + s->used, p, take);
        s->used += take; p += take; n -= take;
        if (s->used == 64) { block(s->h, s->buf); s->used = 0; }
    }
}

static void final(Sha1 *s, uint8_t out[20]) {
    uint64_t bits = s->len * 8;
    uint8_t pad = 0x80;
    update(s, &pad, 1);
    pad = 0;
    while (s->used != 56) update(s, &pad, 1);
    uint8_t l[8];
    for (int i = 0; i < 8; i++) l[i] = (uint8_t)(bits >> (56 - 8 * i));
    update(s, l, 8);
    for (int i = 0; i < 20; i++) out[i] = (uint8_t)(s->h[i / 4] >> (24 - 8 * (i % 4)));
}

static uint8_t input[4096];
static uint8_t digest[20];

uint8_t *input_ptr(void) { return input; }
uint8_t *digest_ptr(void) { return digest; }

void hash_input(uint32_t len) {
    Sha1 s;
    init(&s);
    update(&s, input, len);
    final(&s, digest);
}

/* SHA-1 of n bytes of 'a', fed in chunks (exercises memory.fill and many blocks). */
void hash_repeat_a(uint32_t n) {
    Sha1 s;
    init(&s);
    __builtin_memset(input, 'a', sizeof input);
    while (n) {
        uint32_t take = n < sizeof input ? n : sizeof input;
        update(&s, input, take);
        n -= take;
    }
    final(&s, digest);
}
