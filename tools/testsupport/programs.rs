//! The programs of `c/programs/` as tests see them: their names, random input records, and an
//! independent reference implementation of each program's `process` (RustCrypto) to check
//! every build of them against.
//!
//! Plain module, included with `#[path = "../../tools/testsupport/programs.rs"] mod programs;`
//! by the crates whose tests run the programs (they need `sha1`, `sha2` and `aes-gcm` as
//! dev-dependencies).

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

/// The spec families whose intrinsics `program` uses: the words of
/// `c/programs/<program>/families` if there is one, else the family named like the program.
pub fn families(repo: &Path, program: &str) -> Vec<String> {
    let path = repo.join("c/programs").join(program).join("families");
    match std::fs::read_to_string(&path) {
        Ok(text) => text.split_whitespace().map(str::to_string).collect(),
        Err(_) => vec![program.to_string()],
    }
}

/// Known-answer case names every build of `program` must report as passing (its `kat.c`
/// may have more).
pub fn landmark_cases(program: &str) -> &'static [&'static str] {
    match program {
        "sha1" | "sha256" => &["empty", "abc", "448-bit", "million-a"],
        "aesgcm" => &AESGCM_CASES,
        other => panic!("no known-answer landmarks for program `{other}`: add them here"),
    }
}

const AESGCM_CASES: [&str; 11] = [
    "fips197-c1-aes128-encrypt",
    "fips197-c1-aes128-decrypt",
    "fips197-c2-aes192-encrypt",
    "fips197-c2-aes192-decrypt",
    "fips197-c3-aes256-encrypt",
    "fips197-c3-aes256-decrypt",
    "gcm-tc1-empty",
    "gcm-tc2-one-zero-block",
    "gcm-tc3-64-bytes",
    "gcm-tc4-60-bytes-aad",
    "gcm-tc4-forged-tag-rejected",
];

/// The reference output of `program`'s `process` on one input record, as hex.
pub fn reference(program: &str, msg: &[u8]) -> String {
    use sha2::Digest as _;
    let bytes: Vec<u8> = match program {
        "sha1" => sha1::Sha1::digest(msg).to_vec(),
        "sha256" => sha2::Sha256::digest(msg).to_vec(),
        "aesgcm" => aes128_gcm(msg).unwrap_or_default(),
        other => panic!("no reference for program `{other}`: add one here"),
    };
    hex(&bytes)
}

/// AES-128-GCM of a record `key[16] || iv[12] || aad_len (u32 LE) || aad || plaintext`:
/// ciphertext || tag, or None for a malformed record (the program then writes nothing).
fn aes128_gcm(record: &[u8]) -> Option<Vec<u8>> {
    use aes_gcm::aead::{Aead, KeyInit, Payload};
    if record.len() < 32 {
        return None;
    }
    let (key, rest) = record.split_at(16);
    let (iv, rest) = rest.split_at(12);
    let (len, rest) = rest.split_at(4);
    let aad_len = u32::from_le_bytes(len.try_into().unwrap()) as usize;
    if aad_len > rest.len() {
        return None;
    }
    let (aad, msg) = rest.split_at(aad_len);
    let cipher = aes_gcm::Aes128Gcm::new_from_slice(key).unwrap();
    Some(
        cipher
            .encrypt(aes_gcm::Nonce::from_slice(iv), Payload { msg, aad })
            .unwrap(),
    )
}

pub fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// 48 input records for `program`, with random bytes (xorshift64* from `seed`). Hashes: the
/// padding edges (0, 55, 56, 64 bytes) and random lengths below 1000. AES-GCM: well-formed
/// records (random key, IV, AAD below 40 bytes, plaintext below 300, partial blocks
/// included), an empty plaintext, and two malformed records.
pub fn random_records(program: &str, seed: u64) -> Vec<Vec<u8>> {
    let mut s = seed | 1;
    let mut next = move || {
        s ^= s >> 12;
        s ^= s << 25;
        s ^= s >> 27;
        s.wrapping_mul(0x2545_f491_4f6c_dd1d)
    };
    if program == "aesgcm" {
        return (0..48)
            .map(|i| {
                let mut r: Vec<u8> = (0..28).map(|_| next() as u8).collect();
                let (aad_len, pt_len) = match i {
                    0 => return r[..20].to_vec(), // shorter than key, IV and length
                    1 => {
                        // AAD length past the end of the record
                        r.extend_from_slice(&100u32.to_le_bytes());
                        r.extend((0..10).map(|_| next() as u8));
                        return r;
                    }
                    2 => (0, 0),
                    3 => (0, 16),
                    _ => (next() % 40, next() % 300),
                };
                r.extend_from_slice(&(aad_len as u32).to_le_bytes());
                r.extend((0..aad_len + pt_len).map(|_| next() as u8));
                r
            })
            .collect();
    }
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
