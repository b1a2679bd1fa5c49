//! One semantics, two interpretations: every model evaluated concretely must
//! agree with the same model built symbolically and then evaluated.

use std::collections::HashMap;

use models::aarch64::{execute, Inst, Mnemonic, RegFile};
use models::engine::engine_model;
use models::normalise::normalise;
use models::{acle, Bits, Concrete, Terms};
use proptest::prelude::*;

fn inst(m: Mnemonic) -> Inst {
    Inst::canonical(m)
}

fn mnemonic() -> impl Strategy<Value = Mnemonic> {
    prop::sample::select(Mnemonic::all().collect::<Vec<_>>())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn engine_model_concrete_equals_symbolic(m in mnemonic(), p: [u128; 3]) {
        let concrete: Vec<Bits> = p.iter().map(|v| Bits::from_u128(128, *v)).collect();
        let want = engine_model(&mut Concrete, m, &concrete);

        let mut t = Terms::new();
        let vars: Vec<_> = (0..3).map(|i| t.var(&format!("p{i}"), 128)).collect();
        let term = engine_model(&mut t, m, &vars);
        let norm = normalise(&mut t, term);
        let env: HashMap<String, Bits> = (0..3).map(|i| (format!("p{i}"), concrete[i])).collect();
        let got = t.eval(&[term, norm], &env).unwrap();
        prop_assert_eq!(got[0], want);
        prop_assert_eq!(got[1], want);
    }

    #[test]
    fn aarch64_model_concrete_equals_symbolic(m in mnemonic(), regs: [u128; 3]) {
        let mut rf = RegFile::new((0..32).map(|i| Bits::from_u128(128, if i < 3 { regs[i] } else { 0 })).collect());
        execute(&mut Concrete, inst(m), &mut rf);

        let mut t = Terms::new();
        let vars: Vec<_> = (0..32).map(|i| t.var(&format!("V{i}"), 128)).collect();
        let mut srf = RegFile::new(vars);
        execute(&mut t, inst(m), &mut srf);
        let env: HashMap<String, Bits> = (0..32)
            .map(|i| (format!("V{i}"), Bits::from_u128(128, if i < 3 { regs[i] } else { 0 })))
            .collect();
        let got = t.eval(&[srf.v[0]], &env).unwrap();
        prop_assert_eq!(got[0], rf.v[0]);
    }

    #[test]
    fn c_model_concrete_equals_symbolic(which in 0usize..64, a: u128, e: u32, w: u128, junk: u128) {
        let specs = spec::load_all().unwrap();
        let all: Vec<&spec::Intrinsic> = specs.iter().flat_map(|s| &s.intrinsics).collect();
        let intr = all[which % all.len()];
        let vals: Vec<Bits> = intr.arguments.iter().enumerate().map(|(i, arg)| {
            if arg.ctype.is_vector() { Bits::from_u128(128, if i == 0 { a } else { w }) } else { Bits::from_u64(32, e as u64) }
        }).collect();
        let bg = RegFile::new(vec![Bits::from_u128(128, junk); 32]);
        let want = acle::c_model(&mut Concrete, intr, &vals, bg).unwrap();

        let mut t = Terms::new();
        let vars: Vec<_> = intr.arguments.iter().map(|arg| t.var(&arg.name, if arg.ctype.is_vector() { 128 } else { 32 })).collect();
        let junk_var = t.var("junk", 128);
        let term = acle::c_model(&mut t, intr, &vars, RegFile::new(vec![junk_var; 32])).unwrap();
        let mut env: HashMap<String, Bits> = intr.arguments.iter().zip(&vals).map(|(a, v)| (a.name.clone(), *v)).collect();
        env.insert("junk".into(), Bits::from_u128(128, junk));
        prop_assert_eq!(t.eval(&[term], &env).unwrap()[0], want);
    }
}

fn v(l: [u32; 4]) -> Bits {
    Bits::from_u128(
        128,
        l.iter().rev().fold(0u128, |acc, x| acc << 32 | *x as u128),
    )
}

fn lanes_of(x: &Bits) -> [u32; 4] {
    std::array::from_fn(|i| x.extract(i as u32 * 32 + 31, i as u32 * 32).to_u64() as u32)
}

fn add(a: &Bits, b: &Bits) -> Bits {
    let (a, b) = (lanes_of(a), lanes_of(b));
    v(std::array::from_fn(|i| a[i].wrapping_add(b[i])))
}

/// The one-block message "abc", padded, as four big-endian word vectors.
fn abc_block() -> Vec<Bits> {
    let mut block = [0u8; 64];
    block[..3].copy_from_slice(b"abc");
    block[3] = 0x80;
    block[63] = 24;
    let words: Vec<u32> = block
        .chunks(4)
        .map(|c| u32::from_be_bytes(c.try_into().unwrap()))
        .collect();
    (0..4)
        .map(|i| {
            v([
                words[4 * i],
                words[4 * i + 1],
                words[4 * i + 2],
                words[4 * i + 3],
            ])
        })
        .collect()
}

/// SHA-1 of "abc" computed with the engine-intrinsic models in the standard
/// intrinsic kernel structure (FIPS 180-4 known answer).
#[test]
fn engine_models_compute_fips_sha1_of_abc() {
    let d = &mut Concrete;
    let lane0 = |x: &Bits| x.extract(31, 0).to_u64() as u32;
    let splat = |x: u32| v([x; 4]);
    let mut msg = abc_block();
    let state = [
        0x67452301u32,
        0xEFCDAB89,
        0x98BADCFE,
        0x10325476,
        0xC3D2E1F0,
    ];
    let mut abcd = v([state[0], state[1], state[2], state[3]]);
    let mut e = state[4];
    let k = [0x5A827999u32, 0x6ED9EBA1, 0x8F1BBCDC, 0xCA62C1D6];
    for round in 0..20 {
        let group = round / 5;
        let m = match group {
            0 => Mnemonic::Sha1c,
            1 | 3 => Mnemonic::Sha1p,
            _ => Mnemonic::Sha1m,
        };
        let wk = add(&msg[round % 4], &splat(k[group]));
        let e_next = lane0(&engine_model(d, Mnemonic::Sha1h, &[splat(lane0(&abcd))]));
        abcd = engine_model(d, m, &[abcd, splat(e), wk]);
        e = e_next;
        // Message schedule: W[t..t+4] from the previous sixteen words.
        let (w0, w1, w2, w3) = (
            msg[round % 4],
            msg[(round + 1) % 4],
            msg[(round + 2) % 4],
            msg[(round + 3) % 4],
        );
        let t = engine_model(d, Mnemonic::Sha1su0, &[w0, w1, w2]);
        msg[round % 4] = engine_model(d, Mnemonic::Sha1su1, &[t, w3]);
    }
    let lanes: Vec<u32> = (0..4)
        .map(|i| abcd.extract(i * 32 + 31, i * 32).to_u64() as u32)
        .collect();
    let digest: Vec<u32> = vec![
        state[0].wrapping_add(lanes[0]),
        state[1].wrapping_add(lanes[1]),
        state[2].wrapping_add(lanes[2]),
        state[3].wrapping_add(lanes[3]),
        state[4].wrapping_add(e),
    ];
    let hex: String = digest.iter().map(|w| format!("{w:08x}")).collect();
    assert_eq!(hex, "a9993e364706816aba3e25717850c26c9cd0d89d");
}
