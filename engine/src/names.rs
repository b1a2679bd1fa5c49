//! Wasm text-format names for diagnostics.

use wasmparser::ValType;

/// Wasm text name of an operator (`F32Add` -> `f32.add`): one naming for the
/// engine's and the Wasm model's diagnostics.
pub use models::wasm::op_name as operator_name;

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
    use super::operator_name;
    use wasmparser::Operator;

    #[test]
    fn names() {
        assert_eq!(operator_name(&Operator::F32Add), "f32.add");
        assert_eq!(operator_name(&Operator::I32TruncF32S), "i32.trunc_f32_s");
        assert_eq!(
            operator_name(&Operator::MemoryInit {
                data_index: 0,
                mem: 0
            }),
            "memory.init"
        );
        assert_eq!(
            operator_name(&Operator::CallIndirect {
                type_index: 0,
                table_index: 0
            }),
            "call_indirect"
        );
        assert_eq!(operator_name(&Operator::I32x4Add), "i32x4.add");
    }
}
