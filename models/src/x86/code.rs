//! x86-64 machine code of lowering (E), decoded and run on the models: the instructions a
//! compiled call-site function contains (frame set-up, SSE moves, shuffles and arithmetic,
//! and the SHA/AES/PCLMULQDQ instructions of [`super::X86Inst`]), over XMM registers. Any
//! other instruction is an error naming its bytes: a subset, not a guess.
//!
//! Glue semantics follow the SDM like the rest of this module (byte `i` of a register at bits
//! `8i+7..8i`, dword `i` at `32i+31..32i`); `models/tests/x86_diff.rs` checks them against
//! this CPU.

use std::fmt;

use anyhow::{anyhow, bail, Result};

use super::{execute, X86Inst};
use crate::bits::Bits;
use crate::domain::{BinOp, Domain};

/// An SSE instruction the lowering's glue compiles to.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Sse {
    /// movdqa, movdqu, movaps, movups: a copy (register or memory source).
    Mov,
    /// pshufd imm: dword `i` = source dword `imm[2i+1:2i]`.
    Pshufd(u8),
    /// shufps imm: dwords 0, 1 from the destination, 2, 3 from the source.
    Shufps(u8),
    /// palignr imm: bytes `imm..imm+16` of source (low) : destination (high).
    Palignr(u8),
    /// pblendw imm: word `i` from the source where `imm` bit `i` is set.
    Pblendw(u8),
    /// blendps imm: dword `i` from the source where `imm` bit `i` is set.
    Blendps(u8),
    /// pshufb: byte `i` = 0 if source byte `i` has bit 7 set, else destination byte
    /// `source[i] & 15`.
    Pshufb,
    Paddd,
    Psubd,
    /// pxor, xorps.
    Xor,
    /// pand, andps.
    And,
    /// por, orps.
    Or,
    /// punpckldq, punpckhdq, punpcklqdq, punpckhqdq: interleave low or high halves.
    Unpack {
        high: bool,
        qwords: bool,
    },
}

/// Where a source operand comes from.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Source {
    Xmm(u8),
    /// A 16-byte constant at this offset of the code (a RIP-relative load).
    Code(usize),
}

/// One decoded instruction.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Op {
    /// Frame set-up and tear-down, returns: no XMM effect.
    Frame(&'static str),
    Ret,
    Sse {
        op: Sse,
        dst: u8,
        src: Source,
    },
    Crypto {
        inst: X86Inst,
        dst: u8,
        src: Source,
    },
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Xmm(r) => write!(f, "xmm{r}"),
            Source::Code(at) => write!(f, "[code+{at:#x}]"),
        }
    }
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Op::Frame(s) => f.write_str(s),
            Op::Ret => f.write_str("ret"),
            Op::Sse { op, dst, src } => {
                let (name, imm) = match op {
                    Sse::Mov => ("mov", None),
                    Sse::Pshufd(i) => ("pshufd", Some(i)),
                    Sse::Shufps(i) => ("shufps", Some(i)),
                    Sse::Palignr(i) => ("palignr", Some(i)),
                    Sse::Pblendw(i) => ("pblendw", Some(i)),
                    Sse::Blendps(i) => ("blendps", Some(i)),
                    Sse::Pshufb => ("pshufb", None),
                    Sse::Paddd => ("paddd", None),
                    Sse::Psubd => ("psubd", None),
                    Sse::Xor => ("pxor", None),
                    Sse::And => ("pand", None),
                    Sse::Or => ("por", None),
                    Sse::Unpack {
                        high: false,
                        qwords: false,
                    } => ("punpckldq", None),
                    Sse::Unpack {
                        high: true,
                        qwords: false,
                    } => ("punpckhdq", None),
                    Sse::Unpack {
                        high: false,
                        qwords: true,
                    } => ("punpcklqdq", None),
                    Sse::Unpack {
                        high: true,
                        qwords: true,
                    } => ("punpckhqdq", None),
                };
                write!(f, "{name} xmm{dst}, {src}")?;
                imm.map_or(Ok(()), |i| write!(f, ", {i:#04x}"))
            }
            Op::Crypto { inst, dst, src } => {
                write!(f, "{} xmm{dst}, {src}", inst.mnemonic())?;
                inst.imm8().map_or(Ok(()), |i| write!(f, ", {i:#04x}"))
            }
        }
    }
}

/// Decode the instruction at `code[at..]`; its length.
pub fn decode(code: &[u8], at: usize) -> Result<(Op, usize)> {
    let bytes = &code[at..];
    let show = || {
        bytes
            .iter()
            .take(12)
            .map(|b| format!("{b:02x}"))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let unknown = || anyhow!("unsupported x86 instruction at +{at:#x}: {}", show());
    // Exact frame instructions Cranelift emits around a leaf function.
    for (pattern, name) in [
        (&[0x55][..], "push rbp"),
        (&[0x48, 0x89, 0xe5][..], "mov rbp, rsp"),
        (&[0x48, 0x89, 0xec][..], "mov rsp, rbp"),
        (&[0x5d][..], "pop rbp"),
    ] {
        if bytes.starts_with(pattern) {
            return Ok((Op::Frame(name), pattern.len()));
        }
    }
    if bytes.first() == Some(&0xc3) {
        return Ok((Op::Ret, 1));
    }
    let mut i = 0;
    let mut p66 = false;
    let mut f3 = false;
    while let Some(&p) = bytes.get(i) {
        match p {
            0x66 => p66 = true,
            0xf3 => f3 = true,
            // DS: ignored in 64-bit mode (the lowering's pad).
            0x3e => {}
            _ => break,
        }
        i += 1;
    }
    let rex = match bytes.get(i) {
        Some(&r) if r & 0xf0 == 0x40 => {
            i += 1;
            r
        }
        _ => 0,
    };
    if rex & 0x08 != 0 || bytes.get(i) != Some(&0x0f) {
        return Err(unknown());
    }
    i += 1;
    let (map, opcode) = match *bytes.get(i).ok_or_else(unknown)? {
        m @ (0x38 | 0x3a) => (m, *bytes.get(i + 1).ok_or_else(unknown)?),
        o => (0, o),
    };
    i += if map == 0 { 1 } else { 2 };
    // ModRM: register-direct, or RIP-relative (a constant in the code).
    let modrm = *bytes.get(i).ok_or_else(unknown)?;
    i += 1;
    let reg = ((modrm >> 3) & 7) | ((rex & 4) << 1);
    let src = match modrm >> 6 {
        3 => Source::Xmm((modrm & 7) | ((rex & 1) << 3)),
        0 if modrm & 7 == 5 => {
            let d = i32::from_le_bytes(bytes.get(i..i + 4).ok_or_else(unknown)?.try_into()?);
            i += 4;
            // Relative to the end of the instruction, immediate included.
            let imm_len = usize::from(map == 0x3a || matches!(opcode, 0x70 | 0xc6));
            let end = at + i + imm_len;
            let target = end as i64 + i64::from(d);
            if target < 0 || target as usize + 16 > code.len() {
                bail!(
                    "x86 instruction at +{at:#x} reads outside the code: {}",
                    show()
                );
            }
            Source::Code(target as usize)
        }
        _ => bail!(
            "x86 instruction at +{at:#x} has a memory operand other than a constant: {}",
            show()
        ),
    };
    let mut imm = || -> Result<u8> {
        let b = *bytes.get(i).ok_or_else(unknown)?;
        i += 1;
        Ok(b)
    };
    let sse = |op| Op::Sse { op, dst: reg, src };
    let crypto = |inst| Op::Crypto {
        inst,
        dst: reg,
        src,
    };
    let op = match (p66, f3, map, opcode) {
        (true, false, 0, 0x6f) | (false, true, 0, 0x6f) | (false, false, 0, 0x28 | 0x10) => {
            sse(Sse::Mov)
        }
        (true, false, 0, 0x70) => sse(Sse::Pshufd(imm()?)),
        (false, false, 0, 0xc6) => sse(Sse::Shufps(imm()?)),
        (true, false, 0x3a, 0x0f) => sse(Sse::Palignr(imm()?)),
        (true, false, 0x3a, 0x0e) => sse(Sse::Pblendw(imm()?)),
        (true, false, 0x3a, 0x0c) => sse(Sse::Blendps(imm()?)),
        (true, false, 0x38, 0x00) => sse(Sse::Pshufb),
        (true, false, 0, 0xfe) => sse(Sse::Paddd),
        (true, false, 0, 0xfa) => sse(Sse::Psubd),
        (true, false, 0, 0xef) | (false, false, 0, 0x57) => sse(Sse::Xor),
        (true, false, 0, 0xdb) | (false, false, 0, 0x54) => sse(Sse::And),
        (true, false, 0, 0xeb) | (false, false, 0, 0x56) => sse(Sse::Or),
        (true, false, 0, 0x62) => sse(Sse::Unpack {
            high: false,
            qwords: false,
        }),
        (true, false, 0, 0x6a) => sse(Sse::Unpack {
            high: true,
            qwords: false,
        }),
        (true, false, 0, 0x6c) => sse(Sse::Unpack {
            high: false,
            qwords: true,
        }),
        (true, false, 0, 0x6d) => sse(Sse::Unpack {
            high: true,
            qwords: true,
        }),
        (false, false, 0x3a, 0xcc) => crypto(X86Inst::Sha1rnds4(imm()? & 3)),
        (false, false, 0x38, o @ 0xc8..=0xcd) => crypto(match o {
            0xc8 => X86Inst::Sha1nexte,
            0xc9 => X86Inst::Sha1msg1,
            0xca => X86Inst::Sha1msg2,
            0xcb => X86Inst::Sha256rnds2,
            0xcc => X86Inst::Sha256msg1,
            _ => X86Inst::Sha256msg2,
        }),
        (true, false, 0x38, o @ 0xdb..=0xdf) => crypto(match o {
            0xdb => X86Inst::Aesimc,
            0xdc => X86Inst::Aesenc,
            0xdd => X86Inst::Aesenclast,
            0xde => X86Inst::Aesdec,
            _ => X86Inst::Aesdeclast,
        }),
        (true, false, 0x3a, 0x44) => crypto(X86Inst::Pclmulqdq(imm()? & 0x11)),
        _ => return Err(unknown()),
    };
    Ok((op, i))
}

/// XMM0..XMM15.
pub struct XmmFile<V> {
    pub xmm: Vec<V>,
}

fn source<D: Domain>(d: &mut D, code: &[u8], regs: &XmmFile<D::V>, s: Source) -> D::V {
    match s {
        Source::Xmm(r) => regs.xmm[usize::from(r)].clone(),
        Source::Code(at) => {
            let b: [u8; 16] = code[at..at + 16].try_into().expect("checked at decode");
            d.constant(Bits::from_u128(128, u128::from_le_bytes(b)))
        }
    }
}

fn dwords<D: Domain>(d: &mut D, v: &D::V) -> Vec<D::V> {
    (0..4).map(|i| d.lane(v, i, 32)).collect()
}

fn bytes<D: Domain>(d: &mut D, v: &D::V) -> Vec<D::V> {
    (0..16).map(|i| d.lane(v, i, 8)).collect()
}

/// Lane `i` (of `width` bits) from `s` where `imm` bit `i` is set, else from `t`: PBLENDW
/// and BLENDPS.
fn blend<D: Domain>(d: &mut D, t: &D::V, s: &D::V, imm: u8, width: u32) -> D::V {
    let out: Vec<D::V> = (0..128 / width)
        .map(|i| {
            let from = if imm >> i & 1 == 1 { s } else { t };
            d.lane(from, i, width)
        })
        .collect();
    d.from_lanes(&out)
}

/// Run `op`; the register it wrote, if any.
pub fn step<D: Domain>(d: &mut D, code: &[u8], regs: &mut XmmFile<D::V>, op: Op) -> Option<u8> {
    let (dst, value) = match op {
        Op::Frame(_) | Op::Ret => return None,
        Op::Crypto { inst, dst, src } => {
            let x2 = source(d, code, regs, src);
            let x1 = regs.xmm[usize::from(dst)].clone();
            let x0 = regs.xmm[0].clone();
            (dst, execute(d, inst, &x1, &x2, &x0))
        }
        Op::Sse { op, dst, src } => {
            let s = source(d, code, regs, src);
            let t = regs.xmm[usize::from(dst)].clone();
            let v = match op {
                Sse::Mov => s,
                Sse::Pshufd(imm) => {
                    let w = dwords(d, &s);
                    let out: Vec<D::V> = (0..4)
                        .map(|i| w[usize::from((imm >> (2 * i)) & 3)].clone())
                        .collect();
                    d.from_lanes(&out)
                }
                Sse::Shufps(imm) => {
                    let (a, b) = (dwords(d, &t), dwords(d, &s));
                    let sel = |i: u32| usize::from((imm >> (2 * i)) & 3);
                    let out = [
                        a[sel(0)].clone(),
                        a[sel(1)].clone(),
                        b[sel(2)].clone(),
                        b[sel(3)].clone(),
                    ];
                    d.from_lanes(&out)
                }
                Sse::Palignr(imm) => {
                    // dst:src, 32 bytes, shifted right by imm bytes; zeros past the end.
                    let mut all = bytes(d, &s);
                    all.extend(bytes(d, &t));
                    let zero = d.lit(8, 0);
                    let out: Vec<D::V> = (0..16)
                        .map(|i| {
                            all.get(i + usize::from(imm))
                                .cloned()
                                .unwrap_or_else(|| zero.clone())
                        })
                        .collect();
                    d.from_lanes(&out)
                }
                Sse::Pblendw(imm) => blend(d, &t, &s, imm, 16),
                Sse::Blendps(imm) => blend(d, &t, &s, imm, 32),
                Sse::Pshufb => {
                    let (a, m) = (bytes(d, &t), bytes(d, &s));
                    let zero = d.lit(8, 0);
                    let out: Vec<D::V> = m
                        .iter()
                        .map(|mi| {
                            // Index by the low four bits: a 16-way selection.
                            let k = d.extract(mi, 3, 0);
                            let mut pick = a[0].clone();
                            for (j, aj) in a.iter().enumerate().skip(1) {
                                let c = d.lit(4, j as u128);
                                let hit = d.binary(BinOp::Eq, &k, &c);
                                pick = d.ite(&hit, aj, &pick);
                            }
                            let top = d.extract(mi, 7, 7);
                            let one = d.lit(1, 1);
                            let cleared = d.binary(BinOp::Eq, &top, &one);
                            d.ite(&cleared, &zero, &pick)
                        })
                        .collect();
                    d.from_lanes(&out)
                }
                Sse::Paddd | Sse::Psubd => {
                    let (a, b) = (dwords(d, &t), dwords(d, &s));
                    let bop = if op == Sse::Paddd {
                        BinOp::Add
                    } else {
                        BinOp::Sub
                    };
                    let out: Vec<D::V> =
                        a.iter().zip(&b).map(|(x, y)| d.binary(bop, x, y)).collect();
                    d.from_lanes(&out)
                }
                Sse::Xor => d.xor(&t, &s),
                Sse::And => d.and(&t, &s),
                Sse::Or => d.or(&t, &s),
                Sse::Unpack { high, qwords } => {
                    let w = if qwords { 64 } else { 32 };
                    let n = 128 / w;
                    let (a, b): (Vec<D::V>, Vec<D::V>) = (
                        (0..n).map(|i| d.lane(&t, i, w)).collect(),
                        (0..n).map(|i| d.lane(&s, i, w)).collect(),
                    );
                    let base = if high { (n / 2) as usize } else { 0 };
                    let mut out = Vec::new();
                    for i in 0..(n / 2) as usize {
                        out.push(a[base + i].clone());
                        out.push(b[base + i].clone());
                    }
                    d.from_lanes(&out)
                }
            };
            (dst, v)
        }
    };
    regs.xmm[usize::from(dst)] = value;
    Some(dst)
}

/// Decode `code` from offset 0 up to its `ret` (the bytes after it are the constant pool).
pub fn decode_function(code: &[u8]) -> Result<Vec<(usize, Op)>> {
    let mut at = 0;
    let mut out = Vec::new();
    while at < code.len() {
        let (op, len) = decode(code, at)?;
        out.push((at, op));
        at += len;
        if op == Op::Ret {
            return Ok(out);
        }
    }
    bail!("the code ends without a `ret`")
}

/// XMM registers `ops` read before writing them (their prior contents are free inputs).
pub fn read_before_written(ops: &[(usize, Op)]) -> Vec<u8> {
    let mut written = [false; 16];
    let mut read = Vec::new();
    let mut reads = |r: u8, written: &[bool; 16]| {
        if !written[usize::from(r)] && !read.contains(&r) {
            read.push(r);
        }
    };
    for (_, op) in ops {
        let (dst, src, reads_dst, reads_xmm0) = match *op {
            Op::Frame(_) | Op::Ret => continue,
            // Moves and PSHUFD write their destination without reading it.
            Op::Sse { op, dst, src } => (dst, src, !matches!(op, Sse::Mov | Sse::Pshufd(_)), false),
            Op::Crypto { inst, dst, src } => (dst, src, inst != X86Inst::Aesimc, inst.reads_xmm0()),
        };
        if let Source::Xmm(s) = src {
            reads(s, &written);
        }
        if reads_dst {
            reads(dst, &written);
        }
        if reads_xmm0 {
            reads(0, &written);
        }
        written[usize::from(dst)] = true;
    }
    read.sort();
    read
}
