//! The history a chain proof carries: one record per epoch, folded into a
//! Poseidon hash chain.
//!
//! `record_e = Poseidon([EPOCH_RECORD, e, timestamp, prev_root[4],
//! new_root[4], batch_hash[4], transfers[10], op_count,
//! report_hashes[quorum][4]])` (`transfers`: the epoch's deposit and
//! withdrawal logs and totals, [`crate::transfers`]) and
//! `history_e = Poseidon([HISTORY, history_{e-1}[4], record_e[4]])`, from
//! `history_0 = 0` ([`EMPTY_HISTORY`]). The chain circuit computes both from
//! the epoch it proves, so a chain proof's `history` commits to every
//! epoch's roots, batch, deposits, withdrawals and oracle reports since
//! genesis.
//!
//! A client that finalized epoch `N` (root `R_N`) and is shown epoch `e > N`
//! folds the records of epochs `N+1..=e`, starting from the history before
//! `N+1` and checking that `N+1` starts from `R_N`: reaching the proof's
//! history means (by Poseidon's collision resistance) that these are the
//! proven epochs, so the proven history passes through `R_N`, and their
//! report hashes are those of the reports whose signatures the proof
//! verified.

use alloc::vec::Vec;

use plonky2::hash::poseidon::PoseidonHash;
use plonky2::plonk::config::Hasher;

use crate::account::ZERO_DIGEST;
use crate::canonical::unsigned;
use crate::config::F;
use crate::domain;
use crate::public_inputs::Digest;
use crate::transfers::{Transfers, TRANSFERS_LEN};

/// The history before epoch 1.
pub const EMPTY_HISTORY: Digest = ZERO_DIGEST;

/// What the history keeps of one epoch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EpochRecord {
    /// Epoch number.
    pub epoch: u64,
    /// Epoch timestamp.
    pub timestamp: u64,
    /// Root the epoch started from.
    pub prev_root: Digest,
    /// Root the epoch ended with.
    pub new_root: Digest,
    /// Commitment to the epoch's operations.
    pub batch_hash: Digest,
    /// The epoch's deposit and withdrawal logs and totals.
    pub transfers: Transfers,
    /// Operations in the epoch.
    pub op_count: u64,
    /// Hashes of the oracle reports that priced it.
    pub report_hashes: Vec<Digest>,
}

impl EpochRecord {
    /// Elements of a record for a quorum.
    pub const fn len(quorum: usize) -> usize {
        1 + 2 + 3 * 4 + TRANSFERS_LEN + 1 + 4 * quorum
    }

    /// Field encoding hashed into [`Self::digest`].
    pub fn to_fields(&self) -> Vec<F> {
        let mut out = Vec::with_capacity(Self::len(self.report_hashes.len()));
        out.extend([domain::EPOCH_RECORD, self.epoch, self.timestamp].map(unsigned));
        for digest in [&self.prev_root, &self.new_root, &self.batch_hash] {
            out.extend(digest.elements);
        }
        out.extend(self.transfers.to_fields());
        out.push(unsigned(self.op_count));
        for digest in &self.report_hashes {
            out.extend(digest.elements);
        }
        out
    }

    /// Poseidon hash of [`Self::to_fields`].
    pub fn digest(&self) -> Digest {
        PoseidonHash::hash_no_pad(&self.to_fields())
    }
}

/// The history after an epoch with record digest `record`.
pub fn extend_history(history: &Digest, record: &Digest) -> Digest {
    let mut fields = [unsigned(domain::HISTORY); 9];
    for (slot, element) in fields
        .iter_mut()
        .skip(1)
        .zip(history.elements.iter().chain(&record.elements))
    {
        *slot = *element;
    }
    PoseidonHash::hash_no_pad(&fields)
}
