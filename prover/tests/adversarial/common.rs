//! The circuit (built once per market shape) and the valid batches the
//! attempts start from.

use std::sync::OnceLock;

use zksettle_circuits::chunk::ChunkError;
use zksettle_circuits::gadgets::market::MarketShape;
use zksettle_circuits::prelude::{PreludeCircuit, PreludeWitness};
use zksettle_circuits::rules::custody::{self, CustodianSet};
use zksettle_circuits::rules::{Epoch, Market, StateFile};
use zksettle_fixtures::builder::market as builder_market;
use zksettle_fixtures::edge::{edge_cases, Expected};
use zksettle_fixtures::generated::Generated;
use zksettle_prover::ledger::Ledger;

pub use crate::support::scenario::{circuit, small, small_epoch, CAPACITY};

/// A valid batch: the state before it and its epoch (at the test depth).
#[derive(Clone)]
pub struct Base {
    pub name: String,
    pub ledger: Ledger,
    pub epoch: Epoch,
}

impl Base {
    /// A base from a market, a state and an epoch the ledger accepts.
    pub fn new(name: &str, market: &Market, state: &StateFile, epoch: &Epoch) -> Option<Self> {
        let ledger = Ledger::from_state(small(market), state).ok()?;
        let mut epoch = small_epoch(market, epoch);
        epoch.prev_root = ledger.root();
        ledger.apply_epoch(&epoch).ok()?;
        Some(Self {
            name: name.to_owned(),
            ledger,
            epoch,
        })
    }
}

/// Every accepted edge case with its operations, and windows of the
/// generated epochs (the state before operation `i`, the next few
/// operations): the batches the mutations start from.
pub fn bases() -> &'static [Base] {
    static BASES: OnceLock<Vec<Base>> = OnceLock::new();
    BASES.get_or_init(|| {
        let mut out: Vec<Base> = edge_cases()
            .unwrap()
            .into_iter()
            .filter(|c| matches!(c.expected, Expected::Accepted { .. }) && !c.epoch.ops.is_empty())
            .filter_map(|c| Base::new(&c.name, &c.market, &c.state, &c.epoch))
            .collect();
        out.push(two_settlements());
        let generated = Generated::load();
        let mut state = generated.genesis.clone();
        for epoch in &generated.epochs {
            let ledger = Ledger::from_state(small(&generated.market), &state).unwrap();
            let mut full = small_epoch(&generated.market, epoch);
            full.prev_root = ledger.root();
            // The custodians attest each part's deposits (the simulation's
            // keys, seed 7).
            let small_market = small(&generated.market);
            let signers = CustodianSet::seeded_signers(7, small_market.custodians.quorum);
            for start in (0..full.ops.len()).step_by(9) {
                let mut before = full.clone();
                before.ops.truncate(start);
                custody::attest(&mut before, &small_market, &signers);
                let (at, _) = ledger.apply_epoch(&before).unwrap();
                let mut window = Epoch {
                    epoch: full.epoch,
                    ops: full.ops[start..(start + 5).min(full.ops.len())].to_vec(),
                    ..full.clone()
                };
                custody::attest(&mut window, &generated.market, &signers);
                let mut at_state = at.to_state();
                at_state.epoch = full.epoch - 1;
                if let Some(base) = Base::new(
                    &format!("generated epoch {} ops {start}..", full.epoch),
                    &generated.market,
                    &at_state,
                    &window,
                ) {
                    out.push(base);
                }
            }
            let (next, _) = ledger.apply_epoch(&full).unwrap();
            state = next.to_state();
        }
        out
    })
}

/// Two consecutive settlements of two holders each (the builder market's
/// expired call 6 and put 7, settled at 60,000), for the mutations that
/// need them.
fn two_settlements() -> Base {
    use zksettle_circuits::rules::ops::{Operation, SettleExpiry};
    use zksettle_fixtures::builder::*;
    let market = market();
    let genesis = state(vec![
        account(3, 1_000 * USD, &[(6, 100)]),
        account(4, 10_000 * USD, &[(7, -100)]),
        account(5, 1_000_000 * USD, &[(6, -100)]),
        account(6, 1_000 * USD, &[(7, 100)]),
    ]);
    let ops = vec![
        Operation::SettleExpiry(SettleExpiry {
            instrument: 6,
            accounts: vec![3, 5],
        }),
        Operation::SettleExpiry(SettleExpiry {
            instrument: 7,
            accounts: vec![4, 6],
        }),
    ];
    let ledger = Ledger::from_state(small(&market), &genesis).unwrap();
    let epoch = epoch(&market, ledger.root(), ops);
    Base::new("two settlements", &market, &genesis, &epoch).expect("the settlements apply")
}

/// The prelude circuit of the builder's market, built once per process.
pub fn prelude() -> &'static PreludeCircuit {
    static CIRCUIT: OnceLock<PreludeCircuit> = OnceLock::new();
    CIRCUIT.get_or_init(|| PreludeCircuit::build(MarketShape::of(&builder_market()), None))
}

/// Whether the prelude of `witness` over the builder's market is
/// satisfiable (the constraint check that agrees with the prover); an
/// accepted one must state the native statement (so the native rule book
/// accepts it too).
pub fn prelude_provable(witness: &PreludeWitness) -> bool {
    let m = builder_market();
    match prelude().check(&m, witness) {
        Ok(statement) => {
            assert_eq!(
                Some(statement),
                witness.expected_statement(&m),
                "a satisfiable prelude states the native statement"
            );
            true
        }
        Err(ChunkError::Unprovable(_)) => false,
        Err(other) => panic!("not a constraint failure: {other}"),
    }
}
