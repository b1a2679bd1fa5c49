/* KNOWN WRONG, kept for the verifier to refute: AESD with its inverse steps in
 * FIPS-197's inverse-cipher order (InvShiftRows, InvSubBytes, then
 * AddRoundKey), where AESD adds the key first. The steps are the real
 * fallback's; only their order is wrong. */
#pragma clang diagnostic ignored "-Wunused-function"
#define AES_FALLBACK_STEPS_ONLY
#include "../../../c/fallback/aes_fallback.c"

v128_t __intrinsic_vaesdq_u8(v128_t data, v128_t key) {
    return wasm_v128_xor(inv_sub_bytes(inv_shift_rows(data)), key);
}
