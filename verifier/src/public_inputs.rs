//! The statement of a settlement proof as field elements (`docs/design.md` section 3.1).
//!
//! This layout is the contract between the circuits (which expose these public
//! inputs in this order) and light clients (which check them against trusted
//! values). Order: `market_hash[4]`, `genesis_root[4]`, `prev_root[4]`,
//! `new_root[4]`, `epoch`, `timestamp`, `batch_hash[4]`, `transfers[10]`
//! (the epoch's deposit and withdrawal logs and totals, [`crate::transfers`]),
//! `report_hashes[quorum][4]`, `op_count`, then `history[4]`: the
//! accumulator of every epoch's record since genesis (see [`crate::history`]).

use alloc::vec::Vec;

use plonky2::field::types::{Field, PrimeField64};
use plonky2::hash::hash_types::HashOut;

use crate::config::F;
use crate::history::EpochRecord;
use crate::transfers::{Transfers, TRANSFERS_LEN};

/// A Poseidon digest: four Goldilocks elements.
pub type Digest = HashOut<F>;

/// Elements of the layout before the report hashes.
const FIXED_PREFIX: usize = 4 * 4 + 2 + 4 + TRANSFERS_LEN;

/// Public inputs of an epoch or chain proof, in the order of `docs/design.md` section 3.1.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicInputs {
    /// Poseidon hash of the market configuration.
    pub market_hash: Digest,
    /// Root of the account tree before epoch 1 (chain proofs; epoch proofs repeat `prev_root`).
    pub genesis_root: Digest,
    /// Root the epoch starts from.
    pub prev_root: Digest,
    /// Root the epoch ends with.
    pub new_root: Digest,
    /// Epoch number (the first epoch is 1).
    pub epoch: u64,
    /// Epoch timestamp, unix seconds.
    pub timestamp: u64,
    /// Running Poseidon commitment to the epoch's operations.
    pub batch_hash: Digest,
    /// The epoch's deposit and withdrawal logs and totals.
    pub transfers: Transfers,
    /// Poseidon hashes of the quorum's oracle reports, in report order.
    pub report_hashes: Vec<Digest>,
    /// Number of operations in the epoch.
    pub op_count: u64,
    /// The history up to and including this epoch ([`crate::history`]).
    pub history: Digest,
}

/// Where each field of the statement sits in the public inputs, for a quorum
/// (what circuits read a previous proof's statement with).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Layout {
    /// `market_hash[4]`.
    pub market_hash: usize,
    /// `genesis_root[4]`.
    pub genesis_root: usize,
    /// `prev_root[4]`.
    pub prev_root: usize,
    /// `new_root[4]`.
    pub new_root: usize,
    /// `epoch`.
    pub epoch: usize,
    /// `timestamp`.
    pub timestamp: usize,
    /// `batch_hash[4]`.
    pub batch_hash: usize,
    /// `transfers[10]`.
    pub transfers: usize,
    /// `report_hashes[quorum][4]`.
    pub report_hashes: usize,
    /// `op_count`.
    pub op_count: usize,
    /// `history[4]`.
    pub history: usize,
    /// Elements in all.
    pub len: usize,
}

impl Layout {
    /// The layout for a quorum.
    pub const fn of(quorum: usize) -> Self {
        let report_hashes = FIXED_PREFIX;
        let op_count = report_hashes + 4 * quorum;
        Self {
            market_hash: 0,
            genesis_root: 4,
            prev_root: 8,
            new_root: 12,
            epoch: 16,
            timestamp: 17,
            batch_hash: 18,
            transfers: 22,
            report_hashes,
            op_count,
            history: op_count + 1,
            len: op_count + 5,
        }
    }
}

/// Why a vector of field elements is not a valid public-input vector.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LayoutError {
    /// The vector has the wrong number of elements for the given quorum.
    #[error("public inputs have {actual} elements, expected {expected} for a quorum of {quorum}")]
    WrongLength {
        /// Elements found.
        actual: usize,
        /// Elements the layout needs.
        expected: usize,
        /// Quorum the layout was decoded for.
        quorum: usize,
    },
}

impl PublicInputs {
    /// Number of field elements of the layout for a given oracle quorum.
    pub const fn len(quorum: usize) -> usize {
        Layout::of(quorum).len
    }

    /// The quorum whose layout has `len` elements, if any.
    pub const fn quorum_of_len(len: usize) -> Option<usize> {
        match len.checked_sub(FIXED_PREFIX + 1 + 4) {
            Some(reports) if reports % 4 == 0 => Some(reports / 4),
            _ => None,
        }
    }

    /// Encodes the statement as field elements in layout order.
    pub fn to_fields(&self) -> Vec<F> {
        let mut out = Vec::with_capacity(Self::len(self.report_hashes.len()));
        for digest in [
            &self.market_hash,
            &self.genesis_root,
            &self.prev_root,
            &self.new_root,
        ] {
            out.extend_from_slice(&digest.elements);
        }
        out.push(F::from_canonical_u64(self.epoch));
        out.push(F::from_canonical_u64(self.timestamp));
        out.extend_from_slice(&self.batch_hash.elements);
        out.extend_from_slice(&self.transfers.to_fields());
        for digest in &self.report_hashes {
            out.extend_from_slice(&digest.elements);
        }
        out.push(F::from_canonical_u64(self.op_count));
        out.extend_from_slice(&self.history.elements);
        out
    }

    /// This epoch's record in the history.
    pub fn record(&self) -> EpochRecord {
        EpochRecord {
            epoch: self.epoch,
            timestamp: self.timestamp,
            prev_root: self.prev_root,
            new_root: self.new_root,
            batch_hash: self.batch_hash,
            transfers: self.transfers,
            op_count: self.op_count,
            report_hashes: self.report_hashes.clone(),
        }
    }

    /// Decodes a statement for an oracle quorum of `quorum` reports.
    pub fn from_fields(fields: &[F], quorum: usize) -> Result<Self, LayoutError> {
        let expected = Self::len(quorum);
        if fields.len() != expected {
            return Err(LayoutError::WrongLength {
                actual: fields.len(),
                expected,
                quorum,
            });
        }
        let mut cursor = Cursor { fields, at: 0 };
        let market_hash = cursor.digest();
        let genesis_root = cursor.digest();
        let prev_root = cursor.digest();
        let new_root = cursor.digest();
        let epoch = cursor.element();
        let timestamp = cursor.element();
        let batch_hash = cursor.digest();
        let transfers = cursor.transfers();
        let report_hashes = (0..quorum).map(|_| cursor.digest()).collect();
        let op_count = cursor.element();
        let history = cursor.digest();
        Ok(Self {
            market_hash,
            genesis_root,
            prev_root,
            new_root,
            epoch: epoch.to_canonical_u64(),
            timestamp: timestamp.to_canonical_u64(),
            batch_hash,
            transfers,
            report_hashes,
            op_count: op_count.to_canonical_u64(),
            history,
        })
    }
}

/// Reads a length-checked slice front to back without panicking.
struct Cursor<'a> {
    fields: &'a [F],
    at: usize,
}

impl Cursor<'_> {
    fn element(&mut self) -> F {
        let value = self.fields.get(self.at).copied().unwrap_or(F::ZERO);
        self.at += 1;
        value
    }

    fn transfers(&mut self) -> Transfers {
        let fields: Vec<F> = (0..TRANSFERS_LEN).map(|_| self.element()).collect();
        Transfers::from_fields(&fields).unwrap_or_default()
    }

    fn digest(&mut self) -> Digest {
        HashOut {
            elements: [
                self.element(),
                self.element(),
                self.element(),
                self.element(),
            ],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn digest(seed: u64) -> Digest {
        HashOut {
            elements: [0, 1, 2, 3].map(|i| F::from_canonical_u64(seed * 10 + i)),
        }
    }

    fn sample(quorum: usize) -> PublicInputs {
        PublicInputs {
            market_hash: digest(1),
            genesis_root: digest(2),
            prev_root: digest(3),
            new_root: digest(4),
            epoch: 7,
            timestamp: 1_700_000_000,
            batch_hash: digest(5),
            transfers: Transfers {
                deposit_log: digest(8),
                deposited: 12,
                withdrawal_log: digest(9),
                withdrawn: 5,
            },
            report_hashes: (0..quorum as u64).map(|i| digest(10 + i)).collect(),
            op_count: 400,
            history: digest(6),
        }
    }

    #[test]
    fn layout_round_trips_for_every_quorum() {
        for quorum in [1, 3, 5] {
            let inputs = sample(quorum);
            let fields = inputs.to_fields();
            assert_eq!(fields.len(), PublicInputs::len(quorum));
            assert_eq!(PublicInputs::quorum_of_len(fields.len()), Some(quorum));
            assert_eq!(PublicInputs::quorum_of_len(fields.len() + 1), None);
            assert_eq!(PublicInputs::from_fields(&fields, quorum), Ok(inputs));
        }
    }

    #[test]
    fn layout_order_matches_the_design() {
        let fields = sample(3).to_fields();
        let layout = Layout::of(3);
        assert_eq!(layout.transfers, 22);
        assert_eq!(layout.op_count, 44);
        assert_eq!(layout.history, 45);
        assert_eq!(layout.len, 49);
        assert_eq!(fields[0], F::from_canonical_u64(10));
        assert_eq!(fields[4], F::from_canonical_u64(20));
        assert_eq!(fields[16], F::from_canonical_u64(7));
        assert_eq!(fields[17], F::from_canonical_u64(1_700_000_000));
        assert_eq!(fields[18], F::from_canonical_u64(50));
        assert_eq!(fields[22], F::from_canonical_u64(80));
        assert_eq!(fields[26], F::from_canonical_u64(12));
        assert_eq!(fields[27], F::from_canonical_u64(90));
        assert_eq!(fields[31], F::from_canonical_u64(5));
        assert_eq!(fields[32], F::from_canonical_u64(100));
        assert_eq!(fields[44], F::from_canonical_u64(400));
        assert_eq!(fields[45], F::from_canonical_u64(60));
    }

    #[test]
    fn wrong_length_is_an_error_not_a_panic() {
        let fields = sample(3).to_fields();
        assert!(matches!(
            PublicInputs::from_fields(&fields[..10], 3),
            Err(LayoutError::WrongLength {
                actual: 10,
                expected: 49,
                quorum: 3
            })
        ));
        assert!(PublicInputs::from_fields(&fields, 4).is_err());
    }
}
