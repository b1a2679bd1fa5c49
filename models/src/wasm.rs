//! A symbolic WebAssembly interpreter, generic over the bit-vector `Domain`.
//!
//! It runs the straight-line code clang emits for the intrinsic wrappers and
//! fallbacks: control flow must be decided by constants after inlining (a
//! symbolic branch is an error, not a fork), memory addresses must be
//! constant, calls are inlined, and imports are handed to an `ImportHandler`.
//! Every operator it does not implement exactly is an `unsupported:` error;
//! nothing is skipped.
//!
//! Internally values carry their constant value when the interpreter knows it
//! (`Fold`), so address and loop-counter arithmetic folds as it runs instead of
//! growing terms that `as_const` would have to re-evaluate at every branch.

use std::collections::HashMap;
use std::fmt;
use std::ops::Range;
use std::rc::Rc;

use anyhow::{anyhow, bail, Context, Result};
use spec::Mnemonic;
use wasmparser::{
    BinaryReader, BlockType, CompositeInnerType, DataKind, ExternalKind, FunctionBody, KnownCustom,
    MemArg, Name, Operator, Parser, Payload, TypeRef, Validator,
};

use crate::bits::Bits;
use crate::domain::{BinOp, Domain};
use crate::engine::engine_model;

// ---------------------------------------------------------------------------
// Module

/// The value types the interpreter gives meaning to (floats and references
/// are rejected where they would matter).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum ValType {
    I32,
    I64,
    V128,
}

impl ValType {
    pub fn width(self) -> u32 {
        match self {
            ValType::I32 => 32,
            ValType::I64 => 64,
            ValType::V128 => 128,
        }
    }

    fn from_wasm(t: wasmparser::ValType) -> Option<ValType> {
        match t {
            wasmparser::ValType::I32 => Some(ValType::I32),
            wasmparser::ValType::I64 => Some(ValType::I64),
            wasmparser::ValType::V128 => Some(ValType::V128),
            _ => None,
        }
    }
}

impl fmt::Display for ValType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ValType::I32 => "i32",
            ValType::I64 => "i64",
            ValType::V128 => "v128",
        })
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FuncType {
    pub params: Vec<ValType>,
    pub results: Vec<ValType>,
}

impl fmt::Display for FuncType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_sig(f, &self.params, &self.results)
    }
}

/// `(a, b) -> r`, `(a) -> (r1, r2)`, `() -> ()`.
fn write_sig<T: fmt::Display>(
    f: &mut fmt::Formatter<'_>,
    params: &[T],
    results: &[T],
) -> fmt::Result {
    let list = |ts: &[T]| {
        ts.iter()
            .map(|t| t.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    write!(f, "({}) -> ", list(params))?;
    if results.len() == 1 {
        write!(f, "{}", results[0])
    } else {
        write!(f, "({})", list(results))
    }
}

/// A function type as declared, float and reference types included (for
/// messages and for block arities).
#[derive(Clone, Debug)]
struct RawType {
    params: Vec<wasmparser::ValType>,
    results: Vec<wasmparser::ValType>,
}

impl fmt::Display for RawType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = |t: &wasmparser::ValType| wasm_type_name(*t);
        let p: Vec<String> = self.params.iter().map(name).collect();
        let r: Vec<String> = self.results.iter().map(name).collect();
        write_sig(f, &p, &r)
    }
}

fn wasm_type_name(t: wasmparser::ValType) -> String {
    match t {
        wasmparser::ValType::I32 => "i32".into(),
        wasmparser::ValType::I64 => "i64".into(),
        wasmparser::ValType::F32 => "f32".into(),
        wasmparser::ValType::F64 => "f64".into(),
        wasmparser::ValType::V128 => "v128".into(),
        wasmparser::ValType::Ref(r) => format!("{r}"),
    }
}

/// Storage width of a value type; floats are kept as their bit patterns so
/// that locals of those types can exist (their operators are unsupported).
fn storage_width(t: wasmparser::ValType) -> Option<u32> {
    match t {
        wasmparser::ValType::I32 | wasmparser::ValType::F32 => Some(32),
        wasmparser::ValType::I64 | wasmparser::ValType::F64 => Some(64),
        wasmparser::ValType::V128 => Some(128),
        wasmparser::ValType::Ref(_) => None,
    }
}

#[derive(Clone, Debug)]
pub struct Import {
    pub module: String,
    pub name: String,
    pub type_index: u32,
}

#[derive(Clone, Debug)]
pub struct Global {
    pub mutable: bool,
    /// The constant initialiser (width 32, 64 or 128).
    pub init: Bits,
}

#[derive(Clone, Debug)]
pub struct DataSegment {
    pub offset: u32,
    pub bytes: Vec<u8>,
}

#[derive(Copy, Clone, Debug)]
pub struct MemoryDef {
    pub initial_pages: u64,
    pub maximum_pages: Option<u64>,
}

const PAGE: u64 = 65536;
/// 32-bit memories have at most 4 GiB.
const MAX_PAGES: u64 = 65536;

/// A validated module with what the interpreter needs. Owns its bytes;
/// function bodies are byte ranges into them, decoded on first call.
pub struct WasmModule {
    bytes: Vec<u8>,
    /// `None` for non-function (GC) types.
    types: Vec<Option<RawType>>,
    /// Type index of every function, imports first.
    func_types: Vec<u32>,
    pub imports: Vec<Import>,
    bodies: Vec<Range<usize>>,
    /// Exported functions in export-section order.
    pub exports: Vec<(String, u32)>,
    pub globals: Vec<Global>,
    pub memory: Option<MemoryDef>,
    pub data: Vec<DataSegment>,
    names: HashMap<u32, String>,
}

impl WasmModule {
    /// Validate (wasmparser's default features, SIMD included) and parse.
    pub fn parse(bytes: &[u8]) -> Result<WasmModule> {
        Validator::new().validate_all(bytes).map_err(|e| {
            // One line: some of wasmparser's messages embed multi-line byte arrays.
            let message = e.message().split_whitespace().collect::<Vec<_>>().join(" ");
            anyhow!(
                "invalid wasm module: {message} (at offset {:#x})",
                e.offset()
            )
        })?;
        let mut m = WasmModule {
            bytes: bytes.to_vec(),
            types: Vec::new(),
            func_types: Vec::new(),
            imports: Vec::new(),
            bodies: Vec::new(),
            exports: Vec::new(),
            globals: Vec::new(),
            memory: None,
            data: Vec::new(),
            names: HashMap::new(),
        };
        for payload in Parser::new(0).parse_all(bytes) {
            match payload? {
                Payload::TypeSection(reader) => {
                    for group in reader {
                        for sub in group?.into_types() {
                            m.types.push(match &sub.composite_type.inner {
                                CompositeInnerType::Func(ft) => Some(RawType {
                                    params: ft.params().to_vec(),
                                    results: ft.results().to_vec(),
                                }),
                                _ => None,
                            });
                        }
                    }
                }
                Payload::ImportSection(reader) => {
                    for import in reader {
                        let import = import?;
                        match import.ty {
                            TypeRef::Func(t) | TypeRef::FuncExact(t) => {
                                m.func_types.push(t);
                                m.imports.push(Import {
                                    module: import.module.to_string(),
                                    name: import.name.to_string(),
                                    type_index: t,
                                });
                            }
                            _ => bail!(
                                "unsupported: import `{}`.`{}` is not a function (only function imports are supported)",
                                import.module,
                                import.name
                            ),
                        }
                    }
                }
                Payload::FunctionSection(reader) => {
                    for t in reader {
                        m.func_types.push(t?);
                    }
                }
                Payload::MemorySection(reader) => {
                    for mem in reader {
                        let mem = mem?;
                        if mem.memory64 || mem.shared || m.memory.is_some() {
                            bail!("unsupported: memory64, shared or multiple memories");
                        }
                        if mem.page_size_log2.is_some_and(|p| p != 16) {
                            bail!("unsupported: custom page size");
                        }
                        m.memory = Some(MemoryDef {
                            initial_pages: mem.initial,
                            maximum_pages: mem.maximum,
                        });
                    }
                }
                Payload::GlobalSection(reader) => {
                    for g in reader {
                        let g = g?;
                        let init = const_expr(&g.init_expr, &m.globals).with_context(|| {
                            format!("initialiser of global {}", m.globals.len())
                        })?;
                        m.globals.push(Global {
                            mutable: g.ty.mutable,
                            init,
                        });
                    }
                }
                Payload::ExportSection(reader) => {
                    for e in reader {
                        let e = e?;
                        if e.kind == ExternalKind::Func {
                            m.exports.push((e.name.to_string(), e.index));
                        }
                    }
                }
                Payload::DataSection(reader) => {
                    for seg in reader {
                        let seg = seg?;
                        match seg.kind {
                            DataKind::Active {
                                memory_index: 0,
                                offset_expr,
                            } => {
                                let off = const_expr(&offset_expr, &m.globals)
                                    .context("data segment offset")?;
                                m.data.push(DataSegment {
                                    offset: off.to_u64() as u32,
                                    bytes: seg.data.to_vec(),
                                });
                            }
                            DataKind::Active { .. } => bail!("unsupported: multiple memories"),
                            // Only memory.init reads passive segments, and it is unsupported.
                            DataKind::Passive => {}
                        }
                    }
                }
                Payload::CodeSectionEntry(body) => m.bodies.push(body.range()),
                Payload::CustomSection(reader) => {
                    if let KnownCustom::Name(names) = reader.as_known() {
                        // Names are advisory: a malformed name section is ignored.
                        for name in names.into_iter().flatten() {
                            if let Name::Function(map) = name {
                                for naming in map.into_iter().flatten() {
                                    m.names.insert(naming.index, naming.name.to_string());
                                }
                            }
                        }
                    }
                }
                Payload::StartSection { .. } => {
                    bail!("unsupported: start function (instantiation would run code)")
                }
                _ => {}
            }
        }
        Ok(m)
    }

    pub fn num_imported_funcs(&self) -> u32 {
        self.imports.len() as u32
    }

    pub fn num_funcs(&self) -> u32 {
        self.func_types.len() as u32
    }

    /// Name-section name, else `func[<idx>]`.
    pub fn func_name(&self, idx: u32) -> String {
        self.names
            .get(&idx)
            .cloned()
            .unwrap_or_else(|| format!("func[{idx}]"))
    }

    /// Index of the function exported as `name`.
    pub fn export_function(&self, name: &str) -> Result<u32> {
        if let Some((_, idx)) = self.exports.iter().find(|(n, _)| n == name) {
            return Ok(*idx);
        }
        let available: Vec<&str> = self.exports.iter().map(|(n, _)| n.as_str()).collect();
        bail!(
            "the module has no exported function `{name}`; exported functions: {}",
            if available.is_empty() {
                "none".to_string()
            } else {
                available.join(", ")
            }
        )
    }

    fn raw_type(&self, type_index: u32) -> Result<&RawType> {
        self.types
            .get(type_index as usize)
            .and_then(|t| t.as_ref())
            .ok_or_else(|| anyhow!("type {type_index} is not a function type"))
    }

    fn raw_func_type(&self, idx: u32) -> Result<&RawType> {
        let t = *self
            .func_types
            .get(idx as usize)
            .ok_or_else(|| anyhow!("no function with index {idx}"))?;
        self.raw_type(t)
    }

    /// The type of function `idx` (import or defined).
    pub fn func_type(&self, idx: u32) -> Result<FuncType> {
        let raw = self.raw_func_type(idx)?;
        let conv = |ts: &[wasmparser::ValType]| -> Option<Vec<ValType>> {
            ts.iter().map(|t| ValType::from_wasm(*t)).collect()
        };
        match (conv(&raw.params), conv(&raw.results)) {
            (Some(params), Some(results)) => Ok(FuncType { params, results }),
            _ => bail!(
                "unsupported: {} has type {raw}; only i32, i64 and v128 are supported",
                self.func_name(idx)
            ),
        }
    }

    fn body(&self, idx: u32) -> Option<FunctionBody<'_>> {
        let i = idx.checked_sub(self.num_imported_funcs())? as usize;
        let r = self.bodies.get(i)?.clone();
        Some(FunctionBody::new(BinaryReader::new(
            &self.bytes[r.clone()],
            r.start,
        )))
    }
}

/// Evaluate a constant expression: consts, `global.get` of an earlier
/// global, and the extended-const add/sub/mul.
fn const_expr(expr: &wasmparser::ConstExpr<'_>, globals: &[Global]) -> Result<Bits> {
    let mut stack: Vec<Bits> = Vec::new();
    let mut reader = expr.get_operators_reader();
    while !reader.eof() {
        let op = reader.read()?;
        match op {
            Operator::I32Const { value } => stack.push(Bits::from_u64(32, value as u32 as u64)),
            Operator::I64Const { value } => stack.push(Bits::from_u64(64, value as u64)),
            Operator::V128Const { value } => stack.push(Bits::from_u128(128, value.i128() as u128)),
            Operator::GlobalGet { global_index } => stack.push(
                globals
                    .get(global_index as usize)
                    .ok_or_else(|| {
                        anyhow!(
                            "unsupported: constant expression reads imported global {global_index}"
                        )
                    })?
                    .init,
            ),
            Operator::I32Add
            | Operator::I64Add
            | Operator::I32Sub
            | Operator::I64Sub
            | Operator::I32Mul
            | Operator::I64Mul => {
                let b = stack.pop().context("constant expression stack underflow")?;
                let a = stack.pop().context("constant expression stack underflow")?;
                stack.push(match op {
                    Operator::I32Add | Operator::I64Add => a.add(&b),
                    Operator::I32Sub | Operator::I64Sub => a.sub(&b),
                    _ => a.mul(&b),
                });
            }
            Operator::End => break,
            other => bail!("unsupported: {} in a constant expression", op_name(&other)),
        }
    }
    stack.pop().context("empty constant expression")
}

/// Wasm text name of an operator (`F32Add` -> `f32.add`), from wasmparser's
/// variant name so every operator gets a readable name.
pub fn op_name(op: &Operator<'_>) -> String {
    let debug = format!("{op:?}");
    let variant = debug.split([' ', '{', '(']).next().unwrap_or(&debug);
    const PREFIXES: [&str; 18] = [
        "I8x16", "I16x8", "I32x4", "I64x2", "F32x4", "F64x2", "V128", "I32", "I64", "F32", "F64",
        "Memory", "Table", "Local", "Global", "Ref", "Data", "Elem",
    ];
    let snake = |s: &str| {
        let mut out = String::new();
        for (i, c) in s.chars().enumerate() {
            if c.is_ascii_uppercase() {
                if i > 0 {
                    out.push('_');
                }
                out.push(c.to_ascii_lowercase());
            } else {
                out.push(c);
            }
        }
        out
    };
    for p in PREFIXES {
        if let Some(rest) = variant.strip_prefix(p) {
            if rest.starts_with(|c: char| c.is_ascii_uppercase()) {
                return format!("{}.{}", p.to_ascii_lowercase(), snake(rest));
            }
        }
    }
    snake(variant)
}

/// Check that `export` is a function of exactly this type.
pub fn check_signature(
    module: &WasmModule,
    export: &str,
    expected_params: &[ValType],
    expected_results: &[ValType],
) -> Result<()> {
    let idx = module.export_function(export)?;
    let raw = module.raw_func_type(idx)?;
    let matches = |have: &[wasmparser::ValType], want: &[ValType]| {
        have.len() == want.len()
            && have
                .iter()
                .zip(want)
                .all(|(h, w)| ValType::from_wasm(*h) == Some(*w))
    };
    if matches(&raw.params, expected_params) && matches(&raw.results, expected_results) {
        return Ok(());
    }
    let expected = FuncType {
        params: expected_params.to_vec(),
        results: expected_results.to_vec(),
    };
    bail!("export `{export}` has type {raw}, expected {expected}")
}

// ---------------------------------------------------------------------------
// Constant-folding wrapper domain

/// A value known to be a constant, or a value of the underlying domain.
#[derive(Clone, Debug)]
enum FV<V> {
    K(Bits),
    S(V),
}

/// Folds operations on known constants with `Bits`, delegating the rest.
struct Fold<'d, D: Domain> {
    d: &'d mut D,
}

impl<D: Domain> Fold<'_, D> {
    fn sym(&mut self, v: &FV<D::V>) -> D::V {
        match v {
            FV::K(b) => self.d.constant(*b),
            FV::S(v) => v.clone(),
        }
    }
}

impl<D: Domain> Domain for Fold<'_, D> {
    type V = FV<D::V>;

    fn width(&self, v: &Self::V) -> u32 {
        match v {
            FV::K(b) => b.width(),
            FV::S(v) => self.d.width(v),
        }
    }
    fn constant(&mut self, c: Bits) -> Self::V {
        FV::K(c)
    }
    fn extract(&mut self, v: &Self::V, hi: u32, lo: u32) -> Self::V {
        match v {
            FV::K(b) => FV::K(b.extract(hi, lo)),
            FV::S(v) => FV::S(self.d.extract(v, hi, lo)),
        }
    }
    fn concat(&mut self, hi: &Self::V, lo: &Self::V) -> Self::V {
        if let (FV::K(h), FV::K(l)) = (hi, lo) {
            return FV::K(h.concat(l));
        }
        let (h, l) = (self.sym(hi), self.sym(lo));
        FV::S(self.d.concat(&h, &l))
    }
    fn binary(&mut self, op: BinOp, a: &Self::V, b: &Self::V) -> Self::V {
        if let (FV::K(x), FV::K(y)) = (a, b) {
            return FV::K(op.eval(x, y));
        }
        let (x, y) = (self.sym(a), self.sym(b));
        FV::S(self.d.binary(op, &x, &y))
    }
    fn not(&mut self, a: &Self::V) -> Self::V {
        match a {
            FV::K(b) => FV::K(b.not()),
            FV::S(v) => FV::S(self.d.not(v)),
        }
    }
    fn ite(&mut self, c: &Self::V, t: &Self::V, e: &Self::V) -> Self::V {
        if let FV::K(c) = c {
            return if c.is_zero() { e.clone() } else { t.clone() };
        }
        let (c, t, e) = (self.sym(c), self.sym(t), self.sym(e));
        FV::S(self.d.ite(&c, &t, &e))
    }
    fn as_const(&self, v: &Self::V) -> Option<Bits> {
        match v {
            FV::K(b) => Some(*b),
            FV::S(v) => self.d.as_const(v),
        }
    }
    fn lookup(
        &mut self,
        addr: &Self::V,
        read: &mut dyn FnMut(u64) -> Option<u8>,
    ) -> Option<Self::V> {
        match addr {
            FV::K(_) => None,
            FV::S(a) => self.d.lookup(a, read).map(FV::S),
        }
    }
    fn rotl(&mut self, v: &Self::V, n: u32) -> Self::V {
        match v {
            FV::K(b) => {
                let w = b.width();
                let n = n % w;
                if n == 0 {
                    return v.clone();
                }
                FV::K(b.shl_by(n).or(&b.lshr_by(w - n)))
            }
            // The backend may have a native rotate.
            FV::S(v) => FV::S(self.d.rotl(v, n)),
        }
    }
}

// ---------------------------------------------------------------------------
// Imports

/// Provides the meaning of imported functions.
pub trait ImportHandler<D: Domain> {
    fn call(&mut self, d: &mut D, module: &str, name: &str, args: &[D::V]) -> Result<Vec<D::V>>;
}

/// Rejects every import (for modules that must be self-contained).
pub struct NoImports;

impl<D: Domain> ImportHandler<D> for NoImports {
    fn call(&mut self, _d: &mut D, module: &str, name: &str, _args: &[D::V]) -> Result<Vec<D::V>> {
        bail!("import `{module}`.`{name}` is called, but no imports are provided")
    }
}

/// The engine intrinsics of the spec's families (`wasm_arm_neon.__intrinsic_*`), given
/// meaning by `engine::engine_model`.
#[derive(Clone, Debug, Default)]
pub struct EngineImports {
    /// (import module, import name) -> instruction, number of v128 params.
    table: Vec<((String, String), (Mnemonic, usize))>,
}

pub const ENGINE_IMPORT_MODULE: &str = "wasm_arm_neon";

impl EngineImports {
    /// The engine intrinsics of `specs`.
    pub fn new(specs: &[spec::Spec]) -> EngineImports {
        let table = specs
            .iter()
            .flat_map(|s| {
                s.intrinsics.iter().map(|i| {
                    (
                        (s.import_module.clone(), i.engine.name.clone()),
                        (i.instruction, i.engine.params.len()),
                    )
                })
            })
            .collect();
        EngineImports { table }
    }

    /// The engine intrinsics of every family of the checked-in spec.
    pub fn all() -> Result<EngineImports> {
        Ok(EngineImports::new(&spec::load_all()?))
    }

    /// The instruction an import stands for and its number of v128 params, if it is an
    /// engine intrinsic.
    pub fn lookup(&self, module: &str, name: &str) -> Option<(Mnemonic, usize)> {
        self.table
            .iter()
            .find(|((m, n), _)| m == module && n == name)
            .map(|(_, v)| *v)
    }
}

impl<D: Domain> ImportHandler<D> for EngineImports {
    fn call(&mut self, d: &mut D, module: &str, name: &str, args: &[D::V]) -> Result<Vec<D::V>> {
        let widths: Vec<String> = args
            .iter()
            .map(|a| match d.width(a) {
                32 => "i32".to_string(),
                64 => "i64".to_string(),
                128 => "v128".to_string(),
                w => format!("bv{w}"),
            })
            .collect();
        let Some((m, n)) = self.lookup(module, name) else {
            bail!(
                "no engine model for import `{module}`.`{name}` (called with ({})): it is not \
                 the engine intrinsic of any spec/intrinsics/*.toml ({} known)",
                widths.join(", "),
                self.table.len()
            );
        };
        if args.len() != n || args.iter().any(|a| d.width(a) != 128) {
            bail!(
                "import `{module}`.`{name}` called with ({}), but the engine intrinsic takes ({}) -> v128",
                widths.join(", "),
                vec!["v128"; n].join(", ")
            );
        }
        Ok(vec![engine_model(d, m, args)])
    }
}

// ---------------------------------------------------------------------------
// Interpreter

/// A decoded function body.
struct Code<'m> {
    ops: Vec<(Operator<'m>, usize)>,
    /// Declared locals (after the params).
    locals: Vec<wasmparser::ValType>,
    /// For block/loop/if: index of the matching `end`; for `else`: the `end` of its `if`.
    end: Vec<usize>,
    /// For `if`: index of its `else`, if any.
    else_: Vec<Option<usize>>,
    /// Module offset of the function body (for `name+offset` locations).
    start: usize,
}

struct Label {
    /// Where a branch continues (the `loop` itself, or after the `end`).
    target: usize,
    /// Values a branch carries.
    arity: usize,
    /// Stack height below the label's values.
    height: usize,
}

/// Module state for one run: globals and linear memory, plus the caches and
/// limits. Calls on the same instance share memory and globals.
/// What a secret (input-dependent) value decided during a run.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum LeakKind {
    /// A memory address.
    Address,
    /// A branch condition (which also bounds loops).
    Branch,
    /// Whether an operation traps (a divisor).
    Trap,
    /// The operand of an operator whose time depends on it (a dividend).
    VariableTime,
}

impl fmt::Display for LeakKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            LeakKind::Address => "memory address",
            LeakKind::Branch => "branch condition",
            LeakKind::Trap => "trap condition",
            LeakKind::VariableTime => "variable-time operand",
        })
    }
}

/// An operator whose address, condition or trap depends on the inputs: not constant time.
#[derive(Clone, Debug)]
pub struct Leak<V> {
    pub kind: LeakKind,
    /// `function+offset (module offset ...)`.
    pub location: String,
    pub operator: String,
    /// The input-dependent value (the address, the condition, the divisor).
    pub value: V,
}

pub struct Instance<'m, D: Domain> {
    module: &'m WasmModule,
    /// Every operator so far whose address, branch condition or trap condition was not a
    /// constant, in execution order.
    pub leaks: Vec<Leak<D::V>>,
    globals: Vec<FV<D::V>>,
    /// Bytes written so far; other bytes come from the data segments or are zero.
    memory: HashMap<u32, FV<D::V>>,
    pages: u64,
    code: HashMap<u32, Rc<Code<'m>>>,
    steps: u64,
    /// Operators executed before giving up (a loop that never ends).
    pub step_limit: u64,
    /// Nested calls before giving up (unbounded recursion).
    pub max_call_depth: u32,
}

/// Run the export `name` on a fresh instance.
pub fn run_export<D: Domain>(
    d: &mut D,
    module: &WasmModule,
    name: &str,
    args: &[D::V],
    imports: &mut dyn ImportHandler<D>,
) -> Result<Vec<D::V>> {
    Instance::new(module).call_export(d, name, args, imports)
}

impl<'m, D: Domain> Instance<'m, D> {
    pub fn new(module: &'m WasmModule) -> Instance<'m, D> {
        Instance {
            module,
            leaks: Vec::new(),
            globals: module.globals.iter().map(|g| FV::K(g.init)).collect(),
            memory: HashMap::new(),
            pages: module.memory.map_or(0, |m| m.initial_pages),
            code: HashMap::new(),
            steps: 0,
            step_limit: 10_000_000,
            max_call_depth: 200,
        }
    }

    pub fn call_export(
        &mut self,
        d: &mut D,
        name: &str,
        args: &[D::V],
        imports: &mut dyn ImportHandler<D>,
    ) -> Result<Vec<D::V>> {
        let idx = self.module.export_function(name)?;
        self.call_function(d, idx, args, imports)
    }

    /// Call function `idx` (import or defined) with arguments of the right widths.
    pub fn call_function(
        &mut self,
        d: &mut D,
        idx: u32,
        args: &[D::V],
        imports: &mut dyn ImportHandler<D>,
    ) -> Result<Vec<D::V>> {
        let ty = self.module.func_type(idx)?;
        let name = self.module.func_name(idx);
        if args.len() != ty.params.len() {
            bail!(
                "{name} has type {ty} but was given {} arguments",
                args.len()
            );
        }
        for (i, (a, t)) in args.iter().zip(&ty.params).enumerate() {
            if d.width(a) != t.width() {
                bail!(
                    "argument {i} of {name} is {} bits wide, but the parameter is {t}",
                    d.width(a)
                );
            }
        }
        let mut f = Fold { d };
        // Constant arguments (always, for `Concrete`) fold from the start.
        let args: Vec<FV<D::V>> = args
            .iter()
            .map(|a| match f.d.as_const(a) {
                Some(b) => FV::K(b),
                None => FV::S(a.clone()),
            })
            .collect();
        let results = self.call(&mut f, idx, args, imports, 0)?;
        Ok(results.iter().map(|r| f.sym(r)).collect())
    }

    /// Read `len` bytes at a constant address, little-endian.
    pub fn read_memory(&mut self, d: &mut D, addr: u32, len: u32) -> Result<D::V> {
        let mut f = Fold { d };
        self.bounds(addr as u64, len as u64)
            .map_err(|e| anyhow!("{e} reading {len} bytes at {addr:#x}"))?;
        let v = self.read_bytes(&mut f, addr, len);
        Ok(f.sym(&v))
    }

    /// Write `v` (a whole number of bytes) at a constant address, little-endian.
    pub fn write_memory(&mut self, d: &mut D, addr: u32, v: &D::V) -> Result<()> {
        let w = d.width(v);
        if w % 8 != 0 {
            bail!("cannot store a {w}-bit value in byte-addressed memory");
        }
        let mut f = Fold { d };
        self.bounds(addr as u64, w as u64 / 8)
            .map_err(|e| anyhow!("{e} writing {} bytes at {addr:#x}", w / 8))?;
        let v = match f.d.as_const(v) {
            Some(b) => FV::K(b),
            None => FV::S(v.clone()),
        };
        self.write_bytes(&mut f, addr, &v);
        Ok(())
    }

    /// Current value of global `idx`.
    pub fn global(&self, d: &mut D, idx: u32) -> Option<D::V> {
        let g = self.globals.get(idx as usize)?;
        Some(Fold { d }.sym(g))
    }

    fn bounds(&self, ea: u64, len: u64) -> Result<()> {
        if ea + len > self.pages * PAGE {
            bail!("trap: out-of-bounds memory access");
        }
        Ok(())
    }

    fn initial_byte(&self, addr: u32) -> u8 {
        // Later segments overwrite earlier ones.
        for seg in self.module.data.iter().rev() {
            if addr >= seg.offset && ((addr - seg.offset) as usize) < seg.bytes.len() {
                return seg.bytes[(addr - seg.offset) as usize];
            }
        }
        0
    }

    /// Whether a branch on `c` is taken. A symbolic condition is a leak, and the run
    /// cannot follow both ways: it stops there.
    fn decide(
        &mut self,
        f: &mut Fold<'_, D>,
        fr: &Frame<'_, 'm, D::V>,
        c: &FV<D::V>,
        op: &Operator<'_>,
    ) -> Result<bool> {
        Ok(self.decide_index(f, fr, c, op)? != 0)
    }

    fn decide_index(
        &mut self,
        f: &mut Fold<'_, D>,
        fr: &Frame<'_, 'm, D::V>,
        c: &FV<D::V>,
        op: &Operator<'_>,
    ) -> Result<u32> {
        if let Some(b) = f.as_const(c) {
            return Ok(b.to_u64() as u32);
        }
        self.leaks.push(Leak {
            kind: LeakKind::Branch,
            location: fr.loc(self.module),
            operator: op_name(op),
            value: f.sym(c),
        });
        bail!(
            "unsupported: branch on a symbolic condition at {}",
            fr.loc(self.module)
        )
    }

    /// Records a division whose divisor (whether it traps) or dividend (its time on most
    /// cores) depends on the inputs. Evaluating it then fails as unsupported.
    fn note_division(&mut self, f: &mut Fold<'_, D>, fr: &Frame<'_, 'm, D::V>, op: &Operator<'_>) {
        if !matches!(
            int_binop(op),
            Some((_, IntOp::DivS | IntOp::DivU | IntOp::RemS | IntOp::RemU))
        ) {
            return;
        }
        let n = fr.stack.len();
        let (a, b) = (&fr.stack[n - 2], &fr.stack[n - 1]);
        let (kind, v) = if f.as_const(b).is_none() {
            (LeakKind::Trap, b)
        } else if f.as_const(a).is_none() {
            (LeakKind::VariableTime, a)
        } else {
            return;
        };
        let value = f.sym(v);
        self.leaks.push(Leak {
            kind,
            location: fr.loc(self.module),
            operator: op_name(op),
            value,
        });
    }

    /// The byte at `a` if it is in bounds and a constant.
    fn const_byte(&self, a: u64) -> Option<u8> {
        self.bounds(a, 1).ok()?;
        let a = a as u32;
        match self.memory.get(&a) {
            Some(FV::K(b)) => Some(b.to_u64() as u8),
            Some(FV::S(_)) => None,
            None => Some(self.initial_byte(a)),
        }
    }

    fn read_bytes(&self, f: &mut Fold<'_, D>, addr: u32, len: u32) -> FV<D::V> {
        let bytes: Vec<FV<D::V>> = (0..len)
            .map(|i| {
                let a = addr + i;
                match self.memory.get(&a) {
                    Some(v) => v.clone(),
                    None => FV::K(Bits::from_u64(8, self.initial_byte(a) as u64)),
                }
            })
            .collect();
        f.from_lanes(&bytes)
    }

    fn write_bytes(&mut self, f: &mut Fold<'_, D>, addr: u32, v: &FV<D::V>) {
        let n = f.width(v) / 8;
        for i in 0..n {
            let b = f.lane(v, i, 8);
            self.memory.insert(addr + i, b);
        }
    }

    fn decode(&mut self, idx: u32) -> Result<Rc<Code<'m>>> {
        if let Some(c) = self.code.get(&idx) {
            return Ok(c.clone());
        }
        let module = self.module;
        let body = module
            .body(idx)
            .ok_or_else(|| anyhow!("function {idx} has no body"))?;
        let start = body.range().start;
        let mut locals = Vec::new();
        for l in body.get_locals_reader()? {
            let (count, ty) = l?;
            locals.extend(std::iter::repeat_n(ty, count as usize));
        }
        let mut ops = Vec::new();
        let mut reader = body.get_operators_reader()?;
        while !reader.eof() {
            ops.push(reader.read_with_offset()?);
        }
        let mut end = vec![usize::MAX; ops.len()];
        let mut else_ = vec![None; ops.len()];
        let mut open: Vec<usize> = Vec::new();
        let mut open_else: Vec<Option<usize>> = Vec::new();
        for (i, (op, _)) in ops.iter().enumerate() {
            match op {
                Operator::Block { .. } | Operator::Loop { .. } | Operator::If { .. } => {
                    open.push(i);
                    open_else.push(None);
                }
                Operator::Else => {
                    let top = *open.last().context("else outside if")?;
                    else_[top] = Some(i);
                    *open_else.last_mut().unwrap() = Some(i);
                }
                Operator::End => {
                    // The function body's own `end` closes nothing here.
                    if let Some(o) = open.pop() {
                        end[o] = i;
                        if let Some(e) = open_else.pop().flatten() {
                            end[e] = i;
                        }
                    }
                }
                _ => {}
            }
        }
        let code = Rc::new(Code {
            ops,
            locals,
            end,
            else_,
            start,
        });
        self.code.insert(idx, code.clone());
        Ok(code)
    }

    fn block_arity(&self, bt: BlockType) -> Result<(usize, usize)> {
        Ok(match bt {
            BlockType::Empty => (0, 0),
            BlockType::Type(_) => (0, 1),
            BlockType::FuncType(t) => {
                let raw = self.module.raw_type(t)?;
                (raw.params.len(), raw.results.len())
            }
        })
    }

    fn call(
        &mut self,
        f: &mut Fold<'_, D>,
        idx: u32,
        args: Vec<FV<D::V>>,
        imports: &mut dyn ImportHandler<D>,
        depth: u32,
    ) -> Result<Vec<FV<D::V>>> {
        let module = self.module;
        if idx < module.num_imported_funcs() {
            let imp = &module.imports[idx as usize];
            let raw = module.raw_func_type(idx)?;
            let sym: Vec<D::V> = args.iter().map(|a| f.sym(a)).collect();
            let results = imports
                .call(f.d, &imp.module, &imp.name, &sym)
                .map_err(|e| {
                    anyhow!(
                        "{e:#} (import `{}`.`{}` has type {raw})",
                        imp.module,
                        imp.name
                    )
                })?;
            if results.len() != raw.results.len()
                || results
                    .iter()
                    .zip(&raw.results)
                    .any(|(r, t)| Some(f.d.width(r)) != storage_width(*t))
            {
                bail!(
                    "import `{}`.`{}` of type {raw} returned {} values of widths {:?}",
                    imp.module,
                    imp.name,
                    results.len(),
                    results.iter().map(|r| f.d.width(r)).collect::<Vec<_>>()
                );
            }
            return Ok(results.into_iter().map(FV::S).collect());
        }
        if depth >= self.max_call_depth {
            bail!(
                "call depth limit {} reached calling {}",
                self.max_call_depth,
                module.func_name(idx)
            );
        }
        let code = self.decode(idx)?;
        let mut locals = args;
        for t in &code.locals {
            let w = storage_width(*t).ok_or_else(|| {
                anyhow!(
                    "unsupported: local of type {} in {}",
                    wasm_type_name(*t),
                    module.func_name(idx)
                )
            })?;
            locals.push(FV::K(Bits::zero(w)));
        }
        let nresults = module.raw_func_type(idx)?.results.len();
        let mut frame = Frame {
            idx,
            code: &code,
            locals,
            stack: Vec::new(),
            labels: vec![Label {
                target: code.ops.len(),
                arity: nresults,
                height: 0,
            }],
            pc: 0,
            cur: 0,
        };
        while frame.pc < code.ops.len() {
            self.steps += 1;
            frame.cur = frame.pc;
            if self.steps > self.step_limit {
                bail!(
                    "step limit of {} operators exceeded at {} (a loop that does not terminate?)",
                    self.step_limit,
                    frame.loc(module)
                );
            }
            self.step(f, &mut frame, imports, depth)?;
        }
        let n = frame.stack.len();
        Ok(frame.stack.split_off(n - nresults))
    }

    /// Execute the operator at `frame.pc` and advance.
    fn step(
        &mut self,
        f: &mut Fold<'_, D>,
        fr: &mut Frame<'_, 'm, D::V>,
        imports: &mut dyn ImportHandler<D>,
        depth: u32,
    ) -> Result<()> {
        let module = self.module;
        let code = fr.code;
        let pc = fr.pc;
        let op = &code.ops[pc].0;
        fr.cur = pc;
        fr.pc += 1;
        match op {
            Operator::Nop => {}
            Operator::Unreachable => bail!("trap: unreachable executed at {}", fr.loc(module)),
            Operator::Block { blockty } | Operator::Loop { blockty } => {
                let (np, nr) = self.block_arity(*blockty)?;
                let is_loop = matches!(op, Operator::Loop { .. });
                fr.labels.push(Label {
                    target: if is_loop { pc } else { code.end[pc] + 1 },
                    arity: if is_loop { np } else { nr },
                    height: fr.stack.len() - np,
                });
            }
            Operator::If { blockty } => {
                let c = fr.pop();
                let taken = self.decide(f, fr, &c, op)?;
                let (np, nr) = self.block_arity(*blockty)?;
                fr.labels.push(Label {
                    target: code.end[pc] + 1,
                    arity: nr,
                    height: fr.stack.len() - np,
                });
                if !taken {
                    fr.pc = match code.else_[pc] {
                        Some(e) => e + 1,
                        // The `end` pops the label.
                        None => code.end[pc],
                    };
                }
            }
            // End of the taken arm: skip the other one.
            Operator::Else => fr.pc = code.end[pc],
            Operator::End => {
                fr.labels.pop();
            }
            Operator::Br { relative_depth } => fr.branch(*relative_depth),
            Operator::BrIf { relative_depth } => {
                let c = fr.pop();
                if self.decide(f, fr, &c, op)? {
                    fr.branch(*relative_depth);
                }
            }
            Operator::BrTable { targets } => {
                let i = fr.pop();
                let i = self.decide_index(f, fr, &i, op)?;
                let depth = if i < targets.len() {
                    targets
                        .targets()
                        .nth(i as usize)
                        .context("br_table target")??
                } else {
                    targets.default()
                };
                fr.branch(depth);
            }
            Operator::Return => fr.branch(fr.labels.len() as u32 - 1),
            Operator::Call { function_index } => {
                let n = module.raw_func_type(*function_index)?.params.len();
                let args = fr.stack.split_off(fr.stack.len() - n);
                let loc = fr.loc(module);
                // The callee's message stays first: it says what went wrong and where.
                let results = self
                    .call(f, *function_index, args, imports, depth + 1)
                    .map_err(|e| anyhow!("{e:#}, called from {loc}"))?;
                fr.stack.extend(results);
            }
            Operator::Drop => {
                fr.pop();
            }
            Operator::Select | Operator::TypedSelect { .. } => {
                let c = fr.pop();
                let b = fr.pop();
                let a = fr.pop();
                let z = f.lit(32, 0);
                let is_zero = f.binary(BinOp::Eq, &c, &z);
                let r = f.ite(&is_zero, &b, &a);
                fr.stack.push(r);
            }
            Operator::LocalGet { local_index } => {
                let v = fr.locals[*local_index as usize].clone();
                fr.stack.push(v);
            }
            Operator::LocalSet { local_index } => {
                fr.locals[*local_index as usize] = fr.pop();
            }
            Operator::LocalTee { local_index } => {
                fr.locals[*local_index as usize] = fr.stack.last().unwrap().clone();
            }
            Operator::GlobalGet { global_index } => {
                let v = self.globals[*global_index as usize].clone();
                fr.stack.push(v);
            }
            Operator::GlobalSet { global_index } => {
                self.globals[*global_index as usize] = fr.pop();
            }
            Operator::MemorySize { mem: 0 } => fr.stack.push(f.lit(32, self.pages as u128)),
            Operator::MemoryGrow { mem: 0 } => {
                let delta = fr.pop();
                let delta = f.as_const(&delta).ok_or_else(|| {
                    anyhow!(
                        "unsupported: memory.grow by a symbolic amount at {}",
                        fr.loc(module)
                    )
                })?;
                let max = module
                    .memory
                    .and_then(|m| m.maximum_pages)
                    .unwrap_or(MAX_PAGES)
                    .min(MAX_PAGES);
                let new = self.pages + delta.to_u64();
                let r = if new <= max {
                    let old = self.pages;
                    self.pages = new;
                    old as u32
                } else {
                    u32::MAX
                };
                fr.stack.push(f.lit(32, r as u128));
            }
            Operator::MemoryFill { mem: 0 }
            | Operator::MemoryCopy {
                dst_mem: 0,
                src_mem: 0,
            } => self.bulk_memory(f, fr, op)?,
            _ => {
                if let Some(access) = mem_access(op) {
                    return self.memory_op(f, fr, op, access);
                }
                self.note_division(f, fr, op);
                let done =
                    pure(f, op, &mut fr.stack).map_err(|e| anyhow!("{e} at {}", fr.loc(module)))?;
                if !done {
                    bail!("unsupported: {} at {}", op_name(op), fr.loc(module));
                }
            }
        }
        Ok(())
    }

    /// `memory.fill` / `memory.copy` with constant addresses and length.
    fn bulk_memory(
        &mut self,
        f: &mut Fold<'_, D>,
        fr: &mut Frame<'_, 'm, D::V>,
        op: &Operator<'m>,
    ) -> Result<()> {
        let module = self.module;
        let n = fr.pop();
        let val = fr.pop();
        let dst = fr.pop();
        let fill = matches!(op, Operator::MemoryFill { .. });
        let konst = |v: &FV<D::V>| f.as_const(v).map(|b| b.to_u64());
        let src = if fill { Some(0) } else { konst(&val) };
        let (Some(dst), Some(src), Some(n)) = (konst(&dst), src, konst(&n)) else {
            bail!(
                "unsupported: {} with a symbolic address or length at {}",
                op_name(op),
                fr.loc(module)
            );
        };
        self.bounds(dst, n)
            .and_then(|_| self.bounds(src, n))
            .map_err(|e| anyhow!("{e} ({}) at {}", op_name(op), fr.loc(module)))?;
        if fill {
            let byte = f.extract(&val, 7, 0);
            for i in 0..n {
                self.memory.insert((dst + i) as u32, byte.clone());
            }
        } else {
            // Read everything first: the ranges may overlap.
            let bytes: Vec<FV<D::V>> = (0..n)
                .map(|i| self.read_bytes(f, (src + i) as u32, 1))
                .collect();
            for (i, b) in bytes.into_iter().enumerate() {
                self.memory.insert((dst + i as u64) as u32, b);
            }
        }
        Ok(())
    }

    fn memory_op(
        &mut self,
        f: &mut Fold<'_, D>,
        fr: &mut Frame<'_, 'm, D::V>,
        op: &Operator<'m>,
        (memarg, len, lane): (MemArg, u32, Option<u8>),
    ) -> Result<()> {
        let module = self.module;
        if memarg.memory != 0 {
            bail!("unsupported: multiple memories at {}", fr.loc(module));
        }
        let is_store = matches!(
            op,
            Operator::I32Store { .. }
                | Operator::I64Store { .. }
                | Operator::I32Store8 { .. }
                | Operator::I32Store16 { .. }
                | Operator::I64Store8 { .. }
                | Operator::I64Store16 { .. }
                | Operator::I64Store32 { .. }
                | Operator::V128Store { .. }
                | Operator::V128Store8Lane { .. }
                | Operator::V128Store16Lane { .. }
                | Operator::V128Store32Lane { .. }
                | Operator::V128Store64Lane { .. }
        );
        // Operand order: address first, then the stored value or the vector for load_lane.
        let second = if is_store || lane.is_some() {
            Some(fr.pop())
        } else {
            None
        };
        let addr = fr.pop();
        let Some(base) = f.as_const(&addr) else {
            let value = f.sym(&addr);
            self.leaks.push(Leak {
                kind: LeakKind::Address,
                location: fr.loc(module),
                operator: op_name(op),
                value,
            });
            // A byte read from a constant table (an S-box array): the table applied to the
            // byte the address is a function of, so its values can still be proved.
            if !is_store && lane.is_none() && len == 1 {
                let offset = f.lit(f.width(&addr), memarg.offset as u128);
                let ea = f.add(&addr, &offset);
                let mut read = |a: u64| self.const_byte(a);
                if let Some(byte) = f.lookup(&ea, &mut read) {
                    fr.stack.push(match op {
                        Operator::I32Load8S { .. } => sext(f, &byte, 32),
                        Operator::I64Load8S { .. } => sext(f, &byte, 64),
                        Operator::I64Load8U { .. } => f.zext(&byte, 64),
                        _ => f.zext(&byte, 32),
                    });
                    return Ok(());
                }
            }
            bail!(
                "unsupported: {} at a symbolic address at {}",
                op_name(op),
                fr.loc(module)
            );
        };
        let ea = base.to_u64() + memarg.offset;
        self.bounds(ea, len as u64).map_err(|e| {
            anyhow!(
                "{e} ({} of {len} bytes at {ea:#x}) at {}",
                op_name(op),
                fr.loc(module)
            )
        })?;
        let ea = ea as u32;
        if is_store {
            let v = second.unwrap();
            let v = match lane {
                Some(l) => f.lane(&v, l as u32, len * 8),
                None => {
                    let w = f.width(&v);
                    if w > len * 8 {
                        f.extract(&v, len * 8 - 1, 0)
                    } else {
                        v
                    }
                }
            };
            self.write_bytes(f, ea, &v);
            return Ok(());
        }
        let raw = self.read_bytes(f, ea, len);
        let r = match op {
            Operator::I32Load { .. } | Operator::I64Load { .. } | Operator::V128Load { .. } => raw,
            Operator::I32Load8U { .. } | Operator::I32Load16U { .. } => f.zext(&raw, 32),
            Operator::I32Load8S { .. } | Operator::I32Load16S { .. } => sext(f, &raw, 32),
            Operator::I64Load8U { .. }
            | Operator::I64Load16U { .. }
            | Operator::I64Load32U { .. } => f.zext(&raw, 64),
            Operator::I64Load8S { .. }
            | Operator::I64Load16S { .. }
            | Operator::I64Load32S { .. } => sext(f, &raw, 64),
            Operator::V128Load8x8S { .. }
            | Operator::V128Load16x4S { .. }
            | Operator::V128Load32x2S { .. } => {
                let lanes: Vec<_> = lanes(f, &raw, len * 8 / 4)
                    .iter()
                    .map(|l| sext(f, l, len * 8 / 2))
                    .collect();
                f.from_lanes(&lanes)
            }
            Operator::V128Load8x8U { .. }
            | Operator::V128Load16x4U { .. }
            | Operator::V128Load32x2U { .. } => {
                let lanes: Vec<_> = lanes(f, &raw, len * 8 / 4)
                    .iter()
                    .map(|l| f.zext(l, len * 8 / 2))
                    .collect();
                f.from_lanes(&lanes)
            }
            Operator::V128Load8Splat { .. }
            | Operator::V128Load16Splat { .. }
            | Operator::V128Load32Splat { .. }
            | Operator::V128Load64Splat { .. } => {
                f.from_lanes(&vec![raw; (128 / (len * 8)) as usize])
            }
            Operator::V128Load32Zero { .. } | Operator::V128Load64Zero { .. } => f.zext(&raw, 128),
            Operator::V128Load8Lane { .. }
            | Operator::V128Load16Lane { .. }
            | Operator::V128Load32Lane { .. }
            | Operator::V128Load64Lane { .. } => {
                let v = second.unwrap();
                replace_lane(f, &v, len * 8, lane.unwrap() as u32, &raw)
            }
            _ => unreachable!("mem_access lists only loads and stores"),
        };
        fr.stack.push(r);
        Ok(())
    }
}

struct Frame<'c, 'm, V> {
    idx: u32,
    code: &'c Code<'m>,
    locals: Vec<FV<V>>,
    stack: Vec<FV<V>>,
    labels: Vec<Label>,
    pc: usize,
    /// Index of the operator being executed (for messages).
    cur: usize,
}

impl<V: Clone> Frame<'_, '_, V> {
    fn pop(&mut self) -> FV<V> {
        // Validation guarantees the operand is there.
        self.stack.pop().expect("validated stack")
    }

    /// `name+offset` of the operator being executed (offset from the start
    /// of the function body), with the module offset for `wasm-objdump -d`.
    fn loc(&self, module: &WasmModule) -> String {
        let off = self.code.ops[self.cur].1;
        format!(
            "{}+{:#x} (module offset {off:#x})",
            module.func_name(self.idx),
            off - self.code.start
        )
    }

    fn branch(&mut self, depth: u32) {
        let li = self.labels.len() - 1 - depth as usize;
        let label = &self.labels[li];
        let vals = self.stack.split_off(self.stack.len() - label.arity);
        self.stack.truncate(label.height);
        self.stack.extend(vals);
        self.pc = label.target;
        // A loop label is pushed again when its `loop` runs.
        self.labels.truncate(li);
    }
}

/// Address operand, access size in bytes and lane of a memory operator.
fn mem_access(op: &Operator<'_>) -> Option<(MemArg, u32, Option<u8>)> {
    use Operator as O;
    Some(match *op {
        O::I32Load { memarg } | O::I32Store { memarg } => (memarg, 4, None),
        O::I64Load { memarg } | O::I64Store { memarg } => (memarg, 8, None),
        O::I32Load8S { memarg }
        | O::I32Load8U { memarg }
        | O::I64Load8S { memarg }
        | O::I64Load8U { memarg }
        | O::I32Store8 { memarg }
        | O::I64Store8 { memarg }
        | O::V128Load8Splat { memarg } => (memarg, 1, None),
        O::I32Load16S { memarg }
        | O::I32Load16U { memarg }
        | O::I64Load16S { memarg }
        | O::I64Load16U { memarg }
        | O::I32Store16 { memarg }
        | O::I64Store16 { memarg }
        | O::V128Load16Splat { memarg } => (memarg, 2, None),
        O::I64Load32S { memarg }
        | O::I64Load32U { memarg }
        | O::I64Store32 { memarg }
        | O::V128Load32Splat { memarg }
        | O::V128Load32Zero { memarg } => (memarg, 4, None),
        O::V128Load8x8S { memarg }
        | O::V128Load8x8U { memarg }
        | O::V128Load16x4S { memarg }
        | O::V128Load16x4U { memarg }
        | O::V128Load32x2S { memarg }
        | O::V128Load32x2U { memarg }
        | O::V128Load64Splat { memarg }
        | O::V128Load64Zero { memarg } => (memarg, 8, None),
        O::V128Load { memarg } | O::V128Store { memarg } => (memarg, 16, None),
        O::V128Load8Lane { memarg, lane } | O::V128Store8Lane { memarg, lane } => {
            (memarg, 1, Some(lane))
        }
        O::V128Load16Lane { memarg, lane } | O::V128Store16Lane { memarg, lane } => {
            (memarg, 2, Some(lane))
        }
        O::V128Load32Lane { memarg, lane } | O::V128Store32Lane { memarg, lane } => {
            (memarg, 4, Some(lane))
        }
        O::V128Load64Lane { memarg, lane } | O::V128Store64Lane { memarg, lane } => {
            (memarg, 8, Some(lane))
        }
        _ => return None,
    })
}

// ---------------------------------------------------------------------------
// Pure operators (stack in, stack out), written once over any Domain

#[derive(Copy, Clone)]
enum Cmp {
    Eq,
    Ne,
    LtS,
    LtU,
    GtS,
    GtU,
    LeS,
    LeU,
    GeS,
    GeU,
}

/// 1-bit comparison result.
fn compare<E: Domain>(e: &mut E, c: Cmp, a: &E::V, b: &E::V) -> E::V {
    let (op, x, y, negate) = match c {
        Cmp::Eq => (BinOp::Eq, a, b, false),
        Cmp::Ne => (BinOp::Eq, a, b, true),
        Cmp::LtS => (BinOp::Slt, a, b, false),
        Cmp::LtU => (BinOp::Ult, a, b, false),
        Cmp::GtS => (BinOp::Slt, b, a, false),
        Cmp::GtU => (BinOp::Ult, b, a, false),
        Cmp::LeS => (BinOp::Slt, b, a, true),
        Cmp::LeU => (BinOp::Ult, b, a, true),
        Cmp::GeS => (BinOp::Slt, a, b, true),
        Cmp::GeU => (BinOp::Ult, a, b, true),
    };
    let r = e.binary(op, x, y);
    if negate {
        e.not(&r)
    } else {
        r
    }
}

/// Scalar integer binary operators.
#[derive(Copy, Clone)]
enum IntOp {
    Bin(BinOp),
    Shift(BinOp),
    Rotl,
    Rotr,
    Cmp(Cmp),
    DivS,
    DivU,
    RemS,
    RemU,
}

fn int_binop(op: &Operator<'_>) -> Option<(u32, IntOp)> {
    use IntOp::*;
    use Operator as O;
    Some(match op {
        O::I32Add => (32, Bin(BinOp::Add)),
        O::I32Sub => (32, Bin(BinOp::Sub)),
        O::I32Mul => (32, Bin(BinOp::Mul)),
        O::I32And => (32, Bin(BinOp::And)),
        O::I32Or => (32, Bin(BinOp::Or)),
        O::I32Xor => (32, Bin(BinOp::Xor)),
        O::I32Shl => (32, Shift(BinOp::Shl)),
        O::I32ShrU => (32, Shift(BinOp::Lshr)),
        O::I32ShrS => (32, Shift(BinOp::Ashr)),
        O::I32Rotl => (32, Rotl),
        O::I32Rotr => (32, Rotr),
        O::I32DivS => (32, DivS),
        O::I32DivU => (32, DivU),
        O::I32RemS => (32, RemS),
        O::I32RemU => (32, RemU),
        O::I32Eq => (32, Cmp(self::Cmp::Eq)),
        O::I32Ne => (32, Cmp(self::Cmp::Ne)),
        O::I32LtS => (32, Cmp(self::Cmp::LtS)),
        O::I32LtU => (32, Cmp(self::Cmp::LtU)),
        O::I32GtS => (32, Cmp(self::Cmp::GtS)),
        O::I32GtU => (32, Cmp(self::Cmp::GtU)),
        O::I32LeS => (32, Cmp(self::Cmp::LeS)),
        O::I32LeU => (32, Cmp(self::Cmp::LeU)),
        O::I32GeS => (32, Cmp(self::Cmp::GeS)),
        O::I32GeU => (32, Cmp(self::Cmp::GeU)),
        O::I64Add => (64, Bin(BinOp::Add)),
        O::I64Sub => (64, Bin(BinOp::Sub)),
        O::I64Mul => (64, Bin(BinOp::Mul)),
        O::I64And => (64, Bin(BinOp::And)),
        O::I64Or => (64, Bin(BinOp::Or)),
        O::I64Xor => (64, Bin(BinOp::Xor)),
        O::I64Shl => (64, Shift(BinOp::Shl)),
        O::I64ShrU => (64, Shift(BinOp::Lshr)),
        O::I64ShrS => (64, Shift(BinOp::Ashr)),
        O::I64Rotl => (64, Rotl),
        O::I64Rotr => (64, Rotr),
        O::I64DivS => (64, DivS),
        O::I64DivU => (64, DivU),
        O::I64RemS => (64, RemS),
        O::I64RemU => (64, RemU),
        O::I64Eq => (64, Cmp(self::Cmp::Eq)),
        O::I64Ne => (64, Cmp(self::Cmp::Ne)),
        O::I64LtS => (64, Cmp(self::Cmp::LtS)),
        O::I64LtU => (64, Cmp(self::Cmp::LtU)),
        O::I64GtS => (64, Cmp(self::Cmp::GtS)),
        O::I64GtU => (64, Cmp(self::Cmp::GtU)),
        O::I64LeS => (64, Cmp(self::Cmp::LeS)),
        O::I64LeU => (64, Cmp(self::Cmp::LeU)),
        O::I64GeS => (64, Cmp(self::Cmp::GeS)),
        O::I64GeU => (64, Cmp(self::Cmp::GeU)),
        _ => return None,
    })
}

/// Wasm shifts and rotates use the amount modulo the width.
fn mask_amount<E: Domain>(e: &mut E, n: &E::V, w: u32) -> E::V {
    let m = e.lit(w, (w - 1) as u128);
    e.and(n, &m)
}

fn rotate_left<E: Domain>(e: &mut E, a: &E::V, n: &E::V, w: u32) -> E::V {
    if let Some(k) = e.as_const(n) {
        return e.rotl(a, (k.to_u64() % w as u64) as u32);
    }
    // (a << n) | (a >> ((w - n) mod w)); for n = 0 both halves are `a`.
    let n = mask_amount(e, n, w);
    let wl = e.lit(w, w as u128);
    let back = e.binary(BinOp::Sub, &wl, &n);
    let back = mask_amount(e, &back, w);
    let l = e.binary(BinOp::Shl, a, &n);
    let r = e.binary(BinOp::Lshr, a, &back);
    e.or(&l, &r)
}

fn int_apply<E: Domain>(e: &mut E, w: u32, op: IntOp, a: &E::V, b: &E::V) -> Result<E::V> {
    Ok(match op {
        IntOp::Bin(o) => e.binary(o, a, b),
        IntOp::Shift(o) => {
            let n = mask_amount(e, b, w);
            e.binary(o, a, &n)
        }
        IntOp::Rotl => rotate_left(e, a, b, w),
        IntOp::Rotr => {
            // rotr n = rotl (w - n)
            let wl = e.lit(w, w as u128);
            let n = e.binary(BinOp::Sub, &wl, b);
            rotate_left(e, a, &n, w)
        }
        IntOp::Cmp(c) => {
            let r = compare(e, c, a, b);
            e.zext(&r, 32)
        }
        IntOp::DivS | IntOp::DivU | IntOp::RemS | IntOp::RemU => {
            let (Some(x), Some(y)) = (e.as_const(a), e.as_const(b)) else {
                bail!("unsupported: integer division of a symbolic operand");
            };
            let (x, y) = (x.to_u64(), y.to_u64());
            if y == 0 {
                bail!("trap: integer divide by zero");
            }
            let sx = |v: u64| {
                if w == 32 {
                    v as u32 as i32 as i64
                } else {
                    v as i64
                }
            };
            let r = match op {
                IntOp::DivU => x / y,
                IntOp::RemU => x % y,
                IntOp::DivS => {
                    let (p, q) = (sx(x), sx(y));
                    let min = if w == 32 { i32::MIN as i64 } else { i64::MIN };
                    if p == min && q == -1 {
                        bail!("trap: integer overflow");
                    }
                    p.wrapping_div(q) as u64
                }
                _ => sx(x).wrapping_rem(sx(y)) as u64,
            };
            e.lit(w, r as u128 & ((1u128 << w) - 1))
        }
    })
}

/// Sign-extend `v` to `to` bits.
fn sext<E: Domain>(e: &mut E, v: &E::V, to: u32) -> E::V {
    let w = e.width(v);
    if w == to {
        return v.clone();
    }
    let z = e.zext(v, to);
    let s = e.lit(to, (to - w) as u128);
    let t = e.binary(BinOp::Shl, &z, &s);
    e.binary(BinOp::Ashr, &t, &s)
}

fn lanes<E: Domain>(e: &mut E, v: &E::V, w: u32) -> Vec<E::V> {
    let n = e.width(v) / w;
    (0..n).map(|i| e.lane(v, i, w)).collect()
}

fn replace_lane<E: Domain>(e: &mut E, v: &E::V, w: u32, i: u32, x: &E::V) -> E::V {
    let mut ls = lanes(e, v, w);
    ls[i as usize] = if e.width(x) > w {
        e.extract(x, w - 1, 0)
    } else {
        x.clone()
    };
    e.from_lanes(&ls)
}

fn map2<E: Domain>(
    e: &mut E,
    w: u32,
    a: &E::V,
    b: &E::V,
    mut f: impl FnMut(&mut E, &E::V, &E::V) -> E::V,
) -> E::V {
    let la = lanes(e, a, w);
    let lb = lanes(e, b, w);
    let out: Vec<E::V> = la.iter().zip(&lb).map(|(x, y)| f(e, x, y)).collect();
    e.from_lanes(&out)
}

fn map1<E: Domain>(e: &mut E, w: u32, a: &E::V, mut f: impl FnMut(&mut E, &E::V) -> E::V) -> E::V {
    let la = lanes(e, a, w);
    let out: Vec<E::V> = la.iter().map(|x| f(e, x)).collect();
    e.from_lanes(&out)
}

/// All ones if the 1-bit `c` is set, else zero, `w` bits wide.
fn mask<E: Domain>(e: &mut E, c: &E::V, w: u32) -> E::V {
    let ones = e.constant(Bits::ones(w));
    let zero = e.lit(w, 0);
    e.ite(c, &ones, &zero)
}

fn popcount<E: Domain>(e: &mut E, v: &E::V) -> E::V {
    let w = e.width(v);
    let mut acc = e.lit(w, 0);
    for i in 0..w {
        let bit = e.extract(v, i, i);
        let bit = e.zext(&bit, w);
        acc = e.add(&acc, &bit);
    }
    acc
}

#[derive(Copy, Clone)]
enum LaneOp {
    Bin(BinOp),
    Cmp(Cmp),
    MinS,
    MinU,
    MaxS,
    MaxU,
    AvgrU,
}

fn simd_binop(op: &Operator<'_>) -> Option<(u32, LaneOp)> {
    use LaneOp::*;
    use Operator as O;
    Some(match op {
        O::I8x16Add => (8, Bin(BinOp::Add)),
        O::I16x8Add => (16, Bin(BinOp::Add)),
        O::I32x4Add => (32, Bin(BinOp::Add)),
        O::I64x2Add => (64, Bin(BinOp::Add)),
        O::I8x16Sub => (8, Bin(BinOp::Sub)),
        O::I16x8Sub => (16, Bin(BinOp::Sub)),
        O::I32x4Sub => (32, Bin(BinOp::Sub)),
        O::I64x2Sub => (64, Bin(BinOp::Sub)),
        O::I16x8Mul => (16, Bin(BinOp::Mul)),
        O::I32x4Mul => (32, Bin(BinOp::Mul)),
        O::I64x2Mul => (64, Bin(BinOp::Mul)),
        O::I8x16MinS => (8, MinS),
        O::I8x16MinU => (8, MinU),
        O::I8x16MaxS => (8, MaxS),
        O::I8x16MaxU => (8, MaxU),
        O::I16x8MinS => (16, MinS),
        O::I16x8MinU => (16, MinU),
        O::I16x8MaxS => (16, MaxS),
        O::I16x8MaxU => (16, MaxU),
        O::I32x4MinS => (32, MinS),
        O::I32x4MinU => (32, MinU),
        O::I32x4MaxS => (32, MaxS),
        O::I32x4MaxU => (32, MaxU),
        O::I8x16AvgrU => (8, AvgrU),
        O::I16x8AvgrU => (16, AvgrU),
        O::I8x16Eq => (8, Cmp(self::Cmp::Eq)),
        O::I8x16Ne => (8, Cmp(self::Cmp::Ne)),
        O::I8x16LtS => (8, Cmp(self::Cmp::LtS)),
        O::I8x16LtU => (8, Cmp(self::Cmp::LtU)),
        O::I8x16GtS => (8, Cmp(self::Cmp::GtS)),
        O::I8x16GtU => (8, Cmp(self::Cmp::GtU)),
        O::I8x16LeS => (8, Cmp(self::Cmp::LeS)),
        O::I8x16LeU => (8, Cmp(self::Cmp::LeU)),
        O::I8x16GeS => (8, Cmp(self::Cmp::GeS)),
        O::I8x16GeU => (8, Cmp(self::Cmp::GeU)),
        O::I16x8Eq => (16, Cmp(self::Cmp::Eq)),
        O::I16x8Ne => (16, Cmp(self::Cmp::Ne)),
        O::I16x8LtS => (16, Cmp(self::Cmp::LtS)),
        O::I16x8LtU => (16, Cmp(self::Cmp::LtU)),
        O::I16x8GtS => (16, Cmp(self::Cmp::GtS)),
        O::I16x8GtU => (16, Cmp(self::Cmp::GtU)),
        O::I16x8LeS => (16, Cmp(self::Cmp::LeS)),
        O::I16x8LeU => (16, Cmp(self::Cmp::LeU)),
        O::I16x8GeS => (16, Cmp(self::Cmp::GeS)),
        O::I16x8GeU => (16, Cmp(self::Cmp::GeU)),
        O::I32x4Eq => (32, Cmp(self::Cmp::Eq)),
        O::I32x4Ne => (32, Cmp(self::Cmp::Ne)),
        O::I32x4LtS => (32, Cmp(self::Cmp::LtS)),
        O::I32x4LtU => (32, Cmp(self::Cmp::LtU)),
        O::I32x4GtS => (32, Cmp(self::Cmp::GtS)),
        O::I32x4GtU => (32, Cmp(self::Cmp::GtU)),
        O::I32x4LeS => (32, Cmp(self::Cmp::LeS)),
        O::I32x4LeU => (32, Cmp(self::Cmp::LeU)),
        O::I32x4GeS => (32, Cmp(self::Cmp::GeS)),
        O::I32x4GeU => (32, Cmp(self::Cmp::GeU)),
        O::I64x2Eq => (64, Cmp(self::Cmp::Eq)),
        O::I64x2Ne => (64, Cmp(self::Cmp::Ne)),
        O::I64x2LtS => (64, Cmp(self::Cmp::LtS)),
        O::I64x2GtS => (64, Cmp(self::Cmp::GtS)),
        O::I64x2LeS => (64, Cmp(self::Cmp::LeS)),
        O::I64x2GeS => (64, Cmp(self::Cmp::GeS)),
        _ => return None,
    })
}

fn lane_apply<E: Domain>(e: &mut E, w: u32, op: LaneOp, x: &E::V, y: &E::V) -> E::V {
    let pick = |e: &mut E, o: BinOp, first_if: bool| {
        let c = e.binary(o, x, y);
        if first_if {
            e.ite(&c, x, y)
        } else {
            e.ite(&c, y, x)
        }
    };
    match op {
        LaneOp::Bin(o) => e.binary(o, x, y),
        LaneOp::Cmp(c) => {
            let r = compare(e, c, x, y);
            mask(e, &r, w)
        }
        LaneOp::MinS => pick(e, BinOp::Slt, true),
        LaneOp::MinU => pick(e, BinOp::Ult, true),
        LaneOp::MaxS => pick(e, BinOp::Slt, false),
        LaneOp::MaxU => pick(e, BinOp::Ult, false),
        LaneOp::AvgrU => {
            // (x + y + 1) / 2 computed one bit wider.
            let xa = e.zext(x, w + 1);
            let ya = e.zext(y, w + 1);
            let one = e.lit(w + 1, 1);
            let s = e.add(&xa, &ya);
            let s = e.add(&s, &one);
            let s = e.lshr_const(&s, 1);
            e.extract(&s, w - 1, 0)
        }
    }
}

/// Execute `op` if it is a pure operator; `Ok(false)` if it is not one.
fn pure<E: Domain>(e: &mut E, op: &Operator<'_>, stack: &mut Vec<E::V>) -> Result<bool> {
    use Operator as O;
    let pop = |s: &mut Vec<E::V>| s.pop().expect("validated stack");
    if let Some((w, iop)) = int_binop(op) {
        let b = pop(stack);
        let a = pop(stack);
        let r = int_apply(e, w, iop, &a, &b)?;
        stack.push(r);
        return Ok(true);
    }
    if let Some((w, lop)) = simd_binop(op) {
        let b = pop(stack);
        let a = pop(stack);
        let r = map2(e, w, &a, &b, |e, x, y| lane_apply(e, w, lop, x, y));
        stack.push(r);
        return Ok(true);
    }
    let r = match *op {
        O::I32Const { value } => e.lit(32, value as u32 as u128),
        O::I64Const { value } => e.lit(64, value as u64 as u128),
        O::V128Const { value } => e.lit(128, value.i128() as u128),
        O::I32Eqz | O::I64Eqz => {
            let a = pop(stack);
            let w = e.width(&a);
            let z = e.lit(w, 0);
            let c = e.binary(BinOp::Eq, &a, &z);
            e.zext(&c, 32)
        }
        O::I32Popcnt | O::I64Popcnt => {
            let a = pop(stack);
            popcount(e, &a)
        }
        O::I32Clz | O::I64Clz => {
            let a = pop(stack);
            let w = e.width(&a);
            // The highest set bit decides: later (higher) bits override.
            let mut r = e.lit(w, w as u128);
            for i in 0..w {
                let bit = e.extract(&a, i, i);
                let n = e.lit(w, (w - 1 - i) as u128);
                r = e.ite(&bit, &n, &r);
            }
            r
        }
        O::I32Ctz | O::I64Ctz => {
            let a = pop(stack);
            let w = e.width(&a);
            let mut r = e.lit(w, w as u128);
            for i in (0..w).rev() {
                let bit = e.extract(&a, i, i);
                let n = e.lit(w, i as u128);
                r = e.ite(&bit, &n, &r);
            }
            r
        }
        O::I32WrapI64 => {
            let a = pop(stack);
            e.extract(&a, 31, 0)
        }
        O::I64ExtendI32U => {
            let a = pop(stack);
            e.zext(&a, 64)
        }
        O::I64ExtendI32S => {
            let a = pop(stack);
            sext(e, &a, 64)
        }
        O::I32Extend8S | O::I32Extend16S | O::I64Extend8S | O::I64Extend16S | O::I64Extend32S => {
            let a = pop(stack);
            let w = e.width(&a);
            let from = match op {
                O::I32Extend8S | O::I64Extend8S => 8,
                O::I32Extend16S | O::I64Extend16S => 16,
                _ => 32,
            };
            let low = e.extract(&a, from - 1, 0);
            sext(e, &low, w)
        }
        O::I8x16Shuffle { lanes: sel } => {
            let b = pop(stack);
            let a = pop(stack);
            let mut bytes = lanes(e, &a, 8);
            bytes.extend(lanes(e, &b, 8));
            let out: Vec<E::V> = sel.iter().map(|&i| bytes[i as usize].clone()).collect();
            e.from_lanes(&out)
        }
        O::I8x16Swizzle => {
            let s = pop(stack);
            let a = pop(stack);
            let bytes = lanes(e, &a, 8);
            let idx = lanes(e, &s, 8);
            let out: Vec<E::V> = idx
                .iter()
                .map(|i| match e.as_const(i) {
                    Some(k) if k.to_u64() < 16 => bytes[k.to_u64() as usize].clone(),
                    Some(_) => e.lit(8, 0),
                    None => {
                        // Out-of-range indices select zero.
                        let mut r = e.lit(8, 0);
                        for (j, byte) in bytes.iter().enumerate() {
                            let jl = e.lit(8, j as u128);
                            let c = e.binary(BinOp::Eq, i, &jl);
                            r = e.ite(&c, byte, &r);
                        }
                        r
                    }
                })
                .collect();
            e.from_lanes(&out)
        }
        O::I8x16Splat | O::I16x8Splat | O::I32x4Splat | O::I64x2Splat => {
            let w = match op {
                O::I8x16Splat => 8,
                O::I16x8Splat => 16,
                O::I32x4Splat => 32,
                _ => 64,
            };
            let a = pop(stack);
            let x = if e.width(&a) > w {
                e.extract(&a, w - 1, 0)
            } else {
                a
            };
            e.from_lanes(&vec![x; (128 / w) as usize])
        }
        O::I8x16ExtractLaneS { lane } | O::I16x8ExtractLaneS { lane } => {
            let w = if matches!(op, O::I8x16ExtractLaneS { .. }) {
                8
            } else {
                16
            };
            let a = pop(stack);
            let l = e.lane(&a, lane as u32, w);
            sext(e, &l, 32)
        }
        O::I8x16ExtractLaneU { lane } | O::I16x8ExtractLaneU { lane } => {
            let w = if matches!(op, O::I8x16ExtractLaneU { .. }) {
                8
            } else {
                16
            };
            let a = pop(stack);
            let l = e.lane(&a, lane as u32, w);
            e.zext(&l, 32)
        }
        O::I32x4ExtractLane { lane } | O::I64x2ExtractLane { lane } => {
            let w = if matches!(op, O::I32x4ExtractLane { .. }) {
                32
            } else {
                64
            };
            let a = pop(stack);
            e.lane(&a, lane as u32, w)
        }
        O::I8x16ReplaceLane { lane }
        | O::I16x8ReplaceLane { lane }
        | O::I32x4ReplaceLane { lane }
        | O::I64x2ReplaceLane { lane } => {
            let w = match op {
                O::I8x16ReplaceLane { .. } => 8,
                O::I16x8ReplaceLane { .. } => 16,
                O::I32x4ReplaceLane { .. } => 32,
                _ => 64,
            };
            let x = pop(stack);
            let v = pop(stack);
            replace_lane(e, &v, w, lane as u32, &x)
        }
        O::V128Not => {
            let a = pop(stack);
            e.not(&a)
        }
        O::V128And | O::V128Or | O::V128Xor | O::V128AndNot => {
            let b = pop(stack);
            let a = pop(stack);
            match op {
                O::V128And => e.and(&a, &b),
                O::V128Or => e.or(&a, &b),
                O::V128Xor => e.xor(&a, &b),
                _ => {
                    let nb = e.not(&b);
                    e.and(&a, &nb)
                }
            }
        }
        O::V128Bitselect => {
            let c = pop(stack);
            let v2 = pop(stack);
            let v1 = pop(stack);
            let t = e.and(&v1, &c);
            let nc = e.not(&c);
            let u = e.and(&v2, &nc);
            e.or(&t, &u)
        }
        O::V128AnyTrue => {
            let a = pop(stack);
            let z = e.lit(128, 0);
            let c = e.binary(BinOp::Eq, &a, &z);
            let c = e.not(&c);
            e.zext(&c, 32)
        }
        O::I8x16AllTrue | O::I16x8AllTrue | O::I32x4AllTrue | O::I64x2AllTrue => {
            let w = match op {
                O::I8x16AllTrue => 8,
                O::I16x8AllTrue => 16,
                O::I32x4AllTrue => 32,
                _ => 64,
            };
            let a = pop(stack);
            let z = e.lit(w, 0);
            let mut acc = e.lit(1, 1);
            for l in lanes(e, &a, w) {
                let c = e.binary(BinOp::Eq, &l, &z);
                let nz = e.not(&c);
                acc = e.and(&acc, &nz);
            }
            e.zext(&acc, 32)
        }
        O::I8x16Bitmask | O::I16x8Bitmask | O::I32x4Bitmask | O::I64x2Bitmask => {
            let w = match op {
                O::I8x16Bitmask => 8,
                O::I16x8Bitmask => 16,
                O::I32x4Bitmask => 32,
                _ => 64,
            };
            let a = pop(stack);
            let ls = lanes(e, &a, w);
            let bits: Vec<E::V> = ls.iter().map(|l| e.extract(l, w - 1, w - 1)).collect();
            let m = e.from_lanes(&bits);
            e.zext(&m, 32)
        }
        O::I8x16Neg | O::I16x8Neg | O::I32x4Neg | O::I64x2Neg => {
            let w = match op {
                O::I8x16Neg => 8,
                O::I16x8Neg => 16,
                O::I32x4Neg => 32,
                _ => 64,
            };
            let a = pop(stack);
            map1(e, w, &a, |e, x| {
                let z = e.lit(w, 0);
                e.binary(BinOp::Sub, &z, x)
            })
        }
        O::I8x16Abs | O::I16x8Abs | O::I32x4Abs | O::I64x2Abs => {
            let w = match op {
                O::I8x16Abs => 8,
                O::I16x8Abs => 16,
                O::I32x4Abs => 32,
                _ => 64,
            };
            let a = pop(stack);
            map1(e, w, &a, |e, x| {
                let z = e.lit(w, 0);
                let neg = e.binary(BinOp::Slt, x, &z);
                let nx = e.binary(BinOp::Sub, &z, x);
                e.ite(&neg, &nx, x)
            })
        }
        O::I8x16Popcnt => {
            let a = pop(stack);
            map1(e, 8, &a, |e, x| popcount(e, x))
        }
        O::I8x16Shl
        | O::I8x16ShrS
        | O::I8x16ShrU
        | O::I16x8Shl
        | O::I16x8ShrS
        | O::I16x8ShrU
        | O::I32x4Shl
        | O::I32x4ShrS
        | O::I32x4ShrU
        | O::I64x2Shl
        | O::I64x2ShrS
        | O::I64x2ShrU => {
            let (w, sop) = match op {
                O::I8x16Shl => (8, BinOp::Shl),
                O::I8x16ShrS => (8, BinOp::Ashr),
                O::I8x16ShrU => (8, BinOp::Lshr),
                O::I16x8Shl => (16, BinOp::Shl),
                O::I16x8ShrS => (16, BinOp::Ashr),
                O::I16x8ShrU => (16, BinOp::Lshr),
                O::I32x4Shl => (32, BinOp::Shl),
                O::I32x4ShrS => (32, BinOp::Ashr),
                O::I32x4ShrU => (32, BinOp::Lshr),
                O::I64x2Shl => (64, BinOp::Shl),
                O::I64x2ShrS => (64, BinOp::Ashr),
                _ => (64, BinOp::Lshr),
            };
            let n = pop(stack);
            let a = pop(stack);
            // The i32 amount modulo the lane width, at the lane width (not modulo 32 first:
            // i64x2 shifts take amounts up to 63).
            let lw = e.lit(32, (w - 1) as u128);
            let n = e.and(&n, &lw);
            let n = if w < 32 {
                e.extract(&n, w - 1, 0)
            } else {
                e.zext(&n, w)
            };
            map1(e, w, &a, |e, x| e.binary(sop, x, &n))
        }
        O::I16x8ExtendLowI8x16S
        | O::I16x8ExtendHighI8x16S
        | O::I16x8ExtendLowI8x16U
        | O::I16x8ExtendHighI8x16U
        | O::I32x4ExtendLowI16x8S
        | O::I32x4ExtendHighI16x8S
        | O::I32x4ExtendLowI16x8U
        | O::I32x4ExtendHighI16x8U
        | O::I64x2ExtendLowI32x4S
        | O::I64x2ExtendHighI32x4S
        | O::I64x2ExtendLowI32x4U
        | O::I64x2ExtendHighI32x4U => {
            let name = op_name(op);
            let w = if name.starts_with("i16x8") {
                8
            } else if name.starts_with("i32x4") {
                16
            } else {
                32
            };
            let high = name.contains("high");
            let signed = name.ends_with("_s");
            let a = pop(stack);
            let ls = lanes(e, &a, w);
            let half = ls.len() / 2;
            let pick = if high { &ls[half..] } else { &ls[..half] };
            let out: Vec<E::V> = pick
                .iter()
                .map(|l| {
                    if signed {
                        sext(e, l, 2 * w)
                    } else {
                        e.zext(l, 2 * w)
                    }
                })
                .collect();
            e.from_lanes(&out)
        }
        _ => return Ok(false),
    };
    stack.push(r);
    Ok(true)
}
