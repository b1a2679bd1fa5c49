//! The AArch64 layer: the six SHA-1 instructions as ARM's pseudocode defines
//! them, over a register file of 32 128-bit SIMD&FP registers with the S and Q
//! views, plus an encoder and a decoder.

use std::fmt;

pub use spec::Mnemonic;

use crate::domain::{Bool3, Domain};

/// A decoded instruction: mnemonic and register numbers. `rm` is 0 for the
/// two-register forms.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct Inst {
    pub mnemonic: Mnemonic,
    pub rd: u8,
    pub rn: u8,
    pub rm: u8,
}

/// The instruction classes of the Cryptographic Extension used here.
/// Three-register SHA: `0101 1110 000 Rm 0 opc:3 00 Rn Rd`.
const SHA3_FIXED: u32 = 0x5e00_0000;
const SHA3_MASK: u32 = 0xffe0_8c00;
/// Two-register SHA: `0101 1110 0010 1000 0 opc:4 10 Rn Rd`.
const SHA2_FIXED: u32 = 0x5e28_0800;
const SHA2_MASK: u32 = 0xffff_0c00;

impl Inst {
    /// `m` with Rd=0, Rn=1, Rm=2 (Rm=0 for the two-register forms): the words
    /// ARM's traces in shared/isa were made for.
    pub fn canonical(m: Mnemonic) -> Inst {
        let rm = if matches!(m, Mnemonic::Sha1h | Mnemonic::Sha1su1) {
            0
        } else {
            2
        };
        Inst {
            mnemonic: m,
            rd: 0,
            rn: 1,
            rm,
        }
    }

    pub fn has_rm(&self) -> bool {
        !matches!(self.mnemonic, Mnemonic::Sha1h | Mnemonic::Sha1su1)
    }

    pub fn encode(&self) -> u32 {
        let (rd, rn, rm) = (
            self.rd as u32 & 31,
            self.rn as u32 & 31,
            self.rm as u32 & 31,
        );
        let three = |opc: u32| SHA3_FIXED | rm << 16 | opc << 12 | rn << 5 | rd;
        let two = |opc: u32| SHA2_FIXED | opc << 12 | rn << 5 | rd;
        match self.mnemonic {
            Mnemonic::Sha1c => three(0),
            Mnemonic::Sha1p => three(1),
            Mnemonic::Sha1m => three(2),
            Mnemonic::Sha1su0 => three(3),
            Mnemonic::Sha1h => two(0),
            Mnemonic::Sha1su1 => two(1),
        }
    }

    /// Decode one of the six; `None` for any other word.
    pub fn decode(word: u32) -> Option<Inst> {
        let rd = (word & 31) as u8;
        let rn = (word >> 5 & 31) as u8;
        if word & SHA3_MASK == SHA3_FIXED {
            let mnemonic = match word >> 12 & 7 {
                0 => Mnemonic::Sha1c,
                1 => Mnemonic::Sha1p,
                2 => Mnemonic::Sha1m,
                3 => Mnemonic::Sha1su0,
                _ => return None,
            };
            let rm = (word >> 16 & 31) as u8;
            return Some(Inst {
                mnemonic,
                rd,
                rn,
                rm,
            });
        }
        if word & SHA2_MASK == SHA2_FIXED {
            let mnemonic = match word >> 12 & 15 {
                0 => Mnemonic::Sha1h,
                1 => Mnemonic::Sha1su1,
                _ => return None,
            };
            return Some(Inst {
                mnemonic,
                rd,
                rn,
                rm: 0,
            });
        }
        None
    }
}

impl fmt::Display for Inst {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (d, n, m) = (self.rd, self.rn, self.rm);
        match self.mnemonic {
            Mnemonic::Sha1c | Mnemonic::Sha1p | Mnemonic::Sha1m => write!(
                f,
                "{} q{d}, s{n}, v{m}.4s",
                self.mnemonic.name().to_lowercase()
            ),
            Mnemonic::Sha1su0 => write!(f, "sha1su0 v{d}.4s, v{n}.4s, v{m}.4s"),
            Mnemonic::Sha1h => write!(f, "sha1h s{d}, s{n}"),
            Mnemonic::Sha1su1 => write!(f, "sha1su1 v{d}.4s, v{n}.4s"),
        }
    }
}

/// The SIMD&FP register file: `V[0..32]`, 128 bits each.
#[derive(Clone, Debug)]
pub struct RegFile<V> {
    pub v: Vec<V>,
}

impl<V: Clone> RegFile<V> {
    pub fn new(regs: Vec<V>) -> Self {
        assert_eq!(regs.len(), 32, "the register file has 32 registers");
        RegFile { v: regs }
    }
}

/// `V[n]` read through a view of `width` bits (Q: 128, S: 32): the low bits.
pub fn read_view<D: Domain>(d: &mut D, regs: &RegFile<D::V>, n: u8, width: u32) -> D::V {
    d.extract(&regs.v[n as usize], width - 1, 0)
}

/// `V[n] = value`: a narrower write zeroes the rest of the register.
pub fn write_view<D: Domain>(d: &mut D, regs: &mut RegFile<D::V>, n: u8, value: &D::V) {
    regs.v[n as usize] = d.zext(value, 128);
}

fn bool_function(m: Mnemonic) -> Bool3 {
    match m {
        Mnemonic::Sha1c => Bool3::Choose,
        Mnemonic::Sha1p => Bool3::Parity,
        _ => Bool3::Majority,
    }
}

/// Execute one instruction on the register file, as the ARM pseudocode does.
pub fn execute<D: Domain>(d: &mut D, inst: Inst, regs: &mut RegFile<D::V>) {
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
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodings_match_gnu_as() {
        // From `aarch64-linux-gnu-as` + objdump (shared/design/facts.md).
        let cases = [
            (Mnemonic::Sha1c, 0x5e020020),
            (Mnemonic::Sha1p, 0x5e021020),
            (Mnemonic::Sha1m, 0x5e022020),
            (Mnemonic::Sha1su0, 0x5e023020),
            (Mnemonic::Sha1h, 0x5e280820),
            (Mnemonic::Sha1su1, 0x5e281820),
        ];
        for (m, word) in cases {
            let rm = if matches!(m, Mnemonic::Sha1h | Mnemonic::Sha1su1) {
                0
            } else {
                2
            };
            let inst = Inst {
                mnemonic: m,
                rd: 0,
                rn: 1,
                rm,
            };
            assert_eq!(inst.encode(), word, "{inst}");
            assert_eq!(Inst::decode(word), Some(inst));
        }
    }

    #[test]
    fn decode_inverts_encode_for_all_registers() {
        for m in Mnemonic::ALL {
            for r in 0..32u8 {
                let rm = if matches!(m, Mnemonic::Sha1h | Mnemonic::Sha1su1) {
                    0
                } else {
                    31 - r
                };
                let inst = Inst {
                    mnemonic: m,
                    rd: r,
                    rn: (r + 7) % 32,
                    rm,
                };
                assert_eq!(Inst::decode(inst.encode()), Some(inst));
            }
        }
        // Neighbours in the encoding space are not SHA-1.
        assert_eq!(Inst::decode(0x5e024020), None); // sha256h
        assert_eq!(Inst::decode(0x5e282820), None); // sha256su0
        assert_eq!(Inst::decode(0x4e020020), None);
    }
}
