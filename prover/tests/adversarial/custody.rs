//! Custody, against an operator that builds the witness itself.
//!
//! * The prelude: a deposit report proves only with a quorum of distinct
//!   custodians of the market signing its log and total for this market; a
//!   forged signature, one custodian twice, a custodian beyond the set, or
//!   a nonzero total under the filler's signatures do not prove.
//! * The chunks: a deposit whose id is not the next of the history (reused
//!   or skipped) does not prove, and a batch whose deposits are not the
//!   ones the custodians attested does not prove as an epoch (the chain
//!   holds the epoch's deposit log and total to the report's); the same
//!   batches with the attested deposits and the next ids do, and replay
//!   natively.

use zksettle_circuits::prelude::PreludeWitness;
use zksettle_circuits::rules::custody::{
    self, custodian_key_from_seed, filler_report_signature, report_message, DepositReport,
    Transfers,
};
use zksettle_circuits::rules::encoding::ZERO_DIGEST;
use zksettle_circuits::rules::ops::Operation;
use zksettle_circuits::rules::Market;
use zksettle_fixtures::builder::op::deposit;
use zksettle_fixtures::builder::*;
use zksettle_prover::ledger::Ledger;

use super::common::{circuit, prelude_provable, small};
use crate::support::adversary::{items_of, Adversary};

/// Two deposits' log and total.
fn two_deposits() -> Transfers {
    Transfers::NONE
        .deposit(9, &owner(9), 5 * USD, 0)
        .deposit(10, &owner(10), 7 * USD, 1)
}

fn honest() -> DepositReport {
    let m = market();
    DepositReport::sign(&m, &two_deposits(), &custodian_signers(&m))
}

/// Whether the prelude with `report` is satisfiable (and then states the
/// native statement).
fn provable(report: Option<DepositReport>) -> bool {
    let m = market();
    prelude_provable(&PreludeWitness {
        reports: reports_of(&m, &[0, 1, 2], NOW - 10, &Quote::default()),
        epoch: 1,
        timestamp: NOW,
        root: ZERO_DIGEST,
        deposit_report: report,
    })
}

#[test]
fn a_deposit_report_proves_only_under_a_quorum_of_the_markets_custodians() {
    let m = market();
    assert!(provable(Some(honest())), "control: the custodians' report");
    assert!(provable(None), "control: no deposits, no report");
    let tamper = |edit: &dyn Fn(&mut DepositReport)| {
        let mut report = honest();
        edit(&mut report);
        provable(Some(report))
    };
    // A total or log changed after signing.
    assert!(!tamper(&|r| r.deposited += 1));
    assert!(!tamper(&|r| r.deposit_log = Transfers::NONE
        .deposit(9, &owner(9), 12 * USD, 0)
        .deposit_log));
    // Custodian 1's signature by another key.
    let other = custodian_key_from_seed(CUSTODIAN_SEED + 1, 1);
    assert!(!tamper(&|r| {
        let msg = report_message(&m.hash(), &r.deposit_log, r.deposited);
        r.signatures[1].signature = other.sign(&msg);
    }));
    // One custodian's signature twice, or the two in descending order.
    assert!(!tamper(&|r| r.signatures[1] = r.signatures[0].clone()));
    assert!(!tamper(&|r| r.signatures.swap(0, 1)));
    // A custodian index beyond the set (the padded key column repeats the
    // last key: custodian 2 signs, but as "custodian 3").
    let third = custodian_key_from_seed(CUSTODIAN_SEED, 2);
    assert!(!tamper(&|r| {
        let msg = report_message(&m.hash(), &r.deposit_log, r.deposited);
        r.signatures[1].custodian = 3;
        r.signatures[1].signature = third.sign(&msg);
    }));
    // Signed for another market.
    let mut other_market = m.clone();
    other_market.tree_depth += 1;
    assert!(!provable(Some(DepositReport::sign(
        &other_market,
        &two_deposits(),
        &custodian_signers(&m)
    ))));
    // A log with a zero total (nothing attested) under the filler's
    // signatures: the statement of an epoch without deposits has the empty
    // log only.
    assert!(!tamper(&|r| {
        r.deposited = 0;
        for s in &mut r.signatures {
            s.signature = *filler_report_signature();
        }
    }));
    // A nonzero total under the filler's signatures (the slots of an epoch
    // without deposits).
    assert!(!tamper(&|r| {
        for s in &mut r.signatures {
            s.signature = *filler_report_signature();
        }
    }));
}

/// Accounts 3 and 4 rich; the custodians have credited `credited` deposits
/// before the epoch.
fn setup(credited: u64) -> (Market, Ledger) {
    let market = small(&market());
    let mut genesis = state(vec![
        account(3, 1_000 * USD, &[]),
        account(4, 1_000 * USD, &[]),
    ]);
    genesis.deposits = credited;
    let ledger = Ledger::from_state(market.clone(), &genesis).unwrap();
    (market, ledger)
}

/// Whether `ops` prove as an epoch whose deposit report is `attested`'s
/// deposits (asserting the replay property).
fn proves(credited: u64, ops: &[Operation], attested: &[Operation], what: &str) -> bool {
    let (market, ledger) = setup(credited);
    let mut epoch = epoch(&market, ledger.root(), vec![]);
    let deposits = custody::deposits_of(attested);
    epoch.deposit_report = (deposits.deposited > 0)
        .then(|| DepositReport::sign(&market, &deposits, &custodian_signers(&market)));
    let adversary = Adversary::new(&ledger, &epoch);
    let items = items_of(ops);
    let attempt = adversary.attempt(&circuit(&market), &items, &[]);
    eprintln!("{what}: {attempt:?}");
    adversary.assert_replay(&items, &attempt, what)
}

fn numbered(mut op: Operation, id: u64) -> Operation {
    if let Operation::Deposit(d) = &mut op {
        d.id = id;
    }
    op
}

#[test]
fn only_the_attested_deposits_with_the_next_ids_prove() {
    let a = numbered(deposit(3, 5 * USD), 4);
    let b = numbered(deposit(4, 7 * USD), 5);
    let both = [a.clone(), b.clone()];
    assert!(
        proves(4, &both, &both, "the attested deposits 4 and 5"),
        "control: the custodians' deposits with the next ids prove"
    );
    // An id credited before (reused), or ahead (skipping id 4), attested
    // or not.
    let reused = [numbered(a.clone(), 3), numbered(b.clone(), 4)];
    assert!(!proves(4, &reused, &reused, "ids 3 and 4 after 4 credited"));
    let twice = [a.clone(), numbered(b.clone(), 4)];
    assert!(!proves(4, &twice, &twice, "id 4 twice"));
    let skipped = [numbered(a.clone(), 5), numbered(b.clone(), 6)];
    assert!(!proves(4, &skipped, &skipped, "ids 5 and 6, skipping 4"));
    // Deposits the custodians did not attest: no report at all, a report of
    // one of them, of other amounts, of another order.
    assert!(!proves(4, &both, &[], "no deposit report"));
    assert!(!proves(
        4,
        &both,
        std::slice::from_ref(&a),
        "a report of the first only"
    ));
    let richer = [a.clone(), numbered(deposit(4, 70 * USD), 5)];
    assert!(!proves(4, &richer, &both, "a larger second deposit"));
    let swapped = [numbered(b.clone(), 4), numbered(a.clone(), 5)];
    assert!(!proves(4, &swapped, &both, "the deposits in another order"));
}
