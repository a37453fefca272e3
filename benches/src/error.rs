//! Why a measurement could not be made.

use zksettle_circuits::chunk::ChunkError;
use zksettle_circuits::recursion::RecursionError;
use zksettle_circuits::rules::error::EpochError;
use zksettle_prover::assign::AssignError;
use zksettle_prover::io::IoError;
use zksettle_prover::ledger::LedgerError;
use zksettle_prover::pipeline::job::JobError;
use zksettle_prover::pipeline::PipelineError;
use zksettle_prover::sim::SimError;

/// Why a measurement could not be made.
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    /// The simulator failed.
    #[error(transparent)]
    Sim(#[from] SimError),
    /// A state did not load.
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    /// The ledger rejected an epoch of the workload.
    #[error(transparent)]
    Rejected(#[from] EpochError),
    /// Witness records did not make chunks.
    #[error(transparent)]
    Assign(#[from] AssignError),
    /// The pipeline failed.
    #[error(transparent)]
    Pipeline(#[from] PipelineError),
    /// The staged job of an epoch failed.
    #[error(transparent)]
    Job(#[from] JobError),
    /// A chunk did not prove.
    #[error(transparent)]
    Chunk(#[from] ChunkError),
    /// A recursive proof did not prove or verify.
    #[error(transparent)]
    Recursion(#[from] RecursionError),
    /// The light verifier rejected a proof.
    #[error(transparent)]
    Verify(#[from] zksettle_verifier::VerifyError),
    /// A fixture or an output file could not be read or written.
    #[error(transparent)]
    Io(#[from] IoError),
    /// The raw plonky2 baseline did not prove.
    #[error("baseline circuit: {0}")]
    Baseline(String),
    /// The workload lacks what a measurement needs.
    #[error("workload: {0}")]
    Workload(String),
    /// The plot could not be drawn.
    #[error("plot: {0}")]
    Plot(String),
    /// A ledger store could not be created or used.
    #[error(transparent)]
    Store(Box<zksettle_prover::ledger::store::StoreError>),
    /// The follower stopped with an error.
    #[error(transparent)]
    Follow(Box<zksettle_prover::pipeline::follow::FollowError>),
}

impl From<zksettle_prover::ledger::store::StoreError> for BenchError {
    fn from(error: zksettle_prover::ledger::store::StoreError) -> Self {
        Self::Store(Box::new(error))
    }
}

impl From<zksettle_prover::pipeline::follow::FollowError> for BenchError {
    fn from(error: zksettle_prover::pipeline::follow::FollowError) -> Self {
        Self::Follow(Box::new(error))
    }
}
