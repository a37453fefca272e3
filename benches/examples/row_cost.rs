//! Prover time per row: the default chunk circuit (48 steps, tree depth 20)
//! against a raw plonky2 circuit of the same degree, proven alternately in
//! one run (issue 4's 1.3x target, issue 6's 1.2x). Prints the figures as
//! JSON. `cargo run --release -p zksettle-benches --example row_cost`; the
//! report binary measures the same among the rest.

use anyhow::Context as _;
use zksettle_benches::row_cost::compare;
use zksettle_benches::workload::History;
use zksettle_circuits::chunk::{ChunkCircuit, ChunkParams, OpKinds, DEFAULT_CAPACITY};
use zksettle_circuits::gadgets::market::MarketShape;
use zksettle_prover::assign::chunk_witnesses;

fn main() -> anyhow::Result<()> {
    let applied = History::generated()?
        .apply()?
        .into_iter()
        .next()
        .context("the generated fixtures have no epoch")?;
    let market = applied.before.market();
    let chunks = chunk_witnesses(&applied.epoch, &applied.witness, DEFAULT_CAPACITY)?;
    let chunk = ChunkCircuit::build(ChunkParams {
        shape: MarketShape::of(market),
        capacity: DEFAULT_CAPACITY,
        signatures: zksettle_circuits::chunk::desk_slots(DEFAULT_CAPACITY),
        kinds: OpKinds::ALL,
    });
    let first = chunks.first().context("the epoch has no chunk")?;
    let cost = compare(&chunk, market, first, 3)?;
    println!("{}", serde_json::to_string(&cost)?);
    Ok(())
}
