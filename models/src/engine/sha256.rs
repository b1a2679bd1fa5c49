//! SHA-256 (FIPS 180-4 section 6.2.2) in the engine's lane view: four rounds on the working
//! variables a..h, with W+K supplied per lane, and the two halves of the message schedule
//! W[t] = sigma1(W[t-2]) + W[t-7] + sigma0(W[t-15]) + W[t-16].

use spec::Mnemonic;

use super::lanes;
use crate::domain::{Bool3, Domain};

/// `ROTR^n(x)` of FIPS 180-4 on a 32-bit word.
fn rotr<D: Domain>(d: &mut D, x: &D::V, n: u32) -> D::V {
    d.rotl(x, (32 - n) % 32)
}

/// Upper-case sigma of FIPS 180-4 (4.4, 4.5): three rotations XORed.
fn big_sigma<D: Domain>(d: &mut D, x: &D::V, [a, b, c]: [u32; 3]) -> D::V {
    let ra = rotr(d, x, a);
    let rb = rotr(d, x, b);
    let rc = rotr(d, x, c);
    let t = d.xor(&ra, &rb);
    d.xor(&t, &rc)
}

/// Lower-case sigma (4.6, 4.7): two rotations and a shift, XORed.
fn small_sigma<D: Domain>(d: &mut D, x: &D::V, [a, b]: [u32; 2], shift: u32) -> D::V {
    let ra = rotr(d, x, a);
    let rb = rotr(d, x, b);
    let s = d.lshr_const(x, shift);
    let t = d.xor(&ra, &rb);
    d.xor(&t, &s)
}

/// Four rounds from `abcd`, `efgh` with `W[t] + K[t]` in the lanes of `wk`: the new
/// (a, b, c, d) and (e, f, g, h).
fn four_rounds<D: Domain>(
    d: &mut D,
    abcd: &D::V,
    efgh: &D::V,
    wk: &D::V,
) -> ([D::V; 4], [D::V; 4]) {
    let [mut a, mut b, mut c, mut dd] = lanes(d, abcd);
    let [mut e, mut f, mut g, mut h] = lanes(d, efgh);
    for w in lanes(d, wk) {
        // T1 = h + Sigma1(e) + Ch(e, f, g) + K[t] + W[t], summed oldest inputs first so the
        // generated code (the portable lowering) keeps the dependence on `e` short.
        let hw = d.add(&h, &w);
        let ch = d.bool3(Bool3::Choose, &e, &f, &g);
        let t1 = d.add(&hw, &ch);
        let s1 = big_sigma(d, &e, [6, 11, 25]);
        let t1 = d.add(&t1, &s1);
        // T2 = Sigma0(a) + Maj(a, b, c)
        let s0 = big_sigma(d, &a, [2, 13, 22]);
        let maj = d.bool3(Bool3::Majority, &a, &b, &c);
        let t2 = d.add(&s0, &maj);
        h = g;
        g = f;
        f = e;
        e = d.add(&dd, &t1);
        dd = c;
        c = b;
        b = a;
        a = d.add(&t1, &t2);
    }
    ([a, b, c, dd], [e, f, g, h])
}

pub(super) fn model<D: Domain>(d: &mut D, m: Mnemonic, params: &[D::V]) -> D::V {
    match m {
        // (hash_abcd, hash_efgh, wk) -> new abcd
        Mnemonic::Sha256h => {
            let (abcd, _) = four_rounds(d, &params[0], &params[1], &params[2]);
            d.from_lanes(&abcd)
        }
        // (hash_efgh, hash_abcd, wk) -> new efgh
        Mnemonic::Sha256h2 => {
            let (_, efgh) = four_rounds(d, &params[1], &params[0], &params[2]);
            d.from_lanes(&efgh)
        }
        // W[t-16] + sigma0(W[t-15]) for t = 16..19, from W[0..3] and W[4].
        Mnemonic::Sha256su0 => {
            let w0 = lanes(d, &params[0]);
            let w4 = d.lane(&params[1], 0, 32);
            let next = [w0[1].clone(), w0[2].clone(), w0[3].clone(), w4];
            let out: Vec<D::V> = (0..4)
                .map(|i| {
                    let s = small_sigma(d, &next[i], [7, 18], 3);
                    d.add(&w0[i], &s)
                })
                .collect();
            d.from_lanes(&out)
        }
        // + W[t-7] + sigma1(W[t-2]); W[t-2] of the last two words are the first two results.
        Mnemonic::Sha256su1 => {
            let tw = lanes(d, &params[0]);
            let w8 = lanes(d, &params[1]);
            let w12 = lanes(d, &params[2]);
            let minus7 = [w8[1].clone(), w8[2].clone(), w8[3].clone(), w12[0].clone()];
            let mut out: Vec<D::V> = Vec::new();
            for i in 0..4 {
                let minus2 = if i < 2 {
                    w12[i + 2].clone()
                } else {
                    out[i - 2].clone()
                };
                let t = d.add(&tw[i], &minus7[i]);
                let s = small_sigma(d, &minus2, [17, 19], 10);
                out.push(d.add(&t, &s));
            }
            d.from_lanes(&out)
        }
        other => unreachable!("{other} is not a SHA-256 instruction"),
    }
}
