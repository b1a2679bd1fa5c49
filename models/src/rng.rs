//! xorshift64*: reproducible pseudo-random test inputs without a dependency. Tests across the
//! workspace seed it explicitly, so a failing input can be reproduced from the seed.

/// The generator state (any nonzero seed).
#[derive(Clone, Debug)]
pub struct Rng(pub u64);

impl Rng {
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// 128 uniform bits.
    pub fn u128(&mut self) -> u128 {
        (self.next_u64() as u128) << 64 | self.next_u64() as u128
    }

    /// 128 bits biased towards edge patterns, which find edge cases uniform bits miss: zero,
    /// all ones, a single bit below `width`, else uniform (3 draws in 8).
    pub fn edge_u128(&mut self, width: u32) -> u128 {
        match self.next_u64() % 8 {
            0 => 0,
            1 => u128::MAX,
            2 => 1u128 << (self.next_u64() % width as u64),
            _ => self.u128(),
        }
    }
}
