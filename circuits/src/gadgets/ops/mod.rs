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
