//! Deposits the custodians did not attest cannot be proven.
//!
//! For every edge case the ledger refuses for custody:
//! * a deposit report that is not a quorum of distinct custodians of the
//!   market signing it for this market (`BadSignature`, `NotAscending`,
//!   `UnknownCustodian`): the epoch's prelude, which verifies the report,
//!   does not prove; a report of another number of signatures than the
//!   quorum (`WrongQuorum`) does not fit the prelude's slots (a typed
//!   error);
//! * deposits other than the attested ones (`Mismatch`: another log;
//!   `UnattestedDeposit`: no report, or one of a smaller total): the prelude
//!   proves (the report is the custodians'), the chunks prove, and the epoch
//!   does not: the chain holds the epoch's credited deposit log and total to
//!   the report's, which the adversary harness's epoch check mirrors (the
//!   chain circuit's own refusal is `pipeline.rs`'s).

use zksettle_circuits::chunk::ChunkError;
use zksettle_circuits::prelude::PreludeWitness;
use zksettle_fixtures::edge::{edge_cases, Expected};

use super::common::{at_small_depth, circuit, custody_rejection};
use super::forced::assert_covered;
use crate::support::adversary::{items_of, Adversary};

#[test]
fn every_custody_rejection_cannot_be_proven() {
    let mut rules = Vec::new();
    for case in edge_cases().unwrap() {
        let Expected::Rejected { rule, .. } = &case.expected else {
            continue;
        };
        if !custody_rejection(&case) {
            continue;
        }
        let (ledger, epoch) = at_small_depth(&case.market, &case.state, &case.epoch);
        let market = ledger.market().clone();
        let prelude = PreludeWitness {
            reports: epoch.reports.clone(),
            epoch: epoch.epoch,
            timestamp: epoch.timestamp,
            root: ledger.root(),
            deposit_report: epoch.deposit_report.clone(),
        };
        let priced = super::report_tamper::prelude_check(&market, &prelude);
        match rule.as_str() {
            "BadSignature" | "NotAscending" | "UnknownCustodian" => assert!(
                matches!(priced, Err(ChunkError::Unprovable(_))),
                "{}: a report breaking {rule} proved or failed otherwise ({priced:?})",
                case.name
            ),
            "WrongQuorum" => assert!(
                matches!(priced, Err(ChunkError::Witness(_))),
                "{}: {priced:?}",
                case.name
            ),
            "Mismatch" | "UnattestedDeposit" => {
                let statement = priced.unwrap_or_else(|e| {
                    panic!(
                        "{}: the custodians' own report does not prove: {e}",
                        case.name
                    )
                });
                let adversary = Adversary::new(&ledger, &epoch);
                let items = items_of(&epoch.ops);
                let attempt = adversary.attempt(&circuit(&market), &items, &[]);
                assert!(
                    !adversary.assert_replay(&items, &attempt, &case.name),
                    "{}: unattested deposits proved as an epoch",
                    case.name
                );
                // The chunks themselves prove: it is the epoch that fails,
                // on the attested log and total the prelude states.
                let crate::support::adversary::Attempt::Chunks(chunks) = attempt else {
                    panic!("{}: the chunks do not prove ({attempt:?})", case.name)
                };
                let last = chunks.last().expect("a chunk");
                assert_eq!(chunks[0].deposit_report, statement.deposit_report);
                assert!(!statement.deposit_report.covers(&last.transfers_out));
            }
            other => panic!("{}: {other} is not a custody rule", case.name),
        }
        eprintln!("{}: {rule}: refused", case.name);
        rules.push(rule.clone());
    }
    assert_covered(
        "custody",
        &mut rules,
        &[
            "BadSignature",
            "NotAscending",
            "UnknownCustodian",
            "WrongQuorum",
            "Mismatch",
            "UnattestedDeposit",
        ],
    );
}
