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

use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use zksettle_circuits::recursion::final_proof::FinalProof;
use zksettle_circuits::recursion::set::CircuitSet;
use zksettle_circuits::recursion::{Proof, RecursionError};
use zksettle_circuits::rules::encoding::Digest;
use zksettle_circuits::rules::epoch::Epoch;
use zksettle_circuits::rules::error::EpochError;
use zksettle_circuits::rules::market::Market;
use zksettle_verifier::{PublicInputs, EMPTY_HISTORY};

use super::{
    fold_leaves, manifest, prove_chain, prove_leaves, Checkpoints, EpochProof, Leaves,
    PipelineError, ProvingTimes, Stage,
};
use crate::assign::{chunk_witnesses_for, prelude_witness};
use crate::export::{attestation, expected_statement};
use crate::io::{to_json_bytes, write_atomic, IoError};
use crate::ledger::store::OutputFile;
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

/// One epoch proven, chained and shrunk, in memory: what every caller of
/// the pipeline (the CLI, the demo, the report, `follow`) starts from.
pub struct Settled {
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

/// The first stage of an epoch's job ([`prove_epoch_leaves`]): the leaves
/// of its fold tree, with the statement the rest of the job must reach.
pub struct EpochLeaves {
    /// Epoch number.
    pub epoch: u64,
    /// The chain statement the epoch's proofs must carry.
    pub expected: PublicInputs,
    /// The epoch's witness records.
    pub witness: EpochWitness,
    /// The history accumulator before the epoch.
    pub history_before: Digest,
    /// The prelude's and the chunks' nodes.
    pub leaves: Leaves,
    /// Chunks per layout of the set.
    pub chunks_per_layout: Vec<usize>,
    /// Seconds applying the epoch (measured from `started`).
    pub apply_s: f64,
    /// Seconds cutting the witnesses.
    pub assign_s: f64,
    /// When the job started (the application), for `total_s`.
    started: Instant,
    work: Option<PathBuf>,
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
pub fn first_difference(a: &PublicInputs, b: &PublicInputs) -> Option<&'static str> {
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
/// Returns the ledger after the epoch with the proofs.
pub fn settle_epoch(
    set: &CircuitSet,
    ledger: &Ledger,
    epoch: &Epoch,
    previous: Option<&Proof>,
    work: Option<&Path>,
    progress: &(dyn Fn(Stage) + Sync),
) -> Result<(Ledger, Settled), JobError> {
    let chained = match previous {
        Some(p) => {
            let s = check_previous(set, p, ledger, epoch)?;
            Chained {
                genesis_root: s.genesis_root,
                history_before: s.history,
            }
        }
        None if epoch.epoch == 1 => Chained {
            genesis_root: ledger.root(),
            history_before: EMPTY_HISTORY,
        },
        None => return Err(needs_previous(epoch.epoch)),
    };
    let started = Instant::now();
    let (next, witness) = ledger.apply_epoch(epoch)?;
    let leaves = prove_epoch_leaves(
        set,
        ledger.market(),
        epoch,
        witness,
        chained,
        started,
        work,
        progress,
    )?;
    let settled = finish_epoch(set, leaves, previous, progress)?;
    Ok((next, settled))
}

fn needs_previous(epoch: u64) -> JobError {
    JobError::Previous(format!(
        "epoch {epoch} needs the chain proof of epoch {} (--prev)",
        epoch.saturating_sub(1)
    ))
}

/// What an epoch's chain statement continues from: the venue's genesis
/// root and the history accumulator after the epoch before (from the
/// previous chain proof, or computed natively ahead of it by a pipelined
/// prover; [`finish_epoch`] checks both against that proof).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Chained {
    /// The root the venue's history starts at.
    pub genesis_root: Digest,
    /// The history accumulator before the epoch.
    pub history_before: Digest,
}

/// The first stage of the job: from the epoch's witness (applied natively
/// by the caller, `started` being when that began) to its fold tree's
/// leaves, the prelude and every chunk proven and wrapped.
#[allow(clippy::too_many_arguments)]
pub fn prove_epoch_leaves(
    set: &CircuitSet,
    market: &Market,
    epoch: &Epoch,
    witness: EpochWitness,
    chained: Chained,
    started: Instant,
    work: Option<&Path>,
    progress: &(dyn Fn(Stage) + Sync),
) -> Result<EpochLeaves, JobError> {
    let apply_s = started.elapsed().as_secs_f64();
    let expected = expected_statement(
        market,
        chained.genesis_root,
        epoch,
        &witness,
        &chained.history_before,
    );
    let chunks =
        chunk_witnesses_for(epoch, &witness, &set.layouts()).map_err(PipelineError::from)?;
    let prelude = prelude_witness(epoch, &witness);
    let mut chunks_per_layout = vec![0; set.chunks.len()];
    for chunk in &chunks {
        chunks_per_layout[set.layout_for(chunk)] += 1;
    }
    let assign_s = started.elapsed().as_secs_f64() - apply_s;
    let checkpoints = work
        .map(|dir| Checkpoints::open(dir, &manifest(set, &expected)))
        .transpose()?;
    let leaves = prove_leaves(
        set,
        market,
        &prelude,
        &chunks,
        checkpoints.as_ref(),
        progress,
    )?;
    Ok(EpochLeaves {
        epoch: epoch.epoch,
        expected,
        witness,
        history_before: chained.history_before,
        leaves,
        chunks_per_layout,
        apply_s,
        assign_s,
        started,
        work: work.map(Path::to_path_buf),
    })
}

/// The second stage of the job: checks the previous chain proof against
/// what the leaves continue from (its epoch, new root, genesis root and
/// history), folds the leaves into the epoch proof, proves the chain step
/// and the final proof, and checks that both state exactly the expected
/// statement.
pub fn finish_epoch(
    set: &CircuitSet,
    leaves: EpochLeaves,
    previous: Option<&Proof>,
    progress: &(dyn Fn(Stage) + Sync),
) -> Result<Settled, JobError> {
    let EpochLeaves {
        epoch: n,
        expected,
        witness,
        history_before,
        leaves,
        chunks_per_layout,
        apply_s,
        assign_s,
        started,
        work,
    } = leaves;
    match previous {
        Some(p) => {
            let s = set
                .chain
                .verify(p)
                .map_err(|e: RecursionError| JobError::Previous(e.to_string()))?;
            let problem = if s.epoch + 1 != n {
                Some(format!(
                    "it proves epoch {}, epoch {n} needs epoch {}",
                    s.epoch,
                    n.saturating_sub(1)
                ))
            } else if s.new_root != expected.prev_root {
                Some(format!(
                    "it ends epoch {} at another root than the state's",
                    s.epoch
                ))
            } else if s.genesis_root != expected.genesis_root {
                Some("it starts from another genesis root".to_string())
            } else if s.history != history_before {
                Some("its history is not the one this epoch continues".to_string())
            } else {
                None
            };
            if let Some(problem) = problem {
                return Err(JobError::Previous(problem));
            }
        }
        None if n == 1 => {}
        None => return Err(needs_previous(n)),
    }
    let checkpoints = work
        .as_deref()
        .map(|dir| Checkpoints::open(dir, &manifest(set, &expected)))
        .transpose()?;
    let epoch_proof = fold_leaves(set, leaves, checkpoints.as_ref(), progress)?;
    let recursion = |what: String| {
        move |source| PipelineError::Recursion {
            what: what.clone(),
            source,
        }
    };
    let chained = Instant::now();
    let chain_proof = prove_chain(set, previous, &epoch_proof, expected.genesis_root)?;
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
    let total_s = started.elapsed().as_secs_f64();
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

/// Writes a settled epoch's outputs into `out`, each atomically, in this
/// order: `epoch-NNNN.proof`, `attest-NNNN.json`, `state-NNNN.json` (when
/// `state` is given: the JSON path; a ledger store is its own state),
/// `final-NNNN.proof`, then `chain-NNNN.proof` (what the next epoch
/// continues from). Returns every file written with its SHA-256.
pub fn write_outputs(
    out: &Path,
    market: &Market,
    epoch: &Epoch,
    settled: &Settled,
    state: Option<&Ledger>,
) -> Result<Vec<OutputFile>, JobError> {
    let n = epoch.epoch;
    let mut written = Vec::new();
    let mut put = |name: String, bytes: Vec<u8>| -> Result<(), JobError> {
        write_atomic(&out.join(&name), &bytes)?;
        written.push(OutputFile {
            sha256: hex::encode(Sha256::digest(&bytes)),
            bytes: bytes.len() as u64,
            name,
        });
        Ok(())
    };
    put(
        format!("epoch-{n:04}.proof"),
        settled.epoch_proof.proof.to_bytes(),
    )?;
    put(
        format!("attest-{n:04}.json"),
        to_json_bytes(&attestation(
            market,
            epoch,
            &settled.witness,
            &settled.history_before,
        )),
    )?;
    if let Some(ledger) = state {
        put(
            format!("state-{n:04}.json"),
            to_json_bytes(&ledger.to_state()),
        )?;
    }
    put(
        format!("final-{n:04}.proof"),
        settled.final_proof.to_bytes(),
    )?;
    put(
        format!("chain-{n:04}.proof"),
        settled.chain_proof.to_bytes(),
    )?;
    Ok(written)
}

/// Runs [`settle_epoch`] with its checkpoints in `out/checkpoints-NNNN/`
/// and writes the outputs ([`write_outputs`]); the checkpoints are removed
/// after.
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
    let (next, settled) = settle_epoch(set, ledger, epoch, previous, Some(&work), progress)?;
    let written = write_outputs(out, ledger.market(), epoch, &settled, Some(&next))?;
    let _ = std::fs::remove_dir_all(&work);
    Ok(Proven {
        ledger: next,
        ops: epoch.ops.len(),
        chunks: settled.epoch_proof.chunks,
        folds: settled.epoch_proof.folds,
        times: settled.times,
        epoch_proof_bytes: output_bytes(&written, "epoch-"),
        chain_proof_bytes: output_bytes(&written, "chain-"),
        final_proof_bytes: output_bytes(&written, "final-"),
        chain_proof: settled.chain_proof,
        statement: settled.statement,
    })
}

/// The length of the output whose name starts with `prefix` (0 if none).
pub fn output_bytes(written: &[OutputFile], prefix: &str) -> usize {
    written
        .iter()
        .find(|f| f.name.starts_with(prefix))
        .map_or(0, |f| f.bytes as usize)
}
