//! `verifier`: the command line. See `verifier --help`.

use cli_stdout::{out, outln};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{anyhow, bail, Context, Result};
use clap::{Args, Parser, Subcommand};
use models::Bits;
use verifier::build::{self, Ctx, WasmInputs};
use verifier::check::{self, Options, Verdict};
use verifier::counterexample::{differing_lanes, lanes_text, Counterexample};
use verifier::layer::Layer;
use verifier::obligation::{self, LayerPair, Listed};
use verifier::repo_root;
use verifier::report;
use verifier::solver::SolverChoice;
use verifier::variant::Variant;

const LAYERS_HELP: &str = "\
LAYERS (a value crosses them top to bottom):
  c        ACLE C intrinsic: the instruction with each argument in the register
           ACLE maps it to (hash_e -> Sn: only bits 31:0 are the argument)
  wasm     Wasm as clang built it: C intrinsics through wasm_arm_neon.h
           (c/prebuilt/wrappers_imports.wasm) and the fallbacks (fallback_only.wasm)
  engine   engine intrinsic __intrinsic_*: v128 in, v128 out, Wasm lane view
  clif     the engine's portable lowering (A), run by the CLIF model
  native   the engine's native lowering (D): the instruction word its post-pass writes
  aarch64  the project's AArch64 model: decoder + ARM pseudocode over registers
  arm      ARM's own semantics: isla traces of ARM's Sail model (../shared/isa)

OBLIGATIONS (per intrinsic, all inputs):
  c ~ wasm          the C intrinsic as compiled equals its ACLE meaning
  c ~ engine        the C layer's boundary conversions + engine intrinsic = ACLE
  wasm ~ engine     the fallback as compiled = the engine intrinsic (whole v128)
  clif ~ engine     the portable CLIF lowering = the engine intrinsic
  native ~ engine   the rewritten native instruction word = the engine intrinsic
  engine ~ aarch64  the engine intrinsic = its instruction word, decoded and run
  aarch64 ~ arm     the project's instruction model = ARM's semantics
  lanes(param)      the engine intrinsic observes exactly the listed lanes
  forward(param)    the engine may drop a lane-0 broadcast in front of param
  effects(native)   the native placeholder's register effects cover the instruction's
  lemma: ...        each boolean-function form used compositionally is Choose/Parity/Majority

FAMILIES: one spec file each, spec/intrinsics/<family>.toml (`verifier list` names them);
  `all` checks every family in one run (one report, each entry naming its family).

EXIT CODES:
  0 every obligation proved   1 counterexample   2 usage error
  3 unknown (timeout, solver gave up)            4 error (bad input, unsupported)

EXAMPLES:
  verifier check sha1
  verifier check all --json
  verifier check sha1 --intrinsic vsha1h_u32 --layers engine~aarch64
  verifier check sha1 --variant tests/broken/sha1h-fills-all-lanes.toml
  verifier check sha1 --fallback their_fallbacks.wasm --layers wasm~engine
  verifier show counterexamples/<file>.json
  verifier eval engine vsha1h_u32 00000000000000000000000000000004
  verifier validate c/prebuilt/sha1_kernel_imports.wasm   (the engine's own rewrites,
                                                           proved per function)
";

#[derive(Parser)]
#[command(
    name = "verifier",
    version,
    about = "Prove the layers of hardware intrinsics in WebAssembly equivalent, for all inputs",
    long_about = "Proves, for every input, that adjacent layers of each intrinsic compute the same \
                  value (C intrinsic, compiled Wasm, engine intrinsic, the engine's CLIF and native lowerings, AArch64 model, ARM's semantics), and prints \
                  and saves a counterexample when they do not.",
    after_help = LAYERS_HELP
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Prove every obligation of a family (e.g. `sha1`), or of `all` families.
    Check(CheckArgs),
    /// List the families; with a family (or `all`), its intrinsics, layers and obligations.
    List {
        family: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Evaluate one layer of one intrinsic on concrete arguments.
    ///
    /// 128-bit arguments are 32 hex digits, lane 3 first (as
    /// printf("%08x%08x%08x%08x", l3, l2, l1, l0) prints them); 32-bit ones are
    /// 8 hex digits. Layer `c` takes the C arguments; `wasm` (the fallback),
    /// `engine`, `clif`, `native`, `aarch64` and `arm` take the engine
    /// intrinsic's v128 params. Prints the result in the
    /// same form.
    Eval {
        layer: Layer,
        intrinsic: String,
        args: Vec<String>,
        /// The intrinsic's family (default: the family that defines it).
        #[arg(long)]
        family: Option<String>,
        /// Apply a corpus case's planted bugs.
        #[arg(long)]
        variant: Option<PathBuf>,
        #[arg(long)]
        isa_dir: Option<PathBuf>,
    },
    /// Translation-validate the engine's own rewrites on every function of a module.
    ///
    /// Compiles FILE.wasm as the engine does with each native lowering and, between
    /// Cranelift's mid-end and instruction selection, proves each function after the
    /// engine's rewrites (lane-0 scalars carried in vectors for aarch64-native; merged
    /// markers, composed shuffles, rewrite rules, dead code removed for x86-native) equal
    /// to the function before them: same blocks, branches and effects, and every value
    /// given to an effect, a branch or a return equal over terms. A function whose rewrites
    /// are not shown equal is compiled without them. Exit 0 if every function is proved or
    /// unchanged, 1 if one is refuted, 3 if one could not be decided, 4 on an error.
    ///
    /// Example: verifier validate c/prebuilt/sha1_kernel_imports.wasm
    Validate {
        /// The module (imports engine intrinsics, as clang builds C against wasm_arm_neon.h).
        file: PathBuf,
        /// aarch64-native, x86-native, or both.
        #[arg(long, default_value = "both")]
        lowering: String,
        /// Apply a case's planted rewrite bugs (`x86-rewrite-step`, `carry-reads-lane`).
        #[arg(long)]
        variant: Option<PathBuf>,
        /// Print JSON on stdout.
        #[arg(long)]
        json: bool,
    },
    /// Print a saved counterexample.
    Show { file: PathBuf },
    /// Re-evaluate every layer of a saved counterexample concretely. Exit 1 if
    /// it still fails, 0 if the layers now agree.
    Replay {
        file: PathBuf,
        #[arg(long)]
        isa_dir: Option<PathBuf>,
    },
}

#[derive(Args)]
struct CheckArgs {
    /// Intrinsic family (the spec file spec/intrinsics/<family>.toml), or `all`.
    family: String,
    /// Only these intrinsics (repeatable).
    #[arg(long = "intrinsic", short = 'i')]
    intrinsics: Vec<String>,
    /// Only these layer pairs (repeatable): c~wasm, c~engine, wasm~engine, clif~engine,
    /// native~engine, engine~aarch64, aarch64~arm, or `lanes`, `forward`, `operands`
    /// (the instruction table's register operands against the AArch64 model), `effects`, `ct`.
    #[arg(long = "layers", short = 'l')]
    layers: Vec<LayerPair>,
    /// Print a JSON report on stdout instead of text (progress stays on stderr).
    #[arg(long)]
    json: bool,
    /// Also write the JSON report to this file.
    #[arg(long)]
    report: Option<PathBuf>,
    /// Also write a JUnit XML report to this file (one test case per obligation; a
    /// counterexample is a failure, an error or `unknown` an error), for CI systems.
    #[arg(long)]
    junit: Option<PathBuf>,
    /// Write every solver query as a self-contained SMT-LIB 2.6 file here.
    #[arg(long)]
    smt_dir: Option<PathBuf>,
    /// z3 (in-process libz3), z3-cli or cvc5 (solver binaries on the SMT-LIB text).
    #[arg(long, default_value = "z3")]
    solver: SolverChoice,
    /// Per-query solver timeout; an expired query is `unknown`, never `proved`.
    #[arg(long, default_value_t = 20_000)]
    timeout_ms: u64,
    /// Apply a corpus case (spec patches and planted model bugs) before checking.
    #[arg(long)]
    variant: Option<PathBuf>,
    /// Where counterexamples are saved.
    #[arg(long)]
    counterexamples: Option<PathBuf>,
    /// Do not save counterexamples.
    #[arg(long)]
    no_save: bool,
    /// Ask the solver even when normalisation already shows equality.
    #[arg(long)]
    no_fast_path: bool,
    /// Give the solver the models' terms as built, without normalising them
    /// (slower; cross-checks the normaliser).
    #[arg(long)]
    no_normalise: bool,
    /// Skip concrete probing: counterexamples come from the solver only.
    #[arg(long)]
    no_probe: bool,
    /// Decide every proved value comparison a second time without the normaliser, on
    /// `--cross-solver`: the report shows both methods, and a refutation replaces the proof.
    #[arg(long)]
    cross_check: bool,
    /// The solver of `--cross-check`.
    #[arg(long, default_value = "cvc5", requires = "cross_check")]
    cross_solver: SolverChoice,
    /// Per-query timeout of `--cross-check` (an expired query leaves the proof standing,
    /// reported as undecided).
    #[arg(long, default_value_t = 10_000, requires = "cross_check")]
    cross_timeout_ms: u64,
    /// Obligations checked in parallel.
    #[arg(long, short = 'j', default_value_t = 2)]
    jobs: usize,
    /// Directory of ARM's traces, one aarch64-<family>/ per family (default: ../shared/isa
    /// next to the repository, or $HWWASM_ISA_DIR).
    #[arg(long)]
    isa_dir: Option<PathBuf>,
    /// Check this fallback module (exports `__intrinsic_*`) instead of c/prebuilt's.
    #[arg(long)]
    fallback: Option<PathBuf>,
    /// Check this C-layer build (exports `wrap_<intrinsic>`) instead of c/prebuilt's.
    #[arg(long)]
    c_build: Option<PathBuf>,
    /// No progress on stderr.
    #[arg(long, short = 'q')]
    quiet: bool,
}

fn default_isa_dir() -> PathBuf {
    std::env::var_os("HWWASM_ISA_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("../shared/isa"))
}

/// The families `arg` names: one family, or every family for `all`.
fn families(arg: &str) -> Result<Vec<String>> {
    if arg == "all" {
        let names = spec::family_names()?;
        spec::load_all()?; // the families must not collide
        return Ok(names);
    }
    Ok(vec![spec::load_family(arg)?.family])
}

/// The family defining intrinsic `name`.
fn family_of(name: &str) -> Result<String> {
    for f in spec::family_names()? {
        if spec::load_family(&f)?.intrinsic(name).is_some() {
            return Ok(f);
        }
    }
    bail!("no family defines an intrinsic `{name}` (see `verifier list all`)")
}

fn load(family: &str, variant: Option<&Path>) -> Result<(spec::Spec, Option<Variant>)> {
    let base = spec::load_family(family)?;
    match variant {
        None => Ok((base, None)),
        Some(p) => {
            let v = Variant::load(p)?;
            if v.family != family {
                bail!(
                    "{}: the case is for family `{}`, not `{family}`",
                    p.display(),
                    v.family
                );
            }
            let patched = v.apply_to_spec(&base)?;
            for m in &v.mutations {
                if let Some(i) = &m.intrinsic {
                    if patched.intrinsic(i).is_none() {
                        bail!("{}: mutation names unknown intrinsic `{i}`", p.display());
                    }
                }
            }
            Ok((patched, Some(v)))
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Check(args) => cmd_check(args),
        Command::List { family, json } => cmd_list(family.as_deref(), json).map(|_| 0),
        Command::Eval {
            layer,
            intrinsic,
            args,
            family,
            variant,
            isa_dir,
        } => cmd_eval(
            layer,
            &intrinsic,
            &args,
            family.as_deref(),
            variant.as_deref(),
            isa_dir,
        )
        .map(|_| 0),
        Command::Show { file } => Counterexample::load(&file).map(|c| {
            out!("{}", c.render());
            0
        }),
        Command::Replay { file, isa_dir } => cmd_replay(&file, isa_dir),
        Command::Validate {
            file,
            lowering,
            variant,
            json,
        } => cmd_validate(&file, &lowering, variant.as_deref(), json),
    };
    match result {
        Ok(code) => ExitCode::from(code as u8),
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(4)
        }
    }
}

/// One family ready to check: its (possibly patched) spec and Wasm inputs.
struct Loaded {
    spec: spec::Spec,
    variant: Option<Variant>,
    wasm: WasmInputs,
}

fn cmd_check(a: CheckArgs) -> Result<i32> {
    // A corpus case belongs to one family: with `all`, check that family.
    let variant_family = match &a.variant {
        Some(p) => Some(Variant::load(p)?.family),
        None => None,
    };
    let names = match (&variant_family, a.family.as_str()) {
        (Some(f), "all") => vec![f.clone()],
        _ => families(&a.family)?,
    };
    let fallback = a.fallback.clone();
    let c_build = a.c_build.clone();
    let mut loaded = Vec::new();
    for f in &names {
        let (spec, variant) = load(f, a.variant.as_deref())?;
        let fallback = fallback
            .clone()
            .or_else(|| variant.as_ref().and_then(|v| v.fallback.clone()));
        let c_build = c_build
            .clone()
            .or_else(|| variant.as_ref().and_then(|v| v.c_build.clone()));
        for p in fallback.iter().chain(&c_build) {
            if !p.exists() {
                bail!("Wasm module {} does not exist", p.display());
            }
        }
        let wasm = WasmInputs::load(c_build.as_deref(), fallback.as_deref());
        // A module the user named must be usable: say so once, not once per obligation.
        for (given, module) in [(&c_build, &wasm.c_build), (&fallback, &wasm.fallback)] {
            if let (Some(_), Err(e)) = (given, &module.module) {
                bail!("{e}");
            }
        }
        loaded.push(Loaded {
            spec,
            variant,
            wasm,
        });
    }
    for i in &a.intrinsics {
        if !loaded.iter().any(|l| l.spec.intrinsic(i).is_some()) {
            let names: Vec<&str> = loaded
                .iter()
                .flat_map(|l| l.spec.intrinsics.iter().map(|i| i.name.as_str()))
                .collect();
            bail!(
                "no intrinsic `{i}` in `{}` (intrinsics: {})",
                a.family,
                names.join(", ")
            );
        }
    }
    let isa_dir = a.isa_dir.clone().unwrap_or_else(default_isa_dir);
    let ctxs: Vec<Ctx> = loaded
        .iter()
        .map(|l| Ctx {
            spec: &l.spec,
            variant: l.variant.as_ref(),
            isa_dir: isa_dir.clone(),
            wasm: &l.wasm,
        })
        .collect();
    let work: Vec<check::Work> = ctxs
        .iter()
        .map(|ctx| check::Work {
            ctx,
            obligations: obligation::all(ctx.spec)
                .into_iter()
                .filter(|o| a.intrinsics.is_empty() || a.intrinsics.contains(&o.intrinsic))
                .filter(|o| a.layers.is_empty() || a.layers.iter().any(|p| p.matches(o)))
                .collect(),
        })
        .collect();
    if work.iter().all(|w| w.obligations.is_empty()) {
        bail!(
            "the filters select no obligation (see `verifier list {}`)",
            a.family
        );
    }
    let opts = Options {
        solver: a.solver,
        timeout_ms: a.timeout_ms,
        smt_dir: a.smt_dir.clone(),
        fast_path: !a.no_fast_path,
        normalise: !a.no_normalise,
        probe: !a.no_probe,
        save_dir: if a.no_save {
            None
        } else {
            Some(
                a.counterexamples
                    .clone()
                    .unwrap_or_else(|| repo_root().join("counterexamples")),
            )
        },
        jobs: a.jobs,
        cross_check: a.cross_check.then_some(check::CrossCheck {
            solver: a.cross_solver,
            timeout_ms: a.cross_timeout_ms,
        }),
    };
    let start = Instant::now();
    let quiet = a.quiet;
    let several = loaded.len() > 1;
    let outcomes = check::run_all(&work, &opts, &|o, n, total| {
        if !quiet {
            let family = if several && o.family != "-" {
                format!("{}: ", o.family)
            } else {
                String::new()
            };
            eprintln!(
                "[{n}/{total}] {:<14} {family}{} ({:.1} ms)",
                o.verdict.name(),
                o.id,
                o.ms
            );
        }
    });
    let wall = start.elapsed().as_secs_f64() * 1e3;
    let summary = report::summary(&outcomes, wall);
    let code = check::exit_code(&outcomes);
    let variant = loaded.first().and_then(|l| l.variant.as_ref());
    let json = report::JsonReport {
        schema: "hwwasm-verifier/report/v2",
        families: loaded.iter().map(|l| l.spec.family.as_str()).collect(),
        specs: loaded
            .iter()
            .map(|l| l.spec.path.display().to_string())
            .collect(),
        variant: variant.map(|v| v.path.display().to_string()),
        solver: a.solver.name(),
        obligations: outcomes.iter().map(report::json_entry).collect(),
        summary,
        exit_code: code,
    };
    let text = serde_json::to_string_pretty(&json)? + "\n";
    if let Some(p) = &a.report {
        std::fs::write(p, &text).with_context(|| format!("cannot write {}", p.display()))?;
    }
    if let Some(p) = &a.junit {
        std::fs::write(p, report::junit(&outcomes, wall))
            .with_context(|| format!("cannot write the JUnit report {}", p.display()))?;
    }
    if a.json {
        out!("{text}");
    } else {
        if let Some(v) = variant {
            outln!("variant {}: {}", v.path.display(), v.description);
        }
        // Which modules the `wasm` layer runs, when they are not the checked-in ones.
        if let Some(l) = loaded
            .first()
            .filter(|_| a.fallback.is_some() || a.c_build.is_some() || variant.is_some())
        {
            let shown = |p: &Path| {
                p.strip_prefix(repo_root())
                    .unwrap_or(p)
                    .display()
                    .to_string()
            };
            outln!("wasm layer: C layer {}", shown(&l.wasm.c_build.path));
            outln!("            fallbacks {}", shown(&l.wasm.fallback.path));
            if l.wasm.link_fallback {
                outln!("            c ~ wasm runs the C layer linked with these fallbacks");
            }
        }
        let mut family = None;
        for o in &outcomes {
            if several && family != Some(&o.family) {
                if o.family == "-" {
                    outln!("lemmas (shared by the families):");
                } else {
                    outln!("family {}:", o.family);
                }
                family = Some(&o.family);
            }
            outln!("{}", report::line(o));
        }
        for o in &outcomes {
            if let Verdict::Counterexample(c) = &o.verdict {
                out!("\n{}", c.render());
            }
        }
        outln!("\n{}", report::summary_line(&json.summary));
    }
    Ok(code)
}

fn cmd_list(family: Option<&str>, json: bool) -> Result<()> {
    let Some(family) = family else {
        // The families, one line each.
        let specs = spec::load_all()?;
        if json {
            let listed: Vec<serde_json::Value> = specs
                .iter()
                .map(|s| {
                    serde_json::json!({
                        "family": s.family,
                        "spec": s.path.display().to_string(),
                        "intrinsics": s.intrinsics.iter().map(|i| i.name.clone()).collect::<Vec<_>>(),
                        "obligations": obligation::all(s).len(),
                    })
                })
                .collect();
            outln!("{}", serde_json::to_string_pretty(&listed)?);
            return Ok(());
        }
        outln!("Families (spec/intrinsics/<family>.toml):");
        for s in &specs {
            let names: Vec<&str> = s.intrinsics.iter().map(|i| i.name.as_str()).collect();
            outln!(
                "  {:<8} {:>3} obligations  {}",
                s.family,
                obligation::all(s).len(),
                names.join(", ")
            );
        }
        outln!("\n`verifier list <family>` (or `all`) shows intrinsics, layers and obligations.");
        return Ok(());
    };
    let specs: Vec<spec::Spec> = families(family)?
        .iter()
        .map(|f| spec::load_family(f))
        .collect::<Result<_>>()?;
    if json {
        let mut listed = Vec::new();
        for spec in &specs {
            for o in obligation::all(spec) {
                let (left, right) = o.layers();
                listed.push(Listed {
                    family: spec.family.clone(),
                    id: o.id.clone(),
                    intrinsic: o.intrinsic.clone(),
                    kind: o.kind_name(),
                    left,
                    right,
                    statement: o.statement(spec),
                });
            }
        }
        outln!("{}", serde_json::to_string_pretty(&listed)?);
        return Ok(());
    }
    for spec in &specs {
        outln!(
            "Family {} ({})\n\nIntrinsics:",
            spec.family,
            spec.path.display()
        );
        for i in &spec.intrinsics {
            outln!(
                "  {:<16} {}  [{} {:#010x}] -> {}",
                i.name,
                i.prototype,
                i.instruction,
                i.encoding,
                i.engine.name
            );
        }
        outln!();
    }
    outln!("Helpers (plain Wasm SIMD, no engine intrinsic; spec/helpers.toml):");
    for h in spec::load_helpers()? {
        outln!("  {:<22} {}", h.name, h.wasm);
    }
    outln!("\nLayers:");
    for l in Layer::ALL {
        outln!("  {:<8} {}", l.name(), l.describe());
    }
    for spec in &specs {
        outln!("\nObligations of {}:", spec.family);
        for o in obligation::all(spec) {
            outln!("  {}\n      {}", o.id, o.statement(spec));
        }
    }
    Ok(())
}

fn parse_arg(text: &str, width: u32, what: &str) -> Result<Bits> {
    let digits = (width / 4) as usize;
    let t = text.trim_start_matches("0x");
    if t.len() != digits {
        bail!("{what}: expected {digits} hex digits, got `{text}`");
    }
    Bits::parse_hex(width, t).ok_or_else(|| anyhow!("{what}: `{text}` is not hex"))
}

fn cmd_eval(
    layer: Layer,
    name: &str,
    args: &[String],
    family: Option<&str>,
    variant: Option<&Path>,
    isa_dir: Option<PathBuf>,
) -> Result<()> {
    let family = match family {
        Some(f) => f.to_string(),
        None => family_of(name)?,
    };
    let family = family.as_str();
    let (spec, variant) = load(family, variant)?;
    let intr = spec
        .intrinsic(name)
        .ok_or_else(|| anyhow!("no intrinsic `{name}` in family `{family}`"))?;
    let wasm = WasmInputs::load(None, None);
    let ctx = Ctx {
        spec: &spec,
        variant: variant.as_ref(),
        isa_dir: isa_dir.unwrap_or_else(default_isa_dir),
        wasm: &wasm,
    };
    // Argument names and widths of the layer's interface.
    let interface: Vec<(String, u32)> = match layer {
        Layer::C => intr
            .arguments
            .iter()
            .map(|a| (a.name.clone(), a.ctype.value_bits().unwrap_or(32)))
            .collect(),
        _ => intr
            .engine
            .params
            .iter()
            .map(|p| (intr.arguments[p.from].name.clone(), 128))
            .collect(),
    };
    if args.len() != interface.len() {
        let want: Vec<String> = interface
            .iter()
            .map(|(n, w)| format!("{n}:{}hex", w / 4))
            .collect();
        bail!(
            "{layer} layer of {name} takes {} arguments ({}), got {}",
            interface.len(),
            want.join(" "),
            args.len()
        );
    }
    let values: Vec<Bits> = interface
        .iter()
        .zip(args)
        .map(|((n, w), a)| parse_arg(a, *w, n))
        .collect::<Result<_>>()?;
    // Every layer is one side of an obligation: evaluate that obligation
    // concretely (with the variant's planted bugs) and print the side.
    let (left, right, on_left) = match layer {
        Layer::C | Layer::Wasm | Layer::Clif | Layer::Native | Layer::X86 => {
            (layer, Layer::Engine, true)
        }
        Layer::Engine => (Layer::Engine, Layer::Aarch64, true),
        Layer::Aarch64 => (Layer::Engine, Layer::Aarch64, false),
        Layer::Arm => (Layer::Aarch64, Layer::Arm, false),
    };
    let ob = obligation::Obligation {
        id: format!("{name}: {left} ~ {right}"),
        intrinsic: name.to_string(),
        kind: obligation::Kind::Refines { left, right },
    };
    let mut env = HashMap::new();
    for i in build::inputs(&ctx, &ob, &[])? {
        env.insert(i.name.clone(), Bits::zero(i.width));
    }
    for ((n, _), v) in interface.iter().zip(&values) {
        let key = if layer == Layer::Arm {
            // Params go into the registers of the word ARM's trace was made for.
            let inst = models::aarch64::Inst::canonical(intr.instruction);
            let field = intr
                .engine
                .params
                .iter()
                .find(|p| intr.arguments[p.from].name == *n);
            format!(
                "V{}",
                models::acle::register_of(&inst, field.unwrap().field)
            )
        } else {
            n.clone()
        };
        env.insert(key, *v);
    }
    let (l, r) = check::evaluate(&ctx, &ob, &env)?;
    let side = if on_left { l } else { r };
    let result = side.last().unwrap().bits().unwrap();
    outln!("{}", result.hex());
    Ok(())
}

fn cmd_replay(file: &Path, isa_dir: Option<PathBuf>) -> Result<i32> {
    let c = Counterexample::load(file)?;
    if c.kind == "lemma" {
        bail!(
            "{}: lemma counterexamples are replayed by the solver, not by the layer models",
            file.display()
        );
    }
    let variant_path = c.variant.as_ref().map(|v| {
        let p = PathBuf::from(&v.path);
        if p.exists() {
            p
        } else {
            repo_root().join(&v.path)
        }
    });
    let (spec, variant) = load(&c.family, variant_path.as_deref())?;
    let ob = obligation::all(&spec)
        .into_iter()
        .find(|o| o.id == c.obligation)
        .ok_or_else(|| anyhow!("obligation `{}` no longer exists in the spec", c.obligation))?;
    // The modules the counterexample came from, unchanged, or a refusal (older files without
    // the record replay against the variant's or the checked-in modules).
    let mut c_build = variant.as_ref().and_then(|v| v.c_build.clone());
    let mut fallback = variant.as_ref().and_then(|v| v.fallback.clone());
    for m in &c.modules {
        let path = m
            .resolve()
            .with_context(|| format!("replaying {}", file.display()))?;
        match m.role.as_str() {
            "c-build" => c_build = Some(path),
            "fallback" => fallback = Some(path),
            other => bail!("{}: unknown module role `{other}`", file.display()),
        }
    }
    let wasm = WasmInputs::load(c_build.as_deref(), fallback.as_deref());
    let ctx = Ctx {
        spec: &spec,
        variant: variant.as_ref(),
        isa_dir: isa_dir.unwrap_or_else(default_isa_dir),
        wasm: &wasm,
    };
    let mut env = HashMap::new();
    for v in &c.inputs {
        let b = v.bits().ok_or_else(|| {
            anyhow!(
                "{}: input `{}` is not {} bits of hex",
                file.display(),
                v.name,
                v.width
            )
        })?;
        env.insert(v.name.clone(), b);
    }
    if ob.kind == obligation::Kind::ConstantTime {
        outln!("replaying {}\n  {}", c.obligation, ob.statement(&spec));
        outln!("\nInputs:");
        for v in &c.inputs {
            outln!("  {} = {}", v.name, lanes_text(&v.hex, v.width));
        }
        return Ok(match check::replay_constant_time(&ctx, &ob, &env)? {
            Some((what, a, b)) => {
                outln!("\nSTILL FAILS: the {what} differs between the runs");
                outln!(
                    "  run 1 = {}\n  run 2 = {}",
                    lanes_text(&a.hex(), a.width()),
                    lanes_text(&b.hex(), b.width())
                );
                1
            }
            None => {
                outln!("\nNO LONGER FAILS: no address, branch or trap condition differs between the runs");
                0
            }
        });
    }
    let (left, right) = check::evaluate(&ctx, &ob, &env)?;
    outln!("replaying {}\n  {}", c.obligation, ob.statement(&spec));
    outln!("\nInputs:");
    for v in &c.inputs {
        outln!("  {} = {}", v.name, lanes_text(&v.hex, v.width));
    }
    for (layer, vals) in [(c.left, &left), (c.right, &right)] {
        outln!("\nLayer {layer}:");
        for v in vals {
            outln!("  {} = {}", v.name, lanes_text(&v.hex, v.width));
        }
    }
    let (a, b) = (
        left.last().unwrap().bits().unwrap(),
        right.last().unwrap().bits().unwrap(),
    );
    if a != b {
        let lanes: Vec<String> = differing_lanes(&a, &b)
            .iter()
            .map(|l| l.to_string())
            .collect();
        outln!(
            "\nSTILL FAILS: the layers differ in lanes {}",
            lanes.join(", ")
        );
        Ok(1)
    } else {
        outln!("\nNO LONGER FAILS: the layers agree on these inputs");
        Ok(0)
    }
}

fn cmd_validate(file: &Path, lowering: &str, variant: Option<&Path>, json: bool) -> Result<i32> {
    use verifier::validate::{self, NativeLowering, Verdict};
    let lowerings: Vec<NativeLowering> = match lowering {
        "both" => NativeLowering::ALL.to_vec(),
        "aarch64-native" => vec![NativeLowering::Aarch64Native],
        "x86-native" => vec![NativeLowering::X86Native],
        other => bail!("--lowering {other}: expected aarch64-native, x86-native or both"),
    };
    let wasm =
        std::fs::read(file).with_context(|| format!("cannot read module {}", file.display()))?;
    let planted: Vec<verifier::variant::Planted> = match variant {
        Some(p) => {
            let v = Variant::load(p)?;
            let rules: Vec<_> = v
                .mutations
                .into_iter()
                .map(|m| m.planted)
                .filter(validate::applies)
                .collect();
            if rules.is_empty() {
                bail!(
                    "{}: no `x86-rewrite-step` or `carry-reads-lane` mutation (the kinds `validate` applies)",
                    p.display()
                );
            }
            rules
        }
        None => Vec::new(),
    };
    let mut reports = Vec::new();
    for l in lowerings {
        reports.extend(
            validate::validate_module(&wasm, l, &planted)
                .with_context(|| format!("validating {}", file.display()))?,
        );
    }
    if json {
        outln!(
            "{}",
            serde_json::to_string_pretty(&validate::to_json(&reports))?
        );
    } else {
        outln!("validate {}", file.display());
        for r in &reports {
            let what = format!("{} (func {})", r.label, r.index);
            outln!(
                "  {:<15} {:<32} {}",
                r.lowering.to_string(),
                what,
                r.verdict
            );
            if !r.applied {
                outln!(
                    "      not applied: the function is compiled without these rewrites ({})",
                    r.rewrites
                );
            }
        }
        let count = |w: &str| reports.iter().filter(|r| r.verdict.name() == w).count();
        outln!(
            "{} functions: {} proved, {} unchanged, {} refuted, {} unknown",
            reports.len(),
            count("proved"),
            count("unchanged"),
            count("refuted"),
            count("unknown")
        );
    }
    let any = |f: fn(&Verdict) -> bool| reports.iter().any(|r| f(&r.verdict));
    Ok(if any(|v| matches!(v, Verdict::Refuted(_))) {
        1
    } else if any(|v| matches!(v, Verdict::Unsupported(_))) {
        3
    } else {
        0
    })
}
