//! withdraw `{account, amount > 0, nonce}`: the account exists, `nonce` is
//! its withdrawal nonce, a user account's owner signed the withdrawal
//! (`owner_of(key) = owner`, Schnorr over `withdrawal_message(market_hash,
//! account, amount, nonce)`, so only for this market), it is not under liquidation, no bad debt is outstanding, cash' >= 0 and E' >= IM'; the
//! account's withdrawal nonce counts up by one (below `NONCE_MAX`: the
//! nonce a signed withdrawal will carry, so none can be replayed; the fee
//! account's, the venue's own, count none). The
//! insurance fund is never withdrawn from; the fee account (the venue's, no
//! positions) may be.

use super::{check_index, check_signed, checked_cash, Context, Withdraw};
use crate::rules::account::Account;
use crate::rules::error::{MarginCheck, Violation};
use crate::rules::units::{CASH_MAX, FEE_ACCOUNT, INSURANCE_FUND};

/// Applies a withdrawal from `account` (the leaf at `op.account`) while the
/// venue carries `bad_debt`.
pub fn withdraw(
    ctx: &Context,
    op: &Withdraw,
    account: &Account,
    bad_debt: u64,
) -> Result<Account, Violation> {
    check_index(ctx, op.account)?;
    if op.account == INSURANCE_FUND {
        return Err(Violation::InsuranceFundWithdrawal);
    }
    if op.amount == 0 || op.amount > CASH_MAX {
        return Err(Violation::AmountOutOfRange {
            account: op.account,
            amount: op.amount,
        });
    }
    if !account.exists() {
        return Err(Violation::UnknownAccount {
            account: op.account,
        });
    }
    if account.under_liquidation() {
        return Err(Violation::UnderLiquidation {
            account: op.account,
        });
    }
    if bad_debt != 0 {
        return Err(Violation::OutstandingBadDebt {
            account: op.account,
            bad_debt,
        });
    }
    // The fee account's withdrawals are the venue's: they count no nonce
    // and need no signature.
    let mut after = account.clone();
    if op.account == FEE_ACCOUNT {
        if op.nonce != account.nonce {
            return Err(Violation::StaleNonce {
                account: op.account,
                nonce: op.nonce,
                expected: account.nonce,
            });
        }
    } else {
        after.nonce = check_signed(
            op.account,
            account,
            op.nonce,
            &op.message(&ctx.market.hash()),
            op.authorization.as_ref(),
        )?;
    }
    after.cash = checked_cash(op.account, i128::from(account.cash) - i128::from(op.amount))?;
    // Positions unchanged: the margin before at the new cash.
    let margin = ctx.margin(account).with_cash(after.cash);
    if !margin.meets_initial() {
        return Err(Violation::BelowInitialMargin {
            check: MarginCheck::Withdraw,
            account: op.account,
            equity: margin.equity,
            initial_margin: margin.initial,
        });
    }
    Ok(after)
}
