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
//! start when a size needs more than the epoch has.
//!
//! ```text
//! cargo run --release -p zksettle-benches --bin stark_layer [-- --quick]
//! ```
//!
//! Prints one JSON object on stdout and a table on stderr. `--quick` (the
//! CI smoke run) proves 2^10 rows once.

use anyhow::{Context, Result};
use clap::Parser;
use serde::Serialize;
use zksettle_benches::memory::Peaks;
use zksettle_benches::stark_layer::{self, inputs, Measured, Recursion};
use zksettle_benches::workload::History;
use zksettle_prover::sim::Mix;

/// Issue 33: starky Poseidon table against plonky2 Poseidon rows.
#[derive(Parser, Debug)]
#[command(version, about)]
struct Args {
    /// Smoke run: 2^10 rows, one run, a small epoch.
    #[arg(long)]
    quick: bool,
    /// log2 of the table sizes (default 14, 15, 16; `--quick`: 10).
    #[arg(long = "log-rows", value_delimiter = ',')]
    log_rows: Vec<usize>,
    /// Runs per prover and size, alternating (default 3; `--quick`: 1).
    #[arg(long)]
    runs: Option<usize>,
    /// Operations of the simulated epoch (default 2000; `--quick`: 64).
    #[arg(long)]
    ops: Option<usize>,
    /// Skip the recursive verification.
    #[arg(long)]
    no_recursion: bool,
}

/// The run's output.
#[derive(Serialize)]
struct Report {
    threads: usize,
    quick: bool,
    epoch_ops: usize,
    leaf_updates: usize,
    permutations_in_epoch: usize,
    table_columns: usize,
    results: Vec<Measured>,
    recursion: Vec<Recursion>,
    /// The whole run's peak resident memory (every prover's data held).
    peak_process_bytes: Option<u64>,
}

fn main() -> Result<()> {
    let args = Args::parse();
    let log_rows = if !args.log_rows.is_empty() {
        args.log_rows.clone()
    } else if args.quick {
        vec![10]
    } else {
        vec![14, 15, 16]
    };
    let runs = args.runs.unwrap_or(if args.quick { 1 } else { 3 });
    let ops = args.ops.unwrap_or(if args.quick { 64 } else { 2000 });
    let threads = rayon::current_num_threads();

    let applied = History::simulated(ops, Mix::Steady)?
        .apply()
        .context("applying the simulated epoch")?;
    let epoch = applied.first().context("the simulation made no epoch")?;
    let (source, leaf_updates) = inputs::epoch_inputs(&epoch.witness)?;
    eprintln!(
        "epoch: {} ops, {leaf_updates} leaf updates, {} permutations; {threads} threads",
        epoch.epoch.ops.len(),
        source.len()
    );

    let mut peaks = Peaks::default();
    let mut results = Vec::new();
    let mut last = Vec::new();
    for &log in &log_rows {
        eprintln!("2^{log} rows ...");
        let (measured, proofs) =
            stark_layer::measure_size(&source, log, runs, threads, &mut peaks)?;
        for m in &measured {
            eprintln!("{}", row(m));
        }
        results.extend(measured);
        last = proofs;
    }

    let mut recursion = Vec::new();
    if !args.no_recursion {
        for (config, proof) in &last {
            let r = stark_layer::recurse(*config, proof, threads)?;
            eprintln!(
                "recursion of one {} proof (2^{} rows): {} gates, 2^{} rows, build {:.2} s, prove {:.2} s ({:.2} CPU-s), {} B; wrap: {} gates, 2^{} rows, prove {:.2} s ({:.2} CPU-s)",
                r.inner, r.inner_log_rows, r.gates, r.log_rows, r.build_s, r.prove_s, r.prove_cpu_s, r.proof_bytes,
                r.wrap_gates, r.wrap_log_rows, r.wrap_prove_s, r.wrap_prove_cpu_s
            );
            recursion.push(r);
        }
    }
    let report = Report {
        threads,
        quick: args.quick,
        epoch_ops: epoch.epoch.ops.len(),
        leaf_updates,
        permutations_in_epoch: source.len(),
        table_columns: stark_layer::poseidon_stark::COLUMNS,
        results,
        recursion,
        peak_process_bytes: peaks.whole(),
    };
    println!("{}", serde_json::to_string_pretty(&report)?);
    Ok(())
}

/// One line of the stderr table.
fn row(m: &Measured) -> String {
    format!(
        "  {:<15} 2^{:<2} {:>7} perms  trace {:>6.2} s  prove {:>7.2} s  verify {:>6.3} s  {:>7.4} CPU-ms/perm  {:>8} B  peak +{}",
        m.prover,
        m.log_rows,
        m.permutations,
        m.trace_s,
        m.prove_s,
        m.verify_s,
        m.cpu_ms_per_permutation,
        m.proof_bytes,
        m.peak_bytes
            .map(|b| format!("{:.2} GiB", b as f64 / (1u64 << 30) as f64))
            .unwrap_or_else(|| "n/a".into())
    )
}
