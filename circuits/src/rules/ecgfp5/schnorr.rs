//! Schnorr signatures over ECgFp5 with a Poseidon challenge, in the
//! (e, s) form: a signature is the challenge e and the response s, so a
//! verifier (and later the circuit) recomputes R = s G - e Q and never
//! decodes a point from the signature.
//!
//! See the module docs of [`super`] for the exact hashed layouts.

use std::fmt;
use std::str::FromStr;

use plonky2::field::types::{Field, PrimeField64};
use rand::{CryptoRng, RngCore};
use zksettle_verifier::domain::{SCHNORR_CHALLENGE, SCHNORR_NONCE};

use super::curve::Point;
use super::error::Ecgfp5Error;
use super::field::P;
use super::scalar::Scalar;
use crate::config::F;
use crate::rules::encoding::hash;

/// The challenge e = h0 + 2^64 h1 + 2^128 h2 + 2^192 h3 of
/// `Poseidon(SCHNORR_CHALLENGE, w(Q), w(R), len, msg...)`, as its four
/// canonical words h0..h3.
pub fn challenge(public: &[u64; 5], commitment: &Point, msg: &[F]) -> [u64; 4] {
    let mut input = Vec::with_capacity(12 + msg.len());
    input.push(F::from_canonical_u64(SCHNORR_CHALLENGE));
    input.extend(public.iter().map(|&c| F::from_canonical_u64(c)));
    input.extend(
        commitment
            .encoding()
            .iter()
            .map(|&c| F::from_canonical_u64(c)),
    );
    input.push(F::from_canonical_usize(msg.len()));
    input.extend_from_slice(msg);
    hash(&input).elements.map(|h| h.to_canonical_u64())
}

/// A secret key: a nonzero scalar x, with public key Q = x G.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretKey(Scalar);

impl SecretKey {
    /// The key x; zero is rejected.
    pub fn from_scalar(x: Scalar) -> Result<Self, Ecgfp5Error> {
        if x.is_zero() {
            Err(Ecgfp5Error::ZeroSecret)
        } else {
            Ok(Self(x))
        }
    }

    /// The key from its decimal string (nonzero, below n).
    pub fn from_decimal(text: &str) -> Result<Self, Ecgfp5Error> {
        Self::from_scalar(Scalar::from_decimal(text)?)
    }

    /// A fresh key: 512 random bits reduced modulo n (bias below 2^-193),
    /// drawn again in the negligible case of zero.
    pub fn random<R: RngCore + CryptoRng>(rng: &mut R) -> Self {
        loop {
            let mut limbs = [0u64; 8];
            for limb in &mut limbs {
                *limb = rng.next_u64();
            }
            if let Ok(key) = Self::from_scalar(Scalar::from_wide(&limbs)) {
                return key;
            }
        }
    }

    /// The scalar x.
    pub fn scalar(&self) -> &Scalar {
        &self.0
    }

    /// The public key x G.
    pub fn public_key(&self) -> PublicKey {
        PublicKey(Point::mul_generator(&self.0))
    }

    /// The deterministic nonce k for `msg` (see the module docs of
    /// [`super`]): never zero.
    pub fn nonce(&self, msg: &[F]) -> Scalar {
        let words = self.0.to_u32_words();
        let block = |counter: u64| {
            let mut input = Vec::with_capacity(13 + msg.len());
            input.push(F::from_canonical_u64(SCHNORR_NONCE));
            input.push(F::from_canonical_u64(counter));
            input.extend(words.iter().map(|&w| F::from_canonical_u32(w)));
            input.push(F::from_canonical_usize(msg.len()));
            input.extend_from_slice(msg);
            hash(&input).elements.map(|h| h.to_canonical_u64())
        };
        (0u64..)
            .map(|attempt| {
                let lo = block(2 * attempt);
                let hi = block(2 * attempt + 1);
                let digits = [lo[0], lo[1], lo[2], lo[3], hi[0], hi[1], hi[2], hi[3]];
                nonce_from_digits(&digits)
            })
            .find(|k| !k.is_zero())
            .expect("a nonzero nonce")
    }

    /// Signs `msg`: k the nonce, R = k G, e = challenge(Q, R, msg),
    /// s = k + e x mod n.
    pub fn sign(&self, msg: &[F]) -> Signature {
        let k = self.nonce(msg);
        let r = Point::mul_generator(&k);
        let e = challenge(&self.public_key().encoding(), &r, msg);
        let s = k + Scalar::from_u256(e) * self.0;
        Signature { e, s }
    }
}

/// The integer sum of `digits[i] · p^i` (each digit below p, so a uniform
/// value in [0, p^8)), reduced modulo n.
fn nonce_from_digits(digits: &[u64; 8]) -> Scalar {
    use num_bigint::BigUint;
    let p = BigUint::from(P);
    let v = digits
        .iter()
        .rev()
        .fold(BigUint::ZERO, |acc, &d| acc * &p + BigUint::from(d));
    Scalar::from_biguint_reduced(&v)
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretKey(..)")
    }
}

/// A public key Q = x G: any group element but the neutral.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PublicKey(Point);

impl PublicKey {
    /// The key Q; the neutral is rejected.
    pub fn from_point(q: Point) -> Result<Self, Ecgfp5Error> {
        if q.is_neutral() {
            Err(Ecgfp5Error::NeutralPublicKey)
        } else {
            Ok(Self(q))
        }
    }

    /// The key from its canonical encoding w(Q), z^0 first.
    pub fn from_encoding(w: [u64; 5]) -> Result<Self, Ecgfp5Error> {
        Self::from_point(Point::from_encoding(w)?)
    }

    /// The point Q.
    pub fn point(&self) -> &Point {
        &self.0
    }

    /// The canonical encoding w(Q), z^0 first.
    pub fn encoding(&self) -> [u64; 5] {
        self.0.encoding()
    }

    /// Whether `sig` signs `msg` under this key: R' = s G - e Q must not be
    /// the neutral, and challenge(Q, R', msg) must equal e.
    pub fn verify(&self, msg: &[F], sig: &Signature) -> bool {
        if self.0.is_neutral() {
            return false;
        }
        let e = Scalar::from_u256(sig.e);
        let r = Point::mul_add_generator(&sig.s, &-e, &self.0);
        !r.is_neutral() && challenge(&self.encoding(), &r, msg) == sig.e
    }
}

/// A signature (e, s): e the 256-bit challenge as four canonical words,
/// s the response below n.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Signature {
    e: [u64; 4],
    s: Scalar,
}

impl Signature {
    /// Bytes of the encoding: e (32) then s (40).
    pub const BYTES: usize = 72;
    /// Hex digits of [`Self::to_hex`] after the "0x".
    pub const HEX_DIGITS: usize = 2 * Self::BYTES;

    /// The signature (e, s); a challenge word not below p is rejected.
    pub fn new(e: [u64; 4], s: Scalar) -> Result<Self, Ecgfp5Error> {
        if let Some(index) = e.iter().position(|&w| w >= P) {
            return Err(Ecgfp5Error::NonCanonicalField {
                index,
                value: e[index],
            });
        }
        Ok(Self { e, s })
    }

    /// The challenge words h0..h3.
    pub fn e(&self) -> [u64; 4] {
        self.e
    }

    /// The challenge words as field elements.
    pub fn e_elements(&self) -> [F; 4] {
        self.e.map(F::from_canonical_u64)
    }

    /// The challenge as a scalar (the 256-bit integer, never reduced).
    pub fn e_scalar(&self) -> Scalar {
        Scalar::from_u256(self.e)
    }

    /// The response s.
    pub fn s(&self) -> Scalar {
        self.s
    }

    /// 72 bytes: h0..h3 as 8 bytes little-endian each, then s as 40 bytes
    /// little-endian.
    pub fn to_bytes(&self) -> [u8; 72] {
        let mut out = [0u8; 72];
        for (chunk, w) in out[..32].chunks_exact_mut(8).zip(self.e) {
            chunk.copy_from_slice(&w.to_le_bytes());
        }
        out[32..].copy_from_slice(&self.s.to_bytes_le());
        out
    }

    /// Decodes [`Self::to_bytes`]: wrong length, a challenge word not below
    /// p or s not below n is rejected.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, Ecgfp5Error> {
        if bytes.len() != Self::BYTES {
            return Err(Ecgfp5Error::BadLength {
                actual: bytes.len(),
                expected: Self::BYTES,
            });
        }
        let mut e = [0u64; 4];
        for (w, chunk) in e.iter_mut().zip(bytes[..32].chunks_exact(8)) {
            *w = u64::from_le_bytes(chunk.try_into().expect("8 bytes"));
        }
        let s = Scalar::from_bytes_le(bytes[32..].try_into().expect("40 bytes"))?;
        Self::new(e, s)
    }

    /// "0x" and the 144 lowercase hex digits of [`Self::to_bytes`].
    pub fn to_hex(&self) -> String {
        format!("0x{}", hex::encode(self.to_bytes()))
    }

    /// Decodes [`Self::to_hex`] (hex digits of either case).
    pub fn from_hex(text: &str) -> Result<Self, Ecgfp5Error> {
        let digits = text.strip_prefix("0x").ok_or(Ecgfp5Error::BadHex)?;
        if digits.len() != Self::HEX_DIGITS {
            return Err(Ecgfp5Error::BadHexLength {
                actual: digits.len(),
                expected: Self::HEX_DIGITS,
            });
        }
        let bytes = hex::decode(digits).map_err(|_| Ecgfp5Error::BadHex)?;
        Self::from_bytes(&bytes)
    }
}

impl fmt::Display for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl FromStr for Signature {
    type Err = Ecgfp5Error;
    fn from_str(text: &str) -> Result<Self, Ecgfp5Error> {
        Self::from_hex(text)
    }
}

/// The all-zero signature (e = 0, s = 0): a placeholder to sign over,
/// which verifies under no key (its challenge would have to hash to zero).
impl Default for Signature {
    fn default() -> Self {
        Self {
            e: [0; 4],
            s: Scalar::from_u64(0),
        }
    }
}

/// A signature in JSON: its `0x` hex string ([`Signature::to_hex`]).
impl serde::Serialize for Signature {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_hex())
    }
}

/// A signature from JSON: exactly the canonical `0x` hex of 72 bytes.
impl<'de> serde::Deserialize<'de> for Signature {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Self::from_hex(&text).map_err(serde::de::Error::custom)
    }
}
