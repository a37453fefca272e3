//! A trade `{buyer, seller, instrument, qty > 0, price}` in the circuit
//! (mirrors `rules/ops/trade.rs`): the terms both sides share (instrument
//! listed and live, price on the tick and in the band, notional and fee,
//! the instrument's risk row) are checked once per step
//! ([`TradeGadget::trade_terms`]), then each side updates one account leaf
//! ([`TradeGadget::trade_side`]); the fee account is a chunk register.
//!
//! The position change is checked without shifting slots: both leaves are
//! canonical (distinct instruments, filled slots first), so their contents
//! are fixed by the polynomial `P(X) = sum q_k X^(id_k)`, and
//! `P_after = P_before + delta X^t` is checked at the step's two
//! challenges ([`PositionChallenge`], hashed from the item and every leaf).
//! A ninth instrument or a position beyond Q_MAX has no canonical leaf and
//! cannot be proven. The margin before is the step's view of the leaf; the
//! margin after moves the view by the one instrument that changes.

use plonky2::field::types::Field;
use plonky2::iop::target::{BoolTarget, Target};

use super::{
    all_zero, assert_owner_and_nonce_unchanged, assert_position_change, old_quantity, GatedGadget,
    PositionChallenge, PositionPolynomial,
};
use crate::config::F;
use crate::gadgets::account::AccountTarget;
use crate::gadgets::fixed::FixedGadget;
use crate::gadgets::margin::{AccountView, MarginGadget};
use crate::gadgets::market::MarketTarget;
use crate::gadgets::oracle::PricesTarget;
use crate::gadgets::risk::{RiskGadget, RiskRowTarget, RiskTableTarget, PRICE_BITS};
use crate::gadgets::Builder;
use crate::rules::units::{BPS, FIRST_USER_ACCOUNT, P_MAX, Q_MAX, Q_SCALE, TICK};

/// Bits of a trade's fee per side: `ceil(qty * per_unit / Q_SCALE)` with
/// `qty < 2^19` and `per_unit <= 2^40` is below 2^52.4.
pub const FEE_BITS: usize = 53;

/// The fields of a trade.
#[derive(Clone, Copy, Debug)]
pub struct TradeTarget {
    /// Buying account.
    pub buyer: Target,
    /// Selling account.
    pub seller: Target,
    /// Instrument id.
    pub instrument: Target,
    /// Lots.
    pub qty: Target,
    /// Price.
    pub price: Target,
    /// The buyer's order slot.
    pub buyer_order: Target,
    /// The seller's order slot.
    pub seller_order: Target,
}

/// What both sides of a trade share.
#[derive(Clone, Debug)]
pub struct TradeTerms {
    /// `qty * price / Q_SCALE`, the cash the buyer pays the seller.
    pub notional: Target,
    /// The fee each side pays.
    pub fee: Target,
    /// The instrument's risk row.
    pub row: RiskRowTarget,
}

/// One side's leaf, as the step sees it.
#[derive(Clone, Copy)]
pub struct TradeLeaf<'a> {
    /// The account before.
    pub before: &'a AccountTarget,
    /// The account after.
    pub after: &'a AccountTarget,
    /// The step's view of `before`.
    pub view: &'a AccountView,
    /// Position polynomials of `before` and `after`.
    pub positions: [&'a PositionPolynomial; 2],
}

/// The trade gadget.
pub trait TradeGadget {
    /// Checks the terms of a trade at epoch time `now` (when `enabled`) and
    /// returns what both sides share. Cost: about 20 rows.
    fn trade_terms(
        &mut self,
        enabled: BoolTarget,
        op: &TradeTarget,
        now: Target,
        market: &MarketTarget,
        prices: &PricesTarget,
        table: &RiskTableTarget,
    ) -> TradeTerms;

    /// Constrains one side (`is_buyer` a constant of the step) of a trade.
    /// Cost: one margin from the view's linear part (about 45 rows on the
    /// default market) plus about 25 rows.
    #[allow(clippy::too_many_arguments)]
    fn trade_side(
        &mut self,
        enabled: BoolTarget,
        is_buyer: bool,
        op: &TradeTarget,
        terms: &TradeTerms,
        leaf: TradeLeaf,
        challenge: &PositionChallenge,
        table: &RiskTableTarget,
        market: &MarketTarget,
    );
}

impl TradeGadget for Builder {
    fn trade_terms(
        &mut self,
        enabled: BoolTarget,
        op: &TradeTarget,
        now: Target,
        market: &MarketTarget,
        prices: &PricesTarget,
        table: &RiskTableTarget,
    ) -> TradeTerms {
        // Distinct accounts.
        let same = self.is_equal(op.buyer, op.seller);
        let distinct = self.not(same);
        self.assert_true_if(enabled, distinct);
        // 1 <= qty <= Q_MAX; instrument listed; not expired.
        let qty_low = self.add_const(op.qty, -F::ONE);
        self.assert_nonnegative_if(enabled, qty_low);
        let q_max = self.constant(F::from_canonical_u64(Q_MAX as u64));
        let qty_high = self.sub(q_max, op.qty);
        self.assert_nonnegative_if(enabled, qty_high);
        let last = self.constant(F::from_canonical_usize(market.instruments.len() - 1));
        let listed = self.sub(last, op.instrument);
        self.assert_nonnegative_if(enabled, listed);
        self.assert_nonnegative_if(enabled, op.instrument);
        let expiries: Vec<Target> = market.instruments.iter().map(|i| i.expiry).collect();
        let expiry = self.random_access(op.instrument, expiries);
        let time_left = self.sub(expiry, now);
        let time_left = self.add_const(time_left, -F::ONE);
        self.assert_nonnegative_if(enabled, time_left);
        // Price on the tick, at most P_MAX, within band_bps * S of the mark.
        let gated_price = self.mul(enabled.target, op.price);
        let price_ticks = self.exact_div_const(gated_price, TICK, PRICE_BITS);
        let p_max = self.constant(F::from_canonical_u64(P_MAX));
        let price_room = self.sub(p_max, op.price);
        self.assert_nonnegative_if(enabled, price_room);
        let mark = self.random_access(op.instrument, prices.mark.clone());
        let underlyings: Vec<Target> = market.instruments.iter().map(|i| i.underlying).collect();
        let underlying = self.random_access(op.instrument, underlyings);
        let spot = self.random_access(underlying, prices.spot.clone());
        let band = self.mul(market.params.band_bps, spot);
        let gap = self.sub(op.price, mark);
        let scaled_gap = self.mul_const(F::from_canonical_u64(BPS), gap);
        let above = self.sub(band, scaled_gap);
        let below = self.add(band, scaled_gap);
        self.assert_nonnegative_if(enabled, above);
        self.assert_nonnegative_if(enabled, below);
        // Cash: notional and fee.
        let notional = self.mul(op.qty, price_ticks);
        let spot_rate = self.mul(spot, market.params.fee_bps);
        let spot_fee = self.ceil_div_const(spot_rate, BPS, PRICE_BITS);
        let price_rate = self.mul(op.price, market.params.fee_cap_bps);
        let price_fee = self.ceil_div_const(price_rate, BPS, PRICE_BITS);
        let spot_lower = self.is_lt(spot_fee, price_fee, PRICE_BITS + 1);
        let per_unit = self.select(spot_lower, spot_fee, price_fee);
        let fee_total = self.mul(op.qty, per_unit);
        // qty < 2^19 lots times a per-unit fee <= S * fee_bps / 10^4 <= 2^40
        // is below 2^59: the fee per Q_SCALE is below 2^52.4 (and a 53-bit
        // quotient keeps the division unique).
        let fee = self.ceil_div_const(fee_total, Q_SCALE, FEE_BITS);
        TradeTerms {
            notional,
            fee,
            row: self.risk_row(table, op.instrument),
        }
    }

    fn trade_side(
        &mut self,
        enabled: BoolTarget,
        is_buyer: bool,
        op: &TradeTarget,
        terms: &TradeTerms,
        leaf: TradeLeaf,
        challenge: &PositionChallenge,
        table: &RiskTableTarget,
        market: &MarketTarget,
    ) {
        let TradeLeaf {
            before,
            after,
            view,
            positions,
        } = leaf;
        let me = if is_buyer { op.buyer } else { op.seller };
        // An existing user account.
        let first_user = self.constant(F::from_canonical_u32(FIRST_USER_ACCOUNT));
        let user_offset = self.sub(me, first_user);
        self.assert_nonnegative_if(enabled, user_offset);
        let ownerless = all_zero(self, &before.owner.elements);
        let exists = self.not(ownerless);
        self.assert_true_if(enabled, exists);
        // Cash: notional and fee.
        let flow = if is_buyer {
            self.neg(terms.notional)
        } else {
            terms.notional
        };
        let cash = self.add(before.cash, flow);
        let cash = self.sub(cash, terms.fee);
        self.assert_equal_if(enabled, after.cash, cash);
        // Owner and nonce unchanged; positions: P_after = P_before + delta X^t.
        assert_owner_and_nonce_unchanged(self, enabled, before, after);
        let delta = if is_buyer { op.qty } else { self.neg(op.qty) };
        assert_position_change(
            self,
            enabled,
            challenge,
            positions[0],
            positions[1],
            op.instrument,
            delta,
        );
        // Margin: after meets IM, or the trade only reduces and E - MM does not fall.
        let q_old = old_quantity(self, before, op.instrument);
        let q_new = self.add(q_old, delta);
        let without = self.add_position(&view.portfolio, &terms.row, q_old, -1);
        let with = self.add_position(&without, &terms.row, q_new, 1);
        let margin_before = &view.margin;
        let margin_after = self.margin_from_risk(&with, after.cash, table, &market.params);
        let short_of_initial = self.is_lt(margin_after.equity, margin_after.initial, 61);
        let meets = self.not(short_of_initial);
        // Reducing: the buyer stays <= 0 (was short), the seller stays >= 0 (was long).
        let zero = self.zero();
        let reduces = if is_buyer {
            self.is_lt(q_new, zero, 21)
        } else {
            self.is_lt(zero, q_new, 21)
        };
        let closes = self.is_equal(q_new, zero);
        let reduces = self.or(reduces, closes);
        let was_open = self.is_nonzero(q_old);
        let reduces = self.and(reduces, was_open);
        let excess_before = self.sub(margin_before.equity, margin_before.maintenance);
        let excess_after = self.sub(margin_after.equity, margin_after.maintenance);
        let worsens = self.is_lt(excess_after, excess_before, 61);
        let holds = self.not(worsens);
        let reduce_ok = self.and(reduces, holds);
        let allowed = self.or(meets, reduce_ok);
        self.assert_true_if(enabled, allowed);
        // Meeting IM clears the liquidation flag; otherwise flags stay.
        let short = self.not(meets);
        let flags = self.mul(before.flags, short.target);
        self.assert_equal_if(enabled, after.flags, flags);
    }
}

/// Assigns a trade's fields.
pub fn set_trade(
    witness: &mut plonky2::iop::witness::PartialWitness<F>,
    target: &TradeTarget,
    op: &crate::rules::ops::Trade,
) -> anyhow::Result<()> {
    use plonky2::iop::witness::WitnessWrite;
    witness.set_target(target.buyer, F::from_canonical_u32(op.buyer))?;
    witness.set_target(target.seller, F::from_canonical_u32(op.seller))?;
    witness.set_target(target.instrument, F::from_canonical_u32(op.instrument))?;
    witness.set_target(target.qty, crate::rules::encoding::signed(op.qty))?;
    witness.set_target(target.price, F::from_canonical_u64(op.price))?;
    witness.set_target(target.buyer_order, F::from_canonical_u32(op.buyer_order))?;
    witness.set_target(target.seller_order, F::from_canonical_u32(op.seller_order))
}
