//! What a chunk proof is filled with: plain values, built by the prover from
//! the ledger's witness records (see `zksettle_prover::assign`).

use crate::config::F;
use crate::rules::account::Account;
use crate::rules::authorization::{Authorization, Message};
use crate::rules::encoding::{Digest, ZERO_DIGEST};
use crate::rules::ops::BATCH_ITEM_LEN;
use crate::rules::sheet::PriceSheet;

use super::public::AttestedDeposits;
pub use crate::rules::custody::Transfers;

pub use super::system::SystemWitness;

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
/// The step's user-account leaf updates are applied in port order `A, B`,
/// the order the ledger writes them: `A` the first account (depositor,
/// withdrawer, buyer, liquidated account, settled holder), `B` the second
/// (seller, liquidator). Paths are the chunk's shadow tree's (see
/// [`SystemWitness`]): system leaves as the chunk found them. The system
/// balances an operation moves are the chunk's registers and take no port;
/// a deposit to the insurance fund or a withdrawal from the fee account
/// puts that system account (as the registers hold it) in `A`, whose path
/// is then unused, and a sweep uses no port.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StepWitness {
    /// The batch item (`Operation::batch_items`); all zero for padding.
    pub item: [F; BATCH_ITEM_LEN],
    /// First account.
    pub a: Option<PortWitness<Account>>,
    /// Second account.
    pub b: Option<PortWitness<Account>>,
    /// The key of a signed withdrawal (its encoding), which the step
    /// queues with the withdrawal's message for the chunk's desk.
    pub signer: Option<[u64; 5]>,
}

impl StepWitness {
    /// The epoch's transfer logs after this step (a deposit's item extends
    /// the deposit log; a withdrawal's item, with the owner of its account
    /// before it, the withdrawal log): `None` for a withdrawal without its
    /// account or an index beyond u32.
    pub fn transfers_after(&self, transfers: &Transfers) -> Option<Transfers> {
        use crate::rules::ops::tag;
        use plonky2::field::types::PrimeField64;
        let value = |k: usize| self.item[k].to_canonical_u64();
        let account = || u32::try_from(value(1)).ok();
        match value(0) {
            tag::DEPOSIT => {
                let owner = Digest {
                    elements: [self.item[3], self.item[4], self.item[5], self.item[6]],
                };
                Some(transfers.deposit(account()?, &owner, value(2), value(7)))
            }
            tag::WITHDRAW => {
                let owner = self.a.as_ref()?.before.owner;
                Some(transfers.withdrawal(account()?, &owner, value(2), value(3)))
            }
            _ => Some(*transfers),
        }
    }

    /// A padding step: no operation, no leaf touched.
    pub fn padding() -> Self {
        Self {
            item: [F::default(); BATCH_ITEM_LEN],
            a: None,
            b: None,
            signer: None,
        }
    }
}

/// The settlement registers carried across steps and chunks (the rule
/// book's: `rules::ops::SettlementRegisters`).
pub use crate::rules::ops::SettlementRegisters as SettleCarry;

/// Everything one chunk proof is filled with.
#[derive(Clone, Debug)]
pub struct ChunkWitness {
    /// The epoch's price sheet (report hashes, medians, risk arrays): the
    /// prelude's, for a chunk that is to fold.
    pub sheet: PriceSheet,
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
    /// The deposit log and total the custodians attested for the epoch
    /// (the prelude's, for a chunk that is to fold).
    pub deposit_report: AttestedDeposits,
    /// The epoch's deposit and withdrawal logs and totals before the chunk.
    pub transfers_in: Transfers,
    /// The system leaves (insurance fund, fee account, bad debt).
    pub system: SystemWitness,
    /// Exactly `capacity` steps (padding at the end).
    pub steps: Vec<StepWitness>,
    /// The signatures the chunk's desk verifies, in the order the steps
    /// queue them: a signed withdrawal's authorization and message each.
    pub signatures: Vec<(Authorization, Message)>,
}

impl ChunkWitness {
    /// A chunk with no operation (for an empty epoch) at `root`, whose
    /// system leaves are `system`.
    pub fn empty(
        sheet: PriceSheet,
        epoch: u64,
        timestamp: u64,
        root: Digest,
        system: SystemWitness,
        deposit_report: AttestedDeposits,
    ) -> Self {
        Self {
            sheet,
            epoch,
            timestamp,
            root_in: root,
            batch_in: ZERO_DIGEST,
            carry_in: SettleCarry::default(),
            deposit_report,
            transfers_in: Transfers::NONE,
            system,
            steps: Vec::new(),
            signatures: Vec::new(),
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
    /// root after every user port's leaf update in port order and the
    /// system leaves' write-back (with the balances the witness says the
    /// chunk ends with, [`SystemWitness::out`]), the batch
    /// commitment over every non-padding item, the settlement registers by
    /// the rule the circuit applies, the operations started (a settlement
    /// counts at its first holder), the market hash, the report hashes and the sheet commitment.
    /// The pipeline compares checkpoints and proofs against it; it is what
    /// the circuit proves for a witness it accepts. `None` when the steps
    /// break the settlement registers or the system leaves are not where
    /// the steps leave them (no proof of them exists).
    pub fn expected_statement(
        &self,
        market: &crate::rules::Market,
    ) -> Option<super::ChunkPublicInputs> {
        use crate::rules::merkle::root_from_path;
        use crate::rules::ops::{extend_batch_hash, tag};
        use crate::rules::units::is_system_index;
        use plonky2::field::types::PrimeField64;

        let mut root = self.root_in;
        let mut batch = self.batch_in;
        let mut carry = self.carry_in;
        let mut transfers = self.transfers_in;
        let mut op_count = 0;
        for step in &self.steps {
            let item_tag = step.item[0].to_canonical_u64();
            if item_tag == 0 {
                continue;
            }
            for port in [&step.a, &step.b].into_iter().flatten() {
                if u32::try_from(port.index).is_ok_and(|i| !is_system_index(i)) {
                    root = root_from_path(port.after.leaf_hash(), port.index, &port.siblings);
                }
            }
            batch = extend_batch_hash(&batch, &step.item);
            let value = |k: usize| step.item[k].to_canonical_u64();
            transfers = step.transfers_after(&transfers)?;
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
        // The steps leave the system leaves as found (the circuit opens them
        // there), and the write-back sets them.
        if self.system.root_with(&self.system.balances()) != root {
            return None;
        }
        let root = self.system.root_with(&self.system.out);
        Some(super::ChunkPublicInputs {
            market_hash: market.hash(),
            root_in: self.root_in,
            root_out: root,
            epoch: self.epoch,
            timestamp: self.timestamp,
            batch_in: self.batch_in,
            batch_out: batch,
            report_hashes: self.sheet.report_hashes.clone(),
            op_count,
            carry_in: self.carry_in,
            carry_out: carry,
            priced: 0,
            price_sheet: self.sheet.commitment(),
            deposit_report: self.deposit_report,
            transfers_in: self.transfers_in,
            transfers_out: transfers,
        })
    }
}
