//! The `engine` command line as a user meets it: argument ranges, options after the
//! arguments, calls that never return, and a closed or full stdout.

use std::path::PathBuf;
use std::process::{Command, Output};

fn module(name: &str, wat: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("engine-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{name}.wasm"));
    std::fs::write(&path, wat::parse_str(wat).unwrap()).unwrap();
    path
}

fn engine(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_engine"))
        .args(args)
        .output()
        .unwrap()
}

fn text(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into(),
        String::from_utf8_lossy(&o.stderr).into(),
    )
}

const ADD: &str = r#"(module (func (export "add") (param i32 i32) (result i32)
    local.get 0 local.get 1 i32.add))"#;

#[test]
fn options_after_the_arguments_are_options() {
    let m = module("add", ADD);
    let out = engine(&[
        "run",
        m.to_str().unwrap(),
        "--invoke",
        "add",
        "2",
        "-5",
        "--lowering",
        "portable",
    ]);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert_eq!(stdout, "-3\n");
}

#[test]
fn integer_arguments_out_of_range_are_errors() {
    let m = module("add", ADD);
    let out = engine(&[
        "run",
        m.to_str().unwrap(),
        "--invoke",
        "add",
        "4294967296",
        "0",
    ]);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stderr.contains("i32 argument `4294967296` is out of range"),
        "{stderr}"
    );
    // Both readings of 32 bits are accepted: 4294967295 is -1.
    let out = engine(&[
        "run",
        m.to_str().unwrap(),
        "--invoke",
        "add",
        "4294967295",
        "0",
    ]);
    assert_eq!(text(&out).0, "-1\n");
}

#[test]
fn a_call_that_never_returns_is_stopped() {
    let m = module("spin", r#"(module (func (export "spin") (loop (br 0))))"#);
    let out = engine(&[
        "run",
        m.to_str().unwrap(),
        "--invoke",
        "spin",
        "--timeout",
        "1",
    ]);
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("has not returned after 1 s"), "{stderr}");
}

#[test]
fn closed_or_full_stdout_is_not_a_panic() {
    let m = module("add", ADD);
    let args = ["run", m.to_str().unwrap(), "--invoke", "add", "1", "2"];
    let full = Command::new(env!("CARGO_BIN_EXE_engine"))
        .args(args)
        .stdout(std::fs::File::create("/dev/full").unwrap())
        .output()
        .unwrap();
    let (_, stderr) = text(&full);
    assert_eq!(full.status.code(), Some(4), "{stderr}");
    assert!(
        stderr.contains("cannot write to standard output"),
        "{stderr}"
    );
    // Closed: the reading end of the pipe is gone before the program starts.
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let closed = Command::new(env!("CARGO_BIN_EXE_engine"))
        .args(args)
        .stdout(writer)
        .output()
        .unwrap();
    let (_, stderr) = text(&closed);
    assert_eq!(closed.status.code(), Some(141), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

/// `compile --json` reports each function the native guards sent back to the portable
/// lowering; clang's SHA-1 kernel has none.
/// `engine compile` of clang's SHA-1 kernel to an AArch64 object with (D), plus `extra`
/// options; returns the output and the object's path.
fn compile_sha1_kernel_native(extra: &[&str]) -> (std::process::Output, std::path::PathBuf) {
    let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let kernel = repo.join("c/prebuilt/sha1_kernel_imports.wasm");
    let dir = std::env::temp_dir().join(format!(
        "engine-cli-{}-{}",
        std::process::id(),
        extra.join("")
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let obj = dir.join("sha1.o");
    let mut args = vec![
        "compile",
        kernel.to_str().unwrap(),
        "--emit-obj",
        obj.to_str().unwrap(),
        "--target",
        "aarch64",
        "--lowering",
        "aarch64-native",
    ];
    args.extend_from_slice(extra);
    (engine(&args), obj)
}

#[test]
fn compile_json_counts_portable_fallbacks() {
    let (out, obj) = compile_sha1_kernel_native(&["--json"]);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let summary: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(summary["lowering"], "aarch64-native");
    assert_eq!(summary["fallback_count"], 0, "{summary}");
    assert_eq!(summary["fallbacks"], serde_json::json!([]));
    assert!(!stderr.contains("warning"), "{stderr}");
    assert!(obj.exists());
}

/// `--validate-rewrites` proves each function's pre-lowering rewrites and says how many kept
/// them (the SHA-1 kernel's `sha1_blocks` carries `e` in a vector: (D) rewrites it).
#[test]
fn validate_rewrites_reports_every_function() {
    let (out, _) = compile_sha1_kernel_native(&["--validate-rewrites"]);
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("validated rewrites: 16 of 16 functions kept them"),
        "{stderr}"
    );
    assert!(!stderr.contains("warning"), "{stderr}");
}

#[test]
fn x86_native_lowering_is_chosen_by_the_cpu_never_assumed() {
    let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let kernel = repo.join("c/prebuilt/aesgcm_kernel_imports.wasm");
    let kernel = kernel.to_str().unwrap();
    // Not for objects: (E) depends on the CPU the code runs on.
    let out = engine(&[
        "compile",
        kernel,
        "--emit-obj",
        "/dev/null",
        "--target",
        "x86_64",
        "--lowering",
        "x86-native",
    ]);
    let (_, stderr) = text(&out);
    assert_ne!(out.status.code(), Some(0));
    assert!(stderr.contains("x86-64 host JIT"), "{stderr}");
    let missing = lowering::x86::missing_host_features();
    let run = |lowering: &str| {
        engine(&[
            "run",
            kernel,
            "--invoke",
            "engine_features",
            "--lowering",
            lowering,
        ])
    };
    if missing.is_empty() {
        // Every AES and PMULL intrinsic reported native, with (E) forced or chosen by `auto`.
        for l in ["x86-native", "auto"] {
            let out = run(l);
            let (stdout, stderr) = text(&out);
            assert_eq!(out.status.code(), Some(0), "{l}: {stderr}");
            assert_eq!(stdout.trim(), "63", "{l}");
        }
    } else {
        let out = run("x86-native");
        let (_, stderr) = text(&out);
        assert_ne!(out.status.code(), Some(0));
        assert!(stderr.contains(missing[0]), "{stderr}");
        // `auto` falls back to the portable lowering: nothing reported native.
        let (stdout, _) = text(&run("auto"));
        assert_eq!(stdout.trim(), "0");
    }
}
