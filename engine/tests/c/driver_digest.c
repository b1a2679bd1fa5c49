/* Driver for a program module's `digest` (c/programs/README.md) compiled by the engine
 * (tests/intrinsics_lowering.rs): reads records `u32 length (little-endian), bytes` from stdin,
 * copies each message into the module's input buffer, and prints its digest as hex. */
#include <stdio.h>
#include <string.h>
#include "module.h"

int main(void) {
    WasmVmCtx *vm = wasm_rt_new(0);
    if (!vm) { puts("instantiation failed"); return 1; }
    wasm_rt_prepare(vm);
    uint32_t in = (uint32_t)wasm_input_buffer(vm);
    uint32_t cap = (uint32_t)wasm_input_capacity(vm);
    uint32_t size = (uint32_t)wasm_digest_size(vm);
    uint32_t out = in + cap - 64; /* the buffer's tail, past any message */
    unsigned char len_bytes[4];
    while (fread(len_bytes, 1, 4, stdin) == 4) {
        uint32_t len = len_bytes[0] | len_bytes[1] << 8 | len_bytes[2] << 16 |
                       (uint32_t)len_bytes[3] << 24;
        if (len > cap - 64 || fread(vm->mem_base + in, 1, len, stdin) != len) {
            printf("bad message of %u bytes\n", len);
            return 1;
        }
        wasm_rt_prepare(vm);
        wasm_digest(vm, (int32_t)in, (int32_t)len, (int32_t)out);
        if (vm->trap_code) { printf("trap %s\n", wasm_rt_trap_message(vm->trap_code)); return 1; }
        for (uint32_t i = 0; i < size; i++) printf("%02x", vm->mem_base[out + i]);
        printf("\n");
    }
    wasm_rt_free(vm);
    return 0;
}
