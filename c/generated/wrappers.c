/* One exported wrapper per C intrinsic (and per value-only helper), so a
 * verifier can check each one exactly as compiled: the boundary conversions
 * of wasm_arm_neon.h included. Built with engine imports and with fallbacks.
 *
 * GENERATED from spec/ by `cargo run -p cgen`. DO NOT EDIT. */
#include <arm_neon.h>

#define EXPORT(name) __attribute__((export_name(#name)))

EXPORT(wrap_vaeseq_u8)
uint8x16_t wrap_vaeseq_u8(uint8x16_t data, uint8x16_t key) { return vaeseq_u8(data, key); }

EXPORT(wrap_vaesdq_u8)
uint8x16_t wrap_vaesdq_u8(uint8x16_t data, uint8x16_t key) { return vaesdq_u8(data, key); }

EXPORT(wrap_vaesmcq_u8)
uint8x16_t wrap_vaesmcq_u8(uint8x16_t data) { return vaesmcq_u8(data); }

EXPORT(wrap_vaesimcq_u8)
uint8x16_t wrap_vaesimcq_u8(uint8x16_t data) { return vaesimcq_u8(data); }

EXPORT(wrap_vmull_p64)
poly128_t wrap_vmull_p64(poly64_t a, poly64_t b) { return vmull_p64(a, b); }

EXPORT(wrap_vmull_high_p64)
poly128_t wrap_vmull_high_p64(poly64x2_t a, poly64x2_t b) { return vmull_high_p64(a, b); }

EXPORT(wrap_vsha1cq_u32)
uint32x4_t wrap_vsha1cq_u32(uint32x4_t hash_abcd, uint32_t hash_e, uint32x4_t wk) { return vsha1cq_u32(hash_abcd, hash_e, wk); }

EXPORT(wrap_vsha1pq_u32)
uint32x4_t wrap_vsha1pq_u32(uint32x4_t hash_abcd, uint32_t hash_e, uint32x4_t wk) { return vsha1pq_u32(hash_abcd, hash_e, wk); }

EXPORT(wrap_vsha1mq_u32)
uint32x4_t wrap_vsha1mq_u32(uint32x4_t hash_abcd, uint32_t hash_e, uint32x4_t wk) { return vsha1mq_u32(hash_abcd, hash_e, wk); }

EXPORT(wrap_vsha1h_u32)
uint32_t wrap_vsha1h_u32(uint32_t hash_e) { return vsha1h_u32(hash_e); }

EXPORT(wrap_vsha1su0q_u32)
uint32x4_t wrap_vsha1su0q_u32(uint32x4_t w0_3, uint32x4_t w4_7, uint32x4_t w8_11) { return vsha1su0q_u32(w0_3, w4_7, w8_11); }

EXPORT(wrap_vsha1su1q_u32)
uint32x4_t wrap_vsha1su1q_u32(uint32x4_t tw0_3, uint32x4_t w12_15) { return vsha1su1q_u32(tw0_3, w12_15); }

EXPORT(wrap_vsha256hq_u32)
uint32x4_t wrap_vsha256hq_u32(uint32x4_t hash_abcd, uint32x4_t hash_efgh, uint32x4_t wk) { return vsha256hq_u32(hash_abcd, hash_efgh, wk); }

EXPORT(wrap_vsha256h2q_u32)
uint32x4_t wrap_vsha256h2q_u32(uint32x4_t hash_efgh, uint32x4_t hash_abcd, uint32x4_t wk) { return vsha256h2q_u32(hash_efgh, hash_abcd, wk); }

EXPORT(wrap_vsha256su0q_u32)
uint32x4_t wrap_vsha256su0q_u32(uint32x4_t w0_3, uint32x4_t w4_7) { return vsha256su0q_u32(w0_3, w4_7); }

EXPORT(wrap_vsha256su1q_u32)
uint32x4_t wrap_vsha256su1q_u32(uint32x4_t tw0_3, uint32x4_t w8_11, uint32x4_t w12_15) { return vsha256su1q_u32(tw0_3, w8_11, w12_15); }

EXPORT(wrap_vaddq_u32)
uint32x4_t wrap_vaddq_u32(uint32x4_t a, uint32x4_t b) { return vaddq_u32(a, b); }

EXPORT(wrap_vdupq_n_u32)
uint32x4_t wrap_vdupq_n_u32(uint32_t value) { return vdupq_n_u32(value); }

EXPORT(wrap_vgetq_lane_u32)
uint32_t wrap_vgetq_lane_u32(uint32x4_t v) { return vgetq_lane_u32(v, 0); }

EXPORT(wrap_vrev32q_u8)
uint8x16_t wrap_vrev32q_u8(uint8x16_t vec) { return vrev32q_u8(vec); }

EXPORT(wrap_vreinterpretq_u32_u8)
uint32x4_t wrap_vreinterpretq_u32_u8(uint8x16_t a) { return vreinterpretq_u32_u8(a); }

EXPORT(wrap_vreinterpretq_u8_u32)
uint8x16_t wrap_vreinterpretq_u8_u32(uint32x4_t a) { return vreinterpretq_u8_u32(a); }

EXPORT(wrap_veorq_u8)
uint8x16_t wrap_veorq_u8(uint8x16_t a, uint8x16_t b) { return veorq_u8(a, b); }

EXPORT(wrap_veorq_u64)
uint64x2_t wrap_veorq_u64(uint64x2_t a, uint64x2_t b) { return veorq_u64(a, b); }

EXPORT(wrap_vorrq_u64)
uint64x2_t wrap_vorrq_u64(uint64x2_t a, uint64x2_t b) { return vorrq_u64(a, b); }

EXPORT(wrap_vandq_u8)
uint8x16_t wrap_vandq_u8(uint8x16_t a, uint8x16_t b) { return vandq_u8(a, b); }

EXPORT(wrap_vgetq_lane_u64)
uint64_t wrap_vgetq_lane_u64(uint64x2_t v) { return vgetq_lane_u64(v, 0); }

EXPORT(wrap_vdupq_n_u8)
uint8x16_t wrap_vdupq_n_u8(uint8_t value) { return vdupq_n_u8(value); }

EXPORT(wrap_vdupq_n_u64)
uint64x2_t wrap_vdupq_n_u64(uint64_t value) { return vdupq_n_u64(value); }

EXPORT(wrap_vshlq_n_u64)
uint64x2_t wrap_vshlq_n_u64(uint64x2_t a) { return vshlq_n_u64(a, 0); }

EXPORT(wrap_vshrq_n_u64)
uint64x2_t wrap_vshrq_n_u64(uint64x2_t a) { return vshrq_n_u64(a, 0); }

EXPORT(wrap_vextq_u8)
uint8x16_t wrap_vextq_u8(uint8x16_t a, uint8x16_t b) { return vextq_u8(a, b, 0); }

EXPORT(wrap_vrev64q_u8)
uint8x16_t wrap_vrev64q_u8(uint8x16_t vec) { return vrev64q_u8(vec); }

EXPORT(wrap_vreinterpretq_u64_u8)
uint64x2_t wrap_vreinterpretq_u64_u8(uint8x16_t a) { return vreinterpretq_u64_u8(a); }

EXPORT(wrap_vreinterpretq_u8_u64)
uint8x16_t wrap_vreinterpretq_u8_u64(uint64x2_t a) { return vreinterpretq_u8_u64(a); }

EXPORT(wrap_vreinterpretq_p64_u8)
poly64x2_t wrap_vreinterpretq_p64_u8(uint8x16_t a) { return vreinterpretq_p64_u8(a); }

EXPORT(wrap_vreinterpretq_p64_u64)
poly64x2_t wrap_vreinterpretq_p64_u64(uint64x2_t a) { return vreinterpretq_p64_u64(a); }

EXPORT(wrap_vreinterpretq_u8_p128)
uint8x16_t wrap_vreinterpretq_u8_p128(poly128_t a) { return vreinterpretq_u8_p128(a); }

EXPORT(wrap_vreinterpretq_u64_p128)
uint64x2_t wrap_vreinterpretq_u64_p128(poly128_t a) { return vreinterpretq_u64_p128(a); }

