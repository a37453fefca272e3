//! Issue 33's measurement: is a starky table (blowup 2, degree-3
//! constraints) verified by plonky2 recursion cheaper per Poseidon
//! permutation than plonky2's own Poseidon gate rows?
//!
//! * [`poseidon_stark`]: the table, one permutation per row;
//! * [`inputs`]: what it hashes, the Merkle node hashes of a simulated
//!   epoch's leaf updates (both roots of each);
//! * this module: proving runs of the table (two FRI configurations), of
//!   the same permutations as plonky2 Poseidon gate rows, and of the
//!   recursive verification of one table proof in a plonky2 circuit.
//!
//! CPU time is wall time times the rayon threads; per-permutation figures
//! divide it by the permutations proven (the table's rows; the plonky2
//! circuit's Poseidon gates).

pub mod inputs;
pub mod memory_check;
pub mod poseidon_stark;
pub mod projection;

use plonky2::field::types::Field;
use plonky2::fri::reduction_strategies::FriReductionStrategy;
use plonky2::fri::FriConfig;
use plonky2::gates::noop::NoopGate;
use plonky2::hash::hashing::PlonkyPermutation;
use plonky2::hash::poseidon::{PoseidonHash, PoseidonPermutation};
use plonky2::iop::target::Target;
use plonky2::iop::witness::{PartialWitness, WitnessWrite};
use plonky2::plonk::circuit_builder::CircuitBuilder;
use plonky2::plonk::circuit_data::{CircuitConfig, CircuitData};
use plonky2::util::timing::TimingTree;
use serde::{Deserialize, Serialize};
use starky::config::StarkConfig;
use starky::proof::StarkProofWithPublicInputs;
use starky::recursive_verifier::{
    add_virtual_stark_proof_with_pis, set_stark_proof_with_pis_target, verify_stark_proof_circuit,
};
use zksettle_circuits::config::{C, D, F};

use crate::memory::Peaks;
use crate::timing::{median, timed};
use poseidon_stark::{PoseidonStark, WIDTH};

/// The table, over zksettle's field.
pub type Table = PoseidonStark<F, D>;

/// A table proof.
pub type TableProof = StarkProofWithPublicInputs<F, C, D>;

/// Why a stark-layer measurement failed.
#[derive(Debug, thiserror::Error)]
pub enum StarkLayerError {
    /// The workload could not be built.
    #[error(transparent)]
    Bench(#[from] crate::BenchError),
    /// The workload lacks what the measurement needs.
    #[error("workload: {0}")]
    Workload(String),
    /// A starky proof did not prove or verify.
    #[error("starky: {0}")]
    Starky(String),
    /// A plonky2 proof did not prove or verify.
    #[error("plonky2: {0}")]
    Plonky2(String),
}

fn starky_err(e: anyhow::Error) -> StarkLayerError {
    StarkLayerError::Starky(format!("{e:#}"))
}

fn plonky2_err(e: anyhow::Error) -> StarkLayerError {
    StarkLayerError::Plonky2(format!("{e:#}"))
}

/// Runs `work` in a memory window: its result and the peak resident memory
/// above what the process held when it started (the other provers' data,
/// such as the plonky2 circuit, held throughout, left out).
fn window<T>(peaks: &mut Peaks, work: impl FnOnce() -> T) -> (T, Option<u64>) {
    let start = crate::memory::resident_self_bytes();
    let (out, peak) = peaks.window(work);
    (out, peak.zip(start).map(|(p, s)| p.saturating_sub(s)))
}

/// A FRI configuration of the table, by name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TableConfig {
    /// `StarkConfig::standard_fast_config()`: blowup 2, 84 queries.
    Fast,
    /// Blowup 8 (rate bits 3), 28 queries: the same conjectured security.
    Blowup8,
}

impl TableConfig {
    /// Both, in the order runs alternate.
    pub const ALL: [TableConfig; 2] = [TableConfig::Fast, TableConfig::Blowup8];

    /// The starky configuration.
    pub fn config(self) -> StarkConfig {
        match self {
            TableConfig::Fast => StarkConfig::standard_fast_config(),
            TableConfig::Blowup8 => StarkConfig::new(
                100,
                2,
                FriConfig {
                    rate_bits: 3,
                    cap_height: 4,
                    proof_of_work_bits: 16,
                    reduction_strategy: FriReductionStrategy::ConstantArityBits(4, 5),
                    num_query_rounds: 28,
                },
            ),
        }
    }

    /// A short name.
    pub fn name(self) -> &'static str {
        match self {
            TableConfig::Fast => "starky_fast",
            TableConfig::Blowup8 => "starky_blowup8",
        }
    }
}

/// `count` permutation inputs: `source` in order, repeated from its start
/// when it is shorter.
pub fn take_cycled(source: &[[F; WIDTH]], count: usize) -> Vec<[F; WIDTH]> {
    if source.is_empty() {
        return vec![[F::ZERO; WIDTH]; count];
    }
    source.iter().cycle().take(count).copied().collect()
}

/// One proving run's figures.
#[derive(Clone, Debug, Serialize)]
pub struct Run {
    /// Seconds to build the trace or witness (starky: the trace columns;
    /// plonky2: included in `prove_s`, so 0).
    pub trace_s: f64,
    /// Seconds `prove` took.
    pub prove_s: f64,
    /// Seconds native verification took.
    pub verify_s: f64,
}

/// Proves `inputs` (a power of two of them) in the table once, verifies
/// natively, and returns the figures and the proof.
pub fn prove_table(
    inputs: &[[F; WIDTH]],
    config: TableConfig,
) -> Result<(Run, TableProof), StarkLayerError> {
    let stark = Table::new();
    let config = config.config();
    let (trace, trace_s) = timed(|| poseidon_stark::generate_trace(inputs, inputs.len()));
    let (proof, prove_s) = timed(|| {
        starky::prover::prove::<F, C, Table, D>(
            stark,
            &config,
            trace,
            &[],
            None,
            &mut TimingTree::default(),
        )
    });
    let proof = proof.map_err(starky_err)?;
    let (verified, verify_s) =
        timed(|| starky::verifier::verify_stark_proof(stark, proof.clone(), &config, None));
    verified.map_err(starky_err)?;
    Ok((
        Run {
            trace_s,
            prove_s,
            verify_s,
        },
        proof,
    ))
}

/// A table proof's size: its field elements (every number of its serde
/// form), 8 bytes each.
pub fn table_proof_bytes(proof: &TableProof) -> Result<usize, StarkLayerError> {
    fn numbers(v: &serde_json::Value) -> usize {
        match v {
            serde_json::Value::Number(_) => 1,
            serde_json::Value::Array(a) => a.iter().map(numbers).sum(),
            serde_json::Value::Object(o) => o.values().map(numbers).sum(),
            _ => 0,
        }
    }
    let value = serde_json::to_value(proof)
        .map_err(|e| StarkLayerError::Starky(format!("proof does not serialise: {e}")))?;
    Ok(8 * numbers(&value))
}

/// The same permutations as plonky2 Poseidon gate rows: a circuit of
/// `permutations` `builder.permute::<PoseidonHash>` calls on witness
/// inputs, in zksettle's circuit configuration.
pub struct Plonky2Table {
    /// The circuit.
    pub data: CircuitData<F, C, D>,
    /// Its permutation inputs.
    pub inputs: Vec<[Target; WIDTH]>,
}

impl Plonky2Table {
    /// The circuit of `permutations` permutations.
    pub fn build(permutations: usize) -> Self {
        let mut b = CircuitBuilder::<F, D>::new(CircuitConfig::standard_recursion_config());
        let inputs: Vec<[Target; WIDTH]> = (0..permutations)
            .map(|_| {
                let input: [Target; WIDTH] = b.add_virtual_target_arr();
                b.permute::<PoseidonHash>(PoseidonPermutation::new(input));
                input
            })
            .collect();
        Self {
            data: b.build::<C>(),
            inputs,
        }
    }

    /// The largest circuit of Poseidon rows that `2^log_rows` rows hold
    /// (its few rows of public-input hashing and constants included).
    pub fn fitting(log_rows: usize) -> Self {
        let mut spare = 4;
        loop {
            let table = Self::build((1usize << log_rows) - spare);
            if table.data.common.degree_bits() <= log_rows {
                return table;
            }
            spare *= 2;
        }
    }

    /// Proves the permutations of `values` (cycled to the circuit's count)
    /// once and verifies; returns the figures and the proof's bytes.
    pub fn prove(&self, values: &[[F; WIDTH]]) -> Result<(Run, usize), StarkLayerError> {
        let values = take_cycled(values, self.inputs.len());
        let mut pw = PartialWitness::new();
        for (targets, values) in self.inputs.iter().zip(&values) {
            pw.set_target_arr(targets, values).map_err(plonky2_err)?;
        }
        let (proof, prove_s) = timed(|| self.data.prove(pw));
        let proof = proof.map_err(plonky2_err)?;
        let bytes = proof.to_bytes().len();
        let (verified, verify_s) = timed(|| self.data.verify(proof));
        verified.map_err(plonky2_err)?;
        Ok((
            Run {
                trace_s: 0.0,
                prove_s,
                verify_s,
            },
            bytes,
        ))
    }
}

/// One prover's figures at one size: medians over the runs.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Measured {
    /// `starky_fast`, `starky_blowup8` or `plonky2`.
    pub prover: String,
    /// log2 of the rows.
    pub log_rows: usize,
    /// Permutations proven.
    pub permutations: usize,
    /// Runs the medians are of.
    pub runs: usize,
    /// Median seconds of trace generation (starky only).
    pub trace_s: f64,
    /// Median seconds of proving.
    pub prove_s: f64,
    /// Every run's proving seconds.
    pub prove_samples_s: Vec<f64>,
    /// Median seconds of native verification.
    pub verify_s: f64,
    /// CPU-ms per permutation: (trace + prove) median x threads /
    /// permutations.
    pub cpu_ms_per_permutation: f64,
    /// Proof bytes.
    pub proof_bytes: usize,
    /// Peak resident memory of the first run above the process's resident
    /// set when it started (what proving itself allocates), if readable. A
    /// lower bound: pages that earlier runs freed but the allocator kept
    /// resident count in the start, so only a size's first window (the
    /// blowup-2 table) reads true; the others can read low.
    pub peak_bytes: Option<u64>,
}

impl Measured {
    /// The medians of `runs` of one prover at one size.
    pub fn of(
        prover: &'static str,
        log_rows: usize,
        permutations: usize,
        threads: usize,
        runs: &[Run],
        proof_bytes: usize,
        peak_bytes: Option<u64>,
    ) -> Self {
        let pick = |f: fn(&Run) -> f64| median(&runs.iter().map(f).collect::<Vec<_>>());
        let trace_s = pick(|r| r.trace_s);
        let prove_s = pick(|r| r.prove_s);
        Self {
            prover: prover.to_string(),
            log_rows,
            permutations,
            runs: runs.len(),
            trace_s,
            prove_s,
            prove_samples_s: runs.iter().map(|r| r.prove_s).collect(),
            verify_s: pick(|r| r.verify_s),
            cpu_ms_per_permutation: (trace_s + prove_s) * threads as f64 * 1e3
                / permutations as f64,
            proof_bytes,
            peak_bytes,
        }
    }
}

/// One size's figures (every prover) and the last run's table proofs.
pub type SizeOutcome = (Vec<Measured>, Vec<(TableConfig, TableProof)>);

/// Every prover at one size, runs alternating between them.
pub fn measure_size(
    source: &[[F; WIDTH]],
    log_rows: usize,
    runs: usize,
    threads: usize,
    peaks: &mut Peaks,
) -> Result<SizeOutcome, StarkLayerError> {
    let rows = 1usize << log_rows;
    let inputs = take_cycled(source, rows);
    let plonky2 = Plonky2Table::fitting(log_rows);
    let mut table_runs: Vec<Vec<Run>> = vec![Vec::new(); TableConfig::ALL.len()];
    let mut table_bytes = vec![0; TableConfig::ALL.len()];
    let mut table_peaks = vec![None; TableConfig::ALL.len()];
    let mut last_proofs = Vec::new();
    let mut plonky2_runs = Vec::new();
    let (mut plonky2_bytes, mut plonky2_peak) = (0, None);
    for run in 0..runs.max(1) {
        last_proofs.clear();
        for (i, config) in TableConfig::ALL.into_iter().enumerate() {
            let (outcome, peak) = window(peaks, || prove_table(&inputs, config));
            let (figures, proof) = outcome?;
            if run == 0 {
                table_bytes[i] = table_proof_bytes(&proof)?;
                table_peaks[i] = peak;
            }
            table_runs[i].push(figures);
            last_proofs.push((config, proof));
        }
        let (outcome, peak) = window(peaks, || plonky2.prove(&inputs));
        let (figures, bytes) = outcome?;
        if run == 0 {
            plonky2_bytes = bytes;
            plonky2_peak = peak;
        }
        plonky2_runs.push(figures);
    }
    let mut out: Vec<Measured> = TableConfig::ALL
        .into_iter()
        .enumerate()
        .map(|(i, config)| {
            Measured::of(
                config.name(),
                log_rows,
                rows,
                threads,
                &table_runs[i],
                table_bytes[i],
                table_peaks[i],
            )
        })
        .collect();
    out.push(Measured::of(
        "plonky2",
        log_rows,
        plonky2.inputs.len(),
        threads,
        &plonky2_runs,
        plonky2_bytes,
        plonky2_peak,
    ));
    Ok((out, last_proofs))
}

/// The recursive verification of one table proof in a plonky2 circuit
/// (zksettle's circuit configuration).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Recursion {
    /// The inner proof's configuration.
    pub inner: String,
    /// log2 of the inner table's rows.
    pub inner_log_rows: usize,
    /// Gates of the verifier circuit before padding.
    pub gates: usize,
    /// log2 of its rows after padding.
    pub log_rows: usize,
    /// Seconds to build it.
    pub build_s: f64,
    /// Seconds to prove it.
    pub prove_s: f64,
    /// CPU-seconds to prove it (wall x threads).
    pub prove_cpu_s: f64,
    /// Its proof's bytes.
    pub proof_bytes: usize,
    /// Gates of the wrap circuit (one plonky2 verification of the
    /// recursion proof) before padding.
    pub wrap_gates: usize,
    /// log2 of the wrap circuit's rows: padded to [`WRAP_LOG_ROWS`], more
    /// only if the verification does not fit.
    pub wrap_log_rows: usize,
    /// Seconds to prove the wrap circuit.
    pub wrap_prove_s: f64,
    /// CPU-seconds to prove the wrap circuit.
    pub wrap_prove_cpu_s: f64,
}

/// log2 of the rows of zksettle's fold circuits, the shape a wrapped table
/// proof would take.
pub const WRAP_LOG_ROWS: usize = 13;

/// Verifies `proof` (of `config`) in a plonky2 circuit: builds, proves and
/// verifies the circuit once, then wraps its proof into a circuit of
/// [`WRAP_LOG_ROWS`] rows (one more plonky2 verification) and proves that.
pub fn recurse(
    config: TableConfig,
    proof: &TableProof,
    threads: usize,
) -> Result<Recursion, StarkLayerError> {
    let stark = Table::new();
    let inner = config.config();
    let degree_bits = proof.proof.recover_degree_bits(&inner);
    let ((data, target, zero, gates), build_s) = timed(|| {
        let mut b = CircuitBuilder::<F, D>::new(CircuitConfig::standard_recursion_config());
        let target = add_virtual_stark_proof_with_pis(&mut b, &stark, &inner, degree_bits, 0, 0);
        verify_stark_proof_circuit::<F, C, Table, D>(&mut b, stark, target.clone(), &inner, None);
        let zero = b.zero();
        let gates = b.num_gates();
        (b.build::<C>(), target, zero, gates)
    });
    let mut pw = PartialWitness::new();
    set_stark_proof_with_pis_target(&mut pw, &target, proof, degree_bits, zero)
        .map_err(starky_err)?;
    let (outer, prove_s) = timed(|| data.prove(pw));
    let outer = outer.map_err(plonky2_err)?;
    let proof_bytes = outer.to_bytes().len();
    data.verify(outer.clone()).map_err(plonky2_err)?;

    let mut b = CircuitBuilder::<F, D>::new(CircuitConfig::standard_recursion_config());
    let outer_target = b.add_virtual_proof_with_pis(&data.common);
    let key = b.constant_verifier_data(&data.verifier_only);
    b.verify_proof::<C>(&outer_target, &key, &data.common);
    let wrap_gates = b.num_gates();
    // Building adds a few rows; just over half the goal's rows pads to it.
    while b.num_gates() <= 1 << (WRAP_LOG_ROWS - 1) {
        b.add_gate(NoopGate, vec![]);
    }
    let wrap = b.build::<C>();
    let mut pw = PartialWitness::new();
    pw.set_proof_with_pis_target(&outer_target, &outer)
        .map_err(plonky2_err)?;
    let (wrapped, wrap_prove_s) = timed(|| wrap.prove(pw));
    wrap.verify(wrapped.map_err(plonky2_err)?)
        .map_err(plonky2_err)?;
    Ok(Recursion {
        inner: config.name().to_string(),
        inner_log_rows: degree_bits,
        gates,
        log_rows: data.common.degree_bits(),
        build_s,
        prove_s,
        prove_cpu_s: prove_s * threads as f64,
        proof_bytes,
        wrap_gates,
        wrap_log_rows: wrap.common.degree_bits(),
        wrap_prove_s,
        wrap_prove_cpu_s: wrap_prove_s * threads as f64,
    })
}

/// What a stark-layer run measures.
#[derive(Clone, Debug)]
pub struct Settings {
    /// A smoke run (figures not to quote).
    pub quick: bool,
    /// log2 of the table sizes.
    pub log_rows: Vec<usize>,
    /// Runs per prover and size, alternating.
    pub runs: usize,
    /// Operations of the simulated epochs.
    pub ops: usize,
    /// Venue sizes of the memory-checking estimate.
    pub venues: Vec<u64>,
    /// Whether to verify a table proof recursively.
    pub recursion: bool,
}

impl Settings {
    /// The full sweep: 2^14 to 2^17 rows, 3 runs, 2,000-operation epochs,
    /// venues of 10^4 and 10^6 accounts.
    pub fn full() -> Self {
        Self {
            quick: false,
            log_rows: vec![14, 15, 16, 17],
            runs: 3,
            ops: 2000,
            venues: vec![10_000, 1_000_000],
            recursion: true,
        }
    }

    /// The CI smoke run: 2^10 rows once on 64-operation epochs.
    pub fn quick() -> Self {
        Self {
            quick: true,
            log_rows: vec![10],
            runs: 1,
            ops: 64,
            venues: vec![10_000],
            recursion: true,
        }
    }
}

/// A stark-layer run's figures (`stark_layer`'s output and the report's
/// `stark_layer` section).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct StarkLayerReport {
    /// A smoke run.
    pub quick: bool,
    /// When the run started (UTC).
    pub started_utc: String,
    /// The command that made it.
    pub command: String,
    /// Whether the report attached it from a separate run of the
    /// `stark_layer` binary (`report --render --stark-layer`) rather than
    /// measuring it in its own run.
    #[serde(default)]
    pub separate_run: bool,
    /// Rayon threads.
    pub threads: usize,
    /// Operations of the steady epoch whose permutations the tables prove.
    pub epoch_ops: usize,
    /// Its leaf updates.
    pub leaf_updates: usize,
    /// Its Merkle node permutations.
    pub permutations_in_epoch: usize,
    /// The table's columns.
    pub table_columns: usize,
    /// Each prover at each size.
    pub results: Vec<Measured>,
    /// The recursive verification of one table proof per configuration.
    pub recursion: Vec<Recursion>,
    /// The memory-checking estimate (issue 33 item 3).
    pub memory_check: Vec<memory_check::MemoryCheck>,
    /// The steady trade's projection and the go/no-go rule.
    pub projection: Option<projection::TradeProjection>,
    /// The whole run's peak resident memory (every prover's data held).
    pub peak_process_bytes: Option<u64>,
}

/// Runs the measurement of `settings`, printing progress to stderr.
pub fn run(
    settings: &Settings,
    command: &str,
    started_utc: &str,
) -> Result<StarkLayerReport, StarkLayerError> {
    use zksettle_prover::sim::Mix;

    let threads = rayon::current_num_threads();
    // One steady epoch: its Merkle hashes feed the tables, its chunk cut
    // the memory check and the projection.
    let (steady, epoch) = memory_check::CutEpoch::simulate(Mix::Steady, settings.ops)?;
    let (source, leaf_updates) = inputs::epoch_inputs(&epoch.witness)?;
    eprintln!(
        "stark layer: epoch of {} ops, {leaf_updates} leaf updates, {} permutations; {threads} threads",
        epoch.epoch.ops.len(),
        source.len()
    );

    let (crash, _) = memory_check::CutEpoch::simulate(Mix::Crash, settings.ops)?;
    let memory: Vec<memory_check::MemoryCheck> = [&steady, &crash]
        .iter()
        .flat_map(|cut| cut.memory_check(&settings.venues))
        .collect();
    for m in &memory {
        eprintln!(
            "  memory check, {} epoch ({} ops), venue of {} accounts: {} chunks, {} ports; Merkle hashes {} today ({:.1} a port), {} memory-checked ({:.1} a port, {} accesses): {:.2}x fewer",
            m.mix, m.ops, m.venue_accounts, m.chunks, m.ports, m.hashes_today, m.hashes_per_port_today,
            m.hashes_memory_checked, m.hashes_per_port_memory_checked, m.memory_accesses, m.saving
        );
    }

    let mut peaks = Peaks::default();
    let mut results = Vec::new();
    // The recursion verifies the table proofs of 2^16 rows (the go/no-go
    // size) when measured, else of the largest size.
    let preferred = |l: usize| (l == projection::TABLE_LOG_ROWS, l);
    let mut recursed: Vec<(TableConfig, TableProof)> = Vec::new();
    let mut recursed_log = 0;
    for &log in &settings.log_rows {
        eprintln!("  2^{log} rows ...");
        let (measured, proofs) = measure_size(&source, log, settings.runs, threads, &mut peaks)?;
        for m in &measured {
            eprintln!("  {}", m.line());
        }
        results.extend(measured);
        if recursed.is_empty() || preferred(log) > preferred(recursed_log) {
            recursed = proofs;
            recursed_log = log;
        }
    }

    let mut recursion = Vec::new();
    if settings.recursion {
        for (config, proof) in &recursed {
            let r = recurse(*config, proof, threads)?;
            eprintln!(
                "  recursion of one {} proof (2^{} rows): {} gates, 2^{} rows, build {:.2} s, prove {:.2} s ({:.2} CPU-s), {} B; wrap: {} gates, 2^{} rows, prove {:.2} s ({:.2} CPU-s)",
                r.inner, r.inner_log_rows, r.gates, r.log_rows, r.build_s, r.prove_s, r.prove_cpu_s, r.proof_bytes,
                r.wrap_gates, r.wrap_log_rows, r.wrap_prove_s, r.wrap_prove_cpu_s
            );
            recursion.push(r);
        }
    }

    let projection = projection::project(&steady, &memory, &results, &recursion);
    if let Some(p) = &projection {
        eprintln!(
            "  steady trade, CPU-ms: today {:.0} ({:.2} trades/s on 2 cores), plonky2 trimmed {:.0} ({:.2}), STARK layer {:.0} ({:.2}; hashing {:.1}, operation {:.1}, memory {:.1}, signatures {:.1}, recursion {:.1}); budget {:.0} per operation",
            p.today.total_ms, p.today.trades_per_s_2_cores, p.plonky2_trimmed.total_ms,
            p.plonky2_trimmed.trades_per_s_2_cores, p.stark.total_ms, p.stark.trades_per_s_2_cores,
            p.stark.hashing_ms, p.stark.operation_ms, p.stark.memory_ms, p.stark.signatures_ms,
            p.stark.recursion_ms, projection::BUDGET_MS_PER_OP
        );
        eprintln!(
            "  go/no-go at 2^{}: {:.4} CPU-ms a permutation at 2^{} (target <= {}), recursion {:.2} CPU-s (target <= {}): {}",
            projection::TABLE_LOG_ROWS,
            p.decision.permutation_ms,
            p.decision.log_rows,
            projection::GO_PERMUTATION_MS,
            p.decision.recursion_cpu_s,
            projection::GO_RECURSION_CPU_S,
            if p.decision.go { "go" } else { "no-go" }
        );
    }
    Ok(StarkLayerReport {
        quick: settings.quick,
        started_utc: started_utc.to_string(),
        command: command.to_string(),
        separate_run: false,
        threads,
        epoch_ops: epoch.epoch.ops.len(),
        leaf_updates,
        permutations_in_epoch: source.len(),
        table_columns: poseidon_stark::COLUMNS,
        results,
        recursion,
        memory_check: memory,
        projection,
        peak_process_bytes: peaks.whole(),
    })
}

impl Measured {
    /// One line of the stderr table.
    pub fn line(&self) -> String {
        format!(
            "{:<15} 2^{:<2} {:>7} perms  trace {:>6.2} s  prove {:>7.2} s  verify {:>6.3} s  {:>7.4} CPU-ms/perm  {:>8} B  peak +{}",
            self.prover,
            self.log_rows,
            self.permutations,
            self.trace_s,
            self.prove_s,
            self.verify_s,
            self.cpu_ms_per_permutation,
            self.proof_bytes,
            self.peak_bytes
                .map(|b| format!("{:.2} GiB", b as f64 / (1u64 << 30) as f64))
                .unwrap_or_else(|| "n/a".into())
        )
    }
}
