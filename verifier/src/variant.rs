//! Corpus cases (`tests/pass/*.toml`, `tests/broken/*.toml`): a spec patch
//! and/or planted model bugs, plus the verdicts the case must produce. The
//! broken corpus is what shows each obligation can fail.

use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context, Result};
use lowering::native::PlaceholderField;
use models::mutation::Mutation;
use models::Bool3;
use serde::{Deserialize, Serialize};
use spec::{Access, Field, Mnemonic, Operand, Spec, View};

use crate::layer::Layer;
use crate::repo_root;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawVariant {
    /// The family whose spec the case patches and checks (`spec/intrinsics/<family>.toml`).
    family: String,
    description: String,
    #[serde(default)]
    spec_patch: Vec<RawPatch>,
    #[serde(default)]
    mutation: Vec<RawMutation>,
    /// A fallback module to check instead of the prebuilt one.
    #[serde(default)]
    fallback: Option<String>,
    /// A C-layer build (exports `wrap_<intrinsic>`) to check instead of the prebuilt one.
    #[serde(default)]
    c_build: Option<String>,
    #[serde(default)]
    expect: Expect,
    /// A case for `verifier validate` (tests/validate/broken/): the module, the lowering and
    /// the functions whose rewrites must be refuted.
    #[serde(default)]
    validate: Option<ValidateCase>,
}

/// What translation validation must find with a case's planted rewrite bug.
#[derive(Deserialize, Serialize, Clone, Debug)]
#[serde(deny_unknown_fields)]
pub struct ValidateCase {
    /// The module, relative to the repository.
    pub module: String,
    /// `aarch64-native` or `x86-native`.
    pub lowering: String,
    /// Functions (by name) that must be refuted; every other function must hold.
    pub refuted: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPatch {
    find: String,
    replace: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMutation {
    layer: String,
    #[serde(default)]
    intrinsic: Option<String>,
    kind: String,
    #[serde(default)]
    from: Option<toml::Value>,
    #[serde(default)]
    to: Option<toml::Value>,
    #[serde(default)]
    param: Option<usize>,
    #[serde(default)]
    lanes: Option<Vec<u8>>,
    #[serde(default)]
    params: Option<[usize; 2]>,
    #[serde(default)]
    fields: Option<[String; 2]>,
    #[serde(default)]
    field: Option<String>,
    /// `isa-operand`, `placeholder-read-view`, `placeholder-write-view`: a register view
    /// (`Q`, `S` or `D`).
    #[serde(default)]
    view: Option<String>,
    /// `isa-operand`: `read`, `write` or `read-write`.
    #[serde(default)]
    access: Option<String>,
    #[serde(default)]
    instruction: Option<String>,
    #[serde(default)]
    amount: Option<u32>,
    /// `table-entry`: the table (`sbox`, `inv_sbox`, `gf_mul2`, ...), the entry and its
    /// planted value.
    #[serde(default)]
    table: Option<String>,
    #[serde(default)]
    index: Option<u8>,
    #[serde(default)]
    value: Option<u8>,
    /// `x86-step`: the replacement step, in the syntax of `lowering::x86` (for example
    /// `sha1rnds4(t0, t6, 1)`); `index` says which step.
    #[serde(default)]
    step: Option<String>,
    /// `x86-rewrite-step`: the rewrite rule (`lowering::x86::REWRITE_RULES`) by name.
    #[serde(default)]
    rule: Option<String>,
}

/// Verdicts a case must produce, by obligation id prefix.
#[derive(Deserialize, Serialize, Default, Clone, Debug)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    #[serde(default)]
    pub proved: Vec<String>,
    #[serde(default)]
    pub counterexample: Vec<String>,
    #[serde(default)]
    pub error: Vec<String>,
    /// The patched spec itself must be rejected, with an error containing this text (a spec
    /// mistake the spec loader catches before any obligation is stated).
    #[serde(default)]
    pub rejected: Option<String>,
    /// Why the solver alone is too slow on this case for the corpus test: the counterexample
    /// is then expected from probing only, and the solver-only run skips the case, saying so.
    #[serde(default)]
    pub solver_too_slow: Option<String>,
}

/// A planted bug: in a model, or in the engine's native lowering table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Planted {
    Model(Mutation),
    /// The native operand map sends these two instruction fields to each other's registers.
    SwapFields(Field, Field),
    /// The native table forgets that the placeholder reads this field.
    DropRead(PlaceholderField),
    /// The native table forgets that the placeholder writes this field.
    DropWrite(PlaceholderField),
    /// The native table says the placeholder reads this field through a narrower view.
    PlaceholderReadView(PlaceholderField, View),
    /// The native table says the placeholder writes this field through a narrower view.
    PlaceholderWriteView(PlaceholderField, View),
    /// The instruction table (`spec::isa`) gives the instruction this operand instead of the
    /// one it has for the field (a wrong hand-written register effect).
    IsaOperand(Operand),
    /// The native re-encoding writes this instruction instead of the intrinsic's.
    EncodeAs(Mnemonic),
    /// Lowering (E): step `t<index>` of the instruction's x86 sequence replaced.
    X86Step(usize, lowering::x86::Step),
    /// Lowering (E): step `t<index>` of the `to` side of rewrite rule `rule` replaced.
    X86RewriteStep(String, usize, lowering::x86::Step),
    /// (D)'s carrying of lane-0 scalars in vectors reads this lane for scalar uses (only
    /// `verifier validate` applies it: translation validation must refute it).
    CarryReadsLane(u8),
}

#[derive(Clone, Debug)]
pub struct LayerMutation {
    pub layer: Layer,
    pub intrinsic: Option<String>,
    pub planted: Planted,
}

#[derive(Clone, Debug)]
pub struct Variant {
    pub path: PathBuf,
    pub family: String,
    pub description: String,
    pub patches: Vec<(String, String)>,
    pub mutations: Vec<LayerMutation>,
    pub fallback: Option<PathBuf>,
    pub c_build: Option<PathBuf>,
    pub expect: Expect,
    pub validate: Option<ValidateCase>,
}

impl Variant {
    pub fn load(path: &Path) -> Result<Variant> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read variant file {}", path.display()))?;
        let raw: RawVariant = toml::from_str(&text).map_err(|e| {
            let line = e
                .span()
                .map(|s| text[..s.start].matches('\n').count() + 1)
                .unwrap_or(0);
            anyhow!("{}:{line}: {}", path.display(), e.message())
        })?;
        let mut mutations = Vec::new();
        for (i, m) in raw.mutation.iter().enumerate() {
            let ctx = || format!("{}: mutation #{}", path.display(), i + 1);
            let layer: Layer = m
                .layer
                .parse()
                .map_err(|e: String| anyhow!(e))
                .with_context(ctx)?;
            let planted = planted(m).with_context(ctx)?;
            let required = match planted {
                Planted::Model(_) => None,
                Planted::IsaOperand(_) => Some(Layer::Aarch64),
                Planted::X86Step(..) | Planted::X86RewriteStep(..) => Some(Layer::X86),
                _ => Some(Layer::Native),
            };
            if let Some(required) = required.filter(|r| *r != layer) {
                bail!(
                    "{}: `{}` mutations apply to layer `{required}`",
                    ctx(),
                    m.kind
                );
            }
            mutations.push(LayerMutation {
                layer,
                intrinsic: m.intrinsic.clone(),
                planted,
            });
        }
        // Module paths are relative to the case file's repository (or absolute).
        let resolve = |p: &Option<String>| -> Result<Option<PathBuf>> {
            let Some(p) = p else { return Ok(None) };
            let candidates = [PathBuf::from(p), repo_root().join(p)];
            candidates
                .iter()
                .find(|c| c.exists())
                .cloned()
                .map(Some)
                .ok_or_else(|| anyhow!("{}: module `{p}` does not exist", path.display()))
        };
        let fallback = resolve(&raw.fallback)?;
        let c_build = resolve(&raw.c_build)?;
        Ok(Variant {
            path: path.to_path_buf(),
            family: raw.family,
            description: raw.description,
            patches: raw
                .spec_patch
                .into_iter()
                .map(|p| (p.find, p.replace))
                .collect(),
            mutations,
            fallback,
            c_build,
            expect: raw.expect,
            validate: raw.validate,
        })
    }

    /// The spec with this variant's patches applied. A patch that matches
    /// nothing is an error: a silently inapplicable bug proves nothing.
    pub fn apply_to_spec(&self, spec: &Spec) -> Result<Spec> {
        if self.patches.is_empty() {
            return Ok(spec.clone());
        }
        let mut text = std::fs::read_to_string(&spec.path)
            .with_context(|| format!("cannot read {}", spec.path.display()))?;
        for (find, replace) in &self.patches {
            if !text.contains(find.as_str()) {
                bail!(
                    "{}: spec_patch `find` text {:?} does not occur in {}",
                    self.path.display(),
                    find,
                    spec.path.display()
                );
            }
            text = text.replacen(find.as_str(), replace, 1);
        }
        Spec::parse(&spec.path, &text)
            .with_context(|| format!("spec as patched by {}", self.path.display()))
    }

    fn planted_for<'a>(
        &'a self,
        layer: Layer,
        intrinsic: &'a str,
    ) -> impl Iterator<Item = &'a Planted> + 'a {
        self.mutations
            .iter()
            .filter(move |m| {
                m.layer == layer && m.intrinsic.as_deref().is_none_or(|i| i == intrinsic)
            })
            .map(|m| &m.planted)
    }

    /// Model mutations planted in `layer` for `intrinsic`.
    pub fn mutations_for(&self, layer: Layer, intrinsic: &str) -> Vec<Mutation> {
        self.planted_for(layer, intrinsic)
            .filter_map(|p| match p {
                Planted::Model(m) => Some(m.clone()),
                _ => None,
            })
            .collect()
    }

    /// Bugs planted in the native lowering table and the instruction table for `intrinsic`.
    pub fn table_mutations(&self, intrinsic: &str) -> Vec<Planted> {
        self.planted_for(Layer::Native, intrinsic)
            .chain(self.planted_for(Layer::Aarch64, intrinsic))
            .chain(self.planted_for(Layer::X86, intrinsic))
            .filter(|p| !matches!(p, Planted::Model(_)))
            .cloned()
            .collect()
    }
}

fn field(s: &str) -> Result<Field> {
    match s {
        "Rd" => Ok(Field::Rd),
        "Rn" => Ok(Field::Rn),
        "Rm" => Ok(Field::Rm),
        _ => bail!("`{s}` is not a register field (Rd, Rn, Rm)"),
    }
}

fn placeholder_field(f: Field) -> PlaceholderField {
    match f {
        Field::Rd => PlaceholderField::Rd,
        Field::Rn => PlaceholderField::Rn,
        Field::Rm => PlaceholderField::Rm,
    }
}

fn view(m: &RawMutation) -> Result<View> {
    match m.view.as_deref() {
        Some("Q") => Ok(View::Full),
        Some("S") => Ok(View::S),
        Some("D") => Ok(View::D),
        Some(other) => bail!("`{}`: `{other}` is not a register view (Q, S, D)", m.kind),
        None => bail!("`{}` needs `view` (Q, S or D)", m.kind),
    }
}

fn planted(m: &RawMutation) -> Result<Planted> {
    let needs_field = || -> Result<Field> {
        field(
            m.field
                .as_deref()
                .ok_or_else(|| anyhow!("`{}` needs `field` (Rd, Rn or Rm)", m.kind))?,
        )
    };
    match m.kind.as_str() {
        "x86-step" => {
            let index = m.index.ok_or_else(|| {
                anyhow!("`x86-step` needs `index` (the step t<index> to replace)")
            })?;
            let step = m.step.as_deref().ok_or_else(|| {
                anyhow!("`x86-step` needs `step` (the replacement, e.g. `aesenc(t0, t1)`)")
            })?;
            Ok(Planted::X86Step(usize::from(index), step.parse()?))
        }
        "x86-rewrite-step" => {
            let rule = m.rule.clone().ok_or_else(|| {
                anyhow!("`x86-rewrite-step` needs `rule` (a rewrite rule's name)")
            })?;
            if !lowering::x86::REWRITE_RULES.iter().any(|r| r.name == rule) {
                let names: Vec<&str> = lowering::x86::REWRITE_RULES
                    .iter()
                    .map(|r| r.name)
                    .collect();
                bail!("`{rule}` is not a rewrite rule ({})", names.join(", "));
            }
            let index = m.index.ok_or_else(|| {
                anyhow!("`x86-rewrite-step` needs `index` (the step of `to` to replace)")
            })?;
            let step = m
                .step
                .as_deref()
                .ok_or_else(|| anyhow!("`x86-rewrite-step` needs `step`"))?;
            Ok(Planted::X86RewriteStep(
                rule,
                usize::from(index),
                step.parse()?,
            ))
        }
        "carry-reads-lane" => {
            let lane = m
                .index
                .ok_or_else(|| anyhow!("`carry-reads-lane` needs `index` (the lane, 1 to 3)"))?;
            if !(1..4).contains(&lane) {
                bail!("`carry-reads-lane`: index {lane} is not a wrong lane (1 to 3)");
            }
            Ok(Planted::CarryReadsLane(lane))
        }
        "drop-write" => Ok(Planted::DropWrite(placeholder_field(needs_field()?))),
        "placeholder-read-view" => Ok(Planted::PlaceholderReadView(
            placeholder_field(needs_field()?),
            view(m)?,
        )),
        "placeholder-write-view" => Ok(Planted::PlaceholderWriteView(
            placeholder_field(needs_field()?),
            view(m)?,
        )),
        "isa-operand" => {
            let access = match m.access.as_deref() {
                Some("read") => Access::Read,
                Some("write") => Access::Write,
                Some("read-write") => Access::ReadWrite,
                other => bail!(
                    "`isa-operand` needs `access` = read, write or read-write (got {other:?})"
                ),
            };
            Ok(Planted::IsaOperand(Operand {
                field: needs_field()?,
                view: view(m)?,
                access,
            }))
        }
        "swap-fields" => {
            let [a, b] = m
                .fields
                .as_ref()
                .ok_or_else(|| anyhow!("`swap-fields` needs `fields = [\"Rn\", \"Rm\"]`"))?;
            Ok(Planted::SwapFields(field(a)?, field(b)?))
        }
        "encode-as" => {
            let name = m.instruction.as_deref().ok_or_else(|| {
                anyhow!("`encode-as` needs `instruction = \"SHA1P\"` (a mnemonic)")
            })?;
            Ok(Planted::EncodeAs(Mnemonic::from_name(name).ok_or_else(
                || anyhow!("`encode-as`: unknown instruction `{name}`"),
            )?))
        }
        "drop-read" => Ok(Planted::DropRead(placeholder_field(needs_field()?))),
        _ => mutation(m).map(Planted::Model),
    }
}

fn mutation(m: &RawMutation) -> Result<Mutation> {
    let num = |v: &Option<toml::Value>, f: &str| -> Result<u32> {
        v.as_ref()
            .and_then(|v| v.as_integer())
            .map(|i| i as u32)
            .ok_or_else(|| anyhow!("`{}` needs an integer field `{f}`", m.kind))
    };
    let func = |v: &Option<toml::Value>, f: &str| -> Result<Bool3> {
        v.as_ref()
            .and_then(|v| v.as_str())
            .and_then(Bool3::from_name)
            .ok_or_else(|| anyhow!("`{}` needs `{f}` = choose, parity or majority", m.kind))
    };
    Ok(match m.kind.as_str() {
        "rotate" => Mutation::Rotate {
            from: num(&m.from, "from")?,
            to: num(&m.to, "to")?,
        },
        // Written as FIPS 180-4 and ARM write right rotations (ROTR/ROR), planted on the
        // equivalent left rotations.
        "rotate-right" => {
            let (from, to) = (num(&m.from, "from")?, num(&m.to, "to")?);
            if !(1..32).contains(&from) || !(1..32).contains(&to) {
                bail!("`rotate-right` amounts are 1..=31");
            }
            Mutation::Rotate {
                from: 32 - from,
                to: 32 - to,
            }
        }
        "shift-as-rotate" => Mutation::ShiftAsRotate {
            amount: m
                .amount
                .ok_or_else(|| anyhow!("`shift-as-rotate` needs `amount`"))?,
        },
        "bool3" => Mutation::Bool3 {
            from: func(&m.from, "from")?,
            to: func(&m.to, "to")?,
        },
        "permute-param" => Mutation::PermuteParam {
            param: m
                .param
                .ok_or_else(|| anyhow!("`permute-param` needs `param`"))?,
            lanes: lane_permutation(&m.lanes, "permute-param")?,
        },
        "permute-result" => Mutation::PermuteResult {
            lanes: lane_permutation(&m.lanes, "permute-result")?,
        },
        "swap-params" => {
            let [a, b] = m
                .params
                .ok_or_else(|| anyhow!("`swap-params` needs `params = [i, j]`"))?;
            Mutation::SwapParams(a, b)
        }
        "table-entry" => {
            let name = m
                .table
                .as_deref()
                .ok_or_else(|| anyhow!("`table-entry` needs `table`"))?;
            let table = models::Table::ALL
                .into_iter()
                .find(|t| t.name() == name)
                .ok_or_else(|| anyhow!("`table-entry`: no table `{name}`"))?;
            let index = m
                .index
                .ok_or_else(|| anyhow!("`table-entry` needs `index`"))?;
            let value = m
                .value
                .ok_or_else(|| anyhow!("`table-entry` needs `value`"))?;
            if table.apply(index) == value {
                bail!("`table-entry`: {name}[{index}] is already {value}: nothing is planted");
            }
            Mutation::TableEntry {
                table,
                index,
                value,
            }
        }
        other => bail!(
            "unknown mutation kind `{other}` (rotate, rotate-right, shift-as-rotate, bool3, \
             permute-param, permute-result, swap-params, swap-fields, drop-read, drop-write, \
             placeholder-read-view, placeholder-write-view, isa-operand, encode-as, table-entry)"
        ),
    })
}

/// `lanes` of a permutation: 2, 4, 8 or 16 lane numbers of the v128 (lanes of 64, 32, 16 or
/// 8 bits), each in range. Repeats are allowed (a lane broadcast is a planted bug too).
fn lane_permutation(lanes: &Option<Vec<u8>>, kind: &str) -> Result<Vec<u8>> {
    let lanes = lanes
        .as_ref()
        .ok_or_else(|| anyhow!("`{kind}` needs `lanes`"))?;
    if ![2, 4, 8, 16].contains(&lanes.len()) {
        bail!(
            "`{kind}`: `lanes` has {} entries; give 2, 4, 8 or 16 (lanes of 64, 32, 16 or 8 bits)",
            lanes.len()
        );
    }
    if let Some(bad) = lanes.iter().find(|&&l| l as usize >= lanes.len()) {
        bail!(
            "`{kind}`: lane {bad} does not exist among {} lanes",
            lanes.len()
        );
    }
    Ok(lanes.clone())
}
