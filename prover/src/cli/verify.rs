//! `zksettle verify`: light verification of a chain proof with
//! `zksettle-verifier` (DESIGN section 9): prints the finalized epoch as
//! JSON, or exits 1 with one line naming the file and the reason.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context as _, Result};
use zksettle_circuits::rules::encoding::parse_digest;
use zksettle_circuits::rules::market::Market;
use zksettle_prover::export::trusted;
use zksettle_prover::io::read_json;
use zksettle_verifier::{Attestation, ChainVerifier, VerifyError};

/// Arguments of `zksettle verify`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The market the chain follows (its hash, oracle keys and quorum are trusted).
    #[arg(long)]
    market: PathBuf,
    /// The trusted genesis root, `0x` hex.
    #[arg(long)]
    genesis_root: String,
    /// The chain proof (chain-NNNN.proof).
    #[arg(long)]
    proof: PathBuf,
    /// The epoch's oracle attestation (attest-NNNN.json).
    #[arg(long)]
    attestation: PathBuf,
    /// Verifier data (default: the shipped data for the default parameters).
    #[arg(long)]
    verifier: Option<PathBuf>,
    /// The latest epoch this client already finalized: an older or equal
    /// epoch is rejected as stale.
    #[arg(long)]
    finalized_epoch: Option<u64>,
}

/// The shipped verifier data, or a file the caller trusts.
pub fn load_verifier(path: Option<&Path>) -> Result<ChainVerifier> {
    match path {
        None => Ok(ChainVerifier::shipped()?),
        Some(path) => {
            let bytes =
                std::fs::read(path).with_context(|| format!("{}: cannot read", path.display()))?;
            ChainVerifier::from_trusted_bytes(&bytes).with_context(|| format!("{}", path.display()))
        }
    }
}

/// Verifies and prints `{"epoch","timestamp","prev_root","new_root","batch_hash","op_count","verify_ms"}`.
pub fn run(args: Args) -> Result<()> {
    let market: Market = read_json(&args.market)?;
    let genesis_root = parse_digest(&args.genesis_root).context("--genesis-root")?;
    let verifier = load_verifier(args.verifier.as_deref())?;
    let trusted = trusted(&market, genesis_root);
    let proof = std::fs::read(&args.proof)
        .with_context(|| format!("{}: cannot read", args.proof.display()))?;
    let attestation_bytes = std::fs::read(&args.attestation)
        .with_context(|| format!("{}: cannot read", args.attestation.display()))?;
    let attestation = Attestation::from_json(&attestation_bytes)
        .with_context(|| format!("{}", args.attestation.display()))?;
    let clock = Instant::now();
    let finalized = verifier
        .verify(&proof, &trusted, &attestation)
        .map_err(|e| {
            let file = if e.is_attestation() {
                &args.attestation
            } else {
                &args.proof
            };
            anyhow::Error::new(e).context(file.display().to_string())
        })?;
    let verify_ms = clock.elapsed().as_secs_f64() * 1000.0;
    if let Some(known) = args.finalized_epoch {
        if finalized.epoch <= known {
            return Err(VerifyError::StaleEpoch {
                epoch: finalized.epoch,
                finalized: known,
            })
            .with_context(|| format!("{}", args.proof.display()));
        }
    }
    let mut line = serde_json::to_value(&finalized)?;
    line["verify_ms"] = serde_json::json!((verify_ms * 100.0).round() / 100.0);
    println!("{line}");
    Ok(())
}
