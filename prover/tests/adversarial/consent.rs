//! Consent, against an operator that builds the witness itself: a
//! liquidation whose liquidator is not a venue-owned liquidation account
//! (its leaf's owner is not the market's `liquidator_owner`) and a deposit
//! binding an account to the owner of the key 1 G (whose secret everyone
//! knows) do not prove; the same batches with the venue's liquidation
//! account, or another owner, do, and replay natively.

use zksettle_circuits::rules::authorization::reserved_owner;
use zksettle_circuits::rules::custody;
use zksettle_circuits::rules::ops::{Deposit, Operation};
use zksettle_circuits::rules::{Epoch, Market};
use zksettle_fixtures::builder::op::liquidate;
use zksettle_fixtures::builder::*;
use zksettle_prover::ledger::Ledger;

use super::common::{circuit, small};
use crate::support::adversary::{items_of, Adversary};

/// Account 3 short one BTC of the 60,000 put, one micro-USD below
/// maintenance margin; account 4 (the venue's liquidation account) and 5
/// (a user's) rich, 4 long the put.
fn setup() -> (Market, Ledger, Epoch) {
    let market = small(&market());
    let probe = Ledger::from_state(
        market.clone(),
        &state(vec![
            account(3, 0, &[(1, -100)]),
            account(4, 0, &[(1, 100)]),
        ]),
    )
    .unwrap();
    let epoch = epoch(&market, probe.root(), vec![]);
    let sheet = zksettle_circuits::rules::PriceSheet::from_reports(
        &market,
        &epoch.reports,
        epoch.timestamp,
    )
    .unwrap();
    let m =
        zksettle_circuits::rules::margin::margin(&probe.account(3), &sheet.risk, &market.params);
    let cash = u64::try_from(m.maintenance - 1 - m.mark_to_market).unwrap();
    let rich = 1_000_000_000 * USD;
    let ledger = Ledger::from_state(
        market.clone(),
        &state(vec![
            account(3, cash, &[(1, -100)]),
            account(4, rich, &[(1, 100)]),
            account(5, rich, &[]),
        ]),
    )
    .unwrap();
    let epoch = epoch_with_quote(&market, ledger.root(), &Quote::default(), vec![]);
    (market, ledger, epoch)
}

/// Whether `ops` prove as an epoch (asserting the replay property).
fn proves(ops: &[Operation], what: &str) -> bool {
    let (market, ledger, mut epoch) = setup();
    // The custodians attest the deposits among `ops` (they received the
    // money; the rule under test is another).
    epoch.ops = ops.to_vec();
    custody::attest(&mut epoch, &market, &custodian_signers(&market));
    let adversary = Adversary::new(&ledger, &epoch);
    let items = items_of(ops);
    let attempt = adversary.attempt(&circuit(&market), &items, &[]);
    eprintln!("{what}: {attempt:?}");
    adversary.assert_replay(&items, &attempt, what)
}

#[test]
fn a_liquidation_by_an_account_without_a_mandate_is_unprovable() {
    let (market, ledger, _) = setup();
    assert_eq!(ledger.account(4).owner, market.liquidator_owner);
    assert_ne!(ledger.account(5).owner, market.liquidator_owner);
    assert!(
        proves(&[liquidate(3, 4, 2_500)], "the venue's liquidation account"),
        "control: the mandated liquidator proves"
    );
    assert!(!proves(
        &[liquidate(3, 5, 2_500)],
        "a user account without a mandate"
    ));
}

#[test]
fn a_deposit_naming_the_reserved_owner_is_unprovable() {
    let deposit = |owner| {
        Operation::Deposit(Deposit {
            account: 9,
            owner,
            amount: USD,
            id: 0,
        })
    };
    assert!(
        proves(&[deposit(owner(9))], "a user's owner"),
        "control: another owner proves"
    );
    assert!(!proves(
        &[deposit(reserved_owner())],
        "the owner of the key 1 G"
    ));
    // Not even as a top-up of an account that claims it: account 3 keeps its owner.
    let mut top_up = deposit(reserved_owner());
    if let Operation::Deposit(d) = &mut top_up {
        d.account = 3;
    }
    assert!(!proves(&[top_up], "a top-up naming the owner of 1 G"));
}
