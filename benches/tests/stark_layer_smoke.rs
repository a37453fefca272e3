//! The CI smoke run of issue 33's benchmark (`stark_layer --quick`): every
//! part runs end to end on a small epoch and its figures hang together.
//! The figures themselves come from `stark_layer` in release mode on a
//! quiet machine, never from a test.

use zksettle_benches::stark_layer::{self, Settings};

#[test]
fn the_quick_stark_layer_run_measures_every_part() {
    let report = stark_layer::run(&Settings::quick(), "test", "now").expect("the quick run");
    // Each prover proved the size, the tables' full rows and the plonky2
    // circuit's fitting count.
    let provers: Vec<&str> = report.results.iter().map(|m| m.prover.as_str()).collect();
    assert_eq!(provers, ["starky_fast", "starky_blowup8", "plonky2"]);
    for m in &report.results {
        assert_eq!(m.log_rows, 10);
        assert!(m.permutations > 1000 && m.permutations <= 1024, "{m:?}");
        assert!(m.cpu_ms_per_permutation > 0.0 && m.proof_bytes > 0, "{m:?}");
    }
    // Both table proofs verified recursively and wrapped to the folds' 2^13.
    assert_eq!(report.recursion.len(), 2);
    assert!(report
        .recursion
        .iter()
        .all(|r| r.wrap_log_rows == stark_layer::WRAP_LOG_ROWS && r.inner_log_rows == 10));

    // The memory check: steady and crash, each in the simulated venue and
    // one larger; memory checking never hashes more, and a larger venue
    // shares fewer levels.
    let mixes: Vec<(&str, u64)> = report
        .memory_check
        .iter()
        .map(|m| (m.mix.as_str(), m.venue_accounts))
        .collect();
    assert_eq!(
        mixes,
        [
            ("steady", 100),
            ("steady", 10_000),
            ("crash", 100),
            ("crash", 10_000)
        ]
    );
    for pair in report.memory_check.chunks(2) {
        let (small, large) = (&pair[0], &pair[1]);
        assert_eq!(small.ports, large.ports);
        assert_eq!(small.hashes_today, large.hashes_today);
        assert!(small.hashes_memory_checked < large.hashes_memory_checked);
        assert!(large.hashes_memory_checked < large.hashes_today);
        // Two paths per port and the system write-back per chunk.
        let depth = small.depth as usize;
        assert_eq!(
            small.hashes_today,
            2 * depth * small.ports + 2 * (depth + 1) * small.chunks
        );
    }

    // The projection adds up, and a run that did not measure 2^16 decides
    // nothing.
    let p = report.projection.expect("the projection");
    assert_eq!(p.decision.log_rows, 10);
    assert!(!p.decision.go);
    assert!(
        (p.ports_per_trade - 4.0).abs() < 1e-9,
        "{}",
        p.ports_per_trade
    );
    for cost in [&p.today, &p.plonky2_trimmed, &p.stark] {
        let sum = cost.hashing_ms
            + cost.operation_ms
            + cost.memory_ms
            + cost.signatures_ms
            + cost.padding_ms
            + cost.recursion_ms;
        assert!((cost.total_ms - sum).abs() < 1e-6 && cost.total_ms > 0.0);
    }
    assert!(p.today.padding_ms > 0.0 && p.stark.padding_ms == 0.0);
}
