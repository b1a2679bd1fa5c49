//! `ClifDomain` against `models::Concrete`: every domain operation (and each engine model
//! run over it, i.e. the portable lowering) is JIT-compiled on this host and compared with
//! concrete evaluation on random inputs.

use cranelift_codegen::ir::types::{I32X4, I64};
use cranelift_codegen::ir::{AbiParam, InstBuilder, MemFlagsData, UserFuncName};
use cranelift_codegen::settings::{self, Configurable};
use cranelift_codegen::Context;
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use cranelift_jit::{JITBuilder, JITModule};
use cranelift_module::{default_libcall_names, Linkage, Module};
use lowering::portable::arity;
use lowering::{emit_portable, ClifDomain, ClifValue};
use models::engine::engine_model;
use models::rng::Rng;
use models::{BinOp, Bits, Concrete, Domain};
use spec::Mnemonic;

/// Random 128 bits with a bias towards edge patterns (zeros, ones, single bits, small values).
fn edge_value(rng: &mut Rng) -> u128 {
    match rng.next_u64() % 8 {
        0 => 0,
        1 => u128::MAX,
        2 => 1u128 << (rng.next_u64() % 128),
        3 => rng.next_u64() as u128 % 300,
        _ => rng.u128(),
    }
}

type Kernel = extern "C" fn(*const u8, *mut u8);

struct Jit {
    module: JITModule,
    ctx: Context,
    fctx: FunctionBuilderContext,
    count: u32,
}

impl Jit {
    fn new() -> Jit {
        let mut flags = settings::builder();
        flags.set("opt_level", "speed").unwrap();
        let isa = cranelift_native::builder()
            .unwrap()
            .finish(settings::Flags::new(flags))
            .unwrap();
        let module = JITModule::new(JITBuilder::with_isa(isa, default_libcall_names()));
        let ctx = module.make_context();
        Jit {
            module,
            ctx,
            fctx: FunctionBuilderContext::new(),
            count: 0,
        }
    }

    /// Compile `fn(in, out)`: load `n` 128-bit inputs from `in`, run `body`, zero-extend the
    /// result to 128 bits and store it at `out`.
    fn compile(
        &mut self,
        n: usize,
        body: impl FnOnce(&mut ClifDomain, &[ClifValue]) -> ClifValue,
    ) -> Kernel {
        let mut sig = self.module.make_signature();
        sig.params.push(AbiParam::new(I64));
        sig.params.push(AbiParam::new(I64));
        let name = format!("k{}", self.count);
        self.count += 1;
        let id = self
            .module
            .declare_function(&name, Linkage::Local, &sig)
            .unwrap();
        self.ctx.func.signature = sig;
        self.ctx.func.name = UserFuncName::user(0, id.as_u32());
        {
            let mut b = FunctionBuilder::new(&mut self.ctx.func, &mut self.fctx);
            let entry = b.create_block();
            b.append_block_params_for_function_params(entry);
            b.switch_to_block(entry);
            b.seal_block(entry);
            let (pin, pout) = (b.block_params(entry)[0], b.block_params(entry)[1]);
            let flags = MemFlagsData::trusted();
            let ins: Vec<_> = (0..n)
                .map(|i| b.ins().load(I32X4, flags, pin, 16 * i as i32))
                .collect();
            let mut d = ClifDomain::new(&mut b);
            let ins: Vec<ClifValue> = ins.into_iter().map(|v| d.wrap(v)).collect();
            let r = body(&mut d, &ins);
            let r = d.zext(&r, 128);
            let r = d.as_i32x4(&r);
            b.ins().store(flags, r, pout, 0);
            b.ins().return_(&[]);
            b.finalize(self.module.isa().frontend_config());
        }
        if let Err(e) = cranelift_codegen::verify_function(&self.ctx.func, self.module.isa()) {
            panic!("invalid CLIF: {e}\n{}", self.ctx.func.display());
        }
        self.module
            .define_function(id, &mut self.ctx)
            .unwrap_or_else(|e| panic!("{e:?}\n{}", self.ctx.func.display()));
        self.module.clear_context(&mut self.ctx);
        self.module.finalize_definitions().unwrap();
        let p = self.module.get_finalized_function(id);
        unsafe { std::mem::transmute::<*const u8, Kernel>(p) }
    }
}

fn call(k: Kernel, inputs: &[u128]) -> u128 {
    let bytes: Vec<u8> = inputs.iter().flat_map(|v| v.to_le_bytes()).collect();
    let mut out = [0u8; 16];
    k(bytes.as_ptr(), out.as_mut_ptr());
    u128::from_le_bytes(out)
}

#[derive(Copy, Clone, Debug)]
enum Case {
    Extract(u32, u32),
    Concat(u32, u32),
    Bin(BinOp, u32),
    /// Shift with the amount masked to `mask` (so it is sometimes below the width).
    Shift(BinOp, u32, u128),
    Not(u32),
    Ite(u32),
    Rotl(u32, u32),
    FromLanes {
        same: bool,
        zeros: bool,
    },
    Const(u32, u128),
    Zext(u32, u32),
}

/// The same computation over any domain: inputs are 128-bit, narrowed with `extract`.
fn scenario<D: Domain>(d: &mut D, c: Case, x: &[D::V]) -> D::V {
    let narrow = |d: &mut D, v: &D::V, w: u32| d.extract(v, w - 1, 0);
    match c {
        Case::Extract(hi, lo) => d.extract(&x[0], hi, lo),
        Case::Concat(wa, wb) => {
            let a = narrow(d, &x[0], wa);
            let b = narrow(d, &x[1], wb);
            d.concat(&a, &b)
        }
        Case::Bin(op, w) => {
            let a = narrow(d, &x[0], w);
            let b = narrow(d, &x[1], w);
            d.binary(op, &a, &b)
        }
        Case::Shift(op, w, mask) => {
            let a = narrow(d, &x[0], w);
            let b = narrow(d, &x[1], w);
            let m = d.lit(w, mask);
            let b = d.and(&b, &m);
            d.binary(op, &a, &b)
        }
        Case::Not(w) => {
            let a = narrow(d, &x[0], w);
            d.not(&a)
        }
        Case::Ite(w) => {
            let c = d.extract(&x[2], 0, 0);
            let a = narrow(d, &x[0], w);
            let b = narrow(d, &x[1], w);
            d.ite(&c, &a, &b)
        }
        Case::Rotl(w, n) => {
            let a = narrow(d, &x[0], w);
            d.rotl(&a, n)
        }
        Case::FromLanes { same, zeros } => {
            let lanes: Vec<D::V> = (0..4)
                .map(|i| {
                    if zeros && i % 2 == 1 {
                        d.lit(32, 0)
                    } else if same {
                        d.lane(&x[0], 1, 32)
                    } else {
                        d.lane(&x[i % 3], i as u32, 32)
                    }
                })
                .collect();
            d.from_lanes(&lanes)
        }
        Case::Const(w, v) => {
            let k = d.constant(Bits::from_u128(w, v & mask_of(w)));
            let a = narrow(d, &x[0], w);
            d.xor(&k, &a)
        }
        Case::Zext(w, to) => {
            let a = narrow(d, &x[0], w);
            d.zext(&a, to)
        }
    }
}

fn mask_of(w: u32) -> u128 {
    if w == 128 {
        u128::MAX
    } else {
        (1u128 << w) - 1
    }
}

fn cases(rng: &mut Rng) -> Vec<Case> {
    const WIDTHS: [u32; 13] = [1, 5, 8, 13, 16, 31, 32, 33, 64, 65, 100, 127, 128];
    let mut v = vec![
        Case::FromLanes {
            same: false,
            zeros: false,
        },
        Case::FromLanes {
            same: true,
            zeros: false,
        },
        Case::FromLanes {
            same: false,
            zeros: true,
        },
    ];
    for &w in &WIDTHS {
        for op in [
            BinOp::Add,
            BinOp::Sub,
            BinOp::Mul,
            BinOp::And,
            BinOp::Or,
            BinOp::Xor,
            BinOp::Eq,
            BinOp::Ult,
            BinOp::Slt,
        ] {
            v.push(Case::Bin(op, w));
        }
        let mask = (w + 3).next_power_of_two() as u128 * 2 - 1;
        for op in [BinOp::Shl, BinOp::Lshr, BinOp::Ashr] {
            v.push(Case::Bin(op, w));
            v.push(Case::Shift(op, w, mask & mask_of(w)));
        }
        v.push(Case::Not(w));
        v.push(Case::Ite(w));
        v.push(Case::Rotl(w, 1 + rng.next_u64() as u32 % w));
        v.push(Case::Const(w, rng.u128()));
        let lo = rng.next_u64() as u32 % w;
        let hi = lo + rng.next_u64() as u32 % (w - lo);
        v.push(Case::Extract(hi, lo));
        v.push(Case::Extract(w - 1, 0));
        let wb = 1 + rng.next_u64() as u32 % (129 - w).max(1);
        if w + wb <= 128 {
            v.push(Case::Concat(w, wb));
            v.push(Case::Zext(w, w + wb));
        }
    }
    for lane in 0..4 {
        v.push(Case::Extract(32 * lane + 31, 32 * lane));
    }
    v.push(Case::Extract(127, 64));
    v.push(Case::Extract(63, 0));
    v.push(Case::Concat(64, 64));
    v.push(Case::Rotl(32, 5));
    v.push(Case::Rotl(32, 30));
    v.push(Case::Rotl(128, 32));
    v
}

#[test]
fn every_domain_operation_matches_concrete() {
    let mut rng = Rng(0x5eed_1234_abcd_0001);
    let mut jit = Jit::new();
    let all = cases(&mut rng);
    for c in all {
        let k = jit.compile(3, |d, x| scenario(d, c, x));
        for _ in 0..40 {
            let ins = [
                edge_value(&mut rng),
                edge_value(&mut rng),
                edge_value(&mut rng),
            ];
            let bits: Vec<Bits> = ins.iter().map(|&v| Bits::from_u128(128, v)).collect();
            let want = scenario(&mut Concrete, c, &bits);
            let want = Concrete.zext(&want, 128).to_u128();
            let got = call(k, &ins);
            assert_eq!(
                got, want,
                "{c:?} on {ins:#x?}: CLIF {got:#x}, concrete {want:#x}"
            );
        }
    }
}

#[test]
fn portable_lowering_matches_the_engine_model() {
    let mut rng = Rng(0x0dd_ba11_cafe_f00d);
    let mut jit = Jit::new();
    for m in Mnemonic::all() {
        let n = arity(m);
        let k = jit.compile(n, |d, x| {
            let args: Vec<_> = x.iter().map(|v| v.value).collect();
            let r = emit_portable(d.builder, m, &args).unwrap();
            d.wrap(r)
        });
        for _ in 0..500 {
            let ins: Vec<u128> = (0..n).map(|_| edge_value(&mut rng)).collect();
            let bits: Vec<Bits> = ins.iter().map(|&v| Bits::from_u128(128, v)).collect();
            let want = engine_model(&mut Concrete, m, &bits).to_u128();
            assert_eq!(call(k, &ins), want, "{m} on {ins:#x?}");
        }
    }
}

#[test]
fn portable_clif_is_valid_straight_line_code() {
    let flags = settings::Flags::new(settings::builder());
    let table = lowering::LoweringTable::all(lowering::Mode::Portable).unwrap();
    for m in Mnemonic::all() {
        let spec = spec::load_family(m.family()).unwrap();
        let intr = spec.intrinsics.iter().find(|i| i.instruction == m).unwrap();
        let id = table
            .resolve(&spec.import_module, &intr.engine.name)
            .unwrap();
        let f = table.call_site_function(id, arity(m)).unwrap();
        cranelift_codegen::verify_function(&f, &flags).unwrap();
        assert_eq!(f.signature.params.len(), arity(m));
        assert_eq!(f.layout.blocks().count(), 1, "{m}: one block");
        let text = f.display().to_string();
        assert!(!text.contains("call"), "{m}: no calls\n{text}");
        // The fast paths: lane moves and rotates, no I128 arithmetic.
        assert!(!text.contains("i128"), "{m}: no i128\n{text}");
        assert!(text.contains("extractlane"), "{m}\n{text}");
    }
}

#[test]
fn engine_param_counts_match_the_spec() {
    for i in spec::load_all()
        .unwrap()
        .iter()
        .flat_map(|s| s.intrinsics.clone())
    {
        assert_eq!(arity(i.instruction), i.engine.params.len(), "{}", i.name);
    }
}
