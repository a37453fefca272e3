//! `zksettle demo`: simulate a small market, prove its epochs with their
//! chain and final proofs, follow them with a light client, and print a table.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{anyhow, ensure, Result};
use zksettle_circuits::rules::encoding::digest_hex;
use zksettle_prover::export::{chain_verifier_bytes, final_verifier_bytes, trusted};
use zksettle_prover::io::{read_json, write_json};
use zksettle_prover::ledger::Ledger;
use zksettle_prover::pipeline::job::prove_epoch_to;
use zksettle_prover::sim::{simulate, Mix, SimConfig};
use zksettle_verifier::{Anchor, Attestation, Freshness, LightClient, ProofKind, Verifier};

use super::prove::{advance, progress_bar};

/// Arguments of `zksettle demo`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Simulation seed.
    #[arg(long, default_value_t = 7)]
    seed: u64,
    /// User accounts.
    #[arg(long, default_value_t = 40)]
    accounts: u32,
    /// Epochs to prove and chain.
    #[arg(long, default_value_t = 3)]
    epochs: u64,
    /// Operations per epoch.
    #[arg(long, default_value_t = 60)]
    ops: usize,
    /// Chunk layouts.
    #[command(flatten)]
    layouts: super::circuits::LayoutArgs,
    /// Where the simulation, states, proofs and attestations go.
    #[arg(long, default_value = "demo-out")]
    out: PathBuf,
}

/// Runs the demo.
pub fn run(args: Args) -> Result<()> {
    let simulation = simulate(SimConfig {
        seed: args.seed,
        accounts: args.accounts,
        epochs: args.epochs,
        ops: args.ops,
        mix: Mix::Default,
    })?;
    simulation.write(&args.out)?;
    eprintln!(
        "simulated {} epochs of {} operations over {} accounts into {}",
        args.epochs,
        args.ops,
        args.accounts,
        args.out.display()
    );
    let clock = Instant::now();
    let set = super::circuits::load_or_build(&simulation.market, args.layouts)?;
    let chunk_bits = set.universal().degree_bits();
    let fold_bits = set.fold.data.common.degree_bits();
    let layouts: Vec<String> = set
        .chunks
        .iter()
        .map(|c| format!("{} {} steps", c.params.layout_name(), c.params.capacity))
        .collect();
    eprintln!(
        "circuits ready in {:.1} s: chunks 2^{chunk_bits} rows ({}), wrap/fold/chain 2^{fold_bits} rows",
        clock.elapsed().as_secs_f64(),
        layouts.join(", "),
    );

    let mut ledger = Ledger::from_state(simulation.market.clone(), &simulation.genesis)?;
    let genesis_root = ledger.root();
    // A light client follows the chain from the files alone, with this
    // circuit set's final verifier data (the shipped data is for the defaults).
    let verifier_data = final_verifier_bytes(&set).map_err(|e| anyhow!(e))?;
    let trusted = trusted(&simulation.market, genesis_root);
    write_json(&args.out.join("trusted.json"), &trusted)?;
    let verifier = Verifier::from_trusted_bytes(ProofKind::Final, &verifier_data)?;
    let mut client = LightClient::new(verifier, trusted.clone());
    let mut previous = None;
    let mut rows_out = Vec::new();
    for epoch in &simulation.epochs {
        let bar = progress_bar();
        let proven = prove_epoch_to(
            &set,
            &ledger,
            epoch,
            previous.as_ref(),
            &args.out,
            &|stage| advance(&bar, stage),
        )?;
        bar.finish_and_clear();
        let n = epoch.epoch;
        let proof = std::fs::read(args.out.join(format!("final-{n:04}.proof")))?;
        let attestation: Attestation = read_json(&args.out.join(format!("attest-{n:04}.json")))?;
        let clock = Instant::now();
        // The simulated epochs are stamped at simulated times, not now: no
        // age bound (a client acting on live state passes one).
        let statement = client
            .advance(
                &proof,
                std::slice::from_ref(&attestation),
                Freshness::Unchecked,
            )?
            .clone();
        let verify_ms = clock.elapsed().as_secs_f64() * 1000.0;
        ensure!(statement.new_root == proven.ledger.root(), "root mismatch");
        let rows =
            (proven.chunks << chunk_bits) + ((proven.chunks + proven.folds + 1) << fold_bits);
        rows_out.push(format!(
            "| {:>5} | {:>4} | {:>6} | {:>10} | {:>7.1} | {:>5.2} | {:>11} | {:>9.1} |",
            statement.epoch,
            proven.ops,
            proven.chunks,
            rows,
            proven.times.total_s,
            proven.ops as f64 / proven.times.total_s,
            proven.final_proof_bytes,
            verify_ms
        ));
        eprintln!("{}", rows_out.last().map(String::as_str).unwrap_or(""));
        let t = &proven.times;
        eprintln!(
            "  stages: apply {:.2} s, assign {:.2} s, prelude {:.1} s, chunks {:.1} s, folds {:.1} s, chain {:.1} s, final {:.1} s",
            t.apply_s, t.assign_s, t.prelude_s, t.chunk_s, t.fold_s, t.chain_s, t.final_s
        );
        ledger = proven.ledger;
        previous = Some(proven.chain_proof);
    }

    println!("| epoch |  ops | chunks |       rows | prove s | ops/s | proof bytes | verify ms |");
    println!("| ----: | ---: | -----: | ---------: | ------: | ----: | ----------: | --------: |");
    for row in &rows_out {
        println!("{row}");
    }
    if let Some(last) = client.finalized() {
        println!(
            "final proof of epoch {} verified by the light client (with each epoch's attestation): genesis {} -> root {} ({} ops in the last epoch)",
            last.epoch,
            digest_hex(&genesis_root),
            digest_hex(&last.new_root),
            last.op_count
        );
        // A fresh client needs nothing but the last chain proof: the oracle
        // signatures were verified in every epoch's prelude.
        let n = last.epoch;
        let chain_path = args.out.join(format!("chain-{n:04}.proof"));
        let chain_proof = std::fs::read(&chain_path)?;
        let chain_verifier = Verifier::from_trusted_bytes(
            ProofKind::Chain,
            &chain_verifier_bytes(&set).map_err(|e| anyhow!(e))?,
        )?;
        let fresh = chain_verifier.verify(
            &chain_proof,
            &trusted,
            &Anchor::genesis(&trusted),
            &[],
            Freshness::Unchecked,
        )?;
        ensure!(&fresh == last, "the chain proof states another epoch");
        println!(
            "chain proof of epoch {n} verified from genesis with no attestation (`zksettle verify --market {} --genesis-root {} --proof {}` with this set's chain verifier data): root {}",
            args.out.join("market.json").display(),
            digest_hex(&genesis_root),
            chain_path.display(),
            digest_hex(&fresh.new_root),
        );
    }
    Ok(())
}
