//! AESENC, AESENCLAST, AESDEC, AESDECLAST, AESIMC (SDM vol. 2 and Intel's AES-NI white paper:
//! the state is the 16 bytes of the XMM register, byte `4c + r` in column `c`, row `r`).

use super::X86Inst;
use crate::domain::Domain;
use crate::table::Table;

fn bytes<D: Domain>(d: &mut D, v: &D::V) -> Vec<D::V> {
    (0..16).map(|i| d.lane(v, i, 8)).collect()
}

/// ShiftRows: row `r` rotates left by `r` columns (InvShiftRows: right). Output byte
/// `4c + r` is input byte `4((c + r) mod 4) + r` (`4((c - r) mod 4) + r`).
fn shift_rows<D: Domain>(d: &mut D, state: &D::V, inverse: bool) -> D::V {
    let b = bytes(d, state);
    let out: Vec<D::V> = (0..16usize)
        .map(|i| {
            let (c, r) = (i / 4, i % 4);
            let from = if inverse {
                (c + 4 - r) % 4
            } else {
                (c + r) % 4
            };
            b[4 * from + r].clone()
        })
        .collect();
    d.from_lanes(&out)
}

fn sub_bytes<D: Domain>(d: &mut D, state: &D::V, inverse: bool) -> D::V {
    let t = if inverse { Table::InvSbox } else { Table::Sbox };
    let out: Vec<D::V> = bytes(d, state).iter().map(|b| d.table(t, b)).collect();
    d.from_lanes(&out)
}

/// MixColumns: each column times the circulant matrix with first row (02 03 01 01);
/// InvMixColumns: (0e 0b 0d 09).
fn mix_columns<D: Domain>(d: &mut D, state: &D::V, inverse: bool) -> D::V {
    let row: [u8; 4] = if inverse {
        [14, 11, 13, 9]
    } else {
        [2, 3, 1, 1]
    };
    let b = bytes(d, state);
    let mut out = Vec::with_capacity(16);
    for c in 0..4 {
        for r in 0..4 {
            let mut acc: Option<D::V> = None;
            for k in 0..4 {
                let x = &b[4 * c + k];
                let term = match row[(k + 4 - r) % 4] {
                    1 => x.clone(),
                    m => d.table(Table::Mul(m), x),
                };
                acc = Some(match acc {
                    None => term,
                    Some(a) => d.xor(&a, &term),
                });
            }
            out.push(acc.expect("four terms"));
        }
    }
    d.from_lanes(&out)
}

/// The steps of the AES instructions, each a function of the whole state: what an
/// instruction does is a list of them ([`steps`]), and the model runs exactly that list, so a
/// proof that reasons about the steps (translation validation treats each as an opaque
/// function) reasons about the model.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum AesStep {
    /// ShiftRows then SubBytes (they commute: one permutes bytes, the other maps each byte).
    ShiftSub,
    InvShiftSub,
    MixColumns,
    InvMixColumns,
}

impl AesStep {
    pub fn name(self) -> &'static str {
        match self {
            AesStep::ShiftSub => "ShiftRows+SubBytes",
            AesStep::InvShiftSub => "InvShiftRows+InvSubBytes",
            AesStep::MixColumns => "MixColumns",
            AesStep::InvMixColumns => "InvMixColumns",
        }
    }
}

/// What `inst` computes as steps: the steps applied in order to its state operand, and
/// whether the round key (SRC2) is XORed at the end. A round's state is SRC1; AESIMC's is
/// SRC2 (and it has no key). `None` for instructions that are not AES.
///
/// Encryption is ShiftRows, SubBytes, MixColumns (not in the last round), then the key XOR;
/// decryption the inverse steps in the same order (the "equivalent inverse cipher" Intel's
/// instructions implement).
pub fn steps(inst: X86Inst) -> Option<(&'static [AesStep], bool)> {
    use AesStep::*;
    Some(match inst {
        X86Inst::Aesenc => (&[ShiftSub, MixColumns], true),
        X86Inst::Aesenclast => (&[ShiftSub], true),
        X86Inst::Aesdec => (&[InvShiftSub, InvMixColumns], true),
        X86Inst::Aesdeclast => (&[InvShiftSub], true),
        X86Inst::Aesimc => (&[InvMixColumns], false),
        _ => return None,
    })
}

/// One step on a 128-bit state.
pub fn step<D: Domain>(d: &mut D, step: AesStep, state: &D::V) -> D::V {
    match step {
        AesStep::ShiftSub | AesStep::InvShiftSub => {
            let inverse = step == AesStep::InvShiftSub;
            let s = shift_rows(d, state, inverse);
            sub_bytes(d, &s, inverse)
        }
        AesStep::MixColumns => mix_columns(d, state, false),
        AesStep::InvMixColumns => mix_columns(d, state, true),
    }
}

/// An AES instruction on SRC1 and SRC2, through its [`steps`].
pub(super) fn execute<D: Domain>(d: &mut D, inst: X86Inst, src1: &D::V, src2: &D::V) -> D::V {
    let (list, key) = steps(inst).expect("an AES instruction");
    let mut s = if key { src1.clone() } else { src2.clone() };
    for &st in list {
        s = step(d, st, &s);
    }
    if key {
        d.xor(&s, src2)
    } else {
        s
    }
}
