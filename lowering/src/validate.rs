//! Validation of the lowering's local rewrites. Before the engine replaces a value by
//! another it believes equal in the bits that matter (lane-0 forwarding: lane 0 of a
//! broadcast is lane 0 of its source; lane reuse: lane k of a vector built from lanes is the
//! scalar inserted there), it shows the two agree: the CLIF model evaluates the value's
//! defining instructions over terms, with the claimed source and everything outside a small
//! cone as free variables, and the normaliser must bring both sides to one term. A rewrite
//! that is not shown is not applied: the engine then emits the plain code.
//!
//! The pattern matchers that propose rewrites (`lane0_source`, `known_lane32`) are thereby
//! no longer trusted: a matcher that proposes a wrong source costs speed, not correctness.

use cranelift_codegen::ir::{Function, Value};
use models::normalise::normalise;
use models::{Domain, Terms};

/// Instructions interpreted per cone (pre-order, so the lane structure comes first; what is
/// left beyond it is free): broadcasts and lane builds are a handful deep.
const CONE_BUDGET: usize = 8;

/// Are bits `v_lo + width - 1 .. v_lo` of `v` bits `x_lo + width - 1 .. x_lo` of `x`, for
/// every value of `x` and of the other leaves of `v`'s cone?
pub fn bits_agree(func: &Function, v: Value, v_lo: u32, x: Value, x_lo: u32, width: u32) -> bool {
    let mut t = Terms::new();
    let mut leaf = |t: &mut Terms, val: Value, w: u32| t.var(&format!("clif.{val}"), w);
    let Ok(vt) = models::clif::eval_value(&mut t, func, v, &[x], CONE_BUDGET, &mut leaf) else {
        return false;
    };
    let xw = func.dfg.value_type(x).bits();
    let xt = t.var(&format!("clif.{}", func.dfg.resolve_aliases(x)), xw);
    if width == 0 || v_lo + width > t.width(&vt) || x_lo + width > xw {
        return false;
    }
    let a = t.extract(&vt, v_lo + width - 1, v_lo);
    let b = t.extract(&xt, x_lo + width - 1, x_lo);
    normalise(&mut t, a) == normalise(&mut t, b)
}

/// Instructions interpreted per cone when comparing whole values: a composition of shuffles
/// is a few shuffles and the bitcasts between them.
const VALUE_CONE_BUDGET: usize = 32;

/// Is `v` equal to `w` on all 128 (or however many) bits, for every value of `leaves` and of
/// the other leaves of their cones? (Both cones are evaluated with shared leaf variables.)
pub fn values_agree(func: &Function, v: Value, w: Value, leaves: &[Value]) -> bool {
    let mut t = Terms::new();
    let mut leaf = |t: &mut Terms, val: Value, w: u32| t.var(&format!("clif.{val}"), w);
    let Ok(a) = models::clif::eval_value(&mut t, func, v, leaves, VALUE_CONE_BUDGET, &mut leaf)
    else {
        return false;
    };
    let Ok(b) = models::clif::eval_value(&mut t, func, w, leaves, VALUE_CONE_BUDGET, &mut leaf)
    else {
        return false;
    };
    t.width(&a) == t.width(&b) && normalise(&mut t, a) == normalise(&mut t, b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use cranelift_codegen::ir::types::{I32, I32X4, I8X16};
    use cranelift_codegen::ir::{AbiParam, InstBuilder, Signature, UserFuncName};
    use cranelift_codegen::isa::{CallConv, TargetFrontendConfig};
    use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
    use target_lexicon::PointerWidth;

    /// A function of two i32x4 params, with `body` adding instructions; returns the params and
    /// the value `body` returns.
    fn with_function(body: impl FnOnce(&mut FunctionBuilder, Value, Value) -> Value) -> bool {
        let mut sig = Signature::new(CallConv::SystemV);
        sig.params = vec![AbiParam::new(I32X4), AbiParam::new(I32X4)];
        sig.returns = vec![AbiParam::new(I32X4)];
        let mut func = Function::with_name_signature(UserFuncName::user(0, 0), sig);
        let mut ctx = FunctionBuilderContext::new();
        let mut b = FunctionBuilder::new(&mut func, &mut ctx);
        let block = b.create_block();
        b.append_block_params_for_function_params(block);
        b.switch_to_block(block);
        let (x, y) = (b.block_params(block)[0], b.block_params(block)[1]);
        let v = body(&mut b, x, y);
        b.ins().return_(&[v]);
        b.seal_all_blocks();
        b.finalize(TargetFrontendConfig {
            default_call_conv: CallConv::SystemV,
            pointer_width: PointerWidth::U64,
            page_size_align_log2: 12,
        });
        // Lane 0 of the result against lane 0 of x.
        let ret = func
            .layout
            .last_inst(func.layout.entry_block().unwrap())
            .unwrap();
        let v = func.dfg.inst_args(ret)[0];
        let x = func.dfg.block_params(func.layout.entry_block().unwrap())[0];
        bits_agree(&func, v, 0, x, 0, 32)
    }

    #[test]
    fn only_broadcasts_of_lane_0_agree_with_their_source_in_lane_0() {
        for lane in 0..4u8 {
            let splat = with_function(|b, x, _| {
                let e = b.ins().extractlane(x, lane);
                b.ins().splat(I32X4, e)
            });
            assert_eq!(splat, lane == 0, "splat(extractlane(x, {lane}))");
            let shuffle = with_function(|b, x, y| {
                let mask: Vec<u8> = (0..16).map(|i| 4 * lane + i % 4).collect();
                let imm = b.func.dfg.immediates.push(mask.as_slice().into());
                let xb = b.ins().bitcast(I8X16, crate::domain::little_endian(), x);
                let yb = b.ins().bitcast(I8X16, crate::domain::little_endian(), y);
                let s = b.ins().shuffle(xb, yb, imm);
                b.ins().bitcast(I32X4, crate::domain::little_endian(), s)
            });
            assert_eq!(shuffle, lane == 0, "shuffle broadcasting lane {lane} of x");
        }
        // A broadcast of the other operand's lane 0 is not one of x's.
        assert!(!with_function(|b, _, y| {
            let e = b.ins().extractlane(y, 0);
            b.ins().splat(I32X4, e)
        }));
    }

    #[test]
    fn lanes_built_by_insertlane_are_the_inserted_scalars() {
        assert!(with_function(|b, x, y| {
            let e = b.ins().extractlane(x, 0);
            let k = b.ins().iconst(I32, 7);
            let v = b.ins().insertlane(y, k, 1);
            b.ins().insertlane(v, e, 0)
        }));
        assert!(!with_function(|b, x, y| {
            let e = b.ins().extractlane(x, 0);
            let v = b.ins().insertlane(y, e, 1);
            b.ins().insertlane(v, e, 2)
        }));
    }
}
