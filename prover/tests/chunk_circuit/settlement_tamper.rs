//! Settlements the rule book rejects cannot be proven.
//!
//! `forced_settlement` settles each listed holder in list order, one step
//! per holder as the chunk lays them out (holder, insurance fund, global
//! leaf), paying `q * (I(X) / Q_SCALE)` with none of the rules: no expiry,
//! price, order, holding or balance check, and a negative balance goes to
//! the insurance fund and bad debt even beside open positions. On accepted
//! cases it reproduces the ledger exactly and proves (the control); on every
//! edge case the ledger rejects at a settlement the chunk must not prove.
//! The settlement registers (`carry_in`) are checked across a chunk border.

use zksettle_circuits::chunk::{ChunkError, ChunkWitness, SettleCarry};
use zksettle_circuits::rules::encoding::ZERO_DIGEST;
use zksettle_circuits::rules::ops::{extend_batch_hash, SettleExpiry};
use zksettle_circuits::rules::Operation;
use zksettle_fixtures::edge::{edge_cases, EdgeCase};

use super::common::at_small_depth;
use super::forced::{
    assert_covered, op_cases, prove, proves, rejected_rules, setup, unchecked_steps, Setup, Tree,
    Write,
};

fn settlement(setup: &Setup) -> &SettleExpiry {
    match setup.op() {
        Operation::SettleExpiry(op) => op,
        other => panic!("not a settlement: {other:?}"),
    }
}

/// The writes of each holder's step, unchecked (`support::unchecked`): the
/// holder's slot goes and it is paid at the settlement price (0 where the
/// reports give none, as in the circuit's price table), a negative balance
/// goes to the insurance fund and bad debt even beside open positions. A
/// settlement of no holder has no batch item: the circuit never sees it
/// (`None`, and the native engine refuses it as `EmptySettlement`).
fn forced(setup: &Setup) -> Option<Vec<Vec<Write>>> {
    if settlement(setup).accounts.is_empty() {
        return None;
    }
    unchecked_steps(setup)
}

fn settlement_cases(accepted: bool) -> Vec<(EdgeCase, usize)> {
    op_cases(accepted, |op| matches!(op, Operation::SettleExpiry(_)))
}

#[test]
fn forced_arithmetic_is_the_ledgers_on_accepted_settlements_and_proves() {
    let cases = settlement_cases(true);
    assert!(
        cases.len() >= 3,
        "accepted settlement cases: {}",
        cases.len()
    );
    for (case, at) in &cases {
        let setup = setup(case, *at).unwrap();
        let steps = forced(&setup).unwrap();
        assert_eq!(steps.len(), settlement(&setup).accounts.len());
        let (genesis, epoch) = at_small_depth(&case.market, &case.state, &case.epoch);
        let (after, _) = genesis.apply_epoch(&epoch).unwrap();
        // Each leaf's last write is the ledger's final value.
        let mut last = std::collections::BTreeMap::new();
        let mut bad_debt = setup.ledger.bad_debt();
        for write in steps.iter().flatten() {
            match write {
                Write::Account(index, account) => {
                    last.insert(*index, account.clone());
                }
                Write::Global(debt) => bad_debt = *debt,
            }
        }
        for (index, account) in &last {
            assert_eq!(*account, after.account(*index), "{}", case.name);
        }
        assert_eq!(bad_debt, after.bad_debt(), "{}", case.name);
        proves(&setup, &steps).unwrap_or_else(|e| panic!("{}: {e}", case.name));
    }
}

#[test]
fn every_rejected_settlement_cannot_be_proven() {
    let mut rules = rejected_rules(settlement_cases(false), forced, |_, _, _| None);
    assert_covered(
        "settlement",
        &mut rules,
        &[
            "NotYetExpired",
            "MissingSettlementPrice",
            "AccountsNotAscending",
            "NoPositionToSettle",
            "SettlementUnbalanced",
            "SettlementLeavesNegativeCash",
        ],
    );
}

/// A settlement of two holders cut across two chunks: the second chunk
/// starts from the first's root, batch commitment and settlement registers
/// (net quantity so far, last holder). With those registers it proves and
/// they join; a `carry_in` with another net (the settlement would not
/// balance) or a previous holder not below the next one does not prove.
#[test]
fn settlement_registers_carry_across_chunks() {
    let case = edge_cases()
        .unwrap()
        .into_iter()
        .find(|c| c.name == "expiry-in-the-money-pays-intrinsic-value")
        .unwrap();
    let setup = setup(&case, 0).unwrap();
    let op = Operation::SettleExpiry(settlement(&setup).clone());
    let Operation::SettleExpiry(settle) = &op else {
        unreachable!()
    };
    assert_eq!(settle.accounts.len(), 2);
    let steps = forced(&setup).unwrap();
    let mut tree = Tree::new(&setup.ledger);
    let empty = |tree: &Tree| {
        ChunkWitness::empty(
            setup.sheet(),
            setup.epoch.epoch,
            setup.epoch.timestamp,
            tree.root(),
            tree.system(),
            Default::default(),
        )
    };
    let first_holder = settle.accounts[0];
    let first_qty = tree.account(first_holder).qty(settle.instrument);
    let mut first = empty(&tree);
    let items = op.batch_items();
    first.steps.push(tree.step(items[0], &steps[0]));
    first.system = tree.finish();
    let mut second = empty(&tree);
    second.batch_in = extend_batch_hash(&ZERO_DIGEST, &op.batch_items()[0]);
    second.carry_in = SettleCarry::CLOSED
        .after_holder(
            settle.instrument,
            first_holder.into(),
            0,
            settle.accounts.len() as u64,
            first_qty,
        )
        .unwrap();
    second.steps.push(tree.step(items[1], &steps[1]));
    second.system = tree.finish();

    let market = setup.market();
    let a = prove(market, &first).expect("the first holder proves");
    let b = prove(market, &second).expect("the second holder proves");
    assert_eq!(a.carry_out, b.carry_in);
    assert_eq!(a.root_out, b.root_in);
    assert_eq!(a.batch_out, b.batch_in);
    assert_eq!(b.carry_out.net, 0, "the settlement balances");
    assert_eq!(a.op_count + b.op_count, 1, "one operation");

    let tampered: [(&str, SettleCarry); 2] = [
        (
            "another net",
            SettleCarry {
                net: first_qty + 1,
                ..second.carry_in
            },
        ),
        (
            "previous holder not below",
            SettleCarry {
                previous_account: settle.accounts[1].into(),
                ..second.carry_in
            },
        ),
    ];
    for (name, carry) in tampered {
        let chunk = ChunkWitness {
            carry_in: carry,
            ..second.clone()
        };
        let result = prove(market, &chunk).map(|_| ());
        assert!(
            matches!(result, Err(ChunkError::Unprovable(_))),
            "carry_in with {name} proved: {result:?}"
        );
    }
}
