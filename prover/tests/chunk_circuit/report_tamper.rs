//! Oracle reports the rule book rejects cannot be proven.
//!
//! Reports are the prelude's (one per epoch; chunks take its price sheet
//! and the fold holds them to it, see `pipeline.rs`). For every edge case
//! rejected at epoch level by a report rule, the prelude of the case's
//! epoch carries its reports: it checks each report's bounds and age
//! against the epoch time and the rules across reports (oracles strictly
//! ascending, every report settling the same instruments), so it must not
//! prove, or be refused with a typed error when the circuit cannot hold the
//! reports at all (a number other than the quorum, a price list of the
//! wrong length).
//!
//! Signatures (`BadSignature`) are the circuit's: the prelude verifies each
//! report's ECgFp5 Schnorr signature over its hash under its oracle's key
//! in the market, so a forged report, or one signed by another key, does
//! not prove.
//!
//! One rule is not the circuit's (see `gadgets/oracle.rs`):
//! - the JSON form of the settlement list (`SettlementNotAscending` here: an
//!   expiry listed twice with the same price): the circuit hashes the
//!   canonical per-instrument encoding, in which a repeated entry leaves no
//!   trace. The prelude proves; its public hash is that of the canonical
//!   report (the entry listed once), which the oracle did sign and the
//!   ledger accepts. The proof is about that valid report.
//!
//! Membership in the oracle set is the circuit's as well as the verifier's:
//! an oracle index beyond the set does not prove.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use zksettle_circuits::chunk::{ChunkError, ChunkPublicInputs};
use zksettle_circuits::gadgets::market::MarketShape;
use zksettle_circuits::prelude::{PreludeCircuit, PreludeWitness};
use zksettle_circuits::rules::{Digest, Market, Report};
use zksettle_fixtures::edge::{edge_cases, EdgeCase, Expected};

use super::common::{at_small_depth, custody_rejection};
use super::forced::assert_covered;

/// The prelude circuit of a market shape, built once per process.
fn prelude_circuit(market: &Market) -> Arc<PreludeCircuit> {
    static CIRCUITS: OnceLock<Mutex<HashMap<MarketShape, Arc<PreludeCircuit>>>> = OnceLock::new();
    let shape = MarketShape::of(market);
    let mut built = CIRCUITS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    built
        .entry(shape)
        .or_insert_with(|| Arc::new(PreludeCircuit::build(shape, None)))
        .clone()
}

/// Whether the prelude of `witness` is satisfiable (the constraint check
/// that agrees with the prover), and its statement.
pub fn prelude_check(
    market: &Market,
    witness: &PreludeWitness,
) -> Result<ChunkPublicInputs, ChunkError> {
    prelude_circuit(market).check(market, witness)
}

fn prove(market: &Market, witness: &PreludeWitness) -> Result<ChunkPublicInputs, ChunkError> {
    prelude_check(market, witness)
}

/// Rules of the epoch header, not of the reports: the verifier checks the
/// public epoch number and root against the chain of statements, and the
/// timestamp against the previous epoch's.
const HEADER_RULES: [&str; 3] = ["EpochNumber", "TimestampDecreased", "PrevRootMismatch"];

/// The prelude of a case's epoch, with its market at the test depth.
fn prelude_of(case: &EdgeCase) -> (Market, PreludeWitness) {
    let (ledger, epoch) = at_small_depth(&case.market, &case.state, &case.epoch);
    let prelude = PreludeWitness {
        reports: epoch.reports.clone(),
        epoch: epoch.epoch,
        timestamp: epoch.timestamp,
        root: ledger.root(),
        deposit_report: epoch.deposit_report.clone(),
    };
    (ledger.market().clone(), prelude)
}

fn hashes(market: &Market, reports: &[Report]) -> Vec<Digest> {
    reports.iter().map(|r| r.hash(market)).collect()
}

#[test]
fn accepted_reports_prove_in_the_prelude_with_their_hashes() {
    let case = edge_cases()
        .unwrap()
        .into_iter()
        .find(|c| c.name == "report-at-the-maximum-age-is-accepted")
        .unwrap();
    let (market, chunk) = prelude_of(&case);
    let statement = prove(&market, &chunk).expect("the control proves");
    assert_eq!(statement.report_hashes, hashes(&market, &chunk.reports));
    assert_eq!(statement.root_out, statement.root_in);
    assert_eq!(statement.op_count, 0);
    assert_eq!(statement.priced, 1);
    assert_eq!(
        Some(statement.clone()),
        chunk.expected_statement(&market),
        "the native statement"
    );
}

#[test]
fn every_rejected_report_cannot_be_proven() {
    let mut rules = Vec::new();
    for case in edge_cases().unwrap() {
        let Expected::Rejected { op: None, rule } = &case.expected else {
            continue;
        };
        // Header rules are the verifier's; custody rules are `custody.rs`'s.
        if HEADER_RULES.contains(&rule.as_str()) || custody_rejection(&case) {
            continue;
        }
        let (market, chunk) = prelude_of(&case);
        let result = prove(&market, &chunk);
        let now = chunk.timestamp;
        match rule.as_str() {
            // The circuit has exactly `quorum` report slots.
            "WrongQuorum" => assert!(
                matches!(result, Err(ChunkError::ReportCount { .. })),
                "{}: {result:?}",
                case.name
            ),
            // A report slot has one price per underlying or instrument.
            "WrongLength" => assert!(
                matches!(result, Err(ChunkError::Witness(_))),
                "{}: {result:?}",
                case.name
            ),
            "SettlementNotAscending" => {
                let statement = result
                    .as_ref()
                    .unwrap_or_else(|e| panic!("{}: {e}", case.name));
                let canonical: Vec<Report> = chunk
                    .reports
                    .iter()
                    .map(|r| {
                        let mut r = r.clone();
                        r.settlement.dedup();
                        r
                    })
                    .collect();
                assert_ne!(canonical, chunk.reports, "{}: an entry repeats", case.name);
                for report in &canonical {
                    assert_eq!(report.check(&market, now), Ok(()), "{}", case.name);
                }
                assert_eq!(
                    statement.report_hashes,
                    hashes(&market, &canonical),
                    "{}: the public hashes are the canonical, signed reports'",
                    case.name
                );
            }
            _ => assert!(
                matches!(result, Err(ChunkError::Unprovable(_))),
                "{}: reports breaking {rule} proved or failed otherwise ({result:?})",
                case.name
            ),
        }
        eprintln!("{}: {rule}: {}", case.name, outcome(&result));
        rules.push(rule.clone());
    }
    assert_covered(
        "report",
        &mut rules,
        &[
            "Stale",
            "FromTheFuture",
            "OraclesNotDistinctAscending",
            "UnknownOracle",
            "WrongQuorum",
            "SpotOutOfRange",
            "MarkOutOfRange",
            "KappaOutOfRange",
            "WrongLength",
            "SettlementBeforeExpiry",
            "UnknownExpiry",
            "SettlementNotAscending",
            "SettlementOutOfRange",
            "SettlementSetsDiffer",
            "BadSignature",
        ],
    );
}

fn outcome<T>(result: &Result<T, ChunkError>) -> &'static str {
    match result {
        Ok(_) => "proves (rejected outside the chunk circuit)",
        Err(ChunkError::Unprovable(_)) => "fails to prove",
        Err(_) => "typed error",
    }
}
