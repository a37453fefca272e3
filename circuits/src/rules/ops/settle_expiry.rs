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
//! (settling everyone is its liveness duty; it cannot create money). A
//! settlement lists at least one holder, and a holder whose last position it
//! settles leaves liquidation (an account without positions is never under
//! liquidation).
//!
//! In the batch a settlement of `n` holders is `n` consecutive items
//! `[5, instrument, account, k, n]`, `k = 0..n`; [`SettlementRegisters`] is
//! the rule that binds them to each other, step by step, as the circuit
//! carries it across steps, chunks and folds.

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
    if op.accounts.is_empty() {
        return Err(Violation::EmptySettlement {
            instrument: op.instrument,
        });
    }
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
    if after.positions.is_empty() {
        after.set_under_liquidation(false);
    }
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

/// The settlement in progress between the holders of one settle_expiry:
/// what the circuit carries from holder to holder, across chunk borders and
/// through folds. Closed, every register is zero.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SettlementRegisters {
    /// A settlement has started and not yet reached its last holder.
    pub open: bool,
    /// Its instrument.
    pub instrument: u32,
    /// Its number of holders `n`.
    pub count: u64,
    /// The position `k` of its next holder.
    pub next: u64,
    /// Sum of the quantities settled so far.
    pub net: i64,
    /// Its last holder settled.
    pub previous_account: u64,
}

/// Why a batch item cannot come next, given the settlement in progress.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegisterError {
    /// Another operation (or a new settlement) while one is open.
    #[error("the settlement of instrument {instrument} is open: holder {next} of {count} must come next")]
    SettlementOpen {
        /// Its instrument.
        instrument: u32,
        /// Holders it lists.
        count: u64,
        /// The holder due.
        next: u64,
    },
    /// A later holder (`k > 0`) with no settlement open.
    #[error("holder {k} of a settlement that was never started")]
    NotStarted {
        /// The holder's position.
        k: u64,
    },
    /// A later holder of another instrument, count or position than due.
    #[error("holder {k} of {n} in instrument {instrument} does not continue the open settlement (instrument {open_instrument}, holder {next} of {count})")]
    DoesNotContinue {
        /// The item's instrument.
        instrument: u32,
        /// The item's position.
        k: u64,
        /// The item's count.
        n: u64,
        /// The open settlement's instrument.
        open_instrument: u32,
        /// The holder due.
        next: u64,
        /// The open settlement's count.
        count: u64,
    },
    /// `k >= n`.
    #[error("holder {k} of a settlement of {n}")]
    PositionBeyondCount {
        /// The item's position.
        k: u64,
        /// The item's count.
        n: u64,
    },
    /// Holders not strictly ascending.
    #[error("holder account {account} does not come after {previous}")]
    NotAscending {
        /// The holder.
        account: u64,
        /// The holder before.
        previous: u64,
    },
    /// The last holder leaves the listed positions unbalanced.
    #[error("the settlement's positions net to {net} lots at its last holder")]
    Unbalanced {
        /// The sum of the listed positions.
        net: i64,
    },
}

impl SettlementRegisters {
    /// The closed registers (no settlement in progress).
    pub const CLOSED: Self = Self {
        open: false,
        instrument: 0,
        count: 0,
        next: 0,
        net: 0,
        previous_account: 0,
    };

    /// The registers after any item other than a settlement holder: none
    /// may be open.
    pub fn after_other(self) -> Result<Self, RegisterError> {
        if self.open {
            return Err(RegisterError::SettlementOpen {
                instrument: self.instrument,
                count: self.count,
                next: self.next,
            });
        }
        Ok(self)
    }

    /// The registers after holder `k` of `n` of a settlement of `instrument`,
    /// holding `qty` lots: `k = 0` starts one (none may be open); `k > 0`
    /// continues the open one (same instrument and count, `k` its next
    /// holder, an account after its last); the last holder (`k = n - 1`)
    /// must balance it and closes it.
    pub fn after_holder(
        self,
        instrument: u32,
        account: u64,
        k: u64,
        n: u64,
        qty: i64,
    ) -> Result<Self, RegisterError> {
        if k >= n {
            return Err(RegisterError::PositionBeyondCount { k, n });
        }
        let net = if k == 0 {
            if self.open {
                return Err(RegisterError::SettlementOpen {
                    instrument: self.instrument,
                    count: self.count,
                    next: self.next,
                });
            }
            qty
        } else {
            if !self.open {
                return Err(RegisterError::NotStarted { k });
            }
            if instrument != self.instrument || n != self.count || k != self.next {
                return Err(RegisterError::DoesNotContinue {
                    instrument,
                    k,
                    n,
                    open_instrument: self.instrument,
                    next: self.next,
                    count: self.count,
                });
            }
            if account <= self.previous_account {
                return Err(RegisterError::NotAscending {
                    account,
                    previous: self.previous_account,
                });
            }
            self.net + qty
        };
        if k + 1 == n {
            if net != 0 {
                return Err(RegisterError::Unbalanced { net });
            }
            return Ok(Self::CLOSED);
        }
        Ok(Self {
            open: true,
            instrument,
            count: n,
            next: k + 1,
            net,
            previous_account: account,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registers_bind_the_holders_of_one_settlement() {
        let closed = SettlementRegisters::CLOSED;
        let first = closed.after_holder(6, 3, 0, 2, 100).unwrap();
        assert_eq!(
            first,
            SettlementRegisters {
                open: true,
                instrument: 6,
                count: 2,
                next: 1,
                net: 100,
                previous_account: 3,
            }
        );
        assert_eq!(first.after_holder(6, 5, 1, 2, -100), Ok(closed));
        assert!(matches!(
            first.after_holder(7, 5, 1, 2, -100),
            Err(RegisterError::DoesNotContinue { .. })
        ));
        assert!(matches!(
            first.after_holder(6, 5, 1, 3, -100),
            Err(RegisterError::DoesNotContinue { .. })
        ));
        assert!(matches!(
            first.after_holder(6, 5, 0, 2, -100),
            Err(RegisterError::SettlementOpen { .. })
        ));
        assert!(matches!(
            first.after_holder(6, 3, 1, 2, -100),
            Err(RegisterError::NotAscending { .. })
        ));
        assert!(matches!(
            first.after_holder(6, 5, 1, 2, -99),
            Err(RegisterError::Unbalanced { net: 1 })
        ));
        assert!(matches!(
            first.after_other(),
            Err(RegisterError::SettlementOpen { .. })
        ));
        assert!(matches!(
            closed.after_holder(6, 5, 1, 2, -100),
            Err(RegisterError::NotStarted { k: 1 })
        ));
        assert!(matches!(
            closed.after_holder(6, 5, 2, 2, 0),
            Err(RegisterError::PositionBeyondCount { .. })
        ));
        assert_eq!(closed.after_other(), Ok(closed));
    }
}
