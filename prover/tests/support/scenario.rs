//! Scenarios and circuits shared by the test binaries.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use zksettle_circuits::chunk::{ChunkCircuit, ChunkParams, OpKinds};
use zksettle_circuits::gadgets::market::MarketShape;
use zksettle_circuits::rules::{Epoch, Market};
use zksettle_fixtures::builder::*;
use zksettle_prover::ledger::Ledger;

/// Tree depth of the small test markets.
pub const DEPTH: u32 = 8;
/// Steps per chunk of the small test circuit.
pub const CAPACITY: usize = 4;

/// The market at the test tree depth.
pub fn small(market: &Market) -> Market {
    let mut market = market.clone();
    market.tree_depth = DEPTH;
    market
}

/// `epoch` (signed for `market`) re-signed for [`small`]`(market)`: the
/// tree depth is part of the market hash every signature covers.
pub fn small_epoch(market: &Market, epoch: &Epoch) -> Epoch {
    rebind(market, &small(market), epoch)
}

/// `epoch` with every signature that is valid for `from` re-signed for
/// `to` by the same key (the fixtures' seeded keys: the builder's and the
/// generated simulation's, seed 7; `zksettle_prover::sim::resign`).
/// Signatures not valid for `from` (the cases that break them on purpose)
/// stay as they are, so stay invalid.
pub fn rebind(from: &Market, to: &Market, epoch: &Epoch) -> Epoch {
    zksettle_prover::sim::resign(from, to, epoch, &[USER_SEED, ORACLE_SEED, 7])
}

/// The small test circuit (depth 8, 4 steps per chunk) for a market's shape.
pub fn circuit(market: &Market) -> Arc<ChunkCircuit> {
    chunk_circuit(market, CAPACITY)
}

/// The chunk circuit for a market's shape and a capacity (every operation
/// type), built once per process.
pub fn chunk_circuit(market: &Market, capacity: usize) -> Arc<ChunkCircuit> {
    chunk_circuit_of(market, capacity, OpKinds::ALL)
}

/// The chunk circuit for a market's shape, a capacity and the operation
/// types of `kinds` (the light layout's, say), built once per process.
#[allow(dead_code)]
pub fn chunk_circuit_of(market: &Market, capacity: usize, kinds: OpKinds) -> Arc<ChunkCircuit> {
    static CIRCUITS: OnceLock<Mutex<HashMap<ChunkParams, Arc<ChunkCircuit>>>> = OnceLock::new();
    let params = ChunkParams {
        shape: MarketShape::of(market),
        capacity,
        signatures: zksettle_circuits::chunk::desk_slots(capacity),
        kinds,
    };
    let mut circuits = CIRCUITS.get_or_init(Default::default).lock().unwrap();
    circuits
        .entry(params)
        .or_insert_with(|| Arc::new(ChunkCircuit::build(params)))
        .clone()
}

/// The builder market at tree depth 8, accounts 3 (long 1 BTC of the
/// expired call 6, 1,000 USD), 5 (short it, rich) and 7 (flat, 1,000 USD),
/// and an empty epoch whose reports settle the call at 70,000: a settlement
/// of 3 and 5 to cut across a chunk border.
pub fn open_settlement() -> (Market, Ledger, Epoch) {
    let market = small(&market());
    let ledger = Ledger::from_state(
        market.clone(),
        &state(vec![
            account(3, 1_000 * USD, &[(6, 100)]),
            account(5, 1_000_000 * USD, &[(6, -100)]),
            account(7, 1_000 * USD, &[]),
        ]),
    )
    .unwrap();
    let quote = Quote::settling(0, EXPIRED, 70_000 * USD);
    let epoch = epoch_with_quote(&market, ledger.root(), &quote, vec![]);
    (market, ledger, epoch)
}
