//! The data-file corpus at the repository's `tests/`: every `pass/` case must
//! prove everything; every `broken/` case must produce the verdicts it
//! expects, each counterexample saved and still failing on replay. Broken
//! cases run twice: with concrete probing, and with the solver alone, so each
//! obligation is shown to fail through the proof path too.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use verifier::build::{Ctx, WasmInputs};
use verifier::check::{self, Options, Verdict};
use verifier::counterexample::Counterexample;
use verifier::obligation;
use verifier::solver::SolverChoice;
use verifier::variant::Variant;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn isa_dir() -> PathBuf {
    root().join("../shared/isa")
}

fn cases(dir: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(root().join("tests").join(dir))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    v.sort();
    assert!(!v.is_empty(), "no cases in tests/{dir}");
    v
}

fn options(probe: bool, save: &Path) -> Options {
    Options {
        solver: SolverChoice::Z3,
        timeout_ms: 30_000,
        smt_dir: None,
        fast_path: true,
        normalise: true,
        probe,
        save_dir: Some(save.to_path_buf()),
        jobs: 2,
        cross_check: None,
    }
}

/// A corpus case loaded: its variant, the patched spec, the Wasm it names.
struct Case {
    variant: Variant,
    spec: spec::Spec,
    wasm: WasmInputs,
}

impl Case {
    fn load(path: &Path) -> Case {
        let variant = Variant::load(path).unwrap();
        let spec = variant
            .apply_to_spec(&spec::load_family(&variant.family).unwrap())
            .unwrap();
        let wasm = WasmInputs::load(variant.c_build.as_deref(), variant.fallback.as_deref());
        Case {
            variant,
            spec,
            wasm,
        }
    }

    fn ctx(&self) -> Ctx<'_> {
        Ctx {
            spec: &self.spec,
            variant: Some(&self.variant),
            isa_dir: isa_dir(),
            wasm: &self.wasm,
        }
    }
}

fn run_case(path: &Path, probe: bool, save: &Path) -> Vec<check::Outcome> {
    let case = Case::load(path);
    check::run(
        &case.ctx(),
        &obligation::all(&case.spec),
        &options(probe, save),
        &|_, _, _| {},
    )
}

fn matching<'a>(
    outcomes: &'a [check::Outcome],
    prefix: &str,
    case: &Path,
) -> Vec<&'a check::Outcome> {
    let m: Vec<_> = outcomes
        .iter()
        .filter(|o| o.id.starts_with(prefix))
        .collect();
    assert!(
        !m.is_empty(),
        "{}: expectation `{prefix}` matches no obligation",
        case.display()
    );
    m
}

/// Every obligation matched by `prefixes` has a verdict satisfying `is`.
fn expect_verdicts(
    outcomes: &[check::Outcome],
    prefixes: &[String],
    case: &Path,
    what: &str,
    is: fn(&Verdict) -> bool,
) {
    for p in prefixes {
        for o in matching(outcomes, p, case) {
            assert!(
                is(&o.verdict),
                "{}: {} is {}, expected {what}",
                case.display(),
                o.id,
                o.verdict
            );
        }
    }
}

#[test]
fn pass_cases_prove_everything() {
    let tmp = tempdir("pass");
    for case in cases("pass") {
        let outcomes = run_case(&case, true, &tmp);
        for o in &outcomes {
            assert!(
                matches!(o.verdict, Verdict::Proved(_)),
                "{}: {} is {}",
                case.display(),
                o.id,
                o.verdict
            );
        }
        let v = Variant::load(&case).unwrap();
        for p in &v.expect.proved {
            matching(&outcomes, p, &case);
        }
    }
}

#[test]
fn broken_cases_fail_as_expected_with_and_without_probing() {
    for probe in [true, false] {
        let tmp = tempdir(if probe {
            "broken-probe"
        } else {
            "broken-solver"
        });
        for case in cases("broken") {
            let v = Variant::load(&case).unwrap();
            if let Some(want) = &v.expect.rejected {
                let base = spec::load_family(&v.family).unwrap();
                let e = format!("{:#}", v.apply_to_spec(&base).unwrap_err());
                assert!(e.contains(want.as_str()), "{}: {e}", case.display());
                continue;
            }
            assert!(
                !v.expect.counterexample.is_empty() || !v.expect.error.is_empty(),
                "{}: a broken case must expect a failure",
                case.display()
            );
            if let (false, Some(why)) = (probe, &v.expect.solver_too_slow) {
                eprintln!("SKIPPED without probing: {}: {why}", case.display());
                continue;
            }
            let outcomes = run_case(&case, probe, &tmp);
            expect_verdicts(&outcomes, &v.expect.proved, &case, "proved", |v| {
                matches!(v, Verdict::Proved(_))
            });
            expect_verdicts(&outcomes, &v.expect.error, &case, "an error", |v| {
                matches!(v, Verdict::Error(_))
            });
            for p in &v.expect.counterexample {
                for o in matching(&outcomes, p, &case) {
                    let Verdict::Counterexample(c) = &o.verdict else {
                        panic!(
                            "{}: {} is {}, expected a counterexample",
                            case.display(),
                            o.id,
                            o.verdict
                        )
                    };
                    if !probe {
                        assert_eq!(c.found_by, "z3", "{}: {}", case.display(), o.id);
                    }
                    // Saved, loadable, and still failing when replayed concretely.
                    let saved = o.saved.as_ref().expect("counterexample saved");
                    let loaded = Counterexample::load(saved).unwrap();
                    assert_eq!(loaded.obligation, o.id);
                    assert!(!loaded.render().is_empty());
                    assert!(
                        replay_fails(&loaded),
                        "{}: {} does not replay",
                        case.display(),
                        o.id
                    );
                }
            }
        }
    }
}

fn replay_fails(c: &Counterexample) -> bool {
    let path = root().join(&c.variant.as_ref().unwrap().path);
    let case = Case::load(&path);
    let ob = obligation::all(&case.spec)
        .into_iter()
        .find(|o| o.id == c.obligation)
        .unwrap();
    let ctx = case.ctx();
    let env: HashMap<_, _> = c
        .inputs
        .iter()
        .map(|v| (v.name.clone(), v.bits().unwrap()))
        .collect();
    if c.kind == "constant-time" {
        return check::replay_constant_time(&ctx, &ob, &env)
            .unwrap()
            .is_some();
    }
    let (l, r) = check::evaluate(&ctx, &ob, &env).unwrap();
    l.last().unwrap().hex != r.last().unwrap().hex
}

/// The original report's bug is visible at the engine layer only.
#[test]
fn sha1h_all_lanes_is_refuted_at_the_engine_layer_and_proved_at_the_c_layer() {
    let tmp = tempdir("sha1h");
    let outcomes = run_case(
        &root().join("tests/broken/sha1h-fills-all-lanes.toml"),
        false,
        &tmp,
    );
    let get = |id: &str| outcomes.iter().find(|o| o.id == id).unwrap();
    assert!(matches!(
        get("vsha1h_u32: c ~ engine").verdict,
        Verdict::Proved(_)
    ));
    let Verdict::Counterexample(c) = &get("vsha1h_u32: engine ~ aarch64").verdict else {
        panic!()
    };
    assert_eq!(c.differing_lanes, vec![1, 2, 3]);
    // Minimised to a readable input: hash_e is a small number.
    let e = c.inputs.iter().find(|v| v.name == "hash_e").unwrap();
    assert!(
        e.hex.trim_start_matches('0').len() <= 2,
        "not minimised: {}",
        e.hex
    );
}

fn tempdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("verifier-corpus-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}
