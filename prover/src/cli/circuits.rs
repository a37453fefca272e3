//! The circuit set a command proves with, through the on-disk cache of
//! [`zksettle_prover::circuit_cache`] (loaded when it holds a set built by
//! this code for these parameters, else built, about two minutes for the
//! default layouts, and stored).

use anyhow::Result;
use zksettle_circuits::chunk::{DEFAULT_CAPACITY, LIGHT_CAPACITY};
use zksettle_circuits::recursion::set::CircuitSet;
use zksettle_circuits::rules::Market;
use zksettle_prover::circuit_cache::{self, cache_dir, cache_key};
use zksettle_prover::export::layouts_for;

/// The chunk layouts a command proves with.
#[derive(Debug, Clone, Copy, clap::Args)]
pub struct LayoutArgs {
    /// Steps per chunk of the heavy layout (every operation type).
    #[arg(long, default_value_t = DEFAULT_CAPACITY)]
    pub capacity: usize,
    /// Steps per chunk of the light layout (every type but liquidation;
    /// 0: no light layout, every chunk heavy).
    #[arg(long, default_value_t = LIGHT_CAPACITY)]
    pub light_capacity: usize,
}

/// The circuits for `market`'s shape and the chunk layouts of `layouts`.
pub fn load_or_build(market: &Market, layouts: LayoutArgs) -> Result<CircuitSet> {
    anyhow::ensure!(layouts.capacity > 0, "--capacity must be at least 1");
    let params = layouts_for(market, layouts.light_capacity, layouts.capacity);
    let cached = cache_dir().is_some_and(|dir| dir.join(cache_key(&params)).exists());
    if !cached {
        eprintln!("building circuits (once per parameter set; cached afterwards)...");
    }
    Ok(circuit_cache::load_or_build(&params).0)
}
