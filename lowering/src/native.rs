//! Lowering (D), AArch64-native: per intrinsic, one CLIF "register-shape placeholder" that
//! Cranelift 0.135.8 lowers to exactly one AArch64 instruction with the SHA-1 instruction's
//! register shape, then a post-pass that re-encodes that word as the SHA-1 instruction keeping
//! the allocated registers (see shared/design/engine.md, design D).
//!
//! Everything the verifier needs to check is data here: [`native_table`] (placeholder op,
//! encoding pattern, operand map) and the register effects of both sides.

use std::collections::HashMap;

use anyhow::{bail, Result};
use cranelift_codegen::cursor::{Cursor, FuncCursor};
use cranelift_codegen::ir::types::{F32X4, F64X2, I32, I32X4};
use cranelift_codegen::ir::{
    Block, BlockArg, Function, Inst, InstBuilder, InstructionData, MemFlagsData, Opcode, Type,
    Value, ValueDef,
};
use cranelift_frontend::FunctionBuilder;
use models::aarch64::Inst as ShaInst;

use crate::domain::little_endian;
use spec::{Field, Mnemonic, View};

/// A register field of a placeholder's encoding. All placeholders use the standard
/// positions: Rd = bits 4:0, Rn = 9:5, Rm = 20:16 (for the by-element form, M:Rm).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum PlaceholderField {
    Rd,
    Rn,
    Rm,
}

impl PlaceholderField {
    pub fn shift(self) -> u32 {
        match self {
            PlaceholderField::Rd => 0,
            PlaceholderField::Rn => 5,
            PlaceholderField::Rm => 16,
        }
    }

    /// The register number in this field of `word`.
    pub fn get(self, word: u32) -> u8 {
        (word >> self.shift() & 31) as u8
    }
}

/// One register access: which operand field, through which view (`S` = low 32 bits).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct Access<F> {
    pub field: F,
    pub view: View,
}

/// Registers an instruction reads and writes. A write through the `S` view zeroes bits
/// 127:32, so it defines the whole register.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct RegisterEffects<F: 'static> {
    pub reads: &'static [Access<F>],
    pub writes: &'static [Access<F>],
}

/// The CLIF shape of a placeholder (operands are the instruction's register operands
/// bitcast to the float vector type, see [`emit_placeholder`]).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum PlaceholderOp {
    /// `fma.f32x4 rn, rm, rd`
    FmaF32x4,
    /// `fma.f64x2 rn, rm, rd`
    FmaF64x2,
    /// `fma.f32x4 (fneg rn), rm, rd`
    FmsF32x4,
    /// `fma.f64x2 (fneg rn), rm, rd`
    FmsF64x2,
    /// `sqrt.f32x4 rn`
    SqrtF32x4,
    /// `fma.f32x4 rn, (splat (extractlane rn 0)), rd`
    FmaElemF32x4,
}

/// One row of the native table.
#[derive(Clone, Debug)]
pub struct NativeEntry {
    pub mnemonic: Mnemonic,
    pub op: PlaceholderOp,
    /// The placeholder as CLIF (operands named by the SHA-1 instruction's fields).
    pub placeholder: &'static str,
    /// The single AArch64 instruction Cranelift emits for it.
    pub placeholder_asm: &'static str,
    /// A word is this placeholder iff `word & match_mask == match_value`; the mask leaves
    /// out exactly the register fields.
    pub match_mask: u32,
    pub match_value: u32,
    /// Placeholder field -> SHA-1 instruction field the register number is copied into.
    pub operand_map: &'static [(PlaceholderField, Field)],
    /// Placeholder fields that must hold the same register (else the function is rejected).
    pub same_register: &'static [(PlaceholderField, PlaceholderField)],
    pub placeholder_effects: RegisterEffects<PlaceholderField>,
    pub instruction_effects: RegisterEffects<Field>,
}

const fn acc<F>(field: F, view: View) -> Access<F> {
    Access { field, view }
}

use PlaceholderField as P;

/// sha1c/p/m: `q<d>, s<n>, v<m>.4s`; reads Qd, Sn, Vm; writes Qd.
const SHA_CPM: RegisterEffects<Field> = RegisterEffects {
    reads: &[
        acc(Field::Rd, View::Full),
        acc(Field::Rn, View::S),
        acc(Field::Rm, View::Full),
    ],
    writes: &[acc(Field::Rd, View::Full)],
};
const SHA_SU0: RegisterEffects<Field> = RegisterEffects {
    reads: &[
        acc(Field::Rd, View::Full),
        acc(Field::Rn, View::Full),
        acc(Field::Rm, View::Full),
    ],
    writes: &[acc(Field::Rd, View::Full)],
};
const SHA_H: RegisterEffects<Field> = RegisterEffects {
    reads: &[acc(Field::Rn, View::S)],
    writes: &[acc(Field::Rd, View::S)],
};
const SHA_SU1: RegisterEffects<Field> = RegisterEffects {
    reads: &[acc(Field::Rd, View::Full), acc(Field::Rn, View::Full)],
    writes: &[acc(Field::Rd, View::Full)],
};

/// fmla/fmls (vector): reads Vd (accumulator), Vn, Vm; writes Vd.
const FMLA_VEC: RegisterEffects<PlaceholderField> = RegisterEffects {
    reads: &[
        acc(P::Rd, View::Full),
        acc(P::Rn, View::Full),
        acc(P::Rm, View::Full),
    ],
    writes: &[acc(P::Rd, View::Full)],
};
/// fmla (by element, index 0): reads Vd, Vn, and lane 0 of Vm.
const FMLA_ELEM: RegisterEffects<PlaceholderField> = RegisterEffects {
    reads: &[
        acc(P::Rd, View::Full),
        acc(P::Rn, View::Full),
        acc(P::Rm, View::S),
    ],
    writes: &[acc(P::Rd, View::Full)],
};
const FSQRT: RegisterEffects<PlaceholderField> = RegisterEffects {
    reads: &[acc(P::Rn, View::Full)],
    writes: &[acc(P::Rd, View::Full)],
};

const MAP3: &[(PlaceholderField, Field)] =
    &[(P::Rd, Field::Rd), (P::Rn, Field::Rn), (P::Rm, Field::Rm)];
const MAP2: &[(PlaceholderField, Field)] = &[(P::Rd, Field::Rd), (P::Rn, Field::Rn)];

/// Mask of the fixed bits of the three-register float encodings (everything but Rm/Rn/Rd).
const MASK3: u32 = 0xffe0_fc00;

static TABLE: [NativeEntry; 6] = [
    NativeEntry {
        mnemonic: Mnemonic::Sha1c,
        op: PlaceholderOp::FmaF32x4,
        placeholder: "fma.f32x4 rn, rm, rd",
        placeholder_asm: "fmla vd.4s, vn.4s, vm.4s",
        match_mask: MASK3,
        match_value: 0x4e20_cc00,
        operand_map: MAP3,
        same_register: &[],
        placeholder_effects: FMLA_VEC,
        instruction_effects: SHA_CPM,
    },
    NativeEntry {
        mnemonic: Mnemonic::Sha1p,
        op: PlaceholderOp::FmaF64x2,
        placeholder: "fma.f64x2 rn, rm, rd",
        placeholder_asm: "fmla vd.2d, vn.2d, vm.2d",
        match_mask: MASK3,
        match_value: 0x4e60_cc00,
        operand_map: MAP3,
        same_register: &[],
        placeholder_effects: FMLA_VEC,
        instruction_effects: SHA_CPM,
    },
    NativeEntry {
        mnemonic: Mnemonic::Sha1m,
        op: PlaceholderOp::FmsF32x4,
        placeholder: "fma.f32x4 (fneg rn), rm, rd",
        placeholder_asm: "fmls vd.4s, vn.4s, vm.4s",
        match_mask: MASK3,
        match_value: 0x4ea0_cc00,
        operand_map: MAP3,
        same_register: &[],
        placeholder_effects: FMLA_VEC,
        instruction_effects: SHA_CPM,
    },
    NativeEntry {
        mnemonic: Mnemonic::Sha1h,
        op: PlaceholderOp::SqrtF32x4,
        placeholder: "sqrt.f32x4 rn",
        placeholder_asm: "fsqrt vd.4s, vn.4s",
        match_mask: 0xffff_fc00,
        match_value: 0x6ea1_f800,
        operand_map: MAP2,
        same_register: &[],
        placeholder_effects: FSQRT,
        instruction_effects: SHA_H,
    },
    NativeEntry {
        mnemonic: Mnemonic::Sha1su0,
        op: PlaceholderOp::FmsF64x2,
        placeholder: "fma.f64x2 (fneg rn), rm, rd",
        placeholder_asm: "fmls vd.2d, vn.2d, vm.2d",
        match_mask: MASK3,
        match_value: 0x4ee0_cc00,
        operand_map: MAP3,
        same_register: &[],
        placeholder_effects: FMLA_VEC,
        instruction_effects: SHA_SU0,
    },
    NativeEntry {
        mnemonic: Mnemonic::Sha1su1,
        op: PlaceholderOp::FmaElemF32x4,
        placeholder: "fma.f32x4 rn, (splat.f32x4 (extractlane rn, 0)), rd",
        placeholder_asm: "fmla vd.4s, vn.4s, vm.s[0]  (vm = vn)",
        // L (bit 21) and H (bit 11) are the lane index and stay fixed at 0.
        match_mask: MASK3,
        match_value: 0x4f80_1000,
        operand_map: MAP2,
        same_register: &[(P::Rm, P::Rn)],
        placeholder_effects: FMLA_ELEM,
        instruction_effects: SHA_SU1,
    },
];

/// The placeholder table, one row per SHA-1 instruction.
pub fn native_table() -> &'static [NativeEntry] {
    &TABLE
}

/// The row for `m`.
pub fn native_entry(m: Mnemonic) -> &'static NativeEntry {
    TABLE
        .iter()
        .find(|e| e.mnemonic == m)
        .expect("every mnemonic has a row")
}

/// Per instruction: (mnemonic, placeholder effects, SHA-1 instruction effects).
pub fn register_effects() -> Vec<(
    Mnemonic,
    RegisterEffects<PlaceholderField>,
    RegisterEffects<Field>,
)> {
    TABLE
        .iter()
        .map(|e| (e.mnemonic, e.placeholder_effects, e.instruction_effects))
        .collect()
}

fn covers(outer: View, inner: View) -> bool {
    outer == View::Full || outer == inner
}

/// Register-effect inclusion for one row: through the operand map, the placeholder reads
/// (at least) everything the SHA-1 instruction reads, and both write the same registers, with
/// the placeholder defining the whole register (so the allocator neither frees a register the
/// instruction still reads nor keeps a value in a register it overwrites).
pub fn check_register_effects(e: &NativeEntry) -> Result<(), String> {
    let mapped = |f: Field| -> Vec<PlaceholderField> {
        let mut v: Vec<_> = e
            .operand_map
            .iter()
            .filter(|(_, sf)| *sf == f)
            .map(|(pf, _)| *pf)
            .collect();
        // Fields forced equal read the same register.
        for (a, b) in e.same_register {
            if v.contains(b) {
                v.push(*a);
            }
            if v.contains(a) {
                v.push(*b);
            }
        }
        v
    };
    for r in e.instruction_effects.reads {
        let ok = mapped(r.field).iter().any(|pf| {
            e.placeholder_effects
                .reads
                .iter()
                .any(|pr| pr.field == *pf && covers(pr.view, r.view))
        });
        if !ok {
            return Err(format!(
                "{}: the instruction reads {:?} ({:?}) but the placeholder does not",
                e.mnemonic, r.field, r.view
            ));
        }
    }
    let written = |fields: Vec<PlaceholderField>| {
        fields.into_iter().any(|pf| {
            e.placeholder_effects
                .writes
                .iter()
                .any(|pw| pw.field == pf && pw.view == View::Full)
        })
    };
    for w in e.instruction_effects.writes {
        if !written(mapped(w.field)) {
            return Err(format!(
                "{}: the instruction writes {:?} but the placeholder does not define it",
                e.mnemonic, w.field
            ));
        }
    }
    for pw in e.placeholder_effects.writes {
        let sf = e.operand_map.iter().find(|(pf, _)| *pf == pw.field);
        let ok = sf.is_some_and(|(_, sf)| {
            e.instruction_effects
                .writes
                .iter()
                .any(|iw| iw.field == *sf)
        });
        if !ok {
            return Err(format!(
                "{}: the placeholder writes {:?}, which the instruction does not",
                e.mnemonic, pw.field
            ));
        }
    }
    Ok(())
}

/// The word the post-pass writes for `m` with the allocated registers (`rm` is ignored by
/// the two-register instructions).
pub fn native_word_for(mnemonic: Mnemonic, rd: u8, rn: u8, rm: u8) -> u32 {
    let rm = if matches!(mnemonic, Mnemonic::Sha1h | Mnemonic::Sha1su1) {
        0
    } else {
        rm
    };
    ShaInst {
        mnemonic,
        rd,
        rn,
        rm,
    }
    .encode()
}

/// Rewrite one placeholder word into its SHA-1 instruction, or say why not.
pub fn reencode(e: &NativeEntry, word: u32) -> Result<u32, String> {
    if word & e.match_mask != e.match_value {
        return Err(format!(
            "{word:#010x} is not a `{}` placeholder",
            e.placeholder_asm
        ));
    }
    for (a, b) in e.same_register {
        if a.get(word) != b.get(word) {
            return Err(format!(
                "{}: placeholder fields {a:?} and {b:?} got different registers",
                e.mnemonic
            ));
        }
    }
    let mut regs = [0u8; 3];
    for (pf, sf) in e.operand_map {
        let i = match sf {
            Field::Rd => 0,
            Field::Rn => 1,
            Field::Rm => 2,
        };
        regs[i] = pf.get(word);
    }
    Ok(native_word_for(e.mnemonic, regs[0], regs[1], regs[2]))
}

/// Flags on the bitcasts directly around a placeholder: native endianness, where the engine's
/// translator always writes explicit little-endian (the CLIF verifier allows no other flags on
/// a bitcast). On AArch64 both mean the same, so code generation is unchanged, but the
/// difference marks the float op as ours and keeps GVN from sharing our bitcasts with the
/// translator's.
pub fn marker_flags() -> MemFlagsData {
    MemFlagsData::new()
}

fn float_type(op: PlaceholderOp) -> Type {
    match op {
        PlaceholderOp::FmaF64x2 | PlaceholderOp::FmsF64x2 => F64X2,
        _ => F32X4,
    }
}

/// Emit the placeholder for `m`. `rd`/`rn`/`rm` are the 128-bit values bound to the
/// instruction's registers (`rd` is unused for SHA1H, `rm` for SHA1H and SHA1SU1). The result
/// is `I32X4`.
pub fn emit_placeholder(
    b: &mut FunctionBuilder,
    m: Mnemonic,
    rd: Option<Value>,
    rn: Value,
    rm: Option<Value>,
) -> Result<Value> {
    let e = native_entry(m);
    let fty = float_type(e.op);
    // The marked bitcast must keep the lane count (native flags are only allowed then), so
    // f64x2 goes through i64x2.
    let int_ty = fty.as_int();
    let cast = |b: &mut FunctionBuilder, v: Value| {
        let v = if int_ty == I32X4 {
            v
        } else {
            b.ins().bitcast(int_ty, little_endian(), v)
        };
        b.ins().bitcast(fty, marker_flags(), v)
    };
    let need = |v: Option<Value>, what: &str| -> Result<Value> {
        match v {
            Some(v) => Ok(v),
            None => bail!("{m}: missing the {what} operand"),
        }
    };
    let x = cast(b, rn);
    let r = match e.op {
        PlaceholderOp::SqrtF32x4 => b.ins().sqrt(x),
        PlaceholderOp::FmaElemF32x4 => {
            let z = cast(b, need(rd, "Rd")?);
            let lane = b.ins().extractlane(x, 0);
            let s = b.ins().splat(F32X4, lane);
            b.ins().fma(x, s, z)
        }
        PlaceholderOp::FmaF32x4
        | PlaceholderOp::FmaF64x2
        | PlaceholderOp::FmsF32x4
        | PlaceholderOp::FmsF64x2 => {
            let y = cast(b, need(rm, "Rm")?);
            let z = cast(b, need(rd, "Rd")?);
            let x = if matches!(e.op, PlaceholderOp::FmsF32x4 | PlaceholderOp::FmsF64x2) {
                b.ins().fneg(x)
            } else {
                x
            };
            b.ins().fma(x, y, z)
        }
    };
    let r = b.ins().bitcast(int_ty, marker_flags(), r);
    Ok(if int_ty == I32X4 {
        r
    } else {
        b.ins().bitcast(I32X4, little_endian(), r)
    })
}

/// A code range tagged with a Wasm offset (mirror of `engine::SrcRange`).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct CodeRange {
    pub start: u32,
    pub end: u32,
    pub wasm_offset: u32,
}

/// What the post-pass did (mirror of `engine::PostPassVerdict`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    Unchanged,
    Rewritten,
    Reject(String),
}

fn def_inst(func: &Function, v: Value) -> Option<Inst> {
    match func.dfg.value_def(v) {
        ValueDef::Result(inst, _) => Some(inst),
        _ => None,
    }
}

/// Is `v` one of our marked bitcasts?
fn is_marked(func: &Function, v: Value) -> bool {
    let Some(inst) = def_inst(func, v) else {
        return false;
    };
    match func.dfg.insts[inst] {
        InstructionData::LoadNoOffset {
            opcode: Opcode::Bitcast,
            flags,
            ..
        } => func.dfg.mem_flags[flags] == marker_flags(),
        _ => false,
    }
}

fn unary_of(func: &Function, v: Value, op: Opcode) -> Option<Value> {
    match func.dfg.insts[def_inst(func, v)?] {
        InstructionData::Unary { opcode, arg } if opcode == op => Some(arg),
        _ => None,
    }
}

/// The placeholder shape of a float instruction, or `None` if it is not one of ours.
fn classify(func: &Function, inst: Inst) -> Option<Mnemonic> {
    let dfg = &func.dfg;
    let ty = dfg.value_type(dfg.first_result(inst));
    let args = dfg.inst_args(inst);
    match dfg.insts[inst].opcode() {
        Opcode::Sqrt if ty == F32X4 && is_marked(func, args[0]) => Some(Mnemonic::Sha1h),
        Opcode::Fma => {
            let (x, y, z) = (args[0], args[1], args[2]);
            if !is_marked(func, z) {
                return None;
            }
            if ty == F32X4 && is_marked(func, x) {
                // rn, splat(extractlane(rn, 0)), rd
                if let Some(lane) = unary_of(func, y, Opcode::Splat) {
                    let src = match dfg.insts[def_inst(func, lane)?] {
                        InstructionData::BinaryImm8 {
                            opcode: Opcode::Extractlane,
                            arg,
                            imm: 0,
                        } => arg,
                        _ => return None,
                    };
                    return (src == x).then_some(Mnemonic::Sha1su1);
                }
            }
            if !is_marked(func, y) {
                return None;
            }
            let negated = unary_of(func, x, Opcode::Fneg);
            let x = negated.unwrap_or(x);
            if !is_marked(func, x) {
                return None;
            }
            match (ty, negated.is_some()) {
                (t, false) if t == F32X4 => Some(Mnemonic::Sha1c),
                (t, false) if t == F64X2 => Some(Mnemonic::Sha1p),
                (t, true) if t == F32X4 => Some(Mnemonic::Sha1m),
                (t, true) if t == F64X2 => Some(Mnemonic::Sha1su0),
                _ => None,
            }
        }
        _ => None,
    }
}

/// The post-pass over one compiled function. `sites` maps the Wasm offset of every call
/// site the native lowering emitted (for this function) to its instruction.
///
/// Guards (any failure rejects the function, which the engine then recompiles with the
/// portable lowering): every `fma`/`sqrt` in the final CLIF is a marked placeholder emitted at
/// a known site with the expected shape (no genuine float op of a placeholder kind); each
/// placeholder result is used only by bitcasts (NaN canonicalisation would insert
/// `fcmp`/`select` after it); each site's code ranges hold exactly one word matching its
/// placeholder pattern and no word of another placeholder pattern; register fields that must
/// agree do.
pub fn rewrite_function(
    func: &Function,
    sites: &HashMap<u32, Mnemonic>,
    ranges: &[CodeRange],
    code: &mut [u8],
) -> Result<Verdict> {
    let reject = |s: String| Ok(Verdict::Reject(s));
    let uses = value_uses(func);
    let float_ops: Vec<Inst> = func
        .layout
        .blocks()
        .flat_map(|b| func.layout.block_insts(b))
        .filter(|&i| matches!(func.dfg.insts[i].opcode(), Opcode::Fma | Opcode::Sqrt))
        .collect();

    let mut placeholders: Vec<(u32, Mnemonic)> = Vec::new();
    for inst in float_ops {
        let loc = func.srcloc(inst);
        let text = func.dfg.display_inst(inst).to_string();
        let Some(shape) = classify(func, inst) else {
            return reject(format!("genuine float op of a placeholder kind: `{text}`"));
        };
        let site = (!loc.is_default())
            .then(|| sites.get(&loc.bits()))
            .flatten();
        match site {
            Some(&m) if m == shape => {}
            Some(&m) => {
                return reject(format!(
                    "placeholder for {m} at wasm offset {} became the {shape} shape: `{text}`",
                    loc.bits()
                ))
            }
            None => {
                return reject(format!(
                    "placeholder `{text}` has no known call site (srcloc {loc:?})"
                ))
            }
        }
        let result = func.dfg.first_result(inst);
        for u in uses.get(&result).map(Vec::as_slice).unwrap_or(&[]) {
            let by_bitcast =
                matches!(*u, Use::Arg(i, _) if func.dfg.insts[i].opcode() == Opcode::Bitcast);
            let u = u.inst();
            if !by_bitcast {
                return reject(format!(
                    "placeholder result of `{text}` used by `{}` (NaN canonicalisation on?)",
                    func.dfg.display_inst(u)
                ));
            }
        }
        if placeholders.iter().any(|(o, _)| *o == loc.bits()) {
            return reject(format!("two placeholders at wasm offset {}", loc.bits()));
        }
        placeholders.push((loc.bits(), shape));
    }
    if placeholders.is_empty() {
        return Ok(Verdict::Unchanged);
    }

    let mut edits = Vec::new();
    for (offset, m) in placeholders {
        let e = native_entry(m);
        let mut found = Vec::new();
        for r in ranges.iter().filter(|r| r.wasm_offset == offset) {
            if r.start % 4 != 0 || r.end as usize > code.len() {
                return reject(format!("code range {r:?} is not word-aligned"));
            }
            for at in (r.start..r.end & !3).step_by(4) {
                let i = at as usize;
                let word = u32::from_le_bytes(code[i..i + 4].try_into().unwrap());
                if word & e.match_mask == e.match_value {
                    found.push((i, word));
                } else if let Some(o) = TABLE.iter().find(|o| word & o.match_mask == o.match_value)
                {
                    return reject(format!(
                        "{m} at wasm offset {offset}: found a `{}` word {word:#010x} instead",
                        o.placeholder_asm
                    ));
                }
            }
        }
        if found.len() != 1 {
            return reject(format!(
                "{m} at wasm offset {offset}: {} words match `{}`, expected exactly one",
                found.len(),
                e.placeholder_asm
            ));
        }
        let (i, word) = found[0];
        match reencode(e, word) {
            Ok(new) => edits.push((i, new)),
            Err(why) => return reject(format!("wasm offset {offset}: {why}")),
        }
    }
    for (i, w) in edits {
        code[i..i + 4].copy_from_slice(&w.to_le_bytes());
    }
    Ok(Verdict::Rewritten)
}

/// Is `inst` a bitcast between 128-bit vector types (free on AArch64: no instruction)?
fn is_vector_bitcast(func: &Function, inst: Inst) -> bool {
    func.dfg.insts[inst].opcode() == Opcode::Bitcast
        && func.dfg.value_type(func.dfg.first_result(inst)).is_vector()
        && func.dfg.value_type(func.dfg.inst_args(inst)[0]).is_vector()
}

/// Move `inst` up to directly after the latest definition of its arguments in its block (or to
/// the top of the block if none is defined there), first doing the same for any free vector
/// bitcast that defines one of its arguments. Pure instructions only: moving them earlier
/// keeps every use after the definition and cannot change what the function computes.
fn hoist_in_block(func: &mut Function, inst: Inst) -> bool {
    let Some(block) = func.layout.inst_block(inst) else {
        return false;
    };
    let mut moved = false;
    let mut latest: Option<Inst> = None;
    for arg in func.dfg.inst_args(inst).to_vec() {
        let Some(def) = def_inst(func, arg) else {
            continue;
        };
        if func.layout.inst_block(def) != Some(block) {
            continue;
        }
        if is_vector_bitcast(func, def) {
            moved |= hoist_in_block(func, def);
        }
        if latest.is_none_or(|l| func.layout.pp_cmp(def, l).is_gt()) {
            latest = Some(def);
        }
    }
    let before = match latest {
        Some(def) => func
            .layout
            .next_inst(def)
            .expect("a definition is never a terminator"),
        None => func.layout.first_inst(block).expect("block holds inst"),
    };
    if before == inst {
        return moved;
    }
    func.layout.remove_inst(inst);
    func.layout.insert_inst(inst, before);
    true
}

/// Runs between Cranelift's mid-end and instruction selection (native mode only).
///
/// The mid-end places every pure instruction just before its first use, so the SHA1H
/// placeholder `e' = sha1h(abcd)` lands after the next SHA1C/P/M, which overwrites `abcd` in
/// place (Rd is tied): the register allocator then has to copy `abcd` before every round
/// pair. Moving SHA1H (with the free bitcasts feeding it) up to right after its input's
/// definition, as a C compiler schedules it, lets `abcd` die at the round instead.
/// Returns the number of placeholders moved.
pub fn schedule_sha1h_early(func: &mut Function) -> usize {
    let sha1h: Vec<Inst> = func
        .layout
        .blocks()
        .flat_map(|b| func.layout.block_insts(b))
        .filter(|&i| func.dfg.insts[i].opcode() == Opcode::Sqrt)
        .filter(|&i| classify(func, i) == Some(Mnemonic::Sha1h))
        .collect();
    sha1h
        .into_iter()
        .filter(|&i| hoist_in_block(func, i))
        .count()
}

/// Where a value is used: argument `arg` of `inst`, or argument `arg` of the `dest`-th block
/// call of branch `inst`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Use {
    Arg(Inst, usize),
    Branch(Inst, usize, usize),
}

impl Use {
    fn inst(self) -> Inst {
        match self {
            Use::Arg(inst, _) | Use::Branch(inst, _, _) => inst,
        }
    }
}

fn value_uses(func: &Function) -> HashMap<Value, Vec<Use>> {
    let dfg = &func.dfg;
    let mut uses: HashMap<Value, Vec<Use>> = HashMap::new();
    for block in func.layout.blocks() {
        for inst in func.layout.block_insts(block) {
            for (i, &a) in dfg.inst_args(inst).iter().enumerate() {
                uses.entry(a).or_default().push(Use::Arg(inst, i));
            }
            let dests = dfg.insts[inst].branch_destination(&dfg.jump_tables, &dfg.exception_tables);
            for (d, call) in dests.iter().enumerate() {
                for (j, arg) in call.args(&dfg.value_lists).enumerate() {
                    if let Some(v) = arg.as_value() {
                        uses.entry(v).or_default().push(Use::Branch(inst, d, j));
                    }
                }
            }
        }
    }
    uses
}

/// Does every use of `v` end, through free vector bitcasts (and the `fneg` of a SHA1M
/// placeholder), in the Rn operand of a placeholder whose Rn the spec says is observed in
/// lane 0 only (`lane0_rn`)? Then only bits 31:0 of `v` matter.
fn reaches_only_lane0_operands(
    func: &Function,
    uses: &HashMap<Value, Vec<Use>>,
    v: Value,
    lane0_rn: &[Mnemonic],
) -> bool {
    let rn_is_lane0 = |inst: Inst| classify(func, inst).is_some_and(|m| lane0_rn.contains(&m));
    uses.get(&v)
        .map(Vec::as_slice)
        .unwrap_or(&[])
        .iter()
        .all(|u| {
            let Use::Arg(inst, i) = *u else {
                return false;
            };
            let result = || func.dfg.first_result(inst);
            match func.dfg.insts[inst].opcode() {
                Opcode::Bitcast if is_vector_bitcast(func, inst) => {
                    reaches_only_lane0_operands(func, uses, result(), lane0_rn)
                }
                // SHA1M's placeholder is fma(fneg(rn), rm, rd): fmls reads rn's register.
                Opcode::Fneg => uses.get(&result()).is_some_and(|us| {
                    us.iter()
                        .all(|u| matches!(*u, Use::Arg(f, 0) if rn_is_lane0(f)))
                }),
                Opcode::Fma | Opcode::Sqrt => i == 0 && rn_is_lane0(inst),
                _ => false,
            }
        })
}

/// `extractlane(v, 0)` of an `i32x4` `v`: returns `v`.
fn lane0_of(func: &Function, x: Value) -> Option<Value> {
    match func.dfg.insts[def_inst(func, x)?] {
        InstructionData::BinaryImm8 {
            opcode: Opcode::Extractlane,
            arg,
            imm: 0,
        } if func.dfg.value_type(arg) == I32X4 => Some(arg),
        _ => None,
    }
}

/// An `i32` block parameter `p` that is used only as `splat.i32x4 p` feeding lane-0-only
/// operands and in `iadd(extractlane(v, 0), p)`.
struct Lane0Scalar {
    block: Block,
    param: Value,
    splats: Vec<Inst>,
    /// The `iadd`s and their `v`.
    adds: Vec<(Inst, Value)>,
}

fn find_lane0_scalar(
    func: &Function,
    uses: &HashMap<Value, Vec<Use>>,
    lane0_rn: &[Mnemonic],
) -> Option<Lane0Scalar> {
    // The entry block's parameters are the function's: their type is the signature's.
    let entry = func.layout.entry_block();
    for block in func.layout.blocks().filter(|&b| Some(b) != entry) {
        'param: for &param in func.dfg.block_params(block) {
            if func.dfg.value_type(param) != I32 {
                continue;
            }
            let (mut splats, mut adds) = (Vec::new(), Vec::new());
            for u in uses.get(&param).map(Vec::as_slice).unwrap_or(&[]) {
                let Use::Arg(inst, i) = *u else {
                    continue 'param;
                };
                let Some(&result) = func.dfg.inst_results(inst).first() else {
                    continue 'param;
                };
                let ty = func.dfg.value_type(result);
                match func.dfg.insts[inst].opcode() {
                    Opcode::Splat if ty == I32X4 => splats.push(inst),
                    Opcode::Iadd if ty == I32 => {
                        let other = func.dfg.inst_args(inst)[1 - i];
                        match lane0_of(func, other) {
                            Some(v) => adds.push((inst, v)),
                            None => continue 'param,
                        }
                    }
                    _ => continue 'param,
                }
            }
            let lane0_only = |s: &Inst| {
                reaches_only_lane0_operands(func, uses, func.dfg.first_result(*s), lane0_rn)
            };
            if !splats.is_empty() && splats.iter().all(lane0_only) {
                return Some(Lane0Scalar {
                    block,
                    param,
                    splats,
                    adds,
                });
            }
        }
    }
    None
}

fn set_branch_arg(func: &mut Function, inst: Inst, dest: usize, arg: usize, v: Value) {
    let dfg = &mut func.dfg;
    let calls =
        dfg.insts[inst].branch_destination_mut(&mut dfg.jump_tables, &mut dfg.exception_tables);
    let mut j = 0;
    calls[dest].update_args(&mut dfg.value_lists, |a| {
        let new = if j == arg { BlockArg::Value(v) } else { a };
        j += 1;
        new
    });
}

/// Rewrite one [`Lane0Scalar`]: the parameter becomes an `i32x4` whose lane 0 is the old
/// value (other lanes are don't-care), the splats disappear, each `iadd(extractlane(v, 0), p)`
/// becomes a vector `iadd(v, p)`, and scalar uses elsewhere read lane 0 where they are.
fn carry_in_vector(func: &mut Function, uses: &HashMap<Value, Vec<Use>>, c: &Lane0Scalar) {
    let index = func
        .dfg
        .block_params(c.block)
        .iter()
        .position(|&p| p == c.param)
        .expect("parameter of its block");
    let vector_param = func.dfg.replace_block_param(c.param, I32X4);
    for &s in &c.splats {
        for u in &uses[&func.dfg.first_result(s)] {
            if let Use::Arg(inst, i) = *u {
                func.dfg.inst_args_mut(inst)[i] = vector_param;
            }
        }
        func.layout.remove_inst(s);
    }
    let mut vector_of: HashMap<Value, Value> = HashMap::new();
    for &(add, v) in &c.adds {
        let loc = func.srcloc(add);
        let next = func
            .layout
            .next_inst(add)
            .expect("an iadd is never a terminator");
        let mut pos = FuncCursor::new(func).at_inst(next);
        pos.set_srcloc(loc);
        let sum = pos.ins().iadd(v, vector_param);
        let scalar = func.dfg.first_result(add);
        for u in uses.get(&scalar).map(Vec::as_slice).unwrap_or(&[]) {
            let at = u.inst();
            let into_param = matches!(*u, Use::Branch(inst, d, j)
                if j == index && branch_target(func, inst, d) == c.block);
            let replacement = if into_param {
                sum
            } else {
                let mut pos = FuncCursor::new(func).at_inst(at);
                pos.set_srcloc(loc);
                pos.ins().extractlane(sum, 0)
            };
            match *u {
                Use::Arg(inst, i) => func.dfg.inst_args_mut(inst)[i] = replacement,
                Use::Branch(inst, d, j) => set_branch_arg(func, inst, d, j, replacement),
            }
        }
        func.layout.remove_inst(add);
        vector_of.insert(scalar, sum);
    }
    // Every other value entering the parameter is broadcast on its edge.
    let branches: Vec<Inst> = func
        .layout
        .blocks()
        .flat_map(|b| func.layout.last_inst(b))
        .collect();
    for inst in branches {
        let targets = func.dfg.insts[inst]
            .branch_destination(&func.dfg.jump_tables, &func.dfg.exception_tables)
            .len();
        for d in 0..targets {
            if branch_target(func, inst, d) != c.block {
                continue;
            }
            let arg = branch_arg(func, inst, d, index);
            if func.dfg.value_type(arg) == I32 {
                let loc = func.srcloc(inst);
                let mut pos = FuncCursor::new(func).at_inst(inst);
                pos.set_srcloc(loc);
                let v = pos.ins().splat(I32X4, arg);
                set_branch_arg(func, inst, d, index, v);
            }
        }
    }
}

fn branch_target(func: &Function, inst: Inst, dest: usize) -> Block {
    let dfg = &func.dfg;
    dfg.insts[inst].branch_destination(&dfg.jump_tables, &dfg.exception_tables)[dest]
        .block(&dfg.value_lists)
}

fn branch_arg(func: &Function, inst: Inst, dest: usize, arg: usize) -> Value {
    let dfg = &func.dfg;
    dfg.insts[inst].branch_destination(&dfg.jump_tables, &dfg.exception_tables)[dest]
        .args(&dfg.value_lists)
        .nth(arg)
        .and_then(|a| a.as_value())
        .expect("plain value argument")
}

/// Runs between Cranelift's mid-end and instruction selection (native mode only), after
/// [`schedule_sha1h_early`].
///
/// SHA-1 code keeps `e` in a C `uint32_t` across blocks: the loop carries it in a general
/// register, broadcasts it (`dup`) into the first SHA1C of each block and takes it back out
/// of the last SHA1H (`mov w, v.s[0]`) to add it: a round trip between register files per
/// block. Where the loop-carried `i32` is only broadcast into operands the spec proves are
/// read in lane 0 only (`lane0_rn`, the same facts as lane-0 forwarding) and updated by
/// `iadd(extractlane(v, 0), e)`, carry it in lane 0 of a vector register instead: lane 0 of
/// `iadd.i32x4(v, e)` is the scalar sum, and nothing reads the other lanes. Returns the number
/// of parameters rewritten.
pub fn carry_lane0_scalars_in_vectors(func: &mut Function, lane0_rn: &[Mnemonic]) -> usize {
    let mut rewritten = 0;
    loop {
        let uses = value_uses(func);
        let Some(c) = find_lane0_scalar(func, &uses, lane0_rn) else {
            return rewritten;
        };
        carry_in_vector(func, &uses, &c);
        rewritten += 1;
    }
}
