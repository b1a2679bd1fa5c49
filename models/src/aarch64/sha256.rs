//! SHA256H, SHA256H2, SHA256SU0, SHA256SU1 as ARM's pseudocode writes them: the 4-round
//! `SHA256hash` on two 128-bit halves rotated as one 256-bit value, and the schedule
//! functions on `T` vectors assembled from the operands.

use super::{read_view, write_view, Inst, Mnemonic, RegFile};
use crate::domain::{BinOp, Bool3, Domain};

/// `ROR(x, n)` of the pseudocode, as a left rotation.
fn ror<D: Domain>(d: &mut D, x: &D::V, n: u32) -> D::V {
    let w = d.width(x);
    d.rotl(x, (w - n % w) % w)
}

/// SHAhashSIGMA0 / SHAhashSIGMA1: three rotations XORed.
fn hash_sigma<D: Domain>(d: &mut D, x: &D::V, [a, b, c]: [u32; 3]) -> D::V {
    let ra = ror(d, x, a);
    let rb = ror(d, x, b);
    let rc = ror(d, x, c);
    let t = d.binary(BinOp::Xor, &ra, &rb);
    d.binary(BinOp::Xor, &t, &rc)
}

/// The schedule's sigma: two rotations and a logical shift right, XORed.
fn schedule_sigma<D: Domain>(d: &mut D, x: &D::V, [a, b]: [u32; 2], shift: u32) -> D::V {
    let ra = ror(d, x, a);
    let rb = ror(d, x, b);
    let s = d.lshr_const(x, shift);
    let t = d.binary(BinOp::Xor, &ra, &rb);
    d.binary(BinOp::Xor, &t, &s)
}

/// `SHA256hash(X, Y, W, part1)`: X holds a..d, Y holds e..h.
fn sha256_hash<D: Domain>(d: &mut D, x: D::V, y: D::V, w: &D::V, part1: bool) -> D::V {
    let (mut x, mut y) = (x, y);
    for e in 0..4 {
        let (y0, y1, y2) = (
            d.extract(&y, 31, 0),
            d.extract(&y, 63, 32),
            d.extract(&y, 95, 64),
        );
        let chs = d.bool3(Bool3::Choose, &y0, &y1, &y2);
        let (x0, x1, x2) = (
            d.extract(&x, 31, 0),
            d.extract(&x, 63, 32),
            d.extract(&x, 95, 64),
        );
        let maj = d.bool3(Bool3::Majority, &x0, &x1, &x2);
        // t = Y<127:96> + SHAhashSIGMA1(Y<31:0>) + chs + Elem[W, e, 32]
        let y3 = d.extract(&y, 127, 96);
        let s1 = hash_sigma(d, &y0, [6, 11, 25]);
        let we = d.lane(w, e, 32);
        let t = d.add(&y3, &s1);
        let t = d.add(&t, &chs);
        let t = d.add(&t, &we);
        // X<127:96> = t + X<127:96>
        let x3 = d.extract(&x, 127, 96);
        let x3 = d.add(&t, &x3);
        let x_low = d.extract(&x, 95, 0);
        x = d.concat(&x3, &x_low);
        // Y<127:96> = t + SHAhashSIGMA0(X<31:0>) + maj
        let s0 = hash_sigma(d, &x0, [2, 13, 22]);
        let y3 = d.add(&t, &s0);
        let y3 = d.add(&y3, &maj);
        let y_low = d.extract(&y, 95, 0);
        y = d.concat(&y3, &y_low);
        // TMP = ROL(Y : X, 32); Y = TMP<255:128>; X = TMP<127:0>
        let yx = d.concat(&y, &x);
        let yx = d.rotl(&yx, 32);
        y = d.extract(&yx, 255, 128);
        x = d.extract(&yx, 127, 0);
    }
    if part1 {
        x
    } else {
        y
    }
}

pub(super) fn execute<D: Domain>(d: &mut D, inst: Inst, regs: &mut RegFile<D::V>) {
    let operand1 = read_view(d, regs, inst.rd, 128);
    let operand2 = read_view(d, regs, inst.rn, 128);
    let result = match inst.mnemonic {
        Mnemonic::Sha256h => {
            let operand3 = read_view(d, regs, inst.rm, 128);
            sha256_hash(d, operand1, operand2, &operand3, true)
        }
        Mnemonic::Sha256h2 => {
            let operand3 = read_view(d, regs, inst.rm, 128);
            sha256_hash(d, operand2, operand1, &operand3, false)
        }
        Mnemonic::Sha256su0 => {
            // T = operand2<31:0> : operand1<127:32>
            let hi = d.extract(&operand2, 31, 0);
            let lo = d.extract(&operand1, 127, 32);
            let t = d.concat(&hi, &lo);
            let lanes: Vec<D::V> = (0..4)
                .map(|e| {
                    let elt = d.lane(&t, e, 32);
                    let elt = schedule_sigma(d, &elt, [7, 18], 3);
                    let o = d.lane(&operand1, e, 32);
                    d.add(&elt, &o)
                })
                .collect();
            d.from_lanes(&lanes)
        }
        Mnemonic::Sha256su1 => {
            let operand3 = read_view(d, regs, inst.rm, 128);
            // T0 = operand3<31:0> : operand2<127:32>; T1 = operand3<127:64>
            let hi = d.extract(&operand3, 31, 0);
            let lo = d.extract(&operand2, 127, 32);
            let t0 = d.concat(&hi, &lo);
            let mut t1 = d.extract(&operand3, 127, 64);
            let mut lanes: Vec<D::V> = Vec::new();
            for e in 0..4u32 {
                if e == 2 {
                    // T1 = result<63:0>
                    t1 = d.concat(&lanes[1], &lanes[0]);
                }
                let elt = d.lane(&t1, e % 2, 32);
                let elt = schedule_sigma(d, &elt, [17, 19], 10);
                let o = d.lane(&operand1, e, 32);
                let t = d.lane(&t0, e, 32);
                let elt = d.add(&elt, &o);
                lanes.push(d.add(&elt, &t));
            }
            d.from_lanes(&lanes)
        }
        other => unreachable!("{other} is not a SHA-256 instruction"),
    };
    write_view(d, regs, inst.rd, &result);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodings_match_gnu_as() {
        // `aarch64-linux-gnu-as` + objdump (shared/isa/aarch64-sha256/README.md).
        super::super::tests::check_gnu_as(&[
            (Mnemonic::Sha256h, 0x5e024020, "sha256h q0, q1, v2.4s"),
            (Mnemonic::Sha256h2, 0x5e025020, "sha256h2 q0, q1, v2.4s"),
            (Mnemonic::Sha256su0, 0x5e282820, "sha256su0 v0.4s, v1.4s"),
            (
                Mnemonic::Sha256su1,
                0x5e026020,
                "sha256su1 v0.4s, v1.4s, v2.4s",
            ),
        ]);
    }
}
