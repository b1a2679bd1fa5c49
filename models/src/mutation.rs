//! Planted bugs for the broken corpus. A mutation changes one layer's model
//! (through a domain wrapper, so it works concretely and symbolically) or the
//! values flowing into or out of it.

use crate::bits::Bits;
use crate::domain::{BinOp, Bool3, Domain};
use crate::table::Table;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Mutation {
    /// Every 32-bit rotate-left by `from` rotates by `to` instead.
    Rotate { from: u32, to: u32 },
    /// The boolean function `from` is computed as `to`.
    Bool3 { from: Bool3, to: Bool3 },
    /// Param `param` reaches the model with lane i taken from lane `lanes[i]`; the lanes
    /// are 128 / `lanes.len()` bits wide (4 entries: words, 16: bytes).
    PermuteParam { param: usize, lanes: Vec<u8> },
    /// The result leaves the model with lane i taken from lane `lanes[i]`
    /// (`[0, 0, 0, 0]` is the original report's SHA1H fallback).
    PermuteResult { lanes: Vec<u8> },
    /// Two params are swapped.
    SwapParams(usize, usize),
    /// Every 32-bit logical shift right by `amount` rotates right by `amount` instead.
    ShiftAsRotate { amount: u32 },
    /// Table `table` gives `value` for the byte `index` (a sparse bug: one entry of 256).
    TableEntry { table: Table, index: u8, value: u8 },
}

/// A domain that computes like `inner` except for the planted mutations.
pub struct Mutant<'a, D: Domain> {
    pub inner: &'a mut D,
    pub mutations: &'a [Mutation],
}

impl<D: Domain> Domain for Mutant<'_, D> {
    type V = D::V;
    fn width(&self, v: &D::V) -> u32 {
        self.inner.width(v)
    }
    fn constant(&mut self, c: Bits) -> D::V {
        self.inner.constant(c)
    }
    fn extract(&mut self, v: &D::V, hi: u32, lo: u32) -> D::V {
        self.inner.extract(v, hi, lo)
    }
    fn concat(&mut self, hi: &D::V, lo: &D::V) -> D::V {
        self.inner.concat(hi, lo)
    }
    fn binary(&mut self, op: BinOp, a: &D::V, b: &D::V) -> D::V {
        self.inner.binary(op, a, b)
    }
    fn not(&mut self, a: &D::V) -> D::V {
        self.inner.not(a)
    }
    fn ite(&mut self, c: &D::V, t: &D::V, e: &D::V) -> D::V {
        self.inner.ite(c, t, e)
    }
    fn as_const(&self, v: &D::V) -> Option<Bits> {
        self.inner.as_const(v)
    }
    // Every other overridable method is forwarded too: a backend's fast paths
    // (e.g. CLIF lane moves) must survive the wrapper.
    fn lit(&mut self, width: u32, v: u128) -> D::V {
        self.inner.lit(width, v)
    }
    fn add(&mut self, a: &D::V, b: &D::V) -> D::V {
        self.inner.add(a, b)
    }
    fn and(&mut self, a: &D::V, b: &D::V) -> D::V {
        self.inner.and(a, b)
    }
    fn or(&mut self, a: &D::V, b: &D::V) -> D::V {
        self.inner.or(a, b)
    }
    fn xor(&mut self, a: &D::V, b: &D::V) -> D::V {
        self.inner.xor(a, b)
    }
    fn zext(&mut self, v: &D::V, to: u32) -> D::V {
        self.inner.zext(v, to)
    }
    fn lshr_const(&mut self, v: &D::V, n: u32) -> D::V {
        let planted = self
            .mutations
            .iter()
            .any(|m| matches!(m, Mutation::ShiftAsRotate { amount } if *amount == n));
        if planted && self.inner.width(v) == 32 {
            return self.rotl(v, 32 - n % 32);
        }
        self.inner.lshr_const(v, n)
    }
    fn lane(&mut self, v: &D::V, i: u32, width: u32) -> D::V {
        self.inner.lane(v, i, width)
    }
    fn from_lanes(&mut self, lanes: &[D::V]) -> D::V {
        self.inner.from_lanes(lanes)
    }
    fn rotl(&mut self, v: &D::V, n: u32) -> D::V {
        let mut n = n;
        if self.inner.width(v) == 32 {
            for m in self.mutations {
                if let Mutation::Rotate { from, to } = m {
                    if n == *from {
                        n = *to;
                        break;
                    }
                }
            }
        }
        self.inner.rotl(v, n)
    }
    fn table(&mut self, t: Table, x: &D::V) -> D::V {
        let right = self.inner.table(t, x);
        for m in self.mutations {
            if let Mutation::TableEntry {
                table,
                index,
                value,
            } = m
            {
                if *table == t {
                    let at = self.inner.lit(8, *index as u128);
                    let hit = self.inner.binary(BinOp::Eq, x, &at);
                    let wrong = self.inner.lit(8, *value as u128);
                    return self.inner.ite(&hit, &wrong, &right);
                }
            }
        }
        right
    }
    fn table_bytes(&mut self, t: Table, v: &D::V) -> D::V {
        let planted = self
            .mutations
            .iter()
            .any(|m| matches!(m, Mutation::TableEntry { table, .. } if *table == t));
        if !planted {
            return self.inner.table_bytes(t, v);
        }
        // Byte by byte, each through `table` above.
        crate::domain::gf::table_each_byte(self, t, v)
    }
    // Nor inside xtime (an 8-bit shift and a select).
    fn xtime_bytes(&mut self, v: &D::V) -> D::V {
        self.inner.xtime_bytes(v)
    }
    // No mutation kind reaches inside the product (its shifts are 64-bit, its steps neither
    // rotate, look up nor choose), so the inner domain's circuit is kept.
    fn clmul64(&mut self, a: &D::V, b: &D::V) -> D::V {
        self.inner.clmul64(a, b)
    }
    fn bool3(&mut self, f: Bool3, x: &D::V, y: &D::V, z: &D::V) -> D::V {
        let mut f = f;
        for m in self.mutations {
            if let Mutation::Bool3 { from, to } = m {
                if f == *from {
                    f = *to;
                    break;
                }
            }
        }
        self.inner.bool3(f, x, y, z)
    }
}

fn permute<D: Domain>(d: &mut D, v: &D::V, lanes: &[u8]) -> D::V {
    let width = 128 / lanes.len() as u32;
    let parts: Vec<D::V> = lanes.iter().map(|&l| d.lane(v, l as u32, width)).collect();
    d.from_lanes(&parts)
}

/// Apply the param mutations to the values entering a model.
pub fn mutate_params<D: Domain>(d: &mut D, mutations: &[Mutation], params: &[D::V]) -> Vec<D::V> {
    let mut out = params.to_vec();
    for m in mutations {
        match m {
            Mutation::PermuteParam { param, lanes } if *param < out.len() => {
                out[*param] = permute(d, &out[*param], lanes)
            }
            Mutation::SwapParams(a, b) if *a < out.len() && *b < out.len() => out.swap(*a, *b),
            _ => {}
        }
    }
    out
}

/// Apply the result mutations to the value leaving a model.
pub fn mutate_result<D: Domain>(d: &mut D, mutations: &[Mutation], result: D::V) -> D::V {
    let mut r = result;
    for m in mutations {
        if let Mutation::PermuteResult { lanes } = m {
            if d.width(&r) == 128 {
                r = permute(d, &r, lanes);
            }
        }
    }
    r
}

/// Run `model` with `mutations` planted: params and result permuted, the
/// domain wrapped. With no mutations this is exactly `model`.
pub fn run_mutated<D: Domain, T>(
    d: &mut D,
    mutations: &[Mutation],
    params: &[D::V],
    model: impl FnOnce(&mut Mutant<'_, D>, &[D::V]) -> anyhow::Result<T>,
    result_of: impl FnOnce(T) -> D::V,
) -> anyhow::Result<D::V> {
    let params = mutate_params(d, mutations, params);
    let out = {
        let mut m = Mutant {
            inner: d,
            mutations,
        };
        result_of(model(&mut m, &params)?)
    };
    Ok(mutate_result(d, mutations, out))
}
