//! Throughput against chunk size: for each capacity, the chunk circuit is
//! built and one full chunk of the workload is proven; a chunk of `c`
//! steps proves `c` operations (a settlement: one holder per step), so its
//! throughput is `c / prove time`. Rows grow by one step's rows per step
//! on top of a fixed per-chunk part (market hash, reports, medians, risk
//! arrays), and the prover's time follows the padded power of two.

use serde::{Deserialize, Serialize};
use zksettle_circuits::chunk::{ChunkCircuit, ChunkParams, OpKinds};
use zksettle_circuits::gadgets::market::MarketShape;
use zksettle_prover::assign::chunk_witnesses;

use crate::timing::timed;
use crate::workload::AppliedEpoch;
use crate::BenchError;

/// One capacity's figures.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SweepPoint {
    /// Steps per chunk.
    pub capacity: usize,
    /// Rows before padding.
    pub rows: usize,
    /// log2 of the padded rows.
    pub degree_bits: usize,
    /// Seconds to build the circuit (`None` when it came from the cache).
    pub build_s: Option<f64>,
    /// Seconds to prove (and verify) one full chunk.
    pub prove_s: f64,
    /// Steps of the proven chunk per second of proving.
    pub ops_per_s: f64,
}

impl SweepPoint {
    /// The point of a circuit whose chunk proof was timed elsewhere.
    pub fn of(circuit: &ChunkCircuit, build_s: Option<f64>, prove_s: f64) -> Self {
        Self {
            capacity: circuit.params.capacity,
            rows: circuit.gates,
            degree_bits: circuit.degree_bits(),
            build_s,
            prove_s,
            ops_per_s: circuit.params.capacity as f64 / prove_s,
        }
    }
}

/// Builds the chunk circuit of `capacity` steps for `applied`'s market and
/// proves its first chunk, which must be full.
pub fn measure(applied: &AppliedEpoch, capacity: usize) -> Result<SweepPoint, BenchError> {
    let market = applied.before.market();
    let params = ChunkParams {
        shape: MarketShape::of(market),
        capacity,
        signatures: zksettle_circuits::chunk::desk_slots(capacity),
        kinds: OpKinds::ALL,
    };
    let (circuit, build_s) = timed(|| ChunkCircuit::build(params));
    let chunks = chunk_witnesses(&applied.epoch, &applied.witness, capacity)?;
    let first = chunks
        .first()
        .filter(|c| c.steps.len() == capacity)
        .ok_or_else(|| {
            BenchError::Workload(format!("the epoch does not fill a chunk of {capacity}"))
        })?;
    let (proof, prove_s) = timed(|| circuit.prove(market, first));
    proof?;
    Ok(SweepPoint::of(&circuit, Some(build_s), prove_s))
}
