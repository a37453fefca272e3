//! withdraw: accepted withdrawals prove; each single-rule tamper does not.

use plonky2::field::types::{Field, PrimeField64};
use plonky2::iop::witness::PartialWitness;
use zksettle_circuits::config::F;
use zksettle_circuits::gadgets::margin::MarginGadget;
use zksettle_circuits::gadgets::ops::{set_withdraw, WithdrawGadget, WithdrawTarget};
use zksettle_circuits::rules::ops::{Operation, Withdraw};
use zksettle_fixtures::builder::op::signed_withdraw;
use zksettle_fixtures::builder::*;

use crate::harness::{build, native_step, Step, StepCircuit};

/// The withdrawal's fields (its signature is the step's: `chunk::step`
/// binds the signer to the owner for every signed operation, tested by
/// `adversarial::signatures`).
type Targets = WithdrawTarget;

fn circuit() -> StepCircuit<Targets> {
    build(|b, s| {
        let op = WithdrawTarget {
            account: b.add_virtual_target(),
            amount: b.add_virtual_target(),
            nonce: b.add_virtual_target(),
        };
        b.connect(op.account, s.account);
        let view = b.account_view(&s.before, &s.table, &s.market.params);
        let user = b._false();
        b.withdraw(s.enabled, user, &op, &s.before, &s.after, &view, s.bad_debt);
        op
    })
}

fn proves(c: &StepCircuit<Targets>, step: &Step, op: &Withdraw) -> bool {
    c.provable(step, |pw: &mut PartialWitness<F>, t| {
        set_withdraw(pw, t, op).unwrap()
    })
}

/// A withdrawal with nonce `nonce` signed by its user.
fn signed(account: u32, amount: u64, nonce: u64) -> Withdraw {
    match signed_withdraw(&market(), account, amount, nonce) {
        Operation::Withdraw(w) => w,
        _ => unreachable!(),
    }
}

/// A short put seller 7 USD above initial margin.
fn seller() -> Vec<zksettle_circuits::rules::AccountEntry> {
    let probe = native_step(
        vec![
            account(3, 1_000_000 * USD, &[(1, -100)]),
            account(4, 1_000_000 * USD, &[(1, 100)]),
        ],
        0,
        Operation::Withdraw(signed(3, 1, 0)),
    );
    let market = market();
    let risk = zksettle_circuits::rules::RiskArrays::compute(&market, &probe.prices);
    let m = zksettle_circuits::rules::margin::margin(&probe.before, &risk, &market.params);
    let cash = (m.initial + 7 * USD as i64 - m.mark_to_market) as u64;
    vec![
        account(3, cash, &[(1, -100)]),
        account(4, 1_000_000 * USD, &[(1, 100)]),
    ]
}

#[test]
fn withdrawals_the_ledger_accepts_prove_and_tampered_ones_do_not() {
    let c = circuit();
    let to_im = signed(3, 7 * USD, 0);
    let exact = native_step(seller(), 0, Operation::Withdraw(to_im.clone()));
    assert!(
        proves(&c, &exact, &to_im),
        "withdrawing down to exactly initial margin"
    );
    let all = signed(5, 40 * USD, 0);
    let all_cash = native_step(
        vec![account(5, 40 * USD, &[])],
        0,
        Operation::Withdraw(all.clone()),
    );
    assert!(
        proves(&c, &all_cash, &all),
        "withdrawing all cash of an account without positions"
    );

    let mut below = exact.clone();
    below.after.cash -= 1;
    assert!(
        !proves(
            &c,
            &below.rerooted(),
            &Withdraw {
                amount: 7 * USD + 1,
                ..to_im.clone()
            }
        ),
        "E' >= IM'"
    );

    let mut overdrawn = all_cash.clone();
    // cash' = -1 as a field element: the equation holds, only cash' >= 0 fails.
    overdrawn.after.cash = F::NEG_ONE.to_canonical_u64();
    assert!(
        !proves(
            &c,
            &overdrawn.rerooted(),
            &Withdraw {
                amount: 40 * USD + 1,
                ..all.clone()
            }
        ),
        "cash' >= 0"
    );

    let mut flagged = all_cash.clone();
    flagged.before.flags = 1;
    flagged.after.flags = 1;
    assert!(
        !proves(&c, &flagged.rerooted(), &all),
        "not under liquidation"
    );

    let mut in_debt = all_cash.clone();
    in_debt.bad_debt = 1;
    assert!(!proves(&c, &in_debt, &all), "no outstanding bad debt");

    let mut zero = all_cash.clone();
    zero.after.cash = zero.before.cash;
    assert!(
        !proves(
            &c,
            &zero.rerooted(),
            &Withdraw {
                amount: 0,
                ..all.clone()
            }
        ),
        "amount >= 1"
    );

    let mut nobody = all_cash.clone();
    nobody.before = zksettle_circuits::rules::Account {
        cash: 40 * USD,
        ..Default::default()
    };
    nobody.after = zksettle_circuits::rules::Account::default();
    assert!(!proves(&c, &nobody.rerooted(), &all), "an existing account");

    let mut moved = exact.clone();
    moved.after.positions[0].qty = -99;
    assert!(
        !proves(&c, &moved.rerooted(), &to_im),
        "positions unchanged"
    );
}

#[test]
fn a_withdrawal_counts_its_nonce_exactly_once() {
    use zksettle_circuits::rules::units::NONCE_MAX;
    let c = circuit();
    let all = signed(5, 40 * USD, 0);
    let honest = native_step(
        vec![account(5, 40 * USD, &[])],
        0,
        Operation::Withdraw(all.clone()),
    );
    assert_eq!((honest.before.nonce, honest.after.nonce), (0, 1));
    assert!(proves(&c, &honest, &all), "the ledger's nonce");
    let mut later = honest.clone();
    later.before.nonce = 41;
    later.after.nonce = 42;
    let later = later.rerooted();
    let at_41 = signed(5, 40 * USD, 41);
    assert!(proves(&c, &later, &at_41), "a later nonce");
    assert!(!proves(&c, &later, &all), "the item's nonce is the leaf's");

    let mut stale = honest.clone();
    stale.after.nonce = 0;
    assert!(!proves(&c, &stale.rerooted(), &all), "nonce not counted");
    let mut skipped = honest.clone();
    skipped.after.nonce = 2;
    assert!(
        !proves(&c, &skipped.rerooted(), &all),
        "nonce counted twice"
    );
    let mut rewound = later.clone();
    rewound.after.nonce = 3;
    assert!(!proves(&c, &rewound.rerooted(), &at_41), "nonce rewound");
    let mut exhausted = honest.clone();
    exhausted.before.nonce = NONCE_MAX;
    exhausted.after.nonce = NONCE_MAX + 1;
    assert!(
        !proves(&c, &exhausted.rerooted(), &signed(5, 40 * USD, NONCE_MAX)),
        "nonce beyond NONCE_MAX"
    );
}
