//! The circuit set a command proves with, through the on-disk cache of
//! [`zksettle_prover::circuit_cache`] (loaded when it holds a set built by
//! this code for these parameters, else built, about 40 s for the default
//! parameters, and stored).

use anyhow::Result;
use zksettle_circuits::recursion::set::CircuitSet;
use zksettle_circuits::rules::Market;
use zksettle_prover::circuit_cache::{self, cache_dir, cache_key};
use zksettle_prover::export::params_for;

/// The circuits for `market`'s shape and `capacity` steps per chunk.
pub fn load_or_build(market: &Market, capacity: usize) -> Result<CircuitSet> {
    anyhow::ensure!(capacity > 0, "--capacity must be at least 1");
    let params = params_for(market, capacity);
    let cached = cache_dir().is_some_and(|dir| dir.join(cache_key(&params)).exists());
    if !cached {
        eprintln!("building circuits (once per parameter set; cached afterwards)...");
    }
    Ok(circuit_cache::load_or_build(params).0)
}
