//! `zksettle export-verifier`: the final circuit's verifier data (what light
//! clients verify with) and, with `--chain`, the chain circuit's.
//! `zksettle-verifier` ships the default parameters' data as
//! `verifier/data/final.bin` and `chain.bin`, each with its pin, the data
//! digest of all its bytes, in a `.data-digest` file beside it (what
//! `Verifier::shipped` checks before decoding), and its circuit digest in a
//! `.digest` file (which identifies the circuit but, stored inside the
//! data, pins nothing).

use std::path::{Path, PathBuf};

use anyhow::{anyhow, Result};
use zksettle_circuits::rules::encoding::digest_hex;
use zksettle_circuits::rules::market::Market;
use zksettle_prover::export::{
    chain_circuit_digest, chain_verifier_bytes, final_circuit_digest, final_verifier_bytes,
};
use zksettle_prover::io::{read_json, write_atomic};
use zksettle_prover::sim::market::simulated_market;
use zksettle_verifier::Verifier;

/// Arguments of `zksettle export-verifier`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Where the final circuit's verifier data goes; its data digest goes
    /// next to it with the extension `.data-digest`, its circuit digest
    /// with `.digest`.
    #[arg(long)]
    out: PathBuf,
    /// Where the chain circuit's verifier data goes (and its `.data-digest`
    /// and `.digest`).
    #[arg(long)]
    chain: Option<PathBuf>,
    /// Market whose shape the circuits are for (default: the simulated
    /// market, the shipped data's).
    #[arg(long)]
    market: Option<PathBuf>,
    /// Chunk layouts.
    #[command(flatten)]
    layouts: super::circuits::LayoutArgs,
}

fn write(path: &Path, bytes: &[u8], circuit_digest: &str) -> Result<serde_json::Value> {
    let data_digest = digest_hex(&Verifier::data_digest(bytes));
    write_atomic(path, bytes)?;
    write_atomic(
        &path.with_extension("data-digest"),
        format!("{data_digest}\n").as_bytes(),
    )?;
    write_atomic(
        &path.with_extension("digest"),
        format!("{circuit_digest}\n").as_bytes(),
    )?;
    Ok(serde_json::json!({
        "out": path.display().to_string(),
        "bytes": bytes.len(),
        "circuit_digest": circuit_digest,
        "data_digest": data_digest,
    }))
}

/// Writes the verifier data and their digests; prints a JSON line.
pub fn run(args: Args) -> Result<()> {
    let market: Market = match &args.market {
        Some(path) => read_json(path)?,
        None => simulated_market(7),
    };
    let set = super::circuits::load_or_build(&market, args.layouts)?;
    let final_bytes = final_verifier_bytes(&set).map_err(|e| anyhow!(e))?;
    let mut line = serde_json::json!({
        "final": write(&args.out, &final_bytes, &final_circuit_digest(&set))?,
    });
    if let Some(path) = &args.chain {
        let bytes = chain_verifier_bytes(&set).map_err(|e| anyhow!(e))?;
        line["chain"] = write(path, &bytes, &chain_circuit_digest(&set))?;
    }
    println!("{line}");
    Ok(())
}
