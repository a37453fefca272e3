//! # ledger_scale
//!
//! Issue 32's store figures: applying one 1,000-operation epoch to a venue
//! of N accounts from a JSON state (parse, rebuild the tree, apply, write
//! the state back) against the ledger store (open, apply, commit), with each
//! path's peak resident memory and the store's open time.
//!
//! The venue: a simulated steady market (`--sim-accounts` traders, one
//! epoch of `--ops` operations, at least 70% trades) whose genesis is padded
//! with funded accounts without positions up to N accounts (their owners
//! are hashes of their index: deriving a key per account is what makes
//! `simulate` slow at scale, and the padding accounts sign nothing). The
//! epoch's previous root is set to the padded genesis's root; the signed
//! messages do not carry it.
//!
//! ```text
//! cargo run --release -p zksettle-benches --bin ledger_scale -- --accounts 10000,100000,1000000
//! ```
//!
//! Each path runs in a child process of its own (this binary with `json` or
//! `store`) so that its peak memory is its own. A third child applies the
//! epoch to another copy of the store and is killed (SIGKILL) halfway
//! through its apply; a fourth reopens what it left (`reopen`), timing the
//! recovery. Prints one JSON line per size on stdout.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand};
use serde_json::{json, Value};
use zksettle_benches::memory::peak_self_bytes;
use zksettle_circuits::rules::encoding::hash;
use zksettle_circuits::rules::epoch::{AccountEntry, Epoch, StateFile};
use zksettle_circuits::rules::market::Market;
use zksettle_circuits::rules::Account;
use zksettle_prover::io::{read_json, write_json};
use zksettle_prover::ledger::store::{LedgerStore, STORE_FILE};
use zksettle_prover::ledger::Ledger;
use zksettle_prover::sim::{simulate, Mix, SimConfig, Simulation};

use plonky2::field::types::Field;
use zksettle_circuits::config::F;

/// Issue 32: apply time and memory, JSON state against the ledger store.
#[derive(Parser, Debug)]
#[command(version, about)]
struct Args {
    #[command(subcommand)]
    phase: Option<Phase>,
    /// Venue sizes (accounts, the simulated traders included).
    #[arg(long, value_delimiter = ',', default_value = "10000,100000")]
    accounts: Vec<u32>,
    /// Simulated traders (they hold the positions and sign the orders).
    #[arg(long, default_value_t = 1000)]
    sim_accounts: u32,
    /// Operations in the measured epoch.
    #[arg(long, default_value_t = 1000)]
    ops: usize,
    /// Working directory (default: a temporary one).
    #[arg(long)]
    work: Option<PathBuf>,
}

#[derive(Subcommand, Debug)]
enum Phase {
    /// Apply the epoch from the JSON state in DIR (a child process).
    Json {
        /// The prepared directory.
        dir: PathBuf,
    },
    /// Open the store in DIR/run and apply the epoch (a child process).
    Store {
        /// The prepared directory.
        dir: PathBuf,
    },
    /// The `store` phase on DIR/killed (a child process, killed midway).
    StoreKilled {
        /// The prepared directory.
        dir: PathBuf,
    },
    /// Open the store in DIR/killed, left by a killed `store-killed` (a
    /// child process).
    Reopen {
        /// The prepared directory.
        dir: PathBuf,
    },
}

fn main() -> Result<()> {
    let args = Args::parse();
    match &args.phase {
        Some(Phase::Json { dir }) => return json_phase(dir),
        Some(Phase::Store { dir }) => return store_phase(dir, "run"),
        Some(Phase::StoreKilled { dir }) => return store_phase(dir, "killed"),
        Some(Phase::Reopen { dir }) => return reopen_phase(dir),
        None => {}
    }
    let temp = tempfile_dir(&args.work)?;
    let started = Instant::now();
    let simulation = simulate(SimConfig {
        seed: 7,
        accounts: args.sim_accounts,
        epochs: 1,
        ops: args.ops,
        mix: Mix::Steady,
    })?;
    let simulate_s = started.elapsed().as_secs_f64();
    for &accounts in &args.accounts {
        let dir = temp.join(format!("venue-{accounts}"));
        let mut prepared = prepare(&dir, accounts, &simulation)?;
        prepared["simulate_s"] = json!(simulate_s);
        let json_run = child("json", &dir)?;
        std::fs::create_dir_all(dir.join("run"))?;
        std::fs::copy(
            dir.join("ledger").join(STORE_FILE),
            dir.join("run").join(STORE_FILE),
        )?;
        let store_run = child("store", &dir)?;
        let killed = kill_and_reopen(&dir, &store_run)?;
        if json_run["new_root"] != store_run["new_root"] {
            bail!("{accounts} accounts: the JSON path and the store disagree on the new root");
        }
        let line = json!({
            "accounts": accounts,
            "prepare": prepared,
            "json": json_run,
            "store": store_run,
            "store_killed_mid_apply": killed,
        });
        println!("{line}");
        std::fs::remove_dir_all(&dir).ok();
    }
    Ok(())
}

fn tempfile_dir(work: &Option<PathBuf>) -> Result<PathBuf> {
    let dir = match work {
        Some(dir) => dir.clone(),
        None => std::env::temp_dir().join(format!("ledger_scale-{}", std::process::id())),
    };
    std::fs::create_dir_all(&dir).with_context(|| format!("{}", dir.display()))?;
    Ok(dir)
}

/// Writes the simulation's market.json, state-0000.json (padded to
/// `accounts`) and epoch-0001.json to `dir`, and creates the store in
/// `dir/ledger`.
fn prepare(dir: &Path, accounts: u32, simulation: &Simulation) -> Result<Value> {
    let market = simulation.market.clone();
    let mut genesis = simulation.genesis.clone();
    let first_pad = genesis.accounts.iter().map(|a| a.index).max().unwrap_or(0) + 1;
    let pad = accounts.saturating_sub(genesis.accounts.len() as u32);
    let last = u64::from(first_pad) + u64::from(pad);
    if last > market.capacity() {
        bail!(
            "{accounts} accounts do not fit a tree of {} leaves",
            market.capacity()
        );
    }
    let started = Instant::now();
    genesis
        .accounts
        .extend((first_pad..first_pad + pad).map(|index| {
            let account = Account {
                owner: hash(&[F::from_canonical_u32(index)]),
                cash: 1_000_000_000,
                ..Account::default()
            };
            AccountEntry::from_account(index, &account)
        }));
    let ledger = Ledger::from_state(market.clone(), &genesis)?;
    let pad_s = started.elapsed().as_secs_f64();
    let mut epoch: Epoch = simulation.epochs.first().context("no epoch")?.clone();
    epoch.prev_root = ledger.root();
    std::fs::create_dir_all(dir)?;
    write_json(&dir.join("market.json"), &market)?;
    write_json(&dir.join("state-0000.json"), &genesis)?;
    write_json(&dir.join("epoch-0001.json"), &epoch)?;
    let started = Instant::now();
    drop(LedgerStore::create(&dir.join("ledger"), &ledger)?);
    let init_s = started.elapsed().as_secs_f64();
    let state_bytes = std::fs::metadata(dir.join("state-0000.json"))?.len();
    let store_bytes = std::fs::metadata(dir.join("ledger").join(STORE_FILE))?.len();
    Ok(json!({
        "pad_and_tree_s": pad_s,
        "store_init_s": init_s,
        "state_json_bytes": state_bytes,
        "store_file_bytes": store_bytes,
        "ops": epoch.ops.len(),
    }))
}

/// Runs this binary's `phase` on `dir` and parses its JSON line.
fn child(phase: &str, dir: &Path) -> Result<Value> {
    let output = Command::new(std::env::current_exe()?)
        .arg(phase)
        .arg(dir)
        .output()?;
    if !output.status.success() {
        bail!(
            "{phase} on {}: {}",
            dir.display(),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(serde_json::from_slice(&output.stdout)?)
}

fn mib(bytes: Option<u64>) -> Option<f64> {
    bytes.map(|b| (b as f64 / (1 << 20) as f64 * 10.0).round() / 10.0)
}

fn json_phase(dir: &Path) -> Result<()> {
    let started = Instant::now();
    let market: Market = read_json(&dir.join("market.json"))?;
    let state: StateFile = read_json(&dir.join("state-0000.json"))?;
    let ledger = Ledger::from_state(market, &state)?;
    let load_s = started.elapsed().as_secs_f64();
    let epoch: Epoch = read_json(&dir.join("epoch-0001.json"))?;
    let started = Instant::now();
    let (next, _) = ledger.apply_epoch(&epoch)?;
    let apply_s = started.elapsed().as_secs_f64();
    let started = Instant::now();
    write_json(&dir.join("state-0001.json"), &next.to_state())?;
    let write_s = started.elapsed().as_secs_f64();
    let line = json!({
        "load_s": load_s,
        "apply_s": apply_s,
        "write_s": write_s,
        "total_s": load_s + apply_s + write_s,
        "peak_rss_mib": mib(peak_self_bytes()),
        "new_root": zksettle_circuits::rules::encoding::digest_hex(&next.root()),
    });
    println!("{line}");
    Ok(())
}

/// Kills a `store` run halfway through its apply (by the uninterrupted
/// run's timing) and times the reopening of what it left.
fn kill_and_reopen(dir: &Path, store_run: &Value) -> Result<Value> {
    let killed = dir.join("killed");
    std::fs::create_dir_all(&killed)?;
    std::fs::copy(dir.join("ledger").join(STORE_FILE), killed.join(STORE_FILE))?;
    let open_s = store_run["open_s"].as_f64().unwrap_or(0.0);
    let apply_s = store_run["apply_and_commit_s"].as_f64().unwrap_or(0.0);
    let delay = Duration::from_secs_f64(open_s + apply_s / 2.0);
    let mut process = Command::new(std::env::current_exe()?)
        .arg("store-killed")
        .arg(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    std::thread::sleep(delay);
    process.kill()?;
    process.wait()?;
    let mut reopened = child("reopen", dir)?;
    reopened["killed_after_s"] = json!(delay.as_secs_f64());
    Ok(reopened)
}

fn reopen_phase(dir: &Path) -> Result<()> {
    let market: Market = read_json(&dir.join("market.json"))?;
    let started = Instant::now();
    let store = LedgerStore::open(&dir.join("killed"), market)?;
    let open_s = started.elapsed().as_secs_f64();
    let line = json!({
        "open_s": open_s,
        "epoch": store.head().epoch,
        "peak_rss_mib": mib(peak_self_bytes()),
    });
    println!("{line}");
    Ok(())
}

fn store_phase(dir: &Path, run: &str) -> Result<()> {
    let market: Market = read_json(&dir.join("market.json"))?;
    let epoch: Epoch = read_json(&dir.join("epoch-0001.json"))?;
    let started = Instant::now();
    let mut store = LedgerStore::open(&dir.join(run), market)?;
    let open_s = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let (record, _) = store.apply_epoch(&epoch)?;
    let apply_s = started.elapsed().as_secs_f64();
    drop(store);
    let market: Market = read_json(&dir.join("market.json"))?;
    let started = Instant::now();
    let reopened = LedgerStore::open(&dir.join(run), market)?;
    let reopen_s = started.elapsed().as_secs_f64();
    if reopened.head().root != record.new_root {
        bail!("the reopened store is not at the new root");
    }
    let line = json!({
        "open_s": open_s,
        "apply_and_commit_s": apply_s,
        "reopen_s": reopen_s,
        "total_s": open_s + apply_s,
        "accounts_loaded": record.accounts_loaded,
        "peak_rss_mib": mib(peak_self_bytes()),
        "new_root": zksettle_circuits::rules::encoding::digest_hex(&record.new_root),
    });
    println!("{line}");
    Ok(())
}
