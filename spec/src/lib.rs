//! The single source of truth: each intrinsic family is a TOML file under
//! `spec/intrinsics/`, parsed here into validated types. Every other crate
//! (models, verifier, engine, the C-layer generator) reads the spec through
//! this crate, so a fact is written once.
//!
//! Errors name the file, the line and the field, because spec authors edit
//! these files by hand.

mod parse;
mod prototype;

use std::fmt;
use std::path::{Path, PathBuf};

pub use prototype::{CType, Param, Prototype};

/// Directory holding the checked-in spec files.
pub fn spec_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("intrinsics")
}

/// Load the spec of one family (`sha1`) from the checked-in spec directory.
pub fn load_family(family: &str) -> anyhow::Result<Spec> {
    let path = spec_dir().join(format!("{family}.toml"));
    if !path.exists() {
        anyhow::bail!(
            "unknown intrinsic family `{family}`: no spec file {}",
            path.display()
        );
    }
    Spec::load(&path)
}

/// A validated family spec.
#[derive(Clone, Debug)]
pub struct Spec {
    pub path: PathBuf,
    pub family: String,
    /// Import module of every engine intrinsic of this family.
    pub import_module: String,
    pub intrinsics: Vec<Intrinsic>,
    pub helpers: Vec<Helper>,
}

impl Spec {
    pub fn load(path: &Path) -> anyhow::Result<Spec> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| anyhow::anyhow!("cannot read spec file {}: {e}", path.display()))?;
        Spec::parse(path, &text)
    }

    /// Parse spec text; `path` is only used in error messages.
    pub fn parse(path: &Path, text: &str) -> anyhow::Result<Spec> {
        parse::parse(path, text)
    }

    pub fn intrinsic(&self, name: &str) -> Option<&Intrinsic> {
        self.intrinsics.iter().find(|i| i.name == name)
    }

    pub fn helper(&self, name: &str) -> Option<&Helper> {
        self.helpers.iter().find(|h| h.name == name)
    }
}

/// The six AArch64 SHA-1 instructions.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Mnemonic {
    Sha1c,
    Sha1p,
    Sha1m,
    Sha1h,
    Sha1su0,
    Sha1su1,
}

impl Mnemonic {
    pub const ALL: [Mnemonic; 6] = [
        Mnemonic::Sha1c,
        Mnemonic::Sha1p,
        Mnemonic::Sha1m,
        Mnemonic::Sha1h,
        Mnemonic::Sha1su0,
        Mnemonic::Sha1su1,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Mnemonic::Sha1c => "SHA1C",
            Mnemonic::Sha1p => "SHA1P",
            Mnemonic::Sha1m => "SHA1M",
            Mnemonic::Sha1h => "SHA1H",
            Mnemonic::Sha1su0 => "SHA1SU0",
            Mnemonic::Sha1su1 => "SHA1SU1",
        }
    }

    pub fn from_name(s: &str) -> Option<Mnemonic> {
        Mnemonic::ALL
            .into_iter()
            .find(|m| m.name().eq_ignore_ascii_case(s))
    }
}

impl fmt::Display for Mnemonic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A register field of an instruction encoding.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum Field {
    Rd,
    Rn,
    Rm,
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Field::Rd => "Rd",
            Field::Rn => "Rn",
            Field::Rm => "Rm",
        })
    }
}

/// How an operand views its SIMD&FP register.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum View {
    /// The whole 128-bit register (`Qd`, `Vd.4S`, or a bare `Vd` for engine bindings).
    Full,
    /// The low 32 bits (`Sn`). Reads take bits 31:0; writes zero bits 127:32.
    S,
}

/// An operand register in ACLE notation, e.g. `Qd`, `Sn`, `Vm.4S`.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct RegRef {
    pub field: Field,
    pub view: View,
}

impl RegRef {
    pub fn parse(s: &str) -> Option<RegRef> {
        let (base, suffix) = match s.split_once('.') {
            Some((b, suf)) => (b, Some(suf)),
            None => (s, None),
        };
        let mut chars = base.chars();
        let kind = chars.next()?;
        let field = match chars.as_str() {
            "d" => Field::Rd,
            "n" => Field::Rn,
            "m" => Field::Rm,
            _ => return None,
        };
        let view = match (kind, suffix) {
            ('Q', None) | ('V', None) | ('V', Some("4S")) | ('V', Some("16B")) => View::Full,
            ('S', None) => View::S,
            _ => return None,
        };
        Some(RegRef { field, view })
    }
}

impl fmt::Display for RegRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let letter = match self.field {
            Field::Rd => 'd',
            Field::Rn => 'n',
            Field::Rm => 'm',
        };
        match self.view {
            View::Full => write!(f, "V{letter}"),
            View::S => write!(f, "S{letter}"),
        }
    }
}

/// One C argument of an intrinsic and the register ACLE maps it to.
#[derive(Clone, Debug)]
pub struct Argument {
    pub name: String,
    pub ctype: CType,
    pub register: RegRef,
}

/// Conversion between a C value and an engine (v128) value.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum Boundary {
    /// The C vector is the v128 unchanged.
    Vector,
    /// A `uint32_t` becomes all four lanes (`i32x4.splat`).
    Splat,
    /// A `uint32_t` becomes lane 0, lanes 1-3 zero.
    ZeroExtend,
    /// A scalar result is lane 0 of the v128 (`i32x4.extract_lane 0`).
    Lane0,
}

impl Boundary {
    pub fn name(self) -> &'static str {
        match self {
            Boundary::Vector => "vector",
            Boundary::Splat => "splat",
            Boundary::ZeroExtend => "zero-extend",
            Boundary::Lane0 => "lane0",
        }
    }
}

/// One v128 parameter of an engine intrinsic.
#[derive(Clone, Debug)]
pub struct EngineParam {
    /// Index of the C argument this parameter is computed from.
    pub from: usize,
    /// The instruction register this parameter is bound to (whole register).
    pub field: Field,
    pub boundary: Boundary,
    /// 32-bit lanes that may affect the result (a proved fact, see `verifier`).
    pub observes: Vec<u8>,
}

#[derive(Clone, Debug)]
pub struct EngineIntrinsic {
    /// Import name, e.g. `__intrinsic_vsha1cq_u32`.
    pub name: String,
    pub params: Vec<EngineParam>,
    /// The register holding the result (read as a whole v128).
    pub result_field: Field,
    /// How the C result is obtained from the v128 result.
    pub result_boundary: Boundary,
}

#[derive(Clone, Debug)]
pub struct Intrinsic {
    pub name: String,
    pub prototype: Prototype,
    pub instruction: Mnemonic,
    /// The instruction word the ACLE mapping is read against (Rd, Rn, Rm distinct).
    pub encoding: u32,
    pub arguments: Vec<Argument>,
    pub result: RegRef,
    pub engine: EngineIntrinsic,
    /// Line of the `[[intrinsic]]` entry, for messages.
    pub line: usize,
}

impl Intrinsic {
    pub fn result_type(&self) -> CType {
        self.prototype.ret
    }
}

/// The Wasm operator a helper intrinsic compiles to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WasmOp {
    I32x4Add,
    I32x4Splat,
    I32x4ExtractLane,
    V128Load,
    V128Store,
    I8x16Shuffle([u8; 16]),
    /// Reinterpretation: no operator at all.
    Nop,
}

impl fmt::Display for WasmOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WasmOp::I32x4Add => f.write_str("i32x4.add"),
            WasmOp::I32x4Splat => f.write_str("i32x4.splat"),
            WasmOp::I32x4ExtractLane => f.write_str("i32x4.extract_lane"),
            WasmOp::V128Load => f.write_str("v128.load"),
            WasmOp::V128Store => f.write_str("v128.store"),
            WasmOp::I8x16Shuffle(m) => {
                f.write_str("i8x16.shuffle")?;
                for b in m {
                    write!(f, " {b}")?;
                }
                Ok(())
            }
            WasmOp::Nop => f.write_str("nop"),
        }
    }
}

#[derive(Clone, Debug)]
pub struct Helper {
    pub name: String,
    pub prototype: Prototype,
    pub wasm: WasmOp,
    pub line: usize,
}
