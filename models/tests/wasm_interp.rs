//! The Wasm interpreter against the engine model: the checked-in clang builds
//! run concretely (and symbolically for the small fallbacks) must compute what
//! `engine_model` says, and the planted SHA1H bug must show up.

use std::collections::HashMap;
use std::path::PathBuf;

use models::acle::c_via_engine;
use models::engine::engine_model;
use models::normalise::normalise;
use models::rng::Rng;
use models::wasm::{
    check_signature, run_export, EngineImports, ImportHandler, Instance, NoImports, ValType,
    WasmModule,
};
use models::{Bits, Concrete, Domain, TermId, Terms};
use spec::{CType, Mnemonic};

fn prebuilt(name: &str) -> WasmModule {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../c/prebuilt")
        .join(name);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    WasmModule::parse(&bytes).unwrap()
}

fn bits(rng: &mut Rng, width: u32) -> Bits {
    Bits::from_u128(width, rng.edge_u128(width))
}

/// Every engine intrinsic of every family: (export name, instruction, number of params).
fn engine_exports() -> Vec<(String, Mnemonic, usize)> {
    spec::load_all()
        .unwrap()
        .iter()
        .flat_map(|s| &s.intrinsics)
        .map(|i| (i.engine.name.clone(), i.instruction, i.engine.params.len()))
        .collect()
}

fn engine_imports() -> EngineImports {
    EngineImports::all().unwrap()
}

#[test]
fn fallbacks_match_engine_model_concretely() {
    let m = prebuilt("fallback_only.wasm");
    let mut rng = Rng(0x5eed_1234_abcd_0001);
    let mut d = Concrete;
    let exports = engine_exports();
    assert!(!exports.is_empty());
    for (name, mn, n) in exports {
        let name = name.as_str();
        check_signature(&m, name, &vec![ValType::V128; n], &[ValType::V128]).unwrap();
        for _ in 0..300 {
            let args: Vec<Bits> = (0..n).map(|_| bits(&mut rng, 128)).collect();
            let got = run_export(&mut d, &m, name, &args, &mut NoImports).unwrap();
            let want = engine_model(&mut d, mn, &args);
            assert_eq!(got, vec![want], "{name} on {args:?}");
        }
    }
}

#[test]
fn broken_sha1h_differs_in_lanes_1_to_3_only() {
    let m = prebuilt("broken_sha1h_all_lanes.wasm");
    let mut rng = Rng(7);
    let mut d = Concrete;
    let mut differs = [false; 4];
    for _ in 0..200 {
        let x = bits(&mut rng, 128);
        let got =
            run_export(&mut d, &m, "__intrinsic_vsha1h_u32", &[x], &mut NoImports).unwrap()[0];
        let want = engine_model(&mut d, Mnemonic::Sha1h, &[x]);
        for (lane, diff) in differs.iter_mut().enumerate() {
            let l = lane as u32;
            *diff |= got.extract(32 * l + 31, 32 * l) != want.extract(32 * l + 31, 32 * l);
        }
    }
    assert_eq!(differs, [false, true, true, true]);
}

fn c_type(t: CType) -> ValType {
    match t {
        CType::U32 | CType::U8 => ValType::I32,
        CType::U64 | CType::Poly64 => ValType::I64,
        CType::U32x4 | CType::U8x16 | CType::U64x2 | CType::Poly64x2 | CType::Poly128 => {
            ValType::V128
        }
        other => panic!("no wasm type for {other:?}"),
    }
}

/// Every `wrap_<intrinsic>` against the ACLE meaning built on the engine model.
fn check_wrappers(file: &str, imports: &mut dyn ImportHandler<Concrete>) {
    let m = prebuilt(file);
    let specs = spec::load_all().unwrap();
    let mut rng = Rng(0xfeed_0000_0000_0042);
    let mut d = Concrete;
    for intr in specs.iter().flat_map(|s| &s.intrinsics) {
        let export = format!("wrap_{}", intr.name);
        let params: Vec<ValType> = intr
            .prototype
            .params
            .iter()
            .map(|p| c_type(p.ctype))
            .collect();
        check_signature(&m, &export, &params, &[c_type(intr.result_type())]).unwrap();
        for _ in 0..200 {
            let args: Vec<Bits> = params.iter().map(|t| bits(&mut rng, t.width())).collect();
            let got = run_export(&mut d, &m, &export, &args, imports).unwrap();
            let want = c_via_engine(&mut d, intr, &args, |d, p| {
                Ok(engine_model(d, intr.instruction, p))
            })
            .unwrap();
            assert_eq!(got, vec![want], "{file} {export} on {args:?}");
        }
    }
    // The helper wrappers.
    for _ in 0..50 {
        let (a, b) = (bits(&mut rng, 128), bits(&mut rng, 128));
        let x = bits(&mut rng, 32);
        let run = |d: &mut Concrete,
                   name: &str,
                   args: &[Bits],
                   imports: &mut dyn ImportHandler<Concrete>| {
            run_export(d, &m, name, args, imports).unwrap()[0]
        };
        let lanes = |v: &Bits| -> Vec<u32> {
            (0..4)
                .map(|i| v.extract(32 * i + 31, 32 * i).to_u64() as u32)
                .collect()
        };
        let sum = run(&mut d, "wrap_vaddq_u32", &[a, b], imports);
        let want: Vec<u32> = lanes(&a)
            .iter()
            .zip(lanes(&b))
            .map(|(x, y)| x.wrapping_add(y))
            .collect();
        assert_eq!(lanes(&sum), want);
        let dup = run(&mut d, "wrap_vdupq_n_u32", &[x], imports);
        assert_eq!(lanes(&dup), vec![x.to_u64() as u32; 4]);
        let l0 = run(&mut d, "wrap_vgetq_lane_u32", &[a], imports);
        assert_eq!(l0, a.extract(31, 0));
        let rev = run(&mut d, "wrap_vrev32q_u8", &[a], imports);
        let want: Vec<u32> = lanes(&a).iter().map(|l| l.swap_bytes()).collect();
        assert_eq!(lanes(&rev), want);
    }
}

#[test]
fn wrappers_with_fallbacks_linked_in() {
    check_wrappers("wrappers_fallback.wasm", &mut NoImports);
}

#[test]
fn wrappers_with_engine_imports() {
    check_wrappers("wrappers_imports.wasm", &mut engine_imports());
}

/// The engine imports plus `__intrinsic_is_available`, answering "yes".
struct WithAvailability;

impl<D: Domain> ImportHandler<D> for WithAvailability {
    fn call(
        &mut self,
        d: &mut D,
        module: &str,
        name: &str,
        args: &[D::V],
    ) -> anyhow::Result<Vec<D::V>> {
        if name == "__intrinsic_is_available" {
            return Ok(vec![d.lit(32, 1)]);
        }
        engine_imports().call(d, module, name, args)
    }
}

/// Write `data` at `addr`, byte by byte.
fn put(inst: &mut Instance<'_, Concrete>, addr: u32, data: &[u8]) {
    for (i, b) in data.iter().enumerate() {
        inst.write_memory(
            &mut Concrete,
            addr + i as u32,
            &Bits::from_u64(8, *b as u64),
        )
        .unwrap();
    }
}

fn process(
    inst: &mut Instance<'_, Concrete>,
    data: &[u8],
    imports: &mut dyn ImportHandler<Concrete>,
) -> String {
    let mut d = Concrete;
    let call = |inst: &mut Instance<'_, Concrete>,
                name: &str,
                imports: &mut dyn ImportHandler<Concrete>| {
        inst.call_export(&mut Concrete, name, &[], imports).unwrap()[0].to_u64() as u32
    };
    let buf = call(inst, "input_buffer", imports);
    let half = call(inst, "input_capacity", imports) / 2;
    put(inst, buf, data);
    let out = buf + half;
    let c = |v: u32| Bits::from_u64(32, v as u64);
    let size = inst
        .call_export(
            &mut d,
            "process",
            &[c(buf), c(data.len() as u32), c(out)],
            imports,
        )
        .unwrap()[0]
        .to_u64() as u32;
    // Byte by byte: outputs may be wider than one value (and empty for a malformed record).
    (0..size)
        .map(|i| {
            let b = inst.read_memory(&mut d, out + i, 1).unwrap();
            format!("{:02x}", b.to_u64())
        })
        .collect()
}

#[path = "../../tools/testsupport/programs.rs"]
mod programs;

/// Every program's whole kernel (loops, memory, calls, globals) in the interpreter: the
/// fallback and imports builds against the reference on the first eight random records
/// below 200 bytes. (`kat()` itself runs a million bytes: too slow for an interpreter test.)
#[test]
fn kernel_outputs() {
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    for program in programs::programs(&repo) {
        let fallback = prebuilt(&format!("{program}_kernel_fallback.wasm"));
        let imports = prebuilt(&format!("{program}_kernel_imports.wasm"));
        let mut f = Instance::new(&fallback);
        let mut i = Instance::new(&imports);
        let records = programs::random_records(&program, 3);
        for (k, rec) in records.iter().filter(|r| r.len() < 200).take(8).enumerate() {
            let want = programs::reference(&program, rec);
            let a = process(&mut f, rec, &mut NoImports);
            let b = process(&mut i, rec, &mut WithAvailability);
            assert_eq!(
                a,
                want,
                "{program} fallback build: record {k} ({} bytes)",
                rec.len()
            );
            assert_eq!(
                b,
                want,
                "{program} imports build: record {k} ({} bytes)",
                rec.len()
            );
        }
    }
}

/// `a` and `b` are the same function of the variables: identical after
/// normalisation, or equal on 200 random assignments.
fn same_function(t: &mut Terms, a: TermId, b: TermId, what: &str) {
    let na = normalise(t, a);
    let nb = normalise(t, b);
    if na == nb {
        return;
    }
    let vars = t.vars(&[a, b]);
    let mut rng = Rng(0xabcdef);
    for _ in 0..200 {
        let env: HashMap<String, Bits> = vars
            .iter()
            .map(|(n, w)| (n.clone(), bits(&mut rng, *w)))
            .collect();
        let r = t.eval(&[a, b], &env).unwrap();
        assert_eq!(r[0], r[1], "{what} differs under {env:?}");
    }
}

#[test]
fn symbolic_fallbacks_equal_engine_model() {
    let m = prebuilt("fallback_only.wasm");
    for (name, mn, n) in engine_exports() {
        let name = name.as_str();
        let mut t = Terms::new();
        let args: Vec<TermId> = (0..n).map(|i| t.var(&format!("p{i}"), 128)).collect();
        let got = run_export(&mut t, &m, name, &args, &mut NoImports).unwrap();
        assert_eq!(got.len(), 1);
        assert_eq!(t.width(&got[0]), 128);
        let want = engine_model(&mut t, mn, &args);
        same_function(&mut t, got[0], want, name);
    }
}

#[test]
fn symbolic_broken_sha1h_is_not_the_engine_model() {
    let m = prebuilt("broken_sha1h_all_lanes.wasm");
    let mut t = Terms::new();
    let x = t.var("x", 128);
    let got = run_export(&mut t, &m, "__intrinsic_vsha1h_u32", &[x], &mut NoImports).unwrap()[0];
    let want = engine_model(&mut t, Mnemonic::Sha1h, &[x]);
    let env: HashMap<String, Bits> = [("x".to_string(), Bits::from_u128(128, 1))].into();
    let r = t.eval(&[got, want], &env).unwrap();
    assert_ne!(r[0], r[1]);
    // Lane 0 agrees as terms.
    let g0 = t.lane(&got, 0, 32);
    let w0 = t.lane(&want, 0, 32);
    same_function(&mut t, g0, w0, "lane 0 of the broken sha1h");
}

#[test]
fn symbolic_wrapper_through_engine_imports() {
    let m = prebuilt("wrappers_imports.wasm");
    let mut t = Terms::new();
    let e = t.var("e", 32);
    let got = run_export(&mut t, &m, "wrap_vsha1h_u32", &[e], &mut engine_imports()).unwrap()[0];
    let want = t.rotl(&e, 30);
    same_function(&mut t, got, want, "wrap_vsha1h_u32");
}

fn wat_module(text: &str) -> WasmModule {
    WasmModule::parse(&wat::parse_str(text).unwrap()).unwrap()
}

fn err_of<T: std::fmt::Debug>(r: anyhow::Result<T>) -> String {
    let e = format!("{:#}", r.unwrap_err());
    eprintln!("error as reported: {e}");
    e
}

#[test]
fn unsupported_operator_is_named_with_location() {
    let m = wat_module(
        r#"(module (func $uses_float (export "f") (result i32) (local f32)
             local.get 0 local.get 0 f32.add drop i32.const 0))"#,
    );
    let e = err_of(run_export(&mut Concrete, &m, "f", &[], &mut NoImports));
    assert!(
        e.starts_with("unsupported: f32.add at uses_float+0x"),
        "{e}"
    );
}

#[test]
fn symbolic_branch_condition_is_an_error() {
    let m = wat_module(
        r#"(module (func $pick (export "f") (param i32) (result i32)
             local.get 0
             if (result i32) i32.const 1 else i32.const 2 end))"#,
    );
    let mut t = Terms::new();
    let x = t.var("x", 32);
    let e = err_of(run_export(&mut t, &m, "f", &[x], &mut NoImports));
    assert!(
        e.starts_with("unsupported: branch on a symbolic condition at pick+0x"),
        "{e}"
    );
    // Concretely both arms work.
    let r = run_export(
        &mut Concrete,
        &m,
        "f",
        &[Bits::from_u64(32, 0)],
        &mut NoImports,
    )
    .unwrap();
    assert_eq!(r, vec![Bits::from_u64(32, 2)]);
    let r = run_export(
        &mut Concrete,
        &m,
        "f",
        &[Bits::from_u64(32, 5)],
        &mut NoImports,
    )
    .unwrap();
    assert_eq!(r, vec![Bits::from_u64(32, 1)]);
    // select on a symbolic condition is fine: it is a value, not a branch.
    let m = wat_module(
        r#"(module (func (export "g") (param i32) (result i32)
             i32.const 1 i32.const 2 local.get 0 select))"#,
    );
    let r = run_export(&mut t, &m, "g", &[x], &mut NoImports).unwrap()[0];
    let env: HashMap<String, Bits> = [("x".to_string(), Bits::from_u64(32, 0))].into();
    assert_eq!(t.eval(&[r], &env).unwrap()[0], Bits::from_u64(32, 2));
}

#[test]
fn missing_export_is_named() {
    let m = prebuilt("fallback_only.wasm");
    let e = err_of(run_export(
        &mut Concrete,
        &m,
        "__intrinsic_vsha2h_u32",
        &[],
        &mut NoImports,
    ));
    assert!(e.contains("`__intrinsic_vsha2h_u32`"), "{e}");
    assert!(
        e.contains("__intrinsic_vsha1h_u32"),
        "lists available exports: {e}"
    );
}

#[test]
fn signature_mismatch_message() {
    let m = prebuilt("fallback_only.wasm");
    let e = err_of(check_signature(
        &m,
        "__intrinsic_vsha1su1q_u32",
        &[ValType::V128],
        &[ValType::V128],
    ));
    assert_eq!(
        e,
        "export `__intrinsic_vsha1su1q_u32` has type (v128, v128) -> v128, expected (v128) -> v128"
    );
}

#[test]
fn unknown_import_names_module_name_and_type() {
    let m = prebuilt("sha1_kernel_imports.wasm");
    let e = err_of(run_export(
        &mut Concrete,
        &m,
        "engine_features",
        &[],
        &mut engine_imports(),
    ));
    assert!(
        e.contains("`wasm_arm_neon`.`__intrinsic_is_available`"),
        "{e}"
    );
    assert!(e.contains("(i32) -> i32"), "{e}");
}

#[test]
fn loops_shifts_rotates_and_memory() {
    let m = wat_module(
        r#"(module (memory 1) (data (i32.const 16) "\01\02\03\04")
           (func (export "sum") (param i32) (result i32) (local i32)
             ;; sum of 1..n with a loop and br_if
             block loop
               local.get 0 i32.eqz br_if 1
               local.get 1 local.get 0 i32.add local.set 1
               local.get 0 i32.const 1 i32.sub local.set 0
               br 0
             end end
             local.get 1)
           (func (export "forever") loop br 0 end)
           (func (export "shifts") (param i32 i32) (result i32 i32 i32 i32)
             local.get 0 local.get 1 i32.shl
             local.get 0 local.get 1 i32.shr_s
             local.get 0 local.get 1 i32.rotl
             local.get 0 local.get 1 i32.rotr)
           (func (export "mem") (result i32 i32 i64)
             i32.const 16 i32.load
             i32.const 0 i32.const 0xff i32.store8 offset=100
             i32.const 100 i32.load8_s
             i32.const 14 i64.load offset=2)
           (func (export "bulk") (result i64)
             i32.const 200 i32.const 0xab i32.const 3 memory.fill
             i32.const 201 i32.const 15 i32.const 4 memory.copy
             i32.const 200 i64.load)
           (func (export "table") (param i32) (result i32)
             block block block
               local.get 0 br_table 0 1 2
             end i32.const 10 return
             end i32.const 11 return
             end i32.const 12))"#,
    );
    let c = |v: u64| Bits::from_u64(32, v);
    let mut d = Concrete;
    let r = run_export(&mut d, &m, "sum", &[c(100)], &mut NoImports).unwrap();
    assert_eq!(r, vec![c(5050)]);
    let mut inst = Instance::new(&m);
    inst.step_limit = 10_000;
    let e = err_of(inst.call_export(&mut d, "forever", &[], &mut NoImports));
    assert!(e.contains("step limit of 10000"), "{e}");
    // Shift amounts are taken modulo 32.
    let x = 0x8000_00f1u64;
    for n in [0u64, 1, 4, 31, 32, 33, 100] {
        let r = run_export(&mut d, &m, "shifts", &[c(x), c(n)], &mut NoImports).unwrap();
        let x32 = x as u32;
        let k = (n % 32) as u32;
        assert_eq!(
            r,
            vec![
                c((x32 << k) as u64),
                c(((x32 as i32) >> k) as u32 as u64),
                c(x32.rotate_left(k) as u64),
                c(x32.rotate_right(k) as u64)
            ],
            "shift by {n}"
        );
        // Symbolic amounts give the same functions.
        let mut t = Terms::new();
        let (vx, vn) = (t.var("x", 32), t.var("n", 32));
        let s = run_export(&mut t, &m, "shifts", &[vx, vn], &mut NoImports).unwrap();
        let env: HashMap<String, Bits> = [("x".to_string(), c(x)), ("n".to_string(), c(n))].into();
        assert_eq!(t.eval(&s, &env).unwrap(), r, "symbolic shift by {n}");
    }
    let r = run_export(&mut d, &m, "mem", &[], &mut NoImports).unwrap();
    assert_eq!(
        r,
        vec![
            c(0x0403_0201),
            c(0xffff_ffff),
            Bits::from_u64(64, 0x0403_0201)
        ]
    );
    let r = run_export(&mut d, &m, "bulk", &[], &mut NoImports).unwrap();
    assert_eq!(r, vec![Bits::from_u64(64, 0x0000_0003_0201_00ab)]);
    for (i, want) in [(0, 10), (1, 11), (2, 12), (7, 12)] {
        let r = run_export(&mut d, &m, "table", &[c(i)], &mut NoImports).unwrap();
        assert_eq!(r, vec![c(want)], "br_table {i}");
    }
}

#[test]
fn symbolic_address_is_an_error() {
    let m = wat_module(
        r#"(module (memory 1) (func $ld (export "f") (param i32) (result i32) local.get 0 i32.load))"#,
    );
    let mut t = Terms::new();
    let x = t.var("x", 32);
    let e = err_of(run_export(&mut t, &m, "f", &[x], &mut NoImports));
    assert!(
        e.starts_with("unsupported: i32.load at a symbolic address at ld+0x"),
        "{e}"
    );
}

#[test]
fn swizzle_and_shuffle_are_exact() {
    let m = wat_module(
        r#"(module
           (func (export "swz") (param v128 v128) (result v128) local.get 0 local.get 1 i8x16.swizzle)
           (func (export "shuf") (param v128 v128) (result v128)
             local.get 0 local.get 1 i8x16.shuffle 31 0 30 1 29 2 28 3 16 17 18 19 15 14 13 12))"#,
    );
    let mut rng = Rng(99);
    let mut d = Concrete;
    let bytes = |v: &Bits| -> Vec<u8> {
        (0..16)
            .map(|i| v.extract(8 * i + 7, 8 * i).to_u64() as u8)
            .collect()
    };
    let mut t = Terms::new();
    let (va, vs) = (t.var("a", 128), t.var("s", 128));
    let sym = run_export(&mut t, &m, "swz", &[va, vs], &mut NoImports).unwrap()[0];
    for _ in 0..100 {
        let a = bits(&mut rng, 128);
        // Indices mostly in range, some not.
        let s = Bits::from_u128(128, (rng.next_u64() as u128) << 64 | rng.next_u64() as u128).and(
            &Bits::from_u128(128, 0x1f1f_1f1f_1f1f_1f1f_1f1f_1f1f_1f1f_1f1f),
        );
        let r = run_export(&mut d, &m, "swz", &[a, s], &mut NoImports).unwrap()[0];
        let (ab, sb) = (bytes(&a), bytes(&s));
        let want: Vec<u8> = sb
            .iter()
            .map(|&i| if i < 16 { ab[i as usize] } else { 0 })
            .collect();
        assert_eq!(bytes(&r), want);
        let env: HashMap<String, Bits> = [("a".to_string(), a), ("s".to_string(), s)].into();
        assert_eq!(t.eval(&[sym], &env).unwrap()[0], r);
        let b = bits(&mut rng, 128);
        let r = run_export(&mut d, &m, "shuf", &[a, b], &mut NoImports).unwrap()[0];
        let mut all = bytes(&a);
        all.extend(bytes(&b));
        let want: Vec<u8> = [31, 0, 30, 1, 29, 2, 28, 3, 16, 17, 18, 19, 15, 14, 13, 12]
            .iter()
            .map(|&i| all[i])
            .collect();
        assert_eq!(bytes(&r), want);
    }
}

/// One 64-byte block with symbolic data through the whole fallback kernel
/// (loops and addresses stay constant): the term agrees with a concrete run.
#[test]
fn symbolic_kernel_block() {
    let m = prebuilt("sha1_kernel_fallback.wasm");
    let mut t = Terms::new();
    let mut inst = Instance::new(&m);
    let buf = inst
        .call_export(&mut t, "input_buffer", &[], &mut NoImports)
        .unwrap()[0];
    let buf = t.as_const(&buf).unwrap().to_u64() as u32;
    // Bits stop at 256 bits: the block is four v128 variables.
    for i in 0..4 {
        let q = t.var(&format!("q{i}"), 128);
        inst.write_memory(&mut t, buf + 16 * i, &q).unwrap();
    }
    let state = buf + 1024;
    let init = Bits::from_u128(128, 0x10325476_98badcfe_efcdab89_67452301);
    let init = t.constant(init);
    inst.write_memory(&mut t, state, &init).unwrap();
    let e0 = t.lit(32, 0xc3d2e1f0);
    inst.write_memory(&mut t, state + 16, &e0).unwrap();
    let args = [
        t.lit(32, state as u128),
        t.lit(32, buf as u128),
        t.lit(32, 1),
    ];
    inst.call_export(&mut t, "sha1_blocks", &args, &mut NoImports)
        .unwrap();
    let out = inst.read_memory(&mut t, state, 20).unwrap();

    let mut rng = Rng(11);
    for _ in 0..5 {
        let qs: Vec<Bits> = (0..4).map(|_| bits(&mut rng, 128)).collect();
        let env: HashMap<String, Bits> = (0..4).map(|i| (format!("q{i}"), qs[i])).collect();
        let sym = t.eval(&[out], &env).unwrap()[0];
        let mut d = Concrete;
        let mut ci = Instance::new(&m);
        for (i, q) in qs.iter().enumerate() {
            ci.write_memory(&mut d, buf + 16 * i as u32, q).unwrap();
        }
        ci.write_memory(
            &mut d,
            state,
            &Bits::from_u128(128, 0x10325476_98badcfe_efcdab89_67452301),
        )
        .unwrap();
        ci.write_memory(&mut d, state + 16, &Bits::from_u64(32, 0xc3d2e1f0))
            .unwrap();
        let cargs = [
            Bits::from_u64(32, state as u64),
            Bits::from_u64(32, buf as u64),
            Bits::from_u64(32, 1),
        ];
        ci.call_export(&mut d, "sha1_blocks", &cargs, &mut NoImports)
            .unwrap();
        assert_eq!(sym, ci.read_memory(&mut d, state, 20).unwrap());
    }
}
