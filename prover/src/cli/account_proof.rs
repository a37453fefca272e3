//! `zksettle account-proof`: an account's leaf and Merkle path under a
//! state's root, for a user to show its balance and positions under a
//! finalized root (`zksettle verify-account` checks it).

use std::path::PathBuf;

use anyhow::{Context as _, Result};
use zksettle_prover::io::write_json;

/// Arguments of `zksettle account-proof`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Market configuration (market.json): the tree's depth.
    #[arg(long)]
    market: PathBuf,
    /// State snapshot (state-NNNN.json) whose root the proof is under.
    #[arg(long)]
    state: PathBuf,
    /// Leaf index of the account.
    #[arg(long)]
    account: u64,
    /// Where the proof goes (default: standard output).
    #[arg(long)]
    out: Option<PathBuf>,
}

/// Writes the account proof as JSON.
pub fn run(args: Args) -> Result<()> {
    let ledger = super::load_ledger(&args.market, &args.state)?;
    let proof = ledger.account_proof(args.account).with_context(|| {
        format!(
            "{}: account {} is not an account of a tree of {} leaves (leaf 2 is the global leaf)",
            args.state.display(),
            args.account,
            ledger.market().capacity()
        )
    })?;
    match &args.out {
        Some(path) => write_json(path, &proof)?,
        None => println!("{}", serde_json::to_string_pretty(&proof)?),
    }
    Ok(())
}
