//! Reports: one human line per obligation (full counterexample reports for
//! failures) and the `--json` document for machines.

use std::fmt::Write;

use serde::Serialize;

use crate::check::{Outcome, Verdict};
use crate::layer::Layer;

#[derive(Serialize)]
pub struct JsonEntry<'a> {
    /// `-` for lemmas, which the families share.
    pub family: &'a str,
    pub obligation: &'a str,
    pub intrinsic: &'a str,
    pub kind: &'a str,
    pub left: Layer,
    pub right: Layer,
    pub verdict: &'a str,
    /// How it was proved, or why it is unknown/an error.
    pub detail: String,
    pub milliseconds: f64,
    pub counterexample: Option<String>,
}

#[derive(Serialize)]
pub struct JsonReport<'a> {
    pub schema: &'static str,
    /// The families checked, and their spec files.
    pub families: Vec<&'a str>,
    pub specs: Vec<String>,
    pub variant: Option<String>,
    pub solver: &'a str,
    pub obligations: Vec<JsonEntry<'a>>,
    pub summary: Summary,
    pub exit_code: i32,
}

#[derive(Serialize, Default, Debug, PartialEq, Eq)]
pub struct Summary {
    pub total: usize,
    pub proved: usize,
    pub counterexample: usize,
    pub unknown: usize,
    pub error: usize,
    pub total_milliseconds: u64,
}

pub fn summary(outcomes: &[Outcome], wall_ms: f64) -> Summary {
    let mut s = Summary {
        total: outcomes.len(),
        total_milliseconds: wall_ms as u64,
        ..Default::default()
    };
    for o in outcomes {
        match o.verdict {
            Verdict::Proved(_) => s.proved += 1,
            Verdict::Counterexample(_) => s.counterexample += 1,
            Verdict::Unknown(_) => s.unknown += 1,
            Verdict::Error(_) => s.error += 1,
        }
    }
    s
}

pub fn detail(v: &Verdict) -> String {
    match v {
        Verdict::Proved(m) => m.to_string(),
        Verdict::Counterexample(c) => format!("found by {}", c.found_by),
        Verdict::Unknown(r) | Verdict::Error(r) => r.clone(),
    }
}

pub fn json_entry(o: &Outcome) -> JsonEntry<'_> {
    JsonEntry {
        family: &o.family,
        obligation: &o.id,
        intrinsic: &o.intrinsic,
        kind: o.kind,
        left: o.left,
        right: o.right,
        verdict: o.verdict.name(),
        detail: detail(&o.verdict),
        milliseconds: (o.ms * 1000.0).round() / 1000.0,
        counterexample: o.saved.as_ref().map(|p| p.display().to_string()),
    }
}

/// One line per outcome, like a test runner.
pub fn line(o: &Outcome) -> String {
    let mut s = format!(
        "{:<15} {}  ({}, {:.1} ms)",
        o.verdict.name(),
        o.id,
        detail(&o.verdict),
        o.ms
    );
    if let Some(p) = &o.saved {
        let _ = write!(s, "\n                saved {}", p.display());
    }
    s
}

pub fn summary_line(s: &Summary) -> String {
    format!(
        "{} obligations: {} proved, {} counterexample, {} unknown, {} error ({:.2} s)",
        s.total,
        s.proved,
        s.counterexample,
        s.unknown,
        s.error,
        s.total_milliseconds as f64 / 1e3
    )
}
