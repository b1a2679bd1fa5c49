/* Benchmark driver for any program's kernel module compiled by `engine compile` (bench/run.sh),
 * for aarch64 (run under qemu-aarch64 with the insncount plugin) and x86_64 (callgrind). It uses
 * only the common program interface (c/programs/README.md), so one driver serves every program.
 *
 *   driver_bench neon|plain BLOCKS [REPS]
 *
 * Fills the module's input buffer with bench.c's pattern (byte i = i*131 + 7), calls
 * wasm_bench_neon / wasm_bench_plain(BLOCKS, REPS) (the kernel's or the plain reference's block
 * function over the first BLOCKS blocks, REPS times) and prints state word 0, which must equal
 * the native bench's. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "module.h"

int main(int argc, char **argv) {
    if (argc < 3 || (strcmp(argv[1], "neon") != 0 && strcmp(argv[1], "plain") != 0)) {
        fprintf(stderr, "usage: %s neon|plain BLOCKS [REPS]\n", argv[0]);
        return 2;
    }
    int plain = strcmp(argv[1], "plain") == 0;
    int32_t blocks = (int32_t)strtol(argv[2], 0, 0);
    int32_t reps = argc > 3 ? (int32_t)strtol(argv[3], 0, 0) : 1;
    WasmVmCtx *vm = wasm_rt_new(0);
    if (!vm) {
        fputs("instantiation failed\n", stderr);
        return 1;
    }
    wasm_rt_prepare(vm);
    uint32_t buf = (uint32_t)wasm_input_buffer(vm);
    wasm_rt_prepare(vm);
    uint32_t cap = (uint32_t)wasm_input_capacity(vm);
    if (vm->trap_code || (uint64_t)buf + cap > vm->mem_len) {
        fputs("bad input buffer\n", stderr);
        return 1;
    }
    for (uint32_t i = 0; i < cap; i++)
        vm->mem_base[buf + i] = (uint8_t)(i * 131 + 7);
    wasm_rt_prepare(vm);
    int32_t r = plain ? wasm_bench_plain(vm, blocks, reps) : wasm_bench_neon(vm, blocks, reps);
    if (vm->trap_code) {
        fprintf(stderr, "trap %s\n", wasm_rt_trap_message(vm->trap_code));
        return 1;
    }
    printf("%s: %" PRId32 " blocks x %" PRId32 ": state0 %08" PRIx32 "\n", argv[1], blocks, reps,
           (uint32_t)r);
    wasm_rt_free(vm);
    return 0;
}
