//! Why an ECgFp5 field element, point, scalar, key or signature is rejected.

/// A rejected encoding of an ECgFp5 object.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Ecgfp5Error {
    /// A GF(p) coefficient is not below p = 2^64 - 2^32 + 1.
    #[error("coefficient {index} is {value}, not below the Goldilocks modulus")]
    NonCanonicalField {
        /// Which coefficient (z^0 first, or which challenge word).
        index: usize,
        /// Its value.
        value: u64,
    },
    /// The field element is not the encoding w of a group element.
    #[error("not the encoding of an ECgFp5 point")]
    InvalidPoint,
    /// A scalar is not below the group order n.
    #[error("scalar is not below the group order n")]
    ScalarOutOfRange,
    /// A decimal scalar has a character other than a digit, or is empty.
    #[error("scalar {0:?} is not a decimal integer")]
    BadDecimal(String),
    /// A secret key must be a nonzero scalar.
    #[error("secret key is zero")]
    ZeroSecret,
    /// A public key must not be the neutral element.
    #[error("public key is the neutral element")]
    NeutralPublicKey,
    /// Hex text without the "0x" prefix or with a non-hex character.
    #[error("not \"0x\" followed by lowercase or uppercase hex digits")]
    BadHex,
    /// Hex text with the wrong number of digits after the "0x".
    #[error("{actual} hex digits, expected {expected}")]
    BadHexLength {
        /// Digits given.
        actual: usize,
        /// Digits required.
        expected: usize,
    },
    /// Bytes of the wrong length.
    #[error("{actual} bytes, expected {expected}")]
    BadLength {
        /// Length given.
        actual: usize,
        /// Length required.
        expected: usize,
    },
}
