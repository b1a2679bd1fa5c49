/* arm_neon.h shim: with -Ic/include, C written against the ACLE compiles
 * unchanged for wasm32 (generated wasm_arm_neon.h) and for AArch64 (the
 * compiler's own arm_neon.h, reached with #include_next). Hand-written. */
#if defined(__wasm__)
#include "wasm_arm_neon.h"
#else
#include_next <arm_neon.h>
#endif
