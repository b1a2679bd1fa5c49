//! `LoweringTable`: resolves the spec's engine-intrinsic imports and emits the selected
//! lowering at each call site; for the native lowering it is also the post-pass.

use std::sync::Mutex;

use anyhow::{bail, Result};
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::types::{I32, I32X4, I64};
use cranelift_codegen::ir::{
    AbiParam, DataFlowGraph, Endianness, Function, InstBuilder, InstructionData, Opcode, Signature,
    UserFuncName, Value, ValueDef,
};
use cranelift_codegen::isa::{CallConv, TargetFrontendConfig};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use spec::{Field, Mnemonic, Spec};

use crate::domain::little_endian;
use crate::native::{
    emit_marker, materialize_placeholders, native_entry, rewrite_function, CodeRange, NativeEntry,
    Sites, Verdict,
};
use crate::portable::{emit_portable, emit_portable_mutated};
use crate::x86::{emit_sequence, sequence_with, Sequence, Step};
use models::mutation::Mutation;

/// Import name of the availability query (`(i32 id) -> i32`).
pub const IS_AVAILABLE: &str = "__intrinsic_is_available";

/// Which code an intrinsic call becomes.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Pure CLIF generated from the engine model (any target).
    Portable,
    /// Register-shape placeholders re-encoded by the post-pass (AArch64 objects only).
    Aarch64Native,
    /// Lowering (E): x86 SHA/AES/PCLMULQDQ sequences ([`crate::x86`]); x86-64 hosts with the
    /// features only (the engine checks them before choosing it).
    X86Native,
}

#[derive(Clone, Debug)]
struct Param {
    field: Field,
    /// The spec says only the low 32 (`observes = [0]`) or 64 (`[0, 1]`) bits are observed:
    /// the engine may pass a value that agrees in those bits (lane-0 forwarding).
    forward_bits: Option<u32>,
}

#[derive(Clone, Debug)]
struct Entry {
    import_module: String,
    name: String,
    mnemonic: Mnemonic,
    /// Availability id (`wasm_arm_neon_is_available`).
    id: u32,
    params: Vec<Param>,
}

/// Where the post-pass looks up each instruction's native entry.
type NativeEntries = Box<dyn Fn(Mnemonic) -> Option<NativeEntry> + Send + Sync>;

/// The lowering of the spec's intrinsic families, built from their specs.
pub struct LoweringTable {
    entries: Vec<Entry>,
    /// Import modules the availability query is answered for.
    modules: Vec<String>,
    mode: Mode,
    forward_lane0: bool,
    /// Planted bugs (the verifier's broken corpus only): model mutations in the portable
    /// lowering of an instruction, and a replacement native entry table.
    portable_mutations: Vec<(Mnemonic, Vec<Mutation>)>,
    native_entries: NativeEntries,
    /// Planted bugs in lowering (E): steps of an instruction's x86 sequence replaced.
    x86_mutations: Vec<(Mnemonic, Vec<(usize, Step)>)>,
    /// Native mode: the call sites the pre-lowering step found in the function being compiled
    /// (the engine lowers and post-processes one function at a time).
    sites: Mutex<Sites>,
    /// Lowering (E): the placeholders of the function being compiled.
    x86_sites: Mutex<crate::x86::X86Sites>,
    /// Planted bugs in lowering (E)'s rewrite rules: steps of a rule's replacement replaced.
    x86_rule_mutations: Vec<(String, Vec<(usize, Step)>)>,
    /// Planted bug in (D)'s lane-0 carrying: scalar uses read this lane (0 is right).
    carry_read_lane: u8,
    /// Validate the function-level rewrites of [`Self::before_lowering`] (translation
    /// validation, [`crate::translation`]) and apply them only where they are shown.
    validate_rewrites: bool,
    /// What validation found, per function, in compilation order.
    validations: Mutex<Vec<FunctionValidation>>,
}

/// Translation validation of one function's rewrites.
#[derive(Clone, Debug)]
pub struct FunctionValidation {
    /// The function's CLIF name (`u0:<wasm function index>` for the engine's functions).
    pub function: String,
    /// Which rewrites were validated.
    pub rewrites: &'static str,
    pub verdict: crate::translation::Verdict,
    /// Whether the rewritten function is the one compiled (the rewrites were shown, or
    /// validation was off).
    pub applied: bool,
}

impl LoweringTable {
    /// A table for `specs` (lane-0 forwarding on).
    pub fn new(specs: &[Spec], mode: Mode) -> LoweringTable {
        let entries: Vec<Entry> = specs
            .iter()
            .flat_map(|s| {
                s.intrinsics.iter().map(|i| Entry {
                    import_module: s.import_module.clone(),
                    name: i.engine.name.clone(),
                    mnemonic: i.instruction,
                    id: i.id,
                    params: i
                        .engine
                        .params
                        .iter()
                        .map(|p| Param {
                            field: p.field,
                            forward_bits: match p.observes.as_slice() {
                                [0] => Some(32),
                                [0, 1] => Some(64),
                                _ => None,
                            },
                        })
                        .collect(),
                })
            })
            .collect();
        let mut modules: Vec<String> = entries.iter().map(|e| e.import_module.clone()).collect();
        modules.sort();
        modules.dedup();
        LoweringTable {
            entries,
            modules,
            mode,
            forward_lane0: true,
            portable_mutations: Vec::new(),
            native_entries: Box::new(native_entry),
            x86_mutations: Vec::new(),
            sites: Mutex::new(Sites::default()),
            x86_sites: Mutex::new(Default::default()),
            x86_rule_mutations: Vec::new(),
            carry_read_lane: 0,
            validate_rewrites: false,
            validations: Mutex::new(Vec::new()),
        }
    }

    /// Translation-validate the rewrites [`Self::before_lowering`] makes, function by
    /// function; a function whose rewrites are not shown equal is compiled without them.
    pub fn with_rewrite_validation(mut self, on: bool) -> Self {
        self.validate_rewrites = on;
        self
    }

    /// The validations made since the last call (one per function compiled in a native mode).
    pub fn take_validations(&self) -> Vec<FunctionValidation> {
        std::mem::take(&mut *self.validations.lock().unwrap())
    }

    /// Plant a bug in lowering (E)'s rewrite rule `rule`: steps of its replacement replaced
    /// (the verifier's broken corpus and the validation tests). The engine never calls this.
    pub fn with_x86_rule_steps(mut self, rule: &str, replaced: Vec<(usize, Step)>) -> Self {
        self.x86_rule_mutations.push((rule.to_string(), replaced));
        self
    }

    /// Plant a bug in (D)'s carrying of lane-0 scalars in vectors: scalar uses of a carried
    /// value read `lane` (translation validation's tests). The engine never calls this.
    pub fn with_planted_carry_read_lane(mut self, lane: u8) -> Self {
        self.carry_read_lane = lane;
        self
    }

    /// The rewrite rules this table applies, as (pattern, replacement).
    fn x86_rules(&self) -> Result<Vec<(Sequence, Sequence)>> {
        crate::x86::REWRITE_RULES
            .iter()
            .map(|r| {
                let replaced = self
                    .x86_rule_mutations
                    .iter()
                    .find(|(name, _)| name == r.name)
                    .map(|(_, steps)| steps.as_slice())
                    .unwrap_or_default();
                r.sequences(replaced)
            })
            .collect()
    }

    /// Keep `func` (rewritten from `before`) if validation is off or shows it equal;
    /// otherwise put `before` back. Records the verdict.
    fn validated(
        &self,
        before: Option<Function>,
        func: &mut Function,
        rewrites: &'static str,
        opaque: &dyn crate::translation::Opaque,
    ) {
        let Some(before) = before else {
            return;
        };
        let verdict = crate::translation::validate(&before, func, opaque);
        let applied = verdict.holds();
        if !applied {
            *func = before;
        }
        self.validations.lock().unwrap().push(FunctionValidation {
            function: func.name.to_string(),
            rewrites,
            verdict,
            applied,
        });
    }

    /// Plant bugs in the portable lowering of `m` (the verifier's broken corpus: the CLIF it
    /// checks is then this table's own emission, wrong). The engine never calls this.
    pub fn with_portable_mutations(mut self, m: Mnemonic, mutations: Vec<Mutation>) -> Self {
        self.portable_mutations.push((m, mutations));
        self
    }

    /// Plant bugs in lowering (E) of `m`: its x86 sequence with steps replaced (the
    /// verifier's broken corpus). The engine never calls this.
    pub fn with_x86_steps(mut self, m: Mnemonic, replaced: Vec<(usize, Step)>) -> Self {
        self.x86_mutations.push((m, replaced));
        self
    }

    /// The (E) sequence this table emits for `m` (with any planted bugs).
    pub fn x86_sequence(&self, m: Mnemonic) -> Result<Option<Sequence>> {
        let replaced = self
            .x86_mutations
            .iter()
            .find(|(x, _)| *x == m)
            .map(|(_, r)| r.as_slice())
            .unwrap_or_default();
        sequence_with(m, replaced)
    }

    /// Replace the native entries the post-pass re-encodes with (the verifier's broken
    /// corpus: a wrong operand map or encoding). The engine never calls this.
    pub fn with_native_entries(
        mut self,
        entries: impl Fn(Mnemonic) -> Option<NativeEntry> + Send + Sync + 'static,
    ) -> Self {
        self.native_entries = Box::new(entries);
        self
    }

    /// Every family of the checked-in spec.
    pub fn all(mode: Mode) -> Result<LoweringTable> {
        Ok(Self::new(&spec::load_all()?, mode))
    }

    /// Switch lane-0 forwarding (on by default) for parameters the spec says are observed in
    /// lane 0 only.
    pub fn with_forward_lane0(mut self, on: bool) -> Self {
        self.forward_lane0 = on;
        self
    }

    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// Cranelift ISA settings this table's code relies on.
    pub fn isa_flags(&self) -> &'static [(&'static str, &'static str)] {
        match self.mode {
            Mode::X86Native => &crate::x86::ISA_FLAGS,
            _ => &[],
        }
    }

    /// Intrinsic id of an import, `None` if it is not one of this table's.
    pub fn resolve(&self, module: &str, name: &str) -> Option<usize> {
        if name == IS_AVAILABLE && self.modules.iter().any(|m| m == module) {
            return Some(self.entries.len());
        }
        self.entries
            .iter()
            .position(|e| e.import_module == module && e.name == name)
    }

    /// Every intrinsic of the table compiles to straight-line arithmetic on its arguments
    /// (the engine model, a placeholder, or a constant mask): no memory, calls or traps.
    pub fn is_pure(&self, id: usize) -> bool {
        id <= self.entries.len()
    }

    /// Emit intrinsic `id` (as returned by [`resolve`](Self::resolve)) at a call site.
    /// v128 arguments are `I32X4`; the builder's source location identifies the call site.
    pub fn emit(&self, id: usize, b: &mut FunctionBuilder, args: &[Value]) -> Result<Vec<Value>> {
        if id == self.entries.len() {
            return Ok(vec![self.emit_is_available(b, args)?]);
        }
        let Some(e) = self.entries.get(id) else {
            bail!("no intrinsic with id {id}");
        };
        if args.len() != e.params.len() {
            bail!(
                "{} takes {} arguments, got {}",
                e.name,
                e.params.len(),
                args.len()
            );
        }
        let args: Vec<Value> = args
            .iter()
            .zip(&e.params)
            .map(|(&a, p)| match p.forward_bits {
                Some(bits) if self.forward_lane0 => forward_low_bits(b, a, bits),
                _ => a,
            })
            .collect();
        let r = match self.mode {
            Mode::Portable => match self
                .portable_mutations
                .iter()
                .find(|(m, _)| *m == e.mnemonic)
            {
                None => emit_portable(b, e.mnemonic, &args)?,
                Some((_, muts)) => emit_portable_mutated(b, e.mnemonic, &args, muts)?,
            },
            Mode::Aarch64Native | Mode::X86Native => {
                // Both take the registers the instruction reads, in field order.
                let operands = e
                    .mnemonic
                    .desc()
                    .read_fields()
                    .into_iter()
                    .map(|f| match e.params.iter().position(|p| p.field == f) {
                        Some(i) => Ok(args[i]),
                        None => bail!("{} has no parameter bound to {f}", e.name),
                    })
                    .collect::<Result<Vec<Value>>>()?;
                if self.mode == Mode::Aarch64Native {
                    emit_marker(b, e.mnemonic, &operands)?
                } else {
                    let seq = self
                        .x86_sequence(e.mnemonic)?
                        .ok_or_else(|| anyhow::anyhow!("{} has no x86 lowering (E)", e.mnemonic))?;
                    emit_sequence(b, &seq, &operands)?
                }
            }
        };
        Ok(vec![r])
    }

    /// A standalone function `(i32x4 x arity) -> i32x4` whose body is what [`emit`](Self::emit)
    /// emits for intrinsic `id` at a call site whose arguments are the params: the CLIF the
    /// verifier's `clif ~ engine` runs is this table's own emission.
    pub fn call_site_function(&self, id: usize, arity: usize) -> Result<Function> {
        standalone_function("intrinsic_site", arity, |b, args| self.emit(id, b, args))
    }

    /// `__intrinsic_is_available(id)`: 1 for the ids of natively compiled intrinsics.
    fn emit_is_available(&self, b: &mut FunctionBuilder, args: &[Value]) -> Result<Value> {
        let [id] = args else {
            bail!("{IS_AVAILABLE} takes one argument, got {}", args.len());
        };
        let mask: u64 = match self.mode {
            Mode::Portable => 0,
            Mode::Aarch64Native | Mode::X86Native => {
                self.entries.iter().fold(0, |m, e| m | 1u64 << e.id)
            }
        };
        if mask == 0 {
            return Ok(b.ins().iconst(I32, 0));
        }
        let m = b.ins().iconst(I64, mask as i64);
        let wide = b.ins().uextend(I64, *id);
        let shifted = b.ins().ushr(m, wide);
        let bit = b.ins().band_imm_u(shifted, 1);
        let bit = b.ins().ireduce(I32, bit);
        let in_range = b.ins().icmp_imm_u(IntCC::UnsignedLessThan, *id, 64);
        let zero = b.ins().iconst(I32, 0);
        Ok(b.ins().select(in_range, bit, zero))
    }

    /// Instructions whose Rn operand the spec says is observed in lane 0 only.
    fn lane0_rn(&self) -> Vec<Mnemonic> {
        self.entries
            .iter()
            .filter(|e| {
                e.params
                    .iter()
                    .any(|p| p.field == Field::Rn && p.forward_bits == Some(32))
            })
            .map(|e| e.mnemonic)
            .collect()
    }

    /// Pre-lowering step over one optimised function (native mode): the markers become
    /// register-shape placeholders, and with lane-0 forwarding, lane-0-only loop scalars are
    /// carried in vector registers (see [`crate::native::carry_lane0_scalars_in_vectors`]).
    /// Portable code is left as is.
    pub fn before_lowering(&self, func: &mut cranelift_codegen::ir::Function) -> Result<()> {
        let snapshot = |func: &Function| self.validate_rewrites.then(|| func.clone());
        if self.mode == Mode::Aarch64Native {
            let sites = materialize_placeholders(func)?;
            if self.forward_lane0 {
                let before = snapshot(func);
                crate::native::carry_lane0_scalars_reading_lane(
                    func,
                    &sites,
                    &self.lane0_rn(),
                    self.carry_read_lane,
                );
                let placeholders = crate::translation::Placeholders { sites: &sites };
                self.validated(
                    before,
                    func,
                    "lane-0 scalars carried in vectors",
                    &placeholders,
                );
            }
            *self.sites.lock().unwrap() = sites;
        }
        if self.mode == Mode::X86Native {
            let before = snapshot(func);
            // Merging first lets compositions see one value where two markers were equal.
            crate::x86::merge_equal_markers(func);
            crate::x86::compose_shuffles(func);
            crate::x86::apply_rules(func, &self.x86_rules()?)?;
            crate::x86::merge_equal_markers(func);
            crate::x86::remove_unused_markers(func);
            let rewrites = "markers merged, shuffles composed, rewrite rules, dead code removed";
            self.validated(before, func, rewrites, &crate::translation::X86Markers);
            *self.x86_sites.lock().unwrap() = crate::x86::materialize_x86_placeholders(func)?;
        }
        Ok(())
    }

    /// Post-pass over one compiled function (native mode; portable code is left as is).
    pub fn rewrite(
        &self,
        ctx: &cranelift_codegen::Context,
        ranges: &[CodeRange],
        code: &mut [u8],
    ) -> Result<Verdict> {
        // Sites are per function: take them so the next function starts empty.
        let sites = std::mem::take(&mut *self.sites.lock().unwrap());
        match self.mode {
            Mode::Portable => Ok(Verdict::Unchanged),
            Mode::X86Native => {
                let sites = std::mem::take(&mut *self.x86_sites.lock().unwrap());
                crate::x86::rewrite_function(&sites, ranges, code)
            }
            Mode::Aarch64Native => {
                rewrite_function(&ctx.func, &sites, ranges, code, &*self.native_entries)
            }
        }
    }
}

/// A function `(i32x4 x arity) -> i32x4...` whose body `body` emits on its params: how the
/// verifier gets the lowerings' own emission as a function it can run.
pub(crate) fn standalone_function(
    name: &str,
    arity: usize,
    body: impl FnOnce(&mut FunctionBuilder, &[Value]) -> Result<Vec<Value>>,
) -> Result<Function> {
    let mut sig = Signature::new(CallConv::SystemV);
    sig.params = vec![AbiParam::new(I32X4); arity];
    sig.returns = vec![AbiParam::new(I32X4)];
    let mut func = Function::with_name_signature(UserFuncName::testcase(name), sig);
    let mut fctx = FunctionBuilderContext::new();
    let mut b = FunctionBuilder::new(&mut func, &mut fctx);
    let entry = b.create_block();
    b.append_block_params_for_function_params(entry);
    b.switch_to_block(entry);
    b.seal_block(entry);
    let args = b.block_params(entry).to_vec();
    let results = body(&mut b, &args)?;
    b.ins().return_(&results);
    b.finalize(TargetFrontendConfig {
        default_call_conv: CallConv::SystemV,
        pointer_width: target_lexicon::PointerWidth::U64,
        page_size_align_log2: 12,
    });
    Ok(func)
}

/// Strip little-endian vector-to-vector bitcasts (free, and they keep bits 31:0 in place).
pub(crate) fn peel_bitcasts(dfg: &DataFlowGraph, mut v: Value) -> Value {
    while let ValueDef::Result(inst, _) = dfg.value_def(v) {
        match dfg.insts[inst] {
            InstructionData::LoadNoOffset {
                opcode: Opcode::Bitcast,
                arg,
                flags,
            } if dfg.value_type(arg).is_vector()
                && dfg.value_type(arg).bits() == 128
                && dfg.mem_flags[flags].explicit_endianness() == Some(Endianness::Little) =>
            {
                v = arg
            }
            _ => break,
        }
    }
    v
}

/// The i32 value that is 32-bit lane `lane` of the 128-bit vector `v`, when `v` was built
/// from lanes (`insertlane`, `scalar_to_vector`, `splat` on `i32x4`, through little-endian
/// bitcasts). Consecutive intrinsics then pass lanes in scalar registers instead of moving
/// them through a vector and back; lane identity makes this exact.
pub(crate) fn known_lane32(dfg: &DataFlowGraph, v: Value, lane: u8) -> Option<Value> {
    let v = peel_bitcasts(dfg, v);
    if dfg.value_type(v) != I32X4 {
        return None;
    }
    let ValueDef::Result(inst, _) = dfg.value_def(v) else {
        return None;
    };
    match dfg.insts[inst] {
        InstructionData::TernaryImm8 {
            opcode: Opcode::Insertlane,
            args: [base, x],
            imm,
        } => {
            if imm == lane {
                Some(x)
            } else {
                known_lane32(dfg, base, lane)
            }
        }
        InstructionData::Unary {
            opcode: Opcode::ScalarToVector,
            arg,
        } if lane == 0 => Some(arg),
        InstructionData::Unary {
            opcode: Opcode::Splat,
            arg,
        } => Some(arg),
        _ => None,
    }
}

/// If lane 0 (bits 31:0) of `v` is provably bits 31:0 of another vector `x` because `v` is
/// `splat(extractlane(x, 0))` (lanes of at least 32 bits) or a shuffle broadcasting bytes 0..3
/// of one operand, return `x`.
pub fn lane0_source(dfg: &DataFlowGraph, v: Value) -> Option<Value> {
    let v = peel_bitcasts(dfg, v);
    let ValueDef::Result(inst, _) = dfg.value_def(v) else {
        return None;
    };
    match dfg.insts[inst] {
        InstructionData::Unary {
            opcode: Opcode::Splat,
            arg,
        } => match crate::domain::extracted_lane(dfg, arg)? {
            (x, 0) if dfg.value_type(x).lane_bits() >= 32 => Some(x),
            _ => None,
        },
        InstructionData::Shuffle { args, imm, .. } => {
            let mask = dfg.immediates.get(imm)?.as_slice();
            let broadcast = |base: u8| {
                mask.len() == 16
                    && mask
                        .iter()
                        .enumerate()
                        .all(|(i, &b)| b == base + (i as u8 % 4))
            };
            if broadcast(0) {
                Some(args[0])
            } else if broadcast(16) {
                Some(args[1])
            } else {
                None
            }
        }
        _ => None,
    }
}

/// The vector whose low `bits` bits `v` provably shares because `v` was built from it by
/// inserting lanes above them (`insertlane` at a lane at or above bit `bits`, as the header's
/// `u64x2(x, 0)` for PMULL's operands), or, for 32 bits, because `v` broadcasts its lane 0.
pub fn low_bits_source(dfg: &DataFlowGraph, v: Value, bits: u32) -> Option<Value> {
    if bits == 32 {
        if let Some(x) = lane0_source(dfg, v) {
            return Some(x);
        }
    }
    let v = peel_bitcasts(dfg, v);
    let ValueDef::Result(inst, _) = dfg.value_def(v) else {
        return None;
    };
    match dfg.insts[inst] {
        InstructionData::TernaryImm8 {
            opcode: Opcode::Insertlane,
            args: [base, _],
            imm,
        } if imm as u32 * dfg.value_type(v).lane_bits() >= bits => {
            Some(low_bits_source(dfg, base, bits).unwrap_or(base))
        }
        _ => None,
    }
}

/// Forwarding for a parameter observed in its low `bits` bits only: pass the value the
/// argument was built from, once the CLIF model shows the two agree in those bits (the
/// matcher only proposes).
fn forward_low_bits(b: &mut FunctionBuilder, v: Value, bits: u32) -> Value {
    let Some(x) = low_bits_source(&b.func.dfg, v, bits) else {
        return v;
    };
    if !crate::validate::bits_agree(b.func, v, 0, x, 0, bits) {
        return v;
    }
    let x = peel_bitcasts(&b.func.dfg, x);
    if b.func.dfg.value_type(x) == I32X4 {
        x
    } else {
        b.ins().bitcast(I32X4, little_endian(), x)
    }
}
