//! Real clang output: plain-C SHA-1 (tests/c/sha1.c) compiled to Wasm with SIMD and bulk
//! memory, run on the JIT and as an aarch64 object under qemu.

use engine::{compile_object, CompileOptions, Instance, NoIntrinsics, ObjTarget, Val};
use std::path::PathBuf;
use std::process::Command;

const ABC: &str = "a9993e364706816aba3e25717850c26c9cd0d89d";
const TWO_BLOCKS: &str = "84983e441c3bd26ebaae4aa1f95129e5e54670f1";
const MILLION_A: &str = "34aa973cd4c4daa4f61eeb2bdbad27316534016f";

fn engine_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn tool_exists(name: &str) -> bool {
    Command::new(name).arg("--version").output().is_ok()
}

/// Build tests/c/sha1.c with clang; None if clang is unavailable.
fn build_wasm() -> Option<Vec<u8>> {
    // A missing tool fails the test: a skipped check must not look like a pass.
    assert!(
        tool_exists("clang"),
        "clang is missing: run .ci/install-deps (Debian: clang lld)"
    );
    let out_path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("sha1.wasm");
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
    assert!(
        tool_exists("aarch64-linux-gnu-gcc") && tool_exists("qemu-aarch64"),
        "aarch64 toolchain or qemu missing: run .ci/install-deps \
         (Debian: gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user)"
    );
    let art = compile_object(
        &wasm,
        ObjTarget::Aarch64,
        &CompileOptions::new(&NoIntrinsics),
    )
    .unwrap();
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("sha1-aarch64");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("module.o"), &art.object).unwrap();
    std::fs::write(dir.join("module.h"), &art.header).unwrap();
    let support = engine_dir().join("support");
    let exe = dir.join("sha1");
    let out = Command::new("aarch64-linux-gnu-gcc")
        .args(["-static", "-O2", "-Wall", "-Werror"])
        .arg("-I")
        .arg(&support)
        .arg("-I")
        .arg(&dir)
        .arg(engine_dir().join("tests/c/driver_sha1.c"))
        .arg(support.join("wasm_rt.c"))
        .arg(dir.join("module.o"))
        .arg("-o")
        .arg(&exe)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let run = Command::new("qemu-aarch64").arg(&exe).output().unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&run.stdout),
        format!("abc {ABC}\nmillion_a {MILLION_A}\n")
    );
}
