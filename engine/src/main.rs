//! `engine` command line: run Wasm exports on this host (JIT) or emit native objects.

use anyhow::{bail, Context as _, Result};
use clap::{Parser, Subcommand, ValueEnum};
use cli_stdout::{out, outln};
use engine::{
    compile_object, CallError, CompileOptions, Config, Instance, NoIntrinsics, ObjTarget, Val,
    WasmTy,
};
use lowering::{LoweringTable, Mode};
use std::path::PathBuf;

lowering::engine_hooks!();

#[derive(Parser)]
#[command(
    name = "engine",
    about = "Cranelift-based WebAssembly engine with a hook for inline intrinsic lowerings",
    long_about = "Cranelift-based WebAssembly engine.\n\n\
        `run` compiles a module with the x86-64/host JIT and calls one export; \
        `compile` emits a relocatable ELF object (aarch64 or x86_64) whose exports are \
        `wasm_<name>(WasmVmCtx *vm, ...)`, to link with engine/support/wasm_rt.c and a C driver.\n\n\
        Memory accesses are bounds-checked; traps (out of bounds, unreachable, divide by zero, \
        integer overflow, call stack exhausted) are reported, never crash the host."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Lowering {
    /// No intrinsics: any function import is an error.
    None,
    /// The `wasm_arm_neon` intrinsics of every spec family as pure CLIF generated from the
    /// engine model (any target).
    Portable,
    /// Each intrinsic as its single AArch64 instruction (register-shape placeholders
    /// re-encoded after compilation); functions failing the guards fall back to `portable`.
    /// aarch64 only.
    Aarch64Native,
    /// Lowering (E): each intrinsic as a short x86 SHA-NI/AES-NI/PCLMULQDQ sequence proved
    /// by `verifier check -l x86~engine`; x86-64 JIT (`run`) only, and only on a CPU with
    /// SHA, AES, PCLMULQDQ, SSSE3 and SSE4.1 (detected; an error names what is missing).
    /// Functions failing the guards fall back to `portable`.
    X86Native,
    /// The fastest lowering this target can use: `aarch64-native` for aarch64 objects,
    /// `x86-native` on an x86-64 host JIT with the features, `portable` otherwise.
    Auto,
}

/// Where the code goes: which native lowerings can apply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum CodeTarget {
    Aarch64,
    /// This host, through the JIT.
    HostJit,
    /// An object for another machine (or a CLIF dump).
    Other,
}

impl CodeTarget {
    /// The native lowering `auto` chooses.
    fn auto(self) -> Lowering {
        match self {
            CodeTarget::Aarch64 => Lowering::Aarch64Native,
            CodeTarget::HostJit
                if cfg!(target_arch = "x86_64")
                    && lowering::x86::missing_host_features().is_empty() =>
            {
                Lowering::X86Native
            }
            _ => Lowering::Portable,
        }
    }
}

/// Lowering options shared by the subcommands.
#[derive(clap::Args, Clone, Copy, Debug)]
struct LoweringArgs {
    /// Intrinsic lowering table for imported functions.
    #[arg(long, value_enum, default_value = "none")]
    lowering: Lowering,
    /// Do not replace lane-0 broadcasts feeding parameters the spec says are observed in
    /// lane 0 only (for measurements).
    #[arg(long)]
    no_lane0_forwarding: bool,
    /// Translation-validate the native lowerings' function-level rewrites while compiling
    /// (what `verifier validate` reports): a function whose rewrites are not proved equal to
    /// the function before them is compiled without them, with a warning.
    #[arg(long)]
    validate_rewrites: bool,
}

/// Warn about every function whose rewrites validation did not show (and say how many were
/// shown, so the option visibly did something).
fn report_validations(table: &LoweringTable) {
    let all = table.take_validations();
    for v in all.iter().filter(|v| !v.applied) {
        eprintln!(
            "warning: function {}: rewrites not applied ({}): {}",
            v.function, v.rewrites, v.verdict
        );
    }
    let shown = all.iter().filter(|v| v.applied).count();
    eprintln!(
        "validated rewrites: {shown} of {} functions kept them",
        all.len()
    );
}

/// Build the lowering tables for `args` and call `f` with the resulting options.
fn with_options<R>(
    args: LoweringArgs,
    target: CodeTarget,
    f: impl FnOnce(&CompileOptions) -> Result<R>,
) -> Result<R> {
    let aarch64_target = target == CodeTarget::Aarch64;
    let forward = !args.no_lane0_forwarding;
    let table = |mode| -> Result<LoweringTable> {
        Ok(LoweringTable::all(mode)?
            .with_forward_lane0(forward)
            .with_rewrite_validation(args.validate_rewrites))
    };
    let lowering = match args.lowering {
        Lowering::Auto => target.auto(),
        other => other,
    };
    match lowering {
        Lowering::None => f(&CompileOptions::new(&NoIntrinsics)),
        Lowering::Portable => {
            let t = table(Mode::Portable)?;
            f(&CompileOptions::new(&LoweringHooks(&t)))
        }
        Lowering::Aarch64Native => {
            if !aarch64_target {
                bail!("--lowering aarch64-native needs an aarch64 target (use `compile --target aarch64`)");
            }
            let (native, portable) = (table(Mode::Aarch64Native)?, table(Mode::Portable)?);
            let (n, p) = (LoweringHooks(&native), LoweringHooks(&portable));
            let r = f(&CompileOptions {
                lowering: &n,
                post_pass: Some(&n),
                fallback: Some(&p),
            });
            if args.validate_rewrites {
                report_validations(&native);
            }
            r
        }
        Lowering::X86Native => {
            if target != CodeTarget::HostJit || !cfg!(target_arch = "x86_64") {
                bail!(
                    "--lowering x86-native is for the x86-64 host JIT (`run` on an x86-64 machine)"
                );
            }
            let missing = lowering::x86::missing_host_features();
            if !missing.is_empty() {
                bail!(
                    "--lowering x86-native: this CPU lacks {} (use --lowering portable or auto)",
                    missing.join(", ")
                );
            }
            let (native, portable) = (table(Mode::X86Native)?, table(Mode::Portable)?);
            let (n, p) = (LoweringHooks(&native), LoweringHooks(&portable));
            let r = f(&CompileOptions {
                lowering: &n,
                post_pass: Some(&n),
                fallback: Some(&p),
            });
            if args.validate_rewrites {
                report_validations(&native);
            }
            r
        }
        Lowering::Auto => unreachable!("resolved above"),
    }
}

#[derive(Subcommand)]
enum Command {
    /// JIT-compile FILE and call an export; prints one result per line (v128 as 0x hex).
    /// Exits with status 2 and the trap message if the call traps, and with status 3 if it
    /// has not returned after --timeout seconds.
    Run {
        /// The .wasm module.
        file: PathBuf,
        /// Export to call.
        #[arg(long)]
        invoke: String,
        /// Arguments: decimal or 0x-hex integers (negative ones too), v128 as one 0x-prefixed
        /// 128-bit hex number. Each must fit its parameter's type (i32 as signed or unsigned).
        #[arg(allow_negative_numbers = true)]
        args: Vec<String>,
        /// Give up on a call that has not returned after this many seconds (the JIT code
        /// cannot be interrupted, so the process ends).
        #[arg(long, default_value_t = 60.0)]
        timeout: f64,
        #[command(flatten)]
        lowering: LoweringArgs,
    },
    /// Print the CLIF the translator produces for one function (by function index).
    Clif {
        file: PathBuf,
        /// Function index (imports count first).
        #[arg(long)]
        func: u32,
        /// Show the CLIF after Cranelift's mid-end (and the lowering's pre-lowering pass), as
        /// instruction selection sees it, for --target.
        #[arg(long)]
        optimized: bool,
        /// Target of --optimized: aarch64 or x86_64.
        #[arg(long, default_value = "aarch64", requires = "optimized")]
        target: ObjTarget,
        #[command(flatten)]
        lowering: LoweringArgs,
    },
    /// Compile FILE to a native relocatable object.
    Compile {
        file: PathBuf,
        /// Output object path.
        #[arg(long)]
        emit_obj: PathBuf,
        /// Also write a C header with prototypes of the exports.
        #[arg(long)]
        emit_header: Option<PathBuf>,
        /// aarch64 or x86_64.
        #[arg(long, default_value = "aarch64")]
        target: ObjTarget,
        /// Print a JSON summary on stdout: the object, and each function the native lowering's
        /// guards sent back to the portable one (with the guard), and their count.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        lowering: LoweringArgs,
    },
}

fn read_module(path: &PathBuf) -> Result<Vec<u8>> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    Ok(bytes)
}

fn parse_int(s: &str) -> Result<i128> {
    let (neg, body) = match s.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, s),
    };
    let v = match body.strip_prefix("0x").or_else(|| body.strip_prefix("0X")) {
        Some(hex) => u128::from_str_radix(&hex.replace('_', ""), 16)? as i128,
        None => body.replace('_', "").parse::<i128>()?,
    };
    Ok(if neg { -v } else { v })
}

fn parse_arg(s: &str, ty: WasmTy) -> Result<Val> {
    let v = parse_int(s).with_context(|| format!("bad {} argument `{s}`", ty.name()))?;
    // Signed or unsigned readings of the type's bits; anything else would wrap silently.
    let (lo, hi) = match ty {
        WasmTy::I32 => (i32::MIN as i128, u32::MAX as i128),
        WasmTy::I64 => (i64::MIN as i128, u64::MAX as i128),
        WasmTy::V128 => (i128::MIN, i128::MAX),
    };
    if v < lo || v > hi {
        bail!(
            "{} argument `{s}` is out of range ({lo} ..= {hi})",
            ty.name()
        );
    }
    Ok(match ty {
        WasmTy::I32 => Val::I32(v as i32),
        WasmTy::I64 => Val::I64(v as i64),
        WasmTy::V128 => Val::V128(v as u128),
    })
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            // Plain chained message, no backtrace noise (RUST_BACKTRACE may be set).
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Run {
            file,
            invoke,
            args,
            timeout,
            lowering,
        } => {
            if !(timeout > 0.0 && timeout.is_finite()) {
                bail!("--timeout must be a positive number of seconds, got {timeout}");
            }
            let wasm = read_module(&file)?;
            let target = if cfg!(target_arch = "aarch64") {
                CodeTarget::Aarch64
            } else {
                CodeTarget::HostJit
            };
            let mut inst = with_options(lowering, target, |opts| {
                Instance::with_options(&wasm, opts, Config::default())
            })
            .with_context(|| format!("instantiating {}", file.display()))?;
            let Some(sig) = inst.export_sig(&invoke).cloned() else {
                bail!(
                    "no exported function `{invoke}` (exports: {})",
                    inst.export_names().join(", ")
                );
            };
            if sig.params.len() != args.len() {
                bail!(
                    "`{invoke}` takes {} arguments, got {}",
                    sig.params.len(),
                    args.len()
                );
            }
            let vals = args
                .iter()
                .zip(&sig.params)
                .map(|(a, t)| parse_arg(a, *t))
                .collect::<Result<Vec<_>>>()?;
            // The call runs on a worker thread; this one ends the process if it overruns.
            let (done, finished) = std::sync::mpsc::channel();
            let worker = std::thread::spawn(move || {
                let r = inst.call(&invoke, &vals);
                let _ = done.send(());
                (invoke, r)
            });
            if finished
                .recv_timeout(std::time::Duration::from_secs_f64(timeout))
                .is_err()
            {
                eprintln!(
                    "error: the call has not returned after {timeout} s (--timeout); stopping"
                );
                std::process::exit(3);
            }
            let (invoke, result) = worker
                .join()
                .map_err(|_| anyhow::anyhow!("the engine panicked during the call"))?;
            match result {
                Ok(results) => {
                    for r in results {
                        outln!("{r}");
                    }
                }
                Err(CallError::Trap(trap)) => {
                    eprintln!("{trap}");
                    std::process::exit(2);
                }
                Err(e) => return Err(anyhow::Error::from(e).context(format!("calling `{invoke}`"))),
            }
        }
        Command::Clif {
            file,
            func,
            optimized,
            target,
            lowering,
        } => {
            let wasm = read_module(&file)?;
            // Without --optimized this is the translator's output, the same for any target.
            // x86-64 CLIF on an x86-64 host is what the host JIT would compile.
            let code_target = if !optimized || matches!(target, ObjTarget::Aarch64) {
                CodeTarget::Aarch64
            } else if cfg!(target_arch = "x86_64") {
                CodeTarget::HostJit
            } else {
                CodeTarget::Other
            };
            let clif = with_options(lowering, code_target, |opts| {
                let isa = match optimized {
                    true => Some(engine::compile::isa_for_triple(target.triple())?),
                    false => None,
                };
                engine::compile::function_clif_for(&wasm, opts, func, isa.as_deref())
            })?;
            out!("{clif}");
        }
        Command::Compile {
            file,
            emit_obj,
            emit_header,
            target,
            json,
            lowering,
        } => {
            let wasm = read_module(&file)?;
            let code_target = match target {
                ObjTarget::Aarch64 => CodeTarget::Aarch64,
                _ => CodeTarget::Other,
            };
            let art = with_options(lowering, code_target, |opts| {
                compile_object(&wasm, target, opts)
            })
            .with_context(|| format!("compiling {}", file.display()))?;
            // Unverified code is never emitted, but a slower lowering must not go unnoticed.
            let info = engine::ModuleInfo::parse(&wasm)?;
            let fallbacks: Vec<serde_json::Value> = art
                .fallbacks
                .iter()
                .map(|(func, guard)| {
                    let name = info.func_label(*func);
                    eprintln!(
                        "warning: function {name} (index {func}) compiled with the portable \
                         lowering: the native lowering's guard failed: {guard}"
                    );
                    serde_json::json!({"function": func, "name": name, "guard": guard})
                })
                .collect();
            if json {
                let summary = serde_json::json!({
                    "object": emit_obj.display().to_string(),
                    "target": format!("{target:?}").to_lowercase(),
                    "lowering": lowering.lowering.to_possible_value().map(|v| v.get_name().to_string()),
                    "fallback_count": fallbacks.len(),
                    "fallbacks": fallbacks,
                });
                outln!("{}", serde_json::to_string_pretty(&summary)?);
            }
            std::fs::write(&emit_obj, &art.object)
                .with_context(|| format!("writing {}", emit_obj.display()))?;
            if let Some(h) = emit_header {
                std::fs::write(&h, &art.header)
                    .with_context(|| format!("writing {}", h.display()))?;
            }
        }
    }
    Ok(())
}
