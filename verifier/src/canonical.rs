//! Integers as field elements, and the bound that keeps a decoded value
//! from hashing as its reduction modulo p.
//!
//! Every integer of a file that is hashed (a report price, a timestamp, an
//! amount) is bounded by a rule well below p before it reaches these
//! encoders; [`check_u64`] is the guard for values read from outside (an
//! attestation, an account proof) whose bound is not otherwise checked.

use plonky2::field::types::{Field, Field64};

use crate::config::F;

/// An unsigned integer as a field element.
pub fn unsigned(x: u64) -> F {
    F::from_noncanonical_u64(x)
}

/// A signed integer as a field element (negative values wrap to `p - |x|`).
pub fn signed(x: i64) -> F {
    F::from_noncanonical_i64(x)
}

/// Whether `x` is below the field modulus, i.e. encodes as itself.
pub fn is_canonical(x: u64) -> bool {
    x < F::ORDER
}

/// `Err(x)` when `x` would hash as its reduction modulo p.
pub fn check_u64(x: u64) -> Result<u64, u64> {
    if is_canonical(x) {
        Ok(x)
    } else {
        Err(x)
    }
}

/// Serde adapter: a list of oracle keys, each five coefficients that must
/// be below p (a key that would hash as its reduction is refused).
pub mod serde_keys {
    use alloc::format;
    use alloc::vec::Vec;

    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use crate::market::KEY_LEN;

    /// Serialises keys as arrays of numbers.
    pub fn serialize<S: Serializer>(keys: &[[u64; KEY_LEN]], s: S) -> Result<S::Ok, S::Error> {
        keys.serialize(s)
    }

    /// Deserialises keys, refusing a coefficient not below p.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<[u64; KEY_LEN]>, D::Error> {
        let keys = Vec::<[u64; KEY_LEN]>::deserialize(d)?;
        for (index, key) in keys.iter().enumerate() {
            if let Some(w) = key.iter().find(|&&w| !super::is_canonical(w)) {
                return Err(serde::de::Error::custom(format!(
                    "oracle key {index}: coefficient {w} is not below the field modulus"
                )));
            }
        }
        Ok(keys)
    }
}
