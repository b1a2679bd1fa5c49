//! Lowering (A), portable: each engine intrinsic becomes the CLIF that running
//! `models::engine::engine_model` over [`ClifDomain`] emits. There is no hand-written copy of
//! the SHA-1 steps here: the model is the lowering.

use anyhow::{bail, Result};
use cranelift_codegen::ir::Value;
use cranelift_frontend::FunctionBuilder;
use models::engine::engine_model;
use models::mutation::{run_mutated, Mutation};
use spec::Mnemonic;

use crate::domain::ClifDomain;

/// Number of v128 parameters of the engine intrinsic for `m`: one per register the
/// instruction reads (the spec checks its engine params bind exactly those).
pub fn arity(m: Mnemonic) -> usize {
    m.desc().read_fields().len()
}

/// Emit the portable lowering of the engine intrinsic for `m` at the builder's position.
/// `args` are the engine parameters in spec order, each a 128-bit vector (normally `I32X4`);
/// the result is `I32X4`.
pub fn emit_portable(
    builder: &mut FunctionBuilder,
    mnemonic: Mnemonic,
    args: &[Value],
) -> Result<Value> {
    if args.len() != arity(mnemonic) {
        bail!(
            "{mnemonic} takes {} v128 arguments, got {}",
            arity(mnemonic),
            args.len()
        );
    }
    for &a in args {
        let ty = builder.func.dfg.value_type(a);
        if !(ty.is_vector() && ty.bits() == 128) {
            bail!("{mnemonic}: argument of type {ty} is not a 128-bit vector");
        }
    }
    emit_portable_mutated(builder, mnemonic, args, &[])
}

/// [`emit_portable`] with planted bugs: the broken corpus uses this to produce
/// genuinely wrong CLIF that the verifier must refute. The engine never calls it.
pub fn emit_portable_mutated(
    builder: &mut FunctionBuilder,
    mnemonic: Mnemonic,
    args: &[Value],
    mutations: &[Mutation],
) -> Result<Value> {
    let mut d = ClifDomain::new(builder);
    let params: Vec<_> = args.iter().map(|&a| d.wrap(a)).collect();
    let r = run_mutated(
        &mut d,
        mutations,
        &params,
        |md, p| Ok(engine_model(md, mnemonic, p)),
        |v| v,
    )?;
    Ok(d.as_i32x4(&r))
}
