/* Pure Wasm SIMD definitions of the engine intrinsics, with exactly the
 * AArch64 instruction semantics on the whole v128 (lanes the instruction
 * zeroes are zeroed here too). Linking this file turns the imports of
 * wasm_arm_neon.h into ordinary calls, so the link line alone picks between
 * engine intrinsics and fallbacks.
 *
 * Deliberately does not include wasm_arm_neon.h: its declarations carry
 * import attributes, and these are plain definitions of the same symbols. */
#include <stdint.h>
#include <wasm_simd128.h>

static uint32_t rol(uint32_t x, int n) { return (x << n) | (x >> (32 - n)); }

static v128_t rol_lanes(v128_t x, int n) {
    return wasm_v128_or(wasm_i32x4_shl(x, n), wasm_u32x4_shr(x, 32 - n));
}

enum sha1_function { CHOOSE, PARITY, MAJORITY };

/* SHA1C/P/M: four rounds on abcd (lanes 0..3 = a, b, c, d) with e taken from
 * lane 0 of the second operand and W+K from the four lanes of wk. */
static v128_t four_rounds(v128_t abcd, v128_t e_vec, v128_t wk, enum sha1_function fn) {
    uint32_t a = wasm_u32x4_extract_lane(abcd, 0), b = wasm_u32x4_extract_lane(abcd, 1);
    uint32_t c = wasm_u32x4_extract_lane(abcd, 2), d = wasm_u32x4_extract_lane(abcd, 3);
    uint32_t e = wasm_u32x4_extract_lane(e_vec, 0);
    uint32_t w[4] = {wasm_u32x4_extract_lane(wk, 0), wasm_u32x4_extract_lane(wk, 1),
                     wasm_u32x4_extract_lane(wk, 2), wasm_u32x4_extract_lane(wk, 3)};
    for (int i = 0; i < 4; i++) {
        uint32_t f = fn == CHOOSE   ? (b & c) | (~b & d)
                     : fn == PARITY ? b ^ c ^ d
                                    : (b & c) | (b & d) | (c & d);
        uint32_t t = rol(a, 5) + f + e + w[i];
        e = d, d = c, c = rol(b, 30), b = a, a = t;
    }
    return wasm_u32x4_make(a, b, c, d);
}

v128_t __intrinsic_vsha1cq_u32(v128_t abcd, v128_t e, v128_t wk) {
    return four_rounds(abcd, e, wk, CHOOSE);
}

v128_t __intrinsic_vsha1pq_u32(v128_t abcd, v128_t e, v128_t wk) {
    return four_rounds(abcd, e, wk, PARITY);
}

v128_t __intrinsic_vsha1mq_u32(v128_t abcd, v128_t e, v128_t wk) {
    return four_rounds(abcd, e, wk, MAJORITY);
}

#ifndef SHA1_FALLBACK_OMIT_SHA1H /* the broken corpus links its own */
/* SHA1H writes an S register: lanes 1-3 of the result are zero. */
v128_t __intrinsic_vsha1h_u32(v128_t e) {
    return wasm_u32x4_make(rol(wasm_u32x4_extract_lane(e, 0), 30), 0, 0, 0);
}
#endif

/* SHA1SU0: d ^ m ^ (d2, d3, n0, n1). */
v128_t __intrinsic_vsha1su0q_u32(v128_t d, v128_t n, v128_t m) {
    return wasm_v128_xor(wasm_v128_xor(d, m), wasm_i32x4_shuffle(d, n, 2, 3, 4, 5));
}

/* SHA1SU1: t = d ^ (n1, n2, n3, 0); rol(t, 1), and lane 3 also takes
 * rol(t0, 2), the W[t-3] term of the word computed in lane 0. */
v128_t __intrinsic_vsha1su1q_u32(v128_t d, v128_t n) {
    v128_t zero = wasm_i32x4_const(0, 0, 0, 0);
    v128_t t = wasm_v128_xor(d, wasm_i32x4_shuffle(n, zero, 1, 2, 3, 4));
    v128_t t0_in_lane3 = wasm_i32x4_shuffle(t, zero, 4, 4, 4, 0);
    return wasm_v128_xor(rol_lanes(t, 1), rol_lanes(t0_in_lane3, 2));
}
