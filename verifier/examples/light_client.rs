//! A light client following a chain: reads what it trusts from
//! `DIR/trusted.json` (genesis root, market terms, oracle set; `zksettle
//! demo` writes it), then every `DIR/final-NNNN.proof` with its
//! `DIR/attest-NNNN.json` in epoch order, and prints each finalized epoch.
//!
//! ```sh
//! cargo run --release -p zksettle-prover --bin zksettle -- demo --out demo-out
//! cargo run --release -p zksettle-verifier --example light_client -- demo-out
//! ```
//! Uses the shipped verifier data (default parameters); pass a file written
//! by `zksettle export-verifier` and its data digest as the second and third
//! arguments for other parameters.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use zksettle_verifier::hex::parse_digest;
use zksettle_verifier::{Attestation, Freshness, LightClient, ProofKind, Trusted, Verifier};

fn read(path: &Path) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))
}

fn follow(dir: &Path, verifier_data: Option<(&Path, &str)>) -> Result<(), String> {
    let trusted: Trusted = serde_json::from_slice(&read(&dir.join("trusted.json"))?)
        .map_err(|e| format!("{}: {e}", dir.join("trusted.json").display()))?;
    let verifier = match verifier_data {
        None => Verifier::shipped(),
        Some((path, pin)) => {
            let pin = parse_digest(pin).map_err(|e| format!("pin: {e}"))?;
            Verifier::from_pinned_bytes(ProofKind::Final, &read(path)?, &pin)
        }
    }
    .map_err(|e| e.to_string())?;
    let mut proofs: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            name.starts_with("final-") && name.ends_with(".proof")
        })
        .collect();
    proofs.sort();
    if proofs.is_empty() {
        return Err(format!("{}: no final-NNNN.proof files", dir.display()));
    }
    let mut client = LightClient::new(verifier, trusted);
    for proof_path in proofs {
        let number = proof_path
            .file_stem()
            .and_then(|s| s.to_str())
            .and_then(|s| s.strip_prefix("final-"))
            .unwrap_or("");
        let attest_path = dir.join(format!("attest-{number}.json"));
        let proof = read(&proof_path)?;
        let attestation = Attestation::from_json(&read(&attest_path)?)
            .map_err(|e| format!("{}: {e}", attest_path.display()))?;
        let clock = Instant::now();
        // The demo's epochs are stamped at simulated times: no age bound. A
        // client acting on live state passes `Freshness::within(now,
        // max_age)` with its own clock, since the operator picks the
        // timestamp.
        let finalized = client
            .advance(
                &proof,
                std::slice::from_ref(&attestation),
                Freshness::Unchecked,
            )
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
    let args: Vec<String> = std::env::args().skip(1).collect();
    let verifier = match args.as_slice() {
        [_] => None,
        [_, data, pin] => Some((Path::new(data), pin.as_str())),
        _ => {
            eprintln!("usage: light_client DIR [VERIFIER_DATA DATA_DIGEST]");
            return ExitCode::FAILURE;
        }
    };
    match follow(Path::new(&args[0]), verifier) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
