//! PMULL and PMULL2 (64 x 64 -> 128) as ARM's pseudocode writes them: `PolynomialMult`, a loop
//! XORing the shifted second operand in for each set bit of the first.

use super::{read_view, write_view, Inst, Mnemonic, RegFile};
use crate::domain::{BinOp, Domain};

/// `PolynomialMult(op1, op2)` for 64-bit operands.
fn polynomial_mult<D: Domain>(d: &mut D, op1: &D::V, op2: &D::V) -> D::V {
    let mut result = d.lit(128, 0);
    let extended = d.zext(op2, 128);
    for i in 0..64 {
        let bit = d.extract(op1, i, i);
        let amount = d.lit(128, i as u128);
        let shifted = d.binary(BinOp::Shl, &extended, &amount);
        let with = d.xor(&result, &shifted);
        result = d.ite(&bit, &with, &result);
    }
    result
}

pub(super) fn execute<D: Domain>(d: &mut D, inst: Inst, regs: &mut RegFile<D::V>) {
    // Vpart[n, part]: part 0 is bits 63:0 (PMULL), part 1 bits 127:64 (PMULL2).
    let part = |d: &mut D, regs: &RegFile<D::V>, r: u8| {
        let v = read_view(d, regs, r, 128);
        match inst.mnemonic {
            Mnemonic::Pmull2 => d.extract(&v, 127, 64),
            _ => d.extract(&v, 63, 0),
        }
    };
    let operand1 = part(d, regs, inst.rn);
    let operand2 = part(d, regs, inst.rm);
    let result = polynomial_mult(d, &operand1, &operand2);
    write_view(d, regs, inst.rd, &result);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodings_match_gnu_as() {
        // `aarch64-linux-gnu-as` + objdump (shared/isa/aarch64-pmull/README.md).
        super::super::tests::check_gnu_as(&[
            (Mnemonic::Pmull, 0x0ee2e020, "pmull v0.1q, v1.1d, v2.1d"),
            (Mnemonic::Pmull2, 0x4ee2e020, "pmull2 v0.1q, v1.2d, v2.2d"),
        ]);
    }
}
