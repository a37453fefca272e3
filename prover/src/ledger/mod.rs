//! The account ledger: accounts and the global leaf in a sparse Poseidon
//! Merkle tree, and all-or-nothing application of an epoch by the rule book.
//!
//! Leaves: 0 insurance fund, 1 fee account, 2 the global leaf (bad debt), 3..
//! user accounts. [`Ledger::apply_epoch`] works on a copy: a rejected epoch
//! leaves the ledger exactly as it was.
//!
//! A ledger may hold the whole state (loaded from a JSON state file) or only
//! part of it: the [`store`] loads the accounts an epoch names
//! ([`accounts_touched`]) and the tree nodes on and beside their paths, and
//! the same rules apply the epoch to that partial ledger with the same
//! result, at a cost that does not grow with the venue.

pub mod store;
mod tree;
mod witness;

use std::collections::{BTreeMap, BTreeSet};

use zksettle_circuits::rules::account::{global_leaf_hash, Account};
use zksettle_circuits::rules::custody::{DepositReport, Transfers, TRANSFER_TOTAL_LIMIT};
use zksettle_circuits::rules::encoding::{digest_hex, Digest};
use zksettle_circuits::rules::epoch::{AccountEntry, Epoch, StateError, StateFile};
use zksettle_circuits::rules::error::{EpochError, Violation};
use zksettle_circuits::rules::market::Market;
use zksettle_circuits::rules::ops::{self, batch_hash, Context, Operation};
use zksettle_circuits::rules::oracle::{median_prices, Prices};
use zksettle_circuits::rules::sheet::PriceSheet;
use zksettle_circuits::rules::units::{
    EPOCH_MAX, FEE_ACCOUNT, GLOBAL_LEAF, INSURANCE_FUND, TIMESTAMP_MAX,
};

pub use tree::SparseTree;
pub use witness::{EpochWitness, LeafUpdate, LeafValue, OpWitness};
use zksettle_verifier::AccountProof;

/// Why a ledger cannot be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    /// The market is invalid.
    #[error("market: {0}")]
    Market(#[from] zksettle_circuits::rules::market::MarketError),
    /// The state snapshot is invalid.
    #[error("state: {0}")]
    State(#[from] StateError),
}

/// The venue's state after some epoch.
#[derive(Clone, Debug)]
pub struct Ledger {
    market: Market,
    epoch: u64,
    timestamp: u64,
    bad_debt: u64,
    deposits: u64,
    accounts: BTreeMap<u32, Account>,
    tree: SparseTree,
    /// The leaves written since the last checkpoint with their values
    /// before (empty between operations): what undoes a rejected operation
    /// or run without cloning the ledger (see [`Ledger::try_apply_run`]).
    journal: Vec<(u64, LeafValue)>,
}

impl Ledger {
    /// Loads a state snapshot under a market, checking both.
    pub fn from_state(market: Market, state: &StateFile) -> Result<Self, LedgerError> {
        market.validate()?;
        let accounts = state.accounts(&market)?;
        let mut tree = SparseTree::new(market.tree_depth);
        for (index, account) in &accounts {
            tree.set(u64::from(*index), account.leaf_hash());
        }
        tree.set(
            u64::from(GLOBAL_LEAF),
            global_leaf_hash(state.bad_debt, state.deposits),
        );
        Ok(Self {
            market,
            epoch: state.epoch,
            timestamp: state.timestamp,
            bad_debt: state.bad_debt,
            deposits: state.deposits,
            accounts: accounts.into_iter().collect(),
            tree,
            journal: Vec::new(),
        })
    }

    /// The snapshot of this state.
    pub fn to_state(&self) -> StateFile {
        StateFile {
            epoch: self.epoch,
            timestamp: self.timestamp,
            bad_debt: self.bad_debt,
            deposits: self.deposits,
            accounts: self
                .accounts
                .iter()
                .map(|(&i, a)| AccountEntry::from_account(i, a))
                .collect(),
        }
    }

    /// The market.
    pub fn market(&self) -> &Market {
        &self.market
    }

    /// Last applied epoch.
    pub fn epoch(&self) -> u64 {
        self.epoch
    }

    /// Time of the last applied epoch.
    pub fn timestamp(&self) -> u64 {
        self.timestamp
    }

    /// Outstanding bad debt.
    pub fn bad_debt(&self) -> u64 {
        self.bad_debt
    }

    /// Custodian deposits credited since genesis: the id the next deposit
    /// carries.
    pub fn deposits(&self) -> u64 {
        self.deposits
    }

    /// Root of the account tree.
    pub fn root(&self) -> Digest {
        self.tree.root()
    }

    /// The account at `index` (the empty account if none).
    pub fn account(&self, index: u32) -> Account {
        self.accounts.get(&index).cloned().unwrap_or_default()
    }

    /// The account at `index` with its Merkle path under [`Self::root`]
    /// (what `zksettle account-proof` writes), or `None` for an index
    /// beyond the tree or the global leaf.
    pub fn account_proof(&self, index: u64) -> Option<AccountProof> {
        if index >= self.market.capacity() || index == u64::from(GLOBAL_LEAF) {
            return None;
        }
        let account = self.account(u32::try_from(index).ok()?);
        Some(AccountProof {
            root: self.root(),
            index,
            leaf_hash: account.leaf_hash(),
            account,
            siblings: self.tree.path(index),
        })
    }

    /// Non-empty accounts, ascending by index.
    pub fn accounts(&self) -> impl Iterator<Item = (u32, &Account)> {
        self.accounts.iter().map(|(&i, a)| (i, a))
    }

    /// Checks the epoch header and reports, returning the median prices.
    pub fn epoch_prices(&self, epoch: &Epoch) -> Result<Prices, EpochError> {
        median_prices(&self.market, &epoch.reports, epoch.timestamp)
    }

    /// Applies an epoch. On success returns the new ledger and the witness;
    /// on failure the typed error and `self` is untouched.
    pub fn apply_epoch(&self, epoch: &Epoch) -> Result<(Ledger, EpochWitness), EpochError> {
        let expected = self.epoch + 1;
        if epoch.epoch != expected || epoch.epoch > EPOCH_MAX {
            return Err(EpochError::EpochNumber {
                state: self.epoch,
                expected,
                actual: epoch.epoch,
            });
        }
        if epoch.timestamp > TIMESTAMP_MAX {
            return Err(EpochError::TimestampOutOfRange {
                timestamp: epoch.timestamp,
            });
        }
        if epoch.timestamp < self.timestamp {
            return Err(EpochError::TimestampDecreased {
                previous: self.timestamp,
                actual: epoch.timestamp,
            });
        }
        if epoch.prev_root != self.root() {
            return Err(EpochError::PrevRootMismatch {
                expected: digest_hex(&self.root()),
                actual: digest_hex(&epoch.prev_root),
            });
        }
        let sheet = PriceSheet::from_reports(&self.market, &epoch.reports, epoch.timestamp)?;
        let mut next = self.clone();
        next.epoch = epoch.epoch;
        next.timestamp = epoch.timestamp;
        let ctx = Context {
            market: &self.market,
            prices: &sheet.prices,
            risk: &sheet.risk,
            timestamp: epoch.timestamp,
        };
        if let Some(report) = &epoch.deposit_report {
            report.check(&self.market)?;
        }
        let mut steps = Vec::with_capacity(epoch.ops.len());
        let mut transfers = Transfers::NONE;
        for (index, op) in epoch.ops.iter().enumerate() {
            // The owner a withdrawal pays (its account's, before it).
            let owner = match op {
                Operation::Withdraw(w) => next.account(w.account).owner,
                _ => Digest::default(),
            };
            next.apply_op(&ctx, index, op, &mut steps)
                .and_then(|()| {
                    transfers = after_transfer(transfers, op, &owner, &epoch.deposit_report)?;
                    Ok(())
                })
                .map_err(|violation| EpochError::Operation { index, violation })?;
            // `next` is dropped on a rejection: nothing to undo.
            next.journal.clear();
        }
        match &epoch.deposit_report {
            Some(report) => report.covers(&transfers)?,
            None => debug_assert_eq!(transfers.deposited, 0),
        }
        let witness = EpochWitness {
            market_hash: self.market.hash(),
            prev_root: self.root(),
            prev_tree: self.tree.clone(),
            prev_system: (
                self.account(INSURANCE_FUND),
                self.account(FEE_ACCOUNT),
                self.bad_debt,
                self.deposits,
            ),
            new_root: next.root(),
            batch_hash: batch_hash(&epoch.ops),
            sheet,
            ops: epoch.ops.clone(),
            steps,
            deposit_report: epoch.deposit_report.clone(),
            transfers,
        };
        Ok((next, witness))
    }

    /// Applies one operation (for building epochs op by op, as the
    /// simulator does): on error the ledger is unchanged.
    pub fn try_apply_op(&mut self, ctx: &Context, op: &Operation) -> Result<(), Violation> {
        self.try_apply_run(ctx, std::slice::from_mut(&mut op.clone()), |_, _| {})
            .map_err(|(_, violation)| violation)
    }

    /// Applies `run` in order, all or none: on a rejection the ledger is as
    /// it was and the error names the operation's position in the run.
    /// `prepare` may adjust each operation against the ledger as the run
    /// has left it (the simulator numbers deposits so). Costs what the run
    /// writes (each leaf's path), never a copy of the ledger: a rejected run
    /// is undone from the journal of the leaves it wrote.
    pub fn try_apply_run(
        &mut self,
        ctx: &Context,
        run: &mut [Operation],
        mut prepare: impl FnMut(&Ledger, &mut Operation),
    ) -> Result<(), (usize, Violation)> {
        debug_assert!(self.journal.is_empty());
        for (position, op) in run.iter_mut().enumerate() {
            prepare(self, op);
            if let Err(violation) = self.apply_op(ctx, 0, op, &mut Vec::new()) {
                self.undo_journal();
                return Err((position, violation));
            }
        }
        self.journal.clear();
        Ok(())
    }

    /// Writes back, newest first, every leaf the journal holds as it was
    /// before: the accounts, the global registers and the tree return to
    /// their state at the journal's start (the tree stores no node equal
    /// to an empty subtree's, so its nodes are the same too).
    fn undo_journal(&mut self) {
        while let Some((index, before)) = self.journal.pop() {
            let leaf = match before {
                LeafValue::Account(account) => {
                    let leaf = account.leaf_hash();
                    let at = u32::try_from(index).expect("account leaves have u32 indices");
                    if account.is_empty() {
                        self.accounts.remove(&at);
                    } else {
                        self.accounts.insert(at, account);
                    }
                    leaf
                }
                LeafValue::Global { bad_debt, deposits } => {
                    self.bad_debt = bad_debt;
                    self.deposits = deposits;
                    global_leaf_hash(bad_debt, deposits)
                }
            };
            self.tree.set(index, leaf);
        }
    }

    /// Starts the next epoch in place: its number and time, as `apply_epoch` does.
    pub fn begin_epoch(&mut self, epoch: u64, timestamp: u64) {
        self.epoch = epoch;
        self.timestamp = timestamp;
    }

    fn apply_op(
        &mut self,
        ctx: &Context,
        op_index: usize,
        op: &Operation,
        steps: &mut Vec<OpWitness>,
    ) -> Result<(), Violation> {
        let mut updates = Vec::new();
        match op {
            Operation::Deposit(d) => {
                let out = ops::deposit(
                    ctx,
                    d,
                    &self.account(d.account),
                    self.bad_debt,
                    self.deposits,
                )?;
                self.write_account(d.account, out.account, &mut updates);
                self.write_global(out.bad_debt, out.deposits, &mut updates);
            }
            Operation::Withdraw(w) => {
                let after = ops::withdraw(ctx, w, &self.account(w.account), self.bad_debt)?;
                self.write_account(w.account, after, &mut updates);
                self.write_bad_debt(self.bad_debt, &mut updates);
            }
            Operation::PlaceOrder(o) => {
                let after = ops::place_order(ctx, o, &self.account(o.account))?;
                self.write_account(o.account, after, &mut updates);
            }
            Operation::CancelOrder(c) => {
                let after = ops::cancel_order(ctx, c, &self.account(c.account))?;
                self.write_account(c.account, after, &mut updates);
            }
            Operation::Trade(t) => {
                let out = ops::trade(
                    ctx,
                    t,
                    &self.account(t.buyer),
                    &self.account(t.seller),
                    &self.account(FEE_ACCOUNT),
                )?;
                self.write_account(t.buyer, out.buyer, &mut updates);
                self.write_account(t.seller, out.seller, &mut updates);
                self.write_account(FEE_ACCOUNT, out.fees, &mut updates);
            }
            Operation::Liquidate(l) => {
                let out = ops::liquidate(
                    ctx,
                    l,
                    &self.account(l.account),
                    &self.account(l.liquidator),
                    &self.account(INSURANCE_FUND),
                    self.bad_debt,
                )?;
                self.write_account(l.account, out.account, &mut updates);
                self.write_account(l.liquidator, out.liquidator, &mut updates);
                self.write_account(INSURANCE_FUND, out.insurance, &mut updates);
                self.write_bad_debt(out.bad_debt, &mut updates);
            }
            Operation::SweepFees(sweep) => {
                let out = ops::sweep_fees(
                    ctx,
                    sweep,
                    &self.account(FEE_ACCOUNT),
                    &self.account(INSURANCE_FUND),
                    self.bad_debt,
                )?;
                self.write_account(FEE_ACCOUNT, out.fees, &mut updates);
                self.write_account(INSURANCE_FUND, out.insurance, &mut updates);
                self.write_bad_debt(out.bad_debt, &mut updates);
            }
            Operation::SettleExpiry(s) => {
                let price = ops::check_settle_expiry(ctx, s)?;
                let mut net = 0i64;
                for (step, &index) in s.accounts.iter().enumerate() {
                    net += self.account(index).qty(s.instrument);
                    let out = ops::settle_position(
                        ctx,
                        s,
                        price,
                        index,
                        &self.account(index),
                        &self.account(INSURANCE_FUND),
                        self.bad_debt,
                    )?;
                    let mut step_updates = Vec::new();
                    self.write_account(index, out.account, &mut step_updates);
                    self.write_account(INSURANCE_FUND, out.insurance, &mut step_updates);
                    self.write_bad_debt(out.bad_debt, &mut step_updates);
                    steps.push(OpWitness {
                        op_index,
                        step,
                        updates: step_updates,
                    });
                }
                ops::check_settlement_balanced(s, net)?;
                return Ok(());
            }
        }
        steps.push(OpWitness {
            op_index,
            step: 0,
            updates,
        });
        Ok(())
    }

    fn write_leaf(
        &mut self,
        index: u64,
        before: LeafValue,
        after: LeafValue,
        leaf: Digest,
        updates: &mut Vec<LeafUpdate>,
    ) {
        let siblings = self.tree.path(index);
        let root_before = self.tree.root();
        self.tree.set(index, leaf);
        self.journal.push((index, before.clone()));
        updates.push(LeafUpdate {
            index,
            before,
            after,
            siblings,
            root_before,
            root_after: self.tree.root(),
        });
    }

    fn write_account(&mut self, index: u32, after: Account, updates: &mut Vec<LeafUpdate>) {
        let before = self.account(index);
        let leaf = after.leaf_hash();
        if after.is_empty() {
            self.accounts.remove(&index);
        } else {
            self.accounts.insert(index, after.clone());
        }
        self.write_leaf(
            index.into(),
            LeafValue::Account(before),
            LeafValue::Account(after),
            leaf,
            updates,
        );
    }

    fn write_bad_debt(&mut self, bad_debt: u64, updates: &mut Vec<LeafUpdate>) {
        self.write_global(bad_debt, self.deposits, updates);
    }

    fn write_global(&mut self, bad_debt: u64, deposits: u64, updates: &mut Vec<LeafUpdate>) {
        let before = LeafValue::Global {
            bad_debt: self.bad_debt,
            deposits: self.deposits,
        };
        self.bad_debt = bad_debt;
        self.deposits = deposits;
        self.write_leaf(
            GLOBAL_LEAF.into(),
            before,
            LeafValue::Global { bad_debt, deposits },
            global_leaf_hash(bad_debt, deposits),
            updates,
        );
    }
}

/// The account leaves applying `epoch` may read or write, besides the global
/// leaf: every account its operations name, the accounts a trade, a
/// liquidation, a sweep or a settlement moves money to (fee account,
/// insurance fund), and both system accounts (the witness records them
/// before the epoch). A partial ledger holding these leaves and their paths
/// applies the epoch as the whole ledger does; it mirrors
/// the private `Ledger::apply_op`, arm for arm.
pub fn accounts_touched(epoch: &Epoch) -> BTreeSet<u32> {
    let mut touched = BTreeSet::from([INSURANCE_FUND, FEE_ACCOUNT]);
    for op in &epoch.ops {
        match op {
            Operation::Deposit(d) => {
                touched.insert(d.account);
            }
            Operation::Withdraw(w) => {
                touched.insert(w.account);
            }
            Operation::PlaceOrder(o) => {
                touched.insert(o.account);
            }
            Operation::CancelOrder(c) => {
                touched.insert(c.account);
            }
            Operation::Trade(t) => {
                touched.extend([t.buyer, t.seller]);
            }
            Operation::Liquidate(l) => {
                touched.extend([l.account, l.liquidator]);
            }
            Operation::SweepFees(_) => {}
            Operation::SettleExpiry(s) => {
                touched.extend(s.accounts.iter().copied());
            }
        }
    }
    touched
}

/// The epoch's transfer logs after `op` (applied; `owner` the owner of its
/// first account before it): a deposit must be attested by `report` (one
/// present, its total not yet used up), and neither total may reach 2^62.
fn after_transfer(
    transfers: Transfers,
    op: &Operation,
    owner: &Digest,
    report: &Option<DepositReport>,
) -> Result<Transfers, Violation> {
    let next = match op {
        Operation::Deposit(d) => {
            let next = transfers.deposit(d.account, &d.owner, d.amount, d.id);
            if report.as_ref().is_none_or(|r| next.deposited > r.deposited) {
                return Err(Violation::UnattestedDeposit {
                    account: d.account,
                    id: d.id,
                });
            }
            next
        }
        Operation::Withdraw(w) => transfers.withdrawal(w.account, owner, w.amount, w.nonce),
        _ => return Ok(transfers),
    };
    if next.deposited >= TRANSFER_TOTAL_LIMIT || next.withdrawn >= TRANSFER_TOTAL_LIMIT {
        return Err(Violation::TransferTotalOutOfRange);
    }
    Ok(next)
}
