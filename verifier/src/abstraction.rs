//! Stage 3: the compositional encoding. Two kinds of shared functions:
//! - every 3-input bitwise sub-formula that computes Choose, Parity or Majority becomes an
//!   application of a shared uninterpreted function `choose`/`parity`/`majority`;
//! - every byte-valued sub-term that is a function of one byte and computes a known table
//!   (AES's S-boxes, products in GF(2^8)) becomes that table applied to the byte.
//!
//! Sound because each replaced formula is proved equal to the function's definition once, as
//! a lemma (`smtlib::lemma_query`); what remains (adder chains over the functions' outputs, or
//! XORs of table applications) is easy for a word-level solver or closes by normalisation,
//! where the direct query is not.

use std::collections::{BTreeMap, HashMap, HashSet};

use models::term::{Node, Op, TermId, Terms};
use models::{BinOp, Bits, Bool3, Domain, Table};

/// The function a lemma says a formula computes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Function {
    Bool3(Bool3),
    Table(Table),
}

impl std::fmt::Display for Function {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Function::Bool3(b) => b.fmt(f),
            Function::Table(t) => t.fmt(f),
        }
    }
}

/// `formula == function` for a formula shape found in the models.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Lemma {
    pub function: Function,
    /// For a Bool3 lemma, the formula over `x`, `y`, `z` in SMT-LIB syntax. For a table
    /// lemma, SMT-LIB `define-fun`s over the byte `z` whose last one, `f`, is the formula.
    pub formula: String,
    pub width: u32,
    /// Operations in a table lemma's formula (for its name; 0 for Bool3).
    pub size: usize,
    /// A table lemma's byte function evaluated on all 256 inputs (empty for Bool3): the
    /// lemma is proved by comparing them with the table, no solver needed.
    pub values: Vec<u8>,
}

impl Lemma {
    pub fn id(&self) -> String {
        match self.function {
            Function::Bool3(_) => format!("lemma: {} = {}", self.function, self.formula),
            // Table formulas are whole circuits: name them by a hash of their text.
            Function::Table(_) => format!(
                "lemma: {} = byte function {:016x} ({} operations)",
                self.function,
                fnv1a64(self.formula.as_bytes()),
                self.size
            ),
        }
    }
}

/// Stable across Rust versions, so lemma ids are too.
fn fnv1a64(data: &[u8]) -> u64 {
    data.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| {
        (h ^ b as u64).wrapping_mul(0x100_0000_01b3)
    })
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

    /// The distinct non-bitwise sub-terms a bitwise formula combines, walked as a tree, or
    /// false once the walk has taken `budget` steps (a large XOR network is no 3-input
    /// function, and walking it as a tree takes exponential time).
    fn leaves(&self, x: TermId, out: &mut Vec<TermId>, budget: &mut usize) -> bool {
        if *budget == 0 {
            return false;
        }
        *budget -= 1;
        let n = self.t.node(x);
        if is_bitwise(n) {
            n.args.iter().all(|&a| self.leaves(a, out, budget))
        } else {
            if !out.contains(&x) {
                out.push(x);
            }
            true
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
        if !self.leaves(x, &mut leaves, &mut 256)
            || leaves.len() != 3
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
                function: Function::Bool3(f),
                formula,
                width: self.t.node(root).width,
                size: 0,
                values: vec![],
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

/// Byte sub-terms larger than this are not tried as table formulas (their cones are whole
/// rounds, never one byte's function).
const MAX_BYTE_CONE: usize = 20_000;

/// Replaces byte-valued sub-terms that compute a known table of one byte by that table:
/// for an 8-bit node `o`, every 8-bit node `x` that lies on all paths from `o` to the
/// variables is a candidate; `o` with `x` replaced by a fresh byte `z` is then a closed
/// function of `z`, tabulated on all 256 values. If the table is a known one, `o` becomes
/// `Table(T, x)`, and the lemma `formula(z) == T(z)` is recorded (and later proved by the
/// solver, independently of this enumeration).
pub struct ByteAbstractor<'a> {
    t: &'a mut Terms,
    /// Recognition results by node: the table and its argument, or None.
    recognised: HashMap<TermId, Recognition>,
    pub lemmas: BTreeMap<String, Lemma>,
}

/// The byte variable of table lemmas.
pub const BYTE_VAR: &str = "abstraction.byte";

impl<'a> ByteAbstractor<'a> {
    pub fn new(t: &'a mut Terms) -> Self {
        ByteAbstractor {
            t,
            recognised: HashMap::new(),
            lemmas: BTreeMap::new(),
        }
    }

    /// `root` with each largest byte-valued sub-term that is a known table of one byte
    /// replaced by that table applied to the byte. Lanes are localised first, so that a
    /// byte's cone is that byte's computation rather than the whole vector's.
    pub fn run(&mut self, root: TermId) -> TermId {
        let original = root;
        let root = self.bytes_of(root);
        let order = self.t.postorder(&[root]); // children first
                                               // Parents before children: a node is tried only if some path from the root reaches
                                               // it without passing through a recognised node (largest functions win).
        let mut needed: HashSet<TermId> = HashSet::from([root]);
        let mut not_tried: HashSet<TermId> = HashSet::new();
        let mut any = false;
        for &id in order.iter().rev() {
            if !needed.contains(&id) {
                continue;
            }
            if not_tried.contains(&id) {
                needed.extend(self.t.node(id).args.iter().copied());
                continue;
            }
            let hit = match self.recognised.get(&id) {
                Some(r) => *r,
                None => {
                    let r = self.recognise(id);
                    self.recognised.insert(id, r);
                    r
                }
            };
            match hit {
                Recognition::Known(_, x) => {
                    any = true;
                    needed.insert(x);
                }
                Recognition::Unknown(x) => {
                    let below: HashSet<TermId> = self.t.postorder(&[x]).into_iter().collect();
                    not_tried.extend(
                        self.t
                            .postorder(&[id])
                            .into_iter()
                            .filter(|n| !below.contains(n)),
                    );
                    needed.extend(self.t.node(id).args.iter().copied());
                }
                Recognition::No => needed.extend(self.t.node(id).args.iter().copied()),
            }
        }
        if !any {
            return original;
        }
        let mut map: HashMap<TermId, TermId> = HashMap::new();
        for id in order {
            if !needed.contains(&id) {
                continue;
            }
            let new = if let Some(Recognition::Known(table, x)) = self.recognised.get(&id) {
                let (table, x) = (*table, map[x]);
                self.t.table(table, &x)
            } else {
                let n = self.t.node(id).clone();
                let args: Vec<TermId> = n.args.iter().map(|a| map[a]).collect();
                if args == n.args {
                    id
                } else {
                    self.t.mk(n.op, args)
                }
            };
            map.insert(id, new);
        }
        map[&root]
    }

    /// A value as the concatenation of its bytes, each localised to its own computation
    /// (a 128-bit XOR of byte-wise results becomes 16 byte XORs).
    fn bytes_of(&mut self, root: TermId) -> TermId {
        let w = self.t.node(root).width;
        let root = self.t.localise(root);
        if w <= 8 || !w.is_multiple_of(8) {
            return root;
        }
        let mut out = self.t.extract(&root, 7, 0);
        for i in 1..w / 8 {
            let b = self.t.extract(&root, 8 * i + 7, 8 * i);
            out = self.t.concat(&b, &out);
        }
        self.t.localise(out)
    }

    /// Nodes on every path from `o` to a variable, nearest to `o` first (excluding `o`).
    fn cuts(&self, o: TermId) -> Option<Vec<TermId>> {
        let order = self.t.postorder(&[o]); // children first
        if order.len() > MAX_BYTE_CONE {
            return None;
        }
        let index: HashMap<TermId, usize> =
            order.iter().enumerate().map(|(i, &t)| (t, i)).collect();
        let n = order.len();
        // Topological order from o: reverse postorder. Position in it = rank.
        let rank = |i: usize| n - 1 - i;
        let mut preds: Vec<Vec<usize>> = vec![Vec::new(); n];
        let mut vars = Vec::new();
        for (i, &t) in order.iter().enumerate() {
            let node = self.t.node(t);
            if let Op::Var(_) = node.op {
                vars.push(i);
            }
            for a in &node.args {
                preds[index[a]].push(i);
            }
        }
        if vars.is_empty() {
            return None;
        }
        // Immediate dominators in the DAG rooted at o (all predecessors come earlier in
        // topological order), by walking the dominator tree up to a common ancestor.
        let root = index[&o];
        let mut idom: Vec<Option<usize>> = vec![None; n];
        idom[root] = Some(root);
        let intersect = |idom: &[Option<usize>], mut a: usize, mut b: usize| {
            while a != b {
                while rank(a) > rank(b) {
                    a = idom[a].expect("processed");
                }
                while rank(b) > rank(a) {
                    b = idom[b].expect("processed");
                }
            }
            a
        };
        for i in (0..n).rev() {
            if i == root {
                continue;
            }
            let mut d: Option<usize> = None;
            for &p in &preds[i] {
                if idom[p].is_none() {
                    continue;
                }
                d = Some(match d {
                    None => p,
                    Some(d) => intersect(&idom, d, p),
                });
            }
            idom[i] = d;
        }
        // The sink every variable flows into.
        let mut d = vars[0];
        for &v in &vars[1..] {
            d = intersect(&idom, d, v);
        }
        let mut chain = Vec::new();
        while d != root {
            chain.push(order[d]);
            d = idom[d].expect("dominated");
        }
        chain.reverse();
        Some(chain)
    }

    fn recognise(&mut self, o: TermId) -> Recognition {
        let node = self.t.node(o);
        if node.width != 8
            || matches!(
                node.op,
                Op::Var(_) | Op::Const(_) | Op::Table(_) | Op::Extract(..)
            )
        {
            return Recognition::No;
        }
        let z = self.t.var(BYTE_VAR, 8);
        let Some(cuts) = self.cuts(o) else {
            return Recognition::No;
        };
        let mut unknown = None;
        for x in cuts {
            if self.t.node(x).width != 8 {
                continue;
            }
            let f = self.t.substitute(o, x, z);
            if self.t.vars(&[f]) != vec![(BYTE_VAR.to_string(), 8)] {
                continue;
            }
            let mut entries = [0u8; 256];
            for (v, e) in entries.iter_mut().enumerate() {
                let env = HashMap::from([(BYTE_VAR.to_string(), Bits::from_u64(8, v as u64))]);
                match self.t.eval(&[f], &env) {
                    Ok(r) => *e = r[0].to_u64() as u8,
                    Err(_) => return Recognition::No,
                }
            }
            let Some(table) = Table::identify(&entries) else {
                unknown = Some(x);
                continue;
            };
            let formula = crate::smtlib::byte_function(self.t, f, BYTE_VAR);
            let lemma = Lemma {
                function: Function::Table(table),
                size: self.t.postorder(&[f]).len(),
                formula,
                width: 8,
                values: entries.to_vec(),
            };
            self.lemmas.insert(lemma.id(), lemma);
            return Recognition::Known(table, x);
        }
        match unknown {
            Some(x) => Recognition::Unknown(x),
            None => Recognition::No,
        }
    }
}

/// What a byte-valued node is as a function of one byte.
#[derive(Copy, Clone)]
enum Recognition {
    /// A known table of the byte `x`.
    Known(Table, TermId),
    /// A function of the byte `x` that is no known table: the nodes between it and `x`
    /// are functions of `x` too, and are not tried again.
    Unknown(TermId),
    No,
}
