/* Pure Wasm SIMD definitions of the SHA-256 engine intrinsics, with exactly
 * the AArch64 instruction semantics on the whole v128 (lane 0 = a or e, and
 * W+K of round i in lane i of wk). Linked in the same way as
 * sha1_fallback.c (the availability query is in availability.c).
 *
 * Constant time: fixed loops and lane indices, no data-dependent branches
 * or memory addresses.
 *
 * Deliberately does not include wasm_arm_neon.h: its declarations carry
 * import attributes, and these are plain definitions of the same symbols. */
#include <stdint.h>
#include <wasm_simd128.h>

static uint32_t ror(uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }

static v128_t ror_lanes(v128_t x, int n) {
    return wasm_v128_or(wasm_u32x4_shr(x, n), wasm_i32x4_shl(x, 32 - n));
}

/* FIPS 180-4 4.1.2 (sigma0 is vectorised in SHA256SU0 below). */
static uint32_t big_sigma0(uint32_t x) { return ror(x, 2) ^ ror(x, 13) ^ ror(x, 22); }
static uint32_t big_sigma1(uint32_t x) { return ror(x, 6) ^ ror(x, 11) ^ ror(x, 25); }
static uint32_t small_sigma1(uint32_t x) { return ror(x, 17) ^ ror(x, 19) ^ (x >> 10); }

/* SHA256H and SHA256H2 run the same four rounds on the eight words; H keeps
 * the new abcd, H2 the new efgh. */
enum sha256_half { ABCD, EFGH };

static v128_t four_rounds(v128_t abcd, v128_t efgh, v128_t wk, enum sha256_half half) {
    uint32_t a = wasm_u32x4_extract_lane(abcd, 0), b = wasm_u32x4_extract_lane(abcd, 1);
    uint32_t c = wasm_u32x4_extract_lane(abcd, 2), d = wasm_u32x4_extract_lane(abcd, 3);
    uint32_t e = wasm_u32x4_extract_lane(efgh, 0), f = wasm_u32x4_extract_lane(efgh, 1);
    uint32_t g = wasm_u32x4_extract_lane(efgh, 2), h = wasm_u32x4_extract_lane(efgh, 3);
    uint32_t w[4] = {wasm_u32x4_extract_lane(wk, 0), wasm_u32x4_extract_lane(wk, 1),
                     wasm_u32x4_extract_lane(wk, 2), wasm_u32x4_extract_lane(wk, 3)};
    for (int i = 0; i < 4; i++) {
        uint32_t t1 = h + big_sigma1(e) + ((e & f) ^ (~e & g)) + w[i];
        uint32_t t2 = big_sigma0(a) + ((a & b) ^ (a & c) ^ (b & c));
        h = g, g = f, f = e, e = d + t1, d = c, c = b, b = a, a = t1 + t2;
    }
    return half == ABCD ? wasm_u32x4_make(a, b, c, d) : wasm_u32x4_make(e, f, g, h);
}

v128_t __intrinsic_vsha256hq_u32(v128_t hash_abcd, v128_t hash_efgh, v128_t wk) {
    return four_rounds(hash_abcd, hash_efgh, wk, ABCD);
}

/* The operands come in the other order: efgh is the destination register. */
v128_t __intrinsic_vsha256h2q_u32(v128_t hash_efgh, v128_t hash_abcd, v128_t wk) {
    return four_rounds(hash_abcd, hash_efgh, wk, EFGH);
}

/* SHA256SU0: d + sigma0(d1, d2, d3, n0), the W[t-16] + sigma0(W[t-15]) part
 * of four schedule words. */
v128_t __intrinsic_vsha256su0q_u32(v128_t w0_3, v128_t w4_7) {
    v128_t t = wasm_i32x4_shuffle(w0_3, w4_7, 1, 2, 3, 4);
    v128_t sigma0 = wasm_v128_xor(wasm_v128_xor(ror_lanes(t, 7), ror_lanes(t, 18)),
                                  wasm_u32x4_shr(t, 3));
    return wasm_i32x4_add(w0_3, sigma0);
}

/* SHA256SU1: adds W[t-7] (n1, n2, n3, m0) and sigma1(W[t-2]). Lanes 0-1 take
 * W[t-2] from m2, m3; lanes 2-3 from the words lanes 0-1 just computed. */
v128_t __intrinsic_vsha256su1q_u32(v128_t tw0_3, v128_t w8_11, v128_t w12_15) {
    uint32_t r0 = wasm_u32x4_extract_lane(tw0_3, 0) + wasm_u32x4_extract_lane(w8_11, 1) +
                  small_sigma1(wasm_u32x4_extract_lane(w12_15, 2));
    uint32_t r1 = wasm_u32x4_extract_lane(tw0_3, 1) + wasm_u32x4_extract_lane(w8_11, 2) +
                  small_sigma1(wasm_u32x4_extract_lane(w12_15, 3));
    uint32_t r2 = wasm_u32x4_extract_lane(tw0_3, 2) + wasm_u32x4_extract_lane(w8_11, 3) +
                  small_sigma1(r0);
    uint32_t r3 = wasm_u32x4_extract_lane(tw0_3, 3) + wasm_u32x4_extract_lane(w12_15, 0) +
                  small_sigma1(r1);
    return wasm_u32x4_make(r0, r1, r2, r3);
}
