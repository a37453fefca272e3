//! The hand-written edge cases of `fixtures/edge` (written by
//! `prover/examples/write_edge_fixtures.rs`): every case ends as its
//! `expected.json` says (accepted at its golden root, or rejected by the named
//! rule at the named operation, with the ledger untouched), and the facts the
//! boundary cases stand on hold on the stored fixtures.

use zksettle_circuits::rules::error::{EpochError, ReportViolation, Violation};
use zksettle_circuits::rules::margin::{margin, portfolio_risk, Margin};
use zksettle_circuits::rules::oracle::median_prices;
use zksettle_circuits::rules::risk::RiskArrays;
use zksettle_circuits::rules::units::INSURANCE_FUND;
use zksettle_circuits::rules::Account;
use zksettle_fixtures::builder::{market, reports, reports_of, Quote, NOW, USD};
use zksettle_fixtures::edge::{
    edge_cases, load_cases, rule_name, EdgeCase, EdgeError, Expected, EPOCH_FILE, MARKET_FILE,
    STATE_FILE,
};
use zksettle_prover::ledger::Ledger;

/// The cases the rule book's boundaries require; deleting one fails the test.
const REQUIRED_CASES: &[&str] = &[
    "deposit-creates-an-empty-account",
    "long-only-account-is-never-liquidatable",
    "equity-at-maintenance-is-not-liquidatable",
    "equity-one-below-maintenance-is-liquidatable",
    "withdraw-to-exactly-initial-margin",
    "withdraw-one-below-initial-margin",
    "withdraw-all-cash-leaves-zero",
    "worst-scenario-in-the-extended-grid",
    "expiry-at-the-strike-pays-nothing",
    "one-lot-one-tick-fees-round-up",
    "q-max-position-is-accepted",
    "q-max-plus-one-trade-is-rejected",
    "p-max-price-is-accepted",
    "p-max-plus-one-tick-is-rejected",
    "deposit-reaching-cash-max-is-accepted",
    "deposit-beyond-cash-max-is-rejected",
    "self-trade-is-rejected",
    "ninth-instrument-is-rejected",
    "reduce-only-trade-by-underwater-account",
    "underwater-account-cannot-increase-its-position",
    "liquidating-a-healthy-account-is-rejected",
    "liquidator-equal-to-account-is-rejected",
    "liquidator-ending-below-initial-margin-is-rejected",
    "fraction-above-the-step-is-rejected",
    "bankruptcy-exhausting-the-insurance-fund-sets-bad-debt",
    "bad-debt-blocks-withdrawals",
    "stale-report-is-rejected",
    "lying-oracle-does-not-move-the-median",
    "unknown-account-is-rejected",
    "unknown-instrument-is-rejected",
    "wrong-prev-root-is-rejected",
    "wrong-epoch-number-is-rejected",
    "duplicated-oracle-is-rejected",
    "forged-report-is-rejected",
    "withdraw-under-liquidation-is-rejected",
];

fn all_cases() -> Vec<EdgeCase> {
    edge_cases().unwrap_or_else(|e| panic!("{e}"))
}

/// The stored case of this name.
fn stored_case(name: &str) -> EdgeCase {
    all_cases()
        .into_iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("no edge case {name}"))
}

/// The ledger of a case's state, and the ledger after its epoch (or the error).
fn apply(case: &EdgeCase) -> (Ledger, Result<Ledger, EpochError>) {
    let ledger = Ledger::from_state(case.market.clone(), &case.state)
        .unwrap_or_else(|e| panic!("{}: {e}", case.name));
    let result = ledger.apply_epoch(&case.epoch).map(|(after, _)| after);
    (ledger, result)
}

/// The epoch's risk arrays.
fn risk(case: &EdgeCase, ledger: &Ledger) -> RiskArrays {
    RiskArrays::compute(&case.market, &ledger.epoch_prices(&case.epoch).unwrap())
}

/// Margin of account `index` of `holder` at the prices of the case's epoch
/// (which `before`, the case's starting ledger, checks).
fn margin_at_epoch(case: &EdgeCase, before: &Ledger, holder: &Ledger, index: u32) -> Margin {
    margin(
        &holder.account(index),
        &risk(case, before),
        &case.market.params,
    )
}

/// The rule an operation of a rejected case broke.
fn violation(case: &EdgeCase) -> Violation {
    match apply(case).1 {
        Err(EpochError::Operation { violation, .. }) => violation,
        other => panic!("{}: {other:?}", case.name),
    }
}

#[test]
fn every_edge_case_ends_as_expected() {
    for case in all_cases() {
        let ledger = Ledger::from_state(case.market.clone(), &case.state)
            .unwrap_or_else(|e| panic!("{}: {e}", case.name));
        let root_before = ledger.root();
        let result = ledger.apply_epoch(&case.epoch);
        let root = result.as_ref().map(|(after, _)| after.root());
        let observed = Expected::observed(root.as_ref().map_err(|e| *e));
        assert_eq!(
            observed,
            case.expected,
            "{} ({}): {:?}",
            case.name,
            case.description,
            result.err()
        );
        match result {
            Ok((after, witness)) => {
                assert_eq!(witness.prev_root, root_before, "{}", case.name);
                assert_eq!(witness.new_root, after.root(), "{}", case.name);
            }
            Err(_) => {
                assert_eq!(ledger.root(), root_before, "{}: ledger touched", case.name);
                assert_eq!(
                    ledger.to_state(),
                    case.state,
                    "{}: ledger touched",
                    case.name
                );
            }
        }
    }
}

#[test]
fn every_required_case_is_present() {
    let names: Vec<String> = all_cases().into_iter().map(|c| c.name).collect();
    for required in REQUIRED_CASES {
        assert!(names.iter().any(|n| n == required), "missing {required}");
    }
}

#[test]
fn loading_an_empty_directory_fails() {
    let dir = tempfile::tempdir().unwrap();
    assert!(matches!(load_cases(dir.path()), Err(EdgeError::NoCases(_))));
}

#[test]
fn loading_a_case_without_its_expected_outcome_fails() {
    let source = stored_case("self-trade-is-rejected");
    let dir = tempfile::tempdir().unwrap();
    let case_dir = dir.path().join("self-trade-is-rejected");
    std::fs::create_dir(&case_dir).unwrap();
    let write = |path: std::path::PathBuf, json: String| std::fs::write(path, json).unwrap();
    write(
        dir.path().join(MARKET_FILE),
        serde_json::to_string(&source.market).unwrap(),
    );
    write(
        case_dir.join(STATE_FILE),
        serde_json::to_string(&source.state).unwrap(),
    );
    write(
        case_dir.join(EPOCH_FILE),
        serde_json::to_string(&source.epoch).unwrap(),
    );
    assert!(matches!(load_cases(dir.path()), Err(EdgeError::Read(..))));
}

#[test]
fn rule_names_are_the_innermost_variant_names() {
    let op = EpochError::Operation {
        index: 4,
        violation: Violation::SelfTrade { account: 3 },
    };
    assert_eq!(rule_name(&op), (Some(4), "SelfTrade".to_owned()));
    let report = EpochError::Report {
        index: 1,
        oracle: 1,
        violation: ReportViolation::SettlementSetsDiffer,
    };
    assert_eq!(
        rule_name(&report),
        (None, "SettlementSetsDiffer".to_owned())
    );
    let quorum = EpochError::WrongQuorum {
        reports: 2,
        quorum: 3,
    };
    assert_eq!(rule_name(&quorum), (None, "WrongQuorum".to_owned()));
}

#[test]
fn empty_account_has_no_margin_and_no_equity() {
    let market = market();
    let prices =
        median_prices(&market, &reports(&market, NOW - 10, &Quote::default()), NOW).unwrap();
    let m = margin(
        &Account::default(),
        &RiskArrays::compute(&market, &prices),
        &market.params,
    );
    assert_eq!(m, Margin::default());
    assert!(!m.liquidatable() && m.meets_initial());
}

#[test]
fn maintenance_boundary_sits_on_equity_equal_to_maintenance() {
    for (name, offset) in [
        ("equity-at-maintenance-is-not-liquidatable", 0),
        ("equity-one-below-maintenance-is-liquidatable", -1),
    ] {
        let case = stored_case(name);
        let (ledger, _) = apply(&case);
        let m = margin_at_epoch(&case, &ledger, &ledger, 3);
        assert_eq!(m.equity, m.maintenance + offset, "{name}");
    }
}

#[test]
fn withdrawal_boundary_sits_on_equity_equal_to_initial_margin() {
    let exact = stored_case("withdraw-to-exactly-initial-margin");
    let (ledger, after) = apply(&exact);
    let m = margin_at_epoch(&exact, &ledger, &after.unwrap(), 3);
    assert_eq!(m.equity, m.initial);
    match violation(&stored_case("withdraw-one-below-initial-margin")) {
        Violation::BelowInitialMargin {
            equity,
            initial_margin,
            ..
        } => assert_eq!(equity, initial_margin - 1),
        other => panic!("{other:?}"),
    }
}

#[test]
fn short_deep_out_of_the_money_put_is_margined_by_the_extended_grid() {
    let case = stored_case("worst-scenario-in-the-extended-grid");
    let (ledger, after) = apply(&case);
    let losses = portfolio_risk(&after.unwrap().account(3), &risk(&case, &ledger)).losses[0];
    let scenarios = &case.market.scenarios;
    let worst = (0..scenarios.len()).max_by_key(|&j| losses[j]).unwrap();
    assert_eq!(scenarios[worst].move_bps, 3_400);
}

#[test]
fn bankruptcy_leaves_bad_debt_and_an_empty_insurance_fund() {
    let case = stored_case("bankruptcy-exhausting-the-insurance-fund-sets-bad-debt");
    let after = apply(&case).1.unwrap();
    assert_eq!(after.bad_debt(), 300 * USD);
    assert_eq!(after.account(INSURANCE_FUND).cash, 0);
    assert!(after.account(3).positions.is_empty());
    // The next case starts from exactly this state.
    assert_eq!(
        stored_case("bad-debt-blocks-withdrawals").state,
        after.to_state()
    );
}

#[test]
fn lying_oracle_leaves_the_median_at_the_honest_prices() {
    let case = stored_case("lying-oracle-does-not-move-the-median");
    let (ledger, after) = apply(&case);
    let prices = ledger.epoch_prices(&case.epoch).unwrap();
    assert_eq!(prices.spot, Quote::default().spot);
    assert_eq!(prices.mark, Quote::default().mark);
    let mut honest = case.epoch.clone();
    honest.reports = reports_of(&case.market, &[0, 1, 3], NOW - 10, &Quote::default());
    let (honest_after, _) = ledger.apply_epoch(&honest).unwrap();
    assert_eq!(after.unwrap().root(), honest_after.root());
}

/// `Ledger::try_apply_run` (the simulator's way of building epochs: no copy
/// of the ledger, a rejected run undone from its journal) agrees with
/// `apply_epoch` on every case whose prices load: a run the epoch accepts
/// ends at its root and state; a rejected run names the operation the epoch
/// names (unless the epoch stopped earlier on a custody rule, which is not
/// an operation's) and leaves the ledger exactly as it was.
#[test]
fn a_run_of_every_case_is_applied_all_or_nothing_without_a_copy() {
    use zksettle_circuits::rules::ops::Context;
    use zksettle_circuits::rules::sheet::PriceSheet;

    let mut rejected = 0;
    for case in all_cases() {
        let (before, result) = apply(&case);
        let Ok(sheet) =
            PriceSheet::from_reports(&case.market, &case.epoch.reports, case.epoch.timestamp)
        else {
            continue;
        };
        let ctx = Context {
            market: &case.market,
            prices: &sheet.prices,
            risk: &sheet.risk,
            timestamp: case.epoch.timestamp,
        };
        let mut ledger = before.clone();
        let mut run = case.epoch.ops.clone();
        match (ledger.try_apply_run(&ctx, &mut run, |_, _| {}), &result) {
            (Ok(()), Ok(after)) => {
                assert_eq!(ledger.root(), after.root(), "{}", case.name);
                assert_eq!(
                    ledger.to_state().accounts,
                    after.to_state().accounts,
                    "{}",
                    case.name
                );
            }
            (Err((position, violation)), epoch) => {
                rejected += 1;
                assert_eq!(ledger.root(), before.root(), "{}", case.name);
                assert_eq!(ledger.to_state(), before.to_state(), "{}", case.name);
                if let Err(EpochError::Operation {
                    index,
                    violation: v,
                }) = epoch
                {
                    if *index == position {
                        assert_eq!(v, &violation, "{}", case.name);
                    } else {
                        assert!(*index < position, "{}", case.name);
                    }
                } else {
                    panic!("{}: the run is rejected, the epoch is {epoch:?}", case.name);
                }
            }
            // Accepted as a run, rejected as an epoch: only by a rule of the
            // epoch (the deposit report), never by an operation's.
            (Ok(()), Err(error)) => assert!(
                !matches!(error, EpochError::Operation { violation, .. }
                    if !matches!(violation, Violation::UnattestedDeposit { .. }
                        | Violation::DepositOutOfOrder { .. }
                        | Violation::TransferTotalOutOfRange)),
                "{}: {error:?}",
                case.name
            ),
        }
    }
    assert!(rejected > 20, "only {rejected} rejected runs");
}
