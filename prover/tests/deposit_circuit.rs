//! The deposit gadget against the native rule: every deposit the ledger
//! accepts proves, with the ledger's root; a witness breaking any one rule of
//! deposit cannot be proven.

use plonky2::field::types::Field;
use plonky2::hash::hash_types::{HashOut, HashOutTarget};
use plonky2::iop::target::{BoolTarget, Target};
use plonky2::iop::witness::{PartialWitness, WitnessWrite};
use plonky2::plonk::circuit_builder::CircuitBuilder;
use plonky2::plonk::circuit_data::{CircuitConfig, CircuitData};
use zksettle_circuits::config::{C, D, F};
use zksettle_circuits::gadgets::account::{set_account, AccountGadget, AccountTarget};
use zksettle_circuits::gadgets::merkle::MerkleGadget;
use zksettle_circuits::gadgets::ops::{set_deposit, DepositGadget, DepositTarget};
use zksettle_circuits::rules::encoding::{Digest, ZERO_DIGEST};
use zksettle_circuits::rules::merkle::root_from_path;
use zksettle_circuits::rules::ops::{Deposit, Operation};
use zksettle_circuits::rules::units::CASH_MAX;
use zksettle_circuits::rules::Account;
use zksettle_fixtures::builder::*;
use zksettle_prover::ledger::{LeafValue, Ledger};

const DEPTH: usize = 20;

struct DepositCircuit {
    data: CircuitData<F, C, D>,
    enabled: BoolTarget,
    op: DepositTarget,
    before: AccountTarget,
    after: AccountTarget,
    bits: Vec<BoolTarget>,
    siblings: Vec<HashOutTarget>,
    root_before: HashOutTarget,
    root_after: HashOutTarget,
}

fn circuit() -> DepositCircuit {
    let mut b = CircuitBuilder::<F, D>::new(CircuitConfig::standard_recursion_config());
    let enabled = b.add_virtual_bool_target_safe();
    let op = DepositTarget {
        account: b.add_virtual_target(),
        owner: b.add_virtual_hash(),
        amount: b.add_virtual_target(),
    };
    let before = b.add_virtual_account();
    let after = b.add_virtual_account();
    b.assert_well_formed(&after);
    b.deposit(enabled, &op, &before, &after);
    let bits: Vec<BoolTarget> = (0..DEPTH)
        .map(|_| b.add_virtual_bool_target_safe())
        .collect();
    let index: Target = b.le_sum(bits.iter());
    b.connect(index, op.account);
    let siblings: Vec<HashOutTarget> = (0..DEPTH).map(|_| b.add_virtual_hash()).collect();
    let root_before = b.add_virtual_hash();
    let old_leaf = b.account_leaf_hash(&before);
    let new_leaf = b.account_leaf_hash(&after);
    let new_root = b.update_leaf(root_before, old_leaf, new_leaf, &bits, &siblings);
    let root_after = b.add_virtual_hash();
    b.connect_hashes(new_root, root_after);
    DepositCircuit {
        data: b.build::<C>(),
        enabled,
        op,
        before,
        after,
        bits,
        siblings,
        root_before,
        root_after,
    }
}

/// One deposit step's witness.
#[derive(Clone)]
struct Step {
    op: Deposit,
    before: Account,
    after: Account,
    siblings: Vec<Digest>,
    root_before: Digest,
    root_after: Digest,
}

impl DepositCircuit {
    fn provable(&self, step: &Step) -> bool {
        let mut pw = PartialWitness::new();
        pw.set_bool_target(self.enabled, true).unwrap();
        set_deposit(&mut pw, &self.op, &step.op).unwrap();
        set_account(&mut pw, &self.before, &step.before).unwrap();
        set_account(&mut pw, &self.after, &step.after).unwrap();
        for (k, bit) in self.bits.iter().enumerate() {
            pw.set_bool_target(*bit, (step.op.account >> k) & 1 == 1)
                .unwrap();
        }
        for (t, s) in self.siblings.iter().zip(&step.siblings) {
            pw.set_hash_target(*t, *s).unwrap();
        }
        pw.set_hash_target(self.root_before, step.root_before)
            .unwrap();
        pw.set_hash_target(self.root_after, step.root_after)
            .unwrap();
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.data.prove(pw))) {
            Ok(Ok(proof)) => self.data.verify(proof).is_ok(),
            _ => false,
        }
    }
}

/// The ledger's witness of a deposit on the builder market.
fn native_step(users: Vec<zksettle_circuits::rules::AccountEntry>, op: Deposit) -> Step {
    let market = market();
    let ledger = Ledger::from_state(market.clone(), &state(users)).unwrap();
    let epoch = epoch(&market, ledger.root(), vec![Operation::Deposit(op.clone())]);
    let (_, witness) = ledger.apply_epoch(&epoch).unwrap();
    let update = &witness.steps[0].updates[0];
    let (LeafValue::Account(before), LeafValue::Account(after)) = (&update.before, &update.after)
    else {
        panic!("an account leaf")
    };
    Step {
        op,
        before: before.clone(),
        after: after.clone(),
        siblings: update.siblings.clone(),
        root_before: update.root_before,
        root_after: update.root_after,
    }
}

/// A step recomputed from a (possibly tampered) before/after pair, with the
/// roots these leaves give on the path of `step`.
fn rerooted(mut step: Step) -> Step {
    step.root_before = root_from_path(
        step.before.leaf_hash(),
        step.op.account.into(),
        &step.siblings,
    );
    step.root_after = root_from_path(
        step.after.leaf_hash(),
        step.op.account.into(),
        &step.siblings,
    );
    step
}

#[test]
fn deposits_the_ledger_accepts_prove_with_its_roots_and_tampered_ones_do_not() {
    let c = circuit();
    let new_account = native_step(
        vec![],
        Deposit {
            account: 10,
            owner: owner(10),
            amount: 5 * USD,
        },
    );
    let to_cash_max = native_step(
        vec![
            account(3, CASH_MAX - 10, &[(0, 1)]),
            account(4, USD, &[(0, -1)]),
        ],
        Deposit {
            account: 3,
            owner: owner(3),
            amount: 10,
        },
    );
    assert!(c.provable(&new_account), "creating an account");
    assert!(c.provable(&to_cash_max), "reaching CASH_MAX");

    assert!(
        c.provable(&rerooted(new_account.clone())),
        "control: re-rooting an honest witness keeps it provable"
    );

    // Each tampered witness breaks one rule only (roots recomputed to match the leaves).
    let mut more_cash = new_account.clone();
    more_cash.after.cash += 1;
    assert!(!c.provable(&rerooted(more_cash)), "cash' = cash + amount");

    let mut beyond = to_cash_max.clone();
    beyond.op.amount += 1;
    beyond.after.cash += 1;
    assert!(!c.provable(&rerooted(beyond)), "cash' <= 2^58");

    let mut zero = new_account.clone();
    zero.op.amount = 0;
    zero.after.cash = 0;
    assert!(!c.provable(&rerooted(zero)), "amount >= 1");

    let mut stranger = to_cash_max.clone();
    stranger.op.owner = owner(99);
    stranger.after.owner = owner(99);
    assert!(
        !c.provable(&rerooted(stranger)),
        "an existing account keeps its owner"
    );

    let mut nobody = new_account.clone();
    nobody.op.owner = ZERO_DIGEST;
    nobody.after.owner = ZERO_DIGEST;
    assert!(!c.provable(&rerooted(nobody)), "a nonzero owner");

    let mut global = new_account.clone();
    global.op.account = 2;
    assert!(!c.provable(&rerooted(global)), "not the global leaf");

    let mut moved = to_cash_max.clone();
    moved.after.positions[0].qty = 2;
    assert!(!c.provable(&rerooted(moved)), "positions unchanged");

    let mut flagged = new_account.clone();
    flagged.after.flags = 1;
    assert!(!c.provable(&rerooted(flagged)), "flags unchanged");

    let mut wrong_root = new_account.clone();
    wrong_root.root_after = HashOut {
        elements: [F::ONE; 4],
    };
    assert!(!c.provable(&wrong_root), "the root the leaves give");
}
