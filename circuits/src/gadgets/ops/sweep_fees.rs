//! sweep_fees `{amount > 0}` in the circuit (mirrors
//! `rules/ops/sweep_fees.rs`): amount in `[1, 2^58]`; the fee account (port
//! `A`, index 1) pays it (`cash' = cash - amount >= 0` by the written leaf's
//! well-formedness) and keeps its owner, flags and slots; the insurance fund
//! is credited (bad debt repaid first).

use plonky2::iop::target::{BoolTarget, Target};

use super::{
    assert_amount_in_range, assert_positions_and_flags_unchanged, credit_insurance, GatedGadget,
    InsuranceRegisters,
};
use crate::gadgets::account::AccountTarget;
use crate::gadgets::Builder;

/// The fields of a fee sweep.
#[derive(Clone, Copy, Debug)]
pub struct SweepFeesTarget {
    /// Micro-USD.
    pub amount: Target,
}

/// The sweep gadget.
pub trait SweepFeesGadget {
    /// Constrains the fee account's leaf change (`fees_before` to
    /// `fees_after`) when `enabled`, and returns the insurance fund's cash and
    /// the bad debt after the credit. Cost: about 2 rows.
    fn sweep_fees(
        &mut self,
        enabled: BoolTarget,
        op: &SweepFeesTarget,
        fees_before: &AccountTarget,
        fees_after: &AccountTarget,
        funds: &InsuranceRegisters,
    ) -> InsuranceRegisters;
}

impl SweepFeesGadget for Builder {
    fn sweep_fees(
        &mut self,
        enabled: BoolTarget,
        op: &SweepFeesTarget,
        fees_before: &AccountTarget,
        fees_after: &AccountTarget,
        funds: &InsuranceRegisters,
    ) -> InsuranceRegisters {
        assert_amount_in_range(self, enabled, op.amount);
        let cash = self.sub(fees_before.cash, op.amount);
        self.assert_equal_if(enabled, fees_after.cash, cash);
        for k in 0..4 {
            self.assert_equal_if(
                enabled,
                fees_after.owner.elements[k],
                fees_before.owner.elements[k],
            );
        }
        assert_positions_and_flags_unchanged(self, enabled, fees_before, fees_after);
        credit_insurance(self, op.amount, funds)
    }
}
