//! The system leaves as chunk registers: the insurance fund (leaf 0), the
//! fee account (leaf 1) and the global leaf (2: the bad debt and the count
//! of custodian deposits credited) are read into four registers when a
//! chunk starts, moved by the steps without a Merkle path,
//! and written back once when it ends.
//!
//! The steps' account ports never touch leaves 0-2 (every used port has an
//! index >= `FIRST_USER_ACCOUNT`), so the tree the steps move (the *shadow*
//! tree: user leaves current, system leaves as the chunk found them) keeps
//! the chunk's starting system leaves. The end of the chunk opens the
//! subtree of leaves 0-3 under the root the steps leave, which proves those
//! starting values (a path under the final shadow root is one under the
//! starting root, as no step wrote there), and writes the registers into
//! it: `root_out`. An operation that moves a system balance reads and writes
//! the register instead of a leaf: trade fees, liquidations, settlements,
//! sweeps, top-ups of the insurance fund (deposits to leaf 0) and
//! withdrawals from the fee account (leaf 1). Cost: about 50 rows a chunk
//! and 1 row a step (the registers' range), instead of two leaf ports a step.

use plonky2::field::types::Field;
use plonky2::hash::hash_types::HashOutTarget;
use plonky2::iop::target::{BoolTarget, Target};
use plonky2::iop::witness::{PartialWitness, WitnessWrite};

use crate::config::F;
use crate::gadgets::account::{set_account, AccountGadget, AccountTarget, CASH_BITS};
use crate::gadgets::encoding::EncodingGadget;
use crate::gadgets::fixed::FixedGadget;
use crate::gadgets::merkle::MerkleGadget;
use crate::gadgets::ops::InsuranceRegisters;
use crate::gadgets::Builder;
use crate::rules::account::{global_leaf_hash, Account};
use crate::rules::encoding::{hash_pair, unsigned, Digest, DOMAIN_GLOBAL};
use crate::rules::merkle::root_from_path;
use crate::rules::units::CASH_MAX;

use super::ChunkError;

/// Levels below the node that covers the system leaves (leaves 0-3).
const SUBTREE_LEVELS: usize = 2;

/// The system balances a chunk moves.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SystemBalances {
    /// Insurance fund cash.
    pub insurance: u64,
    /// Fee account cash.
    pub fees: u64,
    /// Outstanding bad debt (the global leaf).
    pub bad_debt: u64,
    /// Custodian deposits credited since genesis (the global leaf).
    pub deposits: u64,
}

/// The system leaves as a chunk finds them, and where they sit under the
/// root its steps leave.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SystemWitness {
    /// The insurance fund's leaf (index 0).
    pub insurance: Account,
    /// The fee account's leaf (index 1).
    pub fees: Account,
    /// The global leaf's bad debt (index 2).
    pub bad_debt: u64,
    /// The global leaf's deposit count (index 2).
    pub deposits: u64,
    /// The hash of leaf 3 (the first user account) under that root.
    pub neighbour: Digest,
    /// Siblings of the node over leaves 0-3, bottom-up (tree depth - 2).
    pub siblings: Vec<Digest>,
    /// The balances the chunk ends with. The circuit computes its own and
    /// never reads these: only [`ChunkWitness::expected_statement`](super::ChunkWitness::expected_statement)
    /// does, to predict `root_out`.
    pub out: SystemBalances,
}

impl SystemWitness {
    /// The balances the chunk starts with.
    pub fn balances(&self) -> SystemBalances {
        SystemBalances {
            insurance: self.insurance.cash,
            fees: self.fees.cash,
            bad_debt: self.bad_debt,
            deposits: self.deposits,
        }
    }

    /// The root with the system leaves holding `balances` (every other field
    /// as found).
    pub fn root_with(&self, balances: &SystemBalances) -> Digest {
        let mut insurance = self.insurance.clone();
        insurance.cash = balances.insurance;
        let mut fees = self.fees.clone();
        fees.cash = balances.fees;
        let right = hash_pair(
            &global_leaf_hash(balances.bad_debt, balances.deposits),
            &self.neighbour,
        );
        let mut siblings = vec![fees.leaf_hash(), right];
        siblings.extend(&self.siblings);
        root_from_path(insurance.leaf_hash(), 0, &siblings)
    }
}

/// The registers every step reads and writes.
#[derive(Clone, Copy)]
pub(crate) struct SystemRegisters {
    /// Insurance fund cash.
    pub insurance: Target,
    /// Fee account cash.
    pub fees: Target,
    /// Outstanding bad debt.
    pub bad_debt: Target,
    /// Custodian deposits credited since genesis: the next deposit's id.
    pub deposits: Target,
}

impl SystemRegisters {
    /// `enabled =>` the insurance fund and bad debt become `funds`.
    pub fn move_funds(
        &mut self,
        builder: &mut Builder,
        enabled: BoolTarget,
        funds: &InsuranceRegisters,
    ) {
        self.insurance = builder.select(enabled, funds.insurance, self.insurance);
        self.bad_debt = builder.select(enabled, funds.bad_debt, self.bad_debt);
    }
}

/// The system leaves' targets.
pub(crate) struct SystemTargets {
    pub insurance: AccountTarget,
    pub fees: AccountTarget,
    bad_debt: Target,
    deposits: Target,
    neighbour: HashOutTarget,
    siblings: Vec<HashOutTarget>,
}

impl SystemTargets {
    /// Fresh targets for a tree of `depth` levels.
    pub fn add(builder: &mut Builder, depth: usize) -> Self {
        Self {
            insurance: builder.add_virtual_account(),
            fees: builder.add_virtual_account(),
            bad_debt: builder.add_virtual_target(),
            deposits: builder.add_virtual_target(),
            neighbour: builder.add_virtual_hash(),
            siblings: (SUBTREE_LEVELS..depth)
                .map(|_| builder.add_virtual_hash())
                .collect(),
        }
    }

    /// The registers as the chunk starts.
    pub fn registers(&self) -> SystemRegisters {
        SystemRegisters {
            insurance: self.insurance.cash,
            fees: self.fees.cash,
            bad_debt: self.bad_debt,
            deposits: self.deposits,
        }
    }

    /// Opens the system leaves under `root` (the steps' final root) and
    /// returns the root with `registers` written into them. Cost: about 50
    /// rows.
    pub fn write_back(
        &self,
        builder: &mut Builder,
        root: HashOutTarget,
        registers: &SystemRegisters,
    ) -> HashOutTarget {
        let old = self.root(
            builder,
            &self.insurance,
            &self.fees,
            [self.bad_debt, self.deposits],
        );
        builder.connect_hashes(old, root);
        let insurance = AccountTarget {
            cash: registers.insurance,
            ..self.insurance
        };
        let fees = AccountTarget {
            cash: registers.fees,
            ..self.fees
        };
        self.root(
            builder,
            &insurance,
            &fees,
            [registers.bad_debt, registers.deposits],
        )
    }

    fn root(
        &self,
        builder: &mut Builder,
        insurance: &AccountTarget,
        fees: &AccountTarget,
        [bad_debt, deposits]: [Target; 2],
    ) -> HashOutTarget {
        let domain = builder.constant(unsigned(DOMAIN_GLOBAL));
        let global = builder.hash(vec![domain, bad_debt, deposits]);
        let left = builder.account_leaf_hash(insurance);
        let pair = builder.account_leaf_hash(fees);
        let no = builder._false();
        let right = builder.root_from_path(global, &[no], &[self.neighbour]);
        let mut siblings = vec![pair, right];
        siblings.extend(&self.siblings);
        let bits = vec![no; siblings.len()];
        builder.root_from_path(left, &bits, &siblings)
    }

    /// Assigns the system leaves.
    pub fn set(&self, pw: &mut PartialWitness<F>, value: &SystemWitness) -> Result<(), ChunkError> {
        if value.siblings.len() != self.siblings.len() {
            return Err(ChunkError::PathLength {
                actual: value.siblings.len() + SUBTREE_LEVELS,
                depth: self.siblings.len() + SUBTREE_LEVELS,
            });
        }
        set_account(pw, &self.insurance, &value.insurance)?;
        set_account(pw, &self.fees, &value.fees)?;
        pw.set_target(self.bad_debt, unsigned(value.bad_debt))?;
        pw.set_target(self.deposits, unsigned(value.deposits))?;
        pw.set_hash_target(self.neighbour, value.neighbour)?;
        for (&t, &v) in self.siblings.iter().zip(&value.siblings) {
            pw.set_hash_target(t, v)?;
        }
        Ok(())
    }
}

/// `0 <= cash <= CASH_MAX` for both system balances (what a written leaf's
/// well-formedness checked when they were leaf ports). Cost: 1 row.
pub(crate) fn assert_balances_in_range(builder: &mut Builder, registers: &SystemRegisters) {
    let cash_max = builder.constant(F::from_canonical_u64(CASH_MAX));
    for cash in [registers.insurance, registers.fees] {
        builder.assert_le(cash, cash_max, CASH_BITS);
        builder.assert_unsigned_bits(cash, CASH_BITS);
    }
}

/// `enabled =>` `account` is `system` with its cash replaced by `cash`
/// (a deposit or withdrawal reading a system leaf through its register).
pub(crate) fn assert_is_system_account(
    builder: &mut Builder,
    enabled: BoolTarget,
    account: &AccountTarget,
    system: &AccountTarget,
    cash: Target,
) {
    use crate::gadgets::ops::GatedGadget;
    let pairs = account
        .owner
        .elements
        .iter()
        .zip(&system.owner.elements)
        .map(|(&a, &s)| (a, s))
        .chain([
            (account.cash, cash),
            (account.flags, system.flags),
            (account.nonce, system.nonce),
        ])
        .chain(
            account
                .slots
                .iter()
                .zip(&system.slots)
                .flat_map(|(a, s)| [(a.instrument, s.instrument), (a.qty, s.qty)]),
        )
        .collect::<Vec<_>>();
    for (a, s) in pairs {
        builder.assert_equal_if(enabled, a, s);
    }
}
