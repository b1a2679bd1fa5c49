/*
 * Differential-execution harness: runs one real AArch64 SHA-1 instruction per
 * input record and prints the full 128-bit V0 afterwards.
 *
 * stdin  record (49 bytes): u8 opcode, V0[16], V1[16], V2[16]   (little-endian)
 * stdout record (16 bytes): V0 after the instruction
 * opcode: 0=SHA1C 1=SHA1P 2=SHA1M 3=SHA1H 4=SHA1SU0 5=SHA1SU1
 *
 * The instructions are emitted with .inst so the executed words are exactly the
 * encodings the spec traces were made from (registers 0,1,2 fixed), independent
 * of assembler syntax. V0 is always preloaded so the S-register write of SHA1H
 * visibly zeroes bits 127:32.
 *
 * Build: aarch64-linux-gnu-gcc -O2 -march=armv8-a+crypto -static sha1_exec.c
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define IN_SIZE 49
#define OUT_SIZE 16

/* v0..v2 are loaded from `in`, the instruction runs, v0 is stored to `out`.
 * All in one asm statement: the compiler must not touch v0-v2 in between. */
#define RUN(ENC)                                                              \
    __asm__ volatile("ldr q0, [%1]\n\t"                                       \
                     "ldr q1, [%1, #16]\n\t"                                  \
                     "ldr q2, [%1, #32]\n\t"                                  \
                     ".inst " #ENC "\n\t"                                     \
                     "str q0, [%0]"                                           \
                     :                                                        \
                     : "r"(out), "r"(in)                                      \
                     : "v0", "v1", "v2", "memory")

static void exec_one(unsigned op, const unsigned char *in, unsigned char *out)
{
    switch (op) {
    case 0: RUN(0x5e020020); break; /* sha1c   q0, s1, v2.4s */
    case 1: RUN(0x5e021020); break; /* sha1p   q0, s1, v2.4s */
    case 2: RUN(0x5e022020); break; /* sha1m   q0, s1, v2.4s */
    case 3: RUN(0x5e280820); break; /* sha1h   s0, s1        */
    case 4: RUN(0x5e023020); break; /* sha1su0 v0.4s, v1.4s, v2.4s */
    case 5: RUN(0x5e281820); break; /* sha1su1 v0.4s, v1.4s  */
    default:
        fprintf(stderr, "sha1_exec: bad opcode %u\n", op);
        exit(2);
    }
}

int main(void)
{
    /* Large chunks keep qemu syscall overhead negligible. */
    enum { BATCH = 4096 };
    static unsigned char inbuf[BATCH * IN_SIZE];
    static unsigned char outbuf[BATCH * OUT_SIZE];
    size_t have = 0;

    for (;;) {
        size_t n = fread(inbuf + have, 1, sizeof inbuf - have, stdin);
        have += n;
        size_t recs = have / IN_SIZE;
        for (size_t i = 0; i < recs; i++) {
            /* Copy to aligned scratch: records are 49 bytes, so unaligned. */
            unsigned char in[48] __attribute__((aligned(16)));
            unsigned char out[16] __attribute__((aligned(16)));
            memcpy(in, inbuf + i * IN_SIZE + 1, 48);
            exec_one(inbuf[i * IN_SIZE], in, out);
            memcpy(outbuf + i * OUT_SIZE, out, OUT_SIZE);
        }
        if (recs && fwrite(outbuf, OUT_SIZE, recs, stdout) != recs) {
            perror("sha1_exec: write");
            return 1;
        }
        memmove(inbuf, inbuf + recs * IN_SIZE, have - recs * IN_SIZE);
        have -= recs * IN_SIZE;
        if (n == 0) {
            if (ferror(stdin)) {
                perror("sha1_exec: read");
                return 1;
            }
            break; /* EOF */
        }
    }
    if (have != 0) {
        fprintf(stderr, "sha1_exec: truncated record (%zu trailing bytes)\n", have);
        return 1;
    }
    return fflush(stdout) == 0 ? 0 : 1;
}
