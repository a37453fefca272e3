//! Issue 6's and issue 13's targets, and each measured figure checked
//! against its own.

use serde::{Deserialize, Serialize};

use crate::results::Report;

/// End-to-end operations per second on 2 cores, at least.
pub const OPS_PER_S: f64 = 50.0;
/// Rows per trade, at most.
pub const TRADE_ROWS: usize = 200;
/// Prover time per row over raw plonky2's, at most.
pub const ROW_COST_RATIO: f64 = 1.2;
/// Bytes of a proof (64 KiB), at most.
pub const PROOF_BYTES: usize = 64 * 1024;
/// Milliseconds to verify a proof, at most.
pub const VERIFY_MS: f64 = 3.0;
/// Peak resident memory (4 GiB), at most.
pub const PEAK_BYTES: u64 = 4 << 30;
/// End-to-end operations per second of the steady-state epoch, at least
/// (issue 13; its goal is 50).
pub const STEADY_OPS_PER_S: f64 = 25.0;
/// End-to-end operations per second of the crash epoch, at least (issue 13).
pub const CRASH_OPS_PER_S: f64 = 10.0;

/// One figure against its target.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TargetCheck {
    /// What is measured.
    pub figure: String,
    /// The measured value, formatted with its unit.
    pub measured: String,
    /// The target, formatted with its unit.
    pub target: String,
    /// Whether the measured value meets it.
    pub met: bool,
}

fn check(figure: &str, measured: String, target: String, met: bool) -> TargetCheck {
    TargetCheck {
        figure: figure.into(),
        measured,
        target,
        met,
    }
}

/// Formats bytes as GiB with two decimals.
pub fn gib(bytes: u64) -> String {
    format!("{:.2} GiB", bytes as f64 / f64::from(1u32 << 30))
}

/// Every figure of `report` that issue 6 or 13 sets a target for.
pub fn checks(report: &Report) -> Vec<TargetCheck> {
    let e = &report.epoch;
    let trade = report
        .rows_per_op
        .get("trade")
        .copied()
        .unwrap_or(usize::MAX);
    let peak = report.memory.peak_bytes();
    let mut checks = vec![
        check(
            &format!(
                "end-to-end throughput, {} threads ({} ops)",
                report.machine.rayon_threads, e.ops
            ),
            format!("{:.2} ops/s", e.ops_per_s),
            format!(">= {OPS_PER_S} ops/s"),
            e.ops_per_s >= OPS_PER_S,
        ),
        check(
            "rows per trade",
            format!("{trade}"),
            format!("<= {TRADE_ROWS}"),
            trade <= TRADE_ROWS,
        ),
        check(
            &format!(
                "prover time per row / raw plonky2 (2^{})",
                report.row_cost.degree_bits
            ),
            format!("{:.2}x", report.row_cost.ratio),
            format!("<= {ROW_COST_RATIO}x"),
            report.row_cost.ratio <= ROW_COST_RATIO,
        ),
        check(
            "final proof size (what clients download)",
            format!("{} B", e.final_proof_bytes),
            format!("<= {PROOF_BYTES} B (64 KiB)"),
            e.final_proof_bytes <= PROOF_BYTES,
        ),
        check(
            "chain proof size",
            format!("{} B", e.chain_proof_bytes),
            format!("<= {PROOF_BYTES} B (64 KiB)"),
            e.chain_proof_bytes <= PROOF_BYTES,
        ),
        check(
            "epoch proof size",
            format!("{} B", e.epoch_proof_bytes),
            format!("<= {PROOF_BYTES} B (64 KiB)"),
            e.epoch_proof_bytes <= PROOF_BYTES,
        ),
        check(
            "final proof light verification (`verify_proof`)",
            format!("{:.2} ms", e.light_verify_ms),
            format!("<= {VERIFY_MS} ms"),
            e.light_verify_ms <= VERIFY_MS,
        ),
        check(
            "chain proof verification (`ChainCircuit::verify`)",
            format!("{:.2} ms", e.chain_verify_ms),
            format!("<= {VERIFY_MS} ms"),
            e.chain_verify_ms <= VERIFY_MS,
        ),
        check(
            "epoch proof verification (`FoldCircuit::verify`)",
            format!("{:.2} ms", e.epoch_verify_ms),
            format!("<= {VERIFY_MS} ms"),
            e.epoch_verify_ms <= VERIFY_MS,
        ),
        check(
            "peak resident memory",
            peak.map_or_else(|| "unknown".into(), gib),
            format!("<= {}", gib(PEAK_BYTES)),
            peak.is_some_and(|p| p <= PEAK_BYTES),
        ),
    ];
    for (name, target) in [("steady", STEADY_OPS_PER_S), ("crash", CRASH_OPS_PER_S)] {
        if let Some(w) = report.workloads.get(name) {
            checks.push(check(
                &format!("{name} epoch throughput ({} ops)", w.ops),
                format!("{:.2} ops/s", w.ops_per_s),
                format!(">= {target} ops/s"),
                w.ops_per_s >= target,
            ));
        }
    }
    checks
}
