//! The C layer generator: turns a family spec into `c/include/wasm_arm_neon.h`,
//! the drop-in replacement for `arm_neon.h` when compiling to wasm32.
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

/// Generate the header text for one family.
pub fn header(spec: &Spec) -> Result<String> {
    let mut h = String::new();
    let src = format!("spec/intrinsics/{}.toml", spec.family);
    let module = &spec.import_module;
    let guard = "WASM_ARM_NEON_H";

    writeln!(
        h,
        "/* wasm_arm_neon.h: ACLE `{family}` intrinsics for wasm32 with -msimd128.
 *
 * GENERATED from {src} by `cargo run -p cgen -- header`.
 * DO NOT EDIT: change the spec and regenerate; `cargo run -p cgen -- header
 * --check` (and the cgen tests) fail when this file is stale.
 *
 * A drop-in for <arm_neon.h>: C written against the ACLE compiles unchanged.
 * Each SHA-1 intrinsic converts its C arguments to v128 values and calls an
 * engine intrinsic imported from module \"{module}\". An engine that knows the
 * import compiles it to the AArch64 instruction; linking
 * c/fallback/sha1_fallback.c instead defines the imports in pure Wasm SIMD.
 * Helper intrinsics are single Wasm SIMD operators and need no import.
 */",
        family = spec.family
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
 * speed differs. Ids follow the order of {src}. */
enum wasm_arm_neon_intrinsic_id {{"
    )?;
    for (i, intr) in spec.intrinsics.iter().enumerate() {
        writeln!(h, "    {} = {i},", intrinsic_id_name(&intr.name))?;
    }
    writeln!(
        h,
        "    WASM_ARM_NEON_INTRINSIC_COUNT = {}
}};

WASM_ARM_NEON_IMPORT({IS_AVAILABLE_IMPORT})
int {IS_AVAILABLE_IMPORT}(int intrinsic_id);

static inline int wasm_arm_neon_is_available(int intrinsic_id) {{
    return {IS_AVAILABLE_IMPORT}(intrinsic_id);
}}
",
        spec.intrinsics.len()
    )?;

    writeln!(
        h,
        "/* Engine intrinsics: v128 in, v128 out, bound to whole instruction
 * registers. `const` lets clang drop calls whose result is unused. */"
    )?;
    for intr in &spec.intrinsics {
        engine_decl(&mut h, intr)?;
    }

    writeln!(
        h,
        "/* C intrinsics: boundary conversions around the engine intrinsics. */"
    )?;
    for intr in &spec.intrinsics {
        c_intrinsic(&mut h, intr)?;
    }

    writeln!(
        h,
        "/* Helpers: one Wasm SIMD operator each, no engine intrinsic. */"
    )?;
    for helper in &spec.helpers {
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
        Boundary::Splat | Boundary::ZeroExtend => ctype == CType::U32,
        Boundary::Lane0 => false,
    };
    if !ok {
        bail!(
            "{}: boundary `{}` cannot pass argument `{name}` of type {ctype}",
            intr.name,
            boundary.name()
        );
    }
    Ok(match boundary {
        Boundary::Vector => name.to_string(),
        Boundary::Splat => format!("wasm_u32x4_splat({name})"),
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
    let body = match &helper.wasm {
        WasmOp::I32x4Add if p.len() == 2 && is_vec(0) && is_vec(1) && proto.ret.is_vector() => {
            format!("return wasm_i32x4_add({}, {});", p[0].name, p[1].name)
        }
        WasmOp::I32x4Splat if types == [CType::U32] && proto.ret.is_vector() => {
            format!("return wasm_u32x4_splat({});", p[0].name)
        }
        WasmOp::I32x4ExtractLane
            if p.len() == 2
                && is_vec(0)
                && types[1] == CType::ConstInt
                && proto.ret == CType::U32 =>
        {
            // The lane must be a constant expression, which a function
            // parameter never is: a macro keeps it one.
            writeln!(
                h,
                "/* {proto}
 * {}; a macro because the lane must be a constant expression. */
#define {}({v}, {l}) ((uint32_t)wasm_u32x4_extract_lane(({v}), ({l})))
",
                helper.wasm,
                helper.name,
                v = p[0].name,
                l = p[1].name
            )?;
            return Ok(());
        }
        WasmOp::V128Load
            if p.len() == 1
                && matches!(types[0], CType::ConstPtrU32 | CType::ConstPtrU8)
                && proto.ret.is_vector() =>
        {
            format!("return wasm_v128_load({});", p[0].name)
        }
        WasmOp::V128Store
            if p.len() == 2
                && matches!(types[0], CType::PtrU32 | CType::PtrU8)
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

/// Compare `path` with freshly generated text; the error says how to fix it.
pub fn check_header(spec: &Spec, path: &Path) -> Result<()> {
    let want = header(spec)?;
    let have = std::fs::read_to_string(path).with_context(|| {
        format!(
            "cannot read {}; generate it with `cargo run -p cgen -- header`",
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
        "{} is out of date with spec/intrinsics/{}.toml (first difference at line {line}); \
         regenerate it with `cargo run -p cgen -- header`",
        path.display(),
        spec.family
    )
}
