//! The raw plonky2 baseline: a circuit of plonky2's own gates (a Poseidon
//! hash chain, one row per permutation, with a multiply-add between
//! permutations) under the same configuration as the chunk circuit, filled
//! to just under `2^degree_bits` rows so that it pads to the same degree.
//! Its proving time is what plonky2 costs per row with no zksettle code.

use plonky2::field::types::Field;
use plonky2::hash::poseidon::PoseidonHash;
use plonky2::iop::target::Target;
use plonky2::iop::witness::{PartialWitness, WitnessWrite};
use plonky2::plonk::circuit_builder::CircuitBuilder;
use plonky2::plonk::circuit_data::{CircuitConfig, CircuitData};
use zksettle_circuits::config::{C, D, F};

use crate::BenchError;

/// Rows left free below `2^degree_bits` for what `build` adds (public
/// inputs, constants), so the circuit does not spill into the next degree.
const HEADROOM: usize = 64;

/// A built baseline circuit.
pub struct RawCircuit {
    data: CircuitData<F, C, D>,
    seed: Target,
    /// Gates (rows) before padding.
    pub gates: usize,
}

impl RawCircuit {
    /// Builds the baseline of `2^degree_bits` rows.
    pub fn build(degree_bits: usize) -> Result<Self, BenchError> {
        let mut b = CircuitBuilder::<F, D>::new(CircuitConfig::standard_recursion_config());
        let seed = b.add_virtual_target();
        let mut state = vec![seed; 4];
        while b.num_gates() < (1 << degree_bits) - HEADROOM {
            state = b
                .hash_n_to_hash_no_pad::<PoseidonHash>(state)
                .elements
                .to_vec();
            state[3] = b.mul_add(state[0], state[1], state[2]);
        }
        b.register_public_inputs(&state);
        let gates = b.num_gates();
        let data = b.build::<C>();
        if data.common.degree_bits() != degree_bits {
            return Err(BenchError::Baseline(format!(
                "built 2^{} rows, wanted 2^{degree_bits}",
                data.common.degree_bits()
            )));
        }
        Ok(Self { data, seed, gates })
    }

    /// log2 of the padded row count.
    pub fn degree_bits(&self) -> usize {
        self.data.common.degree_bits()
    }

    /// Proves it once (the proof is discarded).
    pub fn prove(&self) -> Result<(), BenchError> {
        let mut pw = PartialWitness::new();
        pw.set_target(self.seed, F::ONE)
            .map_err(|e| BenchError::Baseline(e.to_string()))?;
        self.data
            .prove(pw)
            .map_err(|e| BenchError::Baseline(e.to_string()))?;
        Ok(())
    }
}
