//! deposit: accepted deposits prove; each single-rule tamper does not.

use plonky2::field::types::Field;
use plonky2::iop::witness::PartialWitness;
use zksettle_circuits::config::F;
use zksettle_circuits::gadgets::ops::{set_deposit, DepositGadget, DepositTarget};
use zksettle_circuits::rules::encoding::ZERO_DIGEST;
use zksettle_circuits::rules::ops::{Deposit, Operation};
use zksettle_circuits::rules::units::CASH_MAX;
use zksettle_fixtures::builder::*;

use crate::harness::{build, native_step, Step, StepCircuit};

fn circuit() -> StepCircuit<DepositTarget> {
    build(|b, s| {
        let op = DepositTarget {
            account: b.add_virtual_target(),
            owner: b.add_virtual_hash(),
            amount: b.add_virtual_target(),
        };
        b.connect(op.account, s.account);
        b.deposit(s.enabled, &op, &s.before, &s.after, s.bad_debt);
        op
    })
}

fn proves(c: &StepCircuit<DepositTarget>, step: &Step, op: &Deposit) -> bool {
    c.provable(step, |pw: &mut PartialWitness<F>, t| {
        set_deposit(pw, t, op).unwrap()
    })
}

#[test]
fn deposits_the_ledger_accepts_prove_and_tampered_ones_do_not() {
    let c = circuit();
    let create = Deposit {
        account: 10,
        owner: owner(10),
        amount: 5 * USD,
        id: 0,
    };
    let new_account = native_step(vec![], 0, Operation::Deposit(create.clone()));
    let top_up = Deposit {
        account: 3,
        owner: owner(3),
        amount: 10,
        id: 0,
    };
    let to_cash_max = native_step(
        vec![
            account(3, CASH_MAX - 10, &[(0, 1)]),
            account(4, USD, &[(0, -1)]),
        ],
        0,
        Operation::Deposit(top_up.clone()),
    );
    assert!(proves(&c, &new_account, &create), "creating an account");
    assert!(proves(&c, &to_cash_max, &top_up), "reaching CASH_MAX");
    assert!(
        proves(&c, &new_account.clone().rerooted(), &create),
        "control: re-rooting keeps an honest witness provable"
    );

    let mut more_cash = new_account.clone();
    more_cash.after.cash += 1;
    assert!(
        !proves(&c, &more_cash.rerooted(), &create),
        "cash' = cash + amount"
    );

    let mut beyond = to_cash_max.clone();
    beyond.after.cash += 1;
    assert!(
        !proves(
            &c,
            &beyond.rerooted(),
            &Deposit {
                amount: 11,
                ..top_up.clone()
            }
        ),
        "cash' <= 2^58"
    );

    let mut zero = new_account.clone();
    zero.after.cash = 0;
    assert!(
        !proves(
            &c,
            &zero.rerooted(),
            &Deposit {
                amount: 0,
                ..create.clone()
            }
        ),
        "amount >= 1"
    );

    let mut stranger = to_cash_max.clone();
    stranger.after.owner = owner(99);
    assert!(
        !proves(
            &c,
            &stranger.rerooted(),
            &Deposit {
                owner: owner(99),
                ..top_up.clone()
            }
        ),
        "an existing account keeps its owner"
    );

    let mut nobody = new_account.clone();
    nobody.after.owner = ZERO_DIGEST;
    assert!(
        !proves(
            &c,
            &nobody.rerooted(),
            &Deposit {
                owner: ZERO_DIGEST,
                ..create.clone()
            }
        ),
        "a nonzero owner"
    );

    let reserved = zksettle_circuits::rules::authorization::reserved_owner();
    let mut filler_owned = new_account.clone();
    filler_owned.after.owner = reserved;
    assert!(
        !proves(
            &c,
            &filler_owned.rerooted(),
            &Deposit {
                owner: reserved,
                ..create.clone()
            }
        ),
        "not the owner of the key 1 G (its secret is public)"
    );
    // One element off the reserved owner is an owner like any other.
    let mut near = reserved;
    near.elements[3] += F::ONE;
    let mut near_owned = new_account.clone();
    near_owned.after.owner = near;
    assert!(
        proves(
            &c,
            &near_owned.rerooted(),
            &Deposit {
                owner: near,
                ..create.clone()
            }
        ),
        "control: an owner one element off the reserved one proves"
    );

    let mut global = new_account.clone();
    global.index = 2;
    assert!(
        !proves(
            &c,
            &global.rerooted(),
            &Deposit {
                account: 2,
                ..create.clone()
            }
        ),
        "not the global leaf"
    );

    let mut moved = to_cash_max.clone();
    moved.after.positions[0].qty = 2;
    assert!(
        !proves(&c, &moved.rerooted(), &top_up),
        "positions unchanged"
    );

    let mut flagged = new_account.clone();
    flagged.after.flags = 1;
    assert!(!proves(&c, &flagged.rerooted(), &create), "flags unchanged");

    let mut counted = to_cash_max.clone();
    counted.after.nonce += 1;
    assert!(!proves(&c, &counted.rerooted(), &top_up), "nonce unchanged");
    let mut fresh = new_account.clone();
    fresh.after.nonce = 7;
    assert!(
        !proves(&c, &fresh.rerooted(), &create),
        "a new account's nonce is 0"
    );

    let mut wrong_root = new_account.clone();
    wrong_root.root_after.elements[0] += F::ONE;
    assert!(
        !proves(&c, &wrong_root, &create),
        "the root the leaves give"
    );
}
