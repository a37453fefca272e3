//! One step of a chunk: a batch item selects the operation (by its tag), the
//! four leaf ports `A, B, S, G` apply its leaf updates in the ledger's order,
//! and every operation gadget runs gated by its tag bit, so any mix of
//! operations fits any chunk. Padding (tag 0) touches nothing. What the
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

use super::witness::{PortWitness, StepWitness};
use super::{ChunkError, OpKinds};
use crate::config::F;
use crate::gadgets::account::{set_account, AccountGadget, AccountTarget};
use crate::gadgets::encoding::EncodingGadget;
use crate::gadgets::fixed::FixedGadget;
use crate::gadgets::margin::MarginGadget;
use crate::gadgets::market::MarketTarget;
use crate::gadgets::merkle::MerkleGadget;
use crate::gadgets::ops::{
    assert_positions_and_flags_unchanged, DepositGadget, DepositTarget, GatedGadget,
    InsuranceRegisters, LiquidateGadget, LiquidateLeaves, LiquidateTarget, PositionChallenge,
    SettleExpiryGadget, SettleRegisters, SettleTarget, SweepFeesGadget, SweepFeesTarget,
    TradeGadget, TradeLeaf, TradeTarget, WithdrawGadget, WithdrawTarget,
};
use crate::gadgets::oracle::PricesTarget;
use crate::gadgets::risk::RiskTableTarget;
use crate::gadgets::Builder;
use crate::rules::account::Account;
use crate::rules::encoding::{unsigned, DOMAIN_GLOBAL, ZERO_DIGEST};
use crate::rules::ops::{tag, used_fields, BATCH_ITEM_LEN};
use crate::rules::units::{FEE_ACCOUNT, GLOBAL_LEAF};

/// What every step reads: the market, the median prices, the risk arrays
/// and the epoch time.
pub(crate) struct StepContext<'a> {
    pub market: &'a MarketTarget,
    pub prices: &'a PricesTarget,
    pub table: &'a RiskTableTarget,
    pub now: Target,
}

/// The registers a step reads and writes.
#[derive(Clone, Copy)]
pub(crate) struct StepState {
    pub root: HashOutTarget,
    pub batch: HashOutTarget,
    pub settlement: SettleRegisters,
    pub op_count: Target,
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

/// The global leaf port (its index is fixed).
struct GlobalPort {
    before: Target,
    after: Target,
    siblings: Vec<HashOutTarget>,
}

/// The targets of one step.
pub(crate) struct StepTargets {
    item: Vec<Target>,
    a: AccountPort,
    b: Option<AccountPort>,
    s: Option<AccountPort>,
    g: Option<GlobalPort>,
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
    let s_users = [
        tag::TRADE,
        tag::LIQUIDATE,
        tag::SETTLE_EXPIRY,
        tag::SWEEP_FEES,
    ];
    let g_users = [
        tag::DEPOSIT,
        tag::WITHDRAW,
        tag::LIQUIDATE,
        tag::SETTLE_EXPIRY,
        tag::SWEEP_FEES,
    ];

    // Ports, bound to the item's accounts: A is the item's first account
    // (a settlement's holder, the fee account of a sweep).
    let used_a = builder.not(padding);
    let a = add_account_port(builder, depth);
    let holder_shift = builder.sub(item[2], item[1]);
    let a_index = builder.mul_add(is(tag::SETTLE_EXPIRY).target, holder_shift, item[1]);
    let fees = builder.constant(F::from_canonical_u32(FEE_ACCOUNT));
    let sweep_shift = builder.sub(fees, item[1]);
    let a_index = builder.mul_add(is(tag::SWEEP_FEES).target, sweep_shift, a_index);
    builder.assert_equal_if(used_a, a.index, a_index);
    let b = has_any(&b_users).then(|| {
        let port = add_account_port(builder, depth);
        let used = any(builder, &b_users);
        builder.assert_equal_if(used, port.index, item[2]);
        (port, used)
    });
    let s = has_any(&s_users).then(|| {
        let port = add_account_port(builder, depth);
        let used = any(builder, &s_users);
        // The fee account (1) for trades, the insurance fund (0) otherwise.
        builder.assert_equal_if(used, port.index, is(tag::TRADE).target);
        assert_system_leaf_kept(builder, used, &port.before, &port.after);
        (port, used)
    });
    let g = has_any(&g_users).then(|| {
        let port = GlobalPort {
            before: builder.add_virtual_target(),
            after: builder.add_virtual_target(),
            siblings: (0..depth).map(|_| builder.add_virtual_hash()).collect(),
        };
        let used = any(builder, &g_users);
        (port, used)
    });
    let system_cash = s.as_ref().map(|(p, _)| (p.before.cash, p.after.cash));
    let bad_debt = g.as_ref().map(|(p, _)| (p.before, p.after));

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

    // The operations.
    if let (true, Some((before, after))) = (kinds.contains(tag::DEPOSIT), bad_debt) {
        let enabled = is(tag::DEPOSIT);
        let f = gated(builder, enabled, &item, 1);
        let op = DepositTarget {
            account: f[0],
            amount: f[1],
            owner: HashOutTarget {
                elements: [f[2], f[3], f[4], f[5]],
            },
        };
        let debt = builder.deposit(enabled, &op, &a.before, &a.after, before);
        builder.assert_equal_if(enabled, after, debt);
    }
    if let (true, Some((before, after)), Some(view)) =
        (kinds.contains(tag::WITHDRAW), bad_debt, &view_a)
    {
        let enabled = is(tag::WITHDRAW);
        let f = gated(builder, enabled, &item, 1);
        let op = WithdrawTarget {
            account: f[0],
            amount: f[1],
        };
        builder.withdraw(enabled, &op, &a.before, &a.after, view, before);
        builder.assert_equal_if(enabled, after, before);
    }
    if let (
        true,
        Some((b, _)),
        Some((fees_before, fees_after)),
        Some(challenge),
        Some(views),
        Some(positions),
    ) = (
        kinds.contains(tag::TRADE),
        &b,
        system_cash,
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
        let fees = builder.mul_const_add(F::TWO, terms.fee, fees_before);
        builder.assert_equal_if(enabled, fees_after, fees);
    }
    if let (
        true,
        Some((b, _)),
        Some(cash),
        Some(debt),
        Some(view),
        Some([a_before, a_after]),
        Some([b_before, b_after]),
    ) = (
        kinds.contains(tag::LIQUIDATE),
        &b,
        system_cash,
        bad_debt,
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
            &InsuranceRegisters {
                insurance: cash.0,
                bad_debt: debt.0,
            },
        );
        builder.assert_equal_if(enabled, cash.1, funds.insurance);
        builder.assert_equal_if(enabled, debt.1, funds.bad_debt);
    }
    let mut settlement = state.settlement;
    let mut continues = builder._false();
    if let (true, Some(cash), Some(debt), Some(challenge), Some([before, after])) = (
        kinds.contains(tag::SETTLE_EXPIRY),
        system_cash,
        bad_debt,
        &challenge,
        &a_positions,
    ) {
        let enabled = is(tag::SETTLE_EXPIRY);
        let f = gated(builder, enabled, &item, 1);
        let op = SettleTarget {
            instrument: f[0],
            account: f[1],
            position: f[2],
            count: f[3],
        };
        let funds = InsuranceRegisters {
            insurance: cash.0,
            bad_debt: debt.0,
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
        builder.assert_equal_if(enabled, cash.1, settled.insurance);
        builder.assert_equal_if(enabled, debt.1, settled.bad_debt);
        settlement = registers;
        let later_holder = builder.is_nonzero(op.position);
        continues = builder.and(enabled, later_holder);
    }
    if let (true, Some(cash), Some(debt)) = (kinds.contains(tag::SWEEP_FEES), system_cash, bad_debt)
    {
        let enabled = is(tag::SWEEP_FEES);
        let f = gated(builder, enabled, &item, 1);
        let op = SweepFeesTarget { amount: f[0] };
        let funds = builder.sweep_fees(
            enabled,
            &op,
            &a.before,
            &a.after,
            &InsuranceRegisters {
                insurance: cash.0,
                bad_debt: debt.0,
            },
        );
        builder.assert_equal_if(enabled, cash.1, funds.insurance);
        builder.assert_equal_if(enabled, debt.1, funds.bad_debt);
    }
    // Nothing but the next holder while a settlement is open.
    let other = builder.sub(used_a.target, is(tag::SETTLE_EXPIRY).target);
    let interrupts = builder.mul(other, state.settlement.open);
    builder.assert_zero(interrupts);

    // Leaf updates in port order.
    let mut root = apply_port(builder, used_a, state.root, a.leaves, &a.bits, &a.siblings);
    for (port, used) in [&b, &s].into_iter().flatten() {
        root = apply_port(
            builder,
            *used,
            root,
            port.leaves,
            &port.bits,
            &port.siblings,
        );
    }
    if let Some((port, used)) = &g {
        let domain = builder.constant(unsigned(DOMAIN_GLOBAL));
        let leaves = [
            builder.hash(vec![domain, port.before]),
            builder.hash(vec![domain, port.after]),
        ];
        let bits: Vec<BoolTarget> = (0..depth)
            .map(|k| builder.constant_bool((GLOBAL_LEAF >> k) & 1 == 1))
            .collect();
        root = apply_port(builder, *used, root, leaves, &bits, &port.siblings);
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
    let starts = builder.sub(used_a.target, continues.target);
    let op_count = builder.add(state.op_count, starts);

    let targets = StepTargets {
        item,
        a,
        b: b.map(|(p, _)| p),
        s: s.map(|(p, _)| p),
        g: g.map(|(p, _)| p),
    };
    let state = StepState {
        root,
        batch,
        settlement,
        op_count,
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

/// `used =>` a system account keeps its owner, flags and (empty) slots.
fn assert_system_leaf_kept(
    builder: &mut Builder,
    used: BoolTarget,
    before: &AccountTarget,
    after: &AccountTarget,
) {
    for k in 0..4 {
        builder.assert_equal_if(used, after.owner.elements[k], before.owner.elements[k]);
    }
    assert_positions_and_flags_unchanged(builder, used, before, after);
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
    for (port, value) in [(&targets.b, &step.b), (&targets.s, &step.s)] {
        match (port, value) {
            (Some(port), value) => set_account_port(pw, port, value.as_ref())?,
            (None, None) => {}
            (None, Some(_)) => return Err(unsupported(step)),
        }
    }
    match (&targets.g, &step.g) {
        (Some(port), value) => {
            let depth = port.siblings.len();
            let (before, after, siblings) = match value {
                Some(g) => (g.before, g.after, g.siblings.clone()),
                None => (0, 0, vec![ZERO_DIGEST; depth]),
            };
            check_path_length(&siblings, depth)?;
            pw.set_target(port.before, unsigned(before))?;
            pw.set_target(port.after, unsigned(after))?;
            for (&t, &v) in port.siblings.iter().zip(&siblings) {
                pw.set_hash_target(t, v)?;
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
