//! The 64 x 64 -> 128 carry-less product in the engine's view: `Domain::clmul64`, whose
//! definition (`domain::gf::clmul64`) keeps it as two 64-bit halves so that every step is a
//! word operation (ARM's model accumulates one 128-bit value instead; the proofs relate the
//! two). `vmull_p64` multiplies the low halves, `vmull_high_p64` the high ones.

use spec::Mnemonic;

use crate::domain::Domain;

pub(super) fn model<D: Domain>(d: &mut D, m: Mnemonic, params: &[D::V]) -> D::V {
    let (hi, lo) = match m {
        Mnemonic::Pmull2 => (127, 64),
        _ => (63, 0),
    };
    let a = d.extract(&params[0], hi, lo);
    let b = d.extract(&params[1], hi, lo);
    d.clmul64(&a, &b)
}
