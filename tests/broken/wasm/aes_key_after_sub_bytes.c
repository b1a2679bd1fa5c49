/* KNOWN WRONG, kept for the verifier to refute: AESE with the round key XORed
 * after SubBytes instead of before it (AESE is AddRoundKey, then SubBytes and
 * ShiftRows). The steps are the real fallback's; only their order is wrong. */
#pragma clang diagnostic ignored "-Wunused-function"
#define AES_FALLBACK_STEPS_ONLY
#include "../../../c/fallback/aes_fallback.c"

v128_t __intrinsic_vaeseq_u8(v128_t data, v128_t key) {
    return shift_rows(wasm_v128_xor(sub_bytes(data), key));
}
