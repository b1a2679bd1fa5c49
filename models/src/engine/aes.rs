//! AES (FIPS-197) in the engine's view: the 16 bytes of a v128 are the state in FIPS-197's
//! order (byte `4c + r` is row `r` of column `c`). AESE is AddRoundKey, SubBytes, ShiftRows
//! (the round without MixColumns), AESD the inverse steps, AESMC and AESIMC the column
//! mixes written with `xtime` on whole 32-bit columns (the FIPS-197 section 4.2.1 product,
//! not ARM's product tables).

use spec::Mnemonic;

use crate::domain::Domain;
use crate::table::Table;

/// `s'[r][c] = s[r][(c + r) mod 4]` (ShiftRows), or `(c - r)` (InvShiftRows).
fn shift_rows<D: Domain>(d: &mut D, s: &D::V, inverse: bool) -> D::V {
    let bytes: Vec<D::V> = (0..16)
        .map(|i| {
            let (c, r) = (i / 4, i % 4);
            let from = if inverse {
                (c + 4 - r) % 4
            } else {
                (c + r) % 4
            };
            d.lane(s, 4 * from + r, 8)
        })
        .collect();
    d.from_lanes(&bytes)
}

/// Each 32-bit column rotated down by `bytes` bytes: row `r` gets row `r + bytes` (a byte
/// permutation, which a vector backend emits as one shuffle).
fn rotate_columns<D: Domain>(d: &mut D, s: &D::V, bytes: u32) -> D::V {
    let rows: Vec<D::V> = (0..16)
        .map(|i| {
            let (c, r) = (i / 4, i % 4);
            d.lane(s, 4 * c + (r + bytes) % 4, 8)
        })
        .collect();
    d.from_lanes(&rows)
}

/// MixColumns: `2 a_r + 3 a_{r+1} + a_{r+2} + a_{r+3} = 2 (a_r + a_{r+1}) + a_{r+1} + a_{r+2}
/// + a_{r+3}`, for all columns at once.
fn mix_columns<D: Domain>(d: &mut D, s: &D::V) -> D::V {
    let r1 = rotate_columns(d, s, 1);
    let r2 = rotate_columns(d, s, 2);
    let r3 = rotate_columns(d, s, 3);
    let pair = d.xor(s, &r1);
    let doubled = d.xtime_bytes(&pair);
    let t = d.xor(&doubled, &r1);
    let t = d.xor(&t, &r2);
    d.xor(&t, &r3)
}

/// InvMixColumns as MixColumns after a preprocessing step (the inverse matrix factors as the
/// forward one times `[5 0 4 0; 0 5 0 4; 4 0 5 0; 0 4 0 5]`): `a_r += 4 (a_r + a_{r+2})`.
fn inv_mix_columns<D: Domain>(d: &mut D, s: &D::V) -> D::V {
    let r2 = rotate_columns(d, s, 2);
    let pair = d.xor(s, &r2);
    let twice = d.xtime_bytes(&pair);
    let four = d.xtime_bytes(&twice);
    let pre = d.xor(s, &four);
    mix_columns(d, &pre)
}

pub(super) fn model<D: Domain>(d: &mut D, m: Mnemonic, params: &[D::V]) -> D::V {
    match m {
        // (data, key): ShiftRows(SubBytes(data ^ key)).
        Mnemonic::Aese => {
            let s = d.xor(&params[0], &params[1]);
            let s = d.table_bytes(Table::Sbox, &s);
            shift_rows(d, &s, false)
        }
        // (data, key): InvShiftRows then InvSubBytes of data ^ key.
        Mnemonic::Aesd => {
            let s = d.xor(&params[0], &params[1]);
            let s = d.table_bytes(Table::InvSbox, &s);
            shift_rows(d, &s, true)
        }
        Mnemonic::Aesmc => mix_columns(d, &params[0]),
        Mnemonic::Aesimc => inv_mix_columns(d, &params[0]),
        #[allow(unreachable_patterns)] // the other families' instructions
        other => unreachable!("{other} is not an AES instruction"),
    }
}
