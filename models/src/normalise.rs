//! Term normalisation: sound rewrites that make differently written but
//! equal terms syntactically equal as often as possible, so most obligations
//! close without a solver. Canonical forms:
//! - extracts are pushed through concat, bitwise operators, ite and the low
//!   bits of add/sub/mul, down to the leaves (so lanes of a vector become
//!   `extract` of a variable);
//! - shifts by constants become concats of extracts and zeros, so every way of
//!   writing a rotation ends up as the same concat;
//! - bitwise operators split along the parts of a concat or the runs of a
//!   constant mask; and/or/xor/add chains are flattened, simplified and sorted.
//!
//! Every rule is checked by `tests::normalising_preserves_value`.

use crate::bits::Bits;
use crate::domain::BinOp;
use crate::table::Table;
use crate::term::{Op, TermId, Terms};

pub struct Normaliser<'a> {
    t: &'a mut Terms,
    memo: crate::term::FastMap<TermId, TermId>,
    /// Extracts already pushed down: without it, an extract reaching a node along two paths
    /// (both arms of an `ite` chain) is pushed down twice, exponentially in the chain.
    extracts: crate::term::FastMap<(TermId, u32, u32), TermId>,
}

impl<'a> Normaliser<'a> {
    pub fn new(t: &'a mut Terms) -> Self {
        Normaliser {
            t,
            memo: Default::default(),
            extracts: Default::default(),
        }
    }

    pub fn normalise(&mut self, root: TermId) -> TermId {
        for id in self.t.postorder(&[root]) {
            if self.memo.contains_key(&id) {
                continue;
            }
            let n = self.t.node(id).clone();
            let args: Vec<TermId> = n.args.iter().map(|a| self.memo[a]).collect();
            let out = match n.op {
                Op::Var(_) | Op::Const(_) => id,
                Op::Extract(hi, lo) => self.extract(args[0], hi, lo),
                Op::Concat => self.concat(args[0], args[1]),
                Op::Bin(op) => self.binary(op, args[0], args[1]),
                Op::Not => self.not(args[0]),
                Op::Ite => self.ite(args[0], args[1], args[2]),
                Op::Bool3(tt) => self.bool3(tt, args[0], args[1], args[2]),
                Op::Table(t) => self.table(t, args[0]),
            };
            self.memo.insert(id, out);
        }
        self.memo[&root]
    }

    fn width(&self, x: TermId) -> u32 {
        self.t.node(x).width
    }

    fn constant_of(&self, x: TermId) -> Option<Bits> {
        match self.t.node(x).op {
            Op::Const(b) => Some(b),
            _ => None,
        }
    }

    fn konst(&mut self, b: Bits) -> TermId {
        self.t.mk(Op::Const(b), vec![])
    }

    pub fn extract(&mut self, x: TermId, hi: u32, lo: u32) -> TermId {
        if let Some(&done) = self.extracts.get(&(x, hi, lo)) {
            return done;
        }
        let out = self.extract_uncached(x, hi, lo);
        self.extracts.insert((x, hi, lo), out);
        out
    }

    fn extract_uncached(&mut self, x: TermId, hi: u32, lo: u32) -> TermId {
        let w = self.width(x);
        if lo == 0 && hi == w - 1 {
            return x;
        }
        let n = self.t.node(x).clone();
        match n.op {
            Op::Const(b) => self.konst(b.extract(hi, lo)),
            Op::Extract(_, l2) => self.extract(n.args[0], l2 + hi, l2 + lo),
            Op::Concat => {
                let (a, b) = (n.args[0], n.args[1]);
                let wb = self.width(b);
                if hi < wb {
                    self.extract(b, hi, lo)
                } else if lo >= wb {
                    self.extract(a, hi - wb, lo - wb)
                } else {
                    let top = self.extract(a, hi - wb, 0);
                    let bottom = self.extract(b, wb - 1, lo);
                    self.concat(top, bottom)
                }
            }
            Op::Bin(op) if op.is_bitwise() => {
                let a = self.extract(n.args[0], hi, lo);
                let b = self.extract(n.args[1], hi, lo);
                self.binary(op, a, b)
            }
            // Low bits of add/sub/mul depend only on the low bits of the
            // operands. Only for whole-lane truncations: pushing the extract of
            // a rotation's low bits into a round's adder chain would fragment
            // the boolean functions inside it.
            Op::Bin(op @ (BinOp::Add | BinOp::Sub | BinOp::Mul))
                if lo == 0 && (hi + 1).is_multiple_of(32) =>
            {
                let a = self.extract(n.args[0], hi, 0);
                let b = self.extract(n.args[1], hi, 0);
                self.binary(op, a, b)
            }
            Op::Not => {
                let a = self.extract(n.args[0], hi, lo);
                self.not(a)
            }
            Op::Ite => {
                let a = self.extract(n.args[1], hi, lo);
                let b = self.extract(n.args[2], hi, lo);
                self.ite(n.args[0], a, b)
            }
            Op::Bool3(tt) => {
                let a: Vec<TermId> = n.args.iter().map(|&a| self.extract(a, hi, lo)).collect();
                self.bool3(tt, a[0], a[1], a[2])
            }
            _ => self.t.mk(Op::Extract(hi, lo), vec![x]),
        }
    }

    /// Parts of a concat chain, most significant first.
    fn parts(&self, x: TermId, out: &mut Vec<TermId>) {
        let n = self.t.node(x);
        if n.op == Op::Concat {
            let (a, b) = (n.args[0], n.args[1]);
            self.parts(a, out);
            self.parts(b, out);
        } else {
            out.push(x);
        }
    }

    /// View a part as a slice `(base, hi, lo)` so adjacent slices can merge.
    fn slice(&self, x: TermId) -> (TermId, u32, u32) {
        let n = self.t.node(x);
        match n.op {
            Op::Extract(hi, lo) => (n.args[0], hi, lo),
            _ => (x, n.width - 1, 0),
        }
    }

    pub fn concat(&mut self, a: TermId, b: TermId) -> TermId {
        let mut parts = Vec::new();
        self.parts(a, &mut parts);
        self.parts(b, &mut parts);
        let mut merged: Vec<TermId> = Vec::new();
        for p in parts {
            if let Some(&last) = merged.last() {
                if let (Some(x), Some(y)) = (self.constant_of(last), self.constant_of(p)) {
                    *merged.last_mut().unwrap() = self.konst(x.concat(&y));
                    continue;
                }
                let (base1, h1, l1) = self.slice(last);
                let (base2, h2, l2) = self.slice(p);
                if base1 == base2 && l1 == h2 + 1 {
                    *merged.last_mut().unwrap() = self.extract(base1, h1, l2);
                    continue;
                }
            }
            merged.push(p);
        }
        let mut acc = *merged.last().unwrap();
        for &p in merged[..merged.len() - 1].iter().rev() {
            acc = self.t.mk(Op::Concat, vec![p, acc]);
        }
        acc
    }

    /// Where to split a bitwise operation so each side is simpler: the low
    /// boundary of a concat argument, or the first run boundary of a mixed
    /// constant. Only at 32-bit lane boundaries, or where some argument has a
    /// constant piece (shift-built rotations, masks), which then folds away:
    /// splitting inside a lane would cut a SHA-1 boolean function over rotated
    /// words into fragments that each side cuts differently.
    fn split_point(&self, args: &[TermId]) -> Option<u32> {
        let has_constant_piece = args.iter().any(|&a| {
            let n = self.t.node(a);
            match &n.op {
                Op::Const(_) => true,
                Op::Concat => {
                    let mut parts = Vec::new();
                    self.parts(a, &mut parts);
                    parts
                        .iter()
                        .any(|&p| matches!(self.t.node(p).op, Op::Const(_)))
                }
                _ => false,
            }
        });
        for &a in args {
            let n = self.t.node(a);
            let k = match &n.op {
                Op::Concat => Some(self.t.node(n.args[1]).width),
                Op::Const(b) if !b.is_zero() && !b.is_ones() => {
                    let first = b.bit(0);
                    (1..b.width()).find(|&i| b.bit(i) != first)
                }
                _ => None,
            };
            if let Some(k) = k {
                if k.is_multiple_of(32) || has_constant_piece {
                    return Some(k);
                }
            }
        }
        None
    }

    fn split<F>(&mut self, args: &[TermId], k: u32, mut rebuild: F) -> TermId
    where
        F: FnMut(&mut Self, &[TermId]) -> TermId,
    {
        let w = self.width(args[0]);
        let lo: Vec<TermId> = args.iter().map(|&a| self.extract(a, k - 1, 0)).collect();
        let hi: Vec<TermId> = args.iter().map(|&a| self.extract(a, w - 1, k)).collect();
        let lo = rebuild(self, &lo);
        let hi = rebuild(self, &hi);
        self.concat(hi, lo)
    }

    pub fn binary(&mut self, op: BinOp, a: TermId, b: TermId) -> TermId {
        if let (Some(x), Some(y)) = (self.constant_of(a), self.constant_of(b)) {
            return self.konst(op.eval(&x, &y));
        }
        match op {
            BinOp::And | BinOp::Or | BinOp::Xor => self.bitwise(op, a, b),
            BinOp::Add => self.add(a, b),
            BinOp::Sub => {
                if self.constant_of(b).is_some_and(|c| c.is_zero()) {
                    a
                } else if a == b {
                    self.konst(Bits::zero(self.width(a)))
                } else {
                    self.t.mk(Op::Bin(op), vec![a, b])
                }
            }
            BinOp::Shl | BinOp::Lshr | BinOp::Ashr => match self.constant_of(b) {
                Some(k) => self.shift_const(op, a, k),
                None => self.t.mk(Op::Bin(op), vec![a, b]),
            },
            BinOp::Eq if a == b => self.konst(Bits::bool(true)),
            // A bit compared with a constant is the bit or its complement.
            BinOp::Eq if self.width(a) == 1 => {
                let (x, k) = match (self.constant_of(a), self.constant_of(b)) {
                    (_, Some(k)) => (a, k),
                    (Some(k), _) => (b, k),
                    _ => return self.t.mk(Op::Bin(op), vec![a, b]),
                };
                if k.is_zero() {
                    self.not(x)
                } else {
                    x
                }
            }
            _ => self.t.mk(Op::Bin(op), vec![a, b]),
        }
    }

    fn shift_const(&mut self, op: BinOp, x: TermId, k: Bits) -> TermId {
        let w = self.width(x);
        let amount = if k.ult(&Bits::from_u64(k.width(), w as u64)) {
            k.to_u64() as u32
        } else {
            w
        };
        if amount == 0 {
            return x;
        }
        if op == BinOp::Ashr {
            // Copies of the sign bit above the kept bits (all copies from w-1 on).
            let amount = amount.min(w - 1);
            let sign = self.extract(x, w - 1, w - 1);
            let mut out = self.extract(x, w - 1, amount);
            for _ in 0..amount {
                out = self.concat(sign, out);
            }
            return out;
        }
        if amount >= w {
            return self.konst(Bits::zero(w));
        }
        let zeros = self.konst(Bits::zero(amount));
        if op == BinOp::Shl {
            let kept = self.extract(x, w - 1 - amount, 0);
            self.concat(kept, zeros)
        } else {
            let kept = self.extract(x, w - 1, amount);
            self.concat(zeros, kept)
        }
    }

    fn flatten(&self, op: Op, x: TermId, out: &mut Vec<TermId>) {
        let n = self.t.node(x);
        if n.op == op {
            let args = n.args.clone();
            for a in args {
                self.flatten(op.clone(), a, out);
            }
        } else {
            out.push(x);
        }
    }

    fn bitwise(&mut self, op: BinOp, a: TermId, b: TermId) -> TermId {
        if let Some(k) = self.split_point(&[a, b]) {
            return self.split(&[a, b], k, |s, p| s.binary(op, p[0], p[1]));
        }
        let w = self.width(a);
        let mut items = Vec::new();
        self.flatten(Op::Bin(op), a, &mut items);
        self.flatten(Op::Bin(op), b, &mut items);
        let identity = match op {
            BinOp::And => Bits::ones(w),
            _ => Bits::zero(w),
        };
        let mut acc_const = identity;
        let mut rest: Vec<TermId> = Vec::new();
        for x in items {
            match self.constant_of(x) {
                Some(c) => acc_const = op.eval(&acc_const, &c),
                None => rest.push(x),
            }
        }
        rest.sort();
        if op == BinOp::Xor {
            // x ^ x = 0: cancel pairs.
            let mut kept: Vec<TermId> = Vec::new();
            for x in rest {
                if kept.last() == Some(&x) {
                    kept.pop();
                } else {
                    kept.push(x);
                }
            }
            rest = kept;
        } else {
            rest.dedup();
            let absorbing = match op {
                BinOp::And => Bits::zero(w),
                _ => Bits::ones(w),
            };
            if acc_const == absorbing {
                return self.konst(absorbing);
            }
        }
        let mut negate = false;
        if acc_const != identity {
            if op == BinOp::Xor && acc_const.is_ones() {
                negate = true;
            } else if !(acc_const.is_zero() || acc_const.is_ones()) {
                // Mixed constants were split above, so this only arises from folding.
                rest.push(self.konst(acc_const));
            } else {
                rest.push(self.konst(acc_const));
            }
        }
        let result = match rest.len() {
            0 => self.konst(identity),
            _ => {
                let mut acc = rest[0];
                for &x in &rest[1..] {
                    acc = self.t.mk(Op::Bin(op), vec![acc, x]);
                }
                acc
            }
        };
        if negate {
            self.not(result)
        } else {
            result
        }
    }

    fn add(&mut self, a: TermId, b: TermId) -> TermId {
        let w = self.width(a);
        let mut items = Vec::new();
        self.flatten(Op::Bin(BinOp::Add), a, &mut items);
        self.flatten(Op::Bin(BinOp::Add), b, &mut items);
        let mut acc_const = Bits::zero(w);
        let mut rest = Vec::new();
        for x in items {
            match self.constant_of(x) {
                Some(c) => acc_const = acc_const.add(&c),
                None => rest.push(x),
            }
        }
        rest.sort();
        // a + b = a | b when no bit is set in both. Compilers turn the OR of
        // Choose's disjoint halves into an ADD and spread it over the round's
        // adder chain; folding it back lets Choose be recognised again.
        'again: for i in 0..rest.len() {
            for j in i + 1..rest.len() {
                if self.disjoint(rest[i], rest[j]) {
                    let merged = self.bitwise(BinOp::Or, rest[i], rest[j]);
                    rest.remove(j);
                    rest[i] = merged;
                    rest.sort();
                    continue 'again;
                }
            }
        }
        if !acc_const.is_zero() || rest.is_empty() {
            rest.push(self.konst(acc_const));
        }
        let mut acc = rest[0];
        for &x in &rest[1..] {
            acc = self.t.mk(Op::Bin(BinOp::Add), vec![acc, x]);
        }
        acc
    }

    /// Provably no common set bit: one has a conjunct `x`, the other `~x`.
    fn disjoint(&self, a: TermId, b: TermId) -> bool {
        let mut ca = Vec::new();
        let mut cb = Vec::new();
        self.flatten(Op::Bin(BinOp::And), a, &mut ca);
        self.flatten(Op::Bin(BinOp::And), b, &mut cb);
        let negates = |x: TermId, y: TermId| {
            let n = self.t.node(x);
            n.op == Op::Not && n.args[0] == y
        };
        ca.iter()
            .any(|&x| cb.iter().any(|&y| negates(x, y) || negates(y, x)))
    }

    pub fn not(&mut self, a: TermId) -> TermId {
        let n = self.t.node(a).clone();
        match n.op {
            Op::Const(b) => self.konst(b.not()),
            Op::Not => n.args[0],
            Op::Concat => {
                let hi = self.not(n.args[0]);
                let lo = self.not(n.args[1]);
                self.concat(hi, lo)
            }
            _ => self.t.mk(Op::Not, vec![a]),
        }
    }

    /// Tables: constants fold; the GF(2^8) products, which are GF(2)-linear, become XORs of
    /// doublings (`c * x = XOR of 2^k * x` over the bits of `c`) distributed over XORs of
    /// their argument, so every way of writing a column mix meets in one form.
    pub fn table(&mut self, t: Table, x: TermId) -> TermId {
        if let Some(c) = self.constant_of(x) {
            return self.konst(Bits::from_u64(8, t.apply(c.to_u64() as u8) as u64));
        }
        let Table::Mul(c) = t else {
            return self.t.mk(Op::Table(t), vec![x]);
        };
        if c != 2 {
            let mut acc = self.konst(Bits::zero(8));
            let mut power = x;
            for k in 0..8 {
                if c >> k & 1 == 1 {
                    acc = self.binary(BinOp::Xor, acc, power);
                }
                if c >> (k + 1) == 0 {
                    break;
                }
                power = self.table(Table::Mul(2), power);
            }
            return acc;
        }
        let mut parts = Vec::new();
        self.flatten(Op::Bin(BinOp::Xor), x, &mut parts);
        if parts.len() > 1 {
            let mut acc = self.konst(Bits::zero(8));
            for p in parts {
                let d = self.table(t, p);
                acc = self.binary(BinOp::Xor, acc, d);
            }
            return acc;
        }
        self.t.mk(Op::Table(t), vec![x])
    }

    fn ite(&mut self, c: TermId, a: TermId, b: TermId) -> TermId {
        if let Some(k) = self.constant_of(c) {
            return if k.is_zero() { b } else { a };
        }
        if a == b {
            return a;
        }
        // Conditions are positive: ite(not c, a, b) = ite(c, b, a).
        if let Op::Not = self.t.node(c).op {
            let inner = self.t.node(c).args[0];
            return self.ite(inner, b, a);
        }
        // Selections split along the parts of their arms, down to where the arms differ.
        let boundary = [a, b].iter().find_map(|&x| match self.t.node(x).op {
            Op::Concat => Some(self.t.node(self.t.node(x).args[1]).width),
            _ => None,
        });
        if let Some(k) = boundary {
            return self.split(&[a, b], k, |s, p| s.ite(c, p[0], p[1]));
        }
        // A conditional XOR is an XOR with a mask: ite(c, e ^ y, e) = e ^ (y & c...c), and
        // ite(c, y, 0) = y & c...c. Carry-less products written as a shift-and-XOR loop then
        // meet the XOR of ANDs that defines them.
        let w = self.width(a);
        let mask = |s: &mut Self, c: TermId| {
            let mut m = c;
            for _ in 1..w {
                m = s.concat(c, m);
            }
            m
        };
        for (t, e, keep) in [(a, b, true), (b, a, false)] {
            let mut t_parts = Vec::new();
            self.flatten(Op::Bin(BinOp::Xor), t, &mut t_parts);
            let e_is_zero = self.constant_of(e).is_some_and(|k| k.is_zero());
            // t's XOR operands must include all of e's (e is itself a sum, usually).
            let rest: Option<Vec<TermId>> = if e_is_zero {
                Some(t_parts)
            } else {
                let mut e_parts = Vec::new();
                self.flatten(Op::Bin(BinOp::Xor), e, &mut e_parts);
                let mut r = t_parts.clone();
                e_parts
                    .iter()
                    .all(|p| match r.iter().position(|q| q == p) {
                        Some(i) => {
                            r.remove(i);
                            true
                        }
                        None => false,
                    })
                    .then_some(r)
            };
            let Some(rest) = rest.filter(|r| !r.is_empty()) else {
                continue;
            };
            let mut y = rest[0];
            for &r in &rest[1..] {
                y = self.binary(BinOp::Xor, y, r);
            }
            let cond = if keep { c } else { self.not(c) };
            let m = mask(self, cond);
            let masked = self.binary(BinOp::And, y, m);
            return self.binary(BinOp::Xor, e, masked);
        }
        self.t.mk(Op::Ite, vec![c, a, b])
    }

    pub fn bool3(&mut self, tt: u8, x: TermId, y: TermId, z: TermId) -> TermId {
        if let Some(k) = self.split_point(&[x, y, z]) {
            return self.split(&[x, y, z], k, |s, p| s.bool3(tt, p[0], p[1], p[2]));
        }
        if let (Some(a), Some(b), Some(c)) = (
            self.constant_of(x),
            self.constant_of(y),
            self.constant_of(z),
        ) {
            return self.konst(crate::term::eval_bool3(tt, &a, &b, &c));
        }
        // Fully symmetric functions (parity, majority): canonical argument order.
        let mut args = vec![x, y, z];
        if is_symmetric(tt) {
            args.sort();
        }
        self.t.mk(Op::Bool3(tt), args)
    }
}

/// Does permuting the inputs leave the truth table unchanged?
fn is_symmetric(tt: u8) -> bool {
    let bit = |x: u8, y: u8, z: u8| tt >> (x << 2 | y << 1 | z) & 1;
    (0..8u8).all(|i| {
        let (x, y, z) = (i >> 2 & 1, i >> 1 & 1, i & 1);
        let v = bit(x, y, z);
        v == bit(y, x, z) && v == bit(x, z, y)
    })
}

/// Normalise one term in place of the arena.
pub fn normalise(t: &mut Terms, root: TermId) -> TermId {
    Normaliser::new(t).normalise(root)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Domain;
    use proptest::prelude::*;
    use std::collections::HashMap;

    /// A recipe for a random term over three 32-bit and one 64-bit variable.
    #[derive(Clone, Debug)]
    enum Recipe {
        Var(u8),
        Const(u64),
        Bin(u8, Box<Recipe>, Box<Recipe>),
        Not(Box<Recipe>),
        ShiftConst(bool, u8, Box<Recipe>),
        Rotl(u8, Box<Recipe>),
        SplitJoin(u8, Box<Recipe>),
        Wide(Box<Recipe>, Box<Recipe>),
        Bool3(u8, Box<Recipe>, Box<Recipe>, Box<Recipe>),
        Ite(Box<Recipe>, Box<Recipe>, Box<Recipe>),
        /// (x & y) + (~x & z) + w: Choose's halves added, as compilers emit it.
        DisjointAdd(Box<Recipe>, Box<Recipe>, Box<Recipe>, Box<Recipe>),
        /// `a == b ? x : y`, the shape compiled comparisons take (`select` on `i32.eq`).
        EqSelect(Box<Recipe>, Box<Recipe>, Box<Recipe>, Box<Recipe>),
        /// Bit k of `a` compared with a constant bit, selecting `x` or `y`.
        BitEqSelect(u8, bool, Box<Recipe>, Box<Recipe>, Box<Recipe>),
        /// `x ^ c` for a constant with both set and clear bits.
        XorMixedConst(u32, Box<Recipe>),
    }

    fn recipe() -> impl Strategy<Value = Recipe> {
        let leaf = prop_oneof![
            (0u8..3).prop_map(Recipe::Var),
            prop_oneof![
                Just(0u64),
                Just(u32::MAX as u64),
                any::<u64>(),
                Just(0xffff0000)
            ]
            .prop_map(Recipe::Const),
        ];
        leaf.prop_recursive(5, 48, 3, |inner| {
            let b = || inner.clone().prop_map(Box::new);
            prop_oneof![
                (0u8..8, b(), b()).prop_map(|(o, x, y)| Recipe::Bin(o, x, y)),
                b().prop_map(Recipe::Not),
                (any::<bool>(), 0u8..40, b()).prop_map(|(l, k, x)| Recipe::ShiftConst(l, k, x)),
                (0u8..32, b()).prop_map(|(k, x)| Recipe::Rotl(k, x)),
                (1u8..31, b()).prop_map(|(k, x)| Recipe::SplitJoin(k, x)),
                (b(), b()).prop_map(|(x, y)| Recipe::Wide(x, y)),
                (any::<u8>(), b(), b(), b()).prop_map(|(t, x, y, z)| Recipe::Bool3(t, x, y, z)),
                (b(), b(), b()).prop_map(|(c, x, y)| Recipe::Ite(c, x, y)),
                (b(), b(), b(), b()).prop_map(|(x, y, z, w)| Recipe::DisjointAdd(x, y, z, w)),
                (b(), b(), b(), b()).prop_map(|(a, c, x, y)| Recipe::EqSelect(a, c, x, y)),
                (0u8..32, any::<bool>(), b(), b(), b())
                    .prop_map(|(k, bit, a, x, y)| Recipe::BitEqSelect(k, bit, a, x, y)),
                (1u32..u32::MAX, b()).prop_map(|(c, x)| Recipe::XorMixedConst(c, x)),
            ]
        })
    }

    /// Build a 32-bit term; `Wide` goes through 64-bit values and comes back.
    fn build(t: &mut Terms, r: &Recipe) -> TermId {
        match r {
            Recipe::Var(i) => t.var(&format!("x{i}"), 32),
            Recipe::Const(c) => t.lit(32, *c as u32 as u128),
            Recipe::Bin(o, x, y) => {
                let op = [
                    BinOp::Add,
                    BinOp::Sub,
                    BinOp::Mul,
                    BinOp::And,
                    BinOp::Or,
                    BinOp::Xor,
                    BinOp::Shl,
                    BinOp::Lshr,
                ][*o as usize];
                let (x, y) = (build(t, x), build(t, y));
                t.binary(op, &x, &y)
            }
            Recipe::Not(x) => {
                let x = build(t, x);
                t.not(&x)
            }
            Recipe::ShiftConst(left, k, x) => {
                let x = build(t, x);
                let k = t.lit(32, *k as u128);
                t.binary(if *left { BinOp::Shl } else { BinOp::Lshr }, &x, &k)
            }
            Recipe::Rotl(k, x) => {
                let x = build(t, x);
                t.rotl(&x, *k as u32)
            }
            Recipe::SplitJoin(k, x) => {
                let x = build(t, x);
                let k = *k as u32;
                let hi = t.extract(&x, 31, k);
                let lo = t.extract(&x, k - 1, 0);
                t.concat(&hi, &lo)
            }
            Recipe::Wide(x, y) => {
                let (x, y) = (build(t, x), build(t, y));
                let w = t.concat(&x, &y);
                let v = t.var("w", 64);
                let mixed = t.xor(&w, &v);
                let rotated = t.rotl(&mixed, 40);
                t.extract(&rotated, 47, 16)
            }
            Recipe::Bool3(tt, x, y, z) => {
                let (x, y, z) = (build(t, x), build(t, y), build(t, z));
                t.mk(Op::Bool3(*tt), vec![x, y, z])
            }
            Recipe::DisjointAdd(x, y, z, w) => {
                let (x, y, z, w) = (build(t, x), build(t, y), build(t, z), build(t, w));
                let nx = t.not(&x);
                let p = t.and(&x, &y);
                let q = t.and(&z, &nx);
                let s = t.add(&w, &q);
                t.add(&s, &p)
            }
            Recipe::EqSelect(a, c, x, y) => {
                let (a, c) = (build(t, a), build(t, c));
                let eq = t.binary(BinOp::Eq, &a, &c);
                let (x, y) = (build(t, x), build(t, y));
                t.ite(&eq, &x, &y)
            }
            Recipe::BitEqSelect(k, bit, a, x, y) => {
                let a = build(t, a);
                let a = t.extract(&a, *k as u32, *k as u32);
                let c = t.lit(1, *bit as u128);
                let eq = t.binary(BinOp::Eq, &a, &c);
                let (x, y) = (build(t, x), build(t, y));
                t.ite(&eq, &x, &y)
            }
            Recipe::XorMixedConst(c, x) => {
                let x = build(t, x);
                let c = t.lit(32, *c as u128);
                t.xor(&x, &c)
            }
            Recipe::Ite(c, x, y) => {
                let c = build(t, c);
                let c = t.extract(&c, 3, 3);
                let (x, y) = (build(t, x), build(t, y));
                t.ite(&c, &x, &y)
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        #[test]
        fn normalising_preserves_value(r in recipe(), vals: [u32; 3], wide: u64) {
            let mut t = Terms::new();
            let raw = build(&mut t, &r);
            let norm = normalise(&mut t, raw);
            let mut env = HashMap::new();
            for (i, v) in vals.iter().enumerate() {
                env.insert(format!("x{i}"), Bits::from_u64(32, *v as u64));
            }
            env.insert("w".to_string(), Bits::from_u64(64, wide));
            let got = t.eval(&[raw, norm], &env).unwrap();
            prop_assert_eq!(got[0], got[1], "raw {} normalised {}", t.display(raw), t.display(norm));
        }
    }

    #[test]
    fn rotations_written_three_ways_are_one_term() {
        let mut t = Terms::new();
        let x = t.var("x", 32);
        let a = t.rotl(&x, 30);
        let (k2, k30) = (t.lit(32, 2), t.lit(32, 30));
        let r = t.binary(BinOp::Lshr, &x, &k2);
        let l = t.binary(BinOp::Shl, &x, &k30);
        let b = t.or(&r, &l);
        let c = t.or(&l, &r);
        let (a, b, c) = (
            normalise(&mut t, a),
            normalise(&mut t, b),
            normalise(&mut t, c),
        );
        assert_eq!(a, b);
        assert_eq!(b, c);
    }

    #[test]
    fn choose_added_as_disjoint_halves_becomes_bitwise() {
        let mut t = Terms::new();
        let (x, y, z, w) = (
            t.var("x", 32),
            t.var("y", 32),
            t.var("z", 32),
            t.var("w", 32),
        );
        let nx = t.not(&x);
        let p = t.and(&x, &y);
        let q = t.and(&nx, &z);
        let added = t.add(&q, &w);
        let added = t.add(&added, &p);
        let ored = t.or(&p, &q);
        let expected = t.add(&w, &ored);
        assert_eq!(normalise(&mut t, added), normalise(&mut t, expected));
    }

    #[test]
    fn symmetric_functions_are_recognised() {
        use crate::domain::Bool3;
        assert!(is_symmetric(Bool3::Majority.truth_table()));
        assert!(is_symmetric(Bool3::Parity.truth_table()));
        assert!(!is_symmetric(Bool3::Choose.truth_table()));
    }

    #[test]
    fn lanes_of_rebuilt_vectors_fold_back() {
        let mut t = Terms::new();
        let v = t.var("v", 128);
        let lanes: Vec<TermId> = (0..4).map(|i| t.lane(&v, i, 32)).collect();
        let rebuilt = t.from_lanes(&lanes);
        assert_eq!(normalise(&mut t, rebuilt), v);
    }
}
