//! Run real AArch64 instruction words under `qemu-aarch64` (differential testing).
//!
//! Plain module, meant to be included with
//! `#[path = "../../tools/qemu/qemu_exec.rs"] mod qemu_exec;`. Only std.
//!
//! It cross-compiles `tools/qemu/insn_exec.c` once (cached under
//! `<repo_root>/target/tools-qemu/`, keyed by a hash of source + flags), then
//! pipes fixed-size records through it: see the C file for the record format.

#![allow(dead_code)]

use std::io::{ErrorKind, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const CC: &str = "aarch64-linux-gnu-gcc";
const QEMU: &str = "qemu-aarch64";
const CFLAGS: &[&str] = &["-O2", "-static", "-Wall"];
const IN_SIZE: usize = 52;
const OUT_SIZE: usize = 16;

/// Execute each `(word, [V0, V1, V2])` record with the real instruction word and
/// return the full 128-bit V0 afterwards, one per record, in order. Records with the same
/// word should be adjacent (the harness rewrites its stub when the word changes).
///
/// `repo_root` is the workspace root (the directory holding `tools/`).
pub fn run_records(repo_root: &Path, records: &[(u32, [u128; 3])]) -> Result<Vec<u128>, String> {
    let exe = build_harness(repo_root)?;
    if records.is_empty() {
        return Ok(Vec::new());
    }

    let mut input = Vec::with_capacity(records.len() * IN_SIZE);
    for (word, regs) in records {
        input.extend_from_slice(&word.to_le_bytes());
        for r in regs {
            input.extend_from_slice(&r.to_le_bytes());
        }
    }

    // `-cpu max` pins a CPU model with every crypto feature whatever qemu's default is.
    let mut child = Command::new(QEMU)
        .arg("-cpu")
        .arg("max")
        .arg(&exe)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| missing_or(e, QEMU, "qemu-user"))?;

    // Feed stdin from a thread: the harness streams output as it reads, so
    // writing everything before reading could deadlock on full pipes.
    let mut stdin = child.stdin.take().expect("piped stdin");
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let mut stdout = Vec::with_capacity(records.len() * OUT_SIZE);
    let read_res = child
        .stdout
        .take()
        .expect("piped stdout")
        .read_to_end(&mut stdout);
    let mut stderr = String::new();
    if let Some(mut e) = child.stderr.take() {
        let _ = e.read_to_string(&mut stderr);
    }
    let status = child
        .wait()
        .map_err(|e| format!("waiting for {QEMU}: {e}"))?;
    let write_res = writer
        .join()
        .map_err(|_| "stdin writer thread panicked".to_string())?;

    if !status.success() {
        return Err(format!(
            "{QEMU} {} failed ({status}): {}",
            exe.display(),
            stderr.trim()
        ));
    }
    write_res.map_err(|e| format!("writing records to {QEMU}: {e}"))?;
    read_res.map_err(|e| format!("reading results from {QEMU}: {e}"))?;
    if stdout.len() != records.len() * OUT_SIZE {
        return Err(format!(
            "harness returned {} bytes for {} records (expected {})",
            stdout.len(),
            records.len(),
            records.len() * OUT_SIZE
        ));
    }
    Ok(stdout
        .chunks_exact(OUT_SIZE)
        .map(|c| u128::from_le_bytes(c.try_into().expect("16-byte chunk")))
        .collect())
}

/// Compile the harness if no binary for this exact source + flags exists yet.
/// Returns the path of the static AArch64 executable.
pub fn build_harness(repo_root: &Path) -> Result<PathBuf, String> {
    let src = repo_root.join("tools/qemu/insn_exec.c");
    let text = std::fs::read(&src).map_err(|e| format!("reading {}: {e}", src.display()))?;

    let mut key = text.clone();
    key.extend_from_slice(CFLAGS.join(" ").as_bytes());
    let dir = repo_root.join("target/tools-qemu");
    let exe = dir.join(format!("insn_exec-{:016x}", fnv1a64(&key)));
    if exe.is_file() {
        return Ok(exe);
    }
    std::fs::create_dir_all(&dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;

    // Unique temp name + rename: parallel test threads/processes may race here.
    let tmp = dir.join(format!(
        ".insn_exec-{}-{:?}.tmp",
        std::process::id(),
        std::thread::current().id()
    ));
    let out = Command::new(CC)
        .args(CFLAGS)
        .arg("-o")
        .arg(&tmp)
        .arg(&src)
        .output()
        .map_err(|e| missing_or(e, CC, "gcc-aarch64-linux-gnu"))?;
    if !out.status.success() {
        let _ = std::fs::remove_file(&tmp);
        let msg = String::from_utf8_lossy(&out.stderr);
        // A missing cross libc shows up as missing headers or crt/libc at link time.
        let hint = if msg.contains("stdio.h") || msg.contains("crt1.o") || msg.contains("-lc") {
            " (install Debian package libc6-dev-arm64-cross)"
        } else {
            ""
        };
        return Err(format!(
            "{CC} failed on {}{hint}:\n{}",
            src.display(),
            msg.trim()
        ));
    }
    std::fs::rename(&tmp, &exe)
        .map_err(|e| format!("renaming harness into {}: {e}", exe.display()))?;
    Ok(exe)
}

fn missing_or(e: std::io::Error, tool: &str, package: &str) -> String {
    if e.kind() == ErrorKind::NotFound {
        format!("{tool} not found: install Debian package {package}")
    } else {
        format!("running {tool}: {e}")
    }
}

/// Stable across Rust versions (unlike DefaultHasher), so the cache key is too.
fn fnv1a64(data: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in data {
        h ^= b as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}
