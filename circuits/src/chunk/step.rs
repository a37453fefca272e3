//! One step of a chunk: a batch item selects the operation (by its tag), the
//! four leaf ports `A, B, S, G` apply its leaf updates in the ledger's order,
//! and every operation gadget runs gated by its tag bit, so any mix of
//! operations fits any chunk. Padding (tag 0) touches nothing.

use plonky2::field::types::Field;
use plonky2::hash::hash_types::HashOutTarget;
use plonky2::iop::target::{BoolTarget, Target};
use plonky2::iop::witness::{PartialWitness, WitnessWrite};

use super::witness::{PortWitness, StepWitness};
use super::ChunkError;
use crate::config::F;
use crate::gadgets::account::{set_account, AccountGadget, AccountTarget};
use crate::gadgets::encoding::EncodingGadget;
use crate::gadgets::fixed::FixedGadget;
use crate::gadgets::market::MarketTarget;
use crate::gadgets::merkle::MerkleGadget;
use crate::gadgets::ops::{
    assert_positions_and_flags_unchanged, DepositGadget, DepositTarget, GatedGadget,
    InsuranceRegisters, LeafChange, LiquidateGadget, LiquidateTarget, SettleExpiryGadget,
    SettleRegisters, SettleTarget, TradeGadget, TradeTarget, WithdrawGadget, WithdrawTarget,
};
use crate::gadgets::oracle::PricesTarget;
use crate::gadgets::risk::RiskTableTarget;
use crate::gadgets::Builder;
use crate::rules::account::Account;
use crate::rules::encoding::{unsigned, DOMAIN_GLOBAL, ZERO_DIGEST};
use crate::rules::ops::{tag, BATCH_ITEM_LEN};
use crate::rules::units::GLOBAL_LEAF;

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
    pub net: Target,
    pub previous_account: Target,
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
    b: AccountPort,
    s: AccountPort,
    g: GlobalPort,
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

/// Adds one step. Cost: every operation gadget plus four leaf ports.
pub(crate) fn add_step(
    builder: &mut Builder,
    ctx: &StepContext,
    state: StepState,
) -> (StepTargets, StepState) {
    let depth = ctx.market.shape.tree_depth;
    let item = builder.add_virtual_targets(BATCH_ITEM_LEN);
    // One-hot tag: 0 padding, else the operation.
    let tags: Vec<BoolTarget> = (0..=tag::SETTLE_EXPIRY)
        .map(|t| {
            let t = builder.constant(F::from_canonical_u64(t));
            builder.is_equal(item[0], t)
        })
        .collect();
    let one_hot = builder.add_many(tags.iter().map(|t| t.target));
    let one = builder.one();
    builder.connect(one_hot, one);
    let padding = tags[0];
    let is_deposit = tags[tag::DEPOSIT as usize];
    let is_withdraw = tags[tag::WITHDRAW as usize];
    let is_trade = tags[tag::TRADE as usize];
    let is_liquidate = tags[tag::LIQUIDATE as usize];
    let is_settle = tags[tag::SETTLE_EXPIRY as usize];
    let sum = |b: &mut Builder, bits: &[BoolTarget]| {
        BoolTarget::new_unsafe(b.add_many(bits.iter().map(|t| t.target)))
    };
    let used_a = builder.not(padding);
    let used_b = sum(builder, &[is_trade, is_liquidate]);
    let used_s = sum(builder, &[is_trade, is_liquidate, is_settle]);
    let used_g = sum(builder, &[is_withdraw, is_liquidate, is_settle]);

    // Ports, bound to the item's accounts.
    let a = add_account_port(builder, depth);
    let b = add_account_port(builder, depth);
    let s = add_account_port(builder, depth);
    let a_index = builder.select(is_settle, item[2], item[1]);
    builder.assert_equal_if(used_a, a.index, a_index);
    builder.assert_equal_if(used_b, b.index, item[2]);
    // S is the fee account (1) for trades, the insurance fund (0) otherwise.
    builder.assert_equal_if(used_s, s.index, is_trade.target);
    assert_system_leaf_kept(builder, used_s, &s.before, &s.after);
    let g = GlobalPort {
        before: builder.add_virtual_target(),
        after: builder.add_virtual_target(),
        siblings: (0..depth).map(|_| builder.add_virtual_hash()).collect(),
    };
    let domain = builder.constant(unsigned(DOMAIN_GLOBAL));
    let g_leaves = [
        builder.hash(vec![domain, g.before]),
        builder.hash(vec![domain, g.after]),
    ];
    let g_bits: Vec<BoolTarget> = (0..depth)
        .map(|k| builder.constant_bool((GLOBAL_LEAF >> k) & 1 == 1))
        .collect();

    // The operations.
    let deposit = gated(builder, is_deposit, &item, 1);
    builder.deposit(
        is_deposit,
        &DepositTarget {
            account: deposit[0],
            amount: deposit[1],
            owner: HashOutTarget {
                elements: [deposit[2], deposit[3], deposit[4], deposit[5]],
            },
        },
        &a.before,
        &a.after,
    );
    let withdraw = gated(builder, is_withdraw, &item, 1);
    builder.withdraw(
        is_withdraw,
        &WithdrawTarget {
            account: withdraw[0],
            amount: withdraw[1],
        },
        &a.before,
        &a.after,
        g.before,
        ctx.table,
        &ctx.market.params,
    );
    builder.assert_equal_if(is_withdraw, g.after, g.before);
    let trade = gated(builder, is_trade, &item, 1);
    let trade = TradeTarget {
        buyer: trade[0],
        seller: trade[1],
        instrument: trade[2],
        qty: trade[3],
        price: trade[4],
    };
    let mut fees = s.before.cash;
    for (is_buyer, port) in [(true, &a), (false, &b)] {
        let side = builder.trade_side(
            is_trade,
            is_buyer,
            &trade,
            &port.before,
            &port.after,
            port.leaves,
            ctx.now,
            ctx.market,
            ctx.prices,
            ctx.table,
        );
        fees = builder.add(fees, side.fee);
    }
    builder.assert_equal_if(is_trade, s.after.cash, fees);
    let liquidate = gated(builder, is_liquidate, &item, 1);
    let funds = builder.liquidate(
        is_liquidate,
        &LiquidateTarget {
            account: liquidate[0],
            liquidator: liquidate[1],
            fraction_bps: liquidate[2],
        },
        LeafChange {
            before: &a.before,
            after: &a.after,
            leaves: a.leaves,
        },
        LeafChange {
            before: &b.before,
            after: &b.after,
            leaves: b.leaves,
        },
        ctx.table,
        &ctx.market.params,
        &InsuranceRegisters {
            insurance: s.before.cash,
            bad_debt: g.before,
        },
    );
    builder.assert_equal_if(is_liquidate, s.after.cash, funds.insurance);
    builder.assert_equal_if(is_liquidate, g.after, funds.bad_debt);
    let settle = gated(builder, is_settle, &item, 1);
    let settled = builder.settle_holder(
        is_settle,
        &SettleTarget {
            instrument: settle[0],
            account: settle[1],
            position: settle[2],
            count: settle[3],
        },
        &a.before,
        &a.after,
        a.leaves,
        ctx.now,
        ctx.market,
        ctx.prices,
        &SettleRegisters {
            net: state.net,
            previous_account: state.previous_account,
            insurance: s.before.cash,
            bad_debt: g.before,
        },
    );
    builder.assert_equal_if(is_settle, s.after.cash, settled.insurance);
    builder.assert_equal_if(is_settle, g.after, settled.bad_debt);

    // Leaf updates in port order.
    let root = apply_port(builder, used_a, state.root, a.leaves, &a.bits, &a.siblings);
    let root = apply_port(builder, used_b, root, b.leaves, &b.bits, &b.siblings);
    let root = apply_port(builder, used_s, root, s.leaves, &s.bits, &s.siblings);
    let root = apply_port(builder, used_g, root, g_leaves, &g_bits, &g.siblings);

    // Batch commitment and operation count.
    let mut input = state.batch.elements.to_vec();
    input.extend(&item);
    let extended = builder.hash(input);
    let batch = HashOutTarget {
        elements: std::array::from_fn(|k| {
            builder.select(padding, state.batch.elements[k], extended.elements[k])
        }),
    };
    let later_holder = builder.is_nonzero(settle[2]);
    let continues = builder.and(is_settle, later_holder);
    let starts = builder.sub(used_a.target, continues.target);
    let op_count = builder.add(state.op_count, starts);

    let targets = StepTargets { item, a, b, s, g };
    let state = StepState {
        root,
        batch,
        net: settled.net,
        previous_account: settled.previous_account,
        op_count,
    };
    (targets, state)
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
    for (port, value) in [
        (&targets.a, &step.a),
        (&targets.b, &step.b),
        (&targets.s, &step.s),
    ] {
        set_account_port(pw, port, value.as_ref())?;
    }
    let depth = targets.g.siblings.len();
    let (before, after, siblings) = match &step.g {
        Some(g) => (g.before, g.after, g.siblings.clone()),
        None => (0, 0, vec![ZERO_DIGEST; depth]),
    };
    check_path_length(&siblings, depth)?;
    pw.set_target(targets.g.before, unsigned(before))?;
    pw.set_target(targets.g.after, unsigned(after))?;
    for (&t, &v) in targets.g.siblings.iter().zip(&siblings) {
        pw.set_hash_target(t, v)?;
    }
    Ok(())
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
