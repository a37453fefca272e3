//! Why a proof is not accepted as final: one variant per reason, each
//! naming the offending item.

use alloc::string::String;

/// What is wrong with one epoch's attestation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AttestationFault {
    /// A record field differs from the proof's statement.
    #[error("attested {field} is {attested}, the proof's is {proven}")]
    Mismatch {
        /// Which field.
        field: &'static str,
        /// The attestation's value.
        attested: String,
        /// The proof's value.
        proven: String,
    },
    /// Fewer reports than the quorum.
    #[error("{reports} oracle reports, the quorum is {quorum}")]
    BelowQuorum {
        /// Reports in the attestation.
        reports: usize,
        /// Reports required.
        quorum: usize,
    },
    /// More reports than the quorum.
    #[error("{reports} oracle reports, the quorum is {quorum}")]
    ExtraReports {
        /// Reports in the attestation.
        reports: usize,
        /// Reports required.
        quorum: usize,
    },
    /// A report names an oracle outside the trusted set.
    #[error("report {index}: oracle {oracle} is not in the trusted set of {set}")]
    UnknownOracle {
        /// Report position.
        index: usize,
        /// Oracle index it names.
        oracle: u32,
        /// Size of the trusted set.
        set: usize,
    },
    /// Two reports of the same oracle.
    #[error("report {index}: oracle {oracle} already reported")]
    DuplicateOracle {
        /// Report position.
        index: usize,
        /// The repeated oracle.
        oracle: u32,
    },
    /// A report's hash is not the proof's report hash at its position.
    #[error("report {index} (oracle {oracle}) hashes to {actual}, the proof's report hash is {expected}")]
    ReportHashMismatch {
        /// Report position.
        index: usize,
        /// Its oracle.
        oracle: u32,
        /// The proof's report hash.
        expected: String,
        /// The report's hash.
        actual: String,
    },
}

/// Why verification rejected a proof, its verifier data or its attestations.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// The verifier data does not decode, or is not the pinned data.
    #[error("malformed verifier data: {0}")]
    MalformedVerifierData(String),
    /// The proof bytes do not decode as a proof of this circuit (truncated,
    /// extended, non-canonical or garbled).
    #[error("malformed proof: {0}")]
    MalformedProof(String),
    /// The proof or the trusted values do not have the shape this verifier
    /// data expects (public-input count, quorum).
    #[error("wrong shape: {0}")]
    WrongShape(String),
    /// The proof is not a chain proof of this verifier's circuit: the key in
    /// its public inputs is another circuit's.
    #[error("the proof carries the key of another circuit, not this chain circuit")]
    ForeignCircuit,
    /// A public input differs from the trusted value.
    #[error("public input {field} is {actual}, the trusted value is {expected}")]
    PublicInputMismatch {
        /// Which public input.
        field: &'static str,
        /// The trusted value.
        expected: String,
        /// The proof's value.
        actual: String,
    },
    /// An attestation is not valid JSON of the expected shape.
    #[error("malformed attestation: {0}")]
    MalformedAttestation(String),
    /// The attestation of one epoch is at fault.
    #[error("attestation of epoch {epoch}: {fault}")]
    Attestation {
        /// The attested epoch.
        epoch: u64,
        /// What is wrong with it.
        fault: AttestationFault,
    },
    /// An epoch between the finalized one and the proof's has no attestation.
    #[error(
        "no attestation for epoch {epoch}: the attestations of epochs {first}..={last} are needed"
    )]
    MissingAttestation {
        /// The missing epoch.
        epoch: u64,
        /// First epoch needed (the one after the finalized epoch).
        first: u64,
        /// Last epoch needed (the proof's).
        last: u64,
    },
    /// An attestation out of order, repeated, or after the proof's epoch
    /// (the attestations end with the proof's epoch: one for a later epoch
    /// is this, not a fork).
    #[error("attestation of epoch {epoch} {}", out_of_place(*.expected, *.last))]
    UnexpectedAttestation {
        /// The attestation's epoch.
        epoch: u64,
        /// The epoch expected at its place (`last + 1` past the end).
        expected: u64,
        /// The proof's epoch, the last one attested.
        last: u64,
    },
    /// The proof is not newer than the epoch the client already finalized.
    #[error("epoch {epoch} is not newer than the finalized epoch {finalized}")]
    StaleEpoch {
        /// The proof's epoch.
        epoch: u64,
        /// The client's finalized epoch.
        finalized: u64,
    },
    /// The proven epoch is older than the client accepts by its own clock
    /// ([`crate::Freshness`]): the operator picks the epoch timestamp, so a
    /// proof of an old epoch shows a possibly stale state.
    #[error("the proof's epoch timestamp {timestamp} is more than {max_age} s before now {now} (the client's clock)")]
    StaleTimestamp {
        /// The proof's epoch timestamp, unix seconds.
        timestamp: u64,
        /// The client's clock, unix seconds.
        now: u64,
        /// The greatest age the client accepts, seconds.
        max_age: u64,
    },
    /// The proven epoch is stamped ahead of the client's clock by more than
    /// the allowed skew ([`crate::Freshness`]).
    #[error("the proof's epoch timestamp {timestamp} is more than {max_skew} s after now {now} (the client's clock)")]
    FutureTimestamp {
        /// The proof's epoch timestamp, unix seconds.
        timestamp: u64,
        /// The client's clock, unix seconds.
        now: u64,
        /// The skew the client allows, seconds.
        max_skew: u64,
    },
    /// The proven history does not pass through what the client finalized.
    #[error("fork at epoch {epoch}: {detail}")]
    Fork {
        /// The epoch where the histories part.
        epoch: u64,
        /// How they part.
        detail: String,
    },
    /// plonky2 rejects the proof.
    #[error("proof invalid: {0}")]
    ProofInvalid(String),
}

/// Where an unexpected attestation stands: `expected` was due at its
/// place, or (past `last`) none was.
fn out_of_place(expected: u64, last: u64) -> String {
    if expected <= last {
        alloc::format!("where epoch {expected} was expected")
    } else {
        alloc::format!("after that of the proof's epoch {last}, the last one needed")
    }
}

impl VerifyError {
    /// The epoch whose attestation is at fault, if the attestation rather
    /// than the proof is (so a caller can name the right file).
    pub fn attestation_epoch(&self) -> Option<u64> {
        match self {
            Self::Attestation { epoch, .. } => Some(*epoch),
            _ => None,
        }
    }
}
