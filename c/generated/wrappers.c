/* One exported wrapper per C intrinsic (and per value-only helper), so a
 * verifier can check each one exactly as compiled: the boundary conversions
 * of wasm_arm_neon.h included. Built with engine imports and with fallbacks.
 *
 * GENERATED from spec/ by `cargo run -p cgen`. DO NOT EDIT. */
#include <arm_neon.h>

#define EXPORT(name) __attribute__((export_name(#name)))

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

