//! Lowering (E)'s placeholders: each x86 marker becomes an SSE instruction Cranelift's x64
//! backend selects with the same register roles, and after register allocation the post-pass
//! writes the x86 instruction over it.

use anyhow::{anyhow, bail, Result};
use cranelift_codegen::ir::types::{I32X4, I8X16};
use cranelift_codegen::ir::{Function, Inst, InstBuilder};
use models::x86::X86Inst;

use super::{layout_insts, x86_marker_of};
use crate::domain::little_endian;

/// Source locations of placeholders start here: one per x86 instruction (a call site may
/// place several), far above any Wasm offset.
const PLACEHOLDER_LOC_BASE: u32 = 0xff00_0000;

/// The CLIF operation standing in for an x86 instruction until the code is compiled: one
/// that Cranelift's x64 backend (SSE4.1, no AVX) lowers to exactly one instruction with the
/// same operands, register roles and encoding length (give or take a byte the re-encoding
/// absorbs), which the post-pass then overwrites.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Placeholder {
    /// `imul.i32x4 xmm1, xmm2` -> `pmulld xmm1, xmm2` (66 0F 38 40 /r): tied binary.
    Pmulld,
    /// `iabs.i32x4 xmm2` -> `pabsd xmm1, xmm2` (66 0F 38 1E /r): unary (AESIMC).
    Pabsd,
    /// `blendv.i32x4 xmm0, xmm2, xmm1` -> `blendvps xmm1, xmm2, <xmm0>` (66 0F 38 14 /r).
    Blendvps,
    /// `shuffle xmm2, xmm1, bytes 4..20` -> `palignr xmm1, xmm2, 4` (66 0F 3A 0F /r ib).
    Palignr,
}

/// An SSE encoding: optional 66 prefix, 0F, map byte (38 or 3A), opcode; map 3A has an imm8.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct SseOpcode {
    pub prefix66: bool,
    pub map: u8,
    pub opcode: u8,
}

impl Placeholder {
    pub fn of(inst: X86Inst) -> Placeholder {
        match inst {
            X86Inst::Aesimc => Placeholder::Pabsd,
            X86Inst::Sha256rnds2 => Placeholder::Blendvps,
            X86Inst::Pclmulqdq(_) => Placeholder::Palignr,
            _ => Placeholder::Pmulld,
        }
    }

    pub fn encoding(self) -> SseOpcode {
        let (map, opcode) = match self {
            Placeholder::Pmulld => (0x38, 0x40),
            Placeholder::Pabsd => (0x38, 0x1e),
            Placeholder::Blendvps => (0x38, 0x14),
            Placeholder::Palignr => (0x3a, 0x0f),
        };
        SseOpcode {
            prefix66: true,
            map,
            opcode,
        }
    }
}

/// The encoding of `inst` (SDM vol. 2), immediate apart.
pub fn encoding(inst: X86Inst) -> SseOpcode {
    use X86Inst::*;
    let (prefix66, map, opcode) = match inst {
        Sha1rnds4(_) => (false, 0x3a, 0xcc),
        Sha1nexte => (false, 0x38, 0xc8),
        Sha1msg1 => (false, 0x38, 0xc9),
        Sha1msg2 => (false, 0x38, 0xca),
        Sha256rnds2 => (false, 0x38, 0xcb),
        Sha256msg1 => (false, 0x38, 0xcc),
        Sha256msg2 => (false, 0x38, 0xcd),
        Aesimc => (true, 0x38, 0xdb),
        Aesenc => (true, 0x38, 0xdc),
        Aesenclast => (true, 0x38, 0xdd),
        Aesdec => (true, 0x38, 0xde),
        Aesdeclast => (true, 0x38, 0xdf),
        Pclmulqdq(_) => (true, 0x3a, 0x44),
    };
    SseOpcode {
        prefix66,
        map,
        opcode,
    }
}

/// The placeholders of one function, by source location.
#[derive(Default, Debug)]
pub struct X86Sites {
    pub by_loc: std::collections::HashMap<u32, X86Inst>,
}

/// After the mid-end: every x86 marker becomes its placeholder, tagged with a source location
/// of its own so the post-pass finds exactly its machine code.
pub fn materialize_x86_placeholders(func: &mut Function) -> Result<X86Sites> {
    use cranelift_codegen::cursor::{Cursor, FuncCursor};
    use cranelift_codegen::ir::SourceLoc;
    let markers: Vec<(Inst, X86Inst)> = layout_insts(func)
        .into_iter()
        .filter_map(|i| x86_marker_of(func, i).map(|m| (i, m)))
        .collect();
    let mut sites = X86Sites::default();
    for (k, (inst, x)) in markers.into_iter().enumerate() {
        let loc = PLACEHOLDER_LOC_BASE
            .checked_add(k as u32)
            .filter(|l| *l != u32::MAX)
            .ok_or_else(|| anyhow!("more x86 placeholders in one function than locations"))?;
        sites.by_loc.insert(loc, x);
        let args = func.dfg.inst_args(inst).to_vec();
        let mut pos = FuncCursor::new(func).at_inst(inst);
        pos.set_srcloc(SourceLoc::new(loc));
        let (xmm1, xmm2) = (args[0], args[1]);
        match Placeholder::of(x) {
            Placeholder::Pmulld => {
                pos.func.replace(inst).imul(xmm1, xmm2);
            }
            Placeholder::Pabsd => {
                pos.func.replace(inst).iabs(xmm2);
            }
            Placeholder::Blendvps => {
                let xmm0 = *args
                    .get(2)
                    .ok_or_else(|| anyhow!("{x}: marker without its xmm0 operand"))?;
                pos.func.replace(inst).blendv(xmm0, xmm2, xmm1);
            }
            Placeholder::Palignr => {
                let a = pos.ins().bitcast(I8X16, little_endian(), xmm2);
                let b = pos.ins().bitcast(I8X16, little_endian(), xmm1);
                let mask: Vec<u8> = (4..20).collect();
                let imm = pos.func.dfg.immediates.push(mask.into());
                let s = pos.ins().shuffle(a, b, imm);
                pos.func.replace(inst).bitcast(I32X4, little_endian(), s);
            }
        }
        func.set_srcloc(inst, SourceLoc::new(loc));
    }
    Ok(sites)
}

/// One decoded two-operand SSE instruction `[66] [REX] 0F map op modrm [sib] [disp] [imm8]`.
#[derive(Debug)]
struct Decoded {
    opcode: SseOpcode,
    rex: Option<u8>,
    /// ModRM through the displacement.
    operand: Vec<u8>,
    len: usize,
}

/// Length of the ModRM operand (ModRM, SIB, displacement) at the start of `bytes`.
fn modrm_len(bytes: &[u8]) -> Option<usize> {
    let modrm = *bytes.first()?;
    let (md, rm) = (modrm >> 6, modrm & 7);
    let mut n = 1;
    if md != 3 {
        if rm == 4 {
            let sib = *bytes.get(1)?;
            n += 1;
            if md == 0 && sib & 7 == 5 {
                n += 4;
            }
        } else if md == 0 && rm == 5 {
            // RIP-relative.
            n += 4;
        }
        n += match md {
            1 => 1,
            2 => 4,
            _ => 0,
        };
    }
    (bytes.len() >= n).then_some(n)
}

/// Decode one instruction of the forms Cranelift emits around a placeholder in its code
/// range (sunk vector loads, register moves, spills and reloads) or the placeholder itself.
/// `None` for anything else: the caller rejects rather than guess where instructions start.
fn decode(bytes: &[u8]) -> Option<(usize, Option<Decoded>)> {
    let mut i = 0;
    let mut prefix66 = false;
    while let Some(&p @ (0x66 | 0xf2 | 0xf3)) = bytes.get(i) {
        prefix66 |= p == 0x66;
        i += 1;
    }
    let legacy = i;
    let rex = match bytes.get(i) {
        Some(&r) if r & 0xf0 == 0x40 => {
            i += 1;
            Some(r)
        }
        _ => None,
    };
    match *bytes.get(i)? {
        // mov r/m, r; mov r, r/m; lea.
        0x89 | 0x8b | 0x8d => {
            let n = modrm_len(bytes.get(i + 1..)?)?;
            Some((i + 1 + n, None))
        }
        0x0f => match *bytes.get(i + 1)? {
            map @ (0x38 | 0x3a) => {
                let opcode = *bytes.get(i + 2)?;
                let n = modrm_len(bytes.get(i + 3..)?)?;
                let operand = bytes[i + 3..i + 3 + n].to_vec();
                let len = i + 3 + n + usize::from(map == 0x3a);
                if bytes.len() < len {
                    return None;
                }
                // Only `66` (or nothing) before REX counts as the placeholder's prefix.
                let sse = (legacy == usize::from(prefix66)).then_some(Decoded {
                    opcode: SseOpcode {
                        prefix66,
                        map,
                        opcode,
                    },
                    rex,
                    operand,
                    len,
                });
                Some((len, sse))
            }
            // movups/movss/movsd, movaps, movd/movq, movdqa/movdqu, movq: loads, stores, moves.
            0x10 | 0x11 | 0x28 | 0x29 | 0x6e | 0x7e | 0x6f | 0x7f | 0xd6 => {
                let n = modrm_len(bytes.get(i + 2..)?)?;
                Some((i + 2 + n, None))
            }
            _ => None,
        },
        _ => None,
    }
}

/// Find the placeholder `want` in a code range: decode from the start through the moves
/// and loads Cranelift may put before it; the first instruction of another form ends the
/// search. Whatever follows the placeholder (reloads, moves) is left alone.
fn find_placeholder(bytes: &[u8], want: Placeholder) -> Option<(usize, Decoded)> {
    let mut at = 0;
    while at < bytes.len() {
        let (len, sse) = decode(&bytes[at..])?;
        if let Some(d) = sse {
            return (d.opcode == want.encoding()).then_some((at, d));
        }
        at += len;
    }
    None
}

/// The bytes of `inst` replacing the placeholder `old`, of the same length: an instruction
/// without the 66 prefix (the SHA ones) takes a DS segment prefix (3E) in its place. In 64-bit
/// mode DS is ignored, on register operands and memory ones alike, so this is a one-byte pad
/// that costs no instruction (a trailing NOP would be one more to decode and retire).
fn reencode(old: &Decoded, inst: X86Inst) -> Result<Vec<u8>> {
    let enc = encoding(inst);
    let mut out = Vec::with_capacity(old.len);
    out.push(if enc.prefix66 { 0x66 } else { DS_PREFIX });
    out.extend(old.rex);
    out.extend([0x0f, enc.map, enc.opcode]);
    out.extend(&old.operand);
    if enc.map == 0x3a {
        out.push(inst.imm8().unwrap_or(0));
    }
    // SHA1RNDS4 has an immediate where its placeholder had a prefix: no pad needed.
    if out.len() == old.len + 1 && out[0] == DS_PREFIX {
        out.remove(0);
    }
    if out.len() != old.len {
        bail!(
            "{inst} ({} bytes) does not fit its placeholder ({} bytes)",
            out.len(),
            old.len
        );
    }
    Ok(out)
}

/// The DS segment-override prefix: ignored in 64-bit mode.
const DS_PREFIX: u8 = 0x3e;

/// After register allocation: each placeholder's code range must be exactly its one
/// instruction, with the expected encoding; it is overwritten with the x86 instruction.
/// Anything else rejects the function (the engine then compiles it with lowering (A)).
pub fn rewrite_function(
    sites: &X86Sites,
    ranges: &[crate::CodeRange],
    code: &mut [u8],
) -> Result<crate::Verdict> {
    use crate::Verdict;
    if sites.by_loc.is_empty() {
        return Ok(Verdict::Unchanged);
    }
    let mut done = 0;
    for (&loc, &inst) in &sites.by_loc {
        let mine: Vec<&crate::CodeRange> = ranges.iter().filter(|r| r.wasm_offset == loc).collect();
        let [r] = mine.as_slice() else {
            return Ok(Verdict::Reject(format!(
                "{inst}: placeholder emitted as {} code ranges, expected one",
                mine.len()
            )));
        };
        let (start, end) = (r.start as usize, r.end as usize);
        let bytes = code
            .get(start..end)
            .ok_or_else(|| anyhow!("code range {start}..{end} outside the function"))?;
        let want = Placeholder::of(inst);
        let Some((at, old)) = find_placeholder(bytes, want) else {
            return Ok(Verdict::Reject(format!(
                "{inst}: no {want:?} placeholder found in its code at +{start}: {}",
                bytes
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect::<Vec<_>>()
                    .join(" ")
            )));
        };
        let new = reencode(&old, inst)?;
        code[start + at..start + at + old.len].copy_from_slice(&new);
        done += 1;
    }
    Ok(if done > 0 {
        Verdict::Rewritten
    } else {
        Verdict::Unchanged
    })
}

/// The x86-64 ISA lowering (E) compiles for: baseline x86-64 plus [`super::ISA_FLAGS`]
/// (the features (E) requires, no VEX/EVEX), with Cranelift's mid-end at `opt_level`.
fn x86_isa(opt_level: &str) -> Result<cranelift_codegen::isa::OwnedTargetIsa> {
    use cranelift_codegen::settings::{self, Configurable};
    let mut shared = settings::builder();
    shared.set("opt_level", opt_level)?;
    shared.set("enable_nan_canonicalization", "false")?;
    let mut isa = cranelift_codegen::isa::lookup_by_name("x86_64-unknown-linux-gnu")
        .map_err(|e| anyhow!("x86-64 backend: {e}"))?;
    for (name, value) in super::ISA_FLAGS {
        isa.set(name, value)?;
    }
    Ok(isa.finish(settings::Flags::new(shared))?)
}

/// The machine code lowering (E) gives a call of intrinsic `id` whose arguments are the
/// function's params (`LoweringTable::call_site_function`), compiled the way the engine
/// compiles a function: Cranelift's mid-end, the table's pre-lowering pass (rewrites,
/// placeholders), instruction selection and register allocation without the mid-end, then
/// the table's post-pass. SysV: params in XMM0.., result in XMM0; the constant pool follows
/// the code. An error if the post-pass rejects the code.
pub fn compile_call_site(table: &crate::LoweringTable, id: usize, arity: usize) -> Result<Vec<u8>> {
    use cranelift_codegen::control::ControlPlane;
    let func = table.call_site_function(id, arity)?;
    let mut ctx = cranelift_codegen::Context::for_function(func);
    ctx.optimize(&*x86_isa("speed")?, &mut ControlPlane::default())
        .map_err(|e| anyhow!("Cranelift's mid-end: {e:?}"))?;
    table.before_lowering(&mut ctx.func)?;
    ctx.compile(&*x86_isa("none")?, &mut ControlPlane::default())
        .map_err(|e| anyhow!("Cranelift: {:?}", e.inner))?;
    let compiled = ctx.compiled_code().expect("compiled");
    let mut code = compiled.code_buffer().to_vec();
    let ranges: Vec<crate::CodeRange> = compiled
        .buffer
        .get_srclocs_sorted()
        .iter()
        .filter(|s| !s.loc.is_default())
        .map(|s| crate::CodeRange {
            start: s.start,
            end: s.end,
            wasm_offset: s.loc.bits(),
        })
        .collect();
    match table.rewrite(&ctx, &ranges, &mut code)? {
        crate::Verdict::Reject(why) => bail!("the post-pass rejected the code: {why}"),
        _ => Ok(code),
    }
}
