//! deposit `{account, owner, amount > 0, id}`: the id is the next custodian
//! deposit id (`deposits`, the count the global leaf keeps, which it
//! advances; `rules::custody`: the epoch's deposit report attests the
//! deposit); cash' <= 2^58; creates the account
//! with its owner if the leaf is empty, otherwise the owner must match. The
//! owner is never the owner of the key 1 G (`reserved_owner`: its secret is
//! public, the signature desk's filler signs with it), so no account ever
//! has it. The
//! fee account takes no deposits (fees come from trades). A deposit into the
//! insurance fund (the venue topping it up; its owner is the venue's) first
//! repays outstanding bad debt, the rest stays in the fund.

use super::{check_index, checked_cash, credit_insurance, Context, Deposit};
use crate::rules::account::Account;
use crate::rules::authorization::reserved_owner;
use crate::rules::encoding::ZERO_DIGEST;
use crate::rules::error::Violation;
use crate::rules::units::{CASH_MAX, FEE_ACCOUNT, INSURANCE_FUND};

/// The account and the bad debt after a deposit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DepositOutcome {
    /// The account credited.
    pub account: Account,
    /// Outstanding bad debt (lower only after a deposit into the insurance fund).
    pub bad_debt: u64,
    /// Deposits credited since genesis, this one included.
    pub deposits: u64,
}

/// Applies a deposit to `account` (the leaf at `op.account`) while the venue
/// carries `bad_debt` and has credited `deposits` custodian deposits.
pub fn deposit(
    ctx: &Context,
    op: &Deposit,
    account: &Account,
    bad_debt: u64,
    deposits: u64,
) -> Result<DepositOutcome, Violation> {
    check_index(ctx, op.account)?;
    if op.id != deposits {
        return Err(Violation::DepositOutOfOrder {
            account: op.account,
            id: op.id,
            expected: deposits,
        });
    }
    if op.account == FEE_ACCOUNT {
        return Err(Violation::FeeAccountDeposit);
    }
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
    if op.owner == reserved_owner() {
        return Err(Violation::ReservedOwner {
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
    if op.account == INSURANCE_FUND {
        let (cash, bad_debt) = credit_insurance(op.amount, account.cash, bad_debt)?;
        after.cash = cash;
        return Ok(DepositOutcome {
            account: after,
            bad_debt,
            deposits: deposits + 1,
        });
    }
    after.cash = checked_cash(op.account, i128::from(account.cash) + i128::from(op.amount))?;
    Ok(DepositOutcome {
        account: after,
        bad_debt,
        deposits: deposits + 1,
    })
}
