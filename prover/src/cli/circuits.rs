//! The circuit set a command proves with, built once per process.

use std::time::Instant;

use anyhow::Result;
use zksettle_circuits::chunk::{ChunkParams, OpKinds};
use zksettle_circuits::gadgets::market::MarketShape;
use zksettle_circuits::recursion::set::CircuitSet;
use zksettle_circuits::rules::Market;

/// Builds the circuits for `market`'s shape and `capacity` steps per chunk.
pub fn load_or_build(market: &Market, capacity: usize) -> Result<CircuitSet> {
    anyhow::ensure!(capacity > 0, "--capacity must be at least 1");
    let params = ChunkParams {
        shape: MarketShape::of(market),
        capacity,
        kinds: OpKinds::ALL,
    };
    let clock = Instant::now();
    let set = CircuitSet::build(params);
    tracing::info!(ms = clock.elapsed().as_millis() as u64, build_ms = ?set.build_ms, "circuits built");
    Ok(set)
}
