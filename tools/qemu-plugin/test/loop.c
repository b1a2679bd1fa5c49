/*
 * Guest program for selftest.sh: two hand-written functions whose dynamic
 * instruction counts are known exactly (asm, so the compiler cannot change them).
 *
 * counted_kernel:    14 insns executed, 3 crypto (sha1c x3), 2 moves (fmov s0, w0 x2)
 * classifier_kernel: straight line, every instruction executed once;
 *                    see the tallies at its end. Each crypto class has near
 *                    misses from the neighbouring encodings (qemu's default
 *                    cpu, max, executes all of them).
 *
 * Build: aarch64-linux-gnu-gcc -O2 -march=armv8.2-a+crypto+fp16+sha3+sm4 -static
 */
#include <stdio.h>

void counted_kernel(unsigned x);
void classifier_kernel(void);

__asm__(
    ".text\n"
    ".p2align 2\n"
    ".globl counted_kernel\n"
    ".type counted_kernel, %function\n"
    "counted_kernel:\n"
    "   fmov    s0, w0\n"             /*  1  move */
    "   movi    v2.4s, #1\n"          /*  2 */
    "   mov     w9, #3\n"             /*  3 */
    "1: sha1c   q0, s1, v2.4s\n"      /*  4..12: 3 iterations x 3, 3 crypto */
    "   subs    w9, w9, #1\n"
    "   b.ne    1b\n"
    "   fmov    s0, w0\n"             /* 13  move */
    "   ret\n"                        /* 14 */
    ".size counted_kernel, .-counted_kernel\n"

    ".p2align 2\n"
    ".globl classifier_kernel\n"
    ".type classifier_kernel, %function\n"
    "classifier_kernel:\n"
    /* crypto: 27 */
    "   sha1c   q0, s1, v2.4s\n"       /* three-register SHA: 10 */
    "   sha1p   q0, s1, v2.4s\n"
    "   sha1m   q0, s1, v2.4s\n"
    "   sha1su0 v0.4s, v1.4s, v2.4s\n"
    "   sha1c   q5, s6, v7.4s\n"
    "   sha256h  q0, q1, v2.4s\n"
    "   sha256h2 q0, q1, v2.4s\n"
    "   sha256su1 v0.4s, v1.4s, v2.4s\n"
    "   sha256h  q9, q10, v11.4s\n"
    "   sha256su1 v29.4s, v30.4s, v31.4s\n"
    "   sha1h   s0, s1\n"               /* two-register SHA: 3 */
    "   sha1su1 v0.4s, v1.4s\n"
    "   sha256su0 v0.4s, v1.4s\n"
    "   aese    v0.16b, v1.16b\n"       /* AES: 4 */
    "   aesd    v0.16b, v1.16b\n"
    "   aesmc   v0.16b, v1.16b\n"
    "   aesimc  v0.16b, v1.16b\n"
    "   pmull   v0.1q, v1.1d, v2.1d\n"  /* PMULL 64x64: 2 */
    "   pmull2  v0.1q, v1.2d, v2.2d\n"
    "   sha512h  q0, q1, v2.2d\n"       /* SHA-512: 4 */
    "   sha512h2 q0, q1, v2.2d\n"
    "   sha512su0 v0.2d, v1.2d\n"
    "   sha512su1 v0.2d, v1.2d, v2.2d\n"
    "   eor3    v0.16b, v1.16b, v2.16b, v3.16b\n" /* SHA-3: 4 */
    "   rax1    v0.2d, v1.2d, v2.2d\n"
    "   xar     v0.2d, v1.2d, v2.2d, #5\n"
    "   bcax    v0.16b, v1.16b, v2.16b, v3.16b\n"
    /* general <-> vector moves: 18 */
    "   fmov    s0, w0\n"
    "   fmov    w1, s0\n"
    "   fmov    d0, x0\n"
    "   fmov    x1, d0\n"
    "   fmov    v0.d[1], x0\n"
    "   fmov    x1, v0.d[1]\n"
    "   fmov    h0, w0\n"
    "   fmov    x1, h0\n"
    "   umov    w1, v0.s[1]\n"
    "   mov     w1, v0.s[0]\n"        /* alias of umov */
    "   mov     x1, v0.d[1]\n"        /* alias of umov */
    "   umov    w1, v0.b[3]\n"
    "   smov    x1, v0.h[2]\n"
    "   ins     v0.s[2], w1\n"
    "   mov     v0.d[1], x1\n"        /* alias of ins (general) */
    "   dup     v3.4s, w1\n"
    "   dup     v3.16b, w1\n"
    "   dup     v3.2d, x1\n"
    /* near misses, neither crypto nor gpr<->vector moves: 34 */
    "   pmull   v0.8h, v1.8b, v2.8b\n"  /* PMULL 8x8 (size 00) */
    "   pmull2  v0.8h, v1.16b, v2.16b\n"
    "   umull   v0.2d, v1.2s, v2.2s\n"  /* three different, other opcodes */
    "   sqdmull v0.2d, v1.2s, v2.2s\n"
    "   sm3partw1 v0.4s, v1.4s, v2.4s\n" /* SM3/SM4 in the SHA-512/SHA-3 groups */
    "   sm3partw2 v0.4s, v1.4s, v2.4s\n"
    "   sm4ekey v0.4s, v1.4s, v2.4s\n"
    "   sm4e    v0.4s, v1.4s\n"
    "   sm3ss1  v0.4s, v1.4s, v2.4s, v3.4s\n"
    "   sm3tt1a v0.4s, v1.4s, v2.s[0]\n"
    "   rev32   v0.16b, v1.16b\n"       /* two-register misc, beside AES */
    "   cnt     v0.16b, v1.16b\n"
    "   sqabs   b0, b1\n"               /* scalar two-register misc and pairwise, */
    "   addp    d0, v1.2d\n"            /* beside two-register SHA */
    "   eor     v0.16b, v1.16b, v2.16b\n"
    "   bic     v0.16b, v1.16b, v2.16b\n"
    "   bsl     v0.16b, v1.16b, v2.16b\n"
    "   fmov    s1, s0\n"
    "   fmov    d1, d0\n"
    "   fmov    s1, #1.0\n"
    "   fmov    v1.4s, #1.0\n"
    "   mov     v1.16b, v0.16b\n"
    "   dup     v1.4s, v0.s[1]\n"
    "   mov     v1.s[0], v0.s[1]\n"   /* ins (element) */
    "   mov     s1, v0.s[1]\n"        /* dup (scalar element), beside three-register SHA */
    "   scvtf   s1, w0\n"
    "   ucvtf   d1, x0\n"
    "   fcvtzs  w1, s0\n"
    "   fcvtzu  x1, d0\n"
    "   fcvt    d1, s0\n"
    "   movi    v1.2d, #0\n"
    "   add     w1, w1, #1\n"
    "   mov     x1, x0\n"
    "   ret\n"
    /* total 27 + 18 + 34 = 79 (the ret included in the 34) */
    ".size classifier_kernel, .-classifier_kernel\n");

int main(void)
{
    counted_kernel(5);
    classifier_kernel();
    puts("loop: done");
    return 0;
}
