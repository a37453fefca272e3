//! `zksettle margin`: every account's margin at an epoch's median prices.

use anyhow::{Context as _, Result};
use serde::Serialize;
use zksettle_circuits::rules::margin::margin;
use zksettle_circuits::rules::risk::RiskArrays;

/// Arguments of `zksettle margin`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    inputs: super::EpochInputs,
}

#[derive(Serialize)]
struct AccountMargin {
    account: u32,
    equity: i64,
    initial_margin: i64,
    maintenance_margin: i64,
    liquidatable: bool,
}

/// Prints a JSON array with one object per account.
pub fn run(args: Args) -> Result<()> {
    let ledger = super::load_ledger(&args.inputs.market, &args.inputs.state)?;
    let epoch = super::load_epoch(&args.inputs.epoch)?;
    let prices = ledger
        .epoch_prices(&epoch)
        .with_context(|| format!("{}", args.inputs.epoch.display()))?;
    let risk = RiskArrays::compute(ledger.market(), &prices);
    let rows: Vec<AccountMargin> = ledger
        .accounts()
        .map(|(account, a)| {
            let m = margin(a, &risk, &ledger.market().params);
            AccountMargin {
                account,
                equity: m.equity,
                initial_margin: m.initial,
                maintenance_margin: m.maintenance,
                liquidatable: m.liquidatable(),
            }
        })
        .collect();
    println!("{}", serde_json::to_string_pretty(&rows)?);
    Ok(())
}
