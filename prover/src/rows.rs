//! Rows per operation, measured from the circuits (what `zksettle stats` and
//! the benchmark report print): chunks whose steps support only some
//! operation types are laid out with one and with two steps, and the
//! difference is one step's rows (its gadgets, its leaf ports, its batch
//! hash). Laying out is fast: nothing is built.

use zksettle_circuits::chunk::{ChunkCircuit, ChunkParams, OpKinds};
use zksettle_circuits::gadgets::market::MarketShape;
use zksettle_circuits::rules::ops::tag;

/// Rows one step supporting `kinds` adds to a chunk of `shape`.
pub fn rows_per_step(shape: MarketShape, kinds: OpKinds) -> usize {
    let gates = |capacity| {
        ChunkCircuit::count_gates(ChunkParams {
            shape,
            capacity,
            signatures: 0,
            kinds,
        })
    };
    gates(2) - gates(1)
}

/// Rows one slot adds to a chunk's signature desk (a signature
/// verification and its message's binding to the step).
pub fn desk_slot_rows(shape: MarketShape) -> usize {
    let gates = |signatures| {
        ChunkCircuit::count_gates(ChunkParams {
            shape,
            capacity: 1,
            signatures,
            kinds: OpKinds::only(tag::DEPOSIT),
        })
    };
    gates(2) - gates(1)
}
