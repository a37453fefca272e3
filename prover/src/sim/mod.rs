//! A deterministic simulated venue: a market, a genesis state and epochs of
//! realistic flow (trading, deposits, withdrawals), a crash that makes
//! accounts liquidatable, liquidations (partial and whole), a bankruptcy that
//! draws on the insurance fund, and expiries with settlement.
//!
//! Every epoch is built op by op against the rule book: a candidate the rules
//! reject is dropped, so every generated epoch is valid; the finished epoch is
//! applied once more as a whole before it is kept. Everything comes from one
//! ChaCha seed, so the same seed gives byte-identical files.
//!
//! Three mixes ([`Mix`]): `default`, a venue's first days (arrivals, the crash
//! in epoch 2 with the first expiry); `steady`, a venue after its first hour
//! (a genesis that already holds every trader funded and trading, then
//! epochs of at least 70% trades, the rest deposits and withdrawals); and
//! `crash`, the same genesis a day later so that epoch 1 crashes and passes
//! the first expiry (liquidations, a bankruptcy, the expiry settlement).

pub mod agents;
pub mod market;
pub mod oracles;
pub mod pricing;

use std::collections::BTreeMap;
use std::path::Path;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use zksettle_circuits::rules::custody::{self, CustodianSet};
use zksettle_circuits::rules::epoch::{Epoch, StateFile};
use zksettle_circuits::rules::margin::margin;
use zksettle_circuits::rules::ops::{Context, Operation};
use zksettle_circuits::rules::oracle::{median_prices, Prices, Report, SettlementPrice};
use zksettle_circuits::rules::risk::RiskArrays;
use zksettle_circuits::rules::units::{FEE_ACCOUNT, INSURANCE_FUND};
use zksettle_circuits::rules::{AccountEntry, EpochError, Market};

use crate::io::{write_json, IoError};
use crate::ledger::{Ledger, LedgerError};
use agents::{Flow, FlowShares, FIRST_TRADER, LIQUIDATOR, MARKET_MAKER};
use market::{simulated_market, EPOCH_SECONDS, GENESIS_TIME, UNDERLYINGS, USD};
use oracles::TruePrices;

/// The kind of flow a simulation generates.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Mix {
    /// A venue's first days: arrivals, a crash in epoch 2 with the first expiry.
    #[default]
    Default,
    /// After the first hour: funded traders with open positions at genesis,
    /// epochs of at least 70% trades (no crash; the first expiry falls in
    /// epoch 2, whose settlement is the only other operation type).
    Steady,
    /// The steady genesis a day later: epoch 1 crashes and passes the first
    /// expiry (liquidations, bankruptcies, the settlement), then calm epochs.
    Crash,
}

impl Mix {
    /// The epoch whose prices crash, if any.
    pub fn crash_epoch(self) -> Option<u64> {
        match self {
            Mix::Default => Some(CRASH_EPOCH),
            Mix::Steady => None,
            Mix::Crash => Some(1),
        }
    }

    /// Genesis time.
    pub fn genesis_time(self) -> u64 {
        match self {
            Mix::Default | Mix::Steady => GENESIS_TIME,
            Mix::Crash => GENESIS_TIME + EPOCH_SECONDS,
        }
    }

    fn shares(self) -> FlowShares {
        match self {
            Mix::Default => FlowShares::OPENING,
            Mix::Steady | Mix::Crash => FlowShares::STEADY,
        }
    }
}

/// Trade draws after a refused one, in the steady and crash mixes.
const REDRAWS: usize = 20;

/// Trades per trader the steady genesis is built with.
pub const WARM_UP_TRADES_PER_TRADER: usize = 3;

/// Traders the steady genesis gives positions (through signed warm-up
/// trades, about 35 ms each here); the traders after them are funded
/// without positions. A venue of a million accounts is mostly idle
/// accounts, and signing and checking a million warm-up trades would take
/// hours: with this bound `simulate --mix steady --accounts 1000000` takes
/// minutes. Every venue of up to this many traders is built as before.
pub const WARM_UP_TRADERS: u32 = 2_000;

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
    /// The kind of flow.
    pub mix: Mix,
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

/// `epoch`, whose signatures are for `from`, with every signature valid for
/// `from` (the oracles' reports, the users' withdrawals, orders and
/// cancels) re-signed for `to` by the same key, found among the seeded keys
/// of `seeds` (`oracle_key_from_seed`, `user_key_from_seed`): for running a
/// simulated or fixture epoch in a market that differs in its hash only
/// (another tree depth, say), since every signature covers the market
/// hash. Signatures not valid for `from`, or by a key of no seed, stay as
/// they are (so stay invalid).
pub fn resign(from: &Market, to: &Market, epoch: &Epoch, seeds: &[u64]) -> Epoch {
    use zksettle_circuits::rules::authorization::{user_key_from_seed, Authorization};
    use zksettle_circuits::rules::custody::{custodian_key_from_seed, report_message};
    use zksettle_circuits::rules::ecgfp5::{PublicKey, SecretKey, Signature};
    use zksettle_circuits::rules::oracle::{oracle_key_from_seed, signed_message};
    fn valid(public: [u64; 5], msg: &[zksettle_circuits::config::F], sig: &Signature) -> bool {
        PublicKey::from_encoding(public).is_ok_and(|key| key.verify(msg, sig))
    }
    let holder = |public: [u64; 5], key: &dyn Fn(u64) -> SecretKey| {
        seeds
            .iter()
            .map(|&seed| key(seed))
            .find(|k| k.public_key().encoding() == public)
    };
    let (from_hash, to_hash) = (from.hash(), to.hash());
    let mut epoch = epoch.clone();
    for report in &mut epoch.reports {
        let Some(&public) = from.oracles.keys.get(report.oracle as usize) else {
            continue;
        };
        let msg = signed_message(&from_hash, &report.hash(from));
        let oracle = report.oracle;
        let key = holder(public, &|seed| oracle_key_from_seed(seed, oracle));
        if let (true, Some(key)) = (valid(public, &msg, &report.signature), key) {
            report.sign(to, &key);
        }
    }
    for op in &mut epoch.ops {
        let Some((account, msg, Some(auth))) = op.signed(&from_hash) else {
            continue;
        };
        let auth = auth.clone();
        let key = holder(auth.public_key, &|seed| user_key_from_seed(seed, account));
        let (true, Some(key)) = (valid(auth.public_key, &msg, &auth.signature), key) else {
            continue;
        };
        let (_, msg, _) = op.signed(&to_hash).expect("still a signed operation");
        let resigned = Some(Authorization::sign(&key, &msg));
        match op {
            Operation::Withdraw(w) => w.authorization = resigned,
            Operation::PlaceOrder(o) => o.authorization = resigned,
            Operation::CancelOrder(c) => c.authorization = resigned,
            _ => {}
        }
    }
    if let Some(report) = &mut epoch.deposit_report {
        let from_msg = report_message(&from_hash, &report.deposit_log, report.deposited);
        let to_msg = report_message(&to_hash, &report.deposit_log, report.deposited);
        for s in &mut report.signatures {
            let (Some(&public), Some(&to_public)) = (
                from.custodians.keys.get(s.custodian as usize),
                to.custodians.keys.get(s.custodian as usize),
            ) else {
                continue;
            };
            let custodian = s.custodian;
            let key = holder(public, &|seed| custodian_key_from_seed(seed, custodian));
            if let (true, true, Some(key)) = (
                public == to_public,
                valid(public, &from_msg, &s.signature),
                key,
            ) {
                s.signature = key.sign(&to_msg);
            }
        }
    }
    epoch
}

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
    let genesis_time = config.mix.genesis_time();
    let mut spots: Vec<u64> = UNDERLYINGS.iter().map(|(_, spot, _)| spot * USD).collect();
    let (genesis, funded_end) = if config.mix == Mix::Default {
        // Two thirds of the traders are funded at genesis, the rest arrive by deposit.
        let funded_end = FIRST_TRADER + (end_account - FIRST_TRADER) * 2 / 3;
        (genesis_state(config.seed, funded_end, &mut rng), funded_end)
    } else {
        let funded = genesis_state(config.seed, end_account, &mut rng);
        let active_end = end_account.min(FIRST_TRADER + WARM_UP_TRADERS);
        let trades = WARM_UP_TRADES_PER_TRADER * (active_end - FIRST_TRADER) as usize;
        let warm = warm_up(
            &market,
            config.seed,
            funded,
            active_end,
            genesis_time,
            &spots,
            trades,
            &mut rng,
        )?;
        (warm, end_account)
    };
    let mut ledger = Ledger::from_state(market.clone(), &genesis)?;
    let mut epochs = Vec::with_capacity(config.epochs as usize);
    let mut next_account = funded_end;
    // Settlement prices are fixed by the first epoch at or after each expiry.
    let mut settled: BTreeMap<(u32, u64), u64> = BTreeMap::new();
    for number in 1..=config.epochs {
        let now = genesis_time + number * EPOCH_SECONDS;
        let crash = config.mix.crash_epoch() == Some(number);
        for (u, spot) in spots.iter_mut().enumerate() {
            *spot = pricing::next_spot(*spot, u, crash, &mut rng);
        }
        for i in market.instruments.iter().filter(|i| i.expiry <= now) {
            settled
                .entry((i.underlying, i.expiry))
                .or_insert(spots[i.underlying as usize]);
        }
        let (reports, prices, risk) = priced(
            &market,
            config.seed,
            number,
            now,
            &spots,
            &settled,
            number % 2 == 1,
            &mut rng,
        )?;
        let ctx = Context {
            market: &market,
            prices: &prices,
            risk: &risk,
            timestamp: now,
        };
        let mut working = ledger.clone();
        working.begin_epoch(number, now);
        let mut ops = Vec::with_capacity(config.ops);
        let keep_run = |working: &mut Ledger, ops: &mut Vec<Operation>, run: Vec<Operation>| {
            if ops.len() + run.len() > config.ops {
                return false;
            }
            let mut run = run;
            // A deposit takes the custodian's next deposit id.
            let applied = working
                .try_apply_run(&ctx, &mut run, |ledger, op| {
                    if let Operation::Deposit(d) = op {
                        d.id = ledger.deposits();
                    }
                })
                .is_ok();
            if applied {
                ops.extend(run);
            }
            applied
        };
        let keep = |working: &mut Ledger, ops: &mut Vec<Operation>, op: Operation| {
            keep_run(working, ops, vec![op])
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
            shares: config.mix.shares(),
        };
        let mut attempts = 0;
        while ops.len() < config.ops && attempts < 40 * config.ops {
            attempts += 1;
            let candidates = flow.candidates(&mut rng, |a| working.account(a));
            let trades = candidates
                .first()
                .is_some_and(|run| matches!(run.last(), Some(Operation::Trade(_))));
            let kept = candidates
                .into_iter()
                .any(|run| keep_run(&mut working, &mut ops, run));
            if !kept && trades && config.mix != Mix::Default {
                // After the first hour a refused order is followed by another
                // one: draw trades until the book takes one, so the kept mix
                // has the draws' share of trades.
                let shares = std::mem::replace(&mut flow.shares, FlowShares::TRADES);
                for _ in 0..REDRAWS {
                    let candidates = flow.candidates(&mut rng, |a| working.account(a));
                    if candidates
                        .into_iter()
                        .any(|run| keep_run(&mut working, &mut ops, run))
                    {
                        break;
                    }
                }
                flow.shares = shares;
            }
        }
        next_account = flow.next_account;
        let mut epoch = Epoch {
            epoch: number,
            timestamp: now,
            prev_root: ledger.root(),
            reports,
            ops,
            deposit_report: None,
        };
        // The custodians attest the epoch's deposits.
        custody::attest(
            &mut epoch,
            &market,
            &CustodianSet::seeded_signers(config.seed, market.custodians.quorum),
        );
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

/// The oracles' signed reports at `now` (one of them lying when `liar`),
/// their median prices and the risk arrays at those prices.
#[allow(clippy::too_many_arguments)]
fn priced(
    market: &Market,
    seed: u64,
    epoch: u64,
    now: u64,
    spots: &[u64],
    settled: &BTreeMap<(u32, u64), u64>,
    liar: bool,
    rng: &mut ChaCha8Rng,
) -> Result<(Vec<Report>, Prices, RiskArrays), SimError> {
    let truth = true_prices(market, spots, now, settled);
    let reports = oracles::reports(market, seed, epoch, now, &truth, liar, rng);
    let prices = median_prices(market, &reports, now)
        .map_err(|source| SimError::Rejected { epoch, source })?;
    let risk = RiskArrays::compute(market, &prices);
    Ok((reports, prices, risk))
}

/// The funded genesis after `trades` trades between the market maker and
/// the traders at `time`'s prices (every one checked by the rule book): the
/// state a venue is in after its first hour, as the genesis of a steady run.
#[allow(clippy::too_many_arguments)]
fn warm_up(
    market: &Market,
    seed: u64,
    funded: StateFile,
    end_account: u32,
    time: u64,
    spots: &[u64],
    trades: usize,
    rng: &mut ChaCha8Rng,
) -> Result<StateFile, SimError> {
    let mut ledger = Ledger::from_state(market.clone(), &funded)?;
    let (_, prices, risk) = priced(market, seed, 0, time, spots, &BTreeMap::new(), false, rng)?;
    let ctx = Context {
        market,
        prices: &prices,
        risk: &risk,
        timestamp: time,
    };
    let mut flow = Flow {
        market,
        prices: &prices,
        now: time,
        seed,
        next_account: end_account,
        end_account,
        shares: FlowShares::TRADES,
    };
    let (mut kept, mut attempts) = (0, 0);
    while kept < trades && attempts < 40 * trades {
        attempts += 1;
        let candidates = flow.candidates(rng, |a| ledger.account(a));
        if candidates
            .into_iter()
            .any(|mut run| ledger.try_apply_run(&ctx, &mut run, |_, _| {}).is_ok())
        {
            kept += 1;
        }
    }
    Ok(StateFile {
        epoch: 0,
        timestamp: time,
        ..ledger.to_state()
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
        nonce: 0,
        positions: vec![],
        orders: Default::default(),
    };
    let user = |index: u32, cash: u64| AccountEntry {
        index,
        owner: agents::owner(seed, index),
        cash,
        flags: 0,
        nonce: 0,
        positions: vec![],
        orders: Default::default(),
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
        deposits: 0,
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
