//! Wasm -> CLIF translation of one function body.
//!
//! Conventions shared with the runtimes:
//! * every function takes `vmctx: i64` first, then its Wasm parameters (see [`wasm_signature`]);
//! * v128 values are `I32X4` everywhere (bitcast per operator);
//! * traps never use Cranelift trapping instructions or signals: a trap site stores its
//!   [`TrapCode`] into `vmctx.trap_code` and returns zeros; callers check the slot after every
//!   Wasm call and propagate by returning immediately;
//! * every instruction carries the module byte offset of the Wasm operator it came from as its
//!   source location.

use crate::lowering::IntrinsicLowering;
use crate::module::{FuncSig, ModuleInfo, WasmTy};
use crate::names::operator_name;
use crate::trap::TrapCode;
use crate::vmctx;
use anyhow::{anyhow, bail, Context as _, Result};
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::immediates::Offset32;
use cranelift_codegen::ir::types::{self, I16X8, I32, I32X4, I64, I64X2, I8, I8X16};
use cranelift_codegen::ir::{
    AbiParam, Block, BlockArg, ConstantData, Endianness, ExtFuncData, ExternalName, FuncRef,
    Function, InstBuilder, JumpTableData, MemFlagsData, Opcode, Signature, SourceLoc, Type,
    UserExternalName, Value,
};
use cranelift_codegen::isa::{CallConv, TargetFrontendConfig};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext, Variable};
use cranelift_module::FuncId;
use std::collections::HashMap;
use wasmparser::{BlockType, MemArg, Operator};

use crate::bounds::{BoundsPlan, RunLoad};

/// Module-level facts the translator needs for every function.
pub struct TranslateEnv<'a> {
    pub module: &'a ModuleInfo<'a>,
    pub lowering: &'a dyn IntrinsicLowering,
    /// Intrinsic id per imported function (as returned by `lowering.resolve`).
    pub intrinsic_ids: Vec<usize>,
    /// Cranelift function id per function index; `None` for imports.
    pub func_ids: Vec<Option<FuncId>>,
    pub call_conv: CallConv,
    pub frontend_config: TargetFrontendConfig,
}

/// Cranelift signature of a Wasm function: `(vmctx: i64, params...) -> results`.
pub fn wasm_signature(sig: &FuncSig, call_conv: CallConv) -> Signature {
    let mut s = Signature::new(call_conv);
    s.params.push(AbiParam::new(I64));
    s.params
        .extend(sig.params.iter().map(|t| AbiParam::new(t.clif())));
    s.returns
        .extend(sig.results.iter().map(|t| AbiParam::new(t.clif())));
    s
}

/// Reference from `func` to the Cranelift function `id` (same encoding as
/// `cranelift_module::Module::declare_func_in_func`; all Wasm functions are colocated).
pub fn import_func_ref(func: &mut Function, id: FuncId, sig: Signature) -> FuncRef {
    let signature = func.import_signature(sig);
    let name = func.declare_imported_user_function(UserExternalName::new(0, id.as_u32()));
    func.import_function(ExtFuncData {
        name: ExternalName::user(name),
        signature,
        colocated: true,
        patchable: false,
    })
}

/// Resolve every import through `lowering`; an unknown import is an error naming it.
pub fn resolve_imports(
    module: &ModuleInfo,
    lowering: &dyn IntrinsicLowering,
) -> Result<Vec<usize>> {
    module
        .imports
        .iter()
        .map(|imp| {
            lowering.resolve(&imp.module, &imp.name).ok_or_else(|| {
                anyhow!(
                    "unknown import `{}`.`{}`: not an intrinsic of the selected lowering \
                     (the engine has no host functions)",
                    imp.module,
                    imp.name
                )
            })
        })
        .collect()
}

/// Translate defined function `func_index` into `func` (whose signature must already be
/// [`wasm_signature`] of the function's type).
pub fn translate_function(
    env: &TranslateEnv,
    func_index: u32,
    func: &mut Function,
    fctx: &mut FunctionBuilderContext,
) -> Result<()> {
    // Coalesced bounds checks are validated on the CLIF they produce (`bounds::validate_run`);
    // a run that is not shown right is translated again with a check per load.
    let (name, signature) = (func.name.clone(), func.signature.clone());
    let mut refused = std::collections::BTreeSet::new();
    loop {
        let bad = translate_with_runs(env, func_index, func, fctx, &refused)?;
        if bad.is_empty() || bad.iter().all(|r| refused.contains(r)) {
            return Ok(());
        }
        refused.extend(bad);
        *func = Function::with_name_signature(name.clone(), signature.clone());
    }
}

/// [`translate_function`] with the runs in `refused` checked load by load; returns the runs
/// whose coalesced check validation did not show right.
fn translate_with_runs(
    env: &TranslateEnv,
    func_index: u32,
    func: &mut Function,
    fctx: &mut FunctionBuilderContext,
    refused: &std::collections::BTreeSet<usize>,
) -> Result<Vec<usize>> {
    let module = env.module;
    let imported = module.num_imported_funcs();
    let body = func_index
        .checked_sub(imported)
        .and_then(|defined| module.bodies.get(defined as usize))
        .ok_or_else(|| {
            anyhow::anyhow!(
                "function {func_index} is not defined in the module (imports are 0..{imported}, defined functions {imported}..{})",
                imported as usize + module.bodies.len()
            )
        })?;
    let sig = module.func_sig(func_index)?.clone();
    let label = module.func_label(func_index);
    let body_start = body.range().start;

    let mut builder = FunctionBuilder::new(func, fctx);
    let entry = builder.create_block();
    builder.append_block_params_for_function_params(entry);
    builder.switch_to_block(entry);
    builder.set_srcloc(SourceLoc::new(body_start as u32));
    let vmctx_val = builder.block_params(entry)[0];
    let params: Vec<Value> = builder.block_params(entry)[1..].to_vec();

    let exit = builder.create_block();
    for t in &sig.results {
        builder.append_block_param(exit, t.clif());
    }

    let mem_base = builder.declare_var(I64);
    let mem_len = builder.declare_var(I64);

    let mut t = FuncTranslator {
        env,
        builder,
        vmctx: vmctx_val,
        mem_base,
        mem_len,
        locals: Vec::new(),
        stack: Vec::new(),
        control: Vec::new(),
        reachable: true,
        skip_depth: 0,
        trap_blocks: HashMap::new(),
        propagate: None,
        results: sig.results.clone(),
        func_refs: HashMap::new(),
        label: label.clone(),
        body_start,
        op_offset: body_start,
        op_index: 0,
        bounds: BoundsPlan::default(),
        run_bases: HashMap::new(),
        run_uses: Vec::new(),
        run_checks: HashMap::new(),
    };
    t.prologue(&sig, &params);

    // Locals after the parameters, zero-initialised.
    let mut locals_reader = body.get_locals_reader()?;
    for _ in 0..locals_reader.get_count() {
        let (count, ty) = locals_reader.read()?;
        let ty = WasmTy::from_val_type(ty).with_context(|| format!("local of {label}"))?;
        for _ in 0..count {
            let var = t.builder.declare_var(ty.clif());
            let zero = t.zero(ty);
            t.builder.def_var(var, zero);
            t.locals.push((var, ty));
        }
    }

    t.control.push(Frame {
        kind: FrameKind::Func,
        next: exit,
        header: None,
        loop_arity: 0,
        results: sig.results.clone(),
        height: 0,
        else_block: None,
        if_params: Vec::new(),
        next_reached: false,
    });

    let mut ops = Vec::new();
    let mut offsets = Vec::new();
    for item in body.get_operators_reader()?.into_iter_with_offsets() {
        let (op, offset) = item?;
        ops.push(op);
        offsets.push(offset);
    }
    let imported_fns = module.num_imported_funcs();
    t.bounds = BoundsPlan::new(&ops, &|f| {
        f < imported_fns && env.lowering.is_pure(env.intrinsic_ids[f as usize])
    })
    .without(refused);
    for (index, (op, offset)) in ops.iter().zip(offsets).enumerate() {
        t.op_index = index;
        t.op_offset = offset;
        t.builder.set_srcloc(SourceLoc::new(offset as u32));
        if let Err(e) = t.operator(op) {
            // `unsupported: <op> at <where>` messages already say where; others get context.
            if e.to_string().starts_with("unsupported:") {
                return Err(e);
            }
            return Err(e.context(format!(
                "translating {} at {}",
                operator_name(op),
                t.location()
            )));
        }
        if t.control.is_empty() {
            break;
        }
    }

    t.builder.set_srcloc(SourceLoc::default());
    t.finish_aux_blocks();
    t.builder.seal_all_blocks();
    let uses = std::mem::take(&mut t.run_uses);
    let oob_block = t.trap_blocks.get(&TrapCode::MemoryOutOfBounds).copied();
    let wasm_calls: std::collections::HashSet<FuncRef> = t.func_refs.values().copied().collect();
    t.builder.finalize(env.frontend_config);
    let mut bad: Vec<usize> = uses
        .iter()
        .filter(|u| !crate::bounds::validate_run_use(func, u, oob_block, &wasm_calls))
        .map(|u| u.run)
        .collect();
    bad.sort();
    bad.dedup();
    Ok(bad)
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum FrameKind {
    Func,
    Block,
    Loop,
    If,
    Else,
}

struct Frame {
    kind: FrameKind,
    /// Continuation after `end`; block params are the frame's results.
    next: Block,
    /// Loop header (branch target of a loop); block params are the loop's params.
    header: Option<Block>,
    /// Number of loop parameters (the header's own block params; the SSA builder may append
    /// more for variables, so the count cannot be read back from the block).
    loop_arity: usize,
    results: Vec<WasmTy>,
    /// Operand stack height below the frame's parameters.
    height: usize,
    /// `if` only: the block for the else arm and the parameters it starts with.
    else_block: Option<Block>,
    if_params: Vec<Value>,
    /// Whether any edge into `next` was emitted (else code after `end` is unreachable).
    next_reached: bool,
}

struct FuncTranslator<'a, 'f> {
    env: &'a TranslateEnv<'a>,
    builder: FunctionBuilder<'f>,
    vmctx: Value,
    /// Memory base and length live in variables: loaded at entry, the length reloaded after
    /// calls and memory.grow. The base never moves (the host reserves the maximum up front).
    mem_base: Variable,
    mem_len: Variable,
    locals: Vec<(Variable, WasmTy)>,
    stack: Vec<Value>,
    control: Vec<Frame>,
    reachable: bool,
    /// Nesting depth of blocks opened inside unreachable code (skipped entirely).
    skip_depth: u32,
    trap_blocks: HashMap<TrapCode, Block>,
    propagate: Option<Block>,
    results: Vec<WasmTy>,
    func_refs: HashMap<u32, FuncRef>,
    label: String,
    body_start: usize,
    op_offset: usize,
    /// Index of the current operator in the body (keys of `bounds`).
    op_index: usize,
    /// Loads whose bounds are checked together (see `bounds.rs`).
    bounds: BoundsPlan,
    /// Each load of a run after its first, as translated: validated once the function is built.
    run_uses: Vec<crate::bounds::RunUse>,
    /// Each run's check (its `brif`) and the base address value `p` it checks.
    run_checks: HashMap<usize, (cranelift_codegen::ir::Inst, Value)>,
    /// Per run whose check has been emitted: `mem_base + zext(p)`.
    run_bases: HashMap<usize, Value>,
}

fn vm_flags() -> MemFlagsData {
    MemFlagsData::trusted()
}

/// Linear-memory accesses: bounds are checked explicitly, alignment is not guaranteed.
fn heap_flags() -> MemFlagsData {
    MemFlagsData::new()
        .with_notrap()
        .with_endianness(Endianness::Little)
}

fn bargs(vals: &[Value]) -> Vec<BlockArg> {
    vals.iter().map(|v| BlockArg::Value(*v)).collect()
}

fn unsupported(op: &Operator, at: String) -> anyhow::Error {
    anyhow!("unsupported: {} at {}", operator_name(op), at)
}

impl<'a, 'f> FuncTranslator<'a, 'f> {
    fn location(&self) -> String {
        format!(
            "{}+{:#x} (module offset {:#x})",
            self.label,
            self.op_offset - self.body_start,
            self.op_offset
        )
    }

    fn prologue(&mut self, sig: &FuncSig, params: &[Value]) {
        // Call depth: enforce the limit, then count this activation.
        let depth = self.load_vm(I32, vmctx::CALL_DEPTH);
        let limit = self.load_vm(I32, vmctx::CALL_DEPTH_LIMIT);
        let too_deep = self
            .builder
            .ins()
            .icmp(IntCC::UnsignedGreaterThanOrEqual, depth, limit);
        self.trap_if(too_deep, TrapCode::CallStackExhausted);
        let depth1 = self.builder.ins().iadd_imm_s(depth, 1);
        self.store_vm(depth1, vmctx::CALL_DEPTH);
        // Native stack guard (limit 0 disables it): traps instead of overflowing the host stack.
        let sp = self.builder.ins().get_stack_pointer(I64);
        let stack_limit = self.load_vm(I64, vmctx::STACK_LIMIT);
        let low = self
            .builder
            .ins()
            .icmp(IntCC::UnsignedLessThan, sp, stack_limit);
        self.trap_if(low, TrapCode::CallStackExhausted);

        let base = self.load_vm(I64, vmctx::MEM_BASE);
        self.builder.def_var(self.mem_base, base);
        let len = self.load_vm(I64, vmctx::MEM_LEN);
        self.builder.def_var(self.mem_len, len);

        for (ty, val) in sig.params.iter().zip(params) {
            let var = self.builder.declare_var(ty.clif());
            self.builder.def_var(var, *val);
            self.locals.push((var, *ty));
        }
    }

    fn load_vm(&mut self, ty: Type, offset: i32) -> Value {
        self.builder.ins().load(ty, vm_flags(), self.vmctx, offset)
    }

    fn store_vm(&mut self, val: Value, offset: i32) {
        self.builder
            .ins()
            .store(vm_flags(), val, self.vmctx, offset);
    }

    // ---- operand stack -------------------------------------------------------------------

    fn push(&mut self, v: Value) {
        self.stack.push(v);
    }

    fn pop(&mut self) -> Value {
        self.stack
            .pop()
            .expect("validated wasm: operand stack underflow")
    }

    fn popn(&mut self, n: usize) -> Vec<Value> {
        let at = self.stack.len() - n;
        self.stack.split_off(at)
    }

    fn peekn(&self, n: usize) -> Vec<Value> {
        self.stack[self.stack.len() - n..].to_vec()
    }

    fn ty(&self, v: Value) -> Type {
        self.builder.func.dfg.value_type(v)
    }

    /// Reinterpret a vector value as lane shape `ty` (no-op for scalars and equal types).
    fn cast(&mut self, v: Value, ty: Type) -> Value {
        let vt = self.ty(v);
        if vt == ty || !ty.is_vector() {
            return v;
        }
        self.builder.ins().bitcast(
            ty,
            MemFlagsData::new().with_endianness(Endianness::Little),
            v,
        )
    }

    fn pop_as(&mut self, ty: Type) -> Value {
        let v = self.pop();
        self.cast(v, ty)
    }

    /// Push a result, normalising vectors to the canonical `I32X4`.
    fn push_canon(&mut self, v: Value) {
        let v = if self.ty(v).is_vector() {
            self.cast(v, I32X4)
        } else {
            v
        };
        self.push(v);
    }

    fn zero(&mut self, ty: WasmTy) -> Value {
        match ty {
            WasmTy::I32 => self.builder.ins().iconst(I32, 0),
            WasmTy::I64 => self.builder.ins().iconst(I64, 0),
            WasmTy::V128 => self.vconst(I32X4, [0u8; 16]),
        }
    }

    fn vconst(&mut self, ty: Type, bytes: [u8; 16]) -> Value {
        let c = self
            .builder
            .func
            .dfg
            .constants
            .insert(ConstantData::from(bytes.to_vec()));
        self.builder.ins().vconst(ty, c)
    }

    // ---- generic op helpers --------------------------------------------------------------

    fn binop(&mut self, opcode: Opcode, ty: Type) {
        let b = self.pop_as(ty);
        let a = self.pop_as(ty);
        let (inst, dfg) = self.builder.ins().Binary(opcode, ty, a, b);
        let r = dfg.first_result(inst);
        self.push_canon(r);
    }

    fn unop(&mut self, opcode: Opcode, ty: Type) {
        let a = self.pop_as(ty);
        let (inst, dfg) = self.builder.ins().Unary(opcode, ty, a);
        let r = dfg.first_result(inst);
        self.push_canon(r);
    }

    /// Scalar comparison producing an i32 0/1.
    fn cmp(&mut self, cc: IntCC) {
        let b = self.pop();
        let a = self.pop();
        let c = self.builder.ins().icmp(cc, a, b);
        let r = self.builder.ins().uextend(I32, c);
        self.push(r);
    }

    /// Lane-wise comparison producing an all-ones/all-zeros mask per lane.
    fn vcmp(&mut self, cc: IntCC, ty: Type) {
        let b = self.pop_as(ty);
        let a = self.pop_as(ty);
        let r = self.builder.ins().icmp(cc, a, b);
        self.push_canon(r);
    }

    /// Vector shift: Wasm takes the amount modulo the lane width.
    fn vshift(&mut self, opcode: Opcode, ty: Type) {
        let amt = self.pop();
        let amt = self
            .builder
            .ins()
            .band_imm_u(amt, i64::from(ty.lane_bits() - 1));
        let a = self.pop_as(ty);
        let (inst, dfg) = self.builder.ins().Binary(opcode, ty, a, amt);
        let r = dfg.first_result(inst);
        self.push_canon(r);
    }

    fn eqz(&mut self) {
        let a = self.pop();
        let c = self.builder.ins().icmp_imm_s(IntCC::Equal, a, 0);
        let r = self.builder.ins().uextend(I32, c);
        self.push(r);
    }

    fn sext_from(&mut self, narrow: Type, ty: Type) {
        let a = self.pop();
        let n = self.builder.ins().ireduce(narrow, a);
        let r = self.builder.ins().sextend(ty, n);
        self.push(r);
    }

    fn splat(&mut self, lane: Type, vty: Type) {
        let x = self.pop();
        let x = if self.ty(x) != lane {
            self.builder.ins().ireduce(lane, x)
        } else {
            x
        };
        let r = self.builder.ins().splat(vty, x);
        self.push_canon(r);
    }

    fn extract_lane(&mut self, vty: Type, lane: u8, ext: Option<bool>) {
        let v = self.pop_as(vty);
        let x = self.builder.ins().extractlane(v, lane);
        let r = match ext {
            Some(true) => self.builder.ins().sextend(I32, x),
            Some(false) => self.builder.ins().uextend(I32, x),
            None => x,
        };
        self.push(r);
    }

    fn replace_lane(&mut self, vty: Type, lane: u8) {
        let x = self.pop();
        let x = if self.ty(x) != vty.lane_type() {
            self.builder.ins().ireduce(vty.lane_type(), x)
        } else {
            x
        };
        let v = self.pop_as(vty);
        let r = self.builder.ins().insertlane(v, x, lane);
        self.push_canon(r);
    }

    fn widen(&mut self, from: Type, high: bool, signed: bool) {
        let v = self.pop_as(from);
        let r = self.widen_val(v, high, signed);
        self.push_canon(r);
    }

    fn widen_val(&mut self, v: Value, high: bool, signed: bool) -> Value {
        let ins = self.builder.ins();
        match (high, signed) {
            (false, true) => ins.swiden_low(v),
            (true, true) => ins.swiden_high(v),
            (false, false) => ins.uwiden_low(v),
            (true, false) => ins.uwiden_high(v),
        }
    }

    fn extmul(&mut self, from: Type, high: bool, signed: bool) {
        let b = self.pop_as(from);
        let a = self.pop_as(from);
        let a = self.widen_val(a, high, signed);
        let b = self.widen_val(b, high, signed);
        let r = self.builder.ins().imul(a, b);
        self.push_canon(r);
    }

    fn extadd_pairwise(&mut self, from: Type, signed: bool) {
        let v = self.pop_as(from);
        let lo = self.widen_val(v, false, signed);
        let hi = self.widen_val(v, true, signed);
        let r = self.builder.ins().iadd_pairwise(lo, hi);
        self.push_canon(r);
    }

    fn narrow(&mut self, from: Type, signed: bool) {
        let b = self.pop_as(from);
        let a = self.pop_as(from);
        let r = if signed {
            self.builder.ins().snarrow(a, b)
        } else {
            self.builder.ins().unarrow(a, b)
        };
        self.push_canon(r);
    }

    fn all_true(&mut self, ty: Type) {
        let v = self.pop_as(ty);
        let c = self.builder.ins().vall_true(v);
        let r = self.builder.ins().uextend(I32, c);
        self.push(r);
    }

    fn bitmask(&mut self, ty: Type) {
        let v = self.pop_as(ty);
        let r = self.builder.ins().vhigh_bits(I32, v);
        self.push(r);
    }

    // ---- traps ---------------------------------------------------------------------------

    fn trap_block(&mut self, code: TrapCode) -> Block {
        if let Some(b) = self.trap_blocks.get(&code) {
            return *b;
        }
        let b = self.builder.create_block();
        self.builder.set_cold_block(b);
        self.trap_blocks.insert(code, b);
        b
    }

    /// Branch to the trap block for `code` if `cond` is nonzero.
    fn trap_if(&mut self, cond: Value, code: TrapCode) {
        let tb = self.trap_block(code);
        let cont = self.builder.create_block();
        self.builder.ins().brif(cond, tb, &[], cont, &[]);
        self.builder.switch_to_block(cont);
    }

    fn trap_now(&mut self, code: TrapCode) {
        let tb = self.trap_block(code);
        self.builder.ins().jump(tb, &[]);
        self.reachable = false;
    }

    /// After a Wasm call: if the callee trapped, return at once (the code is already set).
    fn check_trap_after_call(&mut self) {
        let code = self.load_vm(I32, vmctx::TRAP_CODE);
        let prop = match self.propagate {
            Some(b) => b,
            None => {
                let b = self.builder.create_block();
                self.builder.set_cold_block(b);
                self.propagate = Some(b);
                b
            }
        };
        let cont = self.builder.create_block();
        self.builder.ins().brif(code, prop, &[], cont, &[]);
        self.builder.switch_to_block(cont);
    }

    fn return_zeros(&mut self) {
        let results = self.results.clone();
        let zeros: Vec<Value> = results.iter().map(|t| self.zero(*t)).collect();
        self.builder.ins().return_(&zeros);
    }

    /// Fill the function's shared trap and trap-propagation blocks.
    fn finish_aux_blocks(&mut self) {
        let mut traps: Vec<(TrapCode, Block)> =
            self.trap_blocks.iter().map(|(c, b)| (*c, *b)).collect();
        traps.sort_by_key(|(c, _)| *c as u32);
        for (code, block) in traps {
            self.builder.switch_to_block(block);
            let c = self.builder.ins().iconst(I32, code as i64);
            self.store_vm(c, vmctx::TRAP_CODE);
            self.return_zeros();
        }
        if let Some(block) = self.propagate {
            self.builder.switch_to_block(block);
            self.return_zeros();
        }
    }

    // ---- memory --------------------------------------------------------------------------

    /// Bounds-check an access of `size` bytes at the popped i32 address; return the native
    /// address and the static offset to use in the load/store.
    fn heap_addr(&mut self, memarg: &MemArg, size: u32) -> Result<(Value, Offset32)> {
        if memarg.memory != 0 {
            bail!("unsupported: multiple memories");
        }
        let addr = self.pop();
        if let Some(load) = self.bounds.load(self.op_index) {
            if let Some(p) = self.run_address(load) {
                let (check, base) = self.run_checks[&load.run];
                let block = self
                    .builder
                    .current_block()
                    .expect("translating in a block");
                self.run_uses.push(crate::bounds::RunUse {
                    run: load.run,
                    check,
                    base,
                    addr,
                    distance: load.static_offset - memarg.offset,
                    end: load.static_offset + u64::from(size),
                    max_end: self.bounds.runs[load.run].max_end,
                    block,
                    before_load: self.builder.func.layout.last_inst(block),
                });
                return Ok(self.static_address(p, load.static_offset));
            }
        }
        // offset < 2^32 and size <= 16 for memory32, so the end fits an i64 easily.
        self.trap_unless_below_limit(addr, memarg.offset + u64::from(size));
        let a64 = self.builder.ins().uextend(I64, addr);
        let base = self.builder.use_var(self.mem_base);
        let p = self.builder.ins().iadd(base, a64);
        Ok(self.static_address(p, memarg.offset))
    }

    /// `mem_base + zext(p)` for a load of a coalesced run: the first load emits the run's one
    /// check (see `bounds.rs` for why it is equivalent to checking each load). `None` if the
    /// run's first load was not translated (unreachable code), so this load checks itself.
    fn run_address(&mut self, load: RunLoad) -> Option<Value> {
        if !load.first {
            return self.run_bases.get(&load.run).copied();
        }
        let run = &self.bounds.runs[load.run];
        let (var, _) = self.locals[run.local as usize];
        let p = self.builder.use_var(var);
        let checking = self
            .builder
            .current_block()
            .expect("translating in a block");
        self.trap_unless_below_limit(p, run.max_end);
        let brif = self
            .builder
            .func
            .layout
            .last_inst(checking)
            .expect("the check's branch");
        self.run_checks.insert(load.run, (brif, p));
        let p64 = self.builder.ins().uextend(I64, p);
        let base = self.builder.use_var(self.mem_base);
        let addr = self.builder.ins().iadd(base, p64);
        self.run_bases.insert(load.run, addr);
        Some(addr)
    }

    /// Trap with `MemoryOutOfBounds` unless `zext(p) + end <= len`, checked as
    /// `p <u max(len - end + 1, 0)` (a 32-bit compare; `bounds::limit_form_is_exact` proves the
    /// two equal for every `len` below 2^32 - 64 KiB, which `MAX_MEMORY_PAGES` guarantees, and
    /// every `end` in 1..=2^32 + 15). The limit does not depend on `p`, so Cranelift computes it
    /// once outside loops and the check inside is one compare and one branch.
    fn trap_unless_below_limit(&mut self, p: Value, end: u64) {
        debug_assert!((1..=(1u64 << 32) + 15).contains(&end), "access end {end}");
        let len = self.builder.use_var(self.mem_len);
        let limit = self.builder.ins().iadd_imm_s(len, 1 - end as i64);
        let zero = self.builder.ins().iconst(I64, 0);
        let limit = self.builder.ins().smax(limit, zero);
        let limit = self.builder.ins().ireduce(I32, limit);
        let oob = self
            .builder
            .ins()
            .icmp(IntCC::UnsignedGreaterThanOrEqual, p, limit);
        self.trap_if(oob, TrapCode::MemoryOutOfBounds);
    }

    /// `p + offset` as an address and static offset for a load or store.
    fn static_address(&mut self, p: Value, offset: u64) -> (Value, Offset32) {
        if offset <= i32::MAX as u64 {
            (p, Offset32::new(offset as i32))
        } else {
            (
                self.builder.ins().iadd_imm_s(p, offset as i64),
                Offset32::new(0),
            )
        }
    }

    /// Scalar load of `mem_ty` bytes, extended to `ty` (`signed` picks sign extension).
    fn load(&mut self, memarg: &MemArg, ty: Type, mem_ty: Type, signed: bool) -> Result<()> {
        let (p, off) = self.heap_addr(memarg, mem_ty.bytes())?;
        let f = heap_flags();
        let ins = self.builder.ins();
        let v = match (mem_ty.bits(), signed, ty == mem_ty) {
            (_, _, true) => ins.load(ty, f, p, off),
            (8, true, _) => ins.sload8(ty, f, p, off),
            (8, false, _) => ins.uload8(ty, f, p, off),
            (16, true, _) => ins.sload16(ty, f, p, off),
            (16, false, _) => ins.uload16(ty, f, p, off),
            (32, true, _) => ins.sload32(f, p, off),
            (32, false, _) => ins.uload32(f, p, off),
            _ => unreachable!("load width"),
        };
        self.push_canon(v);
        Ok(())
    }

    /// Store the popped value truncated to `mem_ty`.
    fn store(&mut self, memarg: &MemArg, mem_ty: Type) -> Result<()> {
        let v = self.pop();
        let (p, off) = self.heap_addr(memarg, mem_ty.bytes())?;
        let f = heap_flags();
        let vt = self.ty(v);
        let ins = self.builder.ins();
        if vt == mem_ty || vt.is_vector() {
            ins.store(f, v, p, off);
        } else {
            match mem_ty.bits() {
                8 => ins.istore8(f, v, p, off),
                16 => ins.istore16(f, v, p, off),
                32 => ins.istore32(f, v, p, off),
                _ => unreachable!("store width"),
            };
        }
        Ok(())
    }

    fn load_splat(&mut self, memarg: &MemArg, lane: Type, vty: Type) -> Result<()> {
        let (p, off) = self.heap_addr(memarg, lane.bytes())?;
        let x = self.builder.ins().load(lane, heap_flags(), p, off);
        let r = self.builder.ins().splat(vty, x);
        self.push_canon(r);
        Ok(())
    }

    fn load_zero(&mut self, memarg: &MemArg, lane: Type, vty: Type) -> Result<()> {
        let (p, off) = self.heap_addr(memarg, lane.bytes())?;
        let x = self.builder.ins().load(lane, heap_flags(), p, off);
        let r = self.builder.ins().scalar_to_vector(vty, x);
        self.push_canon(r);
        Ok(())
    }

    /// v128.loadNxM_{s,u}: load 64 bits and widen the low half of `narrow_vty`.
    fn load_extend(&mut self, memarg: &MemArg, narrow_vty: Type, signed: bool) -> Result<()> {
        let (p, off) = self.heap_addr(memarg, 8)?;
        let x = self.builder.ins().load(I64, heap_flags(), p, off);
        let v = self.builder.ins().scalar_to_vector(I64X2, x);
        let v = self.cast(v, narrow_vty);
        let r = self.widen_val(v, false, signed);
        self.push_canon(r);
        Ok(())
    }

    fn load_lane(&mut self, memarg: &MemArg, vty: Type, lane: u8) -> Result<()> {
        let v = self.pop_as(vty);
        let lt = vty.lane_type();
        let (p, off) = self.heap_addr(memarg, lt.bytes())?;
        let x = self.builder.ins().load(lt, heap_flags(), p, off);
        let r = self.builder.ins().insertlane(v, x, lane);
        self.push_canon(r);
        Ok(())
    }

    fn store_lane(&mut self, memarg: &MemArg, vty: Type, lane: u8) -> Result<()> {
        let v = self.pop_as(vty);
        let lt = vty.lane_type();
        let (p, off) = self.heap_addr(memarg, lt.bytes())?;
        let x = self.builder.ins().extractlane(v, lane);
        self.builder.ins().store(heap_flags(), x, p, off);
        Ok(())
    }

    /// Trap unless `[start, start+n)` lies inside memory (all i64, no wrap for i32 inputs).
    fn check_range(&mut self, start64: Value, n64: Value) {
        let end = self.builder.ins().iadd(start64, n64);
        let len = self.builder.use_var(self.mem_len);
        let oob = self
            .builder
            .ins()
            .icmp(IntCC::UnsignedGreaterThan, end, len);
        self.trap_if(oob, TrapCode::MemoryOutOfBounds);
    }

    // ---- control -------------------------------------------------------------------------

    fn block_sig(&self, bt: BlockType) -> Result<(Vec<WasmTy>, Vec<WasmTy>)> {
        Ok(match bt {
            BlockType::Empty => (vec![], vec![]),
            BlockType::Type(t) => (vec![], vec![WasmTy::from_val_type(t)?]),
            BlockType::FuncType(idx) => {
                let s = self.env.module.type_sig(idx)?;
                (s.params.clone(), s.results.clone())
            }
        })
    }

    fn block_with_params(&mut self, tys: &[WasmTy]) -> Block {
        let b = self.builder.create_block();
        for t in tys {
            self.builder.append_block_param(b, t.clif());
        }
        b
    }

    /// Branch target and arity for relative depth `depth`; marks non-loop targets reached.
    fn br_target(&mut self, depth: u32) -> (Block, usize) {
        let idx = self.control.len() - 1 - depth as usize;
        let frame = &mut self.control[idx];
        match frame.kind {
            FrameKind::Loop => {
                let h = frame.header.expect("loop header");
                (h, frame.loop_arity)
            }
            _ => {
                frame.next_reached = true;
                (frame.next, frame.results.len())
            }
        }
    }

    fn end_frame(&mut self) {
        let mut frame = self.control.pop().expect("control frame");
        if self.reachable {
            let vals = self.peekn(frame.results.len());
            self.builder.ins().jump(frame.next, &bargs(&vals));
            frame.next_reached = true;
        }
        if frame.kind == FrameKind::If {
            // No else arm: the false edge carries the parameters through unchanged.
            let eb = frame.else_block.expect("if else block");
            self.builder.switch_to_block(eb);
            self.builder
                .ins()
                .jump(frame.next, &bargs(&frame.if_params));
            frame.next_reached = true;
        }
        self.stack.truncate(frame.height);
        self.builder.switch_to_block(frame.next);
        let n = frame.results.len();
        let params = self.builder.block_params(frame.next)[..n].to_vec();
        self.stack.extend(params);
        self.reachable = frame.next_reached;
        if frame.kind == FrameKind::Func {
            // The function exit: undo the depth count and return.
            self.reachable = true;
            let depth = self.load_vm(I32, vmctx::CALL_DEPTH);
            let d = self.builder.ins().iadd_imm_s(depth, -1);
            self.store_vm(d, vmctx::CALL_DEPTH);
            let vals = self.popn(frame.results.len());
            self.builder.ins().return_(&vals);
        }
    }

    fn call(&mut self, callee: u32) -> Result<()> {
        let module = self.env.module;
        let sig = module.func_sig(callee)?.clone();
        let args = self.popn(sig.params.len());
        if callee < module.num_imported_funcs() {
            let id = self.env.intrinsic_ids[callee as usize];
            let imp = &module.imports[callee as usize];
            let results = self
                .env
                .lowering
                .emit(id, &mut self.builder, &args)
                .with_context(|| format!("lowering intrinsic `{}`.`{}`", imp.module, imp.name))?;
            if results.len() != sig.results.len() {
                bail!(
                    "lowering of `{}`.`{}` returned {} values, the import declares {}",
                    imp.module,
                    imp.name,
                    results.len(),
                    sig.results.len()
                );
            }
            for (r, t) in results.into_iter().zip(&sig.results) {
                let rt = self.ty(r);
                let ok = match t {
                    WasmTy::V128 => rt.is_vector() && rt.bits() == 128,
                    _ => rt == t.clif(),
                };
                if !ok {
                    bail!(
                        "lowering of `{}`.`{}` returned a {rt} value for a {} result",
                        imp.module,
                        imp.name,
                        t.name()
                    );
                }
                self.push_canon(r);
            }
            return Ok(());
        }
        let fref = match self.func_refs.get(&callee) {
            Some(f) => *f,
            None => {
                let id = self.env.func_ids[callee as usize].expect("defined function id");
                let s = wasm_signature(&sig, self.env.call_conv);
                let f = import_func_ref(self.builder.func, id, s);
                self.func_refs.insert(callee, f);
                f
            }
        };
        let mut full = Vec::with_capacity(args.len() + 1);
        full.push(self.vmctx);
        full.extend(args);
        let inst = self.builder.ins().call(fref, &full);
        let results = self.builder.inst_results(inst).to_vec();
        self.stack.extend(results);
        self.check_trap_after_call();
        // The callee may have grown memory.
        let len = self.load_vm(I64, vmctx::MEM_LEN);
        self.builder.def_var(self.mem_len, len);
        Ok(())
    }

    fn div(&mut self, ty: Type, signed: bool, rem: bool) {
        let b = self.pop();
        let a = self.pop();
        let is_zero = self.builder.ins().icmp_imm_s(IntCC::Equal, b, 0);
        self.trap_if(is_zero, TrapCode::IntegerDivideByZero);
        let min = if ty == I32 {
            i64::from(i32::MIN)
        } else {
            i64::MIN
        };
        let r = match (signed, rem) {
            (false, false) => self.builder.ins().udiv(a, b),
            (false, true) => self.builder.ins().urem(a, b),
            (true, false) => {
                let a_min = self.builder.ins().icmp_imm_s(IntCC::Equal, a, min);
                let b_m1 = self.builder.ins().icmp_imm_s(IntCC::Equal, b, -1);
                let ovf = self.builder.ins().band(a_min, b_m1);
                self.trap_if(ovf, TrapCode::IntegerOverflow);
                self.builder.ins().sdiv(a, b)
            }
            (true, true) => {
                // x rem -1 == x rem 1 == 0, and avoids the MIN / -1 hardware fault.
                let b_m1 = self.builder.ins().icmp_imm_s(IntCC::Equal, b, -1);
                let one = self.builder.ins().iconst(ty, 1);
                let b2 = self.builder.ins().select(b_m1, one, b);
                self.builder.ins().srem(a, b2)
            }
        };
        self.push(r);
    }

    // ---- the operator switch -------------------------------------------------------------

    fn operator(&mut self, op: &Operator) -> Result<()> {
        if !self.reachable {
            // Skip dead code, tracking nesting so the right `else`/`end` is found.
            match op {
                Operator::Block { .. } | Operator::Loop { .. } | Operator::If { .. } => {
                    self.skip_depth += 1;
                    return Ok(());
                }
                Operator::Else if self.skip_depth == 0 => {}
                Operator::End if self.skip_depth == 0 => {}
                Operator::End => {
                    self.skip_depth -= 1;
                    return Ok(());
                }
                _ => return Ok(()),
            }
        }

        use Operator as O;
        match op {
            O::Nop => {}
            O::Unreachable => self.trap_now(TrapCode::Unreachable),
            O::Block { blockty } => {
                let (params, results) = self.block_sig(*blockty)?;
                let next = self.block_with_params(&results);
                let height = self.stack.len() - params.len();
                self.control.push(Frame {
                    kind: FrameKind::Block,
                    next,
                    header: None,
                    loop_arity: 0,
                    results,
                    height,
                    else_block: None,
                    if_params: Vec::new(),
                    next_reached: false,
                });
            }
            O::Loop { blockty } => {
                let (params, results) = self.block_sig(*blockty)?;
                let header = self.block_with_params(&params);
                let next = self.block_with_params(&results);
                let args = self.popn(params.len());
                self.builder.ins().jump(header, &bargs(&args));
                self.builder.switch_to_block(header);
                let height = self.stack.len();
                let hp = self.builder.block_params(header)[..params.len()].to_vec();
                self.stack.extend(hp);
                self.control.push(Frame {
                    kind: FrameKind::Loop,
                    next,
                    header: Some(header),
                    loop_arity: params.len(),
                    results,
                    height,
                    else_block: None,
                    if_params: Vec::new(),
                    next_reached: false,
                });
            }
            O::If { blockty } => {
                let (params, results) = self.block_sig(*blockty)?;
                let cond = self.pop();
                let then_b = self.builder.create_block();
                let else_b = self.builder.create_block();
                let next = self.block_with_params(&results);
                self.builder.ins().brif(cond, then_b, &[], else_b, &[]);
                self.builder.switch_to_block(then_b);
                let height = self.stack.len() - params.len();
                let if_params = self.peekn(params.len());
                self.control.push(Frame {
                    kind: FrameKind::If,
                    next,
                    header: None,
                    loop_arity: 0,
                    results,
                    height,
                    else_block: Some(else_b),
                    if_params,
                    next_reached: false,
                });
            }
            O::Else => {
                let reachable = self.reachable;
                let frame = self.control.last_mut().expect("if frame");
                if reachable {
                    frame.next_reached = true;
                }
                let n = frame.results.len();
                let next = frame.next;
                let else_b = frame.else_block.take().expect("else block");
                let height = frame.height;
                let params = std::mem::take(&mut frame.if_params);
                frame.kind = FrameKind::Else;
                if reachable {
                    let vals = self.peekn(n);
                    self.builder.ins().jump(next, &bargs(&vals));
                }
                self.stack.truncate(height);
                self.stack.extend(params);
                self.builder.switch_to_block(else_b);
                self.reachable = true;
            }
            O::End => self.end_frame(),
            O::Br { relative_depth } => {
                let (target, n) = self.br_target(*relative_depth);
                let vals = self.peekn(n);
                self.builder.ins().jump(target, &bargs(&vals));
                self.reachable = false;
            }
            O::BrIf { relative_depth } => {
                let cond = self.pop();
                let (target, n) = self.br_target(*relative_depth);
                let vals = self.peekn(n);
                let cont = self.builder.create_block();
                self.builder
                    .ins()
                    .brif(cond, target, &bargs(&vals), cont, &[]);
                self.builder.switch_to_block(cont);
            }
            O::BrTable { targets } => {
                let index = self.pop();
                let mut depths = Vec::with_capacity(targets.len() as usize);
                for d in targets.targets() {
                    depths.push(d?);
                }
                let default = targets.default();
                let (_, n) = self.br_target(default);
                let vals = self.peekn(n);
                // Branch edges carry no arguments here; targets with values get an edge block.
                let mut edge: HashMap<u32, Block> = HashMap::new();
                let mut to_block = |t: &mut Self, depth: u32| -> Block {
                    if let Some(b) = edge.get(&depth) {
                        return *b;
                    }
                    let (target, _) = t.br_target(depth);
                    let b = if n == 0 {
                        target
                    } else {
                        t.builder.create_block()
                    };
                    edge.insert(depth, b);
                    b
                };
                let def_block = to_block(self, default);
                let table_blocks: Vec<Block> = depths.iter().map(|d| to_block(self, *d)).collect();
                let def_call = self.builder.func.dfg.block_call(def_block, &[]);
                let calls: Vec<_> = table_blocks
                    .iter()
                    .map(|b| self.builder.func.dfg.block_call(*b, &[]))
                    .collect();
                let jt = self
                    .builder
                    .create_jump_table(JumpTableData::new(def_call, &calls));
                self.builder.ins().br_table(index, jt);
                if n > 0 {
                    let mut edges: Vec<(u32, Block)> = edge.into_iter().collect();
                    edges.sort_by_key(|(d, _)| *d);
                    for (depth, b) in edges {
                        self.builder.switch_to_block(b);
                        let (target, _) = self.br_target(depth);
                        self.builder.ins().jump(target, &bargs(&vals));
                    }
                }
                self.reachable = false;
            }
            O::Return => {
                let (target, n) = self.br_target(self.control.len() as u32 - 1);
                let vals = self.peekn(n);
                self.builder.ins().jump(target, &bargs(&vals));
                self.reachable = false;
            }
            O::Call { function_index } => self.call(*function_index)?,
            O::Drop => {
                self.pop();
            }
            O::Select | O::TypedSelect { .. } => {
                let c = self.pop();
                let b = self.pop();
                let a = self.pop();
                let r = self.builder.ins().select(c, a, b);
                self.push(r);
            }
            O::LocalGet { local_index } => {
                let (var, _) = self.locals[*local_index as usize];
                let v = self.builder.use_var(var);
                self.push(v);
            }
            O::LocalSet { local_index } => {
                let v = self.pop();
                let (var, _) = self.locals[*local_index as usize];
                self.builder.def_var(var, v);
            }
            O::LocalTee { local_index } => {
                let v = *self.stack.last().expect("tee operand");
                let (var, _) = self.locals[*local_index as usize];
                self.builder.def_var(var, v);
            }
            O::GlobalGet { global_index } => {
                let ty = self.env.module.globals[*global_index as usize].ty.clif();
                let v = self.load_vm(ty, vmctx::global_offset(*global_index));
                self.push(v);
            }
            O::GlobalSet { global_index } => {
                let v = self.pop();
                self.store_vm(v, vmctx::global_offset(*global_index));
            }

            // ---- memory ----
            O::I32Load { memarg } => self.load(memarg, I32, I32, false)?,
            O::I64Load { memarg } => self.load(memarg, I64, I64, false)?,
            O::I32Load8S { memarg } => self.load(memarg, I32, I8, true)?,
            O::I32Load8U { memarg } => self.load(memarg, I32, I8, false)?,
            O::I32Load16S { memarg } => self.load(memarg, I32, types::I16, true)?,
            O::I32Load16U { memarg } => self.load(memarg, I32, types::I16, false)?,
            O::I64Load8S { memarg } => self.load(memarg, I64, I8, true)?,
            O::I64Load8U { memarg } => self.load(memarg, I64, I8, false)?,
            O::I64Load16S { memarg } => self.load(memarg, I64, types::I16, true)?,
            O::I64Load16U { memarg } => self.load(memarg, I64, types::I16, false)?,
            O::I64Load32S { memarg } => self.load(memarg, I64, I32, true)?,
            O::I64Load32U { memarg } => self.load(memarg, I64, I32, false)?,
            O::V128Load { memarg } => self.load(memarg, I32X4, I32X4, false)?,
            O::I32Store { memarg } => self.store(memarg, I32)?,
            O::I64Store { memarg } => self.store(memarg, I64)?,
            O::I32Store8 { memarg } | O::I64Store8 { memarg } => self.store(memarg, I8)?,
            O::I32Store16 { memarg } | O::I64Store16 { memarg } => {
                self.store(memarg, types::I16)?
            }
            O::I64Store32 { memarg } => self.store(memarg, I32)?,
            O::V128Store { memarg } => self.store(memarg, I32X4)?,
            O::V128Load8Splat { memarg } => self.load_splat(memarg, I8, I8X16)?,
            O::V128Load16Splat { memarg } => self.load_splat(memarg, types::I16, I16X8)?,
            O::V128Load32Splat { memarg } => self.load_splat(memarg, I32, I32X4)?,
            O::V128Load64Splat { memarg } => self.load_splat(memarg, I64, I64X2)?,
            O::V128Load32Zero { memarg } => self.load_zero(memarg, I32, I32X4)?,
            O::V128Load64Zero { memarg } => self.load_zero(memarg, I64, I64X2)?,
            O::V128Load8x8S { memarg } => self.load_extend(memarg, I8X16, true)?,
            O::V128Load8x8U { memarg } => self.load_extend(memarg, I8X16, false)?,
            O::V128Load16x4S { memarg } => self.load_extend(memarg, I16X8, true)?,
            O::V128Load16x4U { memarg } => self.load_extend(memarg, I16X8, false)?,
            O::V128Load32x2S { memarg } => self.load_extend(memarg, I32X4, true)?,
            O::V128Load32x2U { memarg } => self.load_extend(memarg, I32X4, false)?,
            O::V128Load8Lane { memarg, lane } => self.load_lane(memarg, I8X16, *lane)?,
            O::V128Load16Lane { memarg, lane } => self.load_lane(memarg, I16X8, *lane)?,
            O::V128Load32Lane { memarg, lane } => self.load_lane(memarg, I32X4, *lane)?,
            O::V128Load64Lane { memarg, lane } => self.load_lane(memarg, I64X2, *lane)?,
            O::V128Store8Lane { memarg, lane } => self.store_lane(memarg, I8X16, *lane)?,
            O::V128Store16Lane { memarg, lane } => self.store_lane(memarg, I16X8, *lane)?,
            O::V128Store32Lane { memarg, lane } => self.store_lane(memarg, I32X4, *lane)?,
            O::V128Store64Lane { memarg, lane } => self.store_lane(memarg, I64X2, *lane)?,
            O::MemorySize { mem: 0 } => {
                let len = self.builder.use_var(self.mem_len);
                let pages = self.builder.ins().ushr_imm_u(len, 16);
                let r = self.builder.ins().ireduce(I32, pages);
                self.push(r);
            }
            O::MemoryGrow { mem: 0 } => {
                // Memory is reserved up to mem_cap at instantiation, so growing only moves
                // the length; new pages are already zero because memory never shrinks.
                let delta = self.pop();
                let old_len = self.builder.use_var(self.mem_len);
                let d64 = self.builder.ins().uextend(I64, delta);
                let add = self.builder.ins().ishl_imm_u(d64, 16);
                let new_len = self.builder.ins().iadd(old_len, add);
                let cap = self.load_vm(I64, vmctx::MEM_CAP);
                let ok = self
                    .builder
                    .ins()
                    .icmp(IntCC::UnsignedLessThanOrEqual, new_len, cap);
                let old_pages = self.builder.ins().ushr_imm_u(old_len, 16);
                let old_pages = self.builder.ins().ireduce(I32, old_pages);
                let minus1 = self.builder.ins().iconst(I32, -1);
                let r = self.builder.ins().select(ok, old_pages, minus1);
                let len = self.builder.ins().select(ok, new_len, old_len);
                self.store_vm(len, vmctx::MEM_LEN);
                self.builder.def_var(self.mem_len, len);
                self.push(r);
            }
            O::MemoryFill { mem: 0 } => {
                let n = self.pop();
                let val = self.pop();
                let d = self.pop();
                let n64 = self.builder.ins().uextend(I64, n);
                let d64 = self.builder.ins().uextend(I64, d);
                self.check_range(d64, n64);
                let base = self.builder.use_var(self.mem_base);
                let p = self.builder.ins().iadd(base, d64);
                // call_memset takes the fill byte as i8 and widens it itself.
                let byte = self.builder.ins().ireduce(I8, val);
                self.builder
                    .call_memset(self.env.frontend_config, p, byte, n64);
            }
            O::MemoryCopy {
                dst_mem: 0,
                src_mem: 0,
            } => {
                let n = self.pop();
                let s = self.pop();
                let d = self.pop();
                let n64 = self.builder.ins().uextend(I64, n);
                let s64 = self.builder.ins().uextend(I64, s);
                let d64 = self.builder.ins().uextend(I64, d);
                self.check_range(d64, n64);
                self.check_range(s64, n64);
                let base = self.builder.use_var(self.mem_base);
                let dp = self.builder.ins().iadd(base, d64);
                let sp = self.builder.ins().iadd(base, s64);
                self.builder
                    .call_memmove(self.env.frontend_config, dp, sp, n64);
            }

            // ---- constants ----
            O::I32Const { value } => {
                let v = self.builder.ins().iconst(I32, i64::from(*value));
                self.push(v);
            }
            O::I64Const { value } => {
                let v = self.builder.ins().iconst(I64, *value);
                self.push(v);
            }
            O::V128Const { value } => {
                let v = self.vconst(I32X4, *value.bytes());
                self.push(v);
            }

            // ---- i32 / i64 ----
            O::I32Eqz | O::I64Eqz => self.eqz(),
            O::I32Eq | O::I64Eq => self.cmp(IntCC::Equal),
            O::I32Ne | O::I64Ne => self.cmp(IntCC::NotEqual),
            O::I32LtS | O::I64LtS => self.cmp(IntCC::SignedLessThan),
            O::I32LtU | O::I64LtU => self.cmp(IntCC::UnsignedLessThan),
            O::I32GtS | O::I64GtS => self.cmp(IntCC::SignedGreaterThan),
            O::I32GtU | O::I64GtU => self.cmp(IntCC::UnsignedGreaterThan),
            O::I32LeS | O::I64LeS => self.cmp(IntCC::SignedLessThanOrEqual),
            O::I32LeU | O::I64LeU => self.cmp(IntCC::UnsignedLessThanOrEqual),
            O::I32GeS | O::I64GeS => self.cmp(IntCC::SignedGreaterThanOrEqual),
            O::I32GeU | O::I64GeU => self.cmp(IntCC::UnsignedGreaterThanOrEqual),
            O::I32Clz => self.unop(Opcode::Clz, I32),
            O::I64Clz => self.unop(Opcode::Clz, I64),
            O::I32Ctz => self.unop(Opcode::Ctz, I32),
            O::I64Ctz => self.unop(Opcode::Ctz, I64),
            O::I32Popcnt => self.unop(Opcode::Popcnt, I32),
            O::I64Popcnt => self.unop(Opcode::Popcnt, I64),
            O::I32Add => self.binop(Opcode::Iadd, I32),
            O::I64Add => self.binop(Opcode::Iadd, I64),
            O::I32Sub => self.binop(Opcode::Isub, I32),
            O::I64Sub => self.binop(Opcode::Isub, I64),
            O::I32Mul => self.binop(Opcode::Imul, I32),
            O::I64Mul => self.binop(Opcode::Imul, I64),
            O::I32DivS => self.div(I32, true, false),
            O::I64DivS => self.div(I64, true, false),
            O::I32DivU => self.div(I32, false, false),
            O::I64DivU => self.div(I64, false, false),
            O::I32RemS => self.div(I32, true, true),
            O::I64RemS => self.div(I64, true, true),
            O::I32RemU => self.div(I32, false, true),
            O::I64RemU => self.div(I64, false, true),
            O::I32And => self.binop(Opcode::Band, I32),
            O::I64And => self.binop(Opcode::Band, I64),
            O::I32Or => self.binop(Opcode::Bor, I32),
            O::I64Or => self.binop(Opcode::Bor, I64),
            O::I32Xor => self.binop(Opcode::Bxor, I32),
            O::I64Xor => self.binop(Opcode::Bxor, I64),
            // CLIF masks scalar shift/rotate amounts by the bit width, like Wasm.
            O::I32Shl => self.binop(Opcode::Ishl, I32),
            O::I64Shl => self.binop(Opcode::Ishl, I64),
            O::I32ShrS => self.binop(Opcode::Sshr, I32),
            O::I64ShrS => self.binop(Opcode::Sshr, I64),
            O::I32ShrU => self.binop(Opcode::Ushr, I32),
            O::I64ShrU => self.binop(Opcode::Ushr, I64),
            O::I32Rotl => self.binop(Opcode::Rotl, I32),
            O::I64Rotl => self.binop(Opcode::Rotl, I64),
            O::I32Rotr => self.binop(Opcode::Rotr, I32),
            O::I64Rotr => self.binop(Opcode::Rotr, I64),
            O::I32WrapI64 => {
                let a = self.pop();
                let r = self.builder.ins().ireduce(I32, a);
                self.push(r);
            }
            O::I64ExtendI32S => {
                let a = self.pop();
                let r = self.builder.ins().sextend(I64, a);
                self.push(r);
            }
            O::I64ExtendI32U => {
                let a = self.pop();
                let r = self.builder.ins().uextend(I64, a);
                self.push(r);
            }
            O::I32Extend8S => self.sext_from(I8, I32),
            O::I32Extend16S => self.sext_from(types::I16, I32),
            O::I64Extend8S => self.sext_from(I8, I64),
            O::I64Extend16S => self.sext_from(types::I16, I64),
            O::I64Extend32S => self.sext_from(I32, I64),

            // ---- SIMD: lanes ----
            O::I8x16Shuffle { lanes } => {
                let b = self.pop_as(I8X16);
                let a = self.pop_as(I8X16);
                let imm = self
                    .builder
                    .func
                    .dfg
                    .immediates
                    .push(ConstantData::from(lanes.to_vec()));
                let r = self.builder.ins().shuffle(a, b, imm);
                self.push_canon(r);
            }
            O::I8x16Swizzle => self.binop(Opcode::Swizzle, I8X16),
            O::I8x16Splat => self.splat(I8, I8X16),
            O::I16x8Splat => self.splat(types::I16, I16X8),
            O::I32x4Splat => self.splat(I32, I32X4),
            O::I64x2Splat => self.splat(I64, I64X2),
            O::I8x16ExtractLaneS { lane } => self.extract_lane(I8X16, *lane, Some(true)),
            O::I8x16ExtractLaneU { lane } => self.extract_lane(I8X16, *lane, Some(false)),
            O::I16x8ExtractLaneS { lane } => self.extract_lane(I16X8, *lane, Some(true)),
            O::I16x8ExtractLaneU { lane } => self.extract_lane(I16X8, *lane, Some(false)),
            O::I32x4ExtractLane { lane } => self.extract_lane(I32X4, *lane, None),
            O::I64x2ExtractLane { lane } => self.extract_lane(I64X2, *lane, None),
            O::I8x16ReplaceLane { lane } => self.replace_lane(I8X16, *lane),
            O::I16x8ReplaceLane { lane } => self.replace_lane(I16X8, *lane),
            O::I32x4ReplaceLane { lane } => self.replace_lane(I32X4, *lane),
            O::I64x2ReplaceLane { lane } => self.replace_lane(I64X2, *lane),

            // ---- SIMD: bitwise ----
            O::V128Not => self.unop(Opcode::Bnot, I32X4),
            O::V128And => self.binop(Opcode::Band, I32X4),
            O::V128Or => self.binop(Opcode::Bor, I32X4),
            O::V128Xor => self.binop(Opcode::Bxor, I32X4),
            O::V128AndNot => {
                let b = self.pop();
                let a = self.pop();
                let r = self.builder.ins().band_not(a, b);
                self.push(r);
            }
            O::V128Bitselect => {
                let c = self.pop();
                let b = self.pop();
                let a = self.pop();
                let r = self.builder.ins().bitselect(c, a, b);
                self.push(r);
            }
            O::V128AnyTrue => {
                let v = self.pop();
                let c = self.builder.ins().vany_true(v);
                let r = self.builder.ins().uextend(I32, c);
                self.push(r);
            }
            O::I8x16AllTrue => self.all_true(I8X16),
            O::I16x8AllTrue => self.all_true(I16X8),
            O::I32x4AllTrue => self.all_true(I32X4),
            O::I64x2AllTrue => self.all_true(I64X2),
            O::I8x16Bitmask => self.bitmask(I8X16),
            O::I16x8Bitmask => self.bitmask(I16X8),
            O::I32x4Bitmask => self.bitmask(I32X4),
            O::I64x2Bitmask => self.bitmask(I64X2),

            // ---- SIMD: arithmetic ----
            O::I8x16Add => self.binop(Opcode::Iadd, I8X16),
            O::I16x8Add => self.binop(Opcode::Iadd, I16X8),
            O::I32x4Add => self.binop(Opcode::Iadd, I32X4),
            O::I64x2Add => self.binop(Opcode::Iadd, I64X2),
            O::I8x16Sub => self.binop(Opcode::Isub, I8X16),
            O::I16x8Sub => self.binop(Opcode::Isub, I16X8),
            O::I32x4Sub => self.binop(Opcode::Isub, I32X4),
            O::I64x2Sub => self.binop(Opcode::Isub, I64X2),
            O::I16x8Mul => self.binop(Opcode::Imul, I16X8),
            O::I32x4Mul => self.binop(Opcode::Imul, I32X4),
            O::I64x2Mul => self.binop(Opcode::Imul, I64X2),
            O::I8x16Neg => self.unop(Opcode::Ineg, I8X16),
            O::I16x8Neg => self.unop(Opcode::Ineg, I16X8),
            O::I32x4Neg => self.unop(Opcode::Ineg, I32X4),
            O::I64x2Neg => self.unop(Opcode::Ineg, I64X2),
            O::I8x16Abs => self.unop(Opcode::Iabs, I8X16),
            O::I16x8Abs => self.unop(Opcode::Iabs, I16X8),
            O::I32x4Abs => self.unop(Opcode::Iabs, I32X4),
            O::I64x2Abs => self.unop(Opcode::Iabs, I64X2),
            O::I8x16Popcnt => self.unop(Opcode::Popcnt, I8X16),
            O::I8x16MinS => self.binop(Opcode::Smin, I8X16),
            O::I8x16MinU => self.binop(Opcode::Umin, I8X16),
            O::I8x16MaxS => self.binop(Opcode::Smax, I8X16),
            O::I8x16MaxU => self.binop(Opcode::Umax, I8X16),
            O::I16x8MinS => self.binop(Opcode::Smin, I16X8),
            O::I16x8MinU => self.binop(Opcode::Umin, I16X8),
            O::I16x8MaxS => self.binop(Opcode::Smax, I16X8),
            O::I16x8MaxU => self.binop(Opcode::Umax, I16X8),
            O::I32x4MinS => self.binop(Opcode::Smin, I32X4),
            O::I32x4MinU => self.binop(Opcode::Umin, I32X4),
            O::I32x4MaxS => self.binop(Opcode::Smax, I32X4),
            O::I32x4MaxU => self.binop(Opcode::Umax, I32X4),
            O::I8x16AvgrU => self.binop(Opcode::AvgRound, I8X16),
            O::I16x8AvgrU => self.binop(Opcode::AvgRound, I16X8),
            O::I8x16AddSatS => self.binop(Opcode::SaddSat, I8X16),
            O::I8x16AddSatU => self.binop(Opcode::UaddSat, I8X16),
            O::I8x16SubSatS => self.binop(Opcode::SsubSat, I8X16),
            O::I8x16SubSatU => self.binop(Opcode::UsubSat, I8X16),
            O::I16x8AddSatS => self.binop(Opcode::SaddSat, I16X8),
            O::I16x8AddSatU => self.binop(Opcode::UaddSat, I16X8),
            O::I16x8SubSatS => self.binop(Opcode::SsubSat, I16X8),
            O::I16x8SubSatU => self.binop(Opcode::UsubSat, I16X8),
            O::I16x8Q15MulrSatS => self.binop(Opcode::SqmulRoundSat, I16X8),
            O::I8x16Shl => self.vshift(Opcode::Ishl, I8X16),
            O::I16x8Shl => self.vshift(Opcode::Ishl, I16X8),
            O::I32x4Shl => self.vshift(Opcode::Ishl, I32X4),
            O::I64x2Shl => self.vshift(Opcode::Ishl, I64X2),
            O::I8x16ShrS => self.vshift(Opcode::Sshr, I8X16),
            O::I16x8ShrS => self.vshift(Opcode::Sshr, I16X8),
            O::I32x4ShrS => self.vshift(Opcode::Sshr, I32X4),
            O::I64x2ShrS => self.vshift(Opcode::Sshr, I64X2),
            O::I8x16ShrU => self.vshift(Opcode::Ushr, I8X16),
            O::I16x8ShrU => self.vshift(Opcode::Ushr, I16X8),
            O::I32x4ShrU => self.vshift(Opcode::Ushr, I32X4),
            O::I64x2ShrU => self.vshift(Opcode::Ushr, I64X2),

            // ---- SIMD: comparisons ----
            O::I8x16Eq => self.vcmp(IntCC::Equal, I8X16),
            O::I8x16Ne => self.vcmp(IntCC::NotEqual, I8X16),
            O::I8x16LtS => self.vcmp(IntCC::SignedLessThan, I8X16),
            O::I8x16LtU => self.vcmp(IntCC::UnsignedLessThan, I8X16),
            O::I8x16GtS => self.vcmp(IntCC::SignedGreaterThan, I8X16),
            O::I8x16GtU => self.vcmp(IntCC::UnsignedGreaterThan, I8X16),
            O::I8x16LeS => self.vcmp(IntCC::SignedLessThanOrEqual, I8X16),
            O::I8x16LeU => self.vcmp(IntCC::UnsignedLessThanOrEqual, I8X16),
            O::I8x16GeS => self.vcmp(IntCC::SignedGreaterThanOrEqual, I8X16),
            O::I8x16GeU => self.vcmp(IntCC::UnsignedGreaterThanOrEqual, I8X16),
            O::I16x8Eq => self.vcmp(IntCC::Equal, I16X8),
            O::I16x8Ne => self.vcmp(IntCC::NotEqual, I16X8),
            O::I16x8LtS => self.vcmp(IntCC::SignedLessThan, I16X8),
            O::I16x8LtU => self.vcmp(IntCC::UnsignedLessThan, I16X8),
            O::I16x8GtS => self.vcmp(IntCC::SignedGreaterThan, I16X8),
            O::I16x8GtU => self.vcmp(IntCC::UnsignedGreaterThan, I16X8),
            O::I16x8LeS => self.vcmp(IntCC::SignedLessThanOrEqual, I16X8),
            O::I16x8LeU => self.vcmp(IntCC::UnsignedLessThanOrEqual, I16X8),
            O::I16x8GeS => self.vcmp(IntCC::SignedGreaterThanOrEqual, I16X8),
            O::I16x8GeU => self.vcmp(IntCC::UnsignedGreaterThanOrEqual, I16X8),
            O::I32x4Eq => self.vcmp(IntCC::Equal, I32X4),
            O::I32x4Ne => self.vcmp(IntCC::NotEqual, I32X4),
            O::I32x4LtS => self.vcmp(IntCC::SignedLessThan, I32X4),
            O::I32x4LtU => self.vcmp(IntCC::UnsignedLessThan, I32X4),
            O::I32x4GtS => self.vcmp(IntCC::SignedGreaterThan, I32X4),
            O::I32x4GtU => self.vcmp(IntCC::UnsignedGreaterThan, I32X4),
            O::I32x4LeS => self.vcmp(IntCC::SignedLessThanOrEqual, I32X4),
            O::I32x4LeU => self.vcmp(IntCC::UnsignedLessThanOrEqual, I32X4),
            O::I32x4GeS => self.vcmp(IntCC::SignedGreaterThanOrEqual, I32X4),
            O::I32x4GeU => self.vcmp(IntCC::UnsignedGreaterThanOrEqual, I32X4),
            O::I64x2Eq => self.vcmp(IntCC::Equal, I64X2),
            O::I64x2Ne => self.vcmp(IntCC::NotEqual, I64X2),
            O::I64x2LtS => self.vcmp(IntCC::SignedLessThan, I64X2),
            O::I64x2GtS => self.vcmp(IntCC::SignedGreaterThan, I64X2),
            O::I64x2LeS => self.vcmp(IntCC::SignedLessThanOrEqual, I64X2),
            O::I64x2GeS => self.vcmp(IntCC::SignedGreaterThanOrEqual, I64X2),

            // ---- SIMD: widening / narrowing ----
            O::I8x16NarrowI16x8S => self.narrow(I16X8, true),
            O::I8x16NarrowI16x8U => self.narrow(I16X8, false),
            O::I16x8NarrowI32x4S => self.narrow(I32X4, true),
            O::I16x8NarrowI32x4U => self.narrow(I32X4, false),
            O::I16x8ExtendLowI8x16S => self.widen(I8X16, false, true),
            O::I16x8ExtendHighI8x16S => self.widen(I8X16, true, true),
            O::I16x8ExtendLowI8x16U => self.widen(I8X16, false, false),
            O::I16x8ExtendHighI8x16U => self.widen(I8X16, true, false),
            O::I32x4ExtendLowI16x8S => self.widen(I16X8, false, true),
            O::I32x4ExtendHighI16x8S => self.widen(I16X8, true, true),
            O::I32x4ExtendLowI16x8U => self.widen(I16X8, false, false),
            O::I32x4ExtendHighI16x8U => self.widen(I16X8, true, false),
            O::I64x2ExtendLowI32x4S => self.widen(I32X4, false, true),
            O::I64x2ExtendHighI32x4S => self.widen(I32X4, true, true),
            O::I64x2ExtendLowI32x4U => self.widen(I32X4, false, false),
            O::I64x2ExtendHighI32x4U => self.widen(I32X4, true, false),
            O::I16x8ExtMulLowI8x16S => self.extmul(I8X16, false, true),
            O::I16x8ExtMulHighI8x16S => self.extmul(I8X16, true, true),
            O::I16x8ExtMulLowI8x16U => self.extmul(I8X16, false, false),
            O::I16x8ExtMulHighI8x16U => self.extmul(I8X16, true, false),
            O::I32x4ExtMulLowI16x8S => self.extmul(I16X8, false, true),
            O::I32x4ExtMulHighI16x8S => self.extmul(I16X8, true, true),
            O::I32x4ExtMulLowI16x8U => self.extmul(I16X8, false, false),
            O::I32x4ExtMulHighI16x8U => self.extmul(I16X8, true, false),
            O::I64x2ExtMulLowI32x4S => self.extmul(I32X4, false, true),
            O::I64x2ExtMulHighI32x4S => self.extmul(I32X4, true, true),
            O::I64x2ExtMulLowI32x4U => self.extmul(I32X4, false, false),
            O::I64x2ExtMulHighI32x4U => self.extmul(I32X4, true, false),
            O::I16x8ExtAddPairwiseI8x16S => self.extadd_pairwise(I8X16, true),
            O::I16x8ExtAddPairwiseI8x16U => self.extadd_pairwise(I8X16, false),
            O::I32x4ExtAddPairwiseI16x8S => self.extadd_pairwise(I16X8, true),
            O::I32x4ExtAddPairwiseI16x8U => self.extadd_pairwise(I16X8, false),
            O::I32x4DotI16x8S => {
                let b = self.pop_as(I16X8);
                let a = self.pop_as(I16X8);
                let al = self.builder.ins().swiden_low(a);
                let bl = self.builder.ins().swiden_low(b);
                let ah = self.builder.ins().swiden_high(a);
                let bh = self.builder.ins().swiden_high(b);
                let lo = self.builder.ins().imul(al, bl);
                let hi = self.builder.ins().imul(ah, bh);
                let r = self.builder.ins().iadd_pairwise(lo, hi);
                self.push_canon(r);
            }

            other => return Err(unsupported(other, self.location())),
        }
        Ok(())
    }
}
