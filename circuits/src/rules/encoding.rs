//! Field encodings and Poseidon hashing shared by every rule.
//!
//! Hashes are plonky2's `PoseidonHash` without padding, so the circuits
//! recompute exactly the same digests. Digests print as `0x` followed by the
//! four elements, each as 16 big-endian hex digits. The encodings a light
//! client also checks (leaves, reports, the market hash, the history) live in
//! `zksettle-verifier`; this module re-exports them.

use plonky2::hash::poseidon::PoseidonHash;
use plonky2::plonk::config::Hasher;

use crate::config::F;

pub use zksettle_verifier::account::{hash_pair, ZERO_DIGEST};
pub use zksettle_verifier::canonical::{is_canonical, signed, unsigned};
pub use zksettle_verifier::domain::{
    ACCOUNT as DOMAIN_ACCOUNT, GLOBAL as DOMAIN_GLOBAL, MARKET as DOMAIN_MARKET,
    MARKET_TERMS as DOMAIN_MARKET_TERMS, REPORT as DOMAIN_REPORT,
};
pub use zksettle_verifier::hex::{
    digest_bytes, digest_hex, hex_encode, pack_bytes, parse_digest, parse_hex_bytes,
    serde_bytes_hex, serde_digest, serde_digests, HexError,
};
pub use zksettle_verifier::Digest;

/// Poseidon hash of a sequence of elements, never returned unhashed.
pub fn hash(elements: &[F]) -> Digest {
    PoseidonHash::hash_no_pad(elements)
}

#[cfg(test)]
mod tests {
    use super::*;
    use plonky2::field::types::Field;

    #[test]
    fn short_inputs_are_hashed_not_passed_through() {
        let one = [F::ONE, F::ZERO, F::ZERO, F::ZERO];
        assert_ne!(hash(&one).elements, one);
    }
}
