//! Field encodings and Poseidon hashing shared by every rule.
//!
//! Hashes are plonky2's `PoseidonHash` without padding, so the circuits
//! recompute exactly the same digests. Digests print as `0x` followed by the
//! four elements, each as 16 big-endian hex digits.

use plonky2::field::types::{Field, Field64, PrimeField64};
use plonky2::hash::hash_types::HashOut;
use plonky2::hash::poseidon::PoseidonHash;
use plonky2::plonk::config::Hasher;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::config::F;

pub use zksettle_verifier::Digest;

/// Domain tag of an account leaf.
pub const DOMAIN_ACCOUNT: u64 = 1;
/// Domain tag of the global leaf.
pub const DOMAIN_GLOBAL: u64 = 2;
/// Domain tag of the market configuration.
pub const DOMAIN_MARKET: u64 = 3;
/// Domain tag of an oracle report.
pub const DOMAIN_REPORT: u64 = 4;

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

/// Big-endian bytes of a digest, as printed in hex (the message oracles sign).
pub fn digest_bytes(digest: &Digest) -> [u8; 32] {
    let mut out = [0u8; 32];
    for (chunk, element) in out.chunks_exact_mut(8).zip(digest.elements) {
        chunk.copy_from_slice(&element.to_canonical_u64().to_be_bytes());
    }
    out
}

/// `0x`-prefixed hex of a digest.
pub fn digest_hex(digest: &Digest) -> String {
    format!("0x{}", hex_encode(&digest_bytes(digest)))
}

/// Why a hex string is not a digest.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HexError {
    /// Missing `0x`, wrong length or a non-hex character.
    #[error("expected 0x followed by {expected} hex digits, got {got:?}")]
    Malformed {
        /// Hex digits expected.
        expected: usize,
        /// The offending text (truncated).
        got: String,
    },
    /// An element is not below the field modulus.
    #[error("digest element {0:#018x} is not below the field modulus")]
    NonCanonical(u64),
}

/// Parses `0x` + hex of exactly `N` bytes.
pub fn parse_hex_bytes<const N: usize>(text: &str) -> Result<[u8; N], HexError> {
    let malformed = || HexError::Malformed {
        expected: 2 * N,
        got: text.chars().take(80).collect(),
    };
    let digits = text.strip_prefix("0x").ok_or_else(malformed)?;
    if digits.len() != 2 * N || !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(malformed());
    }
    let mut out = [0u8; N];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&digits[2 * i..2 * i + 2], 16).map_err(|_| malformed())?;
    }
    Ok(out)
}

/// Parses a digest printed by [`digest_hex`], rejecting non-canonical elements.
pub fn parse_digest(text: &str) -> Result<Digest, HexError> {
    let bytes: [u8; 32] = parse_hex_bytes(text)?;
    let mut elements = [F::ZERO; 4];
    for (element, chunk) in elements.iter_mut().zip(bytes.chunks_exact(8)) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let value = u64::from_be_bytes(word);
        if value >= F::ORDER {
            return Err(HexError::NonCanonical(value));
        }
        *element = F::from_canonical_u64(value);
    }
    Ok(HashOut { elements })
}

/// Lower-case hex of bytes, without prefix.
pub fn hex_encode(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Packs bytes into field elements, 4 bytes per element (always canonical).
pub fn pack_bytes(bytes: &[u8]) -> impl Iterator<Item = F> + '_ {
    bytes.chunks(4).map(|chunk| {
        let mut word = [0u8; 4];
        word[..chunk.len()].copy_from_slice(chunk);
        F::from_canonical_u32(u32::from_be_bytes(word))
    })
}

/// Serde adapter: a [`Digest`] as `0x` hex.
pub mod serde_digest {
    use super::*;

    /// Serialises a digest as hex.
    pub fn serialize<S: Serializer>(digest: &Digest, s: S) -> Result<S::Ok, S::Error> {
        digest_hex(digest).serialize(s)
    }

    /// Deserialises a digest from hex.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Digest, D::Error> {
        let text = String::deserialize(d)?;
        parse_digest(&text).map_err(serde::de::Error::custom)
    }
}

/// Serde adapter: fixed-size bytes (keys, signatures) as `0x` hex.
pub mod serde_bytes_hex {
    use super::*;

    /// Serialises bytes as hex.
    pub fn serialize<S: Serializer, const N: usize>(
        bytes: &[u8; N],
        s: S,
    ) -> Result<S::Ok, S::Error> {
        format!("0x{}", hex_encode(bytes)).serialize(s)
    }

    /// Deserialises bytes from hex.
    pub fn deserialize<'de, D: Deserializer<'de>, const N: usize>(
        d: D,
    ) -> Result<[u8; N], D::Error> {
        let text = String::deserialize(d)?;
        parse_hex_bytes(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digest_hex_round_trips() {
        let digest = hash(&[F::ONE, F::TWO]);
        assert_eq!(parse_digest(&digest_hex(&digest)), Ok(digest));
    }

    #[test]
    fn non_canonical_digest_is_rejected() {
        let text = format!("0x{}", "ff".repeat(32));
        assert!(matches!(
            parse_digest(&text),
            Err(HexError::NonCanonical(_))
        ));
        assert!(matches!(
            parse_digest("0x12"),
            Err(HexError::Malformed { .. })
        ));
        assert!(matches!(
            parse_digest(&"0".repeat(66)),
            Err(HexError::Malformed { .. })
        ));
    }

    #[test]
    fn short_inputs_are_hashed_not_passed_through() {
        let one = [F::ONE, F::ZERO, F::ZERO, F::ZERO];
        assert_ne!(hash(&one).elements, one);
    }
}

/// Serde adapter: a list of 32-byte keys as `0x` hex strings.
pub mod serde_keys {
    use super::*;

    /// Serialises keys as hex strings.
    pub fn serialize<S: Serializer>(keys: &[[u8; 32]], s: S) -> Result<S::Ok, S::Error> {
        let texts: Vec<String> = keys
            .iter()
            .map(|k| format!("0x{}", hex_encode(k)))
            .collect();
        texts.serialize(s)
    }

    /// Deserialises keys from hex strings.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<[u8; 32]>, D::Error> {
        let texts = Vec::<String>::deserialize(d)?;
        texts
            .iter()
            .map(|t| parse_hex_bytes(t).map_err(serde::de::Error::custom))
            .collect()
    }
}
