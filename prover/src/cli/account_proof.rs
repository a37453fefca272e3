//! `zksettle account-proof`: an account's leaf and Merkle path under a
//! state's root (a JSON state or a ledger store's current root), for a user
//! to show its balance and positions under a finalized root (`zksettle
//! verify-account` checks it).

use std::path::PathBuf;

use anyhow::{Context as _, Result};
use zksettle_circuits::rules::market::Market;
use zksettle_prover::io::{read_json, write_json};
use zksettle_prover::ledger::store::LedgerStore;

/// Arguments of `zksettle account-proof`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Market configuration (market.json): the tree's depth.
    #[arg(long)]
    market: PathBuf,
    /// State snapshot (state-NNNN.json) whose root the proof is under.
    #[arg(long, required_unless_present = "ledger", conflicts_with = "ledger")]
    state: Option<PathBuf>,
    /// Ledger directory whose current root the proof is under, in place of
    /// --state.
    #[arg(long)]
    ledger: Option<PathBuf>,
    /// With --ledger: the proof under the root after this epoch, one of
    /// the versions the store keeps (default: its current root).
    #[arg(long, requires = "ledger")]
    epoch: Option<u64>,
    /// Leaf index of the account.
    #[arg(long)]
    account: u64,
    /// Where the proof goes (default: standard output).
    #[arg(long)]
    out: Option<PathBuf>,
}

/// Writes the account proof as JSON.
pub fn run(args: Args) -> Result<()> {
    let (proof, source, capacity) = match (&args.state, &args.ledger) {
        (Some(state), None) => {
            let ledger = super::load_ledger(&args.market, state)?;
            let capacity = ledger.market().capacity();
            (ledger.account_proof(args.account), state.clone(), capacity)
        }
        (None, Some(dir)) => {
            let market: Market = read_json(&args.market)?;
            let store = LedgerStore::open(dir, market)?;
            let capacity = store.market().capacity();
            let proof = match args.epoch {
                Some(epoch) => store.account_proof_at(args.account, epoch)?,
                None => store.account_proof(args.account)?,
            };
            (proof, store.path().to_owned(), capacity)
        }
        _ => anyhow::bail!("give either --state or --ledger"),
    };
    let proof = proof.with_context(|| {
        format!(
            "{}: account {} is not an account of a tree of {} leaves (leaf 2 is the global leaf)",
            source.display(),
            args.account,
            capacity
        )
    })?;
    match &args.out {
        Some(path) => write_json(path, &proof)?,
        None => println!("{}", serde_json::to_string_pretty(&proof)?),
    }
    Ok(())
}
