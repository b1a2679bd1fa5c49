//! Symbolic interpretation: a hash-consed term DAG. Structurally equal terms
//! share one id, so equality of ids is syntactic equality.

use std::collections::HashMap;

use crate::bits::Bits;
use crate::domain::{BinOp, Domain};
use crate::table::Table;

#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TermId(pub u32);

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Op {
    Var(String),
    Const(Bits),
    Extract(u32, u32),
    Concat,
    Bin(BinOp),
    Not,
    Ite,
    /// A 3-input bitwise function given by its truth table (bit `x<<2|y<<1|z`).
    /// Produced by abstraction; the SMT encoder may leave it uninterpreted.
    Bool3(u8),
    /// A known byte function applied to one 8-bit argument (`Domain::table`).
    Table(Table),
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Node {
    pub op: Op,
    pub args: Vec<TermId>,
    pub width: u32,
}

/// A fast, deterministic hasher for the term store's maps (the multiply-and-rotate word hash
/// rustc uses internally): terms are small integers and short node records, for which the
/// default SipHash (built against hash flooding, not a concern here) dominated the profiles.
#[derive(Default, Clone, Copy)]
pub struct WordHasher(u64);

impl std::hash::Hasher for WordHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.write_u64(u64::from_le_bytes(word));
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
    fn write_u32(&mut self, n: u32) {
        self.write_u64(n as u64);
    }
    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }
    fn write_u8(&mut self, n: u8) {
        self.write_u64(n as u64);
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

/// A `HashMap` with [`WordHasher`].
pub type FastMap<K, V> = HashMap<K, V, std::hash::BuildHasherDefault<WordHasher>>;

#[derive(Default, Clone)]
pub struct Terms {
    nodes: Vec<Node>,
    index: FastMap<Node, TermId>,
    var_widths: HashMap<String, u32>,
    /// `postorder`'s visited marks, reused across calls: a node is visited in the current
    /// walk when its mark equals the walk's number. Walks of small cones in a large store
    /// (the byte abstraction makes thousands) then cost their cone, not the store's size.
    marks: std::cell::RefCell<(u32, Vec<u32>)>,
}

impl Terms {
    pub fn new() -> Terms {
        Terms::default()
    }

    pub fn node(&self, t: TermId) -> &Node {
        &self.nodes[t.0 as usize]
    }

    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// Insert a node as is (no simplification): hash-consing only.
    pub fn intern(&mut self, node: Node) -> TermId {
        if let Some(&id) = self.index.get(&node) {
            return id;
        }
        let id = TermId(self.nodes.len() as u32);
        self.nodes.push(node.clone());
        self.index.insert(node, id);
        id
    }

    pub fn var(&mut self, name: &str, width: u32) -> TermId {
        if let Some(&w) = self.var_widths.get(name) {
            assert_eq!(w, width, "variable {name} used at two widths");
        }
        self.var_widths.insert(name.to_string(), width);
        self.intern(Node {
            op: Op::Var(name.to_string()),
            args: vec![],
            width,
        })
    }

    pub fn mk(&mut self, op: Op, args: Vec<TermId>) -> TermId {
        let width = self.result_width(&op, &args);
        self.intern(Node { op, args, width })
    }

    fn result_width(&self, op: &Op, args: &[TermId]) -> u32 {
        let w = |i: usize| self.node(args[i]).width;
        match op {
            Op::Var(_) => unreachable!("variables are made by Terms::var"),
            Op::Const(b) => b.width(),
            Op::Extract(hi, lo) => {
                assert!(hi >= lo && *hi < w(0), "extract {hi}:{lo} of {} bits", w(0));
                hi - lo + 1
            }
            Op::Concat => w(0) + w(1),
            Op::Bin(b) if b.is_comparison() => {
                assert_eq!(w(0), w(1), "{b:?} width mismatch");
                1
            }
            Op::Bin(b) => {
                assert_eq!(w(0), w(1), "{b:?} width mismatch");
                w(0)
            }
            Op::Not => w(0),
            Op::Ite => {
                assert_eq!(w(0), 1, "ite condition must be 1 bit");
                assert_eq!(w(1), w(2), "ite arms differ in width");
                w(1)
            }
            Op::Bool3(_) => {
                assert!(w(0) == w(1) && w(1) == w(2), "bool3 width mismatch");
                w(0)
            }
            Op::Table(_) => {
                assert_eq!(w(0), 8, "a table takes a byte");
                8
            }
        }
    }

    /// `root` with every occurrence of `from` replaced by `to` (same width).
    pub fn substitute(&mut self, root: TermId, from: TermId, to: TermId) -> TermId {
        let mut map: FastMap<TermId, TermId> = FastMap::from_iter([(from, to)]);
        for t in self.postorder(&[root]) {
            if map.contains_key(&t) {
                continue;
            }
            let n = self.node(t).clone();
            let args: Vec<TermId> = n.args.iter().map(|a| map[a]).collect();
            let new = if args == n.args {
                t
            } else {
                self.mk(n.op, args)
            };
            map.insert(t, new);
        }
        map[&root]
    }

    /// `root` with every extract pushed through concats, extracts, bitwise operators and
    /// if-then-else down to where the bits are computed, so that a lane's value mentions only
    /// the operations of that lane (no whole-vector node in between). Bit-for-bit the same
    /// function; nothing is split finer than the extracts already are.
    pub fn localise(&mut self, root: TermId) -> TermId {
        let mut map: FastMap<TermId, TermId> = FastMap::default();
        let mut narrowed: FastMap<(TermId, u32, u32), TermId> = FastMap::default();
        for t in self.postorder(&[root]) {
            let n = self.node(t).clone();
            let args: Vec<TermId> = n.args.iter().map(|a| map[a]).collect();
            let new = match n.op {
                Op::Extract(hi, lo) => self.narrow(args[0], hi, lo, &mut narrowed),
                _ if args == n.args => t,
                op => self.mk(op, args),
            };
            map.insert(t, new);
        }
        map[&root]
    }

    /// Bits `hi..=lo` of `t`, built from the same bits of its operands where that is exact.
    fn narrow(
        &mut self,
        t: TermId,
        hi: u32,
        lo: u32,
        memo: &mut FastMap<(TermId, u32, u32), TermId>,
    ) -> TermId {
        let n = self.node(t).clone();
        assert!(
            hi < n.width,
            "narrowing {:?} of {} bits to {hi}:{lo}",
            n.op,
            n.width
        );
        if lo == 0 && hi + 1 == n.width {
            return t;
        }
        if let Some(&r) = memo.get(&(t, hi, lo)) {
            return r;
        }
        // Operations are split no finer than bytes: a few bits of a byte are taken from that
        // byte's own node, which stays the one place its value is computed.
        let structural = matches!(n.op, Op::Const(_) | Op::Extract(..) | Op::Concat);
        if !structural
            && n.width > 8
            && hi / 8 == lo / 8
            && hi - lo + 1 < 8
            && hi / 8 * 8 + 7 < n.width
        {
            let byte = self.narrow(t, hi / 8 * 8 + 7, hi / 8 * 8, memo);
            let r = self.mk(Op::Extract(hi % 8, lo % 8), vec![byte]);
            memo.insert((t, hi, lo), r);
            return r;
        }
        if !structural && n.width <= 8 {
            return self.mk(Op::Extract(hi, lo), vec![t]);
        }
        let r = match n.op {
            Op::Const(c) => self.mk(Op::Const(c.extract(hi, lo)), vec![]),
            Op::Extract(_, inner_lo) => self.narrow(n.args[0], hi + inner_lo, lo + inner_lo, memo),
            Op::Concat => {
                let low_width = self.node(n.args[1]).width;
                if hi < low_width {
                    self.narrow(n.args[1], hi, lo, memo)
                } else if lo >= low_width {
                    self.narrow(n.args[0], hi - low_width, lo - low_width, memo)
                } else {
                    let high = self.narrow(n.args[0], hi - low_width, 0, memo);
                    let low = self.narrow(n.args[1], low_width - 1, lo, memo);
                    self.mk(Op::Concat, vec![high, low])
                }
            }
            Op::Bin(op @ (BinOp::And | BinOp::Or | BinOp::Xor)) => {
                let a = self.narrow(n.args[0], hi, lo, memo);
                let b = self.narrow(n.args[1], hi, lo, memo);
                self.mk(Op::Bin(op), vec![a, b])
            }
            Op::Not => {
                let a = self.narrow(n.args[0], hi, lo, memo);
                self.mk(Op::Not, vec![a])
            }
            // Shifts by constants move the range; bits shifted in are zeros.
            Op::Bin(op @ (BinOp::Shl | BinOp::Lshr))
                if matches!(self.node(n.args[1]).op, Op::Const(_)) =>
            {
                let Op::Const(k) = &self.node(n.args[1]).op else {
                    unreachable!()
                };
                let w = n.width;
                let k = if k.ult(&Bits::from_u64(k.width(), w as u64)) {
                    k.to_u64() as u32
                } else {
                    w
                };
                // Source bits: [hi-k, lo-k] for a left shift, [hi+k, lo+k] for a right one,
                // zeros wherever that falls outside 0..w.
                let (src_hi, src_lo) = if op == BinOp::Shl {
                    (hi as i64 - k as i64, lo as i64 - k as i64)
                } else {
                    (hi as i64 + k as i64, lo as i64 + k as i64)
                };
                let (in_hi, in_lo) = (src_hi.min(w as i64 - 1), src_lo.max(0));
                if in_hi < in_lo {
                    self.mk(Op::Const(Bits::zero(hi - lo + 1)), vec![])
                } else {
                    let mut r = self.narrow(n.args[0], in_hi as u32, in_lo as u32, memo);
                    let zeros_below = (in_lo - src_lo) as u32;
                    let zeros_above = (src_hi - in_hi) as u32;
                    if zeros_below > 0 {
                        let z = self.mk(Op::Const(Bits::zero(zeros_below)), vec![]);
                        r = self.mk(Op::Concat, vec![r, z]);
                    }
                    if zeros_above > 0 {
                        let z = self.mk(Op::Const(Bits::zero(zeros_above)), vec![]);
                        r = self.mk(Op::Concat, vec![z, r]);
                    }
                    r
                }
            }
            Op::Ite => {
                let a = self.narrow(n.args[1], hi, lo, memo);
                let b = self.narrow(n.args[2], hi, lo, memo);
                self.mk(Op::Ite, vec![n.args[0], a, b])
            }
            _ => self.mk(Op::Extract(hi, lo), vec![t]),
        };
        assert_eq!(
            self.node(r).width,
            hi - lo + 1,
            "narrowing {:?} of {} bits to {hi}:{lo}",
            n.op,
            n.width
        );
        memo.insert((t, hi, lo), r);
        r
    }

    /// If `root` depends on its variables only through one byte-valued sub-term `x` (every
    /// path from `root` to a variable passes through it), that `x` and `root` with `x`
    /// replaced by the variable `var` (8 bits), the nearest such `x` to the variables first.
    pub fn function_of_one_byte(&mut self, root: TermId, var: &str) -> Option<(TermId, TermId)> {
        let z = self.var(var, 8);
        let candidates: Vec<TermId> = self
            .postorder(&[root])
            .into_iter()
            .filter(|&t| self.width(&t) == 8 && !matches!(self.node(t).op, Op::Const(_)))
            .collect();
        for x in candidates {
            let f = self.substitute(root, x, z);
            if self.vars(&[f]) == vec![(var.to_string(), 8)] {
                return Some((x, f));
            }
        }
        None
    }

    /// Free variables reachable from `roots`, in first-seen order, with widths.
    pub fn vars(&self, roots: &[TermId]) -> Vec<(String, u32)> {
        let mut out = Vec::new();
        for t in self.postorder(roots) {
            if let Op::Var(name) = &self.node(t).op {
                out.push((name.clone(), self.node(t).width));
            }
        }
        out
    }

    /// Every node reachable from `roots`, children before parents, each once.
    pub fn postorder(&self, roots: &[TermId]) -> Vec<TermId> {
        let mut marks = self.marks.borrow_mut();
        let (walk, seen) = &mut *marks;
        *walk = walk.wrapping_add(1);
        if *walk == 0 {
            seen.iter_mut().for_each(|m| *m = 0);
            *walk = 1;
        }
        let walk = *walk;
        if seen.len() < self.nodes.len() {
            seen.resize(self.nodes.len(), 0);
        }
        let mut out = Vec::new();
        let mut stack: Vec<(TermId, bool)> = roots.iter().rev().map(|&r| (r, false)).collect();
        while let Some((t, expanded)) = stack.pop() {
            if expanded {
                out.push(t);
                continue;
            }
            if seen[t.0 as usize] == walk {
                continue;
            }
            seen[t.0 as usize] = walk;
            stack.push((t, true));
            for &a in self.node(t).args.iter().rev() {
                if seen[a.0 as usize] != walk {
                    stack.push((a, false));
                }
            }
        }
        out
    }

    /// Evaluate `roots` under an assignment of the free variables. A missing
    /// variable is an error naming it.
    pub fn eval(&self, roots: &[TermId], env: &HashMap<String, Bits>) -> Result<Vec<Bits>, String> {
        let mut vals: FastMap<TermId, Bits> = FastMap::default();
        for t in self.postorder(roots) {
            let n = self.node(t);
            let a = |i: usize| vals[&n.args[i]];
            let v = match &n.op {
                Op::Var(name) => *env
                    .get(name)
                    .ok_or_else(|| format!("no value for variable `{name}`"))?,
                Op::Const(b) => *b,
                Op::Extract(hi, lo) => a(0).extract(*hi, *lo),
                Op::Concat => a(0).concat(&a(1)),
                Op::Bin(op) => op.eval(&a(0), &a(1)),
                Op::Not => a(0).not(),
                Op::Ite => {
                    if a(0).is_zero() {
                        a(2)
                    } else {
                        a(1)
                    }
                }
                Op::Bool3(tt) => eval_bool3(*tt, &a(0), &a(1), &a(2)),
                Op::Table(t) => Bits::from_u64(8, t.apply(a(0).to_u64() as u8) as u64),
            };
            vals.insert(t, v);
        }
        Ok(roots.iter().map(|r| vals[r]).collect())
    }

    /// A readable rendering in SMT-LIB syntax (no sharing; for small terms and messages).
    pub fn display(&self, t: TermId) -> String {
        let n = self.node(t);
        let args: Vec<String> = n.args.iter().map(|&a| self.display(a)).collect();
        match &n.op {
            Op::Var(name) => name.clone(),
            Op::Const(b) => b.smtlib(),
            Op::Extract(hi, lo) => format!("((_ extract {hi} {lo}) {})", args[0]),
            Op::Concat => format!("(concat {} {})", args[0], args[1]),
            Op::Bin(op) => format!("({} {} {})", op.smtlib(), args[0], args[1]),
            Op::Not => format!("(bvnot {})", args[0]),
            Op::Ite => format!("(ite (= {} #b1) {} {})", args[0], args[1], args[2]),
            Op::Bool3(tt) => format!("(bool3_{tt:02x} {} {} {})", args[0], args[1], args[2]),
            Op::Table(t) => format!("({t} {})", args[0]),
        }
    }
}

/// Per-bit truth-table lookup.
pub fn eval_bool3(tt: u8, x: &Bits, y: &Bits, z: &Bits) -> Bits {
    let mut r = Bits::zero(x.width());
    for i in 0..8u8 {
        if tt >> i & 1 == 0 {
            continue;
        }
        let pick = |v: &Bits, bit: u8| if i >> bit & 1 == 1 { *v } else { v.not() };
        r = r.or(&pick(x, 2).and(&pick(y, 1)).and(&pick(z, 0)));
    }
    r
}

impl Domain for Terms {
    type V = TermId;

    fn width(&self, v: &TermId) -> u32 {
        self.node(*v).width
    }
    fn constant(&mut self, c: Bits) -> TermId {
        self.mk(Op::Const(c), vec![])
    }
    fn extract(&mut self, v: &TermId, hi: u32, lo: u32) -> TermId {
        self.mk(Op::Extract(hi, lo), vec![*v])
    }
    fn concat(&mut self, hi: &TermId, lo: &TermId) -> TermId {
        self.mk(Op::Concat, vec![*hi, *lo])
    }
    fn binary(&mut self, op: BinOp, a: &TermId, b: &TermId) -> TermId {
        self.mk(Op::Bin(op), vec![*a, *b])
    }
    fn not(&mut self, a: &TermId) -> TermId {
        self.mk(Op::Not, vec![*a])
    }
    fn ite(&mut self, c: &TermId, t: &TermId, e: &TermId) -> TermId {
        self.mk(Op::Ite, vec![*c, *t, *e])
    }
    fn as_const(&self, v: &TermId) -> Option<Bits> {
        self.eval(&[*v], &HashMap::new()).ok().map(|r| r[0])
    }
    fn table(&mut self, t: Table, x: &TermId) -> TermId {
        self.mk(Op::Table(t), vec![*x])
    }
    fn lookup(&mut self, addr: &TermId, read: &mut dyn FnMut(u64) -> Option<u8>) -> Option<TermId> {
        const VAR: &str = "lookup.byte";
        // Shifts and masks that pick a byte out of a word become extracts once normalised.
        let addr = crate::normalise::normalise(self, *addr);
        let (x, f) = self.function_of_one_byte(addr, VAR)?;
        let mut entries = [0u8; 256];
        for (v, e) in entries.iter_mut().enumerate() {
            let env = HashMap::from([(VAR.to_string(), Bits::from_u64(8, v as u64))]);
            let a = self.eval(&[f], &env).ok()?[0].to_u64();
            *e = read(a)?;
        }
        let t = Table::identify(&entries)?;
        Some(self.table(t, &x))
    }
}
