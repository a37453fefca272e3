//! `zksettle task`: one stage of an epoch as a pure task over a store.

use anyhow::{Context as _, Result};
use zksettle_prover::cluster::task::{self, TaskKind, TaskSpec};
use zksettle_prover::store::Store;

/// Arguments of `zksettle task`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// What to do.
    #[arg(value_enum)]
    kind: TaskKind,
    /// Store: a directory or s3://bucket/prefix.
    #[arg(long)]
    store: String,
    /// Input keys, the epoch inputs first (prelude, chunk: 1; wrap: inputs,
    /// chunk; fold: inputs, left, right; chain: inputs, epoch root; final:
    /// inputs, chain).
    #[arg(long = "in", num_args = 1.., required = true)]
    inputs: Vec<String>,
    /// Chunk index (chunk, wrap) or index in the fold level.
    #[arg(long, default_value_t = 0)]
    index: usize,
    /// Expected output key (checked; without it the key is printed).
    #[arg(long)]
    out: Option<String>,
}

/// Runs the task and prints `{"key","existed"}`.
pub fn run(args: Args) -> Result<()> {
    let spec = TaskSpec {
        kind: args.kind,
        inputs: args.inputs,
        index: args.index,
    };
    if let Some(out) = &args.out {
        anyhow::ensure!(
            *out == spec.output_key(),
            "--out {out}: this task's output key is {}",
            spec.output_key()
        );
    }
    let store = Store::open(&args.store)?;
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    let output = runtime.block_on(task::run(&store, &spec))?;
    println!("{}", serde_json::to_string(&output)?);
    Ok(())
}
