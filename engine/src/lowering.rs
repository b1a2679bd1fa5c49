//! Hooks for engine intrinsics: inline lowering of imports, and a post-pass over machine code.

use anyhow::Result;
use cranelift_codegen::ir::Value;
use cranelift_frontend::FunctionBuilder;

/// Compiles calls to imported functions inline. Imports are never called at run time: every
/// import of a module must be resolved by the lowering, otherwise instantiation fails.
pub trait IntrinsicLowering {
    /// Called for every imported function. `Some(id)` if this import is an engine intrinsic
    /// the table can compile inline; `None` means "not an intrinsic".
    fn resolve(&self, module: &str, name: &str) -> Option<usize>;

    /// Emit CLIF for intrinsic `id` at a call site and return the result values.
    ///
    /// Conventions: `args` are the Wasm-level arguments in order (no vmctx). i32/i64 are
    /// `I32`/`I64`; **every v128 argument is an `I32X4` value** (bitcast inside the lowering if
    /// another lane shape is needed). Returned v128 results may have any 128-bit vector type;
    /// the engine bitcasts them back to `I32X4`. The builder's current source location is the
    /// Wasm byte offset of the `call` operator (unique per call site); keep it on emitted
    /// instructions so a [`CodePostPass`] can find them. The lowering may create blocks but
    /// must leave the builder in a block it can continue in.
    fn emit(&self, id: usize, builder: &mut FunctionBuilder, args: &[Value]) -> Result<Vec<Value>>;

    /// Whether the code emitted for intrinsic `id` has no side effect and cannot trap, so the
    /// engine may check the bounds of loads on both sides of the call together (`bounds.rs`).
    /// The default is the safe answer.
    fn is_pure(&self, _id: usize) -> bool {
        false
    }

    /// Cranelift ISA settings the lowering's code relies on (for example no AVX, so that a
    /// placeholder is the legacy SSE encoding a post-pass expects). The JIT applies them on
    /// top of the host's detected features.
    fn isa_flags(&self) -> &'static [(&'static str, &'static str)] {
        &[]
    }
}

/// A lowering that knows no intrinsics: any module importing a function is rejected.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoIntrinsics;

impl IntrinsicLowering for NoIntrinsics {
    fn resolve(&self, _module: &str, _name: &str) -> Option<usize> {
        None
    }

    fn emit(&self, id: usize, _: &mut FunctionBuilder, _: &[Value]) -> Result<Vec<Value>> {
        anyhow::bail!("NoIntrinsics has no intrinsic {id}")
    }
}

/// Machine-code range produced by one Wasm operator (offsets relative to the function start).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SrcRange {
    pub start: u32,
    pub end: u32,
    /// Byte offset of the operator in the Wasm module (as set with `builder.set_srcloc`).
    pub wasm_offset: u32,
}

/// What a [`CodePostPass`] did to one function.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PostPassVerdict {
    /// Code left as is.
    Unchanged,
    /// Code bytes were edited in place (same length; relocations unchanged).
    Rewritten,
    /// The pass's guards failed: the engine re-translates this function with
    /// [`CompileOptions::fallback`] (or fails to compile if there is none).
    Reject(String),
}

/// Runs after Cranelift has compiled a function and before its bytes are defined in the module
/// (JIT or object). Sees the whole `Context` (`ctx.func` is the final CLIF,
/// `ctx.compiled_code()` the machine code, relocations and source locations).
pub trait CodePostPass {
    /// Runs on the CLIF after Cranelift's mid-end (e-graph optimisation and placement) and
    /// before instruction selection. Edits must keep the function valid (Cranelift's verifier
    /// checks it again) and must not change what it computes; the default does nothing.
    fn before_lowering(&self, _func: &mut cranelift_codegen::ir::Function) -> Result<()> {
        Ok(())
    }

    /// `code` starts as a copy of the compiled bytes; edits must keep its length and must not
    /// touch relocated bytes. `srclocs` lists every tagged code range, sorted by `start`.
    fn rewrite(
        &self,
        ctx: &cranelift_codegen::Context,
        srclocs: &[SrcRange],
        code: &mut Vec<u8>,
    ) -> Result<PostPassVerdict>;
}

/// How to compile a module.
#[derive(Clone, Copy)]
pub struct CompileOptions<'a> {
    pub lowering: &'a dyn IntrinsicLowering,
    /// Applied to every compiled function, if set.
    pub post_pass: Option<&'a dyn CodePostPass>,
    /// Lowering used (without the post-pass) for functions the post-pass rejects.
    pub fallback: Option<&'a dyn IntrinsicLowering>,
}

impl<'a> CompileOptions<'a> {
    pub fn new(lowering: &'a dyn IntrinsicLowering) -> Self {
        CompileOptions {
            lowering,
            post_pass: None,
            fallback: None,
        }
    }
}
