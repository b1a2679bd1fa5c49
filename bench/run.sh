#!/usr/bin/env bash
# Benchmarks of the intrinsics engine, for every program of c/programs/ (see
# docs/performance.md). Programs are found with `c/build.sh programs`, so a new program needs
# no change here; each follows the interface of c/programs/README.md.
#
#   bench/run.sh [--short] [--out DIR]
#
# Per program P:
# 1. AArch64 dynamic instructions per 64-byte block (qemu-aarch64 + tools/qemu-plugin,
#    restricted to the block function P_blocks / wasm_P_blocks): native gcc and clang, and the
#    engine's objects compiled from c/prebuilt/P_kernel_imports.wasm with lowering (D)
#    aarch64-native with and without lane-0 forwarding and (A) portable; plain C for
#    reference. Per block = (count(N) - count(1)) / (N-1), with crypto instructions and
#    GPR<->vector moves. Also the static size and a classification of each kernel's loop
#    (bench/classify.py).
# 2. x86-64 throughput, MB/s per CPU-second, median of several runs hashing the 1 MiB input
#    buffer REPS times inside Wasm: engine JIT (A) and (E) x86-native (if this CPU has SHA,
#    AES, PCLMULQDQ, SSSE3, SSE4.1), native plain C, native C with the x86 intrinsics
#    (bench/x86/P_x86.c standing in for the kernel, if there is one), PyPI wasmtime and Node
#    on the fallback-mode module (c/prebuilt/P_kernel_fallback.wasm), intrinsics and plain C;
#    and OpenSSL's `openssl speed -evp ALG` as the ceiling (ALG from bench/x86/openssl-algorithms).
# 3. x86-64 instructions per block of the same runs under callgrind (if valgrind is installed).
# 4. Engine JIT compile time per function (portable lowering), median of several runs.
#
# Writes bench/results.json and bench/results.md (with --short: bench/out/short/, so the
# checked-in results stay untouched); raw pieces go to OUT/raw/P/. --short uses small block
# counts and a debug build of the bench binary, only checking that every number is produced.
# Environment: CARGO_TARGET_DIR (default: the workspace's target/, so a built workspace is
# reused), BENCH_RUNS (throughput runs, default 7), BENCH_REPS (default 64 = 64 MiB per run).
set -euo pipefail

BENCH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$BENCH")
SHORT=0
OUT=
while [ $# -gt 0 ]; do
    case "$1" in
        --short) SHORT=1 ;;
        --out) OUT=$2; shift ;;
        -h | --help) awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"; exit 0 ;;
        *) echo "run.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
    esac
    shift
done
if [ -z "$OUT" ]; then
    if [ "$SHORT" = 1 ]; then OUT=$BENCH/out/short; else OUT=$BENCH; fi
fi
RAW=$OUT/raw
WORK=$BENCH/out/work
mkdir -p "$RAW" "$WORK"
# Old results, including a previous layout's flat files and programs that no longer exist.
rm -f "$RAW"/*.json "$RAW"/*.txt "$RAW"/*/*.json
find "$RAW" -mindepth 1 -type d -empty -delete

die() { echo "run.sh: error: $*" >&2; exit 1; }
say() { echo "== $*" >&2; }
# need TOOL DEBIAN-PACKAGE...
need() {
    local tool=$1; shift
    command -v "$tool" >/dev/null 2>&1 ||
        die "'$tool' not found; install Debian package(s) $* (apt-get install -y --no-install-recommends $*)"
}

need cargo "rustup/cargo (not a Debian package here)"
need gcc gcc
need python3 python3
need aarch64-linux-gnu-gcc gcc-aarch64-linux-gnu
need aarch64-linux-gnu-objdump binutils-aarch64-linux-gnu
need aarch64-linux-gnu-nm binutils-aarch64-linux-gnu
need qemu-aarch64 qemu-user
need clang clang
[ -e /usr/aarch64-linux-gnu/include/stdio.h ] ||
    die "AArch64 C library headers missing; install Debian package libc6-dev-arm64-cross"
# Lowering (E) runs only where the CPU has its features (the same list the engine checks).
HAVE_X86_E=1
for feat in sha_ni aes pclmulqdq ssse3 sse4_1; do
    grep -qw "$feat" /proc/cpuinfo || { HAVE_X86_E=0; echo "run.sh: warning: this CPU lacks $feat: engine (E) rows skipped" >&2; }
done
HAVE_OPENSSL=1; command -v openssl >/dev/null 2>&1 || { HAVE_OPENSSL=0; echo "run.sh: warning: openssl not found (Debian package openssl): OpenSSL rows skipped" >&2; }
HAVE_NODE=1; command -v node >/dev/null 2>&1 || { HAVE_NODE=0; echo "run.sh: warning: node not found (Debian package nodejs): Node rows skipped" >&2; }
HAVE_VALGRIND=1; command -v valgrind >/dev/null 2>&1 && command -v callgrind_annotate >/dev/null 2>&1 ||
    { HAVE_VALGRIND=0; echo "run.sh: warning: valgrind not found (Debian package valgrind): x86-64 instruction counts skipped" >&2; }

if [ "$SHORT" = 1 ]; then
    N=33; BLOCKS=256; REPS=${BENCH_REPS:-1}; RUNS=${BENCH_RUNS:-1}; CT_RUNS=1; CG_N=9; OPENSSL_SECONDS=1
    PROFILE=dev; PROFILE_DIR=debug
else
    N=1001; BLOCKS=16384; REPS=${BENCH_REPS:-64}; RUNS=${BENCH_RUNS:-7}; CT_RUNS=11; CG_N=257; OPENSSL_SECONDS=3
    PROFILE=release; PROFILE_DIR=release
fi
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
C=$ROOT/c
SUPPORT=$ROOT/engine/support
mapfile -t PROGRAMS < <(bash "$C/build.sh" programs)
[ ${#PROGRAMS[@]} -gt 0 ] || die "c/build.sh programs listed no programs"
for P in "${PROGRAMS[@]}"; do
    for m in imports fallback; do
        [ -f "$C/prebuilt/${P}_kernel_$m.wasm" ] ||
            die "c/prebuilt/${P}_kernel_$m.wasm missing; run c/build.sh prebuilt"
    done
done
say "programs: ${PROGRAMS[*]}"

# ---------------------------------------------------------------- builds
say "building the engine CLI (dev profile: its output does not depend on the profile)"
(cd "$ROOT" && cargo build --quiet -p engine --bin engine) || die "cargo build -p engine failed"
ENGINE=$CARGO_TARGET_DIR/debug/engine
say "building bench/engine-throughput ($PROFILE)"
prof_flag=(); [ "$PROFILE" = release ] && prof_flag=(--release)
(cd "$BENCH/engine-throughput" && cargo build --quiet "${prof_flag[@]}") || die "building bench/engine-throughput failed"
ET=$CARGO_TARGET_DIR/$PROFILE_DIR/engine-throughput

# ---------------------------------------------------------------- per-program builds
A64_FLAGS=(-O3 -march=armv8-a+crypto -static -Wall -Wextra -Werror)
CLANG_A64=(clang --target=aarch64-linux-gnu "${A64_FLAGS[@]}")
# engine objects: name:flags
ENGINE_VARIANTS=(
    "engine-D-fwd:--lowering aarch64-native"
    "engine-D-nofwd:--lowering aarch64-native --no-lane0-forwarding"
    "engine-A:--lowering portable"
)

# The helpers below work on the current program: P (name), PD (its c/programs directory),
# PW (work directory), PR (raw results), IMPORTS and FALLBACK (its prebuilt modules), set by
# the loop at the end.

# Library sources (c/programs/README.md): every .c but the two with a native main.
library() {
    local f
    for f in "$PD"/*.c; do
        case "$(basename "$f")" in kat.c | bench.c) ;; *) echo "$f" ;; esac
    done
}

# Native AArch64 benches (gcc, clang), the x86-64 plain-C bench, and the engine objects
# linked with the driver, into PW.
build_program() {
    local lib portable f v name flags d
    mapfile -t lib < <(library)
    aarch64-linux-gnu-gcc "${A64_FLAGS[@]}" -o "$PW/bench_gcc" "${lib[@]}" "$PD/bench.c"
    rm -f "$PW/bench_clang"
    "${CLANG_A64[@]}" -o "$PW/bench_clang" "${lib[@]}" "$PD/bench.c" 2>"$PW/clang.err" ||
        echo "run.sh: warning: $P: clang could not build for aarch64 (see $PW/clang.err); row skipped" >&2
    # x86-64 has no <arm_neon.h>: the library without the kernel, and in its place the x86
    # intrinsics kernel of bench/x86 if there is one (bench.c's `neon` mode then runs it),
    # else a stub.
    portable=()
    for f in "${lib[@]}"; do grep -q '^#include <arm_neon.h>' "$f" || portable+=("$f"); done
    [ -f "$BENCH/x86/${P}_x86.c" ] && portable+=("$BENCH/x86/${P}_x86.c")
    # One stub per kernel function bench.c names that the portable library does not define.
    local objs=() stubs=() sym
    for f in "$PD/bench.c" "${portable[@]}"; do
        gcc -O3 -Wall -Wextra -Werror -I"$PD" -c "$f" -o "$PW/x86_$(basename "$f" .c).o"
        objs+=("$PW/x86_$(basename "$f" .c).o")
    done
    for sym in $(nm -u "$PW/x86_bench.o" | awk '{print $2}' | grep "^${P}_"); do
        nm --defined-only "${objs[@]}" | awk '{print $3}' | grep -qx "$sym" && continue
        gcc -O2 -Wall -Werror -DKERNEL_FUNCTION="$sym" -c "$BENCH/native/no_neon.c" -o "$PW/stub_$sym.o"
        stubs+=("$PW/stub_$sym.o")
    done
    gcc -O3 -o "$PW/bench_x86" "${objs[@]}" "${stubs[@]}"
    for v in "${ENGINE_VARIANTS[@]}"; do
        name=${v%%:*}; read -r -a flags <<<"${v#*:}"
        d=$PW/$name; mkdir -p "$d"
        "$ENGINE" compile "$IMPORTS" --emit-obj "$d/module.o" --emit-header "$d/module.h" \
            --target aarch64 "${flags[@]}" 2>"$d/compile.err" ||
            { cat "$d/compile.err" >&2; die "$P: engine compile ($name) failed"; }
        if grep -q "portable lowering" "$d/compile.err"; then
            echo "run.sh: warning: $P: $name: $(cat "$d/compile.err")" >&2
        fi
        aarch64-linux-gnu-gcc -static -O2 -std=c11 -Wall -Werror -I"$SUPPORT" -I"$d" \
            "$BENCH/native/driver_bench.c" "$SUPPORT/wasm_rt.c" "$d/module.o" -o "$d/driver_bench"
        aarch64-linux-gnu-objdump -d --no-show-raw-insn "$d/module.o" >"$d/module.dis"
    done
}

# ---------------------------------------------------------------- AArch64 counts
COUNT=$ROOT/tools/qemu-plugin/count.sh
# count_row ID PROGRAM FUNCTION DISASSEMBLY MODE [RANGE]: counts for 1 and N blocks, state
# check, static loop classification; writes PR/a64_ID.json. The counts are of FUNCTION's own
# instructions, or with RANGE `-` of the whole program (the difference between the two runs
# is then the blocks' work including callees).
count_row() {
    local id=$1 prog=$2 func=$3 dis=$4 mode=$5 range=${6:-$3} args1 argsn c1 cn log state
    if [ "$(basename "$prog")" = driver_bench ]; then args1=("$mode" 1); argsn=("$mode" "$N")
    else args1=("$mode" 1 1); argsn=("$mode" "$N" 1); fi
    log=$PW/count_$id.log
    c1=$("$COUNT" "$prog" "$range" "${args1[@]}" 2>"$log") || { cat "$log" >&2; die "$P: count $id (1 block) failed"; }
    cn=$("$COUNT" "$prog" "$range" "${argsn[@]}" 2>"$log") || { cat "$log" >&2; die "$P: count $id ($N blocks) failed"; }
    # The native bench prints "state W0 W1 ...", the driver "state0 W0": word 0 after N blocks.
    state=$(grep -oE '(state0? )[0-9a-f]{8}' "$log" | head -n1 | awk '{print $2}')
    python3 "$BENCH/classify.py" "$dis" "$func" >"$PW/loop_$id.json"
    python3 - "$id" "$func" "$N" "$c1" "$cn" "$state" "$PW/loop_$id.json" >"$PR/a64_$id.json" <<'EOF'
import json, re, sys
id_, func, n, c1, cn, state, loop = sys.argv[1:]
n = int(n)
p = lambda s: {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", s)}
a, b = p(c1), p(cn)
per = {k: (b[k] - a[k]) / (n - 1) for k in a}
print(json.dumps({"id": id_, "function": func, "blocks": [1, n], "count_1": a, "count_n": b,
                  "per_block": per, "state0": state, "loop": json.load(open(loop))}))
EOF
    echo "   $P $id: $(python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(d['per_block'])" "$PR/a64_$id.json")" >&2
}

count_program() {
    local v name
    aarch64-linux-gnu-objdump -d --no-show-raw-insn "$PW/bench_gcc" >"$PW/bench_gcc.dis"
    count_row gcc "$PW/bench_gcc" "${P}_blocks" "$PW/bench_gcc.dis" neon
    if [ -x "$PW/bench_clang" ]; then
        aarch64-linux-gnu-objdump -d --no-show-raw-insn "$PW/bench_clang" >"$PW/bench_clang.dis"
        count_row clang "$PW/bench_clang" "${P}_blocks" "$PW/bench_clang.dis" neon
    fi
    for v in "${ENGINE_VARIANTS[@]}"; do
        name=${v%%:*}
        count_row "$name" "$PW/$name/driver_bench" "wasm_${P}_blocks" "$PW/$name/module.dis" neon
    done
    # Plain (scalar) C for reference: native gcc, and compiled to Wasm then by the engine.
    count_row gcc-plain "$PW/bench_gcc" "plain_${P}_blocks" "$PW/bench_gcc.dis" plain -
    # Plain C block functions call out (AES-GCM's, per block), and the engine inlines nothing:
    # these rows count the whole program.
    count_row engine-plain "$PW/engine-A/driver_bench" "wasm_plain_${P}_blocks" "$PW/engine-A/module.dis" plain -
}

# ---------------------------------------------------------------- x86-64 throughput
throughput_program() {
    local e f
    # native plain C: bench.c prints MB/s per CPU-second; RUNS separate processes.
    python3 - "$PW/bench_x86" "plain_${P}_blocks" "$BLOCKS" "$REPS" "$RUNS" >"$PR/tp_native_plain.json" <<'EOF'
import json, re, statistics, subprocess, sys
prog, func = sys.argv[1], sys.argv[2]
blocks, reps, runs = map(int, sys.argv[3:])
mb, state = [], None
for _ in range(runs):
    out = subprocess.run([prog, "plain", str(blocks), str(reps)], check=True, capture_output=True, text=True).stdout
    mb.append(float(re.search(r"([\d.]+) MB/s", out).group(1)))
    state = re.search(r"state ([0-9a-f]{8})", out).group(1)
print(json.dumps({"runner": "native-gcc-O3", "export": func, "blocks": blocks, "reps": reps,
                  "state0": state, "mbps_cpu_runs": mb, "mbps_cpu_median": statistics.median(mb)}))
EOF
    # native C with the x86 intrinsics: bench.c's `neon` mode with bench/x86's kernel.
    if [ -f "$BENCH/x86/${P}_x86.c" ]; then
        python3 - "$PW/bench_x86" "${P}_blocks" "$BLOCKS" "$REPS" "$RUNS" neon >"$PR/tp_native_x86.json" <<'EOF'
import json, re, statistics, subprocess, sys
prog, func = sys.argv[1], sys.argv[2]
blocks, reps, runs = map(int, sys.argv[3:6])
mb, state = [], None
for _ in range(runs):
    out = subprocess.run([prog, sys.argv[6], str(blocks), str(reps)], check=True, capture_output=True, text=True).stdout
    mb.append(float(re.search(r"([\d.]+) MB/s", out).group(1)))
    state = re.search(r"state ([0-9a-f]{8})", out).group(1)
print(json.dumps({"runner": "native-gcc-O3-x86-intrinsics", "export": func, "blocks": blocks, "reps": reps,
                  "state0": state, "mbps_cpu_runs": mb, "mbps_cpu_median": statistics.median(mb)}))
EOF
    fi
    if [ "$HAVE_X86_E" = 1 ]; then
        "$ET" throughput "$IMPORTS" bench_neon "$BLOCKS" "$REPS" "$RUNS" x86-native >"$PR/tp_engine_x86_bench_neon.json"
    fi
    # OpenSSL's own speed test of the same algorithm on 16 KiB buffers: the ceiling.
    local alg
    alg=$(awk -v p="$P" '$1 == p { print $2 }' "$BENCH/x86/openssl-algorithms")
    if [ "$HAVE_OPENSSL" = 1 ] && [ -n "$alg" ]; then
        openssl speed -evp "$alg" -bytes 16384 -seconds "$OPENSSL_SECONDS" 2>/dev/null |
            python3 "$BENCH/openssl_speed.py" "$alg" "$OPENSSL_SECONDS" >"$PR/openssl.json"
    fi
    for e in bench_neon bench_plain; do
        "$ET" throughput "$IMPORTS" "$e" "$BLOCKS" "$REPS" "$RUNS" >"$PR/tp_engine_$e.json"
        "$PY" "$BENCH/wasmtime_bench.py" "$FALLBACK" "$e" "$BLOCKS" "$REPS" "$RUNS" >"$PR/tp_wasmtime_$e.json"
        if [ "$HAVE_NODE" = 1 ]; then
            node "$BENCH/node_bench.mjs" "$FALLBACK" "$e" "$BLOCKS" "$REPS" "$RUNS" >"$PR/tp_node_$e.json"
        fi
    done
    [ -f "$PR/openssl.json" ] && echo "   $P openssl: $(python3 -c "import json,sys; print(round(json.load(open(sys.argv[1]))['mbps']))" "$PR/openssl.json") MB/s" >&2
    for f in "$PR"/tp_*.json; do
        echo "   $P $(basename "$f" .json): $(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['mbps_cpu_median'])" "$f") MB/s" >&2
    done
}

# ---------------------------------------------------------------- x86-64 callgrind counts
# cg ID KIND CMD...: runs CMD under callgrind with the word BLOCKS replaced by 1 and by CG_N.
# KIND jit = sum of Ir in code without an object file (JIT code); KIND sym:NAME = Ir of
# function NAME including its callees. The two runs go in parallel: they are counts, not timings, and callgrind is
# most of a --short run.
cg() {
    local id=$1 kind=$2; shift 2
    local n f a cmd pids=() pid inclusive=no
    case $kind in sym:*) inclusive=yes ;; esac
    for n in 1 "$CG_N"; do
        cmd=(); for a in "$@"; do if [ "$a" = BLOCKS ]; then cmd+=("$n"); else cmd+=("$a"); fi; done
        f=$PW/cg_${id}_$n.out
        (valgrind --tool=callgrind --callgrind-out-file="$f" "${cmd[@]}" >/dev/null 2>"$f.err" &&
            callgrind_annotate --inclusive="$inclusive" --threshold=100 "$f" >"$f.txt" 2>>"$f.err") &
        pids+=($!)
    done
    for pid in "${pids[@]}"; do
        wait "$pid" || { cat "$PW/cg_${id}"_*.out.err >&2; die "$P: callgrind $id failed"; }
    done
    python3 - "$id" "$kind" "$CG_N" "$PW/cg_${id}_1.out.txt" "$PW/cg_${id}_$CG_N.out.txt" >"$PR/cg_$id.json" <<'EOF'
import json, re, sys
id_, kind, n, f1, fn = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
def ir(path):
    total = 0
    for line in open(path):
        m = re.match(r"\s*([\d,]+) \(\s*[\d.]+%\)\s+(.*)$", line)
        if not m or "PROGRAM TOTALS" in line:
            continue
        name = m.group(2)
        if kind == "jit" and name.endswith("[???]") and name.startswith("???:0x"):
            total += int(m.group(1).replace(",", ""))
        elif kind.startswith("sym:") and re.search(r":%s \[" % re.escape(kind[4:]), name):
            total += int(m.group(1).replace(",", ""))
    return total
a, b = ir(f1), ir(fn)
print(json.dumps({"id": id_, "kind": kind, "blocks": [1, n], "ir_1": a, "ir_n": b, "per_block": (b - a) / (n - 1)}))
EOF
    echo "   $P $id: $(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['per_block'])" "$PR/cg_$id.json")" >&2
}

callgrind_program() {
    cg native-plain "sym:plain_${P}_blocks" "$PW/bench_x86" plain BLOCKS 1
    cg engine-A jit "$ET" throughput "$IMPORTS" bench_neon BLOCKS 1 1
    cg engine-plain jit "$ET" throughput "$IMPORTS" bench_plain BLOCKS 1 1
    cg wasmtime-fallback jit "$PY" "$BENCH/wasmtime_bench.py" "$FALLBACK" bench_neon BLOCKS 1 1
    cg wasmtime-plain jit "$PY" "$BENCH/wasmtime_bench.py" "$FALLBACK" bench_plain BLOCKS 1 1
}

# ---------------------------------------------------------------- every program
say "Python venv with PyPI wasmtime (bench/.venv)"
VENV=$BENCH/.venv
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c "import wasmtime" 2>/dev/null; then
    python3 -m venv "$VENV" 2>"$WORK/venv.err" ||
        { cat "$WORK/venv.err" >&2; die "python3 -m venv failed; install Debian package python3-venv"; }
    "$VENV/bin/pip" install --quiet wasmtime || die "pip install wasmtime failed (network?)"
fi
PY=$VENV/bin/python

for P in "${PROGRAMS[@]}"; do
    PD=$C/programs/$P PW=$WORK/$P PR=$RAW/$P
    IMPORTS=$C/prebuilt/${P}_kernel_imports.wasm
    FALLBACK=$C/prebuilt/${P}_kernel_fallback.wasm
    mkdir -p "$PW" "$PR"
    say "$P: building native AArch64 (gcc, clang), x86-64 plain C, engine objects"
    build_program
    say "$P: AArch64 instruction counts (qemu-aarch64 + insncount plugin), 1 and $N blocks"
    count_program
    say "$P: x86-64 throughput: $BLOCKS blocks x $REPS reps per run, $RUNS runs"
    throughput_program
    if [ "$HAVE_VALGRIND" = 1 ]; then
        say "$P: x86-64 instructions per block (callgrind), 1 and $CG_N blocks"
        callgrind_program
    fi
    say "$P: engine JIT compile time per function (portable), $CT_RUNS runs"
    "$ET" compile-time "$IMPORTS" "$CT_RUNS" >"$PR/compile_time.json"
done

# ---------------------------------------------------------------- machine and report
python3 - "$RAW/machine.json" "$PROFILE" "$PY" "$HAVE_NODE" "$HAVE_VALGRIND" "$HAVE_X86_E" "$HAVE_OPENSSL" <<'EOF'
import json, os, platform, subprocess, sys
def first(cmd):
    try:
        r = subprocess.run(cmd, capture_output=True, text=True)
        return ((r.stdout or r.stderr).strip().splitlines() or ["?"])[0]
    except OSError:
        return "missing"
cpu = "?"
for line in open("/proc/cpuinfo"):
    if line.startswith("model name"):
        cpu = line.split(":", 1)[1].strip(); break
m = {"arch": platform.machine(), "cpu": cpu, "cpus": os.cpu_count(),
     "loadavg_at_end": open("/proc/loadavg").read().split()[:3],
     "kernel": platform.release(), "qemu": first(["qemu-aarch64", "--version"]),
     "gcc": first(["gcc", "--version"]), "aarch64_gcc": first(["aarch64-linux-gnu-gcc", "--version"]),
     "clang": first(["clang", "--version"]), "rustc": first(["rustc", "--version"]),
     "node": first(["node", "--version"]),
     "wasmtime_py": first([sys.argv[3], "-c", "from importlib.metadata import version; print(version('wasmtime'))"]),
     "valgrind": first(["valgrind", "--version"]), "bench_profile": sys.argv[2],
     # what run.sh measured, so that report.py can require those rows
     "openssl": first(["openssl", "version"]),
     "ran_node": sys.argv[4] == "1", "ran_callgrind": sys.argv[5] == "1",
     "ran_x86_e": sys.argv[6] == "1", "ran_openssl": sys.argv[7] == "1"}
json.dump(m, open(sys.argv[1], "w"))
EOF
python3 "$BENCH/report.py" "$RAW" "$OUT" "$([ "$SHORT" = 1 ] && echo short || echo full)" "${PROGRAMS[@]}"
