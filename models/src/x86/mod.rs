//! The x86 layer: the SHA, AES and carry-less multiplication instructions of the x86-64
//! lowering (E), as Intel's SDM pseudocode defines them, over any `Domain`. Deliberately not
//! shared with the AArch64 or engine models: a third, independent formulation, checked against
//! this CPU's own instructions (`models/tests/x86_diff.rs`).
//!
//! Values are XMM registers (128 bits, byte `i` at bits `8i+7..8i`, dword `i` at
//! `32i+31..32i`), as the SDM's `SRC1[127:96]` notation reads them.

pub mod aes;
mod clmul;
pub mod code;
mod sha;

use std::fmt;

use crate::domain::Domain;

/// The modelled instructions; immediates are part of the instruction.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum X86Inst {
    /// `sha1rnds4 xmm1, xmm2, imm8`: four rounds, function and constant by `imm8[1:0]`.
    Sha1rnds4(u8),
    Sha1nexte,
    Sha1msg1,
    Sha1msg2,
    /// `sha256rnds2 xmm1, xmm2, <XMM0>`: two rounds, W+K in XMM0's low quadword.
    Sha256rnds2,
    Sha256msg1,
    Sha256msg2,
    Aesenc,
    Aesenclast,
    Aesdec,
    Aesdeclast,
    /// `aesimc xmm1, xmm2`: reads only its second operand.
    Aesimc,
    /// `pclmulqdq xmm1, xmm2, imm8`: `imm8[0]` picks xmm1's quadword, `imm8[4]` xmm2's.
    Pclmulqdq(u8),
}

impl X86Inst {
    /// Every instruction, each immediate the SDM distinguishes once.
    pub fn all() -> Vec<X86Inst> {
        use X86Inst::*;
        let mut v: Vec<X86Inst> = (0..4).map(Sha1rnds4).collect();
        v.extend([
            Sha1nexte,
            Sha1msg1,
            Sha1msg2,
            Sha256rnds2,
            Sha256msg1,
            Sha256msg2,
        ]);
        v.extend([Aesenc, Aesenclast, Aesdec, Aesdeclast, Aesimc]);
        v.extend([0x00, 0x01, 0x10, 0x11].map(Pclmulqdq));
        v
    }

    /// The mnemonic, lower case, without operands.
    pub fn mnemonic(self) -> &'static str {
        use X86Inst::*;
        match self {
            Sha1rnds4(_) => "sha1rnds4",
            Sha1nexte => "sha1nexte",
            Sha1msg1 => "sha1msg1",
            Sha1msg2 => "sha1msg2",
            Sha256rnds2 => "sha256rnds2",
            Sha256msg1 => "sha256msg1",
            Sha256msg2 => "sha256msg2",
            Aesenc => "aesenc",
            Aesenclast => "aesenclast",
            Aesdec => "aesdec",
            Aesdeclast => "aesdeclast",
            Aesimc => "aesimc",
            Pclmulqdq(_) => "pclmulqdq",
        }
    }

    /// The immediate byte, for the instructions that take one.
    pub fn imm8(self) -> Option<u8> {
        match self {
            X86Inst::Sha1rnds4(i) | X86Inst::Pclmulqdq(i) => Some(i),
            _ => None,
        }
    }

    /// The instruction named `mnemonic` with immediate `imm8` (required exactly when the
    /// instruction takes one; SHA1RNDS4 uses only bits 1:0, so 0..=3 are accepted, and
    /// PCLMULQDQ only bits 0 and 4).
    pub fn from_parts(mnemonic: &str, imm8: Option<u8>) -> Result<X86Inst, String> {
        let base = X86Inst::all()
            .into_iter()
            .find(|i| i.mnemonic() == mnemonic)
            .ok_or_else(|| {
                let mut names: Vec<&str> = X86Inst::all().iter().map(|i| i.mnemonic()).collect();
                names.dedup();
                format!(
                    "`{mnemonic}` is not a modelled x86 instruction ({})",
                    names.join(", ")
                )
            })?;
        match (base, imm8) {
            (X86Inst::Sha1rnds4(_), Some(i)) if i <= 3 => Ok(X86Inst::Sha1rnds4(i)),
            (X86Inst::Pclmulqdq(_), Some(i)) if i & !0x11 == 0 => Ok(X86Inst::Pclmulqdq(i)),
            (X86Inst::Sha1rnds4(_) | X86Inst::Pclmulqdq(_), Some(i)) => Err(format!(
                "{mnemonic}: immediate {i:#04x} is outside the modelled cases"
            )),
            (X86Inst::Sha1rnds4(_) | X86Inst::Pclmulqdq(_), None) => {
                Err(format!("{mnemonic} needs an immediate"))
            }
            (other, None) => Ok(other),
            (_, Some(_)) => Err(format!("{mnemonic} takes no immediate")),
        }
    }

    /// A number naming the instruction and its immediate (marker calls carry it).
    pub fn code(self) -> u32 {
        let all = X86Inst::all();
        let base = all
            .iter()
            .position(|i| i.mnemonic() == self.mnemonic())
            .expect("every instruction is in all()") as u32;
        (base << 8) | u32::from(self.imm8().unwrap_or(0))
    }

    pub fn from_code(code: u32) -> Option<X86Inst> {
        let base = *X86Inst::all().get((code >> 8) as usize)?;
        let imm = base.imm8().map(|_| (code & 0xff) as u8);
        if imm.is_none() && code & 0xff != 0 {
            return None;
        }
        X86Inst::from_parts(base.mnemonic(), imm).ok()
    }

    /// Whether the instruction reads XMM0 implicitly (SHA256RNDS2).
    pub fn reads_xmm0(self) -> bool {
        self == X86Inst::Sha256rnds2
    }
}

impl fmt::Display for X86Inst {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            X86Inst::Sha1rnds4(i) => write!(f, "sha1rnds4 xmm1, xmm2, {i}"),
            X86Inst::Pclmulqdq(i) => write!(f, "pclmulqdq xmm1, xmm2, {i:#04x}"),
            X86Inst::Sha256rnds2 => f.write_str("sha256rnds2 xmm1, xmm2, <xmm0>"),
            other => write!(f, "{} xmm1, xmm2", format!("{other:?}").to_lowercase()),
        }
    }
}

/// `inst` on `xmm1` (the destination's prior value, SRC1), `xmm2` (SRC2) and `xmm0` (only
/// SHA256RNDS2 reads it); the new value of xmm1.
pub fn execute<D: Domain>(d: &mut D, inst: X86Inst, xmm1: &D::V, xmm2: &D::V, xmm0: &D::V) -> D::V {
    use X86Inst::*;
    match inst {
        Sha1rnds4(imm) => sha::sha1rnds4(d, xmm1, xmm2, imm),
        Sha1nexte => sha::sha1nexte(d, xmm1, xmm2),
        Sha1msg1 => sha::sha1msg1(d, xmm1, xmm2),
        Sha1msg2 => sha::sha1msg2(d, xmm1, xmm2),
        Sha256rnds2 => sha::sha256rnds2(d, xmm1, xmm2, xmm0),
        Sha256msg1 => sha::sha256msg1(d, xmm1, xmm2),
        Sha256msg2 => sha::sha256msg2(d, xmm1, xmm2),
        Aesenc | Aesenclast | Aesdec | Aesdeclast | Aesimc => aes::execute(d, inst, xmm1, xmm2),
        Pclmulqdq(imm) => clmul::pclmulqdq(d, xmm1, xmm2, imm),
    }
}
