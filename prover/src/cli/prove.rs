//! `zksettle prove`: one epoch proven and chained, resumable.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::json;
use zksettle_circuits::recursion::set::CircuitSet;
use zksettle_circuits::recursion::Proof;
use zksettle_circuits::rules::encoding::digest_hex;
use zksettle_prover::pipeline::job::prove_epoch_to;
use zksettle_prover::pipeline::Stage;

/// Arguments of `zksettle prove`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    inputs: super::EpochInputs,
    /// Chain proof of the previous epoch (required after epoch 1).
    #[arg(long)]
    prev: Option<PathBuf>,
    /// Output directory: state, epoch proof, chain proof, attestation, and
    /// checkpoints while it runs (a rerun resumes from them).
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

/// Proves the epoch and prints one JSON line.
pub fn run(args: Args) -> Result<()> {
    #[cfg(feature = "cluster")]
    if let (Some(cluster), Some(store)) = (&args.cluster, &args.store) {
        return super::cluster_prove::run(super::cluster_prove::Request {
            inputs: &args.inputs,
            prev: args.prev.as_deref(),
            out: &args.out,
            layouts: args.layouts,
            cluster,
            namespace: &args.namespace,
            store,
        });
    }
    let ledger = super::load_ledger(&args.inputs.market, &args.inputs.state)?;
    let epoch = super::load_epoch(&args.inputs.epoch)?;
    // Fail fast, before the slow circuit build: a rejected epoch, or a
    // missing previous chain proof.
    ledger
        .apply_epoch(&epoch)
        .with_context(|| format!("{}", args.inputs.epoch.display()))?;
    anyhow::ensure!(
        epoch.epoch == 1 || args.prev.is_some(),
        "{}: epoch {} needs the chain proof of epoch {} (--prev)",
        args.inputs.epoch.display(),
        epoch.epoch,
        epoch.epoch.saturating_sub(1)
    );
    let previous = args
        .prev
        .as_deref()
        .map(|p| std::fs::read(p).with_context(|| format!("{}: cannot read", p.display())))
        .transpose()?;
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
    .with_context(|| format!("{}", args.inputs.epoch.display()))?;
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
        "stages_s": {
            "apply": millis(t.apply_s),
            "assign": millis(t.assign_s),
            "prelude": millis(t.prelude_s),
            "chunks": millis(t.chunk_s),
            "folds": millis(t.fold_s),
            "chain": millis(t.chain_s),
            "final": millis(t.final_s),
        },
        "chain_proof_bytes": proven.chain_proof_bytes,
        "final_proof_bytes": proven.final_proof_bytes,
    });
    println!("{line}");
    Ok(())
}
