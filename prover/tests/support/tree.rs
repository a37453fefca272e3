//! The account tree as a chunk's steps write it: the leaves' current values
//! (each port's `before`) and paths taken after earlier writes, for steps
//! built from leaf writes chosen by a test rather than by the ledger.

use std::collections::BTreeMap;

use plonky2::field::types::PrimeField64;
use zksettle_circuits::chunk::{PortWitness, StepWitness};
use zksettle_circuits::config::F;
use zksettle_circuits::rules::account::global_leaf_hash;
use zksettle_circuits::rules::encoding::Digest;
use zksettle_circuits::rules::ops::{tag, BATCH_ITEM_LEN};
use zksettle_circuits::rules::units::GLOBAL_LEAF;
use zksettle_circuits::rules::Account;
use zksettle_prover::ledger::{Ledger, SparseTree};

/// One leaf write of a step, in the order the ledger writes them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Write {
    /// The account leaf at this index becomes this account.
    Account(u32, Account),
    /// The global leaf holds this bad debt.
    Global(u64),
}

/// A leaf port of a step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Port {
    /// First account.
    A,
    /// Second account.
    B,
    /// System account.
    S,
    /// Global leaf.
    G,
}

/// The ports a batch item of `item_tag` writes, in port order (as
/// `zksettle_prover::assign` maps the ledger's records: deposit and
/// withdraw `A, G`; trade `A, B, S`; liquidate `A, B, S, G`; a settled
/// holder and a sweep `A, S, G`; anything else none).
pub fn ports(item_tag: u64) -> &'static [Port] {
    use Port::*;
    match item_tag {
        tag::DEPOSIT | tag::WITHDRAW => &[A, G],
        tag::TRADE => &[A, B, S],
        tag::LIQUIDATE => &[A, B, S, G],
        tag::SETTLE_EXPIRY | tag::SWEEP_FEES => &[A, S, G],
        _ => &[],
    }
}

/// The account tree as the chunk's steps write it.
#[derive(Clone)]
pub struct Tree<'a> {
    ledger: &'a Ledger,
    tree: SparseTree,
    accounts: BTreeMap<u32, Account>,
    bad_debt: u64,
}

impl<'a> Tree<'a> {
    /// The ledger's tree (rebuilt, and checked against its root).
    pub fn new(ledger: &'a Ledger) -> Self {
        let mut tree = SparseTree::new(ledger.market().tree_depth);
        for (index, account) in ledger.accounts() {
            tree.set(index.into(), account.leaf_hash());
        }
        tree.set(GLOBAL_LEAF.into(), global_leaf_hash(ledger.bad_debt()));
        assert_eq!(tree.root(), ledger.root());
        Self {
            ledger,
            tree,
            accounts: BTreeMap::new(),
            bad_debt: ledger.bad_debt(),
        }
    }

    /// The root after the writes so far.
    pub fn root(&self) -> Digest {
        self.tree.root()
    }

    /// The account at `index` as written so far.
    pub fn account(&self, index: u32) -> Account {
        self.accounts
            .get(&index)
            .cloned()
            .unwrap_or_else(|| self.ledger.account(index))
    }

    /// The bad debt as written so far.
    pub fn bad_debt(&self) -> u64 {
        self.bad_debt
    }

    fn write_account(&mut self, index: u32, after: &Account) -> PortWitness<Account> {
        let before = self.account(index);
        let siblings = self.tree.path(index.into());
        self.tree.set(index.into(), after.leaf_hash());
        self.accounts.insert(index, after.clone());
        PortWitness {
            index: index.into(),
            before,
            after: after.clone(),
            siblings,
        }
    }

    fn write_global(&mut self, after: u64) -> PortWitness<u64> {
        let before = self.bad_debt;
        let siblings = self.tree.path(GLOBAL_LEAF.into());
        self.tree.set(GLOBAL_LEAF.into(), global_leaf_hash(after));
        self.bad_debt = after;
        PortWitness {
            index: GLOBAL_LEAF.into(),
            before,
            after,
            siblings,
        }
    }

    /// The step of batch item `item` making `writes` through the ports its
    /// tag uses, in port order ([`ports`]).
    ///
    /// # Panics
    /// If the writes do not fit the ports (a test bug).
    pub fn step(&mut self, item: [F; BATCH_ITEM_LEN], writes: &[Write]) -> StepWitness {
        let ports = ports(item[0].to_canonical_u64());
        assert_eq!(writes.len(), ports.len(), "a step's writes: {writes:?}");
        let mut step = StepWitness::padding();
        step.item = item;
        for (&port, write) in ports.iter().zip(writes) {
            match (port, write) {
                (Port::G, Write::Global(after)) => step.g = Some(self.write_global(*after)),
                (Port::A | Port::B | Port::S, Write::Account(index, after)) => {
                    let written = Some(self.write_account(*index, after));
                    match port {
                        Port::A => step.a = written,
                        Port::B => step.b = written,
                        _ => step.s = written,
                    }
                }
                _ => panic!("{write:?} at port {port:?}"),
            }
        }
        step
    }
}
