//! `zksettle inspect`: the public inputs of a chain proof, as JSON (decoded
//! with the chain circuit's verifier data; nothing is verified).

use std::path::PathBuf;

use anyhow::{Context as _, Result};
use plonky2::hash::hash_types::HashOut;
use zksettle_circuits::rules::encoding::digest_hex;
use zksettle_verifier::PublicInputs;

use super::verify::load_verifier;

/// Arguments of `zksettle inspect`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// A chain proof (chain-NNNN.proof).
    proof: PathBuf,
    /// Verifier data to decode with (default: the shipped data).
    #[arg(long)]
    verifier: Option<PathBuf>,
}

/// Prints the statement of a chain proof.
pub fn run(args: Args) -> Result<()> {
    let verifier = load_verifier(args.verifier.as_deref())?;
    let bytes = std::fs::read(&args.proof)
        .with_context(|| format!("{}: cannot read", args.proof.display()))?;
    let context = || format!("{}", args.proof.display());
    let proof = verifier.decode(&bytes).with_context(context)?;
    let s = verifier.statement(&proof).with_context(context)?;
    let key = &proof.public_inputs[PublicInputs::len(verifier.quorum())..];
    let circuit_digest = match key {
        [a, b, c, d, ..] => digest_hex(&HashOut {
            elements: [*a, *b, *c, *d],
        }),
        _ => String::new(),
    };
    println!(
        "{}",
        serde_json::json!({
            "market_hash": digest_hex(&s.market_hash),
            "genesis_root": digest_hex(&s.genesis_root),
            "prev_root": digest_hex(&s.prev_root),
            "new_root": digest_hex(&s.new_root),
            "epoch": s.epoch,
            "timestamp": s.timestamp,
            "batch_hash": digest_hex(&s.batch_hash),
            "report_hashes": s.report_hashes.iter().map(digest_hex).collect::<Vec<_>>(),
            "op_count": s.op_count,
            "circuit_digest": circuit_digest,
            "proof_bytes": bytes.len(),
        })
    );
    Ok(())
}
