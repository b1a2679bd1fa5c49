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

use crate::names::operator_name;
use std::collections::{BTreeMap, HashMap};
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

impl BoundsPlan {
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
