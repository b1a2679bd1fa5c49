//! Translation validation of the function-level rewrites the engine applies between
//! Cranelift's mid-end and instruction selection ([`LoweringTable::before_lowering`]): (D)
//! carrying lane-0 scalars in vector registers, (E) merging equal markers, composing
//! shuffles, the rewrite rules and removing dead code.
//!
//! Those rewrites replace pure computations only, so the function before and after must have
//! the same blocks, branches and effects (loads, stores, calls, anything that may trap) in the
//! same order; that is checked first. Then every value either side gives an effect, a branch
//! or a `return` is evaluated over terms: block parameters and effect results are variables
//! shared by the two sides, pure instructions run on the CLIF model (`models::clif`), the
//! instructions a rewrite reasons about get their meaning from an [`Opaque`] (markers,
//! placeholders), and anything else is an uninterpreted function of its normalised operands
//! (the same instruction on equal operands gives equal results). The normaliser must bring the
//! two sides of every such value to one term. By induction over any execution, both functions
//! then enter the same blocks with related parameters and perform the same effects on equal
//! operands: they are equal, traps included.
//!
//! Loop-carried values: a block parameter whose type changed from `i32` to `i32x4` (a scalar
//! carried in lane 0) is related by "lane 0 after = the value before", the other lanes free;
//! every edge into the block must establish it.
//!
//! [`LoweringTable::before_lowering`]: crate::LoweringTable::before_lowering

use std::collections::HashMap;
use std::fmt;

use cranelift_codegen::ir::types::{I32, I32X4};
use cranelift_codegen::ir::{Block, Function, Inst, InstructionData, Opcode, Value, ValueDef};
use models::normalise::normalise;
use models::x86::aes::AesStep;
use models::x86::X86Inst;
use models::{Domain, TermId, Terms};

use crate::native::{marker_flags, placeholder_operands, Sites};

/// What validating one function found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// The rewrites left the function as it was.
    Unchanged,
    /// Equal on every effect, branch and return (`observables` values compared).
    Proved { observables: usize },
    /// The two functions differ: the first value that differs, or a difference in structure.
    Refuted(Mismatch),
    /// Something the validator cannot reason about (the rewrite is then not applied either).
    Unsupported(String),
}

impl Verdict {
    /// The verdict word reports use: `unchanged`, `proved`, `refuted`, `unknown`.
    pub fn name(&self) -> &'static str {
        match self {
            Verdict::Unchanged => "unchanged",
            Verdict::Proved { .. } => "proved",
            Verdict::Refuted(_) => "refuted",
            Verdict::Unsupported(_) => "unknown",
        }
    }

    /// May the rewritten function be used?
    pub fn holds(&self) -> bool {
        matches!(self, Verdict::Unchanged | Verdict::Proved { .. })
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Verdict::Unchanged => write!(f, "unchanged"),
            Verdict::Proved { observables } => {
                write!(f, "proved ({observables} values compared)")
            }
            Verdict::Refuted(m) => write!(f, "refuted: {m}"),
            Verdict::Unsupported(why) => write!(f, "unknown: {why}"),
        }
    }
}

/// Where the rewritten function stops agreeing with the original.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mismatch {
    pub block: String,
    /// The instruction (as it reads before the rewrites) and which of its values.
    pub at: String,
    pub what: String,
    /// The value before and after the rewrites, as normalised terms (empty for a structural
    /// difference).
    pub before: String,
    pub after: String,
    /// The innermost opaque application where the two sides differ, if there is one.
    pub divergence: Option<String>,
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}: {}", self.block, self.at, self.what)?;
        if !self.before.is_empty() || !self.after.is_empty() {
            write!(
                f,
                "\n      before: {}\n      after:  {}",
                self.before, self.after
            )?;
        }
        if let Some(d) = &self.divergence {
            write!(f, "\n      {d}")?;
        }
        Ok(())
    }
}

/// Opaque functions, one variable per distinct application: the same function on operands
/// with the same normal form gives the same variable (congruence, decided syntactically:
/// operands that are equal but normalise differently give different variables, which can
/// only make validation fail, never pass wrongly).
#[derive(Default)]
pub struct Functions {
    by_key: HashMap<String, TermId>,
    applications: HashMap<TermId, (String, Vec<TermId>)>,
}

impl Functions {
    /// `name(args)` as a `width`-bit variable.
    pub fn apply(&mut self, t: &mut Terms, name: &str, args: &[TermId], width: u32) -> TermId {
        let args: Vec<TermId> = args.iter().map(|&a| normalise(t, a)).collect();
        let key = format!(
            "{name}/{width}({})",
            args.iter()
                .map(|&a| {
                    canonical_bytes(t, a)
                        .iter()
                        .map(|b| b.0.to_string())
                        .collect::<Vec<_>>()
                        .join(".")
                })
                .collect::<Vec<_>>()
                .join(",")
        );
        if let Some(&v) = self.by_key.get(&key) {
            return v;
        }
        let v = t.var(&format!("{name}#{}", self.by_key.len()), width);
        self.by_key.insert(key, v);
        self.applications.insert(v, (name.to_string(), args));
        v
    }

    /// Where two different terms first diverge: the innermost pair of applications of the
    /// same function (one only in `a`, one only in `b`) whose operands differ, and the first
    /// operand that differs. `None` if the difference is not under such a pair.
    pub fn divergence(&self, t: &Terms, a: TermId, b: TermId) -> Option<String> {
        let apps = |root: TermId| -> Vec<TermId> {
            t.postorder(&[root])
                .into_iter()
                .filter(|x| self.applications.contains_key(x))
                .collect()
        };
        let (in_a, in_b) = (apps(a), apps(b));
        // Children first: the first pair found is the innermost.
        for &x in in_a.iter().filter(|x| !in_b.contains(x)) {
            let (name, xs) = &self.applications[&x];
            for &y in in_b.iter().filter(|y| !in_a.contains(y)) {
                let (other, ys) = &self.applications[&y];
                if name != other || xs.len() != ys.len() {
                    continue;
                }
                let Some(i) = (0..xs.len()).find(|&i| xs[i] != ys[i]) else {
                    continue;
                };
                if let Some(deeper) = self.divergence(t, xs[i], ys[i]) {
                    return Some(deeper);
                }
                return Some(format!(
                    "first difference: operand {i} of {name}\n      before: {}\n      after:  {}",
                    shorten(t.display(xs[i])),
                    shorten(t.display(ys[i]))
                ));
            }
        }
        None
    }

    /// `v` for a report: an application with its operands (one level), other terms as they
    /// are.
    pub fn describe(&self, t: &Terms, v: TermId) -> String {
        match self.applications.get(&v) {
            Some((name, args)) => {
                let args: Vec<String> = args.iter().map(|&a| t.display(a)).collect();
                shorten(format!("{name}({})", args.join(", ")))
            }
            None => shorten(t.display(v)),
        }
    }

    /// The function and operands `v` is an application of, if it is one.
    pub fn application(&self, v: TermId) -> Option<(&str, &[TermId])> {
        self.applications
            .get(&v)
            .map(|(n, a)| (n.as_str(), a.as_slice()))
    }
}

/// A value as its normalised bytes (or itself, normalised, if its width is not a multiple of
/// 8). Two terms with the same bytes are equal; this catches equal values the normaliser
/// leaves in different shapes, such as a vector XOR of a byte permutation against the
/// permutation of byte XORs.
fn canonical_bytes(t: &mut Terms, v: TermId) -> Vec<TermId> {
    let w = t.width(&v);
    if !w.is_multiple_of(8) || w <= 8 {
        return vec![normalise(t, v)];
    }
    (0..w / 8)
        .map(|i| {
            let b = t.extract(&v, 8 * i + 7, 8 * i);
            normalise(t, b)
        })
        .collect()
}

/// Are `a` and `b` equal, as far as normal forms show?
fn same(t: &mut Terms, a: TermId, b: TermId) -> bool {
    normalise(t, a) == normalise(t, b) || canonical_bytes(t, a) == canonical_bytes(t, b)
}

/// Meanings for instructions the CLIF model does not interpret but the rewrites reason about.
pub trait Opaque {
    /// `Some(results)` if `inst` is one of them; `term_of` gives the term of any value
    /// defined before `inst`.
    fn eval(
        &self,
        t: &mut Terms,
        functions: &mut Functions,
        func: &Function,
        inst: Inst,
        term_of: &dyn Fn(Value) -> Option<TermId>,
    ) -> Option<Result<Vec<TermId>, String>>;
}

/// The terms of `values` (an instruction's operands), or which one has none.
fn operand_terms(
    values: &[Value],
    term_of: &dyn Fn(Value) -> Option<TermId>,
) -> Result<Vec<TermId>, String> {
    values
        .iter()
        .map(|&v| term_of(v).ok_or_else(|| format!("operand {v} has no value")))
        .collect()
}

/// How a block parameter after the rewrites relates to the one before.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum Relation {
    Equal,
    /// Before: `i32`; after: `i32x4` whose lane 0 is that value.
    Lane0,
}

/// Validate that `after` (the rewritten function) equals `before`.
pub fn validate(before: &Function, after: &Function, opaque: &dyn Opaque) -> Verdict {
    if before.display().to_string() == after.display().to_string() {
        return Verdict::Unchanged;
    }
    match Validation::run(before, after, opaque) {
        Ok(v) => v,
        Err(why) => Verdict::Unsupported(why),
    }
}

struct Validation<'a> {
    before: &'a Function,
    after: &'a Function,
    blocks: Vec<Block>,
    relations: HashMap<Block, Vec<Relation>>,
    t: Terms,
}

/// One side evaluated: every value's term, and each block's effects in order.
struct Evaluated {
    vals: HashMap<Value, TermId>,
    effects: HashMap<Block, Vec<Inst>>,
}

fn structural(block: Block, at: String, what: String) -> Verdict {
    Verdict::Refuted(Mismatch {
        block: block.to_string(),
        at,
        what,
        before: String::new(),
        after: String::new(),
        divergence: None,
    })
}

impl<'a> Validation<'a> {
    fn run(before: &Function, after: &Function, opaque: &dyn Opaque) -> Result<Verdict, String> {
        let blocks = reverse_postorder(before);
        if blocks != reverse_postorder(after) {
            return Ok(structural(
                before.layout.entry_block().expect("a function has blocks"),
                "control flow".into(),
                "the blocks or the branches between them differ".into(),
            ));
        }
        let mut relations = HashMap::new();
        for &b in &blocks {
            let (pb, pa) = (before.dfg.block_params(b), after.dfg.block_params(b));
            if pb.len() != pa.len() {
                return Ok(structural(
                    b,
                    "parameters".into(),
                    format!("{} before, {} after", pb.len(), pa.len()),
                ));
            }
            let mut rel = Vec::new();
            for (&x, &y) in pb.iter().zip(pa) {
                let (tx, ty) = (before.dfg.value_type(x), after.dfg.value_type(y));
                rel.push(match (tx, ty) {
                    _ if tx == ty => Relation::Equal,
                    (I32, I32X4) => Relation::Lane0,
                    _ => {
                        return Ok(structural(
                            b,
                            format!("parameter {x}"),
                            format!("type {tx} became {ty}, which no rewrite does"),
                        ))
                    }
                });
            }
            relations.insert(b, rel);
        }
        let mut v = Validation {
            before,
            after,
            blocks,
            relations,
            t: Terms::new(),
        };
        let mut functions = Functions::default();
        let eb = v.evaluate(before, false, opaque, &mut functions)?;
        let ea = v.evaluate(after, true, opaque, &mut functions)?;
        v.compare(&eb, &ea, &functions)
    }

    fn evaluate(
        &mut self,
        func: &Function,
        is_after: bool,
        opaque: &dyn Opaque,
        functions: &mut Functions,
    ) -> Result<Evaluated, String> {
        let mut vals: HashMap<Value, TermId> = HashMap::new();
        let mut effects: HashMap<Block, Vec<Inst>> = HashMap::new();
        let t = &mut self.t;
        for &block in &self.blocks {
            for (i, &p) in func.dfg.block_params(block).iter().enumerate() {
                let name = format!("{block}.param{i}");
                let term = match self.relations[&block][i] {
                    Relation::Lane0 if is_after => {
                        let lane0 = t.var(&name, 32);
                        let rest = t.var(&format!("{name}.lanes3-1"), 96);
                        t.concat(&rest, &lane0)
                    }
                    _ => t.var(&name, width_of(func, p)?),
                };
                vals.insert(p, term);
            }
            let mut block_effects = Vec::new();
            for inst in func.layout.block_insts(block) {
                let results = func.dfg.inst_results(inst).to_vec();
                let lookup = |v: Value| vals.get(&func.dfg.resolve_aliases(v)).copied();
                let outs = if let Some(r) = opaque.eval(t, functions, func, inst, &lookup) {
                    r.map_err(|e| format!("{}: {e}", func.dfg.display_inst(inst)))?
                } else if has_effect(func, inst) {
                    let k = block_effects.len();
                    block_effects.push(inst);
                    results
                        .iter()
                        .enumerate()
                        .map(|(j, &r)| {
                            Ok(t.var(&format!("{block}.effect{k}.result{j}"), width_of(func, r)?))
                        })
                        .collect::<Result<_, String>>()?
                } else {
                    let args = operand_terms(func.dfg.inst_args(inst), &lookup)
                        .map_err(|e| format!("{block}: {e}"))?;
                    match models::clif::eval_inst(t, func, inst, &args) {
                        Ok(outs) => outs,
                        Err(_) => {
                            let name = shape(func, inst);
                            results
                                .iter()
                                .enumerate()
                                .map(|(j, &r)| {
                                    let w = width_of(func, r)?;
                                    Ok(functions.apply(t, &format!("{name}.{j}"), &args, w))
                                })
                                .collect::<Result<_, String>>()?
                        }
                    }
                };
                if outs.len() != results.len() {
                    return Err(format!(
                        "{}: {} results, the model gave {}",
                        func.dfg.display_inst(inst),
                        results.len(),
                        outs.len()
                    ));
                }
                for (r, o) in results.into_iter().zip(outs) {
                    vals.insert(r, o);
                }
            }
            effects.insert(block, block_effects);
        }
        Ok(Evaluated { vals, effects })
    }

    fn compare(
        &mut self,
        eb: &Evaluated,
        ea: &Evaluated,
        functions: &Functions,
    ) -> Result<Verdict, String> {
        let (before, after) = (self.before, self.after);
        let mut observables = 0;
        for &block in &self.blocks {
            let (xs, ys) = (&eb.effects[&block], &ea.effects[&block]);
            if xs.len() != ys.len() {
                return Ok(structural(
                    block,
                    "effects".into(),
                    format!("{} before the rewrites, {} after", xs.len(), ys.len()),
                ));
            }
            for (&x, &y) in xs.iter().zip(ys) {
                let at = before.dfg.display_inst(x).to_string();
                if shape(before, x) != shape(after, y) {
                    return Ok(structural(
                        block,
                        at,
                        format!("became `{}`", after.dfg.display_inst(y)),
                    ));
                }
                // Operands: all equal; block arguments as their parameters relate.
                let mut pairs: Vec<(String, Value, Value, Relation)> = before
                    .dfg
                    .inst_args(x)
                    .iter()
                    .zip(after.dfg.inst_args(y))
                    .enumerate()
                    .map(|(i, (&a, &b))| (format!("operand {i}"), a, b, Relation::Equal))
                    .collect();
                let (db, da) = (destinations(before, x), destinations(after, y));
                for ((target, args_b), (_, args_a)) in db.iter().zip(&da) {
                    for (i, (&a, &b)) in args_b.iter().zip(args_a).enumerate() {
                        let rel = self.relations.get(target).map_or(Relation::Equal, |r| r[i]);
                        pairs.push((format!("argument {i} to {target}"), a, b, rel));
                    }
                }
                for (what, a, b, rel) in pairs {
                    let term = |e: &Evaluated, f: &Function, v: Value| {
                        e.vals
                            .get(&f.dfg.resolve_aliases(v))
                            .copied()
                            .ok_or_else(|| format!("{v} in {block} has no value"))
                    };
                    let (ta, tb) = (term(eb, before, a)?, term(ea, after, b)?);
                    let t = &mut self.t;
                    let tb = match rel {
                        Relation::Equal => tb,
                        Relation::Lane0 => t.extract(&tb, 31, 0),
                    };
                    if t.width(&ta) != t.width(&tb) {
                        return Ok(structural(block, at, format!("{what} changed width")));
                    }
                    observables += 1;
                    if !same(t, ta, tb) {
                        let (na, nb) = (normalise(t, ta), normalise(t, tb));
                        let what = match rel {
                            Relation::Equal => what,
                            Relation::Lane0 => format!("{what} (lane 0 after the rewrites)"),
                        };
                        return Ok(Verdict::Refuted(Mismatch {
                            block: block.to_string(),
                            at,
                            what,
                            before: functions.describe(t, na),
                            after: functions.describe(t, nb),
                            divergence: functions.divergence(t, na, nb),
                        }));
                    }
                }
            }
        }
        Ok(Verdict::Proved { observables })
    }
}

fn shorten(s: String) -> String {
    const MAX: usize = 600;
    if s.len() <= MAX {
        return s;
    }
    let mut cut = MAX;
    while !s.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{} ... ({} characters)", &s[..cut], s.len())
}

fn width_of(func: &Function, v: Value) -> Result<u32, String> {
    let ty = func.dfg.value_type(v);
    match ty.bits() {
        0 => Err(format!("{v} has type {ty}, which has no bit width")),
        w => Ok(w),
    }
}

/// Loads, stores, calls, traps, branches: what the rewrites must keep as they are.
pub(crate) fn has_effect(func: &Function, inst: Inst) -> bool {
    let op = func.dfg.insts[inst].opcode();
    op.is_call()
        || op.is_branch()
        || op.is_terminator()
        || op.can_load()
        || op.can_store()
        || op.can_trap()
        || op.other_side_effects()
        || func.dfg.inst_results(inst).is_empty()
}

/// The instruction with its values blanked: opcode, immediates, flags, block targets, result
/// types. Two effects correspond if their shapes are equal.
fn shape(func: &Function, inst: Inst) -> String {
    let text = func.dfg.display_inst(inst).to_string();
    let text = text.split_once(" = ").map_or(text.as_str(), |(_, r)| r);
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    let mut prev_ident = false;
    while let Some(c) = chars.next() {
        if c == 'v' && !prev_ident && chars.peek().is_some_and(|d| d.is_ascii_digit()) {
            while chars.peek().is_some_and(|d| d.is_ascii_digit()) {
                chars.next();
            }
            out.push('_');
            prev_ident = true;
            continue;
        }
        prev_ident = c.is_ascii_alphanumeric() || c == '_' || c == '.';
        out.push(c);
    }
    let types: Vec<String> = func
        .dfg
        .inst_results(inst)
        .iter()
        .map(|&r| func.dfg.value_type(r).to_string())
        .collect();
    format!("{out} -> ({})", types.join(", "))
}

/// Each destination of a branch: the block and the values passed.
fn destinations(func: &Function, inst: Inst) -> Vec<(Block, Vec<Value>)> {
    let dfg = &func.dfg;
    dfg.insts[inst]
        .branch_destination(&dfg.jump_tables, &dfg.exception_tables)
        .iter()
        .map(|call| {
            let args = call
                .args(&dfg.value_lists)
                .filter_map(|a| a.as_value())
                .collect();
            (call.block(&dfg.value_lists), args)
        })
        .collect()
}

/// Blocks reachable from the entry, each after the blocks that dominate it (so every value is
/// evaluated after its definition).
fn reverse_postorder(func: &Function) -> Vec<Block> {
    let Some(entry) = func.layout.entry_block() else {
        return Vec::new();
    };
    let mut seen = std::collections::HashSet::from([entry]);
    let mut post = Vec::new();
    let mut stack = vec![(entry, 0usize)];
    while let Some((b, next)) = stack.pop() {
        let succs: Vec<Block> = func
            .layout
            .last_inst(b)
            .map(|i| destinations(func, i).into_iter().map(|(t, _)| t).collect())
            .unwrap_or_default();
        if let Some(&s) = succs.get(next) {
            stack.push((b, next + 1));
            if seen.insert(s) {
                stack.push((s, 0));
            }
        } else {
            post.push(b);
        }
    }
    post.reverse();
    post
}

/// (D): a placeholder (the marked bitcast back to `i32x4` of a float op) is its instruction,
/// an opaque function of the bits its operands' views read (`spec::isa`, checked against the
/// AArch64 model by `effects(native)`): what lets a scalar carried in lane 0 stand for its
/// broadcast.
pub struct Placeholders<'a> {
    pub sites: &'a Sites,
}

impl Opaque for Placeholders<'_> {
    fn eval(
        &self,
        t: &mut Terms,
        functions: &mut Functions,
        func: &Function,
        inst: Inst,
        term_of: &dyn Fn(Value) -> Option<TermId>,
    ) -> Option<Result<Vec<TermId>, String>> {
        let InstructionData::LoadNoOffset {
            opcode: Opcode::Bitcast,
            arg,
            flags,
        } = func.dfg.insts[inst]
        else {
            return None;
        };
        if func.dfg.mem_flags[flags] != marker_flags()
            || func.dfg.value_type(func.dfg.first_result(inst)) != I32X4
        {
            return None;
        }
        let ValueDef::Result(float, _) = func.dfg.value_def(arg) else {
            return None;
        };
        let (m, operands) = placeholder_operands(func, self.sites, float)?;
        let mut reads = Vec::new();
        for field in m.desc().read_fields() {
            let view = m.desc().operand(field).expect("a read field").view;
            let Some(v) = operands.get(field) else {
                return Some(Err(format!(
                    "{m} placeholder without its {field:?} operand"
                )));
            };
            let Some(term) = term_of(v) else {
                return Some(Err(format!("{m}: operand {v} has no value")));
            };
            reads.push(t.extract(&term, view.bits() - 1, 0));
        }
        Some(Ok(vec![functions.apply(t, m.name(), &reads, 128)]))
    }
}

/// (E): an x86 marker is its instruction. AES instructions are their steps
/// (`models::x86::aes::steps`, the list the x86 model itself runs), each an opaque function,
/// with one lemma: InvMixColumns three times is MixColumns (MixColumns' matrix is the cube
/// of InvMixColumns'; the `rewrite(aese-aesmc-to-aesenc)` obligation proves
/// `InvMix^3(ShiftSub(x)) = Mix(ShiftSub(x))` for all `x`, and ShiftSub is a bijection).
/// SHA1NEXTE (a rotate and an add) runs on the x86 model; the other instructions are opaque.
pub struct X86Markers;

impl Opaque for X86Markers {
    fn eval(
        &self,
        t: &mut Terms,
        functions: &mut Functions,
        func: &Function,
        inst: Inst,
        term_of: &dyn Fn(Value) -> Option<TermId>,
    ) -> Option<Result<Vec<TermId>, String>> {
        let x = crate::x86::x86_marker_of(func, inst)?;
        let args = match operand_terms(func.dfg.inst_args(inst), term_of) {
            Ok(args) => args,
            Err(e) => return Some(Err(e)),
        };
        if args.len() < 2 {
            return Some(Err(format!("{x} marker with {} operands", args.len())));
        }
        let result = if let Some((steps, key)) = models::x86::aes::steps(x) {
            let mut s = if key { args[0] } else { args[1] };
            for &step in steps {
                s = aes_step(t, functions, step, s);
            }
            if key {
                t.xor(&s, &args[1])
            } else {
                s
            }
        } else if x == X86Inst::Sha1nexte {
            let zero = t.lit(128, 0);
            models::x86::execute(t, x, &args[0], &args[1], &zero)
        } else {
            let name = match x.imm8() {
                Some(imm) => format!("{}.{imm:#x}", x.mnemonic()),
                None => x.mnemonic().to_string(),
            };
            functions.apply(t, &name, &args, 128)
        };
        Some(Ok(vec![result]))
    }
}

fn aes_step(t: &mut Terms, functions: &mut Functions, step: AesStep, s: TermId) -> TermId {
    if step == AesStep::InvMixColumns {
        // InvMix(InvMix(InvMix(w))) = Mix(w).
        let inner = |functions: &Functions, t: &mut Terms, v: TermId| {
            let v = normalise(t, v);
            match functions.application(v) {
                Some((n, [w])) if n == AesStep::InvMixColumns.name() => Some(*w),
                _ => None,
            }
        };
        if let Some(w) = inner(functions, t, s).and_then(|u| inner(functions, t, u)) {
            return functions.apply(t, AesStep::MixColumns.name(), &[w], 128);
        }
    }
    functions.apply(t, step.name(), &[s], 128)
}

#[cfg(test)]
mod tests {
    use super::*;
    use cranelift_codegen::ir::types::I64;
    use cranelift_codegen::ir::{AbiParam, InstBuilder, MemFlagsData, Signature, UserFuncName};
    use cranelift_codegen::isa::CallConv;
    use cranelift_codegen::isa::TargetFrontendConfig;
    use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
    use target_lexicon::PointerWidth;

    /// No opaque instructions.
    struct None_;
    impl Opaque for None_ {
        fn eval(
            &self,
            _: &mut Terms,
            _: &mut Functions,
            _: &Function,
            _: Inst,
            _: &dyn Fn(Value) -> Option<TermId>,
        ) -> Option<Result<Vec<TermId>, String>> {
            None
        }
    }

    /// `f(x, y: i32x4, p: i64)`: stores what `body` computes from x and y at p (if `store`),
    /// then loops once through a block that carries x, and returns it.
    fn function(
        store: bool,
        body: impl Fn(&mut FunctionBuilder, Value, Value) -> Value,
    ) -> Function {
        let mut sig = Signature::new(CallConv::SystemV);
        sig.params = vec![
            AbiParam::new(I32X4),
            AbiParam::new(I32X4),
            AbiParam::new(I64),
        ];
        sig.returns = vec![AbiParam::new(I32X4)];
        let mut func = Function::with_name_signature(UserFuncName::user(0, 0), sig);
        let mut ctx = FunctionBuilderContext::new();
        let mut b = FunctionBuilder::new(&mut func, &mut ctx);
        let (entry, next) = (b.create_block(), b.create_block());
        b.append_block_params_for_function_params(entry);
        b.append_block_param(next, I32X4);
        b.switch_to_block(entry);
        let [x, y, p] = b.block_params(entry).try_into().unwrap();
        let v = body(&mut b, x, y);
        if store {
            b.ins().store(MemFlagsData::new().with_notrap(), v, p, 0);
        }
        b.ins().jump(next, &[v.into()]);
        b.switch_to_block(next);
        let r = b.block_params(next)[0];
        b.ins().return_(&[r]);
        b.seal_all_blocks();
        b.finalize(TargetFrontendConfig {
            default_call_conv: CallConv::SystemV,
            pointer_width: PointerWidth::U64,
            page_size_align_log2: 12,
        });
        func
    }

    #[test]
    fn equal_rewrites_are_proved_and_unequal_ones_refuted_at_the_first_difference() {
        let before = function(true, |b, x, y| b.ins().bxor(x, y));
        assert_eq!(
            validate(&before, &before.clone(), &None_),
            Verdict::Unchanged
        );
        // Operands commuted, and a detour through bytes: the same value.
        let after = function(true, |b, x, y| {
            let flags = crate::domain::little_endian();
            let xb = b
                .ins()
                .bitcast(cranelift_codegen::ir::types::I8X16, flags, x);
            let yb = b
                .ins()
                .bitcast(cranelift_codegen::ir::types::I8X16, flags, y);
            let v = b.ins().bxor(yb, xb);
            b.ins().bitcast(I32X4, flags, v)
        });
        assert!(
            matches!(
                validate(&before, &after, &None_),
                Verdict::Proved { observables: 4 }
            ),
            "{}",
            validate(&before, &after, &None_)
        );
        // A different value: refuted where it is stored.
        let wrong = function(true, |b, x, y| b.ins().bor(x, y));
        match validate(&before, &wrong, &None_) {
            Verdict::Refuted(m) => {
                assert!(m.at.starts_with("store"), "{m}");
                assert_eq!(m.what, "operand 0", "{m}");
                assert!(
                    m.before.contains("bvxor") && m.after.contains("bvor"),
                    "{m}"
                );
            }
            other => panic!("{other}"),
        }
        // A store dropped: refuted as a difference in structure.
        let dropped = function(false, |b, x, y| b.ins().bxor(x, y));
        match validate(&before, &dropped, &None_) {
            Verdict::Refuted(m) => assert_eq!(m.at, "effects", "{m}"),
            other => panic!("{other}"),
        }
    }

    #[test]
    fn unmodelled_instructions_are_functions_of_their_operands() {
        // `udiv` is not modelled (it may trap: an effect); an opaque pure op on the same
        // operands agrees with itself, on different operands it does not.
        let f = |swap: bool| {
            function(true, move |b, x, y| {
                let (a, c) = if swap { (y, x) } else { (x, y) };
                let fa = b.ins().bitcast(
                    cranelift_codegen::ir::types::F32X4,
                    crate::domain::little_endian(),
                    a,
                );
                let fc = b.ins().bitcast(
                    cranelift_codegen::ir::types::F32X4,
                    crate::domain::little_endian(),
                    c,
                );
                let s = b.ins().fsub(fa, fc);
                b.ins().bitcast(I32X4, crate::domain::little_endian(), s)
            })
        };
        let (before, same, swapped) = (f(false), f(false), f(true));
        assert_eq!(validate(&before, &same, &None_), Verdict::Unchanged);
        let mut renamed = same.clone();
        renamed.name = UserFuncName::user(0, 1);
        assert!(validate(&before, &renamed, &None_).holds());
        assert!(matches!(
            validate(&before, &swapped, &None_),
            Verdict::Refuted(_)
        ));
    }
}
