//! The layers a value crosses, from the C API down to ARM's own semantics.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Layer {
    /// The ACLE C intrinsic: the instruction with arguments in the registers ACLE names.
    C,
    /// Wasm as clang compiled it: the C intrinsic through wasm_arm_neon.h, or a fallback.
    Wasm,
    /// The engine intrinsic (v128 in, v128 out) in the Wasm lane view.
    Engine,
    /// The engine's portable lowering (A): CLIF, executed by the CLIF model.
    Clif,
    /// The engine's native lowering (D): the instruction word its post-pass writes.
    Native,
    /// The engine's x86-64 lowering (E): the machine code it compiles, decoded and run on the
    /// SDM model (`models::x86`).
    X86,
    /// The project's AArch64 model: decoder + ARM pseudocode over a register file.
    Aarch64,
    /// ARM's semantics: the isla traces of ARM's Sail model.
    Arm,
}

impl Layer {
    pub const ALL: [Layer; 8] = [
        Layer::C,
        Layer::Wasm,
        Layer::Engine,
        Layer::Clif,
        Layer::Native,
        Layer::X86,
        Layer::Aarch64,
        Layer::Arm,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Layer::C => "c",
            Layer::Wasm => "wasm",
            Layer::Engine => "engine",
            Layer::Clif => "clif",
            Layer::Native => "native",
            Layer::X86 => "x86",
            Layer::Aarch64 => "aarch64",
            Layer::Arm => "arm",
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            Layer::C => "ACLE C intrinsic (arguments in the registers ACLE maps them to)",
            Layer::Wasm => {
                "Wasm as clang built it: C intrinsics through wasm_arm_neon.h, and the fallbacks"
            }
            Layer::Engine => "engine intrinsic, v128 in / v128 out, Wasm lane view",
            Layer::Clif => "the engine's portable lowering (A) as CLIF, run by the CLIF model",
            Layer::Native => {
                "the engine's native lowering (D): the word its post-pass writes, decoded"
            }
            Layer::X86 => {
                "the engine's x86-64 lowering (E): its machine code, run on the SDM model"
            }
            Layer::Aarch64 => "AArch64 model: decoder + ARM pseudocode over the register file",
            Layer::Arm => "ARM's Sail semantics (isla traces in shared/isa)",
        }
    }
}

impl fmt::Display for Layer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Layer {
    type Err = String;
    fn from_str(s: &str) -> Result<Layer, String> {
        Layer::ALL
            .into_iter()
            .find(|l| l.name() == s)
            .ok_or_else(|| {
                let names: Vec<_> = Layer::ALL.iter().map(|l| l.name()).collect();
                format!("unknown layer `{s}` (layers: {})", names.join(", "))
            })
    }
}
