//! Stage 6: counterexamples. Minimised to readable inputs, rendered like
//! Alive2 (verdict banner, inputs, every intermediate value per layer,
//! differing lanes marked) and saved as JSON (schema in docs/counterexamples.md).

use std::collections::HashMap;
use std::fmt::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use models::Bits;
use serde::{Deserialize, Serialize};

use crate::layer::Layer;

pub const SCHEMA: &str = "hwwasm-verifier/counterexample/v1";

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Value {
    pub name: String,
    pub width: u32,
    /// Hex, most significant first (lane 3 first for 128-bit values).
    pub hex: String,
}

impl Value {
    pub fn new(name: impl Into<String>, v: &Bits) -> Value {
        Value {
            name: name.into(),
            width: v.width(),
            hex: v.hex(),
        }
    }

    pub fn bits(&self) -> Option<Bits> {
        Bits::parse_hex(self.width, &self.hex)
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct VariantRef {
    pub path: String,
    pub description: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Counterexample {
    pub schema: String,
    pub family: String,
    pub obligation: String,
    pub intrinsic: String,
    pub kind: String,
    pub left: Layer,
    pub right: Layer,
    pub statement: String,
    pub variant: Option<VariantRef>,
    /// Which solver (or `probe` for concrete testing) found it.
    pub found_by: String,
    pub inputs: Vec<Value>,
    pub left_values: Vec<Value>,
    pub right_values: Vec<Value>,
    /// 32-bit lanes of the compared results that differ (lane 0 = low bits).
    pub differing_lanes: Vec<u32>,
    #[serde(default)]
    pub note: Option<String>,
    /// The Wasm modules the `wasm` layer ran, so that `replay` runs the same ones (or
    /// refuses, if they are gone or changed).
    #[serde(default)]
    pub modules: Vec<ModuleRef>,
}

/// A Wasm module a counterexample came from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModuleRef {
    /// `fallback` (the `__intrinsic_*` definitions) or `c-build` (the `wrap_*` C layer).
    pub role: String,
    /// As given to `check` (repository-relative for the checked-in builds).
    pub path: String,
    /// FNV-1a 64 of the file's bytes, in hex.
    pub hash: String,
}

impl ModuleRef {
    pub fn of(role: &str, path: &std::path::Path) -> Result<ModuleRef> {
        let bytes =
            std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        let root = crate::repo_root();
        let shown = path.strip_prefix(&root).unwrap_or(path);
        Ok(ModuleRef {
            role: role.into(),
            path: shown.display().to_string(),
            hash: module_hash(&bytes),
        })
    }

    /// The file, checked to be the one the counterexample came from.
    pub fn resolve(&self) -> Result<std::path::PathBuf> {
        let given = std::path::PathBuf::from(&self.path);
        let path = if given.is_absolute() {
            given
        } else {
            crate::repo_root().join(given)
        };
        let bytes = std::fs::read(&path).map_err(|e| {
            anyhow::anyhow!(
                "the counterexample came from {} module {}, which cannot be read ({e}); \
                 run `check` again instead",
                self.role,
                path.display()
            )
        })?;
        let now = module_hash(&bytes);
        if now != self.hash {
            anyhow::bail!(
                "{} module {} has changed since the counterexample was found (hash {now}, \
                 was {}); run `check` again instead",
                self.role,
                path.display(),
                self.hash
            );
        }
        Ok(path)
    }
}

fn module_hash(bytes: &[u8]) -> String {
    let h = bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| {
        (h ^ b as u64).wrapping_mul(0x100_0000_01b3)
    });
    format!("{h:016x}")
}

pub fn differing_lanes(a: &Bits, b: &Bits) -> Vec<u32> {
    if a.width() != b.width() {
        return vec![];
    }
    let lanes = a.width().div_ceil(32);
    (0..lanes)
        .filter(|&l| {
            let hi = (l * 32 + 31).min(a.width() - 1);
            a.extract(hi, l * 32) != b.extract(hi, l * 32)
        })
        .collect()
}

/// 128-bit values as four lanes (lane 3 first), others as plain hex.
pub fn lanes_text(hex: &str, width: u32) -> String {
    if width == 128 && hex.len() == 32 {
        (0..4)
            .map(|i| &hex[i * 8..i * 8 + 8])
            .collect::<Vec<_>>()
            .join(" ")
    } else {
        hex.to_string()
    }
}

fn marker(width: u32, differing: &[u32]) -> String {
    if width == 128 {
        (0..4)
            .rev()
            .map(|l| {
                if differing.contains(&l) {
                    "^^^^^^^^"
                } else {
                    "        "
                }
            })
            .collect::<Vec<_>>()
            .join(" ")
            .trim_end()
            .to_string()
    } else if !differing.is_empty() {
        "^".repeat(width.div_ceil(4) as usize)
    } else {
        String::new()
    }
}

impl Counterexample {
    pub fn render(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "----------------------------------------");
        let _ = writeln!(s, "{}", self.obligation);
        let _ = writeln!(s, "  {}", self.statement);
        if let Some(v) = &self.variant {
            let _ = writeln!(s, "  variant: {} ({})", v.path, v.description);
        }
        for m in &self.modules {
            let _ = writeln!(s, "  {} module: {} (hash {})", m.role, m.path, m.hash);
        }
        let _ = writeln!(s);
        let banner = match self.kind.as_str() {
            "lane-fact" => "ERROR: a lane the spec says is unobserved changes the result",
            "lemma" => "ERROR: lemma does not hold",
            "constant-time" => "ERROR: the fallback is not constant time",
            _ => "ERROR: value mismatch between layers",
        };
        let _ = writeln!(s, "{banner}");
        if let Some(n) = &self.note {
            let _ = writeln!(s, "  {n}");
        }
        // Long labels go on a line of their own so the values stay aligned.
        const MAX_NAME: usize = 32;
        let width = |vals: &[Value]| {
            vals.iter()
                .map(|v| v.name.len())
                .filter(|&l| l <= MAX_NAME)
                .max()
                .unwrap_or(0)
        };
        let w = width(&self.inputs)
            .max(width(&self.left_values))
            .max(width(&self.right_values));
        let line = |s: &mut String, name: &str, v: &Value| {
            if name.len() > w {
                let _ = writeln!(s, "  {name}");
                let _ = writeln!(s, "  {:w$} = {}", "", lanes_text(&v.hex, v.width));
            } else {
                let _ = writeln!(s, "  {name:w$} = {}", lanes_text(&v.hex, v.width));
            }
        };
        let _ = writeln!(s, "\nExample (128-bit values as lanes 3 2 1 0):");
        for v in &self.inputs {
            line(&mut s, &v.name, v);
        }
        let headings = if self.kind == "constant-time" {
            [
                "Run 1 (the inputs without a prefix):".to_string(),
                "Run 2 (the run2.* inputs):".to_string(),
            ]
        } else {
            [
                format!("Layer {}:", self.left),
                format!("Layer {}:", self.right),
            ]
        };
        for (heading, vals) in headings.iter().zip([&self.left_values, &self.right_values]) {
            let _ = writeln!(s, "\n{heading}");
            for (i, v) in vals.iter().enumerate() {
                line(&mut s, &v.name, v);
                if i + 1 == vals.len() {
                    let m = marker(v.width, &self.differing_lanes);
                    if !m.trim().is_empty() {
                        let _ = writeln!(s, "  {:w$}   {m}", "");
                    }
                }
            }
        }
        if !self.differing_lanes.is_empty() {
            let lanes: Vec<String> = self.differing_lanes.iter().map(|l| l.to_string()).collect();
            let _ = writeln!(s, "\nDiffering lanes: {}", lanes.join(", "));
        }
        s
    }

    pub fn save(&self, dir: &Path) -> Result<PathBuf> {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create counterexample directory {}", dir.display()))?;
        let mut stem = slug(&self.obligation);
        if let Some(v) = &self.variant {
            let name = Path::new(&v.path)
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or("variant");
            stem = format!("{}--{stem}", slug(name));
        }
        let path = dir.join(format!("{stem}.json"));
        let text = serde_json::to_string_pretty(self)? + "\n";
        std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
        Ok(path)
    }

    pub fn load(path: &Path) -> Result<Counterexample> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read counterexample {}", path.display()))?;
        let c: Counterexample = serde_json::from_str(&text)
            .with_context(|| format!("{} is not a counterexample file", path.display()))?;
        if c.schema != SCHEMA {
            anyhow::bail!(
                "{}: schema `{}` is not `{SCHEMA}`",
                path.display(),
                c.schema
            );
        }
        // Everything `replay` reads must be well formed here already, so `show` and `replay`
        // accept the same files.
        let values = [
            ("inputs", &c.inputs),
            ("left_values", &c.left_values),
            ("right_values", &c.right_values),
        ];
        for (field, list) in values {
            if let Some(v) = list.iter().find(|v| v.bits().is_none()) {
                anyhow::bail!(
                    "{}: `{field}`: `{}` = `{}` is not {} bits of hex",
                    path.display(),
                    v.name,
                    v.hex,
                    v.width
                );
            }
        }
        if c.obligation.is_empty() || c.family.is_empty() && c.kind != "lemma" {
            anyhow::bail!(
                "{}: `family` and `obligation` must not be empty",
                path.display()
            );
        }
        Ok(c)
    }
}

pub fn slug(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_ascii_alphanumeric() || c == '_' {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_string()
}

/// Make a failing input readable: try small and structured values lane by
/// lane, keeping each change only while `fails` still holds.
pub fn minimise(
    inputs: &[(String, u32)],
    mut env: HashMap<String, Bits>,
    fails: &mut dyn FnMut(&HashMap<String, Bits>) -> bool,
) -> HashMap<String, Bits> {
    for (name, width) in inputs {
        let chunks = width.div_ceil(32);
        for c in 0..chunks {
            let lo = c * 32;
            let hi = (lo + 31).min(width - 1);
            let cw = hi - lo + 1;
            let Some(current) = env.get(name) else {
                continue;
            };
            let original = current.extract(hi, lo).to_u64();
            let mut candidates: Vec<u64> = vec![0, 1, 2, 0x8000_0000, 0xffff_ffff];
            for keep in [4, 8, 16] {
                candidates.push(original & ((1u64 << keep) - 1));
            }
            for cand in candidates {
                let cand = cand & ((1u64 << cw) - 1);
                if cand == original {
                    break;
                }
                let mut trial = env.clone();
                let v = &env[name];
                let mask = Bits::from_u64(*width, (1u64 << cw) - 1).shl_by(lo);
                let new = v
                    .and(&mask.not())
                    .or(&Bits::from_u64(*width, cand).shl_by(lo));
                trial.insert(name.clone(), new);
                if fails(&trial) {
                    env = trial;
                    break;
                }
            }
        }
    }
    env
}

/// Structured and pseudo-random inputs tried before asking a solver.
pub fn probe_inputs(
    inputs: &[(String, u32)],
    seed: u64,
    count: usize,
) -> Vec<HashMap<String, Bits>> {
    let mut state = seed | 1;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let fill = |w: u32, f: &mut dyn FnMut(u32) -> u64| {
        let mut v = Bits::zero(w);
        let mut lo = 0;
        while lo < w {
            v = v.or(&Bits::from_u64(w, f(lo / 32) & 0xffff_ffff).shl_by(lo));
            lo += 32;
        }
        v
    };
    let mut out = Vec::new();
    for k in 0..count {
        let mut env = HashMap::new();
        for (i, (name, w)) in inputs.iter().enumerate() {
            let v = match k {
                0 => Bits::zero(*w),
                1 => Bits::ones(*w),
                2 => fill(*w, &mut |lane| 0x1111_1111 * (lane as u64 + 1) + i as u64),
                _ => fill(*w, &mut |_| next()),
            };
            env.insert(name.clone(), v);
        }
        out.push(env);
    }
    out
}
