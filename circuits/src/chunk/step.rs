//! One step of a chunk: a batch item selects the operation (by its tag), the
//! two account ports `A, B` apply its user-account leaf updates in the
//! ledger's order, the system registers (`super::system`: insurance fund,
//! fee account, bad debt) take its system balances, and every operation
//! gadget runs gated by its tag bit, so any mix of operations fits any
//! chunk. Padding (tag 0) touches nothing. What the
//! operations read in common is built once per step: a view of each account
//! port (`MarginGadget::account_view`: the leaf's risk rows, linear part and
//! margin) and one position challenge hashed from the item and every
//! account leaf, with the position polynomials of those leaves.
//!
//! The item is pinned whole: its tag is one of the supported ones, and every
//! element the tag does not use (`rules::ops::batch`) is zero, padding's
//! item entirely so; a batch hash therefore has exactly one preimage. The
//! settlement registers thread through every step: an operation other than
//! a settlement holder needs none open, a holder opens, continues or closes
//! one (`SettleExpiryGadget`), padding passes them on.

use plonky2::field::types::Field;
use plonky2::hash::hash_types::HashOutTarget;
use plonky2::iop::target::{BoolTarget, Target};
use plonky2::iop::witness::{PartialWitness, WitnessWrite};

use super::system::{
    assert_balances_in_range, assert_is_system_account, SystemRegisters, SystemTargets,
};
use super::witness::{PortWitness, StepWitness};
use super::{ChunkError, OpKinds};
use crate::config::F;
use crate::gadgets::account::{set_account, AccountGadget, AccountTarget, OrderTarget};
use crate::gadgets::authorization::{AuthorizationGadget, SignedTarget};
use crate::gadgets::custody::{CustodyGadget, TransfersTarget};
use crate::gadgets::ecgfp5::field::{Gfp5Gadget, Gfp5Target};
use crate::gadgets::encoding::EncodingGadget;
use crate::gadgets::fixed::FixedGadget;
use crate::gadgets::margin::MarginGadget;
use crate::gadgets::market::MarketTarget;
use crate::gadgets::merkle::MerkleGadget;
use crate::gadgets::ops::{
    connect_orders, CancelOrderTarget, DepositGadget, DepositTarget, FillTerms, GatedGadget,
    InsuranceRegisters, LiquidateGadget, LiquidateLeaves, LiquidateTarget, OrderGadget,
    PlaceOrderTarget, PositionChallenge, SettleExpiryGadget, SettleRegisters, SettleTarget,
    SweepFeesGadget, SweepFeesTarget, TradeGadget, TradeLeaf, TradeTarget, WithdrawGadget,
    WithdrawTarget,
};
use crate::gadgets::oracle::PricesTarget;
use crate::gadgets::risk::RiskTableTarget;
use crate::gadgets::Builder;
use crate::rules::account::Account;
use crate::rules::authorization::{FIELDS_AT, MARKET_HASH_AT, MESSAGE_LEN};
use crate::rules::encoding::{unsigned, ZERO_DIGEST};
use crate::rules::ops::{tag, used_fields, Side, BATCH_ITEM_LEN};
use crate::rules::units::FIRST_USER_ACCOUNT;
use zksettle_verifier::domain::{CANCEL, ORDER, WITHDRAWAL};

// A signed message is the domain tag, the market hash and an item's fields
// after its tag.
const _: () = assert!(MESSAGE_LEN - FIELDS_AT == BATCH_ITEM_LEN - 1);

/// What every step reads: the market, the median prices, the risk arrays,
/// the epoch time and the system leaves as the chunk found them.
pub(crate) struct StepContext<'a> {
    pub market: &'a MarketTarget,
    pub prices: &'a PricesTarget,
    pub table: &'a RiskTableTarget,
    pub now: Target,
    pub system: &'a SystemTargets,
}

/// The registers a step reads and writes.
#[derive(Clone, Copy)]
pub(crate) struct StepState {
    pub root: HashOutTarget,
    pub batch: HashOutTarget,
    pub settlement: SettleRegisters,
    pub system: SystemRegisters,
    pub op_count: Target,
    /// The signature queue: (key, message) of every signed operation so
    /// far, for the chunk's desk (`gadgets::authorization`).
    pub signatures: HashOutTarget,
    /// The epoch's deposit and withdrawal logs and totals so far.
    pub transfers: TransfersTarget,
}

/// An account leaf port: index bits, the leaf before and after, the path.
struct AccountPort {
    bits: Vec<BoolTarget>,
    index: Target,
    before: AccountTarget,
    after: AccountTarget,
    siblings: Vec<HashOutTarget>,
    leaves: [HashOutTarget; 2],
}

/// The targets of one step.
pub(crate) struct StepTargets {
    item: Vec<Target>,
    a: AccountPort,
    b: Option<AccountPort>,
    /// The key of a signed operation (layouts with withdrawals or orders).
    signer: Option<Gfp5Target>,
}

fn add_account_port(builder: &mut Builder, depth: usize) -> AccountPort {
    let bits: Vec<BoolTarget> = (0..depth)
        .map(|_| builder.add_virtual_bool_target_safe())
        .collect();
    let index = builder.le_sum(bits.iter());
    let before = builder.add_virtual_account();
    let after = builder.add_virtual_account();
    builder.assert_well_formed(&after);
    let leaves = [
        builder.account_leaf_hash(&before),
        builder.account_leaf_hash(&after),
    ];
    AccountPort {
        bits,
        index,
        before,
        after,
        siblings: (0..depth).map(|_| builder.add_virtual_hash()).collect(),
        leaves,
    }
}

/// `used =>` the old leaf sits at the path under `root`; returns the root
/// with the new leaf when used, `root` otherwise. Cost: 2 rows per level.
fn apply_port(
    builder: &mut Builder,
    used: BoolTarget,
    root: HashOutTarget,
    leaves: [HashOutTarget; 2],
    bits: &[BoolTarget],
    siblings: &[HashOutTarget],
) -> HashOutTarget {
    let old_root = builder.root_from_path(leaves[0], bits, siblings);
    for k in 0..4 {
        builder.assert_equal_if(used, old_root.elements[k], root.elements[k]);
    }
    let new_root = builder.root_from_path(leaves[1], bits, siblings);
    HashOutTarget {
        elements: std::array::from_fn(|k| {
            builder.select(used, new_root.elements[k], root.elements[k])
        }),
    }
}

/// `enabled =>` the fields of `item` from `from` on, zero otherwise (so a
/// disabled gadget reads in-range values).
fn gated(builder: &mut Builder, enabled: BoolTarget, item: &[Target], from: usize) -> Vec<Target> {
    item[from..]
        .iter()
        .map(|&x| builder.mul(enabled.target, x))
        .collect()
}

/// Adds one step supporting the operation types `kinds`. Cost: the gadgets
/// of those types plus the leaf ports they use (2 rows per level each).
pub(crate) fn add_step(
    builder: &mut Builder,
    ctx: &StepContext,
    kinds: OpKinds,
    state: StepState,
) -> (StepTargets, StepState) {
    let depth = ctx.market.shape.tree_depth;
    let item = builder.add_virtual_targets(BATCH_ITEM_LEN);
    // One-hot tag over padding and the supported operations.
    let tags: Vec<BoolTarget> = (0..=tag::LAST)
        .map(|t| {
            if t == 0 || kinds.contains(t) {
                let t = builder.constant(F::from_canonical_u64(t));
                builder.is_equal(item[0], t)
            } else {
                builder._false()
            }
        })
        .collect();
    let one_hot = builder.add_many(tags.iter().map(|t| t.target));
    let one = builder.one();
    builder.connect(one_hot, one);
    let padding = tags[0];
    let is = |t: u64| tags[t as usize];
    let any = |b: &mut Builder, ts: &[u64]| {
        BoolTarget::new_unsafe(b.add_many(ts.iter().map(|&t| tags[t as usize].target)))
    };
    let has_any = |ts: &[u64]| ts.iter().any(|&t| kinds.contains(t));
    assert_unused_fields_zero(builder, &item, &tags);
    let b_users = [tag::TRADE, tag::LIQUIDATE];
    let first_user = builder.constant(F::from_canonical_u32(FIRST_USER_ACCOUNT));

    // Deposits to the insurance fund and withdrawals from the fee account
    // move a system register: port A then carries that system account (its
    // leaf as the chunk found it, the register's cash) and writes no leaf.
    let registers = state.system;
    let zero = builder.zero();
    let one = builder.one();
    let to_fund = kinds.contains(tag::DEPOSIT).then(|| {
        let is_fund = builder.is_equal(item[1], zero);
        builder.and(is(tag::DEPOSIT), is_fund)
    });
    let from_fees = kinds.contains(tag::WITHDRAW).then(|| {
        let is_fees = builder.is_equal(item[1], one);
        builder.and(is(tag::WITHDRAW), is_fees)
    });
    let mut on_system = vec![is(tag::SWEEP_FEES).target];
    on_system.extend(to_fund.iter().chain(&from_fees).map(|b| b.target));
    let on_system = builder.add_many(on_system);

    // Ports, bound to the item's accounts: A is the item's first account
    // (a settlement's holder). Every port that writes a leaf writes a user
    // account's (index >= FIRST_USER_ACCOUNT): the system leaves are
    // registers.
    let not_padding = builder.not(padding);
    let used_a = BoolTarget::new_unsafe(builder.sub(not_padding.target, on_system));
    let a = add_account_port(builder, depth);
    let holder_shift = builder.sub(item[2], item[1]);
    let a_index = builder.mul_add(is(tag::SETTLE_EXPIRY).target, holder_shift, item[1]);
    builder.assert_equal_if(used_a, a.index, a_index);
    let a_offset = builder.sub(a.index, first_user);
    builder.assert_nonnegative_if(used_a, a_offset);
    if let Some(to_fund) = to_fund {
        let fund = &ctx.system.insurance;
        assert_is_system_account(builder, to_fund, &a.before, fund, registers.insurance);
        // The fund keeps its owner (the write-back keeps every field but cash).
        for k in 0..4 {
            builder.assert_equal_if(to_fund, a.after.owner.elements[k], fund.owner.elements[k]);
        }
    }
    if let Some(from_fees) = from_fees {
        let fees = &ctx.system.fees;
        assert_is_system_account(builder, from_fees, &a.before, fees, registers.fees);
    }
    let b = has_any(&b_users).then(|| {
        let port = add_account_port(builder, depth);
        let used = any(builder, &b_users);
        builder.assert_equal_if(used, port.index, item[2]);
        let offset = builder.sub(port.index, first_user);
        builder.assert_nonnegative_if(used, offset);
        (port, used)
    });
    let mut system = registers;
    let mut transfers = state.transfers;

    // What the operations share: one view per account port (its margin,
    // built once) and one position challenge bound to the item and every
    // account leaf, with the position polynomials of those leaves.
    let params = &ctx.market.params;
    let view_a = has_any(&[tag::TRADE, tag::WITHDRAW, tag::LIQUIDATE])
        .then(|| builder.account_view(&a.before, ctx.table, params));
    let view_b = match (&b, kinds.contains(tag::TRADE)) {
        (Some((port, _)), true) => Some(builder.account_view(&port.before, ctx.table, params)),
        _ => None,
    };
    let challenge = has_any(&[tag::TRADE, tag::LIQUIDATE, tag::SETTLE_EXPIRY]).then(|| {
        let mut seed = item.clone();
        let ports = std::iter::once(&a).chain(b.as_ref().map(|(port, _)| port));
        for port in ports {
            seed.extend(port.leaves.iter().flat_map(|leaf| leaf.elements));
        }
        PositionChallenge::new(builder, seed)
    });
    let polynomials = |builder: &mut Builder, port: &AccountPort| {
        challenge.as_ref().map(|c| {
            [
                c.polynomial(builder, &port.before),
                c.polynomial(builder, &port.after),
            ]
        })
    };
    let a_positions = polynomials(builder, &a);
    let b_positions = match &b {
        Some((port, _)) if has_any(&[tag::TRADE, tag::LIQUIDATE]) => polynomials(builder, port),
        _ => None,
    };

    // The operations. Each moves the system registers only when enabled.
    if kinds.contains(tag::DEPOSIT) {
        let enabled = is(tag::DEPOSIT);
        let f = gated(builder, enabled, &item, 1);
        let op = DepositTarget {
            account: f[0],
            amount: f[1],
            owner: HashOutTarget {
                elements: [f[2], f[3], f[4], f[5]],
            },
        };
        let debt = builder.deposit(enabled, &op, &a.before, &a.after, system.bad_debt);
        system.bad_debt = builder.select(enabled, debt, system.bad_debt);
        // The custodian's deposit id is the next of the history, and the
        // deposit enters the epoch's deposit log (`gadgets::custody`).
        let id = f[6];
        builder.assert_equal_if(enabled, id, system.deposits);
        system.deposits = builder.add(system.deposits, enabled.target);
        transfers = builder.credit_deposit(
            enabled,
            &transfers,
            std::array::from_fn(|k| f[k]),
            op.amount,
        );
        if let Some(to_fund) = to_fund {
            system.insurance = builder.select(to_fund, a.after.cash, system.insurance);
        }
    }
    if let (Some(view), Some(from_fees)) = (&view_a, from_fees) {
        let enabled = is(tag::WITHDRAW);
        let f = gated(builder, enabled, &item, 1);
        let op = WithdrawTarget {
            account: f[0],
            amount: f[1],
            nonce: f[2],
        };
        builder.withdraw(
            enabled,
            from_fees,
            &op,
            &a.before,
            &a.after,
            view,
            system.bad_debt,
        );
        // The withdrawal enters the epoch's withdrawal log with the owner
        // the custodian pays.
        let o = a.before.owner.elements;
        transfers = builder.debit_withdrawal(
            enabled,
            &transfers,
            [op.account, op.amount, op.nonce, o[0], o[1], o[2], o[3]],
            op.amount,
        );
        system.fees = builder.select(from_fees, a.after.cash, system.fees);
    }
    // Every port's order slots after, from its slots before (kept unless
    // an operation below moves them).
    let mut a_orders = a.before.orders;
    let mut b_orders = b.as_ref().map(|(port, _)| port.before.orders);
    if kinds.contains(tag::PLACE_ORDER) {
        let enabled = is(tag::PLACE_ORDER);
        let f = gated(builder, enabled, &item, 1);
        let op = PlaceOrderTarget {
            slot: f[1],
            order: OrderTarget::from_fields([f[2], f[3], f[4], f[5]]),
            nonce: f[6],
        };
        a_orders = builder.place_order(
            enabled, &op, &a_orders, &a.before, &a.after, ctx.now, ctx.market,
        );
    }
    if kinds.contains(tag::CANCEL_ORDER) {
        let enabled = is(tag::CANCEL_ORDER);
        let f = gated(builder, enabled, &item, 1);
        let op = CancelOrderTarget {
            slot: f[1],
            nonce: f[2],
        };
        a_orders = builder.cancel_order(enabled, &op, &a_orders, &a.before, &a.after);
    }
    // A user's signed operation (withdrawal from a user account, order,
    // cancel): the step's key hashes to port A's owner, and (key, message)
    // joins the signature queue the desk verifies. The message is the
    // operation's domain, the market hash the chunk states (never a free
    // witness: a signature for another market does not verify), then the
    // item's fields after its tag (the item's unused elements are zero, as
    // the message's).
    let mut signatures = state.signatures;
    let signer = has_any(&[tag::WITHDRAW, tag::PLACE_ORDER, tag::CANCEL_ORDER]).then(|| {
        let mut signed = Vec::new();
        let mut domain = builder.zero();
        for (t, d, bit) in [
            (
                tag::WITHDRAW,
                WITHDRAWAL,
                from_fees.map(|fees| builder.not(fees)),
            ),
            (tag::PLACE_ORDER, ORDER, None),
            (tag::CANCEL_ORDER, CANCEL, None),
        ] {
            if kinds.contains(t) {
                let on = match bit {
                    Some(user) => builder.and(is(t), user),
                    None => is(t),
                };
                signed.push(on.target);
                domain = builder.mul_const_add(unsigned(d), on.target, domain);
            }
        }
        let signed = BoolTarget::new_unsafe(builder.add_many(signed));
        let key = builder.add_virtual_gfp5();
        let owner = builder.owner_of(key);
        for k in 0..4 {
            builder.assert_equal_if(signed, owner.elements[k], a.before.owner.elements[k]);
        }
        let mut message = [domain; MESSAGE_LEN];
        message[MARKET_HASH_AT..FIELDS_AT].copy_from_slice(&ctx.market.hash.elements);
        message[FIELDS_AT..].copy_from_slice(&item[1..]);
        signatures = builder.queue_signed(signatures, signed, &SignedTarget { key, message });
        key
    });
    if let (true, Some((b, _)), Some(challenge), Some(views), Some(positions)) = (
        kinds.contains(tag::TRADE),
        &b,
        &challenge,
        view_a.as_ref().zip(view_b.as_ref()),
        a_positions.as_ref().zip(b_positions.as_ref()),
    ) {
        let enabled = is(tag::TRADE);
        let f = gated(builder, enabled, &item, 1);
        let op = TradeTarget {
            buyer: f[0],
            seller: f[1],
            instrument: f[2],
            qty: f[3],
            price: f[4],
            buyer_order: f[5],
            seller_order: f[6],
        };
        let terms = builder.trade_terms(enabled, &op, ctx.now, ctx.market, ctx.prices, ctx.table);
        let sides = [
            (true, &a, views.0, positions.0),
            (false, b, views.1, positions.1),
        ];
        for (is_buyer, port, view, [before, after]) in sides {
            let leaf = TradeLeaf {
                before: &port.before,
                after: &port.after,
                view,
                positions: [before, after],
            };
            builder.trade_side(
                enabled, is_buyer, &op, &terms, leaf, challenge, ctx.table, ctx.market,
            );
        }
        // Both sides pay the same fee.
        let fees = builder.mul_const_add(F::TWO, terms.fee, system.fees);
        system.fees = builder.select(enabled, fees, system.fees);
        // Each side fills its open order.
        let fill = FillTerms {
            instrument: op.instrument,
            qty: op.qty,
            price: op.price,
            now: ctx.now,
        };
        a_orders = builder.fill_order(enabled, Side::Buy, &a_orders, op.buyer_order, &fill);
        b_orders = b_orders
            .map(|orders| builder.fill_order(enabled, Side::Sell, &orders, op.seller_order, &fill));
    }
    if let (true, Some((b, _)), Some(view), Some([a_before, a_after]), Some([b_before, b_after])) = (
        kinds.contains(tag::LIQUIDATE),
        &b,
        &view_a,
        &a_positions,
        &b_positions,
    ) {
        let enabled = is(tag::LIQUIDATE);
        let f = gated(builder, enabled, &item, 1);
        let op = LiquidateTarget {
            account: f[0],
            liquidator: f[1],
            fraction_bps: f[2],
        };
        let leaves = LiquidateLeaves {
            account: [&a.before, &a.after],
            view,
            account_positions: [a_before, a_after],
            liquidator: [&b.before, &b.after],
            liquidator_positions: [b_before, b_after],
        };
        let funds = builder.liquidate(
            enabled,
            &op,
            leaves,
            ctx.table,
            params,
            ctx.market.liquidator_owner,
            &InsuranceRegisters {
                insurance: system.insurance,
                bad_debt: system.bad_debt,
            },
        );
        system.move_funds(builder, enabled, &funds);
    }
    let mut settlement = state.settlement;
    let mut continues = builder._false();
    if let (true, Some(challenge), Some([before, after])) =
        (kinds.contains(tag::SETTLE_EXPIRY), &challenge, &a_positions)
    {
        let enabled = is(tag::SETTLE_EXPIRY);
        let f = gated(builder, enabled, &item, 1);
        let op = SettleTarget {
            instrument: f[0],
            account: f[1],
            position: f[2],
            count: f[3],
        };
        let funds = InsuranceRegisters {
            insurance: system.insurance,
            bad_debt: system.bad_debt,
        };
        let (registers, settled) = builder.settle_holder(
            enabled,
            &op,
            &a.before,
            &a.after,
            challenge,
            [before, after],
            ctx.now,
            ctx.market,
            ctx.prices,
            &state.settlement,
            &funds,
        );
        system.move_funds(builder, enabled, &settled);
        settlement = registers;
        let later_holder = builder.is_nonzero(op.position);
        continues = builder.and(enabled, later_holder);
    }
    if kinds.contains(tag::SWEEP_FEES) {
        let enabled = is(tag::SWEEP_FEES);
        let f = gated(builder, enabled, &item, 1);
        let op = SweepFeesTarget { amount: f[0] };
        let (fees, funds) = builder.sweep_fees(
            enabled,
            &op,
            system.fees,
            &InsuranceRegisters {
                insurance: system.insurance,
                bad_debt: system.bad_debt,
            },
        );
        system.fees = builder.select(enabled, fees, system.fees);
        system.move_funds(builder, enabled, &funds);
    }
    assert_balances_in_range(builder, &system);
    // Nothing but the next holder while a settlement is open.
    let other = builder.sub(not_padding.target, is(tag::SETTLE_EXPIRY).target);
    let interrupts = builder.mul(other, state.settlement.open);
    builder.assert_zero(interrupts);

    connect_orders(builder, &a.after, &a_orders);
    if let (Some((port, _)), Some(orders)) = (&b, &b_orders) {
        connect_orders(builder, &port.after, orders);
    }

    // Leaf updates in port order (user accounts only).
    let mut root = apply_port(builder, used_a, state.root, a.leaves, &a.bits, &a.siblings);
    if let Some((port, used)) = &b {
        root = apply_port(
            builder,
            *used,
            root,
            port.leaves,
            &port.bits,
            &port.siblings,
        );
    }

    // Batch commitment and operation count.
    let mut input = state.batch.elements.to_vec();
    input.extend(&item);
    let extended = builder.hash(input);
    let batch = HashOutTarget {
        elements: std::array::from_fn(|k| {
            builder.select(padding, state.batch.elements[k], extended.elements[k])
        }),
    };
    let starts = builder.sub(not_padding.target, continues.target);
    let op_count = builder.add(state.op_count, starts);

    let targets = StepTargets {
        item,
        a,
        b: b.map(|(p, _)| p),
        signer,
    };
    let state = StepState {
        root,
        batch,
        settlement,
        system,
        op_count,
        signatures,
        transfers,
    };
    (targets, state)
}

/// Every element of the item that its tag does not use is zero (all of a
/// padding item, whose tag is 0). Cost: about 1 row.
fn assert_unused_fields_zero(builder: &mut Builder, item: &[Target], tags: &[BoolTarget]) {
    for (k, &element) in item.iter().enumerate().skip(1) {
        let users: Vec<Target> = tags
            .iter()
            .enumerate()
            .filter(|&(t, _)| used_fields(t as u64) > k)
            .map(|(_, bit)| bit.target)
            .collect();
        let used = builder.add_many(users);
        let unused = builder.mul_sub(used, element, element);
        builder.assert_zero(unused);
    }
}

/// Assigns one step (`None` ports get an empty leaf at index 0).
pub(crate) fn set_step(
    pw: &mut PartialWitness<F>,
    targets: &StepTargets,
    step: &StepWitness,
) -> Result<(), ChunkError> {
    for (&t, &v) in targets.item.iter().zip(&step.item) {
        pw.set_target(t, v)?;
    }
    set_account_port(pw, &targets.a, step.a.as_ref())?;
    match (&targets.b, &step.b) {
        (Some(port), value) => set_account_port(pw, port, value.as_ref())?,
        (None, None) => {}
        (None, Some(_)) => return Err(unsupported(step)),
    }
    match (&targets.signer, &step.signer) {
        (Some(key), signer) => {
            for (&t, &w) in key.0.iter().zip(&signer.unwrap_or_default()) {
                pw.set_target(t, F::from_noncanonical_u64(w))?;
            }
        }
        (None, None) => {}
        (None, Some(_)) => return Err(unsupported(step)),
    }
    Ok(())
}

fn unsupported(step: &StepWitness) -> ChunkError {
    use plonky2::field::types::PrimeField64;
    ChunkError::UnsupportedOperation {
        tag: step.item[0].to_canonical_u64(),
    }
}

fn set_account_port(
    pw: &mut PartialWitness<F>,
    port: &AccountPort,
    value: Option<&PortWitness<Account>>,
) -> Result<(), ChunkError> {
    let depth = port.bits.len();
    let empty = PortWitness {
        index: 0,
        before: Account::default(),
        after: Account::default(),
        siblings: vec![ZERO_DIGEST; depth],
    };
    let value = value.unwrap_or(&empty);
    check_path_length(&value.siblings, depth)?;
    if value.index >> depth != 0 {
        return Err(ChunkError::IndexBeyondTree {
            index: value.index,
            depth,
        });
    }
    for (k, &bit) in port.bits.iter().enumerate() {
        pw.set_bool_target(bit, (value.index >> k) & 1 == 1)?;
    }
    set_account(pw, &port.before, &value.before)?;
    set_account(pw, &port.after, &value.after)?;
    for (&t, &v) in port.siblings.iter().zip(&value.siblings) {
        pw.set_hash_target(t, v)?;
    }
    Ok(())
}

fn check_path_length(
    siblings: &[crate::rules::encoding::Digest],
    depth: usize,
) -> Result<(), ChunkError> {
    if siblings.len() != depth {
        return Err(ChunkError::PathLength {
            actual: siblings.len(),
            depth,
        });
    }
    Ok(())
}
