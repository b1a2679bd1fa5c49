//! Lowerings of the engine intrinsics (`wasm_arm_neon.__intrinsic_*`) of every spec family to
//! CLIF.
//!
//! * (A) portable: [`emit_portable`] runs `models::engine::engine_model` over [`ClifDomain`],
//!   so the emitted CLIF is the engine model itself; [`LoweringTable::call_site_function`] wraps it as a standalone
//!   function for a CLIF interpreter.
//! * (D) AArch64-native: [`native::emit_marker`] emits an opaque call per call site; after
//!   Cranelift's mid-end it becomes a float op that Cranelift lowers to one instruction of the
//!   instruction's register shape (one placeholder per shape, shared by every instruction of
//!   that shape), and the post-pass ([`LoweringTable::rewrite`]) re-encodes it. [`native_entry`]
//!   gives each instruction's placeholder, encoding pattern and operand map, with the register
//!   effects the verifier checks.
//!
//! [`LoweringTable`] resolves the spec's imports and dispatches to either lowering.
//!
//! Why no `impl engine::IntrinsicLowering` here: the engine's command line depends on this
//! crate, and Cargo forbids the cycle back. [`engine_hooks!`] generates the two-method adapters
//! in the crate that has both (the engine binary, engine tests).

pub mod domain;
pub mod native;
pub mod portable;
pub mod table;
pub mod translation;
pub mod validate;
pub mod x86;

pub use domain::{ClifDomain, ClifValue};
pub use native::{
    check_register_effects, native_entry, native_table, native_word_for, Access, CodeRange,
    NativeEntry, PlaceholderField, RegisterEffects, Shape, Verdict,
};
pub use portable::emit_portable;
pub use table::{lane0_source, FunctionValidation, LoweringTable, Mode, IS_AVAILABLE};

/// Re-exports for [`engine_hooks!`].
#[doc(hidden)]
pub mod reexport {
    pub use anyhow;
    pub use cranelift_codegen;
    pub use cranelift_frontend;
}

/// Define `LoweringHooks<'a>(&'a LoweringTable)` implementing `engine::IntrinsicLowering` and
/// `engine::CodePostPass` in the calling crate (which must depend on `engine`).
///
/// ```ignore
/// lowering::engine_hooks!();
/// let native = LoweringTable::all(Mode::Aarch64Native)?;
/// let portable = LoweringTable::all(Mode::Portable)?;
/// let (n, p) = (LoweringHooks(&native), LoweringHooks(&portable));
/// let opts = CompileOptions { lowering: &n, post_pass: Some(&n), fallback: Some(&p) };
/// ```
#[macro_export]
macro_rules! engine_hooks {
    () => {
        /// `engine` hooks backed by a [`lowering::LoweringTable`].
        pub struct LoweringHooks<'a>(pub &'a $crate::LoweringTable);

        impl ::engine::IntrinsicLowering for LoweringHooks<'_> {
            fn resolve(&self, module: &str, name: &str) -> Option<usize> {
                self.0.resolve(module, name)
            }

            fn emit(
                &self,
                id: usize,
                builder: &mut $crate::reexport::cranelift_frontend::FunctionBuilder,
                args: &[$crate::reexport::cranelift_codegen::ir::Value],
            ) -> $crate::reexport::anyhow::Result<Vec<$crate::reexport::cranelift_codegen::ir::Value>>
            {
                self.0.emit(id, builder, args)
            }

            fn is_pure(&self, id: usize) -> bool {
                self.0.is_pure(id)
            }

            fn isa_flags(&self) -> &'static [(&'static str, &'static str)] {
                self.0.isa_flags()
            }
        }

        impl ::engine::CodePostPass for LoweringHooks<'_> {
            fn before_lowering(
                &self,
                func: &mut $crate::reexport::cranelift_codegen::ir::Function,
            ) -> $crate::reexport::anyhow::Result<()> {
                self.0.before_lowering(func)
            }

            fn rewrite(
                &self,
                ctx: &$crate::reexport::cranelift_codegen::Context,
                srclocs: &[::engine::SrcRange],
                code: &mut Vec<u8>,
            ) -> $crate::reexport::anyhow::Result<::engine::PostPassVerdict> {
                let ranges: Vec<$crate::CodeRange> = srclocs
                    .iter()
                    .map(|r| $crate::CodeRange {
                        start: r.start,
                        end: r.end,
                        wasm_offset: r.wasm_offset,
                    })
                    .collect();
                Ok(match self.0.rewrite(ctx, &ranges, code)? {
                    $crate::Verdict::Unchanged => ::engine::PostPassVerdict::Unchanged,
                    $crate::Verdict::Rewritten => ::engine::PostPassVerdict::Rewritten,
                    $crate::Verdict::Reject(why) => ::engine::PostPassVerdict::Reject(why),
                })
            }
        }
    };
}
