//! AESE, AESD, AESMC, AESIMC as ARM's pseudocode writes them (the AES functions of ARM's
//! Armv9.4-A model): ShiftRows as a byte selection, SubBytes and MixColumns through the
//! S-box and the `FFmulNN` product tables.

use super::{read_view, write_view, Inst, Mnemonic, RegFile};
use crate::domain::Domain;
use crate::table::Table;

fn byte<D: Domain>(d: &mut D, v: &D::V, i: u32) -> D::V {
    d.lane(v, i, 8)
}

/// `AESShiftRows` / `AESInvShiftRows`: result byte `4c + r` is operand byte
/// `4((c ± r) mod 4) + r`.
fn shift_rows<D: Domain>(d: &mut D, op: &D::V, inverse: bool) -> D::V {
    let bytes: Vec<D::V> = (0..16)
        .map(|i| {
            let (c, r) = (i / 4, i % 4);
            let src = if inverse {
                (c + 4 - r) % 4
            } else {
                (c + r) % 4
            };
            byte(d, op, 4 * src + r)
        })
        .collect();
    d.from_lanes(&bytes)
}

/// `AESSubBytes` / `AESInvSubBytes`: the table on every byte.
fn sub_bytes<D: Domain>(d: &mut D, op: &D::V, t: Table) -> D::V {
    let bytes: Vec<D::V> = (0..16)
        .map(|i| {
            let b = byte(d, op, i);
            d.table(t, &b)
        })
        .collect();
    d.from_lanes(&bytes)
}

/// `AESMixColumns` / `AESInvMixColumns`: per column, output row `r` is the XOR of
/// `FFmul(coefficient[(k - r) mod 4])(in_k)`, coefficients (2, 3, 1, 1) or (14, 11, 13, 9).
fn mix_columns<D: Domain>(d: &mut D, op: &D::V, coefficients: [u8; 4]) -> D::V {
    let mut out = Vec::new();
    for c in 0..4u32 {
        let column: Vec<D::V> = (0..4).map(|r| byte(d, op, 4 * c + r)).collect();
        for r in 0..4usize {
            let mut acc: Option<D::V> = None;
            for k in 0..4usize {
                let coefficient = coefficients[(k + 4 - r) % 4];
                let term = match coefficient {
                    1 => column[k].clone(),
                    m => d.table(Table::Mul(m), &column[k]),
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

pub(super) fn execute<D: Domain>(d: &mut D, inst: Inst, regs: &mut RegFile<D::V>) {
    let result = match inst.mnemonic {
        Mnemonic::Aese | Mnemonic::Aesd => {
            let operand1 = read_view(d, regs, inst.rd, 128);
            let operand2 = read_view(d, regs, inst.rn, 128);
            let x = d.xor(&operand1, &operand2);
            let decrypt = inst.mnemonic == Mnemonic::Aesd;
            let shifted = shift_rows(d, &x, decrypt);
            let table = if decrypt { Table::InvSbox } else { Table::Sbox };
            sub_bytes(d, &shifted, table)
        }
        Mnemonic::Aesmc => {
            let operand = read_view(d, regs, inst.rn, 128);
            mix_columns(d, &operand, [2, 3, 1, 1])
        }
        Mnemonic::Aesimc => {
            let operand = read_view(d, regs, inst.rn, 128);
            mix_columns(d, &operand, [14, 11, 13, 9])
        }
        #[allow(unreachable_patterns)] // the other families' instructions
        other => unreachable!("{other} is not an AES instruction"),
    };
    write_view(d, regs, inst.rd, &result);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodings_match_gnu_as() {
        // `aarch64-linux-gnu-as` + objdump (shared/isa/aarch64-aes/README.md).
        super::super::tests::check_gnu_as(&[
            (Mnemonic::Aese, 0x4e284820, "aese v0.16b, v1.16b"),
            (Mnemonic::Aesd, 0x4e285820, "aesd v0.16b, v1.16b"),
            (Mnemonic::Aesmc, 0x4e286820, "aesmc v0.16b, v1.16b"),
            (Mnemonic::Aesimc, 0x4e287820, "aesimc v0.16b, v1.16b"),
        ]);
    }
}
