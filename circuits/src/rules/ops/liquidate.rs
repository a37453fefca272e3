//! liquidate `{account, liquidator, fraction_bps}`.
//!
//! The account is below maintenance margin (E < MM); the liquidator is
//! another existing user account owned by the market's `liquidator_owner`
//! (a venue-owned liquidation account: nobody takes positions without
//! consent). The fraction is in [1, 10^4] and at most
//! `liq_step_bps` unless MM <= small_mm or E < 0; with E < 0 it must be 10^4
//! (full transfer). Every slot moves `dq = trunc(q * fraction / 10^4)` lots to
//! the liquidator (at least one nonzero), who pays `sum dq * M / Q_SCALE` to
//! the account: a transfer at mark, so the account's equity is unchanged.
//!
//! Solvent account (E >= 0): it pays the penalty
//! `min(ceil(max(MM - MM', 0) * penalty_bps / 10^4), E)`, of which the
//! liquidator gets `floor(penalty * liquidator_share_bps / 10^4)` and the
//! insurance fund the rest (which, like every credit to the fund, first
//! repays outstanding bad debt); its cash stays >= 0.
//! The liquidator's cash is checked once, after it paid for the transfer
//! and received its share of the penalty: `cash - payment + share >= 0`.
//! Insolvent account (E < 0): no penalty; its cash after the transfer is
//! E < 0, which the insurance fund covers as far as it can; the rest becomes
//! bad debt, and the account ends with zero cash and no positions.
//!
//! After: the liquidator has E >= IM, and the account's E - MM strictly
//! improved. The account stays flagged under liquidation while E < IM.

use super::{
    absorb_deficit, check_user_account, checked_cash, credit_insurance, Context, Liquidate,
};
use crate::rules::account::{Account, PositionError};
use crate::rules::error::Violation;
use crate::rules::fixed::{mul_bps_ceil, mul_bps_floor, mul_bps_trunc};
use crate::rules::units::BPS;

/// Accounts and bad debt after a liquidation step.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LiquidationOutcome {
    /// The liquidated account.
    pub account: Account,
    /// The liquidator.
    pub liquidator: Account,
    /// The insurance fund.
    pub insurance: Account,
    /// Outstanding bad debt.
    pub bad_debt: u64,
    /// Penalty the account paid.
    pub penalty: u64,
}

/// Applies one liquidation step.
pub fn liquidate(
    ctx: &Context,
    op: &Liquidate,
    account: &Account,
    liquidator: &Account,
    insurance: &Account,
    bad_debt: u64,
) -> Result<LiquidationOutcome, Violation> {
    if op.account == op.liquidator {
        return Err(Violation::SelfLiquidation {
            account: op.account,
        });
    }
    check_user_account(ctx, op.account, account)?;
    check_user_account(ctx, op.liquidator, liquidator)?;
    if liquidator.owner != ctx.market.liquidator_owner {
        return Err(Violation::LiquidatorWithoutMandate {
            account: op.account,
            liquidator: op.liquidator,
        });
    }
    if op.fraction_bps == 0 || op.fraction_bps > BPS {
        return Err(Violation::FractionOutOfRange {
            fraction_bps: op.fraction_bps,
        });
    }
    let before = ctx.margin(account);
    if !before.liquidatable() {
        return Err(Violation::NotLiquidatable {
            account: op.account,
            equity: before.equity,
            maintenance_margin: before.maintenance,
        });
    }
    let insolvent = before.equity < 0;
    if insolvent && op.fraction_bps != BPS {
        return Err(Violation::InsolventNeedsFullTransfer {
            account: op.account,
            equity: before.equity,
            fraction_bps: op.fraction_bps,
        });
    }
    let small = before.maintenance <= ctx.market.params.small_mm as i64;
    if !insolvent && !small && op.fraction_bps > ctx.market.params.liq_step_bps {
        return Err(Violation::FractionAboveStep {
            account: op.account,
            fraction_bps: op.fraction_bps,
            step_bps: ctx.market.params.liq_step_bps,
        });
    }

    // Transfer dq of every slot at mark.
    let mut account_after = account.clone();
    let mut liquidator_after = liquidator.clone();
    let mut payment = 0i128;
    let mut moved_any = false;
    for position in &account.positions {
        let dq = mul_bps_trunc(i128::from(position.qty), op.fraction_bps) as i64;
        if dq == 0 {
            continue;
        }
        moved_any = true;
        payment += i128::from(dq)
            * i128::from(ctx.risk.instruments[position.instrument as usize].mark_per_lot);
        account_after
            .set_qty(position.instrument, position.qty - dq)
            .map_err(|_| Violation::PositionLimit {
                account: op.account,
                instrument: position.instrument,
                qty: position.qty - dq,
            })?;
        let held = liquidator.qty(position.instrument) + dq;
        liquidator_after
            .set_qty(position.instrument, held)
            .map_err(|e| match e {
                PositionError::Limit(qty) => Violation::PositionLimit {
                    account: op.liquidator,
                    instrument: position.instrument,
                    qty,
                },
                PositionError::TooMany => Violation::TooManyPositions {
                    account: op.liquidator,
                },
            })?;
    }
    if !moved_any {
        return Err(Violation::NothingToTransfer {
            account: op.account,
            fraction_bps: op.fraction_bps,
        });
    }
    // The liquidator's cash is checked once, after its share of the penalty.
    let liquidator_paid = i128::from(liquidator.cash) - payment;
    let mut share = 0i128;
    let account_cash = i128::from(account.cash) + payment;

    let mut insurance_after = insurance.clone();
    let bad_debt_after;
    let mut penalty = 0u64;
    if insolvent {
        // Everything moved; the account's cash is its (negative) equity.
        let deficit = (-account_cash) as u64;
        let (insurance_cash, debt) = absorb_deficit(deficit, insurance.cash, bad_debt)?;
        insurance_after.cash = insurance_cash;
        bad_debt_after = debt;
        account_after.cash = 0;
    } else {
        // Maintenance margin depends on positions only, not on cash.
        let maintenance_after = ctx.margin(&account_after).maintenance;
        let released = i128::from((before.maintenance - maintenance_after).max(0));
        penalty = mul_bps_ceil(released, ctx.market.params.penalty_bps)
            .min(i128::from(before.equity)) as u64;
        account_after.cash = checked_cash(op.account, account_cash - i128::from(penalty))?;
        share = mul_bps_floor(i128::from(penalty), ctx.market.params.liquidator_share_bps);
        let (insurance_cash, debt) =
            credit_insurance(penalty - share as u64, insurance.cash, bad_debt)?;
        insurance_after.cash = insurance_cash;
        bad_debt_after = debt;
    }
    liquidator_after.cash = checked_cash(op.liquidator, liquidator_paid + share)?;

    let liquidator_margin = ctx.margin(&liquidator_after);
    if !liquidator_margin.meets_initial() {
        return Err(Violation::LiquidatorBelowInitialMargin {
            liquidator: op.liquidator,
            equity: liquidator_margin.equity,
            initial_margin: liquidator_margin.initial,
        });
    }
    liquidator_after.set_under_liquidation(false);
    let after = ctx.margin(&account_after);
    if after.excess() <= before.excess() {
        return Err(Violation::LiquidationDoesNotImprove {
            account: op.account,
            before: before.excess(),
            after: after.excess(),
        });
    }
    account_after.set_under_liquidation(!after.meets_initial());
    Ok(LiquidationOutcome {
        account: account_after,
        liquidator: liquidator_after,
        insurance: insurance_after,
        bad_debt: bad_debt_after,
        penalty,
    })
}
