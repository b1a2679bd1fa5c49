//! Lowering (A), portable: each engine intrinsic becomes the CLIF that running
//! `models::engine::engine_model` over [`ClifDomain`] emits. There is no hand-written copy of
//! the SHA-1 steps here: the model is the lowering.

use anyhow::{bail, Result};
use cranelift_codegen::ir::types::I32X4;
use cranelift_codegen::ir::{AbiParam, Function, InstBuilder, Signature, UserFuncName, Value};
use cranelift_codegen::isa::{CallConv, TargetFrontendConfig};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use models::engine::engine_model;
use models::mutation::{run_mutated, Mutation};
use spec::Mnemonic;
use target_lexicon::PointerWidth;

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

/// A standalone function `(i32x4 x arity) -> i32x4` whose body is exactly what
/// [`emit_portable`] emits for `m`, for checking the lowering with a CLIF interpreter.
pub fn portable_clif(mnemonic: Mnemonic) -> Function {
    portable_clif_mutated(mnemonic, &[])
}

/// [`portable_clif`] with planted bugs (see [`emit_portable_mutated`]).
pub fn portable_clif_mutated(mnemonic: Mnemonic, mutations: &[Mutation]) -> Function {
    let mut sig = Signature::new(CallConv::SystemV);
    for _ in 0..arity(mnemonic) {
        sig.params.push(AbiParam::new(I32X4));
    }
    sig.returns.push(AbiParam::new(I32X4));
    let name = UserFuncName::testcase(format!("portable_{}", mnemonic.name().to_lowercase()));
    let mut func = Function::with_name_signature(name, sig);
    let mut fctx = FunctionBuilderContext::new();
    let mut b = FunctionBuilder::new(&mut func, &mut fctx);
    let entry = b.create_block();
    b.append_block_params_for_function_params(entry);
    b.switch_to_block(entry);
    b.seal_block(entry);
    let args = b.block_params(entry).to_vec();
    let r = emit_portable_mutated(&mut b, mnemonic, &args, mutations)
        .expect("arguments match the arity");
    b.ins().return_(&[r]);
    b.finalize(TargetFrontendConfig {
        default_call_conv: CallConv::SystemV,
        pointer_width: PointerWidth::U64,
        page_size_align_log2: 12,
    });
    func
}
