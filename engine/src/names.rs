//! Wasm text-format names for diagnostics.

use wasmparser::{Operator, ValType};

/// Wasm text name of an operator (`F32Add` -> `f32.add`, `I8x16Shuffle` -> `i8x16.shuffle`),
/// derived from wasmparser's variant name so that every operator gets a readable name.
pub fn operator_name(op: &Operator) -> String {
    let debug = format!("{op:?}");
    let variant: &str = debug.split([' ', '{', '(']).next().unwrap_or(&debug);
    camel_to_wasm(variant)
}

fn camel_to_wasm(variant: &str) -> String {
    const PREFIXES: &[&str] = &[
        "I8x16", "I16x8", "I32x4", "I64x2", "F32x4", "F64x2", "V128", "I32", "I64", "F32", "F64",
        "Memory", "Table", "Local", "Global", "Ref", "Data", "Elem",
    ];
    for prefix in PREFIXES {
        if let Some(rest) = variant.strip_prefix(prefix) {
            if rest.starts_with(|c: char| c.is_ascii_uppercase()) {
                return format!("{}.{}", prefix.to_ascii_lowercase(), snake(rest));
            }
        }
    }
    snake(variant)
}

fn snake(s: &str) -> String {
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

pub fn val_type_name(t: ValType) -> String {
    match t {
        ValType::I32 => "i32".into(),
        ValType::I64 => "i64".into(),
        ValType::F32 => "f32".into(),
        ValType::F64 => "f64".into(),
        ValType::V128 => "v128".into(),
        ValType::Ref(r) => format!("{r}"),
    }
}

#[cfg(test)]
mod tests {
    use super::camel_to_wasm;

    #[test]
    fn names() {
        assert_eq!(camel_to_wasm("F32Add"), "f32.add");
        assert_eq!(camel_to_wasm("I8x16Shuffle"), "i8x16.shuffle");
        assert_eq!(camel_to_wasm("I32TruncF32S"), "i32.trunc_f32_s");
        assert_eq!(camel_to_wasm("CallIndirect"), "call_indirect");
        assert_eq!(camel_to_wasm("MemoryInit"), "memory.init");
    }
}
