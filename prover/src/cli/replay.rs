//! `zksettle replay`: applies every epoch of a simulation directory in order,
//! printing one root line per epoch (the README's main job until the prover
//! lands). From `state-0000.json` in memory, or (`--ledger`) committed one by
//! one to a ledger store, starting after the store's epoch: a replay that
//! stopped resumes where it stopped.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context as _, Result};
use serde_json::json;
use zksettle_circuits::rules::encoding::{digest_hex, Digest};
use zksettle_circuits::rules::market::Market;
use zksettle_prover::io::{read_json, write_json};
use zksettle_prover::ledger::store::LedgerStore;

/// Arguments of `zksettle replay`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Directory with market.json, state-0000.json and epoch-0001.json ...
    #[arg(long)]
    dir: PathBuf,
    /// Where to write state-NNNN.json after each epoch (nothing is written if omitted).
    #[arg(long, conflicts_with = "ledger")]
    out: Option<PathBuf>,
    /// Ledger directory to apply and commit the epochs to, from the one
    /// after its current epoch (in place of state-0000.json).
    #[arg(long)]
    ledger: Option<PathBuf>,
}

/// Replays the directory's epochs.
pub fn run(args: Args) -> Result<()> {
    if let Some(ledger) = &args.ledger {
        return replay_into_store(&args.dir, ledger);
    }
    let mut ledger = super::load_ledger(
        &args.dir.join("market.json"),
        &args.dir.join("state-0000.json"),
    )?;
    if let Some(out) = &args.out {
        std::fs::create_dir_all(out)
            .with_context(|| format!("{}: cannot create", out.display()))?;
    }
    let mut applied = 0;
    loop {
        let path = epoch_file(&args.dir, ledger.epoch() + 1);
        if !path.exists() {
            break;
        }
        let epoch = super::load_epoch(&path)?;
        let started = std::time::Instant::now();
        let (next, witness) = ledger
            .apply_epoch(&epoch)
            .with_context(|| format!("{}", path.display()))?;
        let seconds = started.elapsed().as_secs_f64();
        if let Some(out) = &args.out {
            write_json(
                &out.join(format!("state-{:04}.json", next.epoch())),
                &next.to_state(),
            )?;
        }
        print_line(
            epoch.epoch,
            &witness.prev_root,
            &witness.new_root,
            epoch.ops.len(),
            seconds,
        );
        ledger = next;
        applied += 1;
    }
    if applied == 0 {
        bail!("{}: no epoch-0001.json to replay", args.dir.display());
    }
    Ok(())
}

/// Applies the directory's epochs after the store's epoch, each committed
/// before the next is read.
fn replay_into_store(dir: &Path, ledger: &Path) -> Result<()> {
    let market: Market = read_json(&dir.join("market.json"))?;
    let mut store = LedgerStore::open(ledger, market)?;
    let first = store.head().epoch + 1;
    loop {
        let path = epoch_file(dir, store.head().epoch + 1);
        if !path.exists() {
            break;
        }
        let epoch = super::load_epoch(&path)?;
        let started = std::time::Instant::now();
        let (record, _) = store
            .apply_epoch(&epoch)
            .with_context(|| format!("{}", path.display()))?;
        let seconds = started.elapsed().as_secs_f64();
        print_line(
            record.epoch,
            &record.prev_root,
            &record.new_root,
            record.ops,
            seconds,
        );
    }
    if store.head().epoch + 1 == first {
        bail!(
            "{}: no {} to replay onto {} (at epoch {})",
            dir.display(),
            epoch_file(Path::new(""), first).display(),
            store.path().display(),
            first - 1
        );
    }
    Ok(())
}

fn epoch_file(dir: &Path, epoch: u64) -> PathBuf {
    dir.join(format!("epoch-{epoch:04}.json"))
}

fn print_line(epoch: u64, prev_root: &Digest, new_root: &Digest, ops: usize, seconds: f64) {
    let line = json!({
        "epoch": epoch,
        "prev_root": digest_hex(prev_root),
        "new_root": digest_hex(new_root),
        "ops": ops,
        "ops_per_s": (ops as f64 / seconds.max(1e-9)).round(),
    });
    println!("{line}");
}
