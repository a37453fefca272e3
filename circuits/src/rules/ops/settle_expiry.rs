//! settle_expiry `{instrument, accounts}`: t >= T and a settlement price X is
//! in the reports; each listed account (strictly ascending) holds a position
//! in the instrument, is paid `q * I(X) / Q_SCALE` (negative for shorts) and
//! loses the slot. No margin check. An account left with negative cash and no
//! positions is bankrupt: the insurance fund covers the deficit as far as it
//! can and the rest becomes bad debt. Negative cash beside open positions is
//! rejected (the venue liquidates such an account first).
//!
//! The listed positions must net to zero, so every settlement pays out
//! exactly what it collects and total cash is conserved operation by
//! operation. A settlement need not list every holder: the sequencer may
//! settle an instrument in balanced pieces over several operations or epochs
//! (settling everyone is its liveness duty; it cannot create money).

use super::{absorb_deficit, check_index, checked_cash, Context, SettleExpiry};
use crate::rules::account::Account;
use crate::rules::error::Violation;
use crate::rules::units::Q_SCALE;

/// An account, the insurance fund and the bad debt after settling one holder.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SettlementOutcome {
    /// The settled account.
    pub account: Account,
    /// The insurance fund.
    pub insurance: Account,
    /// Outstanding bad debt.
    pub bad_debt: u64,
}

/// Checks the operation as a whole and returns the settlement price.
pub fn check_settle_expiry(ctx: &Context, op: &SettleExpiry) -> Result<u64, Violation> {
    let instrument = ctx
        .market
        .instrument(op.instrument)
        .ok_or(Violation::UnknownInstrument {
            instrument: op.instrument,
        })?;
    if ctx.timestamp < instrument.expiry {
        return Err(Violation::NotYetExpired {
            instrument: op.instrument,
            expiry: instrument.expiry,
            timestamp: ctx.timestamp,
        });
    }
    let price =
        ctx.prices.settlement[op.instrument as usize].ok_or(Violation::MissingSettlementPrice {
            instrument: op.instrument,
        })?;
    for pair in op.accounts.windows(2) {
        if pair[0] >= pair[1] {
            return Err(Violation::AccountsNotAscending { account: pair[1] });
        }
    }
    Ok(price)
}

/// Checks that the listed positions net to zero (`net` is their sum).
pub fn check_settlement_balanced(op: &SettleExpiry, net: i64) -> Result<(), Violation> {
    if net != 0 {
        return Err(Violation::SettlementUnbalanced {
            instrument: op.instrument,
            net,
        });
    }
    Ok(())
}

/// Settles one listed holder at settlement price `price`.
pub fn settle_position(
    ctx: &Context,
    op: &SettleExpiry,
    price: u64,
    index: u32,
    account: &Account,
    insurance: &Account,
    bad_debt: u64,
) -> Result<SettlementOutcome, Violation> {
    check_index(ctx, index)?;
    let qty = account.qty(op.instrument);
    if qty == 0 {
        return Err(Violation::NoPositionToSettle {
            account: index,
            instrument: op.instrument,
        });
    }
    let instrument = &ctx.market.instruments[op.instrument as usize];
    // Intrinsic value is on the tick (X and K are), so the payout is exact.
    let payout = i128::from(qty) * i128::from(instrument.intrinsic(price) / Q_SCALE);
    let mut after = account.clone();
    after
        .set_qty(op.instrument, 0)
        .map_err(|_| Violation::NoPositionToSettle {
            account: index,
            instrument: op.instrument,
        })?;
    let cash = i128::from(account.cash) + payout;
    let mut insurance_after = insurance.clone();
    let mut bad_debt_after = bad_debt;
    if cash < 0 {
        if !after.positions.is_empty() {
            return Err(Violation::SettlementLeavesNegativeCash {
                account: index,
                cash,
            });
        }
        let (insurance_cash, debt) = absorb_deficit((-cash) as u64, insurance.cash, bad_debt)?;
        insurance_after.cash = insurance_cash;
        bad_debt_after = debt;
        after.cash = 0;
    } else {
        after.cash = checked_cash(index, cash)?;
    }
    Ok(SettlementOutcome {
        account: after,
        insurance: insurance_after,
        bad_debt: bad_debt_after,
    })
}
