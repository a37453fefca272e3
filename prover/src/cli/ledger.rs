//! `zksettle ledger`: the ledger store's import and export. `init` creates a
//! store from a JSON state (a genesis or any later snapshot); `export`
//! writes the store's state as the same JSON, with the same root.

use std::path::PathBuf;

use anyhow::{Context as _, Result};
use clap::Subcommand;
use serde_json::json;
use zksettle_circuits::rules::encoding::digest_hex;
use zksettle_circuits::rules::market::Market;
use zksettle_prover::io::{read_json, write_json};
use zksettle_prover::ledger::store::{LedgerStore, DEFAULT_KEEP};

/// Arguments of `zksettle ledger`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: LedgerCommand,
}

#[derive(Debug, Subcommand)]
enum LedgerCommand {
    /// Create a ledger store from a JSON state file.
    Init(InitArgs),
    /// Write the store's state as a JSON state file (atomically).
    Export(ExportArgs),
}

/// Arguments of `zksettle ledger init`.
#[derive(Debug, clap::Args)]
struct InitArgs {
    /// Market configuration (market.json).
    #[arg(long)]
    market: PathBuf,
    /// The state to start from (state-NNNN.json).
    #[arg(long)]
    state: PathBuf,
    /// The ledger directory to create (refused if it holds a store).
    #[arg(long)]
    ledger: PathBuf,
    /// Versions kept (the head and the ones before it) for account proofs
    /// under recent roots and for resuming a prover; at least 4.
    #[arg(long, default_value_t = DEFAULT_KEEP)]
    keep: u64,
}

/// Arguments of `zksettle ledger export`.
#[derive(Debug, clap::Args)]
struct ExportArgs {
    /// Market configuration (market.json) the store must be of (default:
    /// the market the store was created with).
    #[arg(long)]
    market: Option<PathBuf>,
    /// The ledger directory.
    #[arg(long)]
    ledger: PathBuf,
    /// Where the state file goes.
    #[arg(long)]
    out: PathBuf,
}

/// Runs `init` or `export`; each prints `{"epoch","root","accounts"}`.
pub fn run(args: Args) -> Result<()> {
    match args.command {
        LedgerCommand::Init(args) => {
            let ledger = super::load_ledger(&args.market, &args.state)?;
            let store = LedgerStore::create_keeping(&args.ledger, &ledger, args.keep)?;
            print_head(&store, ledger.accounts().count());
        }
        LedgerCommand::Export(args) => {
            let store = match &args.market {
                Some(market) => LedgerStore::open(&args.ledger, read_json::<Market>(market)?)?,
                None => LedgerStore::open_with_stored_market(&args.ledger)?,
            };
            let state = store
                .to_state()
                .with_context(|| format!("exporting to {}", args.out.display()))?;
            write_json(&args.out, &state)?;
            print_head(&store, state.accounts.len());
        }
    }
    Ok(())
}

/// The line `init` and `export` print: `{"epoch","root","accounts"}`.
fn print_head(store: &LedgerStore, accounts: usize) {
    let head = store.head();
    println!(
        "{}",
        json!({
            "epoch": head.epoch,
            "root": digest_hex(&head.root),
            "accounts": accounts,
        })
    );
}
