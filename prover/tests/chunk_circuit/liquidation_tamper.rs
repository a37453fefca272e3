//! Liquidations the rule book rejects cannot be proven.
//!
//! `forced_liquidation` applies a liquidation's arithmetic (transfer at mark,
//! penalty or bankruptcy, flags) with none of its checks, bypassing the
//! native engine. On accepted cases it reproduces the ledger exactly (the
//! control); on every edge case the ledger rejects at a liquidation it builds
//! the witness that breaks only that rule, and the chunk must not prove.
//! Single-value tampers of an accepted liquidation cover the arithmetic.

use zksettle_circuits::chunk::ChunkError;
use zksettle_circuits::rules::fixed::{mul_bps_ceil, mul_bps_floor, mul_bps_trunc};
use zksettle_circuits::rules::ops::{absorb_deficit, Liquidate};
use zksettle_circuits::rules::units::INSURANCE_FUND;
use zksettle_circuits::rules::{Account, Context, Operation};
use zksettle_fixtures::edge::{edge_cases, EdgeCase};
use zksettle_prover::ledger::Ledger;

use super::common::at_small_depth;
use super::forced::{
    assert_covered, assert_unprovable, op_cases, proves, rejected_rules, setup, Setup, Write,
};

/// Accounts after a liquidation's arithmetic, unchecked.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Forced {
    account: Account,
    liquidator: Account,
    insurance: Account,
    bad_debt: u64,
}

impl Forced {
    /// The step's leaf writes, in the ledger's order.
    fn writes(&self, op: &Liquidate) -> Vec<Vec<Write>> {
        vec![vec![
            Write::Account(op.account, self.account.clone()),
            Write::Account(op.liquidator, self.liquidator.clone()),
            Write::Account(INSURANCE_FUND, self.insurance.clone()),
            Write::Global(self.bad_debt),
        ]]
    }
}

/// The liquidation's arithmetic without its rules; `None` when the result
/// has no leaf (negative cash, a position beyond the leaf's limits).
fn forced_liquidation(ctx: &Context, op: &Liquidate, ledger: &Ledger) -> Option<Forced> {
    let account = ledger.account(op.account);
    let liquidator = ledger.account(op.liquidator);
    let insurance = ledger.account(INSURANCE_FUND);
    let before = ctx.margin(&account);
    let mut a = account.clone();
    let mut l = liquidator.clone();
    let mut payment = 0i128;
    for p in &account.positions {
        let dq = mul_bps_trunc(p.qty.into(), op.fraction_bps) as i64;
        payment +=
            i128::from(dq) * i128::from(ctx.risk.instruments[p.instrument as usize].mark_per_lot);
        a.set_qty(p.instrument, p.qty - dq).ok()?;
        l.set_qty(p.instrument, l.qty(p.instrument) + dq).ok()?;
    }
    let paid = i128::from(liquidator.cash) - payment;
    let account_cash = i128::from(account.cash) + payment;
    let mut out = Forced {
        account: a,
        liquidator: l,
        insurance: insurance.clone(),
        bad_debt: ledger.bad_debt(),
    };
    if before.equity < 0 {
        let deficit = u64::try_from((-account_cash).max(0)).ok()?;
        let (cash, debt) = absorb_deficit(deficit, insurance.cash, ledger.bad_debt()).ok()?;
        out.insurance.cash = cash;
        out.bad_debt = debt;
        out.account.cash = 0;
        out.liquidator.cash = u64::try_from(paid).ok()?;
    } else {
        let released = (before.maintenance - ctx.margin(&out.account).maintenance).max(0);
        let penalty =
            mul_bps_ceil(released.into(), ctx.market.params.penalty_bps).min(before.equity.into());
        let share = mul_bps_floor(penalty, ctx.market.params.liquidator_share_bps);
        out.account.cash = u64::try_from(account_cash - penalty).ok()?;
        out.liquidator.cash = u64::try_from(paid + share).ok()?;
        out.insurance.cash = u64::try_from(i128::from(insurance.cash) + penalty - share).ok()?;
    }
    out.liquidator.set_under_liquidation(false);
    let short = !ctx.margin(&out.account).meets_initial();
    out.account.set_under_liquidation(short);
    Some(out)
}

fn liquidation(setup: &Setup) -> &Liquidate {
    match setup.op() {
        Operation::Liquidate(op) => op,
        other => panic!("not a liquidation: {other:?}"),
    }
}

fn forced(setup: &Setup) -> Option<Forced> {
    forced_liquidation(&setup.ctx(), liquidation(setup), &setup.ledger)
}

fn chunk_proves(setup: &Setup, outcome: &Forced) -> Result<(), ChunkError> {
    proves(setup, &outcome.writes(liquidation(setup)))
}

fn liquidation_cases(accepted: bool) -> Vec<(EdgeCase, usize)> {
    op_cases(accepted, |op| matches!(op, Operation::Liquidate(_)))
}

#[test]
fn forced_arithmetic_is_the_ledgers_on_accepted_liquidations_and_proves() {
    let cases = liquidation_cases(true);
    assert!(
        cases.len() >= 3,
        "accepted liquidation cases: {}",
        cases.len()
    );
    for (case, at) in &cases {
        let setup = setup(case, *at).unwrap();
        let op = liquidation(&setup);
        let outcome = forced(&setup).unwrap();
        let (genesis, epoch) = at_small_depth(&case.market, &case.state, &case.epoch);
        let (after, _) = genesis.apply_epoch(&epoch).unwrap();
        assert_eq!(outcome.account, after.account(op.account), "{}", case.name);
        assert_eq!(outcome.liquidator, after.account(op.liquidator));
        assert_eq!(outcome.insurance, after.account(INSURANCE_FUND));
        assert_eq!(outcome.bad_debt, after.bad_debt());
        chunk_proves(&setup, &outcome).unwrap_or_else(|e| panic!("{}: {e}", case.name));
    }
}

#[test]
fn every_rejected_liquidation_cannot_be_proven() {
    // No leaf can hold the result (negative cash, too many positions):
    // the leaf gadget's well-formedness tests cover these.
    let mut rules = rejected_rules(
        liquidation_cases(false),
        |setup| Some(forced(setup)?.writes(liquidation(setup))),
        |_, _, _| None,
    );
    assert_covered(
        "liquidation",
        &mut rules,
        &[
            "NotLiquidatable",
            "FractionAboveStep",
            "InsolventNeedsFullTransfer",
            "NothingToTransfer",
            "LiquidationDoesNotImprove",
            "LiquidatorBelowInitialMargin",
            "FractionOutOfRange",
            "SelfLiquidation",
        ],
    );
}

#[test]
fn tampered_liquidation_values_cannot_be_proven() {
    let (case, at) = liquidation_cases(true)
        .into_iter()
        .find(|(c, _)| c.name == "equity-one-below-maintenance-is-liquidatable")
        .unwrap();
    let setup = setup(&case, at).unwrap();
    let honest = forced(&setup).unwrap();
    type Tamper = Box<dyn Fn(&mut Forced)>;
    let tampers: Vec<(&str, Tamper)> = vec![
        ("penalty one short", Box::new(|f| f.account.cash += 1)),
        (
            "liquidator paid one more",
            Box::new(|f| f.liquidator.cash += 1),
        ),
        ("insurance one more", Box::new(|f| f.insurance.cash += 1)),
        ("bad debt appears", Box::new(|f| f.bad_debt += 1)),
        (
            "liquidator still flagged",
            Box::new(|f| f.liquidator.flags = 1),
        ),
        ("account flag flipped", Box::new(|f| f.account.flags ^= 1)),
        (
            "one lot withheld",
            Box::new(|f| {
                let p = f.account.positions[0];
                let sign = p.qty.signum();
                f.account.set_qty(p.instrument, p.qty + sign).unwrap();
                let held = f.liquidator.qty(p.instrument);
                f.liquidator.set_qty(p.instrument, held - sign).unwrap();
            }),
        ),
    ];
    for (name, tamper) in tampers {
        let mut outcome = honest.clone();
        tamper(&mut outcome);
        assert_ne!(outcome, honest, "{name} changes something");
        assert_unprovable(
            name,
            "the liquidation arithmetic",
            chunk_proves(&setup, &outcome),
        );
    }
}

#[test]
fn self_liquidation_cannot_be_proven() {
    let case = edge_cases()
        .unwrap()
        .into_iter()
        .find(|c| c.name == "liquidator-equal-to-account-is-rejected")
        .unwrap();
    let setup = setup(&case, 0).unwrap();
    let op = liquidation(&setup);
    assert_eq!(op.account, op.liquidator);
    let outcome = forced(&setup).expect("a representable witness");
    assert_unprovable(
        &case.name,
        "SelfLiquidation",
        chunk_proves(&setup, &outcome),
    );
}
