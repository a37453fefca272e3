//! The report's figures, as written to `benches/report.json`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::epoch_run::{EpochRun, SegmentRun};
use crate::row_cost::RowCost;
use crate::sweep::SweepPoint;
use crate::targets::TargetCheck;

/// Everything one report run measured.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Report {
    /// A `--quick` smoke run (small parameters: not the figures to quote).
    pub quick: bool,
    /// When the run started (UTC).
    pub started_utc: String,
    /// Seconds the whole run took.
    pub run_s: f64,
    /// The machine.
    pub machine: Machine,
    /// What was proven.
    pub params: Params,
    /// The circuit set of the default parameters.
    pub circuits: Circuits,
    /// Rows per operation type (settle_expiry: per holder).
    pub rows_per_op: BTreeMap<String, usize>,
    /// Rows of one step supporting every operation type.
    pub rows_per_step: usize,
    /// The epoch proven end to end.
    pub epoch: EpochRun,
    /// The first epoch of each simulator mix (`default`, `steady`, `crash`)
    /// proven end to end with the same circuits (empty in reports older
    /// than the mixes).
    #[serde(default)]
    pub workloads: BTreeMap<String, Workload>,
    /// Prover time per row against raw plonky2.
    pub row_cost: RowCost,
    /// Throughput against chunk size.
    pub sweep: Vec<SweepPoint>,
    /// The same few chunks proven at 1 and 2 threads (child processes).
    pub threads: Vec<SegmentRun>,
    /// Peak resident memory.
    pub memory: Memory,
    /// Each figure against its target (issues 6 and 13).
    pub targets: Vec<TargetCheck>,
    /// The STARK-layer measurement (issue 33), if run.
    #[serde(default)]
    pub stark_layer: Option<crate::stark_layer::StarkLayerReport>,
    /// The follower over consecutive steady epochs (issue 32), if run.
    #[serde(default)]
    pub follow: Option<crate::follow_run::FollowReport>,
}

/// One workload proven end to end.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Workload {
    /// `zksettle simulate --mix` of the epoch.
    pub mix: String,
    /// Operations in the epoch.
    pub ops: usize,
    /// Operations of each type.
    pub op_mix: BTreeMap<String, usize>,
    /// Chunk steps (a settlement takes one per holder).
    pub steps: usize,
    /// Chunks proven.
    pub chunks: usize,
    /// Of those, chunks proven with the light layout.
    #[serde(default)]
    pub light_chunks: usize,
    /// Operations per second end to end.
    pub ops_per_s: f64,
    /// Seconds from the native application to the final proof.
    pub total_s: f64,
    /// Seconds proving and wrapping the chunks.
    pub chunk_s: f64,
    /// Seconds of the fold tree.
    pub fold_s: f64,
    /// Seconds of the chain step.
    pub chain_s: f64,
    /// Seconds of the final proof.
    pub final_s: f64,
    /// Peak resident memory of this process while it proved the epoch
    /// (the circuits loaded included), when measurable.
    pub peak_memory_bytes: Option<u64>,
}

impl Workload {
    /// The figures of one run.
    pub fn of(mix: &str, run: &EpochRun, peak_memory_bytes: Option<u64>) -> Self {
        Self {
            mix: mix.into(),
            ops: run.ops,
            op_mix: run.op_mix.clone(),
            steps: run.steps,
            chunks: run.chunks,
            light_chunks: run.light_chunks,
            ops_per_s: run.ops_per_s,
            total_s: run.stages.total_s,
            chunk_s: run.stages.chunk_s,
            fold_s: run.stages.fold_s,
            chain_s: run.stages.chain_s,
            final_s: run.stages.final_s,
            peak_memory_bytes,
        }
    }
}

/// The machine the run measured.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Machine {
    /// Logical CPUs available to the process.
    pub cpus: usize,
    /// The CPU model (from `/proc/cpuinfo`).
    pub cpu_model: String,
    /// Rayon threads the main run proved with.
    pub rayon_threads: usize,
    /// One-minute load average when the run started and when it ended
    /// (other work on the machine slows every figure).
    pub load_average: [f64; 2],
}

/// What the run proved.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Params {
    /// Simulator seed.
    pub seed: u64,
    /// User accounts.
    pub accounts: u32,
    /// Operations in the epoch.
    pub ops: usize,
    /// Account tree depth.
    pub tree_depth: u32,
    /// Steps per chunk.
    pub capacity: usize,
    /// Instruments of the market.
    pub instruments: usize,
    /// Risk scenarios.
    pub scenarios: usize,
    /// Oracle quorum.
    pub quorum: usize,
}

/// The circuit set and where it came from.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Circuits {
    /// Loaded from the on-disk cache (`false`: built in this run).
    pub from_cache: bool,
    /// Seconds to load or build them.
    pub secs: f64,
    /// Chunk circuit rows before padding.
    pub chunk_rows: usize,
    /// log2 of the chunk circuit's padded rows.
    pub chunk_degree_bits: usize,
    /// log2 of the wrap, fold and chain circuits' padded rows.
    pub recursion_degree_bits: usize,
    /// Every chunk layout, by name (`light`, `heavy`).
    #[serde(default)]
    pub layouts: BTreeMap<String, LayoutFigures>,
}

/// One chunk layout's size.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct LayoutFigures {
    /// Steps per chunk.
    pub capacity: usize,
    /// Rows of one step.
    pub step_rows: usize,
    /// Chunk circuit rows before padding.
    pub rows: usize,
    /// log2 of the padded rows.
    pub degree_bits: usize,
}

/// Peak resident memory, bytes.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Memory {
    /// This process (the end-to-end epoch, the row-cost runs and the sweep).
    pub main_bytes: Option<u64>,
    /// The largest of the thread-comparison child processes (each reports
    /// its own `VmHWM`).
    pub children_bytes: Option<u64>,
}

impl Memory {
    /// The larger of the two.
    pub fn peak_bytes(&self) -> Option<u64> {
        self.main_bytes.max(self.children_bytes)
    }
}
