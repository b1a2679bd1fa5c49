//! The 64 x 64 -> 128 carry-less product in the engine's view, written the way GF(2)[x]
//! defines it: bit k of the product is the XOR over i + j = k of a_i AND b_j (not ARM's
//! shift-and-XOR loop). `vmull_p64` multiplies the low halves, `vmull_high_p64` the high ones.

use spec::Mnemonic;

use crate::domain::Domain;

fn clmul<D: Domain>(d: &mut D, a: &D::V, b: &D::V) -> D::V {
    let a_bits: Vec<D::V> = (0..64).map(|i| d.extract(a, i, i)).collect();
    let b_bits: Vec<D::V> = (0..64).map(|i| d.extract(b, i, i)).collect();
    let bits: Vec<D::V> = (0..128usize)
        .map(|k| {
            let mut acc = d.lit(1, 0);
            for i in k.saturating_sub(63)..=k.min(63) {
                let t = d.and(&a_bits[i], &b_bits[k - i]);
                acc = d.xor(&acc, &t);
            }
            acc
        })
        .collect();
    d.from_lanes(&bits)
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
