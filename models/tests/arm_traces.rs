//! The AArch64 models against ARM's own semantics (the isla traces), by normalisation only.
//! The verifier proves the same with a solver; this test pins down that the normaliser
//! already closes every instruction of the table, and that a planted bug does not normalise
//! to the same term.

use std::path::{Path, PathBuf};

use models::aarch64::{execute, Inst, Mnemonic, RegFile};
use models::mutation::{Mutant, Mutation};
use models::normalise::normalise;
use models::{Bool3, Domain, Terms};

fn isa_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/isa")
}

fn model_output<D: Domain<V = models::TermId>>(
    d: &mut D,
    t: &mut dyn FnMut(&mut D, usize) -> models::TermId,
    m: Mnemonic,
) -> models::TermId {
    let regs: Vec<_> = (0..32).map(|i| t(d, i)).collect();
    let mut rf = RegFile::new(regs);
    execute(d, Inst::canonical(m), &mut rf);
    rf.v[0]
}

#[test]
fn models_normalise_to_the_arm_traces() {
    for m in Mnemonic::all() {
        let mut t = Terms::new();
        let trace = models::arm::read_trace(&models::arm::trace_path(&isa_root(), m), &mut t)
            .unwrap_or_else(|e| panic!("{m}: {e:#}"));
        let out = model_output(
            &mut t,
            &mut |d: &mut Terms, i| d.var(&format!("V{i}"), 128),
            m,
        );
        let (a, b) = (normalise(&mut t, out), normalise(&mut t, trace.output.1));
        assert_eq!(a, b, "{m}: model {}\ntrace {}", t.display(a), t.display(b));
    }
}

/// A wrong boolean function, planted in each family's round instruction, changes the term.
#[test]
fn a_planted_bug_does_not_normalise_to_the_trace() {
    for (m, from, to) in [
        (Mnemonic::Sha1c, Bool3::Choose, Bool3::Parity),
        (Mnemonic::Sha1m, Bool3::Majority, Bool3::Choose),
        (Mnemonic::Sha256h, Bool3::Majority, Bool3::Choose),
    ] {
        let mut t = Terms::new();
        let trace =
            models::arm::read_trace(&models::arm::trace_path(&isa_root(), m), &mut t).unwrap();
        let muts = [Mutation::Bool3 { from, to }];
        let regs: Vec<_> = (0..32).map(|i| t.var(&format!("V{i}"), 128)).collect();
        let mut rf = RegFile::new(regs);
        let mut mutant = Mutant {
            inner: &mut t,
            mutations: &muts,
        };
        execute(&mut mutant, Inst::canonical(m), &mut rf);
        let (a, b) = (
            normalise(&mut t, rf.v[0]),
            normalise(&mut t, trace.output.1),
        );
        assert_ne!(a, b, "{m}");
    }
}
