/* KNOWN WRONG, kept for the verifier to refute: PMULL and PMULL2 whose
 * carry-less product loop stops one bit early, so bit 63 of the second
 * operand never contributes (a 63-bit product). Still constant time. */
#include <stdint.h>
#include <wasm_simd128.h>

static v128_t clmul63(uint64_t a, uint64_t b) {
    uint64_t lo = 0, hi = 0;
    for (int i = 0; i < 63; i++) {
        uint64_t mask = 0 - ((b >> i) & 1);
        lo ^= (a << i) & mask;
        hi ^= ((a >> 1) >> (63 - i)) & mask;
    }
    return wasm_u64x2_make(lo, hi);
}

v128_t __intrinsic_vmull_p64(v128_t a, v128_t b) {
    return clmul63(wasm_u64x2_extract_lane(a, 0), wasm_u64x2_extract_lane(b, 0));
}

v128_t __intrinsic_vmull_high_p64(v128_t a, v128_t b) {
    return clmul63(wasm_u64x2_extract_lane(a, 1), wasm_u64x2_extract_lane(b, 1));
}
