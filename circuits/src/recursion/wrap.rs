//! The wrap circuit: one chunk proof restated in the fold circuit's shape.
//!
//! A chunk proof (2^16 rows) cannot enter the fold circuit directly: the fold
//! verifies proofs of its own shape. The wrap circuit verifies one chunk proof
//! against the chunk circuit's verifier data (a constant), republishes its
//! statement unchanged, and is padded to the fold's shape. Its public inputs
//! end with a slot the size of a verifier key that the wrap leaves free: the
//! fold connects that slot to its own key, so a wrap proof and a fold proof
//! carry the same public-input layout. Rows: one proof verification (about
//! 4,000 for a 2^16 chunk) plus padding to the fold's degree.

use plonky2::iop::witness::{PartialWitness, WitnessWrite};
use plonky2::plonk::circuit_builder::CircuitBuilder;
use plonky2::plonk::circuit_data::{
    CircuitConfig, CircuitData, CommonCircuitData, VerifierCircuitTarget, VerifierOnlyCircuitData,
};
use plonky2::plonk::proof::ProofWithPublicInputsTarget;
use plonky2::util::serialization::{Buffer, IoResult, Read, Write};

use super::segment::SegmentTargets;
use super::shape::pad_to;
use super::{key_targets, prove_checked, Proof, RecursionError};
use crate::config::{C, D, F};

/// A built wrap circuit.
pub struct WrapCircuit {
    /// Prover and verifier data.
    pub data: CircuitData<F, C, D>,
    chunk: ProofWithPublicInputsTarget<D>,
    key_slot: VerifierCircuitTarget,
}

impl WrapCircuit {
    /// Builds the wrap of `chunk`'s proofs, padded to `goal` when given.
    pub fn build(
        chunk: &CircuitData<F, C, D>,
        quorum: usize,
        goal: Option<&CommonCircuitData<F, D>>,
    ) -> Self {
        let mut builder = CircuitBuilder::<F, D>::new(CircuitConfig::standard_recursion_config());
        let b = &mut builder;
        let proof = b.add_virtual_proof_with_pis(&chunk.common);
        let key = b.constant_verifier_data(&chunk.verifier_only);
        b.verify_proof::<C>(&proof, &key, &chunk.common);
        let statement = SegmentTargets::read(&proof.public_inputs, quorum);
        b.register_public_inputs(&statement.targets());
        let key_slot = b.add_virtual_verifier_data(b.config.fri_config.cap_height);
        b.register_public_inputs(&key_targets(&key_slot));
        if let Some(goal) = goal {
            pad_to(b, goal);
        }
        Self {
            data: builder.build::<C>(),
            chunk: proof,
            key_slot,
        }
    }

    /// Wraps a chunk proof; `fold_key` fills the key slot.
    pub fn prove(
        &self,
        chunk_proof: &Proof,
        fold_key: &VerifierOnlyCircuitData<C, D>,
    ) -> Result<Proof, RecursionError> {
        let mut pw = PartialWitness::new();
        pw.set_proof_with_pis_target(&self.chunk, chunk_proof)
            .and_then(|()| pw.set_verifier_data_target(&self.key_slot, fold_key))
            .map_err(|e| RecursionError::Witness(e.to_string()))?;
        prove_checked("wrap", &self.data, pw)
    }

    /// Writes the targets the prover fills (the data is written apart).
    pub(crate) fn write_targets(&self, out: &mut Vec<u8>) -> IoResult<()> {
        out.write_target_proof_with_public_inputs(&self.chunk)?;
        out.write_target_verifier_circuit(&self.key_slot)
    }

    /// A wrap circuit from its data and the targets [`Self::write_targets`] wrote.
    pub(crate) fn read(data: CircuitData<F, C, D>, buf: &mut Buffer) -> IoResult<Self> {
        Ok(Self {
            data,
            chunk: buf.read_target_proof_with_public_inputs()?,
            key_slot: buf.read_target_verifier_circuit()?,
        })
    }
}
