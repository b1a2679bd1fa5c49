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

/// One AES round on STATE = SRC1 with RoundKey = SRC2: encryption is ShiftRows, SubBytes,
/// MixColumns (not in the last round), then the key XOR; decryption the inverse steps in the
/// same order (the "equivalent inverse cipher" Intel's instructions implement).
pub(super) fn round<D: Domain>(d: &mut D, inst: X86Inst, src1: &D::V, key: &D::V) -> D::V {
    let decrypt = matches!(inst, X86Inst::Aesdec | X86Inst::Aesdeclast);
    let last = matches!(inst, X86Inst::Aesenclast | X86Inst::Aesdeclast);
    let s = shift_rows(d, src1, decrypt);
    let s = sub_bytes(d, &s, decrypt);
    let s = if last { s } else { mix_columns(d, &s, decrypt) };
    d.xor(&s, key)
}

/// AESIMC: InvMixColumns of SRC2 (turns an encryption round key into a decryption one).
pub(super) fn aesimc<D: Domain>(d: &mut D, src2: &D::V) -> D::V {
    mix_columns(d, src2, true)
}
