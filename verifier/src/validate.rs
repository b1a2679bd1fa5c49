//! `verifier validate FILE.wasm`: translation validation of the engine's function-level
//! rewrites on every function of a module, compiled exactly as the engine compiles it. The
//! engine's native lowering table runs with validation on ([`LoweringTable::with_rewrite_validation`]):
//! between Cranelift's mid-end and instruction selection it keeps each function as it was,
//! rewrites it, and proves the two equal with `lowering::translation` (a function whose
//! rewrites are not shown equal is compiled without them). This module collects the verdicts.

use std::fmt;

use anyhow::{Context, Result};
use engine::{compile_object, CompileOptions, ModuleInfo, ObjTarget};
pub use lowering::translation::Verdict;
use lowering::{LoweringTable, Mode};
use serde::Serialize;

use crate::variant::Planted;

lowering::engine_hooks!();

/// A native lowering whose rewrites are validated.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum NativeLowering {
    /// (D), AArch64 objects.
    Aarch64Native,
    /// (E), x86-64.
    X86Native,
}

impl NativeLowering {
    pub const ALL: [NativeLowering; 2] = [NativeLowering::Aarch64Native, NativeLowering::X86Native];

    fn mode(self) -> Mode {
        match self {
            NativeLowering::Aarch64Native => Mode::Aarch64Native,
            NativeLowering::X86Native => Mode::X86Native,
        }
    }

    fn target(self) -> ObjTarget {
        match self {
            NativeLowering::Aarch64Native => ObjTarget::Aarch64,
            NativeLowering::X86Native => ObjTarget::X86_64,
        }
    }
}

impl fmt::Display for NativeLowering {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            NativeLowering::Aarch64Native => "aarch64-native",
            NativeLowering::X86Native => "x86-native",
        })
    }
}

/// One function's validation.
#[derive(Clone, Debug)]
pub struct FunctionReport {
    pub lowering: NativeLowering,
    /// Wasm function index.
    pub index: u32,
    /// Its name (export or name section) or `func[<index>]`.
    pub label: String,
    pub rewrites: &'static str,
    pub verdict: Verdict,
    /// Whether the rewritten function is the one compiled.
    pub applied: bool,
}

/// Whether `validate` applies this planted bug (a bug in a rewrite it validates).
pub fn applies(p: &Planted) -> bool {
    matches!(p, Planted::X86RewriteStep(..) | Planted::CarryReadsLane(_))
}

/// Compile `wasm` with `lowering` (and the planted rewrite bugs of a corpus case, if any),
/// validating the rewrites of every function.
pub fn validate_module(
    wasm: &[u8],
    lowering: NativeLowering,
    planted: &[Planted],
) -> Result<Vec<FunctionReport>> {
    let info = ModuleInfo::parse(wasm).context("parsing the module")?;
    let mut table = LoweringTable::all(lowering.mode())?.with_rewrite_validation(true);
    for p in planted {
        match p {
            Planted::X86RewriteStep(rule, index, step) => {
                table = table.with_x86_rule_steps(rule, vec![(*index, step.clone())]);
            }
            Planted::CarryReadsLane(lane) => table = table.with_planted_carry_read_lane(*lane),
            _ => {}
        }
    }
    let portable = LoweringTable::all(Mode::Portable)?;
    let (n, p) = (LoweringHooks(&table), LoweringHooks(&portable));
    let opts = CompileOptions {
        lowering: &n,
        post_pass: Some(&n),
        fallback: Some(&p),
    };
    compile_object(wasm, lowering.target(), &opts)
        .with_context(|| format!("compiling the module with --lowering {lowering}"))?;
    // One validation per defined function, in order: the engine compiles each once with the
    // post-pass (a fallback compilation has none).
    let first = info.num_imported_funcs();
    let validations = table.take_validations();
    let defined = info.func_types.len() as u32 - first;
    anyhow::ensure!(
        validations.len() == defined as usize,
        "internal: {} validations for {defined} functions",
        validations.len()
    );
    Ok(validations
        .into_iter()
        .enumerate()
        .map(|(i, v)| {
            let index = first + i as u32;
            FunctionReport {
                lowering,
                index,
                label: info.func_label(index),
                rewrites: v.rewrites,
                verdict: v.verdict,
                applied: v.applied,
            }
        })
        .collect())
}

#[derive(Serialize)]
struct JsonReport<'a> {
    lowering: String,
    index: u32,
    function: &'a str,
    rewrites: &'a str,
    verdict: &'static str,
    /// Values compared (proved), or what differs (refuted) / why not decided (unknown).
    detail: String,
    applied: bool,
}

/// The reports as JSON (one object per function and lowering).
pub fn to_json(reports: &[FunctionReport]) -> serde_json::Value {
    let rows: Vec<JsonReport> = reports
        .iter()
        .map(|r| JsonReport {
            lowering: r.lowering.to_string(),
            index: r.index,
            function: &r.label,
            rewrites: r.rewrites,
            verdict: r.verdict.name(),
            detail: match &r.verdict {
                Verdict::Unchanged => String::new(),
                Verdict::Proved { observables } => format!("{observables} values compared"),
                Verdict::Refuted(m) => m.to_string(),
                Verdict::Unsupported(why) => why.clone(),
            },
            applied: r.applied,
        })
        .collect();
    serde_json::to_value(rows).expect("plain data")
}
