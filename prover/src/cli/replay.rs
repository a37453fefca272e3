//! `zksettle replay`: applies every epoch of a simulation directory in order,
//! from `state-0000.json`, printing one root line per epoch (the README's main
//! job until the prover lands).

use std::path::PathBuf;

use anyhow::{bail, Context as _, Result};
use serde_json::json;
use zksettle_circuits::rules::encoding::digest_hex;
use zksettle_prover::io::write_json;

/// Arguments of `zksettle replay`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Directory with market.json, state-0000.json and epoch-0001.json ...
    #[arg(long)]
    dir: PathBuf,
    /// Where to write state-NNNN.json after each epoch (nothing is written if omitted).
    #[arg(long)]
    out: Option<PathBuf>,
}

/// Replays the directory's epochs.
pub fn run(args: Args) -> Result<()> {
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
        let path = args
            .dir
            .join(format!("epoch-{:04}.json", ledger.epoch() + 1));
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
        let line = json!({
            "epoch": epoch.epoch,
            "prev_root": digest_hex(&witness.prev_root),
            "new_root": digest_hex(&witness.new_root),
            "ops": epoch.ops.len(),
            "ops_per_s": (epoch.ops.len() as f64 / seconds.max(1e-9)).round(),
        });
        println!("{line}");
        ledger = next;
        applied += 1;
    }
    if applied == 0 {
        bail!("{}: no epoch-0001.json to replay", args.dir.display());
    }
    Ok(())
}
