//! SHA-1 (FIPS 180-4 section 6.1.2): four rounds, the fixed rotate of `e`, and the two halves
//! of the message schedule.

use spec::Mnemonic;

use super::lanes;
use crate::domain::{Bool3, Domain};

pub(super) fn model<D: Domain>(d: &mut D, m: Mnemonic, params: &[D::V]) -> D::V {
    match m {
        Mnemonic::Sha1c | Mnemonic::Sha1p | Mnemonic::Sha1m => {
            let f = match m {
                Mnemonic::Sha1c => Bool3::Choose,
                Mnemonic::Sha1p => Bool3::Parity,
                _ => Bool3::Majority,
            };
            let [mut a, mut b, mut c, mut dd] = lanes(d, &params[0]);
            // Only lane 0 of the `e` operand is read.
            let mut e = d.lane(&params[1], 0, 32);
            let wk = lanes(d, &params[2]);
            for w in &wk {
                // T = ROTL5(a) + f(b, c, d) + e + W[t], summed oldest inputs
                // first: generated code (the engine's portable lowering) then
                // has a two-operation critical path per round, not four.
                let fb = d.bool3(f, &b, &c, &dd);
                let ew = d.add(&e, w);
                let t = d.add(&ew, &fb);
                let rot_a = d.rotl(&a, 5);
                let t = d.add(&t, &rot_a);
                e = dd;
                dd = c;
                c = d.rotl(&b, 30);
                b = a;
                a = t;
            }
            d.from_lanes(&[a, b, c, dd])
        }
        Mnemonic::Sha1h => {
            // The fixed rotate of `e` between rounds; the other lanes are zero.
            let e = d.lane(&params[0], 0, 32);
            let r = d.rotl(&e, 30);
            let zero = d.lit(32, 0);
            d.from_lanes(&[r, zero.clone(), zero.clone(), zero])
        }
        Mnemonic::Sha1su0 => {
            // W[t-16..] ^ W[t-14..] ^ W[t-8..] part of the schedule.
            let w0 = lanes(d, &params[0]);
            let w4 = lanes(d, &params[1]);
            let w8 = lanes(d, &params[2]);
            let mid = [w0[2].clone(), w0[3].clone(), w4[0].clone(), w4[1].clone()];
            let out: Vec<D::V> = (0..4)
                .map(|i| {
                    let t = d.xor(&w0[i], &mid[i]);
                    d.xor(&t, &w8[i])
                })
                .collect();
            d.from_lanes(&out)
        }
        Mnemonic::Sha1su1 => {
            // W[t] = ROTL1(partial ^ W[t-3]); the last lane needs W[t] of lane 0.
            let tw = lanes(d, &params[0]);
            let w12 = lanes(d, &params[1]);
            let t0 = d.xor(&tw[0], &w12[1]);
            let t1 = d.xor(&tw[1], &w12[2]);
            let t2 = d.xor(&tw[2], &w12[3]);
            let r0 = d.rotl(&t0, 1);
            let r1 = d.rotl(&t1, 1);
            let r2 = d.rotl(&t2, 1);
            let t3 = d.xor(&tw[3], &r0);
            let r3 = d.rotl(&t3, 1);
            d.from_lanes(&[r0, r1, r2, r3])
        }
        #[allow(unreachable_patterns)] // the other families' instructions
        other => unreachable!("{other} is not a SHA-1 instruction"),
    }
}
