/* KNOWN WRONG, kept for the verifier to refute: AESMC computes InvMixColumns
 * and AESIMC computes MixColumns. */
#pragma clang diagnostic ignored "-Wunused-function"
#define AES_FALLBACK_STEPS_ONLY
#include "../../../c/fallback/aes_fallback.c"

v128_t __intrinsic_vaesmcq_u8(v128_t data) { return inv_mix_columns(data); }

v128_t __intrinsic_vaesimcq_u8(v128_t data) { return mix_columns(data); }
