//! The AArch64 layer: the modelled instructions as ARM's pseudocode defines them, over a
//! register file of 32 128-bit SIMD&FP registers with the S and Q views, plus an encoder and
//! a decoder driven by the instruction table (`spec::isa`). Each family's pseudocode is a
//! submodule; [`execute`] dispatches to it.

mod aes;
mod pmull;
mod sha1;
mod sha256;

use std::fmt;

pub use spec::{Field, Mnemonic};

use crate::domain::Domain;

/// A decoded instruction: mnemonic and register numbers. Fields the instruction does not
/// have are 0.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct Inst {
    pub mnemonic: Mnemonic,
    pub rd: u8,
    pub rn: u8,
    pub rm: u8,
}

impl Inst {
    /// `m` with Rd=0, Rn=1, Rm=2 (for the fields it has): the words ARM's traces in
    /// shared/isa were made for.
    pub fn canonical(m: Mnemonic) -> Inst {
        let desc = m.desc();
        let n = |f: Field, r: u8| if desc.has_field(f) { r } else { 0 };
        Inst {
            mnemonic: m,
            rd: n(Field::Rd, 0),
            rn: n(Field::Rn, 1),
            rm: n(Field::Rm, 2),
        }
    }

    pub fn has_rm(&self) -> bool {
        self.mnemonic.desc().has_field(Field::Rm)
    }

    /// The register number in `field`.
    pub fn reg(&self, field: Field) -> u8 {
        match field {
            Field::Rd => self.rd,
            Field::Rn => self.rn,
            Field::Rm => self.rm,
        }
    }

    /// The distinct registers the instruction names, in ascending order.
    pub fn registers(&self) -> Vec<u8> {
        let mut regs: Vec<u8> = self
            .mnemonic
            .desc()
            .operands
            .iter()
            .map(|o| self.reg(o.field))
            .collect();
        regs.sort();
        regs.dedup();
        regs
    }

    pub fn encode(&self) -> u32 {
        let desc = self.mnemonic.desc();
        desc.operands.iter().fold(desc.fixed, |w, o| {
            w | (self.reg(o.field) as u32 & 31) << o.field.shift()
        })
    }

    /// Decode a word of the instruction table; `None` for any other word.
    pub fn decode(word: u32) -> Option<Inst> {
        let mnemonic = Mnemonic::of_word(word)?;
        let desc = mnemonic.desc();
        let get = |f: Field| if desc.has_field(f) { f.get(word) } else { 0 };
        Some(Inst {
            mnemonic,
            rd: get(Field::Rd),
            rn: get(Field::Rn),
            rm: get(Field::Rm),
        })
    }
}

impl fmt::Display for Inst {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = self
            .mnemonic
            .desc()
            .syntax
            .replace("{d}", &self.rd.to_string())
            .replace("{n}", &self.rn.to_string())
            .replace("{m}", &self.rm.to_string());
        f.write_str(&text)
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

/// Execute one instruction on the register file, as the ARM pseudocode does.
pub fn execute<D: Domain>(d: &mut D, inst: Inst, regs: &mut RegFile<D::V>) {
    use Mnemonic::*;
    match inst.mnemonic {
        Sha1c | Sha1p | Sha1m | Sha1h | Sha1su0 | Sha1su1 => sha1::execute(d, inst, regs),
        Sha256h | Sha256h2 | Sha256su0 | Sha256su1 => sha256::execute(d, inst, regs),
        Aese | Aesd | Aesmc | Aesimc => aes::execute(d, inst, regs),
        Pmull | Pmull2 => pmull::execute(d, inst, regs),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Each family's module checks its canonical words against GNU as with this.
    pub(super) fn check_gnu_as(cases: &[(Mnemonic, u32, &str)]) {
        for &(m, word, text) in cases {
            let inst = Inst::canonical(m);
            assert_eq!(inst.encode(), word, "{inst}");
            assert_eq!(Inst::decode(word), Some(inst));
            assert_eq!(inst.to_string(), text);
        }
    }

    #[test]
    fn decode_inverts_encode_for_all_registers() {
        for m in Mnemonic::all() {
            for r in 0..32u8 {
                let mut inst = Inst::canonical(m);
                inst.rd = r;
                inst.rn = (r + 7) % 32;
                if inst.has_rm() {
                    inst.rm = 31 - r;
                }
                assert_eq!(Inst::decode(inst.encode()), Some(inst));
            }
        }
        // Neighbours in the encoding space are not modelled instructions.
        assert_eq!(Inst::decode(0x5e027020), None); // three-register SHA, opc 7
        assert_eq!(Inst::decode(0x5e283820), None); // two-register SHA, opc 3
        assert_eq!(Inst::decode(0x4e020020), None); // tbl
    }
}
