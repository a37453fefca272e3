//! # zksettle-benches
//!
//! How fast zksettle proves, measured (issue 6). Two front ends share this
//! library:
//!
//! * criterion benches (`cargo bench -p zksettle-benches`): `native` (the
//!   ledger applying each operation type, an epoch, witness assignment) and
//!   `proving` (chunk proofs at two capacities, one fold, one chain step,
//!   verification of a chain proof), all at a small tree depth so that a run
//!   takes minutes;
//! * the report binary (`cargo run --release -p zksettle-benches --bin
//!   report`), which measures the default parameters in one run and writes
//!   `BENCHMARKS.md`, `benches/report.json` and `benches/ops_per_chunk_size.svg`.
//!
//! Every figure the report prints is measured in its own run; the targets it
//! compares them with are issues 6 and 13's ([`targets`]).
//!
//! Modules, in the order the report uses them: [`workload`] (what is
//! proven), [`rows`] (rows per operation type), [`epoch_run`] (one epoch end
//! to end, split by stage), [`baseline`] and [`row_cost`] (prover time per
//! row against raw plonky2), [`sweep`] (throughput against chunk size),
//! [`memory`] (peak resident memory), then [`results`], [`targets`],
//! [`markdown`] and [`plot`] for the outputs. [`stark_layer`] is issue 33's
//! separate measurement (the `stark_layer` binary): a starky Poseidon table
//! against plonky2 Poseidon rows.
#![deny(missing_docs)]

pub mod baseline;
pub mod epoch_run;
pub mod error;
pub mod follow_run;
pub mod markdown;
pub mod memory;
pub mod plot;
pub mod results;
pub mod row_cost;
pub mod rows;
pub mod stark_layer;
pub mod sweep;
pub mod targets;
pub mod timing;
pub mod workload;

pub use error::BenchError;
