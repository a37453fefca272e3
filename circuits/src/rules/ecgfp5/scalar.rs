//! Scalars: integers modulo the ECgFp5 group order
//! n = 1067993516717146951041484916571792702745057740581727230159139685185762082554198619328292418486241,
//! a 319-bit prime (2^318 < n < 2^319).
//!
//! A [`Scalar`] keeps its canonical value (below n) as five little-endian
//! 64-bit limbs; arithmetic goes through `num-bigint`, which is plenty for
//! signing and verifying natively. Encodings are canonical: 40 bytes
//! little-endian or a decimal string, and anything not below n is rejected
//! rather than reduced. Only [`Scalar::from_wide`] reduces, for nonces and
//! fresh keys.

use std::fmt;
use std::ops::{Add, Mul, Neg, Sub};
use std::sync::OnceLock;

use num_bigint::BigUint;

use super::error::Ecgfp5Error;

/// The group order n in decimal.
pub const ORDER_DECIMAL: &str = "1067993516717146951041484916571792702745057740581727230159139685185762082554198619328292418486241";

/// The group order n as an integer.
pub fn order() -> &'static BigUint {
    static N: OnceLock<BigUint> = OnceLock::new();
    N.get_or_init(|| BigUint::parse_bytes(ORDER_DECIMAL.as_bytes(), 10).expect("decimal n"))
}

/// An integer modulo n, always held in canonical form (below n).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Scalar([u64; 5]);

impl Scalar {
    /// Bits of a canonical scalar: n < 2^319.
    pub const BITS: usize = 319;
    /// Bytes of the canonical encoding.
    pub const BYTES: usize = 40;
    /// Zero.
    pub const ZERO: Self = Self([0; 5]);
    /// One.
    pub const ONE: Self = Self([1, 0, 0, 0, 0]);

    /// The scalar of an integer known to be below n.
    fn from_reduced(v: &BigUint) -> Self {
        debug_assert!(v < order());
        let mut limbs = [0u64; 5];
        for (limb, digit) in limbs.iter_mut().zip(v.iter_u64_digits()) {
            *limb = digit;
        }
        Self(limbs)
    }

    /// The canonical value as an integer.
    pub fn to_biguint(&self) -> BigUint {
        let mut bytes = [0u8; 40];
        for (chunk, limb) in bytes.chunks_exact_mut(8).zip(self.0) {
            chunk.copy_from_slice(&limb.to_le_bytes());
        }
        BigUint::from_bytes_le(&bytes)
    }

    /// The integer `v`, rejected unless below n.
    pub fn from_biguint(v: &BigUint) -> Result<Self, Ecgfp5Error> {
        if v < order() {
            Ok(Self::from_reduced(v))
        } else {
            Err(Ecgfp5Error::ScalarOutOfRange)
        }
    }

    /// `v mod n`.
    pub fn from_biguint_reduced(v: &BigUint) -> Self {
        Self::from_reduced(&(v % order()))
    }

    /// A small integer.
    pub fn from_u64(v: u64) -> Self {
        Self([v, 0, 0, 0, 0])
    }

    /// The 256-bit integer `w[0] + 2^64 w[1] + 2^128 w[2] + 2^192 w[3]`,
    /// always below n, so never reduced.
    pub fn from_u256(w: [u64; 4]) -> Self {
        Self([w[0], w[1], w[2], w[3], 0])
    }

    /// A decimal string with no sign, no spaces and no separators; values
    /// not below n are rejected.
    pub fn from_decimal(text: &str) -> Result<Self, Ecgfp5Error> {
        if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Ecgfp5Error::BadDecimal(text.to_owned()));
        }
        let v = BigUint::parse_bytes(text.as_bytes(), 10)
            .ok_or_else(|| Ecgfp5Error::BadDecimal(text.to_owned()))?;
        Self::from_biguint(&v)
    }

    /// The decimal string of the canonical value (also [`fmt::Display`]).
    pub fn to_decimal(&self) -> String {
        self.to_biguint().to_str_radix(10)
    }

    /// Decodes 40 bytes little-endian; values not below n are rejected.
    pub fn from_bytes_le(bytes: &[u8; 40]) -> Result<Self, Ecgfp5Error> {
        Self::from_biguint(&BigUint::from_bytes_le(bytes))
    }

    /// The canonical 40 bytes, little-endian.
    pub fn to_bytes_le(&self) -> [u8; 40] {
        let mut bytes = [0u8; 40];
        for (chunk, limb) in bytes.chunks_exact_mut(8).zip(self.0) {
            chunk.copy_from_slice(&limb.to_le_bytes());
        }
        bytes
    }

    /// The canonical value as five 64-bit limbs, little-endian.
    pub fn to_limbs(&self) -> [u64; 5] {
        self.0
    }

    /// The canonical value as ten 32-bit words, little-endian (the layout a
    /// circuit range-checks).
    pub fn to_u32_words(&self) -> [u32; 10] {
        let mut words = [0u32; 10];
        for (i, w) in words.iter_mut().enumerate() {
            *w = (self.0[i / 2] >> (32 * (i % 2))) as u32;
        }
        words
    }

    /// Reduces a 512-bit integer, given as eight 64-bit limbs little-endian,
    /// modulo n. For a uniform input the result is within statistical
    /// distance n / 2^512 < 2^-193 of uniform.
    pub fn from_wide(limbs: &[u64; 8]) -> Self {
        let mut bytes = [0u8; 64];
        for (chunk, limb) in bytes.chunks_exact_mut(8).zip(limbs) {
            chunk.copy_from_slice(&limb.to_le_bytes());
        }
        Self::from_biguint_reduced(&BigUint::from_bytes_le(&bytes))
    }

    /// Whether this is zero.
    pub fn is_zero(&self) -> bool {
        self.0 == [0; 5]
    }

    /// The [`Self::BITS`] bits of the canonical value, least significant first.
    pub fn bits_le(&self) -> [bool; Self::BITS] {
        std::array::from_fn(|i| (self.0[i / 64] >> (i % 64)) & 1 == 1)
    }
}

impl Add for Scalar {
    type Output = Self;
    fn add(self, rhs: Self) -> Self {
        Self::from_biguint_reduced(&(self.to_biguint() + rhs.to_biguint()))
    }
}

impl Sub for Scalar {
    type Output = Self;
    fn sub(self, rhs: Self) -> Self {
        self + (-rhs)
    }
}

impl Mul for Scalar {
    type Output = Self;
    fn mul(self, rhs: Self) -> Self {
        Self::from_biguint_reduced(&(self.to_biguint() * rhs.to_biguint()))
    }
}

impl Neg for Scalar {
    type Output = Self;
    fn neg(self) -> Self {
        if self.is_zero() {
            self
        } else {
            Self::from_reduced(&(order() - self.to_biguint()))
        }
    }
}

impl fmt::Display for Scalar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_decimal())
    }
}

impl fmt::Debug for Scalar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Scalar({})", self.to_decimal())
    }
}
