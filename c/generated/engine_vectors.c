/* Engine-layer test vectors: every engine intrinsic on pseudo-random whole
 * v128 inputs, lanes the instruction ignores included. On AArch64 the spec's
 * instruction word computes them (the params moved into the registers the
 * spec binds them to, so whole registers are visible); on wasm32 whichever
 * __intrinsic_* definitions are linked or provided. The outputs must match.
 *
 * GENERATED from spec/ by `cargo run -p cgen`. DO NOT EDIT. */
#include <arm_neon.h>
#include <stdint.h>

#define NVEC 256 /* inputs per intrinsic */
#define NOPS 16

#ifndef __wasm__
static uint32x4_t __intrinsic_vaeseq_u8(uint32x4_t p0, uint32x4_t p1) {
    uint32x4_t r;
    __asm__("mov v0.16b, %1.16b\n\tmov v1.16b, %2.16b\n\t.inst 0x4e284820\n\tmov %0.16b, v0.16b"
            : "=w"(r)
            : "w"(p0), "w"(p1)
            : "v0", "v1");
    return r;
}
static uint32x4_t __intrinsic_vaesdq_u8(uint32x4_t p0, uint32x4_t p1) {
    uint32x4_t r;
    __asm__("mov v0.16b, %1.16b\n\tmov v1.16b, %2.16b\n\t.inst 0x4e285820\n\tmov %0.16b, v0.16b"
            : "=w"(r)
            : "w"(p0), "w"(p1)
            : "v0", "v1");
    return r;
}
static uint32x4_t __intrinsic_vaesmcq_u8(uint32x4_t p0) {
    uint32x4_t r;
    __asm__("mov v1.16b, %1.16b\n\t.inst 0x4e286820\n\tmov %0.16b, v0.16b"
            : "=w"(r)
            : "w"(p0)
            : "v0", "v1");
    return r;
}
static uint32x4_t __intrinsic_vaesimcq_u8(uint32x4_t p0) {
    uint32x4_t r;
    __asm__("mov v1.16b, %1.16b\n\t.inst 0x4e287820\n\tmov %0.16b, v0.16b"
            : "=w"(r)
            : "w"(p0)
            : "v0", "v1");
    return r;
}
static uint32x4_t __intrinsic_vmull_p64(uint32x4_t p0, uint32x4_t p1) {
    uint32x4_t r;
    __asm__("mov v1.16b, %1.16b\n\tmov v2.16b, %2.16b\n\t.inst 0x0ee2e020\n\tmov %0.16b, v0.16b"
            : "=w"(r)
            : "w"(p0), "w"(p1)
            : "v0", "v1", "v2");
    return r;
}
static uint32x4_t __intrinsic_vmull_high_p64(uint32x4_t p0, uint32x4_t p1) {
    uint32x4_t r;
    __asm__("mov v1.16b, %1.16b\n\tmov v2.16b, %2.16b\n\t.inst 0x4ee2e020\n\tmov %0.16b, v0.16b"
            : "=w"(r)
            : "w"(p0), "w"(p1)
            : "v0", "v1", "v2");
    return r;
}
static uint32x4_t __intrinsic_vsha1cq_u32(uint32x4_t p0, uint32x4_t p1, uint32x4_t p2) {
    uint32x4_t r;
    __asm__("mov v0.16b, %1.16b\n\tmov v1.16b, %2.16b\n\tmov v2.16b, %3.16b\n\t.inst 0x5e020020\n\tmov %0.16b, v0.16b"
            : "=w"(r)
            : "w"(p0), "w"(p1), "w"(p2)
            : "v0", "v1", "v2");
    return r;
}
static uint32x4_t __intrinsic_vsha1pq_u32(uint32x4_t p0, uint32x4_t p1, uint32x4_t p2) {
    uint32x4_t r;
    __asm__("mov v0.16b, %1.16b\n\tmov v1.16b, %2.16b\n\tmov v2.16b, %3.16b\n\t.inst 0x5e021020\n\tmov %0.16b, v0.16b"
            : "=w"(r)
            : "w"(p0), "w"(p1), "w"(p2)
            : "v0", "v1", "v2");
    return r;
}
static uint32x4_t __intrinsic_vsha1mq_u32(uint32x4_t p0, uint32x4_t p1, uint32x4_t p2) {
    uint32x4_t r;
    __asm__("mov v0.16b, %1.16b\n\tmov v1.16b, %2.16b\n\tmov v2.16b, %3.16b\n\t.inst 0x5e022020\n\tmov %0.16b, v0.16b"
            : "=w"(r)
            : "w"(p0), "w"(p1), "w"(p2)
            : "v0", "v1", "v2");
    return r;
}
static uint32x4_t __intrinsic_vsha1h_u32(uint32x4_t p0) {
    uint32x4_t r;
    __asm__("mov v1.16b, %1.16b\n\t.inst 0x5e280820\n\tmov %0.16b, v0.16b"
            : "=w"(r)
            : "w"(p0)
            : "v0", "v1");
    return r;
}
static uint32x4_t __intrinsic_vsha1su0q_u32(uint32x4_t p0, uint32x4_t p1, uint32x4_t p2) {
    uint32x4_t r;
    __asm__("mov v0.16b, %1.16b\n\tmov v1.16b, %2.16b\n\tmov v2.16b, %3.16b\n\t.inst 0x5e023020\n\tmov %0.16b, v0.16b"
            : "=w"(r)
            : "w"(p0), "w"(p1), "w"(p2)
            : "v0", "v1", "v2");
    return r;
}
static uint32x4_t __intrinsic_vsha1su1q_u32(uint32x4_t p0, uint32x4_t p1) {
    uint32x4_t r;
    __asm__("mov v0.16b, %1.16b\n\tmov v1.16b, %2.16b\n\t.inst 0x5e281820\n\tmov %0.16b, v0.16b"
            : "=w"(r)
            : "w"(p0), "w"(p1)
            : "v0", "v1");
    return r;
}
static uint32x4_t __intrinsic_vsha256hq_u32(uint32x4_t p0, uint32x4_t p1, uint32x4_t p2) {
    uint32x4_t r;
    __asm__("mov v0.16b, %1.16b\n\tmov v1.16b, %2.16b\n\tmov v2.16b, %3.16b\n\t.inst 0x5e024020\n\tmov %0.16b, v0.16b"
            : "=w"(r)
            : "w"(p0), "w"(p1), "w"(p2)
            : "v0", "v1", "v2");
    return r;
}
static uint32x4_t __intrinsic_vsha256h2q_u32(uint32x4_t p0, uint32x4_t p1, uint32x4_t p2) {
    uint32x4_t r;
    __asm__("mov v0.16b, %1.16b\n\tmov v1.16b, %2.16b\n\tmov v2.16b, %3.16b\n\t.inst 0x5e025020\n\tmov %0.16b, v0.16b"
            : "=w"(r)
            : "w"(p0), "w"(p1), "w"(p2)
            : "v0", "v1", "v2");
    return r;
}
static uint32x4_t __intrinsic_vsha256su0q_u32(uint32x4_t p0, uint32x4_t p1) {
    uint32x4_t r;
    __asm__("mov v0.16b, %1.16b\n\tmov v1.16b, %2.16b\n\t.inst 0x5e282820\n\tmov %0.16b, v0.16b"
            : "=w"(r)
            : "w"(p0), "w"(p1)
            : "v0", "v1");
    return r;
}
static uint32x4_t __intrinsic_vsha256su1q_u32(uint32x4_t p0, uint32x4_t p1, uint32x4_t p2) {
    uint32x4_t r;
    __asm__("mov v0.16b, %1.16b\n\tmov v1.16b, %2.16b\n\tmov v2.16b, %3.16b\n\t.inst 0x5e026020\n\tmov %0.16b, v0.16b"
            : "=w"(r)
            : "w"(p0), "w"(p1), "w"(p2)
            : "v0", "v1", "v2");
    return r;
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

/* Fills out[] (intrinsic-major, spec order: vaeseq_u8, vaesdq_u8, vaesmcq_u8, vaesimcq_u8, vmull_p64, vmull_high_p64, vsha1cq_u32, vsha1pq_u32, vsha1mq_u32, vsha1h_u32, vsha1su0q_u32, vsha1su1q_u32, vsha256hq_u32, vsha256h2q_u32, vsha256su0q_u32, vsha256su1q_u32) and returns it. */
uint32_t *engine_vectors(void) {
    uint32_t x = 0x9E3779B9u;
    for (int i = 0; i < NVEC; i++) {
        uint32x4_t a = random_vec(&x), b = random_vec(&x), c = random_vec(&x);
        uint32x4_t r[NOPS] = {
            __intrinsic_vaeseq_u8(a, b),
            __intrinsic_vaesdq_u8(a, b),
            __intrinsic_vaesmcq_u8(a),
            __intrinsic_vaesimcq_u8(a),
            __intrinsic_vmull_p64(a, b),
            __intrinsic_vmull_high_p64(a, b),
            __intrinsic_vsha1cq_u32(a, b, c),
            __intrinsic_vsha1pq_u32(a, b, c),
            __intrinsic_vsha1mq_u32(a, b, c),
            __intrinsic_vsha1h_u32(a),
            __intrinsic_vsha1su0q_u32(a, b, c),
            __intrinsic_vsha1su1q_u32(a, b),
            __intrinsic_vsha256hq_u32(a, b, c),
            __intrinsic_vsha256h2q_u32(a, b, c),
            __intrinsic_vsha256su0q_u32(a, b),
            __intrinsic_vsha256su1q_u32(a, b, c),
        };
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
