/* Driver for a program module's `process` (c/programs/README.md) compiled by the engine
 * (tests/intrinsics_lowering.rs): reads records `u32 length (little-endian), bytes` from
 * stdin, copies each into the module's input buffer, and prints the output as hex. */
#include <stdio.h>
#include <string.h>
#include "module.h"

int main(void) {
    WasmVmCtx *vm = wasm_rt_new(0);
    if (!vm) { puts("instantiation failed"); return 1; }
    wasm_rt_prepare(vm);
    uint32_t in = (uint32_t)wasm_input_buffer(vm);
    uint32_t cap = (uint32_t)wasm_input_capacity(vm);
    unsigned char len_bytes[4];
    while (fread(len_bytes, 1, 4, stdin) == 4) {
        uint32_t len = len_bytes[0] | len_bytes[1] << 8 | len_bytes[2] << 16 |
                       (uint32_t)len_bytes[3] << 24;
        /* Input at the start of the buffer, output in its second half. */
        uint32_t out = in + cap / 2;
        if (len + 64 > cap / 2 || fread(vm->mem_base + in, 1, len, stdin) != len) {
            printf("bad record of %u bytes\n", len);
            return 1;
        }
        wasm_rt_prepare(vm);
        uint32_t n = (uint32_t)wasm_process(vm, (int32_t)in, (int32_t)len, (int32_t)out);
        if (vm->trap_code) { printf("trap %s\n", wasm_rt_trap_message(vm->trap_code)); return 1; }
        for (uint32_t i = 0; i < n; i++) printf("%02x", vm->mem_base[out + i]);
        printf("\n");
    }
    wasm_rt_free(vm);
    return 0;
}
