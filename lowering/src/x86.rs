//! Lowering (E), x86-64-native: each engine intrinsic as a short sequence of x86 SHA, AES and
//! carry-less-multiply instructions with SSE glue around them (lane reversals, constant
//! adjustments), written once here as data ([`sequence`]).
//!
//! The engine emits a sequence as CLIF ([`emit_sequence`]): glue steps are ordinary CLIF
//! (`shuffle`, `iadd`, `isub`, `bxor`, `vconst`), each x86 instruction is a marker `call` that
//! the post-pass turns into the instruction. The verifier's `x86 ~ engine` runs this very CLIF
//! on the CLIF model with each marker evaluated by `models::x86` (Intel's SDM pseudocode,
//! checked against this CPU), and proves it equal to the engine intrinsic for all inputs.
//!
//! Lane conventions differ between the ISAs: SHA1RNDS4 keeps A in bits 127:96 where ARM keeps
//! it in lane 0, SHA1RNDS4 adds its own round constant where ARM's code has added it to the
//! message already, SHA256RNDS2 splits the state as ABEF/CDGH, and AESENC/AESENCLAST XOR the
//! key after the round where AESE XORs it before. The sequences below bridge each difference;
//! the obligations are what say they do.

use std::fmt;

use anyhow::{anyhow, bail, ensure, Context, Result};
use cranelift_codegen::ir::types::{I32X4, I8X16};
use cranelift_codegen::ir::{
    AbiParam, ExtFuncData, ExternalName, Function, Immediate, Inst, InstBuilder, InstructionData,
    Signature, UserExternalName, Value, ValueDef,
};
use cranelift_frontend::FunctionBuilder;
use models::x86::X86Inst;
use spec::Mnemonic;

use crate::domain::little_endian;
use crate::table::peel_bitcasts;

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
pub static REWRITE_RULES: [RewriteRule; 3] = [
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
    use cranelift_codegen::ir::{types::I32X4 as V, UserFuncName};
    use cranelift_codegen::isa::{CallConv, TargetFrontendConfig};
    use cranelift_frontend::FunctionBuilderContext;
    let mut sig = Signature::new(CallConv::SystemV);
    sig.params = vec![AbiParam::new(V); usize::from(seq.params)];
    sig.returns = vec![AbiParam::new(V)];
    let mut func = Function::with_name_signature(UserFuncName::testcase("sequence"), sig);
    let mut fctx = FunctionBuilderContext::new();
    let mut b = FunctionBuilder::new(&mut func, &mut fctx);
    let entry = b.create_block();
    b.append_block_params_for_function_params(entry);
    b.switch_to_block(entry);
    b.seal_block(entry);
    let args = b.block_params(entry).to_vec();
    let r = emit_sequence(&mut b, seq, &args)?;
    b.ins().return_(&[r]);
    b.finalize(TargetFrontendConfig {
        default_call_conv: CallConv::SystemV,
        pointer_width: target_lexicon::PointerWidth::U64,
        page_size_align_log2: 12,
    });
    Ok(func)
}

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
                let want = match &seq.steps[i] {
                    Step::Add32(..) => Opcode::Iadd,
                    Step::Sub32(..) => Opcode::Isub,
                    _ => Opcode::Bxor,
                };
                data.opcode() == want
                    && func.dfg.value_type(val) == I32X4
                    && bind(&mut params, &mut at, *x, args[0])
                    && bind(&mut params, &mut at, *y, args[1])
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

/// Cross-intrinsic rewrite 3: the [`REWRITE_RULES`], applied where their `from` side is
/// computed; the replaced value's other steps stay if anything else uses them. Returns how
/// many were applied.
pub fn apply_rewrite_rules(func: &mut Function) -> Result<usize> {
    use cranelift_codegen::cursor::{Cursor, FuncCursor};
    let rules: Vec<(Sequence, Sequence)> = REWRITE_RULES
        .iter()
        .map(|r| r.sequences(&[]))
        .collect::<Result<_>>()?;
    let insts: Vec<Inst> = func
        .layout
        .blocks()
        .flat_map(|b| func.layout.block_insts(b))
        .collect();
    let mut applied = 0;
    for inst in insts {
        if func.layout.inst_block(inst).is_none() || func.dfg.inst_results(inst).len() != 1 {
            continue;
        }
        let old = func.dfg.first_result(inst);
        if func.dfg.value_type(old) != I32X4 {
            continue;
        }
        for (from, to) in &rules {
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

/// Dead code left by the rewrites above is removed, markers included (returns how many
/// markers): markers are pure, and a dropped placeholder would have no code for the
/// post-pass to find. Live
/// means reachable, through operands, from an instruction with an effect (a store, a branch,
/// a return, a call that is not a marker, anything that may trap or load): a value used only
/// by dead shuffles is dead too.
pub fn remove_unused_markers(func: &mut Function) -> usize {
    let insts: Vec<Inst> = func
        .layout
        .blocks()
        .flat_map(|b| func.layout.block_insts(b))
        .collect();
    let pure = |func: &Function, inst: Inst| {
        let op = func.dfg.insts[inst].opcode();
        x86_marker_of(func, inst).is_some()
            || !(op.is_call()
                || op.is_branch()
                || op.is_terminator()
                || op.can_load()
                || op.can_store()
                || op.can_trap()
                || op.other_side_effects()
                || func.dfg.inst_results(inst).is_empty())
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

/// Cranelift ISA settings (E) relies on: legacy SSE encodings (no VEX), so each placeholder
/// is the two-operand instruction the re-encoding expects.
pub const ISA_FLAGS: [(&str, &str); 1] = [("has_avx", "false")];

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
    let markers: Vec<(Inst, X86Inst)> = func
        .layout
        .blocks()
        .flat_map(|b| func.layout.block_insts(b))
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
    use cranelift_codegen::cursor::{Cursor, FuncCursor};
    let insts: Vec<Inst> = func
        .layout
        .blocks()
        .flat_map(|b| func.layout.block_insts(b))
        .collect();
    let mut applied = 0;
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
        let mask: Vec<u8> = bytes
            .iter()
            .map(|(v, k)| if *v == sources[0] { *k } else { k + 16 })
            .collect();
        let mut pos = FuncCursor::new(func).at_inst(inst);
        let as_bytes = |pos: &mut FuncCursor, v: Value| {
            if pos.func.dfg.value_type(v) == I8X16 {
                v
            } else {
                pos.ins().bitcast(I8X16, little_endian(), v)
            }
        };
        let x = as_bytes(&mut pos, sources[0]);
        let new = if identity {
            x
        } else {
            let y = match sources.get(1) {
                Some(&s) => as_bytes(&mut pos, s),
                None => x,
            };
            let imm = shuffle_mask(&mut pos.func.dfg, &mask);
            pos.ins().shuffle(x, y, imm)
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

/// One decoded two-operand SSE instruction `[66] [REX] 0F map op modrm [sib] [disp] [imm8]`.
#[derive(Debug)]
struct Decoded {
    opcode: SseOpcode,
    rex: Option<u8>,
    /// ModRM through the displacement.
    operand: Vec<u8>,
    rip_relative: bool,
    len: usize,
}

/// Length of the ModRM operand (ModRM, SIB, displacement) at the start of `bytes`, and
/// whether it is RIP-relative.
fn modrm_len(bytes: &[u8]) -> Option<(usize, bool)> {
    let modrm = *bytes.first()?;
    let (md, rm) = (modrm >> 6, modrm & 7);
    let mut n = 1;
    let mut rip_relative = false;
    if md != 3 {
        if rm == 4 {
            let sib = *bytes.get(1)?;
            n += 1;
            if md == 0 && sib & 7 == 5 {
                n += 4;
            }
        } else if md == 0 && rm == 5 {
            rip_relative = true;
            n += 4;
        }
        n += match md {
            1 => 1,
            2 => 4,
            _ => 0,
        };
    }
    (bytes.len() >= n).then_some((n, rip_relative))
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
            let (n, _) = modrm_len(bytes.get(i + 1..)?)?;
            Some((i + 1 + n, None))
        }
        0x0f => match *bytes.get(i + 1)? {
            map @ (0x38 | 0x3a) => {
                let opcode = *bytes.get(i + 2)?;
                let (n, rip_relative) = modrm_len(bytes.get(i + 3..)?)?;
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
                    rip_relative,
                    len,
                });
                Some((len, sse))
            }
            // movups/movss/movsd, movaps, movd/movq, movdqa/movdqu, movq: loads, stores, moves.
            0x10 | 0x11 | 0x28 | 0x29 | 0x6e | 0x7e | 0x6f | 0x7f | 0xd6 => {
                let (n, _) = modrm_len(bytes.get(i + 2..)?)?;
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

/// The bytes of `inst` replacing the placeholder `old` (same length: a prefix dropped is made
/// up by a trailing NOP, with a RIP-relative displacement moved along).
fn reencode(old: &Decoded, inst: X86Inst) -> Result<Vec<u8>> {
    let enc = encoding(inst);
    let mut out = Vec::with_capacity(old.len);
    if enc.prefix66 {
        out.push(0x66);
    }
    out.extend(old.rex);
    out.extend([0x0f, enc.map, enc.opcode]);
    let disp_at = out.len() + 1;
    out.extend(&old.operand);
    if enc.map == 0x3a {
        out.push(inst.imm8().unwrap_or(0));
    }
    match old.len.checked_sub(out.len()) {
        Some(0) => {}
        Some(1) => {
            if old.rip_relative {
                // RIP-relative addresses count from the instruction's end, now a byte earlier.
                let d = i32::from_le_bytes(out[disp_at..disp_at + 4].try_into().unwrap());
                let d = d
                    .checked_add(1)
                    .ok_or_else(|| anyhow!("displacement overflow"))?;
                out[disp_at..disp_at + 4].copy_from_slice(&d.to_le_bytes());
            }
            out.push(0x90);
        }
        _ => bail!(
            "{inst} ({} bytes) does not fit its placeholder ({} bytes)",
            out.len(),
            old.len
        ),
    }
    Ok(out)
}

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
