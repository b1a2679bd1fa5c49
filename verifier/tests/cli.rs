//! The command line as users and CI drive it.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn verifier(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_verifier"))
        .args(args)
        .env("HWWASM_ISA_DIR", root().join("../shared/isa"))
        .current_dir(root())
        .output()
        .unwrap()
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn text(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into(),
        String::from_utf8_lossy(&o.stderr).into(),
    )
}

/// Run the verifier with `args` (which include `--json`), require exit code `code`, and
/// return its JSON report.
fn json_report(args: &[&str], code: i32) -> serde_json::Value {
    let out = verifier(args);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(code), "{stdout}\n{stderr}");
    serde_json::from_str(&stdout).unwrap()
}

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("verifier-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn check_all_proves_every_family_in_one_report() {
    let report = json_report(&["check", "all", "--json", "--no-save", "--quiet"], 0);
    let families: Vec<&str> = report["families"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap())
        .collect();
    assert_eq!(families, spec::family_names().unwrap());
    let obligations = report["obligations"].as_array().unwrap();
    for f in &families {
        // Every intrinsic has at least its seven refinements, lanes, effects and ct.
        let n = obligations.iter().filter(|o| o["family"] == *f).count();
        let intrinsics = spec::load_family(f).unwrap().intrinsics.len();
        assert!(
            n >= 10 * intrinsics,
            "{f}: {n} obligations for {intrinsics} intrinsics"
        );
    }
    for o in obligations {
        assert_eq!(o["verdict"], "proved", "{o}");
        // Lemmas are shared by the families; everything else names its family.
        if o["kind"] == "lemma" {
            assert_eq!(o["family"], "-");
        } else {
            assert!(families.contains(&o["family"].as_str().unwrap()), "{o}");
        }
    }
    // Each lemma once, even where several families rely on it.
    let lemmas: Vec<&str> = obligations
        .iter()
        .filter(|o| o["kind"] == "lemma")
        .map(|o| o["obligation"].as_str().unwrap())
        .collect();
    let mut unique = lemmas.clone();
    unique.dedup();
    assert_eq!(lemmas, unique);

    // `list` names the families; `list all` lists every obligation.
    let out = verifier(&["list"]);
    let (listing, _) = text(&out);
    for f in &families {
        assert!(listing.contains(&format!("  {f} ")), "{listing}");
    }
    let out = verifier(&["list", "all", "--json"]);
    let listed: serde_json::Value = serde_json::from_str(&text(&out).0).unwrap();
    assert_eq!(
        listed.as_array().unwrap().len(),
        obligations.len() - lemmas.len()
    );
}

#[test]
fn check_sha1_proves_everything_and_reports_json() {
    let out = verifier(&["check", "sha1", "--json", "--no-save"]);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let obligations = report["obligations"].as_array().unwrap();
    for o in obligations {
        assert_eq!(o["verdict"], "proved", "{o}");
        for key in ["intrinsic", "left", "right", "milliseconds"] {
            assert!(!o[key].is_null(), "{key} missing in {o}");
        }
    }
    let count = |kind: &str| obligations.iter().filter(|o| o["kind"] == kind).count();
    // 6 intrinsics x 8 layer pairs; 15 lane facts; 5 forwardable params (4 observed in lane 0,
    // SHA1SU0's w4_7 in its low 64 bits); 6 effect tables.
    assert_eq!(count("refinement"), 48);
    assert_eq!(count("lane-fact"), 15);
    assert_eq!(count("forwarding"), 5);
    assert_eq!(count("register-effects"), 6);
    // The compositional proofs rest on Choose/Parity/Majority lemmas, each proved once.
    assert!(count("lemma") >= 3);
    assert_eq!(report["summary"]["proved"], obligations.len());
    assert_eq!(report["exit_code"], 0);
    // Progress goes to stderr, one line per obligation.
    assert!(
        stderr.contains(&format!("[{0}/{0}]", obligations.len())),
        "{stderr}"
    );
}

#[test]
fn filters_select_intrinsic_and_layer_pair() {
    let out = verifier(&[
        "check",
        "sha1",
        "-i",
        "vsha1h_u32",
        "--layers",
        "engine~aarch64",
        "--json",
        "--no-save",
    ]);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let obs = report["obligations"].as_array().unwrap();
    assert_eq!(obs.len(), 1);
    assert_eq!(obs[0]["obligation"], "vsha1h_u32: engine ~ aarch64");
}

#[test]
fn broken_case_exits_1_saves_and_replays() {
    let dir = tmp("broken");
    let out = verifier(&[
        "check",
        "sha1",
        "--variant",
        "tests/broken/sha1h-fills-all-lanes.toml",
        "--counterexamples",
        dir.to_str().unwrap(),
        "-i",
        "vsha1h_u32",
    ]);
    let (stdout, _) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("ERROR: value mismatch between layers"),
        "{stdout}"
    );
    assert!(stdout.contains("Differing lanes: 1, 2, 3"), "{stdout}");
    let file = std::fs::read_dir(&dir)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();

    let show = verifier(&["show", file.to_str().unwrap()]);
    assert_eq!(show.status.code(), Some(0));
    assert!(text(&show).0.contains("Layer engine:"));

    let replay = verifier(&["replay", file.to_str().unwrap()]);
    assert_eq!(replay.status.code(), Some(1), "{}", text(&replay).0);
    assert!(text(&replay).0.contains("STILL FAILS"));

    // The same inputs against the correct models no longer fail.
    let mut c: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    c["variant"] = serde_json::Value::Null;
    let fixed = dir.join("fixed.json");
    std::fs::write(&fixed, c.to_string()).unwrap();
    let replay = verifier(&["replay", fixed.to_str().unwrap()]);
    assert_eq!(replay.status.code(), Some(0), "{}", text(&replay).0);
    assert!(text(&replay).0.contains("NO LONGER FAILS"));
}

#[test]
fn eval_prints_each_layer_in_the_argument_format() {
    let e = "00000000000000000000000000000001";
    for layer in ["wasm", "engine", "clif", "native", "aarch64", "arm"] {
        let out = verifier(&["eval", layer, "vsha1h_u32", e]);
        assert_eq!(
            text(&out).0.trim(),
            "00000000000000000000000040000000",
            "{layer}"
        );
    }
    let out = verifier(&["eval", "c", "vsha1h_u32", "00000001"]);
    assert_eq!(text(&out).0.trim(), "40000000");
    // C layer with hash_e as u32, engine with hash_e splatted: same answer.
    let abcd = "0123456789abcdeffedcba9876543210";
    let wk = "00000000000000000000000000000000";
    let c = verifier(&["eval", "c", "vsha1cq_u32", abcd, "f0e1d2c3", wk]);
    let engine = verifier(&[
        "eval",
        "engine",
        "vsha1cq_u32",
        abcd,
        "f0e1d2c3f0e1d2c3f0e1d2c3f0e1d2c3",
        wk,
    ]);
    assert_eq!(text(&c).0, text(&engine).0);
    assert_eq!(text(&c).0.trim().len(), 32);
}

#[test]
fn bad_input_is_a_clear_error_with_exit_4() {
    let out = verifier(&["eval", "c", "vsha1cq_u32", "0123"]);
    assert_eq!(out.status.code(), Some(4));
    assert!(text(&out).1.contains("takes 3 arguments"));

    let out = verifier(&["check", "sha1", "-i", "vsha1x_u32"]);
    assert_eq!(out.status.code(), Some(4));
    assert!(text(&out).1.contains("no intrinsic `vsha1x_u32`"));

    let out = verifier(&["check", "nosuch"]);
    assert_eq!(out.status.code(), Some(4));
    assert!(text(&out).1.contains("unknown intrinsic family `nosuch`"));

    let dir = tmp("badvariant");
    let bad = dir.join("bad.toml");
    std::fs::write(
        &bad,
        "family = \"sha1\"\ndescription = \"x\"\n[[spec_patch]]\nfind = \"not in the spec\"\nreplace = \"\"\n",
    )
    .unwrap();
    let out = verifier(&["check", "sha1", "--variant", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(4));
    assert!(text(&out).1.contains("does not occur"), "{}", text(&out).1);
    // A case names its family; checking it against another family is refused.
    let other = dir.join("other.toml");
    std::fs::write(&other, "family = \"nosuch\"\ndescription = \"x\"\n").unwrap();
    let out = verifier(&["check", "sha1", "--variant", other.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(4));
    assert!(
        text(&out).1.contains("is for family `nosuch`"),
        "{}",
        text(&out).1
    );
    std::fs::write(&bad, "description = \"x\"\n").unwrap();
    let out = verifier(&["check", "sha1", "--variant", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(4));
    assert!(
        text(&out).1.contains("missing field `family`"),
        "{}",
        text(&out).1
    );

    let out = verifier(&["show", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(4));
    assert!(text(&out).1.contains("is not a counterexample file"));

    // A missing ARM trace directory is an error, never a pass.
    let out = verifier(&[
        "check",
        "sha1",
        "--isa-dir",
        "/nonexistent",
        "--layers",
        "aarch64~arm",
        "--no-save",
    ]);
    assert_eq!(out.status.code(), Some(4));
    assert!(text(&out).0.contains("/nonexistent"));

    // Usage errors are clap's exit 2.
    let out = verifier(&["check", "sha1", "--layers", "c~nowhere"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn smt_files_are_answered_the_same_by_z3_and_cvc5() {
    let dir = tmp("smt");
    let out = verifier(&[
        "check",
        "sha1",
        "--no-save",
        "--no-normalise",
        "--smt-dir",
        dir.to_str().unwrap(),
        "-q",
        // clang's reassociated SHA1C/M fallbacks need the normaliser: not wasm~engine.
        "-l",
        "c~engine",
        "-l",
        "engine~aarch64",
        "-l",
        "aarch64~arm",
        "-l",
        "c~wasm",
        "-l",
        "clif~engine",
        "-l",
        "native~engine",
        "-l",
        "lanes",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out).0);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(files.len() >= 33);
    // Every abstracted query is unsat for both command-line solvers.
    for f in files.iter().filter(|f| {
        !f.to_string_lossy().contains("observed") && !f.to_string_lossy().contains(".direct")
    }) {
        for (solver, args) in [
            ("z3", vec!["-smt2", "-T:60"]),
            ("cvc5", vec!["--lang=smt2", "--tlimit=60000"]),
        ] {
            let o = Command::new(solver)
                .args(&args)
                .arg(f)
                .output()
                .unwrap_or_else(|e| panic!("cannot run {solver} ({e}): run .ci/install-deps"));
            let answer = String::from_utf8_lossy(&o.stdout);
            let first = answer.lines().next().unwrap_or("");
            // `unsat` for spurious-free abstractions; a `sat` abstraction is
            // followed by a `.direct` file that must be unsat.
            if first == "sat" {
                let direct = f.with_file_name(
                    f.file_name()
                        .unwrap()
                        .to_string_lossy()
                        .replace(".smt2", ".direct.smt2"),
                );
                assert!(
                    direct.exists(),
                    "{solver}: {} is sat and has no direct query",
                    f.display()
                );
            } else {
                assert_eq!(first, "unsat", "{solver} on {}: {answer}", f.display());
            }
        }
    }
}

#[test]
fn help_explains_layers_and_exit_codes() {
    let out = verifier(&["--help"]);
    let (s, _) = text(&out);
    for needle in ["LAYERS", "aarch64 ~ arm", "EXIT CODES", "counterexample"] {
        assert!(s.contains(needle), "--help lacks {needle}");
    }
    let out = verifier(&["list", "sha1"]);
    assert!(text(&out)
        .0
        .contains("vsha1su1q_u32: lanes(w12_15) = {1,2,3}"));
}

#[test]
fn user_modules_are_checked_and_bad_ones_named() {
    // A user's fallback module: the correct one passes...
    let out = verifier(&[
        "check",
        "sha1",
        "-l",
        "wasm~engine",
        "--no-save",
        "--fallback",
        "c/prebuilt/fallback_only.wasm",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out).0);
    // ...one lacking intrinsics is an error that names what is missing.
    let out = verifier(&[
        "check",
        "sha1",
        "-l",
        "wasm~engine",
        "--no-save",
        "--fallback",
        "c/prebuilt/broken_sha1h_all_lanes.wasm",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out).0);
    let s = text(&out).0;
    assert!(
        s.contains("no exported function `__intrinsic_vsha1cq_u32`"),
        "{s}"
    );
    // A module with the wrong signature: the wrappers module's exports are not engine intrinsics.
    let out = verifier(&[
        "check",
        "sha1",
        "-l",
        "c~wasm",
        "--no-save",
        "--c-build",
        "c/prebuilt/fallback_only.wasm",
    ]);
    assert_eq!(out.status.code(), Some(4));
    assert!(
        text(&out).0.contains("wrap_vsha1cq_u32"),
        "{}",
        text(&out).0
    );
    let out = verifier(&["check", "sha1", "--fallback", "/nonexistent.wasm"]);
    assert_eq!(out.status.code(), Some(4));
    assert!(text(&out).1.contains("/nonexistent.wasm"));
}

#[test]
fn checked_in_example_counterexamples_show_and_still_fail_on_replay() {
    let dir = root().join("counterexamples/examples");
    let mut n = 0;
    for e in std::fs::read_dir(&dir).unwrap() {
        let path = e.unwrap().path();
        if path.extension().is_none_or(|x| x != "json") {
            continue;
        }
        let p = path.to_str().unwrap();
        let show = verifier(&["show", p]);
        assert_eq!(show.status.code(), Some(0), "show {p}");
        assert!(text(&show).0.contains("ERROR:"), "{p}");
        let replay = verifier(&["replay", p]);
        assert_eq!(
            replay.status.code(),
            Some(1),
            "replay {p}: {}",
            text(&replay).0
        );
        n += 1;
    }
    assert!(
        n >= 5,
        "expected example counterexamples in {}",
        dir.display()
    );
}

/// A closed or full stdout ends the program with a status and (when full) a message, never a
/// panic (exit 101).
#[test]
fn closed_or_full_stdout_is_not_a_panic() {
    let example =
        "counterexamples/examples/choose-and-parity-swapped--vsha1cq_u32-engine-aarch64.json";
    for args in [&["list", "all"][..], &["show", example]] {
        // Full: /dev/full accepts the open and fails every write with ENOSPC.
        let full = Command::new(env!("CARGO_BIN_EXE_verifier"))
            .args(args)
            .current_dir(root())
            .stdout(std::fs::File::create("/dev/full").unwrap())
            .output()
            .unwrap();
        let (_, stderr) = text(&full);
        assert_eq!(full.status.code(), Some(4), "{args:?}: {stderr}");
        assert!(
            stderr.contains("cannot write to standard output"),
            "{stderr}"
        );
        assert!(!stderr.contains("panicked"), "{stderr}");
        // Closed: the reading end of the pipe is gone before the program starts.
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let closed = Command::new(env!("CARGO_BIN_EXE_verifier"))
            .args(args)
            .current_dir(root())
            .stdout(writer)
            .output()
            .unwrap();
        let (_, stderr) = text(&closed);
        assert_eq!(closed.status.code(), Some(141), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}

/// A user's module that is not valid Wasm is one error, on one line, before any obligation.
#[test]
fn an_invalid_module_is_reported_once() {
    let dir = tmp("invalid-module");
    let bad = dir.join("bad.wasm");
    std::fs::write(&bad, b"garbage").unwrap();
    let out = verifier(&[
        "check",
        "sha1",
        "--fallback",
        bad.to_str().unwrap(),
        "--no-save",
        "-q",
    ]);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(4), "{stdout}\n{stderr}");
    assert_eq!(stderr.matches("invalid wasm module").count(), 1, "{stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(stdout.is_empty(), "{stdout}");
}

/// `show` and `replay` accept the same files: a malformed value is refused by both, naming
/// the field.
#[test]
fn show_and_replay_refuse_the_same_malformed_file() {
    let example = root().join(
        "counterexamples/examples/choose-and-parity-swapped--vsha1cq_u32-engine-aarch64.json",
    );
    let mut c: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(example).unwrap()).unwrap();
    c["inputs"][0]["hex"] = "not hex".into();
    let dir = tmp("malformed");
    let bad = dir.join("bad.json");
    std::fs::write(&bad, serde_json::to_string(&c).unwrap()).unwrap();
    for cmd in ["show", "replay"] {
        let out = verifier(&[cmd, bad.to_str().unwrap()]);
        let (stdout, stderr) = text(&out);
        assert_eq!(out.status.code(), Some(4), "{cmd}: {stdout}\n{stderr}");
        assert!(
            stderr.contains("`inputs`") && stderr.contains("is not"),
            "{cmd}: {stderr}"
        );
    }
}

/// A counterexample records the module its `wasm` layer ran; `replay` runs that module, and
/// refuses once it has changed or is gone, rather than replaying another one.
#[test]
fn replay_uses_the_module_the_counterexample_came_from() {
    let dir = tmp("replay-module");
    let module = dir.join("their_fallbacks.wasm");
    std::fs::copy(
        root().join("c/prebuilt/broken_sha1h_all_lanes.wasm"),
        &module,
    )
    .unwrap();
    let saved = dir.join("cx");
    let out = verifier(&[
        "check",
        "sha1",
        "-i",
        "vsha1h_u32",
        "-l",
        "wasm~engine",
        "--fallback",
        module.to_str().unwrap(),
        "--counterexamples",
        saved.to_str().unwrap(),
        "-q",
    ]);
    assert_eq!(out.status.code(), Some(1), "{:?}", text(&out));
    let file = std::fs::read_dir(&saved)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let c: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(c["modules"][0]["role"], "fallback", "{c}");
    assert_eq!(c["modules"][0]["path"], module.to_str().unwrap(), "{c}");
    let replay = |expect: i32| {
        let out = verifier(&["replay", file.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(expect), "{:?}", text(&out));
        text(&out)
    };
    assert!(replay(1).0.contains("STILL FAILS"));
    let mut bytes = std::fs::read(&module).unwrap();
    bytes.push(0);
    std::fs::write(&module, bytes).unwrap();
    assert!(replay(4)
        .1
        .contains("has changed since the counterexample was found"));
    std::fs::remove_file(&module).unwrap();
    assert!(replay(4).1.contains("cannot be read"));
}

#[test]
fn cross_check_reports_the_normaliser_free_method_beside_the_first() {
    let report = json_report(
        &[
            "check",
            "sha1",
            "-i",
            "vsha1h_u32",
            "--cross-check",
            "--json",
            "--no-save",
            "--quiet",
        ],
        0,
    );
    let obligations = report["obligations"].as_array().unwrap();
    let mut crossed = 0;
    for o in obligations {
        match o["kind"].as_str().unwrap() {
            // Table checks, `ct` and lemmas have no second method.
            "register-effects" | "constant-time" | "lemma" => {
                assert!(o.get("cross_check").is_none(), "{o}")
            }
            _ => {
                let c = &o["cross_check"];
                assert_eq!(c["verdict"], "proved", "{o}");
                assert_eq!(c["solver"], "cvc5");
                assert_eq!(c["normalised"], false);
                crossed += 1;
            }
        }
    }
    assert!(crossed >= 10, "only {crossed} cross-checked");
    assert_eq!(report["summary"]["cross_checked"], crossed);
    assert_eq!(report["summary"]["cross_undecided"], 0);
}

#[test]
fn operand_effects_are_checked_against_the_model_and_can_fail() {
    let report = json_report(
        &[
            "check",
            "sha1",
            "-l",
            "operands",
            "--json",
            "--no-save",
            "--quiet",
        ],
        0,
    );
    let ids: Vec<&str> = report["obligations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["obligation"].as_str().unwrap())
        .collect();
    // One per operand of each instruction: SHA1C/P/M/SU0 three, SHA1H/SU1 two.
    assert_eq!(ids.len(), 16, "{ids:?}");
    assert!(ids.contains(&"vsha1cq_u32: effects(Rm)"), "{ids:?}");
    // The table narrowed: the model shows Vm<127:32> matters.
    let dir = tmp("operands");
    let out = verifier(&[
        "check",
        "sha1",
        "--variant",
        "tests/broken/isa-sha1c-vm-read-narrowed.toml",
        "-i",
        "vsha1cq_u32",
        "-l",
        "operands",
        "--counterexamples",
        dir.to_str().unwrap(),
    ]);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("counterexample  vsha1cq_u32: effects(Rm)"),
        "{stdout}"
    );
    assert!(stdout.contains("alt.V2"), "{stdout}");
    let saved = dir.join("isa-sha1c-vm-read-narrowed--vsha1cq_u32-effects-Rm.json");
    let out = verifier(&["replay", saved.to_str().unwrap()]);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "replay: {stdout}\n{stderr}");
}

#[test]
fn a_users_fallback_is_linked_into_the_c_layer_and_named_per_obligation() {
    let dir = tmp("linked");
    let fallback = "c/prebuilt/broken_sha1h_wrong_on_one_input.wasm";
    let report = json_report(
        &[
            "check",
            "sha1",
            "--fallback",
            fallback,
            "-i",
            "vsha1h_u32",
            "-l",
            "c~wasm",
            "--json",
            "--counterexamples",
            dir.to_str().unwrap(),
        ],
        1,
    );
    let o = &report["obligations"][0];
    assert_eq!(o["obligation"], "vsha1h_u32: c ~ wasm");
    // The C layer ran on the user's fallback, not on the engine model: the bug shows.
    assert_eq!(o["verdict"], "counterexample", "{o}");
    let roles: Vec<(&str, &str)> = o["modules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["role"].as_str().unwrap(), m["path"].as_str().unwrap()))
        .collect();
    assert_eq!(
        roles,
        [
            ("c-build", "c/prebuilt/wrappers_imports.wasm"),
            ("fallback", fallback)
        ]
    );
    // Replay links the same two modules, and the bug still shows.
    let saved = o["counterexample"].as_str().unwrap();
    let out = verifier(&["replay", saved]);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("linked with broken_sha1h_wrong_on_one_input.wasm"),
        "{stdout}"
    );
    // The text report says which modules the wasm layer runs.
    let out = verifier(&[
        "check",
        "sha1",
        "--fallback",
        fallback,
        "-i",
        "vsha1h_u32",
        "-l",
        "ct",
        "--no-save",
    ]);
    let (stdout, _) = text(&out);
    assert!(
        stdout.contains(&format!("fallbacks {fallback}")),
        "{stdout}"
    );
    assert!(
        stdout.contains("c ~ wasm runs the C layer linked with these fallbacks"),
        "{stdout}"
    );
    // Without --fallback the C layer's imports are the engine model: nothing is linked.
    let out = verifier(&[
        "check",
        "sha1",
        "-i",
        "vsha1h_u32",
        "-l",
        "c~wasm",
        "--json",
        "--no-save",
    ]);
    let report: serde_json::Value = serde_json::from_str(&text(&out).0).unwrap();
    assert_eq!(
        report["obligations"][0]["modules"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn x86_lowering_and_its_rewrite_rules_are_proved_obligations() {
    let report = json_report(
        &[
            "check",
            "all",
            "-l",
            "x86~engine",
            "-l",
            "rewrites",
            "--json",
            "--no-save",
            "--quiet",
        ],
        0,
    );
    let obligations = report["obligations"].as_array().unwrap();
    let of = |kind: &str| -> Vec<&serde_json::Value> {
        obligations.iter().filter(|o| o["kind"] == kind).collect()
    };
    // One `x86 ~ engine` per intrinsic of every family, one obligation per rewrite rule.
    let intrinsics: usize = spec::load_all()
        .unwrap()
        .iter()
        .map(|s| s.intrinsics.len())
        .sum();
    assert_eq!(of("refinement").len(), intrinsics);
    for o in of("refinement") {
        assert_eq!(
            (o["left"].as_str(), o["right"].as_str()),
            (Some("x86"), Some("engine")),
            "{o}"
        );
    }
    assert_eq!(of("rewrite").len(), lowering::x86::REWRITE_RULES.len());
    for o in obligations {
        assert_eq!(o["verdict"], "proved", "{o}");
    }
}

/// Item 9: `--junit FILE` writes one test case per obligation; a counterexample is a
/// `<failure>` with its report, and the counts agree with the JSON report of the same run.
#[test]
fn junit_report_has_one_case_per_obligation_and_the_failures() {
    let dir = tmp("junit");
    let xml_path = dir.join("check.xml");
    let report = json_report(
        &[
            "check",
            "sha1",
            "--variant",
            "tests/broken/sha1h-fills-all-lanes.toml",
            "--json",
            "--no-save",
            "--quiet",
            "--junit",
            xml_path.to_str().unwrap(),
        ],
        1,
    );
    let total = report["summary"]["total"].as_u64().unwrap() as usize;
    let failed = report["summary"]["counterexample"].as_u64().unwrap() as usize;
    assert!(failed > 0);
    let xml = std::fs::read_to_string(&xml_path).unwrap();
    assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites "));
    assert_eq!(xml.matches("<testcase ").count(), total, "{xml}");
    assert_eq!(xml.matches("<failure ").count(), failed, "{xml}");
    assert!(xml.contains(&format!(
        "tests=\"{total}\" failures=\"{failed}\" errors=\"0\""
    )));
    // Each failure carries its counterexample report (escaped), each case its obligation.
    for o in report["obligations"].as_array().unwrap() {
        let id = o["obligation"].as_str().unwrap().replace('>', "&gt;");
        assert!(xml.contains(&format!("name=\"{id}\"")), "no case for {id}");
    }
    assert!(xml.contains("Differing lanes"), "{xml}");
    // Well-formed enough for a CI parser: every element closed, nothing unescaped in text.
    assert_eq!(
        xml.matches("</testcase>").count(),
        failed,
        "cases with a child"
    );
    assert_eq!(
        xml.matches("\"/>\n").count(),
        total - failed,
        "self-closed cases"
    );
    assert_eq!(
        xml.matches("<testsuite ").count(),
        xml.matches("</testsuite>").count()
    );
    let between_tags: String = xml
        .split('<')
        .skip(1)
        .map(|part| part.split_once('>').map_or("", |(_, text)| text))
        .collect();
    assert!(!between_tags.contains('>'), "an unescaped `>` in text");
}
