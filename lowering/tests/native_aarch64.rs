//! The native (D) lowering on Cranelift's AArch64 backend: each marker survives the mid-end,
//! becomes its register shape's placeholder, compiles to exactly one word of the shape's
//! pattern, and the post-pass turns it into the call site's instruction; each guard rejects
//! what it should. (Semantics under qemu: engine/tests/intrinsics_lowering.rs.)

use cranelift_codegen::control::ControlPlane;
use cranelift_codegen::ir::types::{F32X4, I32, I32X4, I64};
use cranelift_codegen::ir::{
    AbiParam, Endianness, Function, InstBuilder, MemFlagsData, Signature, SourceLoc, UserFuncName,
    Value,
};
use cranelift_codegen::isa::OwnedTargetIsa;
use cranelift_codegen::settings::{self, Configurable};
use cranelift_codegen::Context;
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use lowering::native::shape_rows;
use lowering::{
    check_register_effects, native_entry, native_table, native_word_for, CodeRange, LoweringTable,
    Mode, PlaceholderField, Shape, Verdict,
};
use models::aarch64::Inst;
use spec::Mnemonic;

fn isa(nan_canonicalisation: bool) -> OwnedTargetIsa {
    isa_with("speed", nan_canonicalisation)
}

fn isa_with(opt_level: &str, nan_canonicalisation: bool) -> OwnedTargetIsa {
    let mut b = settings::builder();
    b.set("opt_level", opt_level).unwrap();
    b.set(
        "enable_nan_canonicalization",
        if nan_canonicalisation {
            "true"
        } else {
            "false"
        },
    )
    .unwrap();
    cranelift_codegen::isa::lookup_by_name("aarch64-unknown-linux-gnu")
        .unwrap()
        .finish(settings::Flags::new(b))
        .unwrap()
}

fn id_of(table: &LoweringTable, m: Mnemonic) -> usize {
    let spec = spec::load_family(m.family()).unwrap();
    let i = spec.intrinsics.iter().find(|i| i.instruction == m).unwrap();
    table.resolve(&spec.import_module, &i.engine.name).unwrap()
}

fn native_table_all(mode: Mode) -> LoweringTable {
    LoweringTable::all(mode).unwrap()
}

/// `fn(in, out)`: loads four v128 inputs, runs `body` (which emits calls), stores its result.
fn function(
    isa: &OwnedTargetIsa,
    body: impl FnOnce(&mut FunctionBuilder, &[Value]) -> Value,
) -> Function {
    let mut sig = Signature::new(isa.default_call_conv());
    sig.params.push(AbiParam::new(I64));
    sig.params.push(AbiParam::new(I64));
    let mut func = Function::with_name_signature(UserFuncName::user(0, 0), sig);
    let mut fctx = FunctionBuilderContext::new();
    let mut b = FunctionBuilder::new(&mut func, &mut fctx);
    let entry = b.create_block();
    b.append_block_params_for_function_params(entry);
    b.switch_to_block(entry);
    b.seal_block(entry);
    let (pin, pout) = (b.block_params(entry)[0], b.block_params(entry)[1]);
    let flags = MemFlagsData::trusted();
    let ins: Vec<Value> = (0..4)
        .map(|i| b.ins().load(I32X4, flags, pin, 16 * i))
        .collect();
    let r = body(&mut b, &ins);
    b.set_srcloc(SourceLoc::default());
    b.ins().store(flags, r, pout, 0);
    b.ins().return_(&[]);
    b.finalize(isa.frontend_config());
    func
}

fn call(
    table: &LoweringTable,
    b: &mut FunctionBuilder,
    m: Mnemonic,
    at: u32,
    args: &[Value],
) -> Value {
    b.set_srcloc(SourceLoc::new(at));
    table.emit(id_of(table, m), b, args).unwrap()[0]
}

fn args_for(m: Mnemonic, x: &[Value]) -> Vec<Value> {
    x[..lowering::portable::arity(m)].to_vec()
}

/// The pipeline the engine uses: mid-end, the table's pre-lowering step, lowering with the
/// mid-end off, then the post-pass; return the verdict and the (possibly rewritten) code.
fn compile(isa: &OwnedTargetIsa, table: &LoweringTable, func: Function) -> (Verdict, Vec<u8>) {
    let mut ctx = Context::for_function(func);
    ctx.optimize(&**isa, &mut ControlPlane::default()).unwrap();
    table.before_lowering(&mut ctx.func).unwrap();
    let nan = isa.flags().enable_nan_canonicalization();
    ctx.compile(&*isa_with("none", nan), &mut ControlPlane::default())
        .unwrap();
    post_pass(table, &ctx)
}

/// The table's post-pass over `ctx`'s compiled code.
fn post_pass(table: &LoweringTable, ctx: &Context) -> (Verdict, Vec<u8>) {
    let cc = ctx.compiled_code().unwrap();
    let mut code = cc.code_buffer().to_vec();
    let ranges: Vec<CodeRange> = cc
        .buffer
        .get_srclocs_sorted()
        .iter()
        .filter(|s| !s.loc.is_default())
        .map(|s| CodeRange {
            start: s.start,
            end: s.end,
            wasm_offset: s.loc.bits(),
        })
        .collect();
    let v = table.rewrite(ctx, &ranges, &mut code).unwrap();
    (v, code)
}

fn words(code: &[u8]) -> impl Iterator<Item = u32> + '_ {
    code.chunks_exact(4)
        .map(|c| u32::from_le_bytes(c.try_into().unwrap()))
}

fn sha_insts(code: &[u8]) -> Vec<Inst> {
    words(code).filter_map(Inst::decode).collect()
}

fn placeholder_words(code: &[u8]) -> usize {
    words(code)
        .filter(|w| {
            shape_rows()
                .iter()
                .any(|e| w & e.match_mask == e.match_value)
        })
        .count()
}

#[test]
fn each_placeholder_becomes_its_instruction() {
    let isa = isa(false);
    let table = native_table_all(Mode::Aarch64Native);
    for m in Mnemonic::all() {
        let f = function(&isa, |b, x| call(&table, b, m, 100, &args_for(m, x)));
        let (v, code) = compile(&isa, &table, f);
        assert_eq!(v, Verdict::Rewritten, "{m}");
        let sha = sha_insts(&code);
        assert_eq!(sha.len(), 1, "{m}: {sha:?}");
        assert_eq!(sha[0].mnemonic, m);
        assert_eq!(placeholder_words(&code), 0, "{m}: placeholder left behind");
    }
}

#[test]
fn a_round_sequence_keeps_every_instruction() {
    // The shape of the SHA-1 kernel: chained rounds, e from sha1h, schedule updates.
    let isa = isa(false);
    let table = native_table_all(Mode::Aarch64Native);
    let f = function(&isa, |b, x| {
        let (mut abcd, mut e, mut w0, mut w1) = (x[0], x[1], x[2], x[3]);
        let mut at = 10;
        for r in 0..8 {
            let m = [Mnemonic::Sha1c, Mnemonic::Sha1p, Mnemonic::Sha1m][r % 3];
            let e_next = call(&table, b, Mnemonic::Sha1h, at, &[abcd]);
            let wk = b.ins().iadd(w0, w1);
            abcd = call(&table, b, m, at + 1, &[abcd, e, wk]);
            e = e_next;
            let t = call(&table, b, Mnemonic::Sha1su0, at + 2, &[w0, w1, wk]);
            w0 = w1;
            w1 = call(&table, b, Mnemonic::Sha1su1, at + 3, &[t, w0]);
            at += 4;
        }
        let s = b.ins().iadd(abcd, e);
        b.ins().iadd(s, w1)
    });
    let (v, code) = compile(&isa, &table, f);
    assert_eq!(v, Verdict::Rewritten);
    let sha = sha_insts(&code);
    assert_eq!(sha.len(), 32, "{sha:?}");
    assert_eq!(placeholder_words(&code), 0);
}

/// [`compile`], asserting the post-pass rewrote the code.
fn compile_split(table: &LoweringTable, func: Function) -> Vec<u8> {
    let (verdict, code) = compile(&isa(false), table, func);
    assert_eq!(verdict, Verdict::Rewritten);
    code
}

/// Vector register copies (`mov vd.16b, vn.16b`, an alias of `orr vd.16b, vn.16b, vn.16b`).
fn vector_copies(code: &[u8]) -> usize {
    words(code)
        .filter(|w| w & 0xffe0_fc00 == 0x4ea0_1c00 && (w >> 16) & 31 == (w >> 5) & 31)
        .count()
}

/// Moves between general and vector registers: `dup vd.<T>, wn` and `umov`/`mov wd, vn.s[i]`.
fn register_file_moves(code: &[u8]) -> usize {
    words(code)
        .filter(|w| w & 0xbfe0_fc00 == 0x0e00_0c00 || w & 0xbfe0_fc00 == 0x0e00_3c00)
        .count()
}

#[test]
fn markers_keep_program_order_so_sha1h_reads_abcd_before_the_round() {
    // The kernel's pattern: e' = sha1h(abcd) is taken before the round that overwrites abcd in
    // place, and used only by the round after. A pure placeholder would be sunk by the mid-end
    // to its use, after the round, forcing a copy of abcd every round; the opaque marker keeps
    // the program's order, so no copies.
    let isa = isa(false);
    let table = native_table_all(Mode::Aarch64Native);
    let f = function(&isa, |b, x| {
        let (mut abcd, mut e, wk) = (x[0], x[1], x[2]);
        for r in 0..8u32 {
            let m = [Mnemonic::Sha1c, Mnemonic::Sha1p, Mnemonic::Sha1m][r as usize % 3];
            let e_next = call(&table, b, Mnemonic::Sha1h, 10 + 2 * r, &[abcd]);
            abcd = call(&table, b, m, 11 + 2 * r, &[abcd, e, wk]);
            e = e_next;
        }
        b.ins().iadd(abcd, e)
    });
    let code = compile_split(&table, f);
    assert_eq!(sha_insts(&code).len(), 16);
    assert_eq!(vector_copies(&code), 0);
    let order: Vec<Mnemonic> = sha_insts(&code).iter().map(|i| i.mnemonic).collect();
    for pair in order.chunks(2) {
        assert_eq!(pair[0], Mnemonic::Sha1h, "{order:?}");
    }
}

#[test]
fn intrinsics_of_one_shape_with_the_same_operands_stay_distinct() {
    // Every instruction of one register shape shares one placeholder. Called on the very same
    // values, pure placeholders would be merged by GVN into one instruction; each call site
    // must keep its own instruction.
    let isa = isa(false);
    let table = native_table_all(Mode::Aarch64Native);
    let tied3: Vec<Mnemonic> = Mnemonic::all()
        .filter(|m| Shape::of(*m) == Some(Shape::Tied3))
        .collect();
    assert!(tied3.len() >= 4, "{tied3:?}");
    let f = function(&isa, |b, x| {
        let mut acc = x[3];
        for (i, &m) in tied3.iter().enumerate() {
            let r = call(&table, b, m, 50 + i as u32, &[x[0], x[1], x[2]]);
            acc = b.ins().iadd(acc, r);
        }
        acc
    });
    let (v, code) = compile(&isa, &table, f);
    assert_eq!(v, Verdict::Rewritten);
    let mut got: Vec<Mnemonic> = sha_insts(&code).iter().map(|i| i.mnemonic).collect();
    got.sort();
    assert_eq!(got, tied3);
}

/// `fn(in, out, n)`: a loop over `n` blocks carrying `abcd` (v128) and `e` (i32), with one
/// SHA1C round per block fed `splat(e)` and `e += lane0(sha1h(abcd))`, like the C kernel.
/// `escape` adds a scalar use of `e` inside the loop (a store), which must keep it scalar.
fn e_loop(isa: &OwnedTargetIsa, table: &LoweringTable, escape: bool) -> Function {
    let mut sig = Signature::new(isa.default_call_conv());
    for _ in 0..3 {
        sig.params.push(AbiParam::new(I64));
    }
    let mut func = Function::with_name_signature(UserFuncName::user(0, 0), sig);
    let mut fctx = FunctionBuilderContext::new();
    let mut b = FunctionBuilder::new(&mut func, &mut fctx);
    let (entry, header, exit) = (b.create_block(), b.create_block(), b.create_block());
    b.append_block_params_for_function_params(entry);
    b.switch_to_block(entry);
    let (pin, pout, n) = (
        b.block_params(entry)[0],
        b.block_params(entry)[1],
        b.block_params(entry)[2],
    );
    let flags = MemFlagsData::trusted();
    let abcd0 = b.ins().load(I32X4, flags, pin, 0);
    let e0 = b.ins().load(I32, flags, pin, 16);
    let wk = b.ins().load(I32X4, flags, pin, 32);
    b.ins().jump(header, &[abcd0.into(), e0.into(), n.into()]);
    for ty in [I32X4, I32, I64] {
        b.append_block_param(header, ty);
    }
    b.append_block_param(exit, I32);
    b.switch_to_block(header);
    let p = b.block_params(header).to_vec();
    let (abcd, e, k) = (p[0], p[1], p[2]);
    let h = call(table, &mut b, Mnemonic::Sha1h, 20, &[abcd]);
    let e_splat = b.ins().splat(I32X4, e);
    let abcd2 = call(table, &mut b, Mnemonic::Sha1c, 21, &[abcd, e_splat, wk]);
    let h0 = b.ins().extractlane(h, 0);
    let e2 = b.ins().iadd(h0, e);
    if escape {
        b.ins().store(flags, e, pout, 32);
    }
    let k2 = b.ins().iadd_imm_s(k, -1);
    b.ins().brif(
        k2,
        header,
        &[abcd2.into(), e2.into(), k2.into()],
        exit,
        &[e2.into()],
    );
    b.switch_to_block(exit);
    let e_out = b.block_params(exit)[0];
    b.set_srcloc(SourceLoc::default());
    b.ins().store(flags, abcd2, pout, 0);
    b.ins().store(flags, e_out, pout, 16);
    b.ins().return_(&[]);
    b.seal_all_blocks();
    b.finalize(isa.frontend_config());
    func
}

#[test]
fn loop_carried_e_stays_in_a_vector_register() {
    let isa = isa(false);
    let table = native_table_all(Mode::Aarch64Native);
    // Without forwarding the pre-lowering step only materialises the placeholders.
    let no_forwarding = native_table_all(Mode::Aarch64Native).with_forward_lane0(false);
    let scalar = compile_split(&no_forwarding, e_loop(&isa, &table, false));
    let sites = |f: &mut Function| lowering::native::materialize_placeholders(f).unwrap();
    let vector = compile_split(&table, e_loop(&isa, &table, false));
    assert!(
        register_file_moves(&scalar) >= 2,
        "expected dup + umov without the pass"
    );
    // Only the entry broadcast and the exit extraction remain, outside the loop.
    assert_eq!(register_file_moves(&vector), 2);
    let sha: Vec<Mnemonic> = sha_insts(&vector).iter().map(|i| i.mnemonic).collect();
    assert_eq!(sha, [Mnemonic::Sha1h, Mnemonic::Sha1c]);

    // A scalar use inside the loop (here a store of e) keeps e in a general register, and
    // without SHA1C's Rn among the lane-0-only operands nothing is rewritten either.
    let escaped = compile_split(&table, e_loop(&isa, &table, true));
    assert!(register_file_moves(&escaped) >= 2);
    let optimized = |escape: bool| {
        let mut ctx = Context::for_function(e_loop(&isa, &table, escape));
        ctx.optimize(&*isa, &mut ControlPlane::default()).unwrap();
        let s = sites(&mut ctx.func);
        (ctx.func, s)
    };
    let carry = |(mut f, s): (Function, lowering::native::Sites), lane0: &[Mnemonic]| {
        lowering::native::carry_lane0_scalars_in_vectors(&mut f, &s, lane0)
    };
    assert_eq!(carry(optimized(true), &[Mnemonic::Sha1c]), 0);
    assert_eq!(carry(optimized(false), &[Mnemonic::Sha1h]), 0);
    assert_eq!(carry(optimized(false), &[Mnemonic::Sha1c]), 1);

    // A function parameter of the same shape stays: its type is the signature's.
    let mut sig = Signature::new(isa.default_call_conv());
    sig.params.push(AbiParam::new(I64));
    sig.params.push(AbiParam::new(I32));
    sig.returns.push(AbiParam::new(I32));
    let mut func = Function::with_name_signature(UserFuncName::user(0, 1), sig);
    let mut fctx = FunctionBuilderContext::new();
    let mut b = FunctionBuilder::new(&mut func, &mut fctx);
    let entry = b.create_block();
    b.append_block_params_for_function_params(entry);
    b.switch_to_block(entry);
    let (pin, e) = (b.block_params(entry)[0], b.block_params(entry)[1]);
    let abcd = b.ins().load(I32X4, MemFlagsData::trusted(), pin, 0);
    let e_splat = b.ins().splat(I32X4, e);
    let h = call(&table, &mut b, Mnemonic::Sha1h, 30, &[abcd]);
    let abcd2 = call(&table, &mut b, Mnemonic::Sha1c, 31, &[abcd, e_splat, abcd]);
    let h0 = b.ins().extractlane(h, 0);
    let sum = b.ins().iadd(h0, e);
    let r0 = b.ins().extractlane(abcd2, 0);
    let r = b.ins().iadd(sum, r0);
    b.ins().return_(&[r]);
    b.seal_all_blocks();
    b.finalize(isa.frontend_config());
    let s = sites(&mut func);
    assert_eq!(carry((func, s), &[Mnemonic::Sha1c]), 0);
}

#[test]
fn lane0_forwarding_feeds_the_broadcast_source() {
    let isa = isa(false);
    for forward in [true, false] {
        let table = native_table_all(Mode::Aarch64Native).with_forward_lane0(forward);
        let mut emitted = String::new();
        let f = function(&isa, |b, x| {
            let lane = b.ins().extractlane(x[1], 0);
            let e = b.ins().splat(I32X4, lane);
            let r = call(&table, b, Mnemonic::Sha1c, 7, &[x[0], e, x[2]]);
            emitted = b.func.display().to_string();
            r
        });
        // With forwarding the marker's Sn operand is x[1] itself (v? = load ... +16).
        let marker = emitted
            .lines()
            .find(|l| l.contains(" = call "))
            .unwrap()
            .to_string();
        let splat = emitted.lines().find(|l| l.contains("splat")).unwrap();
        let name = splat.split('=').next().unwrap().trim();
        let splat_used =
            marker.contains(&format!("{name},")) || marker.contains(&format!("{name})"));
        assert_eq!(
            splat_used, !forward,
            "forward={forward}\n{emitted}\n{marker}"
        );
        let (v, code) = compile(&isa, &table, f);
        assert_eq!(v, Verdict::Rewritten);
        assert_eq!(sha_insts(&code).len(), 1);
    }
}

#[test]
fn genuine_float_op_of_a_placeholder_kind_is_rejected() {
    let isa = isa(false);
    let table = native_table_all(Mode::Aarch64Native);
    let f = function(&isa, |b, x| {
        let r = call(&table, b, Mnemonic::Sha1h, 5, &[x[0]]);
        b.set_srcloc(SourceLoc::new(9));
        let le = MemFlagsData::new().with_endianness(Endianness::Little);
        let fl = b.ins().bitcast(F32X4, le, x[1]);
        let s = b.ins().sqrt(fl);
        let s = b.ins().bitcast(I32X4, le, s);
        b.ins().iadd(r, s)
    });
    match compile(&isa, &table, f).0 {
        Verdict::Reject(why) => assert!(why.contains("genuine"), "{why}"),
        v => panic!("{v:?}"),
    }
}

#[test]
fn nan_canonicalisation_is_rejected() {
    let isa = isa(true);
    let table = native_table_all(Mode::Aarch64Native);
    for m in Mnemonic::all() {
        let f = function(&isa, |b, x| call(&table, b, m, 40, &args_for(m, x)));
        match compile(&isa, &table, f).0 {
            Verdict::Reject(why) => assert!(why.contains("NaN canonicalisation"), "{m}: {why}"),
            v => panic!("{m}: {v:?}"),
        }
    }
}

#[test]
fn call_site_without_source_location_is_rejected() {
    let isa = isa(false);
    let table = native_table_all(Mode::Aarch64Native);
    let f = function(&isa, |b, x| {
        b.set_srcloc(SourceLoc::default());
        table
            .emit(id_of(&table, Mnemonic::Sha1c), b, &x[..3])
            .unwrap()[0]
    });
    match compile(&isa, &table, f).0 {
        Verdict::Reject(why) => assert!(why.contains("has no source location"), "{why}"),
        v => panic!("{v:?}"),
    }
}

#[test]
fn sites_do_not_leak_into_the_next_function() {
    let isa = isa(false);
    let table = native_table_all(Mode::Aarch64Native);
    let f = function(&isa, |b, x| call(&table, b, Mnemonic::Sha1p, 77, &x[..3]));
    assert_eq!(compile(&isa, &table, f).0, Verdict::Rewritten);
    // Same offset, but this function never emitted a call there.
    let g = function(&isa, |b, x| {
        b.set_srcloc(SourceLoc::new(77));
        let le = MemFlagsData::new().with_endianness(Endianness::Little);
        let fl = b.ins().bitcast(F32X4, le, x[0]);
        let s = b.ins().sqrt(fl);
        b.ins().bitcast(I32X4, le, s)
    });
    assert!(matches!(compile(&isa, &table, g).0, Verdict::Reject(_)));
}

#[test]
fn portable_mode_leaves_code_alone() {
    let isa = isa(false);
    let table = native_table_all(Mode::Portable);
    let f = function(&isa, |b, x| call(&table, b, Mnemonic::Sha1m, 3, &x[..3]));
    let (v, code) = compile(&isa, &table, f);
    assert_eq!(v, Verdict::Unchanged);
    assert!(sha_insts(&code).is_empty());
}

#[test]
fn shape_patterns_are_exact_and_disjoint() {
    for row in shape_rows() {
        let mut fields = 0u32;
        for f in [
            PlaceholderField::Rd,
            PlaceholderField::Rn,
            PlaceholderField::Rm,
        ] {
            let used = row.reads.iter().chain(row.writes).any(|a| a.field == f)
                || row.same_register.iter().any(|(a, b)| *a == f || *b == f);
            if used {
                fields |= 31 << f.shift();
            }
        }
        assert_eq!(
            row.match_mask | fields,
            u32::MAX,
            "{:?}: mask covers all but the registers",
            row.shape
        );
        assert_eq!(row.match_mask & fields, 0, "{:?}", row.shape);
        assert_eq!(row.match_value & !row.match_mask, 0, "{:?}", row.shape);
        for o in shape_rows() {
            if o.shape != row.shape {
                assert_ne!(
                    row.match_value & o.match_mask,
                    o.match_value,
                    "{:?} / {:?}",
                    row.shape,
                    o.shape
                );
            }
        }
        // No instruction word is a placeholder (so a rewritten word is never rewritten again).
        for m in Mnemonic::all() {
            let w = native_word_for(m, 31, 17, 9);
            assert_ne!(
                w & row.match_mask,
                row.match_value,
                "{m} matches {:?}",
                row.shape
            );
        }
    }
    // Every instruction has a shape, and its entry's register effects are covered.
    let table = native_table();
    assert_eq!(table.len(), Mnemonic::all().count());
    for e in &table {
        check_register_effects(e).unwrap();
    }
    assert_eq!(Shape::of(Mnemonic::Sha1su1), Some(Shape::Tied2));
    assert_eq!(Shape::of(Mnemonic::Sha1h), Some(Shape::Unary));
    assert_eq!(Shape::of(Mnemonic::Sha1c), Some(Shape::Tied3));
    assert_eq!(Shape::of(Mnemonic::Pmull), Some(Shape::Binary));
}

#[test]
fn reencoding_matches_gnu_as() {
    // Placeholder words from aarch64-linux-gnu-as with registers v1, v2, v3, per shape; every
    // instruction of the shape must come out with the same registers in its fields.
    let words = [
        (Shape::Tied3, 0x4e23cc41),  // fmla v1.4s, v2.4s, v3.4s
        (Shape::Tied2, 0x4f821041),  // fmla v1.4s, v2.4s, v2.s[0]
        (Shape::Unary, 0x6ea1f841),  // fsqrt v1.4s, v2.4s
        (Shape::Binary, 0x4e23d441), // fadd v1.4s, v2.4s, v3.4s
    ];
    for m in Mnemonic::all() {
        let e = native_entry(m).unwrap();
        let word = words.iter().find(|(s, _)| *s == e.shape).unwrap().1;
        assert_eq!(word & e.match_mask, e.match_value, "{m}");
        let mut want = Inst::canonical(m);
        want.rd = 1;
        want.rn = 2;
        if want.has_rm() {
            want.rm = 3;
        }
        let new = lowering::native::reencode(&e, word).unwrap();
        assert_eq!(Inst::decode(new), Some(want), "{m}");
    }
    let su1 = native_entry(Mnemonic::Sha1su1).unwrap();
    // fmla v1.4s, v2.4s, v3.s[0]: Rm != Rn is refused for the Tied2 shape.
    assert!(lowering::native::reencode(&su1, 0x4f831041).is_err());
    // Lane index 1 is not the placeholder.
    assert!(lowering::native::reencode(&su1, 0x4fa21041).is_err());
    assert_eq!(PlaceholderField::Rm.get(0x4f931041), 19);
}

#[test]
fn is_available_resolves_and_emits() {
    // Its values (0 portable, 1 native per id) are checked end to end in the engine tests.
    let isa = isa(false);
    for mode in [Mode::Portable, Mode::Aarch64Native] {
        let table = native_table_all(mode);
        let id = table
            .resolve("wasm_arm_neon", lowering::IS_AVAILABLE)
            .unwrap();
        assert_eq!(table.resolve("env", lowering::IS_AVAILABLE), None);
        let f = function(&isa, |b, _| {
            let k = b.ins().iconst(I32, 3);
            let r = table.emit(id, b, &[k]).unwrap()[0];
            b.ins().splat(I32X4, r)
        });
        assert_eq!(compile(&isa, &table, f).0, Verdict::Unchanged);
    }
}
