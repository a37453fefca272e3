//! `0x` hex for digests, keys and signatures, as every zksettle file and
//! command prints them.
//!
//! A digest prints as `0x` followed by its four elements, each as 16
//! big-endian hex digits; those 32 bytes are also what oracles sign. The
//! digits themselves are the `hex` crate's; this module adds the `0x`
//! prefix, exact lengths, canonical field elements and the serde adapters.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use plonky2::field::types::{Field, Field64, PrimeField64};
use plonky2::hash::hash_types::HashOut;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::config::F;
use crate::public_inputs::Digest;

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

/// Why a hex string is not a digest, key or signature.
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

/// Parses `0x` + hex of exactly `N` bytes (either case).
pub fn parse_hex_bytes<const N: usize>(text: &str) -> Result<[u8; N], HexError> {
    let malformed = || HexError::Malformed {
        expected: 2 * N,
        got: text.chars().take(80).collect(),
    };
    let digits = text.strip_prefix("0x").ok_or_else(malformed)?;
    let mut out = [0u8; N];
    hex::decode_to_slice(digits, &mut out).map_err(|_| malformed())?;
    Ok(out)
}

/// A digest from its 32 big-endian bytes, rejecting non-canonical elements.
pub fn digest_from_bytes(bytes: &[u8; 32]) -> Result<Digest, HexError> {
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

/// Parses a digest printed by [`digest_hex`], rejecting non-canonical elements.
pub fn parse_digest(text: &str) -> Result<Digest, HexError> {
    digest_from_bytes(&parse_hex_bytes(text)?)
}

/// Packs bytes into field elements, 4 big-endian bytes per element, the last
/// one zero-padded (always canonical).
pub fn pack_bytes(bytes: &[u8]) -> impl Iterator<Item = F> + '_ {
    bytes.chunks(4).map(|chunk| {
        let mut word = [0u8; 4];
        word.iter_mut().zip(chunk).for_each(|(w, b)| *w = *b);
        F::from_canonical_u32(u32::from_be_bytes(word))
    })
}

/// Lower-case hex of bytes, without prefix.
pub fn hex_encode(bytes: &[u8]) -> String {
    hex::encode(bytes)
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

/// Serde adapter: a list of digests as `0x` hex strings.
pub mod serde_digests {
    use super::*;

    /// Serialises digests as hex strings.
    pub fn serialize<S: Serializer>(digests: &[Digest], s: S) -> Result<S::Ok, S::Error> {
        let texts: Vec<String> = digests.iter().map(digest_hex).collect();
        texts.serialize(s)
    }

    /// Deserialises digests from hex strings.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Digest>, D::Error> {
        let texts = Vec::<String>::deserialize(d)?;
        texts
            .iter()
            .map(|t| parse_digest(t).map_err(serde::de::Error::custom))
            .collect()
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
    use plonky2::hash::poseidon::PoseidonHash;
    use plonky2::plonk::config::Hasher;

    #[test]
    fn digest_hex_round_trips() {
        let digest = PoseidonHash::hash_no_pad(&[F::ONE, F::TWO]);
        assert_eq!(parse_digest(&digest_hex(&digest)), Ok(digest));
        assert_eq!(
            parse_digest(&digest_hex(&digest).to_uppercase().replacen("0X", "0x", 1)),
            Ok(digest)
        );
    }

    #[test]
    fn bytes_round_trip_through_hex() {
        let bytes: [u8; 5] = [0x00, 0x0f, 0xa5, 0xff, 0x10];
        let text = format!("0x{}", hex_encode(&bytes));
        assert_eq!(text, "0x000fa5ff10");
        assert_eq!(parse_hex_bytes::<5>(&text), Ok(bytes));
    }

    #[test]
    fn non_canonical_digest_is_rejected() {
        let text = format!("0x{}", "ff".repeat(32));
        assert!(matches!(
            parse_digest(&text),
            Err(HexError::NonCanonical(_))
        ));
        for bad in [
            "0x12",
            &"0".repeat(66),
            &format!("0x{}", "g".repeat(64)),
            "0xé",
        ] {
            assert!(
                matches!(parse_digest(bad), Err(HexError::Malformed { .. })),
                "{bad}"
            );
        }
    }
}
