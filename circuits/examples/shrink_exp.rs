use plonky2::field::types::Field;
use plonky2::gates::noop::NoopGate;
use plonky2::hash::poseidon::PoseidonHash;
use plonky2::iop::witness::{PartialWitness, WitnessWrite};
use plonky2::plonk::circuit_builder::CircuitBuilder;
use plonky2::plonk::circuit_data::CircuitConfig;
use std::time::Instant;
use zksettle_circuits::config::{C, D, F};
use zksettle_circuits::recursion::chain::chain_config;

fn main() {
    // inner: ~2^13 rows under chain config, with recursion-like gates
    let mut b = CircuitBuilder::<F, D>::new(chain_config());
    let x = b.add_virtual_target();
    let mut h = vec![x];
    for _ in 0..3000 {
        let o = b.hash_n_to_hash_no_pad::<PoseidonHash>(h.clone());
        h = o.elements.to_vec();
    }
    b.register_public_inputs(&h);
    for _ in 0..10 {
        b.register_public_inputs(&h);
    }
    while b.num_gates() < 5000 {
        b.add_gate(NoopGate, vec![]);
    }
    let inner = b.build::<C>();
    let mut pw = PartialWitness::new();
    pw.set_target(x, F::ONE).unwrap();
    // set the extra pi targets: they are virtual and unset -> give zero via generator? set them
    let proof = match inner.prove(pw) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("{e}");
            return;
        }
    };
    println!(
        "inner degree 2^{} size {}",
        inner.common.degree_bits(),
        proof.to_bytes().len()
    );
    for a in std::env::args().skip(1) {
        let v: Vec<&str> = a.split(',').collect();
        let n = |i: usize| v[i].parse::<usize>().unwrap();
        let (rate, queries, pow, cap, routed) = (n(0), n(1), n(2) as u32, n(3), n(4));
        let mut config = CircuitConfig::standard_recursion_config();
        config.fri_config.rate_bits = rate;
        config.fri_config.num_query_rounds = queries;
        config.fri_config.proof_of_work_bits = pow;
        config.fri_config.cap_height = cap;
        config.num_routed_wires = routed;
        if v[5] == "k" {
            run::<plonky2::plonk::config::KeccakGoldilocksConfig>(config, &inner, &proof, &a);
        } else {
            run::<C>(config, &inner, &proof, &a);
        }
    }
}

fn run<CO: plonky2::plonk::config::GenericConfig<D, F = F> + 'static>(
    config: CircuitConfig,
    inner: &plonky2::plonk::circuit_data::CircuitData<F, C, D>,
    proof: &plonky2::plonk::proof::ProofWithPublicInputs<F, C, D>,
    name: &str,
) {
    let mut b = CircuitBuilder::<F, D>::new(config);
    let pt = b.add_virtual_proof_with_pis(&inner.common);
    let vd = b.constant_verifier_data(&inner.verifier_only);
    b.verify_proof::<C>(&pt, &vd, &inner.common);
    b.register_public_inputs(&pt.public_inputs);
    let gates = b.num_gates();
    let t = Instant::now();
    let data = b.build::<CO>();
    let build = t.elapsed();
    let mut pw = PartialWitness::new();
    pw.set_proof_with_pis_target(&pt, proof).unwrap();
    let t = Instant::now();
    let p = data.prove(pw).unwrap();
    let prove = t.elapsed();
    let raw = p.to_bytes().len();
    let c = data.compress(p.clone()).unwrap();
    let comp = c.to_bytes().len();
    let t = Instant::now();
    for _ in 0..10 {
        data.verify(p.clone()).unwrap();
    }
    let v = t.elapsed() / 10;
    println!("{name}: gates {gates} deg 2^{} build {:?} prove {:?} raw {raw} compressed {comp} verify {:?}", data.common.degree_bits(), build, prove, v);
}
