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

#[path = "../../tools/testsupport/programs.rs"]
mod support;

fn programs() -> Vec<String> {
    support::programs(&cgen::workspace_root())
}

/// Every case passes, for both implementations, and the well-known ones are there.
fn assert_kat_output(program: &str, text: &str) {
    assert!(!text.contains("FAIL"), "{program}: {text}");
    let pass = text.matches("PASS").count();
    assert!(
        pass >= 8 && pass.is_multiple_of(2),
        "{program}: {pass} PASS lines\n{text}"
    );
    for case in support::landmark_cases(program) {
        assert!(
            text.contains(&format!("PASS neon  {case}\n")),
            "{program}: {text}"
        );
        assert!(
            text.contains(&format!("PASS plain {case}\n")),
            "{program}: {text}"
        );
    }
}

#[test]
fn native_kat_passes_under_qemu() {
    let dir = built();
    require("qemu-aarch64", "qemu-user");
    for p in programs() {
        let out = run(Command::new("qemu-aarch64").arg(dir.join(format!("native/{p}_kat"))));
        assert_kat_output(&p, &stdout(&out));
    }
}

#[test]
fn fallback_mode_kat_passes_on_node() {
    for p in programs() {
        let wasm = built().join(format!("wasm/{p}_kernel_fallback.wasm"));
        assert_kat_output(&p, &stdout(&node(&[Path::new("kat"), &wasm])));
    }
}

/// Imports mode, with the engine intrinsics provided by the fallback module.
#[test]
fn imports_mode_kat_passes_with_the_fallback_module_as_engine() {
    let w = built().join("wasm");
    for p in programs() {
        let out = node(&[
            Path::new("kat"),
            &w.join(format!("{p}_kernel_imports.wasm")),
            &w.join("fallback_only.wasm"),
        ]);
        assert_kat_output(&p, &stdout(&out));
    }
}

/// Random messages of random lengths: the native gcc build under qemu and the fallback build
/// on Node give the independent reference's output.
#[test]
fn random_records_match_the_reference_natively_and_on_node() {
    let dir = built();
    require("qemu-aarch64", "qemu-user");
    for p in programs() {
        let messages = support::random_records(&p, 0x5eed_1000 + p.len() as u64);
        let want: Vec<String> = messages.iter().map(|m| support::reference(&p, m)).collect();
        let input = dir.join(format!("{p}_messages.bin"));
        std::fs::write(&input, support::stdin_records(&messages)).unwrap();
        let native = run(Command::new("qemu-aarch64")
            .arg(dir.join(format!("native/{p}_process")))
            .stdin(std::fs::File::open(&input).unwrap()));
        let node_out = run(Command::new("node")
            .arg(c_dir().join("run_node.mjs"))
            .arg("process")
            .arg(dir.join(format!("wasm/{p}_kernel_fallback.wasm")))
            .stdin(std::fs::File::open(&input).unwrap()));
        for (what, out) in [("native gcc", &native), ("fallback on Node", &node_out)] {
            let got: Vec<String> = stdout(out).lines().map(str::to_string).collect();
            assert_eq!(got, want, "{p}: {what}");
        }
    }
}

/// The engine intrinsics of the families a program uses, plus the availability query.
fn engine_import_names(program: &str) -> Vec<String> {
    let mut names = Vec::new();
    for family in support::families(&cgen::workspace_root(), program) {
        let spec = spec::load_family(&family).unwrap();
        assert_eq!(
            spec.import_module, "wasm_arm_neon",
            "run_node.mjs assumes this module"
        );
        names.extend(spec.intrinsics.iter().map(|i| i.engine.name.clone()));
    }
    names.push(cgen::IS_AVAILABLE_IMPORT.to_string());
    names
}

#[test]
fn imports_mode_imports_exactly_the_engine_intrinsics() {
    for p in programs() {
        let names = engine_import_names(&p);
        let fresh = built().join(format!("wasm/{p}_kernel_imports.wasm"));
        let prebuilt = c_dir().join(format!("prebuilt/{p}_kernel_imports.wasm"));
        for module in [&fresh, &prebuilt] {
            let mut args: Vec<&Path> = vec![Path::new("check-imports"), module];
            args.extend(names.iter().map(Path::new));
            node(&args);
        }
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
        &w.join("fallback_only.wasm"),
    ]));
    let intrinsics: Vec<String> = spec::load_all()
        .unwrap()
        .iter()
        .flat_map(|s| s.intrinsics.iter().map(|i| i.name.clone()))
        .collect();
    assert_eq!(native.lines().count(), intrinsics.len() * 256);
    assert!(
        native == fallback,
        "fallback differs from AArch64 at the engine layer"
    );

    // The known-wrong SHA1H differs exactly in SHA1H's lanes 1-3, while the
    // C-level kat still passes with it: only the engine layer can tell.
    let broken = stdout(&node(&[
        Path::new("vectors"),
        &harness,
        &w.join("fallback_only.wasm"),
        &w.join("broken_sha1h_all_lanes.wasm"),
    ]));
    let sha1h = intrinsics.iter().position(|n| n == "vsha1h_u32").unwrap();
    for (i, (n, b)) in native.lines().zip(broken.lines()).enumerate() {
        let in_sha1h = (sha1h * 256..(sha1h + 1) * 256).contains(&i);
        let (n, b): (Vec<&str>, Vec<&str>) = (n.split(' ').collect(), b.split(' ').collect());
        assert_eq!(n[0], b[0], "line {i}");
        assert_eq!(n[1..] != b[1..], in_sha1h, "line {i}: {n:?} vs {b:?}");
    }
    let kat = node(&[
        Path::new("kat"),
        &w.join("sha1_kernel_imports.wasm"),
        &w.join("fallback_only.wasm"),
        &w.join("broken_sha1h_all_lanes.wasm"),
    ]);
    assert_kat_output("sha1", &stdout(&kat));
}

#[test]
fn prebuilt_kernels_pass_kat_on_node() {
    for p in programs() {
        let wasm = c_dir().join(format!("prebuilt/{p}_kernel_fallback.wasm"));
        assert_kat_output(&p, &stdout(&node(&[Path::new("kat"), &wasm])));
    }
}

#[test]
fn prebuilt_wasm_is_reproducible() {
    require("clang", "clang");
    require("wasm-ld", "lld");
    run(Command::new("bash")
        .arg(c_dir().join("build.sh"))
        .arg("--check-prebuilt"));
}
