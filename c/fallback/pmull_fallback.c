/* Pure Wasm definitions of the PMULL engine intrinsics: the 64 x 64 -> 128-bit
 * carry-less product of lane 0 (PMULL) or lane 1 (PMULL2) of each operand,
 * the whole v128 result (lane 0 = low 64 bits).
 *
 * Constant time: a fixed 64-iteration loop adds a shifted copy of a under a
 * mask made from bit i of b, never a branch on it.
 *
 * Deliberately does not include wasm_arm_neon.h: its declarations carry
 * import attributes, and these are plain definitions of the same symbols. */
#include <stdint.h>
#include <wasm_simd128.h>

static v128_t clmul64(uint64_t a, uint64_t b) {
    uint64_t lo = 0, hi = 0;
    for (int i = 0; i < 64; i++) {
        uint64_t mask = 0 - ((b >> i) & 1);
        lo ^= (a << i) & mask;
        /* a >> (64 - i) without the undefined shift by 64 when i = 0 */
        hi ^= ((a >> 1) >> (63 - i)) & mask;
    }
    return wasm_u64x2_make(lo, hi);
}

v128_t __intrinsic_vmull_p64(v128_t a, v128_t b) {
    return clmul64(wasm_u64x2_extract_lane(a, 0), wasm_u64x2_extract_lane(b, 0));
}

v128_t __intrinsic_vmull_high_p64(v128_t a, v128_t b) {
    return clmul64(wasm_u64x2_extract_lane(a, 1), wasm_u64x2_extract_lane(b, 1));
}
