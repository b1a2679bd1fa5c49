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

/// Terms printed as SMT-LIB: declarations of their variables, definitions of every node
/// (sharing kept), and the name of each node.
struct Printed {
    body: String,
    names: std::collections::HashMap<TermId, String>,
    inputs: Vec<(String, u32)>,
    /// Whether uninterpreted functions were declared.
    uf: bool,
}

/// Bool3 and Table nodes become uninterpreted functions when `uninterpreted`, else their
/// definitions.
fn print(t: &Terms, roots: &[TermId], uninterpreted: bool) -> Printed {
    print_named(t, roots, uninterpreted, false)
}

/// [`print`]; with `canonical`, definitions are numbered in order (`t0`, `t1`, ...) instead
/// of by term id, so the same formula prints the same text from any term arena.
fn print_named(t: &Terms, roots: &[TermId], uninterpreted: bool, canonical: bool) -> Printed {
    let mut body = String::new();
    let order = t.postorder(roots);
    let mut name_of = std::collections::HashMap::new();
    let mut inputs = Vec::new();
    let mut ufs = std::collections::BTreeSet::new();
    let mut tables = std::collections::BTreeSet::new();
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
        if let Op::Table(table) = n.op {
            tables.insert(table);
        }
    }
    for table in &tables {
        body.push_str(&table_definition(*table, uninterpreted));
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
            Op::Table(table) => format!("({table} {})", a(0)),
        };
        let name = if canonical {
            format!("t{}", name_of.len())
        } else {
            format!("t{}", id.0)
        };
        let _ = writeln!(body, "(define-fun {name} () {} {expr})", sort(n.width));
        name_of.insert(id, name);
    }
    Printed {
        body,
        names: name_of,
        inputs,
        uf: !ufs.is_empty() || (uninterpreted && !tables.is_empty()),
    }
}

/// A table as an uninterpreted byte function, or as its 256 entries.
fn table_definition(table: models::Table, uninterpreted: bool) -> String {
    if uninterpreted {
        format!("(declare-fun {table} ({}) {})\n", sort(8), sort(8))
    } else {
        format!(
            "(define-fun {table} ((x {})) {} {})\n",
            sort(8),
            sort(8),
            table_tree(&table.entries(), 7, 0)
        )
    }
}

/// `left != right` is unsatisfiable iff they are equal for all inputs.
/// Bool3 and Table nodes become uninterpreted functions when `uninterpreted`, else their
/// definitions.
pub fn inequivalence(
    t: &Terms,
    left: TermId,
    right: TermId,
    uninterpreted: bool,
    comment: &str,
) -> Query {
    let p = print(t, &[left, right], uninterpreted);
    let mut body = p.body;
    let _ = writeln!(
        body,
        "(assert (not (= {} {})))",
        p.names[&left], p.names[&right]
    );
    Query {
        body,
        logic: if p.uf { "QF_UFBV" } else { "QF_BV" },
        inputs: p.inputs,
        comment: comment.to_string(),
    }
}

/// A byte function of the variable `var` as SMT-LIB definitions whose last, `f`, is its
/// value (for table lemmas: self-contained, tables defined by their entries).
pub fn byte_function(t: &Terms, f: TermId, var: &str) -> String {
    let p = print_named(t, &[f], false, true);
    let _ = var;
    format!("{}(define-fun f () {} {})\n", p.body, sort(8), p.names[&f])
}

/// A table's entries as a decision tree on the bits of its argument `x`, from bit `bit` down:
/// `entries[prefix..]` with the higher bits already fixed to `prefix`.
fn table_tree(entries: &[u8; 256], bit: i32, prefix: usize) -> String {
    if bit < 0 {
        return format!("#x{:02x}", entries[prefix]);
    }
    let zero = table_tree(entries, bit - 1, prefix);
    let one = table_tree(entries, bit - 1, prefix | 1 << bit);
    if zero == one {
        return zero;
    }
    format!("(ite (= ((_ extract {bit} {bit}) x) #b1) {one} {zero})")
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
    use crate::abstraction::Function;
    let mut body = String::new();
    match l.function {
        Function::Bool3(f) => {
            for v in ["x", "y", "z"] {
                let _ = writeln!(body, "(declare-fun {v} () {})", sort(l.width));
            }
            let _ = writeln!(
                body,
                "(assert (not (= {} {})))",
                l.formula,
                definition(f, "x", "y", "z")
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
        Function::Table(table) => {
            body.push_str(&l.formula);
            if !l.formula.contains(&format!("(define-fun {table} ")) {
                body.push_str(&table_definition(table, false));
            }
            let z = symbol(crate::abstraction::BYTE_VAR);
            let _ = writeln!(body, "(assert (not (= f ({table} {z}))))");
            Query {
                body,
                logic: "QF_BV",
                inputs: vec![(crate::abstraction::BYTE_VAR.to_string(), 8)],
                comment: l.id(),
            }
        }
    }
}
