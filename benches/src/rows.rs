//! Rows per operation type, measured from the circuits as `zksettle stats`
//! does: chunks whose steps support only that type are laid out with one
//! and with two steps, and the difference is one operation's rows (its
//! gadget, its leaf ports, its batch hash). Laying out is fast: nothing is
//! built.

use std::collections::BTreeMap;

use zksettle_circuits::chunk::{ChunkCircuit, ChunkParams, OpKinds};
use zksettle_circuits::gadgets::market::MarketShape;
use zksettle_circuits::rules::ops::tag;

use crate::workload::OP_KINDS;

/// Rows one step supporting `kinds` adds to a chunk of `shape`.
pub fn rows_per_step(shape: MarketShape, kinds: OpKinds) -> usize {
    let gates = |capacity| {
        ChunkCircuit::count_gates(ChunkParams {
            shape,
            capacity,
            kinds,
        })
    };
    gates(2) - gates(1)
}

/// The batch tag of an operation type named as in [`OP_KINDS`].
fn tag_of(kind: &str) -> Option<u64> {
    match kind {
        "deposit" => Some(tag::DEPOSIT),
        "withdraw" => Some(tag::WITHDRAW),
        "trade" => Some(tag::TRADE),
        "liquidate" => Some(tag::LIQUIDATE),
        "settle_expiry" => Some(tag::SETTLE_EXPIRY),
        _ => None,
    }
}

/// Rows per operation type (settle_expiry: per settled holder), by name.
pub fn rows_per_op(shape: MarketShape) -> BTreeMap<String, usize> {
    OP_KINDS
        .iter()
        .filter_map(|&kind| {
            let tag = tag_of(kind)?;
            Some((kind.to_string(), rows_per_step(shape, OpKinds::only(tag))))
        })
        .collect()
}
