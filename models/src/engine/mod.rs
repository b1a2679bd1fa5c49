//! The engine-intrinsic layer: what `__intrinsic_vsha1cq_u32(v128, v128, v128) -> v128` and
//! its siblings mean to a Wasm engine, written in the Wasm view (i32 lanes, lane 0 least
//! significant) the way the algorithm's standard (FIPS 180-4) writes the steps. This is
//! deliberately a different formulation from the ARM pseudocode in `aarch64`, so the proof
//! between them says something. Each family is a submodule; [`engine_model`] dispatches.

mod aes;
mod pmull;
mod sha1;
mod sha256;

use spec::Mnemonic;

use crate::domain::Domain;

/// The engine intrinsic implementing instruction `m`, applied to its v128 params (in the
/// spec's order).
pub fn engine_model<D: Domain>(d: &mut D, m: Mnemonic, params: &[D::V]) -> D::V {
    use Mnemonic::*;
    match m {
        Sha1c | Sha1p | Sha1m | Sha1h | Sha1su0 | Sha1su1 => sha1::model(d, m, params),
        Sha256h | Sha256h2 | Sha256su0 | Sha256su1 => sha256::model(d, m, params),
        Aese | Aesd | Aesmc | Aesimc => aes::model(d, m, params),
        Pmull | Pmull2 => pmull::model(d, m, params),
    }
}

/// The four 32-bit lanes of a v128, lane 0 first.
pub(crate) fn lanes<D: Domain>(d: &mut D, v: &D::V) -> [D::V; 4] {
    std::array::from_fn(|i| d.lane(v, i as u32, 32))
}
