//! Layout of the VM context every compiled Wasm function receives as its first argument.
//!
//! The same layout is described for C in `engine/support/wasm_rt.h`; keep both in sync.
//!
//! | offset | size | field |
//! |---|---|---|
//! | 0  | 8 | `mem_base`: pointer to linear memory (never moves: the host reserves `mem_cap` bytes up front) |
//! | 8  | 8 | `mem_len`: current memory size in bytes (`memory.grow` raises it) |
//! | 16 | 8 | `mem_cap`: reserved bytes; `memory.grow` beyond this returns -1 |
//! | 24 | 4 | `trap_code`: 0 = no trap, else a [`crate::TrapCode`] value |
//! | 28 | 4 | `call_depth`: current Wasm call depth (reset to 0 by the host before each entry) |
//! | 32 | 4 | `call_depth_limit`: entering a function at this depth traps with "call stack exhausted" |
//! | 36 | 4 | reserved (0) |
//! | 40 | 8 | `stack_limit`: native stack pointer lower bound (0 = unchecked) |
//! | 48 + 16*i | 16 | global `i` (i32/i64 in the low bytes, little-endian; v128 as 16 bytes) |

pub const MEM_BASE: i32 = 0;
pub const MEM_LEN: i32 = 8;
pub const MEM_CAP: i32 = 16;
pub const TRAP_CODE: i32 = 24;
pub const CALL_DEPTH: i32 = 28;
pub const CALL_DEPTH_LIMIT: i32 = 32;
pub const STACK_LIMIT: i32 = 40;
pub const GLOBALS: i32 = 48;
pub const GLOBAL_SLOT_SIZE: i32 = 16;

/// Byte offset of global `index` inside the VmCtx.
pub fn global_offset(index: u32) -> i32 {
    GLOBALS + GLOBAL_SLOT_SIZE * index as i32
}

/// Total VmCtx size for a module with `num_globals` globals.
pub fn size(num_globals: usize) -> usize {
    GLOBALS as usize + GLOBAL_SLOT_SIZE as usize * num_globals
}

pub const WASM_PAGE_SIZE: u64 = 65536;

/// The engine's limit on linear memory, one page below the 4 GiB a 32-bit index can address
/// (Wasm lets an engine refuse to grow or to instantiate beyond its own limit). Coalesced
/// bounds checks rely on it: with at most 4 GiB - 64 KiB of memory, an address that wraps
/// around 2^32 within 64 KiB of a checked base is always out of bounds (see `bounds.rs`).
pub const MAX_MEMORY_PAGES: u64 = 65535;
