//! SHA1C, SHA1P, SHA1M, SHA1H, SHA1SU0, SHA1SU1 as ARM's pseudocode writes them.

use super::{read_view, write_view, Inst, Mnemonic, RegFile};
use crate::domain::{Bool3, Domain};

fn bool_function(m: Mnemonic) -> Bool3 {
    match m {
        Mnemonic::Sha1c => Bool3::Choose,
        Mnemonic::Sha1p => Bool3::Parity,
        _ => Bool3::Majority,
    }
}

pub(super) fn execute<D: Domain>(d: &mut D, inst: Inst, regs: &mut RegFile<D::V>) {
    match inst.mnemonic {
        Mnemonic::Sha1c | Mnemonic::Sha1p | Mnemonic::Sha1m => {
            // X = V[d]; Y = V[n] (S view); W = V[m]
            let mut x = read_view(d, regs, inst.rd, 128);
            let mut y = read_view(d, regs, inst.rn, 32);
            let w = read_view(d, regs, inst.rm, 128);
            let f = bool_function(inst.mnemonic);
            for e in 0..4 {
                let x1 = d.extract(&x, 63, 32);
                let x2 = d.extract(&x, 95, 64);
                let x3 = d.extract(&x, 127, 96);
                let t = d.bool3(f, &x1, &x2, &x3);
                // Y = Y + ROL(X<31:0>, 5) + t + Elem[W, e, 32]
                let x0 = d.extract(&x, 31, 0);
                let r = d.rotl(&x0, 5);
                let we = d.lane(&w, e, 32);
                y = d.add(&y, &r);
                y = d.add(&y, &t);
                y = d.add(&y, &we);
                // X<63:32> = ROL(X<63:32>, 30)
                let rotated = d.rotl(&x1, 30);
                let top = d.extract(&x, 127, 64);
                let bottom = d.extract(&x, 31, 0);
                let upper = d.concat(&top, &rotated);
                x = d.concat(&upper, &bottom);
                // <Y, X> = ROL(Y:X, 32)
                let yx = d.concat(&y, &x);
                let yx = d.rotl(&yx, 32);
                y = d.extract(&yx, 159, 128);
                x = d.extract(&yx, 127, 0);
            }
            write_view(d, regs, inst.rd, &x);
        }
        Mnemonic::Sha1h => {
            let operand = read_view(d, regs, inst.rn, 32);
            let r = d.rotl(&operand, 30);
            write_view(d, regs, inst.rd, &r);
        }
        Mnemonic::Sha1su0 => {
            let op1 = read_view(d, regs, inst.rd, 128);
            let op2 = read_view(d, regs, inst.rn, 128);
            let op3 = read_view(d, regs, inst.rm, 128);
            // result = operand2<63:0> : operand1<127:64>
            let hi = d.extract(&op2, 63, 0);
            let lo = d.extract(&op1, 127, 64);
            let result = d.concat(&hi, &lo);
            let result = d.xor(&result, &op1);
            let result = d.xor(&result, &op3);
            write_view(d, regs, inst.rd, &result);
        }
        Mnemonic::Sha1su1 => {
            let op1 = read_view(d, regs, inst.rd, 128);
            let op2 = read_view(d, regs, inst.rn, 128);
            // T = operand1 EOR LSR(operand2, 32)
            let shifted = d.lshr_const(&op2, 32);
            let t = d.xor(&op1, &shifted);
            let lane = |d: &mut D, i: u32| d.lane(&t, i, 32);
            let t0 = lane(d, 0);
            let mut out = Vec::new();
            for i in 0..4 {
                let ti = lane(d, i);
                out.push(d.rotl(&ti, 1));
            }
            let extra = d.rotl(&t0, 2);
            out[3] = d.xor(&out[3], &extra);
            let result = d.from_lanes(&out);
            write_view(d, regs, inst.rd, &result);
        }
        #[allow(unreachable_patterns)] // the other families' instructions
        other => unreachable!("{other} is not a SHA-1 instruction"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodings_match_gnu_as() {
        // `aarch64-linux-gnu-as` + objdump (shared/design/facts.md).
        super::super::tests::check_gnu_as(&[
            (Mnemonic::Sha1c, 0x5e020020, "sha1c q0, s1, v2.4s"),
            (Mnemonic::Sha1p, 0x5e021020, "sha1p q0, s1, v2.4s"),
            (Mnemonic::Sha1m, 0x5e022020, "sha1m q0, s1, v2.4s"),
            (Mnemonic::Sha1su0, 0x5e023020, "sha1su0 v0.4s, v1.4s, v2.4s"),
            (Mnemonic::Sha1h, 0x5e280820, "sha1h s0, s1"),
            (Mnemonic::Sha1su1, 0x5e281820, "sha1su1 v0.4s, v1.4s"),
        ]);
    }
}
