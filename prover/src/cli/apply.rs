//! `zksettle apply`: native application of one epoch, to a JSON state
//! (`--state`, writing the new state to `--out`) or to a ledger store
//! (`--ledger`, committed in place).

use std::path::PathBuf;

use anyhow::{Context as _, Result};
use serde_json::json;
use zksettle_circuits::rules::encoding::digest_hex;
use zksettle_circuits::rules::market::Market;
use zksettle_prover::io::{read_json, write_json};
use zksettle_prover::ledger::store::LedgerStore;

/// Arguments of `zksettle apply`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Market configuration (market.json).
    #[arg(long)]
    market: PathBuf,
    /// State the epoch starts from (state-NNNN.json); needs --out.
    #[arg(
        long,
        required_unless_present = "ledger",
        conflicts_with = "ledger",
        requires = "out"
    )]
    state: Option<PathBuf>,
    /// Ledger directory (`zksettle ledger init`) the epoch is applied to
    /// and committed in, in place of --state and --out.
    #[arg(long)]
    ledger: Option<PathBuf>,
    /// Epoch file (epoch-NNNN.json).
    #[arg(long)]
    epoch: PathBuf,
    /// Where to write the new state (with --state); nothing is written if
    /// the epoch is rejected.
    #[arg(long, conflicts_with = "ledger")]
    out: Option<PathBuf>,
}

/// Applies the epoch and prints `{"epoch","prev_root","new_root","ops"}`.
pub fn run(args: Args) -> Result<()> {
    let (prev_root, new_root, ops, number) = match (&args.state, &args.out, &args.ledger) {
        (Some(state), Some(out), None) => {
            let ledger = super::load_ledger(&args.market, state)?;
            let epoch = super::load_epoch(&args.epoch)?;
            let (next, witness) = ledger
                .apply_epoch(&epoch)
                .with_context(|| format!("{}", args.epoch.display()))?;
            write_json(out, &next.to_state())?;
            (
                witness.prev_root,
                witness.new_root,
                epoch.ops.len(),
                epoch.epoch,
            )
        }
        (None, None, Some(dir)) => {
            let market: Market = read_json(&args.market)?;
            let epoch = super::load_epoch(&args.epoch)?;
            let mut store = LedgerStore::open(dir, market)?;
            let (record, _) = store
                .apply_epoch(&epoch)
                .with_context(|| format!("{}", args.epoch.display()))?;
            (record.prev_root, record.new_root, record.ops, record.epoch)
        }
        _ => anyhow::bail!("give either --state and --out, or --ledger"),
    };
    let line = json!({
        "epoch": number,
        "prev_root": digest_hex(&prev_root),
        "new_root": digest_hex(&new_root),
        "ops": ops,
    });
    println!("{line}");
    Ok(())
}
