//! One epoch from files to files: apply it natively, prove it, chain it,
//! and write the results (what `zksettle prove` and `zksettle demo` run).
//!
//! Outputs in `out` (DESIGN section 10), each written atomically and only
//! once the chain proof exists: `state-NNNN.json`, `epoch-NNNN.proof`,
//! `chain-NNNN.proof` and `attest-NNNN.json` (the reports whose hashes the
//! proof carries, with their signatures). Checkpoints go to
//! `out/checkpoints-NNNN/` and are removed after success.

use std::path::Path;
use std::time::Instant;

use zksettle_circuits::recursion::set::CircuitSet;
use zksettle_circuits::recursion::{Proof, RecursionError};
use zksettle_circuits::rules::epoch::Epoch;
use zksettle_circuits::rules::error::EpochError;
use zksettle_verifier::PublicInputs;

use super::{manifest, prove_chain, prove_epoch, Checkpoints, PipelineError, Stage};
use crate::assign::chunk_witnesses;
use crate::export::attestation;
use crate::io::{write_atomic, write_json, IoError};
use crate::ledger::Ledger;

/// Why an epoch could not be proven from its files.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// The rule book rejects the epoch.
    #[error(transparent)]
    Rejected(#[from] EpochError),
    /// The previous chain proof is unusable.
    #[error("previous chain proof: {0}")]
    Previous(String),
    /// Proving failed.
    #[error(transparent)]
    Pipeline(#[from] PipelineError),
    /// An output could not be written.
    #[error(transparent)]
    Io(#[from] IoError),
}

/// What proving one epoch gave.
pub struct Proven {
    /// The ledger after the epoch.
    pub ledger: Ledger,
    /// The chain proof.
    pub chain_proof: Proof,
    /// Its statement.
    pub statement: PublicInputs,
    /// Operations.
    pub ops: usize,
    /// Chunks proven.
    pub chunks: usize,
    /// Folds made.
    pub folds: usize,
    /// Seconds from the native application to the chain proof.
    pub prove_secs: f64,
    /// Bytes of the epoch proof.
    pub epoch_proof_bytes: usize,
    /// Bytes of the chain proof.
    pub chain_proof_bytes: usize,
}

/// Checks a previous chain proof and returns its statement.
pub fn check_previous(
    set: &CircuitSet,
    previous: &Proof,
    ledger: &Ledger,
    epoch: &Epoch,
) -> Result<PublicInputs, JobError> {
    let s = set
        .chain
        .verify(previous)
        .map_err(|e: RecursionError| JobError::Previous(e.to_string()))?;
    if s.new_root != ledger.root() {
        return Err(JobError::Previous(format!(
            "it ends epoch {} at another root than the state's",
            s.epoch
        )));
    }
    if s.epoch + 1 != epoch.epoch {
        return Err(JobError::Previous(format!(
            "it proves epoch {}, epoch {} needs epoch {}",
            s.epoch,
            epoch.epoch,
            epoch.epoch.saturating_sub(1)
        )));
    }
    Ok(s)
}

/// Applies, proves, chains and writes one epoch.
pub fn prove_epoch_to(
    set: &CircuitSet,
    ledger: &Ledger,
    epoch: &Epoch,
    previous: Option<&Proof>,
    out: &Path,
    progress: &(dyn Fn(Stage) + Sync),
) -> Result<Proven, JobError> {
    let clock = Instant::now();
    let genesis_root = match previous {
        Some(p) => check_previous(set, p, ledger, epoch)?.genesis_root,
        None if epoch.epoch == 1 => ledger.root(),
        None => {
            return Err(JobError::Previous(format!(
                "epoch {} needs the chain proof of epoch {} (--prev)",
                epoch.epoch,
                epoch.epoch - 1
            )))
        }
    };
    let (next, witness) = ledger.apply_epoch(epoch)?;
    let chunks =
        chunk_witnesses(epoch, &witness, set.chunk.params.capacity).map_err(PipelineError::from)?;
    let n = epoch.epoch;
    let work = out.join(format!("checkpoints-{n:04}"));
    let checkpoints = Checkpoints::open(&work, &manifest(set, epoch, &witness))?;
    let proof = prove_epoch(set, ledger.market(), &chunks, Some(&checkpoints), progress)?;
    let chain_proof = prove_chain(set, previous, &proof, genesis_root)?;
    let statement = set
        .chain
        .verify(&chain_proof)
        .map_err(|source| PipelineError::Recursion {
            what: format!("chain proof of epoch {n}"),
            source,
        })?;
    let prove_secs = clock.elapsed().as_secs_f64();

    let epoch_bytes = proof.proof.to_bytes();
    let chain_bytes = chain_proof.to_bytes();
    write_atomic(&out.join(format!("epoch-{n:04}.proof")), &epoch_bytes)?;
    write_json(
        &out.join(format!("attest-{n:04}.json")),
        &attestation(ledger.market(), epoch),
    )?;
    write_json(&out.join(format!("state-{n:04}.json")), &next.to_state())?;
    write_atomic(&out.join(format!("chain-{n:04}.proof")), &chain_bytes)?;
    let _ = std::fs::remove_dir_all(&work);
    Ok(Proven {
        ledger: next,
        chain_proof,
        statement,
        ops: epoch.ops.len(),
        chunks: proof.chunks,
        folds: proof.folds,
        prove_secs,
        epoch_proof_bytes: epoch_bytes.len(),
        chain_proof_bytes: chain_bytes.len(),
    })
}
