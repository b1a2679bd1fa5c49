//! The bit-vector domain every model is written against. A model written once
//! over `Domain` runs concretely (`Concrete`), symbolically (`term::Terms`), or
//! through a wrapper that plants a bug (`mutation::Mutant`).

use std::fmt;

use crate::bits::Bits;
use crate::table::Table;

#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    And,
    Or,
    Xor,
    /// Shifts take a same-width amount; amounts >= width shift everything out (SMT-LIB).
    Shl,
    Lshr,
    Ashr,
    /// Comparisons give a 1-bit result.
    Eq,
    Ult,
    Slt,
}

impl BinOp {
    pub fn smtlib(self) -> &'static str {
        match self {
            BinOp::Add => "bvadd",
            BinOp::Sub => "bvsub",
            BinOp::Mul => "bvmul",
            BinOp::And => "bvand",
            BinOp::Or => "bvor",
            BinOp::Xor => "bvxor",
            BinOp::Shl => "bvshl",
            BinOp::Lshr => "bvlshr",
            BinOp::Ashr => "bvashr",
            BinOp::Eq => "=",
            BinOp::Ult => "bvult",
            BinOp::Slt => "bvslt",
        }
    }

    pub fn is_comparison(self) -> bool {
        matches!(self, BinOp::Eq | BinOp::Ult | BinOp::Slt)
    }

    pub fn is_bitwise(self) -> bool {
        matches!(self, BinOp::And | BinOp::Or | BinOp::Xor)
    }

    pub fn eval(self, a: &Bits, b: &Bits) -> Bits {
        match self {
            BinOp::Add => a.add(b),
            BinOp::Sub => a.sub(b),
            BinOp::Mul => a.mul(b),
            BinOp::And => a.and(b),
            BinOp::Or => a.or(b),
            BinOp::Xor => a.xor(b),
            BinOp::Shl => a.shl(b),
            BinOp::Lshr => a.lshr(b),
            BinOp::Ashr => a.ashr(b),
            BinOp::Eq => Bits::bool(a == b),
            BinOp::Ult => Bits::bool(a.ult(b)),
            BinOp::Slt => Bits::bool(a.slt(b)),
        }
    }
}

/// The three SHA-1 boolean functions.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Bool3 {
    Choose,
    Parity,
    Majority,
}

impl Bool3 {
    /// Truth table: bit `x<<2 | y<<1 | z` is f(x, y, z).
    pub fn truth_table(self) -> u8 {
        let mut tt = 0;
        for i in 0..8u8 {
            let (x, y, z) = (i >> 2 & 1 == 1, i >> 1 & 1 == 1, i & 1 == 1);
            let v = match self {
                Bool3::Choose => (x && y) || (!x && z),
                Bool3::Parity => x ^ y ^ z,
                Bool3::Majority => (x && y) || (z && (x || y)),
            };
            tt |= (v as u8) << i;
        }
        tt
    }

    pub fn from_name(s: &str) -> Option<Bool3> {
        match s {
            "choose" => Some(Bool3::Choose),
            "parity" => Some(Bool3::Parity),
            "majority" => Some(Bool3::Majority),
            _ => None,
        }
    }
}

impl fmt::Display for Bool3 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Bool3::Choose => "choose",
            Bool3::Parity => "parity",
            Bool3::Majority => "majority",
        })
    }
}

pub trait Domain {
    type V: Clone + fmt::Debug;

    fn width(&self, v: &Self::V) -> u32;
    fn constant(&mut self, c: Bits) -> Self::V;
    fn extract(&mut self, v: &Self::V, hi: u32, lo: u32) -> Self::V;
    /// `hi` becomes the most significant part.
    fn concat(&mut self, hi: &Self::V, lo: &Self::V) -> Self::V;
    fn binary(&mut self, op: BinOp, a: &Self::V, b: &Self::V) -> Self::V;
    fn not(&mut self, a: &Self::V) -> Self::V;
    /// `c` is 1 bit wide.
    fn ite(&mut self, c: &Self::V, t: &Self::V, e: &Self::V) -> Self::V;

    /// The value if it is known to be a constant (addresses, branch
    /// conditions). Symbolic domains answer for variable-free terms.
    fn as_const(&self, _v: &Self::V) -> Option<Bits> {
        None
    }

    /// Rotate left by a constant. Overridable so a backend can emit one rotate.
    fn rotl(&mut self, v: &Self::V, n: u32) -> Self::V {
        let w = self.width(v);
        let n = n % w;
        if n == 0 {
            return v.clone();
        }
        let low = self.extract(v, w - n - 1, 0);
        let high = self.extract(v, w - 1, w - n);
        self.concat(&low, &high)
    }

    /// The SHA-1 boolean functions, written as ARM's pseudocode writes them
    /// (SHAchoose, SHAparity, SHAmajority).
    fn bool3(&mut self, f: Bool3, x: &Self::V, y: &Self::V, z: &Self::V) -> Self::V {
        match f {
            Bool3::Choose => {
                let t = self.xor(y, z);
                let t = self.and(&t, x);
                self.xor(&t, z)
            }
            Bool3::Parity => {
                let t = self.xor(x, y);
                self.xor(&t, z)
            }
            Bool3::Majority => {
                let xy = self.and(x, y);
                let x_or_y = self.or(x, y);
                let t = self.and(&x_or_y, z);
                self.or(&xy, &t)
            }
        }
    }

    /// `t` applied to the byte `x` (8 bits). The default computes it in GF(2^8) with the
    /// domain's own bit operations and no data-dependent lookup or branch (a domain that emits
    /// code, such as the CLIF one, gets constant-time code from it); symbolic and concrete
    /// domains override it to keep the table as one function.
    fn table(&mut self, t: Table, x: &Self::V) -> Self::V {
        gf::table(self, t, x)
    }

    /// The byte read at a symbolic address `addr` from a constant table in memory (`read(a)` is
    /// the byte at address `a`, if constant), as a known table applied to the byte the
    /// address is a function of. `None` when the domain cannot tell (concrete domains never
    /// see symbolic addresses).
    fn lookup(
        &mut self,
        _addr: &Self::V,
        _read: &mut dyn FnMut(u64) -> Option<u8>,
    ) -> Option<Self::V> {
        None
    }

    /// `t` applied to every byte of `v`.
    fn table_bytes(&mut self, t: Table, v: &Self::V) -> Self::V {
        gf::table_each_byte(self, t, v)
    }

    /// Every byte of `v` times 2 in GF(2^8) (AES's `xtime`). Overridable so a vector backend
    /// can do all bytes at once.
    fn xtime_bytes(&mut self, v: &Self::V) -> Self::V {
        gf::xtime_each_byte(self, v)
    }

    /// The 64 x 64 -> 128-bit carry-less product of `a` and `b` (polynomials over GF(2), bit
    /// `i` the coefficient of x^i). Overridable so a backend can emit a faster circuit for
    /// the same function; the verifier proves the emitted one equal to [`gf::clmul64`].
    fn clmul64(&mut self, a: &Self::V, b: &Self::V) -> Self::V {
        gf::clmul64(self, a, b)
    }

    fn lit(&mut self, width: u32, v: u128) -> Self::V {
        self.constant(Bits::from_u128(width, v))
    }
    fn add(&mut self, a: &Self::V, b: &Self::V) -> Self::V {
        self.binary(BinOp::Add, a, b)
    }
    fn and(&mut self, a: &Self::V, b: &Self::V) -> Self::V {
        self.binary(BinOp::And, a, b)
    }
    fn or(&mut self, a: &Self::V, b: &Self::V) -> Self::V {
        self.binary(BinOp::Or, a, b)
    }
    fn xor(&mut self, a: &Self::V, b: &Self::V) -> Self::V {
        self.binary(BinOp::Xor, a, b)
    }
    fn zext(&mut self, v: &Self::V, to: u32) -> Self::V {
        let w = self.width(v);
        if w == to {
            return v.clone();
        }
        let z = self.constant(Bits::zero(to - w));
        self.concat(&z, v)
    }
    /// Logical shift right by a constant.
    fn lshr_const(&mut self, v: &Self::V, n: u32) -> Self::V {
        let w = self.width(v);
        let amount = self.lit(w, n as u128);
        self.binary(BinOp::Lshr, v, &amount)
    }
    /// Lane `i` of `width`-bit lanes (lane 0 is the least significant).
    fn lane(&mut self, v: &Self::V, i: u32, width: u32) -> Self::V {
        self.extract(v, i * width + width - 1, i * width)
    }
    /// Build a vector from lanes given lane 0 first.
    #[allow(clippy::wrong_self_convention)] // `self` is the domain, not the value
    fn from_lanes(&mut self, lanes: &[Self::V]) -> Self::V {
        let mut acc = lanes[lanes.len() - 1].clone();
        for l in lanes[..lanes.len() - 1].iter().rev() {
            acc = self.concat(&acc, l);
        }
        acc
    }
}

/// Plain evaluation on concrete values.
#[derive(Default)]
pub struct Concrete;

impl Domain for Concrete {
    type V = Bits;
    fn width(&self, v: &Bits) -> u32 {
        v.width()
    }
    fn constant(&mut self, c: Bits) -> Bits {
        c
    }
    fn extract(&mut self, v: &Bits, hi: u32, lo: u32) -> Bits {
        v.extract(hi, lo)
    }
    fn concat(&mut self, hi: &Bits, lo: &Bits) -> Bits {
        hi.concat(lo)
    }
    fn binary(&mut self, op: BinOp, a: &Bits, b: &Bits) -> Bits {
        op.eval(a, b)
    }
    fn not(&mut self, a: &Bits) -> Bits {
        a.not()
    }
    fn ite(&mut self, c: &Bits, t: &Bits, e: &Bits) -> Bits {
        if c.is_zero() {
            *e
        } else {
            *t
        }
    }
    fn as_const(&self, v: &Bits) -> Option<Bits> {
        Some(*v)
    }
    fn table(&mut self, t: Table, x: &Bits) -> Bits {
        Bits::from_u64(8, t.apply(x.to_u64() as u8) as u64)
    }
}

/// The tables as GF(2^8) arithmetic over any domain: `Domain::table`'s default.
pub mod gf {
    use super::{BinOp, Domain};
    use crate::table::Table;

    /// `x * 2` modulo x^8 + x^4 + x^3 + x + 1: a shift, and 0x1b where the top bit was set.
    pub fn xtime<D: Domain + ?Sized>(d: &mut D, x: &D::V) -> D::V {
        let one = d.lit(8, 1);
        let shifted = d.binary(BinOp::Shl, x, &one);
        let top = d.extract(x, 7, 7);
        let poly = d.lit(8, 0x1b);
        let zero = d.lit(8, 0);
        let reduce = d.ite(&top, &poly, &zero);
        d.xor(&shifted, &reduce)
    }

    /// `xtime` on every byte of `v`: `Domain::xtime_bytes`'s default.
    pub fn xtime_each_byte<D: Domain + ?Sized>(d: &mut D, v: &D::V) -> D::V {
        let bytes: Vec<D::V> = (0..d.width(v) / 8)
            .map(|i| {
                let b = d.lane(v, i, 8);
                xtime(d, &b)
            })
            .collect();
        d.from_lanes(&bytes)
    }

    /// `x * c` as the XOR of `x * 2^i` for the bits of `c`.
    pub fn mul_const<D: Domain + ?Sized>(d: &mut D, x: &D::V, c: u8) -> D::V {
        let mut acc = d.lit(8, 0);
        let mut power = x.clone();
        for i in 0..8 {
            if c >> i & 1 == 1 {
                acc = d.xor(&acc, &power);
            }
            if c >> (i + 1) == 0 {
                break;
            }
            power = xtime(d, &power);
        }
        acc
    }

    /// `a * b` for two variable bytes: for each bit of `b`, XOR in `a * 2^i` masked by it.
    pub fn mul<D: Domain + ?Sized>(d: &mut D, a: &D::V, b: &D::V) -> D::V {
        let mut acc = d.lit(8, 0);
        let mut power = a.clone();
        let zero = d.lit(8, 0);
        for i in 0..8 {
            let bit = d.extract(b, i, i);
            let term = d.ite(&bit, &power, &zero);
            acc = d.xor(&acc, &term);
            if i < 7 {
                power = xtime(d, &power);
            }
        }
        acc
    }

    /// The inverse (0 to 0) as x^254 = x^(2+4+8+16+32+64+128).
    fn inverse<D: Domain + ?Sized>(d: &mut D, x: &D::V) -> D::V {
        let mut square = mul(d, x, x);
        let mut acc = square.clone();
        for _ in 0..6 {
            square = mul(d, &square, &square);
            acc = mul(d, &acc, &square);
        }
        acc
    }

    /// The affine map of SubBytes: b ^ rotl(b,1) ^ rotl(b,2) ^ rotl(b,3) ^ rotl(b,4) ^ 0x63.
    fn affine<D: Domain + ?Sized>(d: &mut D, b: &D::V) -> D::V {
        let mut acc = b.clone();
        for r in 1..=4 {
            let rot = d.rotl(b, r);
            acc = d.xor(&acc, &rot);
        }
        let c = d.lit(8, 0x63);
        d.xor(&acc, &c)
    }

    /// Its inverse: rotl(b,1) ^ rotl(b,3) ^ rotl(b,6) ^ 0x05.
    fn inverse_affine<D: Domain + ?Sized>(d: &mut D, b: &D::V) -> D::V {
        let r1 = d.rotl(b, 1);
        let r3 = d.rotl(b, 3);
        let r6 = d.rotl(b, 6);
        let t = d.xor(&r1, &r3);
        let t = d.xor(&t, &r6);
        let c = d.lit(8, 0x05);
        d.xor(&t, &c)
    }

    /// `Domain::clmul64`'s definition: the XOR of a * x^i over the set bits b_i, kept as two
    /// 64-bit halves so that every step is a word operation. The low half gets a << i, the high
    /// half the bits shifted out, a >> (64 - i). Selecting by a mask rather than branching keeps
    /// it one straight line in every domain.
    pub fn clmul64<D: Domain + ?Sized>(d: &mut D, a: &D::V, b: &D::V) -> D::V {
        let zero = d.lit(64, 0);
        let ones = d.lit(64, u64::MAX as u128);
        let (mut lo, mut hi) = (zero.clone(), zero.clone());
        for i in 0..64u32 {
            let bit = d.extract(b, i, i);
            let mask = d.ite(&bit, &ones, &zero);
            let k = d.lit(64, i as u128);
            let shifted = d.binary(BinOp::Shl, a, &k);
            let part = d.and(&shifted, &mask);
            lo = d.xor(&lo, &part);
            if i > 0 {
                let k = d.lit(64, (64 - i) as u128);
                let out = d.binary(BinOp::Lshr, a, &k);
                let part = d.and(&out, &mask);
                hi = d.xor(&hi, &part);
            }
        }
        d.concat(&hi, &lo)
    }

    /// `t` on every byte of `v`, one `Domain::table` per byte: `Domain::table_bytes`'s
    /// default, and the fallback of the domains that override it.
    pub fn table_each_byte<D: Domain + ?Sized>(d: &mut D, t: Table, v: &D::V) -> D::V {
        let bytes: Vec<D::V> = (0..d.width(v) / 8)
            .map(|i| {
                let b = d.lane(v, i, 8);
                d.table(t, &b)
            })
            .collect();
        d.from_lanes(&bytes)
    }

    pub fn table<D: Domain + ?Sized>(d: &mut D, t: Table, x: &D::V) -> D::V {
        match t {
            Table::Sbox => {
                let inv = inverse(d, x);
                affine(d, &inv)
            }
            Table::InvSbox => {
                let b = inverse_affine(d, x);
                inverse(d, &b)
            }
            Table::Mul(c) => mul_const(d, x, c),
        }
    }
}
