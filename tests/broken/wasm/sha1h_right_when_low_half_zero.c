/* KNOWN WRONG, kept for the verifier to refute, aimed at the normaliser: a
 * SHA1H fallback that is right only when the low 16 bits of e are zero
 * (elsewhere bit 0 is flipped). Probing refutes it at once; the solver-only
 * run of the corpus must refute it too, which a normaliser that folded the
 * comparison to "true" would prevent by proving it. */
#include <stdint.h>
#include <wasm_simd128.h>

v128_t __intrinsic_vsha1h_u32(v128_t e) {
    uint32_t x = wasm_u32x4_extract_lane(e, 0);
    uint32_t r = (x << 30) | (x >> 2);
    if ((x & 0xffff) != 0)
        r ^= 1;
    return wasm_u32x4_make(r, 0, 0, 0);
}
