//! Executable semantics for every layer, written once over a bit-vector
//! `Domain` and run concretely (tests, qemu comparison, counterexample replay)
//! or symbolically (SMT).

pub mod aarch64;
pub mod acle;
pub mod anf;
pub mod arm;
pub mod bits;
pub mod clif;
pub mod domain;
pub mod engine;
pub mod mutation;
pub mod normalise;
pub mod rng;
pub mod table;
pub mod term;
pub mod wasm;
pub mod x86;

pub use bits::Bits;
pub use domain::{BinOp, Bool3, Concrete, Domain};
pub use table::Table;
pub use term::{Op, TermId, Terms};
