//! Parsing a validated Wasm module into the facts the translator and the runtimes need.

use crate::vmctx;
use anyhow::{anyhow, bail, Context as _, Result};
use std::collections::HashMap;
use wasmparser::{
    CompositeInnerType, ConstExpr, DataKind, ExternalKind, FunctionBody, KnownCustom, Name,
    Operator, Parser, Payload, TypeRef, ValType, Validator,
};

/// A Wasm value type the engine supports (floats are rejected at parse time).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum WasmTy {
    I32,
    I64,
    V128,
}

impl WasmTy {
    pub fn from_val_type(t: ValType) -> Result<WasmTy> {
        match t {
            ValType::I32 => Ok(WasmTy::I32),
            ValType::I64 => Ok(WasmTy::I64),
            ValType::V128 => Ok(WasmTy::V128),
            other => Err(anyhow!(
                "unsupported: value type {}",
                crate::names::val_type_name(other)
            )),
        }
    }

    /// The Cranelift type used for this Wasm type everywhere in the engine. v128 values are
    /// always kept as `I32X4` (the type handed to intrinsic lowerings), bitcast per operator.
    pub fn clif(self) -> cranelift_codegen::ir::Type {
        use cranelift_codegen::ir::types;
        match self {
            WasmTy::I32 => types::I32,
            WasmTy::I64 => types::I64,
            WasmTy::V128 => types::I32X4,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            WasmTy::I32 => "i32",
            WasmTy::I64 => "i64",
            WasmTy::V128 => "v128",
        }
    }
}

/// A function type. Types containing unsupported value types are kept as `None` so that a
/// module merely declaring them still loads; using them is an error.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct FuncSig {
    pub params: Vec<WasmTy>,
    pub results: Vec<WasmTy>,
}

#[derive(Clone, Debug)]
pub struct ImportedFunc {
    pub module: String,
    pub name: String,
    pub type_index: u32,
}

#[derive(Clone, Debug)]
pub struct GlobalDef {
    pub ty: WasmTy,
    pub mutable: bool,
    /// Initial value, little-endian in the low bits (as stored in the VmCtx slot).
    pub init: u128,
}

#[derive(Clone, Debug)]
pub struct DataSegment<'a> {
    pub offset: u32,
    pub bytes: &'a [u8],
}

#[derive(Clone, Copy, Debug)]
pub struct MemoryDef {
    pub initial_pages: u64,
    pub maximum_pages: Option<u64>,
}

/// Everything the engine needs from a module, borrowed from the original bytes.
pub struct ModuleInfo<'a> {
    pub bytes: &'a [u8],
    /// Function types by type index; `Err` text if the type uses unsupported value types.
    pub types: Vec<std::result::Result<FuncSig, String>>,
    /// Type index for every function (imports first, then defined functions).
    pub func_types: Vec<u32>,
    pub imports: Vec<ImportedFunc>,
    pub globals: Vec<GlobalDef>,
    pub memory: Option<MemoryDef>,
    /// Exported functions in export-section order: (export name, function index).
    pub func_exports: Vec<(String, u32)>,
    pub start: Option<u32>,
    pub data: Vec<DataSegment<'a>>,
    pub bodies: Vec<FunctionBody<'a>>,
    /// Names from the name section.
    pub func_names: HashMap<u32, String>,
}

impl<'a> ModuleInfo<'a> {
    /// Validate (with wasmparser's default feature set) and parse `bytes`.
    pub fn parse(bytes: &'a [u8]) -> Result<ModuleInfo<'a>> {
        Validator::new()
            .validate_all(bytes)
            .map_err(|e| anyhow!("invalid wasm module: {e}"))?;

        let mut info = ModuleInfo {
            bytes,
            types: Vec::new(),
            func_types: Vec::new(),
            imports: Vec::new(),
            globals: Vec::new(),
            memory: None,
            func_exports: Vec::new(),
            start: None,
            data: Vec::new(),
            bodies: Vec::new(),
            func_names: HashMap::new(),
        };

        for payload in Parser::new(0).parse_all(bytes) {
            match payload? {
                Payload::TypeSection(reader) => {
                    for rec_group in reader {
                        for sub in rec_group?.into_types() {
                            info.types.push(match &sub.composite_type.inner {
                                CompositeInnerType::Func(ft) => {
                                    convert_sig(ft.params(), ft.results())
                                }
                                _ => Err("non-function type".to_string()),
                            });
                        }
                    }
                }
                Payload::ImportSection(reader) => {
                    for import in reader {
                        let import = import?;
                        match import.ty {
                            TypeRef::Func(type_index) => {
                                info.func_types.push(type_index);
                                info.imports.push(ImportedFunc {
                                    module: import.module.to_string(),
                                    name: import.name.to_string(),
                                    type_index,
                                });
                            }
                            _ => bail!(
                                "unsupported: import {}::{} (only function imports are supported)",
                                import.module,
                                import.name
                            ),
                        }
                    }
                }
                Payload::FunctionSection(reader) => {
                    for ty in reader {
                        info.func_types.push(ty?);
                    }
                }
                Payload::MemorySection(reader) => {
                    for mem in reader {
                        let mem = mem?;
                        if mem.memory64 || mem.shared {
                            bail!("unsupported: memory64 or shared memory");
                        }
                        if info.memory.is_some() {
                            bail!("unsupported: multiple memories");
                        }
                        if mem.initial > vmctx::MAX_MEMORY_PAGES {
                            bail!(
                                "memory of {} initial pages exceeds the engine's limit of {} \
                                 pages (4 GiB - 64 KiB)",
                                mem.initial,
                                vmctx::MAX_MEMORY_PAGES
                            );
                        }
                        info.memory = Some(MemoryDef {
                            initial_pages: mem.initial,
                            maximum_pages: mem.maximum,
                        });
                    }
                }
                Payload::GlobalSection(reader) => {
                    for global in reader {
                        let global = global?;
                        let ty = WasmTy::from_val_type(global.ty.content_type)
                            .context("in global section")?;
                        let init = eval_const(&global.init_expr, &info.globals)
                            .context("global initialiser")?;
                        info.globals.push(GlobalDef {
                            ty,
                            mutable: global.ty.mutable,
                            init,
                        });
                    }
                }
                Payload::ExportSection(reader) => {
                    for export in reader {
                        let export = export?;
                        if export.kind == ExternalKind::Func {
                            info.func_exports
                                .push((export.name.to_string(), export.index));
                        }
                    }
                }
                Payload::StartSection { func, .. } => info.start = Some(func),
                Payload::DataSection(reader) => {
                    for data in reader {
                        let data = data?;
                        match data.kind {
                            DataKind::Active {
                                memory_index: 0,
                                offset_expr,
                            } => {
                                let offset = eval_const(&offset_expr, &info.globals)
                                    .context("data segment offset")?;
                                info.data.push(DataSegment {
                                    offset: offset as u32,
                                    bytes: data.data,
                                });
                            }
                            DataKind::Active { .. } => bail!("unsupported: multiple memories"),
                            // Passive segments are only reachable through memory.init, which
                            // the translator rejects; keeping them is harmless.
                            DataKind::Passive => {}
                        }
                    }
                }
                Payload::CodeSectionEntry(body) => info.bodies.push(body),
                Payload::CustomSection(reader) => {
                    if let KnownCustom::Name(names) = reader.as_known() {
                        // The name section is advisory: ignore it if it is malformed.
                        for name in names.into_iter().flatten() {
                            if let Name::Function(map) = name {
                                for naming in map.into_iter().flatten() {
                                    info.func_names
                                        .insert(naming.index, naming.name.to_string());
                                }
                            }
                        }
                    }
                }
                _ => {}
            }
        }
        Ok(info)
    }

    pub fn num_imported_funcs(&self) -> u32 {
        self.imports.len() as u32
    }

    /// Signature of function `func_index` (import or defined).
    pub fn func_sig(&self, func_index: u32) -> Result<&FuncSig> {
        let ty = *self.func_types.get(func_index as usize).ok_or_else(|| {
            anyhow!(
                "no function {func_index} (the module has {})",
                self.func_types.len()
            )
        })?;
        self.type_sig(ty)
            .with_context(|| format!("in the signature of {}", self.func_label(func_index)))
    }

    pub fn type_sig(&self, type_index: u32) -> Result<&FuncSig> {
        match &self.types[type_index as usize] {
            Ok(sig) => Ok(sig),
            Err(msg) => Err(anyhow!("{msg}")),
        }
    }

    /// Human-readable function name for messages: name section, then export name, then index.
    pub fn func_label(&self, func_index: u32) -> String {
        if let Some(name) = self.func_names.get(&func_index) {
            return name.clone();
        }
        if let Some((name, _)) = self.func_exports.iter().find(|(_, i)| *i == func_index) {
            return name.clone();
        }
        format!("func[{func_index}]")
    }
}

fn convert_sig(params: &[ValType], results: &[ValType]) -> std::result::Result<FuncSig, String> {
    let conv = |ts: &[ValType]| -> std::result::Result<Vec<WasmTy>, String> {
        ts.iter()
            .map(|t| WasmTy::from_val_type(*t).map_err(|e| e.to_string()))
            .collect()
    };
    Ok(FuncSig {
        params: conv(params)?,
        results: conv(results)?,
    })
}

/// Evaluate a constant expression (i32/i64/v128 const, global.get of an earlier global, and
/// the extended-const add/sub/mul).
fn eval_const(expr: &ConstExpr, globals: &[GlobalDef]) -> Result<u128> {
    let mut stack: Vec<u128> = Vec::new();
    let mut reader = expr.get_operators_reader();
    while !reader.eof() {
        let op = reader.read()?;
        match op {
            Operator::I32Const { value } => stack.push(value as u32 as u128),
            Operator::I64Const { value } => stack.push(value as u64 as u128),
            Operator::V128Const { value } => stack.push(u128::from_le_bytes(*value.bytes())),
            Operator::GlobalGet { global_index } => stack.push(
                globals
                    .get(global_index as usize)
                    .ok_or_else(|| anyhow!("unsupported: global.get of an imported global"))?
                    .init,
            ),
            Operator::I32Add | Operator::I32Sub | Operator::I32Mul => {
                let b = stack.pop().unwrap_or(0) as u32;
                let a = stack.pop().unwrap_or(0) as u32;
                stack.push(match op {
                    Operator::I32Add => a.wrapping_add(b),
                    Operator::I32Sub => a.wrapping_sub(b),
                    _ => a.wrapping_mul(b),
                } as u128);
            }
            Operator::I64Add | Operator::I64Sub | Operator::I64Mul => {
                let b = stack.pop().unwrap_or(0) as u64;
                let a = stack.pop().unwrap_or(0) as u64;
                stack.push(match op {
                    Operator::I64Add => a.wrapping_add(b),
                    Operator::I64Sub => a.wrapping_sub(b),
                    _ => a.wrapping_mul(b),
                } as u128);
            }
            Operator::End => break,
            other => bail!(
                "unsupported: {} in a constant expression",
                crate::names::operator_name(&other)
            ),
        }
    }
    stack
        .pop()
        .ok_or_else(|| anyhow!("empty constant expression"))
}
