/* Driver for the SHA-1 kernel module (c/prebuilt/sha1_kernel_*.wasm) compiled by the engine
 * (tests/intrinsics_lowering.rs). No arguments: prints `kat <failed mask>` and
 * `features <engine_features()>`. `bench N`: hashes N blocks with the intrinsics kernel once
 * (for instruction counts) and prints the returned state word. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "module.h"

int main(int argc, char **argv) {
    WasmVmCtx *vm = wasm_rt_new(0);
    if (!vm) { puts("instantiation failed"); return 1; }
    if (argc == 3 && strcmp(argv[1], "bench") == 0) {
        wasm_rt_prepare(vm);
        int32_t r = wasm_bench_neon(vm, atoi(argv[2]), 1);
        if (vm->trap_code) { printf("trap %s\n", wasm_rt_trap_message(vm->trap_code)); return 1; }
        printf("bench %08" PRIx32 "\n", (uint32_t)r);
        return 0;
    }
    wasm_rt_prepare(vm);
    int32_t failed = wasm_kat(vm);
    if (vm->trap_code) { printf("trap %s\n", wasm_rt_trap_message(vm->trap_code)); return 1; }
    wasm_rt_prepare(vm);
    int32_t features = wasm_engine_features(vm);
    printf("kat %" PRId32 "\nfeatures %" PRId32 "\n", failed, features);
    wasm_rt_free(vm);
    return 0;
}
