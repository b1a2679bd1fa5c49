//! Real clang output: plain-C SHA-1 (tests/c/sha1.c) compiled to Wasm with SIMD and bulk
//! memory, run on the JIT and as an aarch64 object under qemu.

use engine::{compile_object, CompileOptions, Instance, NoIntrinsics, ObjTarget, Val};
use std::process::Command;

const ABC: &str = "a9993e364706816aba3e25717850c26c9cd0d89d";
const TWO_BLOCKS: &str = "84983e441c3bd26ebaae4aa1f95129e5e54670f1";
const MILLION_A: &str = "34aa973cd4c4daa4f61eeb2bdbad27316534016f";

mod common;
use common::{engine_dir, link_driver, require_aarch64_tools, run_ok, tmp, tool_exists};

/// Build tests/c/sha1.c with clang; None if clang is unavailable.
fn build_wasm() -> Option<Vec<u8>> {
    // A missing tool fails the test: a skipped check must not look like a pass.
    assert!(
        tool_exists("clang"),
        "clang is missing: run .ci/install-deps (Debian: clang lld)"
    );
    let out_path = tmp("sha1.wasm");
    let out = Command::new("clang")
        .args([
            "--target=wasm32",
            "-msimd128",
            "-mbulk-memory",
            "-O3",
            "-nostdlib",
            "-Wl,--no-entry",
            "-Wl,--export=input_ptr",
            "-Wl,--export=digest_ptr",
            "-Wl,--export=hash_input",
            "-Wl,--export=hash_repeat_a",
        ])
        .arg(engine_dir().join("tests/c/sha1.c"))
        .arg("-o")
        .arg(&out_path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(std::fs::read(out_path).unwrap())
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn ptr(i: &mut Instance, name: &str) -> usize {
    match i.call(name, &[]).unwrap()[..] {
        [Val::I32(p)] => p as u32 as usize,
        ref other => panic!("{other:?}"),
    }
}

fn digest_of(i: &mut Instance, msg: &[u8]) -> String {
    let input = ptr(i, "input_ptr");
    i.memory_mut()[input..input + msg.len()].copy_from_slice(msg);
    i.call("hash_input", &[Val::I32(msg.len() as i32)]).unwrap();
    let d = ptr(i, "digest_ptr");
    hex(&i.memory()[d..d + 20])
}

#[test]
fn clang_sha1_on_jit() {
    let Some(wasm) = build_wasm() else { return };
    let mut i = Instance::new(&wasm, &NoIntrinsics).unwrap();
    assert_eq!(digest_of(&mut i, b"abc"), ABC);
    assert_eq!(
        digest_of(
            &mut i,
            b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
        ),
        TWO_BLOCKS
    );
    i.call("hash_repeat_a", &[Val::I32(1_000_000)]).unwrap();
    let d = ptr(&mut i, "digest_ptr");
    assert_eq!(hex(&i.memory()[d..d + 20]), MILLION_A);
}

#[test]
fn clang_sha1_on_aarch64_object() {
    let Some(wasm) = build_wasm() else { return };
    require_aarch64_tools();
    let art = compile_object(
        &wasm,
        ObjTarget::Aarch64,
        &CompileOptions::new(&NoIntrinsics),
    )
    .unwrap();
    let exe = link_driver(
        &art,
        &tmp("sha1-aarch64"),
        "aarch64-linux-gnu-gcc",
        "driver_sha1.c",
    );
    assert_eq!(
        run_ok("qemu-aarch64", &[exe.as_os_str()]),
        format!("abc {ABC}\nmillion_a {MILLION_A}\n")
    );
}
