/* The availability query of wasm_arm_neon.h when the fallbacks are linked in:
 * every intrinsic is emulated in pure Wasm, none runs as its instruction. */
int __intrinsic_is_available(int intrinsic_id);

int __intrinsic_is_available(int intrinsic_id) {
    (void)intrinsic_id;
    return 0;
}
