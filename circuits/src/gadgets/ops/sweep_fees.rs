//! sweep_fees `{amount > 0}` in the circuit (mirrors
//! `rules/ops/sweep_fees.rs`): amount in `[1, 2^58]`; the fee account (its
//! chunk register) pays it (`cash' = cash - amount >= 0` by the registers'
//! range check after every step) and the insurance fund is credited (bad
//! debt repaid first).

use plonky2::iop::target::{BoolTarget, Target};

use super::{assert_amount_in_range, credit_insurance, InsuranceRegisters};
use crate::gadgets::Builder;

/// The fields of a fee sweep.
#[derive(Clone, Copy, Debug)]
pub struct SweepFeesTarget {
    /// Micro-USD.
    pub amount: Target,
}

/// The sweep gadget.
pub trait SweepFeesGadget {
    /// The fee account's cash after paying the sweep out of `fees`, and the
    /// insurance fund's cash and the bad debt after the credit; `enabled =>`
    /// the amount is in range. Cost: about 2 rows.
    fn sweep_fees(
        &mut self,
        enabled: BoolTarget,
        op: &SweepFeesTarget,
        fees: Target,
        funds: &InsuranceRegisters,
    ) -> (Target, InsuranceRegisters);
}

impl SweepFeesGadget for Builder {
    fn sweep_fees(
        &mut self,
        enabled: BoolTarget,
        op: &SweepFeesTarget,
        fees: Target,
        funds: &InsuranceRegisters,
    ) -> (Target, InsuranceRegisters) {
        assert_amount_in_range(self, enabled, op.amount);
        let fees = self.sub(fees, op.amount);
        (fees, credit_insurance(self, op.amount, funds))
    }
}
