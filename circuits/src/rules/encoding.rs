//! Field encodings and Poseidon hashing shared by every rule.
//!
//! Hashes are plonky2's `PoseidonHash` without padding, so the circuits
//! recompute exactly the same digests. Digests print as `0x` followed by the
//! four elements, each as 16 big-endian hex digits.

use plonky2::field::types::Field;
use plonky2::hash::hash_types::HashOut;
use plonky2::hash::poseidon::PoseidonHash;
use plonky2::plonk::config::Hasher;

use crate::config::F;

pub use zksettle_verifier::hex::{
    digest_bytes, digest_hex, hex_encode, pack_bytes, parse_digest, parse_hex_bytes,
    serde_bytes_hex, serde_digest, serde_keys, HexError,
};
pub use zksettle_verifier::report::DOMAIN_REPORT;
pub use zksettle_verifier::Digest;

/// Domain tag of an account leaf.
pub const DOMAIN_ACCOUNT: u64 = 1;
/// Domain tag of the global leaf.
pub const DOMAIN_GLOBAL: u64 = 2;
/// Domain tag of the market configuration.
pub const DOMAIN_MARKET: u64 = 3;

/// The all-zero digest (genesis batch hash, empty owner).
pub const ZERO_DIGEST: Digest = HashOut {
    elements: [F::ZERO; 4],
};

/// Poseidon hash of a sequence of elements, never returned unhashed.
pub fn hash(elements: &[F]) -> Digest {
    PoseidonHash::hash_no_pad(elements)
}

/// Hash of two digests (Merkle node): `hash(left || right)`.
pub fn hash_pair(left: &Digest, right: &Digest) -> Digest {
    let mut both = [F::ZERO; 8];
    both[..4].copy_from_slice(&left.elements);
    both[4..].copy_from_slice(&right.elements);
    hash(&both)
}

/// A signed integer as a field element (negative values wrap to `p - |x|`).
pub fn signed(x: i64) -> F {
    F::from_noncanonical_i64(x)
}

/// An unsigned integer as a field element.
pub fn unsigned(x: u64) -> F {
    F::from_noncanonical_u64(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_inputs_are_hashed_not_passed_through() {
        let one = [F::ONE, F::ZERO, F::ZERO, F::ZERO];
        assert_ne!(hash(&one).elements, one);
    }
}
