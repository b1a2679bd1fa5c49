//! Shared by the tests that link engine objects with the C drivers in `engine/tests/c`.
#![allow(dead_code)] // each test crate uses its own subset

use engine::ObjectArtifact;
use std::path::{Path, PathBuf};
use std::process::Command;

pub fn engine_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn repo() -> PathBuf {
    engine_dir().join("..")
}

/// A scratch directory for one test.
pub fn tmp(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name)
}

pub fn tool_exists(name: &str) -> bool {
    Command::new(name).arg("--version").output().is_ok()
}

/// A missing tool fails the test: a skipped check must not look like a pass.
pub fn require_aarch64_tools() {
    assert!(
        tool_exists("aarch64-linux-gnu-gcc") && tool_exists("qemu-aarch64"),
        "aarch64-linux-gnu-gcc or qemu-aarch64 missing: run .ci/install-deps \
         (Debian: gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user)"
    );
}

/// Write the object and its header to `dir` and link them with `engine/tests/c/<driver>` and
/// the C runtime using `cc`; returns the executable.
pub fn link_driver(art: &ObjectArtifact, dir: &Path, cc: &str, driver: &str) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    let obj = dir.join("module.o");
    std::fs::write(&obj, &art.object).unwrap();
    std::fs::write(dir.join("module.h"), &art.header).unwrap();
    let support = engine_dir().join("support");
    let exe = dir.join("driver");
    let out = Command::new(cc)
        .args(["-static", "-O2", "-std=c11", "-Wall", "-Werror", "-I"])
        .arg(&support)
        .arg("-I")
        .arg(dir)
        .arg(engine_dir().join("tests/c").join(driver))
        .arg(support.join("wasm_rt.c"))
        .arg(&obj)
        .arg("-o")
        .arg(&exe)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "link failed:\n{}\nheader:\n{}",
        String::from_utf8_lossy(&out.stderr),
        art.header
    );
    exe
}

/// Run `program args...` (the first element may be `qemu-aarch64`); it must succeed.
/// Returns its stdout.
pub fn run_ok(program: impl AsRef<std::ffi::OsStr>, args: &[&std::ffi::OsStr]) -> String {
    let out = Command::new(program).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}
