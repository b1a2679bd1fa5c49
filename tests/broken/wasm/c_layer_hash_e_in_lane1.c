/* KNOWN WRONG, kept for the verifier to refute: a C layer that passes
 * vsha1cq_u32's hash_e in lane 1 of the v128 (lane 0 zero), where SHA1C reads
 * only lane 0 of that operand. Compiled like the generated header's wrappers. */
#include <stdint.h>
#include <wasm_simd128.h>

v128_t __intrinsic_vsha1cq_u32(v128_t hash_abcd, v128_t hash_e, v128_t wk)
    __attribute__((import_module("wasm_arm_neon"), import_name("__intrinsic_vsha1cq_u32"), const));

__attribute__((export_name("wrap_vsha1cq_u32")))
v128_t wrap_vsha1cq_u32(v128_t hash_abcd, uint32_t hash_e, v128_t wk) {
    return __intrinsic_vsha1cq_u32(hash_abcd, wasm_u32x4_make(0, hash_e, 0, 0), wk);
}
