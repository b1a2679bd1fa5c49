//! The AArch64 instructions the project models, as data: encoding, register operands (field,
//! view, read/write) and assembler syntax. Everything that encodes, decodes, prints or
//! allocates registers for an instruction reads this table, so an instruction is added here
//! once; its meaning is written in `models` (ARM pseudocode and the engine formulation).

use std::fmt;

use crate::{Field, View};

/// How an instruction uses one register operand.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum Access {
    Read,
    Write,
    /// Read and then overwritten (the tied accumulators `Qd`/`Vd` of the SHA instructions).
    ReadWrite,
}

impl Access {
    pub fn reads(self) -> bool {
        matches!(self, Access::Read | Access::ReadWrite)
    }

    pub fn writes(self) -> bool {
        matches!(self, Access::Write | Access::ReadWrite)
    }
}

/// One register operand of an instruction.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct Operand {
    pub field: Field,
    pub view: View,
    pub access: Access,
}

/// One instruction of the table.
#[derive(Debug)]
pub struct InstrDesc {
    pub mnemonic: Mnemonic,
    /// Upper-case name as ARM writes it (`SHA1SU0`).
    pub name: &'static str,
    /// The family directory of its ARM traces: `shared/isa/aarch64-<family>/<name>.smt`.
    pub family: &'static str,
    /// The encoding with every register field zero.
    pub fixed: u32,
    pub operands: &'static [Operand],
    /// Assembler syntax with `{d}`, `{n}`, `{m}` for the register numbers.
    pub syntax: &'static str,
}

impl InstrDesc {
    /// The bits that are not register fields: a word is this instruction iff
    /// `word & mask == fixed`.
    pub fn mask(&self) -> u32 {
        self.operands
            .iter()
            .fold(u32::MAX, |m, o| m & !(31 << o.field.shift()))
    }

    pub fn operand(&self, field: Field) -> Option<&Operand> {
        self.operands.iter().find(|o| o.field == field)
    }

    pub fn has_field(&self, field: Field) -> bool {
        self.operand(field).is_some()
    }

    /// The fields the instruction reads, in Rd, Rn, Rm order.
    pub fn read_fields(&self) -> Vec<Field> {
        Field::ALL
            .into_iter()
            .filter(|f| self.operand(*f).is_some_and(|o| o.access.reads()))
            .collect()
    }
}

/// The instructions of the table.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Mnemonic {
    Sha1c,
    Sha1p,
    Sha1m,
    Sha1h,
    Sha1su0,
    Sha1su1,
    Sha256h,
    Sha256h2,
    Sha256su0,
    Sha256su1,
    Aese,
    Aesd,
    Aesmc,
    Aesimc,
    Pmull,
    Pmull2,
}

const fn op(field: Field, view: View, access: Access) -> Operand {
    Operand {
        field,
        view,
        access,
    }
}

use Access::{Read as R, ReadWrite as RW, Write as W};
use Field::{Rd, Rm, Rn};
use View::{Full, D, S};

/// Three-register SHA (`0101 1110 000 Rm 0 opc 00 Rn Rd`) with a scalar hash operand:
/// SHA1C/P/M `Qd, Sn, Vm.4S`.
const SHA1_HASH: &[Operand] = &[op(Rd, Full, RW), op(Rn, S, R), op(Rm, Full, R)];
/// Three-register SHA with three vector operands, `Qd`/`Vd` read and written.
const VEC3_TIED: &[Operand] = &[op(Rd, Full, RW), op(Rn, Full, R), op(Rm, Full, R)];
/// Two-register SHA with `Vd` read and written.
const VEC2_TIED: &[Operand] = &[op(Rd, Full, RW), op(Rn, Full, R)];
/// `Vd` computed from `Vn` alone.
const VEC2_UNARY: &[Operand] = &[op(Rd, Full, W), op(Rn, Full, R)];

static TABLE: &[InstrDesc] = &[
    InstrDesc {
        mnemonic: Mnemonic::Sha1c,
        name: "SHA1C",
        family: "sha1",
        fixed: 0x5e00_0000,
        operands: SHA1_HASH,
        syntax: "sha1c q{d}, s{n}, v{m}.4s",
    },
    InstrDesc {
        mnemonic: Mnemonic::Sha1p,
        name: "SHA1P",
        family: "sha1",
        fixed: 0x5e00_1000,
        operands: SHA1_HASH,
        syntax: "sha1p q{d}, s{n}, v{m}.4s",
    },
    InstrDesc {
        mnemonic: Mnemonic::Sha1m,
        name: "SHA1M",
        family: "sha1",
        fixed: 0x5e00_2000,
        operands: SHA1_HASH,
        syntax: "sha1m q{d}, s{n}, v{m}.4s",
    },
    InstrDesc {
        mnemonic: Mnemonic::Sha1h,
        name: "SHA1H",
        family: "sha1",
        fixed: 0x5e28_0800,
        operands: &[op(Rd, S, W), op(Rn, S, R)],
        syntax: "sha1h s{d}, s{n}",
    },
    InstrDesc {
        mnemonic: Mnemonic::Sha1su0,
        name: "SHA1SU0",
        family: "sha1",
        fixed: 0x5e00_3000,
        operands: VEC3_TIED,
        syntax: "sha1su0 v{d}.4s, v{n}.4s, v{m}.4s",
    },
    InstrDesc {
        mnemonic: Mnemonic::Sha1su1,
        name: "SHA1SU1",
        family: "sha1",
        fixed: 0x5e28_1800,
        operands: VEC2_TIED,
        syntax: "sha1su1 v{d}.4s, v{n}.4s",
    },
    InstrDesc {
        mnemonic: Mnemonic::Sha256h,
        name: "SHA256H",
        family: "sha256",
        fixed: 0x5e00_4000,
        operands: VEC3_TIED,
        syntax: "sha256h q{d}, q{n}, v{m}.4s",
    },
    InstrDesc {
        mnemonic: Mnemonic::Sha256h2,
        name: "SHA256H2",
        family: "sha256",
        fixed: 0x5e00_5000,
        operands: VEC3_TIED,
        syntax: "sha256h2 q{d}, q{n}, v{m}.4s",
    },
    InstrDesc {
        mnemonic: Mnemonic::Sha256su0,
        name: "SHA256SU0",
        family: "sha256",
        fixed: 0x5e28_2800,
        operands: VEC2_TIED,
        syntax: "sha256su0 v{d}.4s, v{n}.4s",
    },
    InstrDesc {
        mnemonic: Mnemonic::Sha256su1,
        name: "SHA256SU1",
        family: "sha256",
        fixed: 0x5e00_6000,
        operands: VEC3_TIED,
        syntax: "sha256su1 v{d}.4s, v{n}.4s, v{m}.4s",
    },
    InstrDesc {
        mnemonic: Mnemonic::Aese,
        name: "AESE",
        family: "aes",
        fixed: 0x4e28_4800,
        operands: VEC2_TIED,
        syntax: "aese v{d}.16b, v{n}.16b",
    },
    InstrDesc {
        mnemonic: Mnemonic::Aesd,
        name: "AESD",
        family: "aes",
        fixed: 0x4e28_5800,
        operands: VEC2_TIED,
        syntax: "aesd v{d}.16b, v{n}.16b",
    },
    InstrDesc {
        mnemonic: Mnemonic::Aesmc,
        name: "AESMC",
        family: "aes",
        fixed: 0x4e28_6800,
        operands: VEC2_UNARY,
        syntax: "aesmc v{d}.16b, v{n}.16b",
    },
    InstrDesc {
        mnemonic: Mnemonic::Aesimc,
        name: "AESIMC",
        family: "aes",
        fixed: 0x4e28_7800,
        operands: VEC2_UNARY,
        syntax: "aesimc v{d}.16b, v{n}.16b",
    },
    InstrDesc {
        mnemonic: Mnemonic::Pmull,
        name: "PMULL",
        family: "pmull",
        fixed: 0x0ee0_e000,
        operands: &[op(Rd, Full, W), op(Rn, D, R), op(Rm, D, R)],
        syntax: "pmull v{d}.1q, v{n}.1d, v{m}.1d",
    },
    InstrDesc {
        mnemonic: Mnemonic::Pmull2,
        name: "PMULL2",
        family: "pmull",
        // Reads the upper halves; the whole register is the operand the encoding names.
        fixed: 0x4ee0_e000,
        operands: &[op(Rd, Full, W), op(Rn, Full, R), op(Rm, Full, R)],
        syntax: "pmull2 v{d}.1q, v{n}.2d, v{m}.2d",
    },
];

impl Mnemonic {
    /// Every instruction of the table, in table order.
    pub fn all() -> impl Iterator<Item = Mnemonic> {
        TABLE.iter().map(|d| d.mnemonic)
    }

    /// Position in the instruction table (stable within one build; engine-internal
    /// identifiers use it, never anything persisted).
    pub fn index(self) -> u32 {
        TABLE
            .iter()
            .position(|d| d.mnemonic == self)
            .expect("every mnemonic has a row in the instruction table") as u32
    }

    pub fn from_index(index: u32) -> Option<Mnemonic> {
        TABLE.get(index as usize).map(|d| d.mnemonic)
    }

    pub fn desc(self) -> &'static InstrDesc {
        TABLE
            .iter()
            .find(|d| d.mnemonic == self)
            .expect("every mnemonic has a row in the instruction table")
    }

    pub fn name(self) -> &'static str {
        self.desc().name
    }

    pub fn family(self) -> &'static str {
        self.desc().family
    }

    pub fn from_name(s: &str) -> Option<Mnemonic> {
        TABLE
            .iter()
            .find(|d| d.name.eq_ignore_ascii_case(s))
            .map(|d| d.mnemonic)
    }

    /// The instruction whose fixed bits `word` has, if any.
    pub fn of_word(word: u32) -> Option<Mnemonic> {
        TABLE
            .iter()
            .find(|d| word & d.mask() == d.fixed)
            .map(|d| d.mnemonic)
    }
}

impl fmt::Display for Mnemonic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_bits_leave_the_register_fields_clear_and_no_two_rows_overlap() {
        for d in TABLE {
            assert_eq!(d.fixed & !d.mask(), 0, "{}", d.name);
            for o in TABLE {
                if o.mnemonic != d.mnemonic {
                    // A word of `d` (any registers) is never a word of `o`.
                    let common = d.mask() & o.mask();
                    assert_ne!(
                        d.fixed & common,
                        o.fixed & common,
                        "{} / {}",
                        d.name,
                        o.name
                    );
                }
            }
        }
    }

    #[test]
    fn names_round_trip() {
        for m in Mnemonic::all() {
            assert_eq!(Mnemonic::from_name(&m.name().to_lowercase()), Some(m));
        }
    }
}
