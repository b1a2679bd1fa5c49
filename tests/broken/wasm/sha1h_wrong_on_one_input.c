/* KNOWN WRONG, kept for the verifier to refute: a SHA1H fallback that is
 * wrong on one input of 2^32 (e = 0x9e3779b9 gets bit 0 flipped). A sparse
 * bug: random probing will not meet it, the solver must. Still constant time:
 * the comparison selects a value, it decides no branch or address. */
#include <stdint.h>
#include <wasm_simd128.h>

v128_t __intrinsic_vsha1h_u32(v128_t e) {
    uint32_t x = wasm_u32x4_extract_lane(e, 0);
    uint32_t r = (x << 30) | (x >> 2);
    r ^= (uint32_t)(x == 0x9e3779b9u);
    return wasm_u32x4_make(r, 0, 0, 0);
}
