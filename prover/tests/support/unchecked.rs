//! A batch item's leaf writes computed with none of the rules: the
//! arithmetic each operation's gadget constrains (cash flows, position
//! changes, fees, penalties, deficits, flags), applied to whatever the item
//! says, on the leaves as written so far. This is the witness an operator
//! who ignores the rule book would hand the circuit; `None` only where no
//! leaf can hold the result (negative cash, a ninth position, a position
//! beyond Q_MAX) or the item names nothing the market has.

use plonky2::field::types::PrimeField64;
use zksettle_circuits::config::F;
use zksettle_circuits::gadgets::fixed::to_signed;
use zksettle_circuits::rules::account::Order;
use zksettle_circuits::rules::fixed::{mul_bps_ceil, mul_bps_floor, mul_bps_trunc};
use zksettle_circuits::rules::ops::{
    absorb_deficit, credit_insurance, tag, trade_fee, BATCH_ITEM_LEN,
};
use zksettle_circuits::rules::units::{FEE_ACCOUNT, INSURANCE_FUND, Q_SCALE};
use zksettle_circuits::rules::{Account, Context};

use super::tree::{Tree, Write};

/// The writes of `item` on `tree`'s current leaves, unchecked.
pub fn writes(ctx: &Context, tree: &Tree, item: &[F; BATCH_ITEM_LEN]) -> Option<Vec<Write>> {
    let value = |k: usize| item[k].to_canonical_u64();
    let index = |k: usize| u32::try_from(value(k)).ok();
    match value(0) {
        tag::DEPOSIT => {
            let account = index(1)?;
            let amount = value(2);
            let mut after = tree.account(account);
            after.owner.elements = [item[3], item[4], item[5], item[6]];
            let repaid = if account == INSURANCE_FUND {
                amount.min(tree.bad_debt())
            } else {
                0
            };
            after.cash = after.cash.checked_add(amount.checked_sub(repaid)?)?;
            Some(vec![
                Write::Account(account, after),
                Write::Global(tree.bad_debt() - repaid),
            ])
        }
        tag::WITHDRAW => {
            let account = index(1)?;
            let mut after = tree.account(account);
            after.cash = after.cash.checked_sub(value(2))?;
            if account != FEE_ACCOUNT {
                after.nonce += 1;
            }
            Some(vec![
                Write::Account(account, after),
                Write::Global(tree.bad_debt()),
            ])
        }
        tag::TRADE => trade(ctx, tree, item),
        tag::PLACE_ORDER => {
            let account = index(1)?;
            let mut after = tree.account(account);
            *after.orders.get_mut(usize::try_from(value(2)).ok()?)? = Order {
                instrument: index(3)?,
                qty: i64::try_from(to_signed(item[4])).ok()?,
                limit: value(5),
                expiry: value(6),
            };
            after.nonce += 1;
            Some(vec![Write::Account(account, after)])
        }
        tag::CANCEL_ORDER => {
            let account = index(1)?;
            let mut after = tree.account(account);
            *after.orders.get_mut(usize::try_from(value(2)).ok()?)? = Order::default();
            after.nonce += 1;
            Some(vec![Write::Account(account, after)])
        }
        tag::LIQUIDATE => liquidate(ctx, tree, index(1)?, index(2)?, value(3)),
        tag::SETTLE_EXPIRY => settle_holder(ctx, tree, index(1)?, index(2)?),
        tag::SWEEP_FEES => {
            let amount = value(1);
            let mut fees = tree.account(FEE_ACCOUNT);
            fees.cash = fees.cash.checked_sub(amount)?;
            let mut insurance = tree.account(INSURANCE_FUND);
            let (cash, debt) = credit_insurance(amount, insurance.cash, tree.bad_debt()).ok()?;
            insurance.cash = cash;
            Some(vec![
                Write::Account(FEE_ACCOUNT, fees),
                Write::Account(INSURANCE_FUND, insurance),
                Write::Global(debt),
            ])
        }
        _ => None,
    }
}

/// One side of a trade: the position change and the cash flow; meeting
/// initial margin clears the liquidation flag (left alone beside an unlisted
/// instrument, which has no risk row).
fn side(
    ctx: &Context,
    before: &Account,
    instrument: u32,
    delta: i64,
    flow: i128,
) -> Option<Account> {
    let mut after = before.clone();
    after
        .set_qty(instrument, before.qty(instrument) + delta)
        .ok()?;
    after.cash = u64::try_from(i128::from(before.cash) + flow).ok()?;
    let listed = |i: u32| ctx.market.instrument(i).is_some();
    let risked = after.positions.iter().all(|p| listed(p.instrument));
    if listed(instrument) && risked && ctx.margin(&after).meets_initial() {
        after.set_under_liquidation(false);
    }
    Some(after)
}

/// A fill's arithmetic on the order in `slot`: its lots left move by
/// `delta`, and a slot reaching zero is emptied.
fn fill(account: &mut Account, slot: u64, delta: i64) -> Option<()> {
    let order = account.orders.get_mut(usize::try_from(slot).ok()?)?;
    let rest = order.qty.checked_add(delta)?;
    *order = if rest == 0 {
        Order::default()
    } else {
        Order {
            qty: rest,
            ..*order
        }
    };
    Some(())
}

fn trade(ctx: &Context, tree: &Tree, item: &[F; BATCH_ITEM_LEN]) -> Option<Vec<Write>> {
    let value = |k: usize| item[k].to_canonical_u64();
    let (buyer, seller) = (u32::try_from(value(1)).ok()?, u32::try_from(value(2)).ok()?);
    let instrument = u32::try_from(value(3)).ok()?;
    let qty = i64::try_from(to_signed(item[4])).ok()?;
    let price = value(5);
    // An unlisted instrument has no spot: its fee is computed at spot 0.
    let spot = ctx
        .market
        .instrument(instrument)
        .map_or(0, |i| ctx.prices.spot[i.underlying as usize]);
    let params = &ctx.market.params;
    let notional = i128::from(qty) * i128::from(price / Q_SCALE);
    let fee = trade_fee(qty, price, spot, params.fee_bps, params.fee_cap_bps);
    let mut buyer_after = side(ctx, &tree.account(buyer), instrument, qty, -notional - fee)?;
    fill(&mut buyer_after, value(6), -qty)?;
    // The seller side reads the leaf as the buyer side left it (a self-trade).
    let seller_before = if seller == buyer {
        buyer_after.clone()
    } else {
        tree.account(seller)
    };
    let mut seller_after = side(ctx, &seller_before, instrument, -qty, notional - fee)?;
    fill(&mut seller_after, value(7), qty)?;
    // The fee account's port reads the leaf as the sides left it.
    let mut fees = [(seller, &seller_after), (buyer, &buyer_after)]
        .into_iter()
        .find(|(index, _)| *index == FEE_ACCOUNT)
        .map_or_else(|| tree.account(FEE_ACCOUNT), |(_, a)| a.clone());
    fees.cash = u64::try_from(i128::from(fees.cash) + 2 * fee).ok()?;
    Some(vec![
        Write::Account(buyer, buyer_after),
        Write::Account(seller, seller_after),
        Write::Account(FEE_ACCOUNT, fees),
    ])
}

fn liquidate(
    ctx: &Context,
    tree: &Tree,
    account: u32,
    liquidator: u32,
    fraction_bps: u64,
) -> Option<Vec<Write>> {
    let a_before = tree.account(account);
    let l_before = tree.account(liquidator);
    let mut insurance = tree.account(INSURANCE_FUND);
    let before = ctx.margin(&a_before);
    let (mut a, mut l) = (a_before.clone(), l_before.clone());
    let mut payment = 0i128;
    for p in &a_before.positions {
        let dq = mul_bps_trunc(p.qty.into(), fraction_bps) as i64;
        let row = ctx.risk.instruments.get(p.instrument as usize)?;
        payment += i128::from(dq) * i128::from(row.mark_per_lot);
        a.set_qty(p.instrument, p.qty - dq).ok()?;
        l.set_qty(p.instrument, l.qty(p.instrument) + dq).ok()?;
    }
    // The liquidator's cash is representable once it has its share.
    let liquidator_paid = i128::from(l_before.cash) - payment;
    let mut share = 0;
    let account_cash = i128::from(a_before.cash) + payment;
    let bad_debt;
    if before.equity < 0 {
        let deficit = u64::try_from((-account_cash).max(0)).ok()?;
        let (fund, debt) = absorb_deficit(deficit, insurance.cash, tree.bad_debt()).ok()?;
        insurance.cash = fund;
        bad_debt = debt;
        a.cash = 0;
    } else {
        let maintenance_after = ctx.margin(&a).maintenance;
        let released = i128::from((before.maintenance - maintenance_after).max(0));
        let penalty =
            mul_bps_ceil(released, ctx.market.params.penalty_bps).min(i128::from(before.equity));
        a.cash = u64::try_from(account_cash - penalty).ok()?;
        share = mul_bps_floor(penalty, ctx.market.params.liquidator_share_bps);
        let to_fund = u64::try_from(penalty - share).ok()?;
        let (fund, debt) = credit_insurance(to_fund, insurance.cash, tree.bad_debt()).ok()?;
        insurance.cash = fund;
        bad_debt = debt;
    }
    l.cash = u64::try_from(liquidator_paid + share).ok()?;
    l.set_under_liquidation(false);
    let short = !ctx.margin(&a).meets_initial();
    a.set_under_liquidation(short);
    Some(vec![
        Write::Account(account, a),
        Write::Account(liquidator, l),
        Write::Account(INSURANCE_FUND, insurance),
        Write::Global(bad_debt),
    ])
}

fn settle_holder(ctx: &Context, tree: &Tree, instrument: u32, holder: u32) -> Option<Vec<Write>> {
    let listed = ctx.market.instrument(instrument)?;
    let price = ctx.prices.settlement[instrument as usize].unwrap_or(0);
    let per_lot = i128::from(listed.intrinsic(price) / Q_SCALE);
    let account = tree.account(holder);
    let mut insurance = tree.account(INSURANCE_FUND);
    let qty = account.qty(instrument);
    let mut after = account.clone();
    after.set_qty(instrument, 0).ok()?;
    if after.positions.is_empty() {
        after.set_under_liquidation(false);
    }
    let cash = i128::from(account.cash) + i128::from(qty) * per_lot;
    let mut bad_debt = tree.bad_debt();
    if cash < 0 {
        let (fund, debt) =
            absorb_deficit(u64::try_from(-cash).ok()?, insurance.cash, bad_debt).ok()?;
        insurance.cash = fund;
        bad_debt = debt;
        after.cash = 0;
    } else {
        after.cash = u64::try_from(cash).ok()?;
    }
    Some(vec![
        Write::Account(holder, after),
        Write::Account(INSURANCE_FUND, insurance),
        Write::Global(bad_debt),
    ])
}
