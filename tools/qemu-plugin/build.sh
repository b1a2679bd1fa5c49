#!/bin/sh
# Build the insncount TCG plugin for the host's qemu-aarch64 (QEMU 7.2, API v1).
# The QEMU API symbols stay undefined here; qemu-aarch64 exports them and they
# resolve when QEMU dlopen()s the plugin.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$here/build"
gcc -O2 -Wall -Wextra -shared -fPIC -fvisibility=hidden \
    -o "$here/build/libinsncount.so" "$here/insncount.c"
echo "$here/build/libinsncount.so"
