//! Subcommands of `zksettle` (`docs/design.md` section 13).

mod account_proof;
mod apply;
mod circuits;
#[cfg(feature = "cluster")]
mod cluster_prove;
mod demo;
mod export_verifier;
mod follow;
mod inspect;
mod keygen;
mod ledger;
mod margin;
mod prove;
mod replay;
mod simulate;
mod stats;
#[cfg(feature = "cluster")]
mod task;
mod verify;
mod verify_account;
#[cfg(feature = "cluster")]
mod worker;

use std::path::Path;

use anyhow::{Context as _, Result};
use clap::{Parser, Subcommand};
use zksettle_circuits::rules::epoch::{Epoch, StateFile};
use zksettle_circuits::rules::market::Market;
use zksettle_prover::io::read_json;
use zksettle_prover::ledger::Ledger;

/// zksettle: zero-knowledge settlement for crypto-options venues.
#[derive(Debug, Parser)]
#[command(name = "zksettle", version, about)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Write an account's leaf and Merkle path under a state's root.
    AccountProof(account_proof::Args),
    /// Apply an epoch natively and write the new state.
    Apply(apply::Args),
    /// Write the final and chain circuits' verifier data for light clients.
    ExportVerifier(export_verifier::Args),
    /// Follow a sequencer: prove the epochs dropped into an inbox, in order, into an outbox.
    Follow(follow::Args),
    /// Print the public inputs of a final or chain proof as JSON.
    Inspect(inspect::Args),
    /// Print an ECgFp5 Schnorr key pair as JSON.
    Keygen(keygen::Args),
    /// Create a ledger store from a JSON state, or export it as one.
    Ledger(ledger::Args),
    /// Simulate a small market, prove and chain its epochs, verify, print a table.
    Demo(demo::Args),
    /// Print every account's margin at an epoch's median oracle prices.
    Margin(margin::Args),
    /// Prove one epoch and chain it onto the previous epoch's chain proof.
    Prove(prove::Args),
    /// Apply every epoch of a simulation directory in order.
    Replay(replay::Args),
    /// Write a deterministic simulated market and its epochs.
    Simulate(simulate::Args),
    /// Print rows per operation type and the chunk circuit's size.
    Stats(stats::Args),
    /// Run one stage of an epoch (prelude, chunk, wrap, fold, chain, final) over a store.
    #[cfg(feature = "cluster")]
    Task(task::Args),
    /// Light verification of a proof and the attestations since the finalized epoch.
    Verify(verify::Args),
    /// Check an account proof against a trusted root and print the account.
    VerifyAccount(verify_account::Args),
    /// Run a Temporal worker proving epochs (workflow ProveEpoch).
    #[cfg(feature = "cluster")]
    Worker(worker::Args),
}

/// Runs one subcommand.
pub fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::AccountProof(args) => account_proof::run(args),
        Command::Apply(args) => apply::run(args),
        Command::Demo(args) => demo::run(args),
        Command::ExportVerifier(args) => export_verifier::run(args),
        Command::Follow(args) => follow::run(args),
        Command::Inspect(args) => inspect::run(args),
        Command::Keygen(args) => keygen::run(args),
        Command::Ledger(args) => ledger::run(args),
        Command::Prove(args) => prove::run(args),
        Command::Margin(args) => margin::run(args),
        Command::Replay(args) => replay::run(args),
        Command::Simulate(args) => simulate::run(args),
        Command::Stats(args) => stats::run(args),
        #[cfg(feature = "cluster")]
        Command::Task(args) => task::run(args),
        Command::Verify(args) => verify::run(args),
        Command::VerifyAccount(args) => verify_account::run(args),
        #[cfg(feature = "cluster")]
        Command::Worker(args) => worker::run(args),
    }
}

/// The market, the state and the epoch a command works on.
#[derive(Debug, clap::Args)]
pub struct EpochInputs {
    /// Market configuration (market.json).
    #[arg(long)]
    pub market: std::path::PathBuf,
    /// State the epoch starts from (state-NNNN.json).
    #[arg(long)]
    pub state: std::path::PathBuf,
    /// Epoch file (epoch-NNNN.json).
    #[arg(long)]
    pub epoch: std::path::PathBuf,
}

/// Loads a market and a state into a ledger; errors name the file.
pub fn load_ledger(market: &Path, state: &Path) -> Result<Ledger> {
    let market_config: Market = read_json(market)?;
    let state_file: StateFile = read_json(state)?;
    Ledger::from_state(market_config, &state_file).with_context(|| format!("{}", state.display()))
}

/// Loads an epoch file.
pub fn load_epoch(path: &Path) -> Result<Epoch> {
    Ok(read_json(path)?)
}
