//! The assign step: cuts an epoch's witness records into chunk witnesses.
//!
//! The ledger records every leaf an operation writes, in the order the
//! chunk circuit's ports apply them. Steps are cut into chunks, each as long
//! as one of the chunk layouts holds (its capacity, its operation types: a
//! light chunk holds no liquidation); each chunk starts where the previous
//! one ended (root, batch commitment, settlement registers), and the last
//! one is padded.
//!
//! Within a chunk the system leaves (insurance fund, fee account, global
//! leaf) are registers (`zksettle_circuits::chunk::SystemWitness`): a
//! [`ChunkWriter`] replays the user-account writes on the chunk's shadow
//! tree (system leaves as the chunk found them) for their paths, takes the
//! system writes into the registers and writes them back when the chunk
//! ends, after which the shadow tree is the ledger's tree again.

use zksettle_circuits::chunk::AttestedDeposits;
use zksettle_circuits::chunk::SystemWitness;
use zksettle_circuits::prelude::PreludeWitness;
use zksettle_circuits::rules::account::global_leaf_hash;
use zksettle_circuits::rules::encoding::{Digest, ZERO_DIGEST};
use zksettle_circuits::rules::units::{
    is_system_index, FEE_ACCOUNT, FIRST_USER_ACCOUNT, GLOBAL_LEAF, INSURANCE_FUND,
};

use plonky2::field::types::PrimeField64;
use zksettle_circuits::chunk::{
    ChunkParams, ChunkWitness, OpKinds, PortWitness, SettleCarry, StepWitness, SystemBalances,
};
use zksettle_circuits::rules::account::Account;
use zksettle_circuits::rules::authorization::{Authorization, Message};
use zksettle_circuits::rules::epoch::Epoch;
use zksettle_circuits::rules::ops::{extend_batch_hash, Operation};

use crate::ledger::{EpochWitness, LeafValue, OpWitness, SparseTree};

/// Why witness records do not make chunks.
#[derive(Debug, thiserror::Error)]
pub enum AssignError {
    /// Zero capacity.
    #[error("chunk capacity must be at least 1")]
    ZeroCapacity,
    /// Records that break the settlement registers (a ledger bug).
    #[error("operation {op_index}: {reason}")]
    Registers {
        /// Operation index in the epoch.
        op_index: usize,
        /// The register rule broken.
        reason: String,
    },
    /// The shadow tree's root after a chunk's write-back is not the
    /// ledger's (a ledger bug).
    #[error(
        "operation {op_index}: the chunk's system write-back does not reach the ledger's root"
    )]
    Shadow {
        /// The chunk's last operation.
        op_index: usize,
    },
    /// A signed operation without its authorization (the ledger accepts
    /// none).
    #[error("operation {op_index}: a user's signed operation carries no signature")]
    Unsigned {
        /// Operation index in the epoch.
        op_index: usize,
    },
    /// A record whose leaves do not match its operation (a ledger bug).
    #[error("operation {op_index}: witness record does not match a {kind}")]
    RecordShape {
        /// Operation index in the epoch.
        op_index: usize,
        /// Operation type.
        kind: &'static str,
    },
}

/// The prelude witness of an applied epoch: its reports, number, time and
/// the root it starts from.
pub fn prelude_witness(epoch: &Epoch, witness: &EpochWitness) -> PreludeWitness {
    PreludeWitness {
        reports: epoch.reports.clone(),
        epoch: epoch.epoch,
        timestamp: epoch.timestamp,
        root: witness.prev_root,
        deposit_report: witness.deposit_report.clone(),
    }
}

/// The chunk witnesses of an applied epoch for one universal layout,
/// `capacity` steps each (and its desk, `desk_slots(capacity)`).
pub fn chunk_witnesses(
    epoch: &Epoch,
    witness: &EpochWitness,
    capacity: usize,
) -> Result<Vec<ChunkWitness>, AssignError> {
    let layout = Layout {
        kinds: OpKinds::ALL,
        capacity,
        signatures: zksettle_circuits::chunk::desk_slots(capacity),
    };
    cut(epoch, witness, &[layout])
}

/// The chunk witnesses of an applied epoch for the chunk layouts of
/// `layouts` (a circuit set's [`layouts`](zksettle_circuits::recursion::set::CircuitSet::layouts)).
pub fn chunk_witnesses_for(
    epoch: &Epoch,
    witness: &EpochWitness,
    layouts: &[ChunkParams],
) -> Result<Vec<ChunkWitness>, AssignError> {
    let layouts: Vec<Layout> = layouts
        .iter()
        .map(|p| Layout {
            kinds: p.kinds,
            capacity: p.capacity,
            signatures: p.signatures,
        })
        .collect();
    cut(epoch, witness, &layouts)
}

/// What a chunk layout holds: operation types, steps, signatures.
#[derive(Clone, Copy, Debug)]
struct Layout {
    kinds: OpKinds,
    capacity: usize,
    signatures: usize,
}

/// What the cut needs of a step: its batch tag and whether it is signed.
#[derive(Clone, Copy, Debug)]
struct StepKind {
    tag: u64,
    signed: bool,
}

/// Whether an operation's step carries a signature the desk verifies: a
/// withdrawal from a user account, an order or a cancel.
fn is_signed(op: &Operation) -> bool {
    // Whether, not what: any market hash will do.
    op.signed(&ZERO_DIGEST).is_some()
}

/// Cuts the steps into chunks, each the longest run from where the last one
/// ended that one layout (operation types, capacity, signatures) holds. Every layout
/// holds any run shorter than one it holds, so taking the longest run each
/// time gives the fewest chunks. A step no layout supports ends its chunk
/// alone (the universal circuit then refuses it by name).
fn cut(
    epoch: &Epoch,
    witness: &EpochWitness,
    layouts: &[Layout],
) -> Result<Vec<ChunkWitness>, AssignError> {
    if layouts.is_empty() || layouts.iter().any(|l| l.capacity == 0) {
        return Err(AssignError::ZeroCapacity);
    }
    let kinds = witness
        .steps
        .iter()
        .map(|record| {
            let tag = item_of(&witness.ops, record)?[0].to_canonical_u64();
            let signed = is_signed(&witness.ops[record.op_index]);
            Ok(StepKind { tag, signed })
        })
        .collect::<Result<Vec<_>, AssignError>>()?;
    let (insurance, fees, bad_debt, deposits) = witness.prev_system.clone();
    let mut writer = ChunkWriter::new(
        witness.prev_tree.clone(),
        insurance,
        fees,
        (bad_debt, deposits),
    );
    let mut next = ChunkWitness::empty(
        witness.sheet.clone(),
        epoch.epoch,
        epoch.timestamp,
        witness.prev_root,
        writer.peek(),
        AttestedDeposits::of(witness.deposit_report.as_ref()),
    );
    let mut chunks = Vec::new();
    let mut start = 0;
    for run in runs(&kinds, layouts) {
        let mut chunk = next.clone();
        let records = &witness.steps[start..start + run];
        start += run;
        for record in records {
            let step = step_of(&witness.ops, record, &mut writer)?;
            let op = &witness.ops[record.op_index];
            if let Some(signed) = signature_of(op, &witness.market_hash, record.op_index)? {
                chunk.signatures.push(signed);
            }
            next.batch_in = extend_batch_hash(&next.batch_in, &step.item);
            next.carry_in = carry_after(next.carry_in, &witness.ops, record, &step)?;
            next.transfers_in =
                step.transfers_after(&next.transfers_in)
                    .ok_or(AssignError::RecordShape {
                        op_index: record.op_index,
                        kind: "withdrawal",
                    })?;
            chunk.steps.push(step);
        }
        chunk.system = writer.finish();
        let last = records.last().expect("runs are nonempty");
        let root = last.updates.last().map(|u| u.root_after);
        if root.is_some_and(|root| root != writer.root()) {
            return Err(AssignError::Shadow {
                op_index: last.op_index,
            });
        }
        next.root_in = writer.root();
        next.system = writer.peek();
        chunks.push(chunk);
    }
    if chunks.is_empty() {
        chunks.push(next);
    }
    Ok(chunks)
}

/// Writes one chunk's leaf updates as the chunk circuit reads them: user
/// accounts on the shadow tree (paths taken there), system balances in the
/// registers, written back by [`finish`](Self::finish).
#[derive(Clone, Debug)]
pub struct ChunkWriter {
    tree: SparseTree,
    found: (Account, Account, u64, u64),
    insurance: Account,
    fees: Account,
    bad_debt: u64,
    deposits: u64,
}

impl ChunkWriter {
    /// A writer starting a chunk at `tree`, whose system leaves hold
    /// `insurance`, `fees` and the global leaf's bad debt and deposit count.
    pub fn new(
        tree: SparseTree,
        insurance: Account,
        fees: Account,
        (bad_debt, deposits): (u64, u64),
    ) -> Self {
        Self {
            tree,
            found: (insurance.clone(), fees.clone(), bad_debt, deposits),
            insurance,
            fees,
            bad_debt,
            deposits,
        }
    }

    /// The shadow tree's root (the ledger's between chunks).
    pub fn root(&self) -> Digest {
        self.tree.root()
    }

    /// The system balances so far.
    pub fn balances(&self) -> SystemBalances {
        SystemBalances {
            insurance: self.insurance.cash,
            fees: self.fees.cash,
            bad_debt: self.bad_debt,
            deposits: self.deposits,
        }
    }

    /// Writes `after` at account `index`: a user account's port (its path
    /// on the shadow tree), or, for a system account, its register and a
    /// port whose path the circuit does not use.
    pub fn write_account(
        &mut self,
        index: u32,
        before: &Account,
        after: &Account,
    ) -> PortWitness<Account> {
        let depth = self.tree.depth() as usize;
        let siblings = if is_system_index(index) {
            match index {
                INSURANCE_FUND => self.insurance = after.clone(),
                FEE_ACCOUNT => self.fees = after.clone(),
                _ => {}
            }
            vec![ZERO_DIGEST; depth]
        } else {
            let siblings = self.tree.path(index.into());
            self.tree.set(index.into(), after.leaf_hash());
            siblings
        };
        PortWitness {
            index: index.into(),
            before: before.clone(),
            after: after.clone(),
            siblings,
        }
    }

    /// Sets the global leaf's registers: bad debt and deposit count.
    pub fn write_global(&mut self, bad_debt: u64, deposits: u64) {
        self.bad_debt = bad_debt;
        self.deposits = deposits;
    }

    /// The system witness of the chunk so far, without ending it.
    pub fn peek(&self) -> SystemWitness {
        let (insurance, fees, bad_debt, deposits) = self.found.clone();
        let mut siblings = self.tree.path(u64::from(INSURANCE_FUND));
        siblings.drain(..2);
        SystemWitness {
            insurance,
            fees,
            bad_debt,
            deposits,
            neighbour: self.tree.leaf(FIRST_USER_ACCOUNT.into()),
            siblings,
            out: self.balances(),
        }
    }

    /// Ends the chunk: its system witness; the registers are written back
    /// into the tree, and the next chunk starts from them.
    pub fn finish(&mut self) -> SystemWitness {
        let witness = self.peek();
        self.tree
            .set(INSURANCE_FUND.into(), self.insurance.leaf_hash());
        self.tree.set(FEE_ACCOUNT.into(), self.fees.leaf_hash());
        self.tree.set(
            GLOBAL_LEAF.into(),
            global_leaf_hash(self.bad_debt, self.deposits),
        );
        self.found = (
            self.insurance.clone(),
            self.fees.clone(),
            self.bad_debt,
            self.deposits,
        );
        witness
    }
}

/// The lengths of the chunks [`cut`] makes of steps of tags `tags`.
fn runs(steps: &[StepKind], layouts: &[Layout]) -> Vec<usize> {
    let mut runs = Vec::new();
    let mut start = 0;
    while start < steps.len() {
        let run = layouts
            .iter()
            .map(|layout| {
                let mut signed = 0;
                steps[start..]
                    .iter()
                    .take(layout.capacity)
                    .take_while(|step| {
                        signed += usize::from(step.signed);
                        layout.kinds.contains(step.tag) && signed <= layout.signatures
                    })
                    .count()
            })
            .max()
            .unwrap_or(0)
            .max(1);
        runs.push(run);
        start += run;
    }
    runs
}

/// The desk's entry of a signed operation: its authorization and message
/// (for the market with hash `market`).
fn signature_of(
    op: &Operation,
    market: &Digest,
    op_index: usize,
) -> Result<Option<(Authorization, Message)>, AssignError> {
    match op.signed(market) {
        Some((_, message, auth)) => {
            let auth = auth.cloned().ok_or(AssignError::Unsigned { op_index })?;
            Ok(Some((auth, message)))
        }
        None => Ok(None),
    }
}

/// The settlement registers after a step, by the rule the circuit applies
/// (`SettlementRegisters`): unchanged unless it settles a holder.
fn carry_after(
    carry: SettleCarry,
    ops: &[Operation],
    record: &OpWitness,
    step: &StepWitness,
) -> Result<SettleCarry, AssignError> {
    let op = &ops[record.op_index];
    let shape = |reason: String| AssignError::Registers {
        op_index: record.op_index,
        reason,
    };
    match (op, &step.a) {
        (Operation::SettleExpiry(s), Some(a)) => carry
            .after_holder(
                s.instrument,
                a.index,
                record.step as u64,
                s.accounts.len() as u64,
                a.before.qty(s.instrument),
            )
            .map_err(|e| shape(e.to_string())),
        _ => carry.after_other().map_err(|e| shape(e.to_string())),
    }
}

fn item_of(
    ops: &[Operation],
    record: &OpWitness,
) -> Result<
    [zksettle_circuits::config::F; zksettle_circuits::rules::ops::BATCH_ITEM_LEN],
    AssignError,
> {
    let op = &ops[record.op_index];
    op.batch_items()
        .get(record.step)
        .copied()
        .ok_or(AssignError::RecordShape {
            op_index: record.op_index,
            kind: op.kind(),
        })
}

/// The step of a record: user accounts in ports `A, B` (in the order
/// written), system writes in the registers; a deposit to the insurance
/// fund or a withdrawal from the fee account carries that account in `A`.
fn step_of(
    ops: &[Operation],
    record: &OpWitness,
    writer: &mut ChunkWriter,
) -> Result<StepWitness, AssignError> {
    let op = &ops[record.op_index];
    let shape = || AssignError::RecordShape {
        op_index: record.op_index,
        kind: op.kind(),
    };
    let expected = match op {
        Operation::PlaceOrder(_) | Operation::CancelOrder(_) => 1,
        Operation::Deposit(_) | Operation::Withdraw(_) => 2,
        Operation::Trade(_) | Operation::SettleExpiry(_) | Operation::SweepFees(_) => 3,
        Operation::Liquidate(_) => 4,
    };
    if record.updates.len() != expected {
        return Err(shape());
    }
    let target = match op {
        Operation::Deposit(d) => Some(d.account),
        Operation::Withdraw(w) => Some(w.account),
        _ => None,
    };
    let mut step = StepWitness::padding();
    step.item = item_of(ops, record)?;
    // The step needs the key only (the desk has the message).
    if let Some((auth, _)) = signature_of(op, &ZERO_DIGEST, record.op_index)? {
        step.signer = Some(auth.public_key);
    }
    for update in &record.updates {
        match (&update.before, &update.after) {
            (LeafValue::Account(before), LeafValue::Account(after)) => {
                let index = u32::try_from(update.index).map_err(|_| shape())?;
                let port = writer.write_account(index, before, after);
                let to_port = !is_system_index(index) || target == Some(index);
                if to_port {
                    match (&step.a, &step.b) {
                        (None, _) => step.a = Some(port),
                        (Some(_), None) => step.b = Some(port),
                        _ => return Err(shape()),
                    }
                }
            }
            (LeafValue::Global { .. }, LeafValue::Global { bad_debt, deposits }) => {
                writer.write_global(*bad_debt, *deposits)
            }
            _ => return Err(shape()),
        }
    }
    Ok(step)
}

#[cfg(test)]
mod tests {
    use super::*;
    use zksettle_circuits::rules::ops::tag::{DEPOSIT, LIQUIDATE, SETTLE_EXPIRY, TRADE, WITHDRAW};

    const LIGHT: Layout = Layout {
        kinds: OpKinds::LIGHT,
        capacity: 4,
        signatures: 2,
    };
    const HEAVY: Layout = Layout {
        kinds: OpKinds::ALL,
        capacity: 3,
        signatures: 1,
    };

    fn steps(tags: &[u64]) -> Vec<StepKind> {
        tags.iter()
            .map(|&tag| StepKind { tag, signed: false })
            .collect()
    }

    #[test]
    fn runs_are_the_longest_a_layout_holds() {
        let t = TRADE;
        let runs = |tags: &[u64], layouts: &[Layout]| runs(&steps(tags), layouts);
        // Light runs of up to 4 while no liquidation comes.
        assert_eq!(runs(&[t; 9], &[LIGHT, HEAVY]), vec![4, 4, 1]);
        // A liquidation within reach: the heavy run (3) beats the light run
        // that stops before it (2).
        assert_eq!(
            runs(&[t, t, LIQUIDATE, t, t, t, t], &[LIGHT, HEAVY]),
            vec![3, 4]
        );
        // Further off: the light run (4) is longer than the heavy one (3).
        assert_eq!(
            runs(&[t, t, t, t, LIQUIDATE, DEPOSIT], &[LIGHT, HEAVY]),
            vec![4, 2]
        );
        // Settlement holders are light.
        assert_eq!(runs(&[SETTLE_EXPIRY; 5], &[LIGHT, HEAVY]), vec![4, 1]);
        // One universal layout: fixed cuts.
        assert_eq!(runs(&[LIQUIDATE; 7], &[HEAVY]), vec![3, 3, 1]);
        // A tag no layout supports ends its chunk alone.
        assert_eq!(runs(&[t, 9, t], &[LIGHT]), vec![1, 1, 1]);
        assert!(!OpKinds::ALL.covers(OpKinds::of(&[t, 9])));
        assert!(OpKinds::ALL.covers(OpKinds::of(&[t, LIQUIDATE])));
        assert!(!OpKinds::LIGHT.covers(OpKinds::of(&[t, LIQUIDATE])));
        assert_eq!(runs(&[], &[LIGHT, HEAVY]), Vec::<usize>::new());
    }

    #[test]
    fn a_run_holds_no_more_signatures_than_the_desk() {
        let w = StepKind {
            tag: WITHDRAW,
            signed: true,
        };
        let fees = StepKind {
            tag: WITHDRAW,
            signed: false,
        };
        let t = StepKind {
            tag: TRADE,
            signed: false,
        };
        // Light: two signed withdrawals a chunk, however short.
        assert_eq!(runs(&[w, w, w, t], &[LIGHT]), vec![2, 2]);
        assert_eq!(runs(&[w, t, w, t, w], &[LIGHT]), vec![4, 1]);
        // The fee account's withdrawals sign nothing.
        assert_eq!(runs(&[fees, fees, fees, w], &[LIGHT]), vec![4]);
        // Heavy: one.
        assert_eq!(runs(&[w, w], &[HEAVY]), vec![1, 1]);
    }

    #[test]
    fn every_run_fits_a_layout_and_they_cover_the_steps() {
        let kinds: Vec<StepKind> = (0..200)
            .map(|k| StepKind {
                tag: [TRADE, DEPOSIT, LIQUIDATE, TRADE, SETTLE_EXPIRY, WITHDRAW][k * 7 % 6],
                signed: k % 3 == 0,
            })
            .collect();
        let cut = runs(&kinds, &[LIGHT, HEAVY]);
        assert_eq!(cut.iter().sum::<usize>(), kinds.len());
        let mut start = 0;
        for run in cut {
            let chunk = &kinds[start..start + run];
            let signed = chunk.iter().filter(|s| s.signed).count();
            assert!([LIGHT, HEAVY].iter().any(|l| {
                run <= l.capacity
                    && signed <= l.signatures
                    && chunk.iter().all(|s| l.kinds.contains(s.tag))
            }));
            start += run;
        }
    }

    #[test]
    fn the_writer_takes_paths_on_the_shadow_tree_and_writes_the_registers_back() {
        use zksettle_circuits::rules::encoding::hash;
        use zksettle_circuits::rules::merkle::root_from_path;
        let account = |cash: u64| Account {
            owner: hash(&[zksettle_circuits::rules::encoding::unsigned(cash + 1)]),
            cash,
            ..Account::default()
        };
        let (fund, fees, user) = (account(1_000), account(10), account(50));
        let mut ledger = SparseTree::new(8);
        ledger.set(INSURANCE_FUND.into(), fund.leaf_hash());
        ledger.set(FEE_ACCOUNT.into(), fees.leaf_hash());
        ledger.set(GLOBAL_LEAF.into(), global_leaf_hash(7, 2));
        ledger.set(5, user.leaf_hash());
        let mut writer = ChunkWriter::new(ledger.clone(), fund.clone(), fees.clone(), (7, 2));
        let start = writer.peek();
        assert_eq!(start.root_with(&start.balances()), ledger.root());
        // A fee, then a user write: the user's path is the shadow tree's,
        // where the fee account still holds what the chunk found.
        let fees_after = Account {
            cash: 12,
            ..fees.clone()
        };
        let system_port = writer.write_account(FEE_ACCOUNT, &fees, &fees_after);
        assert!(system_port.siblings.iter().all(|s| *s == ZERO_DIGEST));
        let user_after = Account {
            cash: 48,
            ..user.clone()
        };
        let port = writer.write_account(5, &user, &user_after);
        assert_eq!(
            port.siblings,
            ledger.path(5),
            "no system write reached the tree"
        );
        writer.write_global(3, 4);
        let shadow = writer.root();
        assert_eq!(
            root_from_path(user_after.leaf_hash(), 5, &port.siblings),
            shadow
        );
        // The end: the system witness opens the shadow tree's subtree of
        // leaves 0-3 and its write-back is the ledger's tree after every write.
        let system = writer.finish();
        assert_eq!(system.fees, fees, "as the chunk found it");
        assert_eq!(system.siblings.len(), 6);
        assert_eq!(system.root_with(&system.balances()), shadow);
        ledger.set(FEE_ACCOUNT.into(), fees_after.leaf_hash());
        ledger.set(5, user_after.leaf_hash());
        ledger.set(GLOBAL_LEAF.into(), global_leaf_hash(3, 4));
        assert_eq!(system.out.fees, 12);
        assert_eq!(system.root_with(&system.out), ledger.root());
        assert_eq!(writer.root(), ledger.root());
        // The next chunk starts from the written-back values.
        assert_eq!(writer.peek().fees, fees_after);
        assert_eq!(writer.peek().bad_debt, 3);
        assert_eq!(writer.peek().deposits, 4);
    }
}
