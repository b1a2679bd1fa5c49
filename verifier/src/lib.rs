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
pub mod variant;

pub use check::{Options, Outcome, Verdict};
pub use layer::Layer;
pub use obligation::Obligation;
