//! The native lowering (D) as the verifier checks it. The engine emits a
//! placeholder instruction, lets Cranelift allocate its registers, then its
//! post-pass rewrites the word into the instruction through the table's
//! operand map. Here: choose registers for the placeholder, run the engine's
//! own re-encoding on that word, decode the result with the models' decoder,
//! and bind the engine params to registers the way the placeholder does.

use anyhow::{anyhow, Result};
use lowering::native::{native_entry_with_operands, reencode, NativeEntry, PlaceholderField};
use models::aarch64::Inst;
use spec::{Intrinsic, Operand};

use crate::variant::Planted;

/// Registers given to the placeholder's fields: distinct, and not the
/// registers the spec's own instruction word uses.
const REGS: [(PlaceholderField, u8); 3] = [
    (PlaceholderField::Rd, 5),
    (PlaceholderField::Rn, 7),
    (PlaceholderField::Rm, 9),
];

#[derive(Clone, Debug)]
pub struct NativePlan {
    pub entry: NativeEntry,
    pub placeholder_word: u32,
    /// What the engine writes.
    pub word: u32,
    pub inst: Inst,
    /// (register, engine param) for every register the placeholder reads a param from.
    pub bindings: Vec<(u8, usize)>,
    /// Registers whose prior contents are free inputs.
    pub touched: Vec<u8>,
    /// Where the engine reads the result: the placeholder's destination.
    pub result_reg: u8,
}

/// The instruction table's register operands of `intr`'s instruction, with any planted
/// `isa-operand` bugs.
pub fn operands_with(intr: &Intrinsic, planted: &[Planted]) -> Vec<Operand> {
    let mut ops = intr.instruction.desc().operands.to_vec();
    for p in planted {
        if let Planted::IsaOperand(o) = p {
            match ops.iter_mut().find(|x| x.field == o.field) {
                Some(slot) => *slot = *o,
                None => ops.push(*o),
            }
        }
    }
    ops
}

/// The native lowering of `intr`'s instruction, with any planted bugs.
pub fn entry_with(intr: &Intrinsic, planted: &[Planted]) -> Result<NativeEntry> {
    let operands = operands_with(intr, planted);
    let mut e = native_entry_with_operands(intr.instruction, &operands).ok_or_else(|| {
        anyhow!(
            "{} has no native lowering: no placeholder has its register shape",
            intr.instruction
        )
    })?;
    for p in planted {
        match p {
            Planted::SwapFields(a, b) => {
                for (_, f) in e.operand_map.iter_mut() {
                    if f == a {
                        *f = *b;
                    } else if f == b {
                        *f = *a;
                    }
                }
            }
            Planted::DropRead(pf) => e.placeholder_effects.reads.retain(|a| a.field != *pf),
            Planted::DropWrite(pf) => e.placeholder_effects.writes.retain(|a| a.field != *pf),
            Planted::PlaceholderReadView(pf, view) => {
                for a in e.placeholder_effects.reads.iter_mut() {
                    if a.field == *pf {
                        a.view = *view;
                    }
                }
            }
            Planted::EncodeAs(m) => e.mnemonic = *m,
            Planted::Model(_) | Planted::IsaOperand(_) => {}
        }
    }
    Ok(e)
}

pub fn plan(intr: &Intrinsic, planted: &[Planted]) -> Result<NativePlan> {
    let entry = entry_with(intr, planted)?;
    let mut regs: Vec<(PlaceholderField, u8)> = REGS.to_vec();
    for &(a, b) in &entry.same_register {
        let r = REGS.iter().find(|(f, _)| *f == a).unwrap().1;
        for slot in regs.iter_mut() {
            if slot.0 == b {
                slot.1 = r;
            }
        }
    }
    let reg = |pf: PlaceholderField| regs.iter().find(|(f, _)| *f == pf).unwrap().1;
    let effects = entry.placeholder_effects.clone();
    let mut fields: Vec<PlaceholderField> = effects
        .reads
        .iter()
        .chain(&effects.writes)
        .map(|a| a.field)
        .collect();
    fields.extend(entry.operand_map.iter().map(|(pf, _)| *pf));
    fields.sort_by_key(|f| f.shift());
    fields.dedup();
    let mut placeholder_word = entry.match_value;
    for f in &fields {
        placeholder_word |= (reg(*f) as u32) << f.shift();
    }
    let word = reencode(&entry, placeholder_word)
        .map_err(|e| anyhow!("the engine's re-encoding failed: {e}"))?;
    let inst = Inst::decode(word).ok_or_else(|| {
        anyhow!("the engine writes {word:#010x}, which the models' decoder does not recognise")
    })?;
    // The placeholder's operand in field F is the engine param bound to F
    // (see `lowering::table`: the CLIF operands are named by the fields).
    let mut bindings = Vec::new();
    for a in &effects.reads {
        if let Some(pi) = intr
            .engine
            .params
            .iter()
            .position(|p| p.field == a.field.field())
        {
            bindings.push((reg(a.field), pi));
        }
    }
    let mut touched: Vec<u8> = fields.iter().map(|f| reg(*f)).collect();
    touched.extend(inst.registers());
    touched.sort();
    touched.dedup();
    Ok(NativePlan {
        result_reg: reg(PlaceholderField::Rd),
        entry,
        placeholder_word,
        word,
        inst,
        bindings,
        touched,
    })
}
