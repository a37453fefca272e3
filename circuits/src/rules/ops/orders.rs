//! Orders: a user's signed limit order rests in one of its account's
//! [`ORDER_SLOTS`] order slots, and trades fill it.
//!
//! - place_order `{account, slot, instrument, qty != 0, limit, expiry,
//!   nonce}`: an existing user account, `slot < ORDER_SLOTS`, `nonce` the
//!   account's, signed by the owner over [`order_message`](crate::rules::authorization::order_message)
//!   for this market (its hash in the message; checked here, once), `|qty| <= Q_MAX`, the instrument listed, `limit
//!   <= P_MAX`, `now < expiry <= TIMESTAMP_MAX`; the slot is free (empty,
//!   or its order expired); the order takes the slot and the nonce counts up.
//! - cancel_order `{account, slot, nonce}`: signed the same way over
//!   [`cancel_message`](crate::rules::authorization::cancel_message); the
//!   slot is emptied whatever it held (a cancel of an order filled in the
//!   meantime still counts its nonce) and the nonce counts up.
//! - A fill ([`fill_order`], inside every trade): the trade names each
//!   side's slot; its order is open, on the trade's side (a buyer's order
//!   buys), in the trade's instrument, unexpired (`now < expiry`), with at
//!   least the traded lots left and a limit the price does not cross (a buy
//!   pays at most its limit, a sell takes at least its own). The lots left
//!   go down by the traded lots; an order filled to zero empties its slot.
//!
//! No order can be used again once filled, cancelled or expired: a slot
//! takes a new order only with a fresh signature, whose nonce the account
//! has never signed before.

use super::{check_signed, check_user_account, CancelOrder, Context, PlaceOrder};
use crate::rules::account::{Account, Order};
use crate::rules::authorization::{Authorization, Message};
use crate::rules::error::Violation;
use crate::rules::units::{ORDER_SLOTS, P_MAX, Q_MAX, TIMESTAMP_MAX};

/// Which side of a trade an account is on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// Buys the traded lots.
    Buy,
    /// Sells them.
    Sell,
}

fn slot_index(account: u32, slot: u32) -> Result<usize, Violation> {
    if slot as usize >= ORDER_SLOTS {
        return Err(Violation::NoSuchOrderSlot { account, slot });
    }
    Ok(slot as usize)
}

/// What placing and cancelling check first: an existing user account, a
/// slot it has, and the owner's signature at the account's nonce. Returns
/// the slot and the account with its nonce counted.
fn signed_slot_operation(
    ctx: &Context,
    account: &Account,
    (index, slot): (u32, u32),
    nonce: u64,
    message: &Message,
    authorization: Option<&Authorization>,
) -> Result<(usize, Account), Violation> {
    check_user_account(ctx, index, account)?;
    let slot = slot_index(index, slot)?;
    let mut after = account.clone();
    after.nonce = check_signed(index, account, nonce, message, authorization)?;
    Ok((slot, after))
}

/// Applies a signed order to `account` (the leaf at `op.account`).
pub fn place_order(
    ctx: &Context,
    op: &PlaceOrder,
    account: &Account,
) -> Result<Account, Violation> {
    let (slot, mut after) = signed_slot_operation(
        ctx,
        account,
        (op.account, op.slot),
        op.nonce,
        &op.message(&ctx.market.hash()),
        op.authorization.as_ref(),
    )?;
    let out_of_range = |reason| Violation::OrderOutOfRange {
        account: op.account,
        slot: op.slot,
        reason,
    };
    if op.qty == 0 || op.qty.abs() > Q_MAX {
        return Err(out_of_range("lots are 0 or beyond Q_MAX"));
    }
    if ctx.market.instrument(op.instrument).is_none() {
        return Err(Violation::UnknownInstrument {
            instrument: op.instrument,
        });
    }
    if op.limit > P_MAX {
        return Err(out_of_range("limit above P_MAX"));
    }
    if op.expiry <= ctx.timestamp || op.expiry > TIMESTAMP_MAX {
        return Err(out_of_range("expiry not after the epoch time"));
    }
    if !account.orders[slot].is_free(ctx.timestamp) {
        return Err(Violation::OrderSlotTaken {
            account: op.account,
            slot: op.slot,
        });
    }
    after.orders[slot] = Order {
        instrument: op.instrument,
        qty: op.qty,
        limit: op.limit,
        expiry: op.expiry,
    };
    Ok(after)
}

/// Applies a signed cancel to `account` (the leaf at `op.account`).
pub fn cancel_order(
    ctx: &Context,
    op: &CancelOrder,
    account: &Account,
) -> Result<Account, Violation> {
    let (slot, mut after) = signed_slot_operation(
        ctx,
        account,
        (op.account, op.slot),
        op.nonce,
        &op.message(&ctx.market.hash()),
        op.authorization.as_ref(),
    )?;
    after.orders[slot] = Order::default();
    Ok(after)
}

/// Fills `qty > 0` lots of `instrument` at `price` against the order in
/// `slot` of `account` (the leaf at `index`) on `side`, at time `now`;
/// returns the account with the order's lots left reduced.
pub fn fill_order(
    index: u32,
    account: &Account,
    slot: u32,
    side: Side,
    (instrument, qty, price): (u32, i64, u64),
    now: u64,
) -> Result<Account, Violation> {
    let at = slot_index(index, slot)?;
    let order = account.orders[at];
    if !order.is_open() {
        return Err(Violation::NoOpenOrder {
            account: index,
            slot,
        });
    }
    let (left, crosses) = match side {
        Side::Buy => (order.qty, price > order.limit),
        Side::Sell => (-order.qty, price < order.limit),
    };
    if left < 0 {
        return Err(Violation::OrderWrongSide {
            account: index,
            slot,
        });
    }
    if order.instrument != instrument {
        return Err(Violation::OrderInstrument {
            account: index,
            slot,
            ordered: order.instrument,
            traded: instrument,
        });
    }
    if now >= order.expiry {
        return Err(Violation::OrderExpired {
            account: index,
            slot,
            expiry: order.expiry,
        });
    }
    if qty > left {
        return Err(Violation::Overfill {
            account: index,
            slot,
            left,
            qty,
        });
    }
    if crosses {
        return Err(Violation::PriceBeyondLimit {
            account: index,
            slot,
            limit: order.limit,
            price,
        });
    }
    let mut after = account.clone();
    let rest = match side {
        Side::Buy => order.qty - qty,
        Side::Sell => order.qty + qty,
    };
    after.orders[at] = if rest == 0 {
        Order::default()
    } else {
        Order { qty: rest, ..order }
    };
    Ok(after)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resting(qty: i64) -> Account {
        let mut account = Account {
            cash: 1,
            ..Account::default()
        };
        account.orders[1] = Order {
            instrument: 2,
            qty,
            limit: 1_000,
            expiry: 50,
        };
        account
    }

    #[test]
    fn partial_fills_count_down_and_the_last_one_empties_the_slot() {
        let a = resting(5);
        let a = fill_order(3, &a, 1, Side::Buy, (2, 2, 900), 10).unwrap();
        assert_eq!(a.orders[1].qty, 3);
        let a = fill_order(3, &a, 1, Side::Buy, (2, 3, 1_000), 10).unwrap();
        assert_eq!(a.orders[1], Order::default());
        assert!(matches!(
            fill_order(3, &a, 1, Side::Buy, (2, 1, 900), 10),
            Err(Violation::NoOpenOrder {
                account: 3,
                slot: 1
            })
        ));
    }

    #[test]
    fn every_bad_fill_is_refused_by_name() {
        let buy = resting(5);
        let sell = resting(-5);
        let fill = |a: &Account, side, terms, now| fill_order(3, a, 1, side, terms, now);
        assert!(matches!(
            fill(&buy, Side::Sell, (2, 1, 1_000), 10),
            Err(Violation::OrderWrongSide { .. })
        ));
        assert!(matches!(
            fill(&buy, Side::Buy, (1, 1, 1_000), 10),
            Err(Violation::OrderInstrument {
                ordered: 2,
                traded: 1,
                ..
            })
        ));
        assert!(matches!(
            fill(&buy, Side::Buy, (2, 1, 1_000), 50),
            Err(Violation::OrderExpired { expiry: 50, .. })
        ));
        assert!(matches!(
            fill(&buy, Side::Buy, (2, 6, 1_000), 10),
            Err(Violation::Overfill {
                left: 5,
                qty: 6,
                ..
            })
        ));
        assert!(matches!(
            fill(&buy, Side::Buy, (2, 1, 1_100), 10),
            Err(Violation::PriceBeyondLimit {
                limit: 1_000,
                price: 1_100,
                ..
            })
        ));
        assert!(matches!(
            fill(&sell, Side::Sell, (2, 1, 900), 10),
            Err(Violation::PriceBeyondLimit { .. })
        ));
        assert!(fill(&sell, Side::Sell, (2, 5, 1_100), 10).is_ok());
        assert!(matches!(
            fill_order(3, &buy, 2, Side::Buy, (2, 1, 1_000), 10),
            Err(Violation::NoSuchOrderSlot { slot: 2, .. })
        ));
    }
}
