/* C side of objects emitted by `engine compile --emit-obj` (aarch64 or x86_64).
 *
 * Every exported Wasm function `f` is `wasm_f(WasmVmCtx *vm, args...)` with the platform C
 * calling convention (i32 -> int32_t, i64 -> int64_t, v128 -> wasm_v128). Compiled code never
 * traps by signal: on a Wasm trap it stores a WASM_TRAP_* code into vm->trap_code and returns
 * zeros, so after every call check `vm->trap_code` (and call wasm_rt_prepare() before it).
 * The layout below must match engine/src/vmctx.rs. */
#pragma once
#include <stddef.h>
#include <stdint.h>

typedef uint32_t wasm_v128 __attribute__((vector_size(16)));

typedef struct WasmGlobal {
    uint64_t lo, hi; /* i32/i64 in lo (little-endian low bytes); v128 as lo|hi */
} WasmGlobal;

typedef struct WasmVmCtx {
    uint8_t *mem_base;         /* 0: linear memory; never moves */
    uint64_t mem_len;          /* 8: current size in bytes */
    uint64_t mem_cap;          /* 16: reserved bytes; memory.grow fails beyond */
    uint32_t trap_code;        /* 24: 0 or WASM_TRAP_* */
    uint32_t call_depth;       /* 28: reset to 0 before each entry */
    uint32_t call_depth_limit; /* 32: deeper calls trap WASM_TRAP_CALL_STACK_EXHAUSTED */
    uint32_t reserved;         /* 36 */
    uint64_t stack_limit;      /* 40: lowest allowed native sp, 0 = unchecked */
    WasmGlobal globals[];      /* 48: one 16-byte slot per Wasm global */
} WasmVmCtx;

_Static_assert(offsetof(WasmVmCtx, mem_len) == 8, "layout");
_Static_assert(offsetof(WasmVmCtx, trap_code) == 24, "layout");
_Static_assert(offsetof(WasmVmCtx, call_depth_limit) == 32, "layout");
_Static_assert(offsetof(WasmVmCtx, stack_limit) == 40, "layout");
_Static_assert(offsetof(WasmVmCtx, globals) == 48, "layout");

enum {
    WASM_TRAP_NONE = 0,
    WASM_TRAP_UNREACHABLE = 1,
    WASM_TRAP_MEMORY_OUT_OF_BOUNDS = 2,
    WASM_TRAP_INTEGER_DIVIDE_BY_ZERO = 3,
    WASM_TRAP_INTEGER_OVERFLOW = 4,
    WASM_TRAP_CALL_STACK_EXHAUSTED = 5,
    WASM_TRAP_INDIRECT_CALL = 6,
};

/* Tables emitted into the object. */
typedef struct WasmModuleInfo {
    uint32_t initial_pages, max_pages, num_globals, num_data_segments;
} WasmModuleInfo;
typedef struct WasmDataSegment {
    uint32_t mem_offset, len, blob_offset, reserved;
} WasmDataSegment;
extern const WasmModuleInfo wasm_module_info;
extern const WasmDataSegment wasm_data_segments[];
extern const uint8_t wasm_data_blob[];
extern const WasmGlobal wasm_globals_init[];
/* Defined only if the module has a start function. */
extern void __wasm_start(WasmVmCtx *vm) __attribute__((weak));

/* Allocate a VmCtx and memory (initial pages, reserving up to min(max, reserve_pages); 0 means
 * 1024), copy data segments, initialise globals, run the start function. NULL on failure. */
WasmVmCtx *wasm_rt_new(uint32_t reserve_pages);
/* Reset trap code and call depth before calling an export. */
void wasm_rt_prepare(WasmVmCtx *vm);
const char *wasm_rt_trap_message(uint32_t code);
void wasm_rt_free(WasmVmCtx *vm);
