//! One liquidation step `{account, liquidator, fraction_bps}` in the circuit
//! (mirrors `rules/ops/liquidate.rs`).
//!
//! The account is below maintenance margin; every slot moves
//! `dq = trunc(q * fraction / 10^4)` lots to the liquidator at mark. The
//! position changes of both leaves are checked at once without shifting
//! slots: with `D(X) = sum dq_k X^(id_k)` over the account's slots,
//! `P_account_after = P_account_before - D` and
//! `P_liquidator_after = P_liquidator_before + D` at the step's two
//! challenges (see `trade.rs` for why canonical leaves make this sound).
//! The account's margin before is the step's view of its leaf; its margin
//! after moves the view by `-dq` per slot (`dq` has the sign of `q` and
//! `|dq| <= |q|`, so each slot's contribution, linear in `max(q, 0)` and
//! `max(-q, 0)`, falls by exactly that of `dq`); the liquidator's margin
//! after is computed from its leaf. A solvent account pays the penalty (shared between the liquidator
//! and the insurance fund, whose share repays bad debt first); an insolvent
//! one hands everything over and its deficit goes to the insurance fund,
//! then to bad debt. The liquidator's leaf owner is the market's
//! `liquidator_owner` (a venue-owned liquidation account), and its cash is
//! checked once, after the payment and its share of the penalty (the
//! written leaf's range check on `cash - payment + share`).

use plonky2::field::types::Field;
use plonky2::hash::hash_types::HashOutTarget;
use plonky2::iop::target::{BoolTarget, Target};

use super::{
    all_zero, assert_owner_and_nonce_unchanged, credit_insurance, GatedGadget, InsuranceRegisters,
    PositionPolynomial,
};
use crate::config::F;
use crate::gadgets::account::{AccountTarget, QTY_BITS};
use crate::gadgets::fixed::FixedGadget;
use crate::gadgets::margin::{AccountView, MarginGadget, MONEY_BITS};
use crate::gadgets::market::ParamsTarget;
use crate::gadgets::risk::RiskTableTarget;
use crate::gadgets::Builder;
use crate::rules::units::{BAD_DEBT_MAX, BPS, CASH_MAX, FIRST_USER_ACCOUNT};

/// The fields of a liquidation step.
#[derive(Clone, Copy, Debug)]
pub struct LiquidateTarget {
    /// The liquidated account.
    pub account: Target,
    /// The account taking over the positions.
    pub liquidator: Target,
    /// Share of every position transferred, bps.
    pub fraction_bps: Target,
}

/// The two leaves of a liquidation, as the step sees them.
#[derive(Clone, Copy)]
pub struct LiquidateLeaves<'a> {
    /// The liquidated account before and after.
    pub account: [&'a AccountTarget; 2],
    /// The step's view of the account before.
    pub view: &'a AccountView,
    /// Position polynomials of the account before and after.
    pub account_positions: [&'a PositionPolynomial; 2],
    /// The liquidator before and after.
    pub liquidator: [&'a AccountTarget; 2],
    /// Position polynomials of the liquidator before and after.
    pub liquidator_positions: [&'a PositionPolynomial; 2],
}

/// The liquidation gadget.
pub trait LiquidateGadget {
    /// Constrains one liquidation step when `enabled` and returns the
    /// registers after it (the inputs when disabled); the liquidator must be
    /// owned by `liquidator_owner` (the market's). Cost: the liquidator's
    /// margin after, the account's margin after from its view (about 3 rows
    /// per slot plus one margin from the linear part) and about 60 rows.
    #[allow(clippy::too_many_arguments)]
    fn liquidate(
        &mut self,
        enabled: BoolTarget,
        op: &LiquidateTarget,
        leaves: LiquidateLeaves,
        table: &RiskTableTarget,
        params: &ParamsTarget,
        liquidator_owner: HashOutTarget,
        registers: &InsuranceRegisters,
    ) -> InsuranceRegisters;
}

impl LiquidateGadget for Builder {
    fn liquidate(
        &mut self,
        enabled: BoolTarget,
        op: &LiquidateTarget,
        leaves: LiquidateLeaves,
        table: &RiskTableTarget,
        params: &ParamsTarget,
        liquidator_owner: HashOutTarget,
        registers: &InsuranceRegisters,
    ) -> InsuranceRegisters {
        let [account_before, account_after] = leaves.account;
        let [liquidator_before, liquidator_after] = leaves.liquidator;
        let zero = self.zero();
        // Two distinct existing user accounts.
        let same = self.is_equal(op.account, op.liquidator);
        let distinct = self.not(same);
        self.assert_true_if(enabled, distinct);
        let first_user = self.constant(F::from_canonical_u32(FIRST_USER_ACCOUNT));
        for (index, [before, after]) in [
            (op.account, leaves.account),
            (op.liquidator, leaves.liquidator),
        ] {
            let offset = self.sub(index, first_user);
            self.assert_nonnegative_if(enabled, offset);
            let ownerless = all_zero(self, &before.owner.elements);
            let exists = self.not(ownerless);
            self.assert_true_if(enabled, exists);
            assert_owner_and_nonce_unchanged(self, enabled, before, after);
        }
        // The liquidator is a venue-owned liquidation account.
        for (&owner, &mandate) in liquidator_before
            .owner
            .elements
            .iter()
            .zip(&liquidator_owner.elements)
        {
            self.assert_equal_if(enabled, owner, mandate);
        }
        // 1 <= fraction <= 10^4.
        let fraction = op.fraction_bps;
        let above_zero = self.add_const(fraction, -F::ONE);
        self.assert_nonnegative_if(enabled, above_zero);
        let bps = self.constant(F::from_canonical_u64(BPS));
        let room = self.sub(bps, fraction);
        self.assert_nonnegative_if(enabled, room);
        // Below maintenance; insolvent => full transfer; large => one step at most.
        let view = leaves.view;
        let before = view.margin;
        let liquidatable = self.is_lt(before.equity, before.maintenance, MONEY_BITS);
        self.assert_true_if(enabled, liquidatable);
        let insolvent = self.is_lt(before.equity, zero, MONEY_BITS);
        let check_full = self.and(enabled, insolvent);
        self.assert_equal_if(check_full, fraction, bps);
        let large = self.is_lt(params.small_mm, before.maintenance, MONEY_BITS);
        let solvent = self.not(insolvent);
        let limited = self.and(solvent, large);
        let check_step = self.and(enabled, limited);
        let step_room = self.sub(params.liq_step_bps, fraction);
        self.assert_nonnegative_if(check_step, step_room);
        // dq per slot (truncated toward zero) and the payment at mark.
        let mut moved = Vec::with_capacity(account_before.slots.len());
        let mut payment = zero;
        let mut moved_any = self._false();
        let mut kept = view.portfolio.clone();
        for (slot, row) in account_before.slots.iter().zip(&view.rows) {
            let scaled = self.mul(slot.qty, fraction);
            let (floor, remainder) = self.div_rem_const(scaled, BPS, QTY_BITS + 1);
            let negative = self.is_lt(slot.qty, zero, QTY_BITS + 2);
            let inexact = self.is_nonzero(remainder);
            let round_up = self.and(negative, inexact);
            let dq = self.add(floor, round_up.target);
            payment = self.mul_add(dq, row.mark_per_lot, payment);
            let nonzero = self.is_nonzero(dq);
            moved_any = self.or(moved_any, nonzero);
            kept = self.add_position(&kept, row, dq, -1);
            moved.push(dq);
        }
        self.assert_true_if(enabled, moved_any);
        assert_transfer(self, enabled, &leaves, &moved);
        // Cash: the liquidator pays at mark (checked with its share below).
        let liquidator_paid = self.sub(liquidator_before.cash, payment);
        let account_cash = self.add(account_before.cash, payment);
        // Solvent: the penalty on the released maintenance margin, at most E.
        let after = self.margin_from_risk(&kept, account_after.cash, table, params);
        let released = self.sub(before.maintenance, after.maintenance);
        let released = self.max(released, zero, MONEY_BITS);
        let full_penalty = self.mul_bps_ceil(released, params.penalty_bps);
        let equity = self.mul(solvent.target, before.equity);
        let capped = self.is_lt(equity, full_penalty, MONEY_BITS);
        let penalty = self.select(capped, equity, full_penalty);
        let penalty = self.mul(solvent.target, penalty);
        let share = self.mul_bps_floor(penalty, params.liquidator_share_bps);
        let solvent_cash = self.sub(account_cash, penalty);
        let expected_cash = self.mul(solvent.target, solvent_cash);
        self.assert_equal_if(enabled, account_after.cash, expected_cash);
        // cash - payment + share >= 0 by the written leaf's well-formedness.
        let liquidator_cash = self.add(liquidator_paid, share);
        self.assert_equal_if(enabled, liquidator_after.cash, liquidator_cash);
        let to_fund = self.sub(penalty, share);
        let credited = credit_insurance(self, to_fund, registers);
        let insurance = credited.insurance;
        // Insolvent: the deficit -(cash + payment) to the fund, the rest to bad debt.
        let owed = self.neg(account_cash);
        let deficit = self.mul(check_full.target, owed);
        let covered_whole = self.is_lt(deficit, insurance, MONEY_BITS);
        let covered = self.select(covered_whole, deficit, insurance);
        let insurance = self.sub(insurance, covered);
        let uncovered = self.sub(deficit, covered);
        let bad_debt = self.add(credited.bad_debt, uncovered);
        let cash_max = self.constant(F::from_canonical_u64(CASH_MAX));
        let fund_room = self.sub(cash_max, insurance);
        self.assert_nonnegative_if(enabled, fund_room);
        let debt_max = self.constant(F::from_canonical_u64(BAD_DEBT_MAX));
        let debt_room = self.sub(debt_max, bad_debt);
        self.assert_nonnegative_if(enabled, debt_room);
        // The liquidator ends at initial margin and unflagged.
        let taker = self.margin(liquidator_after, table, params);
        let taker_excess = self.sub(taker.equity, taker.initial);
        self.assert_nonnegative_if(enabled, taker_excess);
        self.assert_equal_if(enabled, liquidator_after.flags, zero);
        // E - MM strictly improves; the flag stays while E < IM.
        let excess_before = self.sub(before.equity, before.maintenance);
        let excess_after = self.sub(after.equity, after.maintenance);
        let gain = self.sub(excess_after, excess_before);
        let gain = self.add_const(gain, -F::ONE);
        self.assert_nonnegative_if(enabled, gain);
        let short = self.is_lt(after.equity, after.initial, MONEY_BITS);
        self.assert_equal_if(enabled, account_after.flags, short.target);
        InsuranceRegisters {
            insurance: self.select(enabled, insurance, registers.insurance),
            bad_debt: self.select(enabled, bad_debt, registers.bad_debt),
        }
    }
}

/// `enabled =>` the account loses `moved[k]` lots of its `k`-th slot's
/// instrument and the liquidator gains them: `P_a' = P_a - D` and
/// `P_l' = P_l + D` at both points of the step's challenge
/// ([`super::PositionChallenge`]). Cost: about 1 row.
fn assert_transfer(
    builder: &mut Builder,
    enabled: BoolTarget,
    leaves: &LiquidateLeaves,
    moved: &[Target],
) {
    let [account_before, account_after] = leaves.account_positions;
    let [liquidator_before, liquidator_after] = leaves.liquidator_positions;
    for k in 0..2 {
        let mut transferred = builder.zero();
        for (&power, &dq) in account_before.slot_powers[k].iter().zip(moved) {
            transferred = builder.mul_add(dq, power, transferred);
        }
        let kept = builder.sub(account_before.value[k], transferred);
        builder.assert_equal_if(enabled, account_after.value[k], kept);
        let gained = builder.add(liquidator_before.value[k], transferred);
        builder.assert_equal_if(enabled, liquidator_after.value[k], gained);
    }
}

/// Assigns a liquidation's fields.
pub fn set_liquidate(
    witness: &mut plonky2::iop::witness::PartialWitness<F>,
    target: &LiquidateTarget,
    op: &crate::rules::ops::Liquidate,
) -> anyhow::Result<()> {
    use plonky2::iop::witness::WitnessWrite;
    witness.set_target(target.account, F::from_canonical_u32(op.account))?;
    witness.set_target(target.liquidator, F::from_canonical_u32(op.liquidator))?;
    witness.set_target(target.fraction_bps, F::from_canonical_u64(op.fraction_bps))
}
