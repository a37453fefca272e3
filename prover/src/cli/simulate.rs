//! `zksettle simulate`: a deterministic market with a few epochs.

use std::path::PathBuf;

use anyhow::Result;
use zksettle_prover::sim::{simulate, Mix, SimConfig};

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
    /// The flow: `default` (a venue's first days: arrivals, a crash in epoch
    /// 2 with the first expiry), `steady` (a genesis with funded traders and
    /// open positions, then at least 70% trades), `crash` (the steady genesis
    /// a day later: epoch 1 crashes and passes the first expiry).
    #[arg(long, value_enum, default_value_t = Mix::Default)]
    mix: Mix,
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
        mix: args.mix,
    };
    let simulation = simulate(config)?;
    simulation.write(&args.out)?;
    for epoch in &simulation.epochs {
        tracing::info!(epoch = epoch.epoch, ops = epoch.ops.len(), "simulated");
    }
    Ok(())
}
