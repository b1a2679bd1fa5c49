//! Lowering (D), AArch64-native (shared/design/engine.md, design D), in three steps:
//!
//! 1. **Marker** ([`emit_marker`]): at translation, each intrinsic call site becomes a `call`
//!    to an external function whose name encodes the instruction. A call is opaque to
//!    Cranelift's mid-end: it is never merged with another call (GVN), moved or dropped, so
//!    every call site keeps its own identity however many intrinsics share a register shape.
//! 2. **Placeholder** ([`materialize_placeholders`], after the mid-end): each marker becomes
//!    one float operation that Cranelift lowers to exactly one AArch64 instruction with the
//!    register shape of the intrinsic's instruction (`fmla` for `Vd` tied + `Vn` + `Vm`,
//!    `fmla` by element for `Vd` tied + `Vn`, `fsqrt` for `Vd = f(Vn)`). Placeholders are
//!    shared by register shape, not one float op per instruction: the call site (its source
//!    location) says which instruction a placeholder stands for.
//! 3. **Re-encoding** ([`rewrite_function`], after register allocation): the one placeholder
//!    word in each call site's code range is rewritten into the instruction, keeping the
//!    allocated registers.
//!
//! Everything the verifier checks is data here: the shape rows (placeholder, encoding
//! pattern, register effects) and, per instruction, the operand map and effects derived from
//! the instruction table ([`native_entry`]).

use std::collections::HashMap;

use anyhow::{bail, Result};
use cranelift_codegen::cursor::{Cursor, FuncCursor};
use cranelift_codegen::ir::types::{F32X4, I32, I32X4};
use cranelift_codegen::ir::{
    AbiParam, Block, BlockArg, ExtFuncData, ExternalName, Function, Inst, InstBuilder,
    InstructionData, MemFlagsData, Opcode, Signature, UserExternalName, Value, ValueDef,
};
use cranelift_frontend::FunctionBuilder;
use models::aarch64::Inst as MachInst;

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
        self.field().shift()
    }

    /// The register number in this field of `word`.
    pub fn get(self, word: u32) -> u8 {
        self.field().get(word)
    }

    /// The instruction field at the same bit position.
    pub fn field(self) -> Field {
        match self {
            PlaceholderField::Rd => Field::Rd,
            PlaceholderField::Rn => Field::Rn,
            PlaceholderField::Rm => Field::Rm,
        }
    }

    pub fn of(field: Field) -> PlaceholderField {
        match field {
            Field::Rd => PlaceholderField::Rd,
            Field::Rn => PlaceholderField::Rn,
            Field::Rm => PlaceholderField::Rm,
        }
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
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegisterEffects<F> {
    pub reads: Vec<Access<F>>,
    pub writes: Vec<Access<F>>,
}

/// The register shape of an instruction: which registers it names and whether its
/// destination is also a source.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum Shape {
    /// `Vd` read and written, `Vn`, `Vm` read (e.g. SHA1C, SHA1SU0).
    Tied3,
    /// `Vd` read and written, `Vn` read (e.g. SHA1SU1).
    Tied2,
    /// `Vd` written from `Vn` (e.g. SHA1H).
    Unary,
    /// `Vd` written from `Vn` and `Vm` (e.g. PMULL).
    Binary,
}

impl Shape {
    /// The shape of `m`, from its operands in the instruction table.
    pub fn of(m: Mnemonic) -> Option<Shape> {
        let desc = m.desc();
        let access = |f: Field| desc.operand(f).map(|o| o.access);
        use spec::Access::*;
        match (access(Field::Rd), access(Field::Rn), access(Field::Rm)) {
            (Some(ReadWrite), Some(Read), Some(Read)) => Some(Shape::Tied3),
            (Some(ReadWrite), Some(Read), None) => Some(Shape::Tied2),
            (Some(Write), Some(Read), None) => Some(Shape::Unary),
            (Some(Write), Some(Read), Some(Read)) => Some(Shape::Binary),
            _ => None,
        }
    }
}

/// How one register shape is produced: the placeholder and the word it becomes.
#[derive(Debug)]
pub struct ShapeRow {
    pub shape: Shape,
    /// The placeholder as CLIF (operands named by the instruction's fields).
    pub placeholder: &'static str,
    /// The single AArch64 instruction Cranelift emits for it.
    pub placeholder_asm: &'static str,
    /// A word is this placeholder iff `word & match_mask == match_value`; the mask leaves
    /// out exactly the register fields.
    pub match_mask: u32,
    pub match_value: u32,
    /// Placeholder fields that must hold the same register (else the function is rejected).
    pub same_register: &'static [(PlaceholderField, PlaceholderField)],
    /// Registers the placeholder instruction reads and writes.
    pub reads: &'static [Access<PlaceholderField>],
    pub writes: &'static [Access<PlaceholderField>],
}

const fn acc<F>(field: F, view: View) -> Access<F> {
    Access { field, view }
}

use PlaceholderField as P;

/// Mask of the fixed bits of the three-register float encodings (everything but Rm/Rn/Rd).
const MASK3: u32 = 0xffe0_fc00;

static SHAPES: [ShapeRow; 4] = [
    ShapeRow {
        shape: Shape::Tied3,
        placeholder: "fma.f32x4 rn, rm, rd",
        placeholder_asm: "fmla vd.4s, vn.4s, vm.4s",
        match_mask: MASK3,
        match_value: 0x4e20_cc00,
        same_register: &[],
        reads: &[
            acc(P::Rd, View::Full),
            acc(P::Rn, View::Full),
            acc(P::Rm, View::Full),
        ],
        writes: &[acc(P::Rd, View::Full)],
    },
    ShapeRow {
        shape: Shape::Tied2,
        placeholder: "fma.f32x4 rn, (splat.f32x4 (extractlane rn, 0)), rd",
        placeholder_asm: "fmla vd.4s, vn.4s, vm.s[0]  (vm = vn)",
        // L (bit 21) and H (bit 11) are the lane index and stay fixed at 0.
        match_mask: MASK3,
        match_value: 0x4f80_1000,
        same_register: &[(P::Rm, P::Rn)],
        reads: &[
            acc(P::Rd, View::Full),
            acc(P::Rn, View::Full),
            acc(P::Rm, View::S),
        ],
        writes: &[acc(P::Rd, View::Full)],
    },
    ShapeRow {
        shape: Shape::Unary,
        placeholder: "sqrt.f32x4 rn",
        placeholder_asm: "fsqrt vd.4s, vn.4s",
        match_mask: 0xffff_fc00,
        match_value: 0x6ea1_f800,
        same_register: &[],
        reads: &[acc(P::Rn, View::Full)],
        writes: &[acc(P::Rd, View::Full)],
    },
    ShapeRow {
        shape: Shape::Binary,
        placeholder: "fadd.f32x4 rn, rm",
        placeholder_asm: "fadd vd.4s, vn.4s, vm.4s",
        match_mask: MASK3,
        match_value: 0x4e20_d400,
        same_register: &[],
        reads: &[acc(P::Rn, View::Full), acc(P::Rm, View::Full)],
        writes: &[acc(P::Rd, View::Full)],
    },
];

/// The placeholder rows, one per register shape.
pub fn shape_rows() -> &'static [ShapeRow] {
    &SHAPES
}

pub fn shape_row(shape: Shape) -> &'static ShapeRow {
    SHAPES
        .iter()
        .find(|r| r.shape == shape)
        .expect("every shape has a row")
}

/// The native lowering of one instruction: its shape's placeholder and the instruction's
/// operands, as the verifier checks them.
#[derive(Clone, Debug)]
pub struct NativeEntry {
    pub mnemonic: Mnemonic,
    pub shape: Shape,
    pub placeholder: &'static str,
    pub placeholder_asm: &'static str,
    pub match_mask: u32,
    pub match_value: u32,
    /// Placeholder field -> instruction field the register number is copied into.
    pub operand_map: Vec<(PlaceholderField, Field)>,
    pub same_register: Vec<(PlaceholderField, PlaceholderField)>,
    pub placeholder_effects: RegisterEffects<PlaceholderField>,
    pub instruction_effects: RegisterEffects<Field>,
}

/// The native lowering of `m`, or `None` if no placeholder has its register shape.
pub fn native_entry(m: Mnemonic) -> Option<NativeEntry> {
    native_entry_with_operands(m, m.desc().operands)
}

/// The native lowering of `m` as if the instruction table gave it `operands` (the verifier
/// plants wrong tables this way to show the effect checks can fail).
pub fn native_entry_with_operands(m: Mnemonic, operands: &[spec::Operand]) -> Option<NativeEntry> {
    let shape = Shape::of(m)?;
    let row = shape_row(shape);
    let effects = |pick: fn(spec::Access) -> bool| -> Vec<Access<Field>> {
        operands
            .iter()
            .filter(|o| pick(o.access))
            .map(|o| acc(o.field, o.view))
            .collect()
    };
    Some(NativeEntry {
        mnemonic: m,
        shape,
        placeholder: row.placeholder,
        placeholder_asm: row.placeholder_asm,
        match_mask: row.match_mask,
        match_value: row.match_value,
        // Placeholders name their operands by the instruction's fields.
        operand_map: operands
            .iter()
            .map(|o| (PlaceholderField::of(o.field), o.field))
            .collect(),
        same_register: row.same_register.to_vec(),
        placeholder_effects: RegisterEffects {
            reads: row.reads.to_vec(),
            writes: row.writes.to_vec(),
        },
        instruction_effects: RegisterEffects {
            reads: effects(spec::Access::reads),
            writes: effects(spec::Access::writes),
        },
    })
}

/// The native entry of every instruction that has one.
pub fn native_table() -> Vec<NativeEntry> {
    Mnemonic::all().filter_map(native_entry).collect()
}

fn covers(outer: View, inner: View) -> bool {
    outer == View::Full || outer == inner
}

/// Register-effect inclusion for one entry: through the operand map, the placeholder reads
/// (at least) everything the instruction reads, and both write the same registers, with the
/// placeholder defining the whole register (so the allocator neither frees a register the
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
        for (a, b) in &e.same_register {
            if v.contains(b) {
                v.push(*a);
            }
            if v.contains(a) {
                v.push(*b);
            }
        }
        v
    };
    for r in &e.instruction_effects.reads {
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
    for w in &e.instruction_effects.writes {
        if !written(mapped(w.field)) {
            return Err(format!(
                "{}: the instruction writes {:?} but the placeholder does not define it",
                e.mnemonic, w.field
            ));
        }
    }
    for pw in &e.placeholder_effects.writes {
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

/// The word the post-pass writes for `m` with the allocated registers (fields `m` does not
/// have are ignored).
pub fn native_word_for(mnemonic: Mnemonic, rd: u8, rn: u8, rm: u8) -> u32 {
    let mut inst = MachInst::canonical(mnemonic);
    for f in Field::ALL {
        if mnemonic.desc().has_field(f) {
            match f {
                Field::Rd => inst.rd = rd,
                Field::Rn => inst.rn = rn,
                Field::Rm => inst.rm = rm,
            }
        }
    }
    inst.encode()
}

/// Rewrite one placeholder word into its instruction, or say why not.
pub fn reencode(e: &NativeEntry, word: u32) -> Result<u32, String> {
    if word & e.match_mask != e.match_value {
        return Err(format!(
            "{word:#010x} is not a `{}` placeholder",
            e.placeholder_asm
        ));
    }
    for (a, b) in &e.same_register {
        if a.get(word) != b.get(word) {
            return Err(format!(
                "{}: placeholder fields {a:?} and {b:?} got different registers",
                e.mnemonic
            ));
        }
    }
    let mut regs = [0u8; 3];
    for (pf, sf) in &e.operand_map {
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
/// difference marks the float op as ours.
pub fn marker_flags() -> MemFlagsData {
    MemFlagsData::new()
}

/// Namespace of the marker functions' external names (the index is the instruction's
/// position in the instruction table). Markers never reach code generation.
pub const MARKER_NAMESPACE: u32 = 0x6877_0001;

/// Emit the marker for instruction `m` at a call site: `call marker_m(operands)`, where the
/// operands are the 128-bit values bound to the registers `m` reads, in Rd, Rn, Rm order.
/// The result is `I32X4`. Keep the call site's source location on the builder.
pub fn emit_marker(b: &mut FunctionBuilder, m: Mnemonic, operands: &[Value]) -> Result<Value> {
    let Some(shape) = Shape::of(m) else {
        bail!("{m} has no native placeholder shape");
    };
    let reads = m.desc().read_fields();
    if operands.len() != reads.len() {
        bail!(
            "{m} ({shape:?}) reads {} registers, got {} operands",
            reads.len(),
            operands.len()
        );
    }
    let mut sig = Signature::new(b.func.signature.call_conv);
    for _ in operands {
        sig.params.push(AbiParam::new(I32X4));
    }
    sig.returns.push(AbiParam::new(I32X4));
    let signature = b.import_signature(sig);
    let name = b
        .func
        .declare_imported_user_function(UserExternalName::new(MARKER_NAMESPACE, m.index()));
    let marker = b.import_function(ExtFuncData {
        name: ExternalName::user(name),
        signature,
        colocated: false,
        patchable: false,
    });
    let call = b.ins().call(marker, operands);
    Ok(b.inst_results(call)[0])
}

/// The instruction a marker call stands for, if `inst` is one.
pub fn marker_of(func: &Function, inst: Inst) -> Option<Mnemonic> {
    let InstructionData::Call { func_ref, .. } = func.dfg.insts[inst] else {
        return None;
    };
    let ExternalName::User(r) = func.dfg.ext_funcs[func_ref].name else {
        return None;
    };
    let name = &func.params.user_named_funcs()[r];
    (name.namespace == MARKER_NAMESPACE)
        .then(|| Mnemonic::from_index(name.index))
        .flatten()
}

/// Emit the placeholder for `shape` before the cursor's position. `rd`/`rn`/`rm` are the
/// 128-bit values bound to the instruction's registers (unused ones are `None`). Returns the
/// float result (`F32X4`).
fn emit_placeholder(
    pos: &mut FuncCursor,
    shape: Shape,
    rd: Option<Value>,
    rn: Value,
    rm: Option<Value>,
) -> Result<Value> {
    let need = |v: Option<Value>, what: &str| match v {
        Some(v) => Ok(v),
        None => bail!("{shape:?} placeholder without its {what} operand"),
    };
    let cast = |pos: &mut FuncCursor, v: Value| pos.ins().bitcast(F32X4, marker_flags(), v);
    let x = cast(pos, rn);
    Ok(match shape {
        Shape::Unary => pos.ins().sqrt(x),
        Shape::Binary => {
            let y = cast(pos, need(rm, "Rm")?);
            pos.ins().fadd(x, y)
        }
        Shape::Tied2 => {
            let z = cast(pos, need(rd, "Rd")?);
            let lane = pos.ins().extractlane(x, 0);
            let s = pos.ins().splat(F32X4, lane);
            pos.ins().fma(x, s, z)
        }
        Shape::Tied3 => {
            let y = cast(pos, need(rm, "Rm")?);
            let z = cast(pos, need(rd, "Rd")?);
            pos.ins().fma(x, y, z)
        }
    })
}

/// Call sites found while materialising one function's placeholders.
#[derive(Clone, Debug, Default)]
pub struct Sites {
    /// Wasm offset (source location) -> instruction.
    pub by_offset: HashMap<u32, Mnemonic>,
    /// Why the function cannot keep the native lowering, if something is off (the post-pass
    /// then rejects it and the engine falls back to the portable lowering).
    pub problems: Vec<String>,
}

/// Step 2: replace every marker call by its register-shape placeholder, keeping the call's
/// result value and source location. Returns the call sites.
pub fn materialize_placeholders(func: &mut Function) -> Result<Sites> {
    let markers: Vec<(Inst, Mnemonic)> = func
        .layout
        .blocks()
        .flat_map(|b| func.layout.block_insts(b))
        .filter_map(|i| marker_of(func, i).map(|m| (i, m)))
        .collect();
    let mut sites = Sites::default();
    for (inst, m) in markers {
        let loc = func.srcloc(inst);
        if loc.is_default() {
            sites
                .problems
                .push(format!("a {m} call site has no source location"));
        } else if let Some(other) = sites.by_offset.insert(loc.bits(), m) {
            sites.problems.push(format!(
                "two call sites ({other} and {m}) at wasm offset {}",
                loc.bits()
            ));
        }
        let shape = Shape::of(m).expect("markers are only emitted for shaped instructions");
        let args = func.dfg.inst_args(inst).to_vec();
        let by_field: Vec<(Field, Value)> = m.desc().read_fields().into_iter().zip(args).collect();
        let operand = |f: Field| by_field.iter().find(|(g, _)| *g == f).map(|(_, v)| *v);
        let (rd, rn, rm) = (operand(Field::Rd), operand(Field::Rn), operand(Field::Rm));
        let Some(rn) = rn else {
            bail!("{m}: marker without its Rn operand");
        };
        let mut pos = FuncCursor::new(func).at_inst(inst);
        pos.set_srcloc(loc);
        let r = emit_placeholder(&mut pos, shape, rd, rn, rm)?;
        func.replace(inst).bitcast(I32X4, marker_flags(), r);
    }
    Ok(sites)
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
fn classify(func: &Function, inst: Inst) -> Option<Shape> {
    let dfg = &func.dfg;
    let ty = dfg.value_type(dfg.first_result(inst));
    let args = dfg.inst_args(inst);
    if ty != F32X4 || !is_marked(func, args[0]) {
        return None;
    }
    match dfg.insts[inst].opcode() {
        Opcode::Sqrt => Some(Shape::Unary),
        Opcode::Fadd => is_marked(func, args[1]).then_some(Shape::Binary),
        Opcode::Fma => {
            let (x, y, z) = (args[0], args[1], args[2]);
            if !is_marked(func, z) {
                return None;
            }
            // rn, splat(extractlane(rn, 0)), rd
            if let Some(lane) = unary_of(func, y, Opcode::Splat) {
                let (src, 0) = crate::domain::extracted_lane(dfg, lane)? else {
                    return None;
                };
                return (src == x).then_some(Shape::Tied2);
            }
            is_marked(func, y).then_some(Shape::Tied3)
        }
        _ => None,
    }
}

/// The instruction a placeholder stands for: its shape, and its call site's instruction.
fn placeholder_mnemonic(func: &Function, sites: &Sites, inst: Inst) -> Option<Mnemonic> {
    let shape = classify(func, inst)?;
    let loc = func.srcloc(inst);
    let m = *sites
        .by_offset
        .get(&loc.bits())
        .filter(|_| !loc.is_default())?;
    (Shape::of(m) == Some(shape)).then_some(m)
}

/// The values bound to the registers a placeholder reads (`None`: a field it does not read).
#[derive(Copy, Clone, Debug, Default)]
pub struct PlaceholderOperands {
    pub rd: Option<Value>,
    pub rn: Option<Value>,
    pub rm: Option<Value>,
}

impl PlaceholderOperands {
    pub fn get(&self, field: Field) -> Option<Value> {
        match field {
            Field::Rd => self.rd,
            Field::Rn => self.rn,
            Field::Rm => self.rm,
        }
    }
}

/// The instruction the placeholder float op `inst` stands for and the `i32x4` values of its
/// registers (the operands of the marked bitcasts around it).
pub fn placeholder_operands(
    func: &Function,
    sites: &Sites,
    inst: Inst,
) -> Option<(Mnemonic, PlaceholderOperands)> {
    let m = placeholder_mnemonic(func, sites, inst)?;
    let unmark = |v: Value| match func.dfg.insts[def_inst(func, v)?] {
        InstructionData::LoadNoOffset {
            opcode: Opcode::Bitcast,
            arg,
            ..
        } if is_marked(func, v) => Some(arg),
        _ => None,
    };
    let args = func.dfg.inst_args(inst);
    let rn = Some(unmark(args[0])?);
    let ops = match Shape::of(m)? {
        Shape::Unary => PlaceholderOperands {
            rd: None,
            rn,
            rm: None,
        },
        Shape::Binary => PlaceholderOperands {
            rd: None,
            rn,
            rm: Some(unmark(args[1])?),
        },
        Shape::Tied2 => PlaceholderOperands {
            rd: Some(unmark(args[2])?),
            rn,
            rm: None,
        },
        Shape::Tied3 => PlaceholderOperands {
            rd: Some(unmark(args[2])?),
            rn,
            rm: Some(unmark(args[1])?),
        },
    };
    Some((m, ops))
}

/// Step 3, the post-pass over one compiled function. `sites` are the call sites step 2 found
/// in this function.
///
/// Guards (any failure rejects the function, which the engine then recompiles with the
/// portable lowering): step 2 saw no problem; every `fma`/`sqrt` in the final CLIF is a
/// placeholder of the shape of its call site's instruction (no genuine float op of a
/// placeholder kind); each placeholder result is used only by bitcasts (NaN canonicalisation
/// would insert `fcmp`/`select` after it); each site's code ranges hold exactly one word
/// matching its shape's pattern and no word of another shape; register fields that must agree
/// do.
pub fn rewrite_function(
    func: &Function,
    sites: &Sites,
    ranges: &[CodeRange],
    code: &mut [u8],
    entry_of: &dyn Fn(Mnemonic) -> Option<NativeEntry>,
) -> Result<Verdict> {
    let reject = |s: String| Ok(Verdict::Reject(s));
    if let Some(p) = sites.problems.first() {
        return reject(p.clone());
    }
    let uses = value_uses(func);
    let float_ops: Vec<Inst> = func
        .layout
        .blocks()
        .flat_map(|b| func.layout.block_insts(b))
        .filter(|&i| {
            matches!(
                func.dfg.insts[i].opcode(),
                Opcode::Fma | Opcode::Sqrt | Opcode::Fadd
            )
        })
        .collect();

    let mut placeholders: Vec<(u32, Mnemonic)> = Vec::new();
    for inst in float_ops {
        let loc = func.srcloc(inst);
        let text = func.dfg.display_inst(inst).to_string();
        let Some(shape) = classify(func, inst) else {
            return reject(format!("genuine float op of a placeholder kind: `{text}`"));
        };
        let Some(m) = placeholder_mnemonic(func, sites, inst) else {
            let site = (!loc.is_default())
                .then(|| sites.by_offset.get(&loc.bits()))
                .flatten();
            return reject(match site {
                Some(m) => format!(
                    "placeholder for {m} at wasm offset {} became the {shape:?} shape: `{text}`",
                    loc.bits()
                ),
                None => format!("placeholder `{text}` has no known call site (srcloc {loc:?})"),
            });
        };
        let result = func.dfg.first_result(inst);
        for u in uses.get(&result).map(Vec::as_slice).unwrap_or(&[]) {
            let by_bitcast =
                matches!(*u, Use::Arg(i, _) if func.dfg.insts[i].opcode() == Opcode::Bitcast);
            if !by_bitcast {
                return reject(format!(
                    "placeholder result of `{text}` used by `{}` (NaN canonicalisation on?)",
                    func.dfg.display_inst(u.inst())
                ));
            }
        }
        if placeholders.iter().any(|(o, _)| *o == loc.bits()) {
            return reject(format!("two placeholders at wasm offset {}", loc.bits()));
        }
        placeholders.push((loc.bits(), m));
    }
    if placeholders.is_empty() {
        return Ok(Verdict::Unchanged);
    }

    let mut edits = Vec::new();
    for (offset, m) in placeholders {
        let Some(e) = entry_of(m) else {
            return reject(format!("{m} at wasm offset {offset}: no native entry"));
        };
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
                } else if let Some(o) = SHAPES.iter().find(|o| word & o.match_mask == o.match_value)
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
        match reencode(&e, word) {
            Ok(new) => edits.push((i, new)),
            Err(why) => return reject(format!("wasm offset {offset}: {why}")),
        }
    }
    for (i, w) in edits {
        code[i..i + 4].copy_from_slice(&w.to_le_bytes());
    }
    Ok(Verdict::Rewritten)
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

/// Is `inst` a bitcast between 128-bit vector types (free on AArch64: no instruction)?
fn is_vector_bitcast(func: &Function, inst: Inst) -> bool {
    func.dfg.insts[inst].opcode() == Opcode::Bitcast
        && func.dfg.value_type(func.dfg.first_result(inst)).is_vector()
        && func.dfg.value_type(func.dfg.inst_args(inst)[0]).is_vector()
}

/// Does every use of `v` end, through free vector bitcasts, in the Rn operand of a
/// placeholder whose Rn the spec says is observed in lane 0 only (`lane0_rn`)? Then only bits
/// 31:0 of `v` matter.
fn reaches_only_lane0_operands(
    func: &Function,
    sites: &Sites,
    uses: &HashMap<Value, Vec<Use>>,
    v: Value,
    lane0_rn: &[Mnemonic],
) -> bool {
    let rn_is_lane0 =
        |inst: Inst| placeholder_mnemonic(func, sites, inst).is_some_and(|m| lane0_rn.contains(&m));
    uses.get(&v)
        .map(Vec::as_slice)
        .unwrap_or(&[])
        .iter()
        .all(|u| {
            let Use::Arg(inst, i) = *u else {
                return false;
            };
            match func.dfg.insts[inst].opcode() {
                Opcode::Bitcast if is_vector_bitcast(func, inst) => reaches_only_lane0_operands(
                    func,
                    sites,
                    uses,
                    func.dfg.first_result(inst),
                    lane0_rn,
                ),
                // Tied3 and Unary placeholders read Rn as argument 0 and nowhere else (a
                // Tied2 placeholder also reads it through its by-element operand).
                Opcode::Fma | Opcode::Sqrt => {
                    i == 0
                        && rn_is_lane0(inst)
                        && matches!(classify(func, inst), Some(Shape::Tied3 | Shape::Unary))
                }
                _ => false,
            }
        })
}

/// `extractlane(v, 0)` of an `i32x4` `v`: returns `v`.
fn lane0_of(func: &Function, x: Value) -> Option<Value> {
    match crate::domain::extracted_lane(&func.dfg, x)? {
        (v, 0) if func.dfg.value_type(v) == I32X4 => Some(v),
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
    sites: &Sites,
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
                reaches_only_lane0_operands(func, sites, uses, func.dfg.first_result(*s), lane0_rn)
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
fn carry_in_vector(
    func: &mut Function,
    uses: &HashMap<Value, Vec<Use>>,
    c: &Lane0Scalar,
    read_lane: u8,
) {
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
                pos.ins().extractlane(sum, read_lane)
            };
            match *u {
                Use::Arg(inst, i) => func.dfg.inst_args_mut(inst)[i] = replacement,
                Use::Branch(inst, d, j) => set_branch_arg(func, inst, d, j, replacement),
            }
        }
        func.layout.remove_inst(add);
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
/// [`materialize_placeholders`].
///
/// SHA-1 code keeps `e` in a C `uint32_t` across blocks: the loop carries it in a general
/// register, broadcasts it (`dup`) into the first SHA1C of each block and takes it back out
/// of the last SHA1H (`mov w, v.s[0]`) to add it: a round trip between register files per
/// block. Where the loop-carried `i32` is only broadcast into operands the spec proves are
/// read in lane 0 only (`lane0_rn`, the same facts as lane-0 forwarding) and updated by
/// `iadd(extractlane(v, 0), e)`, carry it in lane 0 of a vector register instead: lane 0 of
/// `iadd.i32x4(v, e)` is the scalar sum, and nothing reads the other lanes. Returns the number
/// of parameters rewritten.
pub fn carry_lane0_scalars_in_vectors(
    func: &mut Function,
    sites: &Sites,
    lane0_rn: &[Mnemonic],
) -> usize {
    carry_lane0_scalars_reading_lane(func, sites, lane0_rn, 0)
}

/// [`carry_lane0_scalars_in_vectors`] with scalar uses reading lane `read_lane` of the
/// carried vector: 0 is right; any other lane is a planted bug (translation validation's
/// tests). The engine never passes anything but 0.
pub fn carry_lane0_scalars_reading_lane(
    func: &mut Function,
    sites: &Sites,
    lane0_rn: &[Mnemonic],
    read_lane: u8,
) -> usize {
    let mut rewritten = 0;
    loop {
        let uses = value_uses(func);
        let Some(c) = find_lane0_scalar(func, sites, &uses, lane0_rn) else {
            return rewritten;
        };
        carry_in_vector(func, &uses, &c, read_lane);
        rewritten += 1;
    }
}
