//! Proving benches at tree depth 8 on the shipped `fixtures/generated`
//! market (epoch 1 re-rooted onto the smaller tree), so a run takes
//! minutes: chunk proofs of 2 and 8 steps, one wrap, one fold of two
//! wraps, one chain step from genesis, and verification of that chain
//! proof, by the prover (`ChainCircuit::verify`) and by the light verifier
//! from the final proof's bytes (`zksettle_verifier::verify_proof`). Every circuit is built (or loaded from the circuit cache) once,
//! before its bench; only proving or verifying is timed. The report binary
//! measures the default parameters (depth 20, 48 steps).

use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, SamplingMode};
use zksettle_benches::epoch_run::light_client_inputs;
use zksettle_benches::workload::{AppliedEpoch, History};
use zksettle_circuits::chunk::{ChunkCircuit, ChunkParams, OpKinds};
use zksettle_circuits::gadgets::market::MarketShape;
use zksettle_circuits::recursion::fold::Child;
use zksettle_circuits::recursion::Proof;
use zksettle_prover::assign::{chunk_witnesses, prelude_witness};
use zksettle_prover::circuit_cache::load_or_build;
use zksettle_prover::export::final_verifier_bytes;
use zksettle_verifier::{verify_proof, Anchor, Freshness, ProofKind, Verifier};

const DEPTH: u32 = 8;
/// Capacities of the chunk benches; the recursion benches use the first.
const CAPACITIES: [usize; 2] = [2, 8];

fn epoch_one() -> AppliedEpoch {
    History::generated()
        .map(|h| h.at_depth(DEPTH))
        .and_then(|h| h.apply())
        .expect("the generated fixtures apply")
        .swap_remove(0)
}

fn params(applied: &AppliedEpoch, capacity: usize) -> ChunkParams {
    ChunkParams {
        shape: MarketShape::of(applied.before.market()),
        capacity,
        signatures: zksettle_circuits::chunk::desk_slots(capacity),
        kinds: OpKinds::ALL,
    }
}

fn chunk_proving(c: &mut Criterion) {
    let applied = epoch_one();
    let market = applied.before.market();
    let mut group = c.benchmark_group("chunk_prove_depth_8");
    group.sampling_mode(SamplingMode::Flat);
    for capacity in CAPACITIES {
        let circuit = ChunkCircuit::build(params(&applied, capacity));
        let chunks = chunk_witnesses(&applied.epoch, &applied.witness, capacity).expect("cuts");
        group.bench_with_input(
            BenchmarkId::new("steps", capacity),
            &chunks[0],
            |b, chunk| b.iter(|| circuit.prove(market, chunk).expect("proves")),
        );
    }
    group.finish();
}

fn recursion(c: &mut Criterion) {
    let applied = epoch_one();
    let market = applied.before.market();
    let capacity = CAPACITIES[0];
    let (set, _) = load_or_build(&[params(&applied, capacity)]);
    // The first two chunks' worth of operations, as a whole epoch.
    let epoch = applied.prefix(2 * capacity).expect("a prefix applies");
    let chunks = chunk_witnesses(&epoch.epoch, &epoch.witness, capacity).expect("cuts");
    let chunk_proofs: Vec<Proof> = chunks
        .iter()
        .map(|chunk| set.universal().prove(market, chunk).expect("proves"))
        .collect();
    let fold_key = &set.fold.data.verifier_only;
    let wraps: Vec<Proof> = chunk_proofs
        .iter()
        .map(|p| set.wrap.prove(0, p, fold_key).expect("wraps"))
        .collect();
    let prelude = prelude_witness(&epoch.epoch, &epoch.witness);
    let priced = set.prove_prelude(market, &prelude).expect("prices");
    let fold = set
        .fold
        .prove(Child::Prelude(&priced), Child::Wrap(&wraps[0]))
        .expect("folds");
    let whole = set
        .fold
        .prove(Child::Fold(&fold), Child::Wrap(&wraps[1]))
        .expect("folds");
    let genesis = epoch.before.root();
    let chain = set.chain.prove(None, &whole, genesis).expect("chains");

    let mut group = c.benchmark_group("recursion_depth_8");
    group.sampling_mode(SamplingMode::Flat);
    group.bench_function("wrap", |b| {
        b.iter(|| {
            set.wrap
                .prove(0, &chunk_proofs[0], fold_key)
                .expect("wraps")
        })
    });
    group.bench_function("prelude", |b| {
        b.iter(|| set.prove_prelude(market, &prelude).expect("prices"))
    });
    group.bench_function("fold", |b| {
        b.iter(|| {
            set.fold
                .prove(Child::Wrap(&wraps[0]), Child::Wrap(&wraps[1]))
                .expect("folds")
        })
    });
    group.bench_function("chain_step", |b| {
        b.iter(|| set.chain.prove(None, &whole, genesis).expect("chains"))
    });
    group.finish();

    let mut group = c.benchmark_group("verify_chain_proof_depth_8");
    group.bench_function("chain_circuit", |b| {
        b.iter(|| set.chain.verify(&chain).expect("verifies"))
    });
    let final_proof = set.final_circuit.prove(&chain).expect("shrinks");
    group.bench_function("final_proof", |b| {
        b.iter(|| set.final_circuit.prove(&chain).expect("shrinks"))
    });
    let verifier_data = final_verifier_bytes(&set).expect("serialises");
    let verifier = Verifier::from_trusted_bytes(ProofKind::Final, &verifier_data).expect("decodes");
    let (trusted, attestation) = light_client_inputs(&epoch);
    let anchor = Anchor::genesis(&trusted);
    let attestations = [attestation];
    let bytes = final_proof.to_bytes();
    group.bench_function("light_verify_final", |b| {
        b.iter(|| {
            verify_proof(
                &verifier,
                &bytes,
                &trusted,
                &anchor,
                &attestations,
                Freshness::Unchecked,
            )
            .expect("verifies")
        })
    });
    group.finish();
}

criterion_group! {
    name = proving;
    config = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(10));
    targets = chunk_proving, recursion
}
criterion_main!(proving);
