//! The programs of `c/programs/` as tests see them: their names, random input records, and an
//! independent reference implementation of each program's `process` (RustCrypto) to check
//! every build of them against.
//!
//! Plain module, included with `#[path = "../../tools/testsupport/programs.rs"] mod programs;`
//! by the crates whose tests run the programs (they need `sha1` and `sha2` as dev-dependencies).

#![allow(dead_code)]

use std::path::Path;

/// The program names (directories of `<repo>/c/programs`), sorted.
pub fn programs(repo: &Path) -> Vec<String> {
    let dir = repo.join("c/programs");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap())
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert!(!names.is_empty(), "no programs in {}", dir.display());
    names
}

/// The reference output of `program`'s `process` on one input record, as hex.
pub fn reference(program: &str, msg: &[u8]) -> String {
    use sha2::Digest as _;
    let bytes: Vec<u8> = match program {
        "sha1" => sha1::Sha1::digest(msg).to_vec(),
        "sha256" => sha2::Sha256::digest(msg).to_vec(),
        other => panic!("no reference for program `{other}`: add one here"),
    };
    hex(&bytes)
}

pub fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// 48 input records: the padding edges (0, 55, 56, 64 bytes) and random lengths below 1000,
/// with random bytes (xorshift64* from `seed`).
pub fn random_records(seed: u64) -> Vec<Vec<u8>> {
    let mut s = seed | 1;
    let mut next = move || {
        s ^= s >> 12;
        s ^= s << 25;
        s ^= s >> 27;
        s.wrapping_mul(0x2545_f491_4f6c_dd1d)
    };
    (0..48)
        .map(|i| {
            let len = match i {
                0 => 0,
                1 => 55,
                2 => 56,
                3 => 64,
                _ => (next() % 1000) as usize,
            };
            (0..len).map(|_| next() as u8).collect()
        })
        .collect()
}

/// The records as the `process` drivers read them on stdin: `u32 length (LE), bytes` each.
pub fn stdin_records(messages: &[Vec<u8>]) -> Vec<u8> {
    let mut bytes = Vec::new();
    for m in messages {
        bytes.extend_from_slice(&(m.len() as u32).to_le_bytes());
        bytes.extend_from_slice(m);
    }
    bytes
}
