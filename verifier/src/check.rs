//! The pipeline driver: for each obligation, build (stage 1), normalise
//! (stage 2), probe concretely, abstract (stage 3), encode (stage 4), solve
//! (stage 5) and turn failures into counterexamples (stage 6).

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use anyhow::{anyhow, Context, Result};
use models::normalise::normalise;
use models::{Bits, Domain, TermId, Terms};
use serde::Serialize;

use crate::abstraction::{Abstractor, ByteAbstractor, Function, Lemma};
use crate::build::{self, Ctx, Input, Sides};
use crate::counterexample::{self, differing_lanes, Counterexample, Value, VariantRef, SCHEMA};
use crate::layer::Layer;
use crate::obligation::{Kind, Obligation};
use crate::smtlib;
use crate::solver::{self, Answer, SolverChoice};

#[derive(Clone, Debug)]
pub struct Options {
    pub solver: SolverChoice,
    /// Per solver query.
    pub timeout_ms: u64,
    pub smt_dir: Option<PathBuf>,
    /// Accept syntactic equality after normalisation without a solver.
    pub fast_path: bool,
    /// Normalise terms before abstraction and solving. Off, the solver sees
    /// the models' terms as built: a cross-check of the normaliser.
    pub normalise: bool,
    /// Try structured and random inputs concretely before asking the solver.
    pub probe: bool,
    /// Where counterexamples are saved (None: not saved).
    pub save_dir: Option<PathBuf>,
    pub jobs: usize,
    /// Decide every proved value comparison a second time, without the normaliser, on this
    /// solver (so a proof does not rest on the normaliser alone).
    pub cross_check: Option<CrossCheck>,
}

/// The second method of `--cross-check`.
#[derive(Clone, Copy, Debug)]
pub struct CrossCheck {
    pub solver: SolverChoice,
    pub timeout_ms: u64,
}

impl CrossCheck {
    /// The options of the second run: the models' terms as built, the given solver, no
    /// probing (the first run already probed), nothing saved.
    fn options(&self, first: &Options) -> Options {
        Options {
            solver: self.solver,
            timeout_ms: self.timeout_ms,
            normalise: false,
            probe: false,
            save_dir: None,
            cross_check: None,
            ..first.clone()
        }
    }
}

/// The second method's verdict on an obligation the first proved.
#[derive(Clone, Debug)]
pub struct CrossOutcome {
    pub solver: SolverChoice,
    pub verdict: Verdict,
    pub ms: f64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Method {
    /// Both sides normalise to the same term.
    Syntactic,
    /// Every bit of both sides has the same algebraic normal form (XOR of ANDs of input
    /// bits), which is unique for each Boolean function.
    AlgebraicNormalForm,
    /// Both sides normalise to the same term once sub-terms are replaced by the shared
    /// functions the listed lemmas prove them equal to.
    NormalFormWithLemmas,
    /// The solver proved the abstracted query (with lemmas).
    Abstracted,
    /// The solver proved the direct query.
    Direct,
    /// Lane facts: unobserved lanes proved irrelevant, observed lanes witnessed.
    LaneFact,
    /// A finite table checked exhaustively.
    Table,
    /// A byte function's values on all 256 inputs compared with its table.
    Enumeration,
    /// Symbolic execution of the compiled fallback met no input-dependent address,
    /// branch or trap condition.
    SymbolicExecution,
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Method::Syntactic => "syntactic",
            Method::AlgebraicNormalForm => "algebraic normal form",
            Method::NormalFormWithLemmas => "normal form, compositional",
            Method::Abstracted => "smt, compositional",
            Method::Direct => "smt",
            Method::LaneFact => "smt + witnesses",
            Method::Table => "table check",
            Method::Enumeration => "enumeration of 256 inputs",
            Method::SymbolicExecution => "symbolic execution",
        })
    }
}

#[derive(Clone, Debug)]
pub enum Verdict {
    Proved(Method),
    Counterexample(Box<Counterexample>),
    Unknown(String),
    Error(String),
}

impl Verdict {
    pub fn name(&self) -> &'static str {
        match self {
            Verdict::Proved(_) => "proved",
            Verdict::Counterexample(_) => "counterexample",
            Verdict::Unknown(_) => "unknown",
            Verdict::Error(_) => "error",
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Verdict::Proved(m) => write!(f, "proved ({m})"),
            Verdict::Counterexample(_) => f.write_str("counterexample"),
            Verdict::Unknown(r) => write!(f, "unknown ({r})"),
            Verdict::Error(e) => write!(f, "error: {e}"),
        }
    }
}

#[derive(Clone, Debug)]
pub struct Outcome {
    /// The family the obligation belongs to (`-` for lemmas, which families share).
    pub family: String,
    pub id: String,
    pub intrinsic: String,
    pub kind: &'static str,
    pub left: Layer,
    pub right: Layer,
    pub verdict: Verdict,
    pub ms: f64,
    pub saved: Option<PathBuf>,
    /// Lemma ids a compositional proof relied on.
    pub lemmas: Vec<String>,
    /// `--cross-check`: the normaliser-free second verdict, for proved value comparisons.
    pub cross: Option<CrossOutcome>,
    /// The Wasm modules the obligation's `wasm` layer ran.
    pub modules: Vec<counterexample::ModuleRef>,
}

/// An obligation's terms: both sides and their free inputs.
struct Prepared {
    terms: Terms,
    inputs: Vec<Input>,
    sides: Sides<TermId>,
}

fn prepare(ctx: &Ctx, ob: &Obligation, witness: Option<u8>) -> Result<Prepared> {
    let mut terms = Terms::new();
    let intr = ctx.intrinsic(&ob.intrinsic)?;
    let mut arm_out = None;
    let mut arm_extra = Vec::new();
    if let Kind::Refines {
        right: Layer::Arm, ..
    } = ob.kind
    {
        let path = ctx.trace_path(intr.instruction);
        let trace = models::arm::read_trace(&path, &mut terms)
            .with_context(|| format!("ARM semantics for {} (pass --isa-dir)", intr.instruction))?;
        let widths: HashMap<String, u32> = terms.vars(&[trace.output.1]).into_iter().collect();
        arm_extra = trace
            .undefined
            .iter()
            .map(|u| (u.clone(), widths.get(u).copied().unwrap_or(128)))
            .collect();
        arm_out = Some(trace.output.1);
    }
    let inputs = build::inputs(ctx, ob, &arm_extra)?;
    let env: HashMap<String, TermId> = inputs
        .iter()
        .map(|i| (i.name.clone(), terms.var(&i.name, i.width)))
        .collect();
    let mut arm = |_: &mut Terms, _, _: &HashMap<String, TermId>| {
        arm_out.ok_or_else(|| anyhow!("internal: no ARM trace loaded"))
    };
    let sides = build::build(&mut terms, ctx, ob, &env, &mut arm, witness)?;
    let (l, r) = sides.results();
    let (wl, wr) = (terms.width(l), terms.width(r));
    if wl != wr {
        anyhow::bail!("layers produce values of different widths ({wl} and {wr} bits)");
    }
    Ok(Prepared {
        terms,
        inputs,
        sides,
    })
}

impl Prepared {
    fn input_list(&self) -> Vec<(String, u32)> {
        self.inputs
            .iter()
            .map(|i| (i.name.clone(), i.width))
            .collect()
    }

    fn results(&self) -> (TermId, TermId) {
        let (l, r) = self.sides.results();
        (*l, *r)
    }

    /// Do the two sides differ on these inputs?
    fn differs(&self, env: &HashMap<String, Bits>) -> Result<bool> {
        let (l, r) = self.results();
        let v = self.terms.eval(&[l, r], env).map_err(|e| anyhow!(e))?;
        Ok(v[0] != v[1])
    }

    /// A solver model mentions only the inputs the query still depends on;
    /// the others are irrelevant, so any value does: zero.
    fn complete(&self, mut env: HashMap<String, Bits>) -> HashMap<String, Bits> {
        for i in &self.inputs {
            env.entry(i.name.clone()).or_insert(Bits::zero(i.width));
        }
        env
    }

    fn find_by_probing(&self, seed: u64) -> Result<Option<HashMap<String, Bits>>> {
        for env in counterexample::probe_inputs(&self.input_list(), seed, 48) {
            if self.differs(&env)? {
                return Ok(Some(env));
            }
        }
        Ok(None)
    }

    fn minimised(&self, env: HashMap<String, Bits>) -> HashMap<String, Bits> {
        let inputs = self.input_list();
        counterexample::minimise(&inputs, env, &mut |e| self.differs(e).unwrap_or(false))
    }

    fn counterexample(
        &self,
        ctx: &Ctx,
        ob: &Obligation,
        env: &HashMap<String, Bits>,
        found_by: &str,
    ) -> Result<Counterexample> {
        let eval = |vals: &[build::Labelled<TermId>]| -> Result<Vec<Value>> {
            let ids: Vec<TermId> = vals.iter().map(|v| v.value).collect();
            let bits = self.terms.eval(&ids, env).map_err(|e| anyhow!(e))?;
            Ok(vals
                .iter()
                .zip(bits)
                .map(|(v, b)| Value::new(v.label.clone(), &b))
                .collect())
        };
        let left_values = eval(&self.sides.left)?;
        let right_values = eval(&self.sides.right)?;
        let (a, b) = (
            left_values.last().unwrap().bits().unwrap(),
            right_values.last().unwrap().bits().unwrap(),
        );
        let (left, right) = ob.layers();
        Ok(Counterexample {
            schema: SCHEMA.to_string(),
            family: ctx.spec.family.clone(),
            obligation: ob.id.clone(),
            intrinsic: ob.intrinsic.clone(),
            kind: ob.kind_name().to_string(),
            left,
            right,
            statement: ob.statement(ctx.spec),
            variant: ctx.variant.map(|v| VariantRef {
                path: v.path.display().to_string(),
                description: v.description.clone(),
            }),
            found_by: found_by.to_string(),
            inputs: self
                .inputs
                .iter()
                .map(|i| Value::new(i.name.clone(), &env[&i.name]))
                .collect(),
            left_values,
            right_values,
            differing_lanes: differing_lanes(&a, &b),
            note: None,
            modules: modules_used(ctx, ob)?,
        })
    }
}

/// The Wasm modules an obligation's `wasm` layer runs: the C-layer build for `c ~ wasm`
/// (and the fallback when it is linked in), the fallback module for the others that have
/// a `wasm` side.
pub fn modules_used(ctx: &Ctx, ob: &Obligation) -> Result<Vec<counterexample::ModuleRef>> {
    let (left, right) = ob.layers();
    let modules = if (left, right) == (Layer::C, Layer::Wasm) {
        ctx.wasm.c_layer_modules()
    } else if left == Layer::Wasm || right == Layer::Wasm {
        vec![("fallback", &ctx.wasm.fallback)]
    } else {
        return Ok(vec![]);
    };
    modules
        .into_iter()
        .map(|(role, m)| counterexample::ModuleRef::of(role, &m.path))
        .collect()
}

fn seed_of(id: &str) -> u64 {
    id.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ b as u64).wrapping_mul(0x100_0000_01b3)
    })
}

fn write_query(opts: &Options, ob_id: &str, suffix: &str, q: &smtlib::Query) -> Result<()> {
    if let Some(dir) = &opts.smt_dir {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let path = dir.join(format!("{}{suffix}.smt2", counterexample::slug(ob_id)));
        std::fs::write(&path, q.file_text())
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(())
}

/// What deciding `left == right` for all inputs found.
enum Equality {
    Equal(Method, Vec<Lemma>),
    Differ(HashMap<String, Bits>, String),
    Unknown(String),
}

/// Do two normalised terms denote the same value syntactically: the same term, or, byte by
/// byte, the same normalised bytes? (The normaliser splits a bitwise operation only at the
/// boundaries its operands share, so a concat of bytes and an XOR of rotated words can hold
/// equal bytes without being one term.)
fn same_normal_form(t: &mut Terms, a: TermId, b: TermId) -> bool {
    if a == b {
        return true;
    }
    let w = t.width(&a);
    if w <= 8 || !w.is_multiple_of(8) || t.width(&b) != w {
        return false;
    }
    (0..w / 8).all(|i| {
        let x = t.extract(&a, 8 * i + 7, 8 * i);
        let y = t.extract(&b, 8 * i + 7, 8 * i);
        normalise(t, x) == normalise(t, y)
    })
}

fn decide_equal(p: &mut Prepared, ob_id: &str, opts: &Options) -> Result<Equality> {
    let (l, r) = p.results();
    let (nl, nr) = if opts.normalise {
        (normalise(&mut p.terms, l), normalise(&mut p.terms, r))
    } else {
        (l, r)
    };
    // Probing first: a wrong layer is usually found in milliseconds, before the abstraction
    // spends seconds on a circuit that is wrong anyway.
    if opts.probe {
        if let Some(env) = p.find_by_probing(seed_of(ob_id))? {
            return Ok(Equality::Differ(env, "probe".into()));
        }
    }
    // Byte functions are found before normalisation, which splits the byte a table is
    // applied to into bits.
    let mut lemmas: BTreeMap<String, Lemma> = BTreeMap::new();
    let mut bytes = ByteAbstractor::new(&mut p.terms);
    let (bl, br) = (bytes.run(l), bytes.run(r));
    lemmas.extend(bytes.lemmas);
    let (bl, br) = if opts.normalise {
        (normalise(&mut p.terms, bl), normalise(&mut p.terms, br))
    } else {
        (bl, br)
    };
    // Without the normaliser (a cross-check of it), syntactic means the very same term.
    let same = |t: &mut Terms, a: TermId, b: TermId| {
        if opts.normalise {
            same_normal_form(t, a, b)
        } else {
            a == b
        }
    };
    if opts.fast_path && !lemmas.is_empty() && same(&mut p.terms, bl, br) {
        return Ok(Equality::Equal(
            Method::NormalFormWithLemmas,
            lemmas.into_values().collect(),
        ));
    }
    // Abstract, then normalise again: sums sorted before abstraction may hold
    // the same function applications in different orders. Repeat to a fixpoint.
    let (mut al, mut ar) = (bl, br);
    for _ in 0..4 {
        let mut abs = Abstractor::new(&mut p.terms);
        let (l2, r2) = (abs.run(al), abs.run(ar));
        lemmas.extend(abs.lemmas);
        let mut bytes = ByteAbstractor::new(&mut p.terms);
        let (l2, r2) = (bytes.run(l2), bytes.run(r2));
        lemmas.extend(bytes.lemmas);
        let (l2, r2) = if opts.normalise {
            (normalise(&mut p.terms, l2), normalise(&mut p.terms, r2))
        } else {
            (l2, r2)
        };
        if (l2, r2) == (al, ar) {
            break;
        }
        (al, ar) = (l2, r2);
    }
    let lemmas: Vec<Lemma> = lemmas.into_values().collect();
    let comment = format!("{ob_id}\nunsat = the layers are equal for all inputs");
    if opts.fast_path && same(&mut p.terms, nl, nr) {
        return Ok(Equality::Equal(Method::Syntactic, vec![]));
    }
    if opts.fast_path && models::anf::same_function(&p.terms, nl, nr) == Some(true) {
        return Ok(Equality::Equal(Method::AlgebraicNormalForm, vec![]));
    }
    // Written only when the solver is asked: a query the fast paths made unnecessary may be
    // spuriously sat under the abstraction, and would have no direct query beside it.
    let query = smtlib::inequivalence(&p.terms, al, ar, true, &comment);
    write_query(opts, ob_id, "", &query)?;
    match solver::solve(opts.solver, &query, opts.timeout_ms)? {
        Answer::Unsat => return Ok(Equality::Equal(Method::Abstracted, lemmas)),
        Answer::Sat(env) if p.differs(&p.complete(env.clone()))? => {
            return Ok(Equality::Differ(p.complete(env), opts.solver.name().into()))
        }
        // Spurious under the abstraction, or no answer: ask the direct question.
        Answer::Sat(_) | Answer::Unknown(_) => {}
    }
    let direct = smtlib::inequivalence(&p.terms, nl, nr, false, &comment);
    write_query(opts, ob_id, ".direct", &direct)?;
    Ok(
        match solver::solve(opts.solver, &direct, opts.timeout_ms)? {
            Answer::Unsat => Equality::Equal(Method::Direct, vec![]),
            Answer::Sat(env) if p.differs(&p.complete(env.clone()))? => {
                Equality::Differ(p.complete(env), opts.solver.name().into())
            }
            Answer::Sat(_) => Equality::Unknown(format!(
                "{} reported a model that does not reproduce concretely",
                opts.solver.name()
            )),
            Answer::Unknown(reason) => Equality::Unknown(reason),
        },
    )
}

fn finish_cex(
    ctx: &Ctx,
    ob: &Obligation,
    p: &Prepared,
    env: HashMap<String, Bits>,
    by: &str,
) -> Result<Verdict> {
    let env = p.minimised(env);
    Ok(Verdict::Counterexample(Box::new(
        p.counterexample(ctx, ob, &env, by)?,
    )))
}

fn check_obligation(ctx: &Ctx, ob: &Obligation, opts: &Options) -> Result<(Verdict, Vec<Lemma>)> {
    if ob.kind == Kind::Effects {
        let intr = ctx.intrinsic(&ob.intrinsic)?;
        let entry = ctx.native_entry(intr)?;
        return Ok(match lowering::native::check_register_effects(&entry) {
            Ok(()) => (Verdict::Proved(Method::Table), vec![]),
            Err(why) => (
                Verdict::Error(format!("register effects not covered: {why}")),
                vec![],
            ),
        });
    }
    if ob.kind == Kind::ConstantTime {
        return Ok((check_constant_time(ctx, ob, opts)?, vec![]));
    }
    if let Kind::Operand { field } = ob.kind {
        return check_operand(ctx, ob, field, opts);
    }
    let mut p = prepare(ctx, ob, None)?;
    let (verdict, lemmas) = match decide_equal(&mut p, &ob.id, opts)? {
        Equality::Equal(m, lemmas) => (Verdict::Proved(m), lemmas),
        Equality::Differ(env, by) => {
            let mut v = finish_cex(ctx, ob, &p, env, &by)?;
            if let (Verdict::Counterexample(c), Kind::Lanes { param }) = (&mut v, &ob.kind) {
                let intr = ctx.intrinsic(&ob.intrinsic)?;
                let name = &intr.arguments[intr.engine.params[*param].from].name;
                c.note = Some(format!(
                    "`{name}` and `alt.{name}` agree in the lanes the spec says are observed, yet the results differ"
                ));
            }
            return Ok((v, vec![]));
        }
        Equality::Unknown(r) => return Ok((Verdict::Unknown(r), vec![])),
    };
    // A lane fact also claims each listed lane matters: find a witness for each.
    if let Kind::Lanes { param } = ob.kind {
        let intr = ctx.intrinsic(&ob.intrinsic)?;
        for &lane in &intr.engine.params[param].observes {
            let mut probe = prepare(ctx, ob, Some(lane))?;
            // A witness is a concrete demonstration, so testing may find it
            // even when counterexamples must come from the solver.
            let witness_opts = Options {
                probe: true,
                ..opts.clone()
            };
            match decide_equal(&mut probe, &format!("{} lane {lane} observed", ob.id), &witness_opts)? {
                Equality::Differ(..) => {}
                Equality::Equal(..) => {
                    return Ok((
                        Verdict::Error(format!(
                            "the spec says lane {lane} is observed, but the result provably ignores it: \
                             remove it from `observes` so the engine may use that"
                        )),
                        lemmas,
                    ))
                }
                Equality::Unknown(r) => return Ok((Verdict::Unknown(format!("lane {lane}: {r}")), lemmas)),
            }
        }
        return Ok((Verdict::Proved(Method::LaneFact), lemmas));
    }
    Ok((verdict, lemmas))
}

/// Registers an instruction does not name: the model must neither read nor change them.
/// Checked on terms (the model's outputs mention exactly the registers they depend on
/// syntactically, an over-approximation), so a pass is a proof.
fn unnamed_registers_untouched(intr: &spec::Intrinsic) -> Option<String> {
    let mut t = Terms::new();
    let inst = models::aarch64::Inst::canonical(intr.instruction);
    let named = inst.registers();
    let before: Vec<TermId> = (0..32).map(|r| t.var(&format!("V{r}"), 128)).collect();
    let mut regs = models::aarch64::RegFile::new(before.clone());
    models::aarch64::execute(&mut t, inst, &mut regs);
    for r in 0..32u8 {
        if !named.contains(&r) && regs.v[r as usize] != before[r as usize] {
            return Some(format!(
                "`{inst}` changes V{r}, a register it does not name"
            ));
        }
    }
    let outputs: Vec<TermId> = named.iter().map(|&r| regs.v[r as usize]).collect();
    for (name, _) in t.vars(&outputs) {
        let r: u8 = name[1..].parse().unwrap_or(u8::MAX);
        if !named.contains(&r) {
            return Some(format!(
                "`{inst}` reads {name}, a register it does not name"
            ));
        }
    }
    None
}

/// `effects(F)`: the table's operand in field F, checked against the AArch64 model the way
/// lane facts are: what the table says is irrelevant is proved irrelevant, and what it says
/// is read or written is witnessed (a read: some input on which the register's bits change
/// the result; a write: some input on which the register changes).
fn check_operand(
    ctx: &Ctx,
    ob: &Obligation,
    field: spec::Field,
    opts: &Options,
) -> Result<(Verdict, Vec<Lemma>)> {
    let intr = ctx.intrinsic(&ob.intrinsic)?;
    if let Some(why) = unnamed_registers_untouched(intr) {
        return Ok((Verdict::Error(why), vec![]));
    }
    let mut p = prepare(ctx, ob, None)?;
    let lemmas = match decide_equal(&mut p, &ob.id, opts)? {
        Equality::Equal(_, lemmas) => lemmas,
        Equality::Differ(env, by) => {
            let mut v = finish_cex(ctx, ob, &p, env, &by)?;
            if let Verdict::Counterexample(c) = &mut v {
                c.note = Some(format!(
                    "the instruction table's {field} operand of {} does not describe what the model does with that register",
                    intr.instruction
                ));
            }
            return Ok((v, vec![]));
        }
        Equality::Unknown(r) => return Ok((Verdict::Unknown(r), vec![])),
    };
    let ops = ctx.operands(intr);
    let op = ops.iter().find(|o| o.field == field).ok_or_else(|| {
        anyhow!(
            "the instruction table gives {} no {field} operand",
            intr.instruction
        )
    })?;
    // Witnesses are concrete demonstrations, so testing may find them.
    let witness_opts = Options {
        probe: true,
        ..opts.clone()
    };
    let mut claims = Vec::new();
    if op.access.reads() {
        claims.push((build::READ_WITNESS, "read", format!(
            "the table says {field} is read, but no bit of it provably ever reaches a written register"
        )));
    }
    if op.access.writes() {
        claims.push((
            build::WRITE_WITNESS,
            "write",
            format!(
                "the table says {field} is written, but the model provably leaves it unchanged"
            ),
        ));
    }
    for (witness, what, loose) in claims {
        let mut w = prepare(ctx, ob, Some(witness))?;
        match decide_equal(&mut w, &format!("{} {what} witness", ob.id), &witness_opts)? {
            Equality::Differ(..) => {}
            Equality::Equal(..) => return Ok((Verdict::Error(loose), lemmas)),
            Equality::Unknown(r) => {
                return Ok((Verdict::Unknown(format!("{what} witness: {r}")), lemmas))
            }
        }
    }
    Ok((Verdict::Proved(Method::LaneFact), lemmas))
}

/// Inputs of a constant-time counterexample: the first run's under their own names, the
/// second run's prefixed.
const SECOND_RUN: &str = "run2.";

/// A leak's value on two runs, given one environment holding both runs' inputs.
fn leak_values(
    terms: &Terms,
    value: TermId,
    inputs: &[(String, u32)],
    both: &HashMap<String, Bits>,
) -> Result<(Bits, Bits)> {
    let run = |prefix: &str| -> Result<Bits> {
        let env: HashMap<String, Bits> = inputs
            .iter()
            .map(|(n, w)| {
                let v = both
                    .get(&format!("{prefix}{n}"))
                    .cloned()
                    .unwrap_or(Bits::zero(*w));
                (n.clone(), v)
            })
            .collect();
        Ok(terms
            .eval(&[value], &env)
            .map_err(|e| anyhow!(e))?
            .remove(0))
    };
    Ok((run("")?, run(SECOND_RUN)?))
}

/// Terms, free inputs (name, width) and the fallback's run over them.
type SymbolicRun = (Terms, Vec<(String, u32)>, build::FallbackRun<TermId>);

/// The fallback of `ob`'s intrinsic run once on symbolic inputs: the terms, the inputs and
/// the run (its leaks). Shared by checking and replaying `ct(fallback)`.
fn symbolic_fallback_run(ctx: &Ctx, ob: &Obligation) -> Result<SymbolicRun> {
    let intr = ctx.intrinsic(&ob.intrinsic)?;
    let inputs: Vec<(String, u32)> = build::inputs(ctx, ob, &[])?
        .into_iter()
        .map(|i| (i.name, i.width))
        .collect();
    let mut terms = Terms::new();
    let env: HashMap<String, TermId> = inputs
        .iter()
        .map(|(n, w)| (n.clone(), terms.var(n, *w)))
        .collect();
    let params = build::engine_param_values::<Terms>(intr, &env)?;
    let run = build::run_fallback(&mut terms, ctx, intr, &params)?;
    Ok((terms, inputs, run))
}

/// `ct(fallback)`: run the compiled fallback on symbolic inputs. The interpreter records
/// every address, branch condition and trap condition that is not a constant term; each is
/// a violation unless it provably takes one value for all inputs. A violation is shown as
/// two inputs on which it differs.
fn check_constant_time(ctx: &Ctx, ob: &Obligation, opts: &Options) -> Result<Verdict> {
    let (mut terms, inputs, run) = symbolic_fallback_run(ctx, ob)?;
    let probes = counterexample::probe_inputs(&inputs, seed_of(&ob.id), 48);
    for (k, leak) in run.leaks.iter().enumerate() {
        let normal = normalise(&mut terms, leak.value);
        if terms.as_const(&normal).is_some() {
            continue;
        }
        // Two runs that disagree: by probing, else from the solver.
        let first = terms
            .eval(&[leak.value], &probes[0])
            .map_err(|e| anyhow!(e))?
            .remove(0);
        let mut second = None;
        // Without probing, the second run comes from the solver (as counterexamples do).
        let tried = if opts.probe {
            &probes[1..]
        } else {
            &probes[..0]
        };
        for env in tried {
            if terms.eval(&[leak.value], env).map_err(|e| anyhow!(e))?[0] != first {
                second = Some((env.clone(), "probe".to_string()));
                break;
            }
        }
        if second.is_none() {
            let c = terms.constant(first);
            let comment = format!(
                "{}: {} of {} at {}\nunsat = it is the same for all inputs",
                ob.id, leak.kind, leak.operator, leak.location
            );
            let q = smtlib::inequivalence(&terms, leak.value, c, false, &comment);
            write_query(opts, &ob.id, &format!(".leak{k}"), &q)?;
            match solver::solve(opts.solver, &q, opts.timeout_ms)? {
                Answer::Unsat => continue,
                Answer::Sat(model) => {
                    let env: HashMap<String, Bits> = inputs
                        .iter()
                        .map(|(n, w)| (n.clone(), model.get(n).cloned().unwrap_or(Bits::zero(*w))))
                        .collect();
                    if terms.eval(&[leak.value], &env).map_err(|e| anyhow!(e))?[0] == first {
                        return Ok(Verdict::Unknown(format!(
                            "{} reported a model for the {} at {} that does not reproduce",
                            opts.solver.name(),
                            leak.kind,
                            leak.location
                        )));
                    }
                    second = Some((env, opts.solver.name().to_string()));
                }
                Answer::Unknown(r) => {
                    return Ok(Verdict::Unknown(format!(
                        "whether the {} at {} depends on the inputs: {r}",
                        leak.kind, leak.location
                    )))
                }
            }
        }
        let (env2, found_by) = second.expect("set above or returned");
        let mut both = probes[0].clone();
        for (n, v) in env2 {
            both.insert(format!("{SECOND_RUN}{n}"), v);
        }
        let all_inputs: Vec<(String, u32)> = inputs
            .iter()
            .cloned()
            .chain(inputs.iter().map(|(n, w)| (format!("{SECOND_RUN}{n}"), *w)))
            .collect();
        let both = counterexample::minimise(&all_inputs, both, &mut |e| {
            leak_values(&terms, leak.value, &inputs, e).is_ok_and(|(a, b)| a != b)
        });
        let (a, b) = leak_values(&terms, leak.value, &inputs, &both)?;
        let what = format!("{} of {} at {}", leak.kind, leak.operator, leak.location);
        return Ok(Verdict::Counterexample(Box::new(Counterexample {
            schema: SCHEMA.into(),
            family: ctx.spec.family.clone(),
            obligation: ob.id.clone(),
            intrinsic: ob.intrinsic.clone(),
            kind: ob.kind_name().into(),
            left: Layer::Wasm,
            right: Layer::Wasm,
            statement: ob.statement(ctx.spec),
            variant: ctx.variant.map(|v| VariantRef {
                path: v.path.display().to_string(),
                description: v.description.clone(),
            }),
            found_by,
            inputs: all_inputs
                .iter()
                .map(|(n, _)| Value::new(n.clone(), &both[n]))
                .collect(),
            left_values: vec![Value::new(format!("{what}, run 1"), &a)],
            right_values: vec![Value::new(format!("{what}, run 2"), &b)],
            differing_lanes: differing_lanes(&a, &b),
            note: Some(format!(
                "the {} of `{}` at {} depends on the inputs: run 1 and run 2 ({SECOND_RUN}* inputs) give different values",
                leak.kind, leak.operator, leak.location
            )),
            modules: modules_used(ctx, ob)?,
        })));
    }
    Ok(match run.result {
        Ok(_) => Verdict::Proved(Method::SymbolicExecution),
        // Only constant conditions were recorded, so the run stopped for another reason.
        Err(e) if run.leaks.is_empty() => Verdict::Error(format!("{e:#}")),
        Err(e) => Verdict::Unknown(format!(
            "the run stopped at a condition that is constant but did not fold: {e:#}"
        )),
    })
}

/// Replay a constant-time counterexample: the first recorded leak whose values differ on
/// the two runs' inputs, as (description, run 1, run 2), or None.
pub fn replay_constant_time(
    ctx: &Ctx,
    ob: &Obligation,
    both: &HashMap<String, Bits>,
) -> Result<Option<(String, Bits, Bits)>> {
    let (terms, inputs, run) = symbolic_fallback_run(ctx, ob)?;
    for leak in &run.leaks {
        let (a, b) = leak_values(&terms, leak.value, &inputs, both)?;
        if a != b {
            let what = format!("{} of {} at {}", leak.kind, leak.operator, leak.location);
            return Ok(Some((what, a, b)));
        }
    }
    Ok(None)
}

fn check_lemma(lemma: &Lemma, opts: &Options) -> Result<Verdict> {
    let q = smtlib::lemma_query(lemma);
    write_query(opts, &lemma.id(), "", &q)?;
    // A table of one byte: all 256 inputs, evaluated, against the table.
    let mut found_by = opts.solver.name().to_string();
    let answer = match lemma.function {
        Function::Table(table) if lemma.values.len() == 256 => {
            match (0..=255u8).find(|&v| lemma.values[v as usize] != table.apply(v)) {
                None => return Ok(Verdict::Proved(Method::Enumeration)),
                Some(v) => Answer::Sat({
                    found_by = "enumeration".into();
                    HashMap::from([(
                        crate::abstraction::BYTE_VAR.to_string(),
                        Bits::from_u64(8, v as u64),
                    )])
                }),
            }
        }
        _ => solver::solve(opts.solver, &q, opts.timeout_ms)?,
    };
    Ok(match answer {
        Answer::Unsat => Verdict::Proved(Method::Direct),
        Answer::Unknown(r) => Verdict::Unknown(r),
        Answer::Sat(env) => Verdict::Counterexample(Box::new(Counterexample {
            schema: SCHEMA.into(),
            family: String::new(),
            obligation: lemma.id(),
            intrinsic: "-".into(),
            kind: "lemma".into(),
            left: Layer::Engine,
            right: Layer::Engine,
            statement: match lemma.function {
                Function::Bool3(_) => format!(
                    "{} equals the definition of {}",
                    lemma.formula, lemma.function
                ),
                Function::Table(_) => format!(
                    "the byte function (SMT-LIB `f` below) equals the table {}:\n{}",
                    lemma.function, lemma.formula
                ),
            },
            variant: None,
            found_by,
            inputs: q
                .inputs
                .iter()
                .filter_map(|(n, _)| env.get(n).map(|v| Value::new(n.clone(), v)))
                .collect(),
            left_values: vec![],
            right_values: vec![],
            differing_lanes: vec![],
            note: None,
            modules: vec![],
        })),
    })
}

/// An obligation's outcome and the lemmas its proof relied on.
type Checked = (Outcome, Vec<Lemma>);

/// One family's obligations, with what they are built from.
pub struct Work<'a> {
    pub ctx: &'a Ctx<'a>,
    pub obligations: Vec<Obligation>,
}

/// Check `obligations` of one family (and the lemmas their proofs use). `progress` is called
/// as each finishes, with (done, total).
pub fn run(
    ctx: &Ctx,
    obligations: &[Obligation],
    opts: &Options,
    progress: &(dyn Fn(&Outcome, usize, usize) + Sync),
) -> Vec<Outcome> {
    let work = [Work {
        ctx,
        obligations: obligations.to_vec(),
    }];
    run_all(&work, opts, progress)
}

/// Check the obligations of several families together: they share the worker threads, and
/// each lemma is checked once however many families' proofs rely on it.
pub fn run_all(
    work: &[Work],
    opts: &Options,
    progress: &(dyn Fn(&Outcome, usize, usize) + Sync),
) -> Vec<Outcome> {
    let items: Vec<(&Ctx, &Obligation)> = work
        .iter()
        .flat_map(|w| w.obligations.iter().map(move |o| (w.ctx, o)))
        .collect();
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Checked>>> = Mutex::new(vec![None; items.len()]);
    let total = items.len();
    std::thread::scope(|s| {
        for _ in 0..opts.jobs.max(1) {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                if i >= items.len() {
                    break;
                }
                let (ctx, ob) = items[i];
                let start = Instant::now();
                let (verdict, lemmas) = match check_obligation(ctx, ob, opts) {
                    Ok(v) => v,
                    Err(e) => (Verdict::Error(format!("{e:#}")), vec![]),
                };
                let ms = start.elapsed().as_secs_f64() * 1e3;
                let (verdict, cross) = cross_check(ctx, ob, opts, verdict);
                let (left, right) = ob.layers();
                let mut out = Outcome {
                    family: ctx.spec.family.clone(),
                    id: ob.id.clone(),
                    intrinsic: ob.intrinsic.clone(),
                    kind: ob.kind_name(),
                    left,
                    right,
                    verdict,
                    ms,
                    saved: None,
                    lemmas: lemmas.iter().map(|l| l.id()).collect(),
                    cross,
                    modules: modules_used(ctx, ob).unwrap_or_default(),
                };
                save(&mut out, opts);
                let n = done.fetch_add(1, Ordering::SeqCst) + 1;
                progress(&out, n, total);
                results.lock().unwrap()[i] = Some((out, lemmas));
            });
        }
    });
    let results: Vec<Checked> = results
        .into_inner()
        .unwrap()
        .into_iter()
        .map(|o| o.unwrap())
        .collect();

    // Each lemma once; a proof that relied on a lemma that fails is no proof.
    let mut lemmas: BTreeMap<String, Lemma> = BTreeMap::new();
    for (_, ls) in &results {
        for l in ls {
            lemmas.insert(l.id(), l.clone());
        }
    }
    let mut outcomes: Vec<Outcome> = results.into_iter().map(|(o, _)| o).collect();
    let mut failed = Vec::new();
    for (id, lemma) in &lemmas {
        let start = Instant::now();
        let verdict = check_lemma(lemma, opts).unwrap_or_else(|e| Verdict::Error(format!("{e:#}")));
        if !matches!(verdict, Verdict::Proved(_)) {
            failed.push((id.clone(), verdict.clone()));
        }
        let mut out = Outcome {
            family: "-".into(),
            id: id.clone(),
            intrinsic: "-".into(),
            kind: "lemma",
            left: Layer::Engine,
            right: Layer::Engine,
            verdict,
            ms: start.elapsed().as_secs_f64() * 1e3,
            saved: None,
            lemmas: vec![],
            cross: None,
            modules: vec![],
        };
        save(&mut out, opts);
        progress(&out, outcomes.len() + 1, total + lemmas.len());
        outcomes.push(out);
    }
    for o in &mut outcomes {
        if let Some((bad, why)) = failed.iter().find(|(id, _)| o.lemmas.contains(id)) {
            o.verdict = relying_on(bad, why);
        }
    }
    outcomes
}

/// `--cross-check`: decide a proved value comparison again without the normaliser. A
/// counterexample found that way reproduces concretely, so it replaces the proof (the
/// normaliser was wrong); an `unknown` second verdict leaves the first standing, reported.
/// Table checks and `ct` have no second method.
fn cross_check(
    ctx: &Ctx,
    ob: &Obligation,
    opts: &Options,
    verdict: Verdict,
) -> (Verdict, Option<CrossOutcome>) {
    let Some(cross) = opts.cross_check else {
        return (verdict, None);
    };
    if !matches!(verdict, Verdict::Proved(_))
        || matches!(ob.kind, Kind::Effects | Kind::ConstantTime)
    {
        return (verdict, None);
    }
    let start = Instant::now();
    let second = match check_obligation(ctx, ob, &cross.options(opts)) {
        Ok((v, _)) => v,
        Err(e) => Verdict::Error(format!("{e:#}")),
    };
    let outcome = CrossOutcome {
        solver: cross.solver,
        verdict: second.clone(),
        ms: start.elapsed().as_secs_f64() * 1e3,
    };
    match second {
        Verdict::Counterexample(mut c) => {
            c.note = Some(format!(
                "proved ({}) with the normaliser, refuted without it: the normaliser is wrong here",
                match &verdict {
                    Verdict::Proved(m) => m.to_string(),
                    _ => unreachable!("only proofs are cross-checked"),
                }
            ));
            (Verdict::Counterexample(c), Some(outcome))
        }
        _ => (verdict, Some(outcome)),
    }
}

/// The verdict of a proof that relies on lemma `lemma`, which was not proved (`why`). A proof
/// is only as good as its lemmas; a lemma that is `unknown` (a timeout is not a refutation)
/// leaves the proof `unknown`, not wrong.
fn relying_on(lemma: &str, why: &Verdict) -> Verdict {
    match why {
        Verdict::Unknown(reason) => Verdict::Unknown(format!(
            "the proof relies on `{lemma}`, which is unknown ({reason})"
        )),
        Verdict::Counterexample(_) => Verdict::Error(format!(
            "the proof relies on `{lemma}`, which does not hold"
        )),
        _ => Verdict::Error(format!(
            "the proof relies on `{lemma}`, which could not be checked"
        )),
    }
}

fn save(out: &mut Outcome, opts: &Options) {
    if let (Verdict::Counterexample(c), Some(dir)) = (&out.verdict, &opts.save_dir) {
        match c.save(dir) {
            Ok(p) => out.saved = Some(p),
            Err(e) => {
                out.verdict = Verdict::Error(format!("counterexample found but not saved: {e:#}"))
            }
        }
    }
}

/// Evaluate both sides of `ob` concretely on `env` (for replay): labelled
/// values of the left and right layer.
pub fn evaluate(
    ctx: &Ctx,
    ob: &Obligation,
    env: &HashMap<String, Bits>,
) -> Result<(Vec<Value>, Vec<Value>)> {
    let mut d = models::Concrete;
    let mut arm = |_: &mut models::Concrete, m, env: &HashMap<String, Bits>| -> Result<Bits> {
        let mut t = Terms::new();
        let trace = models::arm::read_trace(&ctx.trace_path(m), &mut t)?;
        let mut full = env.clone();
        let widths: HashMap<String, u32> = t.vars(&[trace.output.1]).into_iter().collect();
        for u in &trace.undefined {
            // ARM's `undefined` values are inputs of the obligation (zero unless given).
            let w = widths.get(u).copied().unwrap_or(128);
            full.entry(u.clone()).or_insert(Bits::zero(w));
        }
        Ok(t.eval(&[trace.output.1], &full).map_err(|e| anyhow!(e))?[0])
    };
    let sides = build::build(&mut d, ctx, ob, env, &mut arm, None)?;
    let conv = |v: &[build::Labelled<Bits>]| {
        v.iter()
            .map(|l| Value::new(l.label.clone(), &l.value))
            .collect()
    };
    Ok((conv(&sides.left), conv(&sides.right)))
}

/// Exit codes: 0 all proved, 1 counterexample, 3 unknown, 4 error
/// (2 is clap's usage error). The most serious outcome wins.
pub fn exit_code(outcomes: &[Outcome]) -> i32 {
    let has = |n: &str| outcomes.iter().any(|o| o.verdict.name() == n);
    if has("counterexample") {
        1
    } else if has("error") {
        4
    } else if has("unknown") {
        3
    } else {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts() -> Options {
        Options {
            solver: SolverChoice::Z3,
            timeout_ms: 10_000,
            smt_dir: None,
            fast_path: true,
            normalise: true,
            probe: true,
            save_dir: None,
            jobs: 1,
            cross_check: None,
        }
    }

    /// A proof resting on a lemma the solver could not decide is `unknown` (exit 3), not an
    /// error; on a refuted lemma it is an error.
    #[test]
    fn proofs_inherit_unknown_lemmas_as_unknown() {
        let timeout = Verdict::Unknown("timeout after 20000 ms".into());
        let v = relying_on("lemma: choose = x", &timeout);
        assert!(
            matches!(&v, Verdict::Unknown(r) if r.contains("timeout")),
            "{v}"
        );
        let outcome = |verdict| Outcome {
            family: "sha1".into(),
            id: "x".into(),
            intrinsic: "x".into(),
            kind: "equivalence",
            left: Layer::Engine,
            right: Layer::Engine,
            verdict,
            ms: 0.0,
            saved: None,
            lemmas: vec![],
            cross: None,
            modules: vec![],
        };
        assert_eq!(exit_code(&[outcome(v)]), 3);
        let v = relying_on("lemma: choose = x", &Verdict::Error("bad".into()));
        assert!(matches!(v, Verdict::Error(_)), "{v}");
    }

    /// A lemma obligation can fail: a formula that is not Choose, labelled as Choose.
    #[test]
    fn a_wrong_lemma_is_refuted() {
        let wrong = Lemma {
            function: Function::Bool3(models::Bool3::Choose),
            formula: "(bvxor (bvand x y) z)".into(),
            width: 32,
            size: 0,
            values: vec![],
        };
        assert!(matches!(
            check_lemma(&wrong, &opts()).unwrap(),
            Verdict::Counterexample(_)
        ));
        let right = Lemma {
            function: Function::Bool3(models::Bool3::Choose),
            formula: "(bvxor z (bvand x (bvxor y z)))".into(),
            width: 32,
            size: 0,
            values: vec![],
        };
        assert!(matches!(
            check_lemma(&right, &opts()).unwrap(),
            Verdict::Proved(_)
        ));
    }

    #[test]
    fn exit_codes_rank_the_most_serious_verdict() {
        let o = |v: Verdict| Outcome {
            family: String::new(),
            id: String::new(),
            intrinsic: String::new(),
            kind: "refinement",
            left: Layer::C,
            right: Layer::Engine,
            verdict: v,
            ms: 0.0,
            saved: None,
            lemmas: vec![],
            cross: None,
            modules: vec![],
        };
        let proved = || o(Verdict::Proved(Method::Syntactic));
        assert_eq!(exit_code(&[proved()]), 0);
        assert_eq!(exit_code(&[proved(), o(Verdict::Unknown("t".into()))]), 3);
        assert_eq!(
            exit_code(&[
                o(Verdict::Unknown("t".into())),
                o(Verdict::Error("e".into()))
            ]),
            4
        );
        assert_eq!(
            exit_code(&[
                o(Verdict::Error("e".into())),
                o(Verdict::Unknown("t".into()))
            ]),
            4
        );
        let cex = serde_json::from_str::<Counterexample>(
            r#"{"schema":"s","family":"f","obligation":"o","intrinsic":"i","kind":"k","left":"c","right":"engine","statement":"","variant":null,"found_by":"z3","inputs":[],"left_values":[],"right_values":[],"differing_lanes":[]}"#,
        )
        .unwrap();
        assert_eq!(
            exit_code(&[
                o(Verdict::Error("e".into())),
                o(Verdict::Counterexample(Box::new(cex)))
            ]),
            1
        );
    }
}
