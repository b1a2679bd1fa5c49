//! SIMD operators and the intrinsic-lowering / post-pass hooks.

use anyhow::Result;
use cranelift_codegen::ir::{types, InstBuilder, Value};
use cranelift_frontend::FunctionBuilder;
use engine::{
    CodePostPass, CompileOptions, Config, Instance, IntrinsicLowering, NoIntrinsics,
    PostPassVerdict, SrcRange, Val,
};
use std::cell::RefCell;

fn lanes32(v: Val) -> [u32; 4] {
    let Val::V128(x) = v else {
        panic!("not v128: {v:?}")
    };
    [
        x as u32,
        (x >> 32) as u32,
        (x >> 64) as u32,
        (x >> 96) as u32,
    ]
}

fn v(l: [u32; 4]) -> Val {
    Val::V128(l[0] as u128 | (l[1] as u128) << 32 | (l[2] as u128) << 64 | (l[3] as u128) << 96)
}

#[test]
fn simd_operators() {
    let wasm = wat::parse_str(
        r#"(module (memory 1)
          (func (export "add") (param v128 v128) (result v128) local.get 0 local.get 1 i32x4.add)
          (func (export "splat_extract") (param i32) (result i32)
            local.get 0 i32x4.splat i32.const 1 i32x4.splat i32x4.add i32x4.extract_lane 3)
          (func (export "shuffle") (param v128 v128) (result v128)
            local.get 0 local.get 1
            i8x16.shuffle 12 13 14 15 16 17 18 19 0 1 2 3 28 29 30 31)
          (func (export "bcast0") (param v128) (result v128)
            local.get 0 local.get 0 i8x16.shuffle 0 1 2 3 0 1 2 3 0 1 2 3 0 1 2 3)
          (func (export "swizzle") (param v128 v128) (result v128) local.get 0 local.get 1 i8x16.swizzle)
          (func (export "bits") (param v128 v128 v128) (result v128)
            local.get 0 local.get 1 local.get 2 v128.bitselect
            local.get 1 v128.andnot local.get 0 v128.xor v128.not)
          (func (export "shifts") (param v128 i32) (result v128)
            local.get 0 local.get 1 i32x4.shl local.get 0 local.get 1 i32x4.shr_u v128.or)
          (func (export "cmp") (param v128 v128) (result i32)
            local.get 0 local.get 1 i32x4.eq i32x4.bitmask)
          (func (export "anyall") (param v128) (result i32)
            local.get 0 v128.any_true i32.const 1 i32.shl local.get 0 i32x4.all_true i32.or)
          (func (export "lanes8") (param v128) (result i32)
            local.get 0 i32.const 200 i8x16.replace_lane 5 i8x16.extract_lane_s 5)
          (func (export "mul16") (param v128 v128) (result v128) local.get 0 local.get 1 i16x8.mul)
          (func (export "mul64") (param v128 v128) (result v128) local.get 0 local.get 1 i64x2.mul)
          (func (export "mem") (param i32) (result v128)
            local.get 0 local.get 0 v128.load offset=16 v128.store
            local.get 0 v128.load32_zero local.get 0 v128.load32_splat i32x4.sub
            local.get 0 v128.load8x8_u i32x4.add)
          (func (export "dot") (param v128 v128) (result v128) local.get 0 local.get 1 i32x4.dot_i16x8_s)
          (func (export "narrow") (param v128 v128) (result v128) local.get 0 local.get 1 i8x16.narrow_i16x8_u)
          (data (i32.const 16) "\01\02\03\04\05\06\07\08\09\0a\0b\0c\0d\0e\0f\10"))"#,
    )
    .unwrap();
    let mut i = Instance::new(&wasm, &NoIntrinsics).unwrap();
    let a = [1, 2, 3, 0xffff_ffff];
    let b = [10, 20, 30, 2];
    let call = |i: &mut Instance, n: &str, args: &[Val]| i.call(n, args).unwrap()[0];
    assert_eq!(lanes32(call(&mut i, "add", &[v(a), v(b)])), [11, 22, 33, 1]);
    assert_eq!(call(&mut i, "splat_extract", &[Val::I32(41)]), Val::I32(42));
    assert_eq!(
        lanes32(call(&mut i, "shuffle", &[v(a), v(b)])),
        [0xffff_ffff, 10, 1, 2]
    );
    assert_eq!(lanes32(call(&mut i, "bcast0", &[v(a)])), [1, 1, 1, 1]);
    let table = Val::V128(u128::from_le_bytes(*b"abcdefghijklmnop"));
    let idx = Val::V128(u128::from_le_bytes([
        15, 0, 1, 200, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 16,
    ]));
    let Val::V128(sw) = call(&mut i, "swizzle", &[table, idx]) else {
        panic!()
    };
    assert_eq!(&sw.to_le_bytes()[..4], b"pab\0");
    assert_eq!(sw.to_le_bytes()[15], 0);
    // bits: !(((a & c) | (b & !c)) & !b ^ a)
    let (x, y, c) = (
        [0xf0f0_f0f0u32; 4],
        [0x3333_3333u32; 4],
        [0xff00_ff00u32; 4],
    );
    let expect = |k: usize| !((((x[k] & c[k]) | (y[k] & !c[k])) & !y[k]) ^ x[k]);
    assert_eq!(
        lanes32(call(&mut i, "bits", &[v(x), v(y), v(c)])),
        [expect(0); 4]
    );
    // Shift amounts are taken modulo 32: shl 33 == shl 1.
    assert_eq!(
        lanes32(call(&mut i, "shifts", &[v([0x8000_0001; 4]), Val::I32(33)])),
        [0x4000_0002; 4]
    );
    assert_eq!(
        call(&mut i, "cmp", &[v(a), v([1, 0, 3, 0xffff_ffff])]),
        Val::I32(0b1101)
    );
    assert_eq!(call(&mut i, "anyall", &[v([0, 0, 0, 0])]), Val::I32(0));
    assert_eq!(call(&mut i, "anyall", &[v([0, 1, 0, 0])]), Val::I32(2));
    assert_eq!(call(&mut i, "anyall", &[v([1, 1, 1, 1])]), Val::I32(3));
    assert_eq!(call(&mut i, "lanes8", &[v(a)]), Val::I32(-56));
    assert_eq!(
        lanes32(call(
            &mut i,
            "mul16",
            &[v([0x0002_0003; 4]), v([0x0004_8000; 4])]
        )),
        [0x0008_8000; 4]
    );
    let Val::V128(m) = call(
        &mut i,
        "mul64",
        &[Val::V128(3 | 5 << 64), Val::V128(7 | (1 << 63) << 64)],
    ) else {
        panic!()
    };
    assert_eq!((m as u64, (m >> 64) as u64), (21, 1 << 63));
    // mem(0): copies 16..32 to 0..16, then (zero-ext lane 0) - splat + widen(bytes 0..8 as u16).
    let r = lanes32(call(&mut i, "mem", &[Val::I32(0)]));
    let w = 0x0403_0201u32;
    let u16s = [0x0002_0001u32, 0x0004_0003, 0x0006_0005, 0x0008_0007];
    assert_eq!(
        r,
        [
            u16s[0],
            0u32.wrapping_sub(w).wrapping_add(u16s[1]),
            0u32.wrapping_sub(w).wrapping_add(u16s[2]),
            0u32.wrapping_sub(w).wrapping_add(u16s[3])
        ]
    );
    // dot: lanes of i16 pairs (1,2)·(3,4) = 11 in each lane, with a negative one.
    let p = v([0x0002_0001, 0x0002_0001, 0xffff_0001, 0x0002_0001]);
    let q = v([0x0004_0003; 4]);
    assert_eq!(
        lanes32(call(&mut i, "dot", &[p, q])),
        [11, 11, 0xffff_ffff, 11]
    );
    // narrow_u saturates signed i16 into u8.
    let Val::V128(n) = call(
        &mut i,
        "narrow",
        &[v([0xffff_0100; 4]), v([0x0005_007f; 4])],
    ) else {
        panic!()
    };
    assert_eq!(&n.to_le_bytes()[..2], &[255, 0]);
    assert_eq!(&n.to_le_bytes()[8..10], &[0x7f, 5]);
    // OOB v128 access near the end traps.
    let r = i.call("mem", &[Val::I32(65530)]);
    assert!(matches!(r, Err(engine::CallError::Trap(_))), "{r:?}");
}

/// `test.add1(i32) -> i32` lowered inline to `iadd_imm 1`; `test.vswap(v128) -> v128` swaps
/// the two 64-bit halves (exercises the I32X4 convention and a non-I32X4 result).
struct TestLowering;

impl IntrinsicLowering for TestLowering {
    fn resolve(&self, module: &str, name: &str) -> Option<usize> {
        match (module, name) {
            ("test", "add1") => Some(0),
            ("test", "vswap") => Some(1),
            _ => None,
        }
    }

    fn emit(&self, id: usize, b: &mut FunctionBuilder, args: &[Value]) -> Result<Vec<Value>> {
        assert_eq!(
            b.func.dfg.value_type(args[0]),
            if id == 0 { types::I32 } else { types::I32X4 }
        );
        Ok(vec![match id {
            0 => b.ins().iadd_imm_s(args[0], 1),
            _ => {
                let flags = cranelift_codegen::ir::MemFlagsData::new()
                    .with_endianness(cranelift_codegen::ir::Endianness::Little);
                let q = b.ins().bitcast(types::I64X2, flags, args[0]);
                let lo = b.ins().extractlane(q, 0);
                let hi = b.ins().extractlane(q, 1);
                let s = b.ins().scalar_to_vector(types::I64X2, hi);
                b.ins().insertlane(s, lo, 1)
            }
        }])
    }
}

const HOOK_WAT: &str = r#"(module
  (import "test" "add1" (func $add1 (param i32) (result i32)))
  (import "test" "vswap" (func $vswap (param v128) (result v128)))
  (func (export "twice") (param i32) (result i32) local.get 0 call $add1 call $add1)
  (func (export "swap") (param v128) (result v128) local.get 0 call $vswap))"#;

#[test]
fn intrinsic_hook_inlines_imports() {
    let wasm = wat::parse_str(HOOK_WAT).unwrap();
    let mut i = Instance::new(&wasm, &TestLowering).unwrap();
    assert_eq!(
        i.call("twice", &[Val::I32(40)]).unwrap(),
        vec![Val::I32(42)]
    );
    assert_eq!(
        i.call("swap", &[Val::V128(1 | 2 << 64)]).unwrap(),
        vec![Val::V128(2 | 1 << 64)]
    );
    // The call is inlined: the CLIF of `twice` has no call instruction.
    let clif = engine::compile::function_clif(&wasm, &TestLowering, 2).unwrap();
    assert!(!clif.contains("call "), "{clif}");
    // Without the lowering the import is rejected by name.
    let err = format!("{:#}", Instance::new(&wasm, &NoIntrinsics).err().unwrap());
    assert!(err.contains("`test`.`add1`"), "{err}");
}

/// Records what it sees; rejects functions whose code contains `reject_marker` srcloc.
struct RecordingPass {
    seen: RefCell<Vec<(String, usize, Vec<SrcRange>)>>,
    reject_all: bool,
}

impl CodePostPass for RecordingPass {
    fn rewrite(
        &self,
        ctx: &cranelift_codegen::Context,
        srclocs: &[SrcRange],
        code: &mut Vec<u8>,
    ) -> Result<PostPassVerdict> {
        self.seen
            .borrow_mut()
            .push((ctx.func.name.to_string(), code.len(), srclocs.to_vec()));
        Ok(if self.reject_all {
            PostPassVerdict::Reject("test".into())
        } else {
            PostPassVerdict::Unchanged
        })
    }
}

#[test]
fn post_pass_sees_code_and_srclocs_and_fallback_works() {
    let wasm = wat::parse_str(HOOK_WAT).unwrap();
    let pass = RecordingPass {
        seen: RefCell::new(Vec::new()),
        reject_all: false,
    };
    let mut opts = CompileOptions::new(&TestLowering);
    opts.post_pass = Some(&pass);
    let mut i = Instance::with_options(&wasm, &opts, Config::default()).unwrap();
    assert_eq!(i.call("twice", &[Val::I32(1)]).unwrap(), vec![Val::I32(3)]);
    let seen = pass.seen.borrow();
    assert_eq!(seen.len(), 2);
    // Source locations are module byte offsets inside the function bodies.
    let (_, len, ranges) = &seen[0];
    assert!(*len > 0 && !ranges.is_empty());
    assert!(ranges
        .iter()
        .all(|r| r.end as usize <= *len && r.wasm_offset > 8));
    drop(seen);

    let reject = RecordingPass {
        seen: RefCell::new(Vec::new()),
        reject_all: true,
    };
    let mut opts = CompileOptions::new(&TestLowering);
    opts.post_pass = Some(&reject);
    assert!(Instance::with_options(&wasm, &opts, Config::default()).is_err());
    opts.fallback = Some(&TestLowering);
    let mut i = Instance::with_options(&wasm, &opts, Config::default()).unwrap();
    assert_eq!(i.fallbacks.len(), 2);
    assert_eq!(i.call("twice", &[Val::I32(1)]).unwrap(), vec![Val::I32(3)]);
}
