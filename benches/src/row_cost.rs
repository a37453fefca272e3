//! Prover time per row: a chunk proof against the raw plonky2 baseline of
//! the same degree ([`RawCircuit`]), proven alternately in the same process
//! so both see the same machine state. Both pad to `2^degree_bits` rows and
//! plonky2's cost follows the padded size, so the ratio of proving times is
//! the ratio of times per row.

use serde::{Deserialize, Serialize};
use zksettle_circuits::chunk::{ChunkCircuit, ChunkWitness};
use zksettle_circuits::rules::Market;

use crate::baseline::RawCircuit;
use crate::timing::{median, timed};
use crate::BenchError;

/// The comparison's figures.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RowCost {
    /// log2 of both circuits' padded rows.
    pub degree_bits: usize,
    /// Rows of the chunk circuit before padding.
    pub chunk_rows: usize,
    /// Rows of the baseline before padding.
    pub raw_rows: usize,
    /// Seconds to build the baseline.
    pub raw_build_s: f64,
    /// Proofs of each made (the figures are medians).
    pub runs: usize,
    /// Median seconds of one chunk proof (with its verification).
    pub chunk_prove_s: f64,
    /// Median seconds of one baseline proof.
    pub raw_prove_s: f64,
    /// Chunk seconds per padded row over the baseline's.
    pub ratio: f64,
}

/// Proves `witness` with `chunk` and the baseline of the same degree
/// `runs` times each, alternately.
pub fn compare(
    chunk: &ChunkCircuit,
    market: &Market,
    witness: &ChunkWitness,
    runs: usize,
) -> Result<RowCost, BenchError> {
    let degree_bits = chunk.degree_bits();
    let (raw, raw_build_s) = timed(|| RawCircuit::build(degree_bits));
    let raw = raw?;
    let runs = runs.max(1);
    let mut ours = Vec::with_capacity(runs);
    let mut theirs = Vec::with_capacity(runs);
    for _ in 0..runs {
        let (proof, secs) = timed(|| chunk.prove(market, witness));
        proof?;
        ours.push(secs);
        let (proof, secs) = timed(|| raw.prove());
        proof?;
        theirs.push(secs);
    }
    let (chunk_prove_s, raw_prove_s) = (median(&ours), median(&theirs));
    Ok(RowCost {
        degree_bits,
        chunk_rows: chunk.gates,
        raw_rows: raw.gates,
        raw_build_s,
        runs,
        chunk_prove_s,
        raw_prove_s,
        ratio: chunk_prove_s / raw_prove_s,
    })
}
