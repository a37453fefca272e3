//! `zksettle inspect`: the public inputs of a final or chain proof, as JSON
//! (decoded with the shipped verifier data, or a pinned file; nothing is
//! verified).

use std::path::PathBuf;

use anyhow::{Context as _, Result};
use plonky2::hash::hash_types::HashOut;
use zksettle_circuits::rules::encoding::digest_hex;
use zksettle_verifier::{ProofKind, PublicInputs};

use super::verify::{load_verifiers, pick};

/// Arguments of `zksettle inspect`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// A final or chain proof (final-NNNN.proof, chain-NNNN.proof).
    proof: PathBuf,
    /// Verifier data to decode with (default: the shipped data).
    #[arg(long, requires = "verifier_digest")]
    verifier: Option<PathBuf>,
    /// Its data digest (pin).
    #[arg(long, requires = "verifier")]
    verifier_digest: Option<String>,
}

/// Prints the statement of a proof.
pub fn run(args: Args) -> Result<()> {
    let verifiers = load_verifiers(args.verifier.as_deref(), args.verifier_digest.as_deref())?;
    let bytes = std::fs::read(&args.proof)
        .with_context(|| format!("{}: cannot read", args.proof.display()))?;
    let context = || format!("{}", args.proof.display());
    let verifier = pick(&verifiers, &bytes).with_context(context)?;
    let proof = verifier.decode(&bytes).with_context(context)?;
    let s = verifier.statement(&proof).with_context(context)?;
    let key = proof
        .public_inputs()
        .get(PublicInputs::len(verifier.quorum())..)
        .unwrap_or(&[]);
    let chain_key = match key {
        [a, b, c, d, ..] => digest_hex(&HashOut {
            elements: [*a, *b, *c, *d],
        }),
        _ => String::new(),
    };
    println!(
        "{}",
        serde_json::json!({
            "proof": match verifier.kind() {
                ProofKind::Final => "final",
                ProofKind::Chain => "chain",
            },
            "market_hash": digest_hex(&s.market_hash),
            "genesis_root": digest_hex(&s.genesis_root),
            "prev_root": digest_hex(&s.prev_root),
            "new_root": digest_hex(&s.new_root),
            "epoch": s.epoch,
            "timestamp": s.timestamp,
            "batch_hash": digest_hex(&s.batch_hash),
            "transfers": s.transfers,
            "report_hashes": s.report_hashes.iter().map(digest_hex).collect::<Vec<_>>(),
            "op_count": s.op_count,
            "history": digest_hex(&s.history),
            "circuit_digest": verifier.circuit_digest(),
            "key_slot": chain_key,
            "proof_bytes": bytes.len(),
        })
    );
    Ok(())
}
