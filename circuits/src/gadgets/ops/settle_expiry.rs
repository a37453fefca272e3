//! One holder of a settle_expiry `{instrument, accounts}` in the circuit
//! (mirrors `rules/ops/settle_expiry.rs`); a settlement of `n` holders is `n`
//! steps, chained by registers.
//!
//! Per holder: the instrument is listed and expired (`now >= T`), it has a
//! settlement price, the holder is not the global leaf, holds a position `q`
//! in it, and comes after the previous holder of the same operation; the
//! slot goes (`P_after = P_before - q X^t`) and `q * I(X) / Q_SCALE` is paid.
//! Negative cash is allowed only with no position left: the holder ends at 0
//! and the deficit goes to the insurance fund, the rest to bad debt. The
//! listed positions net to zero at the last holder.

use plonky2::field::types::Field;
use plonky2::hash::hash_types::HashOutTarget;
use plonky2::iop::target::{BoolTarget, Target};

use super::{assert_not_global_leaf, assert_position_change, old_quantity, GatedGadget};
use crate::config::F;
use crate::gadgets::account::AccountTarget;
use crate::gadgets::fixed::FixedGadget;
use crate::gadgets::market::MarketTarget;
use crate::gadgets::oracle::PricesTarget;
use crate::gadgets::risk::PRICE_BITS;
use crate::gadgets::Builder;
use crate::rules::units::{BAD_DEBT_MAX, Q_SCALE};

/// The fields of one holder's settlement (its batch item).
#[derive(Clone, Copy, Debug)]
pub struct SettleTarget {
    /// Instrument id.
    pub instrument: Target,
    /// The holder (equal to the Merkle path's index).
    pub account: Target,
    /// Position `k` of the holder in the operation's list.
    pub position: Target,
    /// Number `n` of holders the operation lists.
    pub count: Target,
}

/// Registers a settlement carries from holder to holder (and the chunk
/// carries across operations).
#[derive(Clone, Copy, Debug)]
pub struct SettleRegisters {
    /// Sum of the quantities settled so far in this operation.
    pub net: Target,
    /// The previous holder settled by this operation.
    pub previous_account: Target,
    /// Insurance fund cash.
    pub insurance: Target,
    /// Outstanding bad debt.
    pub bad_debt: Target,
}

/// The settlement gadget.
pub trait SettleExpiryGadget {
    /// Settles one holder when `enabled`; returns the registers after it
    /// (the inputs when disabled). Cost: about 60 rows.
    #[allow(clippy::too_many_arguments)]
    fn settle_holder(
        &mut self,
        enabled: BoolTarget,
        op: &SettleTarget,
        before: &AccountTarget,
        after: &AccountTarget,
        leaves: [HashOutTarget; 2],
        now: Target,
        market: &MarketTarget,
        prices: &PricesTarget,
        registers: &SettleRegisters,
    ) -> SettleRegisters;
}

impl SettleExpiryGadget for Builder {
    fn settle_holder(
        &mut self,
        enabled: BoolTarget,
        op: &SettleTarget,
        before: &AccountTarget,
        after: &AccountTarget,
        leaves: [HashOutTarget; 2],
        now: Target,
        market: &MarketTarget,
        prices: &PricesTarget,
        registers: &SettleRegisters,
    ) -> SettleRegisters {
        assert_not_global_leaf(self, enabled, op.account);
        // A listed, expired instrument with a settlement price.
        let last = self.constant(F::from_canonical_usize(market.instruments.len() - 1));
        let listed = self.sub(last, op.instrument);
        self.assert_nonnegative_if(enabled, listed);
        self.assert_nonnegative_if(enabled, op.instrument);
        let expiries: Vec<Target> = market.instruments.iter().map(|i| i.expiry).collect();
        let expiry = self.random_access(op.instrument, expiries);
        let expired = self.sub(now, expiry);
        self.assert_nonnegative_if(enabled, expired);
        let price = self.random_access(op.instrument, prices.settlement.clone());
        let priced = self.is_nonzero(price);
        self.assert_true_if(enabled, priced);
        // Position k of n; ascending after the previous holder.
        let remaining = self.sub(op.count, op.position);
        let remaining = self.add_const(remaining, -F::ONE);
        self.assert_nonnegative_if(enabled, remaining);
        let zero = self.zero();
        let first = self.is_equal(op.position, zero);
        let later = self.not(first);
        let check_order = self.and(enabled, later);
        let step = self.sub(op.account, registers.previous_account);
        let step = self.add_const(step, -F::ONE);
        self.assert_nonnegative_if(check_order, step);
        // The holder's position goes.
        let qty = old_quantity(self, before, op.instrument);
        let holds = self.is_nonzero(qty);
        self.assert_true_if(enabled, holds);
        let minus_qty = self.neg(qty);
        assert_position_change(
            self,
            enabled,
            before,
            after,
            leaves,
            op.instrument,
            minus_qty,
        );
        for k in 0..4 {
            self.assert_equal_if(enabled, after.owner.elements[k], before.owner.elements[k]);
        }
        self.assert_equal_if(enabled, after.flags, before.flags);
        // Payout q * I(X) / Q_SCALE (exact: X and K are on the tick).
        let strikes: Vec<Target> = market.instruments.iter().map(|i| i.strike).collect();
        let strike = self.random_access(op.instrument, strikes);
        let puts: Vec<Target> = market.instruments.iter().map(|i| i.is_put.target).collect();
        let is_put = BoolTarget::new_unsafe(self.random_access(op.instrument, puts));
        let call_payoff = self.sub(price, strike);
        let put_payoff = self.neg(call_payoff);
        let payoff = self.select(is_put, put_payoff, call_payoff);
        let intrinsic = self.max(payoff, zero, PRICE_BITS + 1);
        let gated_intrinsic = self.mul(enabled.target, intrinsic);
        let per_lot = self.exact_div_const(gated_intrinsic, Q_SCALE, PRICE_BITS);
        let cash = self.mul_add(qty, per_lot, before.cash);
        // Bankruptcy: negative cash only with no position left; it ends at 0.
        let negative = self.is_lt(cash, zero, 60);
        let left = self.mul(negative.target, after.slots[0].qty);
        self.assert_equal_if(enabled, left, zero);
        let kept = self.select(negative, zero, cash);
        self.assert_equal_if(enabled, after.cash, kept);
        let owed = self.neg(cash);
        let deficit = self.mul(negative.target, owed);
        let deficit = self.mul(enabled.target, deficit);
        let covered_whole = self.is_lt(deficit, registers.insurance, 60);
        let covered = self.select(covered_whole, deficit, registers.insurance);
        let insurance = self.sub(registers.insurance, covered);
        let uncovered = self.sub(deficit, covered);
        let bad_debt = self.add(registers.bad_debt, uncovered);
        let bound = self.constant(F::from_canonical_u64(BAD_DEBT_MAX));
        let room = self.sub(bound, bad_debt);
        self.assert_nonnegative_if(enabled, room);
        // The listed positions net to zero at the last holder.
        let carried = self.select(first, zero, registers.net);
        let net = self.add(carried, qty);
        let is_last = self.is_equal(remaining, zero);
        let check_net = self.and(enabled, is_last);
        self.assert_equal_if(check_net, net, zero);
        SettleRegisters {
            net: self.select(enabled, net, registers.net),
            previous_account: self.select(enabled, op.account, registers.previous_account),
            insurance: self.select(enabled, insurance, registers.insurance),
            bad_debt: self.select(enabled, bad_debt, registers.bad_debt),
        }
    }
}
