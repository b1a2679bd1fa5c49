/* Stands in for a program's intrinsics kernel in the x86-64 native plain-C build (bench/run.sh):
 * x86-64 has no <arm_neon.h>, so the kernel cannot be built and bench.c's `neon` mode is
 * unavailable. Build with -DKERNEL_BLOCKS=<program>_blocks. The program's header is not included
 * and the parameters are untyped pointers, so the stub fits every program's state type; it is
 * only reached through `bench neon`, which run.sh never runs on x86. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#ifndef KERNEL_BLOCKS
#error "build with -DKERNEL_BLOCKS=<program>_blocks"
#endif

void KERNEL_BLOCKS(void *state, const void *data, size_t nblocks);

void KERNEL_BLOCKS(void *state, const void *data, size_t nblocks) {
    (void)state, (void)data, (void)nblocks;
    fputs("bench: the intrinsics kernel is AArch64-only; use `bench plain`\n", stderr);
    abort();
}
