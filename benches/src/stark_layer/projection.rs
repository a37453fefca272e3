//! Issue 33 item 4: the projected CPU cost of one steady trade, as the
//! chunk proves it today (plonky2 rows) and in a STARK layer (starky
//! tables verified by plonky2 recursion), from this run's measured
//! per-permutation and recursion figures, the circuits' row counts and the
//! memory-checking estimate. Every figure that is not measured is an
//! assumption, listed in [`TradeProjection::assumptions`].
//!
//! A steady trade today is three steps of a light chunk (the two orders'
//! `place_order` and the fill) and two signatures at the chunk's desk.

use serde::{Deserialize, Serialize};
use zksettle_circuits::chunk::{light_desk_slots, OpKinds, LIGHT_CAPACITY};
use zksettle_circuits::gadgets::ecgfp5::schnorr::verification_rows;
use zksettle_circuits::gadgets::market::MarketShape;
use zksettle_circuits::rules::authorization::MESSAGE_LEN;
use zksettle_circuits::rules::ops::tag;
use zksettle_prover::rows::{desk_slot_rows, rows_per_step};

use super::memory_check::{CutEpoch, MemoryCheck};
use super::poseidon_stark::COLUMNS;
use super::{Measured, Recursion};

/// Columns assumed for the memory table: address, time, a read/write flag,
/// the leaf's 4-element digest, and the sorted copy's ordering and
/// permutation-argument helpers.
pub const MEMORY_COLUMNS: usize = 16;

/// plonky2 rows assumed per memory access when the memory argument is
/// written in plonky2 (the sorted copy's order and continuity checks and
/// the permutation argument's running product).
pub const PLONKY2_ROWS_PER_ACCESS: f64 = 3.0;

/// Rows of one table proof in the projection (the size).
pub const TABLE_LOG_ROWS: usize = 16;

/// The per-permutation target of the go/no-go rule (CPU-ms at 2^16).
pub const GO_PERMUTATION_MS: f64 = 0.15;

/// The recursion target of the go/no-go rule (CPU-s per table proof).
pub const GO_RECURSION_CPU_S: f64 = 5.0;

/// The budget of 50 user operations per second on 2 cores, CPU-ms per
/// operation.
pub const BUDGET_MS_PER_OP: f64 = 2.0 * 1e3 / 50.0;

/// One trade's CPU-ms, by where it goes.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct TradeCost {
    /// Merkle node hashes of the ports' leaf updates.
    pub hashing_ms: f64,
    /// The operations' own rows (checks, arithmetic, leaf hashes, batch
    /// hashing).
    pub operation_ms: f64,
    /// The memory argument's table rows.
    pub memory_ms: f64,
    /// Signature verifications.
    pub signatures_ms: f64,
    /// Rows the universal light step pads each operation to.
    pub padding_ms: f64,
    /// Recursion, amortised over the trades a proof holds.
    pub recursion_ms: f64,
    /// The sum.
    pub total_ms: f64,
    /// Trades per second on 2 cores at that cost.
    pub trades_per_s_2_cores: f64,
}

impl TradeCost {
    fn summed(mut self) -> Self {
        self.total_ms = self.hashing_ms
            + self.operation_ms
            + self.memory_ms
            + self.signatures_ms
            + self.padding_ms
            + self.recursion_ms;
        self.trades_per_s_2_cores = 2.0 * 1e3 / self.total_ms;
        self
    }
}

/// The go/no-go rule's two measured figures against their targets.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Decision {
    /// log2 of the rows of the table proof the figures are of: the rule's
    /// size ([`TABLE_LOG_ROWS`]) unless the run did not measure it.
    pub log_rows: usize,
    /// CPU-ms per permutation of the blowup-2 table.
    pub permutation_ms: f64,
    /// CPU-s of the recursive verification of one such table proof.
    pub recursion_cpu_s: f64,
    /// Whether both meet the targets ([`GO_PERMUTATION_MS`],
    /// [`GO_RECURSION_CPU_S`]) at [`TABLE_LOG_ROWS`] rows (never when the
    /// run measured another size).
    pub go: bool,
}

/// The projection.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TradeProjection {
    /// log2 of the rows whose measured figures are used.
    pub log_rows: usize,
    /// The venue size of the memory-checking estimate used.
    pub venue_accounts: u64,
    /// Rows of the circuits as they are: a `place_order` step, a trade
    /// step, the light step every operation pads to, a desk slot, one
    /// signature verification.
    pub rows: TradeRows,
    /// Leaf ports per trade (two orders and the fill).
    pub ports_per_trade: f64,
    /// Signatures verified per trade.
    pub signatures_per_trade: usize,
    /// CPU-ms per plonky2 row (the plonky2 Poseidon circuit's, one gate a
    /// row) and per starky table row (blowup 2).
    pub plonky2_ms_per_row: f64,
    /// CPU-ms per starky row (blowup 2, the table's 248 columns).
    pub starky_ms_per_row: f64,
    /// Today.
    pub today: TradeCost,
    /// The best alternative without a STARK layer: plonky2 with a chunk
    /// layout per kind of traffic (no padding) and the memory argument
    /// in plonky2 rows.
    pub plonky2_trimmed: TradeCost,
    /// With the STARK layer.
    pub stark: TradeCost,
    /// The rule of the issue.
    pub decision: Decision,
    /// What the figures assume.
    pub assumptions: Vec<String>,
}

/// Row counts of the circuits.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TradeRows {
    /// A `place_order` step.
    pub place_order: usize,
    /// A trade step.
    pub trade: usize,
    /// The light chunk's universal step.
    pub light_step: usize,
    /// A desk slot.
    pub desk_slot: usize,
    /// One signature verification.
    pub verify_signature: usize,
    /// Trades a light chunk holds (steps / 3, desk slots / 2).
    pub trades_per_light_chunk: usize,
}

impl TradeRows {
    /// Counted from the circuits of a market of `shape` (nothing built).
    pub fn count(shape: MarketShape) -> Self {
        let slots = light_desk_slots(LIGHT_CAPACITY);
        Self {
            place_order: rows_per_step(shape, OpKinds::only(tag::PLACE_ORDER)),
            trade: rows_per_step(shape, OpKinds::only(tag::TRADE)),
            light_step: rows_per_step(shape, OpKinds::LIGHT),
            desk_slot: desk_slot_rows(shape),
            verify_signature: verification_rows(MESSAGE_LEN),
            trades_per_light_chunk: (LIGHT_CAPACITY / 3).min(slots / 2),
        }
    }
}

const ASSUMPTIONS: [&str; 8] = [
    "a steady trade is two place_order steps, one trade step and two signatures, as the simulator's steady mix runs it today",
    "plonky2 CPU-ms per row is the plonky2 Poseidon circuit's at the same size (one gate a row); today's chunk rows cost the same",
    "an operation's own rows (everything but its Merkle paths) cost, in a STARK CPU table, what one row of the measured 248-column Poseidon table costs",
    "the memory table has 16 columns and two rows per access (the log and its sorted copy); its cost scales with columns from the Poseidon table's",
    "signatures stay plonky2 rows at today's desk-slot cost (no STARK Schnorr table was measured)",
    "each table (Poseidon, CPU, memory) is proven at 2^16 rows and costs the measured blowup-2 recursion plus the wrap to 2^13 per proof; the signatures' plonky2 circuit and today's chunk cost one wrap per proof",
    "Merkle hashes with memory checking: the steady epoch's estimate in the largest venue measured (the simulated accounts at random leaves)",
    "plonky2_trimmed: a chunk layout per kind of traffic removes the light step's padding, and a memory argument in plonky2 costs 3 rows per access",
];

/// The projection from this run's figures, or `None` if the run measured
/// neither table at the size nor its recursion.
pub fn project(
    steady: &CutEpoch,
    memory: &[MemoryCheck],
    results: &[Measured],
    recursion: &[Recursion],
) -> Option<TradeProjection> {
    let log_rows = results
        .iter()
        .map(|m| m.log_rows)
        .filter(|&l| l <= TABLE_LOG_ROWS)
        .max()?;
    let at = |prover: &str| {
        results
            .iter()
            .find(|m| m.prover == prover && m.log_rows == log_rows)
    };
    let starky = at("starky_fast")?.cpu_ms_per_permutation;
    let plonky2 = at("plonky2")?.cpu_ms_per_permutation;
    let recursed = recursion.iter().find(|r| r.inner == "starky_fast")?;
    let per_table_ms = (recursed.prove_cpu_s + recursed.wrap_prove_cpu_s) * 1e3;
    let wrap_ms = recursed.wrap_prove_cpu_s * 1e3;
    let estimate = memory
        .iter()
        .filter(|m| m.mix == steady.mix)
        .max_by_key(|m| m.venue_accounts)?;

    let rows = TradeRows::count(steady.shape);
    let depth = f64::from(steady.depth);
    let ports = 2.0 * steady.ports_per_step(tag::PLACE_ORDER) + steady.ports_per_step(tag::TRADE);
    let signatures = 2;
    let path_rows = ports * 2.0 * depth;
    let own_rows = (2 * rows.place_order + rows.trade) as f64;
    let operation_rows = own_rows - path_rows;
    let signature_rows = (signatures * rows.desk_slot) as f64;
    let table_rows = (1usize << TABLE_LOG_ROWS) as f64;

    let today = TradeCost {
        hashing_ms: path_rows * plonky2,
        operation_ms: operation_rows * plonky2,
        signatures_ms: signature_rows * plonky2,
        padding_ms: (3 * rows.light_step) as f64 * plonky2 - own_rows * plonky2,
        recursion_ms: wrap_ms / rows.trades_per_light_chunk.max(1) as f64,
        ..TradeCost::default()
    }
    .summed();

    let hashes = ports * estimate.hashes_per_port_memory_checked;
    let memory_rows = ports * 2.0 * 2.0;
    let memory_row_ms = starky * MEMORY_COLUMNS as f64 / COLUMNS as f64;
    // Trades one 2^16-row proof of each table holds, and its recursion.
    let recursion_ms = [hashes, operation_rows, memory_rows]
        .iter()
        .map(|&rows_per_trade| per_table_ms * rows_per_trade / table_rows)
        .sum::<f64>()
        + wrap_ms * signature_rows / table_rows;
    let stark = TradeCost {
        hashing_ms: hashes * starky,
        operation_ms: operation_rows * starky,
        memory_ms: memory_rows * memory_row_ms,
        signatures_ms: signature_rows * plonky2,
        padding_ms: 0.0,
        recursion_ms,
        ..TradeCost::default()
    }
    .summed();

    let plonky2_trimmed = TradeCost {
        hashing_ms: hashes * plonky2,
        operation_ms: operation_rows * plonky2,
        memory_ms: ports * 2.0 * PLONKY2_ROWS_PER_ACCESS * plonky2,
        signatures_ms: signature_rows * plonky2,
        padding_ms: 0.0,
        recursion_ms: today.recursion_ms,
        ..TradeCost::default()
    }
    .summed();

    let decision = Decision {
        log_rows,
        permutation_ms: starky,
        recursion_cpu_s: recursed.prove_cpu_s,
        go: log_rows == TABLE_LOG_ROWS
            && recursed.inner_log_rows == TABLE_LOG_ROWS
            && starky <= GO_PERMUTATION_MS
            && recursed.prove_cpu_s <= GO_RECURSION_CPU_S,
    };
    Some(TradeProjection {
        log_rows,
        venue_accounts: estimate.venue_accounts,
        rows,
        ports_per_trade: ports,
        signatures_per_trade: signatures,
        plonky2_ms_per_row: plonky2,
        starky_ms_per_row: starky,
        today,
        plonky2_trimmed,
        stark,
        decision,
        assumptions: ASSUMPTIONS.iter().map(|a| a.to_string()).collect(),
    })
}
