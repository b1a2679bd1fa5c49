#!/usr/bin/env python3
"""Throughput of a kernel module's bench export on wasmtime (PyPI), for bench/run.sh.

usage: wasmtime_bench.py WASM EXPORT BLOCKS REPS RUNS
Fills the module's input_buffer() with bench.c's pattern (byte i = i*131+7) through the
exported memory, calls EXPORT(BLOCKS, REPS) (hash the first BLOCKS blocks REPS times inside
Wasm) RUNS times and prints one JSON object: MB/s per CPU-second (time.process_time) and per
wall-second, each run and the median. The module must have no imports (fallback mode)."""
import json
import statistics
import sys
import time

import wasmtime


def main():
    if len(sys.argv) != 6:
        sys.exit(__doc__)
    path, export = sys.argv[1], sys.argv[2]
    blocks, reps, runs = (int(a) for a in sys.argv[3:6])
    engine = wasmtime.Engine()
    store = wasmtime.Store(engine)
    module = wasmtime.Module.from_file(engine, path)
    if module.imports:
        sys.exit(f"{path} has imports; wasmtime (Python) cannot provide v128 host functions")
    inst = wasmtime.Instance(store, module, [])
    ex = inst.exports(store)
    buf, cap = ex["input_buffer"](store), ex["input_capacity"](store)
    block_bytes = ex["block_bytes"](store)
    if blocks * block_bytes > cap:
        sys.exit(f"{blocks} blocks exceed the input buffer ({cap} bytes)")
    # The pattern repeats every 256 bytes; building only one period keeps the fill fast
    # under callgrind (a generator over the whole buffer took 7 s there).
    period = bytes((i * 131 + 7) & 0xFF for i in range(256))
    pattern = (period * (cap // 256 + 1))[:cap]
    fn = ex[export]
    nbytes = float(block_bytes) * blocks * reps
    cpu, wall, state0 = [], [], 0
    for _ in range(runs):
        # Before every call: a kernel may process the buffer in place (AES-GCM encrypts it).
        ex["memory"].write(store, pattern, buf)
        c0, t0 = time.process_time(), time.perf_counter()
        state0 = fn(store, blocks, reps) & 0xFFFFFFFF
        c1, t1 = time.process_time(), time.perf_counter()
        cpu.append(nbytes / (c1 - c0) / 1e6)
        wall.append(nbytes / (t1 - t0) / 1e6)
    print(json.dumps({
        "runner": "wasmtime-py", "wasmtime": wasmtime_version(), "wasm": path, "export": export,
        "blocks": blocks, "reps": reps, "bytes_per_run": nbytes, "state0": f"{state0:08x}",
        "mbps_cpu_runs": [round(x, 1) for x in cpu], "mbps_wall_runs": [round(x, 1) for x in wall],
        "mbps_cpu_median": round(statistics.median(cpu), 1),
        "mbps_wall_median": round(statistics.median(wall), 1),
    }))


def wasmtime_version():
    try:
        from importlib.metadata import version
        return version("wasmtime")
    except Exception:  # noqa: BLE001 - informational only
        return "?"


if __name__ == "__main__":
    main()
