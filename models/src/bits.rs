//! Concrete bit-vectors up to 256 bits (the ARM traces use 160-bit values).

use std::fmt;

pub const MAX_WIDTH: u32 = 256;

/// A bit-vector value: `width` bits, little-endian 64-bit limbs, bits above
/// `width` always zero.
#[derive(Copy, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Bits {
    width: u32,
    limbs: [u64; 4],
}

impl Bits {
    pub fn zero(width: u32) -> Bits {
        assert!(
            (1..=MAX_WIDTH).contains(&width),
            "bit-vector width {width} out of range"
        );
        Bits {
            width,
            limbs: [0; 4],
        }
    }

    pub fn from_u128(width: u32, v: u128) -> Bits {
        let mut b = Bits::zero(width);
        b.limbs[0] = v as u64;
        b.limbs[1] = (v >> 64) as u64;
        b.masked()
    }

    pub fn from_u64(width: u32, v: u64) -> Bits {
        Bits::from_u128(width, v as u128)
    }

    pub fn ones(width: u32) -> Bits {
        Bits {
            width,
            limbs: [u64::MAX; 4],
        }
        .masked()
    }

    pub fn width(&self) -> u32 {
        self.width
    }

    /// The low 128 bits.
    pub fn to_u128(&self) -> u128 {
        (self.limbs[0] as u128) | ((self.limbs[1] as u128) << 64)
    }

    pub fn to_u64(&self) -> u64 {
        self.limbs[0]
    }

    pub fn is_zero(&self) -> bool {
        self.limbs == [0; 4]
    }

    pub fn is_ones(&self) -> bool {
        *self == Bits::ones(self.width)
    }

    pub fn bit(&self, i: u32) -> bool {
        (self.limbs[(i / 64) as usize] >> (i % 64)) & 1 == 1
    }

    fn masked(mut self) -> Bits {
        for i in 0..4 {
            let lo = i as u32 * 64;
            if lo >= self.width {
                self.limbs[i] = 0;
            } else if self.width - lo < 64 {
                self.limbs[i] &= (1u64 << (self.width - lo)) - 1;
            }
        }
        self
    }

    fn same(&self, o: &Bits) {
        assert_eq!(self.width, o.width, "bit-vector width mismatch");
    }

    pub fn add(&self, o: &Bits) -> Bits {
        self.same(o);
        let mut r = Bits::zero(self.width);
        let mut carry = 0u128;
        for i in 0..4 {
            let s = self.limbs[i] as u128 + o.limbs[i] as u128 + carry;
            r.limbs[i] = s as u64;
            carry = s >> 64;
        }
        r.masked()
    }

    pub fn not(&self) -> Bits {
        let mut r = *self;
        for l in &mut r.limbs {
            *l = !*l;
        }
        r.masked()
    }

    pub fn neg(&self) -> Bits {
        self.not().add(&Bits::from_u64(self.width, 1))
    }

    pub fn sub(&self, o: &Bits) -> Bits {
        self.add(&o.neg())
    }

    pub fn mul(&self, o: &Bits) -> Bits {
        self.same(o);
        let mut r = [0u64; 4];
        for i in 0..4 {
            let mut carry = 0u128;
            for j in 0..(4 - i) {
                let cur = r[i + j] as u128 + self.limbs[i] as u128 * o.limbs[j] as u128 + carry;
                r[i + j] = cur as u64;
                carry = cur >> 64;
            }
        }
        Bits {
            width: self.width,
            limbs: r,
        }
        .masked()
    }

    fn zip(&self, o: &Bits, f: impl Fn(u64, u64) -> u64) -> Bits {
        self.same(o);
        let mut r = *self;
        for i in 0..4 {
            r.limbs[i] = f(self.limbs[i], o.limbs[i]);
        }
        r
    }

    pub fn and(&self, o: &Bits) -> Bits {
        self.zip(o, |a, b| a & b)
    }
    pub fn or(&self, o: &Bits) -> Bits {
        self.zip(o, |a, b| a | b)
    }
    pub fn xor(&self, o: &Bits) -> Bits {
        self.zip(o, |a, b| a ^ b)
    }

    /// Shift amount as a number, saturated (SMT-LIB semantics: >= width gives all shifted out).
    fn amount(&self) -> u32 {
        if self.limbs[1..].iter().any(|&l| l != 0) || self.limbs[0] > MAX_WIDTH as u64 {
            MAX_WIDTH + 1
        } else {
            self.limbs[0] as u32
        }
    }

    pub fn shl_by(&self, n: u32) -> Bits {
        if n >= self.width {
            return Bits::zero(self.width);
        }
        let (words, bits) = ((n / 64) as usize, n % 64);
        let mut r = [0u64; 4];
        for i in (words..4).rev() {
            let src = i - words;
            r[i] = self.limbs[src] << bits;
            if bits > 0 && src > 0 {
                r[i] |= self.limbs[src - 1] >> (64 - bits);
            }
        }
        Bits {
            width: self.width,
            limbs: r,
        }
        .masked()
    }

    pub fn lshr_by(&self, n: u32) -> Bits {
        if n >= self.width {
            return Bits::zero(self.width);
        }
        let (words, bits) = ((n / 64) as usize, n % 64);
        let mut r = [0u64; 4];
        for (i, slot) in r.iter_mut().enumerate().take(4 - words) {
            let src = i + words;
            *slot = self.limbs[src] >> bits;
            if bits > 0 && src + 1 < 4 {
                *slot |= self.limbs[src + 1] << (64 - bits);
            }
        }
        Bits {
            width: self.width,
            limbs: r,
        }
    }

    pub fn shl(&self, o: &Bits) -> Bits {
        self.same(o);
        self.shl_by(o.amount())
    }

    pub fn lshr(&self, o: &Bits) -> Bits {
        self.same(o);
        self.lshr_by(o.amount())
    }

    pub fn ashr(&self, o: &Bits) -> Bits {
        self.same(o);
        let n = o.amount().min(self.width);
        let sign = self.bit(self.width - 1);
        let shifted = self.lshr_by(n);
        if !sign || n == 0 {
            return shifted;
        }
        shifted.or(&Bits::ones(self.width).shl_by(self.width - n))
    }

    pub fn extract(&self, hi: u32, lo: u32) -> Bits {
        assert!(
            hi >= lo && hi < self.width,
            "extract {hi}:{lo} of a {}-bit value",
            self.width
        );
        let w = hi - lo + 1;
        let s = self.lshr_by(lo);
        Bits {
            width: w,
            limbs: s.limbs,
        }
        .masked()
    }

    pub fn concat(&self, lo: &Bits) -> Bits {
        let w = self.width + lo.width;
        assert!(w <= MAX_WIDTH, "concat of {w} bits: wider than {MAX_WIDTH}");
        let hi = Bits {
            width: w,
            limbs: self.limbs,
        }
        .shl_by(lo.width);
        let lo = Bits {
            width: w,
            limbs: lo.limbs,
        };
        hi.or(&lo)
    }

    pub fn ult(&self, o: &Bits) -> bool {
        self.same(o);
        for i in (0..4).rev() {
            if self.limbs[i] != o.limbs[i] {
                return self.limbs[i] < o.limbs[i];
            }
        }
        false
    }

    pub fn slt(&self, o: &Bits) -> bool {
        let (sa, sb) = (self.bit(self.width - 1), o.bit(o.width - 1));
        if sa != sb {
            sa
        } else {
            self.ult(o)
        }
    }

    pub fn bool(b: bool) -> Bits {
        Bits::from_u64(1, b as u64)
    }

    /// SMT-LIB literal: `#x...` when the width is a multiple of 4, else `#b...`.
    pub fn smtlib(&self) -> String {
        if self.width.is_multiple_of(4) {
            let mut s = String::from("#x");
            for i in (0..self.width / 4).rev() {
                let nib = self.extract(i * 4 + 3, i * 4).to_u64();
                s.push(char::from_digit(nib as u32, 16).unwrap());
            }
            s
        } else {
            let mut s = String::from("#b");
            for i in (0..self.width).rev() {
                s.push(if self.bit(i) { '1' } else { '0' });
            }
            s
        }
    }

    /// Hex digits without prefix, most significant first, padded to the width.
    pub fn hex(&self) -> String {
        let digits = self.width.div_ceil(4);
        let mut s = String::new();
        for i in (0..digits).rev() {
            let hi = (i * 4 + 3).min(self.width - 1);
            s.push(char::from_digit(self.extract(hi, i * 4).to_u64() as u32, 16).unwrap());
        }
        s
    }

    /// Parse hex digits (no prefix) into a value of `width` bits.
    pub fn parse_hex(width: u32, text: &str) -> Option<Bits> {
        let text = text.trim_start_matches("0x");
        if text.is_empty() || text.len() as u32 > width.div_ceil(4) {
            return None;
        }
        let mut v = Bits::zero(width);
        for c in text.chars() {
            let d = c.to_digit(16)?;
            v = v.shl_by(4).or(&Bits::from_u64(width, d as u64));
        }
        Some(v)
    }
}

impl fmt::Debug for Bits {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.smtlib(), self.width)
    }
}

impl fmt::Display for Bits {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.smtlib())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn b32(v: u32) -> Bits {
        Bits::from_u64(32, v as u64)
    }

    proptest! {
        #[test]
        fn agrees_with_u32(a: u32, b: u32, s in 0u32..40) {
            prop_assert_eq!(b32(a).add(&b32(b)).to_u64() as u32, a.wrapping_add(b));
            prop_assert_eq!(b32(a).sub(&b32(b)).to_u64() as u32, a.wrapping_sub(b));
            prop_assert_eq!(b32(a).mul(&b32(b)).to_u64() as u32, a.wrapping_mul(b));
            let sh = b32(s);
            prop_assert_eq!(b32(a).shl(&sh).to_u64() as u32, a.checked_shl(s).unwrap_or(0));
            prop_assert_eq!(b32(a).lshr(&sh).to_u64() as u32, a.checked_shr(s).unwrap_or(0));
            prop_assert_eq!(b32(a).ashr(&sh).to_u64() as u32, ((a as i32) >> s.min(31)) as u32);
            prop_assert_eq!(b32(a).ult(&b32(b)), a < b);
            prop_assert_eq!(b32(a).slt(&b32(b)), (a as i32) < (b as i32));
        }

        #[test]
        fn wide_values_agree_with_u128(a: u128, b: u128, s in 0u32..140) {
            let (x, y) = (Bits::from_u128(128, a), Bits::from_u128(128, b));
            prop_assert_eq!(x.add(&y).to_u128(), a.wrapping_add(b));
            prop_assert_eq!(x.mul(&y).to_u128(), a.wrapping_mul(b));
            prop_assert_eq!(x.shl_by(s).to_u128(), a.checked_shl(s).unwrap_or(0));
            prop_assert_eq!(x.lshr_by(s).to_u128(), a.checked_shr(s).unwrap_or(0));
            // 160-bit concat then extract gets the parts back.
            let wide = Bits::from_u64(32, s as u64).concat(&x);
            prop_assert_eq!(wide.width(), 160);
            prop_assert_eq!(wide.extract(127, 0), x);
            prop_assert_eq!(wide.extract(159, 128).to_u64(), s as u64);
            prop_assert_eq!(Bits::parse_hex(160, &wide.hex()), Some(wide));
        }
    }
}
