//! Stage 5: ask a solver. In-process z3 (the system libz3) by default; `cvc5`
//! and `z3-cli` run the solver binaries on the same SMT-LIB text as a second
//! opinion. A timeout or a give-up is `Unknown`, never an answer.

use std::collections::HashMap;
use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::str::FromStr;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};
use models::Bits;
use z3::ast::BV;

use crate::smtlib::Query;

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum SolverChoice {
    /// libz3 linked in-process.
    Z3,
    /// The `z3` binary on the SMT-LIB file.
    Z3Cli,
    /// The `cvc5` binary on the SMT-LIB file.
    Cvc5,
}

impl SolverChoice {
    pub fn name(self) -> &'static str {
        match self {
            SolverChoice::Z3 => "z3",
            SolverChoice::Z3Cli => "z3-cli",
            SolverChoice::Cvc5 => "cvc5",
        }
    }
}

impl FromStr for SolverChoice {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "z3" => Ok(SolverChoice::Z3),
            "z3-cli" => Ok(SolverChoice::Z3Cli),
            "cvc5" => Ok(SolverChoice::Cvc5),
            _ => Err(format!("unknown solver `{s}` (z3, z3-cli, cvc5)")),
        }
    }
}

#[derive(Debug, Clone)]
pub enum Answer {
    /// No input makes the sides differ.
    Unsat,
    /// A model of the inputs (only the declared inputs).
    Sat(HashMap<String, Bits>),
    /// Timeout or the solver gave up; the reason as the solver said it.
    Unknown(String),
}

pub fn solve(choice: SolverChoice, q: &Query, timeout_ms: u64) -> Result<Answer> {
    match choice {
        SolverChoice::Z3 => solve_in_process(q, timeout_ms),
        SolverChoice::Z3Cli => {
            let t = format!("-t:{timeout_ms}");
            solve_cli("z3", &["-smt2", &t], q, timeout_ms)
        }
        SolverChoice::Cvc5 => {
            let t = format!("--tlimit-per={timeout_ms}");
            solve_cli("cvc5", &["--lang=smt2", &t], q, timeout_ms)
        }
    }
}

fn solve_in_process(q: &Query, timeout_ms: u64) -> Result<Answer> {
    let solver = z3::Solver::new();
    let mut params = z3::Params::new();
    params.set_u32("timeout", timeout_ms.min(u32::MAX as u64) as u32);
    solver.set_params(&params);
    solver.from_string(q.body.as_str());
    match solver.check() {
        z3::SatResult::Unsat => Ok(Answer::Unsat),
        z3::SatResult::Unknown => Ok(Answer::Unknown(
            solver
                .get_reason_unknown()
                .unwrap_or_else(|| "z3 gave no reason".into()),
        )),
        z3::SatResult::Sat => {
            let model = solver
                .get_model()
                .ok_or_else(|| anyhow!("z3 said sat but gave no model"))?;
            let mut values = HashMap::new();
            for (name, width) in &q.inputs {
                let var = BV::new_const(name.as_str(), *width);
                let mut value = Bits::zero(*width);
                let mut lo = 0;
                while lo < *width {
                    let hi = (lo + 63).min(width - 1);
                    let chunk = model
                        .eval(&var.extract(hi, lo), true)
                        .and_then(|v| v.as_u64())
                        .ok_or_else(|| anyhow!("z3 model has no value for `{name}`"))?;
                    value = value.or(&Bits::from_u64(*width, chunk).shl_by(lo));
                    lo += 64;
                }
                values.insert(name.clone(), value);
            }
            Ok(Answer::Sat(values))
        }
    }
}

fn solve_cli(program: &str, args: &[&str], q: &Query, timeout_ms: u64) -> Result<Answer> {
    let dir = std::env::temp_dir().join(format!("sha1-verifier-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let file = dir.join(format!("q{}.smt2", unique()));
    std::fs::write(&file, q.file_text())?;
    let out = run_with_deadline(
        program,
        args,
        &file,
        Duration::from_millis(timeout_ms + 5_000),
    );
    let _ = std::fs::remove_file(&file);
    let run = out?;
    if run.timed_out {
        return Ok(Answer::Unknown(format!(
            "{program} killed after the timeout"
        )));
    }
    // A solver that dies without answering has not answered: unknown, with its last words
    // (cvc5 1.0 aborts inside CaDiCaL when --tlimit-per expires mid-search).
    if run.stdout.trim().is_empty() && !run.success {
        let why = run
            .stderr
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty())
            .unwrap_or("");
        return Ok(Answer::Unknown(format!(
            "{program} stopped without an answer ({}){}",
            run.status,
            if why.is_empty() {
                String::new()
            } else {
                format!(": {why}")
            }
        )));
    }
    parse_cli_answer(program, &run.stdout, q)
}

fn unique() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::Relaxed)
}

/// What a solver process left behind.
struct Run {
    stdout: String,
    stderr: String,
    timed_out: bool,
    success: bool,
    status: String,
}

fn run_with_deadline(program: &str, args: &[&str], file: &Path, deadline: Duration) -> Result<Run> {
    let mut child = Command::new(program)
        .args(args)
        .arg(file)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| {
            format!("cannot run `{program}` (install it: apt-get install -y {program})")
        })?;
    let start = Instant::now();
    let drain = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut s = String::new();
            let _ = pipe.read_to_string(&mut s);
            s
        })
    };
    let stdout = drain(Box::new(child.stdout.take().unwrap()));
    let stderr = drain(Box::new(child.stderr.take().unwrap()));
    let mut timed_out = false;
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break Some(status);
        }
        if start.elapsed() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            timed_out = true;
            break None;
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    Ok(Run {
        stdout: stdout.join().unwrap_or_default(),
        stderr: stderr.join().unwrap_or_default(),
        timed_out,
        success: status.is_some_and(|s| s.success()),
        status: status
            .map(|s| s.to_string())
            .unwrap_or_else(|| "killed".into()),
    })
}

/// Parse `sat`/`unsat`/`unknown` and a `get-value` response.
pub fn parse_cli_answer(program: &str, stdout: &str, q: &Query) -> Result<Answer> {
    let first = stdout
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("");
    match first {
        "unsat" => return Ok(Answer::Unsat),
        "unknown" | "timeout" => return Ok(Answer::Unknown(format!("{program} answered {first}"))),
        "sat" => {}
        _ => bail!("{program} gave an unexpected answer: {}", stdout.trim()),
    }
    let tokens = tokenize(stdout);
    let mut values = HashMap::new();
    for (name, width) in &q.inputs {
        let sym = name.as_str();
        let pos = tokens
            .windows(2)
            .position(|w| w[0] == "(" && (w[1] == sym || w[1] == format!("|{sym}|")))
            .ok_or_else(|| anyhow!("{program} gave no value for `{name}`"))?;
        let v = &tokens[pos + 2..];
        let bits = if v[0].starts_with("#b") || v[0].starts_with("#x") {
            parse_literal(&v[0], *width)
        } else if v.len() >= 5 && v[0] == "(" && v[1] == "_" && v[2].starts_with("bv") {
            v[2][2..]
                .parse::<u128>()
                .ok()
                .map(|n| Bits::from_u128(*width, n))
        } else {
            None
        };
        values.insert(
            name.clone(),
            bits.ok_or_else(|| anyhow!("{program}: cannot read the value of `{name}`"))?,
        );
    }
    Ok(Answer::Sat(values))
}

fn parse_literal(s: &str, width: u32) -> Option<Bits> {
    if let Some(h) = s.strip_prefix("#x") {
        return Bits::parse_hex(width, h);
    }
    let b = s.strip_prefix("#b")?;
    let mut v = Bits::zero(width);
    for c in b.chars() {
        v = v
            .shl_by(1)
            .or(&Bits::from_u64(width, c.to_digit(2)? as u64));
    }
    Some(v)
}

fn tokenize(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for c in s.chars() {
        if c == '(' || c == ')' || c.is_whitespace() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            if !c.is_whitespace() {
                out.push(c.to_string());
            }
        } else {
            cur.push(c);
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query() -> Query {
        Query {
            body: "(declare-const x (_ BitVec 8))\n(assert (= x x))\n".into(),
            logic: "QF_BV",
            inputs: vec![("x".into(), 8)],
            comment: "test".into(),
        }
    }

    #[test]
    fn a_solver_that_dies_without_answering_is_unknown() {
        // As cvc5 1.0 does when its time limit expires inside CaDiCaL.
        let script = "echo 'cadical: fatal error: invalid API usage' >&2; kill -ABRT $$";
        match solve_cli("sh", &["-c", script, "solver"], &query(), 10_000).unwrap() {
            Answer::Unknown(why) => {
                assert!(why.contains("stopped without an answer"), "{why}");
                assert!(why.contains("cadical: fatal error"), "{why}");
            }
            other => panic!("expected unknown, got {other:?}"),
        }
    }

    #[test]
    fn garbage_on_stdout_is_an_error_not_an_answer() {
        let r = solve_cli("sh", &["-c", "echo maybe", "solver"], &query(), 10_000);
        assert!(r.is_err(), "{r:?}");
    }
}
