//! Drive the real tools: c/build.sh, qemu-aarch64 and Node. A missing tool is
//! a failure naming the Debian package to install, never a silent pass.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

fn c_dir() -> PathBuf {
    cgen::workspace_root().join("c")
}

/// Panic unless `tool` is on PATH, naming the Debian package that provides it.
fn require(tool: &str, package: &str) {
    let found = std::env::var_os("PATH")
        .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join(tool).is_file()));
    assert!(
        found,
        "`{tool}` not found: install the Debian package `{package}` \
         (apt-get install -y --no-install-recommends {package})"
    );
}

fn run(cmd: &mut Command) -> Output {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed ({}):\n--- stdout\n{}--- stderr\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Build everything once per test process, into a private directory.
fn built() -> &'static Path {
    static DIR: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    let dir = DIR.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("cgen-c-build");
        let out = Command::new("bash")
            .arg(c_dir().join("build.sh"))
            .arg("all")
            .env("BUILD_DIR", &dir)
            .output()
            .map_err(|e| format!("cannot run c/build.sh: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "c/build.sh all failed:\n{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        Ok(dir)
    });
    match dir {
        Ok(d) => d,
        Err(e) => panic!("{e}"),
    }
}

fn node(args: &[&Path]) -> Output {
    require("node", "nodejs");
    run(Command::new("node")
        .arg(c_dir().join("run_node.mjs"))
        .args(args))
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Every case passes, for both implementations (5 cases x 2).
fn assert_kat_output(text: &str) {
    assert!(!text.contains("FAIL"), "{text}");
    assert_eq!(text.matches("PASS").count(), 10, "{text}");
    for case in ["empty", "abc", "448-bit", "million-a"] {
        assert!(text.contains(&format!("PASS neon  {case}\n")), "{text}");
        assert!(text.contains(&format!("PASS plain {case}\n")), "{text}");
    }
}

#[test]
fn native_kat_passes_under_qemu() {
    let dir = built();
    require("qemu-aarch64", "qemu-user");
    let out = run(Command::new("qemu-aarch64").arg(dir.join("native/kat")));
    assert_kat_output(&stdout(&out));
}

#[test]
fn fallback_mode_kat_passes_on_node() {
    let wasm = built().join("wasm/sha1_kernel_fallback.wasm");
    assert_kat_output(&stdout(&node(&[Path::new("kat"), &wasm])));
}

/// Imports mode, with the engine intrinsics provided by the fallback module.
#[test]
fn imports_mode_kat_passes_with_the_fallback_module_as_engine() {
    let w = built().join("wasm");
    let out = node(&[
        Path::new("kat"),
        &w.join("sha1_kernel_imports.wasm"),
        &w.join("sha1_fallback_only.wasm"),
    ]);
    assert_kat_output(&stdout(&out));
}

fn engine_import_names() -> Vec<String> {
    let spec = spec::load_family("sha1").unwrap();
    assert_eq!(
        spec.import_module, "wasm_arm_neon",
        "run_node.mjs assumes this module"
    );
    let mut names: Vec<String> = spec
        .intrinsics
        .iter()
        .map(|i| i.engine.name.clone())
        .collect();
    names.push(cgen::IS_AVAILABLE_IMPORT.to_string());
    names
}

#[test]
fn imports_mode_imports_exactly_the_engine_intrinsics() {
    let names = engine_import_names();
    let fresh = built().join("wasm/sha1_kernel_imports.wasm");
    let prebuilt = c_dir().join("prebuilt/sha1_kernel_imports.wasm");
    for module in [&fresh, &prebuilt] {
        let mut args: Vec<&Path> = vec![Path::new("check-imports"), module];
        args.extend(names.iter().map(Path::new));
        node(&args);
    }
}

/// The fallbacks agree with the AArch64 instructions on whole v128 values.
#[test]
fn fallback_engine_intrinsics_match_aarch64() {
    let dir = built();
    require("qemu-aarch64", "qemu-user");
    let native = stdout(&run(
        Command::new("qemu-aarch64").arg(dir.join("native/engine_vectors"))
    ));
    let w = dir.join("wasm");
    let harness = w.join("engine_vectors_imports.wasm");
    let fallback = stdout(&node(&[
        Path::new("vectors"),
        &harness,
        &w.join("sha1_fallback_only.wasm"),
    ]));
    assert_eq!(native.lines().count(), 6 * 256);
    assert!(
        native == fallback,
        "fallback differs from AArch64 at the engine layer"
    );

    // The known-wrong SHA1H differs exactly in SHA1H's lanes 1-3, while the
    // C-level kat still passes with it: only the engine layer can tell.
    let broken = stdout(&node(&[
        Path::new("vectors"),
        &harness,
        &w.join("sha1_fallback_only.wasm"),
        &w.join("broken_sha1h_all_lanes.wasm"),
    ]));
    for (i, (n, b)) in native.lines().zip(broken.lines()).enumerate() {
        let sha1h = (3 * 256..4 * 256).contains(&i);
        let (n, b): (Vec<&str>, Vec<&str>) = (n.split(' ').collect(), b.split(' ').collect());
        assert_eq!(n[0], b[0], "line {i}");
        assert_eq!(n[1..] != b[1..], sha1h, "line {i}: {n:?} vs {b:?}");
    }
    let kat = node(&[
        Path::new("kat"),
        &w.join("sha1_kernel_imports.wasm"),
        &w.join("sha1_fallback_only.wasm"),
        &w.join("broken_sha1h_all_lanes.wasm"),
    ]);
    assert_kat_output(&stdout(&kat));
}

#[test]
fn prebuilt_kernel_passes_kat_on_node() {
    let wasm = c_dir().join("prebuilt/sha1_kernel_fallback.wasm");
    assert_kat_output(&stdout(&node(&[Path::new("kat"), &wasm])));
}

#[test]
fn prebuilt_wasm_is_reproducible() {
    require("clang", "clang");
    require("wasm-ld", "lld");
    run(Command::new("bash")
        .arg(c_dir().join("build.sh"))
        .arg("--check-prebuilt"));
}
