//! The market hash as a light client checks it: the market's terms and its
//! oracle set hashed apart, then together.
//!
//! `market_hash = Poseidon([MARKET, terms[4], oracle_set[4]])` with
//! `oracle_set = Poseidon([ORACLE_SET, n, key_0 (5 elements), ...,
//! quorum])`, each key the canonical encoding of an ECgFp5 point (its five
//! GF(p) coefficients, z^0 first); `terms` is the hash of everything else (the rule book's
//! `Market::terms_digest`). A client that trusts a market hash and is
//! handed the terms digest and the oracle keys can thus tell that exactly
//! those keys are the market's.

use alloc::vec::Vec;

use plonky2::hash::poseidon::PoseidonHash;
use plonky2::plonk::config::Hasher;
use serde::{Deserialize, Serialize};

use crate::canonical::unsigned;
use crate::config::F;
use crate::domain;
use crate::public_inputs::Digest;

/// Field elements of one oracle key: the five coefficients of the
/// canonical encoding of an ECgFp5 point.
pub const KEY_LEN: usize = 5;

/// The oracles whose reports price a market, and how many of them each epoch needs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OracleSet {
    /// ECgFp5 Schnorr public keys by oracle index, each the canonical
    /// encoding of the point as five coefficients below p (z^0 first), as
    /// `zksettle keygen` prints them; a coefficient not below p is refused
    /// on decoding.
    #[serde(with = "crate::canonical::serde_keys")]
    pub keys: Vec<[u64; KEY_LEN]>,
    /// Reports from distinct oracles every epoch carries (odd).
    pub quorum: u32,
}

impl OracleSet {
    /// Field encoding hashed into [`Self::digest`].
    pub fn to_fields(&self) -> Vec<F> {
        let mut out = Vec::with_capacity(3 + KEY_LEN * self.keys.len());
        out.push(unsigned(domain::ORACLE_SET));
        out.push(unsigned(self.keys.len() as u64));
        for key in &self.keys {
            out.extend(key.iter().map(|&w| unsigned(w)));
        }
        out.push(unsigned(self.quorum.into()));
        out
    }

    /// Poseidon hash of [`Self::to_fields`].
    pub fn digest(&self) -> Digest {
        PoseidonHash::hash_no_pad(&self.to_fields())
    }
}

/// The market hash of a market with these terms and this oracle set.
pub fn market_hash(terms: &Digest, oracles: &Digest) -> Digest {
    let mut fields = [unsigned(domain::MARKET); 9];
    for (slot, element) in fields
        .iter_mut()
        .skip(1)
        .zip(terms.elements.iter().chain(&oracles.elements))
    {
        *slot = *element;
    }
    PoseidonHash::hash_no_pad(&fields)
}
