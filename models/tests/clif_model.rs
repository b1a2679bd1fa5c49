//! The CLIF interpreter against hand-computed values, against itself run
//! symbolically, and against the engine-intrinsic model for a hand-written
//! SHA1H lowering. Every function is built with `FunctionBuilder` and passed
//! through Cranelift's own verifier first, so the tests only feed it valid CLIF.

use std::collections::HashMap;

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::types::{F32X4, I128, I16, I16X8, I32, I32X4, I64, I64X2, I8, I8X16};
use cranelift_codegen::ir::{
    AbiParam, Endianness, Function, InstBuilder, MemFlagsData, Signature, Type, UserFuncName, Value,
};
use cranelift_codegen::isa::CallConv;
use cranelift_codegen::settings;
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use models::clif::{opcodes_used, run_function};
use models::engine::engine_model;
use models::normalise::normalise;
use models::{Bits, Concrete, Domain, Terms};
use spec::Mnemonic;

/// A one-block function `params -> rets` whose body `body` builds.
fn build(
    params: &[Type],
    rets: &[Type],
    body: impl FnOnce(&mut FunctionBuilder, &[Value]) -> Vec<Value>,
) -> Function {
    build_multi(params, rets, |b, ps| {
        let outs = body(b, ps);
        b.ins().return_(&outs);
    })
}

/// As `build`, but `body` must emit its own terminator (for multi-block tests).
fn build_multi(
    params: &[Type],
    rets: &[Type],
    body: impl FnOnce(&mut FunctionBuilder, &[Value]),
) -> Function {
    let mut sig = Signature::new(CallConv::SystemV);
    sig.params.extend(params.iter().map(|&t| AbiParam::new(t)));
    sig.returns.extend(rets.iter().map(|&t| AbiParam::new(t)));
    let mut func = Function::with_name_signature(UserFuncName::default(), sig);
    let mut ctx = FunctionBuilderContext::new();
    {
        let mut b = FunctionBuilder::new(&mut func, &mut ctx);
        let entry = b.create_block();
        b.append_block_params_for_function_params(entry);
        b.switch_to_block(entry);
        let ps = b.block_params(entry).to_vec();
        body(&mut b, &ps);
        b.seal_all_blocks();
        // No `finalize`: it only adds debug checks and stack-map spills (none
        // here) and wants a target config; Cranelift's verifier below checks more.
    }
    let flags = settings::Flags::new(settings::builder());
    if let Err(e) = cranelift_codegen::verify_function(&func, &flags) {
        panic!("test built invalid CLIF: {e}\n{}", func.display());
    }
    func
}

fn le() -> MemFlagsData {
    MemFlagsData::new().with_endianness(Endianness::Little)
}

/// A v128 from four i32 lanes, lane 0 first.
fn v4(l: [u32; 4]) -> Bits {
    let mut x = 0u128;
    for (i, v) in l.iter().enumerate() {
        x |= (*v as u128) << (32 * i);
    }
    Bits::from_u128(128, x)
}

fn lanes4(b: &Bits) -> [u32; 4] {
    let x = b.to_u128();
    std::array::from_fn(|i| (x >> (32 * i)) as u32)
}

fn run(func: &Function, args: &[Bits]) -> Vec<Bits> {
    run_function(&mut Concrete, func, args).unwrap_or_else(|e| panic!("{e:#}\n{}", func.display()))
}

fn run1(func: &Function, args: &[Bits]) -> Bits {
    let out = run(func, args);
    assert_eq!(out.len(), 1);
    out[0]
}

/// A deterministic stream of test values (xorshift), biased towards edges.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn u32(&mut self) -> u32 {
        match self.next() % 8 {
            0 => 0,
            1 => u32::MAX,
            2 => 0x8000_0000,
            _ => self.next() as u32,
        }
    }
    fn v4(&mut self) -> [u32; 4] {
        std::array::from_fn(|_| self.u32())
    }
}

const A: [u32; 4] = [0xffff_ffff, 1, 0x8000_0000, 7];
const B: [u32; 4] = [1, 2, 0x8000_0000, 3];

fn binop_i32x4(f: impl Fn(&mut FunctionBuilder, Value, Value) -> Value) -> Function {
    build(&[I32X4, I32X4], &[I32X4], |b, p| vec![f(b, p[0], p[1])])
}

#[test]
fn arithmetic_is_lanewise_and_wraps() {
    let add = binop_i32x4(|b, x, y| b.ins().iadd(x, y));
    let sub = binop_i32x4(|b, x, y| b.ins().isub(x, y));
    let mul = binop_i32x4(|b, x, y| b.ins().imul(x, y));
    assert_eq!(lanes4(&run1(&add, &[v4(A), v4(B)])), [0, 3, 0, 10]);
    assert_eq!(
        lanes4(&run1(&sub, &[v4(A), v4(B)])),
        [0xffff_fffe, 0xffff_ffff, 0, 4]
    );
    assert_eq!(
        lanes4(&run1(&mul, &[v4(A), v4(B)])),
        [0xffff_ffff, 2, 0, 21]
    );

    let neg = build(&[I32X4], &[I32X4], |b, p| vec![b.ins().ineg(p[0])]);
    assert_eq!(
        lanes4(&run1(&neg, &[v4(A)])),
        [1, 0xffff_ffff, 0x8000_0000, 0xffff_fff9]
    );

    // Other lane shapes: carries must not cross a lane boundary.
    for (ty, lw) in [(I8X16, 8u32), (I16X8, 16), (I64X2, 64)] {
        for which in 0..3 {
            let f = build(&[I32X4, I32X4], &[I32X4], |b, p| {
                let x = b.ins().bitcast(ty, le(), p[0]);
                let y = b.ins().bitcast(ty, le(), p[1]);
                let r = match which {
                    0 => b.ins().iadd(x, y),
                    1 => b.ins().isub(x, y),
                    _ => b.ins().imul(x, y),
                };
                vec![b.ins().bitcast(I32X4, le(), r)]
            });
            let mut rng = Rng(0x1234_5678 + lw as u64 + which);
            for _ in 0..20 {
                let (x, y) = (v4(rng.v4()).to_u128(), v4(rng.v4()).to_u128());
                let mask = if lw == 128 {
                    u128::MAX
                } else {
                    (1u128 << lw) - 1
                };
                let mut want = 0u128;
                for i in 0..128 / lw {
                    let (a, c) = ((x >> (i * lw)) & mask, (y >> (i * lw)) & mask);
                    let r = match which {
                        0 => a.wrapping_add(c),
                        1 => a.wrapping_sub(c),
                        _ => a.wrapping_mul(c),
                    } & mask;
                    want |= r << (i * lw);
                }
                let got = run1(&f, &[Bits::from_u128(128, x), Bits::from_u128(128, y)]);
                assert_eq!(got.to_u128(), want, "{ty} op {which}");
            }
        }
    }
}

#[test]
fn bitwise_ops() {
    let x = [0xf0f0_f0f0, 0x1234_5678, 0, u32::MAX];
    let y = [0xff00_ff00, 0x0000_ffff, u32::MAX, 0x5555_5555];
    let and = binop_i32x4(|b, p, q| b.ins().band(p, q));
    let or = binop_i32x4(|b, p, q| b.ins().bor(p, q));
    let xor = binop_i32x4(|b, p, q| b.ins().bxor(p, q));
    let not = build(&[I32X4], &[I32X4], |b, p| vec![b.ins().bnot(p[0])]);
    let (vx, vy) = (v4(x), v4(y));
    let pick = |f: fn(u32, u32) -> u32| -> [u32; 4] { std::array::from_fn(|i| f(x[i], y[i])) };
    assert_eq!(lanes4(&run1(&and, &[vx, vy])), pick(|a, b| a & b));
    assert_eq!(lanes4(&run1(&or, &[vx, vy])), pick(|a, b| a | b));
    assert_eq!(lanes4(&run1(&xor, &[vx, vy])), pick(|a, b| a ^ b));
    assert_eq!(lanes4(&run1(&not, &[vx])), pick(|a, _| !a));
    // bitselect(c, x, y) = (c & x) | (!c & y): with c = x that is x | y, with c = y it is x & y.
    let sel = binop_i32x4(|b, p, q| b.ins().bitselect(p, p, q));
    assert_eq!(lanes4(&run1(&sel, &[vx, vy])), pick(|a, b| a | b));
    let sel = binop_i32x4(|b, p, q| b.ins().bitselect(q, p, q));
    assert_eq!(lanes4(&run1(&sel, &[vx, vy])), pick(|a, b| a & b));
}

/// Opcode, amount, reference.
type ShiftCase = (&'static str, i64, fn(u32, u32) -> u32);

/// Shifts and rotates by a constant (the `_imm` builder helpers emit an iconst).
#[test]
fn shift_amounts_are_masked() {
    let x = [0x8000_0001, 0x1234_5678, 0xffff_fffe, 3];
    let vx = v4(x);
    let cases: Vec<ShiftCase> = vec![
        ("ishl", 33, |a, n| a.wrapping_shl(n)),
        ("ishl", 32, |a, n| a.wrapping_shl(n)),
        ("ushr", 36, |a, n| a.wrapping_shr(n)),
        ("sshr", 35, |a, n| (a as i32).wrapping_shr(n) as u32),
        ("sshr", 31, |a, n| (a as i32).wrapping_shr(n) as u32),
        ("rotl", 62, |a, n| a.rotate_left(n)),
        ("rotr", 2, |a, n| a.rotate_right(n)),
    ];
    for (name, n, reference) in cases {
        // A 64-bit amount: CLIF allows any integer type and masks by the lane width.
        let f = build(&[I32X4], &[I32X4], |b, p| {
            let amt = b.ins().iconst(I64, n);
            let r = match name {
                "ishl" => b.ins().ishl(p[0], amt),
                "ushr" => b.ins().ushr(p[0], amt),
                "sshr" => b.ins().sshr(p[0], amt),
                "rotl" => b.ins().rotl(p[0], amt),
                _ => b.ins().rotr(p[0], amt),
            };
            vec![r]
        });
        let want: [u32; 4] = std::array::from_fn(|i| reference(x[i], n as u32));
        assert_eq!(lanes4(&run1(&f, &[vx])), want, "{name} by {n}");
    }

    // Byte lanes mask by 8, scalars by their own width.
    let f = build(&[I32X4], &[I32X4], |b, p| {
        let x = b.ins().bitcast(I8X16, le(), p[0]);
        let r = b.ins().ishl_imm_u(x, 9);
        vec![b.ins().bitcast(I32X4, le(), r)]
    });
    assert_eq!(
        lanes4(&run1(&f, &[v4([0x8081_0203, 0, 0, 0xffff_ffff])])),
        [0x0002_0406, 0, 0, 0xfefe_fefe]
    );
    let f = build(&[I32], &[I32, I32, I32], |b, p| {
        vec![
            b.ins().ishl_imm_u(p[0], 33),
            b.ins().rotl_imm_u(p[0], 30),
            b.ins().rotr_imm_u(p[0], 2),
        ]
    });
    let out = run(&f, &[Bits::from_u64(32, 0x8000_0003)]);
    assert_eq!(out[0].to_u64(), 0x0000_0006);
    assert_eq!(out[1].to_u64(), 0xe000_0000);
    assert_eq!(out[2].to_u64(), 0xe000_0000);
}

#[test]
fn lanes_splat_and_constants() {
    let f = build(&[I32X4], &[I32, I32X4, I32X4, I32X4, I32X4], |b, p| {
        let e = b.ins().extractlane(p[0], 2);
        let ins = b.ins().insertlane(p[0], e, 0);
        let spl = b.ins().splat(I32X4, e);
        let s2v = b.ins().scalar_to_vector(I32X4, e);
        let k = b
            .func
            .dfg
            .constants
            .insert((0u8..16).collect::<Vec<u8>>().into());
        let vc = b.ins().vconst(I32X4, k);
        vec![e, ins, spl, s2v, vc]
    });
    let out = run(&f, &[v4([10, 11, 12, 13])]);
    assert_eq!(out[0].to_u64(), 12);
    assert_eq!(lanes4(&out[1]), [12, 11, 12, 13]);
    assert_eq!(lanes4(&out[2]), [12; 4]);
    assert_eq!(lanes4(&out[3]), [12, 0, 0, 0]);
    // Constant bytes are little-endian: byte 0 is the low byte of lane 0.
    assert_eq!(
        lanes4(&out[4]),
        [0x0302_0100, 0x0706_0504, 0x0b0a_0908, 0x0f0e_0d0c]
    );
}

#[test]
fn bitcast_keeps_little_endian_lane_order() {
    let f = build(&[I32X4], &[I8, I16, I64, I128, I32X4], |b, p| {
        let bytes = b.ins().bitcast(I8X16, le(), p[0]);
        let halves = b.ins().bitcast(I16X8, le(), p[0]);
        let dwords = b.ins().bitcast(I64X2, le(), p[0]);
        let wide = b.ins().bitcast(I128, le(), p[0]);
        // Same lane shape: no byte order needed.
        let floats = b.ins().bitcast(F32X4, MemFlagsData::new(), p[0]);
        let back = b.ins().bitcast(I32X4, MemFlagsData::new(), floats);
        vec![
            b.ins().extractlane(bytes, 5),
            b.ins().extractlane(halves, 3),
            b.ins().extractlane(dwords, 1),
            wide,
            back,
        ]
    });
    let x = v4([0x0302_0100, 0x0706_0504, 0x0b0a_0908, 0x0f0e_0d0c]);
    let out = run(&f, &[x]);
    assert_eq!(out[0].to_u64(), 0x05);
    assert_eq!(out[1].to_u64(), 0x0706);
    assert_eq!(out[2].to_u64(), 0x0f0e_0d0c_0b0a_0908);
    assert_eq!(out[3], x);
    assert_eq!(out[4], x);
}

#[test]
fn bitcast_big_endian_between_shapes_is_refused() {
    let f = build(&[I32X4], &[I8X16], |b, p| {
        let flags = MemFlagsData::new().with_endianness(Endianness::Big);
        vec![b.ins().bitcast(I8X16, flags, p[0])]
    });
    let err = run_function(&mut Concrete, &f, &[v4([0; 4])]).unwrap_err();
    assert!(
        err.to_string().starts_with("unsupported: bitcast ("),
        "{err}"
    );
}

#[test]
fn widening_narrowing_split_concat() {
    let f = build(&[I64, I8], &[I32, I32, I128, I16, I64, I64, I16], |b, p| {
        let (lo, hi) = b.ins().isplit(p[0]);
        let wide = b.ins().iconcat(p[0], p[0]);
        let narrow = b.ins().ireduce(I16, p[0]);
        let z = b.ins().uextend(I64, p[1]);
        let s = b.ins().sextend(I64, p[1]);
        let s16 = b.ins().sextend(I16, p[1]);
        vec![lo, hi, wide, narrow, z, s, s16]
    });
    let out = run(
        &f,
        &[
            Bits::from_u64(64, 0x1122_3344_5566_7788),
            Bits::from_u64(8, 0x9c),
        ],
    );
    assert_eq!(out[0].to_u64(), 0x5566_7788);
    assert_eq!(out[1].to_u64(), 0x1122_3344);
    assert_eq!(out[2].to_u128(), 0x1122_3344_5566_7788_1122_3344_5566_7788);
    assert_eq!(out[3].to_u64(), 0x7788);
    assert_eq!(out[4].to_u64(), 0x9c);
    assert_eq!(out[5].to_u64(), 0xffff_ffff_ffff_ff9c);
    assert_eq!(out[6].to_u64(), 0xff9c);
    let out = run(&f, &[Bits::from_u64(64, 0), Bits::from_u64(8, 0x7f)]);
    assert_eq!(out[5].to_u64(), 0x7f);
}

#[test]
fn icmp_and_select() {
    let conds = [
        (IntCC::Equal, [0, 0, 1, 0]),
        (IntCC::NotEqual, [1, 1, 0, 1]),
        (IntCC::SignedLessThan, [1, 1, 0, 0]),
        (IntCC::SignedGreaterThanOrEqual, [0, 0, 1, 1]),
        (IntCC::SignedGreaterThan, [0, 0, 0, 1]),
        (IntCC::SignedLessThanOrEqual, [1, 1, 1, 0]),
        (IntCC::UnsignedLessThan, [0, 1, 0, 0]),
        (IntCC::UnsignedGreaterThanOrEqual, [1, 0, 1, 1]),
        (IntCC::UnsignedGreaterThan, [1, 0, 0, 1]),
        (IntCC::UnsignedLessThanOrEqual, [0, 1, 1, 0]),
    ];
    // Lanes: (-1, 1), (1, 2), (0x80000000, 0x80000000), (7, 3).
    for (cc, want) in conds {
        let f = build(&[I32X4, I32X4], &[I32X4, I8, I32X4], |b, p| {
            let m = b.ins().icmp(cc, p[0], p[1]);
            let x0 = b.ins().extractlane(p[0], 0);
            let y0 = b.ins().extractlane(p[1], 0);
            let c = b.ins().icmp(cc, x0, y0);
            let s = b.ins().select(c, p[0], p[1]);
            vec![m, c, s]
        });
        let out = run(&f, &[v4(A), v4(B)]);
        let mask: [u32; 4] = std::array::from_fn(|i| if want[i] == 1 { u32::MAX } else { 0 });
        assert_eq!(lanes4(&out[0]), mask, "{cc}");
        assert_eq!(out[1].to_u64(), want[0] as u64, "{cc}");
        assert_eq!(out[1].width(), 8);
        assert_eq!(lanes4(&out[2]), if want[0] == 1 { A } else { B }, "{cc}");
    }
    // Narrow lanes compare per lane too.
    let f = build(&[I32X4, I32X4], &[I32X4], |b, p| {
        let x = b.ins().bitcast(I16X8, le(), p[0]);
        let y = b.ins().bitcast(I16X8, le(), p[1]);
        let m = b.ins().icmp(IntCC::SignedLessThan, x, y);
        vec![b.ins().bitcast(I32X4, le(), m)]
    });
    let out = run1(
        &f,
        &[v4([0x8000_0001, 0, 0, 0]), v4([0x0001_0000, 0, 0, 0])],
    );
    assert_eq!(lanes4(&out), [0xffff_0000, 0, 0, 0]);
}

#[test]
fn shuffle_and_swizzle() {
    // Lanes (a1, b0, a3, b2), written as byte indices.
    let mask: Vec<u8> = [4u8, 16, 12, 24]
        .iter()
        .flat_map(|&s| (s..s + 4).collect::<Vec<_>>())
        .collect();
    let f = build(&[I32X4, I32X4, I32X4], &[I32X4, I32X4], |b, p| {
        let x = b.ins().bitcast(I8X16, le(), p[0]);
        let y = b.ins().bitcast(I8X16, le(), p[1]);
        let imm = b.func.dfg.immediates.push(mask.clone().into());
        let s = b.ins().shuffle(x, y, imm);
        let idx = b.ins().bitcast(I8X16, le(), p[2]);
        let w = b.ins().swizzle(x, idx);
        vec![
            b.ins().bitcast(I32X4, le(), s),
            b.ins().bitcast(I32X4, le(), w),
        ]
    });
    let x = v4([0x0302_0100, 0x0706_0504, 0x0b0a_0908, 0x0f0e_0d0c]);
    let y = v4([0x1312_1110, 0x1716_1514, 0x1b1a_1918, 0x1f1e_1d1c]);
    // Swizzle indices: reverse the first lane, then out-of-range ones give 0.
    let idx = v4([0x0001_0203, 0x1000_0f0e, 0xff80_7f0f, 0x0505_0505]);
    let out = run(&f, &[x, y, idx]);
    assert_eq!(
        lanes4(&out[0]),
        [0x0706_0504, 0x1312_1110, 0x0f0e_0d0c, 0x1b1a_1918]
    );
    assert_eq!(
        lanes4(&out[1]),
        [0x0001_0203, 0x0000_0f0e, 0x0000_000f, 0x0505_0505]
    );
}

#[test]
fn blocks_with_params_and_constant_branches() {
    // entry: c = icmp_imm ne k, 0; brif c, then(x + 1), else(x - 1)
    // join(v): return v * 2
    let make = || {
        build_multi(&[I32, I32], &[I32], |b, p| {
            let then_b = b.create_block();
            let else_b = b.create_block();
            let join = b.create_block();
            b.append_block_param(join, I32);
            let k = b.ins().iconst(I32, 5);
            let c = b.ins().icmp(IntCC::UnsignedLessThan, p[1], k);
            b.ins().brif(c, then_b, &[], else_b, &[]);
            b.switch_to_block(then_b);
            let v = b.ins().iadd_imm_u(p[0], 1);
            b.ins().jump(join, &[v.into()]);
            b.switch_to_block(else_b);
            let v = b.ins().iadd_imm_s(p[0], -1);
            b.ins().jump(join, &[v.into()]);
            b.switch_to_block(join);
            let v = b.block_params(join)[0];
            let two = b.ins().iconst(I32, 2);
            let r = b.ins().imul(v, two);
            b.ins().return_(&[r]);
        })
    };
    let f = make();
    let go = |x: u64, k: u64| run1(&f, &[Bits::from_u64(32, x), Bits::from_u64(32, k)]).to_u64();
    assert_eq!(go(10, 0), 22);
    assert_eq!(go(10, 9), 18);
    assert_eq!(go(0, 9), 0xffff_fffe);

    // Symbolically: a variable condition is refused, a constant one is followed.
    let mut t = Terms::new();
    let x = t.var("x", 32);
    let k = t.var("k", 32);
    let err = run_function(&mut t, &f, &[x, k]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "unsupported: branch on a symbolic condition in block0"
    );
    let k = t.lit(32, 1);
    let out = run_function(&mut t, &f, &[x, k]).unwrap();
    let env = HashMap::from([("x".to_string(), Bits::from_u64(32, 41))]);
    assert_eq!(t.eval(&out, &env).unwrap()[0].to_u64(), 84);
}

/// One function using every modelled opcode, with symbolic shift amounts and
/// swizzle indices, run over `Terms` and over `Concrete`.
fn kitchen_sink() -> Function {
    build(&[I32X4, I32X4, I32X4, I32], &[I32X4, I32X4, I64], |b, p| {
        let (x, y, z, n) = (p[0], p[1], p[2], p[3]);
        let s = b.ins().iadd(x, y);
        let d = b.ins().isub(s, z);
        let m = b.ins().imul(d, x);
        let sh = b.ins().ishl(m, n);
        let us = b.ins().ushr(y, n);
        let ss = b.ins().sshr(z, n);
        let e0 = b.ins().extractlane(x, 0);
        let r = b.ins().rotl(e0, n);
        let r2 = b.ins().rotr(e0, n);
        let a = b.ins().band(sh, us);
        let o = b.ins().bor(a, ss);
        let nn = b.ins().bnot(o);
        let xo = b.ins().bxor(nn, m);
        let spl = b.ins().splat(I32X4, r);
        let ins = b.ins().insertlane(xo, r2, 3);
        let c = b.ins().icmp(IntCC::SignedGreaterThan, ins, spl);
        let sel_c = b.ins().icmp(IntCC::UnsignedLessThan, r, r2);
        let sel = b.ins().select(sel_c, c, spl);
        let bx = b.ins().bitcast(I8X16, le(), sel);
        let by = b.ins().bitcast(I8X16, le(), y);
        let imm = b
            .func
            .dfg
            .immediates
            .push((0u8..16).map(|i| (i * 7) % 32).collect::<Vec<u8>>().into());
        let shuf = b.ins().shuffle(bx, by, imm);
        let swz = b.ins().swizzle(shuf, by);
        let out0 = b.ins().bitcast(I32X4, le(), swz);
        let s2v = b.ins().scalar_to_vector(I32X4, r);
        let w = b.ins().bitcast(I128, le(), s2v);
        let (lo, hi) = b.ins().isplit(w);
        let lo32 = b.ins().ireduce(I32, lo);
        let lo64 = b.ins().sextend(I64, lo32);
        let cat = b.ins().iconcat(lo64, hi);
        let wide_back = b.ins().bitcast(I32X4, le(), cat);
        let hi16 = b.ins().ireduce(I16, hi);
        let hz = b.ins().uextend(I64, hi16);
        let k = b.ins().iconst(I64, 0x0123_4567_89ab_cdef);
        let last = b.ins().bxor(hz, k);
        vec![out0, wide_back, last]
    })
}

#[test]
fn symbolic_run_matches_concrete() {
    let f = kitchen_sink();
    let mut t = Terms::new();
    let vars = vec![
        t.var("x", 128),
        t.var("y", 128),
        t.var("z", 128),
        t.var("n", 32),
    ];
    let sym = run_function(&mut t, &f, &vars).unwrap();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for round in 0..200 {
        // Shift amounts cover in-range, exactly-width and far out-of-range values.
        let n = match round % 4 {
            0 => rng.next() % 32,
            1 => 32,
            2 => 31,
            _ => rng.next() % 0x1_0000_0000,
        };
        let args = [
            v4(rng.v4()),
            v4(rng.v4()),
            v4(rng.v4()),
            Bits::from_u64(32, n),
        ];
        let env: HashMap<String, Bits> = ["x", "y", "z", "n"]
            .iter()
            .zip(args)
            .map(|(k, v)| (k.to_string(), v))
            .collect();
        assert_eq!(t.eval(&sym, &env).unwrap(), run(&f, &args), "args {args:?}");
    }
}

/// Symbolic shift amounts against Rust's own wrapping (i.e. masking) shifts.
#[test]
fn symbolic_shift_amounts_match_rust() {
    let f = build(&[I32, I8], &[I32, I32, I32, I32, I32], |b, p| {
        vec![
            b.ins().ishl(p[0], p[1]),
            b.ins().ushr(p[0], p[1]),
            b.ins().sshr(p[0], p[1]),
            b.ins().rotl(p[0], p[1]),
            b.ins().rotr(p[0], p[1]),
        ]
    });
    let mut t = Terms::new();
    let args = [t.var("x", 32), t.var("n", 8)];
    let sym = run_function(&mut t, &f, &args).unwrap();
    let mut rng = Rng(77);
    for n in 0..=255u32 {
        let x = rng.u32();
        let env = HashMap::from([
            ("x".to_string(), Bits::from_u64(32, x as u64)),
            ("n".to_string(), Bits::from_u64(8, n as u64)),
        ]);
        let got: Vec<u64> = t
            .eval(&sym, &env)
            .unwrap()
            .iter()
            .map(|b| b.to_u64())
            .collect();
        let want = [
            x.wrapping_shl(n),
            x.wrapping_shr(n),
            (x as i32).wrapping_shr(n) as u32,
            x.rotate_left(n),
            x.rotate_right(n),
        ];
        assert_eq!(got, want.map(u64::from), "x={x:#x} n={n}");
    }
}

/// SHA1H lowered by hand: lane 0 = rotl(x0, 30), other lanes zero.
fn sha1h_clif(rot: i64, zero_lanes: bool, via_shifts: bool) -> Function {
    build(&[I32X4], &[I32X4], |b, p| {
        let e = b.ins().extractlane(p[0], 0);
        let r = if via_shifts {
            let hi = b.ins().ishl_imm_u(e, rot);
            let lo = b.ins().ushr_imm_u(e, 32 - rot);
            b.ins().bor(hi, lo)
        } else {
            b.ins().rotl_imm_u(e, rot)
        };
        let base = if zero_lanes {
            let z = b.ins().iconst(I32, 0);
            b.ins().splat(I32X4, z)
        } else {
            p[0]
        };
        vec![b.ins().insertlane(base, r, 0)]
    })
}

fn proves_sha1h(func: &Function) -> bool {
    let mut t = Terms::new();
    let x = t.var("p0", 128);
    let out = run_function(&mut t, func, &[x]).unwrap();
    let want = engine_model(&mut t, Mnemonic::Sha1h, &[x]);
    let a = normalise(&mut t, out[0]);
    let b = normalise(&mut t, want);
    a == b
}

#[test]
fn sha1h_lowering_proves_by_normalisation() {
    assert!(proves_sha1h(&sha1h_clif(30, true, false)));
    assert!(proves_sha1h(&sha1h_clif(30, true, true)));
    // scalar_to_vector is another correct way to zero the other lanes.
    let f = build(&[I32X4], &[I32X4], |b, p| {
        let e = b.ins().extractlane(p[0], 0);
        let r = b.ins().rotr_imm_u(e, 2);
        vec![b.ins().scalar_to_vector(I32X4, r)]
    });
    assert!(proves_sha1h(&f));
}

#[test]
fn wrong_sha1h_lowerings_do_not_prove() {
    for (f, what) in [
        (sha1h_clif(31, true, false), "rotl by 31"),
        (sha1h_clif(30, false, false), "lanes kept"),
    ] {
        assert!(!proves_sha1h(&f), "{what} proved");
        // And they really differ: a concrete witness.
        let x = v4([0x1234_5678, 1, 2, 3]);
        let want = engine_model(&mut Concrete, Mnemonic::Sha1h, &[x]);
        assert_ne!(run1(&f, &[x]), want, "{what}");
    }
}

#[test]
fn unsupported_opcode_is_an_error() {
    let f = build(&[I32X4, I32X4], &[F32X4], |b, p| {
        let x = b.ins().bitcast(F32X4, MemFlagsData::new(), p[0]);
        let y = b.ins().bitcast(F32X4, MemFlagsData::new(), p[1]);
        vec![b.ins().fadd(x, y)]
    });
    let err = run_function(&mut Concrete, &f, &[v4(A), v4(B)]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "unsupported: fadd (v4 = fadd.f32x4 v2, v3)"
    );
    assert_eq!(opcodes_used(&f), ["bitcast", "fadd", "return"]);
}

#[test]
fn argument_mismatch_is_an_error() {
    let f = build(&[I32X4], &[I32X4], |_, p| vec![p[0]]);
    assert!(run_function(&mut Concrete, &f, &[]).is_err());
    assert!(run_function(&mut Concrete, &f, &[Bits::from_u64(32, 0)]).is_err());
}

#[test]
fn opcodes_used_lists_distinct_sorted() {
    let f = sha1h_clif(30, true, false);
    assert_eq!(
        opcodes_used(&f),
        [
            "extractlane",
            "iconst",
            "insertlane",
            "return",
            "rotl",
            "splat"
        ]
    );
}
