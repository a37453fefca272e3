//! One epoch end to end, as the operator runs it: native application,
//! witness assignment, chunk proofs (each with its wrap, in parallel), the
//! fold tree, the chain step from genesis and the final proof, each stage
//! timed; then the proofs' sizes and verification times.
//!
//! Verification is timed by the prover's `ChainCircuit::verify` (plonky2
//! and the key check, on a decoded proof) and by the light verifier,
//! `zksettle_verifier::verify_proof`, on the final proof as a client runs
//! it: from the proof's bytes, the final circuit's verifier data, the
//! trusted genesis root, market terms and oracle set, and the epoch's
//! attestation (decoding, statement checks, the attested records and
//! report hashes, the history, plonky2; the quorum's signatures were
//! verified in the proof).
//!
//! The stages and their seconds are those of the staged job
//! [`settle_epoch`], which `zksettle prove` and `zksettle demo` run too.

use std::collections::BTreeMap;
use std::time::Instant;

use serde::{Deserialize, Serialize};
use zksettle_circuits::chunk::OpKinds;
use zksettle_circuits::recursion::final_proof::FinalProof;
use zksettle_circuits::recursion::set::CircuitSet;
use zksettle_prover::assign::{chunk_witnesses_for, prelude_witness};
use zksettle_prover::export::{attestation, final_verifier_bytes, trusted};
use zksettle_prover::pipeline::job::{settle_epoch, StageTimes};
use zksettle_prover::pipeline::{prove_epoch, Stage};
use zksettle_verifier::{
    verify_proof, Anchor, Attestation, Freshness, ProofKind, Trusted, Verifier, EMPTY_HISTORY,
};

use crate::timing::{median_secs, timed};
use crate::workload::{op_mix, AppliedEpoch};
use crate::BenchError;

/// Verifications timed for each proof (the figure is their median).
pub const VERIFY_RUNS: usize = 20;

/// Figures of one epoch proven end to end.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct EpochRun {
    /// Operations in the epoch.
    pub ops: usize,
    /// Operations of each type.
    pub op_mix: BTreeMap<String, usize>,
    /// Chunk steps (a settlement takes one per holder).
    pub steps: usize,
    /// Steps per chunk (of the heavy layout).
    pub capacity: usize,
    /// Chunks proven.
    pub chunks: usize,
    /// Of those, chunks proven with the light layout.
    #[serde(default)]
    pub light_chunks: usize,
    /// Folds made.
    pub folds: usize,
    /// Seconds per stage, from the staged job (flattened: `apply_s` ...
    /// `total_s` at this level of the JSON).
    #[serde(flatten)]
    pub stages: StageTimes,
    /// Operations per second end to end (`ops / total_s`).
    pub ops_per_s: f64,
    /// Bytes of the epoch proof (the fold tree's root).
    pub epoch_proof_bytes: usize,
    /// Median milliseconds verifying the epoch proof (with its key check).
    pub epoch_verify_ms: f64,
    /// Bytes of the chain proof.
    pub chain_proof_bytes: usize,
    /// Median milliseconds verifying the chain proof with the prover's
    /// `ChainCircuit::verify` (plonky2 and the key check).
    pub chain_verify_ms: f64,
    /// Bytes of the final proof (what light clients download).
    pub final_proof_bytes: usize,
    /// Median milliseconds of the light verifier's `verify_proof` on the
    /// final proof's bytes (decoding, trusted values, the attestation's
    /// records, the history, plonky2).
    pub light_verify_ms: f64,
}

/// Proves `applied` (epoch 1 of its history) end to end with `set`, by
/// the staged job the CLI runs ([`settle_epoch`]), calling `progress` with a
/// line per finished stage, chunk or fold; the stage split is the job's.
pub fn run(
    set: &CircuitSet,
    applied: &AppliedEpoch,
    progress: &(dyn Fn(String) + Sync),
) -> Result<EpochRun, BenchError> {
    let epoch = &applied.epoch;
    let started = Instant::now();
    let report = |stage: Stage| {
        let at = started.elapsed().as_secs_f64();
        match stage {
            Stage::Planned { chunks, folds } => progress(format!(
                "proving the prelude, {chunks} chunks, then {folds} folds"
            )),
            Stage::Prelude { .. } => progress(format!("prelude proven at {at:.1} s")),
            Stage::Chunk { index, .. } => {
                progress(format!("chunk {index} proven and wrapped at {at:.1} s"))
            }
            Stage::Fold { level, index, .. } => {
                progress(format!("fold {index} of level {level} at {at:.1} s"))
            }
            Stage::Chain => progress(format!("chain step at {at:.1} s")),
            Stage::Final => progress(format!("final proof at {at:.1} s")),
        }
    };
    let (settled_ledger, settled) = settle_epoch(set, &applied.before, epoch, None, None, &report)?;
    if settled_ledger.root() != applied.after.root() {
        return Err(BenchError::Workload(
            "the job settles at another root than the workload's ledger".into(),
        ));
    }
    let light_chunks = set
        .chunks
        .iter()
        .zip(&settled.chunks_per_layout)
        .filter(|(c, _)| c.params.kinds == OpKinds::LIGHT)
        .map(|(_, n)| n)
        .sum();
    let t = settled.times;
    let proof = &settled.epoch_proof;
    let epoch_verify_s = median_secs(VERIFY_RUNS, || -> Result<(), BenchError> {
        set.fold.verify(&proof.proof)?;
        Ok(())
    })?;
    let chain_proof = &settled.chain_proof;
    let chain_verify_s = median_secs(VERIFY_RUNS, || set.chain.verify(chain_proof).map(drop))?;
    let light_verify_s = light_verify(set, applied, &settled.final_proof)?;

    Ok(EpochRun {
        ops: epoch.ops.len(),
        op_mix: op_mix(epoch),
        steps: settled.witness.steps.len(),
        capacity: set.universal().params.capacity,
        chunks: proof.chunks,
        light_chunks,
        folds: proof.folds,
        stages: t,
        ops_per_s: epoch.ops.len() as f64 / t.total_s,
        epoch_proof_bytes: proof.proof.to_bytes().len(),
        epoch_verify_ms: epoch_verify_s * 1000.0,
        chain_proof_bytes: chain_proof.to_bytes().len(),
        chain_verify_ms: chain_verify_s * 1000.0,
        final_proof_bytes: settled.final_proof.to_bytes().len(),
        light_verify_ms: light_verify_s * 1000.0,
    })
}

/// What a light client holds to verify the proofs of `applied` when it is
/// epoch 1: the trusted genesis root (the ledger before it), market terms
/// and oracle set, and the epoch's attestation.
pub fn light_client_inputs(applied: &AppliedEpoch) -> (Trusted, Attestation) {
    let market = applied.before.market();
    (
        trusted(market, applied.before.root()),
        attestation(market, &applied.epoch, &applied.witness, &EMPTY_HISTORY),
    )
}

/// Median seconds of the light verifier accepting `final_proof` (epoch 1 of
/// `applied`'s chain) as a client would, after checking it finalises the
/// ledger's root.
fn light_verify(
    set: &CircuitSet,
    applied: &AppliedEpoch,
    final_proof: &FinalProof,
) -> Result<f64, BenchError> {
    let verifier = Verifier::from_trusted_bytes(
        ProofKind::Final,
        &final_verifier_bytes(set).map_err(BenchError::Workload)?,
    )?;
    let (trusted, attestation) = light_client_inputs(applied);
    let anchor = Anchor::genesis(&trusted);
    let attestations = [attestation];
    let bytes = final_proof.to_bytes();
    // Simulated epochs are stamped at simulated times: no freshness bound.
    let verify = || {
        verify_proof(
            &verifier,
            &bytes,
            &trusted,
            &anchor,
            &attestations,
            Freshness::Unchecked,
        )
    };
    let finalized = verify()?;
    if finalized.new_root != applied.after.root() {
        return Err(BenchError::Workload(
            "the light verifier finalises another root than the ledger's".into(),
        ));
    }
    let secs = median_secs(VERIFY_RUNS, || verify().map(drop))?;
    Ok(secs)
}

/// Figures of a few chunks proven and folded (no chain), for comparing
/// thread counts on a workload small enough to run at one thread.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SegmentRun {
    /// Rayon threads the prover ran on.
    pub threads: usize,
    /// Chunks proven.
    pub chunks: usize,
    /// Chunk steps in them.
    pub steps: usize,
    /// Seconds proving, wrapping and folding them.
    pub secs: f64,
    /// Steps per second.
    pub steps_per_s: f64,
    /// The process's peak resident memory, bytes (if known).
    pub peak_rss_bytes: Option<u64>,
}

/// Proves the first `chunks` chunks of `applied` and folds them.
pub fn run_segment(
    set: &CircuitSet,
    applied: &AppliedEpoch,
    chunks: usize,
) -> Result<SegmentRun, BenchError> {
    let mut witnesses = chunk_witnesses_for(&applied.epoch, &applied.witness, &set.layouts())?;
    if witnesses.len() < chunks {
        return Err(BenchError::Workload(format!(
            "{} chunks in the epoch, {chunks} wanted",
            witnesses.len()
        )));
    }
    witnesses.truncate(chunks);
    let steps = witnesses.iter().map(|c| c.steps.len()).sum();
    let prelude = prelude_witness(&applied.epoch, &applied.witness);
    let (proof, secs) = timed(|| {
        prove_epoch(
            set,
            applied.before.market(),
            &prelude,
            &witnesses,
            None,
            &|_| {},
        )
    });
    proof?;
    Ok(SegmentRun {
        threads: rayon_threads(),
        chunks,
        steps,
        secs,
        steps_per_s: steps as f64 / secs,
        peak_rss_bytes: crate::memory::peak_self_bytes(),
    })
}

/// Threads of rayon's global pool, which the pipeline proves on.
pub fn rayon_threads() -> usize {
    rayon::current_num_threads()
}
