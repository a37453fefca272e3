//! Typed rejections. A [`Violation`] names the rule an operation broke and
//! the accounts and amounts involved; an [`EpochError`] adds where in the
//! epoch it happened (`op 17: withdraw from account 42 leaves equity 1200
//! below initial margin 1500`).

use super::market::MarketError;
use super::units::{BPS, CASH_MAX, P_MAX, Q_MAX, TIMESTAMP_MAX};

/// Why an oracle report is rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReportViolation {
    /// The oracle index is not in the market's oracle set.
    #[error("oracle {oracle} is not in the oracle set")]
    UnknownOracle {
        /// The index.
        oracle: u32,
    },
    /// Reports must come from distinct oracles in ascending order.
    #[error("oracle {oracle} repeats or is out of ascending order")]
    OraclesNotDistinctAscending {
        /// The index.
        oracle: u32,
    },
    /// A price list has the wrong length.
    #[error("{field} lists {actual} prices, the market needs {expected}")]
    WrongLength {
        /// Which list.
        field: &'static str,
        /// Its length.
        actual: usize,
        /// Length the market needs.
        expected: usize,
    },
    /// Observed after the epoch timestamp.
    #[error("timestamp {timestamp} is after the epoch timestamp {epoch_timestamp}")]
    FromTheFuture {
        /// Report timestamp.
        timestamp: u64,
        /// Epoch timestamp.
        epoch_timestamp: u64,
    },
    /// Older than `max_report_age`.
    #[error("report is {age} s old, older than the allowed {max_age} s")]
    Stale {
        /// Age at the epoch timestamp.
        age: u64,
        /// Largest age allowed.
        max_age: u64,
    },
    /// Spot is zero, above P_MAX or off the tick.
    #[error("spot {spot} of underlying {underlying} is outside (0, {P_MAX}] or off the tick")]
    SpotOutOfRange {
        /// Underlying id.
        underlying: u32,
        /// The spot.
        spot: u64,
    },
    /// Mark above spot (call) or strike (put), or off the tick.
    #[error("mark {mark} of instrument {instrument} is above its bound {bound} or off the tick")]
    MarkOutOfRange {
        /// Instrument id.
        instrument: u32,
        /// The mark.
        mark: u64,
        /// Spot for calls, strike for puts.
        bound: u64,
    },
    /// Kappa outside `[kappa_floor, 10^4]`.
    #[error("kappa {kappa_bps} bps of instrument {instrument} is outside [{floor_bps}, {BPS}]")]
    KappaOutOfRange {
        /// Instrument id.
        instrument: u32,
        /// The kappa.
        kappa_bps: u64,
        /// The market's floor.
        floor_bps: u64,
    },
    /// Settlement list not strictly ascending by (underlying, expiry).
    #[error("settlement of underlying {underlying} at {expiry} repeats or is out of order")]
    SettlementNotAscending {
        /// Underlying id.
        underlying: u32,
        /// Expiry.
        expiry: u64,
    },
    /// No listed instrument has this underlying and expiry.
    #[error(
        "settlement names underlying {underlying} at expiry {expiry}, which no instrument has"
    )]
    UnknownExpiry {
        /// Underlying id.
        underlying: u32,
        /// Expiry.
        expiry: u64,
    },
    /// A settlement price for an expiry that has not passed.
    #[error("settlement of underlying {underlying} at {expiry} is reported before that expiry")]
    SettlementBeforeExpiry {
        /// Underlying id.
        underlying: u32,
        /// Expiry.
        expiry: u64,
    },
    /// Settlement price zero, above P_MAX or off the tick.
    #[error("settlement price {price} of underlying {underlying} at {expiry} is outside (0, {P_MAX}] or off the tick")]
    SettlementOutOfRange {
        /// Underlying id.
        underlying: u32,
        /// Expiry.
        expiry: u64,
        /// The price.
        price: u64,
    },
    /// Two instruments of one (underlying, expiry) priced differently (only
    /// possible in the canonical per-instrument form).
    #[error("instrument {instrument} settles at another price than the first instrument of its underlying and expiry")]
    SettlementPricesDiffer {
        /// The instrument.
        instrument: u32,
    },
    /// Reports disagree on which expiries they settle.
    #[error("settles a different set of expiries than the first report")]
    SettlementSetsDiffer,
    /// The signature does not verify under the oracle's key.
    #[error("signature does not verify under the oracle's key")]
    BadSignature,
}

/// Which operation a margin failure belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MarginCheck {
    /// A withdrawal.
    Withdraw,
    /// One side of a trade.
    Trade,
}

impl std::fmt::Display for MarginCheck {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            MarginCheck::Withdraw => "withdraw from",
            MarginCheck::Trade => "trade by",
        })
    }
}

/// A rule of `docs/design.md` section 7 broken by one operation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Violation {
    /// Index beyond the account tree.
    #[error("account {account} is beyond the tree's {capacity} leaves")]
    AccountOutOfRange {
        /// The index.
        account: u64,
        /// Leaves of the tree.
        capacity: u64,
    },
    /// The global leaf is not an account.
    #[error("account {account} is the global leaf, not an account")]
    GlobalLeaf {
        /// The index.
        account: u32,
    },
    /// Insurance fund and fee account take no positions.
    #[error("account {account} is a system account and cannot hold positions")]
    SystemAccount {
        /// The index.
        account: u32,
    },
    /// The account's leaf is empty.
    #[error("account {account} does not exist")]
    UnknownAccount {
        /// The index.
        account: u32,
    },
    /// A deposit whose id is not the next of the history: credited before
    /// (reused) or ahead of one not yet credited (skipped).
    #[error(
        "deposit to account {account} carries custodian deposit id {id}, the next id is {expected}"
    )]
    DepositOutOfOrder {
        /// The account.
        account: u32,
        /// The id it carries.
        id: u64,
        /// The id the history expects.
        expected: u64,
    },
    /// A deposit the custodians did not attest: the epoch carries no
    /// deposit report, or its report's total is already used up.
    #[error("deposit {id} to account {account} is not attested by the custodians' deposit report")]
    UnattestedDeposit {
        /// The account.
        account: u32,
        /// The deposit id.
        id: u64,
    },
    /// The epoch's deposit or withdrawal total would reach 2^62.
    #[error("the epoch's deposit or withdrawal total would reach 2^62")]
    TransferTotalOutOfRange,
    /// Deposit and withdrawal amounts are in [1, 2^58].
    #[error("amount {amount} for account {account} is outside [1, {CASH_MAX}]")]
    AmountOutOfRange {
        /// The account.
        account: u32,
        /// The amount.
        amount: u64,
    },
    /// A deposit names the zero owner.
    #[error("deposit to account {account} names the zero owner")]
    ZeroOwner {
        /// The account.
        account: u32,
    },
    /// A deposit names the owner of the key 1 G, whose secret everyone
    /// knows (the signature desk's filler key): no account may have it.
    #[error(
        "deposit to account {account} names the owner of the key 1 G, which no account may have"
    )]
    ReservedOwner {
        /// The account.
        account: u32,
    },
    /// A deposit names another owner than the account's.
    #[error("deposit to account {account} names another owner than the account's")]
    OwnerMismatch {
        /// The account.
        account: u32,
    },
    /// Cash would exceed 2^58.
    #[error("account {account} would hold cash {cash}, above the maximum {CASH_MAX}")]
    CashAboveMaximum {
        /// The account.
        account: u32,
        /// Cash it would hold.
        cash: i128,
    },
    /// Cash would go negative.
    #[error("account {account} would hold negative cash {cash}")]
    InsufficientCash {
        /// The account.
        account: u32,
        /// Cash it would hold.
        cash: i128,
    },
    /// Withdrawals from flagged accounts are frozen.
    #[error("withdraw from account {account}, which is under liquidation")]
    UnderLiquidation {
        /// The account.
        account: u32,
    },
    /// The account has made [`NONCE_MAX`](crate::rules::units::NONCE_MAX)
    /// withdrawals, the most its nonce counts.
    #[error("account {account} signs with an exhausted nonce")]
    NonceExhausted {
        /// The account.
        account: u32,
    },
    /// A signed operation (withdrawal, order, cancel) naming another nonce
    /// than the account's: a replayed or out-of-turn operation.
    #[error("account {account} signs with nonce {nonce}, the account's is {expected}")]
    StaleNonce {
        /// The account.
        account: u32,
        /// The withdrawal's nonce.
        nonce: u64,
        /// The account's.
        expected: u64,
    },
    /// A withdrawal, order or cancel of a user account without its owner's
    /// signature.
    #[error("account {account}: the operation is not signed")]
    Unsigned {
        /// The account.
        account: u32,
    },
    /// A signed operation whose key or signature is not the account owner's.
    #[error("account {account}: {reason}")]
    Unauthorized {
        /// The account.
        account: u32,
        /// What is wrong with the authorization.
        reason: crate::rules::authorization::AuthorizationError,
    },
    /// Withdrawals wait until bad debt is covered.
    #[error("withdraw from account {account} while bad debt {bad_debt} is outstanding")]
    OutstandingBadDebt {
        /// The account.
        account: u32,
        /// Outstanding bad debt.
        bad_debt: u64,
    },
    /// Equity below initial margin after a withdrawal or trade.
    #[error(
        "{check} account {account} leaves equity {equity} below initial margin {initial_margin}"
    )]
    BelowInitialMargin {
        /// Which operation.
        check: MarginCheck,
        /// The account.
        account: u32,
        /// Equity after.
        equity: i64,
        /// Initial margin after.
        initial_margin: i64,
    },
    /// A reduce-only trade that worsens the margin excess.
    #[error("reduce-only trade by account {account} worsens equity minus maintenance margin from {before} to {after}")]
    ReduceOnlyWorsens {
        /// The account.
        account: u32,
        /// E - MM before.
        before: i64,
        /// E' - MM' after.
        after: i64,
    },
    /// An order slot beyond the account's [`ORDER_SLOTS`](crate::rules::units::ORDER_SLOTS).
    #[error("account {account} has no order slot {slot}")]
    NoSuchOrderSlot {
        /// The account.
        account: u32,
        /// The slot.
        slot: u32,
    },
    /// A new order into a slot whose order is still open and unexpired.
    #[error("account {account}'s order slot {slot} holds an open order")]
    OrderSlotTaken {
        /// The account.
        account: u32,
        /// The slot.
        slot: u32,
    },
    /// A new order of zero lots or beyond Q_MAX, a limit above P_MAX or
    /// an expiry not after the epoch time (or beyond TIMESTAMP_MAX).
    #[error("account {account}'s order for slot {slot} is out of range: {reason}")]
    OrderOutOfRange {
        /// The account.
        account: u32,
        /// The slot.
        slot: u32,
        /// Which term.
        reason: &'static str,
    },
    /// A fill against a slot without an open order (never placed, filled
    /// or cancelled).
    #[error("account {account} has no open order in slot {slot}")]
    NoOpenOrder {
        /// The account.
        account: u32,
        /// The slot.
        slot: u32,
    },
    /// A fill against an order of the other side (a buyer's sell order).
    #[error("account {account}'s order in slot {slot} is on the other side")]
    OrderWrongSide {
        /// The account.
        account: u32,
        /// The slot.
        slot: u32,
    },
    /// A fill in another instrument than the order's.
    #[error("account {account}'s order in slot {slot} is for instrument {ordered}, not {traded}")]
    OrderInstrument {
        /// The account.
        account: u32,
        /// The slot.
        slot: u32,
        /// The order's instrument.
        ordered: u32,
        /// The trade's.
        traded: u32,
    },
    /// A fill at or after the order's expiry.
    #[error("account {account}'s order in slot {slot} expired at {expiry}")]
    OrderExpired {
        /// The account.
        account: u32,
        /// The slot.
        slot: u32,
        /// The order's expiry.
        expiry: u64,
    },
    /// A fill of more lots than the order has left.
    #[error(
        "account {account}'s order in slot {slot} has {left} lots left, the trade fills {qty}"
    )]
    Overfill {
        /// The account.
        account: u32,
        /// The slot.
        slot: u32,
        /// Lots left.
        left: i64,
        /// Lots traded.
        qty: i64,
    },
    /// A fill at a price worse than the order's limit.
    #[error("account {account}'s order in slot {slot} has limit {limit}, the trade is at {price}")]
    PriceBeyondLimit {
        /// The account.
        account: u32,
        /// The slot.
        slot: u32,
        /// The order's limit.
        limit: u64,
        /// The trade's price.
        price: u64,
    },
    /// Buyer and seller are the same account.
    #[error("account {account} trades with itself")]
    SelfTrade {
        /// The account.
        account: u32,
    },
    /// Trade quantity outside [1, Q_MAX].
    #[error("trade quantity {qty} is outside [1, {Q_MAX}]")]
    QuantityOutOfRange {
        /// The quantity.
        qty: i64,
    },
    /// Instrument id not listed.
    #[error("instrument {instrument} is not listed")]
    UnknownInstrument {
        /// The id.
        instrument: u32,
    },
    /// Trading at or after expiry.
    #[error("instrument {instrument} expired at {expiry}, epoch time is {timestamp}")]
    InstrumentExpired {
        /// The id.
        instrument: u32,
        /// Its expiry.
        expiry: u64,
        /// Epoch timestamp.
        timestamp: u64,
    },
    /// Price above P_MAX or off the tick.
    #[error("price {price} is above {P_MAX} or off the tick")]
    PriceOutOfRange {
        /// The price.
        price: u64,
    },
    /// Price too far from the mark.
    #[error("price {price} of instrument {instrument} is more than {band} from the mark {mark}")]
    PriceOutsideBand {
        /// The id.
        instrument: u32,
        /// Trade price.
        price: u64,
        /// Median mark.
        mark: u64,
        /// Allowed distance (band_bps of spot).
        band: u64,
    },
    /// Position would exceed Q_MAX.
    #[error("account {account} would hold {qty} lots of instrument {instrument}, beyond {Q_MAX}")]
    PositionLimit {
        /// The account.
        account: u32,
        /// The instrument.
        instrument: u32,
        /// Position it would hold.
        qty: i64,
    },
    /// A ninth instrument.
    #[error("account {account} would hold more than 8 instruments")]
    TooManyPositions {
        /// The account.
        account: u32,
    },
    /// Liquidating an account that is not below maintenance margin.
    #[error("account {account} is not liquidatable: equity {equity} is not below maintenance margin {maintenance_margin}")]
    NotLiquidatable {
        /// The account.
        account: u32,
        /// Equity.
        equity: i64,
        /// Maintenance margin.
        maintenance_margin: i64,
    },
    /// The liquidator is the account.
    #[error("account {account} cannot liquidate itself")]
    SelfLiquidation {
        /// The account.
        account: u32,
    },
    /// The liquidator is not a venue-owned liquidation account (its owner
    /// is not the market's `liquidator_owner`): nobody takes positions
    /// without consent.
    #[error("liquidation of account {account}: liquidator {liquidator} is not owned by the market's liquidator_owner")]
    LiquidatorWithoutMandate {
        /// The liquidated account.
        account: u32,
        /// The account named as liquidator.
        liquidator: u32,
    },
    /// Fraction outside [1, 10^4].
    #[error("liquidation fraction {fraction_bps} bps is outside [1, {BPS}]")]
    FractionOutOfRange {
        /// The fraction.
        fraction_bps: u64,
    },
    /// Fraction above the step for a solvent, large account.
    #[error("liquidation fraction {fraction_bps} bps of account {account} is above the step of {step_bps} bps")]
    FractionAboveStep {
        /// The account.
        account: u32,
        /// The fraction.
        fraction_bps: u64,
        /// The step.
        step_bps: u64,
    },
    /// An insolvent account must be transferred whole.
    #[error("account {account} has negative equity {equity} and must be liquidated whole, not {fraction_bps} bps")]
    InsolventNeedsFullTransfer {
        /// The account.
        account: u32,
        /// Equity.
        equity: i64,
        /// The fraction.
        fraction_bps: u64,
    },
    /// The fraction moves no lot at all.
    #[error("liquidating {fraction_bps} bps of account {account} moves no position")]
    NothingToTransfer {
        /// The account.
        account: u32,
        /// The fraction.
        fraction_bps: u64,
    },
    /// The liquidator ends below initial margin.
    #[error(
        "liquidator {liquidator} ends with equity {equity} below initial margin {initial_margin}"
    )]
    LiquidatorBelowInitialMargin {
        /// The liquidator.
        liquidator: u32,
        /// Equity after.
        equity: i64,
        /// Initial margin after.
        initial_margin: i64,
    },
    /// The liquidated account's E - MM does not strictly improve.
    #[error("liquidation of account {account} does not improve equity minus maintenance margin ({before} to {after})")]
    LiquidationDoesNotImprove {
        /// The account.
        account: u32,
        /// E - MM before.
        before: i64,
        /// E - MM after.
        after: i64,
    },
    /// Settling before expiry.
    #[error("instrument {instrument} expires at {expiry}, after the epoch time {timestamp}")]
    NotYetExpired {
        /// The id.
        instrument: u32,
        /// Its expiry.
        expiry: u64,
        /// Epoch timestamp.
        timestamp: u64,
    },
    /// No settlement price in the reports.
    #[error("no settlement price for instrument {instrument}")]
    MissingSettlementPrice {
        /// The id.
        instrument: u32,
    },
    /// A settlement lists no holder.
    #[error("settlement of instrument {instrument} lists no holder")]
    EmptySettlement {
        /// The instrument.
        instrument: u32,
    },
    /// The insurance fund is never withdrawn from.
    #[error("withdraw from the insurance fund: it is only ever topped up")]
    InsuranceFundWithdrawal,
    /// The fee account takes no deposits.
    #[error("deposit to the fee account: fees come from trades only")]
    FeeAccountDeposit,
    /// Settled accounts must be listed in strictly ascending order.
    #[error("account {account} repeats or is out of ascending order in the settlement list")]
    AccountsNotAscending {
        /// The account.
        account: u32,
    },
    /// A listed account holds no position in the instrument.
    #[error("account {account} holds no position in instrument {instrument}")]
    NoPositionToSettle {
        /// The account.
        account: u32,
        /// The instrument.
        instrument: u32,
    },
    /// The listed positions do not net to zero.
    #[error("settlement of instrument {instrument} lists positions netting to {net} lots, not 0")]
    SettlementUnbalanced {
        /// The instrument.
        instrument: u32,
        /// Sum of the listed positions.
        net: i64,
    },
    /// Settlement would leave negative cash beside open positions.
    #[error("settlement leaves account {account} with cash {cash} and open positions; liquidate it first")]
    SettlementLeavesNegativeCash {
        /// The account.
        account: u32,
        /// Cash after the payout.
        cash: i128,
    },
    /// Bad debt would exceed its bound.
    #[error("bad debt would reach {bad_debt}, beyond its bound")]
    BadDebtAboveMaximum {
        /// Bad debt it would reach.
        bad_debt: u128,
    },
}

/// Why an epoch cannot be applied. Nothing is written when any is returned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EpochError {
    /// The market configuration is invalid.
    #[error("market: {0}")]
    Market(#[from] MarketError),
    /// The epoch number does not follow the state's.
    #[error("epoch {actual} does not follow state epoch {state} (expected {expected})")]
    EpochNumber {
        /// Epoch of the state.
        state: u64,
        /// Epoch expected.
        expected: u64,
        /// Epoch found.
        actual: u64,
    },
    /// Epoch time beyond the largest timestamp.
    #[error("epoch timestamp {timestamp} is beyond the largest timestamp {TIMESTAMP_MAX}")]
    TimestampOutOfRange {
        /// Epoch timestamp.
        timestamp: u64,
    },
    /// Epoch time before the state's.
    #[error("epoch timestamp {actual} is before the state's timestamp {previous}")]
    TimestampDecreased {
        /// State timestamp.
        previous: u64,
        /// Epoch timestamp.
        actual: u64,
    },
    /// `prev_root` is not the state's root.
    #[error("prev_root {actual} is not the state's root {expected}")]
    PrevRootMismatch {
        /// Root of the state.
        expected: String,
        /// Root named by the epoch.
        actual: String,
    },
    /// Not exactly `quorum` reports.
    #[error("epoch carries {reports} oracle reports, the quorum is {quorum}")]
    WrongQuorum {
        /// Reports found.
        reports: usize,
        /// Quorum.
        quorum: usize,
    },
    /// A report is invalid.
    #[error("report {index} (oracle {oracle}): {violation}")]
    Report {
        /// Position of the report in the epoch.
        index: usize,
        /// Oracle it claims.
        oracle: u32,
        /// What is wrong.
        violation: ReportViolation,
    },
    /// An operation breaks a rule.
    #[error("op {index}: {violation}")]
    Operation {
        /// Position of the operation in the epoch.
        index: usize,
        /// The rule broken.
        violation: Violation,
    },
    /// The custodians' deposit report is invalid or does not attest the
    /// epoch's deposits.
    #[error("deposit report: {0}")]
    DepositReport(#[from] crate::rules::custody::DepositReportViolation),
}
