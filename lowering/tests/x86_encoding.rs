//! Lowering (E)'s re-encoding checked against GNU as: for every x86 instruction the lowering
//! places (each immediate it uses), with low and high registers and with memory operands
//! (base + displacement, SIB, RIP-relative), the bytes the post-pass writes over the
//! placeholder Cranelift selected are the bytes the assembler produces for the instruction,
//! the SHA ones with the DS pad that takes the placeholder's 66 prefix.
#![cfg(target_arch = "x86_64")]

use std::process::Command;

use lowering::x86::{encoding, rewrite_function, Placeholder, X86Sites};
use lowering::{CodeRange, Verdict};
use models::x86::X86Inst;

/// Machine code of one AT&T-syntax instruction, assembled by `as`.
fn assemble(line: &str) -> Vec<u8> {
    // One file set per call: the tests run in parallel.
    static CALLS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("x86-encoding-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (src, obj, bin) = (
        dir.join(format!("{n}.s")),
        dir.join(format!("{n}.o")),
        dir.join(format!("{n}.bin")),
    );
    std::fs::write(&src, format!(".text\n{line}\n")).unwrap();
    let run = |cmd: &mut Command| {
        let out = cmd
            .output()
            .expect("GNU binutils (`as`, `objcopy`) must be installed: Debian package binutils");
        assert!(
            out.status.success(),
            "{line}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    run(Command::new("as").arg(&src).arg("-o").arg(&obj));
    run(Command::new("objcopy")
        .args(["-O", "binary", "--only-section=.text"])
        .arg(&obj)
        .arg(&bin));
    let bytes = std::fs::read(&bin).unwrap();
    for f in [src, obj, bin] {
        let _ = std::fs::remove_file(f);
    }
    bytes
}

fn placeholder_asm(p: Placeholder, src: &str, dst: &str) -> String {
    match p {
        Placeholder::Pmulld => format!("pmulld {src}, {dst}"),
        Placeholder::Pabsd => format!("pabsd {src}, {dst}"),
        Placeholder::Blendvps => format!("blendvps %xmm0, {src}, {dst}"),
        Placeholder::Palignr => format!("palignr $4, {src}, {dst}"),
    }
}

fn instruction_asm(inst: X86Inst, src: &str, dst: &str) -> String {
    // The SHA instructions other than SHA1RNDS4 get the DS pad.
    let pad = if encoding(inst).prefix66 || inst.imm8().is_some() {
        ""
    } else {
        "ds "
    };
    let operands = match (inst.imm8(), inst.reads_xmm0()) {
        (Some(i), _) => format!("${i}, {src}, {dst}"),
        (None, true) => format!("%xmm0, {src}, {dst}"),
        (None, false) => format!("{src}, {dst}"),
    };
    format!("{pad}{} {operands}", inst.mnemonic())
}

const OPERANDS: [(&str, &str); 7] = [
    ("%xmm2", "%xmm1"),
    ("%xmm9", "%xmm3"),
    ("%xmm1", "%xmm12"),
    ("%xmm15", "%xmm14"),
    ("0x10(%rax)", "%xmm5"),
    ("0x200(%r12,%rcx,4)", "%xmm11"),
    ("0x12345(%rip)", "%xmm7"),
];

const LOC: u32 = 0xff00_0000;

fn rewrite(inst: X86Inst, code: &mut [u8]) -> Verdict {
    let mut sites = X86Sites::default();
    sites.by_loc.insert(LOC, inst);
    let range = CodeRange {
        start: 0,
        end: code.len() as u32,
        wasm_offset: LOC,
    };
    rewrite_function(&sites, &[range], code).unwrap()
}

#[test]
fn every_reencoded_instruction_is_what_gnu_as_assembles() {
    let mut checked = 0;
    for inst in X86Inst::all() {
        for (src, dst) in OPERANDS {
            // AESIMC's placeholder is unary, with any source; the rest take both operands.
            let placeholder = assemble(&placeholder_asm(Placeholder::of(inst), src, dst));
            let want = assemble(&instruction_asm(inst, src, dst));
            let mut code = placeholder.clone();
            assert_eq!(
                rewrite(inst, &mut code),
                Verdict::Rewritten,
                "{inst} {src}, {dst}"
            );
            assert_eq!(
                code, want,
                "{inst} {src}, {dst}: placeholder {placeholder:02x?} re-encoded as {code:02x?}, as gives {want:02x?}"
            );
            checked += 1;
        }
    }
    assert_eq!(checked, X86Inst::all().len() * OPERANDS.len());
}

#[test]
fn moves_before_the_placeholder_are_skipped_and_anything_else_rejects() {
    let inst = X86Inst::Aesenc;
    // A register move and a spill reload before the placeholder: found after them.
    let mut code = assemble("movdqa %xmm3, %xmm1");
    code.extend(assemble("movdqu 0x40(%rsp), %xmm2"));
    let at = code.len();
    code.extend(assemble("pmulld %xmm2, %xmm1"));
    code.extend(assemble("mov 0x60(%rsp), %rdx"));
    let mut want = code.clone();
    want[at..at + 5].copy_from_slice(&assemble("aesenc %xmm2, %xmm1"));
    assert_eq!(rewrite(inst, &mut code), Verdict::Rewritten);
    assert_eq!(code, want);
    // An instruction the decoder does not know before the placeholder: the function is
    // rejected (compiled with (A)), never patched at a guessed offset.
    let mut code = assemble("add %eax, %ebx");
    code.extend(assemble("pmulld %xmm2, %xmm1"));
    assert!(matches!(rewrite(inst, &mut code), Verdict::Reject(_)));
    // The wrong placeholder for the instruction: rejected too.
    let mut code = assemble("pabsd %xmm2, %xmm1");
    assert!(matches!(rewrite(inst, &mut code), Verdict::Reject(_)));
}
