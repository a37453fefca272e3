//! Light verification of a chain proof: decode, check the statement against
//! the trusted values and the attestation, then run plonky2's verifier.
//!
//! Every step returns a [`VerifyError`]; nothing here builds a circuit.

use alloc::format;
use alloc::string::ToString;
use alloc::vec::Vec;

use plonky2::field::types::PrimeField64;
use plonky2::plonk::circuit_data::{CommonCircuitData, VerifierCircuitData};
use plonky2::plonk::proof::ProofWithPublicInputs;
use plonky2::util::serialization::{Buffer, DefaultGateSerializer, Read};
use serde::{Deserialize, Serialize};

use crate::config::{C, D, F};
use crate::guard::guarded;
use crate::hex::{digest_hex, pack_bytes, serde_digest};
use crate::public_inputs::{Digest, PublicInputs};
use crate::report::Attestation;
use crate::VerifyError;

/// A decoded chain proof.
pub type ChainProof = ProofWithPublicInputs<F, C, D>;

/// Verifier data of the chain circuit for the default parameters (the
/// generated fixtures' market shape, 48 steps per chunk), as written by
/// `zksettle export-verifier`.
pub const SHIPPED_VERIFIER_DATA: &[u8] = include_bytes!("../data/chain.bin");

/// Circuit digest of [`SHIPPED_VERIFIER_DATA`], `0x` hex (a test rebuilds the
/// circuit and compares).
pub const SHIPPED_CIRCUIT_DIGEST: &str = include_str!("../data/chain.digest");

/// Largest verifier data accepted (the chain circuit's is about 1.6 KB).
const MAX_VERIFIER_DATA: usize = 1 << 16;

/// Largest proof accepted (chain proofs are about 150 KB).
const MAX_PROOF: usize = 1 << 20;

/// What a light client trusts: the chain's genesis, its market and oracles
/// (`trusted.json`, as `zksettle demo` writes it).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Trusted {
    /// Root of the account tree before epoch 1.
    #[serde(with = "serde_digest")]
    pub genesis_root: Digest,
    /// Poseidon hash of the market configuration.
    #[serde(with = "serde_digest")]
    pub market_hash: Digest,
    /// Ed25519 public keys of the market's oracles, by oracle index.
    #[serde(with = "crate::hex::serde_keys")]
    pub oracle_keys: Vec<[u8; 32]>,
    /// Reports from distinct oracles every epoch needs.
    pub quorum: usize,
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
    /// Operations in the epoch.
    pub op_count: u64,
}

/// The chain circuit's verifier data, decoded once and reused.
#[derive(Debug)]
pub struct ChainVerifier {
    data: VerifierCircuitData<F, C, D>,
    quorum: usize,
}

impl ChainVerifier {
    /// The shipped verifier data (default parameters).
    pub fn shipped() -> Result<Self, VerifyError> {
        let verifier = Self::from_trusted_bytes(SHIPPED_VERIFIER_DATA)?;
        let digest = digest_hex(&verifier.circuit_digest());
        if digest != SHIPPED_CIRCUIT_DIGEST.trim() {
            return Err(VerifyError::MalformedVerifierData(format!(
                "shipped data has circuit digest {digest}, pinned {}",
                SHIPPED_CIRCUIT_DIGEST.trim()
            )));
        }
        Ok(verifier)
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
    pub fn from_pinned_bytes(bytes: &[u8], pinned: &Digest) -> Result<Self, VerifyError> {
        let digest = Self::data_digest(bytes);
        if &digest != pinned {
            return Err(VerifyError::MalformedVerifierData(format!(
                "data digest {} is not the pinned {}",
                digest_hex(&digest),
                digest_hex(pinned)
            )));
        }
        Self::from_trusted_bytes(bytes)
    }

    /// Decodes verifier data from a source the caller trusts (the verifier
    /// data decides what a proof proves, so it is part of the trust root).
    /// plonky2's decoder is not hardened against hostile bytes; pin data
    /// from elsewhere with [`Self::from_pinned_bytes`].
    pub fn from_trusted_bytes(bytes: &[u8]) -> Result<Self, VerifyError> {
        let malformed = |reason: &str| VerifyError::MalformedVerifierData(reason.to_string());
        if bytes.len() > MAX_VERIFIER_DATA {
            return Err(malformed("larger than 64 KiB"));
        }
        let data = guarded(|| {
            VerifierCircuitData::<F, C, D>::from_bytes(bytes.to_vec(), &DefaultGateSerializer)
        })
        .ok_or_else(|| malformed("the decoder panicked"))?
        .map_err(|_| malformed("does not decode"))?;
        let quorum = data
            .common
            .num_public_inputs
            .checked_sub(key_len(&data.common))
            .and_then(PublicInputs::quorum_of_len)
            .ok_or_else(|| malformed("public inputs are not a chain statement and a key"))?;
        Ok(Self { data, quorum })
    }

    /// The circuit digest (plonky2's) of this verifier data.
    pub fn circuit_digest(&self) -> Digest {
        self.data.verifier_only.circuit_digest
    }

    /// Oracle reports per statement.
    pub fn quorum(&self) -> usize {
        self.quorum
    }

    /// Decodes proof bytes: exactly one canonical encoding of a proof of this
    /// circuit's shape (truncated, extended or non-canonical bytes are errors).
    pub fn decode(&self, bytes: &[u8]) -> Result<ChainProof, VerifyError> {
        let malformed = |reason: &str| VerifyError::MalformedProof(reason.to_string());
        if bytes.len() > MAX_PROOF {
            return Err(malformed("larger than 1 MiB"));
        }
        let mut buffer = Buffer::new(bytes);
        let proof = guarded(|| buffer.read_proof_with_public_inputs::<F, C, D>(&self.data.common))
            .ok_or_else(|| malformed("non-canonical field element"))?
            .map_err(|_| malformed("truncated, garbled, or not a proof of this chain circuit"))?;
        let trailing = buffer.unread_bytes().len();
        if trailing > 0 {
            return Err(VerifyError::MalformedProof(format!(
                "{trailing} bytes after the proof"
            )));
        }
        if proof.public_inputs.len() != self.data.common.num_public_inputs {
            return Err(VerifyError::WrongShape(format!(
                "{} public inputs, this circuit has {}",
                proof.public_inputs.len(),
                self.data.common.num_public_inputs
            )));
        }
        let canonical = guarded(|| proof.to_bytes()).ok_or_else(|| malformed("re-encoding"))?;
        if canonical != bytes {
            return Err(malformed("non-canonical encoding"));
        }
        Ok(proof)
    }

    /// The statement of a decoded proof (layout only: nothing is verified).
    pub fn statement(&self, proof: &ChainProof) -> Result<PublicInputs, VerifyError> {
        let len = PublicInputs::len(self.quorum);
        let fields = proof
            .public_inputs
            .get(..len)
            .ok_or_else(|| VerifyError::WrongShape(format!("fewer than {len} public inputs")))?;
        PublicInputs::from_fields(fields, self.quorum)
            .map_err(|e| VerifyError::WrongShape(e.to_string()))
    }

    /// Verifies a chain proof end to end; see [`verify_chain`].
    pub fn verify(
        &self,
        proof: &[u8],
        trusted: &Trusted,
        attestation: &Attestation,
    ) -> Result<Finalized, VerifyError> {
        if trusted.quorum != self.quorum {
            return Err(VerifyError::WrongShape(format!(
                "the trusted quorum is {}, this verifier data proves statements of {}",
                trusted.quorum, self.quorum
            )));
        }
        let proof = self.decode(proof)?;
        self.check_key(&proof)?;
        let statement = self.statement(&proof)?;
        for (field, expected, actual) in [
            ("market_hash", &trusted.market_hash, &statement.market_hash),
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
        attestation.check(&statement, trusted)?;
        guarded(|| self.data.verify(proof))
            .ok_or_else(|| VerifyError::ProofInvalid("the verifier panicked".to_string()))?
            .map_err(|e| VerifyError::ProofInvalid(e.to_string()))?;
        Ok(Finalized {
            epoch: statement.epoch,
            timestamp: statement.timestamp,
            prev_root: statement.prev_root,
            new_root: statement.new_root,
            batch_hash: statement.batch_hash,
            op_count: statement.op_count,
        })
    }

    /// The key at the end of a chain proof's public inputs must be this
    /// circuit's: the cyclic recursion verified every earlier chain proof
    /// against that key, so only this check ties them to this circuit.
    fn check_key(&self, proof: &ChainProof) -> Result<(), VerifyError> {
        let only = &self.data.verifier_only;
        let key = only.circuit_digest.elements.iter().chain(
            only.constants_sigmas_cap
                .0
                .iter()
                .flat_map(|h| h.elements.iter()),
        );
        let slot = proof
            .public_inputs
            .iter()
            .skip(PublicInputs::len(self.quorum));
        let same = key
            .map(|e| e.to_canonical_u64())
            .eq(slot.map(|e| e.to_canonical_u64()));
        if same {
            Ok(())
        } else {
            Err(VerifyError::ForeignCircuit)
        }
    }
}

/// Elements of a verifier key in a cyclic proof's public inputs (after the
/// statement): circuit digest and the constants' Merkle cap.
pub fn key_len(common: &CommonCircuitData<F, D>) -> usize {
    4 + 4 * common.config.fri_config.num_cap_elements()
}

/// Confirms that the epoch a chain proof ends with is final: the proof
/// decodes as a proof of `verifier`'s chain circuit, its market hash and
/// genesis root are the trusted ones, the attestation holds a quorum of
/// reports signed by distinct trusted oracles whose hashes are the proof's
/// report hashes, and plonky2 accepts the proof.
pub fn verify_chain(
    verifier: &ChainVerifier,
    proof: &[u8],
    trusted: &Trusted,
    attestation: &Attestation,
) -> Result<Finalized, VerifyError> {
    verifier.verify(proof, trusted, attestation)
}
