//! The operations of `docs/design.md` section 7. Each rule is a pure function from the
//! accounts it touches (before) to the same accounts after, or the
//! [`Violation`] it breaks. The ledger looks accounts up, calls the rule and
//! writes the results back; it never decides validity itself.

mod batch;
mod deposit;
mod liquidate;
mod orders;
mod settle_expiry;
mod sweep_fees;
mod trade;
mod withdraw;

pub use batch::{
    batch_hash, decode_batch, extend_batch_hash, used_fields, BatchError, BATCH_ITEM_LEN,
};
pub use deposit::{deposit, DepositOutcome};
pub use liquidate::{liquidate, LiquidationOutcome};
pub use orders::{cancel_order, fill_order, place_order, Side};
pub use settle_expiry::{
    check_settle_expiry, check_settlement_balanced, settle_position, RegisterError,
    SettlementOutcome, SettlementRegisters,
};
pub use sweep_fees::{sweep_fees, SweepOutcome};
pub use trade::{trade, trade_fee, TradeOutcome};
pub use withdraw::withdraw;

use serde::{Deserialize, Serialize};

use super::account::Account;
use super::authorization::{
    cancel_message, order_message, withdrawal_message, Authorization, Message,
};
use super::encoding::Digest;
use super::error::Violation;
use super::margin::{margin, Margin};
use super::market::Market;
use super::oracle::Prices;
use super::risk::RiskArrays;
use super::units::{is_system_index, BAD_DEBT_MAX, CASH_MAX, GLOBAL_LEAF, INSURANCE_FUND};

/// Everything a rule may read besides the accounts: the market, the epoch's
/// median prices and risk arrays, and the epoch timestamp.
#[derive(Clone, Copy, Debug)]
pub struct Context<'a> {
    /// The market.
    pub market: &'a Market,
    /// Median oracle prices.
    pub prices: &'a Prices,
    /// Risk arrays at those prices.
    pub risk: &'a RiskArrays,
    /// Epoch timestamp, unix seconds.
    pub timestamp: u64,
}

impl Context<'_> {
    /// Margin of an account in this context.
    pub fn margin(&self, account: &Account) -> Margin {
        margin(account, self.risk, &self.market.params)
    }
}

/// Credit to an account, creating it with its owner if the leaf is empty. A
/// deposit into the insurance fund (the venue topping it up) first repays
/// outstanding bad debt; the fee account takes no deposits.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Deposit {
    /// Account index.
    pub account: u32,
    /// Owner key hash; must match an existing account's.
    #[serde(with = "super::encoding::serde_digest")]
    pub owner: Digest,
    /// Micro-USD, > 0.
    pub amount: u64,
    /// The custodian's deposit id: the number of deposits credited before
    /// it since genesis (ids are consumed in order, none twice, none
    /// skipped; `rules::custody`).
    pub id: u64,
}

/// Debit from an account that stays above initial margin, signed by the
/// account's key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Withdraw {
    /// Account index.
    pub account: u32,
    /// Micro-USD, > 0.
    pub amount: u64,
    /// The account's withdrawal nonce before this withdrawal (0 for the
    /// fee account, whose nonce never counts).
    pub nonce: u64,
    /// The owner's key and its signature over
    /// `withdrawal_message(market, account, amount, nonce)`; required from a user account, unused for the fee
    /// account (the venue's). A witness, like a Merkle path: the batch
    /// commits to the withdrawal, the proof to a valid signature of it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization: Option<Authorization>,
}

impl Withdraw {
    /// The message the owner signs for the market with hash `market`.
    pub fn message(&self, market: &Digest) -> Message {
        withdrawal_message(market, self.account, self.amount, self.nonce)
    }

    /// The withdrawal as the batch commits to it (no authorization).
    pub fn unsigned(&self) -> Self {
        Self {
            authorization: None,
            ..self.clone()
        }
    }
}

/// A matched trade: the buyer goes `qty` lots longer at `price`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Trade {
    /// Buying account.
    pub buyer: u32,
    /// Selling account.
    pub seller: u32,
    /// Instrument id.
    pub instrument: u32,
    /// Lots, > 0.
    pub qty: i64,
    /// Price, micro-USD per underlying, on the tick.
    pub price: u64,
    /// The buyer's order slot the trade fills (a buy order).
    pub buyer_order: u32,
    /// The seller's order slot the trade fills (a sell order).
    pub seller_order: u32,
}

/// A signed limit order entering one of the account's order slots: the
/// owner's signature is checked here, once; trades then fill it
/// (`fill_order`) until it is filled, cancelled or expired.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlaceOrder {
    /// Account index.
    pub account: u32,
    /// Order slot, below `ORDER_SLOTS`.
    pub slot: u32,
    /// Instrument id.
    pub instrument: u32,
    /// Signed lots: positive buys, negative sells; nonzero, within Q_MAX.
    pub qty: i64,
    /// Limit price, micro-USD: the most a buy pays, the least a sell takes.
    pub limit: u64,
    /// Fills only while the epoch time is below this (unix s).
    pub expiry: u64,
    /// The account's nonce before this order.
    pub nonce: u64,
    /// The owner's key and signature over `order_message(market, self)` (a
    /// witness, like a withdrawal's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization: Option<Authorization>,
}

impl PlaceOrder {
    /// The message the owner signs for the market with hash `market`.
    pub fn message(&self, market: &Digest) -> Message {
        order_message(market, self)
    }
}

/// The owner cancels the order in one of its slots (signed; the slot is
/// empty after, whatever it held).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CancelOrder {
    /// Account index.
    pub account: u32,
    /// Order slot, below `ORDER_SLOTS`.
    pub slot: u32,
    /// The account's nonce before this cancel.
    pub nonce: u64,
    /// The owner's key and signature over `cancel_message(market, account, slot, nonce)`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization: Option<Authorization>,
}

impl CancelOrder {
    /// The message the owner signs for the market with hash `market`.
    pub fn message(&self, market: &Digest) -> Message {
        cancel_message(market, self.account, self.slot, self.nonce)
    }
}

/// One liquidation step of an account below maintenance margin.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Liquidate {
    /// The liquidated account.
    pub account: u32,
    /// The account taking over the positions.
    pub liquidator: u32,
    /// Share of every position transferred, bps.
    pub fraction_bps: u64,
}

/// Cash settlement of an expired instrument for the listed holders.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SettleExpiry {
    /// Instrument id.
    pub instrument: u32,
    /// Holders settled by this operation, strictly ascending.
    pub accounts: Vec<u32>,
}

/// The venue moves fees from the fee account into the insurance fund,
/// repaying outstanding bad debt first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SweepFees {
    /// Micro-USD, > 0.
    pub amount: u64,
}

/// One operation of an epoch.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Operation {
    /// See [`Deposit`].
    Deposit(Deposit),
    /// See [`Withdraw`].
    Withdraw(Withdraw),
    /// See [`Trade`].
    Trade(Trade),
    /// See [`Liquidate`].
    Liquidate(Liquidate),
    /// See [`SettleExpiry`].
    SettleExpiry(SettleExpiry),
    /// See [`SweepFees`].
    SweepFees(SweepFees),
    /// See [`PlaceOrder`].
    PlaceOrder(PlaceOrder),
    /// See [`CancelOrder`].
    CancelOrder(CancelOrder),
}

/// Operation tags in the batch commitment.
pub mod tag {
    /// Deposit.
    pub const DEPOSIT: u64 = 1;
    /// Withdraw.
    pub const WITHDRAW: u64 = 2;
    /// Trade.
    pub const TRADE: u64 = 3;
    /// Liquidate.
    pub const LIQUIDATE: u64 = 4;
    /// One account of a settle_expiry.
    pub const SETTLE_EXPIRY: u64 = 5;
    /// Sweep fees.
    pub const SWEEP_FEES: u64 = 6;
    /// Place an order.
    pub const PLACE_ORDER: u64 = 7;
    /// Cancel an order.
    pub const CANCEL_ORDER: u64 = 8;
    /// The largest tag.
    pub const LAST: u64 = CANCEL_ORDER;
}

impl Operation {
    /// The operation as the batch commits to it: without the witnesses it
    /// carries (a withdrawal's authorization). What `decode_batch` gives back.
    pub fn committed(&self) -> Self {
        match self {
            Operation::Withdraw(w) => Operation::Withdraw(w.unsigned()),
            Operation::PlaceOrder(o) => Operation::PlaceOrder(PlaceOrder {
                authorization: None,
                ..o.clone()
            }),
            Operation::CancelOrder(c) => Operation::CancelOrder(CancelOrder {
                authorization: None,
                ..c.clone()
            }),
            other => other.clone(),
        }
    }

    /// Short name of the operation type.
    pub fn kind(&self) -> &'static str {
        match self {
            Operation::Deposit(_) => "deposit",
            Operation::Withdraw(_) => "withdraw",
            Operation::Trade(_) => "trade",
            Operation::Liquidate(_) => "liquidate",
            Operation::SettleExpiry(_) => "settle_expiry",
            Operation::SweepFees(_) => "sweep_fees",
            Operation::PlaceOrder(_) => "place_order",
            Operation::CancelOrder(_) => "cancel_order",
        }
    }

    /// The account whose owner signs the operation, with the message (for
    /// the market with hash `market`) and the authorization it carries: a
    /// user account's withdrawal, order or cancel (the fee account's
    /// withdrawals are the venue's).
    pub fn signed(&self, market: &Digest) -> Option<(u32, Message, Option<&Authorization>)> {
        match self {
            Operation::Withdraw(w) if w.account != super::units::FEE_ACCOUNT => {
                Some((w.account, w.message(market), w.authorization.as_ref()))
            }
            Operation::PlaceOrder(o) => {
                Some((o.account, o.message(market), o.authorization.as_ref()))
            }
            Operation::CancelOrder(c) => {
                Some((c.account, c.message(market), c.authorization.as_ref()))
            }
            _ => None,
        }
    }
}

/// Checks an index names a leaf of the tree that is not the global leaf.
pub fn check_index(ctx: &Context, account: u32) -> Result<(), Violation> {
    let capacity = ctx.market.capacity();
    if u64::from(account) >= capacity {
        return Err(Violation::AccountOutOfRange {
            account: account.into(),
            capacity,
        });
    }
    if account == GLOBAL_LEAF {
        return Err(Violation::GlobalLeaf { account });
    }
    Ok(())
}

/// Checks an index names an existing user account (one that may hold positions).
pub fn check_user_account(ctx: &Context, index: u32, account: &Account) -> Result<(), Violation> {
    check_index(ctx, index)?;
    if is_system_index(index) {
        return Err(Violation::SystemAccount { account: index });
    }
    if !account.exists() {
        return Err(Violation::UnknownAccount { account: index });
    }
    Ok(())
}

/// A user's signed operation: `nonce` is the account's, the owner signed
/// `message` (`authorization` present, its key the owner's, the signature
/// valid) and the nonce can count up. Returns the nonce after.
pub fn check_signed(
    index: u32,
    account: &Account,
    nonce: u64,
    message: &Message,
    authorization: Option<&Authorization>,
) -> Result<u64, Violation> {
    if nonce != account.nonce {
        return Err(Violation::StaleNonce {
            account: index,
            nonce,
            expected: account.nonce,
        });
    }
    let auth = authorization.ok_or(Violation::Unsigned { account: index })?;
    super::authorization::authorize(&account.owner, auth, message).map_err(|reason| {
        Violation::Unauthorized {
            account: index,
            reason,
        }
    })?;
    if account.nonce >= super::units::NONCE_MAX {
        return Err(Violation::NonceExhausted { account: index });
    }
    Ok(account.nonce + 1)
}

/// A cash balance in [0, 2^58], or the violation naming the account.
pub fn checked_cash(account: u32, cash: i128) -> Result<u64, Violation> {
    if cash < 0 {
        return Err(Violation::InsufficientCash { account, cash });
    }
    if cash > i128::from(CASH_MAX) {
        return Err(Violation::CashAboveMaximum { account, cash });
    }
    Ok(cash as u64)
}

/// A credit to the insurance fund (a top-up, swept fees, a liquidation
/// penalty) repays outstanding bad debt first; the rest stays in the fund.
/// Returns the new insurance cash and bad debt. So bad debt is only ever
/// outstanding while the fund is empty.
pub fn credit_insurance(
    amount: u64,
    insurance_cash: u64,
    bad_debt: u64,
) -> Result<(u64, u64), Violation> {
    let repaid = amount.min(bad_debt);
    let cash = checked_cash(
        INSURANCE_FUND,
        i128::from(insurance_cash) + i128::from(amount - repaid),
    )?;
    Ok((cash, bad_debt - repaid))
}

/// Bankruptcy: the insurance fund covers a deficit as far as it can, and the
/// rest becomes bad debt. Returns the new insurance cash and bad debt.
pub fn absorb_deficit(
    deficit: u64,
    insurance_cash: u64,
    bad_debt: u64,
) -> Result<(u64, u64), Violation> {
    let covered = deficit.min(insurance_cash);
    let new_bad_debt = u128::from(bad_debt) + u128::from(deficit - covered);
    if new_bad_debt > u128::from(BAD_DEBT_MAX) {
        return Err(Violation::BadDebtAboveMaximum {
            bad_debt: new_bad_debt,
        });
    }
    Ok((insurance_cash - covered, new_bad_debt as u64))
}
