//! Cross-intrinsic rewrites of lowering (E), run after Cranelift's mid-end and before the
//! markers become placeholders: merging equal markers, composing shuffles (each composition
//! validated on the CLIF model), the proved [`REWRITE_RULES`](super::REWRITE_RULES), and
//! removing what they leave dead.

use anyhow::Result;
use cranelift_codegen::ir::types::{I32X4, I8X16};
use cranelift_codegen::ir::{Function, Inst, InstBuilder, InstructionData, Value, ValueDef};

use super::{
    emit_sequence, lanes_mask, layout_insts, shuffle_mask, x86_marker_of, Sequence, Slot, Step,
    REWRITE_RULES,
};
use crate::domain::little_endian;
use crate::table::peel_bitcasts;

/// Match `seq` with its last step at value `v`: the values bound to its parameters, or
/// `None`. Values are compared by their [`root`] (bitcasts do not change bits); binary steps
/// match their operands in the order written.
fn match_sequence(func: &Function, seq: &Sequence, v: Value) -> Option<Vec<Value>> {
    use cranelift_codegen::ir::Opcode;
    let mut params: Vec<Option<Value>> = vec![None; usize::from(seq.params)];
    let mut at: Vec<Option<Value>> = vec![None; seq.steps.len()];
    let last = match seq.result {
        Slot::Step(t) => usize::from(t),
        Slot::Param(_) => return None,
    };
    at[last] = Some(root(func, v));
    // Bind `slot` to `value`, or check it is already bound to the same root.
    let bind =
        |params: &mut Vec<Option<Value>>, at: &mut Vec<Option<Value>>, slot: Slot, value: Value| {
            let value = root(func, value);
            let cell = match slot {
                Slot::Param(p) => &mut params[usize::from(p)],
                Slot::Step(t) => &mut at[usize::from(t)],
            };
            match cell {
                Some(b) if *b != value => false,
                _ => {
                    *cell = Some(value);
                    true
                }
            }
        };
    for i in (0..seq.steps.len()).rev() {
        let val = at[i]?;
        let ValueDef::Result(inst, _) = func.dfg.value_def(val) else {
            return None;
        };
        let data = &func.dfg.insts[inst];
        let args = func.dfg.inst_args(inst);
        let ok = match &seq.steps[i] {
            Step::Const(lanes) => {
                let InstructionData::UnaryConst {
                    opcode: Opcode::Vconst,
                    constant_handle,
                } = *data
                else {
                    return None;
                };
                let want: Vec<u8> = lanes.iter().flat_map(|x| x.to_le_bytes()).collect();
                func.dfg.constants.get(constant_handle).as_slice() == want.as_slice()
            }
            Step::Lanes { a, b, pick } => {
                let (x, y, mask) = shuffle_def(func, val)?;
                lanes_mask(pick) == mask.as_slice()
                    && bind(&mut params, &mut at, *a, x)
                    && bind(&mut params, &mut at, *b, y)
            }
            Step::Add32(x, y) | Step::Sub32(x, y) | Step::Xor(x, y) => {
                let (want, commutes) = match &seq.steps[i] {
                    Step::Add32(..) => (Opcode::Iadd, true),
                    Step::Sub32(..) => (Opcode::Isub, false),
                    _ => (Opcode::Bxor, true),
                };
                if data.opcode() != want || func.dfg.value_type(val) != I32X4 {
                    return None;
                }
                // Operands in the order written, or (if the operator commutes) swapped.
                let saved = (params.clone(), at.clone());
                if bind(&mut params, &mut at, *x, args[0])
                    && bind(&mut params, &mut at, *y, args[1])
                {
                    true
                } else if commutes {
                    (params, at) = saved;
                    bind(&mut params, &mut at, *x, args[1])
                        && bind(&mut params, &mut at, *y, args[0])
                } else {
                    false
                }
            }
            Step::X86 {
                inst: want,
                xmm1,
                xmm2,
                xmm0,
            } => {
                let slots: Vec<Slot> = [Some(*xmm1), Some(*xmm2), *xmm0]
                    .into_iter()
                    .flatten()
                    .collect();
                x86_marker_of(func, inst) == Some(*want)
                    && args.len() == slots.len()
                    && slots
                        .iter()
                        .zip(args)
                        .all(|(s, &a)| bind(&mut params, &mut at, *s, a))
            }
        };
        if !ok {
            return None;
        }
    }
    params.into_iter().collect()
}

/// Cross-intrinsic rewrite 3: the [`REWRITE_RULES`], applied where their `from` side is
/// computed; the replaced value's other steps stay if anything else uses them. Returns how
/// many were applied.
pub fn apply_rewrite_rules(func: &mut Function) -> Result<usize> {
    let rules: Vec<(Sequence, Sequence)> = REWRITE_RULES
        .iter()
        .map(|r| r.sequences(&[]))
        .collect::<Result<_>>()?;
    apply_rules(func, &rules)
}

/// [`apply_rewrite_rules`] with the rules given as (pattern, replacement) sequences (the
/// table passes its own, which may carry planted bugs).
pub fn apply_rules(func: &mut Function, rules: &[(Sequence, Sequence)]) -> Result<usize> {
    use cranelift_codegen::cursor::{Cursor, FuncCursor};
    let insts = layout_insts(func);
    let mut applied = 0;
    for inst in insts {
        if func.layout.inst_block(inst).is_none() || func.dfg.inst_results(inst).len() != 1 {
            continue;
        }
        let old = func.dfg.first_result(inst);
        if func.dfg.value_type(old) != I32X4 {
            continue;
        }
        for (from, to) in rules {
            let Some(params) = match_sequence(func, from, old) else {
                continue;
            };
            let mut pos = FuncCursor::new(func).at_inst(inst);
            // Roots may be byte vectors; the sequence takes i32x4.
            let params: Vec<Value> = params
                .into_iter()
                .map(|p| {
                    if pos.func.dfg.value_type(p) == I32X4 {
                        p
                    } else {
                        pos.ins().bitcast(I32X4, little_endian(), p)
                    }
                })
                .collect();
            let new = emit_sequence(&mut pos, to, &params)?;
            func.dfg.clear_results(inst);
            func.dfg.change_to_alias(old, new);
            func.layout.remove_inst(inst);
            applied += 1;
            break;
        }
    }
    Ok(applied)
}

/// Dead code left by the rewrites above is removed, markers included (returns how many
/// markers): markers are pure, and a dropped placeholder would have no code for the
/// post-pass to find. Live
/// means reachable, through operands, from an instruction with an effect (a store, a branch,
/// a return, a call that is not a marker, anything that may trap or load): a value used only
/// by dead shuffles is dead too.
pub fn remove_unused_markers(func: &mut Function) -> usize {
    let insts = layout_insts(func);
    let pure = |func: &Function, inst: Inst| {
        x86_marker_of(func, inst).is_some() || !crate::translation::has_effect(func, inst)
    };
    let mut live_insts = std::collections::HashSet::new();
    let mut work: Vec<Inst> = insts.iter().copied().filter(|&i| !pure(func, i)).collect();
    while let Some(inst) = work.pop() {
        if !live_insts.insert(inst) {
            continue;
        }
        for v in func.dfg.inst_values(inst) {
            if let ValueDef::Result(def, _) = func.dfg.value_def(func.dfg.resolve_aliases(v)) {
                work.push(def);
            }
        }
    }
    // Every dead instruction goes, not only the markers: a dead shuffle may still name one.
    let mut removed = 0;
    for inst in insts {
        if !live_insts.contains(&inst) {
            if x86_marker_of(func, inst).is_some() {
                removed += 1;
            }
            func.layout.remove_inst(inst);
        }
    }
    removed
}

/// The shuffle defining `v` (through little-endian bitcasts): its two operands (bitcasts
/// peeled) and its byte mask.
fn shuffle_def(func: &Function, v: Value) -> Option<(Value, Value, Vec<u8>)> {
    let v = root(func, v);
    let ValueDef::Result(inst, _) = func.dfg.value_def(v) else {
        return None;
    };
    let InstructionData::Shuffle { args, imm, .. } = func.dfg.insts[inst] else {
        return None;
    };
    let mask = func.dfg.immediates.get(imm)?.as_slice().to_vec();
    (mask.len() == 16).then(|| (root(func, args[0]), root(func, args[1]), mask))
}

/// `v` with aliases resolved and little-endian bitcasts peeled: two values with the same root
/// hold the same bits.
fn root(func: &Function, v: Value) -> Value {
    let mut v = func.dfg.resolve_aliases(v);
    loop {
        let p = func.dfg.resolve_aliases(peel_bitcasts(&func.dfg, v));
        if p == v {
            return v;
        }
        v = p;
    }
}

/// Cross-intrinsic rewrite 1: a shuffle of shuffles becomes one shuffle of their sources
/// (when there are at most two), and a shuffle that gives back its source is dropped. This is
/// what cancels the lane reversals between consecutive SHA-1 rounds and repacks SHA-256's
/// ABEF/CDGH state for free. Each composition is applied only after
/// [`values_agree`](crate::validate::values_agree) shows, on the CLIF model over terms with
/// the sources free, that the new value equals the old one. Returns how many were applied.
pub fn compose_shuffles(func: &mut Function) -> usize {
    compose_shuffles_planted(func, &|_| {})
}

/// [`compose_shuffles`] with `plant` applied to each composed mask before validation (tests
/// plant a wrong composition to see the validation refuse it).
fn compose_shuffles_planted(func: &mut Function, plant: &dyn Fn(&mut Vec<u8>)) -> usize {
    use cranelift_codegen::cursor::{Cursor, FuncCursor};
    let insts = layout_insts(func);
    let mut applied = 0;
    let mut built: std::collections::HashMap<_, Value> = std::collections::HashMap::new();
    for inst in insts {
        let InstructionData::Shuffle { args, imm, .. } = func.dfg.insts[inst] else {
            continue;
        };
        let outer: Vec<u8> = match func.dfg.immediates.get(imm) {
            Some(m) if m.len() == 16 => m.as_slice().to_vec(),
            _ => continue,
        };
        let inner = [shuffle_def(func, args[0]), shuffle_def(func, args[1])];
        if inner.iter().all(Option::is_none) {
            continue;
        }
        // Where each result byte comes from: (source value, byte of it).
        let source = |operand: usize, k: u8| -> (Value, u8) {
            match &inner[operand] {
                Some((a, b, m)) => {
                    let s = m[usize::from(k)];
                    if s < 16 {
                        (*a, s)
                    } else {
                        (*b, s - 16)
                    }
                }
                None => (root(func, args[operand]), k),
            }
        };
        let bytes: Vec<(Value, u8)> = outer
            .iter()
            .map(|&m| {
                if m < 16 {
                    source(0, m)
                } else {
                    source(1, m - 16)
                }
            })
            .collect();
        let mut sources: Vec<Value> = Vec::new();
        for (v, _) in &bytes {
            if !sources.contains(v) {
                sources.push(*v);
            }
        }
        if sources.len() > 2
            || sources
                .iter()
                .any(|&v| func.dfg.value_type(v).bits() != 128)
        {
            continue;
        }
        let old = func.dfg.first_result(inst);
        let identity = sources.len() == 1
            && bytes
                .iter()
                .enumerate()
                .all(|(j, (_, k))| usize::from(*k) == j);
        let mut mask: Vec<u8> = bytes
            .iter()
            .map(|(v, k)| if *v == sources[0] { *k } else { k + 16 })
            .collect();
        plant(&mut mask);
        let identity = identity && mask.iter().enumerate().all(|(j, &k)| usize::from(k) == j);
        let mut pos = FuncCursor::new(func).at_inst(inst);
        let as_bytes = |pos: &mut FuncCursor, v: Value| {
            if pos.func.dfg.value_type(v) == I8X16 {
                v
            } else {
                pos.ins().bitcast(I8X16, little_endian(), v)
            }
        };
        // The same composition earlier in the block is reused (Cranelift's GVN has run).
        let block = pos.func.layout.inst_block(inst);
        let key = (block, sources.clone(), mask.clone());
        let new = match built.get(&key) {
            Some(&v) if !identity => v,
            _ => {
                let x = as_bytes(&mut pos, sources[0]);
                if identity {
                    x
                } else {
                    let y = match sources.get(1) {
                        Some(&s) => as_bytes(&mut pos, s),
                        None => x,
                    };
                    let imm = shuffle_mask(&mut pos.func.dfg, &mask);
                    let v = pos.ins().shuffle(x, y, imm);
                    built.insert(key, v);
                    v
                }
            }
        };
        if !crate::validate::values_agree(func, old, new, &sources) {
            continue;
        }
        // Uses of the old shuffle now read the new value; the old one is dead code.
        func.dfg.clear_results(inst);
        func.dfg.change_to_alias(old, new);
        func.layout.remove_inst(inst);
        applied += 1;
    }
    applied
}

/// Cross-intrinsic rewrite 2: two markers of the same x86 instruction on the same operands,
/// in one block, compute the same value (the instructions are functions of their operands:
/// no memory, flags or other state), so the later one reads the earlier one's result. This
/// is what lets SHA256H and SHA256H2 share their two SHA256RNDS2. Returns how many merged.
pub fn merge_equal_markers(func: &mut Function) -> usize {
    let mut merged = 0;
    let blocks: Vec<_> = func.layout.blocks().collect();
    for block in blocks {
        let mut seen: Vec<(u32, Vec<Value>, Value)> = Vec::new();
        let insts: Vec<Inst> = func.layout.block_insts(block).collect();
        for inst in insts {
            let Some(x) = x86_marker_of(func, inst) else {
                continue;
            };
            let args: Vec<Value> = func
                .dfg
                .inst_args(inst)
                .iter()
                .map(|&a| func.dfg.resolve_aliases(a))
                .collect();
            let result = func.dfg.first_result(inst);
            match seen.iter().find(|(c, a, _)| *c == x.code() && *a == args) {
                Some(&(_, _, earlier)) => {
                    func.dfg.clear_results(inst);
                    func.dfg.change_to_alias(result, earlier);
                    func.layout.remove_inst(inst);
                    merged += 1;
                }
                None => seen.push((x.code(), args, result)),
            }
        }
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;
    use models::{Bits, Concrete, Domain};

    /// `rev(rev(x))` as the SHA-1 sequences leave it between rounds, composed with `plant`;
    /// how many compositions were applied, and what the function returns for one input.
    fn double_reversal(plant: &dyn Fn(&mut Vec<u8>)) -> (usize, u128) {
        let seq = Sequence {
            params: 1,
            steps: vec![
                "lanes(p0, p0; 3,2,1,0)".parse().unwrap(),
                "lanes(t0, t0; 3,2,1,0)".parse().unwrap(),
            ],
            result: Slot::Step(1),
        };
        let mut func = super::super::sequence_function(&seq).unwrap();
        let applied = compose_shuffles_planted(&mut func, plant);
        let x = 0x0f0e0d0c_0b0a0908_07060504_03020100u128;
        let mut d = Concrete;
        let arg = d.constant(Bits::from_u128(128, x));
        let out = models::clif::run_function(&mut d, &func, &[arg]).unwrap();
        (applied, d.as_const(&out[0]).unwrap().to_u128())
    }

    #[test]
    fn reversals_cancel_and_a_wrong_composition_is_refused() {
        let x = 0x0f0e0d0c_0b0a0908_07060504_03020100u128;
        // Composed: the second reversal reads x directly and gives it back.
        assert_eq!(double_reversal(&|_| {}), (1, x));
        // A composition with two bytes swapped is not applied: the code stays right.
        assert_eq!(double_reversal(&|m| m.swap(0, 1)), (0, x));
    }
}
