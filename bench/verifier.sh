#!/usr/bin/env bash
# Verifier benchmark: wall time of a warm `check all` (every family of spec/intrinsics/), per
# obligation and in total, median of N runs of the release build. Prints a markdown table.
#   bench/verifier.sh [N]    (default N=10)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-10}
cargo build -q --release -p verifier
bin=target/release/verifier
"$bin" check all --no-save --quiet >/dev/null # warm the page cache
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for i in $(seq "$runs"); do
    start=$(date +%s%N)
    "$bin" check all --no-save --quiet --json >"$tmp/run$i.json"
    end=$(date +%s%N)
    echo $(((end - start) / 1000)) >"$tmp/wall$i"
done
python3 - "$tmp" "$runs" <<'PY'
import json, statistics, sys
tmp, runs = sys.argv[1], int(sys.argv[2])
reports = [json.load(open(f"{tmp}/run{i}.json")) for i in range(1, runs + 1)]
walls = [int(open(f"{tmp}/wall{i}").read()) / 1000 for i in range(1, runs + 1)]
per = {}
for r in reports:
    assert r["exit_code"] == 0, "not every obligation proved"
    for o in r["obligations"]:
        per.setdefault((o["family"], o["obligation"]), []).append((o["milliseconds"], o["detail"]))
fams = sorted({f for f, _ in per if f != "-"})
count = {f: sum(1 for g, _ in per if g == f) for f in fams + ["-"]}
print(f"Warm `check all` ({', '.join(fams)}), release build, median of {runs} runs, 2 threads: "
      f"**{statistics.median(walls):.0f} ms wall** for the whole process "
      f"(min {min(walls):.0f}, max {max(walls):.0f}); {len(per)} obligations "
      f"({', '.join(f'{count[f]} {f}' for f in fams)}, {count['-']} shared lemmas).\n")
print("| family | obligation | method | median ms |\n|---|---|---|---|")
for (fam, name), vals in per.items():
    print(f"| {fam} | `{name}` | {vals[0][1]} | {statistics.median(v[0] for v in vals):.2f} |")
PY
