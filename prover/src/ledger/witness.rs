//! Per-operation witness records: every leaf an operation touches, before
//! and after, with its Merkle path. The chunk circuit is filled from these.

use zksettle_circuits::rules::account::Account;
use zksettle_circuits::rules::custody::{DepositReport, Transfers};
use zksettle_circuits::rules::encoding::Digest;
use zksettle_circuits::rules::ops::Operation;
use zksettle_circuits::rules::sheet::PriceSheet;

use super::SparseTree;

/// The value of a leaf.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LeafValue {
    /// An account leaf.
    Account(Account),
    /// The global leaf: outstanding bad debt and custodian deposits
    /// credited.
    Global {
        /// Bad debt, micro-USD.
        bad_debt: u64,
        /// Deposits credited since genesis (the next deposit id).
        deposits: u64,
    },
}

/// One leaf update (or read, when `before == after`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LeafUpdate {
    /// Leaf index.
    pub index: u64,
    /// Value before.
    pub before: LeafValue,
    /// Value after.
    pub after: LeafValue,
    /// Siblings bottom-up, shared by the before and after paths.
    pub siblings: Vec<Digest>,
    /// Root before the update.
    pub root_before: Digest,
    /// Root after the update.
    pub root_after: Digest,
}

/// Witness of one operation (for a settlement, one per listed account).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpWitness {
    /// Position of the operation in the epoch.
    pub op_index: usize,
    /// Position of the step within the operation (settlements: the account's position).
    pub step: usize,
    /// Leaf updates in the order applied.
    pub updates: Vec<LeafUpdate>,
}

/// Witness of a whole epoch.
#[derive(Clone, Debug)]
pub struct EpochWitness {
    /// The market hash (what every signed message carries).
    pub market_hash: Digest,
    /// Root before the epoch.
    pub prev_root: Digest,
    /// The tree before the epoch (the chunks' shadow trees start from it).
    pub prev_tree: SparseTree,
    /// The system leaves before the epoch: insurance fund, fee account, bad
    /// debt, deposits credited.
    pub prev_system: (Account, Account, u64, u64),
    /// Root after the epoch.
    pub new_root: Digest,
    /// The price sheet: report hashes, median prices, risk arrays.
    pub sheet: PriceSheet,
    /// Batch commitment of the operations.
    pub batch_hash: Digest,
    /// The operations.
    pub ops: Vec<Operation>,
    /// Steps in order.
    pub steps: Vec<OpWitness>,
    /// The custodians' deposit report (`None`: no deposits).
    pub deposit_report: Option<DepositReport>,
    /// The epoch's deposit and withdrawal logs and totals.
    pub transfers: Transfers,
}
