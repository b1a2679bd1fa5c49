/* Pure Wasm SIMD definitions of the AES engine intrinsics (AESE, AESD, AESMC,
 * AESIMC) with exactly the AArch64 semantics on the whole v128: byte i is
 * lane i, the AES state is column-major (byte i = row i % 4, column i / 4).
 *
 * Constant time and table-free: the S-box is computed on all 16 lanes at
 * once (GF(2^8) inverse as x^254, then the affine map), so no memory address
 * and no branch depends on data; every loop has a fixed count.
 *
 * Deliberately does not include wasm_arm_neon.h: its declarations carry
 * import attributes, and these are plain definitions of the same symbols. */
#include <stdint.h>
#include <wasm_simd128.h>

/* Multiply every byte by x modulo x^8+x^4+x^3+x+1: the arithmetic shift
 * spreads the top bit into a mask that selects the reduction 0x1b. */
static v128_t xtime(v128_t a) {
    v128_t carry = wasm_i8x16_shr(a, 7);
    return wasm_v128_xor(wasm_i8x16_shl(a, 1), wasm_v128_and(carry, wasm_i8x16_splat(0x1b)));
}

/* Bytewise GF(2^8) product: for each bit i of b, a mask from that bit (moved
 * to the top, then spread by the arithmetic shift) adds a * x^i. */
static v128_t gf_mul(v128_t a, v128_t b) {
    v128_t r = wasm_i8x16_splat(0);
#pragma clang loop unroll(full)
    for (int i = 0; i < 8; i++) {
        v128_t mask = wasm_i8x16_shr(wasm_i8x16_shl(b, 7 - i), 7);
        r = wasm_v128_xor(r, wasm_v128_and(a, mask));
        a = xtime(a);
    }
    return r;
}

/* x^254 = x^-1 for x != 0, and 0 for 0, by the addition chain
 * 2, 3, 6, 12, 15, 30, 60, 120, 240, 252, 254. */
static v128_t gf_inv(v128_t x) {
    v128_t x2 = gf_mul(x, x);
    v128_t x3 = gf_mul(x2, x);
    v128_t x6 = gf_mul(x3, x3);
    v128_t x12 = gf_mul(x6, x6);
    v128_t x15 = gf_mul(x12, x3);
    v128_t x240 = x15;
#pragma clang loop unroll(full)
    for (int i = 0; i < 4; i++)
        x240 = gf_mul(x240, x240);
    return gf_mul(gf_mul(x240, x12), x2);
}

/* Rotate every byte left by n (1..7). */
static v128_t rotl8(v128_t x, int n) {
    return wasm_v128_or(wasm_i8x16_shl(x, n), wasm_u8x16_shr(x, 8 - n));
}

/* FIPS-197 5.1.1: inverse, then the affine transform. */
static v128_t sub_bytes(v128_t x) {
    v128_t y = gf_inv(x);
    v128_t r = wasm_v128_xor(y, rotl8(y, 1));
    r = wasm_v128_xor(r, wasm_v128_xor(rotl8(y, 2), rotl8(y, 3)));
    r = wasm_v128_xor(r, rotl8(y, 4));
    return wasm_v128_xor(r, wasm_i8x16_splat(0x63));
}

/* FIPS-197 5.3.2: the inverse affine transform, then the inverse. */
static v128_t inv_sub_bytes(v128_t x) {
    v128_t r = wasm_v128_xor(rotl8(x, 1), rotl8(x, 3));
    r = wasm_v128_xor(r, rotl8(x, 6));
    return gf_inv(wasm_v128_xor(r, wasm_i8x16_splat(0x05)));
}

/* out[r + 4c] = in[r + 4((c + r) % 4)] */
static v128_t shift_rows(v128_t s) {
    return wasm_i8x16_shuffle(s, s, 0, 5, 10, 15, 4, 9, 14, 3, 8, 13, 2, 7, 12, 1, 6, 11);
}

/* out[r + 4c] = in[r + 4((c - r) mod 4)] */
static v128_t inv_shift_rows(v128_t s) {
    return wasm_i8x16_shuffle(s, s, 0, 13, 10, 7, 4, 1, 14, 11, 8, 5, 2, 15, 12, 9, 6, 3);
}

/* Each column's bytes rotated by one, two or three rows: lane r + 4c gets
 * row (r + n) % 4 of the same column. */
static v128_t col_rot1(v128_t s) {
    return wasm_i8x16_shuffle(s, s, 1, 2, 3, 0, 5, 6, 7, 4, 9, 10, 11, 8, 13, 14, 15, 12);
}
static v128_t col_rot2(v128_t s) {
    return wasm_i8x16_shuffle(s, s, 2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13);
}
static v128_t col_rot3(v128_t s) {
    return wasm_i8x16_shuffle(s, s, 3, 0, 1, 2, 7, 4, 5, 6, 11, 8, 9, 10, 15, 12, 13, 14);
}

/* b_r = 2 a_r + 3 a_{r+1} + a_{r+2} + a_{r+3} = 2 (a_r + a_{r+1}) + a_{r+1} + a_{r+2} + a_{r+3} */
static v128_t mix_columns(v128_t a) {
    v128_t a1 = col_rot1(a);
    v128_t r = xtime(wasm_v128_xor(a, a1));
    return wasm_v128_xor(wasm_v128_xor(r, a1), wasm_v128_xor(col_rot2(a), col_rot3(a)));
}

/* InvMixColumns = MixColumns after adding 4 (a_r + a_{r+2}) to each a_r
 * (the matrix {e,b,d,9} factors as {2,3,1,1} times {5,0,4,0}). */
static v128_t inv_mix_columns(v128_t a) {
    v128_t t = xtime(xtime(wasm_v128_xor(a, col_rot2(a))));
    return mix_columns(wasm_v128_xor(a, t));
}

/* The broken corpus (tests/broken/wasm) reuses the steps above, misassembled. */
#ifndef AES_FALLBACK_STEPS_ONLY
v128_t __intrinsic_vaeseq_u8(v128_t data, v128_t key) {
    return sub_bytes(shift_rows(wasm_v128_xor(data, key)));
}

v128_t __intrinsic_vaesdq_u8(v128_t data, v128_t key) {
    return inv_sub_bytes(inv_shift_rows(wasm_v128_xor(data, key)));
}

v128_t __intrinsic_vaesmcq_u8(v128_t data) { return mix_columns(data); }

v128_t __intrinsic_vaesimcq_u8(v128_t data) { return inv_mix_columns(data); }
#endif
