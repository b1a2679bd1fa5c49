/* Engine-layer test vectors: every engine intrinsic on pseudo-random whole
 * v128 inputs, lanes the instruction ignores included. On AArch64 the
 * instructions themselves compute them (inline asm, so whole registers are
 * visible, e.g. the lanes SHA1H zeroes); on wasm32 whichever __intrinsic_*
 * definitions are linked or provided. The two outputs must match exactly. */
#include <arm_neon.h>
#include <stdint.h>

#define NVEC 256 /* inputs per instruction */
#define NOPS 6

#ifdef __wasm__
#define SHA1C __intrinsic_vsha1cq_u32
#define SHA1P __intrinsic_vsha1pq_u32
#define SHA1M __intrinsic_vsha1mq_u32
#define SHA1H __intrinsic_vsha1h_u32
#define SHA1SU0 __intrinsic_vsha1su0q_u32
#define SHA1SU1 __intrinsic_vsha1su1q_u32
#else
/* Operand n of SHA1C/P/M and SHA1H is an S register: %s picks its name. */
#define ROUNDS(name, insn)                                                     \
    static uint32x4_t name(uint32x4_t abcd, uint32x4_t e, uint32x4_t wk) {     \
        __asm__(insn " %q0, %s1, %2.4s" : "+w"(abcd) : "w"(e), "w"(wk));       \
        return abcd;                                                           \
    }
ROUNDS(SHA1C, "sha1c")
ROUNDS(SHA1P, "sha1p")
ROUNDS(SHA1M, "sha1m")
static uint32x4_t SHA1H(uint32x4_t e) {
    uint32x4_t r;
    __asm__("sha1h %s0, %s1" : "=w"(r) : "w"(e));
    return r;
}
static uint32x4_t SHA1SU0(uint32x4_t d, uint32x4_t n, uint32x4_t m) {
    __asm__("sha1su0 %0.4s, %1.4s, %2.4s" : "+w"(d) : "w"(n), "w"(m));
    return d;
}
static uint32x4_t SHA1SU1(uint32x4_t d, uint32x4_t n) {
    __asm__("sha1su1 %0.4s, %1.4s" : "+w"(d) : "w"(n));
    return d;
}
#endif

static uint32_t out[NOPS * NVEC * 4];

static uint32x4_t random_vec(uint32_t *x) {
    uint32_t w[4];
    for (int i = 0; i < 4; i++) {
        *x ^= *x << 13, *x ^= *x >> 17, *x ^= *x << 5; /* xorshift32 */
        w[i] = *x;
    }
    return vld1q_u32(w);
}

/* Fills out[] (op-major: C, P, M, H, SU0, SU1) and returns it. */
uint32_t *engine_vectors(void) {
    uint32_t x = 0x9E3779B9u;
    for (int i = 0; i < NVEC; i++) {
        uint32x4_t a = random_vec(&x), b = random_vec(&x), c = random_vec(&x);
        uint32x4_t r[NOPS] = {SHA1C(a, b, c), SHA1P(a, b, c), SHA1M(a, b, c),
                              SHA1H(b),       SHA1SU0(a, b, c), SHA1SU1(a, b)};
        for (int op = 0; op < NOPS; op++)
            vst1q_u32(&out[(op * NVEC + i) * 4], r[op]);
    }
    return out;
}

int engine_vectors_count(void) { return NOPS * NVEC; }

#ifndef __wasm__
#include <stdio.h>

int main(void) {
    const uint32_t *o = engine_vectors();
    for (int i = 0; i < engine_vectors_count(); i++)
        printf("%08x %08x %08x %08x\n", o[4 * i], o[4 * i + 1], o[4 * i + 2], o[4 * i + 3]);
    return 0;
}
#endif
