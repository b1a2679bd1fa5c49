//! Stage 3: the compositional encoding. Every 3-input bitwise sub-formula that
//! computes Choose, Parity or Majority is replaced by an application of a
//! shared uninterpreted function `choose`/`parity`/`majority`. Sound because
//! each replaced formula is proved equal to the function's definition once, as
//! a lemma (`Lemma::query`); what remains (adder chains over the functions'
//! outputs) is easy for a word-level solver, where the direct query is not.

use std::collections::{BTreeMap, HashMap};

use models::term::{Node, Op, TermId, Terms};
use models::{BinOp, Bool3};

/// `formula(x, y, z) == f(x, y, z)` for a formula shape found in the models.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Lemma {
    pub function: Bool3,
    /// The formula over `x`, `y`, `z` in SMT-LIB syntax.
    pub formula: String,
    pub width: u32,
}

impl Lemma {
    pub fn id(&self) -> String {
        format!("lemma: {} = {}", self.function, self.formula)
    }
}

/// The reference definitions (FIPS 180-4 forms), used by lemmas and by
/// direct (non-abstracted) queries.
pub fn definition(f: Bool3, x: &str, y: &str, z: &str) -> String {
    match f {
        Bool3::Choose => format!("(bvxor (bvand {x} {y}) (bvand (bvnot {x}) {z}))"),
        Bool3::Parity => format!("(bvxor (bvxor {x} {y}) {z})"),
        Bool3::Majority => {
            format!("(bvxor (bvxor (bvand {x} {y}) (bvand {x} {z})) (bvand {y} {z}))")
        }
    }
}

pub fn function_of(tt: u8) -> Option<Bool3> {
    [Bool3::Choose, Bool3::Parity, Bool3::Majority]
        .into_iter()
        .find(|f| f.truth_table() == tt)
}

fn is_bitwise(n: &Node) -> bool {
    matches!(n.op, Op::Not | Op::Bin(BinOp::And | BinOp::Or | BinOp::Xor))
}

pub struct Abstractor<'a> {
    t: &'a mut Terms,
    memo: HashMap<TermId, TermId>,
    /// Lemmas this abstraction relied on.
    pub lemmas: BTreeMap<String, Lemma>,
}

impl<'a> Abstractor<'a> {
    pub fn new(t: &'a mut Terms) -> Self {
        Abstractor {
            t,
            memo: HashMap::new(),
            lemmas: BTreeMap::new(),
        }
    }

    fn leaves(&self, x: TermId, out: &mut Vec<TermId>) {
        let n = self.t.node(x);
        if is_bitwise(n) {
            for &a in &n.args {
                self.leaves(a, out);
            }
        } else if !out.contains(&x) {
            out.push(x);
        }
    }

    /// Evaluate a bitwise formula with each leaf a single bit.
    fn eval_bit(&self, x: TermId, leaves: &[TermId], bits: [bool; 3]) -> bool {
        if let Some(i) = leaves.iter().position(|&l| l == x) {
            return bits[i];
        }
        let n = self.t.node(x);
        let a = |s: &Self, i: usize| s.eval_bit(n.args[i], leaves, bits);
        match n.op {
            Op::Not => !a(self, 0),
            Op::Bin(BinOp::And) => a(self, 0) & a(self, 1),
            Op::Bin(BinOp::Or) => a(self, 0) | a(self, 1),
            Op::Bin(BinOp::Xor) => a(self, 0) ^ a(self, 1),
            _ => unreachable!("leaves cover every non-bitwise node"),
        }
    }

    fn truth_table(&self, x: TermId, leaves: &[TermId]) -> u8 {
        let mut tt = 0;
        for i in 0..8u8 {
            let bits = [i >> 2 & 1 == 1, i >> 1 & 1 == 1, i & 1 == 1];
            tt |= (self.eval_bit(x, leaves, bits) as u8) << i;
        }
        tt
    }

    fn formula_text(&self, x: TermId, leaves: &[TermId]) -> String {
        if let Some(i) = leaves.iter().position(|&l| l == x) {
            return ["x", "y", "z"][i].to_string();
        }
        let n = self.t.node(x);
        let args: Vec<String> = n
            .args
            .iter()
            .map(|&a| self.formula_text(a, leaves))
            .collect();
        match n.op {
            Op::Not => format!("(bvnot {})", args[0]),
            Op::Bin(op) => format!("({} {} {})", op.smtlib(), args[0], args[1]),
            _ => unreachable!(),
        }
    }

    /// If `x` is a bitwise formula over three leaves computing a SHA-1
    /// function, the function and its arguments in the function's order.
    fn recognise(&self, x: TermId) -> Option<(Bool3, Vec<TermId>)> {
        let n = self.t.node(x);
        if !is_bitwise(n) || n.op == Op::Not {
            return None;
        }
        let mut leaves = Vec::new();
        self.leaves(x, &mut leaves);
        if leaves.len() != 3
            || leaves
                .iter()
                .any(|&l| matches!(self.t.node(l).op, Op::Const(_)))
        {
            return None;
        }
        leaves.sort();
        const PERMS: [[usize; 3]; 6] = [
            [0, 1, 2],
            [0, 2, 1],
            [1, 0, 2],
            [1, 2, 0],
            [2, 0, 1],
            [2, 1, 0],
        ];
        for p in PERMS {
            let ordered: Vec<TermId> = p.iter().map(|&i| leaves[i]).collect();
            if let Some(f) = function_of(self.truth_table(x, &ordered)) {
                return Some((f, ordered));
            }
        }
        None
    }

    pub fn run(&mut self, root: TermId) -> TermId {
        if let Some(&r) = self.memo.get(&root) {
            return r;
        }
        let out = if let Some((f, args)) = self.recognise(root) {
            let formula = self.formula_text(root, &args);
            let lemma = Lemma {
                function: f,
                formula,
                width: self.t.node(root).width,
            };
            self.lemmas.insert(lemma.id(), lemma);
            let args: Vec<TermId> = args.iter().map(|&a| self.run(a)).collect();
            self.t.mk(Op::Bool3(f.truth_table()), args)
        } else {
            let n = self.t.node(root).clone();
            if n.args.is_empty() {
                root
            } else {
                let args: Vec<TermId> = n.args.iter().map(|&a| self.run(a)).collect();
                self.t.mk(n.op, args)
            }
        };
        self.memo.insert(root, out);
        out
    }
}
