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
use models::x86::code::{step, Op, Source, Sse, XmmFile};
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
    let failures = on_two_threads(X86Inst::all(), 0x86_0000, first_difference);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// `first(case, seed)` for every case, on two threads (half the cases each), each case with
/// its own input stream (`seed0 + its index`); the differences found.
fn on_two_threads<T: Copy + Send + Sync>(
    cases: Vec<T>,
    seed0: u64,
    first: fn(T, u64) -> Option<String>,
) -> Vec<String> {
    let seeded: Vec<(u64, T)> = cases
        .into_iter()
        .enumerate()
        .map(|(i, c)| (seed0 + i as u64, c))
        .collect();
    std::thread::scope(|s| {
        let halves: Vec<_> = seeded
            .chunks(seeded.len().div_ceil(2))
            .map(|chunk| {
                s.spawn(move || {
                    chunk
                        .iter()
                        .filter_map(|&(seed, c)| first(c, seed))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        halves.into_iter().flat_map(|h| h.join().unwrap()).collect()
    })
}

/// The glue instructions lowering (E)'s compiled code contains (`models::x86::code`), with the
/// immediates the differential covers.
fn glue_ops() -> Vec<Sse> {
    let mut v: Vec<Sse> = [0x1b, 0xee, 0x4e, 0x00, 0xe4].map(Sse::Pshufd).to_vec();
    v.extend([0x11, 0xbb, 0x44, 0xee, 0x1b].map(Sse::Shufps));
    v.extend([4, 8, 12, 1, 15].map(Sse::Palignr));
    v.extend([0xc0, 0x3f, 0x0f, 0x55].map(Sse::Pblendw));
    v.extend([0x8, 0x7, 0x5].map(Sse::Blendps));
    v.extend([
        Sse::Pshufb,
        Sse::Paddd,
        Sse::Psubd,
        Sse::Xor,
        Sse::And,
        Sse::Or,
        Sse::Mov,
    ]);
    for (high, qwords) in [(false, false), (true, false), (false, true), (true, true)] {
        v.push(Sse::Unpack { high, qwords });
    }
    v
}

/// The CPU's result of glue instruction `op` on destination `a` and source `b`.
#[target_feature(enable = "ssse3,sse4.1")]
unsafe fn glue_on_cpu(op: Sse, a: u128, b: u128) -> u128 {
    let (x, y) = (to_m(a), to_m(b));
    let fx = _mm_castsi128_ps(x);
    let fy = _mm_castsi128_ps(y);
    from_m(match op {
        Sse::Pshufd(0x1b) => _mm_shuffle_epi32(y, 0x1b),
        Sse::Pshufd(0xee) => _mm_shuffle_epi32(y, 0xee),
        Sse::Pshufd(0x4e) => _mm_shuffle_epi32(y, 0x4e),
        Sse::Pshufd(0x00) => _mm_shuffle_epi32(y, 0x00),
        Sse::Pshufd(0xe4) => _mm_shuffle_epi32(y, 0xe4),
        Sse::Shufps(0x11) => _mm_castps_si128(_mm_shuffle_ps(fx, fy, 0x11)),
        Sse::Shufps(0xbb) => _mm_castps_si128(_mm_shuffle_ps(fx, fy, 0xbb)),
        Sse::Shufps(0x44) => _mm_castps_si128(_mm_shuffle_ps(fx, fy, 0x44)),
        Sse::Shufps(0xee) => _mm_castps_si128(_mm_shuffle_ps(fx, fy, 0xee)),
        Sse::Shufps(0x1b) => _mm_castps_si128(_mm_shuffle_ps(fx, fy, 0x1b)),
        Sse::Palignr(4) => _mm_alignr_epi8(x, y, 4),
        Sse::Palignr(8) => _mm_alignr_epi8(x, y, 8),
        Sse::Palignr(12) => _mm_alignr_epi8(x, y, 12),
        Sse::Palignr(1) => _mm_alignr_epi8(x, y, 1),
        Sse::Palignr(15) => _mm_alignr_epi8(x, y, 15),
        Sse::Pblendw(0xc0) => _mm_blend_epi16(x, y, 0xc0),
        Sse::Pblendw(0x3f) => _mm_blend_epi16(x, y, 0x3f),
        Sse::Pblendw(0x0f) => _mm_blend_epi16(x, y, 0x0f),
        Sse::Pblendw(0x55) => _mm_blend_epi16(x, y, 0x55),
        Sse::Blendps(0x8) => _mm_castps_si128(_mm_blend_ps(fx, fy, 0x8)),
        Sse::Blendps(0x7) => _mm_castps_si128(_mm_blend_ps(fx, fy, 0x7)),
        Sse::Blendps(0x5) => _mm_castps_si128(_mm_blend_ps(fx, fy, 0x5)),
        Sse::Pshufb => _mm_shuffle_epi8(x, y),
        Sse::Paddd => _mm_add_epi32(x, y),
        Sse::Psubd => _mm_sub_epi32(x, y),
        Sse::Xor => _mm_xor_si128(x, y),
        Sse::And => _mm_and_si128(x, y),
        Sse::Or => _mm_or_si128(x, y),
        Sse::Mov => y,
        Sse::Unpack {
            high: false,
            qwords: false,
        } => _mm_unpacklo_epi32(x, y),
        Sse::Unpack {
            high: true,
            qwords: false,
        } => _mm_unpackhi_epi32(x, y),
        Sse::Unpack {
            high: false,
            qwords: true,
        } => _mm_unpacklo_epi64(x, y),
        Sse::Unpack {
            high: true,
            qwords: true,
        } => _mm_unpackhi_epi64(x, y),
        other => panic!("no CPU case for {other:?}: add it next to glue_ops()"),
    })
}

fn first_glue_difference(op: Sse, seed: u64) -> Option<String> {
    let mut rng = Rng(seed);
    for case in 0..CASES {
        let pick = |rng: &mut Rng| {
            if case % 3 == 0 {
                rng.edge_u128(128)
            } else {
                rng.u128()
            }
        };
        let (a, b) = (pick(&mut rng), pick(&mut rng));
        // SAFETY: the caller checked the CPU has SSSE3 and SSE4.1.
        let cpu = unsafe { glue_on_cpu(op, a, b) };
        let mut d = Concrete;
        let mut regs = XmmFile {
            xmm: (0..16u128)
                .map(|r| Bits::from_u128(128, if r == 1 { a } else { b }))
                .collect(),
        };
        step(
            &mut d,
            &[],
            &mut regs,
            Op::Sse {
                op,
                dst: 1,
                src: Source::Xmm(2),
            },
        );
        let model = regs.xmm[1].to_u128();
        if model != cpu {
            return Some(format!(
                "{op:?}: case {case}: dst {a:032x} src {b:032x}: cpu {cpu:032x}, model {model:032x}"
            ));
        }
    }
    None
}

#[test]
fn every_glue_instruction_matches_this_cpu_on_a_million_inputs() {
    if std::env::var_os("HWWASM_SKIP_X86_DIFF").is_some() {
        eprintln!("x86 glue differential test SKIPPED (HWWASM_SKIP_X86_DIFF is set)");
        return;
    }
    assert!(
        is_x86_feature_detected!("ssse3") && is_x86_feature_detected!("sse4.1"),
        "this CPU lacks SSSE3 or SSE4.1 (set HWWASM_SKIP_X86_DIFF=1 to skip this test explicitly)"
    );
    let failures = on_two_threads(glue_ops(), 0x6c_0000, first_glue_difference);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
