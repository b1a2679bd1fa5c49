/* Driver for the clang-compiled SHA-1 module on aarch64 (tests/clang_sha1.rs). */
#include <stdio.h>
#include <string.h>
#include "module.h"

static void print_digest(WasmVmCtx *vm, const char *label) {
    if (vm->trap_code) { printf("%s trap %s\n", label, wasm_rt_trap_message(vm->trap_code)); return; }
    wasm_rt_prepare(vm);
    const uint8_t *d = vm->mem_base + (uint32_t)wasm_digest_ptr(vm);
    printf("%s ", label);
    for (int i = 0; i < 20; i++) printf("%02x", d[i]);
    printf("\n");
}

int main(void) {
    WasmVmCtx *vm = wasm_rt_new(0);
    if (!vm) { puts("instantiation failed"); return 1; }
    wasm_rt_prepare(vm);
    memcpy(vm->mem_base + (uint32_t)wasm_input_ptr(vm), "abc", 3);
    wasm_rt_prepare(vm);
    wasm_hash_input(vm, 3);
    print_digest(vm, "abc");
    wasm_rt_prepare(vm);
    wasm_hash_repeat_a(vm, 1000000);
    print_digest(vm, "million_a");
    wasm_rt_free(vm);
    return 0;
}
