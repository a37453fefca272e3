//! What a chunk proof is filled with: plain values, built by the prover from
//! the ledger's witness records (see `zksettle_prover::assign`).

use crate::config::F;
use crate::rules::account::Account;
use crate::rules::encoding::{Digest, ZERO_DIGEST};
use crate::rules::ops::BATCH_ITEM_LEN;
use crate::rules::oracle::Report;

/// One leaf update of a step, or an unused port (`None` in [`StepWitness`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PortWitness<L> {
    /// Leaf index.
    pub index: u64,
    /// Leaf value before.
    pub before: L,
    /// Leaf value after.
    pub after: L,
    /// Siblings bottom-up, shared by both paths.
    pub siblings: Vec<Digest>,
}

/// One step: an operation (or one holder of a settlement), or padding.
///
/// The step's leaf updates are applied in port order `A, B, S, G`, the order
/// the ledger writes them: `A` the first user account (depositor, withdrawer,
/// buyer, liquidated account, settled holder), `B` the second (seller,
/// liquidator), `S` the system account (fee account for trades, insurance
/// fund for liquidations and settlements), `G` the global leaf (bad debt).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StepWitness {
    /// The batch item (`Operation::batch_items`); all zero for padding.
    pub item: [F; BATCH_ITEM_LEN],
    /// First user account.
    pub a: Option<PortWitness<Account>>,
    /// Second user account.
    pub b: Option<PortWitness<Account>>,
    /// System account.
    pub s: Option<PortWitness<Account>>,
    /// Global leaf: bad debt before and after.
    pub g: Option<PortWitness<u64>>,
}

impl StepWitness {
    /// A padding step: no operation, no leaf touched.
    pub fn padding() -> Self {
        Self {
            item: [F::default(); BATCH_ITEM_LEN],
            a: None,
            b: None,
            s: None,
            g: None,
        }
    }
}

/// The settlement registers carried across steps and chunks: the running
/// net quantity of the settlement in progress and its last holder.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SettleCarry {
    /// Sum of the quantities settled so far by the current settlement.
    pub net: i64,
    /// Last holder settled.
    pub previous_account: u64,
}

/// Everything one chunk proof is filled with.
#[derive(Clone, Debug)]
pub struct ChunkWitness {
    /// The quorum's reports, in report order.
    pub reports: Vec<Report>,
    /// Epoch number.
    pub epoch: u64,
    /// Epoch timestamp.
    pub timestamp: u64,
    /// Root before the chunk.
    pub root_in: Digest,
    /// Batch commitment before the chunk.
    pub batch_in: Digest,
    /// Settlement registers before the chunk.
    pub carry_in: SettleCarry,
    /// Exactly `capacity` steps (padding at the end).
    pub steps: Vec<StepWitness>,
}

impl ChunkWitness {
    /// A chunk with no operation (for an empty epoch).
    pub fn empty(reports: Vec<Report>, epoch: u64, timestamp: u64, root: Digest) -> Self {
        Self {
            reports,
            epoch,
            timestamp,
            root_in: root,
            batch_in: ZERO_DIGEST,
            carry_in: SettleCarry::default(),
            steps: Vec::new(),
        }
    }
}
