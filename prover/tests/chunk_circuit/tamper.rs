//! Liquidations the rule book rejects cannot be proven.
//!
//! `forced_liquidation` applies a liquidation's arithmetic (transfer at mark,
//! penalty or bankruptcy, flags) with none of its checks, bypassing the
//! native engine. On accepted cases it reproduces the ledger exactly (the
//! control); on every edge case the ledger rejects at a liquidation it builds
//! the witness that breaks only that rule, and the chunk must not prove.
//! Single-value tampers of an accepted liquidation cover the arithmetic.

use std::collections::BTreeMap;

use zksettle_circuits::chunk::{ChunkError, ChunkWitness, PortWitness, StepWitness};
use zksettle_circuits::rules::account::global_leaf_hash;
use zksettle_circuits::rules::encoding::ZERO_DIGEST;
use zksettle_circuits::rules::fixed::{mul_bps_ceil, mul_bps_floor, mul_bps_trunc};
use zksettle_circuits::rules::ops::{absorb_deficit, Liquidate};
use zksettle_circuits::rules::units::{GLOBAL_LEAF, INSURANCE_FUND};
use zksettle_circuits::rules::{Account, Context, Epoch, Operation, RiskArrays};
use zksettle_fixtures::edge::{edge_cases, EdgeCase, Expected};
use zksettle_prover::ledger::{Ledger, SparseTree};

use super::common::{at_small_depth, circuit, DEPTH};

/// Accounts after a liquidation's arithmetic, unchecked.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Forced {
    account: Account,
    liquidator: Account,
    insurance: Account,
    bad_debt: u64,
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

/// A case at the test depth: the ledger just before its liquidation, the
/// epoch, and the liquidation.
struct Setup {
    ledger: Ledger,
    epoch: Epoch,
    op: Liquidate,
}

fn setup(case: &EdgeCase, at: usize) -> Option<Setup> {
    let Operation::Liquidate(op) = case.epoch.ops.get(at)? else {
        return None;
    };
    let (ledger, epoch) = at_small_depth(&case.market, &case.state, &case.epoch);
    let prices = ledger.epoch_prices(&epoch).ok()?;
    let risk = RiskArrays::compute(ledger.market(), &prices);
    let mut ledger = ledger;
    ledger.begin_epoch(epoch.epoch, epoch.timestamp);
    let market = ledger.market().clone();
    let ctx = Context {
        market: &market,
        prices: &prices,
        risk: &risk,
        timestamp: epoch.timestamp,
    };
    for earlier in &epoch.ops[..at] {
        ledger.try_apply_op(&ctx, earlier).ok()?;
    }
    Some(Setup {
        ledger,
        epoch,
        op: op.clone(),
    })
}

fn forced(setup: &Setup) -> Option<Forced> {
    let prices = setup.ledger.epoch_prices(&setup.epoch).ok()?;
    let risk = RiskArrays::compute(setup.ledger.market(), &prices);
    let ctx = Context {
        market: setup.ledger.market(),
        prices: &prices,
        risk: &risk,
        timestamp: setup.epoch.timestamp,
    };
    forced_liquidation(&ctx, &setup.op, &setup.ledger)
}

/// The one-step chunk writing `outcome`, with paths from the ledger's tree.
fn chunk(setup: &Setup, outcome: &Forced) -> ChunkWitness {
    let ledger = &setup.ledger;
    let mut tree = SparseTree::new(DEPTH);
    for (index, account) in ledger.accounts() {
        tree.set(index.into(), account.leaf_hash());
    }
    tree.set(GLOBAL_LEAF.into(), global_leaf_hash(ledger.bad_debt()));
    assert_eq!(tree.root(), ledger.root());
    let root_in = tree.root();
    let mut current: BTreeMap<u32, Account> = BTreeMap::new();
    let mut write = |index: u32, after: &Account| {
        let before = current
            .get(&index)
            .cloned()
            .unwrap_or_else(|| ledger.account(index));
        let siblings = tree.path(index.into());
        tree.set(index.into(), after.leaf_hash());
        current.insert(index, after.clone());
        PortWitness {
            index: index.into(),
            before,
            after: after.clone(),
            siblings,
        }
    };
    let mut step = StepWitness::padding();
    step.item = Operation::Liquidate(setup.op.clone()).batch_items()[0];
    step.a = Some(write(setup.op.account, &outcome.account));
    step.b = Some(write(setup.op.liquidator, &outcome.liquidator));
    step.s = Some(write(INSURANCE_FUND, &outcome.insurance));
    step.g = Some(PortWitness {
        index: GLOBAL_LEAF.into(),
        before: ledger.bad_debt(),
        after: outcome.bad_debt,
        siblings: tree.path(GLOBAL_LEAF.into()),
    });
    ChunkWitness {
        reports: setup.epoch.reports.clone(),
        epoch: setup.epoch.epoch,
        timestamp: setup.epoch.timestamp,
        root_in,
        batch_in: ZERO_DIGEST,
        carry_in: Default::default(),
        steps: vec![step],
    }
}

fn proves(setup: &Setup, outcome: &Forced) -> Result<(), ChunkError> {
    let market = setup.ledger.market();
    circuit(market)
        .prove(market, &chunk(setup, outcome))
        .map(|_| ())
}

fn liquidation_cases(accepted: bool) -> Vec<(EdgeCase, usize)> {
    edge_cases()
        .unwrap()
        .into_iter()
        .filter_map(|case| {
            let at = match &case.expected {
                Expected::Accepted { .. } if accepted && case.epoch.ops.len() == 1 => 0,
                Expected::Rejected { op: Some(at), .. } if !accepted => *at,
                _ => return None,
            };
            matches!(case.epoch.ops.get(at), Some(Operation::Liquidate(_))).then_some((case, at))
        })
        .collect()
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
        let outcome = forced(&setup).unwrap();
        let (genesis, epoch) = at_small_depth(&case.market, &case.state, &case.epoch);
        let (after, _) = genesis.apply_epoch(&epoch).unwrap();
        assert_eq!(
            outcome.account,
            after.account(setup.op.account),
            "{}",
            case.name
        );
        assert_eq!(outcome.liquidator, after.account(setup.op.liquidator));
        assert_eq!(outcome.insurance, after.account(INSURANCE_FUND));
        assert_eq!(outcome.bad_debt, after.bad_debt());
        proves(&setup, &outcome).unwrap_or_else(|e| panic!("{}: {e}", case.name));
    }
}

#[test]
fn every_rejected_liquidation_cannot_be_proven() {
    let mut rules = Vec::new();
    for (case, at) in liquidation_cases(false) {
        let Expected::Rejected { rule, .. } = &case.expected else {
            unreachable!()
        };
        let setup = setup(&case, at).expect("the case sets up");
        let Some(outcome) = forced(&setup) else {
            // No leaf can hold the result (negative cash, too many positions):
            // the leaf gadget's well-formedness tests cover these.
            eprintln!("{}: {rule} has no representable witness", case.name);
            continue;
        };
        let result = proves(&setup, &outcome);
        assert!(
            matches!(result, Err(ChunkError::Unprovable(_))),
            "{}: a liquidation breaking {rule} proved ({result:?})",
            case.name
        );
        rules.push(rule.clone());
    }
    rules.sort();
    rules.dedup();
    eprintln!("rejected liquidation rules that fail to prove: {rules:?}");
    for rule in [
        "NotLiquidatable",
        "FractionAboveStep",
        "InsolventNeedsFullTransfer",
        "NothingToTransfer",
        "LiquidationDoesNotImprove",
        "LiquidatorBelowInitialMargin",
        "FractionOutOfRange",
        "InsolventNeedsFullTransfer",
        "SelfLiquidation",
    ] {
        assert!(rules.iter().any(|r| r == rule), "{rule} is not covered");
    }
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
        assert!(
            matches!(proves(&setup, &outcome), Err(ChunkError::Unprovable(_))),
            "{name} proved"
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
    assert_eq!(setup.op.account, setup.op.liquidator);
    let outcome = forced(&setup).expect("a representable witness");
    assert!(matches!(
        proves(&setup, &outcome),
        Err(ChunkError::Unprovable(_))
    ));
}
