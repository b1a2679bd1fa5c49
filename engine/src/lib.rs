//! A small Wasm engine on Cranelift: a Wasm -> CLIF translator with explicit bounds checks and
//! signal-free traps, a JIT [`Instance`] for this host, AArch64/x86-64 object emission for C
//! drivers, and two hooks for engine intrinsics: [`IntrinsicLowering`] (imports compiled
//! inline) and [`CodePostPass`] (machine-code rewriting before definition).

pub mod bounds;
pub mod compile;
pub mod jit;
pub mod lowering;
pub mod module;
pub mod names;
pub mod object;
pub mod translate;
pub mod trap;
pub mod vmctx;

pub use jit::{Config, Instance, Val};
pub use lowering::{
    CodePostPass, CompileOptions, IntrinsicLowering, NoIntrinsics, PostPassVerdict, SrcRange,
};
pub use module::{FuncSig, ModuleInfo, WasmTy};
pub use object::{compile_object, ObjTarget, ObjectArtifact};
pub use trap::{CallError, Trap, TrapCode};
