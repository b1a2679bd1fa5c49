//! Stage 4: strict SMT-LIB 2.6 text. The same text is written to `--smt-dir`,
//! parsed by the in-process z3 and fed to external solvers, so every answer
//! can be reproduced from the file. Sharing is kept with nullary `define-fun`s
//! (printing terms expanded grows exponentially on SHA-1 chains).

use std::fmt::Write;

use models::term::{Op, TermId, Terms};

use crate::abstraction::{definition, function_of};

pub struct Query {
    /// Declarations, definitions and assertions: what the in-process solver parses.
    pub body: String,
    pub logic: &'static str,
    /// Variables the model must give values for.
    pub inputs: Vec<(String, u32)>,
    pub comment: String,
}

impl Query {
    /// The self-contained file: options, logic, body, commands.
    pub fn file_text(&self) -> String {
        let mut s = String::new();
        for line in self.comment.lines() {
            let _ = writeln!(s, "; {line}");
        }
        s.push_str("(set-option :produce-models true)\n");
        let _ = writeln!(s, "(set-logic {})", self.logic);
        s.push_str(&self.body);
        s.push_str("(check-sat)\n");
        if !self.inputs.is_empty() {
            let names: Vec<&str> = self.inputs.iter().map(|(n, _)| n.as_str()).collect();
            let _ = writeln!(s, "(get-value ({}))", names.join(" "));
        }
        s.push_str("(exit)\n");
        s
    }
}

fn sort(w: u32) -> String {
    format!("(_ BitVec {w})")
}

/// SMT-LIB quoting for symbols that are not simple (dots are fine, `|` is not needed).
fn symbol(name: &str) -> String {
    let simple = !name.is_empty()
        && !name.chars().next().unwrap().is_ascii_digit()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "~!@$%^&*_-+=<>.?/".contains(c));
    if simple {
        name.to_string()
    } else {
        format!("|{name}|")
    }
}

/// `left != right` is unsatisfiable iff they are equal for all inputs.
/// Bool3 nodes become uninterpreted functions when `uninterpreted`, else their definitions.
pub fn inequivalence(
    t: &Terms,
    left: TermId,
    right: TermId,
    uninterpreted: bool,
    comment: &str,
) -> Query {
    let mut body = String::new();
    let order = t.postorder(&[left, right]);
    let mut name_of = std::collections::HashMap::new();
    let mut inputs = Vec::new();
    let mut ufs = std::collections::BTreeSet::new();
    for &id in &order {
        let n = t.node(id);
        if let Op::Var(v) = &n.op {
            let _ = writeln!(body, "(declare-fun {} () {})", symbol(v), sort(n.width));
            name_of.insert(id, symbol(v));
            inputs.push((v.clone(), n.width));
        }
        if let Op::Bool3(tt) = n.op {
            if uninterpreted {
                ufs.insert((tt, n.width));
            }
        }
    }
    for (tt, w) in &ufs {
        let f = function_of(*tt)
            .map(|f| f.to_string())
            .unwrap_or(format!("bool3_{tt:02x}"));
        let _ = writeln!(
            body,
            "(declare-fun {f}_{w} ({} {} {}) {})",
            sort(*w),
            sort(*w),
            sort(*w),
            sort(*w)
        );
    }
    for &id in &order {
        let n = t.node(id);
        let a = |i: usize| name_of[&n.args[i]].clone();
        let expr = match &n.op {
            Op::Var(_) => continue,
            Op::Const(b) => {
                name_of.insert(id, b.smtlib());
                continue;
            }
            Op::Extract(hi, lo) => format!("((_ extract {hi} {lo}) {})", a(0)),
            Op::Concat => format!("(concat {} {})", a(0), a(1)),
            Op::Bin(op) if op.is_comparison() => {
                format!("(ite ({} {} {}) #b1 #b0)", op.smtlib(), a(0), a(1))
            }
            Op::Bin(op) => format!("({} {} {})", op.smtlib(), a(0), a(1)),
            Op::Not => format!("(bvnot {})", a(0)),
            Op::Ite => format!("(ite (= {} #b1) {} {})", a(0), a(1), a(2)),
            Op::Bool3(tt) => match (uninterpreted, function_of(*tt)) {
                (true, f) => {
                    let f = f
                        .map(|f| f.to_string())
                        .unwrap_or(format!("bool3_{tt:02x}"));
                    format!("({f}_{} {} {} {})", n.width, a(0), a(1), a(2))
                }
                (false, Some(f)) => definition(f, &a(0), &a(1), &a(2)),
                (false, None) => generic_bool3(*tt, &a(0), &a(1), &a(2)),
            },
        };
        let name = format!("t{}", id.0);
        let _ = writeln!(body, "(define-fun {name} () {} {expr})", sort(n.width));
        name_of.insert(id, name);
    }
    let _ = writeln!(
        body,
        "(assert (not (= {} {})))",
        name_of[&left], name_of[&right]
    );
    Query {
        body,
        logic: if ufs.is_empty() { "QF_BV" } else { "QF_UFBV" },
        inputs,
        comment: comment.to_string(),
    }
}

/// Sum of products for any 3-input truth table.
fn generic_bool3(tt: u8, x: &str, y: &str, z: &str) -> String {
    let mut terms = Vec::new();
    for i in 0..8u8 {
        if tt >> i & 1 == 1 {
            let lit = |v: &str, b: u8| {
                if i >> b & 1 == 1 {
                    v.to_string()
                } else {
                    format!("(bvnot {v})")
                }
            };
            terms.push(format!(
                "(bvand (bvand {} {}) {})",
                lit(x, 2),
                lit(y, 1),
                lit(z, 0)
            ));
        }
    }
    match terms.len() {
        0 => format!("(bvxor {x} {x})"),
        _ => terms
            .into_iter()
            .reduce(|a, b| format!("(bvor {a} {b})"))
            .unwrap(),
    }
}

/// A lemma as a query: the formula differs from the definition somewhere?
pub fn lemma_query(l: &crate::abstraction::Lemma) -> Query {
    let mut body = String::new();
    for v in ["x", "y", "z"] {
        let _ = writeln!(body, "(declare-fun {v} () {})", sort(l.width));
    }
    let _ = writeln!(
        body,
        "(assert (not (= {} {})))",
        l.formula,
        definition(l.function, "x", "y", "z")
    );
    Query {
        body,
        logic: "QF_BV",
        inputs: ["x", "y", "z"]
            .iter()
            .map(|v| (v.to_string(), l.width))
            .collect(),
        comment: l.id(),
    }
}
