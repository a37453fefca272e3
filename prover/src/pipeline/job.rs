//! The staged job of one epoch, the one path every caller takes:
//! [`settle_epoch`] applies it natively, cuts its witnesses, proves the
//! prelude, the chunks and their wraps, the fold tree, the chain step and
//! the final proof, and returns them with the seconds of each stage
//! ([`StageTimes`]); `zksettle prove`, `zksettle demo` and the report all
//! run it. [`prove_epoch_to`] runs it from and to files.
//!
//! Outputs in `out` (`docs/design.md` section 13), each written atomically and only
//! once the chain and final proofs exist and state exactly the ledger's
//! statement: `state-NNNN.json`, `epoch-NNNN.proof`, `chain-NNNN.proof`
//! (what the next epoch's chain step continues from), `final-NNNN.proof`
//! (what light clients download) and `attest-NNNN.json` (the epoch's record
//! in the history and the reports whose hashes the proof carries, with
//! their signatures). Checkpoints go to `out/checkpoints-NNNN/` and are
//! removed after success.

use std::path::Path;
use std::time::Instant;

use serde::{Deserialize, Serialize};
use zksettle_circuits::recursion::final_proof::FinalProof;
use zksettle_circuits::recursion::set::CircuitSet;
use zksettle_circuits::recursion::{Proof, RecursionError};
use zksettle_circuits::rules::encoding::Digest;
use zksettle_circuits::rules::epoch::Epoch;
use zksettle_circuits::rules::error::EpochError;
use zksettle_verifier::{PublicInputs, EMPTY_HISTORY};

use super::{
    manifest, prove_chain, prove_epoch, Checkpoints, EpochProof, PipelineError, ProvingTimes, Stage,
};
use crate::assign::{chunk_witnesses_for, prelude_witness};
use crate::export::{attestation, expected_statement};
use crate::io::{write_atomic, write_json, IoError};
use crate::ledger::{EpochWitness, Ledger};

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

/// Seconds each stage of one epoch took, in the order they run:
/// application, witnesses, prelude, chunks with their wraps, folds, chain,
/// final. `total_s` runs from the application to the final proof (the
/// previous chain proof's check and the writing of outputs are outside).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct StageTimes {
    /// The native application, with its witness records.
    pub apply_s: f64,
    /// Cutting the records into the prelude and chunk witnesses.
    pub assign_s: f64,
    /// The prelude.
    pub prelude_s: f64,
    /// Every chunk proven and wrapped.
    pub chunk_s: f64,
    /// The fold tree.
    pub fold_s: f64,
    /// The chain step.
    pub chain_s: f64,
    /// The final proof.
    pub final_s: f64,
    /// From the application to the final proof.
    pub total_s: f64,
}

/// One epoch applied, proven, chained and shrunk, in memory: what every
/// caller of the pipeline (the CLI, the demo, the report) starts from.
pub struct Settled {
    /// The ledger after the epoch.
    pub ledger: Ledger,
    /// The epoch's witness records.
    pub witness: EpochWitness,
    /// The history accumulator before the epoch.
    pub history_before: Digest,
    /// The epoch proof (the fold tree's root).
    pub epoch_proof: EpochProof,
    /// Chunks proven with each layout of the set, in the set's order.
    pub chunks_per_layout: Vec<usize>,
    /// The chain proof.
    pub chain_proof: Proof,
    /// The final proof.
    pub final_proof: FinalProof,
    /// What the chain and final proofs state (the ledger's statement).
    pub statement: PublicInputs,
    /// Seconds per stage.
    pub times: StageTimes,
}

/// What proving one epoch to files gave.
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
    /// Seconds per stage.
    pub times: StageTimes,
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

/// The staged job of one epoch: checks the previous chain proof, applies
/// the epoch natively, cuts its witnesses, proves the prelude, the chunks
/// (each wrapped), the fold tree, the chain step and the final proof, and
/// checks that both proofs state exactly the ledger's statement. With
/// `work`, every proof is checkpointed there and a rerun resumes from it.
pub fn settle_epoch(
    set: &CircuitSet,
    ledger: &Ledger,
    epoch: &Epoch,
    previous: Option<&Proof>,
    work: Option<&Path>,
    progress: &(dyn Fn(Stage) + Sync),
) -> Result<Settled, JobError> {
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
    let clock = Instant::now();
    let (next, witness) = ledger.apply_epoch(epoch)?;
    let apply_s = clock.elapsed().as_secs_f64();
    let market = ledger.market();
    let expected = expected_statement(market, genesis_root, epoch, &witness, &history_before);
    let chunks =
        chunk_witnesses_for(epoch, &witness, &set.layouts()).map_err(PipelineError::from)?;
    let prelude = prelude_witness(epoch, &witness);
    let mut chunks_per_layout = vec![0; set.chunks.len()];
    for chunk in &chunks {
        chunks_per_layout[set.layout_for(chunk)] += 1;
    }
    let assign_s = clock.elapsed().as_secs_f64() - apply_s;
    let checkpoints = work
        .map(|dir| Checkpoints::open(dir, &manifest(set, &expected)))
        .transpose()?;
    let epoch_proof = prove_epoch(
        set,
        market,
        &prelude,
        &chunks,
        checkpoints.as_ref(),
        progress,
    )?;
    let n = epoch.epoch;
    let recursion = |what: String| {
        move |source| PipelineError::Recursion {
            what: what.clone(),
            source,
        }
    };
    let chained = Instant::now();
    let chain_proof = prove_chain(set, previous, &epoch_proof, genesis_root)?;
    let chain_s = chained.elapsed().as_secs_f64();
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
    let shrunk = Instant::now();
    let final_proof = set
        .final_circuit
        .prove(&chain_proof)
        .map_err(recursion(format!("final proof of epoch {n}")))?;
    let final_s = shrunk.elapsed().as_secs_f64();
    let total_s = clock.elapsed().as_secs_f64();
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
    let ProvingTimes {
        prelude_s,
        chunk_s,
        fold_s,
    } = epoch_proof.times;
    Ok(Settled {
        ledger: next,
        witness,
        history_before,
        epoch_proof,
        chunks_per_layout,
        chain_proof,
        final_proof,
        statement,
        times: StageTimes {
            apply_s,
            assign_s,
            prelude_s,
            chunk_s,
            fold_s,
            chain_s,
            final_s,
            total_s,
        },
    })
}

/// Runs [`settle_epoch`] with its checkpoints in `out/checkpoints-NNNN/`
/// and writes the outputs (module doc); the checkpoints are removed after.
pub fn prove_epoch_to(
    set: &CircuitSet,
    ledger: &Ledger,
    epoch: &Epoch,
    previous: Option<&Proof>,
    out: &Path,
    progress: &(dyn Fn(Stage) + Sync),
) -> Result<Proven, JobError> {
    let n = epoch.epoch;
    let work = out.join(format!("checkpoints-{n:04}"));
    let settled = settle_epoch(set, ledger, epoch, previous, Some(&work), progress)?;
    let epoch_bytes = settled.epoch_proof.proof.to_bytes();
    let chain_bytes = settled.chain_proof.to_bytes();
    let final_bytes = settled.final_proof.to_bytes();
    write_atomic(&out.join(format!("epoch-{n:04}.proof")), &epoch_bytes)?;
    write_json(
        &out.join(format!("attest-{n:04}.json")),
        &attestation(
            ledger.market(),
            epoch,
            &settled.witness,
            &settled.history_before,
        ),
    )?;
    write_json(
        &out.join(format!("state-{n:04}.json")),
        &settled.ledger.to_state(),
    )?;
    write_atomic(&out.join(format!("final-{n:04}.proof")), &final_bytes)?;
    write_atomic(&out.join(format!("chain-{n:04}.proof")), &chain_bytes)?;
    let _ = std::fs::remove_dir_all(&work);
    Ok(Proven {
        ledger: settled.ledger,
        chain_proof: settled.chain_proof,
        statement: settled.statement,
        ops: epoch.ops.len(),
        chunks: settled.epoch_proof.chunks,
        folds: settled.epoch_proof.folds,
        times: settled.times,
        epoch_proof_bytes: epoch_bytes.len(),
        chain_proof_bytes: chain_bytes.len(),
        final_proof_bytes: final_bytes.len(),
    })
}
