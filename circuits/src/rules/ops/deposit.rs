//! deposit `{account, owner, amount > 0}`: cash' <= 2^58; creates the account
//! with its owner if the leaf is empty, otherwise the owner must match.

use super::{check_index, checked_cash, Context, Deposit};
use crate::rules::account::Account;
use crate::rules::encoding::ZERO_DIGEST;
use crate::rules::error::Violation;
use crate::rules::units::CASH_MAX;

/// Applies a deposit to `account` (the leaf at `op.account`).
pub fn deposit(ctx: &Context, op: &Deposit, account: &Account) -> Result<Account, Violation> {
    check_index(ctx, op.account)?;
    if op.amount == 0 || op.amount > CASH_MAX {
        return Err(Violation::AmountOutOfRange {
            account: op.account,
            amount: op.amount,
        });
    }
    if op.owner == ZERO_DIGEST {
        return Err(Violation::ZeroOwner {
            account: op.account,
        });
    }
    let mut after = account.clone();
    if account.is_empty() {
        after.owner = op.owner;
    } else if account.owner != op.owner {
        return Err(Violation::OwnerMismatch {
            account: op.account,
        });
    }
    after.cash = checked_cash(op.account, i128::from(account.cash) + i128::from(op.amount))?;
    Ok(after)
}
