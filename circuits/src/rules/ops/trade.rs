//! trade `{buyer, seller, instrument, qty > 0, price, buyer_order,
//! seller_order}`: a fill between two open orders (`super::orders`), the
//! buyer's order in slot `buyer_order` buying and the seller's in
//! `seller_order` selling, each with the lots left and a limit the price
//! does not cross.
//!
//! Buyer and seller are distinct existing user accounts; the instrument is
//! listed and not expired (t < T); the price is on the tick, at most P_MAX and
//! within `band_bps * S / 10^4` of the mark; positions stay within Q_MAX and 8
//! slots. The buyer pays `qty * price / Q_SCALE`; each side pays the fee
//! `ceil(qty * min(ceil(S * fee_bps / 10^4), ceil(price * fee_cap_bps / 10^4)) / Q_SCALE)`
//! to the fee account. Both end with cash' >= 0, and each side ends with
//! E' >= IM', or the trade only reduces its position (same sign or closed,
//! |q'| < |q|) and E' - MM' >= E - MM. A side that ends at or above initial
//! margin leaves liquidation.

use super::orders::{fill_order, Side};
use super::{check_user_account, checked_cash, Context, Trade};
use crate::rules::account::{Account, PositionError};
use crate::rules::error::{MarginCheck, Violation};
use crate::rules::fixed::{ceil_div, mul_bps_ceil, on_tick};
use crate::rules::units::{BPS, FEE_ACCOUNT, P_MAX, Q_MAX, Q_SCALE};

/// Accounts after a trade.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TradeOutcome {
    /// The buyer.
    pub buyer: Account,
    /// The seller.
    pub seller: Account,
    /// The fee account.
    pub fees: Account,
}

/// Fee one side pays: `ceil(qty * min(ceil(S*fee_bps/10^4), ceil(price*fee_cap_bps/10^4)) / Q_SCALE)`.
pub fn trade_fee(qty: i64, price: u64, spot: u64, fee_bps: u64, fee_cap_bps: u64) -> i128 {
    let per_unit =
        mul_bps_ceil(i128::from(spot), fee_bps).min(mul_bps_ceil(i128::from(price), fee_cap_bps));
    ceil_div(i128::from(qty) * per_unit, i128::from(Q_SCALE))
}

/// Applies a trade between `buyer` and `seller`, crediting fees to `fees`.
pub fn trade(
    ctx: &Context,
    op: &Trade,
    buyer: &Account,
    seller: &Account,
    fees: &Account,
) -> Result<TradeOutcome, Violation> {
    if op.buyer == op.seller {
        return Err(Violation::SelfTrade { account: op.buyer });
    }
    check_user_account(ctx, op.buyer, buyer)?;
    check_user_account(ctx, op.seller, seller)?;
    if op.qty <= 0 || op.qty > Q_MAX {
        return Err(Violation::QuantityOutOfRange { qty: op.qty });
    }
    let instrument = ctx
        .market
        .instrument(op.instrument)
        .ok_or(Violation::UnknownInstrument {
            instrument: op.instrument,
        })?;
    if ctx.timestamp >= instrument.expiry {
        return Err(Violation::InstrumentExpired {
            instrument: op.instrument,
            expiry: instrument.expiry,
            timestamp: ctx.timestamp,
        });
    }
    if op.price > P_MAX || !on_tick(op.price) {
        return Err(Violation::PriceOutOfRange { price: op.price });
    }
    let mark = ctx.prices.mark[op.instrument as usize];
    let spot = ctx.prices.spot[instrument.underlying as usize];
    // |price - M| <= band_bps * S / 10^4, compared exactly.
    let distance = u128::from(op.price.abs_diff(mark)) * u128::from(BPS);
    if distance > u128::from(ctx.market.params.band_bps) * u128::from(spot) {
        return Err(Violation::PriceOutsideBand {
            instrument: op.instrument,
            price: op.price,
            mark,
            band: (u128::from(ctx.market.params.band_bps) * u128::from(spot) / u128::from(BPS))
                as u64,
        });
    }

    let terms = (op.instrument, op.qty, op.price);
    let now = ctx.timestamp;
    let buyer_filled = fill_order(op.buyer, buyer, op.buyer_order, Side::Buy, terms, now)?;
    let seller_filled = fill_order(op.seller, seller, op.seller_order, Side::Sell, terms, now)?;

    let notional = i128::from(op.qty) * i128::from(op.price / Q_SCALE);
    let fee = trade_fee(
        op.qty,
        op.price,
        spot,
        ctx.market.params.fee_bps,
        ctx.market.params.fee_cap_bps,
    );
    let buyer_after = side_after(
        op.buyer,
        &buyer_filled,
        op.instrument,
        op.qty,
        -notional - fee,
    )?;
    let seller_after = side_after(
        op.seller,
        &seller_filled,
        op.instrument,
        -op.qty,
        notional - fee,
    )?;
    let mut fees_after = fees.clone();
    fees_after.cash = checked_cash(FEE_ACCOUNT, i128::from(fees.cash) + 2 * fee)?;

    let buyer_after = check_side_margin(ctx, op.buyer, buyer, buyer_after, op.instrument)?;
    let seller_after = check_side_margin(ctx, op.seller, seller, seller_after, op.instrument)?;
    Ok(TradeOutcome {
        buyer: buyer_after,
        seller: seller_after,
        fees: fees_after,
    })
}

/// One side's account after the position change and the cash flow.
fn side_after(
    index: u32,
    before: &Account,
    instrument: u32,
    delta: i64,
    cash_flow: i128,
) -> Result<Account, Violation> {
    let mut after = before.clone();
    let qty = before.qty(instrument) + delta;
    after.set_qty(instrument, qty).map_err(|e| match e {
        PositionError::Limit(qty) => Violation::PositionLimit {
            account: index,
            instrument,
            qty,
        },
        PositionError::TooMany => Violation::TooManyPositions { account: index },
    })?;
    after.cash = checked_cash(index, i128::from(before.cash) + cash_flow)?;
    Ok(after)
}

/// Whether moving from `before` to `after` lots only reduces the position.
pub fn only_reduces(before: i64, after: i64) -> bool {
    before != 0 && (after == 0 || (after > 0) == (before > 0)) && after.abs() < before.abs()
}

/// E' >= IM', or reduce-only with E' - MM' >= E - MM.
fn check_side_margin(
    ctx: &Context,
    index: u32,
    before: &Account,
    mut after: Account,
    instrument: u32,
) -> Result<Account, Violation> {
    let margin_after = ctx.margin(&after);
    if margin_after.meets_initial() {
        after.set_under_liquidation(false);
        return Ok(after);
    }
    if !only_reduces(before.qty(instrument), after.qty(instrument)) {
        return Err(Violation::BelowInitialMargin {
            check: MarginCheck::Trade,
            account: index,
            equity: margin_after.equity,
            initial_margin: margin_after.initial,
        });
    }
    let margin_before = ctx.margin(before);
    if margin_after.excess() < margin_before.excess() {
        return Err(Violation::ReduceOnlyWorsens {
            account: index,
            before: margin_before.excess(),
            after: margin_after.excess(),
        });
    }
    Ok(after)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reduce_only_means_same_sign_or_closed_and_smaller() {
        assert!(only_reduces(5, 3));
        assert!(only_reduces(-5, 0));
        assert!(!only_reduces(5, -1));
        assert!(!only_reduces(5, 5));
        assert!(!only_reduces(0, 1));
        assert!(!only_reduces(-2, -3));
    }

    #[test]
    fn fee_is_the_smaller_of_spot_rate_and_price_cap_rounded_up() {
        // S = 60_000 USD: 3 bps = 18 USD per unit; price 100 USD: 12.5% cap = 12.5 USD.
        assert_eq!(
            trade_fee(100, 100_000_000, 60_000_000_000, 3, 1_250),
            12_500_000
        );
        // One lot, one tick: cap ceil(100 * 0.125) = 13, fee ceil(13 / 100) = 1.
        assert_eq!(trade_fee(1, 100, 60_000_000_000, 3, 1_250), 1);
    }
}
