//! The CLIF layer: executable semantics for the subset of Cranelift IR the
//! engine's lowering emits, over any `Domain`. Running a lowered function over
//! `Terms` gives the term the verifier compares with `engine::engine_model`.
//!
//! Values: scalar integers (I8..I128) and floats (F16..F128, treated as bits)
//! have their own width; every 128-bit vector, whatever its lane shape, is one
//! 128-bit value with lane `i` at bits `i*lw..` (little-endian, as in Wasm and
//! AArch64), so a little-endian `bitcast` between vector shapes is the identity.
//!
//! Modelled: iconst vconst iadd isub imul ineg band bor bxor bnot bitselect
//! ishl ushr sshr rotl rotr icmp select extractlane insertlane splat
//! scalar_to_vector bitcast uextend sextend ireduce iconcat isplit shuffle
//! swizzle nop, and the terminators jump, brif (constant condition only) and
//! return. Anything else is an `unsupported: ...` error, never skipped: a
//! silently ignored instruction would make a wrong lowering provable.

use std::collections::{BTreeSet, HashMap};

use anyhow::{anyhow, bail, ensure, Result};
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{
    Block, Endianness, ExternalName, Function, Inst, InstructionData, Opcode, Type, Value, ValueDef,
};

use crate::bits::Bits;
use crate::domain::{BinOp, Domain};

/// Branches need constant conditions, but a constant loop could still spin;
/// this bounds the number of blocks entered.
const MAX_BLOCK_VISITS: usize = 100_000;

/// Interpret `func` from its entry block with `args` bound to the entry block's
/// parameters; returns the values of the `return` reached.
pub fn run_function<D: Domain>(d: &mut D, func: &Function, args: &[D::V]) -> Result<Vec<D::V>> {
    run_function_with_calls(d, func, args, &mut |_, _, _| Ok(None))
}

/// Answers a `call` to an external function: `Ok(None)` means "not one of mine" (the call is
/// then unsupported, an error like any unmodelled instruction).
pub type CallHandler<'a, D> = dyn FnMut(&mut D, &ExternalName, &[<D as Domain>::V]) -> Result<Option<Vec<<D as Domain>::V>>>
    + 'a;

/// [`run_function`], with direct calls answered by `calls` (the engine's lowering (E) places
/// x86 instructions as calls whose names say which; the verifier evaluates them on its x86
/// model).
pub fn run_function_with_calls<D: Domain>(
    d: &mut D,
    func: &Function,
    args: &[D::V],
    calls: &mut CallHandler<'_, D>,
) -> Result<Vec<D::V>> {
    let entry = func
        .layout
        .entry_block()
        .ok_or_else(|| anyhow!("function {} has no blocks", func.name))?;
    let mut interp = Interp {
        d,
        func,
        vals: HashMap::new(),
        calls: Some(calls),
    };
    let params = func.dfg.block_params(entry);
    ensure!(
        params.len() == args.len(),
        "function {} takes {} arguments, got {}",
        func.name,
        params.len(),
        args.len()
    );
    for (&p, a) in params.iter().zip(args) {
        let ty = func.dfg.value_type(p);
        let w = type_width(ty).ok_or_else(|| anyhow!("unsupported: parameter type {ty}"))?;
        let got = interp.d.width(a);
        ensure!(
            got == w,
            "argument {p} is {ty} ({w} bits) but got {got} bits"
        );
        interp.vals.insert(p, a.clone());
    }
    let mut block = entry;
    for _ in 0..MAX_BLOCK_VISITS {
        match interp.run_block(block)? {
            Flow::Goto(next, args) => {
                let params = func.dfg.block_params(next);
                ensure!(
                    params.len() == args.len(),
                    "{next} takes {} parameters, branch passes {}",
                    params.len(),
                    args.len()
                );
                // Bind after evaluating all arguments: a block may pass its own
                // parameters back to itself in a different order.
                for (&p, a) in params.iter().zip(args) {
                    interp.vals.insert(p, a);
                }
                block = next;
            }
            Flow::Return(vals) => return Ok(vals),
        }
    }
    bail!("unsupported: more than {MAX_BLOCK_VISITS} blocks executed (a constant loop?)")
}

/// Value `v` of `func` as a function of the leaves of its cone: evaluates the instructions
/// defining `v` (through its arguments, within `budget` instructions) and binds every other
/// value with `leaf(d, value, width)`: block parameters, results of instructions the model
/// does not interpret (loads, calls), and anything past the budget. A leaf stands for "any
/// value", so a fact shown for all leaf values holds for the function's real ones: this is
/// how the engine validates its local rewrites before applying them.
///
/// Values in `leaves` are leaves whatever defines them: a claim "lane 0 of `v` is lane 0 of
/// `x`" is shown with `x` free, which is stronger than with `x`'s own definition.
pub fn eval_value<D: Domain>(
    d: &mut D,
    func: &Function,
    v: Value,
    leaves: &[Value],
    budget: usize,
    leaf: &mut dyn FnMut(&mut D, Value, u32) -> D::V,
) -> Result<D::V> {
    let mut interp = Interp {
        d,
        func,
        vals: HashMap::new(),
        calls: None,
    };
    for &x in leaves {
        let x = func.dfg.resolve_aliases(x);
        let ty = func.dfg.value_type(x);
        let width = type_width(ty).ok_or_else(|| anyhow!("unsupported: {x} has type {ty}"))?;
        let term = leaf(interp.d, x, width);
        interp.vals.insert(x, term);
    }
    let mut left = budget;
    interp.eval_cone(v, &mut left, leaf)?;
    interp.get(v)
}

/// One non-terminator instruction of `func` on argument values `args` (in `inst_args`
/// order): its results, or an error if the model does not interpret it. Translation
/// validation walks whole functions with it, deciding itself what loads and calls return.
pub fn eval_inst<D: Domain>(
    d: &mut D,
    func: &Function,
    inst: Inst,
    args: &[D::V],
) -> Result<Vec<D::V>> {
    let params = func.dfg.inst_args(inst);
    ensure!(
        params.len() == args.len(),
        "{} takes {} arguments, got {}",
        func.dfg.display_inst(inst),
        params.len(),
        args.len()
    );
    let vals = params
        .iter()
        .map(|&v| func.dfg.resolve_aliases(v))
        .zip(args.iter().cloned())
        .collect();
    let op = func.dfg.insts[inst].opcode();
    if op.is_terminator() || op.is_branch() || op.is_call() {
        return Err(unsupported(func, inst));
    }
    let mut interp = Interp {
        d,
        func,
        vals,
        calls: None,
    };
    interp.step(inst)
}

/// The distinct opcodes in `func`, sorted, for reporting what a lowering uses.
pub fn opcodes_used(func: &Function) -> Vec<String> {
    let mut set = BTreeSet::new();
    for block in func.layout.blocks() {
        for inst in func.layout.block_insts(block) {
            set.insert(func.dfg.insts[inst].opcode().to_string());
        }
    }
    set.into_iter().collect()
}

/// Bits of a value of type `ty`, if the interpreter models that type.
fn type_width(ty: Type) -> Option<u32> {
    if ty.is_vector() {
        let lane = ty.lane_type();
        return (ty.bits() == 128 && (lane.is_int() || lane.is_float())).then_some(128);
    }
    (ty.is_int() || ty.is_float()).then(|| ty.bits())
}

enum Flow<V> {
    Goto(Block, Vec<V>),
    Return(Vec<V>),
}

struct Interp<'a, D: Domain> {
    d: &'a mut D,
    func: &'a Function,
    vals: HashMap<Value, D::V>,
    calls: Option<&'a mut CallHandler<'a, D>>,
}

impl<D: Domain> Interp<'_, D> {
    fn unsupported(&self, inst: Inst) -> anyhow::Error {
        unsupported(self.func, inst)
    }

    fn get(&self, v: Value) -> Result<D::V> {
        let v = self.func.dfg.resolve_aliases(v);
        self.vals
            .get(&v)
            .cloned()
            .ok_or_else(|| anyhow!("{v} used before it is defined"))
    }

    /// Define `v` (see [`eval_value`]).
    fn eval_cone(
        &mut self,
        v: Value,
        budget: &mut usize,
        leaf: &mut dyn FnMut(&mut D, Value, u32) -> D::V,
    ) -> Result<()> {
        let func = self.func;
        let v = func.dfg.resolve_aliases(v);
        if self.vals.contains_key(&v) {
            return Ok(());
        }
        let ty = func.dfg.value_type(v);
        let width = type_width(ty).ok_or_else(|| anyhow!("unsupported: {v} has type {ty}"))?;
        let bind_leaf = |me: &mut Self, leaf: &mut dyn FnMut(&mut D, Value, u32) -> D::V| {
            let x = leaf(me.d, v, width);
            me.vals.insert(v, x);
            Ok(())
        };
        let ValueDef::Result(inst, _) = func.dfg.value_def(v) else {
            return bind_leaf(self, leaf);
        };
        let op = func.dfg.insts[inst].opcode();
        if *budget == 0 || op.is_branch() || op.is_call() || op.can_load() || op.can_store() {
            return bind_leaf(self, leaf);
        }
        *budget -= 1;
        for &a in func.dfg.inst_args(inst) {
            self.eval_cone(a, budget, leaf)?;
        }
        match self.step(inst) {
            Ok(outs) => {
                for (&r, x) in func.dfg.inst_results(inst).iter().zip(outs) {
                    self.vals.insert(r, x);
                }
                Ok(())
            }
            // Not modelled: its result is a leaf (sound, if less precise).
            Err(_) => bind_leaf(self, leaf),
        }
    }

    fn run_block(&mut self, block: Block) -> Result<Flow<D::V>> {
        let func = self.func;
        for inst in func.layout.block_insts(block) {
            let data = &func.dfg.insts[inst];
            match data.opcode() {
                Opcode::Jump | Opcode::Brif => {
                    let dests =
                        data.branch_destination(&func.dfg.jump_tables, &func.dfg.exception_tables);
                    let taken = if data.opcode() == Opcode::Jump {
                        dests[0]
                    } else {
                        let c = self.get(func.dfg.inst_args(inst)[0])?;
                        let c = self.d.as_const(&c).ok_or_else(|| {
                            anyhow!("unsupported: branch on a symbolic condition in {block}")
                        })?;
                        dests[if c.is_zero() { 1 } else { 0 }]
                    };
                    let pool = &func.dfg.value_lists;
                    let mut args = Vec::new();
                    for a in taken.args(pool) {
                        let v = a.as_value().ok_or_else(|| self.unsupported(inst))?;
                        args.push(self.get(v)?);
                    }
                    return Ok(Flow::Goto(taken.block(pool), args));
                }
                Opcode::Nop => {}
                Opcode::Return => {
                    let vals = func
                        .dfg
                        .inst_args(inst)
                        .iter()
                        .map(|&v| self.get(v))
                        .collect::<Result<Vec<_>>>()?;
                    return Ok(Flow::Return(vals));
                }
                _ => {
                    let outs = self.step(inst)?;
                    let results = func.dfg.inst_results(inst);
                    ensure!(
                        outs.len() == results.len(),
                        "internal: {} result count",
                        self.func.dfg.display_inst(inst)
                    );
                    for (&r, v) in results.iter().zip(outs) {
                        // A width slip here would be an interpreter bug; catch it at the source.
                        let want = type_width(func.dfg.value_type(r));
                        ensure!(
                            want == Some(self.d.width(&v)),
                            "internal: {} produced {} bits",
                            func.dfg.display_inst(inst),
                            self.d.width(&v)
                        );
                        self.vals.insert(r, v);
                    }
                }
            }
        }
        bail!("{block} has no terminator")
    }

    /// One non-terminator instruction; returns its results in order.
    fn step(&mut self, inst: Inst) -> Result<Vec<D::V>> {
        let func = self.func;
        let data = &func.dfg.insts[inst];
        let op = data.opcode();
        if let (InstructionData::Call { func_ref, .. }, Some(calls)) = (data, self.calls.as_mut()) {
            let args = func
                .dfg
                .inst_args(inst)
                .iter()
                .map(|&v| {
                    let v = func.dfg.resolve_aliases(v);
                    self.vals
                        .get(&v)
                        .cloned()
                        .ok_or_else(|| anyhow!("{v} used before it is defined"))
                })
                .collect::<Result<Vec<_>>>()?;
            let name = &func.dfg.ext_funcs[*func_ref].name;
            return calls(self.d, name, &args)?.ok_or_else(|| unsupported(func, inst));
        }
        let results = func.dfg.inst_results(inst);
        // Every modelled instruction has at least one result; its type drives the semantics.
        let Some(&r0) = results.first() else {
            return Err(self.unsupported(inst));
        };
        let ty = func.dfg.value_type(r0);
        let width = type_width(ty).ok_or_else(|| self.unsupported(inst))?;
        for &a in func.dfg.inst_args(inst) {
            if type_width(func.dfg.value_type(a)).is_none() {
                return Err(self.unsupported(inst));
            }
        }
        let args = func
            .dfg
            .inst_args(inst)
            .iter()
            .map(|&v| self.get(v))
            .collect::<Result<Vec<_>>>()?;
        let arg_ty = |i: usize| func.dfg.value_type(func.dfg.inst_args(inst)[i]);
        let int_lanes = ty.lane_type().is_int();
        let unsup = || unsupported(func, inst);
        let d = &mut *self.d;

        let out = match (op, data) {
            (Opcode::Iconst, InstructionData::UnaryImm { imm, .. }) if ty.is_int() => {
                let raw: i64 = (*imm).into();
                // Imm64 holds the bits; narrower types keep the low bits.
                d.constant(Bits::from_u128(width, raw as u64 as u128))
            }
            (
                Opcode::Vconst,
                InstructionData::UnaryConst {
                    constant_handle, ..
                },
            ) => {
                let bytes = func.dfg.constants.get(*constant_handle).as_slice();
                let bytes: [u8; 16] = bytes.try_into().map_err(|_| unsup())?;
                d.constant(Bits::from_u128(128, u128::from_le_bytes(bytes)))
            }
            (Opcode::Iadd | Opcode::Isub | Opcode::Imul, _) if int_lanes => {
                let b = match op {
                    Opcode::Iadd => BinOp::Add,
                    Opcode::Isub => BinOp::Sub,
                    _ => BinOp::Mul,
                };
                lanewise2(d, ty, &args[0], &args[1], |d, x, y| d.binary(b, x, y))
            }
            (Opcode::Ineg, _) if int_lanes => lanewise1(d, ty, &args[0], |d, x| {
                let w = d.width(x);
                let z = d.lit(w, 0);
                d.binary(BinOp::Sub, &z, x)
            }),
            // Bitwise operators do not care about lane boundaries.
            (Opcode::Band, _) => d.binary(BinOp::And, &args[0], &args[1]),
            (Opcode::Bor, _) => d.binary(BinOp::Or, &args[0], &args[1]),
            (Opcode::Bxor, _) => d.binary(BinOp::Xor, &args[0], &args[1]),
            (Opcode::Bnot, _) => d.not(&args[0]),
            (Opcode::Bitselect, _) => {
                let t = d.and(&args[0], &args[1]);
                let nc = d.not(&args[0]);
                let e = d.and(&nc, &args[2]);
                d.or(&t, &e)
            }
            (Opcode::Ishl | Opcode::Ushr | Opcode::Sshr | Opcode::Rotl | Opcode::Rotr, _)
                if int_lanes && arg_ty(1).is_int() =>
            {
                shift(d, op, ty, &args[0], &args[1])
            }
            (Opcode::Icmp, InstructionData::IntCompare { cond, .. })
                if arg_ty(0).lane_type().is_int() =>
            {
                let cond = *cond;
                if ty.is_vector() {
                    lanewise2(d, ty, &args[0], &args[1], |d, x, y| {
                        let c = icmp(d, cond, x, y);
                        let w = d.width(x);
                        let ones = d.constant(Bits::ones(w));
                        let zeros = d.lit(w, 0);
                        d.ite(&c, &ones, &zeros)
                    })
                } else {
                    // Scalar icmp gives an i8 holding 0 or 1.
                    let c = icmp(d, cond, &args[0], &args[1]);
                    d.zext(&c, width)
                }
            }
            (Opcode::Select, _) if arg_ty(0).is_int() => {
                let cw = d.width(&args[0]);
                let zero = d.lit(cw, 0);
                let is_zero = d.binary(BinOp::Eq, &args[0], &zero);
                d.ite(&is_zero, &args[2], &args[1])
            }
            (Opcode::Extractlane, InstructionData::BinaryImm8 { imm, .. }) => {
                let src = arg_ty(0);
                ensure!(u32::from(*imm) < src.lane_count(), "{}", unsup());
                d.lane(&args[0], u32::from(*imm), src.lane_bits())
            }
            (Opcode::Insertlane, InstructionData::TernaryImm8 { imm, .. }) => {
                ensure!(u32::from(*imm) < ty.lane_count(), "{}", unsup());
                let lw = ty.lane_bits();
                let mut lanes: Vec<D::V> = (0..ty.lane_count())
                    .map(|i| d.lane(&args[0], i, lw))
                    .collect();
                lanes[usize::from(*imm)] = args[1].clone();
                d.from_lanes(&lanes)
            }
            (Opcode::Splat, _) if ty.is_vector() => {
                let lanes = vec![args[0].clone(); ty.lane_count() as usize];
                d.from_lanes(&lanes)
            }
            (Opcode::ScalarToVector, _) if ty.is_vector() => {
                let mut lanes = vec![d.lit(ty.lane_bits(), 0); ty.lane_count() as usize];
                lanes[0] = args[0].clone();
                d.from_lanes(&lanes)
            }
            (Opcode::Bitcast, InstructionData::LoadNoOffset { .. }) => {
                let from = arg_ty(0);
                ensure!(from.bits() == ty.bits(), "{}", unsup());
                // Under little-endian byte order (explicit or the native order
                // of the targets we verify) lane i sits at bits i*lw in both
                // shapes, so the bits are unchanged. Big-endian would permute
                // bytes between shapes; not modelled.
                let same_shape =
                    from.lane_bits() == ty.lane_bits() && from.lane_count() == ty.lane_count();
                let big = data
                    .memflags_data(&func.dfg)
                    .and_then(|f| f.explicit_endianness())
                    == Some(Endianness::Big);
                if big && !same_shape {
                    return Err(unsup());
                }
                args[0].clone()
            }
            (Opcode::Uextend | Opcode::Sextend, _) if ty.is_int() && arg_ty(0).is_int() => {
                let from = arg_ty(0).bits();
                if op == Opcode::Uextend || from == width {
                    d.zext(&args[0], width)
                } else {
                    let sign = d.extract(&args[0], from - 1, from - 1);
                    let ones = d.constant(Bits::ones(width - from));
                    let zeros = d.lit(width - from, 0);
                    let high = d.ite(&sign, &ones, &zeros);
                    d.concat(&high, &args[0])
                }
            }
            (Opcode::Ireduce, _) if ty.is_int() && arg_ty(0).is_int() => {
                d.extract(&args[0], width - 1, 0)
            }
            (Opcode::Iconcat, _) if ty.is_int() => d.concat(&args[1], &args[0]),
            (Opcode::Isplit, _) if ty.is_int() => {
                let lo = d.extract(&args[0], width - 1, 0);
                let hi = d.extract(&args[0], 2 * width - 1, width);
                return Ok(vec![lo, hi]);
            }
            (Opcode::Shuffle, InstructionData::Shuffle { imm, .. }) => {
                let mask = func.dfg.immediates.get(*imm).ok_or_else(unsup)?.as_slice();
                ensure!(mask.len() == 16, "{}", unsup());
                let mut lanes = Vec::with_capacity(16);
                for &m in mask {
                    let m = u32::from(m);
                    // CLIF leaves indices >= 32 undefined; refuse rather than guess.
                    ensure!(m < 32, "{}", unsup());
                    let src = if m < 16 { &args[0] } else { &args[1] };
                    lanes.push(d.lane(src, m % 16, 8));
                }
                d.from_lanes(&lanes)
            }
            (Opcode::Swizzle, _) => {
                let zero = d.lit(8, 0);
                let mut lanes = Vec::with_capacity(16);
                for i in 0..16 {
                    let idx = d.lane(&args[1], i, 8);
                    let lane = match d.as_const(&idx) {
                        Some(k) if k.to_u64() < 16 => d.lane(&args[0], k.to_u64() as u32, 8),
                        Some(_) => zero.clone(),
                        // A symbolic index selects through a mux over all 16 bytes.
                        None => {
                            let mut acc = zero.clone();
                            for j in (0..16).rev() {
                                let k = d.lit(8, j as u128);
                                let hit = d.binary(BinOp::Eq, &idx, &k);
                                let byte = d.lane(&args[0], j, 8);
                                acc = d.ite(&hit, &byte, &acc);
                            }
                            acc
                        }
                    };
                    lanes.push(lane);
                }
                d.from_lanes(&lanes)
            }
            _ => return Err(unsup()),
        };
        Ok(vec![out])
    }
}

/// Shifts and rotates: the amount is a scalar of any integer type, taken
/// modulo the lane width (CLIF masks it; lane widths are powers of two).
fn shift<D: Domain>(d: &mut D, op: Opcode, ty: Type, x: &D::V, amt: &D::V) -> D::V {
    let lw = ty.lane_bits();
    if let Some(k) = d.as_const(amt) {
        // Constant amounts give constant-amount terms, which normalise to concats.
        let n = (k.to_u64() % u64::from(lw)) as u32;
        return lanewise1(d, ty, x, |d, v| match op {
            Opcode::Rotl => d.rotl(v, n),
            Opcode::Rotr => d.rotl(v, (lw - n) % lw),
            _ => {
                let s = d.lit(lw, n as u128);
                d.binary(shift_binop(op), v, &s)
            }
        });
    }
    // Symbolic amount: keep log2(lw) low bits (amounts are at least 8
    // bits, lanes at most 128), widened to the lane width.
    let k = lw.trailing_zeros();
    let low = d.extract(amt, k - 1, 0);
    let s = d.zext(&low, lw);
    lanewise1(d, ty, x, |d, v| match op {
        Opcode::Rotl | Opcode::Rotr => {
            // rotl by s = (v << s) | (v >> ((-s) mod lw)); at s = 0 both halves are v.
            let zero = d.lit(lw, 0);
            let mask = d.lit(lw, u128::from(lw - 1));
            let neg = d.binary(BinOp::Sub, &zero, &s);
            let neg = d.and(&neg, &mask);
            let (l, r) = if op == Opcode::Rotl {
                (&s, &neg)
            } else {
                (&neg, &s)
            };
            let hi = d.binary(BinOp::Shl, v, l);
            let lo = d.binary(BinOp::Lshr, v, r);
            d.or(&hi, &lo)
        }
        _ => d.binary(shift_binop(op), v, &s),
    })
}

fn unsupported(func: &Function, inst: Inst) -> anyhow::Error {
    let op = func.dfg.insts[inst].opcode();
    anyhow!("unsupported: {op} ({})", func.dfg.display_inst(inst))
}

fn shift_binop(op: Opcode) -> BinOp {
    match op {
        Opcode::Ishl => BinOp::Shl,
        Opcode::Ushr => BinOp::Lshr,
        _ => BinOp::Ashr,
    }
}

/// The 1-bit truth of `x cond y`.
fn icmp<D: Domain>(d: &mut D, cond: IntCC, x: &D::V, y: &D::V) -> D::V {
    use IntCC::*;
    let (op, swap, negate) = match cond {
        Equal => (BinOp::Eq, false, false),
        NotEqual => (BinOp::Eq, false, true),
        SignedLessThan => (BinOp::Slt, false, false),
        SignedGreaterThanOrEqual => (BinOp::Slt, false, true),
        SignedGreaterThan => (BinOp::Slt, true, false),
        SignedLessThanOrEqual => (BinOp::Slt, true, true),
        UnsignedLessThan => (BinOp::Ult, false, false),
        UnsignedGreaterThanOrEqual => (BinOp::Ult, false, true),
        UnsignedGreaterThan => (BinOp::Ult, true, false),
        UnsignedLessThanOrEqual => (BinOp::Ult, true, true),
    };
    let c = if swap {
        d.binary(op, y, x)
    } else {
        d.binary(op, x, y)
    };
    if negate {
        d.not(&c)
    } else {
        c
    }
}

/// Apply `f` to each lane of a vector (or to a scalar as a whole).
fn lanewise1<D: Domain>(
    d: &mut D,
    ty: Type,
    x: &D::V,
    mut f: impl FnMut(&mut D, &D::V) -> D::V,
) -> D::V {
    if !ty.is_vector() {
        return f(d, x);
    }
    let lw = ty.lane_bits();
    let lanes: Vec<D::V> = (0..ty.lane_count())
        .map(|i| {
            let a = d.lane(x, i, lw);
            f(d, &a)
        })
        .collect();
    d.from_lanes(&lanes)
}

fn lanewise2<D: Domain>(
    d: &mut D,
    ty: Type,
    x: &D::V,
    y: &D::V,
    mut f: impl FnMut(&mut D, &D::V, &D::V) -> D::V,
) -> D::V {
    if !ty.is_vector() {
        return f(d, x, y);
    }
    let lw = ty.lane_bits();
    let lanes: Vec<D::V> = (0..ty.lane_count())
        .map(|i| {
            let a = d.lane(x, i, lw);
            let b = d.lane(y, i, lw);
            f(d, &a, &b)
        })
        .collect();
    d.from_lanes(&lanes)
}
