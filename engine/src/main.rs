//! `engine` command line: run Wasm exports on this host (JIT) or emit native objects.

use anyhow::{bail, Context as _, Result};
use clap::{Parser, Subcommand, ValueEnum};
use engine::{
    compile_object, CallError, CompileOptions, Instance, NoIntrinsics, ObjTarget, Val, WasmTy,
};
use std::path::PathBuf;

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

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Lowering {
    /// No intrinsics: any function import is an error.
    None,
}

#[derive(Subcommand)]
enum Command {
    /// JIT-compile FILE and call an export; prints one result per line (v128 as 0x hex).
    /// Exits with status 2 and the trap message if the call traps.
    Run {
        /// The .wasm module.
        file: PathBuf,
        /// Export to call.
        #[arg(long)]
        invoke: String,
        /// Arguments: decimal or 0x-hex integers, v128 as one 0x-prefixed 128-bit hex number.
        #[arg(allow_hyphen_values = true)]
        args: Vec<String>,
        /// Intrinsic lowering table for imported functions.
        #[arg(long, value_enum, default_value = "none")]
        lowering: Lowering,
    },
    /// Print the CLIF the translator produces for one function (by function index).
    Clif {
        file: PathBuf,
        /// Function index (imports count first).
        #[arg(long)]
        func: u32,
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
        #[arg(long, value_enum, default_value = "none")]
        lowering: Lowering,
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
            lowering: Lowering::None,
        } => {
            let wasm = read_module(&file)?;
            let mut inst = Instance::new(&wasm, &NoIntrinsics)
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
            match inst.call(&invoke, &vals) {
                Ok(results) => {
                    for r in results {
                        println!("{r}");
                    }
                }
                Err(CallError::Trap(trap)) => {
                    eprintln!("{trap}");
                    std::process::exit(2);
                }
                Err(e) => return Err(e.into()),
            }
        }
        Command::Clif { file, func } => {
            let wasm = read_module(&file)?;
            print!(
                "{}",
                engine::compile::function_clif(&wasm, &NoIntrinsics, func)?
            );
        }
        Command::Compile {
            file,
            emit_obj,
            emit_header,
            target,
            lowering: Lowering::None,
        } => {
            let wasm = read_module(&file)?;
            let art = compile_object(&wasm, target, &CompileOptions::new(&NoIntrinsics))
                .with_context(|| format!("compiling {}", file.display()))?;
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
