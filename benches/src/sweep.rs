//! Throughput against chunk size: for each capacity, the light chunk
//! circuit (the layout that proves the signed flow, with a desk of
//! [`light_desk_slots`] signature slots) is built and one full chunk of
//! the workload is proven; a chunk of `c` steps proves `c` operations (a
//! settlement: one holder per step), so its throughput is `c / prove
//! time`. Rows grow by one step's rows and five eighths of a desk slot per
//! step on top of a fixed per-chunk part (market hash, sheet commitment,
//! system write-back), and the prover's time follows the padded power of
//! two.

use serde::{Deserialize, Serialize};
use zksettle_circuits::chunk::{light_desk_slots, ChunkCircuit, ChunkParams, OpKinds};
use zksettle_circuits::gadgets::market::MarketShape;
use zksettle_circuits::rules::Market;
use zksettle_prover::assign::chunk_witnesses_for;

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

/// The sweep's layout of `capacity` steps for `market`: the light one,
/// with the desk the signed flow needs.
pub fn params(market: &Market, capacity: usize) -> ChunkParams {
    ChunkParams {
        shape: MarketShape::of(market),
        capacity,
        signatures: light_desk_slots(capacity),
        kinds: OpKinds::LIGHT,
    }
}

/// Builds the light chunk circuit of `capacity` steps for `applied`'s
/// market and proves one full chunk of it ([`prove_full`]).
pub fn measure(applied: &AppliedEpoch, capacity: usize) -> Result<SweepPoint, BenchError> {
    let (circuit, build_s) =
        timed(|| ChunkCircuit::build(params(applied.before.market(), capacity)));
    prove_full(&circuit, applied, Some(build_s))
}

/// Proves the first chunk of `applied`, cut for `circuit`'s layout alone,
/// that fills all its steps (a chunk cut short by its desk, or by an
/// operation the layout lacks, would overstate the cost of a step).
pub fn prove_full(
    circuit: &ChunkCircuit,
    applied: &AppliedEpoch,
    build_s: Option<f64>,
) -> Result<SweepPoint, BenchError> {
    let capacity = circuit.params.capacity;
    let chunks = chunk_witnesses_for(&applied.epoch, &applied.witness, &[circuit.params])?;
    let full = chunks
        .iter()
        .find(|c| c.steps.len() == capacity && circuit.params.fits(c))
        .ok_or_else(|| {
            BenchError::Workload(format!(
                "no chunk of the epoch fills {capacity} steps of the {} layout",
                circuit.params.layout_name()
            ))
        })?;
    let (proof, prove_s) = timed(|| circuit.prove(applied.before.market(), full));
    proof?;
    Ok(SweepPoint::of(circuit, build_s, prove_s))
}
