//! JIT tests on small hand-written modules.

use engine::{CallError, Instance, NoIntrinsics, TrapCode, Val};

fn inst(wat: &str) -> Instance {
    let wasm = wat::parse_str(wat).expect("wat");
    Instance::new(&wasm, &NoIntrinsics).expect("instantiate")
}

fn call1(i: &mut Instance, name: &str, args: &[Val]) -> Val {
    let r = i.call(name, args).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(r.len(), 1, "{name} results");
    r[0]
}

fn trap_of(r: Result<Vec<Val>, CallError>) -> TrapCode {
    match r {
        Err(CallError::Trap(t)) => t.code,
        other => panic!("expected a trap, got {other:?}"),
    }
}

#[test]
fn arithmetic() {
    let mut i = inst(
        r#"(module
          (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add)
          (func (export "sub64") (param i64 i64) (result i64) local.get 0 local.get 1 i64.sub)
          (func (export "mul") (param i32 i32) (result i32) local.get 0 local.get 1 i32.mul)
          (func (export "divs") (param i32 i32) (result i32) local.get 0 local.get 1 i32.div_s)
          (func (export "divu") (param i32 i32) (result i32) local.get 0 local.get 1 i32.div_u)
          (func (export "rems") (param i32 i32) (result i32) local.get 0 local.get 1 i32.rem_s)
          (func (export "rems64") (param i64 i64) (result i64) local.get 0 local.get 1 i64.rem_s)
          (func (export "remu") (param i32 i32) (result i32) local.get 0 local.get 1 i32.rem_u)
          (func (export "shl") (param i32 i32) (result i32) local.get 0 local.get 1 i32.shl)
          (func (export "shrs") (param i32 i32) (result i32) local.get 0 local.get 1 i32.shr_s)
          (func (export "shru") (param i32 i32) (result i32) local.get 0 local.get 1 i32.shr_u)
          (func (export "rotl") (param i32 i32) (result i32) local.get 0 local.get 1 i32.rotl)
          (func (export "rotr64") (param i64 i64) (result i64) local.get 0 local.get 1 i64.rotr)
          (func (export "clz") (param i32) (result i32) local.get 0 i32.clz)
          (func (export "ctz64") (param i64) (result i64) local.get 0 i64.ctz)
          (func (export "popcnt") (param i32) (result i32) local.get 0 i32.popcnt)
          (func (export "lts") (param i32 i32) (result i32) local.get 0 local.get 1 i32.lt_s)
          (func (export "ltu") (param i32 i32) (result i32) local.get 0 local.get 1 i32.lt_u)
          (func (export "eqz64") (param i64) (result i32) local.get 0 i64.eqz)
          (func (export "wrap") (param i64) (result i32) local.get 0 i32.wrap_i64)
          (func (export "exts") (param i32) (result i64) local.get 0 i64.extend_i32_s)
          (func (export "extu") (param i32) (result i64) local.get 0 i64.extend_i32_u)
          (func (export "ext8") (param i32) (result i32) local.get 0 i32.extend8_s)
          (func (export "sel") (param i32 i32 i32) (result i32) local.get 0 local.get 1 local.get 2 select)
        )"#,
    );
    use Val::*;
    assert_eq!(call1(&mut i, "add", &[I32(2), I32(40)]), I32(42));
    assert_eq!(
        call1(&mut i, "add", &[I32(i32::MAX), I32(1)]),
        I32(i32::MIN)
    );
    assert_eq!(call1(&mut i, "sub64", &[I64(1), I64(3)]), I64(-2));
    assert_eq!(call1(&mut i, "mul", &[I32(-3), I32(7)]), I32(-21));
    assert_eq!(call1(&mut i, "divs", &[I32(-7), I32(2)]), I32(-3));
    assert_eq!(call1(&mut i, "divu", &[I32(-1), I32(2)]), I32(0x7fff_ffff));
    assert_eq!(call1(&mut i, "rems", &[I32(-7), I32(2)]), I32(-1));
    assert_eq!(call1(&mut i, "rems", &[I32(i32::MIN), I32(-1)]), I32(0));
    assert_eq!(call1(&mut i, "rems64", &[I64(i64::MIN), I64(-1)]), I64(0));
    assert_eq!(call1(&mut i, "remu", &[I32(-1), I32(10)]), I32(5));
    assert_eq!(call1(&mut i, "shl", &[I32(1), I32(33)]), I32(2));
    assert_eq!(call1(&mut i, "shrs", &[I32(-8), I32(1)]), I32(-4));
    assert_eq!(call1(&mut i, "shru", &[I32(-8), I32(28)]), I32(15));
    assert_eq!(
        call1(&mut i, "rotl", &[I32(0x8000_0001u32 as i32), I32(1)]),
        I32(3)
    );
    assert_eq!(call1(&mut i, "rotr64", &[I64(1), I64(1)]), I64(i64::MIN));
    assert_eq!(call1(&mut i, "clz", &[I32(1)]), I32(31));
    assert_eq!(call1(&mut i, "clz", &[I32(0)]), I32(32));
    assert_eq!(call1(&mut i, "ctz64", &[I64(0)]), I64(64));
    assert_eq!(call1(&mut i, "popcnt", &[I32(-1)]), I32(32));
    assert_eq!(call1(&mut i, "lts", &[I32(-1), I32(0)]), I32(1));
    assert_eq!(call1(&mut i, "ltu", &[I32(-1), I32(0)]), I32(0));
    assert_eq!(call1(&mut i, "eqz64", &[I64(0)]), I32(1));
    assert_eq!(call1(&mut i, "wrap", &[I64(0x1_0000_0005)]), I32(5));
    assert_eq!(call1(&mut i, "exts", &[I32(-1)]), I64(-1));
    assert_eq!(call1(&mut i, "extu", &[I32(-1)]), I64(0xffff_ffff));
    assert_eq!(call1(&mut i, "ext8", &[I32(0x80)]), I32(-128));
    assert_eq!(call1(&mut i, "sel", &[I32(1), I32(2), I32(0)]), I32(2));
    assert_eq!(call1(&mut i, "sel", &[I32(1), I32(2), I32(7)]), I32(1));
}

#[test]
fn division_traps() {
    let mut i = inst(
        r#"(module
          (func (export "divs") (param i32 i32) (result i32) local.get 0 local.get 1 i32.div_s)
          (func (export "divu64") (param i64 i64) (result i64) local.get 0 local.get 1 i64.div_u)
          (func (export "remu") (param i32 i32) (result i32) local.get 0 local.get 1 i32.rem_u))"#,
    );
    use Val::*;
    assert_eq!(
        trap_of(i.call("divs", &[I32(1), I32(0)])),
        TrapCode::IntegerDivideByZero
    );
    assert_eq!(
        trap_of(i.call("divs", &[I32(i32::MIN), I32(-1)])),
        TrapCode::IntegerOverflow
    );
    assert_eq!(
        trap_of(i.call("divu64", &[I64(1), I64(0)])),
        TrapCode::IntegerDivideByZero
    );
    assert_eq!(
        trap_of(i.call("remu", &[I32(1), I32(0)])),
        TrapCode::IntegerDivideByZero
    );
    // The instance keeps working after traps.
    assert_eq!(call1(&mut i, "divs", &[I32(9), I32(3)]), I32(3));
}

#[test]
fn control_flow() {
    let mut i = inst(
        r#"(module
          (func $fac (export "fac") (param i64) (result i64)
            local.get 0 i64.eqz
            if (result i64) i64.const 1
            else local.get 0 local.get 0 i64.const 1 i64.sub call $fac i64.mul end)
          (func (export "sum") (param i32) (result i32) (local i32)
            block $done
              loop $top
                local.get 0 i32.eqz br_if $done
                local.get 1 local.get 0 i32.add local.set 1
                local.get 0 i32.const 1 i32.sub local.set 0
                br $top
              end
            end
            local.get 1)
          (func (export "switch") (param i32) (result i32)
            block $c block $b block $a
              local.get 0 br_table $a $b $c
            end i32.const 10 return
            end i32.const 20 return
            end i32.const 30)
          (func (export "brval") (param i32) (result i32)
            block (result i32)
              i32.const 5 local.get 0 br_if 0 drop i32.const 7
            end)
          (func (export "tablev") (param i32) (result i32)
            block (result i32) block (result i32)
              i32.const 100 local.get 0 br_table 0 1 1
            end i32.const 1 i32.add end)
          (func (export "multi") (result i32)
            i32.const 3 i32.const 4 call $pair i32.sub)
          (func $pair (param i32 i32) (result i32 i32) local.get 1 local.get 0)
          (func (export "ifnoelse") (param i32) (result i32) (local i32)
            i32.const 1 local.set 1
            local.get 0 if i32.const 2 local.set 1 end
            local.get 1)
          (func (export "early") (param i32) (result i32)
            local.get 0 if i32.const 11 return end
            i32.const 22)
          (func (export "dead") (result i32)
            block (result i32) i32.const 1 br 0 i32.add unreachable end)
          (func (export "unreach") unreachable)
          (func $rec (export "recurse") (param i32) (result i32) local.get 0 call $rec)
        )"#,
    );
    use Val::*;
    assert_eq!(call1(&mut i, "fac", &[I64(20)]), I64(2432902008176640000));
    assert_eq!(call1(&mut i, "sum", &[I32(100)]), I32(5050));
    assert_eq!(call1(&mut i, "switch", &[I32(0)]), I32(10));
    assert_eq!(call1(&mut i, "switch", &[I32(1)]), I32(20));
    assert_eq!(call1(&mut i, "switch", &[I32(2)]), I32(30));
    assert_eq!(call1(&mut i, "switch", &[I32(99)]), I32(30));
    assert_eq!(call1(&mut i, "brval", &[I32(1)]), I32(5));
    assert_eq!(call1(&mut i, "brval", &[I32(0)]), I32(7));
    assert_eq!(call1(&mut i, "tablev", &[I32(0)]), I32(101));
    assert_eq!(call1(&mut i, "tablev", &[I32(1)]), I32(100));
    assert_eq!(call1(&mut i, "tablev", &[I32(5)]), I32(100));
    assert_eq!(call1(&mut i, "multi", &[]), I32(1));
    assert_eq!(call1(&mut i, "ifnoelse", &[I32(0)]), I32(1));
    assert_eq!(call1(&mut i, "ifnoelse", &[I32(1)]), I32(2));
    assert_eq!(call1(&mut i, "early", &[I32(1)]), I32(11));
    assert_eq!(call1(&mut i, "early", &[I32(0)]), I32(22));
    assert_eq!(call1(&mut i, "dead", &[]), I32(1));
    assert_eq!(trap_of(i.call("unreach", &[])), TrapCode::Unreachable);
    assert_eq!(
        trap_of(i.call("recurse", &[I32(0)])),
        TrapCode::CallStackExhausted
    );
    assert_eq!(call1(&mut i, "sum", &[I32(3)]), I32(6));
}

#[test]
fn memory_and_bounds() {
    let mut i = inst(
        r#"(module
          (memory 1 3)
          (data (i32.const 16) "\01\02\03\04\05\06\07\08")
          (func (export "load") (param i32) (result i32) local.get 0 i32.load)
          (func (export "load8s") (param i32) (result i32) local.get 0 i32.load8_s offset=1)
          (func (export "load16u64") (param i32) (result i64) local.get 0 i64.load16_u)
          (func (export "load64") (param i32) (result i64) local.get 0 i64.load)
          (func (export "store") (param i32 i32) local.get 0 local.get 1 i32.store)
          (func (export "store8") (param i32 i32) local.get 0 local.get 1 i32.store8 offset=2)
          (func (export "size") (result i32) memory.size)
          (func (export "grow") (param i32) (result i32) local.get 0 memory.grow)
          (func (export "fill") (param i32 i32 i32) local.get 0 local.get 1 local.get 2 memory.fill)
          (func (export "copy") (param i32 i32 i32) local.get 0 local.get 1 local.get 2 memory.copy)
          (func (export "bigoff") (param i32) (result i32) local.get 0 i32.load offset=0xfffffff0)
        )"#,
    );
    use Val::*;
    assert_eq!(call1(&mut i, "load", &[I32(16)]), I32(0x04030201));
    assert_eq!(call1(&mut i, "load64", &[I32(16)]), I64(0x0807060504030201));
    assert_eq!(call1(&mut i, "load16u64", &[I32(17)]), I64(0x0302));
    i.call("store", &[I32(100), I32(-2)]).unwrap();
    assert_eq!(call1(&mut i, "load8s", &[I32(99)]), I32(-2));
    i.call("store8", &[I32(200), I32(0x1ff)]).unwrap();
    assert_eq!(i.memory()[202], 0xff);
    assert_eq!(i.memory().len(), 65536);
    i.memory_mut()[300] = 0x2a;
    assert_eq!(call1(&mut i, "load", &[I32(300)]), I32(0x2a));

    // Last valid word, then one byte past the end, then far away: traps, host survives.
    assert_eq!(call1(&mut i, "load", &[I32(65532)]), I32(0));
    assert_eq!(
        trap_of(i.call("load", &[I32(65533)])),
        TrapCode::MemoryOutOfBounds
    );
    assert_eq!(
        trap_of(i.call("load", &[I32(-1)])),
        TrapCode::MemoryOutOfBounds
    );
    assert_eq!(
        trap_of(i.call("store", &[I32(65536), I32(1)])),
        TrapCode::MemoryOutOfBounds
    );
    assert_eq!(
        trap_of(i.call("bigoff", &[I32(0x20)])),
        TrapCode::MemoryOutOfBounds
    );

    assert_eq!(call1(&mut i, "size", &[]), I32(1));
    assert_eq!(call1(&mut i, "grow", &[I32(1)]), I32(1));
    assert_eq!(call1(&mut i, "size", &[]), I32(2));
    assert_eq!(call1(&mut i, "load", &[I32(65536 + 100)]), I32(0));
    assert_eq!(call1(&mut i, "grow", &[I32(5)]), I32(-1));
    assert_eq!(call1(&mut i, "size", &[]), I32(2));

    i.call("fill", &[I32(1000), I32(0xab), I32(8)]).unwrap();
    assert_eq!(
        call1(&mut i, "load", &[I32(1004)]),
        I32(0xabababab_u32 as i32)
    );
    i.call("copy", &[I32(2000), I32(16), I32(8)]).unwrap();
    assert_eq!(
        call1(&mut i, "load64", &[I32(2000)]),
        I64(0x0807060504030201)
    );
    assert_eq!(
        trap_of(i.call("fill", &[I32(131000), I32(0), I32(1000)])),
        TrapCode::MemoryOutOfBounds
    );
    assert_eq!(
        trap_of(i.call("copy", &[I32(0), I32(-8), I32(8)])),
        TrapCode::MemoryOutOfBounds
    );
}

/// Loads at `p`, `p+4`, `p+8`, `p+12` share one bounds check (engine/src/bounds.rs); every
/// outcome must still be the one of four separate checks.
#[test]
fn coalesced_bounds_checks_trap_like_separate_ones() {
    let wat = r#"(module
          (memory 1)
          (func (export "sum4") (param i32) (result i32)
            local.get 0 i32.load
            local.get 0 i32.const 4 i32.add i32.load i32.add
            local.get 0 i32.const 8 i32.add i32.load i32.add
            local.get 0 i32.const 12 i32.add i32.load offset=1 i32.add)
          (func (export "store_between") (param i32) (result i32)
            local.get 0 i32.load
            i32.const 0 i32.const 7 i32.store
            local.get 0 i32.const 16 i32.add i32.load i32.add)
          (func (export "grow") (param i32) (result i32) local.get 0 memory.grow)
        )"#;
    let mut i = inst(wat);
    use Val::*;
    for (k, b) in i.memory_mut()[..64].iter_mut().enumerate() {
        *b = k as u8;
    }
    let word = |a: u32| u32::from_le_bytes([0, 1, 2, 3].map(|k| (a + k) as u8));
    let expect = word(0) + word(4) + word(8) + word(13);
    assert_eq!(call1(&mut i, "sum4", &[I32(0)]), I32(expect as i32));
    // The furthest load ends exactly at the end of memory; one byte further traps.
    assert_eq!(call1(&mut i, "sum4", &[I32(65536 - 17)]), I32(0));
    for p in [65536 - 16, 65536, -4, -8, -12, -16, i32::MIN] {
        assert_eq!(
            trap_of(i.call("sum4", &[I32(p)])),
            TrapCode::MemoryOutOfBounds,
            "sum4({p:#x})"
        );
    }
    // The check reads the current memory size.
    assert_eq!(call1(&mut i, "grow", &[I32(1)]), I32(1));
    assert_eq!(call1(&mut i, "sum4", &[I32(65536 - 16)]), I32(0));
    assert_eq!(
        trap_of(i.call("sum4", &[I32(2 * 65536 - 16)])),
        TrapCode::MemoryOutOfBounds
    );
    // A store between two loads ends the run: the store happens before the second load traps.
    assert_eq!(
        trap_of(i.call("store_between", &[I32(2 * 65536 - 8)])),
        TrapCode::MemoryOutOfBounds
    );
    assert_eq!(i.memory()[0], 7);

    // One check for the run (plus the prologue's call-depth and stack checks), two around
    // the store.
    let wasm = wat::parse_str(wat).unwrap();
    let icmps = |f| {
        let clif = engine::compile::function_clif(&wasm, &NoIntrinsics, f).unwrap();
        clif.matches("= icmp").count()
    };
    assert_eq!(icmps(0), 2 + 1, "sum4");
    assert_eq!(icmps(1), 2 + 3, "store_between");
}

#[test]
fn memory_beyond_the_engine_limit_is_refused() {
    let wasm = wat::parse_str("(module (memory 65536))").unwrap();
    let Err(e) = Instance::new(&wasm, &NoIntrinsics) else {
        panic!("a 4 GiB memory was accepted");
    };
    assert!(format!("{e:#}").contains("limit of 65535 pages"), "{e:#}");
    let wasm = wat::parse_str(
        "(module (memory 1) (func (export \"g\") (result i32) i32.const 65535 memory.grow))",
    )
    .unwrap();
    let mut i = Instance::new(&wasm, &NoIntrinsics).unwrap();
    // Growing to exactly 4 GiB fails (returns -1) instead of reaching the limit the coalesced
    // checks rely on. (The default reservation is smaller still.)
    assert_eq!(call1(&mut i, "g", &[]), Val::I32(-1));
}

#[test]
fn globals() {
    let mut i = inst(
        r#"(module
          (global $sp (mut i32) (i32.const 66560))
          (global $k i64 (i64.const -5))
          (global $v (mut v128) (v128.const i32x4 1 2 3 4))
          (func (export "bump") (param i32) (result i32)
            global.get $sp local.get 0 i32.sub global.set $sp global.get $sp)
          (func (export "k") (result i64) global.get $k)
          (func (export "v") (result v128) global.get $v global.get $v i32x4.add global.set $v global.get $v)
        )"#,
    );
    use Val::*;
    assert_eq!(call1(&mut i, "bump", &[I32(16)]), I32(66544));
    assert_eq!(call1(&mut i, "bump", &[I32(16)]), I32(66528));
    assert_eq!(i.global(0) as u32, 66528);
    assert_eq!(call1(&mut i, "k", &[]), I64(-5));
    assert_eq!(
        call1(&mut i, "v", &[]),
        V128(2 | 4 << 32 | 6 << 64 | 8 << 96)
    );
}

#[test]
fn trap_propagates_through_calls() {
    let mut i = inst(
        r#"(module (memory 1)
          (func $inner (param i32) (result i32) local.get 0 i32.load)
          (func (export "outer") (param i32) (result i32)
            local.get 0 call $inner i32.const 1000 i32.store i32.const 77))"#,
    );
    assert_eq!(
        trap_of(i.call("outer", &[Val::I32(70000)])),
        TrapCode::MemoryOutOfBounds
    );
    assert_eq!(call1(&mut i, "outer", &[Val::I32(0)]), Val::I32(77));
}

#[test]
fn start_function_runs() {
    let mut i = inst(
        r#"(module (global $g (mut i32) (i32.const 0))
          (func $s i32.const 9 global.set $g)
          (start $s)
          (func (export "g") (result i32) global.get $g))"#,
    );
    assert_eq!(call1(&mut i, "g", &[]), Val::I32(9));
}

#[test]
fn call_errors() {
    let mut i = inst(r#"(module (func (export "f") (param i32)))"#);
    assert!(matches!(
        i.call("nope", &[]),
        Err(CallError::NoSuchExport(_))
    ));
    assert!(matches!(
        i.call("f", &[Val::I64(1)]),
        Err(CallError::BadArguments(_))
    ));
}

#[test]
fn unsupported_operator_is_a_clear_error() {
    let wasm = wat::parse_str(
        r#"(module (func $fadd (export "fadd") (param i32) (result i32)
             local.get 0 f32.convert_i32_s f32.const 1 f32.add i32.trunc_f32_s))"#,
    )
    .unwrap();
    let err = format!(
        "{:#}",
        Instance::new(&wasm, &NoIntrinsics).err().expect("error")
    );
    assert!(
        err.contains("unsupported: f32.convert_i32_s at fadd+"),
        "message: {err}"
    );
}

#[test]
fn malformed_and_invalid_modules() {
    let err = format!(
        "{:#}",
        Instance::new(b"\0asm\x01\0\0\0\x01\xff", &NoIntrinsics)
            .err()
            .unwrap()
    );
    assert!(err.contains("invalid wasm module"), "{err}");
    let err = format!(
        "{:#}",
        Instance::new(b"not wasm at all", &NoIntrinsics)
            .err()
            .unwrap()
    );
    assert!(err.contains("invalid wasm module"), "{err}");
    // Well-formed but ill-typed.
    let wasm = wat::parse_str(r#"(module (func (result i32) i64.const 1))"#).unwrap();
    let err = format!("{:#}", Instance::new(&wasm, &NoIntrinsics).err().unwrap());
    assert!(err.contains("invalid wasm module"), "{err}");
}

#[test]
fn unknown_import_is_an_error() {
    let wasm =
        wat::parse_str(r#"(module (import "env" "mystery" (func (param i32) (result i32))))"#)
            .unwrap();
    let err = format!("{:#}", Instance::new(&wasm, &NoIntrinsics).err().unwrap());
    assert!(err.contains("`env`.`mystery`"), "{err}");
}

/// Asking for a function that is imported or does not exist is an error, not a panic.
#[test]
fn clif_of_a_missing_or_imported_function_is_an_error() {
    let wasm =
        wat::parse_str(r#"(module (import "m" "f" (func)) (func (export "g") call 0))"#).unwrap();
    struct AnyImport;
    impl engine::IntrinsicLowering for AnyImport {
        fn resolve(&self, _: &str, _: &str) -> Option<usize> {
            Some(0)
        }
        fn emit(
            &self,
            _: usize,
            _: &mut cranelift_frontend::FunctionBuilder,
            _: &[cranelift_codegen::ir::Value],
        ) -> anyhow::Result<Vec<cranelift_codegen::ir::Value>> {
            Ok(vec![])
        }
    }
    let e = engine::compile::function_clif(&wasm, &AnyImport, 0).unwrap_err();
    assert!(
        format!("{e:#}").contains("not defined in the module"),
        "{e:#}"
    );
    let e = engine::compile::function_clif(&wasm, &AnyImport, 99).unwrap_err();
    assert!(format!("{e:#}").contains("no function 99"), "{e:#}");
    assert!(engine::compile::function_clif(&wasm, &AnyImport, 1).is_ok());
}
