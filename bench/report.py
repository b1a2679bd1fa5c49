#!/usr/bin/env python3
"""Assemble bench/run.sh's raw pieces into results.json and results.md, and check them.

usage: report.py RAW_DIR OUT_DIR full|short
Fails (exit 1) if a number is missing or not positive, or if implementations that hashed the
same input disagree on the resulting state word."""
import datetime
import glob
import json
import os
import sys

NATIVE_GCC_TARGET = 104  # the reference (docs: /work/shared/design/facts.md)

A64_ROWS = [
    ("gcc", "native gcc 12 -O3 -march=armv8-a+crypto", "c/sha1_neon.c `sha1_blocks`"),
    ("clang", "native clang 14 --target=aarch64-linux-gnu -O3 -march=armv8-a+crypto", "c/sha1_neon.c `sha1_blocks`"),
    ("engine-D-fwd", "engine (D) aarch64-native, lane-0 forwarding", "`wasm_sha1_blocks`"),
    ("engine-D-nofwd", "engine (D) aarch64-native, no forwarding", "`wasm_sha1_blocks`"),
    ("engine-A", "engine (A) portable", "`wasm_sha1_blocks`"),
    ("gcc-plain", "native gcc 12 -O3, plain C (reference)", "c/sha1_plain.c `plain_sha1_blocks`"),
    ("engine-plain", "engine, plain C compiled to Wasm (reference)", "`wasm_plain_sha1_blocks`"),
]
LOOP_COLS = ["gcc", "clang", "engine-D-fwd", "engine-D-nofwd", "engine-A"]
TP_ROWS = [
    ("tp_engine_bench_neon", "engine JIT, lowering (A) portable", "imports", "intrinsics C (`bench_neon`)"),
    ("tp_engine_bench_plain", "engine JIT", "imports", "plain C (`bench_plain`)"),
    ("tp_native_plain", "native x86-64, gcc -O3", "—", "plain C"),
    ("tp_wasmtime_bench_neon", "wasmtime (PyPI)", "fallback", "intrinsics C + pure-Wasm fallbacks (`bench_neon`)"),
    ("tp_wasmtime_bench_plain", "wasmtime (PyPI)", "fallback", "plain C (`bench_plain`)"),
    ("tp_node_bench_neon", "Node (V8)", "fallback", "intrinsics C + pure-Wasm fallbacks (`bench_neon`)"),
    ("tp_node_bench_plain", "Node (V8)", "fallback", "plain C (`bench_plain`)"),
]
CG_ROWS = [
    ("native-plain", "native x86-64 gcc -O3, plain C (`plain_sha1_blocks`)"),
    ("engine-A", "engine JIT (A), intrinsics C (`bench_neon`; all JIT code)"),
    ("engine-plain", "engine JIT, plain C (`bench_plain`; all JIT code)"),
    ("wasmtime-fallback", "wasmtime, intrinsics C + fallbacks (all JIT code)"),
    ("wasmtime-plain", "wasmtime, plain C (all JIT code)"),
]

errors = []


def load(path):
    try:
        return json.load(open(path))
    except (OSError, ValueError) as e:
        errors.append(f"{os.path.basename(path)}: {e}")
        return None


def positive(what, x):
    if not isinstance(x, (int, float)) or x <= 0:
        errors.append(f"{what}: not a positive number ({x!r})")
    return x


def fmt(x, d=1):
    return f"{x:.{d}f}" if isinstance(x, float) and x != int(x) else f"{int(x)}"


def main():
    raw, out, mode = sys.argv[1], sys.argv[2], sys.argv[3]
    R = {}
    for f in sorted(glob.glob(os.path.join(raw, "*.json"))):
        R[os.path.basename(f)[:-5]] = load(f)
    md = []
    res = {"generated": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
           "mode": mode, "machine": R.get("machine")}

    # AArch64 counts
    a64 = {}
    for rid, label, func in A64_ROWS:
        d = R.get(f"a64_{rid}")
        if d is None:
            if rid != "clang":
                errors.append(f"missing AArch64 count {rid}")
            continue
        pb = d["per_block"]
        positive(f"{rid} insns/block", pb["insns"])
        a64[rid] = {"label": label, "function": d["function"], "blocks": d["blocks"],
                    "insns_per_block": pb["insns"], "sha1_per_block": pb["sha1"],
                    "gpr_vec_moves_per_block": pb["gpr_vec_moves"],
                    "loop_static_insns": d["loop"]["loop_insns"], "loop_classes": d["loop"]["classes"],
                    "state0": d["state0"], "raw": {"count_1": d["count_1"], "count_n": d["count_n"]}}
    res["aarch64_per_block"] = a64
    states = {r["state0"] for r in a64.values()}
    if len(states) > 1:
        errors.append(f"AArch64 rows disagree on the final state word: { {k: v['state0'] for k, v in a64.items()} }")
    gcc = a64.get("gcc", {}).get("insns_per_block") or NATIVE_GCC_TARGET
    n = next(iter(a64.values()))["blocks"][1] if a64 else 0
    md.append(f"### AArch64: dynamic instructions per 64-byte block (qemu TCG plugin; (count({n}) - count(1)) / {n - 1})\n")
    md.append("| implementation | function | insns/block | vs native gcc | SHA1*/block | GPR<->vector moves/block | static loop size |")
    md.append("|---|---|---|---|---|---|---|")
    for rid, label, func in A64_ROWS:
        r = a64.get(rid)
        if not r:
            md.append(f"| {label} | {func} | not measured | | | | |")
            continue
        md.append(f"| {label} | {func} | {fmt(r['insns_per_block'])} | {r['insns_per_block'] / gcc:.2f}x | "
                  f"{fmt(r['sha1_per_block'])} | {fmt(r['gpr_vec_moves_per_block'])} | {r['loop_static_insns']} |")
    md.append("")
    classes = []
    for rid in LOOP_COLS:
        for c in a64.get(rid, {}).get("loop_classes", {}):
            if c not in classes:
                classes.append(c)
    md.append("### AArch64: the kernel's loop (one block) by instruction class (static, bench/classify.py)\n")
    md.append("| class | " + " | ".join(rid for rid in LOOP_COLS if rid in a64) + " |")
    md.append("|---|" + "---|" * len([r for r in LOOP_COLS if r in a64]))
    for c in classes:
        md.append(f"| {c} | " + " | ".join(str(a64[rid]["loop_classes"].get(c, 0)) for rid in LOOP_COLS if rid in a64) + " |")
    md.append("| **total** | " + " | ".join(f"**{a64[rid]['loop_static_insns']}**" for rid in LOOP_COLS if rid in a64) + " |")
    md.append("")

    # throughput
    tp = {}
    for key, runner, module, what in TP_ROWS:
        d = R.get(key)
        if d is None:
            if "node" not in key:
                errors.append(f"missing throughput {key}")
            continue
        positive(f"{key} MB/s", d["mbps_cpu_median"])
        tp[key] = {"runner": runner, "module": module, "code": what, **{k: d[k] for k in d if k != "runner"}}
    res["x86_64_throughput"] = tp
    tstates = {v["state0"] for v in tp.values()}
    if len(tstates) > 1:
        errors.append(f"throughput rows disagree on the final state word: { {k: v['state0'] for k, v in tp.items()} }")
    ref = tp.get("tp_wasmtime_bench_plain", {}).get("mbps_cpu_median")
    any_tp = next(iter(tp.values()), {})
    md.append(f"### x86-64 throughput (MB/s per CPU-second, median of {len(any_tp.get('mbps_cpu_runs', []))} runs of "
              f"{any_tp.get('blocks', 0)} blocks x {any_tp.get('reps', 0)} = "
              f"{any_tp.get('blocks', 0) * 64 * any_tp.get('reps', 0) / 2**20:.0f} MiB)\n")
    md.append("| runtime | module | code | MB/s (median) | runs | vs plain C on wasmtime |")
    md.append("|---|---|---|---|---|---|")
    for key, runner, module, what in TP_ROWS:
        r = tp.get(key)
        if not r:
            md.append(f"| {runner} | {module} | {what} | not measured | | |")
            continue
        rel = f"{r['mbps_cpu_median'] / ref:.2f}x" if ref else ""
        runs = ", ".join(f"{x:.0f}" for x in r["mbps_cpu_runs"])
        md.append(f"| {runner} | {module} | {what} | **{r['mbps_cpu_median']:.0f}** | {runs} | {rel} |")
    md.append("")

    # callgrind
    cg = {}
    for rid, label in CG_ROWS:
        d = R.get(f"cg_{rid}")
        if d is None:
            continue
        positive(f"callgrind {rid}", d["per_block"])
        cg[rid] = {"label": label, **d}
    res["x86_64_insns_per_block"] = cg
    if cg:
        nb = next(iter(cg.values()))["blocks"][1]
        md.append(f"### x86-64 instructions per block (callgrind; (Ir({nb}) - Ir(1)) / {nb - 1})\n")
        md.append("| code | insns/block |")
        md.append("|---|---|")
        for rid, label in CG_ROWS:
            if rid in cg:
                md.append(f"| {label} | {cg[rid]['per_block']:.0f} |")
        md.append("")

    # compile time
    ct = R.get("compile_time")
    if ct:
        res["compile_time"] = ct
        positive("compile time", ct["sum_compile_us"])
        md.append(f"### Engine JIT compile time, portable lowering, {ct['isa']} (median of {ct['runs']} runs)\n")
        md.append("| function | Wasm body bytes | machine code bytes | translate µs | Cranelift compile µs | total µs |")
        md.append("|---|---|---|---|---|---|")
        for f in ct["functions"]:
            md.append(f"| {f['name']} | {f['wasm_body_bytes']} | {f['code_bytes']} | {f['translate_us_median']:.0f} | "
                      f"{f['compile_us_median']:.0f} | {f['total_us_median']:.0f} |")
        tot = ct["sum_translate_us"] + ct["sum_compile_us"]
        md.append(f"| **all {len(ct['functions'])} functions** | {sum(f['wasm_body_bytes'] for f in ct['functions'])} | "
                  f"{sum(f['code_bytes'] for f in ct['functions'])} | {ct['sum_translate_us']:.0f} | "
                  f"{ct['sum_compile_us']:.0f} | **{tot:.0f}** |")
        md.append(f"\n`Instance::new` on the whole module (validate, translate, compile, JIT-link, trampolines, "
                  f"memory): **{ct['instance_new_ms_median']:.1f} ms** median; parse+validate alone "
                  f"{ct['parse_validate_ms_median']:.2f} ms.\n")
    else:
        errors.append("missing compile time")

    m = R.get("machine") or {}
    md.insert(0, f"_Generated {res['generated']} by `bench/run.sh{' --short' if mode == 'short' else ''}` on "
                 f"{m.get('cpus')}x {m.get('cpu')} ({m.get('arch')}), load average at end "
                 f"{' '.join(m.get('loadavg_at_end', []))}; {m.get('qemu')}; {m.get('rustc')}; bench binary "
                 f"profile {m.get('bench_profile')}._\n")
    res["errors"] = errors
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "results.json"), "w") as f:
        json.dump(res, f, indent=1)
        f.write("\n")
    with open(os.path.join(out, "results.md"), "w") as f:
        f.write("\n".join(md))
    print("\n".join(md))
    print(f"wrote {os.path.join(out, 'results.json')} and results.md", file=sys.stderr)
    if errors:
        print("report.py: FAILED:\n  " + "\n  ".join(errors), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
