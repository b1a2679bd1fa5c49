//! The `lowering` crate's intrinsic lowerings end to end, for every family of the spec and
//! every program of `c/programs/` (nothing here names a family):
//! * each clang-built program kernel (`c/prebuilt/<program>_kernel_imports.wasm`) passes its
//!   known answers on the x86-64 JIT (portable) and as AArch64 objects under qemu (portable,
//!   native with and without lane-0 forwarding), and processes random input records exactly
//!   like an independent reference implementation;
//! * each native instruction matches `models::engine::engine_model` on random inputs under
//!   qemu, as does the portable lowering on the JIT;
//! * a function the native guards reject falls back to the portable lowering;
//! * a one-operand intrinsic applied straight to another's result (AESMC after AESE, as cores
//!   fuse the pair) stays the very next instruction, reading the first one's register.

use engine::{compile_object, CompileOptions, Config, Instance, ObjTarget, Val};
use lowering::{LoweringTable, Mode};
use models::engine::engine_model;
use models::rng::Rng;
use models::{Bits, Concrete};
use spec::{Intrinsic, Mnemonic};
use std::fmt::Write as _;
use std::path::Path;

mod common;
use common::{link_driver, repo, require_aarch64_tools, run_ok, tmp};

lowering::engine_hooks!();

#[path = "../../tools/testsupport/programs.rs"]
mod support;
use support::{hex, random_records, reference, stdin_records};

fn programs() -> Vec<String> {
    support::programs(&repo())
}

fn kernel_wasm(program: &str) -> Vec<u8> {
    let path = repo().join(format!("c/prebuilt/{program}_kernel_imports.wasm"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The engine intrinsics of the spec families a program uses, in `engine_features` bit order.
fn family_intrinsics(program: &str) -> Vec<Intrinsic> {
    support::families(&repo(), program)
        .iter()
        .flat_map(|f| spec::load_family(f).unwrap().intrinsics)
        .collect()
}

/// Each function body of a module as its operators, each a call to an import (by the import's
/// name) or something else (`None`).
fn import_calls(wasm: &[u8]) -> Vec<Vec<Option<String>>> {
    use wasmparser::{Operator, Parser, Payload, TypeRef};
    let mut imports = Vec::new(); // function import index -> name
    let mut bodies = Vec::new();
    for payload in Parser::new(0).parse_all(wasm) {
        match payload.unwrap() {
            Payload::ImportSection(reader) => {
                for import in reader {
                    let import = import.unwrap();
                    if let TypeRef::Func(_) = import.ty {
                        imports.push(import.name.to_string());
                    }
                }
            }
            Payload::CodeSectionEntry(body) => bodies.push(
                body.get_operators_reader()
                    .unwrap()
                    .into_iter()
                    .map(|op| match op.unwrap() {
                        Operator::Call { function_index } => {
                            imports.get(function_index as usize).cloned()
                        }
                        _ => None,
                    })
                    .collect(),
            ),
            _ => {}
        }
    }
    bodies
}

/// Calls to imported engine intrinsics (not the availability query) in a module: the number
/// of instruction words the native lowering must produce.
fn intrinsic_calls(wasm: &[u8]) -> usize {
    import_calls(wasm)
        .iter()
        .flatten()
        .filter(|c| c.as_deref().is_some_and(|n| n != lowering::IS_AVAILABLE))
        .count()
}

/// Compile `wasm` for aarch64 with `mode` (native: portable fallback), returning the object
/// artifact.
fn compile_aarch64(wasm: &[u8], mode: Mode, forward: bool) -> engine::ObjectArtifact {
    // Translation validation on: the test then also shows every kernel's rewrites proved.
    let table = |m| {
        LoweringTable::all(m)
            .unwrap()
            .with_forward_lane0(forward)
            .with_rewrite_validation(true)
    };
    let (primary, portable) = (table(mode), table(Mode::Portable));
    let (p, fb) = (LoweringHooks(&primary), LoweringHooks(&portable));
    let opts = match mode {
        Mode::Portable => CompileOptions::new(&p),
        Mode::Aarch64Native => CompileOptions {
            lowering: &p,
            post_pass: Some(&p),
            fallback: Some(&fb),
        },
        Mode::X86Native => panic!("lowering (E) is for the x86-64 JIT, not aarch64 objects"),
    };
    let art = compile_object(wasm, ObjTarget::Aarch64, &opts).unwrap();
    assert_rewrites_validated(&primary);
    art
}

/// Every function's rewrites (if validation was on) were proved and applied.
fn assert_rewrites_validated(table: &LoweringTable) {
    for v in table.take_validations() {
        assert!(
            v.applied,
            "function {}: rewrites not validated: {}",
            v.function, v.verdict
        );
    }
}

/// Link the object with `driver` and the runtime, run under qemu (stdin from `input`),
/// return stdout.
fn link_and_run(
    art: &engine::ObjectArtifact,
    dir: &Path,
    driver: &str,
    input: Option<&[u8]>,
) -> String {
    let exe = link_driver(art, dir, "aarch64-linux-gnu-gcc", driver);
    match input {
        None => run_ok("qemu-aarch64", &[exe.as_os_str()]),
        Some(bytes) => {
            let path = dir.join("stdin.bin");
            std::fs::write(&path, bytes).unwrap();
            let out = std::process::Command::new("qemu-aarch64")
                .arg(&exe)
                .stdin(std::fs::File::open(&path).unwrap())
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            String::from_utf8(out.stdout).unwrap()
        }
    }
}

fn i32_result(r: Vec<Val>) -> i32 {
    match r[..] {
        [Val::I32(v)] => v,
        ref other => panic!("{other:?}"),
    }
}

type Pairs = std::collections::BTreeMap<(Mnemonic, Mnemonic), usize>;

/// Pairs `call f; call g` of engine intrinsics in a module where `g` has one param, so it
/// consumes `f`'s result directly (e.g. `vaesmcq_u8(vaeseq_u8(s, k))`), by instructions.
fn chained_unary_calls(wasm: &[u8], intrinsics: &[Intrinsic]) -> Pairs {
    let intrinsic = |c: &Option<String>| {
        let name = c.as_deref()?;
        intrinsics.iter().find(|i| i.engine.name == name)
    };
    let mut pairs = Pairs::new();
    for body in import_calls(wasm) {
        for w in body.windows(2) {
            if let (Some(first), Some(second)) = (intrinsic(&w[0]), intrinsic(&w[1])) {
                if second.engine.params.len() == 1 {
                    *pairs
                        .entry((first.instruction, second.instruction))
                        .or_default() += 1;
                }
            }
        }
    }
    pairs
}

/// Adjacent modelled instruction words in an object where the second reads the first one's
/// destination register as its only source, by instructions.
fn chained_unary_words(object: &[u8]) -> Pairs {
    let words: Vec<Option<models::aarch64::Inst>> = object
        .chunks_exact(4)
        .map(|w| models::aarch64::Inst::decode(u32::from_le_bytes(w.try_into().unwrap())))
        .collect();
    let mut pairs = Pairs::new();
    for w in words.windows(2) {
        if let (Some(first), Some(second)) = (w[0], w[1]) {
            let sources = (second.mnemonic.desc().operands.iter())
                .filter(|o| o.access.reads())
                .count();
            if sources == 1 && second.rn == first.rd {
                *pairs.entry((first.mnemonic, second.mnemonic)).or_default() += 1;
            }
        }
    }
    pairs
}

/// Instruction words of the modelled instructions in an object (code is word-aligned in the
/// ELF file).
fn instruction_words_in(object: &[u8]) -> usize {
    object
        .chunks_exact(4)
        .filter(|w| {
            models::aarch64::Inst::decode(u32::from_le_bytes((*w).try_into().unwrap())).is_some()
        })
        .count()
}

#[test]
fn every_kernel_passes_its_kat_on_the_jit_with_the_portable_lowering() {
    for program in programs() {
        for forward in [true, false] {
            let table = LoweringTable::all(Mode::Portable)
                .unwrap()
                .with_forward_lane0(forward);
            let hooks = LoweringHooks(&table);
            let mut inst = Instance::new(&kernel_wasm(&program), &hooks).unwrap();
            assert_eq!(
                i32_result(inst.call("kat", &[]).unwrap()),
                0,
                "{program}: kat failed"
            );
            // Portable: no intrinsic is reported as native.
            assert_eq!(i32_result(inst.call("engine_features", &[]).unwrap()), 0);
        }
    }
}

#[test]
fn every_kernel_passes_its_kat_as_aarch64_objects_under_qemu() {
    require_aarch64_tools();
    let mut fused_pairs_checked = 0;
    for program in programs() {
        let wasm = kernel_wasm(&program);
        let all_native = (1i64 << family_intrinsics(&program).len()) - 1;
        for (mode, forward, features) in [
            (Mode::Portable, true, 0),
            (Mode::Aarch64Native, true, all_native),
            (Mode::Aarch64Native, false, all_native),
        ] {
            let art = compile_aarch64(&wasm, mode, forward);
            assert!(
                art.fallbacks.is_empty(),
                "{program} {mode:?}: {:?}",
                art.fallbacks
            );
            let dir = tmp(&format!("kernel-{program}-{mode:?}-{forward}"));
            let out = link_and_run(&art, &dir, "driver_kernel.c", None);
            assert_eq!(
                out,
                format!("kat 0\nfeatures {features}\n"),
                "{program} {mode:?}"
            );
            if mode == Mode::Aarch64Native {
                // Every intrinsic call of the module (and nothing else) is one instruction.
                assert_eq!(
                    instruction_words_in(&art.object),
                    intrinsic_calls(&wasm),
                    "{program}: instruction words in the object"
                );
                // Fusible pairs stay pairs: each is adjacent in the object, on one register.
                let adjacent = chained_unary_words(&art.object);
                for (pair, calls) in chained_unary_calls(&wasm, &family_intrinsics(&program)) {
                    fused_pairs_checked += calls;
                    let words = adjacent.get(&pair).copied().unwrap_or(0);
                    assert!(
                        words >= calls,
                        "{program}: {calls} calls {} then {} in the Wasm, {words} adjacent in the object",
                        pair.0,
                        pair.1
                    );
                }
            }
        }
    }
    eprintln!("{fused_pairs_checked} fusible intrinsic pairs checked for adjacency");
    // AES-GCM's AESE/AESMC rounds: the check above is not vacuous.
    assert!(
        fused_pairs_checked > 0,
        "no program has a fusible pair to check"
    );
}

#[test]
fn random_records_match_the_reference_on_the_jit_and_as_native_objects() {
    require_aarch64_tools();
    for program in programs() {
        let messages = random_records(&program, 0x5eed_0000 + program.len() as u64);
        let want: Vec<String> = messages.iter().map(|m| reference(&program, m)).collect();
        let wasm = kernel_wasm(&program);

        // x86-64 JIT, portable lowering (A), and (E) where this CPU has its features.
        let table = LoweringTable::all(Mode::Portable).unwrap();
        let hooks = LoweringHooks(&table);
        let mut builds = vec![("(A)", Instance::new(&wasm, &hooks).unwrap())];
        let x86 = LoweringTable::all(Mode::X86Native).unwrap();
        let x86_hooks = LoweringHooks(&x86);
        let missing = lowering::x86::missing_host_features();
        if missing.is_empty() {
            let opts = x86_options(&x86_hooks, &hooks);
            let inst = Instance::with_options(&wasm, &opts, Config::default()).unwrap();
            assert_eq!(inst.fallbacks, vec![], "{program}: (E) fell back");
            builds.push(("(E)", inst));
        } else {
            // The dedicated (E) tests fail on such a CPU; this one says what it left out.
            eprintln!(
                "{program}: random records on (E) SKIPPED (this CPU lacks {})",
                missing.join(", ")
            );
        }
        for (name, inst) in &mut builds {
            let input = i32_result(inst.call("input_buffer", &[]).unwrap());
            let half = i32_result(inst.call("input_capacity", &[]).unwrap()) / 2;
            let out = input + half;
            for (m, w) in messages.iter().zip(&want) {
                let at = input as usize;
                inst.memory_mut()[at..at + m.len()].copy_from_slice(m);
                let size = i32_result(
                    inst.call(
                        "process",
                        &[Val::I32(input), Val::I32(m.len() as i32), Val::I32(out)],
                    )
                    .unwrap(),
                ) as usize;
                let got = hex(&inst.memory()[out as usize..out as usize + size]);
                assert_eq!(&got, w, "{program} JIT {name}, {} bytes", m.len());
            }
        }

        // AArch64 objects, native lowering (D), under qemu.
        let art = compile_aarch64(&wasm, Mode::Aarch64Native, true);
        assert!(art.fallbacks.is_empty(), "{program}: {:?}", art.fallbacks);
        let got = link_and_run(
            &art,
            &tmp(&format!("process-{program}")),
            "driver_process.c",
            Some(&stdin_records(&messages)),
        );
        let got: Vec<&str> = got.lines().collect();
        assert_eq!(got, want, "{program} AArch64 (D)");
    }
}

const CASES: usize = 1000;
const OUT: u32 = 0x20000;

/// How a call passes one of its inputs.
#[derive(Clone, Copy, Debug)]
enum Pass {
    /// As is.
    Plain,
    /// A broadcast of this 32-bit lane (forwarding removes broadcasts of lane 0 for params
    /// observed in lane 0 only, and must leave the others alone).
    Broadcast(u8),
    /// With this 64-bit lane zeroed, as the header's `u64x2(x, 0)` does to lane 1 (forwarding
    /// removes that for params observed in their low 64 bits only, and must not remove a
    /// zeroed lane 0).
    ZeroLane64(u8),
}

/// One call of the differential module: an intrinsic, and for each param the input (0, 1,
/// 2 = a, b, c) and how it is passed.
struct Call {
    intrinsic: Intrinsic,
    args: Vec<(usize, Pass)>,
}

/// Every intrinsic on (a, b, c), plus, for each param observed in lane 0 only, the same call
/// with that param a broadcast of each lane: lane 0 as clang's shuffle and as
/// splat(extract_lane), which forwarding removes, and lanes 1-3, which it must not (a matcher
/// that took them for lane 0 would pass the wrong lane: these are its negative tests); and for
/// each param observed in its low 64 bits only, the same call with each 64-bit lane zeroed
/// (lane 1 is forwarded, lane 0 the negative test).
fn calls() -> Vec<Call> {
    let mut out = Vec::new();
    for intr in spec::load_all()
        .unwrap()
        .iter()
        .flat_map(|s| s.intrinsics.clone())
    {
        let n = intr.engine.params.len();
        out.push(Call {
            intrinsic: intr.clone(),
            args: (0..n).map(|i| (i, Pass::Plain)).collect(),
        });
        for (pi, p) in intr.engine.params.iter().enumerate() {
            let variants: Vec<Pass> = match p.observes.as_slice() {
                [0] => (0..4).map(Pass::Broadcast).collect(),
                [0, 1] => (0..2).map(Pass::ZeroLane64).collect(),
                _ => vec![],
            };
            for pass in variants {
                // From another input, so forwarding must pick that input.
                let args = (0..n).map(|i| {
                    if i == pi {
                        ((i + 1) % 3, pass)
                    } else {
                        (i, Pass::Plain)
                    }
                });
                out.push(Call {
                    intrinsic: intr.clone(),
                    args: args.collect(),
                });
            }
        }
    }
    out
}

/// A module calling every [`Call`] on `CASES` random input triples (in a data segment).
fn differential_module(inputs: &[[u128; 3]], calls: &[Call]) -> String {
    let mut data = String::new();
    for v in inputs.iter().flatten() {
        for b in v.to_le_bytes() {
            write!(data, "\\{b:02x}").unwrap();
        }
    }
    let mut imports = String::new();
    let mut seen = Vec::new();
    for c in calls {
        let e = &c.intrinsic.engine;
        if !seen.contains(&e.name) {
            seen.push(e.name.clone());
            writeln!(
                imports,
                "  (import \"wasm_arm_neon\" \"{0}\" (func ${0} (param{1}) (result v128)))",
                e.name,
                " v128".repeat(e.params.len())
            )
            .unwrap();
        }
    }
    let mut body = String::new();
    for (k, c) in calls.iter().enumerate() {
        let args: Vec<String> = c
            .args
            .iter()
            .enumerate()
            .map(|(j, &(input, pass))| {
                let v = format!("(local.get ${})", ["a", "b", "c"][input]);
                match pass {
                    Pass::Plain => v,
                    // Both shapes for lane 0; the others alternate.
                    Pass::Broadcast(lane) if (j + lane as usize).is_multiple_of(2) => {
                        let bytes: Vec<String> =
                            (0..16).map(|i| (4 * lane + i % 4).to_string()).collect();
                        format!("(i8x16.shuffle {} {v} {v})", bytes.join(" "))
                    }
                    Pass::Broadcast(lane) => {
                        format!("(i32x4.splat (i32x4.extract_lane {lane} {v}))")
                    }
                    Pass::ZeroLane64(lane) => {
                        format!("(i64x2.replace_lane {lane} {v} (i64.const 0))")
                    }
                }
            })
            .collect();
        writeln!(
            body,
            "      (v128.store offset={} (local.get $out) (call ${} {}))",
            k * 16,
            c.intrinsic.engine.name,
            args.join(" ")
        )
        .unwrap();
    }
    let per_case = calls.len() * 16;
    let out_len = CASES * per_case;
    let pages = (OUT as usize + out_len).div_ceil(65536);
    format!(
        r#"(module
{imports}  (memory (export "memory") {pages})
  (data (i32.const 0) "{data}")
  (func (export "out_len") (result i32) (i32.const {out_len}))
  (func (export "run") (result i32) (local $i i32) (local $in i32) (local $out i32)
    (local $a v128) (local $b v128) (local $c v128)
    (local.set $out (i32.const {OUT}))
    (loop $next
      (local.set $a (v128.load (local.get $in)))
      (local.set $b (v128.load offset=16 (local.get $in)))
      (local.set $c (v128.load offset=32 (local.get $in)))
{body}      (local.set $in (i32.add (local.get $in) (i32.const 48)))
      (local.set $out (i32.add (local.get $out) (i32.const {per_case})))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $next (i32.lt_u (local.get $i) (i32.const {CASES}))))
    (i32.const {OUT})))"#
    )
}

fn broadcast_lane(v: u128, lane: u8) -> u128 {
    let l = v >> (32 * lane) & 0xffff_ffff;
    l | l << 32 | l << 64 | l << 96
}

fn expected(inputs: &[[u128; 3]], calls: &[Call]) -> Vec<u128> {
    let mut out = Vec::new();
    for abc in inputs {
        for c in calls {
            let args: Vec<Bits> = c
                .args
                .iter()
                .map(|&(input, pass)| {
                    let v = abc[input];
                    Bits::from_u128(
                        128,
                        match pass {
                            Pass::Plain => v,
                            Pass::Broadcast(lane) => broadcast_lane(v, lane),
                            Pass::ZeroLane64(lane) => v & !((u64::MAX as u128) << (64 * lane)),
                        },
                    )
                })
                .collect();
            out.push(engine_model(&mut Concrete, c.intrinsic.instruction, &args).to_u128());
        }
    }
    out
}

fn parse_lines(out: &str) -> Vec<u128> {
    out.lines()
        .map(|l| u128::from_str_radix(l.trim_start_matches("0x"), 16).unwrap())
        .collect()
}

fn differential_inputs() -> Vec<[u128; 3]> {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    (0..CASES)
        .map(|_| [rng.edge_u128(128), rng.u128(), rng.u128()])
        .collect()
}

fn check(got: &[u128], want: &[u128], calls: &[Call], what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: result count");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        let c = &calls[i % calls.len()];
        assert_eq!(
            g,
            w,
            "{what}: case {} {} {:?}: got {g:#034x}, model {w:#034x}",
            i / calls.len(),
            c.intrinsic.name,
            c.args
        );
    }
}

#[test]
fn each_native_instruction_matches_the_engine_model_under_qemu() {
    require_aarch64_tools();
    let calls = calls();
    let inputs = differential_inputs();
    let wasm = wat::parse_str(differential_module(&inputs, &calls)).unwrap();
    let want = expected(&inputs, &calls);
    for (mode, forward) in [
        (Mode::Aarch64Native, true),
        (Mode::Aarch64Native, false),
        (Mode::Portable, true),
    ] {
        let art = compile_aarch64(&wasm, mode, forward);
        assert!(art.fallbacks.is_empty(), "{:?}", art.fallbacks);
        if mode == Mode::Aarch64Native {
            // One word per call site: call sites are never merged, whatever their operands.
            assert_eq!(instruction_words_in(&art.object), calls.len());
            let mut kinds: Vec<Mnemonic> = Mnemonic::all().collect();
            kinds.retain(|m| !calls.iter().any(|c| c.intrinsic.instruction == *m));
            assert!(
                kinds.is_empty(),
                "instructions no call exercises: {kinds:?}"
            );
        }
        let out = link_and_run(
            &art,
            &tmp(&format!("diff-{mode:?}-{forward}")),
            "driver_dump.c",
            None,
        );
        check(
            &parse_lines(&out),
            &want,
            &calls,
            &format!("{mode:?} forward={forward}"),
        );
    }
}

#[test]
fn portable_lowering_matches_the_engine_model_on_the_jit() {
    let calls = calls();
    let inputs = differential_inputs();
    let wasm = wat::parse_str(differential_module(&inputs, &calls)).unwrap();
    let want = expected(&inputs, &calls);
    let table = LoweringTable::all(Mode::Portable).unwrap();
    let hooks = LoweringHooks(&table);
    let mut inst = Instance::new(&wasm, &hooks).unwrap();
    check(&run_differential(&mut inst), &want, &calls, "JIT portable");
}

/// Run the differential module's `run` on the JIT; the results it stored, one v128 each.
fn run_differential(inst: &mut Instance) -> Vec<u128> {
    let out = i32_result(inst.call("run", &[]).unwrap()) as usize;
    let len = i32_result(inst.call("out_len", &[]).unwrap()) as usize;
    inst.memory()[out..out + len]
        .chunks_exact(16)
        .map(|c| u128::from_le_bytes(c.try_into().unwrap()))
        .collect()
}

/// Compile options for lowering (E) with (A) as the fallback.
fn x86_options<'a>(
    native: &'a LoweringHooks<'a>,
    portable: &'a LoweringHooks<'a>,
) -> CompileOptions<'a> {
    CompileOptions {
        lowering: native,
        post_pass: Some(native),
        fallback: Some(portable),
    }
}

#[test]
fn native_guards_fall_back_to_portable_on_the_wrong_target() {
    // The native table with its post-pass on the x86-64 JIT: no placeholder word is found, so
    // every function with a call is rejected and recompiled with the portable lowering, and
    // every kernel still passes its vectors.
    let native = LoweringTable::all(Mode::Aarch64Native).unwrap();
    let portable = LoweringTable::all(Mode::Portable).unwrap();
    let (n, p) = (LoweringHooks(&native), LoweringHooks(&portable));
    let opts = CompileOptions {
        lowering: &n,
        post_pass: Some(&n),
        fallback: Some(&p),
    };
    for program in programs() {
        let mut inst =
            Instance::with_options(&kernel_wasm(&program), &opts, Config::default()).unwrap();
        assert!(!inst.fallbacks.is_empty(), "{program}");
        for (f, why) in &inst.fallbacks {
            assert!(
                why.contains("expected exactly one") || why.contains("word-aligned"),
                "{program} function {f}: {why}"
            );
        }
        assert_eq!(i32_result(inst.call("kat", &[]).unwrap()), 0, "{program}");
    }
}

/// Lowering (E) runs only where the CPU has its features: a CPU without them fails these
/// tests naming what is missing; `HWWASM_SKIP_X86_NATIVE=1` skips them explicitly.
fn x86_native_options_or_skip(test: &str) -> Option<(LoweringTable, LoweringTable)> {
    if std::env::var_os("HWWASM_SKIP_X86_NATIVE").is_some() {
        eprintln!("{test} SKIPPED (HWWASM_SKIP_X86_NATIVE is set)");
        return None;
    }
    let missing = lowering::x86::missing_host_features();
    assert!(
        missing.is_empty(),
        "this CPU lacks {}: lowering (E) cannot run here (set HWWASM_SKIP_X86_NATIVE=1 to skip explicitly)",
        missing.join(", ")
    );
    Some((
        LoweringTable::all(Mode::X86Native)
            .unwrap()
            .with_rewrite_validation(true),
        LoweringTable::all(Mode::Portable).unwrap(),
    ))
}

#[test]
fn every_kernel_passes_its_kat_on_the_jit_with_the_x86_lowering() {
    let Some((native, portable)) = x86_native_options_or_skip("x86 (E) kernels") else {
        return;
    };
    let (n, p) = (LoweringHooks(&native), LoweringHooks(&portable));
    let opts = x86_options(&n, &p);
    for program in programs() {
        let mut inst =
            Instance::with_options(&kernel_wasm(&program), &opts, Config::default()).unwrap();
        // Every function compiled with (E): none fell back to (A), and every function's
        // rewrites were proved equal to the function before them.
        assert_eq!(
            inst.fallbacks,
            vec![],
            "{program}: functions fell back to (A)"
        );
        assert_rewrites_validated(&native);
        assert_eq!(
            i32_result(inst.call("kat", &[]).unwrap()),
            0,
            "{program}: kat failed with (E)"
        );
        assert_ne!(i32_result(inst.call("engine_features", &[]).unwrap()), 0);
    }
}

#[test]
fn x86_lowering_matches_the_engine_model_on_the_jit() {
    let Some((native, portable)) = x86_native_options_or_skip("x86 (E) differential") else {
        return;
    };
    let (n, p) = (LoweringHooks(&native), LoweringHooks(&portable));
    let opts = x86_options(&n, &p);
    let calls = calls();
    let inputs = differential_inputs();
    let wasm = wat::parse_str(differential_module(&inputs, &calls)).unwrap();
    let want = expected(&inputs, &calls);
    let mut inst = Instance::with_options(&wasm, &opts, Config::default()).unwrap();
    assert_eq!(inst.fallbacks, vec![], "functions fell back to (A)");
    check(&run_differential(&mut inst), &want, &calls, "JIT x86 (E)");
}
