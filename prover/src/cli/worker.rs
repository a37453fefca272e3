//! `zksettle worker`: a Temporal worker proving epochs' tasks.

use anyhow::{Context as _, Result};
use zksettle_prover::cluster;
use zksettle_prover::store::Store;

/// Arguments of `zksettle worker`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Temporal server (host:port or URL).
    #[arg(long)]
    temporal: String,
    /// Temporal namespace.
    #[arg(long, default_value = "default")]
    namespace: String,
    /// Store: a directory (shared volume) or s3://bucket/prefix.
    #[arg(long)]
    store: String,
    /// Activities at once (each chunk proof holds about 1.3 GB).
    #[arg(long, default_value_t = 1)]
    slots: usize,
}

/// Runs the worker until killed.
pub fn run(args: Args) -> Result<()> {
    let store = Store::open(&args.store)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(cluster::run_worker(
        &args.temporal,
        &args.namespace,
        store,
        args.slots,
    ))?;
    Ok(())
}
