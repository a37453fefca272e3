//! Trades the rule book rejects cannot be proven.
//!
//! `forced_trade` applies a trade's arithmetic (positions, notional, fees,
//! the liquidation flag) with none of its checks, bypassing the native
//! engine. On accepted cases it reproduces the ledger exactly and proves (the
//! control); on every edge case the ledger rejects at a trade it builds the
//! witness that breaks only that rule, and the chunk must not prove. The
//! median test shows the circuit prices trades at the median of the reports.

use zksettle_circuits::chunk::ChunkError;
use zksettle_circuits::rules::ops::Trade;
use zksettle_circuits::rules::units::{FEE_ACCOUNT, Q_MAX};
use zksettle_circuits::rules::{Account, Context, Operation, Position, Prices, RiskArrays};
use zksettle_fixtures::edge::{edge_cases, rule_name, EdgeCase, Expected};

use super::common::at_small_depth;
use super::forced::{
    assert_covered, assert_unprovable, op_cases, proves, rejected_rules, setup, unchecked_steps_in,
    Setup, Write,
};

/// Accounts after a trade's arithmetic, unchecked.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Forced {
    buyer: Account,
    seller: Account,
    fees: Account,
}

impl Forced {
    /// The step's leaf writes, in the ledger's order (buyer, seller, fees).
    fn writes(&self, op: &Trade) -> Vec<Vec<Write>> {
        vec![vec![
            Write::Account(op.buyer, self.buyer.clone()),
            Write::Account(op.seller, self.seller.clone()),
            Write::Account(FEE_ACCOUNT, self.fees.clone()),
        ]]
    }
}

/// The trade's arithmetic without its rules (`support::unchecked`): the
/// buyer pays `qty * (price / Q_SCALE)`, each side pays `trade_fee` to the
/// fee account, a side meeting initial margin leaves liquidation. The sides
/// are applied one after the other, as the chunk's ports write them (so a
/// self-trade's seller side starts from the buyer side's leaf). An unlisted
/// instrument has no spot: its fee is computed at spot 0. `None` when no
/// leaf can hold the result (negative cash, a ninth position, a position
/// beyond Q_MAX).
fn forced_trade(ctx: &Context, setup: &Setup) -> Option<Forced> {
    let mut steps = unchecked_steps_in(ctx, setup)?;
    let account = |w: &Write| match w {
        Write::Account(_, a) => a.clone(),
        Write::Global(_) => unreachable!("a trade writes no global leaf"),
    };
    let writes = steps.pop()?;
    Some(Forced {
        buyer: account(&writes[0]),
        seller: account(&writes[1]),
        fees: account(&writes[2]),
    })
}

fn trade(setup: &Setup) -> &Trade {
    match setup.op() {
        Operation::Trade(op) => op,
        other => panic!("not a trade: {other:?}"),
    }
}

fn forced(setup: &Setup) -> Option<Forced> {
    forced_trade(&setup.ctx(), setup)
}

fn chunk_proves(setup: &Setup, outcome: &Forced) -> Result<(), ChunkError> {
    proves(setup, &outcome.writes(trade(setup)))
}

fn trade_cases(accepted: bool) -> Vec<(EdgeCase, usize)> {
    op_cases(accepted, |op| matches!(op, Operation::Trade(_)))
}

fn case(name: &str) -> EdgeCase {
    edge_cases()
        .unwrap()
        .into_iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("no case {name}"))
}

#[test]
fn forced_arithmetic_is_the_ledgers_on_accepted_trades_and_proves() {
    let cases = trade_cases(true);
    assert!(cases.len() >= 5, "accepted trade cases: {}", cases.len());
    for (case, at) in &cases {
        let setup = setup(case, *at).unwrap();
        let op = trade(&setup);
        let outcome = forced(&setup).unwrap();
        let (genesis, epoch) = at_small_depth(&case.market, &case.state, &case.epoch);
        let (after, _) = genesis.apply_epoch(&epoch).unwrap();
        assert_eq!(outcome.buyer, after.account(op.buyer), "{}", case.name);
        assert_eq!(outcome.seller, after.account(op.seller), "{}", case.name);
        assert_eq!(outcome.fees, after.account(FEE_ACCOUNT), "{}", case.name);
        chunk_proves(&setup, &outcome).unwrap_or_else(|e| panic!("{}: {e}", case.name));
    }
}

#[test]
fn every_rejected_trade_cannot_be_proven() {
    // No leaf can hold the result (negative cash, a ninth position,
    // |q| > Q_MAX): the leaf gadget's well-formedness covers these.
    // `quantity_out_of_range_cannot_be_proven` covers the one rule
    // (QuantityOutOfRange) whose fixture is unrepresentable only
    // because its accounts start flat.
    let mut rules = rejected_rules(
        trade_cases(false),
        |setup| Some(forced(setup)?.writes(trade(setup))),
        |_, _, _| None,
    );
    assert_covered(
        "trade",
        &mut rules,
        &[
            "SelfTrade",
            "PriceOutOfRange",
            "PriceOutsideBand",
            "InstrumentExpired",
            "UnknownInstrument",
            "SystemAccount",
            "UnknownAccount",
            "BelowInitialMargin",
            "ReduceOnlyWorsens",
        ],
    );
}

/// Quantities outside `[1, Q_MAX]` with positions that fit their leaves: the
/// fixture `q-max-plus-one-trade-is-rejected` moves Q_MAX + 1 lots between
/// flat accounts (no leaf holds the result); here the buyer starts short and
/// the seller long one lot, so both end within Q_MAX. Zero and negative
/// quantities break the same rule.
#[test]
fn quantity_out_of_range_cannot_be_proven() {
    let mut case = case("q-max-plus-one-trade-is-rejected");
    let Operation::Trade(op) = case.epoch.ops[0].clone() else {
        unreachable!()
    };
    for entry in &mut case.state.accounts {
        if entry.index == op.buyer {
            entry.positions = vec![Position {
                instrument: op.instrument,
                qty: -1,
            }];
        } else if entry.index == op.seller {
            entry.positions = vec![Position {
                instrument: op.instrument,
                qty: 1,
            }];
        }
    }
    for qty in [Q_MAX + 1, 0, -1] {
        let mut case = case.clone();
        case.epoch.ops[0] = Operation::Trade(Trade { qty, ..op.clone() });
        let (genesis, epoch) = at_small_depth(&case.market, &case.state, &case.epoch);
        let error = genesis.apply_epoch(&epoch).unwrap_err();
        let (_, rule) = rule_name(&error);
        assert_eq!(rule, "QuantityOutOfRange", "qty {qty}");
        let setup = setup(&case, 0).unwrap();
        let outcome = forced(&setup).expect("the positions fit");
        let name = format!("trade of {qty} lots");
        assert_unprovable(&name, &rule, chunk_proves(&setup, &outcome));
    }
}

/// The circuit prices a trade at the median of the reports: with one lying
/// oracle, the trade forced at the liar's prices (its fee follows the liar's
/// spot) does not prove, the one at the median does.
#[test]
fn trades_are_priced_at_the_median_report() {
    let case = case("lying-oracle-does-not-move-the-median");
    assert!(matches!(case.expected, Expected::Accepted { .. }));
    let setup = setup(&case, 0).unwrap();
    let honest = forced(&setup).unwrap();
    chunk_proves(&setup, &honest).expect("the median-priced trade proves");
    let liar = case.epoch.reports.iter().max_by_key(|r| r.spot[0]).unwrap();
    let lying = Prices {
        spot: liar.spot.clone(),
        mark: liar.mark.clone(),
        kappa_bps: liar.kappa_bps.clone(),
        settlement: setup.prices.settlement.clone(),
    };
    assert_ne!(lying.spot, setup.prices.spot, "one report lies");
    let risk = RiskArrays::compute(setup.market(), &lying);
    let ctx = Context {
        prices: &lying,
        risk: &risk,
        ..setup.ctx()
    };
    let at_lie = forced_trade(&ctx, &setup).unwrap();
    assert_ne!(at_lie, honest, "the liar's prices change the fee");
    assert_unprovable(
        &case.name,
        "the median price",
        chunk_proves(&setup, &at_lie),
    );
}
