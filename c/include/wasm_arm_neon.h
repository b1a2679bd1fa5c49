/* wasm_arm_neon.h: ACLE intrinsics (aes, pmull, sha1, sha256) for wasm32 with -msimd128.
 *
 * GENERATED from spec/intrinsics/aes.toml, spec/intrinsics/pmull.toml, spec/intrinsics/sha1.toml, spec/intrinsics/sha256.toml, spec/helpers.toml by `cargo run -p cgen`.
 * DO NOT EDIT: change the spec and regenerate; `cargo run -p cgen -- --check`
 * (and the cgen tests) fail when this file is stale.
 *
 * A drop-in for <arm_neon.h>: C written against the ACLE compiles unchanged.
 * Each crypto intrinsic converts its C arguments to v128 values and calls an
 * engine intrinsic imported from module "wasm_arm_neon". An engine that knows the
 * import compiles it to the AArch64 instruction; linking the c/fallback/ sources
 * instead defines the imports in pure Wasm SIMD.
 * Helper intrinsics are single Wasm SIMD operators and need no import.
 */
#ifndef WASM_ARM_NEON_H
#define WASM_ARM_NEON_H

#if !defined(__wasm_simd128__)
#error "wasm_arm_neon.h needs a wasm32 target with -msimd128"
#endif

#include <stdint.h>
#include <wasm_simd128.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Vector types are plain v128_t, so they convert freely into each other
 * (looser than ACLE, which requires a vreinterpretq). */
typedef v128_t uint32x4_t;
typedef v128_t uint8x16_t;
typedef v128_t uint64x2_t;
typedef v128_t poly64x2_t;
/* poly128_t is a 128-bit scalar in ACLE; here it is the v128 that holds it. */
typedef v128_t poly128_t;
typedef uint64_t poly64_t;

#define WASM_ARM_NEON_IMPORT(name) \
    __attribute__((import_module("wasm_arm_neon"), import_name(#name)))

/* Availability query. wasm_arm_neon_is_available(id) returns nonzero when
 * the engine compiles intrinsic `id` to its hardware instruction, and 0 when it
 * is emulated (the pure-Wasm fallbacks are linked in, or the engine lacks the
 * instruction) or `id` is unknown. Results are identical either way; only
 * speed differs. Ids are stable: each family has a range starting at its
 * `id_base`, in the order of its spec file. */
enum wasm_arm_neon_intrinsic_id {
    /* aes */
    WASM_ARM_NEON_AES_FIRST_ID = 32,
    WASM_ARM_NEON_AES_COUNT = 4,
    WASM_ARM_NEON_VAESEQ_U8 = 32,
    WASM_ARM_NEON_VAESDQ_U8 = 33,
    WASM_ARM_NEON_VAESMCQ_U8 = 34,
    WASM_ARM_NEON_VAESIMCQ_U8 = 35,
    /* pmull */
    WASM_ARM_NEON_PMULL_FIRST_ID = 48,
    WASM_ARM_NEON_PMULL_COUNT = 2,
    WASM_ARM_NEON_VMULL_P64 = 48,
    WASM_ARM_NEON_VMULL_HIGH_P64 = 49,
    /* sha1 */
    WASM_ARM_NEON_SHA1_FIRST_ID = 0,
    WASM_ARM_NEON_SHA1_COUNT = 6,
    WASM_ARM_NEON_VSHA1CQ_U32 = 0,
    WASM_ARM_NEON_VSHA1PQ_U32 = 1,
    WASM_ARM_NEON_VSHA1MQ_U32 = 2,
    WASM_ARM_NEON_VSHA1H_U32 = 3,
    WASM_ARM_NEON_VSHA1SU0Q_U32 = 4,
    WASM_ARM_NEON_VSHA1SU1Q_U32 = 5,
    /* sha256 */
    WASM_ARM_NEON_SHA256_FIRST_ID = 16,
    WASM_ARM_NEON_SHA256_COUNT = 4,
    WASM_ARM_NEON_VSHA256HQ_U32 = 16,
    WASM_ARM_NEON_VSHA256H2Q_U32 = 17,
    WASM_ARM_NEON_VSHA256SU0Q_U32 = 18,
    WASM_ARM_NEON_VSHA256SU1Q_U32 = 19,
    WASM_ARM_NEON_ID_LIMIT = 64
};

WASM_ARM_NEON_IMPORT(__intrinsic_is_available)
int __intrinsic_is_available(int intrinsic_id);

static inline int wasm_arm_neon_is_available(int intrinsic_id) {
    return __intrinsic_is_available(intrinsic_id);
}

/* Engine intrinsics: v128 in, v128 out, bound to whole instruction
 * registers. `const` lets clang drop calls whose result is unused. */
/* AESE: result Rd (vector); parameters: register, boundary, observed lanes.
 *   data: Rd, vector, 0 1 2 3
 *   key:  Rn, vector, 0 1 2 3 */
WASM_ARM_NEON_IMPORT(__intrinsic_vaeseq_u8) __attribute__((const))
v128_t __intrinsic_vaeseq_u8(v128_t data, v128_t key);

/* AESD: result Rd (vector); parameters: register, boundary, observed lanes.
 *   data: Rd, vector, 0 1 2 3
 *   key:  Rn, vector, 0 1 2 3 */
WASM_ARM_NEON_IMPORT(__intrinsic_vaesdq_u8) __attribute__((const))
v128_t __intrinsic_vaesdq_u8(v128_t data, v128_t key);

/* AESMC: result Rd (vector); parameters: register, boundary, observed lanes.
 *   data: Rn, vector, 0 1 2 3 */
WASM_ARM_NEON_IMPORT(__intrinsic_vaesmcq_u8) __attribute__((const))
v128_t __intrinsic_vaesmcq_u8(v128_t data);

/* AESIMC: result Rd (vector); parameters: register, boundary, observed lanes.
 *   data: Rn, vector, 0 1 2 3 */
WASM_ARM_NEON_IMPORT(__intrinsic_vaesimcq_u8) __attribute__((const))
v128_t __intrinsic_vaesimcq_u8(v128_t data);

/* PMULL: result Rd (vector); parameters: register, boundary, observed lanes.
 *   a: Rn, zero-extend, 0 1
 *   b: Rm, zero-extend, 0 1 */
WASM_ARM_NEON_IMPORT(__intrinsic_vmull_p64) __attribute__((const))
v128_t __intrinsic_vmull_p64(v128_t a, v128_t b);

/* PMULL2: result Rd (vector); parameters: register, boundary, observed lanes.
 *   a: Rn, vector, 2 3
 *   b: Rm, vector, 2 3 */
WASM_ARM_NEON_IMPORT(__intrinsic_vmull_high_p64) __attribute__((const))
v128_t __intrinsic_vmull_high_p64(v128_t a, v128_t b);

/* SHA1C: result Rd (vector); parameters: register, boundary, observed lanes.
 *   hash_abcd: Rd, vector, 0 1 2 3
 *   hash_e:    Rn, splat, 0
 *   wk:        Rm, vector, 0 1 2 3 */
WASM_ARM_NEON_IMPORT(__intrinsic_vsha1cq_u32) __attribute__((const))
v128_t __intrinsic_vsha1cq_u32(v128_t hash_abcd, v128_t hash_e, v128_t wk);

/* SHA1P: result Rd (vector); parameters: register, boundary, observed lanes.
 *   hash_abcd: Rd, vector, 0 1 2 3
 *   hash_e:    Rn, splat, 0
 *   wk:        Rm, vector, 0 1 2 3 */
WASM_ARM_NEON_IMPORT(__intrinsic_vsha1pq_u32) __attribute__((const))
v128_t __intrinsic_vsha1pq_u32(v128_t hash_abcd, v128_t hash_e, v128_t wk);

/* SHA1M: result Rd (vector); parameters: register, boundary, observed lanes.
 *   hash_abcd: Rd, vector, 0 1 2 3
 *   hash_e:    Rn, splat, 0
 *   wk:        Rm, vector, 0 1 2 3 */
WASM_ARM_NEON_IMPORT(__intrinsic_vsha1mq_u32) __attribute__((const))
v128_t __intrinsic_vsha1mq_u32(v128_t hash_abcd, v128_t hash_e, v128_t wk);

/* SHA1H: result Rd (lane0); parameters: register, boundary, observed lanes.
 *   hash_e: Rn, splat, 0 */
WASM_ARM_NEON_IMPORT(__intrinsic_vsha1h_u32) __attribute__((const))
v128_t __intrinsic_vsha1h_u32(v128_t hash_e);

/* SHA1SU0: result Rd (vector); parameters: register, boundary, observed lanes.
 *   w0_3:  Rd, vector, 0 1 2 3
 *   w4_7:  Rn, vector, 0 1
 *   w8_11: Rm, vector, 0 1 2 3 */
WASM_ARM_NEON_IMPORT(__intrinsic_vsha1su0q_u32) __attribute__((const))
v128_t __intrinsic_vsha1su0q_u32(v128_t w0_3, v128_t w4_7, v128_t w8_11);

/* SHA1SU1: result Rd (vector); parameters: register, boundary, observed lanes.
 *   tw0_3:  Rd, vector, 0 1 2 3
 *   w12_15: Rn, vector, 1 2 3 */
WASM_ARM_NEON_IMPORT(__intrinsic_vsha1su1q_u32) __attribute__((const))
v128_t __intrinsic_vsha1su1q_u32(v128_t tw0_3, v128_t w12_15);

/* SHA256H: result Rd (vector); parameters: register, boundary, observed lanes.
 *   hash_abcd: Rd, vector, 0 1 2 3
 *   hash_efgh: Rn, vector, 0 1 2 3
 *   wk:        Rm, vector, 0 1 2 3 */
WASM_ARM_NEON_IMPORT(__intrinsic_vsha256hq_u32) __attribute__((const))
v128_t __intrinsic_vsha256hq_u32(v128_t hash_abcd, v128_t hash_efgh, v128_t wk);

/* SHA256H2: result Rd (vector); parameters: register, boundary, observed lanes.
 *   hash_efgh: Rd, vector, 0 1 2 3
 *   hash_abcd: Rn, vector, 0 1 2 3
 *   wk:        Rm, vector, 0 1 2 3 */
WASM_ARM_NEON_IMPORT(__intrinsic_vsha256h2q_u32) __attribute__((const))
v128_t __intrinsic_vsha256h2q_u32(v128_t hash_efgh, v128_t hash_abcd, v128_t wk);

/* SHA256SU0: result Rd (vector); parameters: register, boundary, observed lanes.
 *   w0_3: Rd, vector, 0 1 2 3
 *   w4_7: Rn, vector, 0 */
WASM_ARM_NEON_IMPORT(__intrinsic_vsha256su0q_u32) __attribute__((const))
v128_t __intrinsic_vsha256su0q_u32(v128_t w0_3, v128_t w4_7);

/* SHA256SU1: result Rd (vector); parameters: register, boundary, observed lanes.
 *   tw0_3:  Rd, vector, 0 1 2 3
 *   w8_11:  Rn, vector, 1 2 3
 *   w12_15: Rm, vector, 0 2 3 */
WASM_ARM_NEON_IMPORT(__intrinsic_vsha256su1q_u32) __attribute__((const))
v128_t __intrinsic_vsha256su1q_u32(v128_t tw0_3, v128_t w8_11, v128_t w12_15);

/* C intrinsics: boundary conversions around the engine intrinsics. */
static inline __attribute__((__always_inline__))
uint8x16_t vaeseq_u8(uint8x16_t data, uint8x16_t key) {
    return __intrinsic_vaeseq_u8(data, key);
}

static inline __attribute__((__always_inline__))
uint8x16_t vaesdq_u8(uint8x16_t data, uint8x16_t key) {
    return __intrinsic_vaesdq_u8(data, key);
}

static inline __attribute__((__always_inline__))
uint8x16_t vaesmcq_u8(uint8x16_t data) {
    return __intrinsic_vaesmcq_u8(data);
}

static inline __attribute__((__always_inline__))
uint8x16_t vaesimcq_u8(uint8x16_t data) {
    return __intrinsic_vaesimcq_u8(data);
}

static inline __attribute__((__always_inline__))
poly128_t vmull_p64(poly64_t a, poly64_t b) {
    return __intrinsic_vmull_p64(wasm_u64x2_make(a, 0), wasm_u64x2_make(b, 0));
}

static inline __attribute__((__always_inline__))
poly128_t vmull_high_p64(poly64x2_t a, poly64x2_t b) {
    return __intrinsic_vmull_high_p64(a, b);
}

static inline __attribute__((__always_inline__))
uint32x4_t vsha1cq_u32(uint32x4_t hash_abcd, uint32_t hash_e, uint32x4_t wk) {
    return __intrinsic_vsha1cq_u32(hash_abcd, wasm_u32x4_splat(hash_e), wk);
}

static inline __attribute__((__always_inline__))
uint32x4_t vsha1pq_u32(uint32x4_t hash_abcd, uint32_t hash_e, uint32x4_t wk) {
    return __intrinsic_vsha1pq_u32(hash_abcd, wasm_u32x4_splat(hash_e), wk);
}

static inline __attribute__((__always_inline__))
uint32x4_t vsha1mq_u32(uint32x4_t hash_abcd, uint32_t hash_e, uint32x4_t wk) {
    return __intrinsic_vsha1mq_u32(hash_abcd, wasm_u32x4_splat(hash_e), wk);
}

static inline __attribute__((__always_inline__))
uint32_t vsha1h_u32(uint32_t hash_e) {
    return wasm_u32x4_extract_lane(__intrinsic_vsha1h_u32(wasm_u32x4_splat(hash_e)), 0);
}

static inline __attribute__((__always_inline__))
uint32x4_t vsha1su0q_u32(uint32x4_t w0_3, uint32x4_t w4_7, uint32x4_t w8_11) {
    return __intrinsic_vsha1su0q_u32(w0_3, w4_7, w8_11);
}

static inline __attribute__((__always_inline__))
uint32x4_t vsha1su1q_u32(uint32x4_t tw0_3, uint32x4_t w12_15) {
    return __intrinsic_vsha1su1q_u32(tw0_3, w12_15);
}

static inline __attribute__((__always_inline__))
uint32x4_t vsha256hq_u32(uint32x4_t hash_abcd, uint32x4_t hash_efgh, uint32x4_t wk) {
    return __intrinsic_vsha256hq_u32(hash_abcd, hash_efgh, wk);
}

static inline __attribute__((__always_inline__))
uint32x4_t vsha256h2q_u32(uint32x4_t hash_efgh, uint32x4_t hash_abcd, uint32x4_t wk) {
    return __intrinsic_vsha256h2q_u32(hash_efgh, hash_abcd, wk);
}

static inline __attribute__((__always_inline__))
uint32x4_t vsha256su0q_u32(uint32x4_t w0_3, uint32x4_t w4_7) {
    return __intrinsic_vsha256su0q_u32(w0_3, w4_7);
}

static inline __attribute__((__always_inline__))
uint32x4_t vsha256su1q_u32(uint32x4_t tw0_3, uint32x4_t w8_11, uint32x4_t w12_15) {
    return __intrinsic_vsha256su1q_u32(tw0_3, w8_11, w12_15);
}

/* Helpers: one Wasm SIMD operator each, no engine intrinsic. */
/* i32x4.add */
static inline __attribute__((__always_inline__))
uint32x4_t vaddq_u32(uint32x4_t a, uint32x4_t b) {
    return wasm_i32x4_add(a, b);
}

/* i32x4.splat */
static inline __attribute__((__always_inline__))
uint32x4_t vdupq_n_u32(uint32_t value) {
    return wasm_i32x4_splat(value);
}

/* uint32_t vgetq_lane_u32(uint32x4_t v, const int lane)
 * i32x4.extract_lane; a macro because an operand must be a constant expression. */
#define vgetq_lane_u32(v, lane) ((uint32_t)wasm_i32x4_extract_lane((v), (lane)))

/* v128.load */
static inline __attribute__((__always_inline__))
uint32x4_t vld1q_u32(const uint32_t *ptr) {
    return wasm_v128_load(ptr);
}

/* v128.store */
static inline __attribute__((__always_inline__))
void vst1q_u32(uint32_t *ptr, uint32x4_t val) {
    wasm_v128_store(ptr, val);
}

/* v128.load */
static inline __attribute__((__always_inline__))
uint8x16_t vld1q_u8(const uint8_t *ptr) {
    return wasm_v128_load(ptr);
}

/* i8x16.shuffle 3 2 1 0 7 6 5 4 11 10 9 8 15 14 13 12 */
static inline __attribute__((__always_inline__))
uint8x16_t vrev32q_u8(uint8x16_t vec) {
    return wasm_i8x16_shuffle(vec, vec, 3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12);
}

/* nop */
static inline __attribute__((__always_inline__))
uint32x4_t vreinterpretq_u32_u8(uint8x16_t a) {
    return a;
}

/* nop */
static inline __attribute__((__always_inline__))
uint8x16_t vreinterpretq_u8_u32(uint32x4_t a) {
    return a;
}

/* v128.xor */
static inline __attribute__((__always_inline__))
uint8x16_t veorq_u8(uint8x16_t a, uint8x16_t b) {
    return wasm_v128_xor(a, b);
}

/* v128.xor */
static inline __attribute__((__always_inline__))
uint64x2_t veorq_u64(uint64x2_t a, uint64x2_t b) {
    return wasm_v128_xor(a, b);
}

/* v128.or */
static inline __attribute__((__always_inline__))
uint64x2_t vorrq_u64(uint64x2_t a, uint64x2_t b) {
    return wasm_v128_or(a, b);
}

/* v128.and */
static inline __attribute__((__always_inline__))
uint8x16_t vandq_u8(uint8x16_t a, uint8x16_t b) {
    return wasm_v128_and(a, b);
}

/* v128.store */
static inline __attribute__((__always_inline__))
void vst1q_u8(uint8_t *ptr, uint8x16_t val) {
    wasm_v128_store(ptr, val);
}

/* v128.load */
static inline __attribute__((__always_inline__))
uint64x2_t vld1q_u64(const uint64_t *ptr) {
    return wasm_v128_load(ptr);
}

/* v128.store */
static inline __attribute__((__always_inline__))
void vst1q_u64(uint64_t *ptr, uint64x2_t val) {
    wasm_v128_store(ptr, val);
}

/* uint64_t vgetq_lane_u64(uint64x2_t v, const int lane)
 * i64x2.extract_lane; a macro because an operand must be a constant expression. */
#define vgetq_lane_u64(v, lane) ((uint64_t)wasm_i64x2_extract_lane((v), (lane)))

/* i8x16.splat */
static inline __attribute__((__always_inline__))
uint8x16_t vdupq_n_u8(uint8_t value) {
    return wasm_i8x16_splat(value);
}

/* i64x2.splat */
static inline __attribute__((__always_inline__))
uint64x2_t vdupq_n_u64(uint64_t value) {
    return wasm_i64x2_splat(value);
}

/* uint64x2_t vshlq_n_u64(uint64x2_t a, const int n)
 * i64x2.shl; a macro because an operand must be a constant expression. */
#define vshlq_n_u64(a, n) (wasm_i64x2_shl((a), (n)))

/* uint64x2_t vshrq_n_u64(uint64x2_t a, const int n)
 * i64x2.shr_u; a macro because an operand must be a constant expression. */
#define vshrq_n_u64(a, n) (wasm_u64x2_shr((a), (n)))

/* uint8x16_t vextq_u8(uint8x16_t a, uint8x16_t b, const int n)
 * i8x16.shuffle (bytes n..n+15 of a:b); a macro because an operand must be a constant expression. */
#define vextq_u8(a, b, n) (wasm_i8x16_shuffle((a), (b), (n) + 0, (n) + 1, (n) + 2, (n) + 3, (n) + 4, (n) + 5, (n) + 6, (n) + 7, (n) + 8, (n) + 9, (n) + 10, (n) + 11, (n) + 12, (n) + 13, (n) + 14, (n) + 15))

/* i8x16.shuffle 7 6 5 4 3 2 1 0 15 14 13 12 11 10 9 8 */
static inline __attribute__((__always_inline__))
uint8x16_t vrev64q_u8(uint8x16_t vec) {
    return wasm_i8x16_shuffle(vec, vec, 7, 6, 5, 4, 3, 2, 1, 0, 15, 14, 13, 12, 11, 10, 9, 8);
}

/* nop */
static inline __attribute__((__always_inline__))
uint64x2_t vreinterpretq_u64_u8(uint8x16_t a) {
    return a;
}

/* nop */
static inline __attribute__((__always_inline__))
uint8x16_t vreinterpretq_u8_u64(uint64x2_t a) {
    return a;
}

/* nop */
static inline __attribute__((__always_inline__))
poly64x2_t vreinterpretq_p64_u8(uint8x16_t a) {
    return a;
}

/* nop */
static inline __attribute__((__always_inline__))
poly64x2_t vreinterpretq_p64_u64(uint64x2_t a) {
    return a;
}

/* nop */
static inline __attribute__((__always_inline__))
uint8x16_t vreinterpretq_u8_p128(poly128_t a) {
    return a;
}

/* nop */
static inline __attribute__((__always_inline__))
uint64x2_t vreinterpretq_u64_p128(poly128_t a) {
    return a;
}

#ifdef __cplusplus
}
#endif

#endif /* WASM_ARM_NEON_H */
