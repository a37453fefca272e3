//! Liquidations the rule book rejects cannot be proven.
//!
//! `forced_liquidation` applies a liquidation's arithmetic (transfer at mark,
//! penalty or bankruptcy, flags) with none of its checks, bypassing the
//! native engine. On accepted cases it reproduces the ledger exactly (the
//! control); on every edge case the ledger rejects at a liquidation it builds
//! the witness that breaks only that rule, and the chunk must not prove.
//! Single-value tampers of an accepted liquidation cover the arithmetic (the
//! fund and the bad debt, chunk registers, cannot be claimed at all).

use zksettle_circuits::chunk::ChunkError;
use zksettle_circuits::rules::ops::Liquidate;
use zksettle_circuits::rules::units::INSURANCE_FUND;
use zksettle_circuits::rules::{Account, Operation};
use zksettle_fixtures::edge::{edge_cases, EdgeCase};

use super::common::at_small_depth;
use super::forced::{
    assert_covered, assert_unprovable, chunk, op_cases, prove, proves, rejected_rules, setup,
    unchecked_steps, Setup, Write,
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

/// The liquidation's arithmetic without its rules (`support::unchecked`):
/// every slot moves `trunc(q * fraction / 10^4)` at mark; a solvent account
/// pays the penalty (the fund's share repaying bad debt first), an insolvent
/// one's deficit goes to the fund, then to bad debt; flags as the rule sets
/// them. `None` when the result has no leaf (negative cash, a position
/// beyond the leaf's limits).
fn forced_liquidation(setup: &Setup) -> Option<Forced> {
    let writes = unchecked_steps(setup)?.pop()?;
    let account = |w: &Write| match w {
        Write::Account(_, a) => a.clone(),
        Write::Global(_) => unreachable!(),
    };
    let Write::Global(bad_debt) = writes[3] else {
        unreachable!("a liquidation writes the global leaf last")
    };
    Some(Forced {
        account: account(&writes[0]),
        liquidator: account(&writes[1]),
        insurance: account(&writes[2]),
        bad_debt,
    })
}

fn liquidation(setup: &Setup) -> &Liquidate {
    match setup.op() {
        Operation::Liquidate(op) => op,
        other => panic!("not a liquidation: {other:?}"),
    }
}

fn forced(setup: &Setup) -> Option<Forced> {
    forced_liquidation(setup)
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

/// The light layout has no liquidation gadget: the honest witness of an
/// accepted liquidation, which the heavy layout proves, does not satisfy a
/// light chunk (its tag is not one the step's one-hot admits).
#[test]
fn a_light_chunk_cannot_hold_a_liquidation() {
    use zksettle_circuits::chunk::OpKinds;
    let (case, at) = liquidation_cases(true).into_iter().next().unwrap();
    let setup = setup(&case, at).unwrap();
    let outcome = forced(&setup).unwrap();
    let witness = super::forced::chunk(&setup, &outcome.writes(liquidation(&setup)));
    let market = setup.market();
    let light = crate::support::scenario::chunk_circuit_of(
        market,
        crate::support::scenario::CAPACITY,
        OpKinds::LIGHT,
    );
    assert!(!light.params.fits(&witness), "the cutter never picks it");
    assert!(
        matches!(
            light.check(market, &witness),
            Err(ChunkError::Unprovable(_))
        ),
        "a light chunk holds a liquidation"
    );
    super::forced::prove(market, &witness).expect("the heavy layout holds it");
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
            "LiquidatorWithoutMandate",
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
        (
            "liquidator still flagged",
            Box::new(|f| f.liquidator.flags = 1),
        ),
        ("account flag flipped", Box::new(|f| f.account.flags ^= 1)),
        ("account nonce counted", Box::new(|f| f.account.nonce += 1)),
        (
            "liquidator nonce counted",
            Box::new(|f| f.liquidator.nonce += 1),
        ),
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
    // The fund and the bad debt are the chunk's registers: the circuit
    // computes them, so a witness claiming other values proves only the
    // honest statement, never the claimed one.
    let op = liquidation(&setup);
    let market = setup.market();
    let honest_chunk = chunk(&setup, &honest.writes(op));
    let statement = prove(market, &honest_chunk).expect("the honest liquidation proves");
    let system_tampers: Vec<(&str, Tamper)> = vec![
        ("insurance one more", Box::new(|f| f.insurance.cash += 1)),
        ("bad debt appears", Box::new(|f| f.bad_debt += 1)),
    ];
    for (name, tamper) in system_tampers {
        let mut outcome = honest.clone();
        tamper(&mut outcome);
        let claimed = chunk(&setup, &outcome.writes(op));
        assert_ne!(claimed.system.out, honest_chunk.system.out, "{name}");
        assert_eq!(prove(market, &claimed).expect(name), statement, "{name}");
        assert_ne!(
            claimed.expected_statement(market),
            Some(statement.clone()),
            "{name}"
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
