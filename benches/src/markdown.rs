//! `BENCHMARKS.md`, rendered from a [`Report`].

use std::fmt::Write as _;

use crate::follow_run::FollowReport;
use crate::results::Report;
use crate::stark_layer::projection::{self, TradeCost};
use crate::stark_layer::StarkLayerReport;
use crate::targets::gib;

/// Where the plot is, relative to the repository root.
pub const PLOT_PATH: &str = "benches/ops_per_chunk_size.svg";

/// The targets table alone (also printed by the report, and quoted in
/// `docs/performance.md`).
pub fn targets_table(report: &Report) -> String {
    let mut out =
        String::from("| figure | measured | target | met? |\n| --- | ---: | ---: | :---: |\n");
    for t in &report.targets {
        let met = if t.met { "yes" } else { "no" };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {met} |",
            t.figure, t.measured, t.target
        );
    }
    out
}

/// The whole document.
pub fn render(report: &Report) -> String {
    let mut md = String::new();
    let w = &mut md;
    let p = &report.params;
    let e = &report.epoch;
    let _ = writeln!(w, "# zksettle benchmarks\n");
    if report.quick {
        let _ = writeln!(
            w,
            "**`--quick` smoke run: small parameters, not the figures to quote.**\n"
        );
    }
    let origin = if report.circuits.from_cache {
        "loaded from the on-disk cache"
    } else {
        "built in this run"
    };
    let _ = writeln!(
        w,
        "Written by `cargo run --release -p zksettle-benches --bin report` (issue 6), \
         started {} UTC on {} logical CPUs ({}), proving on {} threads. The run took \
         {:.1} min (one-minute load average {:.1} at its start, {:.1} at its end); the \
         circuits were {origin} ({:.1} s). Every figure below was measured in that run; \
         `benches/report.json` holds them all.\n",
        report.started_utc,
        report.machine.cpus,
        report.machine.cpu_model,
        report.machine.rayon_threads,
        report.run_s / 60.0,
        report.machine.load_average[0],
        report.machine.load_average[1],
        report.circuits.secs,
    );

    let _ = writeln!(w, "## Against the targets (issues 6 and 13)\n");
    let _ = writeln!(w, "{}", targets_table(report));

    let _ = writeln!(w, "## One epoch end to end\n");
    let mix: Vec<String> = e
        .op_mix
        .iter()
        .filter(|(_, n)| **n > 0)
        .map(|(k, n)| format!("{n} {k}"))
        .collect();
    // Which layouts the chunks took (the default workload is this epoch).
    let layouts = &report.circuits.layouts;
    let chunk_layouts = match (
        report.workloads.get("default"),
        layouts.get("light"),
        layouts.get("heavy"),
    ) {
        (Some(run), Some(light), Some(heavy)) => format!(
            "{} light of up to {} steps and {} heavy of up to {}",
            run.light_chunks,
            light.capacity,
            e.chunks - run.light_chunks.min(e.chunks),
            heavy.capacity
        ),
        _ => format!("of {} steps", e.capacity),
    };
    let _ = writeln!(
        w,
        "Epoch 1 of the simulator's market (`zksettle simulate --seed {} --accounts {} --ops {}`: \
         {} instruments, {} scenarios, quorum {}, tree depth {}): {} operations ({}), {} steps, \
         {} chunks ({chunk_layouts}), {} folds, then the chain step from genesis.\n",
        p.seed,
        p.accounts,
        p.ops,
        p.instruments,
        p.scenarios,
        p.quorum,
        p.tree_depth,
        e.ops,
        mix.join(", "),
        e.steps,
        e.chunks,
        e.folds,
    );
    let _ = writeln!(w, "| stage | seconds | share |\n| --- | ---: | ---: |");
    for (stage, secs) in [
        (
            "native application (with witness records)",
            e.stages.apply_s,
        ),
        ("witness assignment (chunk witnesses)", e.stages.assign_s),
        (
            "prelude proof and its wrap (reports, signatures, medians, risk arrays)",
            e.stages.prelude_s,
        ),
        (
            "chunk proofs, each with its wrap (in parallel)",
            e.stages.chunk_s,
        ),
        ("fold tree", e.stages.fold_s),
        ("chain step", e.stages.chain_s),
        ("final proof", e.stages.final_s),
    ] {
        let _ = writeln!(
            w,
            "| {stage} | {secs:.3} | {:.1} % |",
            100.0 * secs / e.stages.total_s
        );
    }
    let _ = writeln!(
        w,
        "| **total** | **{:.2}** | **{:.2} ops/s** |\n",
        e.stages.total_s, e.ops_per_s
    );
    let _ = writeln!(
        w,
        "| proof | bytes | verified by | ms (median of {}) |\n| --- | ---: | --- | ---: |",
        crate::epoch_run::VERIFY_RUNS
    );
    let _ = writeln!(
        w,
        "| epoch proof (root of the fold tree) | {} | `FoldCircuit::verify` | {:.2} |",
        e.epoch_proof_bytes, e.epoch_verify_ms
    );
    let _ = writeln!(
        w,
        "| chain proof | {} | `ChainCircuit::verify` | {:.2} |",
        e.chain_proof_bytes, e.chain_verify_ms
    );
    let _ = writeln!(
        w,
        "| final proof | {} | `zksettle_verifier::verify_proof` | {:.2} |\n",
        e.final_proof_bytes, e.light_verify_ms
    );
    let _ = writeln!(
        w,
        "`FoldCircuit::verify` and `ChainCircuit::verify` are the prover's checks: plonky2 \
         and the verifier key a cyclic proof carries, on a decoded proof. `verify_proof` is \
         the light client's, on the final proof: from the proof's bytes, the final verifier \
         data and the trusted genesis root, market terms and oracle set, it decodes the \
         proof, checks the statement, the epoch's attestation (records and report hashes; \
         the oracle signatures were verified in the proof) and the history, then runs plonky2.\n"
    );

    let _ = writeln!(w, "## Workloads\n");
    let _ = writeln!(
        w,
        "The first epoch of each simulator mix (`zksettle simulate --mix MIX`), proven end to \
         end with the same circuits: `default` is the epoch above; `steady` starts from a \
         genesis whose traders are funded and already hold positions, and trades at least 70% \
         of the time; `crash` starts from that genesis a day later, so its epoch crashes and \
         passes the first expiry (liquidations, bankruptcies, the settlement). Peak memory is \
         this process's while it proved the epoch, the loaded circuits included.\n"
    );
    let _ = writeln!(
        w,
        "| mix | ops | operation mix | steps | chunks | total s | chunks s | folds s | chain s | ops/s | peak memory |\n\
         | --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    );
    for (name, l) in &report.workloads {
        let mix: Vec<String> = l
            .op_mix
            .iter()
            .filter(|(_, &n)| n > 0)
            .map(|(kind, n)| format!("{n} {kind}"))
            .collect();
        let memory = l.peak_memory_bytes.map_or("unknown".to_string(), gib);
        let _ = writeln!(
            w,
            "| {name} | {} | {} | {} | {} | {:.1} | {:.1} | {:.1} | {:.1} | {:.2} | {memory} |",
            l.ops,
            mix.join(", "),
            l.steps,
            l.chunks,
            l.total_s,
            l.chunk_s,
            l.fold_s,
            l.chain_s,
            l.ops_per_s
        );
    }
    let _ = writeln!(w);

    let _ = writeln!(w, "## Rows per operation\n");
    let _ = writeln!(
        w,
        "Measured from the circuits: chunks whose steps support one operation type, laid \
         out with one and two steps; the difference is one operation's rows.\n"
    );
    let _ = writeln!(w, "| operation | rows |\n| --- | ---: |");
    for kind in crate::workload::OP_KINDS {
        if let Some(rows) = report.rows_per_op.get(kind) {
            let per = if kind == "settle_expiry" {
                " (per holder)"
            } else {
                ""
            };
            let _ = writeln!(w, "| {kind}{per} | {rows} |");
        }
    }
    let c = &report.circuits;
    if c.layouts.is_empty() {
        let _ = writeln!(
            w,
            "| one step of the chunk (any operation) | {} |\n| chunk of {} steps | {} (2^{} padded) |\n",
            report.rows_per_step, p.capacity, c.chunk_rows, c.chunk_degree_bits
        );
    } else {
        for (name, layout) in &c.layouts {
            let holds = if name == "light" {
                "any operation but a liquidation"
            } else {
                "any operation"
            };
            let _ = writeln!(
                w,
                "| one step of the {name} layout ({holds}) | {} |\n| {name} chunk of {} steps | {} (2^{} padded) |",
                layout.step_rows, layout.capacity, layout.rows, layout.degree_bits
            );
        }
        let _ = writeln!(w);
    }
    let _ = writeln!(
        w,
        "Wrap, fold and chain circuits: 2^{} rows each.\n",
        c.recursion_degree_bits
    );

    let r = &report.row_cost;
    let _ = writeln!(w, "## Prover time per row against raw plonky2\n");
    let _ = writeln!(
        w,
        "The chunk circuit and a circuit of plonky2's own gates (a Poseidon chain with \
         multiply-adds, same configuration) padded to the same 2^{} rows, proven \
         alternately {} times each in the same process (medians). Both pad to the same \
         degree, so the ratio of proving times is the ratio of times per row.\n",
        r.degree_bits, r.runs
    );
    let _ = writeln!(
        w,
        "| circuit | rows | padded | prove s |\n| --- | ---: | ---: | ---: |\n\
         | chunk ({} steps) | {} | 2^{} | {:.2} |\n| raw plonky2 | {} | 2^{} | {:.2} |\n\
         | **ratio** | | | **{:.2}x** |\n",
        p.capacity,
        r.chunk_rows,
        r.degree_bits,
        r.chunk_prove_s,
        r.raw_rows,
        r.degree_bits,
        r.raw_prove_s,
        r.ratio
    );

    let _ = writeln!(w, "## Throughput against chunk size\n");
    let _ = writeln!(
        w,
        "![operations per second against chunk size]({PLOT_PATH})\n"
    );
    let _ = writeln!(
        w,
        "One full chunk of the epoch proven per capacity with the light layout, the one \
         that proves the signed flow (every operation but liquidation, and a desk of \
         ceil(5c/8) signature slots for c steps: a trade filling two freshly signed orders \
         is three steps and two signatures); a step is one operation, ops/s = steps / \
         prove time. Rows are a fixed per-chunk part plus one step and five eighths of a \
         desk slot per step, and proving time follows the padded power of two, so \
         throughput is best just below a power of two. The largest point is the set's own \
         light circuit.\n"
    );
    let _ = writeln!(
        w,
        "| steps per chunk | rows | padded | build s | prove s | ops/s |\n| ---: | ---: | ---: | ---: | ---: | ---: |"
    );
    for s in &report.sweep {
        let build = s
            .build_s
            .map_or_else(|| "in the set".into(), |b| format!("{b:.1}"));
        let _ = writeln!(
            w,
            "| {} | {} | 2^{} | {build} | {:.2} | {:.2} |",
            s.capacity, s.rows, s.degree_bits, s.prove_s, s.ops_per_s
        );
    }
    let _ = writeln!(w);

    let _ = writeln!(w, "## 1 thread against 2\n");
    let _ = writeln!(
        w,
        "The report binary re-runs itself with `RAYON_NUM_THREADS` set, proving, wrapping \
         and folding the epoch's first chunks (the whole epoch at one thread would take \
         too long).\n"
    );
    let _ = writeln!(
        w,
        "| threads | chunks | steps | seconds | steps/s | peak memory |\n| ---: | ---: | ---: | ---: | ---: | ---: |"
    );
    for t in &report.threads {
        let _ = writeln!(
            w,
            "| {} | {} | {} | {:.1} | {:.2} | {} |",
            t.threads,
            t.chunks,
            t.steps,
            t.secs,
            t.steps_per_s,
            t.peak_rss_bytes.map_or_else(|| "unknown".into(), gib)
        );
    }
    if let [one, two, ..] = report.threads.as_slice() {
        let _ = writeln!(
            w,
            "\nSpeed-up from {} to {} threads: {:.2}x.",
            one.threads,
            two.threads,
            one.secs / two.secs
        );
    }
    let _ = writeln!(w);

    let m = &report.memory;
    let _ = writeln!(w, "## Peak memory\n");
    let _ = writeln!(
        w,
        "Resident high-water marks: the main process (`VmHWM`; the end-to-end epoch with \
         every circuit in memory, the row-cost runs and the sweep) {}, the largest \
         thread-comparison child (its own `VmHWM`, which it reports) {}.\n",
        m.main_bytes.map_or_else(|| "unknown".into(), gib),
        m.children_bytes.map_or_else(|| "unknown".into(), gib)
    );

    if let Some(section) = &report.stark_layer {
        stark_layer(w, section);
    }
    if let Some(section) = &report.follow {
        follow(w, section);
    }

    let _ = writeln!(w, "## Reproduce\n");
    let _ = writeln!(
        w,
        "```sh\ncargo run --release -p zksettle-benches --bin report            # this file, benches/report.json, the plot\n\
         cargo run --release -p zksettle-benches --bin report -- --quick --out /tmp/quick   # smoke run, a minute or two\n\
         cargo run --release -p zksettle-benches --bin report -- --render benches/report.json   # re-render this file and the plot, no measuring\n\
         cargo bench -p zksettle-benches                                      # criterion benches (small tree depth)\n```\n\n\
         Circuits are cached on disk as `zksettle` caches them (`$ZKSETTLE_CACHE`, default \
         `~/.cache/zksettle`; `off` disables it): a second run skips the build."
    );
    md
}

/// One component of a [`TradeCost`].
type CostOf = fn(&TradeCost) -> f64;

/// The follower section (issue 32).
fn follow(w: &mut String, s: &FollowReport) {
    let _ = writeln!(w, "## Following the sequencer (issue 32)\n");
    let origin = if s.separate_run {
        format!(
            "**Measured in a separate run**, not this report's: `{}`, started {} UTC",
            s.command, s.started_utc
        )
    } else {
        "Measured in this run".to_string()
    };
    let settings = &s.settings;
    let _ = writeln!(
        w,
        "{origin}, on {} threads. `zksettle follow`'s loop over {} consecutive epochs of \
         the steady mix ({} operations each, seed {}, {} accounts, the default circuits), \
         every epoch in the inbox at the start (a backlog): once one epoch at a time, then \
         pipelined (epoch k+1's application, prelude and chunks while epoch k folds, chains \
         and shrinks), each from a fresh ledger store. Latency is from the start (every \
         epoch's arrival) to the epoch's outputs written; proving from its application to \
         its final proof.\n",
        s.threads, settings.epochs, settings.ops, settings.seed, settings.accounts
    );
    let _ = writeln!(
        w,
        "| mode | wall s | epochs / hour | ops/s | mean latency s | mean proving s |\n\
         | --- | ---: | ---: | ---: | ---: | ---: |"
    );
    for (name, m) in [
        ("one at a time", &s.one_at_a_time),
        ("pipelined", &s.pipelined),
    ] {
        let _ = writeln!(
            w,
            "| {name} | {:.1} | {:.0} | {:.2} | {:.1} | {:.1} |",
            m.wall_s, m.epochs_per_hour, m.ops_per_s, m.mean_latency_s, m.mean_prove_s
        );
    }
    let _ = writeln!(
        w,
        "\nPipelining gains **{:+.1}%** throughput (issue 32's target: at least 15%).\n",
        s.pipelining_gain * 100.0
    );
    let _ = writeln!(
        w,
        "| epoch | ops | chunks | one at a time: proving s | latency s | pipelined: proving s | latency s |\n\
         | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    );
    for (a, b) in s.one_at_a_time.epochs.iter().zip(&s.pipelined.epochs) {
        let _ = writeln!(
            w,
            "| {} | {} | {} | {:.1} | {:.1} | {:.1} | {:.1} |",
            a.epoch, a.ops, a.chunks, a.prove_s, a.latency_s, b.prove_s, b.latency_s
        );
    }
    let _ = writeln!(w);
}

/// The STARK-layer section (issue 33).
fn stark_layer(w: &mut String, s: &StarkLayerReport) {
    let _ = writeln!(w, "## The STARK layer (issue 33)\n");
    let origin = if s.separate_run {
        format!(
            "**Measured in a separate run**, not this report's: `{}`, started {} UTC",
            s.command, s.started_utc
        )
    } else {
        "Measured in this run".to_string()
    };
    let _ = writeln!(
        w,
        "{origin}, on {} threads. A starky table of Poseidon permutations (one a row, \
         {} columns, degree-3 constraints) at blowup 2 (`standard_fast_config`) and \
         blowup 8, against the same permutations as plonky2 Poseidon gate rows. The \
         permutations are the Merkle node hashes of a simulated steady epoch of {} \
         operations ({} leaf updates, {} permutations), repeated to fill a size. \
         CPU-ms are wall time times threads. Peak memory is what a proof allocates \
         above the process's resident set when it starts: a lower bound.\n",
        s.threads, s.table_columns, s.epoch_ops, s.leaf_updates, s.permutations_in_epoch
    );
    let _ = writeln!(
        w,
        "| prover | rows | permutations | runs | prove s (median) | CPU-ms / permutation | proof KiB | peak |\n\
         | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    );
    for m in &s.results {
        let _ = writeln!(
            w,
            "| {} | 2^{} | {} | {} | {:.2} | {:.3} | {:.0} | {} |",
            m.prover,
            m.log_rows,
            m.permutations,
            m.runs,
            m.trace_s + m.prove_s,
            m.cpu_ms_per_permutation,
            m.proof_bytes as f64 / 1024.0,
            m.peak_bytes.map_or_else(|| "n/a".into(), gib)
        );
    }
    if !s.recursion.is_empty() {
        let _ = writeln!(
            w,
            "\nRecursive verification of one table proof in a plonky2 circuit \
             (starky's `recursive_verifier`, zksettle's circuit configuration), then \
             one more plonky2 verification wrapping it into the 2^13 rows of the folds:\n"
        );
        let _ = writeln!(
            w,
            "| table proof | its rows | verifier gates | rows | prove CPU-s | proof KiB | wrap rows | wrap CPU-s |\n\
             | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
        );
        for r in &s.recursion {
            let _ = writeln!(
                w,
                "| {} | 2^{} | {} | 2^{} | {:.2} | {:.0} | 2^{} | {:.2} |",
                r.inner,
                r.inner_log_rows,
                r.gates,
                r.log_rows,
                r.prove_cpu_s,
                r.proof_bytes as f64 / 1024.0,
                r.wrap_log_rows,
                r.wrap_prove_cpu_s
            );
        }
    }
    if !s.memory_check.is_empty() {
        let _ = writeln!(
            w,
            "\nMemory checking (item 3): Merkle node hashes per chunk if every touched leaf \
             is read once against the chunk's first root and written once against its last \
             (shared upper levels hashed once; a sorted memory table in between), against \
             two paths per port today. The first row of a mix is the simulated venue; the \
             others place the same traffic at random leaves of a larger venue.\n"
        );
        let _ = writeln!(
            w,
            "| epoch | ops | venue accounts | chunks | ports | hashes today (a port) | memory-checked (a port) | memory accesses | fewer |\n\
             | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
        );
        for m in &s.memory_check {
            let _ = writeln!(
                w,
                "| {} | {} | {} | {} | {} | {} ({:.1}) | {} ({:.1}) | {} | {:.1}x |",
                m.mix,
                m.ops,
                m.venue_accounts,
                m.chunks,
                m.ports,
                m.hashes_today,
                m.hashes_per_port_today,
                m.hashes_memory_checked,
                m.hashes_per_port_memory_checked,
                m.memory_accesses,
                m.saving
            );
        }
    }
    if let Some(p) = &s.projection {
        let _ = writeln!(
            w,
            "\nProjected CPU-ms of one steady trade ({:.1} ports, {} signatures; figures of \
             the 2^{} runs: plonky2 {:.3} CPU-ms a row, starky {:.3}; memory checking in a \
             venue of {} accounts). The budget of 50 operations a second on 2 cores is {:.0} \
             CPU-ms an operation.\n",
            p.ports_per_trade,
            p.signatures_per_trade,
            p.log_rows,
            p.plonky2_ms_per_row,
            p.starky_ms_per_row,
            p.venue_accounts,
            projection::BUDGET_MS_PER_OP
        );
        let _ = writeln!(
            w,
            "| CPU-ms | today | plonky2 trimmed | STARK layer |\n| --- | ---: | ---: | ---: |"
        );
        let rows: [(&str, CostOf); 8] = [
            ("Merkle hashing", |c| c.hashing_ms),
            ("operation rows", |c| c.operation_ms),
            ("memory argument", |c| c.memory_ms),
            ("signatures", |c| c.signatures_ms),
            ("light-step padding", |c| c.padding_ms),
            ("recursion", |c| c.recursion_ms),
            ("**total**", |c| c.total_ms),
            ("trades/s on 2 cores", |c| c.trades_per_s_2_cores),
        ];
        for (name, of) in rows {
            let _ = writeln!(
                w,
                "| {name} | {:.1} | {:.1} | {:.1} |",
                of(&p.today),
                of(&p.plonky2_trimmed),
                of(&p.stark)
            );
        }
        let d = &p.decision;
        let _ = writeln!(
            w,
            "\nThe issue's rule (at 2^{}): **{}**. A blowup-2 permutation costs {:.3} CPU-ms \
             at 2^{} (go needs <= {}) and the recursive verification of one table proof \
             {:.2} CPU-s (go needs <= {}).\n\nAssumptions:\n",
            projection::TABLE_LOG_ROWS,
            if d.go { "go" } else { "no-go" },
            d.permutation_ms,
            d.log_rows,
            projection::GO_PERMUTATION_MS,
            d.recursion_cpu_s,
            projection::GO_RECURSION_CPU_S
        );
        for a in &p.assumptions {
            let _ = writeln!(w, "- {a}");
        }
        let _ = writeln!(w);
    }
}
