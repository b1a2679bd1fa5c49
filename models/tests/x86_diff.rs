//! The x86 layer (`models::x86`) against this CPU: every modelled instruction, each immediate
//! the SDM distinguishes, on 1,000,000 inputs (edge values and random ones), run natively
//! through Rust's `core::arch` intrinsics (which compile to the very instructions) and
//! compared with the model on concrete values.
//!
//! A CPU without SHA-NI, AES-NI or PCLMULQDQ fails the test with a message saying which;
//! `HWWASM_SKIP_X86_DIFF=1` skips it explicitly.
#![cfg(target_arch = "x86_64")]

use std::arch::x86_64::*;

use models::rng::Rng;
use models::x86::{execute, X86Inst};
use models::{Bits, Concrete};

const CASES: usize = 1_000_000;

fn to_m(x: u128) -> __m128i {
    // SAFETY: both are 16 plain bytes; lane i of the vector is bits 32i.. of the integer on
    // this little-endian target, as the model reads XMM registers.
    unsafe { std::mem::transmute::<u128, __m128i>(x) }
}

fn from_m(x: __m128i) -> u128 {
    // SAFETY: as in `to_m`.
    unsafe { std::mem::transmute::<__m128i, u128>(x) }
}

/// The CPU's result of `inst` on xmm1, xmm2 and xmm0.
#[target_feature(enable = "sha,aes,pclmulqdq,sse2,sse4.1")]
unsafe fn on_cpu(inst: X86Inst, xmm1: u128, xmm2: u128, xmm0: u128) -> u128 {
    let (a, b, k) = (to_m(xmm1), to_m(xmm2), to_m(xmm0));
    from_m(match inst {
        X86Inst::Sha1rnds4(0) => _mm_sha1rnds4_epu32(a, b, 0),
        X86Inst::Sha1rnds4(1) => _mm_sha1rnds4_epu32(a, b, 1),
        X86Inst::Sha1rnds4(2) => _mm_sha1rnds4_epu32(a, b, 2),
        X86Inst::Sha1rnds4(_) => _mm_sha1rnds4_epu32(a, b, 3),
        X86Inst::Sha1nexte => _mm_sha1nexte_epu32(a, b),
        X86Inst::Sha1msg1 => _mm_sha1msg1_epu32(a, b),
        X86Inst::Sha1msg2 => _mm_sha1msg2_epu32(a, b),
        X86Inst::Sha256rnds2 => _mm_sha256rnds2_epu32(a, b, k),
        X86Inst::Sha256msg1 => _mm_sha256msg1_epu32(a, b),
        X86Inst::Sha256msg2 => _mm_sha256msg2_epu32(a, b),
        X86Inst::Aesenc => _mm_aesenc_si128(a, b),
        X86Inst::Aesenclast => _mm_aesenclast_si128(a, b),
        X86Inst::Aesdec => _mm_aesdec_si128(a, b),
        X86Inst::Aesdeclast => _mm_aesdeclast_si128(a, b),
        X86Inst::Aesimc => _mm_aesimc_si128(b),
        X86Inst::Pclmulqdq(0x00) => _mm_clmulepi64_si128(a, b, 0x00),
        X86Inst::Pclmulqdq(0x01) => _mm_clmulepi64_si128(a, b, 0x01),
        X86Inst::Pclmulqdq(0x10) => _mm_clmulepi64_si128(a, b, 0x10),
        X86Inst::Pclmulqdq(_) => _mm_clmulepi64_si128(a, b, 0x11),
    })
}

fn missing_features() -> Vec<&'static str> {
    let mut v = Vec::new();
    if !is_x86_feature_detected!("sha") {
        v.push("sha (SHA-NI)");
    }
    if !is_x86_feature_detected!("aes") {
        v.push("aes (AES-NI)");
    }
    if !is_x86_feature_detected!("pclmulqdq") {
        v.push("pclmulqdq");
    }
    if !is_x86_feature_detected!("sse4.1") {
        v.push("sse4.1");
    }
    v
}

/// The first input on which model and CPU differ, if any.
fn first_difference(inst: X86Inst, seed: u64) -> Option<String> {
    let mut rng = Rng(seed);
    for case in 0..CASES {
        // Edge values (zero, all ones, single bits, ...) in a third of the cases.
        let pick = |rng: &mut Rng| {
            if case % 3 == 0 {
                rng.edge_u128(128)
            } else {
                rng.u128()
            }
        };
        let (x1, x2, x0) = (pick(&mut rng), pick(&mut rng), pick(&mut rng));
        // SAFETY: the caller checked the CPU has every feature `on_cpu` enables.
        let cpu = unsafe { on_cpu(inst, x1, x2, x0) };
        let b = |x: u128| Bits::from_u128(128, x);
        let model = execute(&mut Concrete, inst, &b(x1), &b(x2), &b(x0)).to_u128();
        if model != cpu {
            return Some(format!(
                "{inst}: case {case}: xmm1 {x1:032x} xmm2 {x2:032x} xmm0 {x0:032x}: \
                 cpu {cpu:032x}, model {model:032x}"
            ));
        }
    }
    None
}

#[test]
fn every_x86_instruction_matches_this_cpu_on_a_million_inputs() {
    if std::env::var_os("HWWASM_SKIP_X86_DIFF").is_some() {
        eprintln!("x86 differential test SKIPPED (HWWASM_SKIP_X86_DIFF is set)");
        return;
    }
    let missing = missing_features();
    assert!(
        missing.is_empty(),
        "this CPU lacks {}: the x86 layer cannot be checked against it here \
         (set HWWASM_SKIP_X86_DIFF=1 to skip this test explicitly)",
        missing.join(", ")
    );
    let insts: Vec<(u64, X86Inst)> = X86Inst::all()
        .into_iter()
        .enumerate()
        .map(|(i, inst)| (0x86_0000 + i as u64, inst))
        .collect();
    // Two threads, half the instructions each; each instruction its own input stream.
    let failures: Vec<String> = std::thread::scope(|s| {
        let halves: Vec<_> = insts
            .chunks(insts.len().div_ceil(2))
            .map(|chunk| {
                s.spawn(move || {
                    chunk
                        .iter()
                        .filter_map(|&(seed, inst)| first_difference(inst, seed))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        halves.into_iter().flat_map(|h| h.join().unwrap()).collect()
    });
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
