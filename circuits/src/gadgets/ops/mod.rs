//! The operations in the circuit (mirrors `rules/ops/`).
//!
//! Every operation gadget takes an `enabled` bit and gates each of its
//! constraints by it, so a chunk's step can carry any operation (or none)
//! while leaves it does not touch stay as they are. Leaves written are
//! always checked well formed, enabled or not (a disabled step writes the
//! leaf it read, which is well formed by induction).

mod deposit;
mod liquidate;
mod orders;
mod settle_expiry;
mod sweep_fees;
mod trade;
mod withdraw;

pub use deposit::{set_deposit, DepositGadget, DepositTarget};
pub use liquidate::{set_liquidate, LiquidateGadget, LiquidateLeaves, LiquidateTarget};
pub(crate) use orders::connect_orders;
pub use orders::{
    fill_rows, CancelOrderTarget, FillTerms, OrderGadget, OrderSlots, PlaceOrderTarget,
};
pub use settle_expiry::{SettleExpiryGadget, SettleRegisters, SettleTarget};
pub use sweep_fees::{SweepFeesGadget, SweepFeesTarget};
pub use trade::{set_trade, TradeGadget, TradeLeaf, TradeTarget, TradeTerms};
pub use withdraw::{set_withdraw, WithdrawGadget, WithdrawTarget};

use plonky2::iop::target::{BoolTarget, Target};

use super::account::AccountTarget;
use super::fixed::FixedGadget;
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

/// The system balances an operation moves: the insurance fund's cash and
/// the outstanding bad debt.
#[derive(Clone, Copy, Debug)]
pub struct InsuranceRegisters {
    /// Insurance fund cash.
    pub insurance: Target,
    /// Outstanding bad debt.
    pub bad_debt: Target,
}

/// A credit of `amount` to the insurance fund (mirrors
/// `rules::ops::credit_insurance`): `repaid = min(amount, bad_debt)` repays
/// bad debt, the rest stays in the fund. Needs `0 <= amount, bad_debt <=
/// 2^60`; the fund's bound is its written leaf's. Cost: about 1 row.
pub(crate) fn credit_insurance(
    builder: &mut Builder,
    amount: Target,
    funds: &InsuranceRegisters,
) -> InsuranceRegisters {
    let lt = builder.is_lt(amount, funds.bad_debt, 61);
    let repaid = builder.select(lt, amount, funds.bad_debt);
    let kept = builder.sub(amount, repaid);
    InsuranceRegisters {
        insurance: builder.add(funds.insurance, kept),
        bad_debt: builder.sub(funds.bad_debt, repaid),
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

/// `enabled =>` `after` keeps the owner and the withdrawal nonce of
/// `before` (every operation but a deposit, which names the owner, and a
/// withdrawal, which counts the nonce).
pub(crate) fn assert_owner_and_nonce_unchanged(
    builder: &mut Builder,
    enabled: BoolTarget,
    before: &super::account::AccountTarget,
    after: &super::account::AccountTarget,
) {
    for k in 0..4 {
        builder.assert_equal_if(enabled, after.owner.elements[k], before.owner.elements[k]);
    }
    builder.assert_equal_if(enabled, after.nonce, before.nonce);
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

/// The step's Fiat-Shamir challenge for position identities: two points
/// `x` hashed from the step's batch item and every account leaf hash (before
/// and after) of its ports, with the tables `[1, x, .., x^63]`. Every
/// operation of the step checks its identity at these points; the prover
/// fixes the leaves and the item before it learns them, and a false identity
/// of degree < 64 survives both with probability below 2^-116 per attempt.
pub struct PositionChallenge {
    powers: [Vec<Target>; 2],
}

/// A leaf's position polynomial `P(x) = sum q_k x^(id_k)` at both points of
/// the step's challenge, with each slot's power `x^(id_k)`.
pub struct PositionPolynomial {
    /// `x^(id_k)` per point, in slot order.
    pub slot_powers: [Vec<Target>; 2],
    /// `P(x)` per point.
    pub value: [Target; 2],
}

impl PositionChallenge {
    /// The challenge of `seed` (the item and the port leaves). Cost: the
    /// hash (1 row per 8 elements) and about 6 rows of powers.
    pub fn new(builder: &mut Builder, seed: Vec<Target>) -> Self {
        use super::encoding::EncodingGadget;
        let challenge = builder.hash(seed);
        Self {
            powers: [0, 1].map(|k| powers(builder, challenge.elements[k])),
        }
    }

    /// `x^instrument` at both points. Cost: 2 rows.
    pub fn power(&self, builder: &mut Builder, instrument: Target) -> [Target; 2] {
        [0, 1].map(|k| builder.random_access(instrument, self.powers[k].clone()))
    }

    /// The position polynomial of `account`. Cost: 2 rows per slot.
    pub fn polynomial(&self, builder: &mut Builder, account: &AccountTarget) -> PositionPolynomial {
        let slot_powers: [Vec<Target>; 2] = [0, 1].map(|k| {
            account
                .slots
                .iter()
                .map(|slot| builder.random_access(slot.instrument, self.powers[k].clone()))
                .collect()
        });
        let value = [0, 1].map(|k| {
            let mut sum = builder.zero();
            for (slot, &power) in account.slots.iter().zip(&slot_powers[k]) {
                sum = builder.mul_add(slot.qty, power, sum);
            }
            sum
        });
        PositionPolynomial { slot_powers, value }
    }
}

/// `[1, x, x^2, ..., x^63]`.
fn powers(builder: &mut Builder, x: Target) -> Vec<Target> {
    let mut out = vec![builder.one()];
    for k in 1..64 {
        let next = builder.mul(out[k - 1], x);
        out.push(next);
    }
    out
}

/// `enabled =>` the positions after are those before with `delta` lots
/// added in `instrument`: `P_after(x) = P_before(x) + delta x^t` at both
/// points of the step's challenge. Both leaves are canonical, so the
/// identity fixes the contents. Cost: 2 rows.
pub(crate) fn assert_position_change(
    builder: &mut Builder,
    enabled: BoolTarget,
    challenge: &PositionChallenge,
    before: &PositionPolynomial,
    after: &PositionPolynomial,
    instrument: Target,
    delta: Target,
) {
    let x_t = challenge.power(builder, instrument);
    for ((&x_t, &before), &after) in x_t.iter().zip(&before.value).zip(&after.value) {
        let expected = builder.mul_add(delta, x_t, before);
        builder.assert_equal_if(enabled, after, expected);
    }
}

/// The lots of `instrument` held in an account (0 if none): instruments of
/// filled slots are distinct and an empty slot holds 0 lots, so the sum of
/// the quantities of the slots naming `instrument` is its position. Cost:
/// 2 rows per slot.
pub(crate) fn old_quantity(
    builder: &mut Builder,
    account: &AccountTarget,
    instrument: Target,
) -> Target {
    let mut sum = builder.zero();
    for slot in &account.slots {
        let here = builder.is_equal(slot.instrument, instrument);
        sum = builder.mul_add(here.target, slot.qty, sum);
    }
    sum
}
