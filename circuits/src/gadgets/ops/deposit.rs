//! deposit `{account, owner, amount > 0}` in the circuit (mirrors
//! `rules/ops/deposit.rs`): amount in `[1, 2^58]`, nonzero owner other than
//! the reserved owner of the key 1 G (whose secret is public), the leaf is
//! neither the global leaf nor the fee account; an empty leaf takes the
//! owner, an existing one must have it; `cash' = cash + amount - repaid`
//! where `repaid = min(amount, bad_debt)` for the insurance fund and 0
//! otherwise, and the bad debt falls by `repaid`; flags and positions
//! unchanged.

use plonky2::field::types::Field;
use plonky2::hash::hash_types::HashOutTarget;
use plonky2::iop::target::{BoolTarget, Target};

use super::{
    all_zero, assert_amount_in_range, assert_not_global_leaf, assert_positions_and_flags_unchanged,
    credit_insurance, GatedGadget, InsuranceRegisters,
};
use crate::config::F;
use crate::gadgets::account::AccountTarget;
use crate::gadgets::Builder;
use crate::rules::authorization::reserved_owner;
use crate::rules::units::{FEE_ACCOUNT, INSURANCE_FUND};

/// The fields of a deposit operation.
#[derive(Clone, Copy, Debug)]
pub struct DepositTarget {
    /// Leaf index (equal to the Merkle path's index).
    pub account: Target,
    /// Owner key hash.
    pub owner: HashOutTarget,
    /// Micro-USD.
    pub amount: Target,
}

/// The deposit gadget.
pub trait DepositGadget {
    /// Constrains `after` to be `before` with the deposit applied, when
    /// `enabled`, while the venue carries `bad_debt`; returns the bad debt
    /// after it. Cost: about 6 rows.
    fn deposit(
        &mut self,
        enabled: BoolTarget,
        op: &DepositTarget,
        before: &AccountTarget,
        after: &AccountTarget,
        bad_debt: Target,
    ) -> Target;
}

impl DepositGadget for Builder {
    fn deposit(
        &mut self,
        enabled: BoolTarget,
        op: &DepositTarget,
        before: &AccountTarget,
        after: &AccountTarget,
        bad_debt: Target,
    ) -> Target {
        assert_amount_in_range(self, enabled, op.amount);
        assert_not_global_leaf(self, enabled, op.account);
        let fees = self.constant(F::from_canonical_u32(FEE_ACCOUNT));
        let is_fee_account = self.is_equal(op.account, fees);
        let not_fees = self.not(is_fee_account);
        self.assert_true_if(enabled, not_fees);
        // A nonzero owner.
        let zero_owner = all_zero(self, &op.owner.elements);
        let named = self.not(zero_owner);
        self.assert_true_if(enabled, named);
        // Not the owner of 1 G, whose secret everyone knows: all four
        // elements compared, so no other owner is refused.
        let reserved = reserved_owner();
        let offsets: Vec<Target> = op
            .owner
            .elements
            .iter()
            .zip(reserved.elements)
            .map(|(&o, r)| self.add_const(o, -r))
            .collect();
        let is_reserved = all_zero(self, &offsets);
        let unreserved = self.not(is_reserved);
        self.assert_true_if(enabled, unreserved);
        // An empty leaf takes the owner; an existing account must have it.
        let mut empty_fields = before.owner.elements.to_vec();
        empty_fields.extend([before.cash, before.flags, before.nonce, before.slots[0].qty]);
        let empty = all_zero(self, &empty_fields);
        let exists = self.not(empty);
        let check_owner = self.and(enabled, exists);
        for k in 0..4 {
            self.assert_equal_if(check_owner, before.owner.elements[k], op.owner.elements[k]);
            self.assert_equal_if(enabled, after.owner.elements[k], op.owner.elements[k]);
        }
        // The insurance fund repays bad debt first; any other account keeps
        // the whole amount. cash' <= 2^58 by the written leaf's well-formedness.
        let fund = self.constant(F::from_canonical_u32(INSURANCE_FUND));
        let is_fund = self.is_equal(op.account, fund);
        let to_fund = self.and(enabled, is_fund);
        let debt = self.mul(to_fund.target, bad_debt);
        let credited = credit_insurance(
            self,
            op.amount,
            &InsuranceRegisters {
                insurance: before.cash,
                bad_debt: debt,
            },
        );
        self.assert_equal_if(enabled, after.cash, credited.insurance);
        assert_positions_and_flags_unchanged(self, enabled, before, after);
        self.assert_equal_if(enabled, after.nonce, before.nonce);
        let repaid = self.sub(debt, credited.bad_debt);
        self.sub(bad_debt, repaid)
    }
}

/// Assigns a deposit's fields.
pub fn set_deposit(
    witness: &mut plonky2::iop::witness::PartialWitness<F>,
    target: &DepositTarget,
    op: &crate::rules::ops::Deposit,
) -> anyhow::Result<()> {
    use plonky2::iop::witness::WitnessWrite;
    witness.set_target(target.account, F::from_canonical_u32(op.account))?;
    witness.set_hash_target(target.owner, op.owner)?;
    witness.set_target(target.amount, F::from_canonical_u64(op.amount))
}
