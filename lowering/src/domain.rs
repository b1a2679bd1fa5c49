//! `ClifDomain`: the models' bit-vector [`Domain`] whose values are CLIF values. Running a
//! model over it *emits* the model as CLIF, so the portable lowering is the engine model itself.
//!
//! Representation: a `w`-bit value lives in the smallest integer type that holds it
//! (`I8` for 1..=8 bits, ..., `I128`), with the bits above `w` always zero; 128-bit values may
//! also be any 128-bit vector (normally `I32X4`) and are converted between vector and `I128`
//! with little-endian bitcasts on demand. 1-bit results (comparisons) are `I8` 0/1.
//! Widths above 128 are not representable (the engine model never builds them).

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::types::{I128, I16, I16X8, I32, I32X4, I64, I64X2, I8, I8X16};
use cranelift_codegen::ir::{
    ConstantData, DataFlowGraph, Endianness, InstBuilder, InstructionData, MemFlagsData, Opcode,
    Type, Value, ValueDef,
};
use cranelift_frontend::FunctionBuilder;
use models::{BinOp, Bits, Domain, Table};

use crate::table::known_lane32;

/// A CLIF value with its bit-vector width (and its value, if known to be constant).
#[derive(Clone, Debug)]
pub struct ClifValue {
    pub value: Value,
    pub width: u32,
    konst: Option<Bits>,
}

impl ClifValue {
    /// The constant this value is known to be, if any.
    pub fn as_const(&self) -> Option<Bits> {
        self.konst
    }
}

/// Emits CLIF for every domain operation at the builder's current position (and source
/// location).
pub struct ClifDomain<'a, 'b> {
    pub builder: &'a mut FunctionBuilder<'b>,
}

/// Flags for vector <-> `I128` bitcasts: lane 0 is the least significant part.
pub fn little_endian() -> MemFlagsData {
    MemFlagsData::new().with_endianness(Endianness::Little)
}

/// The integer type holding a `w`-bit value.
pub fn scalar_type(w: u32) -> Type {
    match w {
        1..=8 => I8,
        9..=16 => I16,
        17..=32 => I32,
        33..=64 => I64,
        65..=128 => I128,
        _ => panic!("ClifDomain: {w}-bit values are not representable (max 128)"),
    }
}

impl<'a, 'b> ClifDomain<'a, 'b> {
    pub fn new(builder: &'a mut FunctionBuilder<'b>) -> Self {
        ClifDomain { builder }
    }

    /// Wrap an existing CLIF value; its width is its type's width.
    pub fn wrap(&self, value: Value) -> ClifValue {
        let width = self.ty(value).bits();
        ClifValue {
            value,
            width,
            konst: None,
        }
    }

    fn ty(&self, v: Value) -> Type {
        self.builder.func.dfg.value_type(v)
    }

    fn mk(&self, value: Value, width: u32) -> ClifValue {
        ClifValue {
            value,
            width,
            konst: None,
        }
    }

    /// The value as a scalar integer of its container type (vectors become `I128`).
    fn as_int(&mut self, v: &ClifValue) -> Value {
        if self.ty(v.value).is_vector() {
            self.builder.ins().bitcast(I128, little_endian(), v.value)
        } else {
            v.value
        }
    }

    /// A 128-bit value as `I32X4` (the engine's v128 convention).
    pub fn as_i32x4(&mut self, v: &ClifValue) -> Value {
        assert_eq!(v.width, 128, "as_i32x4 needs a 128-bit value");
        if self.ty(v.value) == I32X4 {
            v.value
        } else {
            self.builder.ins().bitcast(I32X4, little_endian(), v.value)
        }
    }

    fn vconst(&mut self, ty: Type, v: u128) -> Value {
        let c = self
            .builder
            .func
            .dfg
            .constants
            .insert(ConstantData::from(v.to_le_bytes().to_vec()));
        self.builder.ins().vconst(ty, c)
    }

    /// Clear the bits above `w` (the representation invariant) after an operation that may
    /// set them.
    fn mask(&mut self, v: Value, w: u32) -> Value {
        let tb = self.ty(v).bits();
        if w >= tb {
            return v;
        }
        if tb <= 64 {
            self.builder.ins().band_imm_u(v, ((1u64 << w) - 1) as i64)
        } else {
            let s = (tb - w) as i64;
            let t = self.builder.ins().ishl_imm_u(v, s);
            self.builder.ins().ushr_imm_u(t, s)
        }
    }

    /// Zero-extend a scalar to type `to` (no-op if it already has it).
    fn uext(&mut self, v: Value, to: Type) -> Value {
        if self.ty(v) == to {
            v
        } else {
            self.builder.ins().uextend(to, v)
        }
    }

    /// Sign-extend a `w`-bit value to its full container type.
    fn sext_in_place(&mut self, v: Value, w: u32) -> Value {
        let tb = self.ty(v).bits();
        if w >= tb {
            return v;
        }
        let s = (tb - w) as i64;
        let t = self.builder.ins().ishl_imm_u(v, s);
        self.builder.ins().sshr_imm_u(t, s)
    }

    /// A vector holding the 64-bit `v` and the 32-bit lane where it starts: the vector it was
    /// extracted from if it is a lane of one (no GPR round trip), else a new one.
    fn double_word_in_vector(&mut self, v: &ClifValue) -> (Value, u8) {
        if let Some((vector, lane)) = self.lane_of(v.value, I64X2) {
            return (vector, 2 * lane);
        }
        let x = self.as_int(v);
        (self.builder.ins().scalar_to_vector(I64X2, x), 0)
    }

    /// `(vector, lane)` if `v` is `extractlane vector, lane` of a vector of type `ty`.
    fn lane_of(&self, v: Value, ty: Type) -> Option<(Value, u8)> {
        let dfg = &self.builder.func.dfg;
        extracted_lane(dfg, v).filter(|&(vector, _)| dfg.value_type(vector) == ty)
    }

    /// One shuffle for 16 byte lanes that are all lanes moved out of at most two vectors
    /// (ShiftRows, column rotations), instead of a lane move each and scalar assembly. (Word
    /// lanes stay lane inserts: `table::known_lane32` sees through those and not through a
    /// shuffle, and as shuffles SHA-1's (A) ran at half its speed.)
    fn lanes_as_shuffle(&mut self, lanes: &[ClifValue]) -> Option<Value> {
        if lanes.len() != 16 {
            return None;
        }
        let mut sources: Vec<Value> = Vec::new();
        let mut bytes = Vec::with_capacity(16);
        for l in lanes {
            if l.width != 8 || l.konst.is_some() {
                return None;
            }
            let (arg, imm) = self.lane_of(l.value, I8X16)?;
            let source = match sources.iter().position(|&s| s == arg) {
                Some(i) => i,
                None if sources.len() < 2 => {
                    sources.push(arg);
                    sources.len() - 1
                }
                None => return None,
            };
            bytes.push(16 * source as u8 + imm);
        }
        let b = sources.get(1).copied().unwrap_or(sources[0]);
        let r = self.shuffle_bytes(sources[0], b, bytes);
        Some(self.builder.ins().bitcast(I32X4, little_endian(), r))
    }

    /// `v` as `I8X16` (a no-op if it is one).
    fn as_i8x16(&mut self, v: Value) -> Value {
        if self.ty(v) == I8X16 {
            v
        } else {
            self.builder.ins().bitcast(I8X16, little_endian(), v)
        }
    }

    /// CLIF `shuffle`: byte i of the result is byte `bytes[i]` of `a` (0..15) or of `b`
    /// (16..31).
    fn shuffle_bytes(&mut self, a: Value, b: Value, bytes: Vec<u8>) -> Value {
        let (a, b) = (self.as_i8x16(a), self.as_i8x16(b));
        let imm = self
            .builder
            .func
            .dfg
            .immediates
            .push(ConstantData::from(bytes));
        self.builder.ins().shuffle(a, b, imm)
    }

    /// An `I8X16` whose 32-bit lane i is lane `words[i]` of `v`, or zero for `None`.
    fn shuffle_words(&mut self, v: Value, words: [Option<u8>; 4]) -> Value {
        let zero = words.contains(&None).then(|| self.vconst(I8X16, 0));
        // Shuffle indices 16..31 pick from the second operand: byte 16 of a zero vector.
        let bytes: Vec<u8> = words
            .iter()
            .flat_map(|w| (0..4).map(move |i| w.map_or(16, |w| 4 * w + i)))
            .collect();
        self.shuffle_bytes(v, zero.unwrap_or(v), bytes)
    }

    /// Rotate through extract/concat (the models' default), for widths with no CLIF type.
    fn rotl_generic(&mut self, v: &ClifValue, n: u32) -> ClifValue {
        let w = v.width;
        let low = self.extract(v, w - n - 1, 0);
        let high = self.extract(v, w - 1, w - n);
        self.concat(&low, &high)
    }
}

impl Domain for ClifDomain<'_, '_> {
    type V = ClifValue;

    fn width(&self, v: &ClifValue) -> u32 {
        v.width
    }

    fn constant(&mut self, c: Bits) -> ClifValue {
        let w = c.width();
        let value = match w {
            // 128-bit constants go to the constant pool as a vector.
            128 => self.vconst(I32X4, c.to_u128()),
            65..=127 => {
                let v = c.to_u128();
                let lo = self.builder.ins().iconst(I64, v as u64 as i64);
                let hi = self.builder.ins().iconst(I64, (v >> 64) as u64 as i64);
                self.builder.ins().iconcat(lo, hi)
            }
            _ => self.builder.ins().iconst(scalar_type(w), c.to_u64() as i64),
        };
        ClifValue {
            value,
            width: w,
            konst: Some(c),
        }
    }

    fn extract(&mut self, v: &ClifValue, hi: u32, lo: u32) -> ClifValue {
        assert!(
            hi >= lo && hi < v.width,
            "extract {hi}:{lo} of {} bits",
            v.width
        );
        let w = hi - lo + 1;
        if lo == 0 && w == v.width {
            return v.clone();
        }
        if let Some(c) = v.konst {
            return self.constant(c.extract(hi, lo));
        }
        // Aligned lanes of a 128-bit value: one lane move, no I128 arithmetic.
        if v.width == 128
            && matches!(w, 8 | 16 | 32 | 64)
            && lo.is_multiple_of(w)
            && (matches!(w, 32 | 64) || self.ty(v.value).is_vector())
        {
            if w == 32 {
                // The lane's scalar, if the matcher finds one and the CLIF model agrees.
                if let Some(x) = known_lane32(&self.builder.func.dfg, v.value, (lo / 32) as u8)
                    .filter(|&x| {
                        crate::validate::bits_agree(self.builder.func, v.value, lo, x, 0, 32)
                    })
                {
                    return self.mk(x, 32);
                }
            }
            let vty = vector_of(w);
            let vec = if self.ty(v.value) == vty {
                v.value
            } else {
                self.builder.ins().bitcast(vty, little_endian(), v.value)
            };
            let r = self.builder.ins().extractlane(vec, (lo / w) as u8);
            return self.mk(r, w);
        }
        let x = self.as_int(v);
        let x = if lo > 0 {
            self.builder.ins().ushr_imm_u(x, lo as i64)
        } else {
            x
        };
        let to = scalar_type(w);
        let x = if self.ty(x).bits() > to.bits() {
            self.builder.ins().ireduce(to, x)
        } else {
            x
        };
        let r = self.mask(x, w);
        self.mk(r, w)
    }

    fn concat(&mut self, hi: &ClifValue, lo: &ClifValue) -> ClifValue {
        let w = hi.width + lo.width;
        if let (Some(h), Some(l)) = (hi.konst, lo.konst) {
            return self.constant(h.concat(&l));
        }
        // Two double words make a vector by lane moves, not I128 arithmetic.
        if hi.width == 64 && lo.width == 64 {
            let h = self.as_int(hi);
            let l = self.as_int(lo);
            let v = self.builder.ins().scalar_to_vector(I64X2, l);
            let v = self.builder.ins().insertlane(v, h, 1);
            let r = self.builder.ins().bitcast(I32X4, little_endian(), v);
            return self.mk(r, w);
        }
        let to = scalar_type(w);
        let l = self.as_int(lo);
        let l = self.uext(l, to);
        // Zero-extension (the models' `zext`) needs no shift or or.
        if hi.konst.is_some_and(|c| c.is_zero()) {
            return self.mk(l, w);
        }
        let h = self.as_int(hi);
        let h = self.uext(h, to);
        let h = self.builder.ins().ishl_imm_u(h, lo.width as i64);
        let r = self.builder.ins().bor(h, l);
        self.mk(r, w)
    }

    fn binary(&mut self, op: BinOp, a: &ClifValue, b: &ClifValue) -> ClifValue {
        assert_eq!(
            a.width, b.width,
            "{op:?} on {} and {} bits",
            a.width, b.width
        );
        let w = a.width;
        if let (Some(x), Some(y)) = (a.konst, b.konst) {
            return self.constant(op.eval(&x, &y));
        }
        // Bitwise ops on 128-bit vectors stay vector ops.
        let vec = |d: &Self, v: &ClifValue| d.ty(v.value).is_vector();
        if op.is_bitwise() && w == 128 && (vec(self, a) || vec(self, b)) {
            let x = self.as_i32x4(a);
            let y = self.as_i32x4(b);
            let r = match op {
                BinOp::And => self.builder.ins().band(x, y),
                BinOp::Or => self.builder.ins().bor(x, y),
                _ => self.builder.ins().bxor(x, y),
            };
            return self.mk(r, w);
        }
        let x = self.as_int(a);
        let y = self.as_int(b);
        match op {
            BinOp::And => {
                let r = self.builder.ins().band(x, y);
                self.mk(r, w)
            }
            BinOp::Or => {
                let r = self.builder.ins().bor(x, y);
                self.mk(r, w)
            }
            BinOp::Xor => {
                let r = self.builder.ins().bxor(x, y);
                self.mk(r, w)
            }
            BinOp::Add | BinOp::Sub | BinOp::Mul => {
                let r = match op {
                    BinOp::Add => self.builder.ins().iadd(x, y),
                    BinOp::Sub => self.builder.ins().isub(x, y),
                    _ => self.builder.ins().imul(x, y),
                };
                let r = self.mask(r, w);
                self.mk(r, w)
            }
            BinOp::Shl | BinOp::Lshr => {
                // SMT-LIB: amounts >= w shift everything out; CLIF takes the amount mod the
                // type width, so select zero for large amounts.
                let shifted = if op == BinOp::Shl {
                    self.builder.ins().ishl(x, y)
                } else {
                    self.builder.ins().ushr(x, y)
                };
                let shifted = self.mask(shifted, w);
                let ty = self.ty(x);
                let big =
                    self.builder
                        .ins()
                        .icmp_imm_u(IntCC::UnsignedGreaterThanOrEqual, y, w as i64);
                let zero = self.constant(Bits::zero(w));
                let zero = self.as_int(&zero);
                let zero = self.uext(zero, ty);
                let r = self.builder.ins().select(big, zero, shifted);
                self.mk(r, w)
            }
            BinOp::Ashr => {
                // Amounts >= w give all sign bits, the same as w - 1.
                let sx = self.sext_in_place(x, w);
                let big =
                    self.builder
                        .ins()
                        .icmp_imm_u(IntCC::UnsignedGreaterThanOrEqual, y, w as i64);
                let ty = self.ty(y);
                let max = if ty == I128 {
                    let m = self.builder.ins().iconst(I64, (w - 1) as i64);
                    self.builder.ins().uextend(I128, m)
                } else {
                    self.builder.ins().iconst(ty, (w - 1) as i64)
                };
                let amount = self.builder.ins().select(big, max, y);
                let r = self.builder.ins().sshr(sx, amount);
                let r = self.mask(r, w);
                self.mk(r, w)
            }
            BinOp::Eq | BinOp::Ult | BinOp::Slt => {
                let r = match op {
                    BinOp::Eq => self.builder.ins().icmp(IntCC::Equal, x, y),
                    BinOp::Ult => self.builder.ins().icmp(IntCC::UnsignedLessThan, x, y),
                    _ => {
                        let sx = self.sext_in_place(x, w);
                        let sy = self.sext_in_place(y, w);
                        self.builder.ins().icmp(IntCC::SignedLessThan, sx, sy)
                    }
                };
                self.mk(r, 1)
            }
        }
    }

    fn not(&mut self, a: &ClifValue) -> ClifValue {
        if let Some(c) = a.konst {
            return self.constant(c.not());
        }
        let r = self.builder.ins().bnot(a.value);
        let r = if self.ty(r).is_vector() {
            r
        } else {
            self.mask(r, a.width)
        };
        self.mk(r, a.width)
    }

    fn ite(&mut self, c: &ClifValue, t: &ClifValue, e: &ClifValue) -> ClifValue {
        assert_eq!(c.width, 1, "ite condition must be 1 bit");
        assert_eq!(t.width, e.width, "ite arms differ in width");
        if let Some(k) = c.konst {
            return if k.is_zero() { e.clone() } else { t.clone() };
        }
        // Select on scalars (vectors via I128): supported by every backend.
        let x = self.as_int(t);
        let y = self.as_int(e);
        let r = self.builder.ins().select(c.value, x, y);
        self.mk(r, t.width)
    }

    fn as_const(&self, v: &ClifValue) -> Option<Bits> {
        v.konst
    }

    /// `t` on all 16 bytes at once, through 16 byte shuffles instead of the byte-by-byte
    /// GF(2^8) arithmetic: `swizzle(row_h, x ^ 16h)` is entry `x & 15` of the table's row `h`
    /// when `x`'s high nibble is `h` (the index is then below 16) and 0 otherwise (CLIF's
    /// swizzle zeroes out-of-range lanes), so the XOR over the 16 rows is `t(x)`. No memory
    /// access and no branch depends on `x`: constant time, like the fallbacks.
    fn table_bytes(&mut self, t: Table, v: &ClifValue) -> ClifValue {
        if v.width != 128 {
            return models::domain::gf::table_each_byte(self, t, v);
        }
        let x = self.as_i8x16(v.value);
        let entries = t.entries();
        let mut acc: Option<Value> = None;
        for h in 0..16usize {
            let row: [u8; 16] = entries[16 * h..16 * h + 16].try_into().expect("16 entries");
            let row = self.vconst(I8X16, u128::from_le_bytes(row));
            let index = if h == 0 {
                x
            } else {
                let high = self.vconst(I8X16, u128::from_le_bytes([16 * h as u8; 16]));
                self.builder.ins().bxor(x, high)
            };
            let picked = self.builder.ins().swizzle(row, index);
            acc = Some(match acc {
                None => picked,
                Some(a) => self.builder.ins().bxor(a, picked),
            });
        }
        self.mk(acc.expect("16 rows"), 128)
    }

    /// All 16 bytes at once: each shifted left by one, XORed with 0x1b where its top bit was
    /// set (the top bit shifted arithmetically across the byte, masked).
    fn xtime_bytes(&mut self, v: &ClifValue) -> ClifValue {
        if v.width != 128 || v.konst.is_some() {
            return models::domain::gf::xtime_each_byte(self, v);
        }
        let x = self.as_i8x16(v.value);
        let shifted = self.builder.ins().ishl_imm_u(x, 1);
        let top = self.builder.ins().sshr_imm_u(x, 7);
        let poly = self.vconst(I8X16, u128::from_le_bytes([0x1b; 16]));
        let reduce = self.builder.ins().band(top, poly);
        let r = self.builder.ins().bxor(shifted, reduce);
        self.mk(r, 128)
    }

    /// The product as SIMD: the four 32 x 32-bit partial products in the 64-bit lanes of two
    /// vectors, `[a0*b0, a1*b1]` and `[a1*b0, a0*b1]`, each step one masked shift-and-XOR
    /// for all four, so 32 steps instead of the definition's 64 on two 64-bit halves (which
    /// spill on x86-64). The mask of bit k of `b0`/`b1` comes from 32-bit lanes holding the
    /// part twice: shifted to the top of each and shifted back arithmetically, so both halves
    /// of the 64-bit lane are all ones or all zeros. The middle products, summed, go in at
    /// x^32. Only vector shifts by constants, AND, XOR and shuffles: the verifier proves this
    /// equal to the definition bit for bit (algebraic normal form).
    fn clmul64(&mut self, a: &ClifValue, b: &ClifValue) -> ClifValue {
        if a.width != 64 || b.width != 64 || a.konst.is_some() || b.konst.is_some() {
            return models::domain::gf::clmul64(self, a, b);
        }
        let (va, wa) = self.double_word_in_vector(a);
        let (vb, wb) = self.double_word_in_vector(b);
        // 32-bit lanes of the results, by source word (`None`: a zero word).
        let a01 = self.shuffle_words(va, [Some(wa), None, Some(wa + 1), None]);
        let a10 = self.shuffle_words(va, [Some(wa + 1), None, Some(wa), None]);
        let b0011 = self.shuffle_words(vb, [Some(wb), Some(wb), Some(wb + 1), Some(wb + 1)]);
        let b0011 = self.builder.ins().bitcast(I32X4, little_endian(), b0011);
        let a01 = self.builder.ins().bitcast(I64X2, little_endian(), a01);
        let a10 = self.builder.ins().bitcast(I64X2, little_endian(), a10);
        let (mut outer, mut middle): (Option<Value>, Option<Value>) = (None, None);
        for k in 0..32i64 {
            let top = if k == 31 {
                b0011
            } else {
                self.builder.ins().ishl_imm_u(b0011, 31 - k)
            };
            let mask = self.builder.ins().sshr_imm_u(top, 31);
            let mask = self.builder.ins().bitcast(I64X2, little_endian(), mask);
            for (acc, x) in [(&mut outer, a01), (&mut middle, a10)] {
                let shifted = if k == 0 {
                    x
                } else {
                    self.builder.ins().ishl_imm_u(x, k)
                };
                let part = self.builder.ins().band(shifted, mask);
                *acc = Some(match *acc {
                    None => part,
                    Some(sum) => self.builder.ins().bxor(sum, part),
                });
            }
        }
        let (outer, middle) = (outer.expect("32 steps"), middle.expect("32 steps"));
        // Both middle products in both lanes, then at bits 32..95: words [0, m0, m1, 0].
        let swapped = self.shuffle_words(middle, [Some(2), Some(3), Some(0), Some(1)]);
        let swapped = self.builder.ins().bitcast(I64X2, little_endian(), swapped);
        let sum = self.builder.ins().bxor(middle, swapped);
        let placed = self.shuffle_words(sum, [None, Some(0), Some(1), None]);
        let outer = self.builder.ins().bitcast(I8X16, little_endian(), outer);
        let r = self.builder.ins().bxor(outer, placed);
        let r = self.builder.ins().bitcast(I32X4, little_endian(), r);
        self.mk(r, 128)
    }

    fn rotl(&mut self, v: &ClifValue, n: u32) -> ClifValue {
        let w = v.width;
        let n = n % w;
        if n == 0 {
            return v.clone();
        }
        if let Some(c) = v.konst {
            let r = c.shl_by(n).or(&c.lshr_by(w - n));
            return self.constant(r);
        }
        // One rotate instruction where the width is a CLIF type.
        if matches!(w, 8 | 16 | 32 | 64 | 128) {
            let x = self.as_int(v);
            let amount = self.builder.ins().iconst(I32, n as i64);
            let r = self.builder.ins().rotl(x, amount);
            return self.mk(r, w);
        }
        self.rotl_generic(v, n)
    }

    fn from_lanes(&mut self, lanes: &[ClifValue]) -> ClifValue {
        if let Some(r) = self.lanes_as_shuffle(lanes) {
            return self.mk(r, 128);
        }
        if lanes.len() == 4 && lanes.iter().all(|l| l.width == 32) {
            if lanes.iter().all(|l| l.konst.is_some()) {
                let v = lanes
                    .iter()
                    .rev()
                    .fold(0u128, |acc, l| acc << 32 | l.konst.unwrap().to_u128());
                return self.constant(Bits::from_u128(128, v));
            }
            if lanes.iter().all(|l| l.value == lanes[0].value) {
                let r = self.builder.ins().splat(I32X4, lanes[0].value);
                return self.mk(r, 128);
            }
            // scalar_to_vector zeroes lanes 1-3, so zero lanes need no insert.
            let mut r = self.builder.ins().scalar_to_vector(I32X4, lanes[0].value);
            for (i, l) in lanes.iter().enumerate().skip(1) {
                if l.konst.is_some_and(|c| c.is_zero()) {
                    continue;
                }
                r = self.builder.ins().insertlane(r, l.value, i as u8);
            }
            return self.mk(r, 128);
        }
        // Byte and half-word lanes: assembled into 32-bit words with scalar operations (no
        // I128, and no narrow GPR-to-vector moves, which not every backend has), then the
        // word lanes above.
        let lw = lanes[0].width;
        if matches!(lw, 8 | 16)
            && lanes.len() as u32 * lw == 128
            && lanes.iter().all(|l| l.width == lw)
        {
            let per_word = (32 / lw) as usize;
            let words: Vec<ClifValue> = lanes
                .chunks(per_word)
                .map(|c| {
                    let mut acc = c[per_word - 1].clone();
                    for l in c[..per_word - 1].iter().rev() {
                        acc = self.concat(&acc, l);
                    }
                    acc
                })
                .collect();
            return self.from_lanes(&words);
        }
        let mut acc = lanes[lanes.len() - 1].clone();
        for l in lanes[..lanes.len() - 1].iter().rev() {
            acc = self.concat(&acc, l);
        }
        acc
    }
}

/// `(vector, lane)` if `v` is defined by `extractlane vector, lane`.
pub(crate) fn extracted_lane(dfg: &DataFlowGraph, v: Value) -> Option<(Value, u8)> {
    let ValueDef::Result(inst, _) = dfg.value_def(v) else {
        return None;
    };
    match dfg.insts[inst] {
        InstructionData::BinaryImm8 {
            opcode: Opcode::Extractlane,
            arg,
            imm,
        } => Some((arg, imm)),
        _ => None,
    }
}

/// The 128-bit vector type with `w`-bit lanes.
fn vector_of(w: u32) -> Type {
    match w {
        8 => I8X16,
        16 => I16X8,
        32 => I32X4,
        _ => I64X2,
    }
}
