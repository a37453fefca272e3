//! # follow_run
//!
//! Issue 32's `follow` figures: a simulated steady venue's consecutive
//! epochs proven by the follower (the library `zksettle follow` runs),
//! once one epoch at a time and once pipelined (epoch k+1's application,
//! prelude and chunks overlapping epoch k's folds, chain and final proof),
//! each from a fresh copy of the same ledger store and an empty outbox,
//! with the default circuits.
//!
//! Every epoch is in the inbox when a run starts (a backlog), so the wall
//! time measures throughput; each epoch's latency is from the run's start
//! (its arrival) to its outputs written, and its proving time from its
//! application to its final proof.
//!
//! ```text
//! cargo run --release -p zksettle-benches --bin follow_run -- --epochs 5 --ops 40
//! ```
//!
//! Prints the result as JSON on stdout and writes it to `--out`.

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use clap::Parser;
use serde_json::{json, Value};
use zksettle_benches::timing::utc_now;
use zksettle_prover::circuit_cache::load_or_build;
use zksettle_prover::export::default_layouts;
use zksettle_prover::io::write_json;
use zksettle_prover::ledger::store::LedgerStore;
use zksettle_prover::ledger::Ledger;
use zksettle_prover::pipeline::follow::{follow, inbox_file, Event, FollowConfig};
use zksettle_prover::sim::{simulate, Mix, SimConfig};

/// Issue 32: `follow` over consecutive steady epochs, pipelined against
/// one at a time.
#[derive(Parser, Debug)]
#[command(version, about)]
struct Args {
    /// Consecutive epochs.
    #[arg(long, default_value_t = 5)]
    epochs: u64,
    /// Operations per epoch.
    #[arg(long, default_value_t = 40)]
    ops: usize,
    /// Simulated user accounts.
    #[arg(long, default_value_t = 100)]
    accounts: u32,
    /// Simulation seed.
    #[arg(long, default_value_t = 7)]
    seed: u64,
    /// Where the JSON result goes.
    #[arg(long, default_value = "benches/follow_run.json")]
    out: PathBuf,
}

fn main() -> Result<()> {
    let args = Args::parse();
    let started_at = utc_now();
    let work = tempfile::tempdir().context("a working directory")?;
    let simulation = simulate(SimConfig {
        seed: args.seed,
        accounts: args.accounts,
        epochs: args.epochs,
        ops: args.ops,
        mix: Mix::Steady,
    })?;
    let inbox = work.path().join("inbox");
    std::fs::create_dir_all(&inbox)?;
    for epoch in &simulation.epochs {
        write_json(&inbox_file(&inbox, epoch.epoch), epoch)?;
    }
    let genesis = Ledger::from_state(simulation.market.clone(), &simulation.genesis)?;
    eprintln!("loading or building the default circuits...");
    let (set, _) = load_or_build(&default_layouts());
    let mut modes = serde_json::Map::new();
    // One at a time first, then pipelined: the same order every run.
    for (name, pipeline) in [("one_at_a_time", false), ("pipelined", true)] {
        let dir = work.path().join(name);
        LedgerStore::create(&dir.join("ledger"), &genesis)?;
        let mut store = LedgerStore::open(&dir.join("ledger"), simulation.market.clone())?;
        let config = FollowConfig {
            inbox: inbox.clone(),
            outbox: dir.join("outbox"),
            prev: None,
            poll: Duration::from_millis(100),
            pipeline,
            exit_when_idle: true,
            until: None,
        };
        let clock = Instant::now();
        let mut epochs = Vec::new();
        let stop = AtomicBool::new(false);
        eprintln!("{name}: {} epochs of {} operations", args.epochs, args.ops);
        let summary = follow(&set, &mut store, &config, &stop, &mut |event| {
            if let Event::Proven {
                epoch,
                ops,
                chunks,
                stages_s,
                final_proof_bytes,
                ..
            } = event
            {
                let at = clock.elapsed().as_secs_f64();
                eprintln!("  epoch {epoch}: final proof at {at:.1} s");
                epochs.push(json!({
                    "epoch": epoch,
                    "ops": ops,
                    "chunks": chunks,
                    "latency_s": round(at),
                    "prove_s": round(stages_s.total_s),
                    "stages_s": stages_s,
                    "final_proof_bytes": final_proof_bytes,
                }));
            }
        })?;
        let wall_s = summary.wall_s;
        modes.insert(
            name.into(),
            json!({
                "wall_s": round(wall_s),
                "epochs_per_hour": round(args.epochs as f64 * 3600.0 / wall_s),
                "ops_per_s": round(args.ops as f64 * args.epochs as f64 / wall_s),
                "mean_latency_s": round(mean(&epochs, "latency_s")),
                "mean_prove_s": round(mean(&epochs, "prove_s")),
                "epochs": epochs,
            }),
        );
    }
    let wall = |mode: &str| modes[mode]["wall_s"].as_f64().unwrap_or(f64::NAN);
    let gain = wall("one_at_a_time") / wall("pipelined") - 1.0;
    let result = json!({
        "started_at": started_at,
        "finished_at": utc_now(),
        "threads": rayon::current_num_threads(),
        "settings": {
            "epochs": args.epochs,
            "ops_per_epoch": args.ops,
            "accounts": args.accounts,
            "seed": args.seed,
            "mix": "steady",
            "layouts": "default",
        },
        "modes": modes,
        "pipelining_throughput_gain": round(gain),
    });
    write(&args.out, &result)?;
    println!("{result}");
    Ok(())
}

fn mean(epochs: &[Value], key: &str) -> f64 {
    let values: Vec<f64> = epochs.iter().filter_map(|e| e[key].as_f64()).collect();
    values.iter().sum::<f64>() / values.len().max(1) as f64
}

fn round(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

fn write(path: &Path, value: &Value) -> Result<()> {
    write_json(path, value).with_context(|| format!("{}", path.display()))
}
