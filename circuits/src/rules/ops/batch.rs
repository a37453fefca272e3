//! The batch commitment: every operation as batch items of 8 elements, hashed
//! in a chain. A settlement of `n` holders is `n` items, so the circuit can
//! commit to it one holder at a time.
//!
//! Items, by tag (unused elements are zero, and the circuit constrains them
//! to zero, so a batch hash has exactly one preimage):
//!
//! | tag | item |
//! | --- | --- |
//! | 1 deposit | `[1, account, amount, owner[4], id]` |
//! | 2 withdraw | `[2, account, amount, nonce, 0, 0, 0, 0]` |
//! | 3 trade | `[3, buyer, seller, instrument, qty, price, buyer_order, seller_order]` |
//! | 4 liquidate | `[4, account, liquidator, fraction_bps, 0, 0, 0, 0]` |
//! | 5 settle_expiry holder | `[5, instrument, account, k, n, 0, 0, 0]` |
//! | 6 sweep_fees | `[6, amount, 0, 0, 0, 0, 0, 0]` |
//! | 7 place_order | `[7, account, slot, instrument, qty, limit, expiry, nonce]` |
//! | 8 cancel_order | `[8, account, slot, nonce, 0, 0, 0, 0]` |
//!
//! [`decode_batch`] is the inverse: it reads a sequence of items back into
//! operations, holders of a settlement by the same register rule the circuit
//! applies, and refuses any sequence the circuit cannot prove for reasons of
//! shape alone (an unknown tag, a nonzero unused element, interleaved or
//! unfinished settlements). Anyone holding a proof's items can thus replay
//! exactly the operations it committed to. A signed operation's
//! authorization (key and signature) is a witness, not part of its item:
//! it decodes without one ([`Operation::committed`]); the proof shows the
//! account's owner signed exactly the item's terms.

use plonky2::field::types::{Field, PrimeField64};

use super::settle_expiry::SettlementRegisters;
use super::{
    tag, CancelOrder, Deposit, Liquidate, Operation, PlaceOrder, SettleExpiry, SweepFees, Trade,
    Withdraw,
};
use crate::config::F;
use crate::gadgets::fixed::to_signed;
use crate::rules::encoding::{hash, signed, unsigned, Digest, ZERO_DIGEST};

/// Elements of one batch item (an operation, or one account of a settlement).
pub const BATCH_ITEM_LEN: usize = 8;

/// Elements an item of `tag` uses (its tag included); the rest are zero.
/// Padding (tag 0) uses none: its item is all zero.
pub const fn used_fields(item_tag: u64) -> usize {
    match item_tag {
        tag::DEPOSIT => 8,
        tag::WITHDRAW => 4,
        tag::TRADE => 8,
        tag::LIQUIDATE => 4,
        tag::SETTLE_EXPIRY => 5,
        tag::SWEEP_FEES => 2,
        tag::PLACE_ORDER => 8,
        tag::CANCEL_ORDER => 4,
        _ => 0,
    }
}

fn item(values: &[F]) -> [F; BATCH_ITEM_LEN] {
    let mut out = [F::ZERO; BATCH_ITEM_LEN];
    for (slot, &v) in out.iter_mut().zip(values) {
        *slot = v;
    }
    out
}

impl Operation {
    /// Items of the batch commitment (see the module documentation).
    pub fn batch_items(&self) -> Vec<[F; BATCH_ITEM_LEN]> {
        let u = |v: u64| unsigned(v);
        match self {
            Operation::Deposit(d) => {
                let o = d.owner.elements;
                vec![item(&[
                    u(tag::DEPOSIT),
                    u(d.account.into()),
                    u(d.amount),
                    o[0],
                    o[1],
                    o[2],
                    o[3],
                    u(d.id),
                ])]
            }
            Operation::Withdraw(w) => {
                vec![item(&[
                    u(tag::WITHDRAW),
                    u(w.account.into()),
                    u(w.amount),
                    u(w.nonce),
                ])]
            }
            Operation::Trade(t) => vec![item(&[
                u(tag::TRADE),
                u(t.buyer.into()),
                u(t.seller.into()),
                u(t.instrument.into()),
                signed(t.qty),
                u(t.price),
                u(t.buyer_order.into()),
                u(t.seller_order.into()),
            ])],
            Operation::Liquidate(l) => vec![item(&[
                u(tag::LIQUIDATE),
                u(l.account.into()),
                u(l.liquidator.into()),
                u(l.fraction_bps),
            ])],
            Operation::SettleExpiry(s) => {
                let n = s.accounts.len() as u64;
                s.accounts
                    .iter()
                    .enumerate()
                    .map(|(k, &a)| {
                        item(&[
                            u(tag::SETTLE_EXPIRY),
                            u(s.instrument.into()),
                            u(a.into()),
                            u(k as u64),
                            u(n),
                        ])
                    })
                    .collect()
            }
            Operation::SweepFees(s) => vec![item(&[u(tag::SWEEP_FEES), u(s.amount)])],
            Operation::PlaceOrder(o) => vec![item(&[
                u(tag::PLACE_ORDER),
                u(o.account.into()),
                u(o.slot.into()),
                u(o.instrument.into()),
                crate::rules::encoding::signed(o.qty),
                u(o.limit),
                u(o.expiry),
                u(o.nonce),
            ])],
            Operation::CancelOrder(c) => vec![item(&[
                u(tag::CANCEL_ORDER),
                u(c.account.into()),
                u(c.slot.into()),
                u(c.nonce),
            ])],
        }
    }
}

/// Running batch commitment: `h' = Poseidon(h || item)` over every item of
/// every operation, starting from the zero digest.
pub fn batch_hash(ops: &[Operation]) -> Digest {
    ops.iter()
        .flat_map(Operation::batch_items)
        .fold(ZERO_DIGEST, |h, item| extend_batch_hash(&h, &item))
}

/// One step of the batch commitment.
pub fn extend_batch_hash(h: &Digest, item: &[F; BATCH_ITEM_LEN]) -> Digest {
    let mut input = [F::ZERO; 4 + BATCH_ITEM_LEN];
    input[..4].copy_from_slice(&h.elements);
    input[4..].copy_from_slice(item);
    hash(&input)
}

/// Why a sequence of items is not the batch of any epoch.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("batch item {item}: {reason}")]
pub struct BatchError {
    /// Position of the offending item.
    pub item: usize,
    /// What is wrong.
    pub reason: String,
}

/// Reads batch items back into the operations they commit to; `carry_in`
/// is the settlement in progress before the first item (closed for a whole
/// epoch). Returns the operations and the settlement in progress after the
/// last item: closed at the end of a whole epoch. A settlement still open
/// at the end is returned as its first holders, as far as they go.
pub fn decode_batch(
    items: &[[F; BATCH_ITEM_LEN]],
    carry_in: SettlementRegisters,
) -> Result<(Vec<Operation>, SettlementRegisters), BatchError> {
    let mut ops = Vec::new();
    let mut registers = carry_in;
    let mut open: Option<SettleExpiry> = None;
    for (k, item) in items.iter().enumerate() {
        let fail = |reason: String| BatchError { item: k, reason };
        let value = |i: usize| item[i].to_canonical_u64();
        let small = |i: usize, what: &str| {
            u32::try_from(value(i)).map_err(|_| fail(format!("{what} {} is not a u32", value(i))))
        };
        let item_tag = value(0);
        let used = used_fields(item_tag);
        if used == 0 {
            return Err(fail(format!("unknown tag {item_tag}")));
        }
        if let Some(at) = (used..BATCH_ITEM_LEN).find(|&i| item[i] != F::ZERO) {
            return Err(fail(format!(
                "element {at} of a tag-{item_tag} item is not zero"
            )));
        }
        if item_tag != tag::SETTLE_EXPIRY {
            registers = registers.after_other().map_err(|e| fail(e.to_string()))?;
        }
        let op = match item_tag {
            tag::DEPOSIT => Operation::Deposit(Deposit {
                account: small(1, "account")?,
                amount: value(2),
                owner: Digest {
                    elements: [item[3], item[4], item[5], item[6]],
                },
                id: value(7),
            }),
            tag::WITHDRAW => Operation::Withdraw(Withdraw {
                account: small(1, "account")?,
                amount: value(2),
                nonce: value(3),
                authorization: None,
            }),
            tag::TRADE => Operation::Trade(Trade {
                buyer: small(1, "buyer")?,
                seller: small(2, "seller")?,
                instrument: small(3, "instrument")?,
                qty: i64::try_from(to_signed(item[4]))
                    .map_err(|_| fail("quantity beyond i64".into()))?,
                price: value(5),
                buyer_order: small(6, "buyer order slot")?,
                seller_order: small(7, "seller order slot")?,
            }),
            tag::PLACE_ORDER => Operation::PlaceOrder(PlaceOrder {
                account: small(1, "account")?,
                slot: small(2, "slot")?,
                instrument: small(3, "instrument")?,
                qty: i64::try_from(to_signed(item[4]))
                    .map_err(|_| fail("quantity beyond i64".into()))?,
                limit: value(5),
                expiry: value(6),
                nonce: value(7),
                authorization: None,
            }),
            tag::CANCEL_ORDER => Operation::CancelOrder(CancelOrder {
                account: small(1, "account")?,
                slot: small(2, "slot")?,
                nonce: value(3),
                authorization: None,
            }),
            tag::LIQUIDATE => Operation::Liquidate(Liquidate {
                account: small(1, "account")?,
                liquidator: small(2, "liquidator")?,
                fraction_bps: value(3),
            }),
            tag::SWEEP_FEES => Operation::SweepFees(SweepFees { amount: value(1) }),
            _ => {
                let instrument = small(1, "instrument")?;
                let account = small(2, "account")?;
                // The quantities settled are the leaves', not the items': the
                // balance is the native engine's to check when it replays.
                registers = registers
                    .after_holder(instrument, account.into(), value(3), value(4), 0)
                    .map_err(|e| fail(e.to_string()))?;
                let holders = open.get_or_insert_with(|| SettleExpiry {
                    instrument,
                    accounts: Vec::new(),
                });
                holders.accounts.push(account);
                if !registers.open {
                    ops.extend(open.take().map(Operation::SettleExpiry));
                }
                continue;
            }
        };
        ops.push(op);
    }
    ops.extend(open.map(Operation::SettleExpiry));
    Ok((ops, registers))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::encoding::hash;

    fn ops() -> Vec<Operation> {
        vec![
            Operation::Deposit(Deposit {
                account: 7,
                owner: hash(&[F::ONE]),
                amount: 5,
                id: 3,
            }),
            Operation::SettleExpiry(SettleExpiry {
                instrument: 3,
                accounts: vec![4, 9, 11],
            }),
            Operation::Trade(Trade {
                buyer: 4,
                seller: 9,
                instrument: 1,
                qty: 3,
                price: 100,
                buyer_order: 1,
                seller_order: 0,
            }),
            Operation::PlaceOrder(PlaceOrder {
                account: 4,
                slot: 1,
                instrument: 2,
                qty: -7,
                limit: 300,
                expiry: 1_000,
                nonce: 6,
                authorization: None,
            }),
            Operation::CancelOrder(CancelOrder {
                account: 9,
                slot: 0,
                nonce: 2,
                authorization: None,
            }),
            Operation::Liquidate(Liquidate {
                account: 4,
                liquidator: 9,
                fraction_bps: 2_500,
            }),
            Operation::Withdraw(Withdraw {
                account: 9,
                amount: 1,
                nonce: 4,
                authorization: None,
            }),
            Operation::SweepFees(SweepFees { amount: 8 }),
        ]
    }

    fn items(ops: &[Operation]) -> Vec<[F; BATCH_ITEM_LEN]> {
        ops.iter().flat_map(Operation::batch_items).collect()
    }

    #[test]
    fn items_decode_back_to_their_operations() {
        let ops = ops();
        let items = items(&ops);
        assert_eq!(items.len(), 10, "a settlement of three is three items");
        for item in &items {
            let used = used_fields(item[0].to_canonical_u64());
            assert!(item[used..].iter().all(|x| *x == F::ZERO));
        }
        assert_eq!(
            decode_batch(&items, SettlementRegisters::CLOSED),
            Ok((ops, SettlementRegisters::CLOSED))
        );
    }

    #[test]
    fn malformed_batches_do_not_decode() {
        let items = items(&ops());
        let fails = |items: &[[F; BATCH_ITEM_LEN]], at: usize| {
            let error = decode_batch(items, SettlementRegisters::CLOSED).unwrap_err();
            assert_eq!(error.item, at, "{error}");
        };
        // (A deposit uses every element, its id last; a withdrawal four.)
        let mut unused = items.clone();
        unused[8][7] = F::ONE;
        fails(&unused, 8);
        let mut unknown = items.clone();
        unknown[5][0] = F::from_canonical_u64(9);
        fails(&unknown, 5);
        // A settlement interrupted, restarted, abandoned or out of turn.
        let mut interrupted = items.clone();
        interrupted.swap(2, 4);
        fails(&interrupted, 2);
        let mut out_of_turn = items.clone();
        out_of_turn.swap(2, 3);
        fails(&out_of_turn, 2);
        let mut restarted = items.clone();
        restarted[2][3] = F::ZERO;
        fails(&restarted, 2);
        let mut other_instrument = items.clone();
        other_instrument[3][1] = F::from_canonical_u64(5);
        fails(&other_instrument, 3);
        // Cut mid-settlement: the rest is returned open.
        let (ops, carry) = decode_batch(&items[..3], SettlementRegisters::CLOSED).unwrap();
        assert!(carry.open);
        assert_eq!(carry.next, 2);
        assert_eq!(ops.len(), 2);
    }
}
