//! Differential test against the real instructions: every instruction of the table runs
//! under qemu-aarch64 on 10,000 random and edge-case register contents and must match the
//! concrete AArch64 model on the whole V0 (including the S-write zeroing of SHA1H). Needs gcc-aarch64-linux-gnu, libc6-dev-arm64-cross and
//! qemu-user (`.ci/install-deps` installs them); without them the test fails
//! and says what to install.

#[path = "../../tools/qemu/qemu_exec.rs"]
mod qemu_exec;

use std::path::Path;

use models::aarch64::{execute, Inst, Mnemonic, RegFile};
use models::{Bits, Concrete};

const PER_INSTRUCTION: usize = 10_000;

fn edge_values() -> Vec<u128> {
    let lanes = [
        0u32,
        1,
        0x7fff_ffff,
        0x8000_0000,
        0xffff_ffff,
        0x5a82_7999,
        0x6a09_e667, // SHA-256 IV and round constants
        0x428a_2f98,
        0xdead_beef,
    ];
    let mut out = vec![0, u128::MAX];
    for &a in &lanes {
        for &b in &lanes {
            out.push(u128::from_le_bytes(
                [
                    a.to_le_bytes(),
                    b.to_le_bytes(),
                    a.to_le_bytes(),
                    b.to_le_bytes(),
                ]
                .concat()
                .try_into()
                .unwrap(),
            ));
        }
    }
    out
}

#[test]
fn every_instruction_matches_qemu_on_10000_inputs() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let edges = edge_values();
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut rand = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut records = Vec::new();
    for m in Mnemonic::all() {
        let word = Inst::canonical(m).encode();
        for i in 0..PER_INSTRUCTION {
            let regs: [u128; 3] = std::array::from_fn(|r| {
                if i < edges.len() * 3 {
                    edges[(i + r * 7) % edges.len()]
                } else {
                    (rand() as u128) << 64 | rand() as u128
                }
            });
            records.push((word, regs, m));
        }
    }
    let input: Vec<(u32, [u128; 3])> = records.iter().map(|(w, r, _)| (*w, *r)).collect();
    let got = qemu_exec::run_records(&root, &input).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(got.len(), records.len());
    let mut mismatches = Vec::new();
    let mut per_instruction = std::collections::BTreeMap::new();
    for ((_, regs, m), real) in records.iter().zip(&got) {
        *per_instruction.entry(*m).or_insert(0) += 1;
        let mut rf = RegFile::new(
            (0..32)
                .map(|i| Bits::from_u128(128, if i < 3 { regs[i] } else { 0 }))
                .collect(),
        );
        execute(&mut Concrete, Inst::canonical(*m), &mut rf);
        if rf.v[0].to_u128() != *real {
            mismatches.push(format!(
                "{m}: V0..V2 = {regs:032x?}: model {:032x}, qemu {real:032x}",
                rf.v[0].to_u128()
            ));
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} mismatches, first: {}",
        mismatches.len(),
        mismatches[0]
    );
    assert!(per_instruction.values().all(|&n| n == PER_INSTRUCTION));
}

/// The harness really executes the word it is given: a word of another instruction gives
/// other results, so a stale stub could not pass the test above.
#[test]
fn the_harness_executes_the_given_word() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let regs = [
        0x3c6e_f372_a54f_f53a_510e_527f_9b05_688c,
        0x0123_4567_89ab_cdef_fedc_ba98_7654_3210,
        0x428a_2f98_7137_4491_b5c0_fbcf_e9b5_dba5,
    ];
    let words: Vec<u32> = Mnemonic::all()
        .map(|m| Inst::canonical(m).encode())
        .collect();
    let input: Vec<(u32, [u128; 3])> = words.iter().map(|&w| (w, regs)).collect();
    let got = qemu_exec::run_records(&root, &input).unwrap_or_else(|e| panic!("{e}"));
    let distinct: std::collections::BTreeSet<u128> = got.iter().copied().collect();
    assert_eq!(distinct.len(), words.len(), "{got:032x?}");
}
