//! The 64 x 64 -> 128 carry-less product in the engine's view: the XOR of a * x^i over the
//! set bits b_i, kept as two 64-bit halves so that the portable lowering is word operations
//! (ARM's model accumulates one 128-bit value instead; the proofs relate the two).
//! `vmull_p64` multiplies the low halves, `vmull_high_p64` the high ones.

use spec::Mnemonic;

use crate::domain::{BinOp, Domain};

fn clmul<D: Domain>(d: &mut D, a: &D::V, b: &D::V) -> D::V {
    // a * x^i for each set bit b_i, XORed into the product's two 64-bit halves: the low half
    // gets a << i, the high half the bits shifted out, a >> (64 - i). Selecting by a mask
    // rather than branching keeps it one straight line in every domain.
    let zero = d.lit(64, 0);
    let ones = d.lit(64, u64::MAX as u128);
    let (mut lo, mut hi) = (zero.clone(), zero.clone());
    for i in 0..64u32 {
        let bit = d.extract(b, i, i);
        let mask = d.ite(&bit, &ones, &zero);
        let k = d.lit(64, i as u128);
        let shifted = d.binary(BinOp::Shl, a, &k);
        let part = d.and(&shifted, &mask);
        lo = d.xor(&lo, &part);
        if i > 0 {
            let k = d.lit(64, (64 - i) as u128);
            let out = d.binary(BinOp::Lshr, a, &k);
            let part = d.and(&out, &mask);
            hi = d.xor(&hi, &part);
        }
    }
    d.concat(&hi, &lo)
}

pub(super) fn model<D: Domain>(d: &mut D, m: Mnemonic, params: &[D::V]) -> D::V {
    let (hi, lo) = match m {
        Mnemonic::Pmull2 => (127, 64),
        _ => (63, 0),
    };
    let a = d.extract(&params[0], hi, lo);
    let b = d.extract(&params[1], hi, lo);
    clmul(d, &a, &b)
}
