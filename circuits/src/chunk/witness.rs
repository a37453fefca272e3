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
/// the ledger writes them: `A` the first account (depositor, withdrawer,
/// buyer, liquidated account, settled holder, the fee account of a sweep),
/// `B` the second (seller, liquidator), `S` the system account (fee account
/// for trades, insurance fund for liquidations, settlements and sweeps), `G`
/// the global leaf (bad debt; deposits, withdrawals, liquidations,
/// settlements and sweeps).
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

/// The settlement registers carried across steps and chunks (the rule
/// book's: `rules::ops::SettlementRegisters`).
pub use crate::rules::ops::SettlementRegisters as SettleCarry;

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

impl ChunkWitness {
    /// The operation types of its steps (a tag no circuit supports makes a
    /// set no layout covers).
    pub fn kinds(&self) -> super::OpKinds {
        use plonky2::field::types::PrimeField64;
        let tags: Vec<u64> = self
            .steps
            .iter()
            .map(|step| step.item[0].to_canonical_u64())
            .filter(|&t| t != 0)
            .collect();
        super::OpKinds::of(&tags)
    }

    /// The statement a proof of this chunk makes, computed natively: the
    /// root after every port's leaf update in port order, the batch
    /// commitment over every non-padding item, the settlement registers by
    /// the rule the circuit applies, the operations started (a settlement
    /// counts at its first holder), the market hash and the report hashes.
    /// The pipeline compares checkpoints and proofs against it; it is what
    /// the circuit proves for a witness it accepts. `None` when the steps
    /// break the settlement registers (no proof of them exists).
    pub fn expected_statement(
        &self,
        market: &crate::rules::Market,
    ) -> Option<super::ChunkPublicInputs> {
        use crate::rules::account::global_leaf_hash;
        use crate::rules::merkle::root_from_path;
        use crate::rules::ops::{extend_batch_hash, tag};
        use crate::rules::units::GLOBAL_LEAF;
        use plonky2::field::types::PrimeField64;

        let mut root = self.root_in;
        let mut batch = self.batch_in;
        let mut carry = self.carry_in;
        let mut op_count = 0;
        for step in &self.steps {
            let item_tag = step.item[0].to_canonical_u64();
            if item_tag == 0 {
                continue;
            }
            for port in [&step.a, &step.b, &step.s].into_iter().flatten() {
                root = root_from_path(port.after.leaf_hash(), port.index, &port.siblings);
            }
            if let Some(g) = &step.g {
                root = root_from_path(global_leaf_hash(g.after), GLOBAL_LEAF.into(), &g.siblings);
            }
            batch = extend_batch_hash(&batch, &step.item);
            let value = |k: usize| step.item[k].to_canonical_u64();
            if item_tag == tag::SETTLE_EXPIRY {
                let instrument = u32::try_from(value(1)).ok()?;
                let qty = step.a.as_ref().map_or(0, |a| a.before.qty(instrument));
                carry = carry
                    .after_holder(instrument, value(2), value(3), value(4), qty)
                    .ok()?;
                if value(3) == 0 {
                    op_count += 1;
                }
            } else {
                carry = carry.after_other().ok()?;
                op_count += 1;
            }
        }
        Some(super::ChunkPublicInputs {
            market_hash: market.hash(),
            root_in: self.root_in,
            root_out: root,
            epoch: self.epoch,
            timestamp: self.timestamp,
            batch_in: self.batch_in,
            batch_out: batch,
            report_hashes: self.reports.iter().map(|r| r.hash(market)).collect(),
            op_count,
            carry_in: self.carry_in,
            carry_out: carry,
        })
    }
}
