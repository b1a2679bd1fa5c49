//! Translation validation of the engine's rewrites (`verifier validate`): every function of
//! every prebuilt module proved or unchanged in both native lowerings, and every planted
//! rewrite bug in `tests/validate/broken/` refuted in exactly the functions it names.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use verifier::validate::{validate_module, FunctionReport, NativeLowering, Verdict};
use verifier::variant::Variant;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn wasm_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "wasm"))
        .collect();
    files.sort();
    files
}

fn proved(reports: &[FunctionReport], lowering: NativeLowering) -> Vec<&str> {
    reports
        .iter()
        .filter(|r| r.lowering == lowering && matches!(r.verdict, Verdict::Proved { .. }))
        .map(|r| r.label.as_str())
        .collect()
}

#[test]
fn every_prebuilt_module_validates_in_both_native_lowerings() {
    let mut kernels_checked = 0;
    for path in wasm_files(&root().join("c/prebuilt")) {
        let wasm = std::fs::read(&path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let mut reports = Vec::new();
        for l in NativeLowering::ALL {
            reports.extend(validate_module(&wasm, l, &[]).unwrap());
        }
        for r in &reports {
            assert!(
                r.verdict.holds() && r.applied,
                "{name} {} {}: {}",
                r.lowering,
                r.label,
                r.verdict
            );
        }
        // The kernels are where the rewrites apply: the checks above are not vacuous there.
        if name.ends_with("_kernel_imports.wasm") {
            kernels_checked += 1;
            assert!(
                !proved(&reports, NativeLowering::X86Native).is_empty(),
                "{name}: no function rewritten by (E)"
            );
        }
        if name == "sha1_kernel_imports.wasm" {
            assert_eq!(
                proved(&reports, NativeLowering::Aarch64Native),
                ["sha1_blocks"],
                "(D) carries SHA-1's e in a vector in sha1_blocks"
            );
        }
    }
    assert_eq!(kernels_checked, 3, "the SHA-1, SHA-256 and AES-GCM kernels");
}

#[test]
fn every_planted_rewrite_bug_is_refuted_where_it_applies() {
    let cases: Vec<PathBuf> = std::fs::read_dir(root().join("tests/validate/broken"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    assert!(cases.len() >= 2, "cases: {cases:?}");
    for case in cases {
        let v = Variant::load(&case).unwrap();
        let spec = v
            .validate
            .clone()
            .unwrap_or_else(|| panic!("{}: no [validate] section", case.display()));
        let lowering = match spec.lowering.as_str() {
            "aarch64-native" => NativeLowering::Aarch64Native,
            "x86-native" => NativeLowering::X86Native,
            other => panic!("{}: lowering {other}", case.display()),
        };
        let planted: Vec<_> = v
            .mutations
            .iter()
            .map(|m| m.planted.clone())
            .filter(verifier::validate::applies)
            .collect();
        assert!(!planted.is_empty(), "{}: nothing planted", case.display());
        let wasm = std::fs::read(root().join(&spec.module)).unwrap();
        let reports = validate_module(&wasm, lowering, &planted).unwrap();
        let refuted: BTreeSet<&str> = reports
            .iter()
            .filter(|r| matches!(r.verdict, Verdict::Refuted(_)))
            .map(|r| r.label.as_str())
            .collect();
        let want: BTreeSet<&str> = spec.refuted.iter().map(String::as_str).collect();
        assert_eq!(refuted, want, "{}", case.display());
        for r in &reports {
            match &r.verdict {
                // A refuted rewrite is not applied, and the report shows both values.
                Verdict::Refuted(m) => {
                    assert!(!r.applied, "{}: {} applied", case.display(), r.label);
                    assert!(
                        !m.before.is_empty() && m.before != m.after,
                        "{}: {m}",
                        case.display()
                    );
                }
                other => assert!(other.holds(), "{}: {}: {other}", case.display(), r.label),
            }
        }
    }
}

#[test]
fn the_command_reports_per_function_and_exits_by_verdict() {
    let run = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_verifier"))
            .args(args)
            .current_dir(root())
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).to_string(),
            String::from_utf8_lossy(&out.stderr).to_string(),
        )
    };
    let kernel = "c/prebuilt/sha1_kernel_imports.wasm";
    let (code, stdout, stderr) = run(&["validate", kernel, "--json"]);
    assert_eq!(code, Some(0), "{stdout}\n{stderr}");
    let rows: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let rows = rows.as_array().unwrap();
    let sha1_blocks: Vec<&serde_json::Value> = rows
        .iter()
        .filter(|r| r["function"] == "sha1_blocks")
        .collect();
    assert_eq!(sha1_blocks.len(), 2, "one row per lowering: {stdout}");
    assert!(sha1_blocks
        .iter()
        .all(|r| r["verdict"] == "proved" && r["applied"] == true));

    let case = "tests/validate/broken/carry-reads-lane-1.toml";
    let (code, stdout, _) = run(&[
        "validate",
        kernel,
        "--lowering",
        "aarch64-native",
        "--variant",
        case,
    ]);
    assert_eq!(code, Some(1), "{stdout}");
    for want in [
        "sha1_blocks (func 16)",
        "refuted: block",
        "before: ",
        "after:  ",
        "not applied",
        "1 refuted",
    ] {
        assert!(stdout.contains(want), "no `{want}` in:\n{stdout}");
    }

    let (code, _, stderr) = run(&["validate", kernel, "--lowering", "arm"]);
    assert_eq!(code, Some(4));
    assert!(stderr.contains("--lowering arm"), "{stderr}");
    let (code, _, stderr) = run(&["validate", "no/such.wasm"]);
    assert_eq!(code, Some(4));
    assert!(stderr.contains("no/such.wasm"), "{stderr}");
}
