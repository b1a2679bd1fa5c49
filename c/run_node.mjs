// Run the C layer's Wasm builds on Node (no WASI: the modules are freestanding).
//
//   node run_node.mjs kat MODULE.wasm [PROVIDER.wasm...]
//     Instantiate MODULE, call its exported kat() and print PASS/FAIL per case;
//     exit 0 iff kat() returns 0. Engine intrinsics a module imports are taken
//     from the PROVIDER modules' exports (later ones win), e.g. the fallback
//     alone: v128 cannot cross the JS boundary, but Wasm-to-Wasm imports can.
//   node run_node.mjs vectors MODULE.wasm [PROVIDER.wasm...]
//     Print the engine_vectors() table (engine_vectors.c), one v128 per line
//     as four hex lanes, the same format as the native build prints.
//   node run_node.mjs process MODULE.wasm [PROVIDER.wasm...] < RECORDS
//     For each record `u32 length (little-endian), bytes` on stdin, print the
//     module's process() output as one line of hex (c/programs/README.md).
//   node run_node.mjs check-imports MODULE.wasm NAME...
//     Exit 0 iff MODULE imports exactly the functions NAME... from
//     "wasm_arm_neon" and nothing else.
import { readFileSync } from "node:fs";

const IMPORT_MODULE = "wasm_arm_neon";

function fail(msg) {
  console.error(`run_node: ${msg}`);
  process.exit(2);
}

const compile = (path) => new WebAssembly.Module(readFileSync(path));

async function instantiate(path, providers) {
  const intrinsics = {};
  for (const p of providers) {
    const { exports } = await WebAssembly.instantiate(compile(p), {});
    for (const [name, value] of Object.entries(exports))
      if (name.startsWith("__intrinsic_")) intrinsics[name] = value;
  }
  const module = compile(path);
  for (const imp of WebAssembly.Module.imports(module))
    if (imp.module !== IMPORT_MODULE || !(imp.name in intrinsics))
      fail(`${path} imports ${imp.module}.${imp.name}, which no provider module exports`);
  const { exports } = await WebAssembly.instantiate(module, { [IMPORT_MODULE]: intrinsics });
  return exports;
}

async function kat(path, providers) {
  const x = await instantiate(path, providers);
  const failed = x.kat() >>> 0;
  const memory = new Uint8Array(x.memory.buffer);
  const cString = (ptr) => {
    let end = ptr;
    while (memory[end]) end++;
    return new TextDecoder().decode(memory.subarray(ptr, end));
  };
  for (let c = 0; c < x.kat_case_count(); c++)
    for (const [m, impl] of ["neon", "plain"].entries())
      console.log(`${(failed >>> (2 * c + m)) & 1 ? "FAIL" : "PASS"} ${impl.padEnd(5)} ${cString(x.kat_case_name(c))}`);
  console.log(`engine_features = 0x${x.engine_features().toString(16)}`);
  return failed === 0 ? 0 : 1;
}

async function vectors(path, providers) {
  const x = await instantiate(path, providers);
  const ptr = x.engine_vectors();
  const words = new Uint32Array(x.memory.buffer, ptr, 4 * x.engine_vectors_count());
  const hex = (w) => w.toString(16).padStart(8, "0");
  const lines = [];
  for (let i = 0; i < words.length; i += 4) lines.push(Array.from(words.subarray(i, i + 4), hex).join(" "));
  process.stdout.write(lines.join("\n") + "\n");
  return 0;
}

async function processRecords(path, providers) {
  const x = await instantiate(path, providers);
  const input = readFileSync(0);
  const lines = [];
  for (let at = 0; at + 4 <= input.length; ) {
    const len = input.readUInt32LE(at);
    at += 4;
    const half = x.input_capacity() >>> 1;
    if (at + len > input.length || len + 64 > half) fail(`bad record of ${len} bytes`);
    const buf = x.input_buffer() >>> 0;
    const out = buf + half;
    new Uint8Array(x.memory.buffer).set(input.subarray(at, at + len), buf);
    at += len;
    const size = x.process(buf, len, out) >>> 0;
    const bytes = new Uint8Array(x.memory.buffer, out, size);
    lines.push(Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join(""));
  }
  process.stdout.write(lines.map((l) => l + "\n").join(""));
  return 0;
}

function checkImports(path, names) {
  const got = WebAssembly.Module.imports(compile(path)).map((i) => `${i.module}.${i.name} (${i.kind})`);
  const want = names.map((n) => `${IMPORT_MODULE}.${n} (function)`);
  const missing = want.filter((w) => !got.includes(w));
  const extra = got.filter((g) => !want.includes(g));
  if (missing.length || extra.length || got.length !== want.length) {
    console.error(`FAIL ${path} imports:\n  missing: ${missing.join(", ") || "-"}\n  unexpected: ${extra.join(", ") || "-"}`);
    return 1;
  }
  console.log(`PASS ${path} imports exactly ${want.length} functions from ${IMPORT_MODULE}`);
  return 0;
}

const [cmd, path, ...rest] = process.argv.slice(2);
if (!path) fail("usage: run_node.mjs kat|vectors|process MODULE.wasm [PROVIDER.wasm...] | check-imports MODULE.wasm NAME...");
// exitCode, not process.exit(): exiting at once would drop stdout still queued for a pipe.
if (cmd === "kat") process.exitCode = await kat(path, rest);
else if (cmd === "process") process.exitCode = await processRecords(path, rest);
else if (cmd === "vectors") process.exitCode = await vectors(path, rest);
else if (cmd === "check-imports") process.exitCode = checkImports(path, rest);
else fail(`unknown command ${cmd}`);
