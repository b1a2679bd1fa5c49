//! Reports: one human line per obligation (full counterexample reports for
//! failures), the `--json` document for machines, and `--junit` XML for CI systems.

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
    /// `--cross-check`: the second method's verdict (absent when not asked, or for table
    /// checks and `ct`, which have no second method).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cross_check: Option<JsonCross>,
    /// The Wasm modules the `wasm` layer ran (role, path, hash); empty without one.
    pub modules: &'a [crate::counterexample::ModuleRef],
}

#[derive(Serialize)]
pub struct JsonCross {
    pub verdict: &'static str,
    pub detail: String,
    pub solver: &'static str,
    /// Always false: the point of the second method.
    pub normalised: bool,
    pub milliseconds: f64,
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
    /// `--cross-check`: proofs the normaliser-free method confirmed, and those it could not
    /// decide (errors count as not decided).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cross_checked: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cross_undecided: Option<usize>,
}

pub fn summary(outcomes: &[Outcome], wall_ms: f64) -> Summary {
    let mut s = Summary {
        total: outcomes.len(),
        total_milliseconds: wall_ms as u64,
        ..Default::default()
    };
    for o in outcomes {
        if let Some(c) = &o.cross {
            let confirmed = s.cross_checked.get_or_insert(0);
            let undecided = s.cross_undecided.get_or_insert(0);
            match c.verdict {
                Verdict::Proved(_) => *confirmed += 1,
                // A refutation replaced the first verdict and is counted there.
                Verdict::Counterexample(_) => {}
                Verdict::Unknown(_) | Verdict::Error(_) => *undecided += 1,
            }
        }
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
        cross_check: o.cross.as_ref().map(|c| JsonCross {
            verdict: c.verdict.name(),
            detail: detail(&c.verdict),
            solver: c.solver.name(),
            normalised: false,
            milliseconds: (c.ms * 1000.0).round() / 1000.0,
        }),
        modules: &o.modules,
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
    if let Some(c) = &o.cross {
        let _ = write!(
            s,
            "\n                cross-check without the normaliser ({}): {} ({}, {:.1} ms)",
            c.solver.name(),
            c.verdict.name(),
            detail(&c.verdict),
            c.ms
        );
    }
    if let Some(p) = &o.saved {
        let _ = write!(s, "\n                saved {}", p.display());
    }
    s
}

pub fn summary_line(s: &Summary) -> String {
    let mut line = format!(
        "{} obligations: {} proved, {} counterexample, {} unknown, {} error ({:.2} s)",
        s.total,
        s.proved,
        s.counterexample,
        s.unknown,
        s.error,
        s.total_milliseconds as f64 / 1e3
    );
    if s.cross_checked.is_some() || s.cross_undecided.is_some() {
        let _ = write!(
            line,
            "\ncross-check without the normaliser: {} proofs confirmed, {} undecided",
            s.cross_checked.unwrap_or(0),
            s.cross_undecided.unwrap_or(0)
        );
    }
    line
}

/// `s` with the five XML special characters escaped (for attributes and text), and control
/// characters other than tab and newline dropped (XML 1.0 cannot carry them).
fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' => out.push(c),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// The outcomes as JUnit XML: one `<testsuite>` per family (lemmas in `lemmas`), one
/// `<testcase>` per obligation. A counterexample is a `<failure>` carrying its report; an
/// error is an `<error>`; an `unknown` is an `<error type="unknown">` too, so that a CI system
/// never counts an undecided obligation as passed.
pub fn junit(outcomes: &[Outcome], wall_ms: f64) -> String {
    let mut suites: Vec<(&str, Vec<&Outcome>)> = Vec::new();
    for o in outcomes {
        let name = if o.family == "-" {
            "lemmas"
        } else {
            o.family.as_str()
        };
        match suites.iter_mut().find(|(n, _)| *n == name) {
            Some((_, v)) => v.push(o),
            None => suites.push((name, vec![o])),
        }
    }
    let count =
        |os: &[&Outcome], f: fn(&Verdict) -> bool| os.iter().filter(|o| f(&o.verdict)).count();
    let failures = |v: &Verdict| matches!(v, Verdict::Counterexample(_));
    let errors = |v: &Verdict| matches!(v, Verdict::Error(_) | Verdict::Unknown(_));
    let all: Vec<&Outcome> = outcomes.iter().collect();
    let mut x = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        x,
        "<testsuites name=\"verifier check\" tests=\"{}\" failures=\"{}\" errors=\"{}\" time=\"{:.3}\">",
        all.len(),
        count(&all, failures),
        count(&all, errors),
        wall_ms / 1e3
    );
    for (name, os) in &suites {
        let time: f64 = os.iter().map(|o| o.ms).sum::<f64>() / 1e3;
        let _ = writeln!(
            x,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" time=\"{time:.3}\">",
            xml_escape(name),
            os.len(),
            count(os, failures),
            count(os, errors)
        );
        for o in os {
            let _ = write!(
                x,
                "    <testcase classname=\"{}.{}\" name=\"{}\" time=\"{:.3}\"",
                xml_escape(name),
                xml_escape(&o.intrinsic),
                xml_escape(&o.id),
                o.ms / 1e3
            );
            match &o.verdict {
                Verdict::Proved(_) => x.push_str("/>\n"),
                Verdict::Counterexample(c) => {
                    let _ = writeln!(
                        x,
                        ">\n      <failure type=\"counterexample\" message=\"{}\">{}</failure>\n    </testcase>",
                        xml_escape(&detail(&o.verdict)),
                        xml_escape(&c.render())
                    );
                }
                Verdict::Unknown(r) | Verdict::Error(r) => {
                    let _ = writeln!(
                        x,
                        ">\n      <error type=\"{}\" message=\"{}\"/>\n    </testcase>",
                        o.verdict.name(),
                        xml_escape(r)
                    );
                }
            }
        }
        x.push_str("  </testsuite>\n");
    }
    x.push_str("</testsuites>\n");
    x
}
