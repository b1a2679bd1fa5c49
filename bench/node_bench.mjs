// Throughput of a kernel module's bench export on Node's V8 (Liftoff + TurboFan), for
// bench/run.sh. Same protocol and JSON as wasmtime_bench.py:
//   node node_bench.mjs WASM EXPORT BLOCKS REPS RUNS
// One unmeasured warm-up call over the whole buffer first, so that TurboFan has tiered up.
import { readFileSync } from "node:fs";

const [path, exportName, ...nums] = process.argv.slice(2);
if (nums.length !== 3) {
  console.error("usage: node node_bench.mjs WASM EXPORT BLOCKS REPS RUNS");
  process.exit(2);
}
const [blocks, reps, runs] = nums.map(Number);
const module = new WebAssembly.Module(readFileSync(path));
if (WebAssembly.Module.imports(module).length) {
  console.error(`${path} has imports; run the fallback-mode module`);
  process.exit(1);
}
const ex = new WebAssembly.Instance(module, {}).exports;
const buf = ex.input_buffer(), cap = ex.input_capacity(), blockBytes = ex.block_bytes();
if (blocks * blockBytes > cap) {
  console.error(`${blocks} blocks exceed the input buffer (${cap} bytes)`);
  process.exit(1);
}
const mem = new Uint8Array(ex.memory.buffer, buf, cap);
// Before every call: a kernel may process the buffer in place (AES-GCM encrypts it).
const fill = () => { for (let i = 0; i < cap; i++) mem[i] = (i * 131 + 7) & 0xff; };
const fn = ex[exportName];
fill();
fn(blocks, 1); // warm-up (Liftoff first; TurboFan tiers up in the background)
const bytes = blockBytes * blocks * reps;
const cpu = [], wall = [];
let state0 = 0;
for (let r = 0; r < runs; r++) {
  fill();
  const c0 = process.cpuUsage(), t0 = process.hrtime.bigint();
  state0 = fn(blocks, reps) >>> 0;
  const t1 = process.hrtime.bigint(), c = process.cpuUsage(c0);
  cpu.push(bytes / ((c.user + c.system) / 1e6) / 1e6);
  wall.push(bytes / (Number(t1 - t0) / 1e9) / 1e6);
}
const median = (v) => {
  const s = [...v].sort((a, b) => a - b), n = s.length;
  return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
};
const r1 = (x) => Math.round(x * 10) / 10;
console.log(JSON.stringify({
  runner: "node", node: process.version, wasm: path, export: exportName, blocks, reps,
  bytes_per_run: bytes, state0: state0.toString(16).padStart(8, "0"),
  mbps_cpu_runs: cpu.map(r1), mbps_wall_runs: wall.map(r1),
  mbps_cpu_median: r1(median(cpu)), mbps_wall_median: r1(median(wall)),
}));
