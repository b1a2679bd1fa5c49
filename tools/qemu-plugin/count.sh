#!/bin/sh
# Usage: count.sh PROGRAM FUNCTION [ARGS...]
# Runs the (static or dynamic) AArch64 PROGRAM under qemu-aarch64 with the
# insncount plugin restricted to FUNCTION's bytes [addr, addr+size) from
# `aarch64-linux-gnu-nm -S` (FUNCTION `-`: the whole program), and prints the
# plugin's line on stdout:
#   insns=N crypto=N gpr_vec_moves=N
# Counts include every call of FUNCTION but not its callees (outside the range).
# PROGRAM's stdout goes to stderr so that stdout carries only the plugin line;
# stdin is passed through. Exit status is PROGRAM's.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
QEMU=${QEMU:-qemu-aarch64}
NM=${NM:-aarch64-linux-gnu-nm}

if [ $# -lt 2 ]; then
    echo "usage: $0 PROGRAM FUNCTION [ARGS...]" >&2
    exit 2
fi
prog=$1 func=$2
shift 2

plugin=$here/build/libinsncount.so
if [ ! -f "$plugin" ] || [ "$here/insncount.c" -nt "$plugin" ] || [ "$here/qemu_plugin_abi.h" -nt "$plugin" ]; then
    "$here/build.sh" >/dev/null
fi

if [ "$func" = - ]; then
    start=0x0 end=0xffffffffffffffff
else
    # Text symbols only (t/T); a function needs a size to define its range.
    sym=$("$NM" -S "$prog" | awk -v f="$func" '$4 == f && ($3 == "T" || $3 == "t") { print $1, $2; exit }')
    if [ -z "$sym" ]; then
        echo "$0: no sized text symbol '$func' in $prog (stripped, or asm without .size?)" >&2
        exit 1
    fi
    start=$(printf '0x%s' "${sym% *}")
    size=$(printf '0x%s' "${sym#* }")
    end=$(printf '0x%x' $((start + size)))
fi

errf=$(mktemp)
trap 'rm -f "$errf"' EXIT
status=0
"$QEMU" -plugin "$plugin,start=$start,end=$end" "$prog" "$@" 2>"$errf" >&2 || status=$?
grep -v '^insns=' "$errf" >&2 || true
line=$(grep '^insns=' "$errf" | tail -n 1 || true)
if [ -z "$line" ]; then
    echo "$0: plugin printed no result (qemu exit status $status)" >&2
    exit 1
fi
echo "$line"
exit "$status"
