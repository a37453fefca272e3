//! `zksettle prove`: one epoch proven and chained, resumable.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::json;
use zksettle_circuits::recursion::set::CircuitSet;
use zksettle_circuits::recursion::Proof;
use zksettle_circuits::rules::encoding::digest_hex;
use zksettle_circuits::rules::market::Market;
use zksettle_prover::io::read_json;
use zksettle_prover::ledger::store::LedgerStore;
use zksettle_prover::pipeline::follow::{prove_next, Event};
use zksettle_prover::pipeline::job::{prove_epoch_to, StageTimes};
use zksettle_prover::pipeline::Stage;

/// Arguments of `zksettle prove`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Market configuration (market.json).
    #[arg(long)]
    market: PathBuf,
    /// State the epoch starts from (state-NNNN.json).
    #[arg(long, required_unless_present = "ledger", conflicts_with = "ledger")]
    state: Option<PathBuf>,
    /// Ledger directory (`zksettle ledger init`) in place of --state: the
    /// epoch must be the store's next unproven one; it is applied to the
    /// store (if it is not already), proven, and recorded as proven. No
    /// state file is written: the store is the state.
    #[arg(long)]
    ledger: Option<PathBuf>,
    /// Epoch file (epoch-NNNN.json).
    #[arg(long)]
    epoch: PathBuf,
    /// Chain proof of the previous epoch (required after epoch 1).
    #[arg(long)]
    prev: Option<PathBuf>,
    /// Output directory: state (with --state), epoch proof, chain proof,
    /// attestation, and checkpoints while it runs (a rerun resumes from
    /// them; with --ledger they go under the ledger directory).
    #[arg(long)]
    out: PathBuf,
    /// Chunk layouts.
    #[command(flatten)]
    layouts: super::circuits::LayoutArgs,
    /// Prove on a Temporal cluster (host:port of its frontend) instead of
    /// in this process; needs --store.
    #[cfg(feature = "cluster")]
    #[arg(long, requires = "store")]
    cluster: Option<String>,
    /// Temporal namespace (with --cluster).
    #[cfg(feature = "cluster")]
    #[arg(long, default_value = "default")]
    namespace: String,
    /// The store the workers share (with --cluster): a directory or
    /// s3://bucket/prefix.
    #[cfg(feature = "cluster")]
    #[arg(long, requires = "cluster")]
    store: Option<String>,
}

/// A progress bar over chunks and folds (hidden when stderr is not a terminal).
pub fn progress_bar() -> ProgressBar {
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg} [{bar:30}] {pos}/{len} {elapsed_precise}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar
}

/// Moves `bar` on for one pipeline stage.
pub fn advance(bar: &ProgressBar, stage: Stage) {
    match stage {
        Stage::Planned { chunks, folds } => {
            bar.set_length((chunks + folds + 3) as u64);
            bar.set_position(0);
            bar.set_message(format!(
                "prelude, {chunks} chunks, {folds} folds, chain, final"
            ));
        }
        Stage::Prelude { .. }
        | Stage::Chunk { .. }
        | Stage::Fold { .. }
        | Stage::Chain
        | Stage::Final => bar.inc(1),
    }
}

/// Decodes a chain proof of `set`'s chain circuit read from `path`.
pub fn decode_chain_proof(set: &CircuitSet, bytes: Vec<u8>, path: &Path) -> Result<Proof> {
    Proof::from_bytes(bytes, &set.chain.data.common)
        .map_err(|e| anyhow::anyhow!("{}: not a chain proof: {e}", path.display()))
}

/// Seconds rounded to milliseconds.
pub fn millis(secs: f64) -> f64 {
    (secs * 1000.0).round() / 1000.0
}

/// `prove --ledger`: the store's next unproven epoch, applied if needed,
/// proven, written and recorded; prints the same line as `prove --state`.
fn prove_from_store(args: &Args) -> Result<()> {
    let dir = args.ledger.as_deref().context("give --state or --ledger")?;
    let market: Market = read_json(&args.market)?;
    let mut store = LedgerStore::open(dir, market)?;
    let epoch = super::load_epoch(&args.epoch)?;
    let expected = store.proven_epoch() + 1;
    anyhow::ensure!(
        epoch.epoch == expected,
        "{}: epoch {}, the store's next epoch to prove is {expected}",
        args.epoch.display(),
        epoch.epoch
    );
    let previous = read_previous(args, epoch.epoch)?;
    let set = super::circuits::load_or_build(store.market(), args.layouts)?;
    let previous = match (previous, &args.prev) {
        (Some(bytes), Some(path)) => Some(decode_chain_proof(&set, bytes, path)?),
        _ => None,
    };
    let event = prove_next(&set, &mut store, &epoch, previous, &args.out)
        .with_context(|| format!("{}", args.epoch.display()))?;
    let Event::Proven {
        epoch: number,
        ops,
        chunks,
        folds,
        stages_s: t,
        final_proof_bytes,
        ..
    } = event
    else {
        anyhow::bail!("{}: not proven", args.epoch.display());
    };
    let record = store
        .proof_record(number)?
        .context("the proven epoch was not recorded")?;
    let bytes = |prefix: &str| {
        record
            .outputs
            .iter()
            .find(|f| f.name.starts_with(prefix))
            .map_or(0, |f| f.bytes)
    };
    let line = json!({
        "epoch": number,
        "prev_root": digest_hex(&record.prev_root),
        "new_root": digest_hex(&record.new_root),
        "ops": ops,
        "chunks": chunks,
        "folds": folds,
        "prove_s": millis(t.total_s),
        "stages_s": stages_json(&t),
        "chain_proof_bytes": bytes("chain-"),
        "final_proof_bytes": final_proof_bytes,
    });
    println!("{line}");
    Ok(())
}

/// The bytes of `--prev`, required after epoch 1 (checked before the slow
/// circuit build).
fn read_previous(args: &Args, epoch: u64) -> Result<Option<Vec<u8>>> {
    anyhow::ensure!(
        epoch == 1 || args.prev.is_some(),
        "{}: epoch {epoch} needs the chain proof of epoch {} (--prev)",
        args.epoch.display(),
        epoch.saturating_sub(1)
    );
    args.prev
        .as_deref()
        .map(|p| std::fs::read(p).with_context(|| format!("{}: cannot read", p.display())))
        .transpose()
}

/// Seconds per stage as the JSON `prove` prints.
fn stages_json(t: &StageTimes) -> serde_json::Value {
    json!({
        "apply": millis(t.apply_s),
        "assign": millis(t.assign_s),
        "prelude": millis(t.prelude_s),
        "chunks": millis(t.chunk_s),
        "folds": millis(t.fold_s),
        "chain": millis(t.chain_s),
        "final": millis(t.final_s),
    })
}

/// Proves the epoch and prints one JSON line.
pub fn run(args: Args) -> Result<()> {
    #[cfg(feature = "cluster")]
    if let (Some(cluster), Some(store)) = (&args.cluster, &args.store) {
        let Some(state) = &args.state else {
            anyhow::bail!("--cluster proves from --state; a ledger store is proven locally");
        };
        let inputs = super::EpochInputs {
            market: args.market.clone(),
            state: state.clone(),
            epoch: args.epoch.clone(),
        };
        return super::cluster_prove::run(super::cluster_prove::Request {
            inputs: &inputs,
            prev: args.prev.as_deref(),
            out: &args.out,
            layouts: args.layouts,
            cluster,
            namespace: &args.namespace,
            store,
        });
    }
    let Some(state) = &args.state else {
        return prove_from_store(&args);
    };
    let ledger = super::load_ledger(&args.market, state)?;
    let epoch = super::load_epoch(&args.epoch)?;
    // Fail fast, before the slow circuit build: a rejected epoch, or a
    // missing previous chain proof.
    ledger
        .apply_epoch(&epoch)
        .with_context(|| format!("{}", args.epoch.display()))?;
    let previous = read_previous(&args, epoch.epoch)?;
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("{}: cannot create", args.out.display()))?;
    let set = super::circuits::load_or_build(ledger.market(), args.layouts)?;
    let previous = match (previous, &args.prev) {
        (Some(bytes), Some(path)) => Some(decode_chain_proof(&set, bytes, path)?),
        _ => None,
    };
    let bar = progress_bar();
    let proven = prove_epoch_to(
        &set,
        &ledger,
        &epoch,
        previous.as_ref(),
        &args.out,
        &|stage| advance(&bar, stage),
    )
    .with_context(|| format!("{}", args.epoch.display()))?;
    bar.finish_and_clear();
    let s = &proven.statement;
    let t = &proven.times;
    let line = json!({
        "epoch": s.epoch,
        "prev_root": digest_hex(&s.prev_root),
        "new_root": digest_hex(&s.new_root),
        "ops": proven.ops,
        "chunks": proven.chunks,
        "folds": proven.folds,
        "prove_s": millis(proven.times.total_s),
        "stages_s": stages_json(t),
        "chain_proof_bytes": proven.chain_proof_bytes,
        "final_proof_bytes": proven.final_proof_bytes,
    });
    println!("{line}");
    Ok(())
}
