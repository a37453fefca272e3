//! withdraw `{account, amount > 0, nonce}` in the circuit (mirrors
//! `rules/ops/withdraw.rs`): amount in `[1, 2^58]`, an existing account that
//! is neither the global leaf nor the insurance fund and not under
//! liquidation, no bad debt outstanding, `nonce` the leaf's,
//! `cash' = cash - amount >= 0` and `E' >= IM'`; `nonce' = nonce + 1`
//! except from the fee account (`nonce' <= NONCE_MAX` by the written leaf's
//! well-formedness); owner, flags and positions unchanged. A user
//! account's withdrawal is signed: the step checks it as it checks every
//! signed operation (`chunk::step`: the signer hashes to the leaf's owner,
//! and (key, `withdrawal_message(market_hash, account, amount, nonce)`,
//! the market hash the chunk states) joins the chunk's signature queue,
//! whose desk verifies the signature).

use plonky2::field::types::Field;
use plonky2::iop::target::{BoolTarget, Target};

use super::{
    all_zero, assert_amount_in_range, assert_not_global_leaf, assert_positions_and_flags_unchanged,
    GatedGadget,
};
use crate::config::F;
use crate::gadgets::account::AccountTarget;
use crate::gadgets::margin::AccountView;
use crate::gadgets::Builder;
use crate::rules::units::INSURANCE_FUND;

/// The fields of a withdrawal.
#[derive(Clone, Copy, Debug)]
pub struct WithdrawTarget {
    /// Leaf index (equal to the Merkle path's index).
    pub account: Target,
    /// Micro-USD.
    pub amount: Target,
    /// The account's withdrawal nonce before.
    pub nonce: Target,
}

/// The withdrawal gadget.
pub trait WithdrawGadget {
    /// Constrains `after` to be `before` with the withdrawal applied, when
    /// `enabled`, while the venue carries `bad_debt`; `view` is the step's
    /// view of `before` (the positions do not change, so the margin after is
    /// the view's at the new cash); `from_fees` is set when the account is
    /// the fee account (whose nonce does not count and who signs nothing).
    /// Cost: about 6 rows.
    #[allow(clippy::too_many_arguments)]
    fn withdraw(
        &mut self,
        enabled: BoolTarget,
        from_fees: BoolTarget,
        op: &WithdrawTarget,
        before: &AccountTarget,
        after: &AccountTarget,
        view: &AccountView,
        bad_debt: Target,
    );
}

impl WithdrawGadget for Builder {
    fn withdraw(
        &mut self,
        enabled: BoolTarget,
        from_fees: BoolTarget,
        op: &WithdrawTarget,
        before: &AccountTarget,
        after: &AccountTarget,
        view: &AccountView,
        bad_debt: Target,
    ) {
        assert_amount_in_range(self, enabled, op.amount);
        assert_not_global_leaf(self, enabled, op.account);
        let fund = self.constant(F::from_canonical_u32(INSURANCE_FUND));
        let is_fund = self.is_equal(op.account, fund);
        let not_fund = self.not(is_fund);
        self.assert_true_if(enabled, not_fund);
        let ownerless = all_zero(self, &before.owner.elements);
        let exists = self.not(ownerless);
        self.assert_true_if(enabled, exists);
        let zero = self.zero();
        self.assert_equal_if(enabled, before.flags, zero);
        self.assert_equal_if(enabled, bad_debt, zero);
        // cash' = cash - amount; cash' >= 0 by the written leaf's well-formedness.
        let cash = self.sub(before.cash, op.amount);
        self.assert_equal_if(enabled, after.cash, cash);
        for k in 0..4 {
            self.assert_equal_if(enabled, after.owner.elements[k], before.owner.elements[k]);
        }
        assert_positions_and_flags_unchanged(self, enabled, before, after);
        self.assert_equal_if(enabled, op.nonce, before.nonce);
        let counted = self.not(from_fees);
        let nonce = self.add(before.nonce, counted.target);
        self.assert_equal_if(enabled, after.nonce, nonce);
        let margin = view.margin.with_cash(self, after.cash);
        let excess = self.sub(margin.equity, margin.initial);
        self.assert_nonnegative_if(enabled, excess);
    }
}

/// Assigns a withdrawal's fields.
pub fn set_withdraw(
    witness: &mut plonky2::iop::witness::PartialWitness<F>,
    target: &WithdrawTarget,
    op: &crate::rules::ops::Withdraw,
) -> anyhow::Result<()> {
    use plonky2::iop::witness::WitnessWrite;
    witness.set_target(target.account, F::from_canonical_u32(op.account))?;
    witness.set_target(target.amount, F::from_canonical_u64(op.amount))?;
    witness.set_target(target.nonce, F::from_canonical_u64(op.nonce))
}
