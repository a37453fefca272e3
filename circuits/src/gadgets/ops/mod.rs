//! The operations in the circuit (mirrors `rules/ops/`).
//!
//! Every operation gadget takes an `enabled` bit and gates each of its
//! constraints by it, so a chunk's step can carry any operation (or none)
//! while leaves it does not touch stay as they are. Leaves written are
//! always checked well formed, enabled or not (a disabled step writes the
//! leaf it read, which is well formed by induction).

mod deposit;
mod trade;
mod withdraw;

pub use deposit::{set_deposit, DepositGadget, DepositTarget};
pub use trade::{set_trade, TradeGadget, TradeSideOutput, TradeTarget};
pub use withdraw::{set_withdraw, WithdrawGadget, WithdrawTarget};

use plonky2::iop::target::{BoolTarget, Target};

use super::Builder;

/// Gated assertions: each holds when `enabled` is 0 whatever the values.
pub trait GatedGadget {
    /// `enabled => a == b`. Cost: arithmetic only.
    fn assert_equal_if(&mut self, enabled: BoolTarget, a: Target, b: Target);

    /// `enabled => 0 <= x < 2^62`. Cost: a quarter of a row.
    fn assert_nonnegative_if(&mut self, enabled: BoolTarget, x: Target);

    /// `enabled => b`. Cost: arithmetic only.
    fn assert_true_if(&mut self, enabled: BoolTarget, b: BoolTarget);
}

impl GatedGadget for Builder {
    fn assert_equal_if(&mut self, enabled: BoolTarget, a: Target, b: Target) {
        let diff = self.sub(a, b);
        let gated = self.mul(enabled.target, diff);
        self.assert_zero(gated);
    }

    fn assert_nonnegative_if(&mut self, enabled: BoolTarget, x: Target) {
        use super::fixed::FixedGadget;
        let gated = self.mul(enabled.target, x);
        self.assert_nonnegative(gated);
    }

    fn assert_true_if(&mut self, enabled: BoolTarget, b: BoolTarget) {
        let one = self.one();
        self.assert_equal_if(enabled, b.target, one);
    }
}

/// Whether every value is zero. Cost: about 0.25 row per value.
pub(crate) fn all_zero(builder: &mut Builder, values: &[Target]) -> BoolTarget {
    let zero = builder.zero();
    let mut all = builder._true();
    for &v in values {
        let is_zero = builder.is_equal(v, zero);
        all = builder.and(all, is_zero);
    }
    all
}

/// `enabled => 1 <= amount <= 2^58` (deposit and withdrawal amounts). Cost: half a row.
pub(crate) fn assert_amount_in_range(builder: &mut Builder, enabled: BoolTarget, amount: Target) {
    use plonky2::field::types::Field;
    let above_zero = builder.add_const(amount, -crate::config::F::ONE);
    builder.assert_nonnegative_if(enabled, above_zero);
    let cash_max = builder.constant(crate::config::F::from_canonical_u64(
        crate::rules::units::CASH_MAX,
    ));
    let headroom = builder.sub(cash_max, amount);
    builder.assert_nonnegative_if(enabled, headroom);
}

/// `enabled => account != GLOBAL_LEAF`. Cost: arithmetic only.
pub(crate) fn assert_not_global_leaf(builder: &mut Builder, enabled: BoolTarget, account: Target) {
    use plonky2::field::types::Field;
    let global = builder.constant(crate::config::F::from_canonical_u32(
        crate::rules::units::GLOBAL_LEAF,
    ));
    let is_global = builder.is_equal(account, global);
    let not_global = builder.not(is_global);
    builder.assert_true_if(enabled, not_global);
}

/// `enabled =>` flags and every slot of `after` equal those of `before`.
pub(crate) fn assert_positions_and_flags_unchanged(
    builder: &mut Builder,
    enabled: BoolTarget,
    before: &super::account::AccountTarget,
    after: &super::account::AccountTarget,
) {
    builder.assert_equal_if(enabled, after.flags, before.flags);
    for (a, b) in after.slots.iter().zip(&before.slots) {
        builder.assert_equal_if(enabled, a.instrument, b.instrument);
        builder.assert_equal_if(enabled, a.qty, b.qty);
    }
}
