//! The AArch64 models against ARM's own semantics (the isla traces), by
//! normalisation only. The verifier proves the same with a solver; this test
//! pins down that the normaliser already closes them, and that a planted bug
//! does not normalise to the same term.

use std::path::PathBuf;

use models::aarch64::{execute, Inst, Mnemonic, RegFile};
use models::mutation::{Mutant, Mutation};
use models::normalise::normalise;
use models::{Bool3, Domain, Terms};

fn trace_path(m: Mnemonic) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/isa/aarch64-sha1")
        .join(format!("{}.smt", m.name().to_lowercase()))
}

fn inst(m: Mnemonic) -> Inst {
    Inst::canonical(m)
}

fn model_output<D: Domain<V = models::TermId>>(
    d: &mut D,
    t: &mut dyn FnMut(&mut D, usize) -> models::TermId,
    m: Mnemonic,
) -> models::TermId {
    let regs: Vec<_> = (0..32).map(|i| t(d, i)).collect();
    let mut rf = RegFile::new(regs);
    execute(d, inst(m), &mut rf);
    rf.v[0]
}

#[test]
fn models_normalise_to_the_arm_traces() {
    for m in Mnemonic::ALL {
        let mut t = Terms::new();
        let trace = models::arm::read_trace(&trace_path(m), &mut t).unwrap();
        let out = model_output(
            &mut t,
            &mut |d: &mut Terms, i| d.var(&format!("V{i}"), 128),
            m,
        );
        let (a, b) = (normalise(&mut t, out), normalise(&mut t, trace.output.1));
        assert_eq!(a, b, "{m}: model {}\ntrace {}", t.display(a), t.display(b));
    }
}

#[test]
fn a_planted_bug_does_not_normalise_to_the_trace() {
    let mut t = Terms::new();
    let trace = models::arm::read_trace(&trace_path(Mnemonic::Sha1c), &mut t).unwrap();
    let muts = [Mutation::Bool3 {
        from: Bool3::Choose,
        to: Bool3::Parity,
    }];
    let regs: Vec<_> = (0..32).map(|i| t.var(&format!("V{i}"), 128)).collect();
    let mut rf = RegFile::new(regs);
    let mut mutant = Mutant {
        inner: &mut t,
        mutations: &muts,
    };
    execute(&mut mutant, inst(Mnemonic::Sha1c), &mut rf);
    let (a, b) = (
        normalise(&mut t, rf.v[0]),
        normalise(&mut t, trace.output.1),
    );
    assert_ne!(a, b);
}
