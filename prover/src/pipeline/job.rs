//! One epoch from files to files: apply it natively, prove it, chain it,
//! and write the results (what `zksettle prove` and `zksettle demo` run).
//!
//! Outputs in `out` (DESIGN section 10), each written atomically and only
//! once the chain and final proofs exist and state exactly the ledger's
//! statement: `state-NNNN.json`, `epoch-NNNN.proof`, `chain-NNNN.proof`
//! (what the next epoch's chain step continues from), `final-NNNN.proof`
//! (what light clients download) and `attest-NNNN.json` (the epoch's record
//! in the history and the reports whose hashes the proof carries, with
//! their signatures). Checkpoints go to `out/checkpoints-NNNN/` and are
//! removed after success.

use std::path::Path;
use std::time::Instant;

use zksettle_circuits::recursion::set::CircuitSet;
use zksettle_circuits::recursion::{Proof, RecursionError};
use zksettle_circuits::rules::epoch::Epoch;
use zksettle_circuits::rules::error::EpochError;
use zksettle_verifier::{PublicInputs, EMPTY_HISTORY};

use super::{manifest, prove_chain, prove_epoch, Checkpoints, PipelineError, Stage};
use crate::assign::{chunk_witnesses_for, prelude_witness};
use crate::export::{attestation, expected_statement};
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
    /// A proof states something else than the ledger (nothing is written).
    #[error("the {proof} proof states another epoch than the ledger's: {field} differs")]
    Statement {
        /// Which proof.
        proof: &'static str,
        /// The first field that differs.
        field: &'static str,
    },
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
    /// Bytes of the final proof.
    pub final_proof_bytes: usize,
}

/// The first field in which two statements differ.
fn first_difference(a: &PublicInputs, b: &PublicInputs) -> Option<&'static str> {
    [
        (a.market_hash == b.market_hash, "market_hash"),
        (a.genesis_root == b.genesis_root, "genesis_root"),
        (a.prev_root == b.prev_root, "prev_root"),
        (a.new_root == b.new_root, "new_root"),
        (a.epoch == b.epoch, "epoch"),
        (a.timestamp == b.timestamp, "timestamp"),
        (a.batch_hash == b.batch_hash, "batch_hash"),
        (a.report_hashes == b.report_hashes, "report_hashes"),
        (a.op_count == b.op_count, "op_count"),
        (a.history == b.history, "history"),
    ]
    .into_iter()
    .find(|(same, _)| !same)
    .map(|(_, field)| field)
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

/// Applies, proves, chains, shrinks and writes one epoch.
pub fn prove_epoch_to(
    set: &CircuitSet,
    ledger: &Ledger,
    epoch: &Epoch,
    previous: Option<&Proof>,
    out: &Path,
    progress: &(dyn Fn(Stage) + Sync),
) -> Result<Proven, JobError> {
    let clock = Instant::now();
    let (genesis_root, history_before) = match previous {
        Some(p) => {
            let s = check_previous(set, p, ledger, epoch)?;
            (s.genesis_root, s.history)
        }
        None if epoch.epoch == 1 => (ledger.root(), EMPTY_HISTORY),
        None => {
            return Err(JobError::Previous(format!(
                "epoch {} needs the chain proof of epoch {} (--prev)",
                epoch.epoch,
                epoch.epoch - 1
            )))
        }
    };
    let (next, witness) = ledger.apply_epoch(epoch)?;
    let market = ledger.market();
    let expected = expected_statement(market, genesis_root, epoch, &witness, &history_before);
    let chunks =
        chunk_witnesses_for(epoch, &witness, &set.layouts()).map_err(PipelineError::from)?;
    let n = epoch.epoch;
    let work = out.join(format!("checkpoints-{n:04}"));
    let checkpoints = Checkpoints::open(&work, &manifest(set, &expected))?;
    let prelude = prelude_witness(epoch, &witness);
    let proof = prove_epoch(set, market, &prelude, &chunks, Some(&checkpoints), progress)?;
    let chain_proof = prove_chain(set, previous, &proof, genesis_root)?;
    let recursion = |what: String| {
        move |source| PipelineError::Recursion {
            what: what.clone(),
            source,
        }
    };
    let statement = set
        .chain
        .verify(&chain_proof)
        .map_err(recursion(format!("chain proof of epoch {n}")))?;
    if let Some(field) = first_difference(&statement, &expected) {
        return Err(JobError::Statement {
            proof: "chain",
            field,
        });
    }
    progress(Stage::Chain);
    let final_proof = set
        .final_circuit
        .prove(&chain_proof)
        .map_err(recursion(format!("final proof of epoch {n}")))?;
    let final_statement = set
        .final_circuit
        .verify(&final_proof)
        .map_err(recursion(format!("final proof of epoch {n}")))?;
    if let Some(field) = first_difference(&final_statement, &expected) {
        return Err(JobError::Statement {
            proof: "final",
            field,
        });
    }
    progress(Stage::Final);
    let prove_secs = clock.elapsed().as_secs_f64();

    let epoch_bytes = proof.proof.to_bytes();
    let chain_bytes = chain_proof.to_bytes();
    let final_bytes = final_proof.to_bytes();
    write_atomic(&out.join(format!("epoch-{n:04}.proof")), &epoch_bytes)?;
    write_json(
        &out.join(format!("attest-{n:04}.json")),
        &attestation(market, epoch, &witness, &history_before),
    )?;
    write_json(&out.join(format!("state-{n:04}.json")), &next.to_state())?;
    write_atomic(&out.join(format!("final-{n:04}.proof")), &final_bytes)?;
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
        final_proof_bytes: final_bytes.len(),
    })
}
