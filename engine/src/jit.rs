//! Instantiating and running a module on this host with cranelift-jit.

use crate::compile::{compile_module, host_isa_with};
use crate::lowering::{CompileOptions, IntrinsicLowering};
use crate::module::{FuncSig, ModuleInfo, WasmTy};
use crate::translate::{import_func_ref, wasm_signature};
use crate::trap::{CallError, Trap, TrapCode};
use crate::vmctx;
use anyhow::{bail, Context as _, Result};
use cranelift_codegen::ir::{types, AbiParam, Function, InstBuilder, MemFlagsData, UserFuncName};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use cranelift_jit::{JITBuilder, JITModule};
use cranelift_module::{default_libcall_names, FuncId, Linkage, Module};
use std::collections::HashMap;
use std::fmt;

/// A Wasm value crossing the host boundary.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Val {
    I32(i32),
    I64(i64),
    /// Little-endian: lane 0 is the low bits.
    V128(u128),
}

impl Val {
    pub fn ty(&self) -> WasmTy {
        match self {
            Val::I32(_) => WasmTy::I32,
            Val::I64(_) => WasmTy::I64,
            Val::V128(_) => WasmTy::V128,
        }
    }

    fn to_slot(self) -> u128 {
        match self {
            Val::I32(v) => v as u32 as u128,
            Val::I64(v) => v as u64 as u128,
            Val::V128(v) => v,
        }
    }

    fn from_slot(ty: WasmTy, slot: u128) -> Val {
        match ty {
            WasmTy::I32 => Val::I32(slot as u32 as i32),
            WasmTy::I64 => Val::I64(slot as u64 as i64),
            WasmTy::V128 => Val::V128(slot),
        }
    }
}

impl fmt::Display for Val {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Val::I32(v) => write!(f, "{v}"),
            Val::I64(v) => write!(f, "{v}"),
            Val::V128(v) => write!(f, "0x{v:032x}"),
        }
    }
}

/// Runtime limits of an instance.
#[derive(Clone, Copy, Debug)]
pub struct Config {
    /// Memory reserved up front, in 64 KiB pages (also capped by the module's maximum);
    /// `memory.grow` beyond it returns -1. Reservation is lazily committed by the OS.
    pub max_memory_pages: u64,
    /// Wasm call depth at which calls trap with "call stack exhausted".
    pub max_call_depth: u32,
    /// Native stack bytes Wasm code may use below the host's `call` frame (0 = unchecked).
    /// Keep it well under the calling thread's stack size (Rust test threads have 2 MiB).
    pub stack_budget: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            max_memory_pages: 4096,
            max_call_depth: 10_000,
            stack_budget: 1 << 20,
        }
    }
}

struct Export {
    trampoline: unsafe extern "C" fn(*mut u8, *mut u128),
    sig: FuncSig,
}

/// A compiled and instantiated module. Not `Send`: compiled code keeps raw pointers into it.
pub struct Instance {
    // Keeps the compiled code alive.
    _module: JITModule,
    /// VmCtx storage (16-byte aligned, see [`crate::vmctx`]).
    vmctx: Box<[u128]>,
    /// Reserved linear memory (`mem_cap` bytes); only `mem_len` of it is accessible to Wasm.
    memory: Vec<u8>,
    exports: HashMap<String, Export>,
    config: Config,
    /// Functions the post-pass rejected (compiled with the fallback lowering instead).
    pub fallbacks: Vec<(u32, String)>,
}

impl Instance {
    /// Validate, compile and instantiate `wasm` with default limits. Imports must all be
    /// intrinsics of `lowering`.
    pub fn new(wasm: &[u8], lowering: &dyn IntrinsicLowering) -> Result<Instance> {
        Self::with_options(wasm, &CompileOptions::new(lowering), Config::default())
    }

    pub fn with_options(wasm: &[u8], opts: &CompileOptions, config: Config) -> Result<Instance> {
        let info = ModuleInfo::parse(wasm)?;
        let isa = host_isa_with(opts.lowering.isa_flags())?;
        let mut module = JITModule::new(JITBuilder::with_isa(isa, default_libcall_names()));
        let compiled = compile_module(&mut module, &info, opts, &|idx| {
            (format!("__wasm_f{idx}"), Linkage::Local)
        })?;

        // One trampoline per exported function (and the start function): the host calls
        // every export as `fn(vmctx, slots)` with arguments/results in 16-byte slots.
        let mut tramps: Vec<(Option<String>, FuncId, FuncSig)> = Vec::new();
        let mut fctx = FunctionBuilderContext::new();
        let mut by_func: HashMap<u32, FuncId> = HashMap::new();
        let mut targets: Vec<(Option<String>, u32)> = info
            .func_exports
            .iter()
            .map(|(n, i)| (Some(n.clone()), *i))
            .collect();
        if let Some(start) = info.start {
            targets.push((None, start));
        }
        for (name, idx) in targets {
            if idx < info.num_imported_funcs() {
                bail!(
                    "unsupported: export `{}` re-exports an imported function",
                    name.unwrap_or_default()
                );
            }
            let sig = info.func_sig(idx)?.clone();
            let tid = match by_func.get(&idx) {
                Some(t) => *t,
                None => {
                    let callee = compiled.func_ids[idx as usize].expect("defined");
                    let t = define_trampoline(&mut module, &mut fctx, idx, callee, &sig)?;
                    by_func.insert(idx, t);
                    t
                }
            };
            tramps.push((name, tid, sig));
        }
        module.finalize_definitions()?;

        let mut exports = HashMap::new();
        let mut start = None;
        for (name, tid, sig) in tramps {
            let ptr = module.get_finalized_function(tid);
            // SAFETY: the trampoline was compiled with the host's default (C) calling
            // convention and the signature `(i64 vmctx, i64 slots) -> ()`.
            let trampoline: unsafe extern "C" fn(*mut u8, *mut u128) =
                unsafe { std::mem::transmute(ptr) };
            match name {
                Some(n) => {
                    exports.insert(n, Export { trampoline, sig });
                }
                None => start = Some(Export { trampoline, sig }),
            }
        }

        // Memory: reserve up to the cap so the base never moves; copy data segments in.
        let (initial, cap_pages) = match info.memory {
            Some(m) => {
                let max = m
                    .maximum_pages
                    .unwrap_or(vmctx::MAX_MEMORY_PAGES)
                    .min(vmctx::MAX_MEMORY_PAGES);
                (
                    m.initial_pages,
                    max.min(config.max_memory_pages).max(m.initial_pages),
                )
            }
            None => (0, 0),
        };
        let mem_len = initial * vmctx::WASM_PAGE_SIZE;
        let mem_cap = cap_pages * vmctx::WASM_PAGE_SIZE;
        let mut memory = vec![0u8; mem_cap as usize];
        for seg in &info.data {
            let start = seg.offset as usize;
            let end = start + seg.bytes.len();
            if end as u64 > mem_len {
                bail!(
                    "data segment at {start:#x}+{} is out of bounds",
                    seg.bytes.len()
                );
            }
            memory[start..end].copy_from_slice(seg.bytes);
        }

        let slots = vmctx::size(info.globals.len()).div_ceil(16);
        let mut inst = Instance {
            _module: module,
            vmctx: vec![0u128; slots].into_boxed_slice(),
            memory,
            exports,
            config,
            fallbacks: compiled.fallbacks,
        };
        let base = inst.memory.as_mut_ptr() as u64;
        inst.write_u64(vmctx::MEM_BASE, base);
        inst.write_u64(vmctx::MEM_LEN, mem_len);
        inst.write_u64(vmctx::MEM_CAP, mem_cap);
        inst.write_u32(vmctx::CALL_DEPTH_LIMIT, config.max_call_depth);
        for (i, g) in info.globals.iter().enumerate() {
            inst.vmctx[(vmctx::global_offset(i as u32) / 16) as usize] = g.init;
        }
        if let Some(start) = start {
            inst.invoke(&start, "(start function)", &[])
                .map_err(anyhow::Error::new)
                .context("running the start function")?;
        }
        Ok(inst)
    }

    fn vm_ptr(&mut self) -> *mut u8 {
        self.vmctx.as_mut_ptr() as *mut u8
    }

    fn write_u64(&mut self, off: i32, v: u64) {
        // SAFETY: offsets are inside the VmCtx header, which is at least 48 bytes.
        unsafe { (self.vm_ptr().add(off as usize) as *mut u64).write(v) }
    }

    fn write_u32(&mut self, off: i32, v: u32) {
        // SAFETY: as above.
        unsafe { (self.vm_ptr().add(off as usize) as *mut u32).write(v) }
    }

    fn read_u64(&self, off: i32) -> u64 {
        // SAFETY: as above.
        unsafe { (self.vmctx.as_ptr().cast::<u8>().add(off as usize) as *const u64).read() }
    }

    fn read_u32(&self, off: i32) -> u32 {
        // SAFETY: as above.
        unsafe { (self.vmctx.as_ptr().cast::<u8>().add(off as usize) as *const u32).read() }
    }

    /// Call the exported function `name`.
    pub fn call(&mut self, name: &str, args: &[Val]) -> Result<Vec<Val>, CallError> {
        let export = self
            .exports
            .get(name)
            .ok_or_else(|| CallError::NoSuchExport(name.to_string()))?;
        let export = Export {
            trampoline: export.trampoline,
            sig: export.sig.clone(),
        };
        self.invoke(&export, name, args)
    }

    fn invoke(&mut self, export: &Export, name: &str, args: &[Val]) -> Result<Vec<Val>, CallError> {
        let sig = &export.sig;
        let arg_tys: Vec<WasmTy> = args.iter().map(Val::ty).collect();
        if arg_tys != sig.params {
            return Err(CallError::BadArguments(format!(
                "`{name}` takes ({}), got ({})",
                tys(&sig.params),
                tys(&arg_tys)
            )));
        }
        let mut slots = vec![0u128; sig.params.len().max(sig.results.len()).max(1)];
        for (s, a) in slots.iter_mut().zip(args) {
            *s = a.to_slot();
        }
        self.write_u32(vmctx::TRAP_CODE, 0);
        self.write_u32(vmctx::CALL_DEPTH, 0);
        let limit = if self.config.stack_budget == 0 {
            0
        } else {
            let marker = 0u8;
            let sp = std::hint::black_box(&marker) as *const u8 as usize;
            sp.saturating_sub(self.config.stack_budget) as u64
        };
        self.write_u64(vmctx::STACK_LIMIT, limit);
        let vm = self.vm_ptr();
        // SAFETY: the trampoline reads exactly `params` slots and writes `results` slots, and
        // the compiled code only touches the VmCtx and bounds-checked linear memory.
        unsafe { (export.trampoline)(vm, slots.as_mut_ptr()) };
        let code = self.read_u32(vmctx::TRAP_CODE);
        if code != 0 {
            let code = TrapCode::from_u32(code).unwrap_or(TrapCode::Unreachable);
            return Err(CallError::Trap(Trap {
                code,
                export: name.to_string(),
            }));
        }
        Ok(sig
            .results
            .iter()
            .zip(&slots)
            .map(|(t, s)| Val::from_slot(*t, *s))
            .collect())
    }

    /// Signature of an export, if it exists.
    pub fn export_sig(&self, name: &str) -> Option<&FuncSig> {
        self.exports.get(name).map(|e| &e.sig)
    }

    /// Names of the exported functions.
    pub fn export_names(&self) -> Vec<String> {
        let mut v: Vec<String> = self.exports.keys().cloned().collect();
        v.sort();
        v
    }

    /// The accessible linear memory (current size).
    pub fn memory(&self) -> &[u8] {
        let len = self.read_u64(vmctx::MEM_LEN) as usize;
        &self.memory[..len]
    }

    pub fn memory_mut(&mut self) -> &mut [u8] {
        let len = self.read_u64(vmctx::MEM_LEN) as usize;
        &mut self.memory[..len]
    }

    /// Current value of global `index` (raw 16-byte slot).
    pub fn global(&self, index: u32) -> u128 {
        self.vmctx[(vmctx::global_offset(index) / 16) as usize]
    }
}

fn tys(t: &[WasmTy]) -> String {
    t.iter().map(|t| t.name()).collect::<Vec<_>>().join(", ")
}

/// `tramp(vmctx, slots)`: load the arguments from 16-byte slots, call, store the results back.
fn define_trampoline(
    module: &mut JITModule,
    fctx: &mut FunctionBuilderContext,
    idx: u32,
    callee: FuncId,
    sig: &FuncSig,
) -> Result<FuncId> {
    let call_conv = module.isa().default_call_conv();
    let mut tsig = cranelift_codegen::ir::Signature::new(call_conv);
    tsig.params.push(AbiParam::new(types::I64));
    tsig.params.push(AbiParam::new(types::I64));
    let id = module.declare_function(&format!("__wasm_tramp{idx}"), Linkage::Local, &tsig)?;
    let mut func = Function::with_name_signature(UserFuncName::user(0, id.as_u32()), tsig);
    let callee_ref = import_func_ref(&mut func, callee, wasm_signature(sig, call_conv));
    {
        let mut b = FunctionBuilder::new(&mut func, fctx);
        let entry = b.create_block();
        b.append_block_params_for_function_params(entry);
        b.switch_to_block(entry);
        let vm = b.block_params(entry)[0];
        let slots = b.block_params(entry)[1];
        let flags = MemFlagsData::new().with_notrap();
        let mut args = vec![vm];
        for (i, t) in sig.params.iter().enumerate() {
            args.push(b.ins().load(t.clif(), flags, slots, 16 * i as i32));
        }
        let call = b.ins().call(callee_ref, &args);
        let results = b.inst_results(call).to_vec();
        for (i, r) in results.into_iter().enumerate() {
            b.ins().store(flags, r, slots, 16 * i as i32);
        }
        b.ins().return_(&[]);
        b.seal_all_blocks();
        b.finalize(module.isa().frontend_config());
    }
    let mut ctx = module.make_context();
    ctx.func = func;
    crate::compile::compile_and_define(module, &mut ctx, id, None)?;
    Ok(id)
}
