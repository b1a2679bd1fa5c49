//! The C layer as ACLE defines it, and the boundaries between layers:
//! - `c_model`: the C intrinsic is the instruction run with each argument in
//!   the register the ACLE mapping names (`hash_e -> Sn`: only bits 31:0 are
//!   the argument; the rest of that register is whatever was there before);
//! - `c_via_engine`: the C layer as built on the engine intrinsic, with the
//!   spec's boundary conversions (splat, extract lane 0, ...);
//! - `engine_on_aarch64`: the engine intrinsic's params bound to the
//!   instruction's registers, run through the decoder and the instruction.

use anyhow::{anyhow, bail, Result};
use spec::{Boundary, Field, Intrinsic, View};

use crate::aarch64::{execute, read_view, Inst, RegFile};
use crate::domain::Domain;

/// Decode the spec's encoding and check it is the named instruction with
/// distinct registers for the fields the intrinsic uses.
pub fn decode_for(intr: &Intrinsic) -> Result<Inst> {
    let inst = Inst::decode(intr.encoding).ok_or_else(|| {
        anyhow!(
            "intrinsic `{}`: encoding {:#010x} is not a SHA-1 instruction",
            intr.name,
            intr.encoding
        )
    })?;
    if inst.mnemonic != intr.instruction {
        bail!(
            "intrinsic `{}`: encoding {:#010x} decodes to `{inst}`, not {}",
            intr.name,
            intr.encoding,
            intr.instruction
        );
    }
    Ok(inst)
}

pub fn register_of(inst: &Inst, field: Field) -> u8 {
    match field {
        Field::Rd => inst.rd,
        Field::Rn => inst.rn,
        Field::Rm => inst.rm,
    }
}

fn check_distinct(intr: &Intrinsic, inst: &Inst, fields: &[Field]) -> Result<()> {
    for (i, a) in fields.iter().enumerate() {
        for b in &fields[i + 1..] {
            if a != b && register_of(inst, *a) == register_of(inst, *b) {
                bail!(
                    "intrinsic `{}`: fields {a} and {b} both name register {} in `{inst}`, so the operands alias",
                    intr.name,
                    register_of(inst, *a)
                );
            }
        }
    }
    Ok(())
}

/// The ACLE meaning of a C intrinsic. `background` is the register file before
/// the call (free in proofs: the result must not depend on it).
pub fn c_model<D: Domain>(
    d: &mut D,
    intr: &Intrinsic,
    args: &[D::V],
    background: RegFile<D::V>,
) -> Result<D::V> {
    let inst = decode_for(intr)?;
    let fields: Vec<Field> = intr.arguments.iter().map(|a| a.register.field).collect();
    check_distinct(intr, &inst, &fields)?;
    let mut regs = background;
    for (arg, value) in intr.arguments.iter().zip(args) {
        let r = register_of(&inst, arg.register.field) as usize;
        regs.v[r] = match arg.register.view {
            View::Full => value.clone(),
            // A scalar in the low bits; the rest of the register is what was there before.
            view => {
                let upper = d.extract(&regs.v[r], 127, view.bits());
                d.concat(&upper, value)
            }
        };
    }
    execute(d, inst, &mut regs);
    let width = intr.result.view.bits();
    Ok(read_view(
        d,
        &regs,
        register_of(&inst, intr.result.field),
        width,
    ))
}

/// A C value converted to an engine param.
pub fn to_engine<D: Domain>(d: &mut D, b: Boundary, v: &D::V) -> D::V {
    match b {
        Boundary::Vector | Boundary::Lane0 => v.clone(),
        Boundary::Splat => {
            let copies = vec![v.clone(); (128 / d.width(v)) as usize];
            d.from_lanes(&copies)
        }
        Boundary::ZeroExtend => d.zext(v, 128),
    }
}

/// An engine result converted to the C result of `width` bits.
pub fn from_engine<D: Domain>(d: &mut D, b: Boundary, v: &D::V, width: u32) -> D::V {
    match b {
        Boundary::Lane0 => d.lane(v, 0, width),
        _ => v.clone(),
    }
}

/// The engine params the C layer passes for these C args.
pub fn engine_params<D: Domain>(d: &mut D, intr: &Intrinsic, args: &[D::V]) -> Vec<D::V> {
    intr.engine
        .params
        .iter()
        .map(|p| to_engine(d, p.boundary, &args[p.from]))
        .collect()
}

/// The C intrinsic as the C layer builds it on an engine intrinsic `engine`.
pub fn c_via_engine<D: Domain>(
    d: &mut D,
    intr: &Intrinsic,
    args: &[D::V],
    engine: impl FnOnce(&mut D, &[D::V]) -> Result<D::V>,
) -> Result<D::V> {
    let params = engine_params(d, intr, args);
    let r = engine(d, &params)?;
    let width = intr.result_type().value_bits().unwrap_or(128);
    Ok(from_engine(d, intr.engine.result_boundary, &r, width))
}

/// The engine intrinsic's params placed in the registers the spec binds them
/// to, the spec's instruction word decoded and executed, the result register read whole.
pub fn engine_on_aarch64<D: Domain>(
    d: &mut D,
    intr: &Intrinsic,
    params: &[D::V],
    background: RegFile<D::V>,
) -> Result<D::V> {
    let inst = decode_for(intr)?;
    let fields: Vec<Field> = intr.engine.params.iter().map(|p| p.field).collect();
    check_distinct(intr, &inst, &fields)?;
    for (i, a) in fields.iter().enumerate() {
        if fields[..i].contains(a) {
            bail!(
                "engine intrinsic `{}`: two params bound to {a}",
                intr.engine.name
            );
        }
    }
    let mut regs = background;
    for (p, v) in intr.engine.params.iter().zip(params) {
        regs.v[register_of(&inst, p.field) as usize] = v.clone();
    }
    execute(d, inst, &mut regs);
    Ok(regs.v[register_of(&inst, intr.engine.result_field) as usize].clone())
}
