//! Native benches on the shipped `fixtures/generated` market (tree depth
//! 20): the ledger applying one operation of each type with its witness
//! records (the first operation of that type in the fixtures, on the state
//! just before it), a whole epoch, and witness assignment (chunk witnesses
//! of 48 steps from an epoch's records).
//!
//! `Ledger::try_apply_op` works on a copy of the ledger, as
//! `Ledger::apply_epoch` does once per epoch, so the per-operation figures
//! include one copy of a 40-account ledger.

use std::time::Duration;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use zksettle_benches::workload::{first_op_of, History, OP_KINDS};
use zksettle_circuits::chunk::DEFAULT_CAPACITY;
use zksettle_circuits::rules::ops::Context;
use zksettle_circuits::rules::risk::RiskArrays;
use zksettle_prover::assign::chunk_witnesses;

fn apply_each_operation_type(c: &mut Criterion) {
    let applied = History::generated()
        .and_then(|h| h.apply())
        .expect("the generated fixtures apply");
    let mut group = c.benchmark_group("native_apply");
    for kind in OP_KINDS {
        let point = first_op_of(&applied, kind).expect("the fixtures hold every type");
        let market = point.ledger.market();
        let prices = point
            .ledger
            .epoch_prices(&point.epoch)
            .expect("the epoch's reports are valid");
        let risk = RiskArrays::compute(market, &prices);
        let ctx = Context {
            market,
            prices: &prices,
            risk: &risk,
            timestamp: point.epoch.timestamp,
        };
        group.bench_function(kind, |b| {
            b.iter_batched(
                || point.ledger.clone(),
                |mut ledger| ledger.try_apply_op(&ctx, &point.op).expect("applies"),
                BatchSize::SmallInput,
            )
        });
    }
    // Epoch 2 holds every type: 20 liquidations, a settlement, the crash.
    let epoch = &applied[1];
    group.bench_function("epoch_2_of_generated", |b| {
        b.iter(|| epoch.before.apply_epoch(&epoch.epoch).expect("applies"))
    });
    group.finish();

    c.bench_function("assign/chunk_witnesses_epoch_2", |b| {
        b.iter(|| chunk_witnesses(&epoch.epoch, &epoch.witness, DEFAULT_CAPACITY).expect("cuts"))
    });
}

criterion_group! {
    name = native;
    config = Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    targets = apply_each_operation_type
}
criterion_main!(native);
