//! The `lowering` crate's SHA-1 intrinsic lowerings end to end: the clang-built kernel
//! (c/prebuilt/sha1_kernel_imports.wasm) passes its FIPS vectors on the x86-64 JIT (portable)
//! and as aarch64 objects under qemu (portable and native); each native instruction matches
//! `models::engine::engine_model` on random inputs under qemu; a function the native guards
//! reject falls back to the portable lowering.

use engine::{compile_object, CompileOptions, Config, Instance, ObjTarget, Val};
use lowering::{LoweringTable, Mode};
use models::engine::engine_model;
use models::rng::Rng;
use models::{Bits, Concrete};
use spec::Mnemonic;
use std::fmt::Write as _;
use std::path::Path;

mod common;
use common::{link_driver, repo, require_aarch64_tools, run_ok, tmp};

lowering::engine_hooks!();

fn kernel_wasm() -> Vec<u8> {
    std::fs::read(repo().join("c/prebuilt/sha1_kernel_imports.wasm")).unwrap()
}

/// Compile `wasm` for aarch64 with `mode` (native: portable fallback), returning the object
/// artifact.
fn compile_aarch64(wasm: &[u8], mode: Mode, forward: bool) -> engine::ObjectArtifact {
    let table = |m| LoweringTable::sha1(m).unwrap().with_forward_lane0(forward);
    let (primary, portable) = (table(mode), table(Mode::Portable));
    let (p, fb) = (LoweringHooks(&primary), LoweringHooks(&portable));
    let opts = match mode {
        Mode::Portable => CompileOptions::new(&p),
        Mode::Aarch64Native => CompileOptions {
            lowering: &p,
            post_pass: Some(&p),
            fallback: Some(&fb),
        },
    };
    compile_object(wasm, ObjTarget::Aarch64, &opts).unwrap()
}

/// Link the object with `driver` and the runtime, run under qemu, return stdout.
fn link_and_run(art: &engine::ObjectArtifact, dir: &Path, driver: &str, args: &[&str]) -> String {
    let exe = link_driver(art, dir, "aarch64-linux-gnu-gcc", driver);
    let mut argv: Vec<&std::ffi::OsStr> = vec![exe.as_os_str()];
    argv.extend(args.iter().map(std::ffi::OsStr::new));
    run_ok("qemu-aarch64", &argv)
}

fn i32_result(r: Vec<Val>) -> i32 {
    match r[..] {
        [Val::I32(v)] => v,
        ref other => panic!("{other:?}"),
    }
}

#[test]
fn kernel_kat_on_the_jit_with_the_portable_lowering() {
    for forward in [true, false] {
        let table = LoweringTable::sha1(Mode::Portable)
            .unwrap()
            .with_forward_lane0(forward);
        let hooks = LoweringHooks(&table);
        let mut inst = Instance::new(&kernel_wasm(), &hooks).unwrap();
        assert_eq!(i32_result(inst.call("kat", &[]).unwrap()), 0, "kat failed");
        // Portable: no intrinsic is reported as native.
        assert_eq!(i32_result(inst.call("engine_features", &[]).unwrap()), 0);
    }
}

#[test]
fn kernel_kat_as_aarch64_objects_under_qemu() {
    require_aarch64_tools();
    for (mode, forward, features) in [
        (Mode::Portable, true, 0),
        (Mode::Aarch64Native, true, 63),
        (Mode::Aarch64Native, false, 63),
    ] {
        let art = compile_aarch64(&kernel_wasm(), mode, forward);
        assert!(art.fallbacks.is_empty(), "{mode:?}: {:?}", art.fallbacks);
        let dir = tmp(&format!("kernel-{mode:?}-{forward}"));
        let out = link_and_run(&art, &dir, "driver_kernel.c", &[]);
        assert_eq!(out, format!("kat 0\nfeatures {features}\n"), "{mode:?}");
        if mode == Mode::Aarch64Native {
            // The 72 intrinsic calls of sha1_blocks (and nothing else) are SHA-1 words.
            let n = sha1_words_in(&art.object);
            assert_eq!(n, 72, "SHA-1 instructions in the object");
        }
    }
}

/// SHA-1 instruction words in an object (code is word-aligned in the ELF file).
fn sha1_words_in(object: &[u8]) -> usize {
    object
        .chunks_exact(4)
        .filter(|w| {
            models::aarch64::Inst::decode(u32::from_le_bytes((*w).try_into().unwrap())).is_some()
        })
        .count()
}

const CASES: usize = 1000;
const OUT: u32 = 0x10000;
/// Results per case: the six instructions, then SHA1C with e a lane-0 broadcast shuffle, then
/// SHA1H of `splat(extract_lane 0)` (both forwarded by the native lowering).
const PER_CASE: usize = 8;

/// A module calling every intrinsic on `CASES` random input triples (in a data segment).
fn differential_module(inputs: &[[u128; 3]]) -> String {
    let mut data = String::new();
    for v in inputs.iter().flatten() {
        for b in v.to_le_bytes() {
            write!(data, "\\{b:02x}").unwrap();
        }
    }
    let imp = |name: &str, n: usize| {
        format!(
            "(import \"wasm_arm_neon\" \"__intrinsic_{name}\" (func ${name} (param{}) (result v128)))\n",
            " v128".repeat(n)
        )
    };
    let out_len = CASES * PER_CASE * 16;
    format!(
        r#"(module
  {}{}{}{}{}{}
  (memory (export "memory") 3)
  (data (i32.const 0) "{data}")
  (func (export "out_len") (result i32) (i32.const {out_len}))
  (func (export "run") (result i32) (local $i i32) (local $in i32) (local $out i32)
    (local $a v128) (local $b v128) (local $c v128)
    (local.set $out (i32.const {OUT}))
    (loop $next
      (local.set $a (v128.load (local.get $in)))
      (local.set $b (v128.load offset=16 (local.get $in)))
      (local.set $c (v128.load offset=32 (local.get $in)))
      (v128.store offset=0 (local.get $out) (call $vsha1cq_u32 (local.get $a) (local.get $b) (local.get $c)))
      (v128.store offset=16 (local.get $out) (call $vsha1pq_u32 (local.get $a) (local.get $b) (local.get $c)))
      (v128.store offset=32 (local.get $out) (call $vsha1mq_u32 (local.get $a) (local.get $b) (local.get $c)))
      (v128.store offset=48 (local.get $out) (call $vsha1su0q_u32 (local.get $a) (local.get $b) (local.get $c)))
      (v128.store offset=64 (local.get $out) (call $vsha1h_u32 (local.get $a)))
      (v128.store offset=80 (local.get $out) (call $vsha1su1q_u32 (local.get $a) (local.get $b)))
      (v128.store offset=96 (local.get $out)
        (call $vsha1cq_u32 (local.get $a)
          (i8x16.shuffle 0 1 2 3 0 1 2 3 0 1 2 3 0 1 2 3 (local.get $b) (local.get $c))
          (local.get $c)))
      (v128.store offset=112 (local.get $out)
        (call $vsha1h_u32 (i32x4.splat (i32x4.extract_lane 0 (local.get $b)))))
      (local.set $in (i32.add (local.get $in) (i32.const 48)))
      (local.set $out (i32.add (local.get $out) (i32.const {per_case_bytes})))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $next (i32.lt_u (local.get $i) (i32.const {CASES}))))
    (i32.const {OUT})))"#,
        imp("vsha1cq_u32", 3),
        imp("vsha1pq_u32", 3),
        imp("vsha1mq_u32", 3),
        imp("vsha1su0q_u32", 3),
        imp("vsha1h_u32", 1),
        imp("vsha1su1q_u32", 2),
        per_case_bytes = PER_CASE * 16,
    )
}

fn model(m: Mnemonic, args: &[u128]) -> u128 {
    let bits: Vec<Bits> = args.iter().map(|&v| Bits::from_u128(128, v)).collect();
    engine_model(&mut Concrete, m, &bits).to_u128()
}

fn lane0_broadcast(v: u128) -> u128 {
    let l = v & 0xffff_ffff;
    l | l << 32 | l << 64 | l << 96
}

fn expected(inputs: &[[u128; 3]]) -> Vec<u128> {
    let mut out = Vec::new();
    for &[a, b, c] in inputs {
        out.push(model(Mnemonic::Sha1c, &[a, b, c]));
        out.push(model(Mnemonic::Sha1p, &[a, b, c]));
        out.push(model(Mnemonic::Sha1m, &[a, b, c]));
        out.push(model(Mnemonic::Sha1su0, &[a, b, c]));
        out.push(model(Mnemonic::Sha1h, &[a]));
        out.push(model(Mnemonic::Sha1su1, &[a, b]));
        out.push(model(Mnemonic::Sha1c, &[a, lane0_broadcast(b), c]));
        out.push(model(Mnemonic::Sha1h, &[lane0_broadcast(b)]));
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
        .map(|_| [rng.u128(), rng.u128(), rng.u128()])
        .collect()
}

fn check(got: &[u128], want: &[u128], what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: result count");
    let names = [
        "sha1c",
        "sha1p",
        "sha1m",
        "sha1su0",
        "sha1h",
        "sha1su1",
        "sha1c(e=shuffle)",
        "sha1h(splat)",
    ];
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        let name = names[i % PER_CASE];
        assert_eq!(
            g,
            w,
            "{what}: case {} {name}: got {g:#034x}, model {w:#034x}",
            i / PER_CASE
        );
    }
}

#[test]
fn each_native_instruction_matches_the_engine_model_under_qemu() {
    require_aarch64_tools();
    let inputs = differential_inputs();
    let wasm = wat::parse_str(differential_module(&inputs)).unwrap();
    let want = expected(&inputs);
    for (mode, forward) in [
        (Mode::Aarch64Native, true),
        (Mode::Aarch64Native, false),
        (Mode::Portable, true),
    ] {
        let art = compile_aarch64(&wasm, mode, forward);
        assert!(art.fallbacks.is_empty(), "{:?}", art.fallbacks);
        if mode == Mode::Aarch64Native {
            // One word per call; with forwarding the shuffle-fed SHA1C becomes the same op as
            // the plain one and GVN keeps one of them.
            let words = if forward { 7 } else { 8 };
            assert_eq!(sha1_words_in(&art.object), words, "SHA-1 words in `run`");
        }
        let out = link_and_run(
            &art,
            &tmp(&format!("diff-{mode:?}-{forward}")),
            "driver_dump.c",
            &[],
        );
        check(
            &parse_lines(&out),
            &want,
            &format!("{mode:?} forward={forward}"),
        );
    }
}

#[test]
fn portable_lowering_matches_the_engine_model_on_the_jit() {
    let inputs = differential_inputs();
    let wasm = wat::parse_str(differential_module(&inputs)).unwrap();
    let want = expected(&inputs);
    let table = LoweringTable::sha1(Mode::Portable).unwrap();
    let hooks = LoweringHooks(&table);
    let mut inst = Instance::new(&wasm, &hooks).unwrap();
    let out = i32_result(inst.call("run", &[]).unwrap()) as usize;
    let len = i32_result(inst.call("out_len", &[]).unwrap()) as usize;
    let got: Vec<u128> = inst.memory()[out..out + len]
        .chunks_exact(16)
        .map(|c| u128::from_le_bytes(c.try_into().unwrap()))
        .collect();
    check(&got, &want, "JIT portable");
}

#[test]
fn native_guards_fall_back_to_portable_on_the_wrong_target() {
    // The native table with its post-pass on the x86-64 JIT: no placeholder word is found, so
    // every function with a call is rejected and recompiled with the portable lowering, and
    // the kernel still passes its vectors.
    let native = LoweringTable::sha1(Mode::Aarch64Native).unwrap();
    let portable = LoweringTable::sha1(Mode::Portable).unwrap();
    let (n, p) = (LoweringHooks(&native), LoweringHooks(&portable));
    let opts = CompileOptions {
        lowering: &n,
        post_pass: Some(&n),
        fallback: Some(&p),
    };
    let mut inst = Instance::with_options(&kernel_wasm(), &opts, Config::default()).unwrap();
    assert!(!inst.fallbacks.is_empty());
    for (f, why) in &inst.fallbacks {
        assert!(
            why.contains("expected exactly one") || why.contains("word-aligned"),
            "function {f}: {why}"
        );
    }
    assert_eq!(i32_result(inst.call("kat", &[]).unwrap()), 0);
}
