//! Why a chain proof is not accepted as final: one variant per reason, each
//! naming the offending item.

use alloc::string::String;

/// Why verification rejected a proof, its verifier data or its attestation.
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
    /// The attestation is not valid JSON of the expected shape.
    #[error("malformed attestation: {0}")]
    MalformedAttestation(String),
    /// The attestation is of another epoch than the proof.
    #[error("attestation {field} is {attested}, the proof's is {proven}")]
    AttestationMismatch {
        /// `epoch` or `timestamp`.
        field: &'static str,
        /// The attestation's value.
        attested: u64,
        /// The proof's value.
        proven: u64,
    },
    /// Fewer reports than the quorum.
    #[error("{reports} oracle reports, the quorum is {quorum}")]
    BelowQuorum {
        /// Reports in the attestation.
        reports: usize,
        /// Reports required.
        quorum: usize,
    },
    /// More reports than the proof has report hashes.
    #[error("{reports} oracle reports, the proof carries {quorum}")]
    ExtraReports {
        /// Reports in the attestation.
        reports: usize,
        /// Report hashes in the proof.
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
    /// A signature does not verify under the oracle's trusted key.
    #[error("report {index}: signature does not verify under oracle {oracle}'s key")]
    BadSignature {
        /// Report position.
        index: usize,
        /// Its oracle.
        oracle: u32,
    },
    /// The proof is not newer than the epoch the client already finalized.
    #[error("epoch {epoch} is not newer than the finalized epoch {finalized}")]
    StaleEpoch {
        /// The proof's epoch.
        epoch: u64,
        /// The client's finalized epoch.
        finalized: u64,
    },
    /// The next epoch does not start from the root the client finalized.
    #[error("epoch {epoch} starts from {prev_root}, the finalized root is {finalized_root}")]
    Fork {
        /// The proof's epoch.
        epoch: u64,
        /// Its starting root.
        prev_root: String,
        /// The client's finalized root.
        finalized_root: String,
    },
    /// plonky2 rejects the proof.
    #[error("proof invalid: {0}")]
    ProofInvalid(String),
}

impl VerifyError {
    /// Whether the attestation, not the proof, is at fault (so a caller can
    /// name the right file).
    pub fn is_attestation(&self) -> bool {
        matches!(
            self,
            Self::MalformedAttestation(_)
                | Self::AttestationMismatch { .. }
                | Self::BelowQuorum { .. }
                | Self::ExtraReports { .. }
                | Self::UnknownOracle { .. }
                | Self::DuplicateOracle { .. }
                | Self::ReportHashMismatch { .. }
                | Self::BadSignature { .. }
        )
    }
}
