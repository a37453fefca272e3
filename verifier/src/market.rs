//! The market hash as a light client checks it: the market's terms and its
//! oracle set hashed apart, then together.
//!
//! `market_hash = Poseidon([MARKET, terms[4], oracle_set[4]])` with
//! `oracle_set = Poseidon([ORACLE_SET, n, key_0 (8 elements of 4 bytes), ...,
//! quorum])`; `terms` is the hash of everything else (the rule book's
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
use crate::hex::pack_bytes;
use crate::public_inputs::Digest;

/// Field elements of one 32-byte key (4 bytes per element).
pub const KEY_LEN: usize = 8;

/// The oracles whose reports price a market, and how many of them each epoch needs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OracleSet {
    /// Ed25519 public keys, `0x` hex, by oracle index.
    #[serde(with = "crate::hex::serde_keys")]
    pub keys: Vec<[u8; 32]>,
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
            out.extend(pack_bytes(key));
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
