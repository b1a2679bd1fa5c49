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
use spec::{CType, Intrinsic, Spec};

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
}

impl WasmInputs {
    /// The checked-in builds (c/prebuilt), or the given files.
    pub fn load(c_build: Option<&Path>, fallback: Option<&Path>) -> WasmInputs {
        let prebuilt = crate::repo_root().join("c/prebuilt");
        WasmInputs {
            c_build: Loaded::load(c_build.unwrap_or(&prebuilt.join("wrappers_imports.wasm"))),
            fallback: Loaded::load(fallback.unwrap_or(&prebuilt.join("fallback_only.wasm"))),
        }
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

    pub fn native_plan(&self, intr: &Intrinsic) -> Result<NativePlan> {
        let planted = self
            .variant
            .map(|v| v.native_mutations(&intr.name))
            .unwrap_or_default();
        native::plan(intr, &planted)
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
        Kind::Effects => vec![],
        Kind::Refines { left, right } => bail!("no obligation between layers {left} and {right}"),
    })
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

/// Build both sides of `ob` on the input values `env`. With `probe_lane`,
/// a lane-fact obligation replaces only that lane (to show it is observed).
pub fn build<D: Domain>(
    d: &mut D,
    ctx: &Ctx,
    ob: &Obligation,
    env: &HashMap<String, D::V>,
    arm: &mut ArmSemantics<'_, D>,
    probe_lane: Option<u8>,
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
            let out = run_export(d, module, &export, &args, &mut ctx.engine_imports())
                .with_context(|| {
                    format!("running {export} of {}", ctx.wasm.c_build.path.display())
                })?;
            Ok(Sides {
                left: vec![label(format!("{} result ({})", intr.name, intr.result), c)],
                right: vec![label(format!("{export} result"), out[0].clone())],
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
            let muts = ctx.mutations(Layer::Clif, &intr.name);
            let func = lowering::portable::portable_clif_mutated(intr.instruction, &muts);
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
        Kind::Refines {
            left: Layer::Native,
            right: Layer::Engine,
        } => {
            let params = engine_param_values::<D>(intr, env)?;
            let plan = ctx.native_plan(intr)?;
            let mut regs = background(d, env);
            for &(r, pi) in &plan.bindings {
                regs.v[r as usize] = params[pi].clone();
            }
            let muts = ctx.mutations(Layer::Native, &intr.name);
            let inst = plan.inst;
            let out = run_mutated(
                d,
                &muts,
                &[],
                |md, _| {
                    execute(md, inst, &mut regs);
                    Ok(regs.v[plan.result_reg as usize].clone())
                },
                |v| v,
            )?;
            let e = engine_layer(d, ctx, intr, &params)?;
            Ok(Sides {
                left: vec![label(
                    format!(
                        "`{}` written over placeholder {:#010x} ({}): V{}",
                        inst, plan.placeholder_word, plan.entry.placeholder_asm, plan.result_reg
                    ),
                    out,
                )],
                right: vec![label(format!("{} result", intr.engine.name), e)],
            })
        }
        Kind::Forwarding { param } => {
            let params = engine_param_values::<D>(intr, env)?;
            let name = &intr.arguments[intr.engine.params[param].from].name;
            let lane0 = d.lane(&params[param], 0, 32);
            let broadcast = d.from_lanes(&[lane0.clone(), lane0.clone(), lane0.clone(), lane0]);
            let mut as_program = params.clone();
            as_program[param] = broadcast.clone();
            let program = engine_layer(d, ctx, intr, &as_program)?;
            let forwarded = engine_layer(d, ctx, intr, &params)?;
            Ok(Sides {
                left: vec![
                    label(
                        format!("splat(lane0({name})) as the program passes it"),
                        broadcast,
                    ),
                    label(format!("{} result", intr.engine.name), program),
                ],
                right: vec![label(
                    format!("{} result with `{name}` forwarded", intr.engine.name),
                    forwarded,
                )],
            })
        }
        Kind::Effects => bail!("register effects are a table check, not a value comparison"),
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
            let replaced: Vec<u32> = match probe_lane {
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
