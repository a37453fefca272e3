//! Oracle attestations: the signed reports behind a proof's report hashes.
//!
//! The circuit hashes each report it prices the epoch with, and those hashes
//! are public inputs; the oracles sign the same hashes (ed25519 over the 32
//! big-endian bytes of the digest). This module owns the report's field
//! encoding, so the circuits and the light client hash a report the same
//! way, and it needs no market: the encoding is already per instrument.

use alloc::format;
use alloc::vec::Vec;

use ed25519_dalek::{Signature, VerifyingKey};

use plonky2::field::types::Field;
use plonky2::hash::poseidon::PoseidonHash;
use plonky2::plonk::config::Hasher;
use serde::{Deserialize, Serialize};

use crate::config::F;
use crate::hex::{digest_bytes, digest_hex};
use crate::public_inputs::{Digest, PublicInputs};
use crate::verify::Trusted;
use crate::VerifyError;

/// Domain tag of an oracle report (first element of its encoding).
pub const DOMAIN_REPORT: u64 = 4;

/// One oracle's report as the circuit hashed it, with the oracle's signature.
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
    /// Ed25519 signature over the report hash (its 32 big-endian bytes).
    #[serde(with = "crate::hex::serde_bytes_hex")]
    pub signature: [u8; 64],
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

    /// Poseidon hash of [`Self::to_fields`]: the public input and the signed message.
    pub fn hash(&self) -> Digest {
        PoseidonHash::hash_no_pad(&self.to_fields())
    }
}

/// The oracle attestation of one epoch: the quorum's signed reports, in the
/// order of the proof's report hashes (`attest-NNNN.json`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Attestation {
    /// Epoch number.
    pub epoch: u64,
    /// Epoch timestamp, unix seconds.
    pub timestamp: u64,
    /// The reports, one per report hash of the proof.
    pub reports: Vec<AttestedReport>,
}

impl Attestation {
    /// Decodes an attestation from JSON.
    pub fn from_json(bytes: &[u8]) -> Result<Self, VerifyError> {
        serde_json::from_slice(bytes).map_err(|e| VerifyError::MalformedAttestation(format!("{e}")))
    }

    /// Checks the attestation against a proof's statement: same epoch and
    /// timestamp, exactly the quorum of reports, each from a distinct oracle
    /// of the trusted set, hashing to the proof's report hash at its
    /// position, and signed by that oracle.
    pub fn check(&self, statement: &PublicInputs, trusted: &Trusted) -> Result<(), VerifyError> {
        for (field, attested, proven) in [
            ("epoch", self.epoch, statement.epoch),
            ("timestamp", self.timestamp, statement.timestamp),
        ] {
            if attested != proven {
                return Err(VerifyError::AttestationMismatch {
                    field,
                    attested,
                    proven,
                });
            }
        }
        let (reports, quorum) = (self.reports.len(), statement.report_hashes.len());
        if reports < trusted.quorum || reports < quorum {
            return Err(VerifyError::BelowQuorum {
                reports,
                quorum: quorum.max(trusted.quorum),
            });
        }
        if reports > quorum {
            return Err(VerifyError::ExtraReports { reports, quorum });
        }
        let mut seen: Vec<u32> = Vec::with_capacity(reports);
        for (index, (report, expected)) in self
            .reports
            .iter()
            .zip(&statement.report_hashes)
            .enumerate()
        {
            let oracle = report.oracle;
            let key = usize::try_from(oracle)
                .ok()
                .and_then(|i| trusted.oracle_keys.get(i))
                .ok_or(VerifyError::UnknownOracle {
                    index,
                    oracle,
                    set: trusted.oracle_keys.len(),
                })?;
            if seen.contains(&oracle) {
                return Err(VerifyError::DuplicateOracle { index, oracle });
            }
            seen.push(oracle);
            let actual = report.hash();
            if &actual != expected {
                return Err(VerifyError::ReportHashMismatch {
                    index,
                    oracle,
                    expected: digest_hex(expected),
                    actual: digest_hex(&actual),
                });
            }
            let bad_signature = VerifyError::BadSignature { index, oracle };
            let key = VerifyingKey::from_bytes(key).map_err(|_| bad_signature.clone())?;
            key.verify_strict(
                &digest_bytes(&actual),
                &Signature::from_bytes(&report.signature),
            )
            .map_err(|_| bad_signature)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;
    use ed25519_dalek::{Signer, SigningKey};
    use plonky2::hash::hash_types::HashOut;

    fn key(oracle: u32) -> SigningKey {
        SigningKey::from_bytes(&[oracle as u8 + 1; 32])
    }

    fn report(oracle: u32) -> AttestedReport {
        let mut r = AttestedReport {
            oracle,
            timestamp: 1_000 + u64::from(oracle),
            spot: vec![3_000_000_000],
            mark: vec![100_000, 200_000],
            kappa_bps: vec![500, 600],
            settlement_by_instrument: vec![0, 0],
            signature: [0; 64],
        };
        r.signature = key(oracle).sign(&digest_bytes(&r.hash())).to_bytes();
        r
    }

    /// A quorum of 3 from a set of 4, and a statement carrying their hashes.
    fn setup() -> (Attestation, PublicInputs, Trusted) {
        let reports = vec![report(0), report(2), report(3)];
        let statement = PublicInputs {
            market_hash: HashOut::ZERO,
            genesis_root: HashOut::ZERO,
            prev_root: HashOut::ZERO,
            new_root: HashOut::ZERO,
            epoch: 7,
            timestamp: 2_000,
            batch_hash: HashOut::ZERO,
            report_hashes: reports.iter().map(AttestedReport::hash).collect(),
            op_count: 1,
        };
        let trusted = Trusted {
            genesis_root: HashOut::ZERO,
            market_hash: HashOut::ZERO,
            oracle_keys: (0..4).map(|i| key(i).verifying_key().to_bytes()).collect(),
            quorum: 3,
        };
        let attestation = Attestation {
            epoch: 7,
            timestamp: 2_000,
            reports,
        };
        (attestation, statement, trusted)
    }

    #[test]
    fn a_signed_quorum_matching_the_proof_is_accepted() {
        let (attestation, statement, trusted) = setup();
        assert_eq!(attestation.check(&statement, &trusted), Ok(()));
        let json = serde_json::to_vec(&attestation).unwrap();
        assert_eq!(Attestation::from_json(&json), Ok(attestation));
    }

    #[test]
    fn each_attestation_fault_has_its_error() {
        let (good, statement, trusted) = setup();
        let check = |edit: &dyn Fn(&mut Attestation)| {
            let mut a = good.clone();
            edit(&mut a);
            a.check(&statement, &trusted).unwrap_err()
        };
        assert!(matches!(
            check(&|a| a.epoch = 6),
            VerifyError::AttestationMismatch { field: "epoch", .. }
        ));
        assert!(matches!(
            check(&|a| a.timestamp += 1),
            VerifyError::AttestationMismatch {
                field: "timestamp",
                ..
            }
        ));
        assert!(matches!(
            check(&|a| {
                a.reports.pop();
            }),
            VerifyError::BelowQuorum {
                reports: 2,
                quorum: 3
            }
        ));
        assert!(matches!(
            check(&|a| a.reports.push(report(1))),
            VerifyError::ExtraReports { reports: 4, .. }
        ));
        assert!(matches!(
            check(&|a| a.reports[1] = report(0)),
            VerifyError::DuplicateOracle {
                index: 1,
                oracle: 0
            }
        ));
        assert!(matches!(
            check(&|a| a.reports[2].oracle = 4),
            VerifyError::UnknownOracle {
                index: 2,
                oracle: 4,
                set: 4
            }
        ));
        assert!(matches!(
            check(&|a| a.reports[0].mark[1] += 100),
            VerifyError::ReportHashMismatch { index: 0, .. }
        ));
        assert!(matches!(
            check(&|a| a.reports[1].signature[3] ^= 1),
            VerifyError::BadSignature {
                index: 1,
                oracle: 2
            }
        ));
        // Oracle 1 signs oracle 2's report: a valid signature by the wrong key.
        assert!(matches!(
            check(&|a| {
                let message = digest_bytes(&a.reports[1].hash());
                a.reports[1].signature = key(1).sign(&message).to_bytes();
            }),
            VerifyError::BadSignature {
                index: 1,
                oracle: 2
            }
        ));
        // Reports swapped: each hash is at the wrong position.
        assert!(matches!(
            check(&|a| a.reports.swap(0, 1)),
            VerifyError::ReportHashMismatch {
                index: 0,
                oracle: 2,
                ..
            }
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
            b"{\"epoch\":1,\"timestamp\":2,\"reports\":[{}]}",
            b"",
        ] {
            assert!(matches!(
                Attestation::from_json(bad),
                Err(VerifyError::MalformedAttestation(_))
            ));
        }
    }
}
