//! One semantics, two interpretations: every model evaluated concretely must
//! agree with the same model built symbolically and then evaluated.

use std::collections::HashMap;

use models::aarch64::{execute, Inst, Mnemonic, RegFile};
use models::engine::engine_model;
use models::normalise::normalise;
use models::{acle, BinOp, Bits, Concrete, Domain, Terms};
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

    /// Shifts by constants are rewritten into extracts and concats: the rewrite must keep
    /// the value for every amount, in range or not, and for arithmetic shifts of either sign.
    #[test]
    fn normalised_constant_shifts_keep_their_value(
        op in prop::sample::select(vec![BinOp::Shl, BinOp::Lshr, BinOp::Ashr]),
        width in prop::sample::select(vec![8u32, 32, 64]),
        amount in 0u64..70,
        x: u64,
    ) {
        let mut t = Terms::new();
        let var = t.var("x", width);
        let k = t.constant(Bits::from_u64(width, amount % (1u64 << width.min(63))));
        let shifted = t.binary(op, &var, &k);
        let norm = normalise(&mut t, shifted);
        let mask = if width == 64 { u64::MAX } else { (1u64 << width) - 1 };
        let env = HashMap::from([("x".to_string(), Bits::from_u64(width, x & mask))]);
        let got = t.eval(&[shifted, norm], &env).unwrap();
        prop_assert_eq!(got[0], got[1]);
    }

    #[test]
    fn c_model_concrete_equals_symbolic(which in 0usize..64, a: u128, e: u32, w: u128, junk: u128) {
        let specs = spec::load_all().unwrap();
        let all: Vec<&spec::Intrinsic> = specs.iter().flat_map(|s| &s.intrinsics).collect();
        let intr = all[which % all.len()];
        let vals: Vec<Bits> = intr.arguments.iter().enumerate().map(|(i, arg)| {
            let width = arg.ctype.value_bits().unwrap();
            Bits::from_u128(width, if i == 0 { a } else if width == 32 { e as u128 } else { w })
        }).collect();
        let bg = RegFile::new(vec![Bits::from_u128(128, junk); 32]);
        let want = acle::c_model(&mut Concrete, intr, &vals, bg).unwrap();

        let mut t = Terms::new();
        let vars: Vec<_> = intr.arguments.iter().map(|arg| t.var(&arg.name, arg.ctype.value_bits().unwrap())).collect();
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

/// SHA-256 of "abc" with the engine-intrinsic models in the usual intrinsic kernel
/// structure: 16 groups of (SHA256H, SHA256H2) and 12 schedule steps (SU0, SU1).
#[test]
fn engine_models_compute_fips_sha256_of_abc() {
    const K: [u32; 64] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
        0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
        0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
        0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
        0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
        0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
        0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
        0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
        0xc67178f2,
    ];
    let d = &mut Concrete;
    let iv = [
        0x6a09e667u32,
        0xbb67ae85,
        0x3c6ef372,
        0xa54ff53a,
        0x510e527f,
        0x9b05688c,
        0x1f83d9ab,
        0x5be0cd19,
    ];
    let (mut abcd, mut efgh) = (
        v([iv[0], iv[1], iv[2], iv[3]]),
        v([iv[4], iv[5], iv[6], iv[7]]),
    );
    let mut msg = abc_block();
    for g in 0..16 {
        let wk = add(
            &msg[g % 4],
            &v([K[4 * g], K[4 * g + 1], K[4 * g + 2], K[4 * g + 3]]),
        );
        let old_abcd = abcd;
        abcd = engine_model(d, Mnemonic::Sha256h, &[abcd, efgh, wk]);
        efgh = engine_model(d, Mnemonic::Sha256h2, &[efgh, old_abcd, wk]);
        if g < 12 {
            let t = engine_model(d, Mnemonic::Sha256su0, &[msg[g % 4], msg[(g + 1) % 4]]);
            msg[g % 4] = engine_model(
                d,
                Mnemonic::Sha256su1,
                &[t, msg[(g + 2) % 4], msg[(g + 3) % 4]],
            );
        }
    }
    let out: Vec<u32> = lanes_of(&abcd)
        .iter()
        .chain(&lanes_of(&efgh))
        .zip(iv)
        .map(|(x, i)| x.wrapping_add(i))
        .collect();
    let hex: String = out.iter().map(|w| format!("{w:08x}")).collect();
    assert_eq!(
        hex,
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
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
