//! ACLE prototypes: `uint32x4_t vsha1cq_u32(uint32x4_t hash_abcd, uint32_t hash_e, uint32x4_t wk)`.

use std::fmt;

/// The C types the families and their helpers use.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum CType {
    Void,
    U8,
    U32,
    U64,
    /// A 64-bit polynomial over GF(2) (`poly64_t`): a `uint64_t` to C.
    Poly64,
    ConstInt,
    U32x4,
    U8x16,
    U64x2,
    Poly64x2,
    /// A 128-bit polynomial over GF(2) (`poly128_t`): one 128-bit value, a v128 in Wasm.
    Poly128,
    PtrU32,
    ConstPtrU32,
    PtrU8,
    ConstPtrU8,
    PtrU64,
    ConstPtrU64,
}

impl CType {
    const NAMES: [(CType, &'static str); 17] = [
        (CType::Void, "void"),
        (CType::U8, "uint8_t"),
        (CType::U32, "uint32_t"),
        (CType::U64, "uint64_t"),
        (CType::Poly64, "poly64_t"),
        (CType::ConstInt, "const int"),
        (CType::U32x4, "uint32x4_t"),
        (CType::U8x16, "uint8x16_t"),
        (CType::U64x2, "uint64x2_t"),
        (CType::Poly64x2, "poly64x2_t"),
        (CType::Poly128, "poly128_t"),
        (CType::PtrU32, "uint32_t *"),
        (CType::ConstPtrU32, "const uint32_t *"),
        (CType::PtrU8, "uint8_t *"),
        (CType::ConstPtrU8, "const uint8_t *"),
        (CType::PtrU64, "uint64_t *"),
        (CType::ConstPtrU64, "const uint64_t *"),
    ];

    pub fn c_name(self) -> &'static str {
        Self::NAMES.iter().find(|(t, _)| *t == self).unwrap().1
    }

    fn parse(s: &str) -> Option<CType> {
        let norm = s.split_whitespace().collect::<Vec<_>>().join(" ");
        let norm = norm.replace(" *", "*").replace('*', " *");
        Self::NAMES
            .iter()
            .find(|(_, n)| *n == norm)
            .map(|(t, _)| *t)
    }

    /// Is this a 128-bit value (a vector, or `poly128_t`)? It crosses to Wasm as a v128.
    pub fn is_vector(self) -> bool {
        matches!(
            self,
            CType::U32x4 | CType::U8x16 | CType::U64x2 | CType::Poly64x2 | CType::Poly128
        )
    }

    /// An integer scalar a register view can hold, and its width.
    pub fn scalar_bits(self) -> Option<u32> {
        match self {
            CType::U8 => Some(8),
            CType::U32 => Some(32),
            CType::U64 | CType::Poly64 => Some(64),
            _ => None,
        }
    }

    /// Width of a value of this type as it crosses a boundary (vectors 128, scalars their
    /// width); `None` for pointers, `void` and lane indices.
    pub fn value_bits(self) -> Option<u32> {
        if self.is_vector() {
            Some(128)
        } else {
            self.scalar_bits()
        }
    }
}

impl fmt::Display for CType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.c_name())
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Param {
    pub ctype: CType,
    pub name: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Prototype {
    pub ret: CType,
    pub name: String,
    pub params: Vec<Param>,
}

impl Prototype {
    /// Parse a C prototype; the error says which part is malformed.
    pub fn parse(text: &str) -> Result<Prototype, String> {
        let text = text.trim().trim_end_matches(';');
        let open = text.find('(').ok_or("missing `(`")?;
        let close = text.rfind(')').ok_or("missing `)`")?;
        if close + 1 != text.len() {
            return Err("text after `)`".into());
        }
        let (ret, name) = split_type_and_name(&text[..open])?;
        let mut params = Vec::new();
        let inner = text[open + 1..close].trim();
        if !inner.is_empty() && inner != "void" {
            for p in inner.split(',') {
                let (ctype, name) = split_type_and_name(p)?;
                params.push(Param { ctype, name });
            }
        }
        Ok(Prototype { ret, name, params })
    }
}

fn split_type_and_name(decl: &str) -> Result<(CType, String), String> {
    let decl = decl.trim();
    let split = decl
        .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .ok_or_else(|| format!("`{decl}` has no type"))?;
    let (ty, name) = decl.split_at(split + 1);
    if name.is_empty() {
        return Err(format!("`{decl}` has no name"));
    }
    let ctype = CType::parse(ty).ok_or_else(|| format!("unknown C type `{}`", ty.trim()))?;
    Ok((ctype, name.to_string()))
}

impl fmt::Display for Prototype {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}(", self.ret, self.name)?;
        for (i, p) in self.params.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            let sep = if p.ctype.c_name().ends_with('*') {
                ""
            } else {
                " "
            };
            write!(f, "{}{sep}{}", p.ctype, p.name)?;
        }
        f.write_str(")")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_acle_prototypes() {
        for text in [
            "uint32x4_t vsha1cq_u32(uint32x4_t hash_abcd, uint32_t hash_e, uint32x4_t wk)",
            "uint32_t vsha1h_u32(uint32_t hash_e)",
            "uint32x4_t vld1q_u32(const uint32_t *ptr)",
            "void vst1q_u32(uint32_t *ptr, uint32x4_t val)",
            "uint32_t vgetq_lane_u32(uint32x4_t v, const int lane)",
            "poly128_t vmull_p64(poly64_t a, poly64_t b)",
            "poly128_t vmull_high_p64(poly64x2_t a, poly64x2_t b)",
        ] {
            let p = Prototype::parse(text).unwrap();
            assert_eq!(p.to_string(), text);
        }
    }

    #[test]
    fn rejects_unknown_types() {
        let err = Prototype::parse("int64_t f(uint32_t a)").unwrap_err();
        assert!(err.contains("int64_t"), "{err}");
    }
}
