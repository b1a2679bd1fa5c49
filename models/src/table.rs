//! Byte functions given by their 256 entries: AES's S-boxes and its products in GF(2^8).
//! Models apply them with `Domain::table`; symbolic terms keep them as one shared function of
//! the byte (like SHA-1's Choose), and every interpretation that needs their values computes
//! the entries here from the field's definition (FIPS-197 section 4 and 5.1.1), not from a
//! copied constant. ARM's traces carry the same functions as literal tables, which the trace
//! reader identifies by comparing all 256 entries.

use std::fmt;

/// A known byte function.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Table {
    /// AES SubBytes: the multiplicative inverse in GF(2^8), then the affine map.
    Sbox,
    /// InvSubBytes.
    InvSbox,
    /// Multiplication by a constant in GF(2^8) modulo x^8 + x^4 + x^3 + x + 1.
    Mul(u8),
}

/// Product in GF(2^8) modulo the AES polynomial (0x11b), shift-and-add.
pub fn gf_mul(a: u8, b: u8) -> u8 {
    let (mut a, mut b, mut p) = (a, b, 0u8);
    while b != 0 {
        if b & 1 != 0 {
            p ^= a;
        }
        let carry = a & 0x80 != 0;
        a <<= 1;
        if carry {
            a ^= 0x1b;
        }
        b >>= 1;
    }
    p
}

/// The multiplicative inverse (0 maps to 0): x^254.
fn gf_inv(x: u8) -> u8 {
    let mut r = 1u8;
    for _ in 0..254 {
        r = gf_mul(r, x);
    }
    r
}

fn sbox(x: u8) -> u8 {
    let b = gf_inv(x);
    // b_i ^ b_{i+4} ^ b_{i+5} ^ b_{i+6} ^ b_{i+7} ^ c_i with c = 0x63.
    b ^ b.rotate_left(1) ^ b.rotate_left(2) ^ b.rotate_left(3) ^ b.rotate_left(4) ^ 0x63
}

impl Table {
    /// The tables the AES models use.
    pub const ALL: [Table; 8] = [
        Table::Sbox,
        Table::InvSbox,
        Table::Mul(2),
        Table::Mul(3),
        Table::Mul(9),
        Table::Mul(11),
        Table::Mul(13),
        Table::Mul(14),
    ];

    /// The 256 entries (computed once per table and cached).
    pub fn entries(self) -> [u8; 256] {
        static CACHE: std::sync::OnceLock<Vec<(Table, [u8; 256])>> = std::sync::OnceLock::new();
        let cache =
            CACHE.get_or_init(|| Table::ALL.into_iter().map(|t| (t, t.compute())).collect());
        match cache.iter().find(|(t, _)| *t == self) {
            Some((_, e)) => *e,
            None => self.compute(),
        }
    }

    fn compute(self) -> [u8; 256] {
        let mut t = [0u8; 256];
        match self {
            Table::Sbox => {
                for (x, e) in t.iter_mut().enumerate() {
                    *e = sbox(x as u8);
                }
            }
            Table::InvSbox => {
                for x in 0..=255u8 {
                    t[sbox(x) as usize] = x;
                }
            }
            Table::Mul(c) => {
                for (x, e) in t.iter_mut().enumerate() {
                    *e = gf_mul(x as u8, c);
                }
            }
        }
        t
    }

    pub fn apply(self, x: u8) -> u8 {
        self.entries()[x as usize]
    }

    /// The known table with exactly these entries.
    pub fn identify(entries: &[u8; 256]) -> Option<Table> {
        Table::ALL.into_iter().find(|t| &t.entries() == entries)
    }

    /// Its name in SMT-LIB text and reports.
    pub fn name(self) -> String {
        match self {
            Table::Sbox => "sbox".into(),
            Table::InvSbox => "inv_sbox".into(),
            Table::Mul(c) => format!("gf_mul{c}"),
        }
    }
}

impl fmt::Display for Table {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fips_197_values() {
        // FIPS-197 figure 7 and section 4.2 examples.
        assert_eq!(Table::Sbox.apply(0x00), 0x63);
        assert_eq!(Table::Sbox.apply(0x53), 0xed);
        assert_eq!(Table::Sbox.apply(0xff), 0x16);
        assert_eq!(Table::InvSbox.apply(0xed), 0x53);
        assert_eq!(gf_mul(0x57, 0x83), 0xc1);
        assert_eq!(gf_mul(0x57, 0x13), 0xfe);
        let sbox = Table::Sbox.entries();
        let mut seen = [false; 256];
        for e in sbox {
            seen[e as usize] = true;
        }
        assert!(seen.iter().all(|&s| s), "the S-box is a permutation");
        for t in Table::ALL {
            assert_eq!(Table::identify(&t.entries()), Some(t));
        }
    }
}
