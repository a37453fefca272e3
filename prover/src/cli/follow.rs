//! `zksettle follow`: the venue's prover as a long-running process. Epochs
//! are taken in order from `--inbox` (`epoch-NNNN.json`, dropped
//! atomically by the sequencer), applied to the ledger store, proven
//! (pipelined: epoch k+1's application, prelude and chunks overlap epoch
//! k's folds, chain and final proofs) and written to `--outbox`
//! (`epoch-`, `attest-`, `final-`, `chain-NNNN`), one JSON line per event
//! on standard output. SIGTERM or SIGINT: the epoch in flight is finished
//! and recorded, then it exits 0. A kill -9 and a restart resume at the
//! first unproven epoch (`zksettle_prover::pipeline::follow`).

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context as _, Result};
use zksettle_circuits::rules::market::Market;
use zksettle_prover::io::read_json;
use zksettle_prover::ledger::store::LedgerStore;
use zksettle_prover::pipeline::follow::{follow, FollowConfig};

/// Arguments of `zksettle follow`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Market configuration (market.json).
    #[arg(long)]
    market: PathBuf,
    /// Ledger directory (`zksettle ledger init`).
    #[arg(long)]
    ledger: PathBuf,
    /// Directory the sequencer drops `epoch-NNNN.json` into.
    #[arg(long)]
    inbox: PathBuf,
    /// Directory the proofs and attestations go to.
    #[arg(long)]
    outbox: PathBuf,
    /// Chain proof of the store's first epoch, when the store was created
    /// from a later snapshot than genesis and the outbox lacks it.
    #[arg(long)]
    prev: Option<PathBuf>,
    /// Milliseconds between looks at the inbox while waiting.
    #[arg(long, default_value_t = 500)]
    poll_ms: u64,
    /// Prove one epoch at a time instead of overlapping two.
    #[arg(long)]
    no_pipeline: bool,
    /// Exit once the next epoch is not in the inbox and nothing is in
    /// flight, instead of waiting for it.
    #[arg(long)]
    exit_when_idle: bool,
    /// Take no epoch after this one.
    #[arg(long)]
    until: Option<u64>,
    /// Chunk layouts.
    #[command(flatten)]
    layouts: super::circuits::LayoutArgs,
}

/// Follows the inbox, printing one JSON line per event.
pub fn run(args: Args) -> Result<()> {
    let stop = Arc::new(AtomicBool::new(false));
    for signal in [libc::SIGTERM, libc::SIGINT] {
        let flag = Arc::clone(&stop);
        // SAFETY: the handler only stores to an atomic, which is
        // async-signal-safe.
        unsafe {
            signal_hook_registry::register(signal, move || flag.store(true, Ordering::SeqCst))
        }
        .context("installing the signal handlers")?;
    }
    let market: Market = read_json(&args.market)?;
    let mut store = LedgerStore::open(&args.ledger, market)?;
    let set = super::circuits::load_or_build(store.market(), args.layouts)?;
    let config = FollowConfig {
        inbox: args.inbox,
        outbox: args.outbox,
        prev: args.prev,
        poll: Duration::from_millis(args.poll_ms),
        pipeline: !args.no_pipeline,
        exit_when_idle: args.exit_when_idle,
        until: args.until,
    };
    follow(&set, &mut store, &config, &stop, &mut |event| {
        if let Ok(line) = serde_json::to_string(event) {
            println!("{line}");
        }
    })?;
    Ok(())
}
