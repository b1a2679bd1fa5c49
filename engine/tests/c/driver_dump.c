/* Driver for generated test modules (tests/intrinsics_lowering.rs): calls `run()`, which
 * returns the address of its output, and prints `out_len()` bytes as one little-endian v128
 * per line (0x + 32 hex digits). */
#include <inttypes.h>
#include <stdio.h>
#include "module.h"

int main(void) {
    WasmVmCtx *vm = wasm_rt_new(0);
    if (!vm) { puts("instantiation failed"); return 1; }
    wasm_rt_prepare(vm);
    uint32_t out = (uint32_t)wasm_run(vm);
    if (vm->trap_code) { printf("trap %s\n", wasm_rt_trap_message(vm->trap_code)); return 1; }
    wasm_rt_prepare(vm);
    uint32_t len = (uint32_t)wasm_out_len(vm);
    for (uint32_t i = 0; i + 16 <= len; i += 16) {
        const uint8_t *p = vm->mem_base + out + i;
        printf("0x");
        for (int b = 15; b >= 0; b--) printf("%02x", p[b]);
        printf("\n");
    }
    wasm_rt_free(vm);
    return 0;
}
