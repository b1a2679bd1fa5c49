/* Stands in for one function of a program's intrinsics kernel in the x86-64 native plain-C
 * build (bench/run.sh): x86-64 has no <arm_neon.h>, so the kernel cannot be built and bench.c's
 * `neon` mode is unavailable. run.sh builds it once per kernel function bench.c names, with
 * -DKERNEL_FUNCTION=<name>. The program's header is not included and the stub takes no
 * parameters it reads, so it fits every signature; it is only reached through `bench neon`,
 * which run.sh never runs on x86. */
#include <stdio.h>
#include <stdlib.h>

#ifndef KERNEL_FUNCTION
#error "build with -DKERNEL_FUNCTION=<kernel function>"
#endif

void KERNEL_FUNCTION(void);

void KERNEL_FUNCTION(void) {
    fputs("bench: the intrinsics kernel is AArch64-only; use `bench plain`\n", stderr);
    abort();
}
