use models::aarch64::{execute, Inst, Mnemonic, RegFile};
use models::engine::engine_model;
use models::normalise::normalise;
use models::{Domain, Terms};
use verifier::abstraction::ByteAbstractor;
fn main() {
    let m = Mnemonic::from_name(&std::env::args().nth(1).unwrap()).unwrap();
    let mut t = Terms::new();
    let regs: Vec<_> = (0..32).map(|i| t.var(&format!("V{i}"), 128)).collect();
    let (v1, v2) = (regs[1], regs[2]);
    let regs_copy = regs.clone();
    let mut rf = RegFile::new(regs);
    execute(&mut t, Inst::canonical(m), &mut rf);
    let a = rf.v[0];
    let params: Vec<_> = m.desc().read_fields().iter().map(|f| [regs_copy[0], v1, v2][f.shift() as usize / 5 % 3]).collect();
    let e = engine_model(&mut t, m, &params);
    let mut b = ByteAbstractor::new(&mut t);
    let (a2, e2) = (b.run(a), b.run(e));
    println!("lemmas: {:?}", b.lemmas.keys().collect::<Vec<_>>());
    let (na, ne) = (normalise(&mut t, a2), normalise(&mut t, e2));
    let ba = t.extract(&na, 7, 0); let be = t.extract(&ne, 7, 0);
    let (ba, be) = (normalise(&mut t, ba), normalise(&mut t, be));
    println!("arm byte0: {}\nengine byte0: {}", t.display(ba), t.display(be));
    println!("whole equal: {}", na == ne);
    for i in 0..16u32 {
        let x = t.extract(&na, 8*i+7, 8*i); let y = t.extract(&ne, 8*i+7, 8*i);
        let (x, y) = (normalise(&mut t, x), normalise(&mut t, y));
        if x != y { println!("byte {i} differs:\n {}\n {}", t.display(x), t.display(y)); break; }
    }
    let top = |t: &Terms, x| format!("{:?}", t.node(x).op);
    println!("top ops: {} {}", top(&t, na), top(&t, ne));
}
