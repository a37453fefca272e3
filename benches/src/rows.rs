//! Rows per operation type by name, measured from the circuits as
//! `zksettle stats` does ([`rows_per_step`]).

use std::collections::BTreeMap;

use zksettle_circuits::chunk::OpKinds;
use zksettle_circuits::gadgets::market::MarketShape;
use zksettle_circuits::rules::ops::tag;
pub use zksettle_prover::rows::rows_per_step;

use crate::workload::OP_KINDS;

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
