//! The C layer generator: turns the spec (every family and the shared helpers) into
//! `c/include/wasm_arm_neon.h`, the drop-in replacement for `arm_neon.h` when compiling to
//! wasm32, and into the generated test sources under `c/generated/`.
//!
//! Every C intrinsic becomes a `static inline` function that converts its
//! arguments at the boundary the spec names and calls the engine intrinsic, a
//! v128-in, v128-out import. Helpers become one Wasm SIMD operator each, so the
//! AOT compiler can optimise around them and the engine needs no intrinsic.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use spec::{Boundary, CType, Helper, Intrinsic, Spec, WasmOp};

/// Root of the workspace (the directory holding `c/` and `spec/`).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("cgen lives one level below the workspace root")
        .to_path_buf()
}

/// Where the generated header is checked in.
pub fn header_path() -> PathBuf {
    workspace_root().join("c/include/wasm_arm_neon.h")
}

/// Name of the import that answers availability queries.
pub const IS_AVAILABLE_IMPORT: &str = "__intrinsic_is_available";

/// Enum constant naming intrinsic `name` in the availability query.
pub fn intrinsic_id_name(name: &str) -> String {
    format!("WASM_ARM_NEON_{}", name.to_ascii_uppercase())
}

/// Upper-case C identifier part for a family or intrinsic name.
fn upper(name: &str) -> String {
    name.to_ascii_uppercase()
}

/// Generate the header text for `specs` (every family) and the shared helpers.
pub fn header(specs: &[Spec], helpers: &[Helper]) -> Result<String> {
    let mut h = String::new();
    let sources: Vec<String> = specs
        .iter()
        .map(|s| format!("spec/intrinsics/{}.toml", s.family))
        .chain(["spec/helpers.toml".to_string()])
        .collect();
    let families: Vec<&str> = specs.iter().map(|s| s.family.as_str()).collect();
    let mut modules: Vec<&str> = specs.iter().map(|s| s.import_module.as_str()).collect();
    modules.dedup();
    let [module] = modules[..] else {
        bail!(
            "the families import from several modules ({}); the header supports one",
            modules.join(", ")
        );
    };
    let guard = "WASM_ARM_NEON_H";

    writeln!(
        h,
        "/* wasm_arm_neon.h: ACLE intrinsics ({families}) for wasm32 with -msimd128.
 *
 * GENERATED from {sources} by `cargo run -p cgen`.
 * DO NOT EDIT: change the spec and regenerate; `cargo run -p cgen -- --check`
 * (and the cgen tests) fail when this file is stale.
 *
 * A drop-in for <arm_neon.h>: C written against the ACLE compiles unchanged.
 * Each crypto intrinsic converts its C arguments to v128 values and calls an
 * engine intrinsic imported from module \"{module}\". An engine that knows the
 * import compiles it to the AArch64 instruction; linking the c/fallback/ sources
 * instead defines the imports in pure Wasm SIMD.
 * Helper intrinsics are single Wasm SIMD operators and need no import.
 */",
        families = families.join(", "),
        sources = sources.join(", ")
    )?;
    writeln!(
        h,
        "#ifndef {guard}
#define {guard}

#if !defined(__wasm_simd128__)
#error \"wasm_arm_neon.h needs a wasm32 target with -msimd128\"
#endif

#include <stdint.h>
#include <wasm_simd128.h>

#ifdef __cplusplus
extern \"C\" {{
#endif

/* Vector types are plain v128_t, so they convert freely into each other
 * (looser than ACLE, which requires a vreinterpretq). */
typedef v128_t uint32x4_t;
typedef v128_t uint8x16_t;
typedef v128_t uint64x2_t;
typedef v128_t poly64x2_t;
/* poly128_t is a 128-bit scalar in ACLE; here it is the v128 that holds it. */
typedef v128_t poly128_t;
typedef uint64_t poly64_t;

#define WASM_ARM_NEON_IMPORT(name) \\
    __attribute__((import_module(\"{module}\"), import_name(#name)))
"
    )?;

    // Availability query.
    writeln!(
        h,
        "/* Availability query. wasm_arm_neon_is_available(id) returns nonzero when
 * the engine compiles intrinsic `id` to its hardware instruction, and 0 when it
 * is emulated (the pure-Wasm fallbacks are linked in, or the engine lacks the
 * instruction) or `id` is unknown. Results are identical either way; only
 * speed differs. Ids are stable: each family has a range starting at its
 * `id_base`, in the order of its spec file. */
enum wasm_arm_neon_intrinsic_id {{"
    )?;
    for spec in specs {
        let f = upper(&spec.family);
        writeln!(h, "    /* {} */", spec.family)?;
        writeln!(h, "    WASM_ARM_NEON_{f}_FIRST_ID = {},", spec.id_base)?;
        writeln!(
            h,
            "    WASM_ARM_NEON_{f}_COUNT = {},",
            spec.intrinsics.len()
        )?;
        for intr in &spec.intrinsics {
            writeln!(h, "    {} = {},", intrinsic_id_name(&intr.name), intr.id)?;
        }
    }
    writeln!(
        h,
        "    WASM_ARM_NEON_ID_LIMIT = {}
}};

WASM_ARM_NEON_IMPORT({IS_AVAILABLE_IMPORT})
int {IS_AVAILABLE_IMPORT}(int intrinsic_id);

static inline int wasm_arm_neon_is_available(int intrinsic_id) {{
    return {IS_AVAILABLE_IMPORT}(intrinsic_id);
}}
",
        spec::MAX_INTRINSIC_ID
    )?;

    writeln!(
        h,
        "/* Engine intrinsics: v128 in, v128 out, bound to whole instruction
 * registers. `const` lets clang drop calls whose result is unused. */"
    )?;
    for intr in specs.iter().flat_map(|s| &s.intrinsics) {
        engine_decl(&mut h, intr)?;
    }

    writeln!(
        h,
        "/* C intrinsics: boundary conversions around the engine intrinsics. */"
    )?;
    for intr in specs.iter().flat_map(|s| &s.intrinsics) {
        c_intrinsic(&mut h, intr)?;
    }

    writeln!(
        h,
        "/* Helpers: one Wasm SIMD operator each, no engine intrinsic. */"
    )?;
    for helper in helpers {
        helper_def(&mut h, helper)?;
    }

    writeln!(
        h,
        "#ifdef __cplusplus
}}
#endif

#endif /* {guard} */"
    )?;
    Ok(h)
}

fn engine_decl(h: &mut String, intr: &Intrinsic) -> Result<()> {
    let e = &intr.engine;
    let width = e
        .params
        .iter()
        .map(|p| intr.arguments[p.from].name.len())
        .max()
        .unwrap_or(0);
    write!(
        h,
        "/* {}: result {} ({}); parameters: register, boundary, observed lanes.",
        intr.instruction,
        e.result_field,
        e.result_boundary.name()
    )?;
    let mut params = Vec::new();
    for p in &e.params {
        let arg = &intr.arguments[p.from];
        params.push(format!("v128_t {}", arg.name));
        let lanes: Vec<String> = p.observes.iter().map(|l| l.to_string()).collect();
        let name = format!("{}:", arg.name);
        write!(
            h,
            "\n *   {name:<w$} {}, {}, {}",
            p.field,
            p.boundary.name(),
            lanes.join(" "),
            w = width + 1
        )?;
    }
    writeln!(
        h,
        " */
WASM_ARM_NEON_IMPORT({}) __attribute__((const))
v128_t {}({});
",
        e.name,
        e.name,
        params.join(", ")
    )?;
    Ok(())
}

/// C expression converting argument `name` of type `ctype` to a v128.
fn to_v128(intr: &Intrinsic, boundary: Boundary, ctype: CType, name: &str) -> Result<String> {
    let ok = match boundary {
        Boundary::Vector => ctype.is_vector(),
        Boundary::Splat | Boundary::ZeroExtend => ctype.scalar_bits().is_some(),
        Boundary::Lane0 => false,
    };
    if !ok {
        bail!(
            "{}: boundary `{}` cannot pass argument `{name}` of type {ctype}",
            intr.name,
            boundary.name()
        );
    }
    let lanes = if ctype.scalar_bits() == Some(64) {
        "u64x2"
    } else {
        "u32x4"
    };
    Ok(match boundary {
        Boundary::Vector => name.to_string(),
        Boundary::Splat => format!("wasm_{lanes}_splat({name})"),
        Boundary::ZeroExtend if lanes == "u64x2" => format!("wasm_u64x2_make({name}, 0)"),
        Boundary::ZeroExtend => format!("wasm_u32x4_make({name}, 0, 0, 0)"),
        Boundary::Lane0 => unreachable!(),
    })
}

fn c_intrinsic(h: &mut String, intr: &Intrinsic) -> Result<()> {
    let e = &intr.engine;
    let mut args = Vec::new();
    for p in &e.params {
        let arg = intr
            .arguments
            .get(p.from)
            .with_context(|| format!("{}: engine parameter has no C argument", intr.name))?;
        args.push(to_v128(intr, p.boundary, arg.ctype, &arg.name)?);
    }
    let call = format!("{}({})", e.name, args.join(", "));
    let ret = intr.result_type();
    let body = match (e.result_boundary, ret) {
        (Boundary::Vector, t) if t.is_vector() => call,
        (Boundary::Lane0, CType::U32) => format!("wasm_u32x4_extract_lane({call}, 0)"),
        (Boundary::Lane0, t) if t.scalar_bits() == Some(64) => {
            format!("wasm_u64x2_extract_lane({call}, 0)")
        }
        (b, t) => bail!(
            "{}: result boundary `{}` cannot produce a {t}",
            intr.name,
            b.name()
        ),
    };
    writeln!(
        h,
        "static inline __attribute__((__always_inline__))
{} {{
    return {body};
}}
",
        intr.prototype
    )?;
    Ok(())
}

/// The `wasm_simd128.h` function of a Wasm operator name: `i32x4.add` is `wasm_i32x4_add`,
/// and the unsigned shifts are named by their lanes (`i64x2.shr_u` is `wasm_u64x2_shr`).
fn simd_function(op: &str) -> String {
    let (shape, name) = op.split_once('.').expect("operators are shape.name");
    match name.strip_suffix("_u") {
        Some(base) => format!("wasm_u{}_{base}", &shape[1..]),
        None => format!("wasm_{shape}_{name}"),
    }
}

/// The C type of one lane of a shape (`i64x2` lanes are `uint64_t`).
fn lane_type(op: &str) -> &'static str {
    match op.split_once('.').map(|(s, _)| s) {
        Some("i8x16") => "uint8_t",
        Some("i64x2") => "uint64_t",
        _ => "uint32_t",
    }
}

fn helper_def(h: &mut String, helper: &Helper) -> Result<()> {
    let proto = &helper.prototype;
    let p = &proto.params;
    let types: Vec<CType> = p.iter().map(|p| p.ctype).collect();
    let bad = || {
        anyhow::anyhow!(
            "helper {}: wasm `{}` does not fit prototype `{proto}`",
            helper.name,
            helper.wasm
        )
    };
    let is_vec = |i: usize| types.get(i).is_some_and(|t| t.is_vector());
    let is_const = |i: usize| types.get(i) == Some(&CType::ConstInt);
    // Operands that must be constant expressions need a macro: a function parameter never is.
    let macro_def = |h: &mut String, expr: String| -> Result<()> {
        let names: Vec<&str> = p.iter().map(|q| q.name.as_str()).collect();
        writeln!(
            h,
            "/* {proto}
 * {}; a macro because an operand must be a constant expression. */
#define {}({}) ({expr})
",
            helper.wasm,
            helper.name,
            names.join(", ")
        )?;
        Ok(())
    };
    let body = match &helper.wasm {
        WasmOp::Binary(op) if p.len() == 2 && is_vec(0) && is_vec(1) && proto.ret.is_vector() => {
            format!(
                "return {}({}, {});",
                simd_function(op),
                p[0].name,
                p[1].name
            )
        }
        WasmOp::Splat(op)
            if p.len() == 1
                && types[0].scalar_bits().is_some()
                && lane_type(op) == types[0].c_name()
                && proto.ret.is_vector() =>
        {
            format!("return {}({});", simd_function(op), p[0].name)
        }
        WasmOp::ExtractLane(op)
            if p.len() == 2 && is_vec(0) && is_const(1) && lane_type(op) == proto.ret.c_name() =>
        {
            let expr = format!(
                "({}){}(({}), ({}))",
                proto.ret.c_name(),
                simd_function(op),
                p[0].name,
                p[1].name
            );
            return macro_def(h, expr);
        }
        WasmOp::ShiftImm(op)
            if p.len() == 2 && is_vec(0) && is_const(1) && proto.ret.is_vector() =>
        {
            let expr = format!("{}(({}), ({}))", simd_function(op), p[0].name, p[1].name);
            return macro_def(h, expr);
        }
        WasmOp::ShuffleFrom
            if p.len() == 3 && is_vec(0) && is_vec(1) && is_const(2) && proto.ret.is_vector() =>
        {
            let n = &p[2].name;
            let lanes: Vec<String> = (0..16).map(|i| format!("({n}) + {i}")).collect();
            let expr = format!(
                "wasm_i8x16_shuffle(({}), ({}), {})",
                p[0].name,
                p[1].name,
                lanes.join(", ")
            );
            return macro_def(h, expr);
        }
        WasmOp::V128Load
            if p.len() == 1
                && matches!(
                    types[0],
                    CType::ConstPtrU32 | CType::ConstPtrU8 | CType::ConstPtrU64
                )
                && proto.ret.is_vector() =>
        {
            format!("return wasm_v128_load({});", p[0].name)
        }
        WasmOp::V128Store
            if p.len() == 2
                && matches!(types[0], CType::PtrU32 | CType::PtrU8 | CType::PtrU64)
                && is_vec(1)
                && proto.ret == CType::Void =>
        {
            format!("wasm_v128_store({}, {});", p[0].name, p[1].name)
        }
        WasmOp::I8x16Shuffle(lanes)
            if (p.len() == 1 || p.len() == 2)
                && is_vec(0)
                && is_vec(p.len() - 1)
                && proto.ret.is_vector() =>
        {
            let (a, b) = (&p[0].name, &p[p.len() - 1].name);
            let limit = if p.len() == 1 { 16 } else { 32 };
            if let Some(l) = lanes.iter().find(|&&l| l >= limit) {
                bail!(
                    "helper {}: shuffle lane {l} is out of range for {} operand(s)",
                    helper.name,
                    p.len()
                );
            }
            let idx: Vec<String> = lanes.iter().map(|l| l.to_string()).collect();
            format!("return wasm_i8x16_shuffle({a}, {b}, {});", idx.join(", "))
        }
        WasmOp::Nop if p.len() == 1 && is_vec(0) && proto.ret.is_vector() => {
            format!("return {};", p[0].name)
        }
        _ => return Err(bad()),
    };
    writeln!(
        h,
        "/* {} */
static inline __attribute__((__always_inline__))
{proto} {{
    {body}
}}
",
        helper.wasm
    )?;
    Ok(())
}

/// `c/generated/wrappers.c`: one exported `wrap_<intrinsic>` per C intrinsic (and per helper
/// that takes and returns values), so the verifier can check each one exactly as clang
/// compiled it through the header.
pub fn wrappers(specs: &[Spec], helpers: &[Helper]) -> Result<String> {
    let mut c = String::new();
    writeln!(
        c,
        "/* One exported wrapper per C intrinsic (and per value-only helper), so a
 * verifier can check each one exactly as compiled: the boundary conversions
 * of wasm_arm_neon.h included. Built with engine imports and with fallbacks.
 *
 * GENERATED from spec/ by `cargo run -p cgen`. DO NOT EDIT. */
#include <arm_neon.h>

#define EXPORT(name) __attribute__((export_name(#name)))
"
    )?;
    let wrap = |c: &mut String, proto: &spec::Prototype, call_args: Vec<String>| -> Result<()> {
        let params: Vec<String> = proto
            .params
            .iter()
            .filter(|p| p.ctype != CType::ConstInt)
            .map(|p| format!("{} {}", proto_type(p.ctype), p.name))
            .collect();
        let params = if params.is_empty() {
            "void".to_string()
        } else {
            params.join(", ")
        };
        writeln!(
            c,
            "EXPORT(wrap_{n})
{ret} wrap_{n}({params}) {{ return {n}({args}); }}
",
            n = proto.name,
            ret = proto_type(proto.ret),
            args = call_args.join(", ")
        )?;
        Ok(())
    };
    for intr in specs.iter().flat_map(|s| &s.intrinsics) {
        let args = intr
            .prototype
            .params
            .iter()
            .map(|p| p.name.clone())
            .collect();
        wrap(&mut c, &intr.prototype, args)?;
    }
    for h in helpers {
        let p = &h.prototype;
        let values = |t: CType| t.value_bits().is_some() || t == CType::ConstInt;
        if !p.params.iter().all(|q| values(q.ctype)) || p.ret == CType::Void {
            continue; // loads and stores: pointers have no value to compare
        }
        // A lane index must be a constant: the wrapper fixes it at 0.
        let args = p
            .params
            .iter()
            .map(|q| {
                if q.ctype == CType::ConstInt {
                    "0".to_string()
                } else {
                    q.name.clone()
                }
            })
            .collect();
        wrap(&mut c, p, args)?;
    }
    Ok(c)
}

fn proto_type(t: CType) -> &'static str {
    t.c_name()
}

/// `c/generated/engine_vectors.c`: every engine intrinsic on pseudo-random whole v128
/// inputs. On AArch64 the instruction word of the spec computes them (inline asm with the
/// params in the registers the spec binds them to, so whole registers are visible, e.g. the
/// lanes SHA1H zeroes); on wasm32 whichever `__intrinsic_*` definitions are linked. The two
/// outputs must match exactly.
pub fn engine_vectors(specs: &[Spec]) -> Result<String> {
    let intrinsics: Vec<&Intrinsic> = specs.iter().flat_map(|s| &s.intrinsics).collect();
    let mut c = String::new();
    writeln!(
        c,
        "/* Engine-layer test vectors: every engine intrinsic on pseudo-random whole
 * v128 inputs, lanes the instruction ignores included. On AArch64 the spec's
 * instruction word computes them (the params moved into the registers the
 * spec binds them to, so whole registers are visible); on wasm32 whichever
 * __intrinsic_* definitions are linked or provided. The outputs must match.
 *
 * GENERATED from spec/ by `cargo run -p cgen`. DO NOT EDIT. */
#include <arm_neon.h>
#include <stdint.h>

#define NVEC 256 /* inputs per intrinsic */
#define NOPS {n}
",
        n = intrinsics.len()
    )?;
    writeln!(c, "#ifndef __wasm__")?;
    for intr in &intrinsics {
        let word = intr.encoding;
        let reg = |f: spec::Field| f.get(word);
        let params: Vec<String> = (0..intr.engine.params.len())
            .map(|i| format!("uint32x4_t p{i}"))
            .collect();
        let mut asm = Vec::new();
        let mut clobbers: Vec<u8> = Vec::new();
        for (i, p) in intr.engine.params.iter().enumerate() {
            asm.push(format!("mov v{}.16b, %{}.16b", reg(p.field), i + 1));
        }
        for f in spec::Field::ALL {
            if intr.instruction.desc().has_field(f) && !clobbers.contains(&reg(f)) {
                clobbers.push(reg(f));
            }
        }
        asm.push(format!(".inst {word:#010x}"));
        asm.push(format!(
            "mov %0.16b, v{}.16b",
            reg(intr.engine.result_field)
        ));
        let inputs: Vec<String> = (0..intr.engine.params.len())
            .map(|i| format!("\"w\"(p{i})"))
            .collect();
        let clobbers: Vec<String> = clobbers.iter().map(|r| format!("\"v{r}\"")).collect();
        writeln!(
            c,
            "static uint32x4_t {name}({params}) {{
    uint32x4_t r;
    __asm__(\"{asm}\"
            : \"=w\"(r)
            : {inputs}
            : {clobbers});
    return r;
}}",
            name = intr.engine.name,
            params = params.join(", "),
            asm = asm.join("\\n\\t"),
            inputs = inputs.join(", "),
            clobbers = clobbers.join(", ")
        )?;
    }
    writeln!(
        c,
        "#endif
"
    )?;
    writeln!(
        c,
        "static uint32_t out[NOPS * NVEC * 4];

static uint32x4_t random_vec(uint32_t *x) {{
    uint32_t w[4];
    for (int i = 0; i < 4; i++) {{
        *x ^= *x << 13, *x ^= *x >> 17, *x ^= *x << 5; /* xorshift32 */
        w[i] = *x;
    }}
    return vld1q_u32(w);
}}

/* Fills out[] (intrinsic-major, spec order: {names}) and returns it. */
uint32_t *engine_vectors(void) {{
    uint32_t x = 0x9E3779B9u;
    for (int i = 0; i < NVEC; i++) {{
        uint32x4_t a = random_vec(&x), b = random_vec(&x), c = random_vec(&x);
        uint32x4_t r[NOPS] = {{",
        names = intrinsics
            .iter()
            .map(|i| i.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    )?;
    for intr in &intrinsics {
        let args: Vec<&str> = ["a", "b", "c"][..intr.engine.params.len()].to_vec();
        writeln!(c, "            {}({}),", intr.engine.name, args.join(", "))?;
    }
    writeln!(
        c,
        "        }};
        for (int op = 0; op < NOPS; op++)
            vst1q_u32(&out[(op * NVEC + i) * 4], r[op]);
    }}
    return out;
}}

int engine_vectors_count(void) {{ return NOPS * NVEC; }}

#ifndef __wasm__
#include <stdio.h>

int main(void) {{
    const uint32_t *o = engine_vectors();
    for (int i = 0; i < engine_vectors_count(); i++)
        printf(\"%08x %08x %08x %08x\\n\", o[4 * i], o[4 * i + 1], o[4 * i + 2], o[4 * i + 3]);
    return 0;
}}
#endif"
    )?;
    Ok(c)
}

/// Every generated file: (path, text).
pub fn artefacts() -> Result<Vec<(PathBuf, String)>> {
    let specs = spec::load_all()?;
    let helpers = spec::load_helpers()?;
    let root = workspace_root();
    Ok(vec![
        (header_path(), header(&specs, &helpers)?),
        (
            root.join("c/generated/wrappers.c"),
            wrappers(&specs, &helpers)?,
        ),
        (
            root.join("c/generated/engine_vectors.c"),
            engine_vectors(&specs)?,
        ),
    ])
}

/// Compare `path` with `want`; the error says how to fix it.
pub fn check_file(path: &Path, want: &str) -> Result<()> {
    let have = std::fs::read_to_string(path).with_context(|| {
        format!(
            "cannot read {}; generate it with `cargo run -p cgen`",
            path.display()
        )
    })?;
    if have == want {
        return Ok(());
    }
    let line = have
        .lines()
        .zip(want.lines())
        .position(|(a, b)| a != b)
        .unwrap_or_else(|| have.lines().count().min(want.lines().count()))
        + 1;
    bail!(
        "{} is out of date with spec/ (first difference at line {line}); \
         regenerate it with `cargo run -p cgen`",
        path.display()
    )
}
