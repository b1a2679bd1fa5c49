//! TOML -> validated spec. Raw structs keep spans so a semantic error can name
//! the line as well as the field.

use std::path::Path;

use anyhow::{anyhow, Result};
use serde::Deserialize;
use toml::Spanned;

use crate::*;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSpec {
    family: Spanned<String>,
    import_module: Spanned<String>,
    id_base: Spanned<u32>,
    #[serde(default)]
    intrinsic: Vec<Spanned<RawIntrinsic>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHelpers {
    helper: Vec<Spanned<RawHelper>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawIntrinsic {
    name: Spanned<String>,
    prototype: Spanned<String>,
    instruction: Spanned<String>,
    encoding: Spanned<String>,
    arguments: Vec<Spanned<RawArgument>>,
    result: Spanned<String>,
    engine: Spanned<RawEngine>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawArgument {
    name: Spanned<String>,
    register: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEngine {
    name: Spanned<String>,
    params: Vec<Spanned<RawParam>>,
    result: Spanned<RawResult>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawParam {
    from: Spanned<String>,
    register: Spanned<String>,
    boundary: Spanned<String>,
    observes: Spanned<Vec<u8>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawResult {
    register: Spanned<String>,
    boundary: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHelper {
    name: Spanned<String>,
    prototype: Spanned<String>,
    wasm: Spanned<String>,
}

/// Turns byte offsets into `file:line` locations.
struct Locator<'a> {
    path: &'a Path,
    text: &'a str,
}

impl Locator<'_> {
    fn line(&self, offset: usize) -> usize {
        self.text[..offset.min(self.text.len())]
            .bytes()
            .filter(|&b| b == b'\n')
            .count()
            + 1
    }

    fn err<T>(&self, at: &Spanned<T>, field: &str, msg: impl std::fmt::Display) -> anyhow::Error {
        anyhow!(
            "{}:{}: field `{field}`: {msg}",
            self.path.display(),
            self.line(at.span().start)
        )
    }
}

pub(crate) fn parse(path: &Path, text: &str) -> Result<Spec> {
    let loc = Locator { path, text };
    let raw: RawSpec = toml::from_str(text).map_err(|e| {
        let line = e.span().map(|s| loc.line(s.start)).unwrap_or(0);
        anyhow!("{}:{line}: malformed spec: {}", path.display(), e.message())
    })?;
    let id_base = *raw.id_base.get_ref();
    let mut intrinsics = Vec::new();
    for ri in &raw.intrinsic {
        let mut i = intrinsic(&loc, ri)?;
        i.id = id_base + intrinsics.len() as u32;
        if intrinsics.iter().any(|o: &Intrinsic| o.name == i.name) {
            return Err(loc.err(
                &ri.get_ref().name,
                "name",
                format!("duplicate intrinsic `{}`", i.name),
            ));
        }
        intrinsics.push(i);
    }
    if raw.import_module.get_ref().is_empty() {
        return Err(loc.err(&raw.import_module, "import_module", "must not be empty"));
    }
    if id_base as usize + intrinsics.len() > MAX_INTRINSIC_ID as usize {
        return Err(loc.err(
            &raw.id_base,
            "id_base",
            format!(
                "ids {id_base}..{} do not fit below {MAX_INTRINSIC_ID}",
                id_base as usize + intrinsics.len()
            ),
        ));
    }
    let family = raw.family.get_ref();
    if family.is_empty()
        || !family
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_')
    {
        return Err(loc.err(
            &raw.family,
            "family",
            format!("`{family}` is not a family name like sha1 (letters, digits, _)"),
        ));
    }
    Ok(Spec {
        path: path.to_path_buf(),
        family: raw.family.into_inner(),
        import_module: raw.import_module.into_inner(),
        id_base,
        intrinsics,
    })
}

/// The helper file (`spec/helpers.toml`): `[[helper]]` entries only.
pub(crate) fn parse_helpers(path: &Path, text: &str) -> Result<Vec<Helper>> {
    let loc = Locator { path, text };
    let raw: RawHelpers = toml::from_str(text).map_err(|e| {
        let line = e.span().map(|s| loc.line(s.start)).unwrap_or(0);
        anyhow!(
            "{}:{line}: malformed helper file: {}",
            path.display(),
            e.message()
        )
    })?;
    let mut helpers: Vec<Helper> = Vec::new();
    for rh in &raw.helper {
        let h = helper(&loc, rh)?;
        if helpers.iter().any(|o| o.name == h.name) {
            return Err(loc.err(
                &rh.get_ref().name,
                "name",
                format!("duplicate helper `{}`", h.name),
            ));
        }
        helpers.push(h);
    }
    Ok(helpers)
}

fn intrinsic(loc: &Locator, spanned: &Spanned<RawIntrinsic>) -> Result<Intrinsic> {
    let ri = spanned.get_ref();
    let name = ri.name.get_ref().clone();
    let ctx = |field: &str| format!("intrinsic `{name}`: {field}");
    let prototype = Prototype::parse(ri.prototype.get_ref())
        .map_err(|m| loc.err(&ri.prototype, &ctx("prototype"), m))?;
    if prototype.name != name {
        return Err(loc.err(
            &ri.prototype,
            &ctx("prototype"),
            format!("declares `{}`, expected `{name}`", prototype.name),
        ));
    }
    let instruction = Mnemonic::from_name(ri.instruction.get_ref()).ok_or_else(|| {
        loc.err(
            &ri.instruction,
            &ctx("instruction"),
            format!("unknown instruction `{}`", ri.instruction.get_ref()),
        )
    })?;
    let enc_text = ri.encoding.get_ref();
    let encoding = enc_text
        .strip_prefix("0x")
        .and_then(|h| u32::from_str_radix(h, 16).ok())
        .ok_or_else(|| {
            loc.err(
                &ri.encoding,
                &ctx("encoding"),
                format!("`{enc_text}` is not a 32-bit hex word like 0x5e020020"),
            )
        })?;

    if ri.arguments.len() != prototype.params.len() {
        return Err(loc.err(
            &ri.prototype,
            &ctx("arguments"),
            format!(
                "{} arguments mapped but the prototype has {} parameters",
                ri.arguments.len(),
                prototype.params.len()
            ),
        ));
    }
    let mut arguments = Vec::new();
    for (ra, param) in ri.arguments.iter().zip(&prototype.params) {
        let ra = ra.get_ref();
        if *ra.name.get_ref() != param.name {
            return Err(loc.err(
                &ra.name,
                &ctx("arguments.name"),
                format!(
                    "`{}` does not match prototype parameter `{}`",
                    ra.name.get_ref(),
                    param.name
                ),
            ));
        }
        let register = reg(loc, &ra.register, &ctx("arguments.register"))?;
        let width_ok = match register.view {
            View::Full => param.ctype.is_vector(),
            view => param.ctype.scalar_bits() == Some(view.bits()),
        };
        if !width_ok {
            return Err(loc.err(
                &ra.register,
                &ctx("arguments.register"),
                format!(
                    "{} argument `{}` cannot live in {register}",
                    param.ctype, param.name
                ),
            ));
        }
        arguments.push(Argument {
            name: param.name.clone(),
            ctype: param.ctype,
            register,
        });
    }
    let result = reg(loc, &ri.result, &ctx("result"))?;
    check_operands(loc, ri, &name, instruction, encoding, &arguments, result)?;

    let re = ri.engine.get_ref();
    let mut params = Vec::new();
    for rp in &re.params {
        let rp = rp.get_ref();
        let from = arguments
            .iter()
            .position(|a| a.name == *rp.from.get_ref())
            .ok_or_else(|| {
                loc.err(
                    &rp.from,
                    &ctx("engine.params.from"),
                    format!("no C argument named `{}`", rp.from.get_ref()),
                )
            })?;
        let field = reg(loc, &rp.register, &ctx("engine.params.register"))?.field;
        let boundary = boundary(loc, &rp.boundary, &ctx("engine.params.boundary"))?;
        let arg = &arguments[from];
        let fits = match boundary {
            Boundary::Vector => arg.ctype.is_vector(),
            Boundary::Splat | Boundary::ZeroExtend => arg.ctype.scalar_bits().is_some(),
            Boundary::Lane0 => false,
        };
        if !fits {
            return Err(loc.err(
                &rp.boundary,
                &ctx("engine.params.boundary"),
                format!(
                    "`{}` cannot turn {} `{}` into a v128",
                    boundary.name(),
                    arg.ctype,
                    arg.name
                ),
            ));
        }
        let observes = rp.observes.get_ref().clone();
        if observes.iter().any(|&l| l > 3) {
            return Err(loc.err(
                &rp.observes,
                &ctx("engine.params.observes"),
                "lanes are 0..=3",
            ));
        }
        params.push(EngineParam {
            from,
            field,
            boundary,
            observes,
        });
    }
    let mut bound: Vec<Field> = params.iter().map(|p| p.field).collect();
    bound.sort_by_key(|f| f.shift());
    let reads = instruction.desc().read_fields();
    if bound != reads {
        let names = |v: &[Field]| {
            v.iter()
                .map(|f| f.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        };
        return Err(loc.err(
            &ri.engine,
            &ctx("engine.params"),
            format!(
                "the params are bound to [{}], but {instruction} reads [{}]: bind each register it reads once",
                names(&bound),
                names(&reads)
            ),
        ));
    }
    let rr = re.result.get_ref();
    let result_field = reg(loc, &rr.register, &ctx("engine.result.register"))?.field;
    let result_boundary = boundary(loc, &rr.boundary, &ctx("engine.result.boundary"))?;
    let expected = if prototype.ret.scalar_bits().is_some() {
        Boundary::Lane0
    } else {
        Boundary::Vector
    };
    if result_boundary != expected {
        return Err(loc.err(
            &rr.boundary,
            &ctx("engine.result.boundary"),
            format!("a {} result needs `{}`", prototype.ret, expected.name()),
        ));
    }
    Ok(Intrinsic {
        name,
        prototype,
        instruction,
        encoding,
        arguments,
        result,
        engine: EngineIntrinsic {
            name: re.name.get_ref().clone(),
            params,
            result_field,
            result_boundary,
        },
        line: loc.line(spanned.span().start),
        id: 0,
    })
}

/// The ACLE mapping must fit the instruction: the encoding is the instruction, every
/// argument sits in a register operand the instruction reads through the same view, and the
/// result is an operand it writes.
fn check_operands(
    loc: &Locator,
    ri: &RawIntrinsic,
    name: &str,
    instruction: Mnemonic,
    encoding: u32,
    arguments: &[Argument],
    result: RegRef,
) -> Result<()> {
    let ctx = |field: &str| format!("intrinsic `{name}`: {field}");
    let desc = instruction.desc();
    if Mnemonic::of_word(encoding) != Some(instruction) {
        let is = Mnemonic::of_word(encoding)
            .map(|m| format!("a {m} word"))
            .unwrap_or_else(|| "no instruction of spec/src/isa.rs".into());
        return Err(loc.err(
            &ri.encoding,
            &ctx("encoding"),
            format!("{encoding:#010x} is {is}, not {instruction}"),
        ));
    }
    for (a, ra) in arguments.iter().zip(&ri.arguments) {
        let ok = desc
            .operand(a.register.field)
            .is_some_and(|o| o.access.reads() && o.view == a.register.view);
        if !ok {
            return Err(loc.err(
                &ra.get_ref().register,
                &ctx("arguments.register"),
                format!(
                    "{instruction} (`{}`) reads no operand {}",
                    desc.syntax, a.register
                ),
            ));
        }
    }
    let ok = desc
        .operand(result.field)
        .is_some_and(|o| o.access.writes() && o.view == result.view);
    if !ok {
        return Err(loc.err(
            &ri.result,
            &ctx("result"),
            format!(
                "{instruction} (`{}`) writes no operand {result}",
                desc.syntax
            ),
        ));
    }
    Ok(())
}

fn reg(loc: &Locator, s: &Spanned<String>, field: &str) -> Result<RegRef> {
    RegRef::parse(s.get_ref()).ok_or_else(|| {
        loc.err(
            s,
            field,
            format!("`{}` is not a register like Qd, Sn, Vm.4S", s.get_ref()),
        )
    })
}

fn boundary(loc: &Locator, s: &Spanned<String>, field: &str) -> Result<Boundary> {
    Ok(match s.get_ref().as_str() {
        "vector" => Boundary::Vector,
        "splat" => Boundary::Splat,
        "zero-extend" => Boundary::ZeroExtend,
        "lane0" => Boundary::Lane0,
        other => {
            return Err(loc.err(
                s,
                field,
                format!("unknown boundary `{other}` (vector, splat, zero-extend, lane0)"),
            ))
        }
    })
}

fn helper(loc: &Locator, spanned: &Spanned<RawHelper>) -> Result<Helper> {
    let rh = spanned.get_ref();
    let name = rh.name.get_ref().clone();
    let field = format!("helper `{name}`: prototype");
    let prototype =
        Prototype::parse(rh.prototype.get_ref()).map_err(|m| loc.err(&rh.prototype, &field, m))?;
    let wasm = wasm_op(rh.wasm.get_ref())
        .map_err(|m| loc.err(&rh.wasm, &format!("helper `{name}`: wasm"), m))?;
    Ok(Helper {
        name,
        prototype,
        wasm,
        line: loc.line(spanned.span().start),
    })
}

fn wasm_op(text: &str) -> std::result::Result<WasmOp, String> {
    let mut words = text.split_whitespace();
    let op = words.next().ok_or("empty operator")?;
    let named = |list: &[&str]| list.contains(&op).then(|| op.to_string());
    let op = if let Some(o) = named(BINARY_OPS) {
        WasmOp::Binary(o)
    } else if let Some(o) = named(SPLAT_OPS) {
        WasmOp::Splat(o)
    } else if let Some(o) = named(EXTRACT_OPS) {
        WasmOp::ExtractLane(o)
    } else if let Some(o) = named(SHIFT_OPS) {
        WasmOp::ShiftImm(o)
    } else {
        match op {
            "v128.load" => WasmOp::V128Load,
            "v128.store" => WasmOp::V128Store,
            "nop" => WasmOp::Nop,
            "i8x16.shuffle_from" => WasmOp::ShuffleFrom,
            "i8x16.shuffle" => {
                let lanes: Vec<u8> = words
                    .by_ref()
                    .map(|w| {
                        w.parse::<u8>()
                            .map_err(|_| format!("bad shuffle lane `{w}`"))
                    })
                    .collect::<std::result::Result<_, _>>()?;
                if lanes.len() != 16 || lanes.iter().any(|&l| l > 31) {
                    return Err("i8x16.shuffle needs 16 lane indices in 0..=31".into());
                }
                WasmOp::I8x16Shuffle(lanes.try_into().unwrap())
            }
            other => return Err(format!("unsupported Wasm operator `{other}`")),
        }
    };
    if words.next().is_some() {
        return Err(format!("unexpected immediates after `{op}`"));
    }
    Ok(op)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn checked_in() -> String {
        std::fs::read_to_string(crate::spec_dir().join("sha1.toml")).unwrap()
    }

    #[test]
    fn checked_in_spec_parses() {
        let spec = crate::load_family("sha1").unwrap();
        assert_eq!(spec.intrinsics.len(), 6);
        let c = spec.intrinsic("vsha1cq_u32").unwrap();
        assert_eq!(c.encoding, 0x5e020020);
        assert_eq!(
            c.arguments[1].register,
            RegRef {
                field: Field::Rn,
                view: View::S
            }
        );
        assert_eq!(c.engine.params[1].boundary, Boundary::Splat);
        let helpers = crate::load_helpers().unwrap();
        let rev = helpers.iter().find(|h| h.name == "vrev32q_u8").unwrap();
        assert_eq!(
            rev.wasm.to_string(),
            "i8x16.shuffle 3 2 1 0 7 6 5 4 11 10 9 8 15 14 13 12"
        );
    }

    #[test]
    fn every_family_loads_with_disjoint_names_and_ids() {
        let specs = crate::load_all().unwrap();
        let families: Vec<&str> = specs.iter().map(|s| s.family.as_str()).collect();
        assert_eq!(families, crate::family_names().unwrap());
        // A second family reusing the first one's ids (names changed so only ids collide).
        let mut other = specs[0].clone();
        other.path = other.path.with_file_name("other.toml");
        other.family = "other".into();
        for i in &mut other.intrinsics {
            i.name = format!("{}_other", i.name);
            i.engine.name = format!("{}_other", i.engine.name);
        }
        let two = [specs[0].clone(), other.clone()];
        let e = format!("{:#}", crate::check_disjoint(&two).unwrap_err());
        assert!(
            e.contains("availability id") && e.contains("id_base"),
            "{e}"
        );
        // And one reusing an engine import name.
        for (i, o) in other.intrinsics.iter_mut().zip(&specs[0].intrinsics) {
            i.id += 40;
            i.engine.name = o.engine.name.clone();
        }
        let two = [specs[0].clone(), other];
        let e = format!("{:#}", crate::check_disjoint(&two).unwrap_err());
        assert!(e.contains("engine intrinsic"), "{e}");
    }

    #[test]
    fn the_acle_mapping_must_fit_the_instruction() {
        // hash_e is read through Sn: an argument in a register SHA1C does not read.
        let e = error_for(
            "{ name = \"hash_e\", register = \"Sn\" },\n  { name = \"wk\"",
            "{ name = \"hash_e\", register = \"Sm\" },\n  { name = \"wk\"",
        );
        assert!(e.contains("reads no operand Sm"), "{e}");
        // The encoding must be the named instruction.
        let e = error_for("encoding = \"0x5e020020\"", "encoding = \"0x5e021020\"");
        assert!(e.contains("a SHA1P word, not SHA1C"), "{e}");
        // A SHA1H result is an S register.
        let e = error_for("result = \"Sd\"", "result = \"Qd\"");
        assert!(e.contains("writes no operand Vd"), "{e}");
    }

    fn error_for(from: &str, to: &str) -> String {
        let text = checked_in().replacen(from, to, 1);
        assert_ne!(text, checked_in(), "replacement `{from}` did not apply");
        format!(
            "{:#}",
            Spec::parse(Path::new("sha1.toml"), &text).unwrap_err()
        )
    }

    #[test]
    fn errors_name_file_line_and_field() {
        let e = error_for("register = \"Sn\" }", "register = \"Xn\" }");
        assert!(e.starts_with("sha1.toml:"), "{e}");
        assert!(e.contains("arguments.register") && e.contains("Xn"), "{e}");
        let line: usize = e.split(':').nth(1).unwrap().parse().unwrap();
        assert!(
            checked_in().lines().nth(line - 1).unwrap().contains("Sn"),
            "{e}"
        );

        let e = error_for("instruction = \"SHA1C\"", "instruction = \"SHA1X\"");
        assert!(
            e.contains("field `intrinsic `vsha1cq_u32`: instruction`") && e.contains("SHA1X"),
            "{e}"
        );
        let e = error_for("encoding = \"0x5e020020\"", "encoding = \"5e020020\"");
        assert!(e.contains("encoding"), "{e}");
        let e = error_for("boundary = \"splat\"", "boundary = \"smear\"");
        assert!(e.contains("smear"), "{e}");
        let e = error_for("observes = [0] }", "observes = [4] }");
        assert!(e.contains("observes"), "{e}");
        let e = error_for("family = \"sha1\"", "family = 1");
        assert!(e.contains("sha1.toml:") && e.contains("malformed"), "{e}");
        let e = error_for("result = \"Qd\"", "result = \"Qd\"\nbogus = 1");
        assert!(e.contains("bogus"), "{e}");
    }
}
