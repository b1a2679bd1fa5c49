#!/usr/bin/env python3
"""Assemble bench/run.sh's raw pieces into results.json and results.md, and check them.

usage: report.py RAW_DIR OUT_DIR full|short PROGRAM...
RAW_DIR holds machine.json and one directory per program. results.md has a summary and one
section per program; results.json has the programs under "programs", keyed by name. Fails
(exit 1) if a number is missing or not positive, or if implementations of one program that
hashed the same input disagree on the resulting state word."""
import datetime
import glob
import json
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# (id, label, which function: "kernel" = P_blocks, "plain" = plain_P_blocks)
A64_ROWS = [
    ("gcc", "native gcc {gcc} -O3 -march=armv8-a+crypto", "kernel"),
    ("clang", "native clang {clang} --target=aarch64-linux-gnu -O3 -march=armv8-a+crypto", "kernel"),
    ("engine-D-fwd", "engine (D) aarch64-native, lane-0 forwarding", "kernel"),
    ("engine-D-nofwd", "engine (D) aarch64-native, no forwarding", "kernel"),
    ("engine-A", "engine (A) portable", "kernel"),
    ("gcc-plain", "native gcc {gcc} -O3, plain C (reference)", "plain"),
    ("engine-plain", "engine, plain C compiled to Wasm (reference)", "plain"),
]
OPTIONAL_A64 = {"clang"}  # run.sh skips the row if clang cannot build for AArch64
LOOP_COLS = ["gcc", "clang", "engine-D-fwd", "engine-D-nofwd", "engine-A"]
TP_ROWS = [
    ("tp_engine_x86_bench_neon", "engine JIT, lowering (E) x86-native", "imports", "intrinsics C (`bench_neon`)"),
    ("tp_engine_bench_neon", "engine JIT, lowering (A) portable", "imports", "intrinsics C (`bench_neon`)"),
    ("tp_engine_bench_plain", "engine JIT", "imports", "plain C (`bench_plain`)"),
    ("tp_native_x86", "native x86-64, gcc -O3", "—", "C with the x86 intrinsics (`bench/x86`)"),
    ("tp_native_plain", "native x86-64, gcc -O3", "—", "plain C"),
    ("tp_wasmtime_bench_neon", "wasmtime (PyPI)", "fallback", "intrinsics C + pure-Wasm fallbacks (`bench_neon`)"),
    ("tp_wasmtime_bench_plain", "wasmtime (PyPI)", "fallback", "plain C (`bench_plain`)"),
    ("tp_node_bench_neon", "Node (V8)", "fallback", "intrinsics C + pure-Wasm fallbacks (`bench_neon`)"),
    ("tp_node_bench_plain", "Node (V8)", "fallback", "plain C (`bench_plain`)"),
]
CG_ROWS = [
    ("native-plain", "native x86-64 gcc -O3, plain C (`plain_{p}_blocks`)"),
    ("engine-A", "engine JIT (A), intrinsics C (`bench_neon`; all JIT code)"),
    ("engine-plain", "engine JIT, plain C (`bench_plain`; all JIT code)"),
    ("wasmtime-fallback", "wasmtime, intrinsics C + fallbacks (all JIT code)"),
    ("wasmtime-plain", "wasmtime, plain C (all JIT code)"),
]

errors = []
BENCH = os.path.dirname(os.path.abspath(__file__))


def tp_required(prog, key, machine):
    """Whether run.sh measures throughput row `key` of `prog` on this machine."""
    if "node" in key:
        return machine.get("ran_node")
    if key == "tp_engine_x86_bench_neon":
        return machine.get("ran_x86_e")
    if key == "tp_native_x86":
        return os.path.exists(os.path.join(BENCH, "x86", f"{prog}_x86.c"))
    return True


def load(path):
    try:
        return json.load(open(path))
    except (OSError, ValueError) as e:
        errors.append(f"{path}: {e}")
        return None


def positive(what, x):
    if not isinstance(x, (int, float)) or x <= 0:
        errors.append(f"{what}: not a positive number ({x!r})")
    return x


def fmt(x, d=1):
    if not isinstance(x, (int, float)):
        return "—"
    return f"{x:.{d}f}" if isinstance(x, float) and x != int(x) else f"{int(x)}"


def major(version_line):
    """Major version from a `--version` first line ("... 12.2.0-14) 12.2.0" -> "12")."""
    v = re.findall(r"(\d+)\.\d+\.\d+", version_line or "")
    return v[-1] if v else "?"


def defining_file(prog, func):
    """The program source that defines FUNC (for the tables' function column)."""
    pat = re.compile(r"^\w[^;{}()]*\b%s\s*\([^;{]*\{" % re.escape(func), re.M)
    for f in sorted(glob.glob(os.path.join(ROOT, "c", "programs", prog, "*.c"))):
        if pat.search(open(f).read()):
            return os.path.relpath(f, ROOT)
    return f"c/programs/{prog}/"


def check_states(prog, what, rows):
    states = {k: v.get("state0") for k, v in rows.items()}
    bad = {k: s for k, s in states.items() if not re.fullmatch(r"[0-9a-f]{8}", s or "")}
    if bad:
        errors.append(f"{prog}: {what} rows without a state word: {bad}")
    elif len(set(states.values())) > 1:
        errors.append(f"{prog}: {what} rows disagree on the final state word: {states}")
    return next(iter(states.values()), None)


def program(prog, R, machine, md):
    """One program's section of results.md; returns its results.json entry."""
    res = {}
    md.append(f"## {prog}\n")
    # Bytes per block, as the hosts measured it (the module's block_bytes()).
    tps = [d for k, d in R.items() if k.startswith("tp_") and d.get("blocks") and d.get("reps")]
    block = int(tps[0]["bytes_per_run"] / (tps[0]["blocks"] * tps[0]["reps"])) if tps else 64
    res["block_bytes"] = block
    kernel, plain = f"{prog}_blocks", f"plain_{prog}_blocks"
    versions = {"gcc": major(machine.get("aarch64_gcc")), "clang": major(machine.get("clang"))}

    # AArch64 counts
    a64 = {}
    for rid, label, which in A64_ROWS:
        d = R.get(f"a64_{rid}")
        if d is None:
            if rid not in OPTIONAL_A64:
                errors.append(f"{prog}: missing AArch64 count {rid}")
            continue
        pb = d["per_block"]
        for k in ("insns", "crypto", "gpr_vec_moves"):
            if k not in pb:
                errors.append(f"{prog}: {rid}: no {k} count (plugin output {d['count_1']})")
        positive(f"{prog} {rid} insns/block", pb.get("insns"))
        positive(f"{prog} {rid} static loop size", d["loop"]["loop_insns"])
        a64[rid] = {"label": label.format(**versions), "function": d["function"], "blocks": d["blocks"],
                    "insns_per_block": pb.get("insns"), "crypto_per_block": pb.get("crypto"),
                    "gpr_vec_moves_per_block": pb.get("gpr_vec_moves"),
                    "loop_static_insns": d["loop"]["loop_insns"], "loop_classes": d["loop"]["classes"],
                    "state0": d["state0"], "raw": {"count_1": d["count_1"], "count_n": d["count_n"]}}
        if which == "kernel" and rid in ("gcc", "clang"):
            a64[rid]["source"] = defining_file(prog, kernel)
        elif which == "plain" and rid == "gcc-plain":
            a64[rid]["source"] = defining_file(prog, plain)
    res["aarch64_per_block"] = a64
    res["aarch64_state0"] = check_states(prog, "AArch64", a64)
    gcc = a64.get("gcc", {}).get("insns_per_block")
    n = next(iter(a64.values()))["blocks"][1] if a64 else 0
    md.append(f"### {prog}: AArch64 dynamic instructions per {block}-byte block "
              f"(qemu TCG plugin; (count({n}) - count(1)) / {n - 1})\n")
    md.append("| implementation | function | insns/block | vs native gcc | crypto insns/block | "
              "GPR<->vector moves/block | static loop size |")
    md.append("|---|---|---|---|---|---|---|")
    for rid, label, which in A64_ROWS:
        r = a64.get(rid)
        func = kernel if which == "kernel" else plain
        if not r:
            md.append(f"| {label.format(**versions)} | `{func}` | not measured | | | | |")
            continue
        where = f"{r['source']} `{func}`" if "source" in r else f"`{r['function']}`"
        rel = f"{r['insns_per_block'] / gcc:.2f}x" if gcc else ""
        md.append(f"| {r['label']} | {where} | {fmt(r['insns_per_block'])} | {rel} | "
                  f"{fmt(r['crypto_per_block'])} | {fmt(r['gpr_vec_moves_per_block'])} | {r['loop_static_insns']} |")
    md.append("")
    cols = [rid for rid in LOOP_COLS if rid in a64]
    classes = []
    for rid in cols:
        for c in a64[rid]["loop_classes"]:
            if c not in classes:
                classes.append(c)
    md.append(f"### {prog}: the kernel's loop (one block) by instruction class (static, bench/classify.py)\n")
    md.append("| class | " + " | ".join(cols) + " |")
    md.append("|---|" + "---|" * len(cols))
    for c in classes:
        md.append(f"| {c} | " + " | ".join(str(a64[rid]["loop_classes"].get(c, 0)) for rid in cols) + " |")
    md.append("| **total** | " + " | ".join(f"**{a64[rid]['loop_static_insns']}**" for rid in cols) + " |")
    md.append("")

    # throughput
    tp = {}
    for key, runner, module, what in TP_ROWS:
        d = R.get(key)
        if d is None:
            if tp_required(prog, key, machine):
                errors.append(f"{prog}: missing throughput {key}")
            continue
        positive(f"{prog} {key} MB/s", d.get("mbps_cpu_median"))
        tp[key] = {"runner": runner, "module": module, "code": what, **{k: d[k] for k in d if k != "runner"}}
    res["x86_64_throughput"] = tp
    res["x86_64_state0"] = check_states(prog, "throughput", tp)
    ref = tp.get("tp_wasmtime_bench_plain", {}).get("mbps_cpu_median")
    any_tp = next(iter(tp.values()), {})
    mib = any_tp.get("blocks", 0) * block * any_tp.get("reps", 0) / 2**20
    md.append(f"### {prog}: x86-64 throughput (MB/s per CPU-second, median of "
              f"{len(any_tp.get('mbps_cpu_runs', []))} runs of {any_tp.get('blocks', 0)} blocks of "
              f"{block} bytes x {any_tp.get('reps', 0)} = {mib:.{0 if mib >= 10 else 2}f} MiB)\n")
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
    ossl = R.get("openssl")
    if ossl is None and machine.get("ran_openssl"):
        errors.append(f"{prog}: missing the openssl row")
    if ossl:
        positive(f"{prog} openssl MB/s", ossl.get("mbps"))
        res["openssl"] = ossl
        rel = f"{ossl['mbps'] / ref:.2f}x" if ref else ""
        md.append(f"| OpenSSL {machine.get('openssl', '').split(' (')[0].replace('OpenSSL ', '')} (ceiling) | — | "
                  f"`{ossl['command']}` (wall time) | **{ossl['mbps']:.0f}** | | {rel} |")
    md.append("")

    # callgrind (run.sh skips it without valgrind)
    cg = {}
    for rid, label in CG_ROWS:
        d = R.get(f"cg_{rid}")
        if d is None:
            if machine.get("ran_callgrind"):
                errors.append(f"{prog}: missing callgrind count {rid}")
            continue
        positive(f"{prog} callgrind {rid}", d["per_block"])
        cg[rid] = {"label": label.format(p=prog), **d}
    res["x86_64_insns_per_block"] = cg
    if cg:
        nb = next(iter(cg.values()))["blocks"][1]
        md.append(f"### {prog}: x86-64 instructions per block (callgrind; (Ir({nb}) - Ir(1)) / {nb - 1})\n")
        md.append("| code | insns/block |")
        md.append("|---|---|")
        for rid, label in CG_ROWS:
            if rid in cg:
                md.append(f"| {cg[rid]['label']} | {cg[rid]['per_block']:.0f} |")
        md.append("")

    # compile time
    ct = R.get("compile_time")
    if ct:
        res["compile_time"] = ct
        positive(f"{prog} compile time", ct["sum_compile_us"])
        positive(f"{prog} Instance::new time", ct["instance_new_ms_median"])
        md.append(f"### {prog}: engine JIT compile time, portable lowering, {ct['isa']} "
                  f"(median of {ct['runs']} runs)\n")
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
        errors.append(f"{prog}: missing compile time")
    return res


def summary(progs, md):
    """One line per program: the headline numbers."""
    md.append("## Summary (AArch64 instructions per block; x86-64 MB/s)\n")
    md.append("| program | block bytes | gcc | clang | (D) fwd | (D)/gcc | (D) GPR<->vector moves | (A) | "
              "(A) JIT MB/s | (E) JIT MB/s | x86-intrinsics C MB/s | (E)/x86 C | plain C on wasmtime MB/s | "
              "(E)/wasmtime | OpenSSL MB/s |")
    md.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for prog, r in progs.items():
        a, t = r["aarch64_per_block"], r["x86_64_throughput"]
        g = lambda rid, k="insns_per_block": fmt(a[rid][k]) if rid in a else "—"
        mb = lambda key: f"{t[key]['mbps_cpu_median']:.0f}" if key in t else "—"
        ratio = (f"{a['engine-D-fwd']['insns_per_block'] / a['gcc']['insns_per_block']:.2f}x"
                 if "engine-D-fwd" in a and "gcc" in a else "—")
        div = lambda a, b: (f"{t[a]['mbps_cpu_median'] / t[b]['mbps_cpu_median']:.2f}x"
                            if a in t and b in t else "—")
        ossl = f"{r['openssl']['mbps']:.0f}" if "openssl" in r else "—"
        md.append(f"| {prog} | {r.get('block_bytes', '—')} | {g('gcc')} | {g('clang')} | {g('engine-D-fwd')} | {ratio} | "
                  f"{g('engine-D-fwd', 'gpr_vec_moves_per_block')} | {g('engine-A')} | "
                  f"{mb('tp_engine_bench_neon')} | {mb('tp_engine_x86_bench_neon')} | {mb('tp_native_x86')} | "
                  f"{div('tp_engine_x86_bench_neon', 'tp_native_x86')} | {mb('tp_wasmtime_bench_plain')} | "
                  f"{div('tp_engine_x86_bench_neon', 'tp_wasmtime_bench_plain')} | {ossl} |")
    md.append("")


def main():
    if len(sys.argv) < 5:
        sys.exit(__doc__)
    raw, out, mode, names = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
    machine = load(os.path.join(raw, "machine.json")) or {}
    res = {"generated": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
           "mode": mode, "machine": machine, "programs": {}}
    sections = []
    for prog in names:
        d = os.path.join(raw, prog)
        if not os.path.isdir(d):
            errors.append(f"{prog}: no raw results ({d})")
            continue
        R = {os.path.basename(f)[:-5]: load(f) for f in sorted(glob.glob(os.path.join(d, "*.json")))}
        res["programs"][prog] = program(prog, R, machine, sections)
    md = [f"_Generated {res['generated']} by `bench/run.sh{' --short' if mode == 'short' else ''}` on "
          f"{machine.get('cpus')}x {machine.get('cpu')} ({machine.get('arch')}), load average at end "
          f"{' '.join(machine.get('loadavg_at_end', []))}; {machine.get('qemu')}; {machine.get('rustc')}; "
          f"bench binary profile {machine.get('bench_profile')}._\n"]
    summary(res["programs"], md)
    md += sections
    res["errors"] = errors
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "results.json"), "w") as f:
        json.dump(res, f, indent=1)
        f.write("\n")
    with open(os.path.join(out, "results.md"), "w") as f:
        f.write("\n".join(md) + "\n")
    print("\n".join(md))
    print(f"wrote {os.path.join(out, 'results.json')} and results.md", file=sys.stderr)
    if errors:
        print("report.py: FAILED:\n  " + "\n  ".join(errors), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
