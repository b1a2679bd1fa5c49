//! SHA1RNDS4, SHA1NEXTE, SHA1MSG1, SHA1MSG2, SHA256RNDS2, SHA256MSG1, SHA256MSG2 (SDM vol. 2).

use crate::domain::{BinOp, Bool3, Domain};

/// `SRC[32i+31:32i]`.
fn dword<D: Domain>(d: &mut D, v: &D::V, i: u32) -> D::V {
    d.lane(v, i, 32)
}

/// DEST from its dwords, high (127:96) first, as the SDM lists them.
fn dwords_high_first<D: Domain>(d: &mut D, high_first: [D::V; 4]) -> D::V {
    let [w3, w2, w1, w0] = high_first;
    d.from_lanes(&[w0, w1, w2, w3])
}

fn ror<D: Domain>(d: &mut D, x: &D::V, n: u32) -> D::V {
    d.rotl(x, 32 - n)
}

fn shr<D: Domain>(d: &mut D, x: &D::V, n: u32) -> D::V {
    let k = d.lit(32, n as u128);
    d.binary(BinOp::Lshr, x, &k)
}

fn xor3<D: Domain>(d: &mut D, a: &D::V, b: &D::V, c: &D::V) -> D::V {
    let ab = d.xor(a, b);
    d.xor(&ab, c)
}

fn add_all<D: Domain>(d: &mut D, terms: &[D::V]) -> D::V {
    let mut acc = terms[0].clone();
    for t in &terms[1..] {
        acc = d.add(&acc, t);
    }
    acc
}

/// SHA1RNDS4: A, B, C, D from SRC1 (A in 127:96), W0+E, W1, W2, W3 from SRC2 (127:96 first);
/// `imm8[1:0]` picks f0..f3 (Choose, Parity, Majority, Parity) and K0..K3.
pub(super) fn sha1rnds4<D: Domain>(d: &mut D, src1: &D::V, src2: &D::V, imm: u8) -> D::V {
    const K: [u32; 4] = [0x5A82_7999, 0x6ED9_EBA1, 0x8F1B_BCDC, 0xCA62_C1D6];
    let f = [Bool3::Choose, Bool3::Parity, Bool3::Majority, Bool3::Parity][(imm & 3) as usize];
    let k = d.lit(32, K[(imm & 3) as usize] as u128);
    let (mut a, mut b, mut c, mut dd) = (
        dword(d, src1, 3),
        dword(d, src1, 2),
        dword(d, src1, 1),
        dword(d, src1, 0),
    );
    let w = [
        dword(d, src2, 3),
        dword(d, src2, 2),
        dword(d, src2, 1),
        dword(d, src2, 0),
    ];
    let mut e: Option<D::V> = None; // round 0 has E folded into W0 (W0E)
    for wi in &w {
        let fv = d.bool3(f, &b, &c, &dd);
        let ra = d.rotl(&a, 5);
        let mut terms = vec![fv, ra, wi.clone(), k.clone()];
        if let Some(e) = &e {
            terms.push(e.clone());
        }
        let a_next = add_all(d, &terms);
        let c_next = d.rotl(&b, 30);
        e = Some(dd);
        dd = c;
        c = c_next;
        b = a;
        a = a_next;
    }
    dwords_high_first(d, [a, b, c, dd])
}

/// SHA1NEXTE: DEST[127:96] := SRC2[127:96] + (SRC1[127:96] ROL 30); DEST[95:0] := SRC2[95:0].
pub(super) fn sha1nexte<D: Domain>(d: &mut D, src1: &D::V, src2: &D::V) -> D::V {
    let a = dword(d, src1, 3);
    let tmp = d.rotl(&a, 30);
    let top = dword(d, src2, 3);
    let sum = d.add(&top, &tmp);
    let rest = d.extract(src2, 95, 0);
    d.concat(&sum, &rest)
}

/// SHA1MSG1: with W0..W3 = SRC1 (127:96 first) and W4, W5 = SRC2[127:64]:
/// DEST = W2^W0 : W3^W1 : W4^W2 : W5^W3.
pub(super) fn sha1msg1<D: Domain>(d: &mut D, src1: &D::V, src2: &D::V) -> D::V {
    let w0 = dword(d, src1, 3);
    let w1 = dword(d, src1, 2);
    let w2 = dword(d, src1, 1);
    let w3 = dword(d, src1, 0);
    let w4 = dword(d, src2, 3);
    let w5 = dword(d, src2, 2);
    let r3 = d.xor(&w2, &w0);
    let r2 = d.xor(&w3, &w1);
    let r1 = d.xor(&w4, &w2);
    let r0 = d.xor(&w5, &w3);
    dwords_high_first(d, [r3, r2, r1, r0])
}

/// SHA1MSG2: W13..W15 = SRC2[95:0] (95:64 first); W16 := (SRC1[127:96] ^ W13) ROL 1,
/// W17 := (SRC1[95:64] ^ W14) ROL 1, W18 := (SRC1[63:32] ^ W15) ROL 1,
/// W19 := (SRC1[31:0] ^ W16) ROL 1; DEST = W16 : W17 : W18 : W19.
pub(super) fn sha1msg2<D: Domain>(d: &mut D, src1: &D::V, src2: &D::V) -> D::V {
    let w13 = dword(d, src2, 2);
    let w14 = dword(d, src2, 1);
    let w15 = dword(d, src2, 0);
    let step = |d: &mut D, lane: u32, w: &D::V| {
        let s = dword(d, src1, lane);
        let x = d.xor(&s, w);
        d.rotl(&x, 1)
    };
    let w16 = step(d, 3, &w13);
    let w17 = step(d, 2, &w14);
    let w18 = step(d, 1, &w15);
    let w19 = step(d, 0, &w16);
    dwords_high_first(d, [w16, w17, w18, w19])
}

fn big_sigma0<D: Domain>(d: &mut D, x: &D::V) -> D::V {
    let (a, b, c) = (ror(d, x, 2), ror(d, x, 13), ror(d, x, 22));
    xor3(d, &a, &b, &c)
}

fn big_sigma1<D: Domain>(d: &mut D, x: &D::V) -> D::V {
    let (a, b, c) = (ror(d, x, 6), ror(d, x, 11), ror(d, x, 25));
    xor3(d, &a, &b, &c)
}

fn small_sigma0<D: Domain>(d: &mut D, x: &D::V) -> D::V {
    let (a, b, c) = (ror(d, x, 7), ror(d, x, 18), shr(d, x, 3));
    xor3(d, &a, &b, &c)
}

fn small_sigma1<D: Domain>(d: &mut D, x: &D::V) -> D::V {
    let (a, b, c) = (ror(d, x, 17), ror(d, x, 19), shr(d, x, 10));
    xor3(d, &a, &b, &c)
}

/// SHA256RNDS2: A, B, E, F from SRC2 (127:96, 95:64, 63:32, 31:0), C, D, G, H from SRC1 the
/// same way; WK0, WK1 = XMM0[31:0], XMM0[63:32]; two rounds; DEST = A2 : B2 : E2 : F2.
pub(super) fn sha256rnds2<D: Domain>(d: &mut D, src1: &D::V, src2: &D::V, xmm0: &D::V) -> D::V {
    let (mut a, mut b, mut e, mut f) = (
        dword(d, src2, 3),
        dword(d, src2, 2),
        dword(d, src2, 1),
        dword(d, src2, 0),
    );
    let (mut c, mut dd, mut g, mut h) = (
        dword(d, src1, 3),
        dword(d, src1, 2),
        dword(d, src1, 1),
        dword(d, src1, 0),
    );
    for i in 0..2 {
        let wk = dword(d, xmm0, i);
        let ch = d.bool3(Bool3::Choose, &e, &f, &g);
        let s1 = big_sigma1(d, &e);
        let t1 = add_all(d, &[ch, s1, wk, h.clone()]);
        let maj = d.bool3(Bool3::Majority, &a, &b, &c);
        let s0 = big_sigma0(d, &a);
        let a_next = add_all(d, &[t1.clone(), maj, s0]);
        let e_next = d.add(&t1, &dd);
        h = g;
        g = f;
        f = e;
        e = e_next;
        dd = c;
        c = b;
        b = a;
        a = a_next;
    }
    dwords_high_first(d, [a, b, e, f])
}

/// SHA256MSG1: W0..W3 = SRC1 (31:0 first), W4 = SRC2[31:0];
/// DEST[32i+31:32i] := W_i + σ0(W_(i+1)).
pub(super) fn sha256msg1<D: Domain>(d: &mut D, src1: &D::V, src2: &D::V) -> D::V {
    let mut w: Vec<D::V> = (0..4).map(|i| dword(d, src1, i)).collect();
    w.push(dword(d, src2, 0));
    let lanes: Vec<D::V> = (0..4)
        .map(|i| {
            let s = small_sigma0(d, &w[i + 1]);
            d.add(&w[i], &s)
        })
        .collect();
    d.from_lanes(&lanes)
}

/// SHA256MSG2: W14 = SRC2[95:64], W15 = SRC2[127:96]; W16 := SRC1[31:0] + σ1(W14),
/// W17 := SRC1[63:32] + σ1(W15), W18 := SRC1[95:64] + σ1(W16), W19 := SRC1[127:96] + σ1(W17);
/// DEST = W19 : W18 : W17 : W16.
pub(super) fn sha256msg2<D: Domain>(d: &mut D, src1: &D::V, src2: &D::V) -> D::V {
    let w14 = dword(d, src2, 2);
    let w15 = dword(d, src2, 3);
    let step = |d: &mut D, lane: u32, w: &D::V| {
        let s = small_sigma1(d, w);
        let x = dword(d, src1, lane);
        d.add(&x, &s)
    };
    let w16 = step(d, 0, &w14);
    let w17 = step(d, 1, &w15);
    let w18 = step(d, 2, &w16);
    let w19 = step(d, 3, &w17);
    dwords_high_first(d, [w19, w18, w17, w16])
}
