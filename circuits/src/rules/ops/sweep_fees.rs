//! sweep_fees `{amount > 0}`: the venue moves `amount` of the fee account's
//! cash (which must cover it) into the insurance fund; like every credit to
//! the fund it repays outstanding bad debt first. This is how fees earned
//! while the venue carries bad debt lower it (withdrawals wait for it).

use super::{checked_cash, credit_insurance, Context, SweepFees};
use crate::rules::account::Account;
use crate::rules::error::Violation;
use crate::rules::units::{CASH_MAX, FEE_ACCOUNT};

/// The fee account, the insurance fund and the bad debt after a sweep.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SweepOutcome {
    /// The fee account.
    pub fees: Account,
    /// The insurance fund.
    pub insurance: Account,
    /// Outstanding bad debt.
    pub bad_debt: u64,
}

/// Sweeps `op.amount` from `fees` into `insurance` while the venue carries `bad_debt`.
pub fn sweep_fees(
    _ctx: &Context,
    op: &SweepFees,
    fees: &Account,
    insurance: &Account,
    bad_debt: u64,
) -> Result<SweepOutcome, Violation> {
    if op.amount == 0 || op.amount > CASH_MAX {
        return Err(Violation::AmountOutOfRange {
            account: FEE_ACCOUNT,
            amount: op.amount,
        });
    }
    let mut fees_after = fees.clone();
    fees_after.cash = checked_cash(FEE_ACCOUNT, i128::from(fees.cash) - i128::from(op.amount))?;
    let (cash, bad_debt) = credit_insurance(op.amount, insurance.cash, bad_debt)?;
    let mut insurance_after = insurance.clone();
    insurance_after.cash = cash;
    Ok(SweepOutcome {
        fees: fees_after,
        insurance: insurance_after,
        bad_debt,
    })
}
