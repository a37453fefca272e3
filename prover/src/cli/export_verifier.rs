//! `zksettle export-verifier`: the chain circuit's verifier data, for light
//! clients (`zksettle-verifier` ships the default parameters' data as
//! `verifier/data/chain.bin` with its digest in `chain.digest`).

use std::path::PathBuf;

use anyhow::{anyhow, Result};
use zksettle_circuits::chunk::DEFAULT_CAPACITY;
use zksettle_circuits::rules::encoding::digest_hex;
use zksettle_circuits::rules::market::Market;
use zksettle_prover::export::{chain_circuit_digest, chain_verifier_bytes};
use zksettle_prover::io::{read_json, write_atomic};
use zksettle_prover::sim::market::simulated_market;
use zksettle_verifier::ChainVerifier;

/// Arguments of `zksettle export-verifier`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Where the verifier data goes; its circuit digest goes next to it, with
    /// the extension `.digest`.
    #[arg(long)]
    out: PathBuf,
    /// Market whose shape the circuits are for (default: the simulated
    /// market, the shipped data's).
    #[arg(long)]
    market: Option<PathBuf>,
    /// Steps per chunk.
    #[arg(long, default_value_t = DEFAULT_CAPACITY)]
    capacity: usize,
}

/// Writes the verifier data and its digest; prints a JSON line.
pub fn run(args: Args) -> Result<()> {
    let market: Market = match &args.market {
        Some(path) => read_json(path)?,
        None => simulated_market(7),
    };
    let set = super::circuits::load_or_build(&market, args.capacity)?;
    let bytes = chain_verifier_bytes(&set).map_err(|e| anyhow!(e))?;
    let digest = chain_circuit_digest(&set);
    write_atomic(&args.out, &bytes)?;
    let digest_path = args.out.with_extension("digest");
    write_atomic(&digest_path, format!("{digest}\n").as_bytes())?;
    println!(
        "{}",
        serde_json::json!({
            "out": args.out.display().to_string(),
            "bytes": bytes.len(),
            "circuit_digest": digest,
            "data_digest": digest_hex(&ChainVerifier::data_digest(&bytes)),
        })
    );
    Ok(())
}
