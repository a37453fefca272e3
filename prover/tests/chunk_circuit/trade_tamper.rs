//! Trades the rule book rejects cannot be proven.
//!
//! `forced_trade` applies a trade's arithmetic (positions, notional, fees,
//! the liquidation flag) with none of its checks, bypassing the native
//! engine. On accepted cases it reproduces the ledger exactly and proves (the
//! control); on every edge case the ledger rejects at a trade it builds the
//! witness that breaks only that rule, and the chunk must not prove. The
//! median test shows the circuit prices trades at the median of the reports.

use zksettle_circuits::chunk::ChunkError;
use zksettle_circuits::rules::ops::{trade_fee, Trade};
use zksettle_circuits::rules::units::{FEE_ACCOUNT, Q_MAX, Q_SCALE};
use zksettle_circuits::rules::{Account, Context, Operation, Position, Prices, RiskArrays};
use zksettle_fixtures::edge::{edge_cases, rule_name, EdgeCase, Expected};
use zksettle_prover::ledger::Ledger;

use super::common::at_small_depth;
use super::forced::{
    assert_covered, assert_unprovable, op_cases, proves, rejected_rules, setup, Setup, Write,
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

/// One side after the position change and the cash flow; a side ending at
/// or above initial margin leaves liquidation, otherwise its flags stay (the
/// flag is left alone for an unlisted instrument, which has no risk row).
fn side(
    ctx: &Context,
    before: &Account,
    instrument: u32,
    delta: i64,
    flow: i128,
) -> Option<Account> {
    let mut after = before.clone();
    after
        .set_qty(instrument, before.qty(instrument) + delta)
        .ok()?;
    after.cash = u64::try_from(i128::from(before.cash) + flow).ok()?;
    if ctx.market.instrument(instrument).is_some() && ctx.margin(&after).meets_initial() {
        after.set_under_liquidation(false);
    }
    Some(after)
}

/// The trade's arithmetic without its rules: the buyer pays
/// `qty * (price / Q_SCALE)`, each side pays `trade_fee` to the fee account.
/// The sides are applied one after the other, as the chunk's ports write
/// them (so a self-trade's seller side starts from the buyer side's leaf).
/// An unlisted instrument has no spot: its fee is computed at spot 0.
/// `None` when no leaf can hold the result (negative cash, a ninth
/// position, a position beyond Q_MAX).
fn forced_trade(ctx: &Context, op: &Trade, ledger: &Ledger) -> Option<Forced> {
    let spot = ctx
        .market
        .instrument(op.instrument)
        .map_or(0, |i| ctx.prices.spot[i.underlying as usize]);
    let notional = i128::from(op.qty) * i128::from(op.price / Q_SCALE);
    let params = &ctx.market.params;
    let fee = trade_fee(op.qty, op.price, spot, params.fee_bps, params.fee_cap_bps);
    let current = |index: u32, written: &[(u32, &Account)]| {
        written
            .iter()
            .rev()
            .find(|(i, _)| *i == index)
            .map_or_else(|| ledger.account(index), |(_, a)| (*a).clone())
    };
    let buyer = side(
        ctx,
        &ledger.account(op.buyer),
        op.instrument,
        op.qty,
        -notional - fee,
    )?;
    let seller_before = current(op.seller, &[(op.buyer, &buyer)]);
    let seller = side(ctx, &seller_before, op.instrument, -op.qty, notional - fee)?;
    let mut fees = current(FEE_ACCOUNT, &[(op.buyer, &buyer), (op.seller, &seller)]);
    fees.cash = u64::try_from(i128::from(fees.cash) + 2 * fee).ok()?;
    Some(Forced {
        buyer,
        seller,
        fees,
    })
}

fn trade(setup: &Setup) -> &Trade {
    match setup.op() {
        Operation::Trade(op) => op,
        other => panic!("not a trade: {other:?}"),
    }
}

fn forced(setup: &Setup) -> Option<Forced> {
    forced_trade(&setup.ctx(), trade(setup), &setup.ledger)
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
    let op = trade(&setup);
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
    let at_lie = forced_trade(&ctx, op, &setup.ledger).unwrap();
    assert_ne!(at_lie, honest, "the liar's prices change the fee");
    assert_unprovable(
        &case.name,
        "the median price",
        chunk_proves(&setup, &at_lie),
    );
}
