//! Orders in the circuit (mirrors `rules/ops/orders.rs`): placing a signed
//! order into a slot, cancelling it, and filling it inside a trade.
//!
//! The step computes every written leaf's order slots from the leaf it read
//! through these transitions (kept by every other operation), and connects
//! them to the leaf written; each transition writes a canonical slot (an
//! emptied one all zero), so the well-formedness of written leaves need not
//! re-check them. With two slots, a slot index is one bit: `enabled =>`
//! `slot` is 0 or 1.
//!
//! - place: the slot is free (no lots left, or `expiry <= now`); the item's
//!   terms are in range (`qty != 0`, `|qty| <= Q_MAX`, the instrument
//!   listed, `limit <= P_MAX`, `now < expiry <= TIMESTAMP_MAX`) and become
//!   the slot; the leaf's nonce is the item's and counts up; owner, cash,
//!   flags and positions are kept. The step checks the signature (the
//!   signer hashes to the owner, the desk verifies the order's message).
//! - cancel: the slot is emptied; nonce and the rest as for place.
//! - fill (each side of a trade): the slot's instrument is the trade's, it
//!   has at least the traded lots left on the side's sign (a buyer's order
//!   `qty - traded >= 0`, a seller's `-qty - traded >= 0`: so it is open and
//!   on the right side), `now < expiry`, and the price does not cross the
//!   limit; the lots left move towards zero by the traded lots, and a slot
//!   reaching zero is emptied.

use plonky2::field::types::Field;
use plonky2::iop::target::{BoolTarget, Target};

use super::{assert_positions_and_flags_unchanged, GatedGadget};
use crate::config::F;
use crate::gadgets::account::{AccountTarget, OrderTarget};
use crate::gadgets::fixed::FixedGadget;
use crate::gadgets::market::MarketTarget;
use crate::gadgets::Builder;
use crate::rules::ops::Side;
use crate::rules::units::{ORDER_SLOTS, P_MAX, Q_MAX, TIMESTAMP_MAX};

const _: () = assert!(ORDER_SLOTS == 2, "a slot index is one bit");

/// The order slots of an account.
pub type OrderSlots = [OrderTarget; ORDER_SLOTS];

/// The fields of a place_order item.
#[derive(Clone, Copy, Debug)]
pub struct PlaceOrderTarget {
    /// Order slot.
    pub slot: Target,
    /// The order's terms as the slot holds them.
    pub order: OrderTarget,
    /// The account's nonce before.
    pub nonce: Target,
}

/// The fields of a cancel_order item.
#[derive(Clone, Copy, Debug)]
pub struct CancelOrderTarget {
    /// Order slot.
    pub slot: Target,
    /// The account's nonce before.
    pub nonce: Target,
}

/// The terms of a trade a fill checks.
#[derive(Clone, Copy, Debug)]
pub struct FillTerms {
    /// Instrument id.
    pub instrument: Target,
    /// Lots traded, in `[1, Q_MAX]` (checked by the trade).
    pub qty: Target,
    /// Price, in `[0, P_MAX]` (checked by the trade).
    pub price: Target,
    /// The epoch time.
    pub now: Target,
}

/// Order gadgets.
pub trait OrderGadget {
    /// `enabled =>` fills `terms` against the order in `slot` of `orders`
    /// on `side`; returns the slots after (unchanged when disabled). Cost:
    /// about 4 rows.
    fn fill_order(
        &mut self,
        enabled: BoolTarget,
        side: Side,
        orders: &OrderSlots,
        slot: Target,
        terms: &FillTerms,
    ) -> OrderSlots;

    /// `enabled =>` `after` is `before` with the order placed and the nonce
    /// counted; returns `orders` (the slots so far) with the order placed
    /// when enabled. Cost: about 6 rows.
    #[allow(clippy::too_many_arguments)]
    fn place_order(
        &mut self,
        enabled: BoolTarget,
        op: &PlaceOrderTarget,
        orders: &OrderSlots,
        before: &AccountTarget,
        after: &AccountTarget,
        now: Target,
        market: &MarketTarget,
    ) -> OrderSlots;

    /// `enabled =>` `after` is `before` with the slot emptied and the nonce
    /// counted; returns `orders` (the slots so far) with the slot emptied
    /// when enabled. Cost: about 1 row.
    fn cancel_order(
        &mut self,
        enabled: BoolTarget,
        op: &CancelOrderTarget,
        orders: &OrderSlots,
        before: &AccountTarget,
        after: &AccountTarget,
    ) -> OrderSlots;
}

/// `enabled =>` `slot` is 0 or 1; returns it as the slot's bit (boolean
/// only when enabled, and only ever used gated by `enabled`).
fn slot_bit(builder: &mut Builder, enabled: BoolTarget, slot: Target) -> Target {
    let off = builder.mul_sub(slot, slot, slot);
    let zero = builder.zero();
    builder.assert_equal_if(enabled, off, zero);
    slot
}

/// The order in the slot of `bit`.
fn selected(builder: &mut Builder, orders: &OrderSlots, bit: Target) -> OrderTarget {
    let [first, second] = orders.map(|o| o.fields());
    OrderTarget::from_fields(std::array::from_fn(|k| {
        let diff = builder.sub(second[k], first[k]);
        builder.mul_add(bit, diff, first[k])
    }))
}

/// `orders` with the slot of `bit` replaced by `new` when `enabled`.
fn replaced(
    builder: &mut Builder,
    orders: &OrderSlots,
    enabled: BoolTarget,
    bit: Target,
    new: [Target; 4],
) -> OrderSlots {
    let second = builder.mul(enabled.target, bit);
    let first = builder.sub(enabled.target, second);
    let picks = [first, second];
    std::array::from_fn(|s| {
        let old = orders[s].fields();
        OrderTarget::from_fields(std::array::from_fn(|k| {
            let diff = builder.sub(new[k], old[k]);
            builder.mul_add(picks[s], diff, old[k])
        }))
    })
}

/// `enabled =>` the leaf after keeps owner, cash, flags and positions,
/// `nonce` is the leaf's and the nonce counts up (bounded by the written
/// leaf's well-formedness).
fn assert_counts_nonce(
    builder: &mut Builder,
    enabled: BoolTarget,
    nonce: Target,
    before: &AccountTarget,
    after: &AccountTarget,
) {
    for k in 0..4 {
        builder.assert_equal_if(enabled, after.owner.elements[k], before.owner.elements[k]);
    }
    builder.assert_equal_if(enabled, after.cash, before.cash);
    assert_positions_and_flags_unchanged(builder, enabled, before, after);
    builder.assert_equal_if(enabled, nonce, before.nonce);
    let counted = builder.add_const(before.nonce, F::ONE);
    builder.assert_equal_if(enabled, after.nonce, counted);
}

impl OrderGadget for Builder {
    fn fill_order(
        &mut self,
        enabled: BoolTarget,
        side: Side,
        orders: &OrderSlots,
        slot: Target,
        terms: &FillTerms,
    ) -> OrderSlots {
        let bit = slot_bit(self, enabled, slot);
        let order = selected(self, orders, bit);
        self.assert_equal_if(enabled, order.instrument, terms.instrument);
        // The lots left after the fill, signed as the order's; on the side's
        // sign they are not negative (so the order was open, on this side,
        // with the traded lots left); the price does not cross the limit.
        let (rest, left_after, room) = match side {
            Side::Buy => {
                let rest = self.sub(order.qty, terms.qty);
                (rest, rest, self.sub(order.limit, terms.price))
            }
            Side::Sell => {
                let rest = self.add(order.qty, terms.qty);
                (rest, self.neg(rest), self.sub(terms.price, order.limit))
            }
        };
        self.assert_nonnegative_if(enabled, left_after);
        self.assert_nonnegative_if(enabled, room);
        let time_left = self.sub(order.expiry, terms.now);
        let time_left = self.add_const(time_left, -F::ONE);
        self.assert_nonnegative_if(enabled, time_left);
        let zero = self.zero();
        let filled = self.is_equal(rest, zero);
        let open = self.not(filled);
        let keep = |b: &mut Builder, x: Target| b.mul(open.target, x);
        let new = [
            keep(self, order.instrument),
            rest,
            keep(self, order.limit),
            keep(self, order.expiry),
        ];
        replaced(self, orders, enabled, bit, new)
    }

    fn place_order(
        &mut self,
        enabled: BoolTarget,
        op: &PlaceOrderTarget,
        orders: &OrderSlots,
        before: &AccountTarget,
        after: &AccountTarget,
        now: Target,
        market: &MarketTarget,
    ) -> OrderSlots {
        let bit = slot_bit(self, enabled, op.slot);
        assert_counts_nonce(self, enabled, op.nonce, before, after);
        // The slot is free: no lots left, or expired (expiry <= now).
        let resting = selected(self, &before.orders, bit);
        let zero = self.zero();
        let empty = self.is_equal(resting.qty, zero);
        // Both times are below 2^40.
        let live = self.is_lt(now, resting.expiry, 41);
        let expired = self.not(live);
        let free = self.or(empty, expired);
        self.assert_true_if(enabled, free);
        // The terms: 0 < |qty| <= Q_MAX, instrument listed, limit <= P_MAX,
        // now < expiry <= TIMESTAMP_MAX.
        let o = &op.order;
        let one = self.one();
        let nonzero = self.select(enabled, o.qty, one);
        let _ = self.inverse(nonzero);
        let q_max = F::from_canonical_u64(Q_MAX as u64);
        let above = self.add_const(o.qty, q_max);
        self.assert_nonnegative_if(enabled, above);
        let q_max = self.constant(q_max);
        let below = self.sub(q_max, o.qty);
        self.assert_nonnegative_if(enabled, below);
        let last = self.constant(F::from_canonical_usize(market.instruments.len() - 1));
        let listed = self.sub(last, o.instrument);
        self.assert_nonnegative_if(enabled, listed);
        self.assert_nonnegative_if(enabled, o.instrument);
        let p_max = self.constant(F::from_canonical_u64(P_MAX));
        let limit_room = self.sub(p_max, o.limit);
        self.assert_nonnegative_if(enabled, limit_room);
        self.assert_nonnegative_if(enabled, o.limit);
        let time_left = self.sub(o.expiry, now);
        let time_left = self.add_const(time_left, -F::ONE);
        self.assert_nonnegative_if(enabled, time_left);
        let t_max = self.constant(F::from_canonical_u64(TIMESTAMP_MAX));
        let expiry_room = self.sub(t_max, o.expiry);
        self.assert_nonnegative_if(enabled, expiry_room);
        replaced(self, orders, enabled, bit, o.fields())
    }

    fn cancel_order(
        &mut self,
        enabled: BoolTarget,
        op: &CancelOrderTarget,
        orders: &OrderSlots,
        before: &AccountTarget,
        after: &AccountTarget,
    ) -> OrderSlots {
        let bit = slot_bit(self, enabled, op.slot);
        assert_counts_nonce(self, enabled, op.nonce, before, after);
        let zero = self.zero();
        replaced(self, orders, enabled, bit, [zero; 4])
    }
}

/// `after`'s order slots are `orders` (every port, every step).
pub(crate) fn connect_orders(builder: &mut Builder, after: &AccountTarget, orders: &OrderSlots) {
    for (written, computed) in after.orders.iter().zip(orders) {
        for (a, b) in written.fields().iter().zip(computed.fields()) {
            builder.connect(*a, b);
        }
    }
}

/// Rows a trade spends on its two fills: both sides' [`OrderGadget::fill_order`]
/// and the order slots' share of the trade's four leaf hashes (one
/// Poseidon row each: the slots add 8 elements to a 24-element leaf).
pub fn fill_rows() -> usize {
    use plonky2::plonk::circuit_data::CircuitConfig;
    let mut builder = Builder::new(CircuitConfig::standard_recursion_config());
    let mut slots = || -> OrderSlots {
        [(); ORDER_SLOTS]
            .map(|_| OrderTarget::from_fields([(); 4].map(|_| builder.add_virtual_target())))
    };
    let (buyer, seller) = (slots(), slots());
    let terms = FillTerms {
        instrument: builder.add_virtual_target(),
        qty: builder.add_virtual_target(),
        price: builder.add_virtual_target(),
        now: builder.add_virtual_target(),
    };
    let (enabled, b_slot, s_slot) = (
        builder.add_virtual_bool_target_safe(),
        builder.add_virtual_target(),
        builder.add_virtual_target(),
    );
    let before = builder.num_gates();
    builder.fill_order(enabled, Side::Buy, &buyer, b_slot, &terms);
    builder.fill_order(enabled, Side::Sell, &seller, s_slot, &terms);
    builder.num_gates() - before + 4
}
