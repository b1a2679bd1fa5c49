#!/usr/bin/env python3
"""Run the mutant catalogue (tests/mutants/*.toml) and report how strong the gate is.

    tools/mutants/run.py [NAME ...] [--report docs/mutants.md]

Each mutant is applied to a scratch copy of the working tree (next to ../shared, as the
corpus test expects), then the gate (`verifier check all`) and the mutant's `tests` run in
order; the first failure kills it. Uses its own target directory, so it can run beside a
normal build (but the machine has two cores: it is slow, run it when nothing else is).
"""
import argparse
import datetime
import os
import pathlib
import shutil
import subprocess
import sys
import time
import tomllib

ROOT = pathlib.Path(__file__).resolve().parents[2]
SCRATCH = ROOT.parent / "mutant-scratch"
TARGET = ROOT.parent / "target-mutants"
GATE = "cargo run -q -p verifier -- check all --no-save --quiet"


def load(names):
    cases = []
    for path in sorted((ROOT / "tests/mutants").glob("*.toml")):
        if names and path.stem not in names:
            continue
        m = tomllib.loads(path.read_text())
        for field in ("description", "file", "find", "replace", "tests"):
            if field not in m:
                sys.exit(f"{path}: missing field `{field}`")
        m["name"] = path.stem
        cases.append(m)
    missing = set(names) - {m["name"] for m in cases}
    if missing:
        sys.exit(f"no such mutant(s): {', '.join(sorted(missing))}")
    return cases


def copy_tree():
    if SCRATCH.exists():
        shutil.rmtree(SCRATCH)
    ignore = shutil.ignore_patterns("target", ".git", "node_modules")
    shutil.copytree(ROOT, SCRATCH, ignore=ignore)


def run(cmd):
    env = dict(os.environ, CARGO_TARGET_DIR=str(TARGET))
    start = time.time()
    p = subprocess.run(cmd, shell=True, cwd=SCRATCH, env=env,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    return p.returncode, p.stdout, time.time() - start


RESULTS = TARGET / "results.json"


def load_results():
    """Results of earlier runs, by mutant name (a run of some mutants keeps the others')."""
    import json
    return json.loads(RESULTS.read_text()) if RESULTS.exists() else {}


def save_results(results):
    import json
    TARGET.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=1))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("names", nargs="*", help="mutants to run (default: all)")
    ap.add_argument("--report", help="write the markdown results table here")
    args = ap.parse_args()
    cases = load(args.names)
    copy_tree()
    # A clean build first: a mutant that fails to build must be the mutant's doing.
    code, out, _ = run("cargo build -q -p verifier")
    if code != 0:
        sys.exit("the unmutated tree does not build:\n" + out[-3000:])
    code, out, _ = run(GATE)
    if code != 0:
        sys.exit("the gate fails on the unmutated tree:\n" + out[-3000:])
    stored = load_results()
    for m in cases:
        target = SCRATCH / m["file"]
        original = target.read_text()
        if original.count(m["find"]) != 1:
            sys.exit(f"{m['name']}: `find` occurs {original.count(m['find'])} times in {m['file']} "
                     "(the catalogue is stale)")
        target.write_text(original.replace(m["find"], m["replace"]))
        start = time.time()
        verdict, by = "survived", ""
        try:
            code, out, _ = run("cargo build -q -p verifier --tests")
            if code != 0:
                verdict, by = "unviable", "does not build"
            else:
                for cmd in [GATE] + m["tests"]:
                    code, out, _ = run(cmd)
                    if code != 0:
                        verdict, by = "killed", "gate" if cmd == GATE else f"`{cmd}`"
                        break
        finally:
            target.write_text(original)
        if verdict == "survived":
            by = ("equivalent: " + m["equivalent"]) if "equivalent" in m else "GAP: not equivalent"
        secs = time.time() - start
        print(f"{m['name']:<40} {verdict:<9} {by} ({secs:.0f} s)", flush=True)
        stored[m["name"]] = {"verdict": verdict, "by": by, "seconds": secs,
                             "date": datetime.datetime.now(datetime.timezone.utc).isoformat()}
        save_results(stored)
    # The report covers the whole catalogue, with each mutant's latest result.
    results = []
    for m in load([]):
        r = stored.get(m["name"])
        if r is None:
            results.append((m, "not run", "", 0))
        else:
            results.append((m, r["verdict"], r["by"], r["seconds"]))
    killed = sum(1 for _, v, _, _ in results if v == "killed")
    by_gate = sum(1 for _, v, b, _ in results if v == "killed" and b == "gate")
    equivalent = sum(1 for m, v, _, _ in results if v == "survived" and "equivalent" in m)
    unviable = sum(1 for _, v, _, _ in results if v == "unviable")
    not_run = sum(1 for _, v, _, _ in results if v == "not run")
    gaps = [m["name"] for m, v, _, _ in results if v == "survived" and "equivalent" not in m]
    scored = len(results) - equivalent - unviable - not_run
    summary = (f"{len(results)} mutants: {killed} killed ({by_gate} by the gate alone), "
               f"{equivalent} equivalent, {unviable} unviable, {len(gaps)} gaps, "
               f"{not_run} not run; score {killed}/{scored} of the non-equivalent ones")
    print(summary)
    if args.report:
        stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        lines = [
            "# Mutants: the gate's strength, measured",
            "",
            f"Command: `tools/mutants/run.py --report docs/mutants.md` (latest results as of {stamp}; a run of some mutants keeps the others' results). The",
            "catalogue is `tests/mutants/` (its README says how a mutant is run and judged).",
            "",
            f"**{summary}.**",
            "",
            "| mutant | what it changes | result | killed by / why it survives | s |",
            "|---|---|---|---|---|",
        ]
        for m, v, b, s in results:
            lines.append(f"| `{m['name']}` | {m['description']} (`{m['file']}`) | {v} | {b} | {s:.0f} |")
        (ROOT / args.report).write_text("\n".join(lines) + "\n")
    sys.exit(1 if gaps else 0)


if __name__ == "__main__":
    main()
