//! Orders against an operator that builds the batch and every leaf itself:
//! it may name any slot, lots or price in a trade, place or cancel without
//! the owner, replay an order, or write order slots the operations did not
//! compute. Only fills within open orders of the right accounts and sides,
//! at prices within their limits and before their expiry, and orders signed
//! by their owners prove; whatever proves replays natively to the same roots.

use zksettle_circuits::rules::account::Order;
use zksettle_circuits::rules::authorization::{Authorization, Message};
use zksettle_circuits::rules::ecgfp5::SecretKey;
use zksettle_circuits::rules::encoding::Digest;
use zksettle_circuits::rules::ops::Operation;
use zksettle_circuits::rules::units::TICK;
use zksettle_circuits::rules::{Epoch, Market};
use zksettle_fixtures::builder::op::{cancel, deposit, fill, place};
use zksettle_fixtures::builder::*;
use zksettle_prover::ledger::Ledger;

use super::common::{circuit, small};
use crate::support::adversary::{items_of, users_sign, Adversary, Item, LeafTamper, Signer};

const MARK: u64 = MARKS[0];

/// A buy (qty > 0) or sell order of the 60,000 call at the mark, good for
/// an hour.
fn resting(qty: i64) -> Order {
    Order {
        instrument: 0,
        qty,
        limit: MARK,
        expiry: NOW + 3_600,
    }
}

/// Accounts 3 and 4, rich and flat; 3 rests `buy` in slot 0 and 4 rests
/// `sell` in slot 1.
fn setup(buy: Order, sell: Order) -> (Market, Ledger, Epoch) {
    let market = small(&market());
    let mut users = vec![
        account(3, 1_000_000 * USD, &[]),
        account(4, 1_000_000 * USD, &[]),
    ];
    users[0].orders[0] = buy;
    users[1].orders[1] = sell;
    let ledger = Ledger::from_state(market.clone(), &state(users)).unwrap();
    let epoch = epoch(&market, ledger.root(), vec![]);
    (market, ledger, epoch)
}

fn book() -> (Order, Order) {
    (resting(5), resting(-50))
}

/// Whether `items` prove over the book `(buy, sell)` with `signer` at the
/// desk and `tampers` on the written leaves (asserting the replay property
/// either way).
fn proves_with(
    (buy, sell): (Order, Order),
    signer: Signer,
    items: &[Item],
    tampers: &[LeafTamper],
    what: &str,
) -> bool {
    let (_, ledger, epoch) = setup(buy, sell);
    let mut adversary = Adversary::new(&ledger, &epoch);
    adversary.signer = signer;
    let attempt = adversary.attempt(&circuit(ledger.market()), items, tampers);
    let proved = adversary.assert_replay(items, &attempt, what);
    eprintln!("{what}: {attempt:?}");
    proved
}

fn proves(book: (Order, Order), items: &[Item], what: &str) -> bool {
    proves_with(book, users_sign, items, &[], what)
}

/// A trade of `qty` lots at `price`, 3 buying from 4, naming slots
/// `(buyer's, seller's)`.
fn trade(qty: i64, price: u64, slots: (u32, u32)) -> Item {
    items_of(&[fill(3, 4, 0, qty, price, slots)])[0]
}

/// The item of an order or cancel numbered `nonce` (the adversary's
/// signer signs it at the desk).
fn signed_op(op: Operation, nonce: u64) -> Item {
    let op = match op {
        Operation::PlaceOrder(mut o) => {
            o.nonce = nonce;
            Operation::PlaceOrder(o)
        }
        Operation::CancelOrder(mut c) => {
            c.nonce = nonce;
            Operation::CancelOrder(c)
        }
        other => other,
    };
    items_of(&[op])[0]
}

fn operator_signs(_: u32, _: &Digest, message: &Message) -> Option<Authorization> {
    let key = SecretKey::from_decimal("987654321").unwrap();
    Some(Authorization::sign(&key, message))
}

fn nobody_signs(_: u32, _: &Digest, _: &Message) -> Option<Authorization> {
    None
}

/// The owner's signature of the order with one more lot (one it saw).
fn signature_of_another_order(
    account: u32,
    owner: &Digest,
    message: &Message,
) -> Option<Authorization> {
    use plonky2::field::types::Field;
    let mut other = *message;
    other[4] += zksettle_circuits::config::F::ONE;
    users_sign(account, owner, &other)
}

#[test]
fn fills_within_open_orders_prove_and_replay() {
    assert!(proves(book(), &[trade(3, MARK, (0, 1))], "a partial fill"));
    assert!(proves(
        book(),
        &[trade(2, MARK, (0, 1)), trade(3, MARK, (0, 1))],
        "partial fills adding up to the buy order"
    ));
    let empty = Order::default();
    let placed = [
        signed_op(place(3, 1, 0, 10, MARK, NOW + 60), 0),
        signed_op(place(4, 0, 0, -10, MARK, NOW + 60), 0),
        trade(10, MARK, (1, 0)),
    ];
    assert!(proves(
        (empty, empty),
        &placed,
        "orders placed, then filled"
    ));
}

#[test]
fn no_bad_fill_proves() {
    let over = [trade(6, MARK, (0, 1))];
    assert!(!proves(book(), &over, "6 lots against 5 left"));
    let twice = [trade(5, MARK, (0, 1)), trade(1, MARK, (0, 1))];
    assert!(!proves(book(), &twice, "a filled order filled again"));
    let above = [trade(1, MARK + TICK, (0, 1))];
    assert!(!proves(book(), &above, "above the buyer's limit"));
    let below_seller = (
        resting(5),
        Order {
            limit: MARK + TICK,
            ..resting(-50)
        },
    );
    assert!(!proves(
        below_seller,
        &[trade(1, MARK, (0, 1))],
        "below the seller's limit"
    ));
    let expired = (
        Order {
            expiry: NOW,
            ..resting(5)
        },
        resting(-50),
    );
    assert!(!proves(
        expired,
        &[trade(1, MARK, (0, 1))],
        "an expired order"
    ));
    let wrong_side = (resting(-5), resting(-50));
    assert!(!proves(
        wrong_side,
        &[trade(1, MARK, (0, 1))],
        "the buyer's sell order"
    ));
    let other_instrument = (
        Order {
            instrument: 1,
            ..resting(5)
        },
        resting(-50),
    );
    assert!(!proves(
        other_instrument,
        &[trade(1, MARK, (0, 1))],
        "an order in another instrument"
    ));
    assert!(!proves(
        book(),
        &[trade(1, MARK, (1, 1))],
        "the buyer's empty slot (the seller's order sits in its own slot 1)"
    ));
    assert!(!proves(book(), &[trade(1, MARK, (2, 1))], "slot 2"));
    let cancelled = [signed_op(cancel(3, 0), 0), trade(1, MARK, (0, 1))];
    assert!(!proves(book(), &cancelled, "a cancelled order"));
}

#[test]
fn only_owners_place_and_cancel_and_never_twice() {
    let empty = (Order::default(), Order::default());
    let order = [signed_op(place(3, 0, 0, 5, MARK, NOW + 60), 0)];
    assert!(proves(empty, &order, "the owner's order"));
    assert!(!proves_with(
        empty,
        nobody_signs,
        &order,
        &[],
        "no signature"
    ));
    assert!(!proves_with(
        empty,
        operator_signs,
        &order,
        &[],
        "the operator's key"
    ));
    assert!(!proves_with(
        empty,
        signature_of_another_order,
        &order,
        &[],
        "the signature of another order"
    ));
    let replayed = [order[0], signed_op(place(3, 1, 0, 5, MARK, NOW + 60), 0)];
    assert!(!proves(empty, &replayed, "the same nonce twice"));
    let ahead = [signed_op(place(3, 0, 0, 5, MARK, NOW + 60), 1)];
    assert!(!proves(empty, &ahead, "a nonce ahead of the leaf's"));
    let taken = [signed_op(place(3, 0, 0, 5, MARK, NOW + 60), 0)];
    assert!(!proves(book(), &taken, "a slot holding an open order"));
    let stale = [signed_op(place(3, 0, 0, 5, MARK, NOW), 0)];
    assert!(!proves(empty, &stale, "an order expiring now"));
    let zero = [signed_op(place(3, 0, 0, 0, MARK, NOW + 60), 0)];
    assert!(!proves(empty, &zero, "zero lots"));
    let cancel_unsigned = [signed_op(cancel(3, 0), 0)];
    assert!(proves(book(), &cancel_unsigned, "the owner's cancel"));
    assert!(!proves_with(
        book(),
        nobody_signs,
        &cancel_unsigned,
        &[],
        "an unsigned cancel"
    ));
}

#[test]
fn written_order_slots_are_the_computed_ones() {
    // A fill that does not count the order down, or counts it wrong.
    let fill = [trade(3, MARK, (0, 1))];
    for (write, slot, field, delta, what) in [
        (0, 0, 1, 3, "the buyer's order not counted down"),
        (1, 1, 1, 1, "the seller's counted one lot less"),
        (0, 0, 2, 100, "the buyer's limit raised"),
        (1, 1, 3, 60, "the seller's expiry moved"),
        (0, 1, 1, 7, "an order conjured in the buyer's other slot"),
    ] {
        let tamper = LeafTamper::Order {
            item: 0,
            write,
            slot,
            field,
            delta,
        };
        assert!(
            !proves_with(book(), users_sign, &fill, &[tamper], what),
            "{what}"
        );
    }
    // Operations that do not touch orders carry them unchanged.
    let topped = [items_of(&[deposit(3, USD)])[0]];
    let tamper = LeafTamper::Order {
        item: 0,
        write: 0,
        slot: 0,
        field: 1,
        delta: 10,
    };
    assert!(!proves_with(
        book(),
        users_sign,
        &topped,
        &[tamper],
        "a deposit adding lots"
    ));
    // A placed order written with other terms than the signed ones.
    let empty = (Order::default(), Order::default());
    let order = [signed_op(place(3, 0, 0, 5, MARK, NOW + 60), 0)];
    for (field, what) in [
        (1, "more lots"),
        (2, "another limit"),
        (3, "a later expiry"),
    ] {
        let tamper = LeafTamper::Order {
            item: 0,
            write: 0,
            slot: 0,
            field,
            delta: 1,
        };
        assert!(
            !proves_with(empty, users_sign, &order, &[tamper], what),
            "{what}"
        );
    }
}
