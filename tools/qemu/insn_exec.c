/*
 * Differential-execution harness: runs one real AArch64 instruction word per
 * input record on V0, V1, V2 and prints the full 128-bit V0 afterwards. Any
 * word works (the instruction table's canonical words use registers 0, 1, 2),
 * so a new instruction needs no change here.
 *
 * stdin  record (52 bytes): u32 word, V0[16], V1[16], V2[16]   (little-endian)
 * stdout record (16 bytes): V0 after the instruction
 *
 * The word is written into a small executable stub between loads of v0..v2 and
 * a store of v0; the stub is rewritten only when the word changes (qemu-user
 * notices the write and retranslates). V0 is always preloaded, so a write
 * through a narrower view visibly zeroes the rest of the register.
 *
 * Build: aarch64-linux-gnu-gcc -O2 -static insn_exec.c
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define IN_SIZE 52
#define OUT_SIZE 16

typedef void (*stub_fn)(const unsigned char *in, unsigned char *out);

static uint32_t *stub;

static void set_word(uint32_t word)
{
    static const uint32_t code[] = {
        0x3dc00000, /* ldr q0, [x0]       */
        0x3dc00401, /* ldr q1, [x0, #16]  */
        0x3dc00802, /* ldr q2, [x0, #32]  */
        0,          /* the instruction    */
        0x3d800020, /* str q0, [x1]       */
        0xd65f03c0, /* ret                */
    };
    memcpy(stub, code, sizeof code);
    stub[3] = word;
    __builtin___clear_cache((char *)stub, (char *)(stub + 6));
}

int main(void)
{
    stub = mmap(0, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (stub == MAP_FAILED) {
        perror("insn_exec: mmap");
        return 1;
    }
    /* Large chunks keep qemu syscall overhead negligible. */
    enum { BATCH = 4096 };
    static unsigned char inbuf[BATCH * IN_SIZE];
    static unsigned char outbuf[BATCH * OUT_SIZE];
    size_t have = 0;
    uint32_t current = 0;
    int loaded = 0;

    for (;;) {
        size_t n = fread(inbuf + have, 1, sizeof inbuf - have, stdin);
        have += n;
        size_t recs = have / IN_SIZE;
        for (size_t i = 0; i < recs; i++) {
            const unsigned char *rec = inbuf + i * IN_SIZE;
            uint32_t word;
            memcpy(&word, rec, 4);
            if (!loaded || word != current) {
                set_word(word);
                current = word;
                loaded = 1;
            }
            /* Aligned scratch: records are 52 bytes, so unaligned. */
            unsigned char in[48] __attribute__((aligned(16)));
            unsigned char out[16] __attribute__((aligned(16)));
            memcpy(in, rec + 4, 48);
            ((stub_fn)(void *)stub)(in, out);
            memcpy(outbuf + i * OUT_SIZE, out, OUT_SIZE);
        }
        if (recs && fwrite(outbuf, OUT_SIZE, recs, stdout) != recs) {
            perror("insn_exec: write");
            return 1;
        }
        memmove(inbuf, inbuf + recs * IN_SIZE, have - recs * IN_SIZE);
        have -= recs * IN_SIZE;
        if (n == 0) {
            if (ferror(stdin)) {
                perror("insn_exec: read");
                return 1;
            }
            break; /* EOF */
        }
    }
    if (have != 0) {
        fprintf(stderr, "insn_exec: truncated record (%zu trailing bytes)\n", have);
        return 1;
    }
    return fflush(stdout) == 0 ? 0 : 1;
}
