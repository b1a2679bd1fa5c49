//! The native lowering (D) as the verifier checks it: the engine's own code. A module with
//! one function that passes its v128 params straight to the intrinsic's import is compiled by
//! `engine::compile_object` for AArch64 with the native `LoweringTable` (placeholder, Cranelift's
//! register allocation, the table's post-pass), exactly as the engine compiles programs. The
//! function's words are read back from the ELF object and run along the path that returns
//! without trapping, on the models' AArch64 register file:
//! * the rewritten instruction by the models' decoder and pseudocode, `mov vd.16b, vn.16b`
//!   by the subset below;
//! * words whose encoding class cannot write a SIMD&FP register (general-purpose data
//!   processing, general-purpose loads and stores: the engine's call-depth and stack checks)
//!   are passed over;
//! * a conditional branch must lead to a trap stub (general-purpose words, `movi v0.16b, #0`,
//!   a store of the trap code into the VM context, `ret`), and the run takes the fall-through;
//! * any other word is an error, never skipped.

use anyhow::{anyhow, bail, Context, Result};
use engine::{compile_object, CompileOptions, ObjTarget};
use lowering::native::{native_entry, native_entry_with_operands, NativeEntry};
use lowering::{LoweringTable, Mode};
use models::aarch64::Inst;
use spec::{Intrinsic, Operand, Spec};

use crate::variant::Planted;

lowering::engine_hooks!();

/// One word of the compiled function, as the verifier runs it.
#[derive(Clone, Debug)]
pub enum Step {
    /// A modelled instruction (the rewritten placeholder).
    Inst(Inst),
    /// `mov vd.16b, vn.16b` (`orr` with both sources the same register).
    Mov { rd: u8, rn: u8 },
    /// Frame set-up or return: no SIMD register is read or written.
    Frame(&'static str),
    /// A word whose encoding class cannot touch a SIMD&FP register.
    GeneralPurpose,
    /// `b.cond` to a trap stub, at this byte offset.
    BranchToTrap(u32),
}

/// The compiled call site.
#[derive(Clone, Debug)]
pub struct NativePlan {
    /// The native entry the post-pass used (with planted bugs): what `effects(native)` checks.
    pub entry: NativeEntry,
    /// The function's words, decoded, with their byte offsets.
    pub steps: Vec<(u32, u32, Step)>,
    /// The one modelled instruction word in the code.
    pub word: u32,
    pub inst: Inst,
    /// The engine params arrive in V0.. (AAPCS64), the result leaves in V0.
    pub params: usize,
    /// Registers the code reads whose prior contents are free inputs (not params).
    pub touched: Vec<u8>,
}

impl Step {
    pub fn asm(&self) -> String {
        match self {
            Step::Inst(i) => i.to_string(),
            Step::Mov { rd, rn } => format!("mov v{rd}.16b, v{rn}.16b"),
            Step::Frame(text) => text.to_string(),
            Step::GeneralPurpose => "(general-purpose)".into(),
            Step::BranchToTrap(at) => format!("b.cond +{at} (trap)"),
        }
    }
}

/// `movi v0.16b, #0`: a trap stub's zero result.
const MOVI_V0_ZERO: u32 = 0x4f00_e400;

/// Does the encoding class of `word` rule out any SIMD&FP register effect? (Top-level
/// classes of the A64 encoding: data processing on immediates or general registers, and
/// loads/stores with the V bit clear.)
fn general_purpose_only(word: u32) -> bool {
    let op0 = word >> 25 & 0xf;
    let data_processing_immediate = op0 & 0b1110 == 0b1000;
    let data_processing_register = op0 & 0b0111 == 0b0101;
    let load_store = op0 & 0b0101 == 0b0100;
    let simd_load_store = load_store && word >> 26 & 1 == 1;
    data_processing_immediate || data_processing_register || (load_store && !simd_load_store)
}

/// `str wN, [x0, #TRAP_CODE]`: the engine's trap convention (the code into the VM context).
fn stores_trap_code(word: u32) -> bool {
    let offset = engine::vmctx::TRAP_CODE as u32;
    // STR (immediate, unsigned offset), 32-bit: 1011 1001 00 imm12 Rn Rt; imm12 = offset / 4.
    word & 0xffc0_03e0 == 0xb900_0000 && (word >> 10 & 0xfff) == offset / 4
}

/// Is the code from byte `at` a trap stub: general-purpose words, the zero result, the trap
/// code stored, `ret`?
fn is_trap_stub(code: &[u32], at: usize) -> bool {
    let mut stored = false;
    for &w in code.iter().skip(at / 4) {
        if w == 0xd65f_03c0 {
            return stored;
        }
        stored |= stores_trap_code(w);
        if !(general_purpose_only(w) || w == MOVI_V0_ZERO) {
            return false;
        }
    }
    false
}

/// Words that touch no SIMD register, as Cranelift emits them around a leaf function.
const FRAME_WORDS: &[(u32, &str)] = &[
    (0xa9bf_7bfd, "stp x29, x30, [sp, #-16]!"),
    (0x9100_03fd, "mov x29, sp"),
    (0xa8c1_7bfd, "ldp x29, x30, [sp], #16"),
    (0xd65f_03c0, "ret"),
];

fn decode_step(word: u32) -> Option<Step> {
    if let Some(i) = Inst::decode(word) {
        return Some(Step::Inst(i));
    }
    // ORR Vd.16B, Vn.16B, Vm.16B with Vm = Vn: the MOV alias.
    if word & 0xffe0_fc00 == 0x4ea0_1c00 && (word >> 16 & 31) == (word >> 5 & 31) {
        return Some(Step::Mov {
            rd: (word & 31) as u8,
            rn: (word >> 5 & 31) as u8,
        });
    }
    FRAME_WORDS
        .iter()
        .find(|(w, _)| *w == word)
        .map(|(_, text)| Step::Frame(text))
}

/// The function symbol's bytes in a little-endian ELF64 relocatable object.
fn symbol_code(object: &[u8], symbol: &str) -> Result<Vec<u8>> {
    // Little-endian fields of `n` bytes at `o`.
    let field = |o: usize, n: usize| -> Result<u64> {
        let bytes = object
            .get(o..o + n)
            .ok_or_else(|| anyhow!("truncated ELF"))?;
        Ok(bytes.iter().rev().fold(0, |v, &b| v << 8 | b as u64))
    };
    let u16_at = |o| field(o, 2);
    let u32_at = |o| field(o, 4).map(|v| v as u32);
    let u64_at = |o| field(o, 8);
    if object.get(..6) != Some(b"\x7fELF\x02\x01".as_slice()) {
        bail!("not a little-endian ELF64 object");
    }
    let (shoff, shentsize, shnum) = (
        u64_at(0x28)? as usize,
        u16_at(0x3a)? as usize,
        u16_at(0x3c)? as usize,
    );
    let section = |i: usize| -> Result<(u32, usize, usize, u32)> {
        let h = shoff + i * shentsize;
        Ok((
            u32_at(h + 4)?,
            u64_at(h + 0x18)? as usize,
            u64_at(h + 0x20)? as usize,
            u32_at(h + 0x28)?,
        ))
    };
    for i in 0..shnum {
        let (kind, off, size, link) = section(i)?;
        if kind != 2 {
            continue; // SHT_SYMTAB
        }
        let (_, str_off, _, _) = section(link as usize)?;
        for e in (off..off + size).step_by(24) {
            let name_at = str_off + u32_at(e)? as usize;
            let name_end = object[name_at..]
                .iter()
                .position(|&b| b == 0)
                .map(|n| name_at + n);
            let name = name_end.map(|end| &object[name_at..end]);
            if name != Some(symbol.as_bytes()) {
                continue;
            }
            let shndx = u16_at(e + 6)? as usize;
            let (value, len) = (u64_at(e + 8)? as usize, u64_at(e + 16)? as usize);
            let (_, text_off, text_size, _) = section(shndx)?;
            if len == 0 || value + len > text_size {
                bail!("symbol {symbol} has no code range in its section");
            }
            return Ok(object[text_off + value..text_off + value + len].to_vec());
        }
    }
    bail!("no symbol {symbol} in the object")
}

/// Compile a call of `intr` on its params through the engine (native lowering, with the
/// planted bugs in its table), and decode the function.
pub fn plan(spec: &Spec, intr: &Intrinsic, planted: &[Planted]) -> Result<NativePlan> {
    let entry = entry_with(intr, planted)?;
    let m = intr.instruction;
    let ours = entry.clone();
    let table = LoweringTable::new(std::slice::from_ref(spec), Mode::Aarch64Native)
        .with_native_entries(move |x| {
            if x == m {
                Some(ours.clone())
            } else {
                native_entry(x)
            }
        });
    let hooks = LoweringHooks(&table);
    let opts = CompileOptions {
        lowering: &hooks,
        post_pass: Some(&hooks),
        fallback: None,
    };
    let n = intr.engine.params.len();
    let params = " v128".repeat(n);
    let gets: String = (0..n).map(|i| format!(" local.get {i}")).collect();
    let text = format!(
        r#"(module
  (import "{}" "{}" (func $intrinsic (param{params}) (result v128)))
  (func (export "f") (param{params}) (result v128){gets} call $intrinsic))"#,
        spec.import_module, intr.engine.name
    );
    let wasm = wat::parse_str(&text).context("the call-site module")?;
    let art = compile_object(&wasm, ObjTarget::Aarch64, &opts).with_context(|| {
        format!(
            "the engine compiling a call of {} for AArch64 (D)",
            intr.engine.name
        )
    })?;
    let code = symbol_code(&art.object, &engine::object::c_symbol("f"))?;
    let words: Vec<u32> = code
        .chunks_exact(4)
        .map(|w| u32::from_le_bytes(w.try_into().expect("4 bytes")))
        .collect();
    // The path that returns without trapping: from entry to the first `ret`.
    let mut steps = Vec::new();
    for (k, &word) in words.iter().enumerate() {
        let at = 4 * k as u32;
        let step = if let Some(step) = decode_step(word) {
            step
        } else if word & 0xff00_0010 == 0x5400_0000 {
            // B.cond: imm19 words from here.
            let target = at as i64 + 4 * (((word >> 5 & 0x7ffff) as i64) << 45 >> 45);
            if target < 0 || !is_trap_stub(&words, target as usize) {
                bail!(
                    "the engine's code for a call of {} branches at +{at} to +{target}, which is \
                     not a trap stub",
                    intr.engine.name
                );
            }
            Step::BranchToTrap(target as u32)
        } else if general_purpose_only(word) {
            Step::GeneralPurpose
        } else {
            bail!(
                "the engine's code for a call of {} holds {word:#010x} at +{at}, which the \
                 verifier's AArch64 subset does not model",
                intr.engine.name
            );
        };
        let done = matches!(step, Step::Frame("ret"));
        steps.push((at, word, step));
        if done {
            break;
        }
    }
    let insts: Vec<(u32, Inst)> = steps
        .iter()
        .filter_map(|(_, w, s)| match s {
            Step::Inst(i) => Some((*w, *i)),
            _ => None,
        })
        .collect();
    let [(word, inst)] = insts[..] else {
        bail!(
            "the engine's code for a call of {} holds {} modelled instructions, expected one",
            intr.engine.name,
            insts.len()
        );
    };
    if !steps
        .iter()
        .any(|(_, _, s)| matches!(s, Step::Frame("ret")))
    {
        bail!(
            "the engine's code for a call of {} does not return",
            intr.engine.name
        );
    }
    // Registers read before anything defines them, other than the params.
    let mut defined: Vec<u8> = (0..n as u8).collect();
    let mut touched = Vec::new();
    for (_, _, s) in &steps {
        let (reads, writes): (Vec<u8>, Vec<u8>) = match s {
            Step::Mov { rd, rn } => (vec![*rn], vec![*rd]),
            Step::Inst(i) => {
                let desc = i.mnemonic.desc();
                let regs = |pick: fn(spec::Access) -> bool| {
                    desc.operands
                        .iter()
                        .filter(|o| pick(o.access))
                        .map(|o| i.reg(o.field))
                        .collect()
                };
                (regs(spec::Access::reads), regs(spec::Access::writes))
            }
            Step::Frame(_) | Step::GeneralPurpose | Step::BranchToTrap(_) => (vec![], vec![]),
        };
        for r in reads {
            if !defined.contains(&r) && !touched.contains(&r) {
                touched.push(r);
            }
        }
        defined.extend(writes);
    }
    touched.sort();
    Ok(NativePlan {
        entry,
        steps,
        word,
        inst,
        params: n,
        touched,
    })
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
            Planted::PlaceholderWriteView(pf, view) => {
                for a in e.placeholder_effects.writes.iter_mut() {
                    if a.field == *pf {
                        a.view = *view;
                    }
                }
            }
            Planted::EncodeAs(m) => e.mnemonic = *m,
            Planted::Model(_)
            | Planted::IsaOperand(_)
            | Planted::X86Step(..)
            | Planted::X86RewriteStep(..)
            | Planted::CarryReadsLane(_) => {}
        }
    }
    Ok(e)
}
