//! The venue's participants and the operations they send: a market maker
//! quoting every option, buyers, leveraged put sellers (who make the crash
//! hurt), deposits and withdrawals, the liquidator, and expiry settlement.

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use zksettle_circuits::rules::authorization::{owner_of, user_key_from_seed, Authorization};
use zksettle_circuits::rules::encoding::Digest;
use zksettle_circuits::rules::ops::{Deposit, Liquidate, Operation, SettleExpiry, Trade, Withdraw};
use zksettle_circuits::rules::units::{BPS, FIRST_USER_ACCOUNT, TICK};
use zksettle_circuits::rules::{Account, Market, OptionKind, Prices};

use super::market::USD;

/// The market maker's account.
pub const MARKET_MAKER: u32 = FIRST_USER_ACCOUNT;
/// The liquidator's account.
pub const LIQUIDATOR: u32 = FIRST_USER_ACCOUNT + 1;
/// First trader's account.
pub const FIRST_TRADER: u32 = FIRST_USER_ACCOUNT + 2;

/// What a trader does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    /// Sells out-of-the-money puts as large as margin allows.
    LeveragedPutSeller,
    /// Buys calls and puts.
    Buyer,
    /// Buys and sells.
    Mixed,
}

/// The style of a trader account.
pub fn style(account: u32) -> Style {
    match (account - FIRST_TRADER) % 10 {
        0 | 1 => Style::LeveragedPutSeller,
        2..=5 => Style::Buyer,
        _ => Style::Mixed,
    }
}

/// Owner hash of an account in a seeded simulation: the hash of its
/// user's key ([`user_key_from_seed`]).
pub fn owner(seed: u64, account: u32) -> Digest {
    owner_of(&user_key_from_seed(seed, account).public_key())
}

/// A withdrawal from `account`, whose withdrawal nonce is `nonce`, signed by
/// its user's key.
pub fn withdrawal(seed: u64, account: u32, amount: u64, nonce: u64) -> Operation {
    let mut withdraw = Withdraw {
        account,
        amount,
        nonce,
        authorization: None,
    };
    let key = user_key_from_seed(seed, account);
    withdraw.authorization = Some(Authorization::sign(&key, &withdraw.message()));
    Operation::Withdraw(withdraw)
}

/// A deposit creating or topping up `account`.
pub fn deposit(seed: u64, account: u32, amount: u64) -> Operation {
    Operation::Deposit(Deposit {
        account,
        owner: owner(seed, account),
        amount,
    })
}

/// A trade with the market maker on the other side, priced one percent off
/// the mark in the market maker's favour.
pub fn trade_with_market_maker(
    trader: u32,
    instrument: u32,
    qty: i64,
    buys: bool,
    mark: u64,
) -> Operation {
    let spread = mark / 100 / TICK * TICK;
    if buys {
        Operation::Trade(Trade {
            buyer: trader,
            seller: MARKET_MAKER,
            instrument,
            qty,
            price: mark + spread,
        })
    } else {
        Operation::Trade(Trade {
            buyer: MARKET_MAKER,
            seller: trader,
            instrument,
            qty,
            price: mark - spread,
        })
    }
}

/// The shares of a flow's draws that are deposits and withdrawals (in
/// percent; the rest are trades).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FlowShares {
    /// Percent of draws that deposit.
    pub deposit: u32,
    /// Percent of draws that withdraw.
    pub withdraw: u32,
}

impl FlowShares {
    /// The simulator's first hours: many arrivals (12% deposits, 8% withdrawals).
    pub const OPENING: Self = Self {
        deposit: 12,
        withdraw: 8,
    };
    /// A venue after its first hour: 7% deposits, 7% withdrawals, the rest
    /// trades (some are refused by the margin rules, so at least 70% of the
    /// kept operations are trades).
    pub const STEADY: Self = Self {
        deposit: 7,
        withdraw: 7,
    };
    /// Trades only (building a genesis that already holds positions).
    pub const TRADES: Self = Self {
        deposit: 0,
        withdraw: 0,
    };
}

/// Random flow: candidate operations, most of them trades.
pub struct Flow<'a> {
    /// The market.
    pub market: &'a Market,
    /// Median prices of the epoch.
    pub prices: &'a Prices,
    /// Epoch time.
    pub now: u64,
    /// Seed (owners).
    pub seed: u64,
    /// Accounts created so far are below this index.
    pub next_account: u32,
    /// One past the last trader index.
    pub end_account: u32,
    /// Shares of deposits and withdrawals among the draws.
    pub shares: FlowShares,
}

impl Flow<'_> {
    fn live_instruments(&self) -> Vec<u32> {
        self.market
            .instruments
            .iter()
            .filter(|i| i.expiry > self.now)
            .map(|i| i.id)
            .collect()
    }

    /// Candidate operations to try, in order, for one draw (the first one
    /// the rules accept is kept).
    pub fn candidates(
        &mut self,
        rng: &mut ChaCha8Rng,
        account_of: impl Fn(u32) -> Account,
    ) -> Vec<Operation> {
        let live = self.live_instruments();
        let draw: u32 = rng.gen_range(0..100);
        let FlowShares {
            deposit: deposit_share,
            withdraw: withdraw_share,
        } = self.shares;
        if draw < deposit_share || live.is_empty() {
            if self.next_account < self.end_account && rng.gen_bool(0.6) {
                let account = self.next_account;
                self.next_account += 1;
                return vec![deposit(
                    self.seed,
                    account,
                    rng.gen_range(20_000..200_000) * USD,
                )];
            }
            let account = rng.gen_range(FIRST_TRADER..self.next_account.max(FIRST_TRADER + 1));
            return vec![deposit(
                self.seed,
                account,
                rng.gen_range(1_000..50_000) * USD,
            )];
        }
        let trader = rng.gen_range(FIRST_TRADER..self.next_account.max(FIRST_TRADER + 1));
        if draw < deposit_share + withdraw_share {
            let account = account_of(trader);
            return [5, 20, 50]
                .iter()
                .map(|pct| {
                    let amount = (account.cash * pct / 100).max(1);
                    withdrawal(self.seed, trader, amount, account.nonce)
                })
                .collect();
        }
        let instrument = live[rng.gen_range(0..live.len())];
        let mark = self.prices.mark[instrument as usize];
        match style(trader) {
            Style::LeveragedPutSeller => {
                let puts: Vec<u32> = live
                    .iter()
                    .copied()
                    .filter(|&i| {
                        let inst = &self.market.instruments[i as usize];
                        inst.kind == OptionKind::Put
                            && inst.strike < self.prices.spot[inst.underlying as usize]
                    })
                    .collect();
                let Some(&put) = puts.get(rng.gen_range(0..puts.len().max(1))) else {
                    return vec![];
                };
                let mark = self.prices.mark[put as usize];
                [3_000, 1_500, 800, 400, 200, 100, 50]
                    .iter()
                    .map(|&qty| trade_with_market_maker(trader, put, qty, false, mark))
                    .collect()
            }
            Style::Buyer => vec![trade_with_market_maker(
                trader,
                instrument,
                rng.gen_range(1..100),
                true,
                mark,
            )],
            Style::Mixed => {
                let buys = rng.gen_bool(0.5);
                vec![trade_with_market_maker(
                    trader,
                    instrument,
                    rng.gen_range(1..60),
                    buys,
                    mark,
                )]
            }
        }
    }
}

/// A liquidation step: the whole account when insolvent or small, else one step.
pub fn liquidation(account: u32, equity: i64, maintenance: i64, market: &Market) -> Operation {
    let whole = equity < 0 || maintenance <= market.params.small_mm as i64;
    let fraction_bps = if whole {
        BPS
    } else {
        market.params.liq_step_bps
    };
    Operation::Liquidate(Liquidate {
        account,
        liquidator: LIQUIDATOR,
        fraction_bps,
    })
}

/// The settlement of every holder of an expired instrument (their
/// positions net to zero, as the rule requires).
pub fn settlement(instrument: u32, holders: &[u32]) -> Operation {
    Operation::SettleExpiry(SettleExpiry {
        instrument,
        accounts: holders.to_vec(),
    })
}
