//! One holder of a settle_expiry `{instrument, accounts}` in the circuit
//! (mirrors `rules/ops/settle_expiry.rs`); a settlement of `n` holders is `n`
//! steps, bound to each other by the settlement registers
//! (`rules::ops::SettlementRegisters`), which the chunk carries from step to
//! step and, through its public inputs, across chunk borders and folds.
//!
//! Per holder item `[5, instrument, account, k, n]`: `0 <= k < n`. The first
//! holder (`k = 0`) needs no settlement open; a later one needs one open
//! with the same instrument and `n`, `k` its next holder, and an account
//! after its last. The instrument is listed and expired (`now >= T`) with a
//! settlement price; the holder is not the global leaf, holds a position `q`
//! in it; the slot goes (`P_after = P_before - q X^t`) and `q * I(X) /
//! Q_SCALE` is paid. Negative cash is allowed only with no position left:
//! the holder ends at 0 and the deficit goes to the insurance fund, the rest
//! to bad debt. A holder left without positions leaves liquidation. The
//! listed positions net to zero at the last holder (`k = n - 1`), which
//! closes the settlement: every register back to zero.

use plonky2::field::types::Field;
use plonky2::iop::target::{BoolTarget, Target};

use super::{
    assert_not_global_leaf, assert_owner_and_nonce_unchanged, assert_position_change, old_quantity,
    GatedGadget, InsuranceRegisters, PositionChallenge, PositionPolynomial,
};
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

/// The settlement in progress, as targets (see
/// `rules::ops::SettlementRegisters`; all zero when closed).
#[derive(Clone, Copy, Debug)]
pub struct SettleRegisters {
    /// 1 while a settlement is open.
    pub open: Target,
    /// Its instrument.
    pub instrument: Target,
    /// Its number of holders.
    pub count: Target,
    /// The position of its next holder.
    pub next: Target,
    /// Sum of the quantities settled so far.
    pub net: Target,
    /// Its last holder.
    pub previous_account: Target,
}

impl SettleRegisters {
    /// Elements in public-input order.
    pub const LEN: usize = 6;

    /// The registers in public-input order.
    pub fn targets(&self) -> [Target; Self::LEN] {
        [
            self.open,
            self.instrument,
            self.count,
            self.next,
            self.net,
            self.previous_account,
        ]
    }

    /// Registers from targets in public-input order.
    pub fn from_targets(t: [Target; Self::LEN]) -> Self {
        Self {
            open: t[0],
            instrument: t[1],
            count: t[2],
            next: t[3],
            net: t[4],
            previous_account: t[5],
        }
    }
}

/// The settlement gadget.
pub trait SettleExpiryGadget {
    /// Settles one holder when `enabled`; returns the settlement registers
    /// and the system balances after it (the inputs when disabled);
    /// `positions` are the polynomials of `before` and `after` at the step's
    /// `challenge`. Cost: about 35 rows.
    #[allow(clippy::too_many_arguments)]
    fn settle_holder(
        &mut self,
        enabled: BoolTarget,
        op: &SettleTarget,
        before: &AccountTarget,
        after: &AccountTarget,
        challenge: &PositionChallenge,
        positions: [&PositionPolynomial; 2],
        now: Target,
        market: &MarketTarget,
        prices: &PricesTarget,
        registers: &SettleRegisters,
        funds: &InsuranceRegisters,
    ) -> (SettleRegisters, InsuranceRegisters);
}

impl SettleExpiryGadget for Builder {
    fn settle_holder(
        &mut self,
        enabled: BoolTarget,
        op: &SettleTarget,
        before: &AccountTarget,
        after: &AccountTarget,
        challenge: &PositionChallenge,
        positions: [&PositionPolynomial; 2],
        now: Target,
        market: &MarketTarget,
        prices: &PricesTarget,
        registers: &SettleRegisters,
        funds: &InsuranceRegisters,
    ) -> (SettleRegisters, InsuranceRegisters) {
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
        // Position k of n: the first opens a settlement, a later one
        // continues the open one.
        let remaining = self.sub(op.count, op.position);
        let remaining = self.add_const(remaining, -F::ONE);
        self.assert_nonnegative_if(enabled, remaining);
        let zero = self.zero();
        let one = self.one();
        let first = self.is_equal(op.position, zero);
        let later = self.not(first);
        let starts = self.and(enabled, first);
        self.assert_equal_if(starts, registers.open, zero);
        let continues = self.and(enabled, later);
        self.assert_equal_if(continues, registers.open, one);
        self.assert_equal_if(continues, op.instrument, registers.instrument);
        self.assert_equal_if(continues, op.count, registers.count);
        self.assert_equal_if(continues, op.position, registers.next);
        let step = self.sub(op.account, registers.previous_account);
        let step = self.add_const(step, -F::ONE);
        self.assert_nonnegative_if(continues, step);
        // The holder's position goes.
        let qty = old_quantity(self, before, op.instrument);
        let holds = self.is_nonzero(qty);
        self.assert_true_if(enabled, holds);
        let minus_qty = self.neg(qty);
        assert_position_change(
            self,
            enabled,
            challenge,
            positions[0],
            positions[1],
            op.instrument,
            minus_qty,
        );
        assert_owner_and_nonce_unchanged(self, enabled, before, after);
        // No position left: no longer under liquidation.
        let left_any = self.is_nonzero(after.slots[0].qty);
        let flags = self.mul(before.flags, left_any.target);
        self.assert_equal_if(enabled, after.flags, flags);
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
        let covered_whole = self.is_lt(deficit, funds.insurance, 60);
        let covered = self.select(covered_whole, deficit, funds.insurance);
        let insurance = self.sub(funds.insurance, covered);
        let uncovered = self.sub(deficit, covered);
        let bad_debt = self.add(funds.bad_debt, uncovered);
        let bound = self.constant(F::from_canonical_u64(BAD_DEBT_MAX));
        let room = self.sub(bound, bad_debt);
        self.assert_nonnegative_if(enabled, room);
        // The listed positions net to zero at the last holder, which closes
        // the settlement (every register back to zero).
        let carried = self.select(first, zero, registers.net);
        let net = self.add(carried, qty);
        let is_last = self.is_equal(remaining, zero);
        let check_net = self.and(enabled, is_last);
        self.assert_equal_if(check_net, net, zero);
        let stays_open = self.not(is_last);
        let next = self.add_const(op.position, F::ONE);
        let opened = [one, op.instrument, op.count, next, net, op.account]
            .map(|value| self.mul(stays_open.target, value));
        let carried = registers.targets();
        let out = std::array::from_fn(|k| self.select(enabled, opened[k], carried[k]));
        (
            SettleRegisters::from_targets(out),
            InsuranceRegisters {
                insurance: self.select(enabled, insurance, funds.insurance),
                bad_debt: self.select(enabled, bad_debt, funds.bad_debt),
            },
        )
    }
}
