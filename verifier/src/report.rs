//! Oracle attestations: the signed reports behind a proof's report hashes.
//!
//! The circuit hashes each report it prices the epoch with, and those hashes
//! are public inputs; the oracles sign the same hashes (ECgFp5 Schnorr over
//! the digest's four elements), and the prelude circuit verifies each
//! signature under the oracle's key in the market, so a proof carries
//! signed reports by itself. This module owns the report's field encoding,
//! so the circuits and the light client hash a report the same way, and it
//! needs no market: the encoding is already per instrument. An attestation
//! is what a client needs beyond the proof only to follow a chain from an
//! epoch it finalized (the records since it) or to read the prices.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use plonky2::field::types::Field;
use plonky2::hash::poseidon::PoseidonHash;
use plonky2::plonk::config::Hasher;
use serde::{Deserialize, Serialize};

use crate::canonical::check_u64;
use crate::config::F;
use crate::error::AttestationFault;
use crate::hex::{digest_hex, serde_digest};
use crate::history::EpochRecord;
use crate::market::OracleSet;
use crate::public_inputs::{Digest, PublicInputs};
use crate::transfers::Transfers;
use crate::VerifyError;

/// Domain tag of an oracle report (first element of its encoding).
pub const DOMAIN_REPORT: u64 = crate::domain::REPORT;

/// One oracle's report as the circuit hashed it (its signature was verified
/// in the proof).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttestedReport {
    /// Index of the oracle in the market's oracle set.
    pub oracle: u32,
    /// Observation time, unix seconds.
    pub timestamp: u64,
    /// Spot per underlying, micro-USD.
    pub spot: Vec<u64>,
    /// Mark price per instrument, micro-USD.
    pub mark: Vec<u64>,
    /// Time-value factor per instrument, bps of strike.
    pub kappa_bps: Vec<u64>,
    /// Settlement price per instrument, 0 where its expiry has none.
    pub settlement_by_instrument: Vec<u64>,
}

impl AttestedReport {
    /// Field encoding hashed into the report hash: domain tag, oracle,
    /// timestamp, spot per underlying, then per instrument mark, kappa and
    /// settlement price.
    pub fn to_fields(&self) -> Vec<F> {
        let unsigned = F::from_noncanonical_u64;
        let mut out = Vec::with_capacity(
            3 + self.spot.len()
                + self.mark.len()
                + self.kappa_bps.len()
                + self.settlement_by_instrument.len(),
        );
        out.extend([
            unsigned(DOMAIN_REPORT),
            unsigned(self.oracle.into()),
            unsigned(self.timestamp),
        ]);
        for column in [
            &self.spot,
            &self.mark,
            &self.kappa_bps,
            &self.settlement_by_instrument,
        ] {
            out.extend(column.iter().copied().map(unsigned));
        }
        out
    }

    /// Poseidon hash of [`Self::to_fields`]: the public input, and what the
    /// oracle signs (after its domain tag and the market hash).
    pub fn hash(&self) -> Digest {
        PoseidonHash::hash_no_pad(&self.to_fields())
    }
}

/// What the operator publishes for one epoch (`attest-NNNN.json`): the
/// epoch's record in the history (its roots, batch commitment, operation
/// count and the history before it) and the quorum's reports, in the
/// order of the epoch's report hashes. The proof verified the reports'
/// signatures; a client that follows the chain from an epoch it finalized
/// folds the records since into the history the proof carries
/// ([`crate::history`]), which shows the proof's history passes through
/// that epoch's root.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Attestation {
    /// Epoch number.
    pub epoch: u64,
    /// Epoch timestamp, unix seconds.
    pub timestamp: u64,
    /// Root the epoch started from.
    #[serde(with = "serde_digest")]
    pub prev_root: Digest,
    /// Root the epoch ended with.
    #[serde(with = "serde_digest")]
    pub new_root: Digest,
    /// Commitment to the epoch's operations.
    #[serde(with = "serde_digest")]
    pub batch_hash: Digest,
    /// The epoch's deposit and withdrawal logs and totals.
    pub transfers: Transfers,
    /// Operations in the epoch.
    pub op_count: u64,
    /// The history before this epoch.
    #[serde(with = "serde_digest")]
    pub history_before: Digest,
    /// The reports, one per report hash of the epoch.
    pub reports: Vec<AttestedReport>,
}

impl Attestation {
    /// Decodes an attestation from JSON; a number that is not below the
    /// field modulus (it would hash as its reduction) is malformed.
    pub fn from_json(bytes: &[u8]) -> Result<Self, VerifyError> {
        let attestation: Self = serde_json::from_slice(bytes)
            .map_err(|e| VerifyError::MalformedAttestation(format!("{e}")))?;
        attestation.check_canonical()?;
        Ok(attestation)
    }

    fn check_canonical(&self) -> Result<(), VerifyError> {
        let fail = |what: String, value: u64| {
            VerifyError::MalformedAttestation(format!(
                "{what} {value} is not below the field modulus"
            ))
        };
        for (what, value) in [
            ("epoch", self.epoch),
            ("timestamp", self.timestamp),
            ("op_count", self.op_count),
            ("deposited", self.transfers.deposited),
            ("withdrawn", self.transfers.withdrawn),
        ] {
            check_u64(value).map_err(|v| fail(what.into(), v))?;
        }
        for (index, report) in self.reports.iter().enumerate() {
            let values = [report.timestamp]
                .into_iter()
                .chain(report.spot.iter().copied())
                .chain(report.mark.iter().copied())
                .chain(report.kappa_bps.iter().copied())
                .chain(report.settlement_by_instrument.iter().copied());
            for value in values {
                check_u64(value).map_err(|v| fail(format!("report {index}: value"), v))?;
            }
        }
        Ok(())
    }

    /// Checks the reports on their own: exactly the trusted quorum, each
    /// from a distinct oracle of the trusted set (their signatures are
    /// checked by the proof, which states their hashes). Returns their
    /// hashes, in order.
    pub fn check_reports(&self, oracles: &OracleSet) -> Result<Vec<Digest>, AttestationFault> {
        let (reports, quorum) = (self.reports.len(), oracles.quorum as usize);
        if reports < quorum {
            return Err(AttestationFault::BelowQuorum { reports, quorum });
        }
        if reports > quorum {
            return Err(AttestationFault::ExtraReports { reports, quorum });
        }
        let mut seen: Vec<u32> = Vec::with_capacity(reports);
        let mut hashes = Vec::with_capacity(reports);
        for (index, report) in self.reports.iter().enumerate() {
            let oracle = report.oracle;
            if usize::try_from(oracle).map_or(true, |i| i >= oracles.keys.len()) {
                return Err(AttestationFault::UnknownOracle {
                    index,
                    oracle,
                    set: oracles.keys.len(),
                });
            }
            if seen.contains(&oracle) {
                return Err(AttestationFault::DuplicateOracle { index, oracle });
            }
            seen.push(oracle);
            let hash = report.hash();
            hashes.push(hash);
        }
        Ok(hashes)
    }

    /// The epoch's record, with the given report hashes.
    pub fn record(&self, report_hashes: Vec<Digest>) -> EpochRecord {
        EpochRecord {
            epoch: self.epoch,
            timestamp: self.timestamp,
            prev_root: self.prev_root,
            new_root: self.new_root,
            batch_hash: self.batch_hash,
            transfers: self.transfers,
            op_count: self.op_count,
            report_hashes,
        }
    }

    /// Checks that this is the attestation of the epoch a proof states:
    /// same record fields and report hashes, position by position.
    pub fn check_statement(
        &self,
        statement: &PublicInputs,
        report_hashes: &[Digest],
    ) -> Result<(), AttestationFault> {
        for (field, attested, proven) in [
            ("timestamp", self.timestamp, statement.timestamp),
            ("op_count", self.op_count, statement.op_count),
            (
                "deposited",
                self.transfers.deposited,
                statement.transfers.deposited,
            ),
            (
                "withdrawn",
                self.transfers.withdrawn,
                statement.transfers.withdrawn,
            ),
        ] {
            if attested != proven {
                return Err(AttestationFault::Mismatch {
                    field,
                    attested: format!("{attested}"),
                    proven: format!("{proven}"),
                });
            }
        }
        for (field, attested, proven) in [
            ("prev_root", &self.prev_root, &statement.prev_root),
            ("new_root", &self.new_root, &statement.new_root),
            ("batch_hash", &self.batch_hash, &statement.batch_hash),
            (
                "deposit_log",
                &self.transfers.deposit_log,
                &statement.transfers.deposit_log,
            ),
            (
                "withdrawal_log",
                &self.transfers.withdrawal_log,
                &statement.transfers.withdrawal_log,
            ),
        ] {
            if attested != proven {
                return Err(AttestationFault::Mismatch {
                    field,
                    attested: digest_hex(attested),
                    proven: digest_hex(proven),
                });
            }
        }
        for (index, ((actual, expected), report)) in report_hashes
            .iter()
            .zip(&statement.report_hashes)
            .zip(&self.reports)
            .enumerate()
        {
            if actual != expected {
                return Err(AttestationFault::ReportHashMismatch {
                    index,
                    oracle: report.oracle,
                    expected: digest_hex(expected),
                    actual: digest_hex(actual),
                });
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;
    use plonky2::hash::hash_types::HashOut;

    fn report(oracle: u32) -> AttestedReport {
        AttestedReport {
            oracle,
            timestamp: 1_000 + u64::from(oracle),
            spot: vec![3_000_000_000],
            mark: vec![100_000, 200_000],
            kappa_bps: vec![500, 600],
            settlement_by_instrument: vec![0, 0],
        }
    }

    fn oracles() -> OracleSet {
        OracleSet {
            keys: (0..4).map(|i| [4 + i, 0, 0, 0, 0]).collect(),
            quorum: 3,
        }
    }

    /// A quorum of 3 from a set of 4, and a statement carrying their hashes.
    fn setup() -> (Attestation, PublicInputs) {
        let reports = vec![report(0), report(2), report(3)];
        let digest = |k: u64| HashOut {
            elements: [F::from_canonical_u64(k); 4],
        };
        let statement = PublicInputs {
            market_hash: HashOut::ZERO,
            genesis_root: HashOut::ZERO,
            prev_root: digest(1),
            new_root: digest(2),
            epoch: 7,
            timestamp: 2_000,
            batch_hash: digest(3),
            transfers: Default::default(),
            report_hashes: reports.iter().map(AttestedReport::hash).collect(),
            op_count: 1,
            history: digest(4),
        };
        let attestation = Attestation {
            epoch: 7,
            timestamp: 2_000,
            prev_root: digest(1),
            new_root: digest(2),
            batch_hash: digest(3),
            transfers: Default::default(),
            op_count: 1,
            history_before: digest(5),
            reports,
        };
        (attestation, statement)
    }

    #[test]
    fn a_quorum_matching_the_proof_is_accepted() {
        let (attestation, statement) = setup();
        let hashes = attestation.check_reports(&oracles()).unwrap();
        assert_eq!(hashes, statement.report_hashes);
        assert_eq!(attestation.check_statement(&statement, &hashes), Ok(()));
        assert_eq!(attestation.record(hashes), statement.record());
        let json = serde_json::to_vec(&attestation).unwrap();
        assert_eq!(Attestation::from_json(&json), Ok(attestation));
    }

    #[test]
    fn each_attestation_fault_has_its_error() {
        let (good, statement) = setup();
        let check = |edit: &dyn Fn(&mut Attestation)| {
            let mut a = good.clone();
            edit(&mut a);
            a.check_reports(&oracles())
                .and_then(|hashes| a.check_statement(&statement, &hashes))
                .unwrap_err()
        };
        assert!(matches!(
            check(&|a| a.timestamp += 1),
            AttestationFault::Mismatch {
                field: "timestamp",
                ..
            }
        ));
        assert!(matches!(
            check(&|a| a.new_root = HashOut::ZERO),
            AttestationFault::Mismatch {
                field: "new_root",
                ..
            }
        ));
        assert!(matches!(
            check(&|a| a.op_count = 2),
            AttestationFault::Mismatch {
                field: "op_count",
                ..
            }
        ));
        assert!(matches!(
            check(&|a| {
                a.reports.pop();
            }),
            AttestationFault::BelowQuorum {
                reports: 2,
                quorum: 3
            }
        ));
        assert!(matches!(
            check(&|a| a.reports.push(report(1))),
            AttestationFault::ExtraReports { reports: 4, .. }
        ));
        assert!(matches!(
            check(&|a| a.reports[1] = report(0)),
            AttestationFault::DuplicateOracle {
                index: 1,
                oracle: 0
            }
        ));
        assert!(matches!(
            check(&|a| a.reports[2].oracle = 4),
            AttestationFault::UnknownOracle {
                index: 2,
                oracle: 4,
                set: 4
            }
        ));
        // A repriced report: not the proven report.
        assert!(matches!(
            check(&|a| a.reports[0].mark[1] += 100),
            AttestationFault::ReportHashMismatch { index: 0, .. }
        ));
        // Reports swapped: each hash is at the wrong position.
        assert!(matches!(
            check(&|a| a.reports.swap(0, 1)),
            AttestationFault::ReportHashMismatch {
                index: 0,
                oracle: 2,
                ..
            }
        ));
    }

    #[test]
    fn a_value_beyond_the_field_is_malformed_not_reduced() {
        let (mut a, _) = setup();
        a.reports[0].spot[0] = u64::MAX;
        let json = serde_json::to_vec(&a).unwrap();
        assert!(matches!(
            Attestation::from_json(&json),
            Err(VerifyError::MalformedAttestation(m)) if m.contains("field modulus")
        ));
    }

    #[test]
    fn the_encoding_is_fixed() {
        let r = report(2);
        let fields = r.to_fields();
        assert_eq!(fields.len(), 3 + 1 + 2 + 2 + 2);
        assert_eq!(fields[0], F::from_canonical_u64(DOMAIN_REPORT));
        assert_eq!(fields[1], F::from_canonical_u64(2));
        assert_eq!(fields[2], F::from_canonical_u64(1_002));
        assert_eq!(fields[3], F::from_canonical_u64(3_000_000_000));
    }

    #[test]
    fn malformed_json_is_an_error() {
        for bad in [
            &b"{}"[..],
            b"[",
            b"{\"epoch\":1,\"timestamp\":2,\"reports\":[]}",
            b"",
        ] {
            assert!(matches!(
                Attestation::from_json(bad),
                Err(VerifyError::MalformedAttestation(_))
            ));
        }
    }
}
