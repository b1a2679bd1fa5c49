use std::path::Path;
use std::time::Instant;
use models::aarch64::{execute, Inst, Mnemonic, RegFile};
use models::normalise::normalise;
use models::Terms;
fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/isa");
    let which: Vec<String> = std::env::args().skip(1).collect();
    for m in Mnemonic::all() {
        if !which.is_empty() && !which.contains(&m.name().to_string()) { continue; }
        let mut t = Terms::new();
        let s = Instant::now();
        let trace = models::arm::read_trace(&models::arm::trace_path(&root, m), &mut t);
        let trace = match trace { Ok(tr) => tr, Err(e) => { println!("{m}: {e:#}"); continue } };
        let read = s.elapsed(); eprintln!("{m}: read {read:?}");
        let regs: Vec<_> = (0..32).map(|i| t.var(&format!("V{i}"), 128)).collect();
        let mut rf = RegFile::new(regs);
        execute(&mut t, Inst::canonical(m), &mut rf);
        let built = s.elapsed(); eprintln!("{m}: built");
        let a = normalise(&mut t, rf.v[0]);
        let na = s.elapsed(); eprintln!("{m}: normalised model {na:?}");
        let b = normalise(&mut t, trace.output.1);
        let nb = s.elapsed();
        println!("{m}: read {read:?} model {built:?} norm-model {na:?} norm-trace {nb:?} equal={} nodes={}", a == b, t.len());
    }
}
