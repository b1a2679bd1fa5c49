//! The one place where Wasm functions become machine code, for both the JIT and object paths:
//! translate -> Cranelift mid-end -> optional [`CodePostPass::before_lowering`] -> instruction
//! selection and register allocation -> optional [`CodePostPass::rewrite`] ->
//! `define_function_bytes`.

use crate::lowering::{CodePostPass, CompileOptions, IntrinsicLowering, PostPassVerdict, SrcRange};
use crate::module::ModuleInfo;
use crate::translate::{resolve_imports, translate_function, wasm_signature, TranslateEnv};
use anyhow::{anyhow, bail, Context as _, Result};
use cranelift_codegen::control::ControlPlane;
use cranelift_codegen::ir::{Function, UserFuncName};
use cranelift_codegen::isa::{OwnedTargetIsa, TargetIsa};
use cranelift_codegen::settings::{self, Configurable};
use cranelift_codegen::Context;
use cranelift_frontend::FunctionBuilderContext;
use cranelift_module::{FuncId, Linkage, Module, ModuleReloc};

/// Cranelift flags used for every target: optimise, no NaN canonicalisation (the D-design
/// placeholders rely on it being off), multi-value returns through an implicit return area.
pub fn shared_flags(is_pic: bool) -> Result<settings::Flags> {
    let mut b = settings::builder();
    b.set("opt_level", "speed")?;
    b.set("enable_nan_canonicalization", "false")?;
    b.set("enable_multi_ret_implicit_sret", "true")?;
    b.set("use_colocated_libcalls", "false")?;
    b.set("is_pic", if is_pic { "true" } else { "false" })?;
    Ok(settings::Flags::new(b))
}

/// The same target, ISA features and flags as `isa`, with the mid-end switched off. When a
/// post-pass wants to edit the optimised CLIF, [`compile_and_define`] runs the mid-end itself
/// with `isa` and then lowers with this ISA, so the edit is not optimised away again
/// (`opt_level` is read only by the mid-end; instruction selection ignores it).
pub fn lowering_only_isa(isa: &dyn TargetIsa) -> Result<OwnedTargetIsa> {
    let mut shared = settings::builder();
    for v in isa.flags().iter() {
        shared
            .set(v.name, &v.value_string())
            .with_context(|| format!("copying flag {v}"))?;
    }
    shared.set("opt_level", "none")?;
    let mut builder = cranelift_codegen::isa::lookup(isa.triple().clone())
        .map_err(|e| anyhow!("target {}: {e}", isa.triple()))?;
    for v in isa.isa_flags() {
        builder
            .set(v.name, &v.value_string())
            .with_context(|| format!("copying ISA flag {v}"))?;
    }
    Ok(builder.finish(settings::Flags::new(shared))?)
}

/// ISA for the host (JIT).
pub fn host_isa() -> Result<OwnedTargetIsa> {
    host_isa_with(&[])
}

/// ISA for the host with some ISA settings overridden (see [`IntrinsicLowering::isa_flags`]).
pub fn host_isa_with(overrides: &[(&str, &str)]) -> Result<OwnedTargetIsa> {
    let builder = cranelift_native::builder().map_err(|e| anyhow!("host ISA: {e}"))?;
    finish_isa(builder, "host", overrides, false)
}

/// ISA for a target triple such as `aarch64-unknown-linux-gnu` (object emission).
pub fn isa_for_triple(triple: &str) -> Result<OwnedTargetIsa> {
    isa_for_triple_with(triple, &[])
}

/// [`isa_for_triple`] with ISA settings set (see [`IntrinsicLowering::isa_flags`]).
pub fn isa_for_triple_with(triple: &str, settings: &[(&str, &str)]) -> Result<OwnedTargetIsa> {
    let builder = cranelift_codegen::isa::lookup_by_name(triple)
        .map_err(|e| anyhow!("target {triple}: {e}"))?;
    finish_isa(builder, triple, settings, true)
}

/// `builder` with `settings` applied (errors name `what` ISA and the setting) and the shared
/// flags.
fn finish_isa(
    mut builder: cranelift_codegen::isa::Builder,
    what: &str,
    settings: &[(&str, &str)],
    is_pic: bool,
) -> Result<OwnedTargetIsa> {
    for (name, value) in settings {
        builder
            .set(name, value)
            .with_context(|| format!("{what} ISA setting {name}={value}"))?;
    }
    Ok(builder.finish(shared_flags(is_pic)?)?)
}

/// Source-location ranges of a compiled function, for post-passes.
pub fn src_ranges(ctx: &Context) -> Vec<SrcRange> {
    let Some(cc) = ctx.compiled_code() else {
        return Vec::new();
    };
    cc.buffer
        .get_srclocs_sorted()
        .iter()
        .filter(|s| !s.loc.is_default())
        .map(|s| SrcRange {
            start: s.start,
            end: s.end,
            wasm_offset: s.loc.bits(),
        })
        .collect()
}

/// Run Cranelift's mid-end on `ctx.func` for `isa`, then the pass's pre-lowering edit.
fn mid_end_then(
    ctx: &mut Context,
    isa: &dyn TargetIsa,
    pass: Option<&dyn CodePostPass>,
) -> Result<()> {
    if let Err(e) = ctx.optimize(isa, &mut ControlPlane::default()) {
        let msg = cranelift_codegen::print_errors::pretty_error(&ctx.func, e);
        bail!("cranelift's mid-end failed on {}: {msg}", ctx.func.name);
    }
    if let Some(pass) = pass {
        pass.before_lowering(&mut ctx.func)
            .with_context(|| format!("pre-lowering pass on {}", ctx.func.name))?;
    }
    Ok(())
}

/// Compile `ctx.func`, run the post-pass and define the bytes as `func_id`.
/// Returns `Some(reason)` (and defines nothing) if the post-pass rejected the code.
pub fn compile_and_define<M: Module>(
    module: &mut M,
    ctx: &mut Context,
    func_id: FuncId,
    post_pass: Option<&dyn CodePostPass>,
) -> Result<Option<String>> {
    let isa: &dyn TargetIsa = module.isa();
    let func_alignment = isa.function_alignment().minimum as u64;
    let symbol_alignment = isa.symbol_alignment();
    let compiled = match post_pass {
        None => ctx.compile(isa, &mut ControlPlane::default()).map(|_| ()),
        Some(pass) => {
            mid_end_then(ctx, isa, Some(pass))?;
            let lowering_isa = lowering_only_isa(isa)?;
            // Cranelift's verifier runs again here, on the edited CLIF.
            ctx.compile(&*lowering_isa, &mut ControlPlane::default())
                .map(|_| ())
        }
    };
    if let Err(e) = compiled {
        let msg = cranelift_codegen::print_errors::pretty_error(e.func, e.inner);
        bail!("cranelift failed to compile {}: {msg}", ctx.func.name);
    }
    let cc = ctx.compiled_code().expect("compiled");
    let mut bytes = cc.code_buffer().to_vec();
    let alignment = (cc.buffer.alignment as u64)
        .max(func_alignment)
        .max(symbol_alignment);
    let relocs: Vec<ModuleReloc> = cc
        .buffer
        .relocs()
        .iter()
        .map(|r| ModuleReloc::from_mach_reloc(r, &ctx.func, func_id))
        .collect();
    if let Some(pass) = post_pass {
        let ranges = src_ranges(ctx);
        let len = bytes.len();
        match pass.rewrite(ctx, &ranges, &mut bytes)? {
            PostPassVerdict::Unchanged | PostPassVerdict::Rewritten => {}
            PostPassVerdict::Reject(reason) => return Ok(Some(reason)),
        }
        if bytes.len() != len {
            bail!("post-pass changed the code length of {}", ctx.func.name);
        }
    }
    module.define_function_bytes(func_id, alignment, &bytes, &relocs)?;
    Ok(None)
}

/// Result of declaring and compiling all functions of a module into a Cranelift module.
pub struct CompiledModule {
    /// Cranelift id per function index (`None` for imports).
    pub func_ids: Vec<Option<FuncId>>,
    /// Functions whose post-pass verdict was `Reject`, with the reason (compiled with the
    /// fallback lowering instead).
    pub fallbacks: Vec<(u32, String)>,
}

/// Declare every defined function (name and linkage from `naming(func_index)`), translate and
/// compile them all.
pub fn compile_module<M: Module>(
    module: &mut M,
    info: &ModuleInfo,
    opts: &CompileOptions,
    naming: &dyn Fn(u32) -> (String, Linkage),
) -> Result<CompiledModule> {
    let intrinsic_ids = resolve_imports(info, opts.lowering)?;
    let call_conv = module.isa().default_call_conv();
    let frontend_config = module.isa().frontend_config();
    let num_imports = info.num_imported_funcs();
    let mut func_ids = vec![None; num_imports as usize];
    for idx in num_imports..info.func_types.len() as u32 {
        let sig = wasm_signature(info.func_sig(idx)?, call_conv);
        let (name, linkage) = naming(idx);
        func_ids.push(Some(module.declare_function(&name, linkage, &sig)?));
    }

    let env = TranslateEnv {
        module: info,
        lowering: opts.lowering,
        intrinsic_ids,
        func_ids: func_ids.clone(),
        call_conv,
        frontend_config,
    };
    let fallback_env = match opts.fallback {
        Some(l) => Some(make_env(info, l, &func_ids, module.isa())?),
        None => None,
    };

    let mut ctx = module.make_context();
    let mut fctx = FunctionBuilderContext::new();
    let mut fallbacks = Vec::new();
    for idx in num_imports..info.func_types.len() as u32 {
        let id = func_ids[idx as usize].expect("defined");
        build_function(&env, idx, id, &mut ctx, &mut fctx)?;
        let rejected = compile_and_define(module, &mut ctx, id, opts.post_pass)
            .with_context(|| format!("compiling {}", info.func_label(idx)))?;
        module.clear_context(&mut ctx);
        if let Some(reason) = rejected {
            let fenv = fallback_env.as_ref().ok_or_else(|| {
                anyhow!(
                    "post-pass rejected {} ({reason}) and no fallback lowering is set",
                    info.func_label(idx)
                )
            })?;
            build_function(fenv, idx, id, &mut ctx, &mut fctx)?;
            compile_and_define(module, &mut ctx, id, None)
                .with_context(|| format!("compiling fallback of {}", info.func_label(idx)))?;
            module.clear_context(&mut ctx);
            fallbacks.push((idx, reason));
        }
    }
    Ok(CompiledModule {
        func_ids,
        fallbacks,
    })
}

fn make_env<'a>(
    info: &'a ModuleInfo<'a>,
    lowering: &'a dyn IntrinsicLowering,
    func_ids: &[Option<FuncId>],
    isa: &dyn TargetIsa,
) -> Result<TranslateEnv<'a>> {
    Ok(TranslateEnv {
        module: info,
        lowering,
        intrinsic_ids: resolve_imports(info, lowering)?,
        func_ids: func_ids.to_vec(),
        call_conv: isa.default_call_conv(),
        frontend_config: isa.frontend_config(),
    })
}

fn build_function(
    env: &TranslateEnv,
    idx: u32,
    id: FuncId,
    ctx: &mut Context,
    fctx: &mut FunctionBuilderContext,
) -> Result<()> {
    let sig = wasm_signature(env.module.func_sig(idx)?, env.call_conv);
    ctx.func = Function::with_name_signature(UserFuncName::user(0, id.as_u32()), sig);
    translate_function(env, idx, &mut ctx.func, fctx)
}

/// Translate one defined function to CLIF text (for debugging and tests).
pub fn function_clif(
    wasm: &[u8],
    lowering: &dyn IntrinsicLowering,
    func_index: u32,
) -> Result<String> {
    function_clif_for(wasm, &CompileOptions::new(lowering), func_index, None)
}

/// Like [`function_clif`]; with `optimized_for`, the CLIF as instruction selection for that
/// ISA sees it: after Cranelift's mid-end and the post-pass's
/// [`CodePostPass::before_lowering`].
pub fn function_clif_for(
    wasm: &[u8],
    opts: &CompileOptions,
    func_index: u32,
    optimized_for: Option<&dyn TargetIsa>,
) -> Result<String> {
    let lowering = opts.lowering;
    let info = ModuleInfo::parse(wasm)?;
    let host = host_isa()?;
    let isa = optimized_for.unwrap_or(&*host);
    let num_imports = info.num_imported_funcs();
    let func_ids: Vec<Option<FuncId>> = (0..info.func_types.len() as u32)
        .map(|i| (i >= num_imports).then(|| FuncId::from_u32(i)))
        .collect();
    let env = make_env(&info, lowering, &func_ids, isa)?;
    let mut ctx = Context::new();
    let mut fctx = FunctionBuilderContext::new();
    build_function(
        &env,
        func_index,
        FuncId::from_u32(func_index),
        &mut ctx,
        &mut fctx,
    )?;
    if optimized_for.is_some() {
        mid_end_then(&mut ctx, isa, opts.post_pass)?;
    }
    Ok(ctx.func.display().to_string())
}
