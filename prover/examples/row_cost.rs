//! Prover time per row: the default chunk circuit against a raw plonky2
//! circuit of the same degree, proven in the same run (issue 4's 1.3x
//! target). Run with `cargo run --release -p zksettle-prover --example row_cost`.

use std::time::Instant;

use plonky2::field::types::Field;
use plonky2::hash::poseidon::PoseidonHash;
use plonky2::iop::witness::{PartialWitness, WitnessWrite};
use plonky2::plonk::circuit_builder::CircuitBuilder;
use plonky2::plonk::circuit_data::CircuitConfig;
use zksettle_circuits::chunk::{ChunkCircuit, ChunkParams, OpKinds, DEFAULT_CAPACITY};
use zksettle_circuits::config::{C, D, F};
use zksettle_circuits::gadgets::market::MarketShape;
use zksettle_prover::assign::chunk_witnesses;
use zksettle_prover::io::read_json;
use zksettle_prover::ledger::Ledger;

fn main() -> anyhow::Result<()> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/generated");
    let market: zksettle_circuits::rules::Market = read_json(&dir.join("market.json"))?;
    let state = read_json(&dir.join("state-0000.json"))?;
    let epoch: zksettle_circuits::rules::Epoch = read_json(&dir.join("epoch-0001.json"))?;
    let ledger = Ledger::from_state(market.clone(), &state)?;
    let (_, witness) = ledger.apply_epoch(&epoch)?;
    let chunks = chunk_witnesses(&epoch, &witness, DEFAULT_CAPACITY)?;
    let chunk = ChunkCircuit::build(ChunkParams {
        shape: MarketShape::of(&market),
        capacity: DEFAULT_CAPACITY,
        kinds: OpKinds::ALL,
    });
    let bits = chunk.degree_bits();

    // Raw plonky2: a Poseidon hash chain (one row each) and multiply-adds,
    // filled to just over half of 2^bits so it pads to the same degree.
    let mut b = CircuitBuilder::<F, D>::new(CircuitConfig::standard_recursion_config());
    let seed = b.add_virtual_target();
    let mut state = vec![seed; 4];
    while b.num_gates() < (1 << bits) - 64 {
        state = b
            .hash_n_to_hash_no_pad::<PoseidonHash>(state)
            .elements
            .to_vec();
        let x = b.mul_add(state[0], state[1], state[2]);
        state[3] = x;
    }
    b.register_public_inputs(&state);
    let raw = b.build::<C>();
    assert_eq!(raw.common.degree_bits(), bits);

    let runs = 3;
    let mut ours = Vec::new();
    let mut theirs = Vec::new();
    for _ in 0..runs {
        let clock = Instant::now();
        chunk.prove(&market, &chunks[0])?;
        ours.push(clock.elapsed().as_secs_f64());
        let mut pw = PartialWitness::new();
        pw.set_target(seed, F::ONE)?;
        let clock = Instant::now();
        raw.prove(pw)?;
        theirs.push(clock.elapsed().as_secs_f64());
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let (ours, theirs) = (median(&mut ours), median(&mut theirs));
    println!(
        "{{\"degree_bits\":{bits},\"chunk_prove_s\":{ours:.3},\"raw_prove_s\":{theirs:.3},\"ratio\":{:.3}}}",
        ours / theirs
    );
    Ok(())
}
