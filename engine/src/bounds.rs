//! Coalesced bounds checks: one check for a run of loads at small constant distances from the
//! same local, instead of one per load.
//!
//! clang compiles `vld1q_u32(p + 4 * i)` to `local.get p; i32.const 16*i; i32.add; v128.load`.
//! Checked one by one, each load costs an add, a zero-extension, a compare and a branch. A
//! *run* is a set of such loads from local `p` (offsets `c_i` below 64 KiB, at least one with
//! `c_i = 0`) in straight-line code, between which nothing writes `p`, has a side effect, or
//! can trap with another code: only pure operators, pure intrinsic calls, writes to other
//! locals and other loads. The translator checks a run once, at its first load:
//!
//! ```text
//! zext(p) + max_i(c_i + offset_i + size_i) <= len
//! ```
//!
//! * If this holds, no `p + c_i` wraps around 2^32 and every load of the run is in bounds, so
//!   the loads address `base + zext(p)` with static offsets `c_i + offset_i`.
//! * If it fails, some load of the run would trap: the one reaching furthest if its address
//!   does not wrap; and if some `p + c_k` wraps, then `p >= 2^32 - c_k > 2^32 - 64 KiB >= len`
//!   ([`crate::vmctx::MAX_MEMORY_PAGES`]), so the load at `p` itself is out of bounds. The run
//!   traps with `MemoryOutOfBounds` at its first load instead of at the failing one; nothing in
//!   between is observable (no stores, calls or other trap codes), so the two are the same
//!   Wasm behaviour.
//!
//! The plan is not trusted: [`validate_run_use`] checks each load of each run on the CLIF the
//! translator built (address `p + c` for the checked `p`, end within the check, nothing
//! observable in between), and the translator redoes a run that fails with a check per load.
//! The argument above is proved by z3 (`tests::one_check_per_run_is_the_same_behaviour`).

use crate::names::operator_name;
use cranelift_codegen::ir::{Block, FuncRef, Function, Inst, InstructionData, Value};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use wasmparser::{MemArg, Operator};

/// Offsets `c` allowed in `local.get p; i32.const c; i32.add` (see the module comment).
const MAX_DISTANCE: u64 = 1 << 16;

/// One load that belongs to a coalesced run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RunLoad {
    /// Index into [`BoundsPlan::runs`].
    pub run: usize,
    /// The load that carries the run's check.
    pub first: bool,
    /// `c + memarg.offset`: the load reads `size` bytes at `base + zext(p) + static_offset`.
    pub static_offset: u64,
}

/// A run of loads checked together.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Run {
    /// The local holding the common base address `p`.
    pub local: u32,
    /// `max(c + offset + size)` over the run's loads.
    pub max_end: u64,
    /// Operator indices of the run's loads, in order.
    pub loads: Vec<usize>,
}

/// Coalesced runs of one function body, keyed by operator index (position in the body's
/// operator sequence, counting from 0).
#[derive(Clone, Debug, Default)]
pub struct BoundsPlan {
    pub runs: Vec<Run>,
    loads: HashMap<usize, RunLoad>,
}

/// One load of a coalesced run as the translator emitted it, for [`validate_run_use`].
#[derive(Clone, Debug)]
pub struct RunUse {
    pub run: usize,
    /// The run's check (its `brif` to the out-of-bounds trap) and the `i32` base `p` it checks.
    pub check: Inst,
    pub base: Value,
    /// The address the program computed for this load (`p + c` if the plan is right).
    pub addr: Value,
    /// `c`, and `c + offset + size`: the load's distance from `p` and the end it reaches.
    pub distance: u64,
    pub end: u64,
    /// The end the run's check allows.
    pub max_end: u64,
    /// Where the load is emitted: after `before_load` (or first) in `block`.
    pub block: Block,
    pub before_load: Option<Inst>,
}

/// Is this use of a coalesced check right, on the function as built? The argument in the
/// module comment needs three facts, each checked here rather than trusted to the planner:
///
/// 1. the load's address is `p + c` for the very `p` the check tested (evaluated on the CLIF
///    model over terms, `p` free: a write to the local in between gives another value);
/// 2. the load ends within the checked `max_end`;
/// 3. from the check to the load nothing is observable: no store, no call of a Wasm function,
///    no branch except to the out-of-bounds trap (other loads' own checks), nothing else that
///    may trap or has a side effect. Loads and pure instructions are allowed, and calls to
///    anything but Wasm functions: the lowering's inline intrinsics, which it declares pure.
pub fn validate_run_use(
    func: &Function,
    u: &RunUse,
    oob_block: Option<Block>,
    wasm_calls: &HashSet<FuncRef>,
) -> bool {
    use models::normalise::normalise;
    use models::{Domain, Terms};
    if u.end > u.max_end {
        return false;
    }
    // 1. addr = p + c.
    let mut t = Terms::new();
    let base = func.dfg.resolve_aliases(u.base);
    let mut leaf = |t: &mut Terms, v: Value, w: u32| t.var(&format!("{v}"), w);
    let Ok(addr) = models::clif::eval_value(&mut t, func, u.addr, &[base], 8, &mut leaf) else {
        return false;
    };
    let p = t.var(&format!("{base}"), 32);
    let c = t.lit(32, u128::from(u.distance));
    let want = t.add(&p, &c);
    if t.width(&addr) != 32 || normalise(&mut t, addr) != normalise(&mut t, want) {
        return false;
    }
    // 3. Nothing observable between the check and the load.
    let layout = &func.layout;
    let Some(mut block) = layout.inst_block(u.check) else {
        return false;
    };
    let mut at = layout.next_inst(u.check);
    loop {
        match at {
            Some(inst) => {
                if !unobservable(func, inst, oob_block, wasm_calls) {
                    return false;
                }
                if Some(inst) == u.before_load {
                    return true;
                }
                at = layout.next_inst(inst);
            }
            // End of a block: straight-line code continues in the next one in the layout.
            None => {
                let Some(next) = layout.next_block(block) else {
                    return false;
                };
                block = next;
                if block == u.block && u.before_load.is_none() {
                    return true;
                }
                at = layout.first_inst(block);
            }
        }
    }
}

/// An instruction that may sit between a run's check and its loads (see [`validate_run_use`]).
fn unobservable(
    func: &Function,
    inst: Inst,
    oob_block: Option<Block>,
    wasm_calls: &HashSet<FuncRef>,
) -> bool {
    let data = &func.dfg.insts[inst];
    let op = data.opcode();
    if let InstructionData::Call { func_ref, .. } = *data {
        return !wasm_calls.contains(&func_ref);
    }
    if op.is_branch() {
        // Only a branch to the out-of-bounds trap, falling through otherwise.
        let dests = data.branch_destination(&func.dfg.jump_tables, &func.dfg.exception_tables);
        return op == cranelift_codegen::ir::Opcode::Brif
            && Some(dests[0].block(&func.dfg.value_lists)) == oob_block;
    }
    !(op.is_terminator()
        || op.can_store()
        || op.can_trap()
        || op.other_side_effects()
        || op.is_call())
}

impl BoundsPlan {
    /// The plan with the runs in `refused` dropped: their loads check themselves.
    pub fn without(mut self, refused: &BTreeSet<usize>) -> BoundsPlan {
        if refused.is_empty() {
            return self;
        }
        self.loads.retain(|_, l| !refused.contains(&l.run));
        self
    }

    /// The run the load at operator index `index` belongs to, if any.
    pub fn load(&self, index: usize) -> Option<RunLoad> {
        self.loads.get(&index).copied()
    }

    /// Plan the runs of `ops` (a whole function body). `pure_call(f)` says whether a call to
    /// function `f` is compiled inline to code without side effects or traps.
    pub fn new(ops: &[Operator], pure_call: &dyn Fn(u32) -> bool) -> BoundsPlan {
        let mut plan = BoundsPlan::default();
        // Open candidate runs per base local: (operator index, c, offset + size).
        let mut open: BTreeMap<u32, Vec<(usize, u64, u64, u64)>> = BTreeMap::new();
        for (index, op) in ops.iter().enumerate() {
            match effect(op, pure_call) {
                Effect::Pure | Effect::OtherLoad => {}
                Effect::Load { memarg, size } => {
                    match address_pattern(ops, index) {
                        Some((local, c)) if memarg.memory == 0 && c < MAX_DISTANCE => {
                            open.entry(local).or_default().push((
                                index,
                                c,
                                memarg.offset,
                                memarg.offset + size,
                            ));
                        }
                        // A load at any other address is still only a possible
                        // MemoryOutOfBounds trap with no side effect.
                        _ => {}
                    }
                }
                Effect::SetLocal(local) => {
                    if let Some(loads) = open.remove(&local) {
                        plan.close(local, loads);
                    }
                }
                Effect::Barrier => {
                    for (local, loads) in std::mem::take(&mut open) {
                        plan.close(local, loads);
                    }
                }
            }
        }
        for (local, loads) in open {
            plan.close(local, loads);
        }
        plan
    }

    fn close(&mut self, local: u32, loads: Vec<(usize, u64, u64, u64)>) {
        if loads.len() < 2 || !loads.iter().any(|&(_, c, _, _)| c == 0) {
            return;
        }
        let run = self.runs.len();
        let max_end = loads
            .iter()
            .map(|&(_, c, _, end)| c + end)
            .max()
            .unwrap_or(0);
        for (k, &(index, c, offset, _)) in loads.iter().enumerate() {
            self.loads.insert(
                index,
                RunLoad {
                    run,
                    first: k == 0,
                    static_offset: c + offset,
                },
            );
        }
        self.runs.push(Run {
            local,
            max_end,
            loads: loads.iter().map(|l| l.0).collect(),
        });
    }
}

/// What an operator means for a run.
enum Effect {
    /// No side effect and no trap.
    Pure,
    /// A load that may join a run.
    Load { memarg: MemArg, size: u64 },
    /// A load that cannot join a run (it can still only trap with MemoryOutOfBounds).
    OtherLoad,
    /// Writes a local: ends the run on that local.
    SetLocal(u32),
    /// Control flow, a side effect, or a possible trap with another code: ends every run.
    Barrier,
}

fn effect(op: &Operator, pure_call: &dyn Fn(u32) -> bool) -> Effect {
    use Operator as O;
    let load = |memarg: &MemArg, size: u64| Effect::Load {
        memarg: *memarg,
        size,
    };
    match op {
        O::LocalGet { .. }
        | O::GlobalGet { .. }
        | O::Nop
        | O::Drop
        | O::Select
        | O::TypedSelect { .. }
        | O::I32Const { .. }
        | O::I64Const { .. }
        | O::F32Const { .. }
        | O::F64Const { .. }
        | O::V128Const { .. } => Effect::Pure,
        O::LocalSet { local_index } | O::LocalTee { local_index } => Effect::SetLocal(*local_index),
        O::Call { function_index } if pure_call(*function_index) => Effect::Pure,
        O::I32Load8S { memarg } | O::I32Load8U { memarg } => load(memarg, 1),
        O::I64Load8S { memarg } | O::I64Load8U { memarg } => load(memarg, 1),
        O::V128Load8Splat { memarg } => load(memarg, 1),
        O::I32Load16S { memarg } | O::I32Load16U { memarg } => load(memarg, 2),
        O::I64Load16S { memarg } | O::I64Load16U { memarg } => load(memarg, 2),
        O::V128Load16Splat { memarg } => load(memarg, 2),
        O::I32Load { memarg } | O::F32Load { memarg } => load(memarg, 4),
        O::I64Load32S { memarg } | O::I64Load32U { memarg } => load(memarg, 4),
        O::V128Load32Splat { memarg } | O::V128Load32Zero { memarg } => load(memarg, 4),
        O::I64Load { memarg } | O::F64Load { memarg } => load(memarg, 8),
        O::V128Load64Splat { memarg } | O::V128Load64Zero { memarg } => load(memarg, 8),
        O::V128Load8x8S { memarg } | O::V128Load8x8U { memarg } => load(memarg, 8),
        O::V128Load16x4S { memarg } | O::V128Load16x4U { memarg } => load(memarg, 8),
        O::V128Load32x2S { memarg } | O::V128Load32x2U { memarg } => load(memarg, 8),
        O::V128Load { memarg } => load(memarg, 16),
        // The address sits below a vector operand, so the pattern does not apply.
        O::V128Load8Lane { .. }
        | O::V128Load16Lane { .. }
        | O::V128Load32Lane { .. }
        | O::V128Load64Lane { .. } => Effect::OtherLoad,
        _ if is_pure_numeric(&operator_name(op)) => Effect::Pure,
        _ => Effect::Barrier,
    }
}

/// Numeric and SIMD operators, by name: everything typed `i32.`, `i64.`, `f32.`, `f64.`,
/// `v128.` or a lane shape, except memory access, atomics, and the integer operators that trap
/// (division, remainder, non-saturating float-to-int truncation).
fn is_pure_numeric(name: &str) -> bool {
    const TYPES: [&str; 11] = [
        "i32", "i64", "f32", "f64", "v128", "i8x16", "i16x8", "i32x4", "i64x2", "f32x4", "f64x2",
    ];
    let Some((ty, rest)) = name.split_once('.') else {
        return false;
    };
    if !TYPES.contains(&ty) || ["load", "store", "atomic"].iter().any(|w| rest.contains(w)) {
        return false;
    }
    let scalar_int = ty == "i32" || ty == "i64";
    let traps = scalar_int
        && (rest.starts_with("div_") || rest.starts_with("rem_") || rest.starts_with("trunc_f"));
    !traps
}

/// `local.get p` or `local.get p; i32.const c; i32.add` directly before the load at `index`
/// (consecutive operators, so the load's address operand is exactly that expression).
fn address_pattern(ops: &[Operator], index: usize) -> Option<(u32, u64)> {
    match ops.get(index.checked_sub(1)?)? {
        Operator::LocalGet { local_index } => Some((*local_index, 0)),
        Operator::I32Add => match (ops.get(index.checked_sub(3)?)?, &ops[index - 2]) {
            (Operator::LocalGet { local_index }, Operator::I32Const { value }) => {
                Some((*local_index, u64::from(*value as u32)))
            }
            _ => None,
        },
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What a planted wrong plan would look like on the CLIF it produces.
    /// z3's answer to an SMT-LIB query: `true` for sat, `false` for unsat.
    fn z3_sat(query: &str) -> bool {
        use std::io::Write;
        let mut z3 = std::process::Command::new("z3")
            .arg("-in")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("z3 on PATH (Debian package z3; .ci/run installs it)");
        z3.stdin
            .take()
            .expect("stdin")
            .write_all(query.as_bytes())
            .expect("query written");
        let out = z3.wait_with_output().expect("z3 ran");
        match String::from_utf8_lossy(&out.stdout).trim() {
            "unsat" => false,
            "sat" => true,
            other => panic!("z3 answered {other:?} to\n{query}"),
        }
    }

    /// The largest memory the engine gives a module, in bytes.
    fn max_len() -> u64 {
        crate::vmctx::MAX_MEMORY_PAGES * 65536
    }

    /// Whether z3 finds `zext(p) + end > len` and `p >=u max(len - end + 1, 0)[31:0]` (the
    /// translator's check, `compare` being its comparison) different for some `p`, some `len`
    /// up to `MAX_MEMORY_PAGES` pages and some access end in 1..=2^32 + 15.
    fn limit_form_differs(compare: &str) -> bool {
        z3_sat(&format!(
            "(set-logic QF_BV)
             (declare-const p (_ BitVec 32))
             (declare-const len (_ BitVec 64))
             (declare-const end (_ BitVec 64))
             (assert (bvule len (_ bv{} 64)))
             (assert (bvuge end (_ bv1 64)))
             (assert (bvule end (_ bv{} 64)))
             (define-fun raw () (_ BitVec 64) (bvadd len (bvsub (_ bv1 64) end)))
             (define-fun limit () (_ BitVec 64) (ite (bvsgt raw (_ bv0 64)) raw (_ bv0 64)))
             (assert (not (= (bvugt (bvadd ((_ zero_extend 32) p) end) len)
                             ({compare} p ((_ extract 31 0) limit)))))
             (check-sat)",
            max_len(),
            (1u64 << 32) + 15
        ))
    }

    #[test]
    fn limit_form_is_exact() {
        assert!(
            !limit_form_differs("bvuge"),
            "the translator's check is exact"
        );
        // The proof can fail: off by one, it is refuted.
        assert!(limit_form_differs("bvugt"));
    }

    /// Whether z3 finds a run for which one check at its first load is not the same Wasm
    /// behaviour as a check per load (the module comment's argument), with distances `c`
    /// below `max_distance`. Three loads of the run stand for all: `z` at `p` itself (c = 0),
    /// `k`, the one reaching furthest (its end is the run's `max_end`), and any load `i`.
    /// Load j of Wasm reads at `zext(p + c_j mod 2^32) + offset_j` and traps if that plus its
    /// size exceeds `len`; the translator reads at `zext(p) + c_j + offset_j` once
    /// `zext(p) + max_end <= len` holds, and traps otherwise. Same behaviour: if the check
    /// passes, load i does not trap and reads the same address; if it fails, load z or load k
    /// traps.
    fn one_check_differs_from_a_check_per_load(max_distance: u64) -> bool {
        let load = |j: &str| {
            format!(
                "(declare-const c{j} (_ BitVec 64))
                 (declare-const off{j} (_ BitVec 64))
                 (declare-const size{j} (_ BitVec 64))
                 (assert (bvult c{j} (_ bv{max_distance} 64)))
                 (assert (bvult off{j} (_ bv4294967296 64)))
                 (assert (and (bvuge size{j} (_ bv1 64)) (bvule size{j} (_ bv16 64))))
                 (define-fun end{j} () (_ BitVec 64) (bvadd c{j} (bvadd off{j} size{j})))
                 (define-fun wasm_addr{j} () (_ BitVec 64)
                   (bvadd ((_ zero_extend 32) (bvadd p ((_ extract 31 0) c{j}))) off{j}))
                 (define-fun traps{j} () Bool (bvugt (bvadd wasm_addr{j} size{j}) len))
                 (define-fun run_addr{j} () (_ BitVec 64)
                   (bvadd ((_ zero_extend 32) p) (bvadd c{j} off{j})))"
            )
        };
        z3_sat(&format!(
            "(set-logic QF_BV)
             (declare-const p (_ BitVec 32))
             (declare-const len (_ BitVec 64))
             (assert (bvule len (_ bv{} 64)))
             {} {} {}
             (assert (= cz (_ bv0 64)))
             (assert (bvule endi endk))
             (assert (bvule endz endk))
             (define-fun passes () Bool (bvule (bvadd ((_ zero_extend 32) p) endk) len))
             (assert (not (and (=> passes (and (not trapsi) (= run_addri wasm_addri)))
                               (=> (not passes) (or trapsz trapsk)))))
             (check-sat)",
            max_len(),
            load("z"),
            load("k"),
            load("i"),
        ))
    }

    #[test]
    fn one_check_per_run_is_the_same_behaviour() {
        assert!(
            !one_check_differs_from_a_check_per_load(MAX_DISTANCE),
            "a run's one check is a check per load"
        );
        // The proof can fail: with distances up to 2^32, p + c wraps to an address in
        // bounds while the check fails, and it is refuted.
        assert!(one_check_differs_from_a_check_per_load(1 << 32));
    }

    #[derive(Clone, Copy, PartialEq, Debug)]
    enum Wrong {
        Nothing,
        StoreBetween,
        WasmCallBetween,
        OtherBase,
        OtherDistance,
        PastTheCheck,
    }

    /// `f(p, q: i32, base: i64)`: a run's check on `p` (max end 32), then a load at `p + 16`
    /// (16 bytes), with `wrong` planted; the load's `RunUse` and whether it validates.
    fn validates(wrong: Wrong) -> bool {
        use cranelift_codegen::ir::condcodes::IntCC;
        use cranelift_codegen::ir::types::{I32, I32X4, I64};
        use cranelift_codegen::ir::{
            AbiParam, ExtFuncData, ExternalName, InstBuilder, MemFlagsData, Signature,
            UserExternalName, UserFuncName,
        };
        use cranelift_codegen::isa::CallConv;
        use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
        let mut sig = Signature::new(CallConv::SystemV);
        sig.params = vec![AbiParam::new(I32), AbiParam::new(I32), AbiParam::new(I64)];
        sig.returns = vec![AbiParam::new(I32X4)];
        let mut func = Function::with_name_signature(UserFuncName::user(0, 0), sig.clone());
        let mut ctx = FunctionBuilderContext::new();
        let mut b = FunctionBuilder::new(&mut func, &mut ctx);
        let (entry, cont, trap) = (b.create_block(), b.create_block(), b.create_block());
        b.append_block_params_for_function_params(entry);
        b.switch_to_block(entry);
        let [p, q, base] = b.block_params(entry).try_into().unwrap();
        let limit = b.ins().iconst(I32, 1000);
        let oob = b.ins().icmp(IntCC::UnsignedGreaterThanOrEqual, p, limit);
        let check = b.ins().brif(oob, trap, &[], cont, &[]);
        b.switch_to_block(cont);
        let flags = MemFlagsData::new().with_notrap();
        let mut wasm_calls = HashSet::new();
        match wrong {
            Wrong::StoreBetween => {
                b.ins().store(flags, q, base, 0);
            }
            Wrong::WasmCallBetween => {
                let sig = b.import_signature(sig.clone());
                let name = b
                    .func
                    .declare_imported_user_function(UserExternalName::new(0, 1));
                let f = b.import_function(ExtFuncData {
                    name: ExternalName::user(name),
                    signature: sig,
                    colocated: true,
                    patchable: false,
                });
                wasm_calls.insert(f);
                b.ins().call(f, &[p, q, base]);
            }
            _ => {}
        }
        let from = if wrong == Wrong::OtherBase { q } else { p };
        let c = b.ins().iconst(
            I32,
            if wrong == Wrong::OtherDistance {
                12
            } else {
                16
            },
        );
        let addr = b.ins().iadd(from, c);
        let before_load = b.func.layout.last_inst(cont);
        let p64 = b.ins().uextend(I64, p);
        let a = b.ins().iadd(base, p64);
        let v = b.ins().load(I32X4, flags, a, 16);
        b.ins().return_(&[v]);
        b.switch_to_block(trap);
        b.ins()
            .trap(cranelift_codegen::ir::TrapCode::user(1).unwrap());
        b.seal_all_blocks();
        b.finalize(crate::compile::host_isa().unwrap().frontend_config());
        let u = RunUse {
            run: 0,
            check,
            base: p,
            addr,
            distance: 16,
            end: 32,
            max_end: if wrong == Wrong::PastTheCheck { 31 } else { 32 },
            block: cont,
            before_load,
        };
        validate_run_use(&func, &u, Some(trap), &wasm_calls)
    }

    #[test]
    fn a_coalesced_check_is_used_only_where_its_argument_holds() {
        assert!(validates(Wrong::Nothing));
        for wrong in [
            Wrong::StoreBetween,
            Wrong::WasmCallBetween,
            Wrong::OtherBase,
            Wrong::OtherDistance,
            Wrong::PastTheCheck,
        ] {
            assert!(!validates(wrong), "{wrong:?} validated");
        }
    }

    fn ops(wat: &str) -> Vec<Operator<'static>> {
        let wasm = wat::parse_str(format!("(module {wat} (memory 1))")).unwrap();
        let wasm: &'static [u8] = Box::leak(wasm.into_boxed_slice());
        for payload in wasmparser::Parser::new(0).parse_all(wasm) {
            if let wasmparser::Payload::CodeSectionEntry(body) = payload.unwrap() {
                let reader = body.get_operators_reader().unwrap();
                return reader.into_iter().collect::<Result<_, _>>().unwrap();
            }
        }
        panic!("no function body")
    }

    fn plan(wat: &str) -> BoundsPlan {
        BoundsPlan::new(&ops(wat), &|f| f == 0)
    }

    const FOUR_LOADS: &str = "local.get 0 v128.load
        local.get 0 i32.const 16 i32.add v128.load i32x4.add
        local.get 0 i32.const 32 i32.add v128.load offset=4 i32x4.add
        local.get 0 i32.const 48 i32.add v128.load i32x4.add";

    #[test]
    fn four_loads_from_one_base_form_one_run() {
        let p = plan(&format!("(func (param i32) (result v128) {FOUR_LOADS})"));
        assert_eq!(p.runs.len(), 1);
        assert_eq!(p.runs[0].local, 0);
        assert_eq!(p.runs[0].max_end, 64);
        let loads: Vec<RunLoad> = p.runs[0]
            .loads
            .iter()
            .map(|&i| p.load(i).unwrap())
            .collect();
        assert!(loads[0].first && !loads[1].first);
        let offsets: Vec<u64> = loads.iter().map(|l| l.static_offset).collect();
        assert_eq!(offsets, [0, 16, 36, 48]);
    }

    #[test]
    fn barriers_split_runs() {
        for barrier in [
            "i32.const 0 i32.const 0 i32.store",
            "i32.const 1 i32.const 0 i32.div_u drop",
            "f32.const 1 i32.trunc_f32_s drop",
            "call 1",
            "block end",
            "i32.const 0 local.set 0",
        ] {
            let p = plan(&format!(
                "(func (param i32) (result v128) local.get 0 v128.load {barrier}
                   local.get 0 i32.const 16 i32.add v128.load i32x4.add)
                 (func)"
            ));
            assert!(p.runs.is_empty(), "`{barrier}` must end the run: {p:?}");
        }
    }

    #[test]
    fn pure_operators_other_loads_and_pure_calls_do_not() {
        for between in [
            "i32.const 1 i32.const 0 i32.add drop",
            "f32.const 1 i32.trunc_sat_f32_s drop",
            "i32.const 1 i32.const 2 i32.rotl drop",
            "i32.const 8 i32.load drop",
            "v128.const i64x2 0 0 call 0 drop",
            "i32.const 0 local.set 1",
        ] {
            let p = plan(&format!(
                "(func $pure (import \"m\" \"f\") (param v128) (result v128))
                 (func (param i32) (result v128) (local i32) local.get 0 v128.load {between}
                   local.get 0 i32.const 16 i32.add v128.load i32x4.add)"
            ));
            assert_eq!(p.runs.len(), 1, "`{between}` must not end the run");
        }
    }

    #[test]
    fn a_run_needs_a_load_at_the_base_and_small_distances() {
        let no_base = plan(
            "(func (param i32) (result v128)
               local.get 0 i32.const 16 i32.add v128.load
               local.get 0 i32.const 32 i32.add v128.load i32x4.add)",
        );
        assert!(no_base.runs.is_empty(), "{no_base:?}");
        let far = plan(
            "(func (param i32) (result v128)
               local.get 0 v128.load
               local.get 0 i32.const 65536 i32.add v128.load i32x4.add)",
        );
        assert!(far.runs.is_empty(), "{far:?}");
        let negative = plan(
            "(func (param i32) (result v128)
               local.get 0 v128.load
               local.get 0 i32.const -16 i32.add v128.load i32x4.add)",
        );
        assert!(negative.runs.is_empty(), "{negative:?}");
    }
}
