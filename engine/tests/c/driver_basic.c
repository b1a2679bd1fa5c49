/* Driver for the object test (tests/object_aarch64.rs): calls the exports of the test module
 * and prints one line per result; traps are printed as "trap <code> <message>". */
#include <inttypes.h>
#include <stdio.h>
#include "module.h"

#define CHECK(vm, label)                                                               \
    do {                                                                               \
        if ((vm)->trap_code)                                                           \
            printf("%s trap %u %s\n", label, (vm)->trap_code,                         \
                   wasm_rt_trap_message((vm)->trap_code));                             \
    } while (0)

int main(void) {
    WasmVmCtx *vm = wasm_rt_new(0);
    if (!vm) { puts("instantiation failed"); return 1; }

    wasm_rt_prepare(vm);
    printf("add %" PRId32 "\n", wasm_add(vm, 40, 2));
    wasm_rt_prepare(vm);
    printf("add_alias %" PRId32 "\n", wasm_add_alias(vm, -5, 2));
    wasm_rt_prepare(vm);
    printf("fac %" PRId64 "\n", wasm_fac(vm, 20));
    wasm_rt_prepare(vm);
    printf("sum_bytes %" PRId32 "\n", wasm_sum_bytes(vm, 16, 5));
    wasm_rt_prepare(vm);
    printf("bump %" PRId32 "\n", wasm_bump(vm));
    wasm_rt_prepare(vm);
    printf("bump %" PRId32 "\n", wasm_bump(vm));
    wasm_rt_prepare(vm);
    wasm_v128 a = {1, 2, 3, 4}, b = {10, 20, 30, 0xffffffffu};
    wasm_v128 r = wasm_vadd(vm, a, b);
    printf("vadd %u %u %u %u\n", r[0], r[1], r[2], r[3]);
    wasm_rt_prepare(vm);
    printf("vsum %" PRId32 "\n", wasm_vsum(vm, 16));
    wasm_rt_prepare(vm);
    int32_t old = wasm_grow(vm, 1); /* separate statements: argument order is unspecified */
    printf("grow %" PRId32 " size %" PRId32 "\n", old, wasm_size(vm));

    wasm_rt_prepare(vm);
    int32_t v = wasm_load(vm, 1 << 30);
    printf("load %" PRId32 "\n", v);
    CHECK(vm, "load");
    wasm_rt_prepare(vm);
    v = wasm_div(vm, 1, 0);
    CHECK(vm, "div");
    wasm_rt_prepare(vm);
    v = wasm_div(vm, INT32_MIN, -1);
    CHECK(vm, "div");
    wasm_rt_prepare(vm);
    wasm_recurse(vm, 0);
    CHECK(vm, "recurse");
    wasm_rt_prepare(vm);
    printf("div %" PRId32 "\n", wasm_div(vm, 100, 7));
    CHECK(vm, "div");
    wasm_rt_free(vm);
    return 0;
}
