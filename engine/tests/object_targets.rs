//! Object emission: compile a module to an aarch64 ELF object, link it with a C driver and the
//! C runtime, run it under qemu-aarch64; the same for x86-64 natively.

use engine::{compile_object, CompileOptions, NoIntrinsics, ObjTarget};
use std::path::{Path, PathBuf};

mod common;
use common::{link_driver, require_aarch64_tools, run_ok, tmp, tool_exists};

const MODULE: &str = r#"(module
  (memory 1 4)
  (global $g (mut i32) (i32.const 1000))
  (data (i32.const 16) "\01\02\03\04\05\06\07\08\09\0a\0b\0c\0d\0e\0f\10")
  (func $add (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add)
  (export "add_alias" (func $add))
  (func $fac (export "fac") (param i64) (result i64)
    local.get 0 i64.eqz
    if (result i64) i64.const 1
    else local.get 0 local.get 0 i64.const 1 i64.sub call $fac i64.mul end)
  (func (export "sum_bytes") (param $p i32) (param $n i32) (result i32) (local $s i32)
    block $done loop $top
      local.get $n i32.eqz br_if $done
      local.get $s local.get $p i32.load8_u i32.add local.set $s
      local.get $p i32.const 1 i32.add local.set $p
      local.get $n i32.const 1 i32.sub local.set $n
      br $top end end
    local.get $s)
  (func (export "bump") (result i32)
    global.get $g i32.const 16 i32.sub global.set $g global.get $g)
  (func (export "vadd") (param v128 v128) (result v128) local.get 0 local.get 1 i32x4.add)
  (func (export "vsum") (param i32) (result i32) (local v128)
    local.get 0 v128.load local.set 1
    local.get 1 local.get 1 local.get 1
    i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 i32x4.add local.set 1
    local.get 1 local.get 1 local.get 1
    i8x16.shuffle 4 5 6 7 0 1 2 3 4 5 6 7 0 1 2 3 i32x4.add
    i32x4.extract_lane 0)
  (func (export "grow") (param i32) (result i32) local.get 0 memory.grow)
  (func (export "size") (result i32) memory.size)
  (func (export "load") (param i32) (result i32) local.get 0 i32.load)
  (func (export "div") (param i32 i32) (result i32) local.get 0 local.get 1 i32.div_s)
  (func $rec (export "recurse") (param i32) (result i32) local.get 0 call $rec))"#;

fn expected() -> String {
    let w = |b: [u8; 4]| u32::from_le_bytes(b);
    let vsum = w([1, 2, 3, 4])
        .wrapping_add(w([5, 6, 7, 8]))
        .wrapping_add(w([9, 10, 11, 12]))
        .wrapping_add(w([13, 14, 15, 16])) as i32;
    format!(
        "add 42\nadd_alias -3\nfac 2432902008176640000\nsum_bytes 15\nbump 984\nbump 968\n\
         vadd 11 22 33 3\nvsum {vsum}\ngrow 1 size 2\nload 0\nload trap 2 out of bounds memory access\n\
         div trap 3 integer divide by zero\ndiv trap 4 integer overflow\n\
         recurse trap 5 call stack exhausted\ndiv 14\n"
    )
}

fn build(target: ObjTarget, dir: &Path, cc: &str) -> PathBuf {
    let wasm = wat::parse_str(MODULE).unwrap();
    let art = compile_object(&wasm, target, &CompileOptions::new(&NoIntrinsics)).unwrap();
    link_driver(&art, dir, cc, "driver_basic.c")
}

#[test]
fn aarch64_object_runs_under_qemu() {
    require_aarch64_tools();
    let exe = build(
        ObjTarget::Aarch64,
        &tmp("obj-aarch64"),
        "aarch64-linux-gnu-gcc",
    );
    assert_eq!(run_ok("qemu-aarch64", &[exe.as_os_str()]), expected());
}

#[test]
fn x86_64_object_runs_natively() {
    if !cfg!(target_arch = "x86_64") {
        eprintln!("not an x86-64 host: native x86-64 objects cannot run here");
        return;
    }
    assert!(tool_exists("gcc"), "gcc is missing (Debian: gcc)");
    let exe = build(ObjTarget::X86_64, &tmp("obj-x86_64"), "gcc");
    assert_eq!(run_ok(&exe, &[]), expected());
}
