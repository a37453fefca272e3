//! Light verification of a chain or final proof: decode, check the statement
//! against the trusted values, fold the attested epochs into the proof's
//! history, then run plonky2's verifier.
//!
//! Every step returns a [`VerifyError`]; nothing here builds a circuit.

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use plonky2::field::types::PrimeField64;
use plonky2::plonk::circuit_data::{CommonCircuitData, VerifierCircuitData};
use plonky2::plonk::config::GenericConfig;
use plonky2::plonk::proof::ProofWithPublicInputs;
use plonky2::util::serialization::{Buffer, DefaultGateSerializer, Read};
use serde::{Deserialize, Serialize};

use crate::config::{C, CF, D, F};
use crate::freshness::Freshness;
use crate::guard::guarded;
use crate::hex::{digest_hex, hex_encode, pack_bytes, parse_digest, serde_digest};
use crate::history::{extend_history, EMPTY_HISTORY};
use crate::market::{market_hash, OracleSet};
use crate::public_inputs::{Digest, PublicInputs};
use crate::report::Attestation;
use crate::transfers::Transfers;
use crate::VerifyError;

/// Verifier data of the final circuit for the default parameters (the
/// generated fixtures' market shape and the default chunk layouts), as written by
/// `zksettle export-verifier`: what light clients verify.
pub const SHIPPED_FINAL_DATA: &[u8] = include_bytes!("../data/final.bin");

/// Pin of [`SHIPPED_FINAL_DATA`]: its data digest ([`Verifier::data_digest`],
/// over every byte), `0x` hex, as `zksettle export-verifier` writes it
/// beside the data. [`Verifier::shipped`] checks it before decoding.
pub const SHIPPED_FINAL_DATA_DIGEST: &str = include_str!("../data/final.data-digest");

/// Circuit digest of [`SHIPPED_FINAL_DATA`], `0x` hex: plonky2's digest of
/// the circuit, stored inside the data itself, so it identifies the circuit
/// but pins nothing (a test rebuilds the circuit and compares).
pub const SHIPPED_FINAL_DIGEST: &str = include_str!("../data/final.digest");

/// Verifier data of the chain circuit for the default parameters.
pub const SHIPPED_CHAIN_DATA: &[u8] = include_bytes!("../data/chain.bin");

/// Pin of [`SHIPPED_CHAIN_DATA`]: its data digest, `0x` hex.
pub const SHIPPED_CHAIN_DATA_DIGEST: &str = include_str!("../data/chain.data-digest");

/// Circuit digest of [`SHIPPED_CHAIN_DATA`], `0x` hex (identifies, does not pin).
pub const SHIPPED_CHAIN_DIGEST: &str = include_str!("../data/chain.digest");

/// Largest verifier data accepted (the circuits' are about 2 KB).
const MAX_VERIFIER_DATA: usize = 1 << 16;

/// Largest proof accepted (final proofs are about 62 KB, chain proofs 91 KB).
const MAX_PROOF: usize = 1 << 20;

/// What a light client trusts: the chain's genesis and its market, given as
/// the market's terms digest and its oracle set (`trusted.json`, as
/// `zksettle demo` writes it). The market hash is computed from both, so the
/// oracle keys the proof checked signatures with are the market's.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Trusted {
    /// Root of the account tree before epoch 1.
    #[serde(with = "serde_digest")]
    pub genesis_root: Digest,
    /// Digest of the market's terms (everything but the oracle set).
    #[serde(with = "serde_digest")]
    pub market_terms: Digest,
    /// The market's oracles and quorum.
    pub oracles: OracleSet,
}

impl Trusted {
    /// The market hash the proofs of this market carry.
    pub fn market_hash(&self) -> Digest {
        market_hash(&self.market_terms, &self.oracles.digest())
    }
}

/// An epoch accepted as final.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finalized {
    /// Epoch number.
    pub epoch: u64,
    /// Epoch timestamp, unix seconds.
    pub timestamp: u64,
    /// Root the epoch started from.
    #[serde(with = "serde_digest")]
    pub prev_root: Digest,
    /// Root the epoch ended with: the final account root.
    #[serde(with = "serde_digest")]
    pub new_root: Digest,
    /// Commitment to the epoch's operations.
    #[serde(with = "serde_digest")]
    pub batch_hash: Digest,
    /// The epoch's deposit log and total (exactly what the market's
    /// custodians attested) and withdrawal log and total (exactly what the
    /// custodian pays out).
    pub transfers: Transfers,
    /// Operations in the epoch.
    pub op_count: u64,
    /// The history up to this epoch.
    #[serde(with = "serde_digest")]
    pub history: Digest,
}

impl Finalized {
    fn of(statement: &PublicInputs) -> Self {
        Self {
            epoch: statement.epoch,
            timestamp: statement.timestamp,
            prev_root: statement.prev_root,
            new_root: statement.new_root,
            batch_hash: statement.batch_hash,
            transfers: statement.transfers,
            op_count: statement.op_count,
            history: statement.history,
        }
    }
}

/// Where a client stands: the last epoch it finalized and its root, and the
/// history up to it when the client kept it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Anchor {
    /// The finalized epoch (0: genesis).
    pub epoch: u64,
    /// Its root.
    pub root: Digest,
    /// The history up to it, if known (a client that kept only the epoch
    /// and root learns it from the next attestation, and the fold checks it).
    pub history: Option<Digest>,
}

impl Anchor {
    /// A client that has finalized nothing: the genesis root, empty history.
    pub fn genesis(trusted: &Trusted) -> Self {
        Self {
            epoch: 0,
            root: trusted.genesis_root,
            history: Some(EMPTY_HISTORY),
        }
    }

    /// A client that finalized `finalized`.
    pub fn finalized(finalized: &Finalized) -> Self {
        Self {
            epoch: finalized.epoch,
            root: finalized.new_root,
            history: Some(finalized.history),
        }
    }
}

/// Which circuit a verifier checks proofs of.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProofKind {
    /// The final circuit's small proof (`final-NNNN.proof`), what clients download.
    Final,
    /// The chain circuit's proof (`chain-NNNN.proof`), which recursion continues from.
    Chain,
}

#[derive(Debug)]
enum Circuit {
    Final(VerifierCircuitData<F, CF, D>),
    Chain(VerifierCircuitData<F, C, D>),
}

/// A decoded proof of either circuit.
#[derive(Clone, Debug)]
pub enum DecodedProof {
    /// A final proof.
    Final(ProofWithPublicInputs<F, CF, D>),
    /// A chain proof.
    Chain(ProofWithPublicInputs<F, C, D>),
}

impl DecodedProof {
    /// The proof's public inputs.
    pub fn public_inputs(&self) -> &[F] {
        match self {
            Self::Final(p) => &p.public_inputs,
            Self::Chain(p) => &p.public_inputs,
        }
    }
}

/// The verifier data of the final or the chain circuit, decoded once and reused.
#[derive(Debug)]
pub struct Verifier {
    circuit: Circuit,
    quorum: usize,
}

impl Verifier {
    /// The shipped final verifier data (default parameters).
    pub fn shipped() -> Result<Self, VerifyError> {
        Self::shipped_kind(ProofKind::Final)
    }

    /// The shipped verifier data of `kind` (default parameters), checked
    /// against its shipped data digest ([`SHIPPED_FINAL_DATA_DIGEST`],
    /// [`SHIPPED_CHAIN_DATA_DIGEST`]) before decoding, as
    /// [`Self::from_pinned_bytes`] does.
    pub fn shipped_kind(kind: ProofKind) -> Result<Self, VerifyError> {
        let (data, pin) = match kind {
            ProofKind::Final => (SHIPPED_FINAL_DATA, SHIPPED_FINAL_DATA_DIGEST),
            ProofKind::Chain => (SHIPPED_CHAIN_DATA, SHIPPED_CHAIN_DATA_DIGEST),
        };
        let pin = parse_digest(pin.trim()).map_err(|e| {
            VerifyError::MalformedVerifierData(format!("the shipped data digest: {e}"))
        })?;
        Self::from_pinned_bytes(kind, data, &pin)
    }

    /// Poseidon digest of verifier-data bytes, to pin data received from
    /// elsewhere ([`Self::from_pinned_bytes`]).
    pub fn data_digest(bytes: &[u8]) -> Digest {
        use plonky2::field::types::Field;
        use plonky2::hash::poseidon::PoseidonHash;
        use plonky2::plonk::config::Hasher;
        let mut elements = Vec::with_capacity(bytes.len() / 4 + 2);
        elements.push(F::from_canonical_usize(bytes.len()));
        elements.extend(pack_bytes(bytes));
        PoseidonHash::hash_no_pad(&elements)
    }

    /// Decodes verifier data whose bytes hash to `pinned`
    /// ([`Self::data_digest`]); other bytes are rejected before decoding.
    pub fn from_pinned_bytes(
        kind: ProofKind,
        bytes: &[u8],
        pinned: &Digest,
    ) -> Result<Self, VerifyError> {
        let digest = Self::data_digest(bytes);
        if &digest != pinned {
            return Err(VerifyError::MalformedVerifierData(format!(
                "data digest {} is not the pinned {}",
                digest_hex(&digest),
                digest_hex(pinned)
            )));
        }
        Self::from_trusted_bytes(kind, bytes)
    }

    /// Decodes verifier data from a source the caller trusts (the verifier
    /// data decides what a proof proves, so it is part of the trust root).
    /// plonky2's decoder is not hardened against hostile bytes; pin data
    /// from elsewhere with [`Self::from_pinned_bytes`].
    pub fn from_trusted_bytes(kind: ProofKind, bytes: &[u8]) -> Result<Self, VerifyError> {
        if bytes.len() > MAX_VERIFIER_DATA {
            return Err(VerifyError::MalformedVerifierData(
                "larger than 64 KiB".to_string(),
            ));
        }
        let (circuit, statement_len) = match kind {
            ProofKind::Final => {
                let data = decode_data::<CF>(bytes)?;
                let len = data.common.num_public_inputs;
                (Circuit::Final(data), Some(len))
            }
            ProofKind::Chain => {
                let data = decode_data::<C>(bytes)?;
                let len = data
                    .common
                    .num_public_inputs
                    .checked_sub(key_len(&data.common));
                (Circuit::Chain(data), len)
            }
        };
        let quorum = statement_len
            .and_then(PublicInputs::quorum_of_len)
            .ok_or_else(|| {
                VerifyError::MalformedVerifierData(
                    "public inputs are not a settlement statement".to_string(),
                )
            })?;
        Ok(Self { circuit, quorum })
    }

    /// Which circuit this verifier checks proofs of.
    pub fn kind(&self) -> ProofKind {
        match self.circuit {
            Circuit::Final(_) => ProofKind::Final,
            Circuit::Chain(_) => ProofKind::Chain,
        }
    }

    /// The circuit digest (plonky2's) of this verifier data, `0x` hex: a
    /// Poseidon digest for the chain circuit, 25 Keccak bytes for the final one.
    pub fn circuit_digest(&self) -> String {
        match &self.circuit {
            Circuit::Final(data) => {
                format!("0x{}", hex_encode(&data.verifier_only.circuit_digest.0))
            }
            Circuit::Chain(data) => digest_hex(&data.verifier_only.circuit_digest),
        }
    }

    /// Oracle reports per statement.
    pub fn quorum(&self) -> usize {
        self.quorum
    }

    /// Decodes proof bytes: exactly one canonical encoding of a proof of this
    /// circuit's shape (truncated, extended or non-canonical bytes are
    /// errors); a chain proof's key slot must hold this circuit's key.
    pub fn decode(&self, bytes: &[u8]) -> Result<DecodedProof, VerifyError> {
        if bytes.len() > MAX_PROOF {
            return Err(VerifyError::MalformedProof("larger than 1 MiB".to_string()));
        }
        match &self.circuit {
            Circuit::Final(data) => decode_proof(&data.common, bytes).map(DecodedProof::Final),
            Circuit::Chain(data) => {
                let proof = decode_proof(&data.common, bytes)?;
                check_key(data, &proof, self.quorum)?;
                Ok(DecodedProof::Chain(proof))
            }
        }
    }

    /// The statement of a decoded proof (layout only: nothing is verified).
    pub fn statement(&self, proof: &DecodedProof) -> Result<PublicInputs, VerifyError> {
        let len = PublicInputs::len(self.quorum);
        let fields = proof
            .public_inputs()
            .get(..len)
            .ok_or_else(|| VerifyError::WrongShape(format!("fewer than {len} public inputs")))?;
        PublicInputs::from_fields(fields, self.quorum)
            .map_err(|e| VerifyError::WrongShape(e.to_string()))
    }

    /// Verifies a proof end to end; see [`verify_proof`].
    pub fn verify(
        &self,
        proof: &[u8],
        trusted: &Trusted,
        anchor: &Anchor,
        attestations: &[Attestation],
        freshness: Freshness,
    ) -> Result<Finalized, VerifyError> {
        if trusted.oracles.quorum as usize != self.quorum {
            return Err(VerifyError::WrongShape(format!(
                "the trusted quorum is {}, this verifier data proves statements of {}",
                trusted.oracles.quorum, self.quorum
            )));
        }
        let proof = self.decode(proof)?;
        let statement = self.statement(&proof)?;
        for (field, expected, actual) in [
            (
                "market_hash",
                &trusted.market_hash(),
                &statement.market_hash,
            ),
            (
                "genesis_root",
                &trusted.genesis_root,
                &statement.genesis_root,
            ),
        ] {
            if expected != actual {
                return Err(VerifyError::PublicInputMismatch {
                    field,
                    expected: digest_hex(expected),
                    actual: digest_hex(actual),
                });
            }
        }
        freshness.check(statement.timestamp)?;
        check_history(&statement, &trusted.oracles, anchor, attestations)?;
        let outcome = match proof {
            DecodedProof::Final(p) => match &self.circuit {
                Circuit::Final(data) => guarded(|| data.verify(p)),
                Circuit::Chain(_) => None,
            },
            DecodedProof::Chain(p) => match &self.circuit {
                Circuit::Chain(data) => guarded(|| data.verify(p)),
                Circuit::Final(_) => None,
            },
        };
        outcome
            .ok_or_else(|| VerifyError::ProofInvalid("the verifier panicked".to_string()))?
            .map_err(|e| VerifyError::ProofInvalid(e.to_string()))?;
        Ok(Finalized::of(&statement))
    }
}

fn decode_data<G: GenericConfig<D, F = F>>(
    bytes: &[u8],
) -> Result<VerifierCircuitData<F, G, D>, VerifyError> {
    let malformed = |reason: &str| VerifyError::MalformedVerifierData(reason.to_string());
    guarded(|| VerifierCircuitData::<F, G, D>::from_bytes(bytes.to_vec(), &DefaultGateSerializer))
        .ok_or_else(|| malformed("the decoder panicked"))?
        .map_err(|_| malformed("does not decode"))
}

fn decode_proof<G: GenericConfig<D, F = F>>(
    common: &CommonCircuitData<F, D>,
    bytes: &[u8],
) -> Result<ProofWithPublicInputs<F, G, D>, VerifyError> {
    let malformed = |reason: &str| VerifyError::MalformedProof(reason.to_string());
    let mut buffer = Buffer::new(bytes);
    let proof = guarded(|| buffer.read_proof_with_public_inputs::<F, G, D>(common))
        .ok_or_else(|| malformed("non-canonical field element"))?
        .map_err(|_| malformed("truncated, garbled, or not a proof of this circuit"))?;
    let trailing = buffer.unread_bytes().len();
    if trailing > 0 {
        return Err(VerifyError::MalformedProof(format!(
            "{trailing} bytes after the proof"
        )));
    }
    if proof.public_inputs.len() != common.num_public_inputs {
        return Err(VerifyError::WrongShape(format!(
            "{} public inputs, this circuit has {}",
            proof.public_inputs.len(),
            common.num_public_inputs
        )));
    }
    let canonical = guarded(|| proof.to_bytes()).ok_or_else(|| malformed("re-encoding"))?;
    if canonical != bytes {
        return Err(malformed("non-canonical encoding"));
    }
    Ok(proof)
}

/// The key at the end of a chain proof's public inputs must be this
/// circuit's: the cyclic recursion verified every earlier chain proof
/// against that key, so only this check ties them to this circuit.
fn check_key(
    data: &VerifierCircuitData<F, C, D>,
    proof: &ProofWithPublicInputs<F, C, D>,
    quorum: usize,
) -> Result<(), VerifyError> {
    let only = &data.verifier_only;
    let key = only.circuit_digest.elements.iter().chain(
        only.constants_sigmas_cap
            .0
            .iter()
            .flat_map(|h| h.elements.iter()),
    );
    let slot = proof.public_inputs.iter().skip(PublicInputs::len(quorum));
    let same = key
        .map(|e| e.to_canonical_u64())
        .eq(slot.map(|e| e.to_canonical_u64()));
    if same {
        Ok(())
    } else {
        Err(VerifyError::ForeignCircuit)
    }
}

/// Elements of a verifier key in a cyclic proof's public inputs (after the
/// statement): circuit digest and the constants' Merkle cap.
pub fn key_len(common: &CommonCircuitData<F, D>) -> usize {
    4 + 4 * common.config.fri_config.num_cap_elements()
}

/// Checks the attested epochs `anchor.epoch + 1 ..= statement.epoch`
/// against a proof's statement (none are needed from genesis): each
/// attestation holds the trusted quorum of reports; the first starts from the anchor's root (and history,
/// when known), each starts where the one before ended; the last is the
/// proof's epoch (same record fields and report hashes); and folding their
/// records from the history before the first reaches the proof's history.
/// The proven history then passes through the anchor.
pub fn check_history(
    statement: &PublicInputs,
    oracles: &OracleSet,
    anchor: &Anchor,
    attestations: &[Attestation],
) -> Result<(), VerifyError> {
    let last = statement.epoch;
    if last <= anchor.epoch {
        return Err(VerifyError::StaleEpoch {
            epoch: last,
            finalized: anchor.epoch,
        });
    }
    // From genesis the proof speaks for itself: its genesis root is the
    // trusted one and its history starts empty, and the prelude circuit
    // verified every epoch's oracle signatures; attestations, if given, are
    // still checked below.
    if attestations.is_empty() && anchor.epoch == 0 && anchor.root == statement.genesis_root {
        return Ok(());
    }
    let first = anchor.epoch + 1;
    let mut expected = first;
    for attestation in attestations {
        // Past the proof's epoch nothing is expected: an attestation there
        // is out of place, even one that follows on (folding it would only
        // miss the proof's history and read as a fork).
        if attestation.epoch != expected || attestation.epoch > last {
            return Err(if attestation.epoch > expected && expected <= last {
                VerifyError::MissingAttestation {
                    epoch: expected,
                    first,
                    last,
                }
            } else {
                VerifyError::UnexpectedAttestation {
                    epoch: attestation.epoch,
                    expected,
                    last,
                }
            });
        }
        expected += 1;
    }
    if expected <= last {
        return Err(VerifyError::MissingAttestation {
            epoch: expected,
            first,
            last,
        });
    }
    let start = attestations.first().map(|a| a.history_before);
    let mut history = anchor.history.or(start).unwrap_or(EMPTY_HISTORY);
    let mut root = anchor.root;
    for attestation in attestations {
        let epoch = attestation.epoch;
        let fault = |fault| VerifyError::Attestation { epoch, fault };
        let hashes = attestation.check_reports(oracles).map_err(fault)?;
        if attestation.prev_root != root {
            let detail = if epoch == first {
                format!(
                    "epoch {epoch} starts from {}, the finalized root of epoch {} is {}",
                    digest_hex(&attestation.prev_root),
                    anchor.epoch,
                    digest_hex(&root)
                )
            } else {
                format!(
                    "epoch {epoch} starts from {}, epoch {} ended at {}",
                    digest_hex(&attestation.prev_root),
                    epoch - 1,
                    digest_hex(&root)
                )
            };
            return Err(VerifyError::Fork { epoch, detail });
        }
        if attestation.history_before != history {
            return Err(VerifyError::Fork {
                epoch,
                detail: format!(
                    "the history before epoch {epoch} is attested as {}, the finalized history is {}",
                    digest_hex(&attestation.history_before),
                    digest_hex(&history)
                ),
            });
        }
        if epoch == last {
            attestation
                .check_statement(statement, &hashes)
                .map_err(fault)?;
        }
        history = extend_history(&history, &attestation.record(hashes).digest());
        root = attestation.new_root;
    }
    if history != statement.history {
        return Err(VerifyError::Fork {
            epoch: first,
            detail: format!(
                "the attested epochs {first}..={last} from the finalized root of epoch {} do not reach the proof's history {}: the proven history does not pass through that root, or an attested epoch is not the proven one",
                anchor.epoch,
                digest_hex(&statement.history)
            ),
        });
    }
    Ok(())
}

/// Confirms that the epoch a proof ends with is final: the proof decodes as
/// a proof of `verifier`'s circuit, its market hash is the trusted market's
/// (terms and oracle set) and its genesis root the trusted one, its epoch
/// timestamp is as fresh as `freshness` asks by the caller's clock, the
/// attestations of every epoch after the anchor carry signed quorums and
/// fold into the proof's history from the anchor, and plonky2 accepts the
/// proof.
///
/// The epoch timestamp is the operator's choice (order expiries and report
/// freshness are relative to it); with [`Freshness::Unchecked`] the proof
/// may show a state of long ago. A client that acts on the state passes
/// [`Freshness::within`] its own clock and the greatest age it accepts.
pub fn verify_proof(
    verifier: &Verifier,
    proof: &[u8],
    trusted: &Trusted,
    anchor: &Anchor,
    attestations: &[Attestation],
    freshness: Freshness,
) -> Result<Finalized, VerifyError> {
    verifier.verify(proof, trusted, anchor, attestations, freshness)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::account::ZERO_DIGEST;
    use alloc::vec;

    fn statement(epoch: u64) -> PublicInputs {
        PublicInputs {
            market_hash: ZERO_DIGEST,
            genesis_root: ZERO_DIGEST,
            prev_root: ZERO_DIGEST,
            new_root: ZERO_DIGEST,
            epoch,
            timestamp: 0,
            batch_hash: ZERO_DIGEST,
            transfers: Default::default(),
            report_hashes: vec![],
            op_count: 0,
            history: ZERO_DIGEST,
        }
    }

    /// An attestation of `epoch` (its order is checked before its contents).
    fn attestation(epoch: u64) -> Attestation {
        Attestation {
            epoch,
            timestamp: 0,
            prev_root: ZERO_DIGEST,
            new_root: ZERO_DIGEST,
            batch_hash: ZERO_DIGEST,
            transfers: Default::default(),
            op_count: 0,
            history_before: ZERO_DIGEST,
            reports: vec![],
        }
    }

    fn order(last: u64, anchor: u64, epochs: &[u64]) -> VerifyError {
        let oracles = OracleSet {
            keys: vec![],
            quorum: 3,
        };
        let anchor = Anchor {
            epoch: anchor,
            root: ZERO_DIGEST,
            history: None,
        };
        let attestations: Vec<_> = epochs.iter().copied().map(attestation).collect();
        match check_history(&statement(last), &oracles, &anchor, &attestations) {
            Err(e) => e,
            Ok(()) => VerifyError::ProofInvalid("accepted".to_string()),
        }
    }

    #[test]
    fn an_attestation_after_the_proofs_epoch_is_unexpected_not_a_fork() {
        let err = order(2, 1, &[2, 3]);
        assert_eq!(
            err,
            VerifyError::UnexpectedAttestation {
                epoch: 3,
                expected: 3,
                last: 2
            }
        );
        assert_eq!(
            err.to_string(),
            "attestation of epoch 3 after that of the proof's epoch 2, the last one needed"
        );
        assert_eq!(
            order(2, 0, &[1, 2, 5]),
            VerifyError::UnexpectedAttestation {
                epoch: 5,
                expected: 3,
                last: 2
            }
        );
        assert_eq!(
            order(3, 0, &[1, 1]),
            VerifyError::UnexpectedAttestation {
                epoch: 1,
                expected: 2,
                last: 3
            }
        );
        assert!(order(3, 0, &[1, 1])
            .to_string()
            .ends_with("where epoch 2 was expected"));
        assert!(matches!(
            order(3, 0, &[1, 3]),
            VerifyError::MissingAttestation { epoch: 2, .. }
        ));
    }

    #[test]
    fn shipped_data_is_pinned_by_the_digest_of_all_its_bytes() {
        for (kind, data, pin) in [
            (
                ProofKind::Final,
                SHIPPED_FINAL_DATA,
                SHIPPED_FINAL_DATA_DIGEST,
            ),
            (
                ProofKind::Chain,
                SHIPPED_CHAIN_DATA,
                SHIPPED_CHAIN_DATA_DIGEST,
            ),
        ] {
            assert_eq!(digest_hex(&Verifier::data_digest(data)), pin.trim());
            assert_eq!(Verifier::shipped_kind(kind).unwrap().kind(), kind);
            let pin = parse_digest(pin.trim()).unwrap();
            for at in [0, data.len() / 2, data.len() - 1] {
                let mut changed = data.to_vec();
                changed[at] ^= 1;
                assert!(matches!(
                    Verifier::from_pinned_bytes(kind, &changed, &pin),
                    Err(VerifyError::MalformedVerifierData(_))
                ));
            }
        }
    }
}
