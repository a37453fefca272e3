//! A deterministic simulated venue: a market, a genesis state and epochs of
//! realistic flow (trading, deposits, withdrawals), a crash that makes
//! accounts liquidatable, liquidations (partial and whole), a bankruptcy that
//! draws on the insurance fund, and expiries with settlement.
//!
//! Every epoch is built op by op against the rule book: a candidate the rules
//! reject is dropped, so every generated epoch is valid; the finished epoch is
//! applied once more as a whole before it is kept. Everything comes from one
//! ChaCha seed, so the same seed gives byte-identical files.

pub mod agents;
pub mod market;
pub mod oracles;
pub mod pricing;

use std::collections::BTreeMap;
use std::path::Path;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use zksettle_circuits::rules::epoch::{Epoch, StateFile};
use zksettle_circuits::rules::margin::margin;
use zksettle_circuits::rules::ops::{Context, Operation};
use zksettle_circuits::rules::oracle::{median_prices, SettlementPrice};
use zksettle_circuits::rules::risk::RiskArrays;
use zksettle_circuits::rules::units::{FEE_ACCOUNT, INSURANCE_FUND};
use zksettle_circuits::rules::{AccountEntry, EpochError, Market};

use crate::io::{write_json, IoError};
use crate::ledger::{Ledger, LedgerError};
use agents::{Flow, FIRST_TRADER, LIQUIDATOR, MARKET_MAKER};
use market::{simulated_market, EPOCH_SECONDS, GENESIS_TIME, UNDERLYINGS, USD};
use oracles::TruePrices;

/// What to simulate.
#[derive(Clone, Copy, Debug)]
pub struct SimConfig {
    /// Seed of everything.
    pub seed: u64,
    /// User accounts (market maker, liquidator and traders; at least 3).
    pub accounts: u32,
    /// Epochs after genesis.
    pub epochs: u64,
    /// Operations per epoch.
    pub ops: usize,
}

/// A simulated market, its genesis and its epochs.
#[derive(Clone, Debug)]
pub struct Simulation {
    /// The market.
    pub market: Market,
    /// Genesis state (epoch 0).
    pub genesis: StateFile,
    /// Epochs 1, 2, ...
    pub epochs: Vec<Epoch>,
}

/// Why a simulation failed.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// The configuration cannot be simulated.
    #[error("{0}")]
    Config(String),
    /// The genesis state is invalid (a bug).
    #[error("genesis: {0}")]
    Genesis(#[from] LedgerError),
    /// A generated epoch was rejected as a whole (a bug).
    #[error("generated epoch {epoch} was rejected: {source}")]
    Rejected {
        /// The epoch.
        epoch: u64,
        /// Why.
        source: EpochError,
    },
    /// Writing failed.
    #[error(transparent)]
    Io(#[from] IoError),
}

/// The epoch in which prices crash (the second, when there is one).
pub const CRASH_EPOCH: u64 = 2;

/// Runs a simulation.
pub fn simulate(config: SimConfig) -> Result<Simulation, SimError> {
    if config.accounts < 3 {
        return Err(SimError::Config(
            "--accounts must be at least 3 (market maker, liquidator, a trader)".into(),
        ));
    }
    let market = simulated_market(config.seed);
    if u64::from(FIRST_TRADER) + u64::from(config.accounts) > market.capacity() {
        return Err(SimError::Config(format!(
            "--accounts must be below {}",
            market.capacity() - 5
        )));
    }
    let mut rng = ChaCha8Rng::seed_from_u64(config.seed);
    let end_account = MARKET_MAKER + config.accounts;
    // Two thirds of the traders are funded at genesis, the rest arrive by deposit.
    let funded_end = FIRST_TRADER + (end_account - FIRST_TRADER) * 2 / 3;
    let genesis = genesis_state(config.seed, funded_end, &mut rng);
    let mut ledger = Ledger::from_state(market.clone(), &genesis)?;
    let mut spots: Vec<u64> = UNDERLYINGS.iter().map(|(_, spot, _)| spot * USD).collect();
    let mut epochs = Vec::with_capacity(config.epochs as usize);
    let mut next_account = funded_end;
    // Settlement prices are fixed by the first epoch at or after each expiry.
    let mut settled: BTreeMap<(u32, u64), u64> = BTreeMap::new();
    for number in 1..=config.epochs {
        let now = GENESIS_TIME + number * EPOCH_SECONDS;
        for (u, spot) in spots.iter_mut().enumerate() {
            *spot = pricing::next_spot(*spot, u, number == CRASH_EPOCH, &mut rng);
        }
        for i in market.instruments.iter().filter(|i| i.expiry <= now) {
            settled
                .entry((i.underlying, i.expiry))
                .or_insert(spots[i.underlying as usize]);
        }
        let truth = true_prices(&market, &spots, now, &settled);
        let reports = oracles::reports(
            &market,
            config.seed,
            number,
            now,
            &truth,
            number % 2 == 1,
            &mut rng,
        );
        let prices =
            median_prices(&market, &reports, now).map_err(|source| SimError::Rejected {
                epoch: number,
                source,
            })?;
        let risk = RiskArrays::compute(&market, &prices);
        let ctx = Context {
            market: &market,
            prices: &prices,
            risk: &risk,
            timestamp: now,
        };
        let mut working = ledger.clone();
        working.begin_epoch(number, now);
        let mut ops = Vec::with_capacity(config.ops);
        let keep = |working: &mut Ledger, ops: &mut Vec<Operation>, op: Operation| {
            if ops.len() < config.ops && working.try_apply_op(&ctx, &op).is_ok() {
                ops.push(op);
                true
            } else {
                false
            }
        };
        // Expiries first, then liquidations, then the day's flow.
        for instrument in market.instruments.iter().filter(|i| i.expiry <= now) {
            let holders: Vec<u32> = working
                .accounts()
                .filter(|(_, a)| a.qty(instrument.id) != 0)
                .map(|(i, _)| i)
                .collect();
            if !holders.is_empty() {
                keep(
                    &mut working,
                    &mut ops,
                    agents::settlement(instrument.id, &holders),
                );
            }
        }
        let liquidatable: Vec<u32> = working.accounts().map(|(i, _)| i).collect();
        for account in liquidatable {
            for _ in 0..8 {
                let m = margin(&working.account(account), &risk, &market.params);
                if !m.liquidatable() {
                    break;
                }
                let op = agents::liquidation(account, m.equity, m.maintenance, &market);
                if !keep(&mut working, &mut ops, op.clone()) {
                    // The liquidator tops up once and tries again.
                    keep(
                        &mut working,
                        &mut ops,
                        agents::deposit(config.seed, LIQUIDATOR, 50_000_000 * USD),
                    );
                    if !keep(&mut working, &mut ops, op) {
                        break;
                    }
                }
            }
        }
        let mut flow = Flow {
            market: &market,
            prices: &prices,
            now,
            seed: config.seed,
            next_account,
            end_account,
        };
        let mut attempts = 0;
        while ops.len() < config.ops && attempts < 40 * config.ops {
            attempts += 1;
            let candidates = flow.candidates(&mut rng, |a| working.account(a).cash);
            for op in candidates {
                if keep(&mut working, &mut ops, op) {
                    break;
                }
            }
        }
        next_account = flow.next_account;
        let epoch = Epoch {
            epoch: number,
            timestamp: now,
            prev_root: ledger.root(),
            reports,
            ops,
        };
        let (next, _) = ledger
            .apply_epoch(&epoch)
            .map_err(|source| SimError::Rejected {
                epoch: number,
                source,
            })?;
        debug_assert_eq!(next.root(), working.root());
        ledger = next;
        epochs.push(epoch);
    }
    Ok(Simulation {
        market,
        genesis,
        epochs,
    })
}

fn genesis_state(seed: u64, funded_end: u32, rng: &mut ChaCha8Rng) -> StateFile {
    use rand::Rng;
    let venue = agents::owner(seed, 0);
    let system = |index: u32, cash: u64| AccountEntry {
        index,
        owner: venue,
        cash,
        flags: 0,
        positions: vec![],
    };
    let user = |index: u32, cash: u64| AccountEntry {
        index,
        owner: agents::owner(seed, index),
        cash,
        flags: 0,
        positions: vec![],
    };
    let mut accounts = vec![
        system(INSURANCE_FUND, 2_000_000 * USD),
        system(FEE_ACCOUNT, 0),
    ];
    accounts.push(user(MARKET_MAKER, 500_000_000 * USD));
    accounts.push(user(LIQUIDATOR, 200_000_000 * USD));
    for index in FIRST_TRADER..funded_end {
        let cash = match agents::style(index) {
            agents::Style::LeveragedPutSeller => rng.gen_range(20_000..60_000),
            _ => rng.gen_range(10_000..300_000),
        };
        accounts.push(user(index, cash * USD));
    }
    StateFile {
        epoch: 0,
        timestamp: GENESIS_TIME,
        bad_debt: 0,
        accounts,
    }
}

fn true_prices(
    market: &Market,
    spots: &[u64],
    now: u64,
    settled: &BTreeMap<(u32, u64), u64>,
) -> TruePrices {
    let mark = market
        .instruments
        .iter()
        .map(|i| {
            pricing::mark(
                i,
                pricing::VOLATILITY[i.underlying as usize],
                spots[i.underlying as usize],
                now,
            )
        })
        .collect();
    let settlement = settled
        .iter()
        .map(|(&(underlying, expiry), &price)| SettlementPrice {
            underlying,
            expiry,
            price,
        })
        .collect();
    TruePrices {
        spot: spots.to_vec(),
        mark,
        settlement,
    }
}

impl Simulation {
    /// Writes `market.json`, `state-0000.json` and `epoch-NNNN.json` into `dir`.
    pub fn write(&self, dir: &Path) -> Result<(), SimError> {
        std::fs::create_dir_all(dir).map_err(|source| IoError::Write {
            path: dir.into(),
            source,
        })?;
        write_json(&dir.join("market.json"), &self.market)?;
        write_json(&dir.join("state-0000.json"), &self.genesis)?;
        for epoch in &self.epochs {
            write_json(&dir.join(format!("epoch-{:04}.json", epoch.epoch)), epoch)?;
        }
        Ok(())
    }
}
