//! PCLMULQDQ (SDM vol. 2): TEMP1 := SRC1 quadword `imm8[0]`, TEMP2 := SRC2 quadword
//! `imm8[4]`; DEST[i] := XOR over j of (TEMP1[j] AND TEMP2[i - j]), bit 127 zero. Computed as
//! the XOR of TEMP1 shifted left by each set bit position of TEMP2 (the same sum, by rows).

use crate::domain::{BinOp, Domain};

fn quadword<D: Domain>(d: &mut D, v: &D::V, high: bool) -> D::V {
    if high {
        d.extract(v, 127, 64)
    } else {
        d.extract(v, 63, 0)
    }
}

pub(super) fn pclmulqdq<D: Domain>(d: &mut D, src1: &D::V, src2: &D::V, imm: u8) -> D::V {
    let t1 = quadword(d, src1, imm & 0x01 != 0);
    let t2 = quadword(d, src2, imm & 0x10 != 0);
    let wide = d.zext(&t1, 128);
    let zero = d.lit(128, 0);
    let mut acc = zero.clone();
    for j in 0..64u32 {
        let bit = d.extract(&t2, j, j);
        let k = d.lit(128, j as u128);
        let shifted = d.binary(BinOp::Shl, &wide, &k);
        let term = d.ite(&bit, &shifted, &zero);
        acc = d.xor(&acc, &term);
    }
    acc
}
