//! `zksettle verify-account`: checks an account proof against a root the
//! caller trusts (finalized by `zksettle verify` or a light client) in the
//! account tree of the market's depth, and prints the account, or exits 1
//! with the reason.

use std::path::PathBuf;

use anyhow::{Context as _, Result};
use zksettle_circuits::rules::encoding::parse_digest;
use zksettle_circuits::rules::market::Market;
use zksettle_prover::io::read_json;
use zksettle_verifier::{verify_account, AccountProof};

/// Arguments of `zksettle verify-account`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The market the root is of (market.json, as `zksettle verify` takes
    /// it): the proof's path must have one sibling per level of its tree.
    #[arg(long)]
    market: PathBuf,
    /// The trusted account root, `0x` hex.
    #[arg(long)]
    root: String,
    /// The account proof (as `zksettle account-proof` writes it).
    #[arg(long)]
    proof: PathBuf,
}

/// Verifies and prints `{"index","account":{...},"root"}`.
pub fn run(args: Args) -> Result<()> {
    let market: Market = read_json(&args.market)?;
    market
        .validate()
        .with_context(|| format!("{}", args.market.display()))?;
    let root = parse_digest(&args.root).context("--root")?;
    let bytes = std::fs::read(&args.proof)
        .with_context(|| format!("{}: cannot read", args.proof.display()))?;
    let context = || args.proof.display().to_string();
    let proof = AccountProof::from_json(&bytes).with_context(context)?;
    let account = verify_account(&root, market.tree_depth, &proof).with_context(context)?;
    println!(
        "{}",
        serde_json::json!({
            "index": proof.index,
            "account": account,
            "root": args.root,
        })
    );
    Ok(())
}
