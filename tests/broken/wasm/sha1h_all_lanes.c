/* KNOWN WRONG, kept for the verifier to refute: the original proof of
 * concept's SHA1H fallback. It returns rol(e, 30) in all four lanes, but
 * SHA1H writes an S register, so lanes 1-3 must be zero. Through the C API
 * (lane 0 only) it is indistinguishable; at the engine-intrinsic layer it is
 * not. Link it in place of the one in c/fallback/sha1_fallback.c. */
#include <stdint.h>
#include <wasm_simd128.h>

v128_t __intrinsic_vsha1h_u32(v128_t e) {
    uint32_t x = wasm_u32x4_extract_lane(e, 0);
    return wasm_u32x4_splat((x << 30) | (x >> 2));
}
