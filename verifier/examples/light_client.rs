//! A light client following a chain: reads what it trusts from
//! `DIR/trusted.json` (genesis root, market hash, oracle keys, quorum; `zksettle
//! demo` writes it), then every `DIR/chain-NNNN.proof` with its
//! `DIR/attest-NNNN.json` in epoch order, and prints each finalized epoch.
//!
//! ```sh
//! cargo run --release -p zksettle-prover --bin zksettle -- demo --out demo-out
//! cargo run --release -p zksettle-verifier --example light_client -- demo-out
//! ```
//! Uses the shipped verifier data (default parameters); pass a file written
//! by `zksettle export-verifier` as the second argument for other parameters.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use zksettle_verifier::{Attestation, ChainVerifier, LightClient, Trusted};

fn read(path: &Path) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))
}

fn follow(dir: &Path, verifier_data: Option<&Path>) -> Result<(), String> {
    let trusted: Trusted = serde_json::from_slice(&read(&dir.join("trusted.json"))?)
        .map_err(|e| format!("{}: {e}", dir.join("trusted.json").display()))?;
    let verifier = match verifier_data {
        None => ChainVerifier::shipped(),
        Some(path) => ChainVerifier::from_trusted_bytes(&read(path)?),
    }
    .map_err(|e| e.to_string())?;
    let mut proofs: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            name.starts_with("chain-") && name.ends_with(".proof")
        })
        .collect();
    proofs.sort();
    if proofs.is_empty() {
        return Err(format!("{}: no chain-NNNN.proof files", dir.display()));
    }
    let mut client = LightClient::new(verifier, trusted);
    for proof_path in proofs {
        let number = proof_path
            .file_stem()
            .and_then(|s| s.to_str())
            .and_then(|s| s.strip_prefix("chain-"))
            .unwrap_or("");
        let attest_path = dir.join(format!("attest-{number}.json"));
        let proof = read(&proof_path)?;
        let attestation = Attestation::from_json(&read(&attest_path)?)
            .map_err(|e| format!("{}: {e}", attest_path.display()))?;
        let clock = Instant::now();
        let finalized = client
            .advance(&proof, &attestation)
            .map_err(|e| format!("{}: {e}", proof_path.display()))?;
        let ms = clock.elapsed().as_secs_f64() * 1e3;
        println!(
            "epoch {} final: root {} at {} ({} ops, proof {} bytes, verified in {ms:.1} ms)",
            finalized.epoch,
            zksettle_verifier::hex::digest_hex(&finalized.new_root),
            finalized.timestamp,
            finalized.op_count,
            proof.len(),
        );
    }
    Ok(())
}

fn main() -> ExitCode {
    let mut args = std::env::args_os().skip(1).map(PathBuf::from);
    let Some(dir) = args.next() else {
        eprintln!("usage: light_client DIR [VERIFIER_DATA]");
        return ExitCode::FAILURE;
    };
    match follow(&dir, args.next().as_deref()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
