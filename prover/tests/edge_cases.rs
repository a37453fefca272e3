//! Every hand-written edge case in `fixtures/edge` ends as its
//! `expected.json` says: accepted at its golden root, or rejected by the
//! named rule at the named operation, with the ledger left untouched.

use zksettle_circuits::rules::encoding::digest_hex;
use zksettle_circuits::rules::margin::margin;
use zksettle_circuits::rules::oracle::median_prices;
use zksettle_circuits::rules::risk::RiskArrays;
use zksettle_circuits::rules::Account;
use zksettle_fixtures::builder::{market, reports, Quote, NOW};
use zksettle_fixtures::edge::{edge_cases, rule_name, Expected};
use zksettle_prover::ledger::Ledger;

#[test]
fn every_edge_case_ends_as_expected() {
    let cases = edge_cases();
    assert!(
        cases.len() >= 40,
        "fixtures/edge holds {} cases",
        cases.len()
    );
    for case in cases {
        let ledger = Ledger::from_state(case.market.clone(), &case.state)
            .unwrap_or_else(|e| panic!("{}: {e}", case.name));
        let root_before = ledger.root();
        match (&case.expected, ledger.apply_epoch(&case.epoch)) {
            (Expected::Accepted { new_root, .. }, Ok((after, witness))) => {
                assert_eq!(&digest_hex(&after.root()), new_root, "{}", case.name);
                assert_eq!(witness.new_root, after.root(), "{}", case.name);
            }
            (Expected::Rejected { op, rule, .. }, Err(error)) => {
                assert_eq!(
                    rule_name(&error),
                    (*op, rule.clone()),
                    "{}: {error}",
                    case.name
                );
                assert_eq!(
                    ledger.root(),
                    root_before,
                    "{}: a rejected epoch leaves the ledger untouched",
                    case.name
                );
            }
            (expected, Ok(_)) => panic!(
                "{}: expected {expected:?}, but the epoch applies",
                case.name
            ),
            (expected, Err(error)) => panic!("{}: expected {expected:?}, got {error}", case.name),
        }
    }
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
    assert_eq!((m.equity, m.maintenance, m.initial), (0, 0, 0));
    assert!(!m.liquidatable() && m.meets_initial());
}
