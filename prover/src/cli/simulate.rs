//! `zksettle simulate`: a deterministic market with a few epochs.

use std::path::PathBuf;

use anyhow::Result;
use zksettle_prover::sim::{simulate, SimConfig};

/// Arguments of `zksettle simulate`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Seed; the same seed gives byte-identical files.
    #[arg(long, default_value_t = 7)]
    seed: u64,
    /// User accounts (market maker, liquidator, traders).
    #[arg(long, default_value_t = 100)]
    accounts: u32,
    /// Epochs after genesis.
    #[arg(long, default_value_t = 3)]
    epochs: u64,
    /// Operations per epoch.
    #[arg(long, default_value_t = 100)]
    ops: usize,
    /// Output directory (created if missing).
    #[arg(long)]
    out: PathBuf,
}

/// Simulates and writes the files.
pub fn run(args: Args) -> Result<()> {
    let config = SimConfig {
        seed: args.seed,
        accounts: args.accounts,
        epochs: args.epochs,
        ops: args.ops,
    };
    let simulation = simulate(config)?;
    simulation.write(&args.out)?;
    for epoch in &simulation.epochs {
        tracing::info!(epoch = epoch.epoch, ops = epoch.ops.len(), "simulated");
    }
    Ok(())
}
