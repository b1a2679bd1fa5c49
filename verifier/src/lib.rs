//! The verifier: proves, for all inputs, that adjacent layers of each
//! intrinsic compute the same value, and turns every failure into a readable,
//! replayable counterexample. One module per pipeline stage:
//! `build` -> `models::normalise` -> `abstraction` -> `smtlib` -> `solver` ->
//! `counterexample`, driven by `check`.

pub mod abstraction;
pub mod build;
pub mod check;
pub mod counterexample;
pub mod layer;
pub mod native;
pub mod obligation;
pub mod report;
pub mod smtlib;
pub mod solver;
pub mod validate;
pub mod variant;

pub use check::{Options, Outcome, Verdict};

/// The repository this verifier was built from (spec, corpus, prebuilt Wasm).
pub fn repo_root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}
pub use layer::Layer;
pub use obligation::Obligation;
