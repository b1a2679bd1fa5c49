#!/bin/sh
# Builds the insncount plugin and test/loop.c, then checks exact counts:
#  - counted_kernel:    insns=14 crypto=3 gpr_vec_moves=2
#  - classifier_kernel: insns=79 crypto=27 gpr_vec_moves=18 (encoding classifier:
#    every crypto class, with near misses from the neighbouring encodings (PMULL
#    8x8, SM3/SM4, Advanced SIMD misc), FP reg moves, conversions, element moves)
#  - whole program: total equals the number of instructions QEMU itself logs
#    with -singlestep -d exec,nochain (an independent count), and crypto=30
#    (libc executes no crypto instructions).
# Exits non-zero on any mismatch.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
QEMU=${QEMU:-qemu-aarch64}
"$here/build.sh" >/dev/null

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
aarch64-linux-gnu-gcc -O2 -march=armv8.2-a+crypto+fp16+sha3+sm4 -static \
    -o "$work/loop" "$here/test/loop.c"

fail=0
check() { # name expected actual
    if [ "$2" = "$3" ]; then
        echo "ok   $1: $3"
    else
        echo "FAIL $1: expected '$2', got '$3'"
        fail=1
    fi
}

check counted_kernel "insns=14 crypto=3 gpr_vec_moves=2" \
    "$("$here/count.sh" "$work/loop" counted_kernel 2>/dev/null)"
check classifier_kernel "insns=79 crypto=27 gpr_vec_moves=18" \
    "$("$here/count.sh" "$work/loop" classifier_kernel 2>/dev/null)"

# Same stdout target in both runs: libc's stdio takes different paths for a
# terminal, a pipe and /dev/null, which changes the dynamic count.
whole=$("$QEMU" -plugin "$here/build/libinsncount.so" "$work/loop" 2>&1 >/dev/null | grep '^insns=')
"$QEMU" -singlestep -d exec,nochain -D "$work/exec.log" "$work/loop" >/dev/null
logged=$(grep -c '^Trace ' "$work/exec.log")
check "whole-program insns vs qemu exec log" "insns=$logged" "${whole%% *}"
crypto=$(echo "$whole" | sed 's/.* crypto=\([0-9]*\).*/\1/')
check "whole-program crypto" 30 "$crypto"

if [ "$fail" -ne 0 ]; then
    echo "selftest FAILED"
    exit 1
fi
echo "selftest passed ($whole)"
