//! A one-step circuit around an operation gadget: the market, its median
//! prices and risk arrays, the account leaf before and after with its Merkle
//! path at depth 20, and the bad-debt register; filled from the ledger's
//! witness records.

use plonky2::hash::hash_types::HashOutTarget;
use plonky2::iop::target::{BoolTarget, Target};
use plonky2::iop::witness::{PartialWitness, WitnessWrite};
use plonky2::plonk::circuit_builder::CircuitBuilder;
use plonky2::plonk::circuit_data::{CircuitConfig, CircuitData};
use zksettle_circuits::config::{C, D, F};
use zksettle_circuits::gadgets::account::{set_account, AccountGadget, AccountTarget};
use zksettle_circuits::gadgets::market::{set_market, MarketGadget, MarketShape, MarketTarget};
use zksettle_circuits::gadgets::merkle::MerkleGadget;
use zksettle_circuits::gadgets::oracle::{set_prices, OracleGadget, PricesTarget};
use zksettle_circuits::gadgets::risk::{RiskGadget, RiskTableTarget};
use zksettle_circuits::rules::encoding::{unsigned, Digest};
use zksettle_circuits::rules::merkle::root_from_path;
use zksettle_circuits::rules::ops::Operation;
use zksettle_circuits::rules::{Account, AccountEntry, Market, Prices};
use zksettle_fixtures::builder::{epoch_with_quote, market, rest_orders, state, Quote};
use zksettle_prover::ledger::{EpochWitness, LeafUpdate, LeafValue, Ledger};

pub const DEPTH: usize = 20;

/// The targets every step has.
pub struct StepTargets {
    pub enabled: BoolTarget,
    pub account: Target,
    pub before: AccountTarget,
    pub after: AccountTarget,
    pub bad_debt: Target,
    pub market: MarketTarget,
    pub prices: PricesTarget,
    pub table: RiskTableTarget,
    pub leaves: [HashOutTarget; 2],
    pub now: Target,
    bits: Vec<BoolTarget>,
    siblings: Vec<HashOutTarget>,
    root_before: HashOutTarget,
    root_after: HashOutTarget,
}

/// A built one-step circuit with the operation's own targets `O`.
pub struct StepCircuit<O> {
    pub data: CircuitData<F, C, D>,
    pub step: StepTargets,
    pub op: O,
}

/// Builds the step around `add_op`.
pub fn build<O>(
    add_op: impl FnOnce(&mut CircuitBuilder<F, D>, &StepTargets) -> O,
) -> StepCircuit<O> {
    let mut b = CircuitBuilder::<F, D>::new(CircuitConfig::standard_recursion_config());
    let shape = MarketShape::of(&market());
    let market = b.add_virtual_market(&shape);
    let prices = b.add_virtual_prices(&shape);
    let table = b.risk_arrays(&market, &prices);
    let before = b.add_virtual_account();
    let after = b.add_virtual_account();
    b.assert_well_formed(&after);
    let bits: Vec<BoolTarget> = (0..DEPTH)
        .map(|_| b.add_virtual_bool_target_safe())
        .collect();
    let account = b.le_sum(bits.iter());
    let siblings: Vec<HashOutTarget> = (0..DEPTH).map(|_| b.add_virtual_hash()).collect();
    let root_before = b.add_virtual_hash();
    let root_after = b.add_virtual_hash();
    let old_leaf = b.account_leaf_hash(&before);
    let new_leaf = b.account_leaf_hash(&after);
    let new_root = b.update_leaf(root_before, old_leaf, new_leaf, &bits, &siblings);
    b.connect_hashes(new_root, root_after);
    let step = StepTargets {
        enabled: b.add_virtual_bool_target_safe(),
        account,
        before,
        after,
        bad_debt: b.add_virtual_target(),
        market,
        prices,
        table,
        leaves: [old_leaf, new_leaf],
        now: b.add_virtual_target(),
        bits,
        siblings,
        root_before,
        root_after,
    };
    let op = add_op(&mut b, &step);
    StepCircuit {
        data: b.build::<C>(),
        step,
        op,
    }
}

/// One step's witness.
#[derive(Clone, Debug)]
pub struct Step {
    pub index: u32,
    pub before: Account,
    pub after: Account,
    pub siblings: Vec<Digest>,
    pub root_before: Digest,
    pub root_after: Digest,
    pub bad_debt: u64,
    pub prices: Prices,
}

impl Step {
    /// The same step with roots recomputed from its (possibly tampered) leaves.
    pub fn rerooted(mut self) -> Self {
        self.root_before =
            root_from_path(self.before.leaf_hash(), self.index.into(), &self.siblings);
        self.root_after = root_from_path(self.after.leaf_hash(), self.index.into(), &self.siblings);
        self
    }
}

/// The ledger's witness of the first leaf `op` writes, on the builder market.
pub fn native_step(users: Vec<AccountEntry>, bad_debt: u64, op: Operation) -> Step {
    native_step_at(users, bad_debt, op, 0)
}

/// The ledger's witness of the `update`-th leaf `op` writes.
pub fn native_step_at(
    users: Vec<AccountEntry>,
    bad_debt: u64,
    op: Operation,
    update: usize,
) -> Step {
    let (witness, prices) = native_witness(users, bad_debt, &Quote::default(), op);
    step_of(&witness.steps[0].updates[update], &prices, bad_debt)
}

/// The ledger's witness of an epoch of one operation, and its median prices.
pub fn native_witness(
    users: Vec<AccountEntry>,
    bad_debt: u64,
    quote: &Quote,
    op: Operation,
) -> (EpochWitness, Prices) {
    let market = market();
    let mut genesis = state(users);
    genesis.bad_debt = bad_debt;
    let mut ops = vec![op];
    rest_orders(&market, &mut genesis, &mut ops);
    let ledger = Ledger::from_state(market.clone(), &genesis).unwrap();
    let epoch = epoch_with_quote(&market, ledger.root(), quote, ops);
    let prices = ledger.epoch_prices(&epoch).unwrap();
    let (_, witness) = ledger.apply_epoch(&epoch).unwrap();
    (witness, prices)
}

/// The step of one account-leaf update.
pub fn step_of(update: &LeafUpdate, prices: &Prices, bad_debt: u64) -> Step {
    let (LeafValue::Account(before), LeafValue::Account(after)) = (&update.before, &update.after)
    else {
        panic!("an account leaf")
    };
    Step {
        index: update.index as u32,
        before: before.clone(),
        after: after.clone(),
        siblings: update.siblings.clone(),
        root_before: update.root_before,
        root_after: update.root_after,
        bad_debt,
        prices: prices.clone(),
    }
}

impl<O> StepCircuit<O> {
    /// Whether the step proves with the operation's fields set by `set_op`.
    pub fn provable(&self, step: &Step, set_op: impl FnOnce(&mut PartialWitness<F>, &O)) -> bool {
        let market: Market = market();
        let mut pw = PartialWitness::new();
        let s = &self.step;
        pw.set_bool_target(s.enabled, true).unwrap();
        set_market(&mut pw, &s.market, &market).unwrap();
        set_prices(&mut pw, &s.prices, &step.prices).unwrap();
        set_account(&mut pw, &s.before, &step.before).unwrap();
        set_account(&mut pw, &s.after, &step.after).unwrap();
        pw.set_target(s.bad_debt, unsigned(step.bad_debt)).unwrap();
        pw.set_target(s.now, unsigned(zksettle_fixtures::builder::NOW))
            .unwrap();
        for (k, bit) in s.bits.iter().enumerate() {
            pw.set_bool_target(*bit, (step.index >> k) & 1 == 1)
                .unwrap();
        }
        for (t, v) in s.siblings.iter().zip(&step.siblings) {
            pw.set_hash_target(*t, *v).unwrap();
        }
        pw.set_hash_target(s.root_before, step.root_before).unwrap();
        pw.set_hash_target(s.root_after, step.root_after).unwrap();
        set_op(&mut pw, &self.op);
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.data.prove(pw))) {
            Ok(Ok(proof)) => self.data.verify(proof).is_ok(),
            _ => false,
        }
    }
}
