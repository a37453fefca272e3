//! Issue 32's `follow` figures: a simulated steady venue's consecutive
//! epochs proven by the follower (`pipeline::follow`, what `zksettle
//! follow` runs), once one epoch at a time and once pipelined (epoch k+1's
//! application, prelude and chunks overlapping epoch k's folds, chain and
//! final proof), each from a fresh ledger store of the same genesis and an
//! empty outbox, with the default circuits.
//!
//! Every epoch is in the inbox when a run starts (a backlog), so the wall
//! time measures throughput; an epoch's latency runs from the run's start
//! (its arrival) to its outputs written, its proving time from its
//! application to its final proof. One run of each mode, one at a time
//! first.

use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use zksettle_circuits::recursion::set::CircuitSet;
use zksettle_prover::io::write_json;
use zksettle_prover::ledger::store::LedgerStore;
use zksettle_prover::ledger::Ledger;
use zksettle_prover::pipeline::follow::{follow, inbox_file, Event, FollowConfig};
use zksettle_prover::pipeline::job::StageTimes;
use zksettle_prover::sim::{simulate, Mix, SimConfig};

use crate::error::BenchError;
use crate::timing::utc_now;

/// What the run follows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settings {
    /// Consecutive epochs.
    pub epochs: u64,
    /// Operations per epoch.
    pub ops: usize,
    /// Simulated user accounts.
    pub accounts: u32,
    /// Simulation seed.
    pub seed: u64,
}

impl Settings {
    /// Issue 32's run: five consecutive steady epochs.
    pub fn full() -> Self {
        Self {
            epochs: 5,
            ops: 40,
            accounts: 100,
            seed: 7,
        }
    }
}

/// One epoch as the follower proved it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FollowedEpoch {
    /// Epoch number.
    pub epoch: u64,
    /// Operations.
    pub ops: usize,
    /// Chunks proven.
    pub chunks: usize,
    /// Seconds from the run's start (every epoch arrived then) to its
    /// outputs written.
    pub latency_s: f64,
    /// Seconds from its application to its final proof.
    pub prove_s: f64,
    /// Its stages.
    pub stages_s: StageTimes,
    /// Bytes of its final proof.
    pub final_proof_bytes: u64,
}

/// One mode's run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FollowMode {
    /// Wall seconds for every epoch.
    pub wall_s: f64,
    /// Epochs per hour at that rate.
    pub epochs_per_hour: f64,
    /// Operations per second end to end.
    pub ops_per_s: f64,
    /// Mean latency from arrival to outputs.
    pub mean_latency_s: f64,
    /// Mean proving time per epoch (overlapping when pipelined).
    pub mean_prove_s: f64,
    /// Each epoch.
    pub epochs: Vec<FollowedEpoch>,
}

/// The `follow` section of the report.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FollowReport {
    /// The command that measured it.
    pub command: String,
    /// When it started, UTC.
    pub started_utc: String,
    /// Whether the section was measured in a separate run from the rest of
    /// the report it is in.
    #[serde(default)]
    pub separate_run: bool,
    /// What was followed.
    pub settings: Settings,
    /// rayon's threads.
    pub threads: usize,
    /// One epoch at a time.
    pub one_at_a_time: FollowMode,
    /// Pipelined.
    pub pipelined: FollowMode,
    /// Throughput gained by pipelining: one-at-a-time wall time over
    /// pipelined, minus one.
    pub pipelining_gain: f64,
}

/// Runs both modes over a fresh simulation with `set` (the default
/// circuits), reporting progress lines to `say`.
pub fn run(
    settings: &Settings,
    set: &CircuitSet,
    command: &str,
    say: &mut dyn FnMut(String),
) -> Result<FollowReport, BenchError> {
    let started_utc = utc_now();
    let work = tempfile::tempdir().map_err(|source| {
        BenchError::Io(zksettle_prover::io::IoError::Write {
            path: std::env::temp_dir(),
            source,
        })
    })?;
    let simulation = simulate(SimConfig {
        seed: settings.seed,
        accounts: settings.accounts,
        epochs: settings.epochs,
        ops: settings.ops,
        mix: Mix::Steady,
    })?;
    let inbox = work.path().join("inbox");
    std::fs::create_dir_all(&inbox).map_err(|source| {
        BenchError::Io(zksettle_prover::io::IoError::Write {
            path: inbox.clone(),
            source,
        })
    })?;
    for epoch in &simulation.epochs {
        write_json(&inbox_file(&inbox, epoch.epoch), epoch)?;
    }
    let genesis = Ledger::from_state(simulation.market.clone(), &simulation.genesis)?;
    let mut modes = Vec::new();
    for (name, pipeline) in [("one at a time", false), ("pipelined", true)] {
        let dir = work.path().join(name.replace(' ', "-"));
        let ledger = dir.join("ledger");
        drop(LedgerStore::create(&ledger, &genesis)?);
        let mut store = LedgerStore::open(&ledger, simulation.market.clone())?;
        let config = FollowConfig {
            inbox: inbox.clone(),
            outbox: dir.join("outbox"),
            prev: None,
            poll: Duration::from_millis(100),
            pipeline,
            exit_when_idle: true,
            until: None,
        };
        say(format!(
            "follow, {name}: {} steady epochs of {} operations",
            settings.epochs, settings.ops
        ));
        let clock = Instant::now();
        let mut epochs = Vec::new();
        let stop = AtomicBool::new(false);
        let summary = follow(set, &mut store, &config, &stop, &mut |event| {
            if let Event::Proven {
                epoch,
                ops,
                chunks,
                stages_s,
                final_proof_bytes,
                ..
            } = event
            {
                let latency_s = clock.elapsed().as_secs_f64();
                epochs.push(FollowedEpoch {
                    epoch: *epoch,
                    ops: *ops,
                    chunks: *chunks,
                    latency_s,
                    prove_s: stages_s.total_s,
                    stages_s: *stages_s,
                    final_proof_bytes: *final_proof_bytes,
                });
            }
        })?;
        for e in &epochs {
            say(format!(
                "  epoch {}: proven in {:.1} s, final at {:.1} s",
                e.epoch, e.prove_s, e.latency_s
            ));
        }
        let wall_s = summary.wall_s;
        let ops: usize = epochs.iter().map(|e| e.ops).sum();
        let mean = |f: fn(&FollowedEpoch) -> f64| {
            epochs.iter().map(f).sum::<f64>() / epochs.len().max(1) as f64
        };
        modes.push(FollowMode {
            wall_s,
            epochs_per_hour: epochs.len() as f64 * 3600.0 / wall_s,
            ops_per_s: ops as f64 / wall_s,
            mean_latency_s: mean(|e| e.latency_s),
            mean_prove_s: mean(|e| e.prove_s),
            epochs,
        });
    }
    let pipelined = modes.pop().expect("two modes");
    let one_at_a_time = modes.pop().expect("two modes");
    Ok(FollowReport {
        command: command.into(),
        started_utc,
        separate_run: false,
        settings: *settings,
        threads: rayon::current_num_threads(),
        pipelining_gain: one_at_a_time.wall_s / pipelined.wall_s - 1.0,
        one_at_a_time,
        pipelined,
    })
}
