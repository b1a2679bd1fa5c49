//! Algebraic normal form: each bit of a term as an XOR of ANDs of input bits (a polynomial
//! over GF(2)). Unique for each Boolean function, so two terms with equal forms are equal
//! for all inputs, and no solver is needed. It fits the GF(2)-linear and bilinear
//! operations (MixColumns, carry-less products) whose XOR networks the normaliser leaves in
//! different shapes; arithmetic and tables are out of its reach (`None`).

use std::collections::{BTreeSet, HashMap};
use std::rc::Rc;

use crate::domain::BinOp;
use crate::term::{Op, TermId, Terms};

/// One input bit: a variable node and a bit index.
type Atom = (TermId, u32);
/// A product of input bits (the empty product is 1).
type Monomial = Vec<Atom>;
/// An XOR of monomials.
pub type Poly = BTreeSet<Monomial>;

/// Polynomials larger than this are given up on (the form would not pay off).
const MAX_MONOMIALS: usize = 4096;
/// Monomial products and sums a whole comparison may spend before giving up: nonlinear
/// cones (an S-box computed as x^254) stay under `MAX_MONOMIALS` per bit, yet would take
/// minutes to expand. The largest comparison the families need (PMULL) spends about 180k.
const MAX_WORK: usize = 2_000_000;

pub struct Anf<'t> {
    t: &'t Terms,
    memo: HashMap<(TermId, u32), Option<Rc<Poly>>>,
    work: usize,
}

impl<'t> Anf<'t> {
    pub fn new(t: &'t Terms) -> Self {
        Anf {
            t,
            memo: HashMap::new(),
            work: 0,
        }
    }

    /// Every bit of `root`, low bit first, or None if some bit is beyond this form.
    pub fn bits(&mut self, root: TermId) -> Option<Vec<Rc<Poly>>> {
        (0..self.t.node(root).width)
            .map(|i| self.bit(root, i))
            .collect()
    }

    fn bit(&mut self, t: TermId, i: u32) -> Option<Rc<Poly>> {
        if let Some(p) = self.memo.get(&(t, i)) {
            return p.clone();
        }
        let p = self.compute(t, i).map(Rc::new);
        self.memo.insert((t, i), p.clone());
        p
    }

    /// Charge `amount` to the budget; None once it is spent.
    fn spend(&mut self, amount: usize) -> Option<()> {
        self.work += amount;
        (self.work <= MAX_WORK).then_some(())
    }

    fn xor(&mut self, a: &Poly, b: &Poly) -> Option<Poly> {
        self.spend(a.len() + b.len())?;
        Some(xor(a, b))
    }

    fn and(&mut self, a: &Poly, b: &Poly) -> Option<Poly> {
        self.spend(a.len() * b.len())?;
        and(a, b)
    }

    fn compute(&mut self, t: TermId, i: u32) -> Option<Poly> {
        let n = self.t.node(t).clone();
        let one = || Poly::from([Monomial::new()]);
        Some(match n.op {
            Op::Var(_) => Poly::from([vec![(t, i)]]),
            Op::Const(c) => {
                if c.extract(i, i).is_zero() {
                    Poly::new()
                } else {
                    one()
                }
            }
            Op::Extract(_, lo) => (*self.bit(n.args[0], lo + i)?).clone(),
            Op::Concat => {
                let low = self.t.node(n.args[1]).width;
                if i < low {
                    (*self.bit(n.args[1], i)?).clone()
                } else {
                    (*self.bit(n.args[0], i - low)?).clone()
                }
            }
            Op::Not => {
                let a = self.bit(n.args[0], i)?;
                self.xor(&a, &one())?
            }
            Op::Bin(BinOp::Xor) => {
                let (a, b) = (self.bit(n.args[0], i)?, self.bit(n.args[1], i)?);
                self.xor(&a, &b)?
            }
            Op::Bin(BinOp::And) => {
                let (a, b) = (self.bit(n.args[0], i)?, self.bit(n.args[1], i)?);
                self.and(&a, &b)?
            }
            Op::Bin(BinOp::Or) => {
                let (a, b) = (self.bit(n.args[0], i)?, self.bit(n.args[1], i)?);
                let (sum, product) = (self.xor(&a, &b)?, self.and(&a, &b)?);
                self.xor(&sum, &product)?
            }
            Op::Ite => {
                // c·a + (1 + c)·b = c·(a + b) + b
                let c = self.bit(n.args[0], 0)?;
                let (a, b) = (self.bit(n.args[1], i)?, self.bit(n.args[2], i)?);
                let difference = self.xor(&a, &b)?;
                let chosen = self.and(&c, &difference)?;
                self.xor(&chosen, &b)?
            }
            // 0 - x for x in {0, 1}: the all-ones mask where x is 1 (how branch-free code
            // turns a bit into a mask).
            Op::Bin(BinOp::Sub) if matches!(&self.t.node(n.args[0]).op, Op::Const(c) if c.is_zero()) => {
                let x = n.args[1];
                for j in 1..n.width {
                    if !self.bit(x, j)?.is_empty() {
                        return None;
                    }
                }
                (*self.bit(x, 0)?).clone()
            }
            _ => return None,
        })
        .filter(|p| p.len() <= MAX_MONOMIALS)
    }
}

fn xor(a: &Poly, b: &Poly) -> Poly {
    a.symmetric_difference(b).cloned().collect()
}

fn and(a: &Poly, b: &Poly) -> Option<Poly> {
    if a.len() * b.len() > MAX_MONOMIALS * 4 {
        return None;
    }
    let mut out = Poly::new();
    for x in a {
        for y in b {
            let mut m: Monomial = x.iter().chain(y).copied().collect();
            m.sort_unstable();
            m.dedup(); // x·x = x
            if !out.remove(&m) {
                out.insert(m);
            }
        }
    }
    Some(out)
}

/// Whether `a` and `b` are provably the same function by their algebraic normal forms:
/// Some(true) equal, Some(false) different, None beyond the form.
pub fn same_function(t: &Terms, a: TermId, b: TermId) -> Option<bool> {
    let mut anf = Anf::new(t);
    let (x, y) = (anf.bits(a)?, anf.bits(b)?);
    Some(x == y)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Bits, Domain};

    #[test]
    fn distributivity_and_idempotence_are_seen() {
        let mut t = Terms::new();
        let (x, y, z) = (t.var("x", 8), t.var("y", 8), t.var("z", 8));
        let yz = t.binary(BinOp::Xor, &y, &z);
        let lhs = t.binary(BinOp::And, &x, &yz);
        let (xy, xz) = (t.binary(BinOp::And, &x, &y), t.binary(BinOp::And, &x, &z));
        let rhs = t.binary(BinOp::Xor, &xy, &xz);
        assert_eq!(same_function(&t, lhs, rhs), Some(true));
        let xx = t.binary(BinOp::And, &x, &x);
        assert_eq!(same_function(&t, xx, x), Some(true));
        let or = t.binary(BinOp::Or, &x, &y);
        assert_eq!(same_function(&t, or, xy), Some(false));
        let k = t.constant(Bits::from_u64(8, 1));
        let sum = t.binary(BinOp::Add, &x, &k);
        assert_eq!(same_function(&t, sum, x), None);
        // 0 - (x & 1) is x's low bit in every bit.
        let zero = t.constant(Bits::zero(8));
        let low = t.binary(BinOp::And, &x, &k);
        let mask = t.binary(BinOp::Sub, &zero, &low);
        let bit = t.extract(&x, 0, 0);
        let spread = (1..8).fold(bit, |acc, _| t.concat(&bit, &acc));
        assert_eq!(same_function(&t, mask, spread), Some(true));
        // 0 - x for a wider x is arithmetic: out of reach.
        let neg = t.binary(BinOp::Sub, &zero, &x);
        assert_eq!(same_function(&t, neg, x), None);
    }
}
