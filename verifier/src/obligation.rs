//! What `check` proves: the obligations of a family, derived from its spec.

use std::fmt;

use serde::Serialize;
use spec::{Field, Spec};

use crate::layer::Layer;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Kind {
    /// For all inputs, the two layers compute the same value.
    Refines { left: Layer, right: Layer },
    /// Engine param `param` is observed exactly in the lanes the spec lists.
    Lanes { param: usize },
    /// The engine may pass `x` where the program passed `splat(lane0(x))`.
    Forwarding { param: usize },
    /// The instruction table's operand in `field` says what the AArch64 model does with that
    /// register: bits outside its read view never reach a written register, a register read
    /// does, a register not written keeps its value, a written one changes, and a write
    /// through a narrow view clears the bits above it.
    Operand { field: Field },
    /// The native placeholder's register reads and writes cover the instruction's.
    Effects,
    /// No memory address, branch condition, loop bound or trap condition of the compiled
    /// fallback depends on the intrinsic's inputs.
    ConstantTime,
    /// Lowering (E)'s rewrite rule `lowering::x86::REWRITE_RULES[rule]`: its two sides are
    /// equal for all values of their parameters.
    Rewrite { rule: usize },
}

#[derive(Clone, Debug)]
pub struct Obligation {
    /// Stable name used in reports, filters and counterexample files.
    pub id: String,
    pub intrinsic: String,
    pub kind: Kind,
}

impl Obligation {
    pub fn layers(&self) -> (Layer, Layer) {
        match self.kind {
            Kind::Refines { left, right } => (left, right),
            Kind::Lanes { .. } | Kind::Forwarding { .. } => (Layer::Engine, Layer::Engine),
            Kind::Effects => (Layer::Native, Layer::Aarch64),
            Kind::Operand { .. } => (Layer::Aarch64, Layer::Aarch64),
            Kind::ConstantTime => (Layer::Wasm, Layer::Wasm),
            Kind::Rewrite { .. } => (Layer::X86, Layer::X86),
        }
    }

    pub fn kind_name(&self) -> &'static str {
        match self.kind {
            Kind::Refines { .. } => "refinement",
            Kind::Lanes { .. } => "lane-fact",
            Kind::Forwarding { .. } => "forwarding",
            Kind::Effects => "register-effects",
            Kind::Operand { .. } => "operand-effects",
            Kind::ConstantTime => "constant-time",
            Kind::Rewrite { .. } => "rewrite",
        }
    }

    /// What the obligation proves, in words.
    pub fn statement(&self, spec: &Spec) -> String {
        let intr = spec.intrinsic(&self.intrinsic);
        match (&self.kind, intr) {
            (Kind::Refines { left: Layer::C, right: Layer::Engine }, Some(i)) => format!(
                "{} as ACLE defines it (registers {}) equals the C layer's call of {} with the spec's boundary conversions",
                i.name,
                i.arguments.iter().map(|a| format!("{}->{}", a.name, a.register)).collect::<Vec<_>>().join(", "),
                i.engine.name
            ),
            (Kind::Refines { left: Layer::Engine, right: Layer::Aarch64 }, Some(i)) => format!(
                "{} equals {} ({:#010x}) with its params in the bound registers, on the whole 128-bit result",
                i.engine.name, i.instruction, i.encoding
            ),
            (Kind::Refines { left: Layer::Aarch64, right: Layer::Arm }, Some(i)) => format!(
                "the project's {} model equals ARM's Sail semantics for {:#010x}, for all register contents",
                i.instruction, i.encoding
            ),
            (Kind::Refines { left: Layer::C, right: Layer::Wasm }, Some(i)) => format!(
                "{} as clang compiled it through wasm_arm_neon.h (export wrap_{}) equals its ACLE meaning",
                i.name, i.name
            ),
            (Kind::Refines { left: Layer::Wasm, right: Layer::Engine }, Some(i)) => format!(
                "the pure-Wasm fallback {} as compiled equals the engine intrinsic on the whole v128",
                i.engine.name
            ),
            (Kind::Refines { left: Layer::Clif, right: Layer::Engine }, Some(i)) => format!(
                "the CLIF the engine's lowering table emits at a call of {} in lowering (A) equals the engine intrinsic",
                i.engine.name
            ),
            (Kind::Refines { left: Layer::Native, right: Layer::Engine }, Some(i)) => format!(
                "the AArch64 code the engine compiles for a call of {} in lowering (D) (placeholder, Cranelift's register allocation, \
                 the post-pass's {} word), run on the models from entry to `ret`, returns {} in V0",
                i.engine.name, i.instruction, i.engine.name
            ),
            (Kind::Refines { left: Layer::X86, right: Layer::Engine }, Some(i)) => format!(
                "the x86-64 code the engine compiles for a call of {} in lowering (E) (its sequence, the cross-intrinsic rewrites, \
                 Cranelift's instruction selection and register allocation, the post-pass's re-encoding), decoded and run from entry \
                 to `ret` on the x86 model (Intel's SDM semantics, checked against this CPU), returns {} in XMM0",
                i.engine.name, i.engine.name
            ),
            (Kind::Forwarding { param }, Some(i)) => {
                let name = &i.arguments[i.engine.params[*param].from].name;
                let (form, dropped) = if i.engine.params[*param].observes == [0] {
                    (format!("splat(lane 0 of `{name}`)"), "the broadcast")
                } else {
                    (format!("u64x2(low half of `{name}`, 0)"), "the zeroed high half")
                };
                format!(
                    "{} gives the same result for `{name}` and for {form}, so the engine may drop {dropped}",
                    i.engine.name
                )
            }
            (Kind::Effects, Some(i)) => format!(
                "the placeholder the engine emits for {} reads and writes a superset of the registers {} reads and writes",
                i.engine.name, i.instruction
            ),
            (Kind::Operand { field }, Some(i)) => format!(
                "the instruction table's {field} operand of {} says what the AArch64 model does with that register: \
                 bits outside its read view never reach a written register (and, if read, the register does reach one); \
                 it keeps its value unless written, writing it changes it, and a narrow write clears the bits above",
                i.instruction
            ),
            (Kind::ConstantTime, Some(i)) => format!(
                "the fallback {} as compiled computes no memory address, branch condition, loop bound or trap condition from its inputs",
                i.engine.name
            ),
            (Kind::Rewrite { rule }, Some(_)) => {
                let r = &lowering::x86::REWRITE_RULES[*rule];
                format!(
                    "lowering (E) may compute [{}] as [{}]: equal for all values of p0..p{}",
                    r.from.join("; "),
                    r.to.join("; "),
                    r.params.saturating_sub(1)
                )
            }
            (Kind::Lanes { param }, Some(i)) => {
                let p = &i.engine.params[*param];
                format!(
                    "{} observes lanes {:?} of `{}` and no others",
                    i.engine.name, p.observes, i.arguments[p.from].name
                )
            }
            _ => self.id.clone(),
        }
    }
}

/// The obligations of a spec, in a stable order.
pub fn all(spec: &Spec) -> Vec<Obligation> {
    let mut out = Vec::new();
    for i in &spec.intrinsics {
        for (left, right) in [
            (Layer::C, Layer::Wasm),
            (Layer::C, Layer::Engine),
            (Layer::Wasm, Layer::Engine),
            (Layer::Clif, Layer::Engine),
            (Layer::Native, Layer::Engine),
            (Layer::X86, Layer::Engine),
            (Layer::Engine, Layer::Aarch64),
            (Layer::Aarch64, Layer::Arm),
        ] {
            out.push(Obligation {
                id: format!("{}: {left} ~ {right}", i.name),
                intrinsic: i.name.clone(),
                kind: Kind::Refines { left, right },
            });
        }
        for (pi, p) in i.engine.params.iter().enumerate() {
            let lanes: Vec<String> = p.observes.iter().map(|l| l.to_string()).collect();
            out.push(Obligation {
                id: format!(
                    "{}: lanes({}) = {{{}}}",
                    i.name,
                    i.arguments[p.from].name,
                    lanes.join(",")
                ),
                intrinsic: i.name.clone(),
                kind: Kind::Lanes { param: pi },
            });
        }
        for (pi, p) in i.engine.params.iter().enumerate() {
            // Exactly the params the engine's lowering forwards (lowering::table).
            if matches!(p.observes.as_slice(), [0] | [0, 1]) {
                out.push(Obligation {
                    id: format!("{}: forward({})", i.name, i.arguments[p.from].name),
                    intrinsic: i.name.clone(),
                    kind: Kind::Forwarding { param: pi },
                });
            }
        }
        // The table `effects(native)` compares the placeholder with, proved field by field.
        for o in i.instruction.desc().operands {
            out.push(Obligation {
                id: format!("{}: effects({})", i.name, o.field),
                intrinsic: i.name.clone(),
                kind: Kind::Operand { field: o.field },
            });
        }
        out.push(Obligation {
            id: format!("{}: effects(native)", i.name),
            intrinsic: i.name.clone(),
            kind: Kind::Effects,
        });
        for (ri, r) in lowering::x86::REWRITE_RULES.iter().enumerate() {
            if r.mnemonic == i.instruction {
                out.push(Obligation {
                    id: format!("{}: rewrite({})", i.name, r.name),
                    intrinsic: i.name.clone(),
                    kind: Kind::Rewrite { rule: ri },
                });
            }
        }
        out.push(Obligation {
            id: format!("{}: ct(fallback)", i.name),
            intrinsic: i.name.clone(),
            kind: Kind::ConstantTime,
        });
    }
    out
}

/// A `--layers` filter such as `c~engine`; matches in either order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LayerPair(pub Layer, pub Layer);

impl std::str::FromStr for LayerPair {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        if s == "lanes" || s == "forward" {
            return Ok(LayerPair(Layer::Engine, Layer::Engine));
        }
        if s == "effects" {
            return Ok(LayerPair(Layer::Native, Layer::Aarch64));
        }
        if s == "operands" {
            return Ok(LayerPair(Layer::Aarch64, Layer::Aarch64));
        }
        if s == "ct" {
            return Ok(LayerPair(Layer::Wasm, Layer::Wasm));
        }
        if s == "rewrites" {
            return Ok(LayerPair(Layer::X86, Layer::X86));
        }
        let (a, b) = s.split_once('~').ok_or_else(|| {
            format!(
                "`{s}` is not a layer pair like c~engine (or `lanes`, `forward`, `operands`, `effects`, `ct`, `rewrites`)"
            )
        })?;
        Ok(LayerPair(a.trim().parse()?, b.trim().parse()?))
    }
}

impl LayerPair {
    pub fn matches(&self, ob: &Obligation) -> bool {
        let (l, r) = ob.layers();
        (self.0 == l && self.1 == r) || (self.0 == r && self.1 == l)
    }
}

impl fmt::Display for LayerPair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}~{}", self.0, self.1)
    }
}

#[derive(Serialize)]
pub struct Listed {
    pub family: String,
    pub id: String,
    pub intrinsic: String,
    pub kind: &'static str,
    pub left: Layer,
    pub right: Layer,
    pub statement: String,
}
