//! Property tests of the invariants of `docs/design.md` section 7.12 over random states
//! and random operation streams on the test market:
//! cash conservation (total cash minus bad debt moves only by deposits minus
//! withdrawals), every instrument nets to zero, bad debt only beside an empty
//! insurance fund, determinism, op-by-op and
//! whole-epoch application agree, a rejected epoch names its operation and
//! changes nothing, every written state is a valid snapshot, and a
//! liquidation always strictly improves the account's E - MM.

use std::collections::BTreeMap;

use proptest::prelude::*;
use zksettle_circuits::rules::margin::margin;
use zksettle_circuits::rules::ops::{
    Context, Deposit, Liquidate, Operation, SettleExpiry, Side, SweepFees, Trade,
};
use zksettle_circuits::rules::oracle::median_prices;
use zksettle_circuits::rules::risk::RiskArrays;
use zksettle_circuits::rules::units::{FEE_ACCOUNT, INSURANCE_FUND};
use zksettle_circuits::rules::{EpochError, StateFile};
use zksettle_fixtures::builder::op::signed_withdraw;
use zksettle_fixtures::builder::*;
use zksettle_prover::ledger::Ledger;
use zksettle_prover::sim::agents::{order_slot, Signer};

const USERS: std::ops::Range<u32> = 3..9;

/// A random state: six funded users holding pairs of opposite positions.
fn arb_state() -> impl Strategy<Value = StateFile> {
    let cash = prop::collection::vec(0u64..2_000_000, USERS.len());
    let pairs = prop::collection::vec((USERS, USERS, 0u32..8, 1i64..400), 0..10);
    (cash, pairs).prop_map(|(cash, pairs)| {
        let mut positions: BTreeMap<u32, BTreeMap<u32, i64>> = BTreeMap::new();
        for (a, b, instrument, qty) in pairs {
            if a != b {
                *positions
                    .entry(a)
                    .or_default()
                    .entry(instrument)
                    .or_default() += qty;
                *positions
                    .entry(b)
                    .or_default()
                    .entry(instrument)
                    .or_default() -= qty;
            }
        }
        let users = USERS
            .zip(cash)
            .map(|(index, usd)| {
                let held: Vec<(u32, i64)> = positions
                    .get(&index)
                    .map(|p| {
                        p.iter()
                            .filter(|(_, &q)| q != 0)
                            .map(|(&i, &q)| (i, q))
                            .collect()
                    })
                    .unwrap_or_default();
                account(index, usd * USD, &held)
            })
            .collect();
        state(users)
    })
}

/// A random operation on the users (many will be rejected; that is fine).
fn arb_op() -> impl Strategy<Value = Operation> {
    prop_oneof![
        (USERS, 1u64..500_000).prop_map(|(a, usd)| Operation::Deposit(Deposit {
            account: a,
            owner: owner(a),
            amount: usd * USD,
            id: 0,
        })),
        (USERS, 1u64..500_000).prop_map(|(a, usd)| signed_withdraw(&market(), a, usd * USD, 0)),
        (USERS, USERS, 0u32..6, 1i64..300, -20i64..20).prop_map(|(b, s, i, qty, ticks)| {
            let price = (MARKS[i as usize] as i64 + ticks * 10 * USD as i64).max(0) as u64;
            Operation::Trade(Trade {
                buyer: b,
                seller: s,
                instrument: i,
                qty,
                price,
                buyer_order: 0,
                seller_order: 0,
            })
        }),
        (
            USERS,
            USERS,
            prop_oneof![Just(2_500u64), Just(10_000), 1u64..10_000]
        )
            .prop_map(|(a, l, f)| Operation::Liquidate(Liquidate {
                account: a,
                liquidator: l,
                fraction_bps: f
            })),
        (6u32..8, prop::collection::btree_set(USERS, 1..4)).prop_map(|(i, a)| {
            Operation::SettleExpiry(SettleExpiry {
                instrument: i,
                accounts: a.into_iter().collect(),
            })
        }),
        (1u64..5_000).prop_map(|usd| Operation::Deposit(Deposit {
            account: INSURANCE_FUND,
            owner: venue_owner(),
            amount: usd * USD,
            id: 0,
        })),
        (0u64..50).prop_map(|usd| Operation::SweepFees(SweepFees {
            amount: usd * USD + 1
        })),
        (0u64..50).prop_map(|usd| signed_withdraw(&market(), FEE_ACCOUNT, usd * USD + 1, 0)),
    ]
}

/// Bad debt is outstanding only while the insurance fund is empty (every
/// credit to the fund repays it first).
/// What users send for a drawn operation, at the accounts' nonces in
/// `ledger`: a withdrawal signed by its user; a trade after both sides'
/// signed orders for it (each in a free slot, cancelling slot 0 first when
/// none is); other operations as drawn.
fn signed(ledger: &Ledger, op: Operation) -> Vec<Operation> {
    match op {
        Operation::Withdraw(w) => vec![signed_withdraw(
            &market(),
            w.account,
            w.amount,
            ledger.account(w.account).nonce,
        )],
        Operation::Trade(mut t) => {
            let mut ops = Vec::new();
            let terms = (t.instrument, t.qty, t.price);
            for (side, index) in [(Side::Buy, t.buyer), (Side::Sell, t.seller)] {
                let slot = order_slot(
                    Signer {
                        seed: USER_SEED,
                        market: market().hash(),
                    },
                    &ledger.account(index),
                    index,
                    side,
                    terms,
                    t.qty,
                    (NOW, 3_600),
                    false,
                    &mut ops,
                );
                match side {
                    Side::Buy => t.buyer_order = slot,
                    Side::Sell => t.seller_order = slot,
                }
            }
            ops.push(Operation::Trade(t));
            ops
        }
        op => vec![op],
    }
}

fn bad_debt_only_with_an_empty_fund(ledger: &Ledger) -> bool {
    ledger.bad_debt() == 0 || ledger.account(INSURANCE_FUND).cash == 0
}

/// BTC spot scaled by `percent`, marks unchanged (they stay within bounds).
fn quote(percent: u64) -> Quote {
    let mut q = Quote::default();
    q.spot[0] = BTC * percent / 100;
    q
}

fn total_cash_minus_bad_debt(ledger: &Ledger) -> i128 {
    ledger
        .accounts()
        .map(|(_, a)| i128::from(a.cash))
        .sum::<i128>()
        - i128::from(ledger.bad_debt())
}

fn nets_to_zero(ledger: &Ledger) -> bool {
    let mut sums: BTreeMap<u32, i64> = BTreeMap::new();
    for (_, a) in ledger.accounts() {
        for p in &a.positions {
            *sums.entry(p.instrument).or_default() += p.qty;
        }
    }
    sums.values().all(|&q| q == 0)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn accepted_operations_keep_every_invariant(state in arb_state(), ops in prop::collection::vec(arb_op(), 1..40), percent in 60u64..140) {
        let market = market();
        let quote = quote(percent);
        let genesis = Ledger::from_state(market.clone(), &state).unwrap();
        let template = epoch_with_quote(&market, genesis.root(), &quote, vec![]);
        let prices = median_prices(&market, &template.reports, NOW).unwrap();
        let risk = RiskArrays::compute(&market, &prices);
        let ctx = Context { market: &market, prices: &prices, risk: &risk, timestamp: NOW };

        let mut working = genesis.clone();
        working.begin_epoch(1, NOW);
        let mut accepted = Vec::new();
        let mut flow = 0i128;
        for drawn in ops {
          let sent = signed(&working, drawn);
          for mut op in sent {
            // The custodian's next deposit id.
            if let Operation::Deposit(d) = &mut op {
                d.id = working.deposits();
            }
            let cash_before = total_cash_minus_bad_debt(&working);
            let before = working.clone();
            if working.try_apply_op(&ctx, &op).is_err() {
                prop_assert_eq!(working.root(), before.root(), "a rejected operation changes nothing");
                continue;
            }
            let delta = match &op {
                Operation::Deposit(d) => i128::from(d.amount),
                Operation::Withdraw(w) => -i128::from(w.amount),
                _ => 0,
            };
            prop_assert_eq!(total_cash_minus_bad_debt(&working), cash_before + delta, "cash conservation for {:?}", op);
            prop_assert!(nets_to_zero(&working), "instruments net to zero after {:?}", op);
            if bad_debt_only_with_an_empty_fund(&before) {
                prop_assert!(bad_debt_only_with_an_empty_fund(&working), "bad debt beside a funded insurance fund after {:?}", op);
            }
            if let Operation::Liquidate(l) = &op {
                let excess = |ledger: &Ledger| margin(&ledger.account(l.account), &risk, &market.params).excess();
                prop_assert!(excess(&working) > excess(&before), "liquidation improves E - MM");
            }
            flow += delta;
            accepted.push(op);
        }
        }

        // The accepted stream applies as one epoch, to the same state, twice alike.
        let mut epoch = zksettle_circuits::rules::Epoch { ops: accepted.clone(), ..template.clone() };
        zksettle_circuits::rules::custody::attest(&mut epoch, &market, &custodian_signers(&market));
        let (after, witness) = genesis.apply_epoch(&epoch).unwrap();
        let (again, _) = genesis.apply_epoch(&epoch).unwrap();
        prop_assert_eq!(after.root(), working.root());
        prop_assert_eq!(after.root(), again.root());
        prop_assert_eq!(after.to_state(), again.to_state());
        prop_assert_eq!(witness.new_root, after.root());
        prop_assert_eq!(total_cash_minus_bad_debt(&after), total_cash_minus_bad_debt(&genesis) + flow);
        // The solvency statement a proof makes: cash minus bad debt moves by
        // exactly the attested deposits minus the logged withdrawals.
        let logged = i128::from(witness.transfers.deposited) - i128::from(witness.transfers.withdrawn);
        prop_assert_eq!(logged, flow);
        let snapshot = after.to_state();
        prop_assert!(snapshot.accounts(&market).is_ok(), "the written state is a valid snapshot");
        prop_assert!(Ledger::from_state(market.clone(), &snapshot).unwrap().root() == after.root(), "a snapshot reloads to the same root");
    }

    #[test]
    fn an_invalid_operation_rejects_the_whole_epoch_and_names_it(state in arb_state(), ops in prop::collection::vec(arb_op(), 0..20), at in any::<prop::sample::Index>()) {
        let market = market();
        let genesis = Ledger::from_state(market.clone(), &state).unwrap();
        // Keep only what applies, then insert a self-trade somewhere.
        let template = epoch(&market, genesis.root(), vec![]);
        let prices = median_prices(&market, &template.reports, NOW).unwrap();
        let risk = RiskArrays::compute(&market, &prices);
        let ctx = Context { market: &market, prices: &prices, risk: &risk, timestamp: NOW };
        let mut working = genesis.clone();
        working.begin_epoch(1, NOW);
        let mut accepted: Vec<Operation> = Vec::new();
        for drawn in ops {
            for mut op in signed(&working, drawn) {
                if let Operation::Deposit(d) = &mut op {
                    d.id = working.deposits();
                }
                if working.try_apply_op(&ctx, &op).is_ok() {
                    accepted.push(op);
                }
            }
        }
        let index = at.index(accepted.len() + 1);
        accepted.insert(index, Operation::Trade(Trade { buyer: 3, seller: 3, instrument: 0, qty: 1, price: MARKS[0], buyer_order: 0, seller_order: 0 }));
        let mut epoch = zksettle_circuits::rules::Epoch { ops: accepted, ..template };
        zksettle_circuits::rules::custody::attest(&mut epoch, &market, &custodian_signers(&market));
        let root = genesis.root();
        let error = genesis.apply_epoch(&epoch).unwrap_err();
        prop_assert!(matches!(error, EpochError::Operation { index: i, .. } if i == index), "{}", error);
        prop_assert_eq!(genesis.root(), root);
    }
}
