//! # follow_run
//!
//! Issue 32's `follow` figures (`zksettle_benches::follow_run`): five
//! consecutive steady epochs proven by the follower one at a time, then
//! pipelined, with the default circuits; epochs per hour, latency per
//! epoch and the gain of pipelining.
//!
//! ```text
//! cargo run --release -p zksettle-benches --bin follow_run -- [--epochs 5 --ops 40]
//! ```
//!
//! Writes the section as JSON to `--out` (attach it to a report with
//! `report --render benches/report.json --follow benches/follow_run.json`)
//! and prints it on stdout.

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Parser;
use zksettle_benches::follow_run::{run, Settings};
use zksettle_prover::circuit_cache::load_or_build;
use zksettle_prover::export::default_layouts;
use zksettle_prover::io::write_json;

/// Issue 32: `follow` over consecutive steady epochs, pipelined against
/// one at a time.
#[derive(Parser, Debug)]
#[command(version, about)]
struct Args {
    /// Consecutive epochs.
    #[arg(long, default_value_t = Settings::full().epochs)]
    epochs: u64,
    /// Operations per epoch.
    #[arg(long, default_value_t = Settings::full().ops)]
    ops: usize,
    /// Simulated user accounts.
    #[arg(long, default_value_t = Settings::full().accounts)]
    accounts: u32,
    /// Simulation seed.
    #[arg(long, default_value_t = Settings::full().seed)]
    seed: u64,
    /// Where the JSON section goes.
    #[arg(long, default_value = "benches/follow_run.json")]
    out: PathBuf,
}

fn main() -> Result<()> {
    let args = Args::parse();
    let settings = Settings {
        epochs: args.epochs,
        ops: args.ops,
        accounts: args.accounts,
        seed: args.seed,
    };
    eprintln!("loading or building the default circuits...");
    let (set, _) = load_or_build(&default_layouts());
    let command = format!(
        "cargo run --release -p zksettle-benches --bin follow_run -- --epochs {} --ops {} --accounts {} --seed {}",
        settings.epochs, settings.ops, settings.accounts, settings.seed
    );
    let report = run(&settings, &set, &command, &mut |line| eprintln!("{line}"))?;
    write_json(&args.out, &report).with_context(|| format!("{}", args.out.display()))?;
    println!("{}", serde_json::to_string(&report)?);
    Ok(())
}
