//! The single source of truth: each intrinsic family is a TOML file under
//! `spec/intrinsics/`, parsed here into validated types. Every other crate
//! (models, verifier, engine, the C-layer generator) reads the spec through
//! this crate, so a fact is written once.
//!
//! Errors name the file, the line and the field, because spec authors edit
//! these files by hand.

pub mod isa;
mod parse;
mod prototype;

use std::fmt;
use std::path::{Path, PathBuf};

pub use isa::{Access, InstrDesc, Mnemonic, Operand};
pub use prototype::{CType, Param, Prototype};

/// Directory holding the checked-in spec files.
pub fn spec_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("intrinsics")
}

/// The helper intrinsics shared by every family (`spec/helpers.toml`).
pub fn load_helpers() -> anyhow::Result<Vec<Helper>> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("helpers.toml");
    let text = std::fs::read_to_string(&path)
        .map_err(|e| anyhow::anyhow!("cannot read helper file {}: {e}", path.display()))?;
    parse::parse_helpers(&path, &text)
}

/// Availability ids (`id_base` + position) stay below this, so the engine can answer
/// `__intrinsic_is_available` with one 64-bit mask.
pub const MAX_INTRINSIC_ID: u32 = 64;

/// The families of the checked-in spec directory, sorted by name.
pub fn family_names() -> anyhow::Result<Vec<String>> {
    let dir = spec_dir();
    let mut names = Vec::new();
    let entries = std::fs::read_dir(&dir)
        .map_err(|e| anyhow::anyhow!("cannot read spec directory {}: {e}", dir.display()))?;
    for entry in entries {
        let path = entry
            .map_err(|e| anyhow::anyhow!("cannot read spec directory {}: {e}", dir.display()))?
            .path();
        if path.extension().is_some_and(|e| e == "toml") {
            if let Some(stem) = path.file_stem().and_then(|s| s.to_str()) {
                names.push(stem.to_string());
            }
        }
    }
    names.sort();
    Ok(names)
}

/// Load the spec of one family (`sha1`) from the checked-in spec directory.
pub fn load_family(family: &str) -> anyhow::Result<Spec> {
    let path = spec_dir().join(format!("{family}.toml"));
    if !path.exists() {
        let known = family_names().unwrap_or_default().join(", ");
        anyhow::bail!(
            "unknown intrinsic family `{family}`: no spec file {} (families: {known})",
            path.display()
        );
    }
    let spec = Spec::load(&path)?;
    if spec.family != family {
        anyhow::bail!(
            "{}: declares family `{}`, but the file name says `{family}`",
            path.display(),
            spec.family
        );
    }
    Ok(spec)
}

/// Every family of the spec directory, checked together: names, engine imports and
/// availability ids must not collide across families.
pub fn load_all() -> anyhow::Result<Vec<Spec>> {
    let specs: Vec<Spec> = family_names()?
        .iter()
        .map(|f| load_family(f))
        .collect::<anyhow::Result<_>>()?;
    check_disjoint(&specs)?;
    Ok(specs)
}

/// Families share one C header, one import module and one id space: reject collisions.
pub fn check_disjoint(specs: &[Spec]) -> anyhow::Result<()> {
    use std::collections::HashMap;
    let mut owners: HashMap<(&str, String), &Spec> = HashMap::new();
    for s in specs {
        for i in &s.intrinsics {
            let keys = [
                ("intrinsic", i.name.clone()),
                ("engine intrinsic", i.engine.name.clone()),
                ("availability id", i.id.to_string()),
            ];
            for (what, key) in keys {
                if let Some(other) = owners.insert((what, key.clone()), s) {
                    if other.path != s.path {
                        anyhow::bail!(
                            "{what} `{key}` is used by both {} and {}{}",
                            other.path.display(),
                            s.path.display(),
                            if what == "availability id" {
                                ": give the families disjoint `id_base` ranges"
                            } else {
                                ""
                            }
                        );
                    }
                }
            }
        }
    }
    Ok(())
}

/// A validated family spec.
#[derive(Clone, Debug)]
pub struct Spec {
    pub path: PathBuf,
    pub family: String,
    /// Import module of every engine intrinsic of this family.
    pub import_module: String,
    /// Availability id of the first intrinsic; the others follow in file order.
    pub id_base: u32,
    pub intrinsics: Vec<Intrinsic>,
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
}

/// A register field of an instruction encoding.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum Field {
    Rd,
    Rn,
    Rm,
}

impl Field {
    pub const ALL: [Field; 3] = [Field::Rd, Field::Rn, Field::Rm];

    /// Bit position of the 5-bit register number in an encoding (Rd 4:0, Rn 9:5, Rm 20:16).
    pub const fn shift(self) -> u32 {
        match self {
            Field::Rd => 0,
            Field::Rn => 5,
            Field::Rm => 16,
        }
    }

    /// The register number this field holds in `word`.
    pub fn get(self, word: u32) -> u8 {
        (word >> self.shift() & 31) as u8
    }
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
    /// The low 64 bits (`Dn`, `Vn.1D`). Reads take bits 63:0; writes zero bits 127:64.
    D,
}

impl View {
    /// Bits the view reads and writes (the low ones of the register).
    pub fn bits(self) -> u32 {
        match self {
            View::Full => 128,
            View::S => 32,
            View::D => 64,
        }
    }
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
            ('Q', None) | ('V', None) | ('V', Some("4S" | "16B" | "2D" | "1Q")) => View::Full,
            ('S', None) => View::S,
            ('D', None) | ('V', Some("1D")) => View::D,
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
            View::D => write!(f, "D{letter}"),
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
    /// A scalar fills every lane of its width (`i32x4.splat`, `i64x2.splat`).
    Splat,
    /// A scalar becomes lane 0 of its width, the other lanes zero.
    ZeroExtend,
    /// A scalar result is lane 0 (of its width) of the v128 (`i32x4.extract_lane 0`).
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
    /// Availability id (`wasm_arm_neon_is_available`): the family's `id_base` + position.
    pub id: u32,
}

impl Intrinsic {
    pub fn result_type(&self) -> CType {
        self.prototype.ret
    }
}

/// The Wasm operator a helper intrinsic compiles to. Operator names are Wasm's
/// (`i32x4.add`, `v128.xor`, `i64x2.shr_u`, ...).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WasmOp {
    /// Lane-wise or bitwise operation on two v128 values.
    Binary(String),
    /// A scalar in every lane.
    Splat(String),
    /// One lane, at a constant index.
    ExtractLane(String),
    /// Every lane shifted by a constant amount.
    ShiftImm(String),
    V128Load,
    V128Store,
    I8x16Shuffle([u8; 16]),
    /// Bytes `n .. n + 15` of the 32 bytes `a : b` for a constant `n` (ACLE's `vext`).
    ShuffleFrom,
    /// Reinterpretation: no operator at all.
    Nop,
}

/// Operator names each helper kind accepts.
pub const BINARY_OPS: &[&str] = &["i32x4.add", "i64x2.add", "v128.xor", "v128.or", "v128.and"];
pub const SPLAT_OPS: &[&str] = &["i8x16.splat", "i32x4.splat", "i64x2.splat"];
pub const EXTRACT_OPS: &[&str] = &["i32x4.extract_lane", "i64x2.extract_lane"];
pub const SHIFT_OPS: &[&str] = &["i32x4.shl", "i32x4.shr_u", "i64x2.shl", "i64x2.shr_u"];

impl fmt::Display for WasmOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WasmOp::Binary(op)
            | WasmOp::Splat(op)
            | WasmOp::ExtractLane(op)
            | WasmOp::ShiftImm(op) => f.write_str(op),
            WasmOp::V128Load => f.write_str("v128.load"),
            WasmOp::V128Store => f.write_str("v128.store"),
            WasmOp::I8x16Shuffle(m) => {
                f.write_str("i8x16.shuffle")?;
                for b in m {
                    write!(f, " {b}")?;
                }
                Ok(())
            }
            WasmOp::ShuffleFrom => f.write_str("i8x16.shuffle (bytes n..n+15 of a:b)"),
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
