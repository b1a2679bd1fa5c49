//! Stage 1: build both sides of an obligation from the layer models. Generic
//! over the domain: symbolic terms for proofs, concrete values for replay.
//! Each side is a list of labelled values (the intermediate steps a report
//! shows); the last one is what the obligation compares.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context, Result};
use models::aarch64::{execute, Inst, Mnemonic, RegFile};
use models::acle::{self, decode_for};
use models::engine::engine_model;
use models::mutation::{run_mutated, Mutation};
use models::wasm::{
    check_signature, run_export, EngineImports, Instance, Leak, NoImports, ValType, WasmModule,
};
use models::{Bits, Domain};
use serde::{Deserialize, Serialize};
use spec::{CType, Field, Intrinsic, Operand, Spec};

use crate::layer::Layer;
use crate::native::{self, NativePlan};
use crate::obligation::{Kind, Obligation};
use crate::variant::Variant;

/// A free input of an obligation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Input {
    pub name: String,
    pub width: u32,
}

pub struct Labelled<V> {
    pub label: String,
    pub value: V,
}

pub struct Sides<V> {
    pub left: Vec<Labelled<V>>,
    pub right: Vec<Labelled<V>>,
}

impl<V> Sides<V> {
    pub fn results(&self) -> (&V, &V) {
        (
            &self.left.last().unwrap().value,
            &self.right.last().unwrap().value,
        )
    }
}

/// A Wasm module the `wasm` layer runs, or why it could not be read.
pub struct Loaded {
    pub path: PathBuf,
    pub module: std::result::Result<WasmModule, String>,
}

impl Loaded {
    pub fn load(path: &Path) -> Loaded {
        let module = std::fs::read(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))
            .and_then(|bytes| {
                WasmModule::parse(&bytes).map_err(|e| format!("{}: {e:#}", path.display()))
            });
        Loaded {
            path: path.to_path_buf(),
            module,
        }
    }

    fn get(&self) -> Result<&WasmModule> {
        self.module.as_ref().map_err(|e| anyhow!("{e}"))
    }
}

/// The Wasm builds the `wasm` layer checks: a C-layer build exporting
/// `wrap_<intrinsic>` (engine intrinsics left as imports) and a fallback module.
pub struct WasmInputs {
    pub c_build: Loaded,
    pub fallback: Loaded,
    /// `c ~ wasm` runs the C layer linked with the fallback module (its engine-intrinsic
    /// imports answered by the fallback's exports), as a program runs where the engine has
    /// no native lowering. Off, the imports are the engine model: the C layer alone.
    pub link_fallback: bool,
}

impl WasmInputs {
    /// The checked-in builds (c/prebuilt), or the given files. A given fallback is linked
    /// into the C layer for `c ~ wasm`: it is the module the user asked about.
    pub fn load(c_build: Option<&Path>, fallback: Option<&Path>) -> WasmInputs {
        let prebuilt = crate::repo_root().join("c/prebuilt");
        WasmInputs {
            c_build: Loaded::load(c_build.unwrap_or(&prebuilt.join("wrappers_imports.wasm"))),
            fallback: Loaded::load(fallback.unwrap_or(&prebuilt.join("fallback_only.wasm"))),
            link_fallback: fallback.is_some(),
        }
    }

    /// The modules `c ~ wasm` runs, with their roles.
    pub fn c_layer_modules(&self) -> Vec<(&'static str, &Loaded)> {
        let mut v = vec![("c-build", &self.c_build)];
        if self.link_fallback {
            v.push(("fallback", &self.fallback));
        }
        v
    }
}

/// The C layer's engine-intrinsic imports answered by the fallback module's exports of the
/// same names (each call a fresh instance: fallbacks keep no state between calls).
struct LinkedFallback<'a> {
    module: &'a WasmModule,
    path: &'a Path,
    import_module: &'a str,
}

impl<D: Domain> models::wasm::ImportHandler<D> for LinkedFallback<'_> {
    fn call(&mut self, d: &mut D, module: &str, name: &str, args: &[D::V]) -> Result<Vec<D::V>> {
        if module != self.import_module {
            bail!(
                "import `{module}`.`{name}` is not an engine intrinsic (module `{}`)",
                self.import_module
            );
        }
        Instance::new(self.module)
            .call_export(d, name, args, &mut NoImports)
            .with_context(|| format!("the linked fallback {} running {name}", self.path.display()))
    }
}

/// Everything an obligation is built from.
pub struct Ctx<'a> {
    pub spec: &'a Spec,
    pub variant: Option<&'a Variant>,
    pub isa_dir: PathBuf,
    pub wasm: &'a WasmInputs,
}

impl Ctx<'_> {
    pub fn intrinsic(&self, name: &str) -> Result<&Intrinsic> {
        self.spec
            .intrinsic(name)
            .ok_or_else(|| anyhow!("no intrinsic `{name}` in {}", self.spec.path.display()))
    }

    fn mutations(&self, layer: Layer, intrinsic: &str) -> Vec<Mutation> {
        self.variant
            .map(|v| v.mutations_for(layer, intrinsic))
            .unwrap_or_default()
    }

    fn table_mutations(&self, intr: &Intrinsic) -> Vec<crate::variant::Planted> {
        self.variant
            .map(|v| v.table_mutations(&intr.name))
            .unwrap_or_default()
    }

    /// The engine's compiled call of `intr` in lowering (D).
    pub fn native_plan(&self, intr: &Intrinsic) -> Result<NativePlan> {
        native::plan(self.spec, intr, &self.table_mutations(intr))
    }

    /// The native entry (placeholder, operand map, effects) of `intr`'s instruction.
    pub fn native_entry(&self, intr: &Intrinsic) -> Result<lowering::native::NativeEntry> {
        native::entry_with(intr, &self.table_mutations(intr))
    }

    /// The CLIF the engine's portable lowering emits for a call of `intr` on its params
    /// (with planted `clif` bugs).
    fn portable_function(
        &self,
        intr: &Intrinsic,
    ) -> Result<lowering::reexport::cranelift_codegen::ir::Function> {
        let muts = self.mutations(Layer::Clif, &intr.name);
        let table =
            lowering::LoweringTable::new(std::slice::from_ref(self.spec), lowering::Mode::Portable)
                .with_portable_mutations(intr.instruction, muts);
        let id = table
            .resolve(&self.spec.import_module, &intr.engine.name)
            .ok_or_else(|| anyhow!("the lowering table does not resolve {}", intr.engine.name))?;
        table.call_site_function(id, intr.engine.params.len())
    }

    /// The x86-64 machine code lowering (E) compiles a call of `intr` to (with planted `x86`
    /// bugs), decoded: the code (constant pool included) and its instructions up to `ret`.
    pub fn x86_code(&self, intr: &Intrinsic) -> Result<(Vec<u8>, X86Ops)> {
        let table = self.x86_table(intr);
        let id = table
            .resolve(&self.spec.import_module, &intr.engine.name)
            .ok_or_else(|| anyhow!("the lowering table does not resolve {}", intr.engine.name))?;
        let code = lowering::x86::compile_call_site(&table, id, intr.engine.params.len())
            .with_context(|| {
                format!("compiling a call of {} with lowering (E)", intr.engine.name)
            })?;
        let ops = models::x86::code::decode_function(&code)
            .with_context(|| format!("the x86 code of {}", intr.engine.name))?;
        Ok((code, ops))
    }

    /// The lowering table in mode (E), with planted `x86` bugs.
    fn x86_table(&self, intr: &Intrinsic) -> lowering::LoweringTable {
        let replaced: Vec<(usize, lowering::x86::Step)> = self
            .table_mutations(intr)
            .into_iter()
            .filter_map(|p| match p {
                crate::variant::Planted::X86Step(i, s) => Some((i, s)),
                _ => None,
            })
            .collect();
        lowering::LoweringTable::new(std::slice::from_ref(self.spec), lowering::Mode::X86Native)
            .with_x86_steps(intr.instruction, replaced)
    }

    /// The instruction table's register operands of `intr`'s instruction (with planted bugs).
    pub fn operands(&self, intr: &Intrinsic) -> Vec<Operand> {
        native::operands_with(intr, &self.table_mutations(intr))
    }

    /// ARM's trace for instruction `m`. `isa_dir` is the shared ISA directory holding one
    /// `aarch64-<family>/` directory per family (or, as a shortcut, one family's directory).
    pub fn trace_path(&self, m: Mnemonic) -> PathBuf {
        let direct = self
            .isa_dir
            .join(format!("{}.smt", m.name().to_lowercase()));
        if direct.exists() {
            return direct;
        }
        models::arm::trace_path(&self.isa_dir, m)
    }

    /// The engine intrinsics the C-layer build may import: this family's.
    pub fn engine_imports(&self) -> EngineImports {
        EngineImports::new(std::slice::from_ref(self.spec))
    }
}

fn arg_width(intr: &Intrinsic, i: usize) -> u32 {
    intr.arguments[i].ctype.value_bits().unwrap_or(32)
}

/// Registers the spec's instruction word touches, whose prior contents are free.
fn old_registers(intr: &Intrinsic) -> Result<Vec<u8>> {
    Ok(decode_for(intr)?.registers())
}

/// The free inputs of an obligation. `arm_extra` lists the undefined values
/// of ARM's trace (only for `aarch64 ~ arm`).
pub fn inputs(ctx: &Ctx, ob: &Obligation, arm_extra: &[(String, u32)]) -> Result<Vec<Input>> {
    let intr = ctx.intrinsic(&ob.intrinsic)?;
    let input = |name: String, width| Input { name, width };
    let engine_params = || -> Vec<Input> {
        intr.engine
            .params
            .iter()
            .map(|p| input(intr.arguments[p.from].name.clone(), 128))
            .collect()
    };
    let olds = || -> Result<Vec<Input>> {
        Ok(old_registers(intr)?
            .into_iter()
            .map(|r| input(format!("old.V{r}"), 128))
            .collect())
    };
    Ok(match ob.kind {
        Kind::Refines {
            left: Layer::C,
            right: Layer::Engine | Layer::Wasm,
        } => {
            let mut v: Vec<Input> = (0..intr.arguments.len())
                .map(|i| input(intr.arguments[i].name.clone(), arg_width(intr, i)))
                .collect();
            v.extend(olds()?);
            v
        }
        Kind::Refines {
            left: Layer::Engine,
            right: Layer::Aarch64,
        } => {
            let mut v = engine_params();
            v.extend(olds()?);
            v
        }
        Kind::Refines {
            left: Layer::Aarch64,
            right: Layer::Arm,
        } => {
            let mut v: Vec<Input> = (0..3).map(|r| input(format!("V{r}"), 128)).collect();
            v.extend(arm_extra.iter().map(|(n, w)| input(n.clone(), *w)));
            v
        }
        Kind::Lanes { param } => {
            let mut v = engine_params();
            v.push(input(
                format!(
                    "alt.{}",
                    intr.arguments[intr.engine.params[param].from].name
                ),
                128,
            ));
            v
        }
        Kind::Refines {
            left: Layer::X86,
            right: Layer::Engine,
        } => {
            let mut v = engine_params();
            let (_, ops) = ctx.x86_code(intr)?;
            let params = intr.engine.params.len() as u8;
            for r in models::x86::code::read_before_written(&ops) {
                if r >= params {
                    v.push(input(format!("old.xmm{r}"), 128));
                }
            }
            v
        }
        Kind::Refines {
            left: Layer::Wasm | Layer::Clif,
            right: Layer::Engine,
        }
        | Kind::Forwarding { .. }
        | Kind::ConstantTime => engine_params(),
        Kind::Refines {
            left: Layer::Native,
            right: Layer::Engine,
        } => {
            let mut v = engine_params();
            for r in ctx.native_plan(intr)?.touched {
                v.push(input(format!("old.V{r}"), 128));
            }
            v
        }
        Kind::Operand { field } => {
            let inst = Inst::canonical(intr.instruction);
            let mut v: Vec<Input> = inst
                .registers()
                .into_iter()
                .map(|r| input(format!("V{r}"), 128))
                .collect();
            v.push(input(format!("alt.V{}", inst.reg(field)), 128));
            v
        }
        Kind::Effects => vec![],
        Kind::Rewrite { rule } => (0..lowering::x86::REWRITE_RULES[rule].params)
            .map(|p| input(format!("p{p}"), 128))
            .collect(),
        Kind::Refines { left, right } => bail!("no obligation between layers {left} and {right}"),
    })
}

type Steps<V> = Vec<Labelled<V>>;
type X86Ops = Vec<(usize, models::x86::code::Op)>;

/// Run CLIF of lowering (E) on the CLIF model, its x86 markers on the SDM model; the labelled
/// operands and result of each x86 instruction, and the function's result.
fn run_x86_clif<D: Domain>(
    d: &mut D,
    func: &lowering::reexport::cranelift_codegen::ir::Function,
    params: &[D::V],
) -> Result<(Steps<D::V>, D::V)> {
    let mut steps = Vec::new();
    let out = models::clif::run_function_with_calls(d, func, params, &mut |d, name, args| {
        let Some(inst) = lowering::x86::x86_marker_name(func, name) else {
            return Ok(None);
        };
        let zero = d.constant(Bits::zero(128));
        let xmm0 = args.get(2).unwrap_or(&zero);
        let r = models::x86::execute(d, inst, &args[0], &args[1], xmm0);
        let operands = if inst.reads_xmm0() { 3 } else { 2 };
        for (name, v) in ["xmm1", "xmm2", "xmm0"].iter().zip(args).take(operands) {
            steps.push(label(format!("  {} {name}", inst.mnemonic()), v.clone()));
        }
        steps.push(label(format!("{inst}"), r.clone()));
        Ok(Some(vec![r]))
    })
    .context("running lowering (E)'s CLIF")?;
    Ok((steps, out[0].clone()))
}

/// One run of an intrinsic's fallback export, with what its inputs decided along the way.
pub struct FallbackRun<V> {
    /// The result, or why the run stopped (a trap, or a branch it could not follow).
    pub result: Result<Vec<V>>,
    /// Addresses, branch conditions and trap conditions that were not constants, in order.
    pub leaks: Vec<Leak<V>>,
}

/// Run the fallback of `intr` on the engine params. Errs only when the module cannot be
/// run at all (unreadable, export missing or of the wrong type).
pub fn run_fallback<D: Domain>(
    d: &mut D,
    ctx: &Ctx,
    intr: &Intrinsic,
    params: &[D::V],
) -> Result<FallbackRun<D::V>> {
    let module = ctx.wasm.fallback.get()?;
    let name = &intr.engine.name;
    let path = ctx.wasm.fallback.path.display();
    let v128s = vec![ValType::V128; params.len()];
    check_signature(module, name, &v128s, &[ValType::V128])
        .with_context(|| format!("fallback module {path}"))?;
    let mut instance = Instance::new(module);
    let result = instance
        .call_export(d, name, params, &mut NoImports)
        .with_context(|| format!("running {name} of {path}"));
    Ok(FallbackRun {
        result,
        leaks: instance.leaks,
    })
}

/// The C arguments and the C layer's (ACLE) result, with any planted bugs.
fn c_layer<D: Domain>(
    d: &mut D,
    ctx: &Ctx,
    intr: &Intrinsic,
    env: &HashMap<String, D::V>,
) -> Result<(Vec<D::V>, D::V)> {
    let args: Vec<D::V> = intr
        .arguments
        .iter()
        .map(|a| get::<D>(env, &a.name))
        .collect::<Result<_>>()?;
    let bg = background(d, env);
    let muts = ctx.mutations(Layer::C, &intr.name);
    let c = run_mutated(d, &muts, &args, |m, a| acle::c_model(m, intr, a, bg), |v| v)?;
    Ok((args, c))
}

pub fn engine_param_values<D: Domain>(
    intr: &Intrinsic,
    env: &HashMap<String, D::V>,
) -> Result<Vec<D::V>> {
    intr.engine
        .params
        .iter()
        .map(|p| get::<D>(env, &intr.arguments[p.from].name))
        .collect()
}

fn label<V>(label: impl Into<String>, value: V) -> Labelled<V> {
    Labelled {
        label: label.into(),
        value,
    }
}

fn get<D: Domain>(env: &HashMap<String, D::V>, name: &str) -> Result<D::V> {
    env.get(name)
        .cloned()
        .ok_or_else(|| anyhow!("internal: no value for input `{name}`"))
}

/// The register file before the instruction: the obligation's `old.V*` inputs
/// where it has them, zero elsewhere.
fn background<D: Domain>(d: &mut D, env: &HashMap<String, D::V>) -> RegFile<D::V> {
    let regs = (0..32)
        .map(|r| match env.get(&format!("old.V{r}")) {
            Some(v) => v.clone(),
            None => d.constant(Bits::zero(128)),
        })
        .collect();
    RegFile::new(regs)
}

/// The engine layer: the engine-intrinsic model, with any planted bugs.
fn engine_layer<D: Domain>(
    d: &mut D,
    ctx: &Ctx,
    intr: &Intrinsic,
    params: &[D::V],
) -> Result<D::V> {
    let muts = ctx.mutations(Layer::Engine, &intr.name);
    run_mutated(
        d,
        &muts,
        params,
        |m, p| Ok(engine_model(m, intr.instruction, p)),
        |v| v,
    )
}

/// ARM's semantics for `Inst::canonical(m)`, evaluated in `D` by the caller.
pub type ArmSemantics<'a, D> = dyn FnMut(&mut D, Mnemonic, &HashMap<String, <D as Domain>::V>) -> Result<<D as Domain>::V>
    + 'a;

/// Which half of an operand-effects claim a witness build shows (see [`build`]).
pub const READ_WITNESS: u8 = 0;
pub const WRITE_WITNESS: u8 = 1;

/// Run the AArch64 model (with planted aarch64 bugs) of `intr`'s canonical instruction on
/// `regs`; the new values of the registers it names, in ascending order. One run per
/// register: a concrete value holds at most 256 bits, and terms share the runs' work.
fn model_registers<D: Domain>(
    d: &mut D,
    ctx: &Ctx,
    intr: &Intrinsic,
    regs: &[D::V],
) -> Result<Vec<D::V>> {
    let inst = Inst::canonical(intr.instruction);
    let muts = ctx.mutations(Layer::Aarch64, &intr.name);
    inst.registers()
        .into_iter()
        .map(|r| {
            run_mutated(
                d,
                &muts,
                &[],
                |md, _| {
                    let mut rf = RegFile::new(regs.to_vec());
                    execute(md, inst, &mut rf);
                    Ok(rf.v[r as usize].clone())
                },
                |v| v,
            )
        })
        .collect()
}

/// Build both sides of `ob` on the input values `env`. `witness` asks for a demonstration
/// instead of the obligation itself: for a lane fact, the lane to replace (to show it is
/// observed); for operand effects, [`READ_WITNESS`] or [`WRITE_WITNESS`].
pub fn build<D: Domain>(
    d: &mut D,
    ctx: &Ctx,
    ob: &Obligation,
    env: &HashMap<String, D::V>,
    arm: &mut ArmSemantics<'_, D>,
    witness: Option<u8>,
) -> Result<Sides<D::V>> {
    let intr = ctx.intrinsic(&ob.intrinsic)?;
    match ob.kind {
        Kind::Refines {
            left: Layer::C,
            right: Layer::Engine,
        } => {
            let (args, c) = c_layer(d, ctx, intr, env)?;
            let params = acle::engine_params(d, intr, &args);
            let mut right: Vec<Labelled<D::V>> = intr
                .engine
                .params
                .iter()
                .zip(&params)
                .map(|(p, v)| {
                    label(
                        format!(
                            "{}({}) -> engine param",
                            p.boundary.name(),
                            intr.arguments[p.from].name
                        ),
                        v.clone(),
                    )
                })
                .collect();
            let r = engine_layer(d, ctx, intr, &params)?;
            right.push(label(format!("{} result", intr.engine.name), r.clone()));
            let width = intr.result_type().value_bits().unwrap_or(128);
            let c_result = acle::from_engine(d, intr.engine.result_boundary, &r, width);
            right.push(label(
                format!("{} -> C result", intr.engine.result_boundary.name()),
                c_result,
            ));
            Ok(Sides {
                left: vec![label(format!("{} result ({})", intr.name, intr.result), c)],
                right,
            })
        }
        Kind::Refines {
            left: Layer::Engine,
            right: Layer::Aarch64,
        } => {
            let params: Vec<D::V> = intr
                .engine
                .params
                .iter()
                .map(|p| get::<D>(env, &intr.arguments[p.from].name))
                .collect::<Result<_>>()?;
            let e = engine_layer(d, ctx, intr, &params)?;
            let bg = background(d, env);
            let muts = ctx.mutations(Layer::Aarch64, &intr.name);
            let inst = decode_for(intr)?;
            let a = run_mutated(
                d,
                &muts,
                &params,
                |m, p| acle::engine_on_aarch64(m, intr, p, bg),
                |v| v,
            )?;
            Ok(Sides {
                left: vec![label(format!("{} result", intr.engine.name), e)],
                right: vec![label(format!("`{inst}` result register"), a)],
            })
        }
        Kind::Refines {
            left: Layer::Aarch64,
            right: Layer::Arm,
        } => {
            let m = intr.instruction;
            let mut regs = Vec::new();
            for r in 0..32 {
                regs.push(match env.get(&format!("V{r}")) {
                    Some(v) => v.clone(),
                    None => d.constant(Bits::zero(128)),
                });
            }
            let muts = ctx.mutations(Layer::Aarch64, &intr.name);
            let ours = run_mutated(
                d,
                &muts,
                &[],
                |md, _| {
                    let mut rf = RegFile::new(regs);
                    execute(md, Inst::canonical(m), &mut rf);
                    Ok(rf.v[0].clone())
                },
                |v| v,
            )?;
            let theirs = arm(d, m, env)?;
            Ok(Sides {
                left: vec![label(format!("model `{}`: V0", Inst::canonical(m)), ours)],
                right: vec![label(
                    format!("ARM trace {}.smt: V0", m.name().to_lowercase()),
                    theirs,
                )],
            })
        }
        Kind::Refines {
            left: Layer::C,
            right: Layer::Wasm,
        } => {
            let (args, c) = c_layer(d, ctx, intr, env)?;
            let module = ctx.wasm.c_build.get()?;
            let export = format!("wrap_{}", intr.name);
            let valtype = |t: CType| match t.value_bits() {
                Some(64) => ValType::I64,
                Some(128) => ValType::V128,
                _ => ValType::I32,
            };
            let params: Vec<ValType> = intr.arguments.iter().map(|a| valtype(a.ctype)).collect();
            check_signature(module, &export, &params, &[valtype(intr.result_type())])
                .with_context(|| format!("C-layer build {}", ctx.wasm.c_build.path.display()))?;
            let (out, linked) = if ctx.wasm.link_fallback {
                let mut imports = LinkedFallback {
                    module: ctx.wasm.fallback.get()?,
                    path: &ctx.wasm.fallback.path,
                    import_module: &ctx.spec.import_module,
                };
                let out = run_export(d, module, &export, &args, &mut imports);
                let file = ctx.wasm.fallback.path.file_name().unwrap_or_default();
                (out, format!(", linked with {}", file.to_string_lossy()))
            } else {
                let out = run_export(d, module, &export, &args, &mut ctx.engine_imports());
                (out, String::new())
            };
            let out = out.with_context(|| {
                format!("running {export} of {}", ctx.wasm.c_build.path.display())
            })?;
            Ok(Sides {
                left: vec![label(format!("{} result ({})", intr.name, intr.result), c)],
                right: vec![label(format!("{export} result{linked}"), out[0].clone())],
            })
        }
        Kind::Refines {
            left: Layer::Wasm,
            right: Layer::Engine,
        } => {
            let params = engine_param_values::<D>(intr, env)?;
            let name = &intr.engine.name;
            let out = run_fallback(d, ctx, intr, &params)?.result?;
            let e = engine_layer(d, ctx, intr, &params)?;
            Ok(Sides {
                left: vec![label(format!("fallback {name} result"), out[0].clone())],
                right: vec![label(format!("{name} result"), e)],
            })
        }
        Kind::Refines {
            left: Layer::Clif,
            right: Layer::Engine,
        } => {
            let params = engine_param_values::<D>(intr, env)?;
            let func = ctx.portable_function(intr)?;
            let out = models::clif::run_function(d, &func, &params)
                .context("running the portable lowering's CLIF")?;
            let e = engine_layer(d, ctx, intr, &params)?;
            Ok(Sides {
                left: vec![label(
                    format!(
                        "portable CLIF ({} instructions) result",
                        func.dfg.num_insts()
                    ),
                    out[0].clone(),
                )],
                right: vec![label(format!("{} result", intr.engine.name), e)],
            })
        }
        Kind::Rewrite { rule } => {
            let r = &lowering::x86::REWRITE_RULES[rule];
            let params: Vec<D::V> = (0..r.params)
                .map(|p| get::<D>(env, &format!("p{p}")))
                .collect::<Result<_>>()?;
            let replaced: Vec<(usize, lowering::x86::Step)> = ctx
                .table_mutations(intr)
                .into_iter()
                .filter_map(|p| match p {
                    crate::variant::Planted::X86RewriteStep(name, i, s) if name == r.name => {
                        Some((i, s))
                    }
                    _ => None,
                })
                .collect();
            let (from, to) = r.sequences(&replaced)?;
            let side = |d: &mut D, seq: &lowering::x86::Sequence, what: &str| {
                let func = lowering::x86::sequence_function(seq)?;
                let (mut steps, out) = run_x86_clif(d, &func, &params)?;
                steps.push(label(format!("{what} ({})", r.name), out));
                Ok::<_, anyhow::Error>(steps)
            };
            let left = side(d, &from, "pattern")?;
            let right = side(d, &to, "replacement")?;
            Ok(Sides { left, right })
        }
        Kind::Refines {
            left: Layer::X86,
            right: Layer::Engine,
        } => {
            use models::x86::code::Op;
            let params = engine_param_values::<D>(intr, env)?;
            let (code, ops) = ctx.x86_code(intr)?;
            // SysV: the v128 params arrive in XMM0.., the result leaves in XMM0; any other
            // register the code reads before writing it holds a free prior value.
            let mut xmm = Vec::new();
            for r in 0..16u8 {
                xmm.push(match params.get(usize::from(r)) {
                    Some(p) => p.clone(),
                    None => match env.get(&format!("old.xmm{r}")) {
                        Some(v) => v.clone(),
                        None => d.constant(Bits::zero(128)),
                    },
                });
            }
            let mut regs = models::x86::code::XmmFile { xmm };
            let muts = ctx.mutations(Layer::X86, &intr.name);
            let mut left = Vec::new();
            for (at, op) in &ops {
                let op = *op;
                let (Op::Sse { dst, .. } | Op::Crypto { dst, .. }) = op else {
                    continue;
                };
                let value = run_mutated(
                    d,
                    &muts,
                    &[],
                    |md, _| {
                        models::x86::code::step(md, &code, &mut regs, op);
                        Ok(regs.xmm[usize::from(dst)].clone())
                    },
                    |v| v,
                )?;
                regs.xmm[usize::from(dst)] = value.clone();
                left.push(label(format!("+{at:<3} {op}"), value));
            }
            left.push(label(
                format!(
                    "xmm0 at `ret` (the x86-64 code of lowering (E), {} instructions)",
                    ops.len()
                ),
                regs.xmm[0].clone(),
            ));
            let e = engine_layer(d, ctx, intr, &params)?;
            Ok(Sides {
                left,
                right: vec![label(format!("{} result", intr.engine.name), e)],
            })
        }
        Kind::Refines {
            left: Layer::Native,
            right: Layer::Engine,
        } => {
            let params = engine_param_values::<D>(intr, env)?;
            let plan = ctx.native_plan(intr)?;
            // AAPCS64: the v128 params arrive in V0.., the result leaves in V0.
            let mut regs = background(d, env);
            for (i, p) in params.iter().enumerate() {
                regs.v[i] = p.clone();
            }
            let muts = ctx.mutations(Layer::Native, &intr.name);
            let mut left = Vec::new();
            for (offset, word, step) in &plan.steps {
                let written = match step {
                    native::Step::Inst(inst) => {
                        let inst = *inst;
                        let out = run_mutated(
                            d,
                            &muts,
                            &[],
                            |md, _| {
                                execute(md, inst, &mut regs);
                                Ok(regs.v[inst.rd as usize].clone())
                            },
                            |v| v,
                        )?;
                        regs.v[inst.rd as usize] = out;
                        inst.rd
                    }
                    native::Step::Mov { rd, rn } => {
                        regs.v[*rd as usize] = regs.v[*rn as usize].clone();
                        *rd
                    }
                    native::Step::Frame(_)
                    | native::Step::GeneralPurpose
                    | native::Step::BranchToTrap(_) => continue,
                };
                left.push(label(
                    format!("+{offset:<3} {word:08x}  {:<32} V{written}", step.asm()),
                    regs.v[written as usize].clone(),
                ));
            }
            left.push(label(
                format!(
                    "V0 at `ret` (the engine's code for {}, compiled for AArch64 (D))",
                    intr.engine.name
                ),
                regs.v[0].clone(),
            ));
            let e = engine_layer(d, ctx, intr, &params)?;
            Ok(Sides {
                left,
                right: vec![label(format!("{} result", intr.engine.name), e)],
            })
        }
        Kind::Forwarding { param } => {
            let params = engine_param_values::<D>(intr, env)?;
            let name = &intr.arguments[intr.engine.params[param].from].name;
            // What the program passes and the engine replaces by `name` itself: a lane-0
            // broadcast (observed in lane 0), or the header's u64x2(low half, 0) (observed in
            // the low 64 bits).
            let (passed, what) = if intr.engine.params[param].observes == [0] {
                let lane0 = d.lane(&params[param], 0, 32);
                let broadcast = d.from_lanes(&[lane0.clone(), lane0.clone(), lane0.clone(), lane0]);
                (broadcast, format!("splat(lane0({name}))"))
            } else {
                let low = d.extract(&params[param], 63, 0);
                let zero = d.constant(Bits::zero(64));
                (
                    d.concat(&zero, &low),
                    format!("u64x2(low half of {name}, 0)"),
                )
            };
            let mut as_program = params.clone();
            as_program[param] = passed.clone();
            let program = engine_layer(d, ctx, intr, &as_program)?;
            let forwarded = engine_layer(d, ctx, intr, &params)?;
            Ok(Sides {
                left: vec![
                    label(format!("{what} as the program passes it"), passed),
                    label(format!("{} result", intr.engine.name), program),
                ],
                right: vec![label(
                    format!("{} result with `{name}` forwarded", intr.engine.name),
                    forwarded,
                )],
            })
        }
        Kind::Effects => bail!("register effects are a table check, not a value comparison"),
        Kind::Operand { field } => {
            let inst = Inst::canonical(intr.instruction);
            let named = inst.registers();
            let ops = ctx.operands(intr);
            let op = ops.iter().find(|o| o.field == field).ok_or_else(|| {
                anyhow!(
                    "the instruction table gives {} no {field} operand",
                    inst.mnemonic
                )
            })?;
            let reg = inst.reg(field);
            let regs: Vec<D::V> = (0..32u8)
                .map(|r| match named.contains(&r) {
                    true => get::<D>(env, &format!("V{r}")),
                    false => Ok(d.constant(Bits::zero(128))),
                })
                .collect::<Result<_>>()?;
            let alt = get::<D>(env, &format!("alt.V{reg}"))?;
            let read_bits = if op.access.reads() { op.view.bits() } else { 0 };
            // Bits hi..lo of V<reg> taken from alt.V<reg>.
            let (hi, lo) = match witness {
                // The view is the operand's width in the instruction's syntax; the model
                // may use fewer of its bits (SHA1SU0 reads Vn<63:0>), which the engine's
                // lane facts state. The witness shows the register is read at all.
                Some(READ_WITNESS) => (read_bits - 1, 0),
                _ => (127, read_bits),
            };
            let mixed = if lo > hi {
                regs[reg as usize].clone()
            } else {
                let mut v = d.extract(&alt, hi, lo);
                if hi < 127 {
                    let top = d.extract(&regs[reg as usize], 127, hi + 1);
                    v = d.concat(&top, &v);
                }
                if lo > 0 {
                    let bottom = d.extract(&regs[reg as usize], lo - 1, 0);
                    v = d.concat(&v, &bottom);
                }
                v
            };
            let mut regs2 = regs.clone();
            regs2[reg as usize] = mixed.clone();
            let after = model_registers(d, ctx, intr, &regs)?;
            let index = |r: u8| {
                named
                    .iter()
                    .position(|&x| x == r)
                    .expect("a named register")
            };
            let name = |r: u8| {
                let fields: Vec<String> = Field::ALL
                    .into_iter()
                    .filter(|f| inst.mnemonic.desc().has_field(*f) && inst.reg(*f) == r)
                    .map(|f| f.to_string())
                    .collect();
                format!("V{r} ({})", fields.join(", "))
            };
            if witness == Some(WRITE_WITNESS) {
                return Ok(Sides {
                    left: vec![label(
                        format!("{} after `{inst}`", name(reg)),
                        after[index(reg)].clone(),
                    )],
                    right: vec![label(
                        format!("{} before", name(reg)),
                        regs[reg as usize].clone(),
                    )],
                });
            }
            // The registers the table says are written, after the instruction: with V<reg>
            // as given, and with the bits the table says are not read taken from alt.
            let written: Vec<u8> = ops
                .iter()
                .filter(|o| o.access.writes())
                .map(|o| inst.reg(o.field))
                .collect();
            let after2 = model_registers(d, ctx, intr, &regs2)?;
            let mut left = Vec::new();
            let mixed_label = if lo > hi {
                format!(
                    "{} as given (the table says all 128 bits are read)",
                    name(reg)
                )
            } else {
                format!("{} with bits {hi}..{lo} from alt.V{reg}", name(reg))
            };
            let mut right = vec![label(mixed_label, mixed)];
            let mut compared: Vec<(D::V, D::V)> = Vec::new();
            for &w in &written {
                left.push(label(
                    format!("{} after `{inst}`", name(w)),
                    after[index(w)].clone(),
                ));
                right.push(label(
                    format!("{} after `{inst}`, V{reg} mixed", name(w)),
                    after2[index(w)].clone(),
                ));
                compared.push((after[index(w)].clone(), after2[index(w)].clone()));
            }
            if witness.is_none() {
                // What the table says about writing this register.
                let now = after[index(reg)].clone();
                if !op.access.writes() {
                    left.push(label(
                        format!("{} after `{inst}` (not written)", name(reg)),
                        now.clone(),
                    ));
                    right.push(label(
                        format!("{} before", name(reg)),
                        regs[reg as usize].clone(),
                    ));
                    compared.push((now, regs[reg as usize].clone()));
                } else if op.view.bits() < 128 {
                    let b = op.view.bits();
                    let top = d.extract(&now, 127, b);
                    left.push(label(
                        format!("{} after `{inst}`, bits 127..{b}", name(reg)),
                        top.clone(),
                    ));
                    let zero = d.constant(Bits::zero(128 - b));
                    right.push(label(
                        format!("zero (a {b}-bit write clears them)"),
                        zero.clone(),
                    ));
                    compared.push((top, zero));
                }
            }
            if compared.is_empty() {
                bail!(
                    "the instruction table says {} writes no register",
                    inst.mnemonic
                );
            }
            let join = |d: &mut D, vs: Vec<D::V>| {
                vs.into_iter()
                    .reduce(|lo, hi| d.concat(&hi, &lo))
                    .expect("not empty")
            };
            let (ls, rs): (Vec<D::V>, Vec<D::V>) = compared.into_iter().unzip();
            if ls.len() > 2 {
                bail!(
                    "internal: more than two register values to compare for {}",
                    ob.id
                );
            }
            if ls.len() > 1 {
                let (l, r) = (join(d, ls), join(d, rs));
                left.push(label("compared: the values above, joined", l));
                right.push(label("compared: the values above, joined", r));
            }
            Ok(Sides { left, right })
        }
        Kind::ConstantTime => {
            bail!("constant time compares what two runs of the fallback leak, not layer values")
        }
        Kind::Lanes { param } => {
            let p = &intr.engine.params[param];
            let name = &intr.arguments[p.from].name;
            let params: Vec<D::V> = intr
                .engine
                .params
                .iter()
                .map(|q| get::<D>(env, &intr.arguments[q.from].name))
                .collect::<Result<_>>()?;
            let alt = get::<D>(env, &format!("alt.{name}"))?;
            let replaced: Vec<u32> = match witness {
                Some(l) => vec![l as u32],
                None => (0..4)
                    .filter(|l| !p.observes.contains(&(*l as u8)))
                    .collect(),
            };
            let lanes: Vec<D::V> = (0..4)
                .map(|l| {
                    let src = if replaced.contains(&l) {
                        &alt
                    } else {
                        &params[param]
                    };
                    d.lane(src, l, 32)
                })
                .collect();
            let mixed = d.from_lanes(&lanes);
            let mut params2 = params.clone();
            params2[param] = mixed.clone();
            let a = engine_layer(d, ctx, intr, &params)?;
            let b = engine_layer(d, ctx, intr, &params2)?;
            Ok(Sides {
                left: vec![label(format!("{} result", intr.engine.name), a)],
                right: vec![
                    label(
                        format!("{name} with lanes {replaced:?} from alt.{name}"),
                        mixed,
                    ),
                    label(format!("{} result", intr.engine.name), b),
                ],
            })
        }
        Kind::Refines { left, right } => bail!("no obligation between layers {left} and {right}"),
    }
}
