//! Trap codes stored in the VmCtx trap slot, and the host-side error types.

use std::fmt;

/// Why Wasm execution stopped. The numeric values are ABI: they are what compiled code stores
/// into `VmCtx.trap_code` (see `support/wasm_rt.h`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u32)]
pub enum TrapCode {
    Unreachable = 1,
    MemoryOutOfBounds = 2,
    IntegerDivideByZero = 3,
    IntegerOverflow = 4,
    CallStackExhausted = 5,
    IndirectCall = 6,
}

impl TrapCode {
    pub const ALL: [TrapCode; 6] = [
        TrapCode::Unreachable,
        TrapCode::MemoryOutOfBounds,
        TrapCode::IntegerDivideByZero,
        TrapCode::IntegerOverflow,
        TrapCode::CallStackExhausted,
        TrapCode::IndirectCall,
    ];

    pub fn from_u32(code: u32) -> Option<TrapCode> {
        TrapCode::ALL.into_iter().find(|c| *c as u32 == code)
    }

    pub fn message(self) -> &'static str {
        match self {
            TrapCode::Unreachable => "unreachable executed",
            TrapCode::MemoryOutOfBounds => "out of bounds memory access",
            TrapCode::IntegerDivideByZero => "integer divide by zero",
            TrapCode::IntegerOverflow => "integer overflow",
            TrapCode::CallStackExhausted => "call stack exhausted",
            TrapCode::IndirectCall => "indirect call type mismatch",
        }
    }
}

impl fmt::Display for TrapCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

/// A Wasm trap reported by [`crate::Instance::call`]. The instance stays usable afterwards.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Trap {
    pub code: TrapCode,
    /// The export that was called when the trap happened.
    pub export: String,
}

impl fmt::Display for Trap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "wasm trap: {} (in call to `{}`)", self.code, self.export)
    }
}

impl std::error::Error for Trap {}

/// Error of [`crate::Instance::call`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CallError {
    Trap(Trap),
    NoSuchExport(String),
    BadArguments(String),
}

impl fmt::Display for CallError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CallError::Trap(t) => t.fmt(f),
            CallError::NoSuchExport(n) => write!(f, "no exported function named `{n}`"),
            CallError::BadArguments(m) => write!(f, "bad arguments: {m}"),
        }
    }
}

impl std::error::Error for CallError {}
