//! `zksettle apply`: native application of one epoch.

use std::path::PathBuf;

use anyhow::{Context as _, Result};
use serde_json::json;
use zksettle_circuits::rules::encoding::digest_hex;
use zksettle_prover::io::write_json;

/// Arguments of `zksettle apply`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    inputs: super::EpochInputs,
    /// Where to write the new state; nothing is written if the epoch is rejected.
    #[arg(long)]
    out: PathBuf,
}

/// Applies the epoch and prints `{"epoch","prev_root","new_root","ops"}`.
pub fn run(args: Args) -> Result<()> {
    let ledger = super::load_ledger(&args.inputs.market, &args.inputs.state)?;
    let epoch = super::load_epoch(&args.inputs.epoch)?;
    let (next, witness) = ledger
        .apply_epoch(&epoch)
        .with_context(|| format!("{}", args.inputs.epoch.display()))?;
    write_json(&args.out, &next.to_state())?;
    let line = json!({
        "epoch": epoch.epoch,
        "prev_root": digest_hex(&witness.prev_root),
        "new_root": digest_hex(&witness.new_root),
        "ops": epoch.ops.len(),
    });
    println!("{line}");
    Ok(())
}
