/*
 * Guest program for selftest.sh: two hand-written functions whose dynamic
 * instruction counts are known exactly (asm, so the compiler cannot change them).
 *
 * counted_kernel:    14 insns executed, 3 SHA-1 (sha1c x3), 2 moves (fmov s0, w0 x2)
 * classifier_kernel: straight line, every instruction executed once;
 *                    see the tallies at its end.
 *
 * Build: aarch64-linux-gnu-gcc -O2 -march=armv8.2-a+crypto+fp16 -static
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
    "1: sha1c   q0, s1, v2.4s\n"      /*  4..12: 3 iterations x 3, 3 sha1 */
    "   subs    w9, w9, #1\n"
    "   b.ne    1b\n"
    "   fmov    s0, w0\n"             /* 13  move */
    "   ret\n"                        /* 14 */
    ".size counted_kernel, .-counted_kernel\n"

    ".p2align 2\n"
    ".globl classifier_kernel\n"
    ".type classifier_kernel, %function\n"
    "classifier_kernel:\n"
    /* SHA-1: 7 */
    "   sha1c   q0, s1, v2.4s\n"
    "   sha1p   q0, s1, v2.4s\n"
    "   sha1m   q0, s1, v2.4s\n"
    "   sha1su0 v0.4s, v1.4s, v2.4s\n"
    "   sha1h   s0, s1\n"
    "   sha1su1 v0.4s, v1.4s\n"
    "   sha1c   q5, s6, v7.4s\n"
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
    /* near misses, neither SHA-1 nor gpr<->vector moves: 22 */
    "   sha256h  q0, q1, v2.4s\n"
    "   sha256h2 q0, q1, v2.4s\n"
    "   sha256su0 v0.4s, v1.4s\n"
    "   sha256su1 v0.4s, v1.4s, v2.4s\n"
    "   aese    v0.16b, v1.16b\n"
    "   fmov    s1, s0\n"
    "   fmov    d1, d0\n"
    "   fmov    s1, #1.0\n"
    "   fmov    v1.4s, #1.0\n"
    "   mov     v1.16b, v0.16b\n"
    "   dup     v1.4s, v0.s[1]\n"
    "   mov     v1.s[0], v0.s[1]\n"   /* ins (element) */
    "   mov     s1, v0.s[1]\n"        /* dup (scalar element) */
    "   scvtf   s1, w0\n"
    "   ucvtf   d1, x0\n"
    "   fcvtzs  w1, s0\n"
    "   fcvtzu  x1, d0\n"
    "   fcvt    d1, s0\n"
    "   movi    v1.2d, #0\n"
    "   add     w1, w1, #1\n"
    "   mov     x1, x0\n"
    "   ret\n"
    /* total 7 + 18 + 22 = 47 (the ret included in the 22) */
    ".size classifier_kernel, .-classifier_kernel\n");

int main(void)
{
    counted_kernel(5);
    classifier_kernel();
    puts("loop: done");
    return 0;
}
