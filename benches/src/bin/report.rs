//! `report`: measures zksettle's proving throughput in one run and writes
//! `BENCHMARKS.md` (repository root), `benches/report.json` and
//! `benches/ops_per_chunk_size.svg` (issue 6). Progress goes to stderr; the
//! targets table goes to stdout at the end.
//!
//! ```sh
//! cargo run --release -p zksettle-benches --bin report     # about 8 min on 2 cores
//! cargo run --release -p zksettle-benches --bin report -- --quick --out /tmp/quick
//! cargo run --release -p zksettle-benches --bin report -- --render benches/report.json
//! ```
//!
//! The 1-versus-2-threads comparison re-runs this binary with the hidden
//! `--threads-probe` flag and `RAYON_NUM_THREADS` set; the child prints one
//! JSON line ([`SegmentRun`]) on stdout.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{bail, Context as _, Result};
use clap::Parser;
use zksettle_benches::epoch_run::{self, SegmentRun};
use zksettle_benches::follow_run::{self, FollowReport};
use zksettle_benches::markdown::{self, PLOT_PATH};
use zksettle_benches::results::{
    Circuits, LayoutFigures, Machine, Memory, Params, Report, Workload,
};
use zksettle_benches::row_cost;
use zksettle_benches::rows::{rows_per_op, rows_per_step};
use zksettle_benches::stark_layer::{self, StarkLayerReport};
use zksettle_benches::sweep;
use zksettle_benches::timing::utc_now;
use zksettle_benches::workload::{AppliedEpoch, History, ACCOUNTS, SEED};
use zksettle_benches::{memory, plot, targets};
use zksettle_circuits::chunk::{ChunkParams, OpKinds, DEFAULT_CAPACITY, LIGHT_CAPACITY};
use zksettle_circuits::gadgets::market::MarketShape;
use zksettle_circuits::recursion::set::CircuitSet;
use zksettle_prover::assign::chunk_witnesses;
use zksettle_prover::circuit_cache::{self, Origin};
use zksettle_prover::export::layouts_for;
use zksettle_prover::io::{read_json, write_atomic};
use zksettle_prover::sim::Mix;

/// Measure zksettle's proving throughput and write BENCHMARKS.md.
#[derive(Debug, Parser)]
#[command(name = "report")]
struct Cli {
    /// Smoke run: a small epoch at tree depth 8 with tiny chunks (a minute
    /// or two, mostly the recursion circuits; not figures to quote).
    #[arg(long)]
    quick: bool,
    /// Write BENCHMARKS.md and benches/{report.json,ops_per_chunk_size.svg}
    /// under this directory instead of the repository.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Render BENCHMARKS.md and the plot again from a report.json written
    /// by an earlier run (nothing is measured).
    #[arg(long, value_name = "REPORT_JSON")]
    render: Option<PathBuf>,
    /// Skip the STARK-layer section (issue 33: a starky Poseidon table at
    /// 2^16 rows against plonky2, its recursion, the memory-checking
    /// estimate and the trade projection; about 4 minutes).
    #[arg(long)]
    no_stark_layer: bool,
    /// With `--render`: take the `stark_layer` section from this output of
    /// the `stark_layer` binary (a separate run; the section says so).
    #[arg(long, value_name = "STARK_LAYER_JSON", requires = "render")]
    stark_layer: Option<PathBuf>,
    /// Skip the follower section (issue 32: five consecutive steady epochs
    /// proven one at a time, then pipelined; about 8 minutes). Quick runs
    /// skip it.
    #[arg(long)]
    no_follow: bool,
    /// With `--render`: take the `follow` section from this output of the
    /// `follow_run` binary (a separate run; the section says so).
    #[arg(long, value_name = "FOLLOW_RUN_JSON", requires = "render")]
    follow: Option<PathBuf>,
    /// Internal: prove the thread-comparison workload, print its JSON.
    #[arg(long, hide = true)]
    threads_probe: bool,
}

/// What a run proves.
struct Settings {
    ops: usize,
    /// Operations of the steady and crash workloads.
    mix_ops: usize,
    /// `None`: the simulated market's own depth (20).
    tree_depth: Option<u32>,
    capacity: usize,
    light_capacity: usize,
    sweep: Vec<usize>,
    row_cost_runs: usize,
    probe_chunks: usize,
    probe_threads: [usize; 2],
}

impl Settings {
    fn new(quick: bool) -> Self {
        if quick {
            Self {
                ops: 8,
                mix_ops: 8,
                tree_depth: Some(8),
                capacity: 4,
                light_capacity: 5,
                sweep: vec![2, 5],
                row_cost_runs: 1,
                probe_chunks: 2,
                probe_threads: [1, 2],
            }
        } else {
            Self {
                ops: 1000,
                mix_ops: 10 * DEFAULT_CAPACITY,
                tree_depth: None,
                capacity: DEFAULT_CAPACITY,
                light_capacity: LIGHT_CAPACITY,
                sweep: vec![8, 16, 32, LIGHT_CAPACITY],
                row_cost_runs: 2,
                probe_chunks: 2,
                probe_threads: [1, 2],
            }
        }
    }

    /// The epoch every measurement proves, applied.
    fn workload(&self) -> Result<AppliedEpoch> {
        self.workload_of(Mix::Default, self.ops)
    }

    /// The first epoch of `mix` with `ops` operations, applied.
    fn workload_of(&self, mix: Mix, ops: usize) -> Result<AppliedEpoch> {
        let mut history = History::simulated(ops, mix)?;
        if let Some(depth) = self.tree_depth {
            history = history.at_depth(depth);
        }
        history
            .apply()?
            .into_iter()
            .next()
            .context("the simulation has no epoch")
    }

    /// The chunk layouts (light, heavy) for `applied`'s market.
    fn layouts(&self, applied: &AppliedEpoch) -> Vec<ChunkParams> {
        layouts_for(applied.before.market(), self.light_capacity, self.capacity)
    }
}

/// Progress lines on stderr, stamped with the run's elapsed time.
struct Progress(Instant);

impl Progress {
    fn say(&self, line: impl AsRef<str>) {
        eprintln!(
            "[{:>6.1} s] {}",
            self.0.elapsed().as_secs_f64(),
            line.as_ref()
        );
    }
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    let settings = Settings::new(cli.quick);
    if cli.threads_probe {
        return threads_probe(&settings);
    }
    let root = match &cli.out {
        Some(dir) => dir.clone(),
        None => Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .context("the crate has no parent directory")?
            .to_path_buf(),
    };
    let report = match &cli.render {
        Some(json) => {
            let mut report: Report = read_json(json)?;
            if let Some(path) = &cli.stark_layer {
                let mut section: StarkLayerReport = read_json(path)?;
                section.separate_run = true;
                report.stark_layer = Some(section);
            }
            if let Some(path) = &cli.follow {
                let mut section: FollowReport = read_json(path)?;
                section.separate_run = true;
                report.follow = Some(section);
            }
            report
        }
        None => measure(&cli, &settings)?,
    };
    write_outputs(&report, &root)?;
    println!("{}", markdown::targets_table(&report));
    Ok(())
}

fn circuits(settings: &Settings, applied: &AppliedEpoch) -> (CircuitSet, Circuits) {
    let (set, origin) = circuit_cache::load_or_build(&settings.layouts(applied));
    let (from_cache, secs) = match origin {
        Origin::Loaded { secs, .. } => (true, secs),
        Origin::Built { secs, .. } => (false, secs),
    };
    let layouts = set
        .chunks
        .iter()
        .map(|chunk| {
            let figures = LayoutFigures {
                capacity: chunk.params.capacity,
                step_rows: rows_per_step(chunk.params.shape, chunk.params.kinds),
                rows: chunk.gates,
                degree_bits: chunk.degree_bits(),
            };
            (chunk.params.layout_name().to_string(), figures)
        })
        .collect();
    let circuits = Circuits {
        from_cache,
        secs,
        chunk_rows: set.universal().gates,
        chunk_degree_bits: set.universal().degree_bits(),
        recursion_degree_bits: set.fold.data.common.degree_bits(),
        layouts,
    };
    (set, circuits)
}

fn measure(cli: &Cli, settings: &Settings) -> Result<Report> {
    let progress = Progress(Instant::now());
    let started_utc = utc_now();
    let load_at_start = load_average();
    progress.say(format!(
        "simulating and applying one epoch of {} operations",
        settings.ops
    ));
    let applied = settings.workload()?;
    let market = applied.before.market();
    let shape = MarketShape::of(market);

    progress.say("loading or building the circuit set (about 40 s when not cached)");
    let (set, circuits) = circuits(settings, &applied);
    progress.say(format!(
        "circuits {} in {:.1} s: chunk {} rows (2^{}), recursion 2^{}",
        if circuits.from_cache {
            "loaded"
        } else {
            "built"
        },
        circuits.secs,
        circuits.chunk_rows,
        circuits.chunk_degree_bits,
        circuits.recursion_degree_bits
    ));

    progress.say("counting rows per operation type");
    let rows = rows_per_op(shape);
    let step_rows = rows_per_step(shape, OpKinds::ALL);
    progress.say(format!(
        "rows per operation: {rows:?}; one step: {step_rows}"
    ));

    progress.say("proving the epoch end to end");
    let mut peaks = memory::Peaks::default();
    let (epoch, default_peak) =
        peaks.window(|| epoch_run::run(&set, &applied, &|line| progress.say(line)));
    let epoch = epoch?;
    progress.say(format!(
        "epoch: {} ops in {:.1} s = {:.2} ops/s (chunks {:.1} s, folds {:.1} s, chain {:.1} s)",
        epoch.ops,
        epoch.stages.total_s,
        epoch.ops_per_s,
        epoch.stages.chunk_s,
        epoch.stages.fold_s,
        epoch.stages.chain_s
    ));
    let mut workloads = BTreeMap::new();
    workloads.insert(
        "default".to_string(),
        Workload::of("default", &epoch, default_peak),
    );
    for (name, mix) in [("steady", Mix::Steady), ("crash", Mix::Crash)] {
        progress.say(format!(
            "proving the first {name} epoch ({} operations) end to end",
            settings.mix_ops
        ));
        let applied = settings.workload_of(mix, settings.mix_ops)?;
        let (run, run_peak) =
            peaks.window(|| epoch_run::run(&set, &applied, &|line| progress.say(line)));
        let run = run?;
        progress.say(format!(
            "{name}: {} ops ({:?}) in {:.1} s = {:.2} ops/s",
            run.ops, run.op_mix, run.stages.total_s, run.ops_per_s
        ));
        workloads.insert(name.to_string(), Workload::of(name, &run, run_peak));
    }

    progress.say("prover time per row: chunk circuit against raw plonky2");
    let chunks = chunk_witnesses(&applied.epoch, &applied.witness, settings.capacity)?;
    let first = chunks.first().context("the epoch has no chunk")?;
    let row_cost = row_cost::compare(set.universal(), market, first, settings.row_cost_runs)?;
    progress.say(format!(
        "chunk {:.2} s, raw plonky2 {:.2} s at 2^{}: {:.2}x",
        row_cost.chunk_prove_s, row_cost.raw_prove_s, row_cost.degree_bits, row_cost.ratio
    ));

    let mut points = Vec::with_capacity(settings.sweep.len());
    for &capacity in &settings.sweep {
        let cached = set
            .chunks
            .iter()
            .find(|c| c.params == sweep::params(market, capacity));
        let point = if let Some(circuit) = cached {
            progress.say(format!(
                "chunk size sweep: proving {capacity} steps with the set's light circuit"
            ));
            sweep::prove_full(circuit, &applied, None)?
        } else {
            progress.say(format!(
                "chunk size sweep: building and proving {capacity} steps"
            ));
            sweep::measure(&applied, capacity)?
        };
        progress.say(format!(
            "{} steps: 2^{} rows, {:.2} s, {:.2} ops/s",
            point.capacity, point.degree_bits, point.prove_s, point.ops_per_s
        ));
        points.push(point);
    }
    drop(set);

    let mut threads = Vec::with_capacity(settings.probe_threads.len());
    for n in settings.probe_threads {
        progress.say(format!(
            "proving {} chunks at {n} thread(s) in a child process",
            settings.probe_chunks
        ));
        let run = spawn_probe(cli, n)?;
        progress.say(format!(
            "{n} thread(s): {:.1} s, {:.2} steps/s",
            run.secs, run.steps_per_s
        ));
        threads.push(run);
    }

    let stark_layer = if cli.no_stark_layer {
        None
    } else {
        progress.say("the STARK layer (issue 33): starky table against plonky2 rows at 2^16");
        let stark_settings = if cli.quick {
            stark_layer::Settings::quick()
        } else {
            stark_layer::Settings {
                log_rows: vec![stark_layer::projection::TABLE_LOG_ROWS],
                ..stark_layer::Settings::full()
            }
        };
        let section = peaks.window(|| stark_layer::run(&stark_settings, "report", &started_utc));
        Some(section.0?)
    };

    let follow = if cli.no_follow || cli.quick {
        None
    } else {
        let (set, _) = circuit_cache::load_or_build(&zksettle_prover::export::default_layouts());
        let section = peaks.window(|| {
            follow_run::run(&follow_run::Settings::full(), &set, "report", &mut |line| {
                progress.say(line)
            })
        });
        Some(section.0?)
    };

    let children_bytes = threads.iter().filter_map(|t| t.peak_rss_bytes).max();
    let params = Params {
        seed: SEED,
        accounts: ACCOUNTS,
        ops: settings.ops,
        tree_depth: market.tree_depth,
        capacity: settings.capacity,
        instruments: shape.instruments,
        scenarios: shape.scenarios,
        quorum: shape.quorum,
    };
    let mut report = Report {
        quick: cli.quick,
        started_utc,
        run_s: progress.0.elapsed().as_secs_f64(),
        machine: Machine {
            cpus: std::thread::available_parallelism().map_or(1, |n| n.get()),
            cpu_model: cpu_model(),
            rayon_threads: epoch_run::rayon_threads(),
            load_average: [load_at_start, load_average()],
        },
        params,
        circuits,
        rows_per_op: rows,
        rows_per_step: step_rows,
        epoch,
        workloads,
        row_cost,
        sweep: points,
        threads,
        memory: Memory {
            main_bytes: peaks.whole(),
            children_bytes,
        },
        targets: Vec::new(),
        stark_layer,
        follow,
    };
    report.targets = targets::checks(&report);
    progress.say("done");
    Ok(report)
}

/// The child side of the thread comparison.
fn threads_probe(settings: &Settings) -> Result<()> {
    let applied = settings.workload()?;
    let (set, _) = circuit_cache::load_or_build(&settings.layouts(&applied));
    let run = epoch_run::run_segment(&set, &applied, settings.probe_chunks)?;
    println!("{}", serde_json::to_string(&run)?);
    Ok(())
}

fn spawn_probe(cli: &Cli, threads: usize) -> Result<SegmentRun> {
    let exe = std::env::current_exe().context("locating the report binary")?;
    let mut command = Command::new(exe);
    command
        .arg("--threads-probe")
        .env("RAYON_NUM_THREADS", threads.to_string())
        .stdin(Stdio::null())
        .stderr(Stdio::inherit());
    if cli.quick {
        command.arg("--quick");
    }
    let output = command.output().context("running the thread probe")?;
    if !output.status.success() {
        bail!(
            "the thread probe at {threads} thread(s) failed: {}",
            output.status
        );
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout
        .lines()
        .last()
        .context("the thread probe printed nothing")?;
    let run: SegmentRun = serde_json::from_str(line).context("reading the thread probe")?;
    if run.threads != threads {
        bail!("the probe ran on {} threads, not {threads}", run.threads);
    }
    Ok(run)
}

fn write_outputs(report: &Report, root: &Path) -> Result<()> {
    let benches = root.join("benches");
    std::fs::create_dir_all(&benches).with_context(|| benches.display().to_string())?;
    let json = serde_json::to_vec_pretty(report)?;
    write_atomic(&benches.join("report.json"), &json)?;
    plot::ops_per_chunk_size(&report.sweep, &root.join(PLOT_PATH))?;
    write_atomic(
        &root.join("BENCHMARKS.md"),
        markdown::render(report).as_bytes(),
    )?;
    eprintln!(
        "wrote {}, {} and {}",
        root.join("BENCHMARKS.md").display(),
        benches.join("report.json").display(),
        root.join(PLOT_PATH).display()
    );
    Ok(())
}

/// The one-minute load average (0 when unknown).
fn load_average() -> f64 {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next()?.parse().ok())
        .unwrap_or(0.0)
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into())
}
