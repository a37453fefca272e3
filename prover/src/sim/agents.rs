//! The venue's participants and the operations they send: a market maker
//! quoting every option, buyers, leveraged put sellers (who make the crash
//! hurt), deposits and withdrawals, the liquidator, and expiry settlement.
//!
//! Every trade is a fill between two signed orders: the trader and the
//! market maker each place an order for the trade (the market maker's
//! [`MAKER_ORDER_MULTIPLE`] times it, filled partly by later trades of the
//! same instrument and side while it rests). An account whose two order
//! slots are taken cancels one first. Every order, cancel and withdrawal is signed by the
//! user's key from the seed.

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use zksettle_circuits::rules::account::free_slot;
use zksettle_circuits::rules::authorization::{
    owner_of, user_key_from_seed, Authorization, Message,
};
use zksettle_circuits::rules::encoding::Digest;
use zksettle_circuits::rules::ops::{
    fill_order, CancelOrder, Deposit, Liquidate, Operation, PlaceOrder, SettleExpiry, Side, Trade,
    Withdraw,
};
use zksettle_circuits::rules::units::{BPS, FIRST_USER_ACCOUNT, ORDER_SLOTS, Q_MAX, TICK};
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

/// Who signs in a seeded simulation: the seed of the users' keys
/// ([`user_key_from_seed`]) and the hash of the market every signed message
/// is bound to.
#[derive(Clone, Copy, Debug)]
pub struct Signer {
    /// Seed of the users' keys.
    pub seed: u64,
    /// The market hash the messages carry.
    pub market: Digest,
}

impl Signer {
    /// The signer of a seeded simulation of `market`.
    pub fn new(seed: u64, market: &Market) -> Self {
        Self {
            seed,
            market: market.hash(),
        }
    }

    /// `account`'s user's authorization of `msg`.
    fn sign(&self, account: u32, msg: &Message) -> Authorization {
        Authorization::sign(&user_key_from_seed(self.seed, account), msg)
    }
}

/// A withdrawal from `account`, whose withdrawal nonce is `nonce`, signed by
/// its user's key.
pub fn withdrawal(signer: Signer, account: u32, amount: u64, nonce: u64) -> Operation {
    let mut withdraw = Withdraw {
        account,
        amount,
        nonce,
        authorization: None,
    };
    withdraw.authorization = Some(signer.sign(account, &withdraw.message(&signer.market)));
    Operation::Withdraw(withdraw)
}

/// An order of `account` (whose nonce is `nonce`) in `slot`, signed by its
/// user's key.
#[allow(clippy::too_many_arguments)]
pub fn order(
    signer: Signer,
    account: u32,
    slot: u32,
    instrument: u32,
    qty: i64,
    limit: u64,
    expiry: u64,
    nonce: u64,
) -> Operation {
    let mut order = PlaceOrder {
        account,
        slot,
        instrument,
        qty,
        limit,
        expiry,
        nonce,
        authorization: None,
    };
    order.authorization = Some(signer.sign(account, &order.message(&signer.market)));
    Operation::PlaceOrder(order)
}

/// A cancel of the order in `slot` of `account` (whose nonce is `nonce`),
/// signed by its user's key.
pub fn cancel(signer: Signer, account: u32, slot: u32, nonce: u64) -> Operation {
    let mut cancel = CancelOrder {
        account,
        slot,
        nonce,
        authorization: None,
    };
    cancel.authorization = Some(signer.sign(account, &cancel.message(&signer.market)));
    Operation::CancelOrder(cancel)
}

/// How long a market maker's order rests (seconds): less than an epoch.
pub const MAKER_ORDER_LIFE: u64 = 600;
/// How long a trader's order rests (seconds).
pub const TAKER_ORDER_LIFE: u64 = 3_600;
/// A market maker's order is this many times the trade that brings it
/// (exactly the trade: a resting remainder would hold one of its two
/// slots until it expires, so the next quote would first cancel it).
pub const MAKER_ORDER_MULTIPLE: i64 = 1;

/// The slot `account` fills `qty` lots from on `side` at `price`, with the
/// signed operations that open it appended to `ops`: an open order of the
/// account that takes the fill when `reuse` (the market maker's resting
/// quote), else a new one (`size` lots) in a free slot, after cancelling
/// slot 0 if none is free.
#[allow(clippy::too_many_arguments)]
pub fn order_slot(
    signer: Signer,
    account: &Account,
    index: u32,
    side: Side,
    (instrument, qty, price): (u32, i64, u64),
    size: i64,
    (now, life): (u64, u64),
    reuse: bool,
    ops: &mut Vec<Operation>,
) -> u32 {
    let signed = match side {
        Side::Buy => 1,
        Side::Sell => -1,
    };
    if reuse {
        // The rule book's own fill check: the simulator never names a slot
        // the ledger would refuse.
        let takes =
            |k: &u32| fill_order(index, account, *k, side, (instrument, qty, price), now).is_ok();
        if let Some(k) = (0..ORDER_SLOTS as u32).find(takes) {
            return k;
        }
    }
    let mut nonce = account.nonce;
    let slot = match free_slot(&account.orders, now) {
        Some(k) => k as u32,
        None => {
            ops.push(cancel(signer, index, 0, nonce));
            nonce += 1;
            0
        }
    };
    debug_assert!((slot as usize) < ORDER_SLOTS);
    ops.push(order(
        signer,
        index,
        slot,
        instrument,
        signed * size.max(qty).min(Q_MAX),
        price,
        now + life,
        nonce,
    ));
    slot
}

/// A deposit creating or topping up `account` (deposit id 0: the simulator
/// gives it the custodian's next id when it keeps it).
pub fn deposit(seed: u64, account: u32, amount: u64) -> Operation {
    Operation::Deposit(Deposit {
        account,
        owner: owner(seed, account),
        amount,
        id: 0,
    })
}

/// A trade with the market maker on the other side, priced one percent off
/// the mark in the market maker's favour, with the orders it fills: the
/// operations to apply in order (the orders, then the trade).
pub fn trade_with_market_maker(
    signer: Signer,
    now: u64,
    account_of: &impl Fn(u32) -> Account,
    (trader, instrument, qty, buys): (u32, u32, i64, bool),
    mark: u64,
) -> Vec<Operation> {
    let spread = mark / 100 / TICK * TICK;
    let (buyer, seller, price) = if buys {
        (trader, MARKET_MAKER, mark + spread)
    } else {
        (MARKET_MAKER, trader, mark - spread)
    };
    let terms = (instrument, qty, price);
    let mut ops = Vec::new();
    let mut slot = |index: u32, side| {
        let maker = index == MARKET_MAKER;
        let (size, life) = if maker {
            (qty * MAKER_ORDER_MULTIPLE, MAKER_ORDER_LIFE)
        } else {
            (qty, TAKER_ORDER_LIFE)
        };
        let account = account_of(index);
        order_slot(
            signer,
            &account,
            index,
            side,
            terms,
            size,
            (now, life),
            maker,
            &mut ops,
        )
    };
    let buyer_order = slot(buyer, Side::Buy);
    let seller_order = slot(seller, Side::Sell);
    ops.push(Operation::Trade(Trade {
        buyer,
        seller,
        instrument,
        qty,
        price,
        buyer_order,
        seller_order,
    }));
    ops
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

    /// Candidates to try, in order, for one draw, each a run of operations
    /// applied together (the first run the rules accept whole is kept).
    pub fn candidates(
        &mut self,
        rng: &mut ChaCha8Rng,
        account_of: impl Fn(u32) -> Account,
    ) -> Vec<Vec<Operation>> {
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
                return vec![vec![deposit(
                    self.seed,
                    account,
                    rng.gen_range(20_000..200_000) * USD,
                )]];
            }
            let account = rng.gen_range(FIRST_TRADER..self.next_account.max(FIRST_TRADER + 1));
            return vec![vec![deposit(
                self.seed,
                account,
                rng.gen_range(1_000..50_000) * USD,
            )]];
        }
        let trader = rng.gen_range(FIRST_TRADER..self.next_account.max(FIRST_TRADER + 1));
        let signer = Signer::new(self.seed, self.market);
        if draw < deposit_share + withdraw_share {
            let account = account_of(trader);
            return [5, 20, 50]
                .iter()
                .map(|pct| {
                    let amount = (account.cash * pct / 100).max(1);
                    vec![withdrawal(signer, trader, amount, account.nonce)]
                })
                .collect();
        }
        let instrument = live[rng.gen_range(0..live.len())];
        let mark = self.prices.mark[instrument as usize];
        let now = self.now;
        let with_maker =
            |terms, mark| trade_with_market_maker(signer, now, &account_of, terms, mark);
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
                    .map(|&qty| with_maker((trader, put, qty, false), mark))
                    .collect()
            }
            Style::Buyer => vec![with_maker(
                (trader, instrument, rng.gen_range(1..100), true),
                mark,
            )],
            Style::Mixed => {
                let buys = rng.gen_bool(0.5);
                vec![with_maker(
                    (trader, instrument, rng.gen_range(1..60), buys),
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
