//! # stark_layer
//!
//! Issue 33's benchmark: Poseidon permutations proven in a starky table
//! (one permutation per row, degree-3 constraints) at blowup 2 and at
//! blowup 8, against the same permutations as plonky2 Poseidon gate rows,
//! and the recursive verification of one table proof in a plonky2 circuit,
//! wrapped once more into the 2^13 rows of zksettle's fold circuits.
//!
//! The permutations are the Merkle node hashes of a simulated steady
//! epoch's leaf updates, both roots of every update, repeated from the
//! start when a size needs more than the epoch has. The same run estimates
//! the Merkle hashes a memory argument would leave for the steady and the
//! crash epochs ([`memory_check`](zksettle_benches::stark_layer::memory_check))
//! and projects one steady trade's CPU cost today and in a STARK layer
//! ([`projection`](zksettle_benches::stark_layer::projection)), with the
//! issue's go/no-go rule.
//!
//! ```text
//! cargo run --release -p zksettle-benches --bin stark_layer [-- --quick] [--out FILE]
//! ```
//!
//! Prints one JSON object on stdout (and to `--out`) and progress on
//! stderr. The default (2^14 to 2^17 rows, 3 runs each) takes about 15
//! minutes on 2 cores; `--quick` (the CI smoke run) proves 2^10 rows once
//! on 64-operation epochs. The benchmark report (`report`) runs the same
//! measurement at 2^16 for its `stark_layer` section.

use anyhow::{Context, Result};
use clap::Parser;
use zksettle_benches::stark_layer::{self, Settings};
use zksettle_benches::timing::utc_now;

/// Issue 33: starky Poseidon table against plonky2 Poseidon rows.
#[derive(Parser, Debug)]
#[command(version, about)]
struct Args {
    /// Smoke run: 2^10 rows, one run, 64-operation epochs.
    #[arg(long)]
    quick: bool,
    /// log2 of the table sizes (default 14, 15, 16, 17; `--quick`: 10).
    #[arg(long = "log-rows", value_delimiter = ',')]
    log_rows: Vec<usize>,
    /// Runs per prover and size, alternating (default 3; `--quick`: 1).
    #[arg(long)]
    runs: Option<usize>,
    /// Operations of the simulated epochs (default 2000; `--quick`: 64).
    #[arg(long)]
    ops: Option<usize>,
    /// Venue sizes of the memory-checking estimate (default 10000,
    /// 1000000; `--quick`: 10000).
    #[arg(long, value_delimiter = ',')]
    venues: Vec<u64>,
    /// Skip the recursive verification (and so the projection).
    #[arg(long)]
    no_recursion: bool,
    /// Also write the JSON here (atomically).
    #[arg(long)]
    out: Option<std::path::PathBuf>,
}

fn main() -> Result<()> {
    let args = Args::parse();
    let mut settings = if args.quick {
        Settings::quick()
    } else {
        Settings::full()
    };
    if !args.log_rows.is_empty() {
        settings.log_rows = args.log_rows.clone();
    }
    if !args.venues.is_empty() {
        settings.venues = args.venues.clone();
    }
    settings.runs = args.runs.unwrap_or(settings.runs);
    settings.ops = args.ops.unwrap_or(settings.ops);
    settings.recursion = !args.no_recursion;
    let command = std::iter::once("stark_layer".to_string())
        .chain(std::env::args().skip(1))
        .collect::<Vec<_>>()
        .join(" ");
    let report = stark_layer::run(&settings, &command, &utc_now())?;
    let json = serde_json::to_string_pretty(&report)?;
    if let Some(out) = &args.out {
        zksettle_prover::io::write_atomic(out, json.as_bytes())
            .with_context(|| format!("writing {}", out.display()))?;
    }
    println!("{json}");
    Ok(())
}
