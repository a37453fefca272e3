//! `zksettle stats`: rows per operation type and the chunk circuit's size.
//!
//! Rows per operation are measured, not estimated: for each type, circuits
//! whose steps support only that type are laid out with one and two steps,
//! and the difference is one operation's rows (its gadget, its leaf ports,
//! its batch hash). A chunk is proven with one of two layouts: `heavy`
//! supports every type in every step, `light` every type but liquidation;
//! each shares what its operations read in common, so one step costs less
//! than the sum of its operations. `layouts` gives each layout's step rows,
//! capacity, rows and degree (both are built: the degree is the real one);
//! `chunk` is the heavy layout's circuit. `prelude` gives the rows of the
//! once-per-epoch prelude (reports, medians, risk arrays), which the
//! pipeline pads to the fold's shape.

use std::time::Instant;

use anyhow::Result;
use serde::Serialize;
use zksettle_circuits::chunk::{
    desk_slots, light_desk_slots, ChunkCircuit, ChunkParams, OpKinds, DEFAULT_CAPACITY,
    LIGHT_CAPACITY,
};
use zksettle_circuits::gadgets::ecgfp5::schnorr::verification_rows;
use zksettle_circuits::gadgets::market::MarketShape;
use zksettle_circuits::prelude::PreludeCircuit;
use zksettle_circuits::rules::market::Market;
use zksettle_circuits::rules::ops::tag;
use zksettle_prover::io::read_json;
use zksettle_prover::rows::{desk_slot_rows, rows_per_step};
use zksettle_prover::sim::market::simulated_market;

/// Arguments of `zksettle stats`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Market to size the circuit for (default: the simulated market, tree depth 20).
    #[arg(long)]
    market: Option<std::path::PathBuf>,
    /// Steps per chunk of the heavy layout.
    #[arg(long, default_value_t = DEFAULT_CAPACITY)]
    capacity: usize,
    /// Steps per chunk of the light layout.
    #[arg(long, default_value_t = LIGHT_CAPACITY)]
    light_capacity: usize,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
}

#[derive(Serialize)]
struct RowsPerOp {
    deposit: usize,
    withdraw: usize,
    trade: usize,
    liquidate: usize,
    settle_expiry: usize,
    /// A signed order entering the state (its signature is the desk's).
    place_order: usize,
    /// A signed cancel.
    cancel_order: usize,
    /// Within `trade`: its two fills against open orders (both sides'
    /// checks and slot updates, and the order slots' share of its leaf
    /// hashes).
    fill: usize,
    /// One ECgFp5 Schnorr verification (key decoded from its encoding,
    /// challenge over a user message of `MESSAGE_LEN` elements).
    verify_signature: usize,
    /// One slot of a chunk's signature desk: a verification and its share
    /// of the queue digest, what each signed withdrawal, order or cancel
    /// costs beyond its step.
    desk_slot: usize,
}

/// Message length of the measured signature verification: a user's
/// message (domain tag, market hash, an order's seven fields).
const SIGNED_MESSAGE_LEN: usize = zksettle_circuits::rules::authorization::MESSAGE_LEN;

#[derive(Serialize)]
struct Chunk {
    capacity: usize,
    rows: usize,
    degree: usize,
    build_ms: u128,
}

/// One chunk layout: the steps it holds, the rows of one step and of the
/// whole chunk, and its padded degree.
#[derive(Serialize)]
struct Layout {
    capacity: usize,
    step_rows: usize,
    rows: usize,
    degree: usize,
}

/// The once-per-epoch prelude, before padding.
#[derive(Serialize)]
struct Prelude {
    rows: usize,
}

#[derive(Serialize)]
struct Stats {
    rows_per_op: RowsPerOp,
    chunk: Chunk,
    prelude: Prelude,
    layouts: std::collections::BTreeMap<&'static str, Layout>,
}

/// Rows one operation of type `tag` adds to a chunk.
fn rows_per_op(shape: MarketShape, tag: u64) -> usize {
    rows_per_step(shape, OpKinds::only(tag))
}

/// Prints the table (or JSON).
pub fn run(args: Args) -> Result<()> {
    let market: Market = match &args.market {
        Some(path) => read_json(path)?,
        None => simulated_market(0),
    };
    market.validate()?;
    let shape = MarketShape::of(&market);
    let rows = RowsPerOp {
        deposit: rows_per_op(shape, tag::DEPOSIT),
        withdraw: rows_per_op(shape, tag::WITHDRAW),
        trade: rows_per_op(shape, tag::TRADE),
        liquidate: rows_per_op(shape, tag::LIQUIDATE),
        settle_expiry: rows_per_op(shape, tag::SETTLE_EXPIRY),
        place_order: rows_per_op(shape, tag::PLACE_ORDER),
        cancel_order: rows_per_op(shape, tag::CANCEL_ORDER),
        fill: zksettle_circuits::gadgets::ops::fill_rows(),
        verify_signature: verification_rows(SIGNED_MESSAGE_LEN),
        desk_slot: desk_slot_rows(shape),
    };
    let params = ChunkParams {
        shape,
        capacity: args.capacity,
        signatures: desk_slots(args.capacity),
        kinds: OpKinds::ALL,
    };
    let started = Instant::now();
    let circuit = ChunkCircuit::build(params);
    let chunk = Chunk {
        capacity: args.capacity,
        rows: circuit.gates,
        degree: 1 << circuit.degree_bits(),
        build_ms: started.elapsed().as_millis(),
    };
    let heavy = Layout {
        capacity: chunk.capacity,
        step_rows: rows_per_step(shape, OpKinds::ALL),
        rows: chunk.rows,
        degree: chunk.degree,
    };
    let light_params = ChunkParams {
        capacity: args.light_capacity,
        signatures: light_desk_slots(args.light_capacity),
        kinds: OpKinds::LIGHT,
        ..params
    };
    let light = ChunkCircuit::build(light_params);
    let light = Layout {
        capacity: args.light_capacity,
        step_rows: rows_per_step(shape, OpKinds::LIGHT),
        rows: light.gates,
        degree: 1 << light.degree_bits(),
    };
    let stats = Stats {
        rows_per_op: rows,
        chunk,
        prelude: Prelude {
            rows: PreludeCircuit::count_gates(shape),
        },
        layouts: [
            (params.layout_name(), heavy),
            (light_params.layout_name(), light),
        ]
        .into_iter()
        .collect(),
    };
    if args.json {
        println!("{}", serde_json::to_string(&stats)?);
    } else {
        print_table(&stats, &shape);
        for (name, layout) in &stats.layouts {
            println!(
                "layout {name}: {} steps of {} rows, {} rows, degree 2^{}",
                layout.capacity,
                layout.step_rows,
                layout.rows,
                layout.degree.trailing_zeros()
            );
        }
        println!(
            "prelude (once per epoch, quorum signatures verified): {} rows, degree 2^{}, then wrapped into the fold's shape",
            stats.prelude.rows,
            stats.prelude.rows.next_power_of_two().trailing_zeros()
        );
    }
    Ok(())
}

fn print_table(stats: &Stats, shape: &MarketShape) {
    let r = &stats.rows_per_op;
    println!(
        "market: {} underlyings, {} instruments, {} scenarios, quorum {}, tree depth {}",
        shape.underlyings, shape.instruments, shape.scenarios, shape.quorum, shape.tree_depth
    );
    println!("{:<16}{:>8}", "operation", "rows");
    for (name, rows) in [
        ("deposit", r.deposit),
        ("withdraw", r.withdraw),
        ("trade", r.trade),
        ("liquidate", r.liquidate),
        ("settle_expiry", r.settle_expiry),
        ("place_order", r.place_order),
        ("cancel_order", r.cancel_order),
        ("fill (in trade)", r.fill),
        ("verify_signature", r.verify_signature),
        ("desk slot", r.desk_slot),
    ] {
        println!("{name:<16}{rows:>8}");
    }
    let c = &stats.chunk;
    println!(
        "chunk of {} steps: {} rows, degree 2^{} ({} rows padded), built in {} ms",
        c.capacity,
        c.rows,
        c.degree.trailing_zeros(),
        c.degree,
        c.build_ms
    );
}
