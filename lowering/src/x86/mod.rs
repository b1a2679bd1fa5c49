//! Lowering (E), x86-64-native: each engine intrinsic as a short sequence of x86 SHA, AES and
//! carry-less-multiply instructions with SSE glue around them (lane reversals, constant
//! adjustments), written once here as data ([`sequence`]).
//!
//! The engine emits a sequence as CLIF ([`emit_sequence`]): glue steps are ordinary CLIF
//! (`shuffle`, `iadd`, `isub`, `bxor`, `vconst`), each x86 instruction is a marker `call` that
//! the post-pass turns into the instruction. The verifier's `x86 ~ engine` compiles this very
//! CLIF the way the engine does ([`compile_call_site`]) and runs the machine code on
//! `models::x86` (Intel's SDM pseudocode, checked against this CPU), proving it equal to the
//! engine intrinsic for all inputs; rewrite rules are proved on the CLIF with each marker
//! evaluated by `models::x86`.
//!
//! Lane conventions differ between the ISAs: SHA1RNDS4 keeps A in bits 127:96 where ARM keeps
//! it in lane 0, SHA1RNDS4 adds its own round constant where ARM's code has added it to the
//! message already, SHA256RNDS2 splits the state as ABEF/CDGH, and AESENC/AESENCLAST XOR the
//! key after the round where AESE XORs it before. The sequences below bridge each difference;
//! the obligations are what say they do.
//!
//! After the mid-end, [`rewrite`] applies the cross-intrinsic rewrites (each validated or
//! proved) and [`encode`] turns markers into placeholder SSE instructions and, after register
//! allocation, re-encodes them.

use std::fmt;

use anyhow::{anyhow, bail, ensure, Context, Result};
use cranelift_codegen::ir::types::{I32X4, I8X16};
use cranelift_codegen::ir::{
    AbiParam, ExtFuncData, ExternalName, Function, Immediate, Inst, InstBuilder, InstructionData,
    Signature, UserExternalName, Value,
};
use cranelift_frontend::FunctionBuilder;
use models::x86::X86Inst;
use spec::Mnemonic;

use crate::domain::little_endian;

mod encode;
mod rewrite;

pub use encode::{
    compile_call_site, encoding, materialize_x86_placeholders, rewrite_function, Placeholder,
    SseOpcode, X86Sites,
};
pub use rewrite::{
    apply_rewrite_rules, apply_rules, compose_shuffles, merge_equal_markers, remove_unused_markers,
};

/// Namespace of the marker calls standing for x86 instructions (index: [`X86Inst::code`]).
pub const X86_MARKER_NAMESPACE: u32 = 0x6877_0086;

/// A value of a sequence: a parameter (the registers the instruction reads, in field order
/// Rd, Rn, Rm, as the native marker takes them) or the result of an earlier step.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Slot {
    Param(u8),
    Step(u8),
}

impl fmt::Display for Slot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Slot::Param(i) => write!(f, "p{i}"),
            Slot::Step(i) => write!(f, "t{i}"),
        }
    }
}

/// One step; its result is the next `t` slot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// 32-bit lanes picked from two vectors: result lane `i` is lane `pick[i]` of `a` (0..=3)
    /// or lane `pick[i] - 4` of `b` (4..=7). CLIF `shuffle`; Cranelift picks pshufd, shufps,
    /// palignr, blends or pshufb.
    Lanes {
        a: Slot,
        b: Slot,
        pick: [u8; 4],
    },
    Add32(Slot, Slot),
    Sub32(Slot, Slot),
    Xor(Slot, Slot),
    /// A constant vector, lanes 0..=3.
    Const([u32; 4]),
    /// An x86 instruction: `xmm1` is the destination's prior value (SRC1), `xmm2` the source,
    /// `xmm0` SHA256RNDS2's implicit operand.
    X86 {
        inst: X86Inst,
        xmm1: Slot,
        xmm2: Slot,
        xmm0: Option<Slot>,
    },
}

impl Step {
    pub fn inputs(&self) -> Vec<Slot> {
        match self {
            Step::Lanes { a, b, .. } => vec![*a, *b],
            Step::Add32(a, b) | Step::Sub32(a, b) | Step::Xor(a, b) => vec![*a, *b],
            Step::Const(_) => vec![],
            Step::X86 {
                xmm1, xmm2, xmm0, ..
            } => {
                let mut v = vec![*xmm1, *xmm2];
                v.extend(xmm0);
                v
            }
        }
    }
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Step::Lanes { a, b, pick } => write!(
                f,
                "lanes({a}, {b}; {})",
                pick.iter()
                    .map(|p| p.to_string())
                    .collect::<Vec<_>>()
                    .join(",")
            ),
            Step::Add32(a, b) => write!(f, "add32({a}, {b})"),
            Step::Sub32(a, b) => write!(f, "sub32({a}, {b})"),
            Step::Xor(a, b) => write!(f, "xor({a}, {b})"),
            Step::Const(l) => write!(
                f,
                "const({})",
                l.iter()
                    .map(|x| format!("{x:#010x}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Step::X86 {
                inst,
                xmm1,
                xmm2,
                xmm0,
            } => {
                write!(f, "{}({xmm1}, {xmm2}", inst.mnemonic())?;
                if let Some(i) = inst.imm8() {
                    write!(f, ", {i:#04x}")?;
                }
                if let Some(x) = xmm0 {
                    write!(f, ", xmm0={x}")?;
                }
                f.write_str(")")
            }
        }
    }
}

fn parse_slot(s: &str) -> Result<Slot> {
    let s = s.trim();
    let (kind, n) = s.split_at(s.len().min(1));
    let n: u8 = n
        .parse()
        .map_err(|_| anyhow!("`{s}` is not a value (p0, p1, ... or t0, t1, ...)"))?;
    match kind {
        "p" => Ok(Slot::Param(n)),
        "t" => Ok(Slot::Step(n)),
        _ => bail!("`{s}` is not a value (p0, p1, ... or t0, t1, ...)"),
    }
}

fn parse_int(s: &str) -> Result<u64> {
    let s = s.trim();
    let v = match s.strip_prefix("0x") {
        Some(h) => u64::from_str_radix(&h.replace('_', ""), 16),
        None => s.replace('_', "").parse(),
    };
    v.map_err(|_| anyhow!("`{s}` is not a number"))
}

impl std::str::FromStr for Step {
    type Err = anyhow::Error;

    /// The syntax [`Display`](fmt::Display) writes, e.g. `lanes(p0, p0; 3,2,1,0)`,
    /// `sha1rnds4(t0, t2, 0x00)`, `sha256rnds2(t1, t0, xmm0=p2)`.
    fn from_str(s: &str) -> Result<Step> {
        let s = s.trim();
        let (name, rest) = s
            .split_once('(')
            .ok_or_else(|| anyhow!("`{s}`: expected `op(args)`"))?;
        let args = rest
            .strip_suffix(')')
            .ok_or_else(|| anyhow!("`{s}`: missing `)`"))?;
        let two = |args: &str| -> Result<(Slot, Slot)> {
            let v: Vec<&str> = args.split(',').collect();
            ensure!(v.len() == 2, "`{s}`: {name} takes two values");
            Ok((parse_slot(v[0])?, parse_slot(v[1])?))
        };
        Ok(match name.trim() {
            "lanes" => {
                let (ab, pick) = args
                    .split_once(';')
                    .ok_or_else(|| anyhow!("`{s}`: lanes(a, b; i,j,k,l)"))?;
                let (a, b) = two(ab)?;
                let pick: Vec<u8> = pick
                    .split(',')
                    .map(|p| match parse_int(p)? {
                        v @ 0..=7 => Ok(v as u8),
                        v => bail!("`{s}`: lane {v} is not in 0..=7"),
                    })
                    .collect::<Result<_>>()?;
                let pick: [u8; 4] = pick
                    .try_into()
                    .map_err(|_| anyhow!("`{s}`: lanes picks four lanes"))?;
                Step::Lanes { a, b, pick }
            }
            "add32" => {
                let (a, b) = two(args)?;
                Step::Add32(a, b)
            }
            "sub32" => {
                let (a, b) = two(args)?;
                Step::Sub32(a, b)
            }
            "xor" => {
                let (a, b) = two(args)?;
                Step::Xor(a, b)
            }
            "const" => {
                let l: Vec<u32> = args
                    .split(',')
                    .map(|x| {
                        u32::try_from(parse_int(x)?)
                            .map_err(|_| anyhow!("`{s}`: lane over 32 bits"))
                    })
                    .collect::<Result<_>>()?;
                Step::Const(
                    l.try_into()
                        .map_err(|_| anyhow!("`{s}`: const takes four lanes"))?,
                )
            }
            mnemonic => {
                let parts: Vec<&str> = args.split(',').map(str::trim).collect();
                ensure!(parts.len() >= 2, "`{s}`: {mnemonic}(xmm1, xmm2, ...)");
                let (xmm1, xmm2) = (parse_slot(parts[0])?, parse_slot(parts[1])?);
                let mut imm8 = None;
                let mut xmm0 = None;
                for p in &parts[2..] {
                    match p.strip_prefix("xmm0=") {
                        Some(x) => xmm0 = Some(parse_slot(x)?),
                        None => {
                            imm8 = Some(
                                u8::try_from(parse_int(p)?)
                                    .map_err(|_| anyhow!("`{s}`: imm8 over 8 bits"))?,
                            )
                        }
                    }
                }
                let inst =
                    X86Inst::from_parts(mnemonic, imm8).map_err(|e| anyhow!("`{s}`: {e}"))?;
                ensure!(
                    inst.reads_xmm0() == xmm0.is_some(),
                    "`{s}`: {mnemonic} {} an xmm0= operand",
                    if inst.reads_xmm0() {
                        "needs"
                    } else {
                        "takes no"
                    }
                );
                Step::X86 {
                    inst,
                    xmm1,
                    xmm2,
                    xmm0,
                }
            }
        })
    }
}

/// Lowering (E) of one instruction: the steps, and which slot is the result.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sequence {
    pub params: u8,
    pub steps: Vec<Step>,
    pub result: Slot,
}

impl Sequence {
    /// Every slot used is a parameter or an earlier step, and the result exists.
    pub fn validate(&self) -> Result<()> {
        let ok = |s: Slot, before: usize| match s {
            Slot::Param(p) => p < self.params,
            Slot::Step(t) => usize::from(t) < before,
        };
        for (i, st) in self.steps.iter().enumerate() {
            for s in st.inputs() {
                ensure!(
                    ok(s, i),
                    "step t{i} `{st}` uses {s}, which is not defined before it"
                );
            }
        }
        ensure!(
            ok(self.result, self.steps.len()),
            "the result {} is not defined",
            self.result
        );
        Ok(())
    }

    /// The x86 instructions the sequence places (what the host CPU must have).
    pub fn instructions(&self) -> Vec<X86Inst> {
        self.steps
            .iter()
            .filter_map(|s| match s {
                Step::X86 { inst, .. } => Some(*inst),
                _ => None,
            })
            .collect()
    }
}

impl fmt::Display for Sequence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, s) in self.steps.iter().enumerate() {
            writeln!(f, "t{i} = {s}")?;
        }
        write!(f, "result {}", self.result)
    }
}

/// The (E) sequence of `m`, in the syntax [`Step`] parses: the table the engine emits and the
/// verifier proves. `None`: no x86 lowering (the engine uses the portable one).
pub fn sequence_text(m: Mnemonic) -> Option<(u8, &'static [&'static str], &'static str)> {
    use Mnemonic::*;
    Some(match m {
        // p0 = abcd (A in lane 0), p1 = e (lane 0), p2 = wk (W + K per lane).
        // SHA1RNDS4 wants A in lane 3, E added to W0 in lane 3, and W without K.
        Sha1c | Sha1p | Sha1m => {
            let steps: &[&str] = match m {
                Sha1c => &SHA1_ROUND[0],
                Sha1p => &SHA1_ROUND[1],
                _ => &SHA1_ROUND[2],
            };
            (3, steps, "t8")
        }
        // SHA1NEXTE adds ROL(SRC1[127:96], 30) to SRC2's lane 3 and reads nothing else of
        // SRC1: with SRC2 zero and e in lane 3 (reversed, as SHA1RNDS4's A) that is SHA1H.
        Sha1h => (
            1,
            &[
                "const(0, 0, 0, 0)",
                "lanes(p0, p0; 3,2,1,0)",
                "sha1nexte(t1, t0)",
                "lanes(t2, t0; 3,5,6,7)",
            ],
            "t3",
        ),
        // SHA1MSG1 on both operands lane-reversed is SHA1SU0 without its XOR with p2; the XOR
        // is done reversed too, so the reversals cancel against the neighbours'.
        Sha1su0 => (
            3,
            &[
                "lanes(p0, p0; 3,2,1,0)",
                "lanes(p1, p1; 3,2,1,0)",
                "sha1msg1(t0, t1)",
                "lanes(p2, p2; 3,2,1,0)",
                "xor(t2, t3)",
                "lanes(t4, t4; 3,2,1,0)",
            ],
            "t5",
        ),
        Sha1su1 => (
            2,
            &[
                "lanes(p0, p0; 3,2,1,0)",
                "lanes(p1, p1; 3,2,1,0)",
                "sha1msg2(t0, t1)",
                "lanes(t2, t2; 3,2,1,0)",
            ],
            "t3",
        ),
        // Four rounds as two SHA256RNDS2 on the ABEF/CDGH split; H keeps abcd, H2 efgh.
        // SHA256H: p0 = abcd, p1 = efgh; SHA256H2: p0 = efgh, p1 = abcd; p2 = wk.
        Sha256h => (3, &SHA256_H, "t5"),
        Sha256h2 => (3, &SHA256_H2, "t5"),
        // SHA256MSG1 is SHA256SU0, lane for lane.
        Sha256su0 => (2, &["sha256msg1(p0, p1)"], "t0"),
        // SHA256MSG2 takes W[i-7] already added: p0 + (p1 lanes 1..3, p2 lane 0).
        Sha256su1 => (
            3,
            &[
                "lanes(p1, p2; 1,2,3,4)",
                "add32(p0, t0)",
                "sha256msg2(t1, p2)",
            ],
            "t2",
        ),
        // AESENCLAST is ShiftRows, SubBytes, then the key XOR; AESE XORs the key first.
        Aese => (
            2,
            &["xor(p0, p1)", "const(0, 0, 0, 0)", "aesenclast(t0, t1)"],
            "t2",
        ),
        Aesd => (
            2,
            &["xor(p0, p1)", "const(0, 0, 0, 0)", "aesdeclast(t0, t1)"],
            "t2",
        ),
        // MixColumns has order 4, so it is InvMixColumns applied three times: linear, with no
        // S-box to cancel (AESDECLAST then AESENC is the same function but leaves the solver
        // to show SubBytes undoes InvSubBytes on every byte).
        Aesmc => (
            1,
            &["aesimc(p0, p0)", "aesimc(t0, t0)", "aesimc(t1, t1)"],
            "t2",
        ),
        Aesimc => (1, &["aesimc(p0, p0)"], "t0"),
        Pmull => (2, &["pclmulqdq(p0, p1, 0x00)"], "t0"),
        Pmull2 => (2, &["pclmulqdq(p0, p1, 0x11)"], "t0"),
    })
}

/// SHA1C/P/M: reverse abcd (A to lane 3), subtract K from wk and reverse it, add e to its
/// lane 3 (zero lanes picked in place, so this is a blend), four rounds, reverse back. Written out per selector: the table is data, not a template.
static SHA1_ROUND: [[&str; 9]; 3] = [
    [
        "lanes(p0, p0; 3,2,1,0)",
        "const(0x5a827999, 0x5a827999, 0x5a827999, 0x5a827999)",
        "sub32(p2, t1)",
        "lanes(t2, t2; 3,2,1,0)",
        "const(0, 0, 0, 0)",
        "lanes(t4, p1; 0,1,2,4)",
        "add32(t3, t5)",
        "sha1rnds4(t0, t6, 0)",
        "lanes(t7, t7; 3,2,1,0)",
    ],
    [
        "lanes(p0, p0; 3,2,1,0)",
        "const(0x6ed9eba1, 0x6ed9eba1, 0x6ed9eba1, 0x6ed9eba1)",
        "sub32(p2, t1)",
        "lanes(t2, t2; 3,2,1,0)",
        "const(0, 0, 0, 0)",
        "lanes(t4, p1; 0,1,2,4)",
        "add32(t3, t5)",
        "sha1rnds4(t0, t6, 1)",
        "lanes(t7, t7; 3,2,1,0)",
    ],
    [
        "lanes(p0, p0; 3,2,1,0)",
        "const(0x8f1bbcdc, 0x8f1bbcdc, 0x8f1bbcdc, 0x8f1bbcdc)",
        "sub32(p2, t1)",
        "lanes(t2, t2; 3,2,1,0)",
        "const(0, 0, 0, 0)",
        "lanes(t4, p1; 0,1,2,4)",
        "add32(t3, t5)",
        "sha1rnds4(t0, t6, 2)",
        "lanes(t7, t7; 3,2,1,0)",
    ],
];

static SHA256_H: [&str; 6] = [
    // ABEF (A in lane 3) and CDGH from abcd = p0, efgh = p1.
    "lanes(p0, p1; 5,4,1,0)",
    "lanes(p0, p1; 7,6,3,2)",
    "sha256rnds2(t1, t0, xmm0=p2)",
    "lanes(p2, p2; 2,3,2,3)",
    "sha256rnds2(t0, t2, xmm0=t3)",
    // a, b from the last ABEF, c, d from the one before.
    "lanes(t4, t2; 3,2,7,6)",
];

static SHA256_H2: [&str; 6] = [
    // The same rounds with the operands the other way: efgh = p0, abcd = p1.
    "lanes(p1, p0; 5,4,1,0)",
    "lanes(p1, p0; 7,6,3,2)",
    "sha256rnds2(t1, t0, xmm0=p2)",
    "lanes(p2, p2; 2,3,2,3)",
    "sha256rnds2(t0, t2, xmm0=t3)",
    // e, f from the last ABEF, g, h from the one before.
    "lanes(t4, t2; 1,0,5,4)",
];

/// The parsed (E) sequence of `m`, with its mutations applied (the verifier's broken corpus:
/// step `index` replaced). Errors name the instruction and the step.
pub fn sequence_with(m: Mnemonic, replaced: &[(usize, Step)]) -> Result<Option<Sequence>> {
    let Some((params, steps, result)) = sequence_text(m) else {
        return Ok(None);
    };
    let mut seq = Sequence {
        params,
        steps: steps
            .iter()
            .enumerate()
            .map(|(i, s)| s.parse().with_context(|| format!("{m}: x86 step t{i}")))
            .collect::<Result<_>>()?,
        result: parse_slot(result)?,
    };
    for (i, st) in replaced {
        let slot = seq
            .steps
            .get_mut(*i)
            .ok_or_else(|| anyhow!("{m}: the x86 sequence has no step t{i}"))?;
        *slot = st.clone();
    }
    seq.validate()
        .with_context(|| format!("{m}: x86 sequence"))?;
    Ok(Some(seq))
}

pub fn sequence(m: Mnemonic) -> Result<Option<Sequence>> {
    sequence_with(m, &[])
}

/// A rewrite the engine applies across intrinsic boundaries in lowering (E): wherever the
/// CLIF computes `from` (x86 instructions and constants, matched from its last step back),
/// it computes `to` instead. Each rule is an obligation (`verifier check -l rewrites`): the
/// two sequences are equal for all values of their parameters.
#[derive(Clone, Debug)]
pub struct RewriteRule {
    pub name: &'static str,
    /// The instruction whose family's `check` proves the rule (it ends `from`).
    pub mnemonic: Mnemonic,
    pub params: u8,
    pub from: &'static [&'static str],
    pub to: &'static [&'static str],
}

/// The rewrite rules, as data.
pub static REWRITE_RULES: [RewriteRule; 5] = [
    // SHA1H's result added into a round's first message word: SHA1NEXTE does both (it adds
    // ROL(A, 30) to lane 3 of its second operand), which takes SHA1H off the critical path.
    RewriteRule {
        name: "sha1h-add-to-sha1nexte",
        mnemonic: Mnemonic::Sha1h,
        params: 2,
        from: &[
            "const(0, 0, 0, 0)",
            "sha1nexte(p0, t0)",
            "lanes(t0, t1; 0,1,2,7)",
            "add32(p1, t2)",
        ],
        to: &["sha1nexte(p0, p1)"],
    },
    // AESE then AESMC (cores fuse the pair): AESENCLAST then MixColumns as three AESIMC is
    // AESENC, whose MixColumns comes before its (zero) key.
    RewriteRule {
        name: "aese-aesmc-to-aesenc",
        mnemonic: Mnemonic::Aesmc,
        params: 1,
        from: &[
            "const(0, 0, 0, 0)",
            "aesenclast(p0, t0)",
            "aesimc(t1, t1)",
            "aesimc(t2, t2)",
            "aesimc(t3, t3)",
        ],
        to: &["const(0, 0, 0, 0)", "aesenc(p0, t0)"],
    },
    // A round key XORed after a round with a zero key: AESENC and AESENCLAST XOR their key
    // last, so they take it directly. With the rule above, this makes each AES-128 round
    // one AESENC, as in a hand-written kernel.
    RewriteRule {
        name: "aesenc-then-key-to-aesenc",
        mnemonic: Mnemonic::Aese,
        params: 2,
        from: &["const(0, 0, 0, 0)", "aesenc(p0, t0)", "xor(t1, p1)"],
        to: &["aesenc(p0, p1)"],
    },
    RewriteRule {
        name: "aesenclast-then-key-to-aesenclast",
        mnemonic: Mnemonic::Aese,
        params: 2,
        from: &["const(0, 0, 0, 0)", "aesenclast(p0, t0)", "xor(t1, p1)"],
        to: &["aesenclast(p0, p1)"],
    },
    // AESD then AESIMC: AESDECLAST then InvMixColumns is AESDEC with a zero key.
    RewriteRule {
        name: "aesd-aesimc-to-aesdec",
        mnemonic: Mnemonic::Aesimc,
        params: 1,
        from: &["const(0, 0, 0, 0)", "aesdeclast(p0, t0)", "aesimc(t1, t1)"],
        to: &["const(0, 0, 0, 0)", "aesdec(p0, t0)"],
    },
];

impl RewriteRule {
    fn parse(&self, steps: &[&str], replaced: &[(usize, Step)]) -> Result<Sequence> {
        let mut seq = Sequence {
            params: self.params,
            steps: steps
                .iter()
                .enumerate()
                .map(|(i, s)| {
                    s.parse()
                        .with_context(|| format!("rewrite {}: step t{i}", self.name))
                })
                .collect::<Result<_>>()?,
            result: Slot::Step(steps.len().saturating_sub(1) as u8),
        };
        for (i, st) in replaced {
            *seq.steps
                .get_mut(*i)
                .ok_or_else(|| anyhow!("rewrite {}: no step t{i}", self.name))? = st.clone();
        }
        seq.validate()
            .with_context(|| format!("rewrite {}", self.name))?;
        Ok(seq)
    }

    /// The pattern (with planted replacements of `to`'s steps, for the broken corpus).
    pub fn sequences(&self, to_replaced: &[(usize, Step)]) -> Result<(Sequence, Sequence)> {
        Ok((
            self.parse(self.from, &[])?,
            self.parse(self.to, to_replaced)?,
        ))
    }
}

/// A standalone function `(i32x4 x params) -> i32x4` computing `seq` (what the verifier runs
/// for a rewrite rule's two sides).
pub fn sequence_function(seq: &Sequence) -> Result<Function> {
    crate::table::standalone_function("sequence", usize::from(seq.params), |b, args| {
        Ok(vec![emit_sequence(b, seq, args)?])
    })
}

/// Where a sequence is emitted: a function being built (a call site) or a cursor in a
/// finished function (a rewrite).
pub trait Emit {
    fn func(&mut self) -> &mut Function;
    fn ins(&mut self) -> impl InstBuilder<'_>;
}

impl Emit for FunctionBuilder<'_> {
    fn func(&mut self) -> &mut Function {
        self.func
    }
    fn ins(&mut self) -> impl InstBuilder<'_> {
        FunctionBuilder::ins(self)
    }
}

impl Emit for cranelift_codegen::cursor::FuncCursor<'_> {
    fn func(&mut self) -> &mut Function {
        self.func
    }
    fn ins(&mut self) -> impl InstBuilder<'_> {
        cranelift_codegen::cursor::FuncCursor::ins(self)
    }
}

/// Emit `seq` at a call site on `args` (`I32X4` values, the registers the instruction reads
/// in field order); returns the result (`I32X4`).
pub fn emit_sequence(b: &mut impl Emit, seq: &Sequence, args: &[Value]) -> Result<Value> {
    ensure!(
        args.len() == usize::from(seq.params),
        "the x86 sequence takes {} values, got {}",
        seq.params,
        args.len()
    );
    let mut steps: Vec<Value> = Vec::new();
    let get = |steps: &Vec<Value>, s: Slot| match s {
        Slot::Param(p) => args[usize::from(p)],
        Slot::Step(t) => steps[usize::from(t)],
    };
    for st in &seq.steps {
        let v = match st {
            Step::Lanes { a, b: bb, pick } => {
                let x = b.ins().bitcast(I8X16, little_endian(), get(&steps, *a));
                let y = b.ins().bitcast(I8X16, little_endian(), get(&steps, *bb));
                let mask = lanes_mask(pick);
                let imm = shuffle_mask(&mut b.func().dfg, &mask);
                let s = b.ins().shuffle(x, y, imm);
                b.ins().bitcast(I32X4, little_endian(), s)
            }
            Step::Add32(x, y) => b.ins().iadd(get(&steps, *x), get(&steps, *y)),
            Step::Sub32(x, y) => b.ins().isub(get(&steps, *x), get(&steps, *y)),
            Step::Xor(x, y) => b.ins().bxor(get(&steps, *x), get(&steps, *y)),
            Step::Const(l) => {
                let bytes: Vec<u8> = l.iter().flat_map(|x| x.to_le_bytes()).collect();
                let c = b.func().dfg.constants.insert(bytes.into());
                b.ins().vconst(I32X4, c)
            }
            Step::X86 {
                inst,
                xmm1,
                xmm2,
                xmm0,
            } => {
                let mut ops = vec![get(&steps, *xmm1), get(&steps, *xmm2)];
                ops.extend(xmm0.map(|x| get(&steps, x)));
                emit_x86_marker(b, *inst, &ops)
            }
        };
        steps.push(v);
    }
    Ok(get(&steps, seq.result))
}

/// The immediate holding `mask`, reusing an equal one: Cranelift's GVN compares shuffles by
/// their immediate's handle, so two equal masks in two handles would never be merged.
fn shuffle_mask(dfg: &mut cranelift_codegen::ir::DataFlowGraph, mask: &[u8]) -> Immediate {
    match dfg.immediates.iter().find(|(_, d)| d.as_slice() == mask) {
        Some((imm, _)) => imm,
        None => dfg.immediates.push(mask.to_vec().into()),
    }
}

/// A call standing for `inst` on `operands` (xmm1, xmm2[, xmm0]).
fn emit_x86_marker(b: &mut impl Emit, inst: X86Inst, operands: &[Value]) -> Value {
    let func = b.func();
    let mut sig = Signature::new(func.signature.call_conv);
    for _ in operands {
        sig.params.push(AbiParam::new(I32X4));
    }
    sig.returns.push(AbiParam::new(I32X4));
    let signature = func.import_signature(sig);
    let name = func
        .declare_imported_user_function(UserExternalName::new(X86_MARKER_NAMESPACE, inst.code()));
    let marker = func.import_function(ExtFuncData {
        name: ExternalName::user(name),
        signature,
        colocated: false,
        patchable: false,
    });
    let call = b.ins().call(marker, operands);
    b.func().dfg.inst_results(call)[0]
}

/// Every instruction of `func`, in layout order (a copy: the rewrites edit as they go).
fn layout_insts(func: &Function) -> Vec<Inst> {
    func.layout
        .blocks()
        .flat_map(|b| func.layout.block_insts(b))
        .collect()
}

/// The x86 instruction a marker call stands for, if `inst` is one.
pub fn x86_marker_of(func: &Function, inst: Inst) -> Option<X86Inst> {
    let InstructionData::Call { func_ref, .. } = func.dfg.insts[inst] else {
        return None;
    };
    x86_marker_name(func, &func.dfg.ext_funcs[func_ref].name)
}

/// The x86 instruction an external name stands for, if it is a marker's.
pub fn x86_marker_name(func: &Function, name: &ExternalName) -> Option<X86Inst> {
    let ExternalName::User(r) = name else {
        return None;
    };
    let n = &func.params.user_named_funcs()[*r];
    (n.namespace == X86_MARKER_NAMESPACE)
        .then(|| X86Inst::from_code(n.index))
        .flatten()
}

/// The x86 features (E) needs on the host, by `std::is_x86_feature_detected!` name: the
/// instructions themselves, and SSSE3/SSE4.1 for the placeholders Cranelift must select.
pub const REQUIRED_FEATURES: [&str; 5] = ["sha", "aes", "pclmulqdq", "ssse3", "sse4.1"];

/// The required features this host lacks (all of them on a non-x86-64 host): (E) may be used
/// only when this is empty. Detected at run time, never assumed.
pub fn missing_host_features() -> Vec<&'static str> {
    #[cfg(target_arch = "x86_64")]
    {
        let has = |f: &str| match f {
            "sha" => std::is_x86_feature_detected!("sha"),
            "aes" => std::is_x86_feature_detected!("aes"),
            "pclmulqdq" => std::is_x86_feature_detected!("pclmulqdq"),
            "ssse3" => std::is_x86_feature_detected!("ssse3"),
            "sse4.1" => std::is_x86_feature_detected!("sse4.1"),
            _ => false,
        };
        REQUIRED_FEATURES.into_iter().filter(|f| !has(f)).collect()
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        REQUIRED_FEATURES.to_vec()
    }
}

/// Cranelift ISA settings (E) relies on: the SSE levels its placeholders need (the engine
/// chooses (E) only on a CPU that has them) and legacy SSE encodings only, no VEX or EVEX, so
/// each placeholder is the two-operand instruction the re-encoding expects and the glue is
/// the instruction subset `models::x86::code` runs.
pub const ISA_FLAGS: [(&str, &str); 13] = [
    ("has_sse3", "true"),
    ("has_ssse3", "true"),
    ("has_sse41", "true"),
    ("has_avx", "false"),
    ("has_avx2", "false"),
    ("has_fma", "false"),
    ("has_avx_vnni", "false"),
    ("has_avx512f", "false"),
    ("has_avx512vl", "false"),
    ("has_avx512dq", "false"),
    ("has_avx512vbmi", "false"),
    ("has_avx512bitalg", "false"),
    ("has_avx512vnni", "false"),
];

/// The byte mask of a `lanes` step.
fn lanes_mask(pick: &[u8; 4]) -> [u8; 16] {
    let mut mask = [0u8; 16];
    for (i, &p) in pick.iter().enumerate() {
        for j in 0..4 {
            mask[4 * i + j] = 4 * p + j as u8;
        }
    }
    mask
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_sequence_parses_and_prints_back() {
        for m in Mnemonic::all() {
            let Some(seq) = sequence(m).unwrap() else {
                continue;
            };
            for st in &seq.steps {
                let again: Step = st.to_string().parse().unwrap();
                assert_eq!(&again, st, "{m}: {st}");
            }
            assert!(
                !seq.instructions().is_empty(),
                "{m} places no x86 instruction"
            );
        }
    }

    #[test]
    fn bad_steps_are_errors_naming_the_problem() {
        let err = |s: &str| s.parse::<Step>().unwrap_err().to_string();
        assert!(err("sha1rnds4(t0, t1, 7)").contains("outside the modelled cases"));
        assert!(err("sha256rnds2(t0, t1)").contains("needs an xmm0= operand"));
        assert!(err("lanes(p0, p0; 3,2,1,9)").contains("not in 0..=7"));
        assert!(err("frob(p0, p1)").contains("not a modelled x86 instruction"));
        assert!(err("xor(p0, q1)").contains("not a value"));
        let bad = sequence_with(Mnemonic::Aese, &[(0, "xor(p0, t2)".parse().unwrap())]);
        assert!(format!("{:#}", bad.unwrap_err()).contains("not defined before it"));
    }
}
