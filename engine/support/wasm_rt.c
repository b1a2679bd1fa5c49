/* Minimal runtime for objects emitted by `engine compile` (see wasm_rt.h). */
#include "wasm_rt.h"
#include <stdlib.h>
#include <string.h>

#define WASM_PAGE 65536ull

WasmVmCtx *wasm_rt_new(uint32_t reserve_pages) {
    const WasmModuleInfo *mi = &wasm_module_info;
    uint64_t cap = reserve_pages ? reserve_pages : 1024;
    if (cap > mi->max_pages) cap = mi->max_pages;
    if (cap < mi->initial_pages) cap = mi->initial_pages;
    WasmVmCtx *vm = calloc(1, sizeof(WasmVmCtx) + mi->num_globals * sizeof(WasmGlobal));
    if (!vm) return NULL;
    /* calloc: memory must start zeroed, and grown pages must already be zero. */
    vm->mem_base = cap ? calloc(cap, WASM_PAGE) : NULL;
    if (cap && !vm->mem_base) { free(vm); return NULL; }
    vm->mem_len = mi->initial_pages * WASM_PAGE;
    vm->mem_cap = cap * WASM_PAGE;
    vm->call_depth_limit = 10000;
    for (uint32_t i = 0; i < mi->num_data_segments; i++) {
        const WasmDataSegment *s = &wasm_data_segments[i];
        if ((uint64_t)s->mem_offset + s->len > vm->mem_len) { wasm_rt_free(vm); return NULL; }
        memcpy(vm->mem_base + s->mem_offset, wasm_data_blob + s->blob_offset, s->len);
    }
    memcpy(vm->globals, wasm_globals_init, mi->num_globals * sizeof(WasmGlobal));
    if (__wasm_start) {
        wasm_rt_prepare(vm);
        __wasm_start(vm);
        if (vm->trap_code) { wasm_rt_free(vm); return NULL; }
    }
    return vm;
}

void wasm_rt_prepare(WasmVmCtx *vm) {
    vm->trap_code = 0;
    vm->call_depth = 0;
}

const char *wasm_rt_trap_message(uint32_t code) {
    switch (code) {
    case WASM_TRAP_NONE: return "no trap";
    case WASM_TRAP_UNREACHABLE: return "unreachable executed";
    case WASM_TRAP_MEMORY_OUT_OF_BOUNDS: return "out of bounds memory access";
    case WASM_TRAP_INTEGER_DIVIDE_BY_ZERO: return "integer divide by zero";
    case WASM_TRAP_INTEGER_OVERFLOW: return "integer overflow";
    case WASM_TRAP_CALL_STACK_EXHAUSTED: return "call stack exhausted";
    case WASM_TRAP_INDIRECT_CALL: return "indirect call type mismatch";
    default: return "unknown trap";
    }
}

void wasm_rt_free(WasmVmCtx *vm) {
    if (!vm) return;
    free(vm->mem_base);
    free(vm);
}
