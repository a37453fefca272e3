//! The account tree as a chunk's steps write it: the leaves' current values
//! (each port's `before`), paths taken on the chunk's shadow tree after
//! earlier writes and the system registers, for steps built from leaf writes
//! chosen by a test rather than by the ledger.

use std::collections::BTreeMap;

use plonky2::field::types::PrimeField64;
use zksettle_circuits::chunk::{StepWitness, SystemWitness};
use zksettle_circuits::config::F;
use zksettle_circuits::rules::account::global_leaf_hash;
use zksettle_circuits::rules::encoding::Digest;
use zksettle_circuits::rules::ops::{tag, BATCH_ITEM_LEN};
use zksettle_circuits::rules::units::{is_system_index, FEE_ACCOUNT, GLOBAL_LEAF, INSURANCE_FUND};
use zksettle_circuits::rules::Account;
use zksettle_prover::assign::ChunkWriter;
use zksettle_prover::ledger::{Ledger, SparseTree};

/// One leaf write of a step, in the order the ledger writes them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Write {
    /// The account leaf at this index becomes this account.
    Account(u32, Account),
    /// The global leaf holds this bad debt.
    Global(u64),
}

/// Whether a tag names an operation (an unknown one writes nothing: the
/// circuit must refuse the tag itself).
pub fn known_tag(item_tag: u64) -> bool {
    (1..=tag::LAST).contains(&item_tag)
}

/// The account tree as the chunk's steps write it: user accounts on the
/// chunk's shadow tree, system balances in its registers
/// (`zksettle_prover::assign::ChunkWriter`, as the assign step writes them).
#[derive(Clone)]
pub struct Tree<'a> {
    ledger: &'a Ledger,
    writer: ChunkWriter,
    accounts: BTreeMap<u32, Account>,
    /// Custodian deposits credited so far (a deposit item advances it, as
    /// the circuit's register does).
    deposits: u64,
}

impl<'a> Tree<'a> {
    /// The ledger's tree (rebuilt, and checked against its root).
    pub fn new(ledger: &'a Ledger) -> Self {
        let mut tree = SparseTree::new(ledger.market().tree_depth);
        for (index, account) in ledger.accounts() {
            tree.set(index.into(), account.leaf_hash());
        }
        tree.set(
            GLOBAL_LEAF.into(),
            global_leaf_hash(ledger.bad_debt(), ledger.deposits()),
        );
        assert_eq!(tree.root(), ledger.root());
        let writer = ChunkWriter::new(
            tree,
            ledger.account(INSURANCE_FUND),
            ledger.account(FEE_ACCOUNT),
            (ledger.bad_debt(), ledger.deposits()),
        );
        Self {
            ledger,
            writer,
            accounts: BTreeMap::new(),
            deposits: ledger.deposits(),
        }
    }

    /// The root (the ledger's between chunks; the shadow tree's within one).
    pub fn root(&self) -> Digest {
        self.writer.root()
    }

    /// The account at `index` as written so far.
    pub fn account(&self, index: u32) -> Account {
        self.accounts
            .get(&index)
            .cloned()
            .unwrap_or_else(|| self.ledger.account(index))
    }

    /// The next custodian deposit id.
    pub fn deposits(&self) -> u64 {
        self.deposits
    }

    /// The bad debt as written so far.
    pub fn bad_debt(&self) -> u64 {
        self.writer.balances().bad_debt
    }

    /// The system witness of the chunk so far (without ending it).
    pub fn system(&self) -> SystemWitness {
        self.writer.peek()
    }

    /// Ends the chunk: its system witness; the next chunk starts here.
    pub fn finish(&mut self) -> SystemWitness {
        self.writer.finish()
    }

    /// The step of batch item `item` making `writes` (in the ledger's
    /// order): user accounts in ports `A, B` in turn, system balances in
    /// the registers; a deposit or withdrawal of a system account carries
    /// it in `A` (the circuit decides whether that may be).
    pub fn step(&mut self, item: [F; BATCH_ITEM_LEN], writes: &[Write]) -> StepWitness {
        let item_tag = item[0].to_canonical_u64();
        if item_tag == tag::DEPOSIT {
            self.deposits += 1;
        }
        let named = match item_tag {
            tag::DEPOSIT | tag::WITHDRAW => u32::try_from(item[1].to_canonical_u64()).ok(),
            _ => None,
        };
        let mut step = StepWitness::padding();
        step.item = item;
        for write in writes {
            match write {
                Write::Global(after) => self.writer.write_global(*after, self.deposits),
                Write::Account(index, after) => {
                    let before = self.account(*index);
                    let port = self.writer.write_account(*index, &before, after);
                    self.accounts.insert(*index, after.clone());
                    if !is_system_index(*index) || named == Some(*index) {
                        if step.a.is_none() {
                            step.a = Some(port);
                        } else {
                            assert!(step.b.is_none(), "a step's writes: {writes:?}");
                            step.b = Some(port);
                        }
                    }
                }
            }
        }
        step
    }
}
