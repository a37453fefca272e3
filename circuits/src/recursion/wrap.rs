//! The wrap circuit: one chunk proof restated in the fold circuit's shape.
//!
//! A chunk proof (2^16 rows) cannot enter the fold circuit directly: the fold
//! verifies proofs of its own shape. The wrap circuit verifies one chunk proof
//! against the verifier data of one of the chunk layouts (light, heavy), a
//! committed set of constant keys: the prover picks which by a one-hot
//! choice, the key is the chosen constant, so no proof of a circuit outside
//! the set can pass. The layouts share one shape
//! ([`ChunkCircuit::build_padded`](crate::chunk::ChunkCircuit::build_padded)),
//! so one verifier gadget serves them all. The wrap republishes the
//! statement unchanged, and is padded to the fold's shape. Its public inputs
//! end with a slot the size of a verifier key that the wrap leaves free: the
//! fold connects that slot to its own key, so a wrap proof and a fold proof
//! carry the same public-input layout. Rows: one proof verification (about
//! 4,000 for a 2^16 chunk) plus padding to the fold's degree.

use plonky2::hash::hash_types::{HashOutTarget, MerkleCapTarget};

use plonky2::iop::target::BoolTarget;
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
    /// One bit per chunk layout, exactly one set (none with one layout).
    choice: Vec<BoolTarget>,
}

impl WrapCircuit {
    /// Builds the wrap of the proofs of any of `chunks` (which share one
    /// shape), padded to `goal` when given.
    ///
    /// # Panics
    /// If `chunks` is empty or their shapes differ (a construction bug).
    pub fn build(
        chunks: &[&CircuitData<F, C, D>],
        quorum: usize,
        goal: Option<&CommonCircuitData<F, D>>,
    ) -> Self {
        let common = &chunks.first().expect("at least one chunk layout").common;
        assert!(
            chunks.iter().all(|c| &c.common == common),
            "chunk layouts share one shape"
        );
        let mut builder = CircuitBuilder::<F, D>::new(CircuitConfig::standard_recursion_config());
        let b = &mut builder;
        let proof = b.add_virtual_proof_with_pis(common);
        let (key, choice) = chosen_key(b, chunks);
        b.verify_proof::<C>(&proof, &key, common);
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
            choice,
        }
    }

    /// Wraps a proof of the chunk circuit of layout `layout` (its index in
    /// the set the wrap was built over); `fold_key` fills the key slot.
    pub fn prove(
        &self,
        layout: usize,
        chunk_proof: &Proof,
        fold_key: &VerifierOnlyCircuitData<C, D>,
    ) -> Result<Proof, RecursionError> {
        let layouts = self.choice.len().max(1);
        if layout >= layouts {
            return Err(RecursionError::Witness(format!(
                "chunk layout {layout} is not one of the wrap's {layouts}"
            )));
        }
        let mut pw = PartialWitness::new();
        pw.set_proof_with_pis_target(&self.chunk, chunk_proof)
            .and_then(|()| pw.set_verifier_data_target(&self.key_slot, fold_key))
            .and_then(|()| {
                self.choice
                    .iter()
                    .enumerate()
                    .try_for_each(|(k, &bit)| pw.set_bool_target(bit, k == layout))
            })
            .map_err(|e| RecursionError::Witness(e.to_string()))?;
        prove_checked("wrap", &self.data, pw)
    }

    /// Writes the targets the prover fills (the data is written apart).
    pub(crate) fn write_targets(&self, out: &mut Vec<u8>) -> IoResult<()> {
        out.write_target_proof_with_public_inputs(&self.chunk)?;
        out.write_target_verifier_circuit(&self.key_slot)?;
        out.write_target_bool_vec(&self.choice)
    }

    /// A wrap circuit from its data and the targets [`Self::write_targets`] wrote.
    pub(crate) fn read(data: CircuitData<F, C, D>, buf: &mut Buffer) -> IoResult<Self> {
        Ok(Self {
            data,
            chunk: buf.read_target_proof_with_public_inputs()?,
            key_slot: buf.read_target_verifier_circuit()?,
            choice: buf.read_target_bool_vec()?,
        })
    }
}

/// The verifier key of one of `chunks`, picked by a one-hot choice: each
/// element is `sum_k bit_k * key_k` with exactly one bit set, so it is one
/// of the constant keys whole. One layout: its constant key, no choice.
/// Cost: a few rows (68 sums of products with constants).
fn chosen_key(
    b: &mut CircuitBuilder<F, D>,
    chunks: &[&CircuitData<F, C, D>],
) -> (VerifierCircuitTarget, Vec<BoolTarget>) {
    if let [only] = chunks {
        return (b.constant_verifier_data(&only.verifier_only), Vec::new());
    }
    let choice: Vec<BoolTarget> = chunks
        .iter()
        .map(|_| b.add_virtual_bool_target_safe())
        .collect();
    let one = b.one();
    let chosen = b.add_many(choice.iter().map(|bit| bit.target));
    b.connect(chosen, one);
    let fields: Vec<Vec<F>> = chunks
        .iter()
        .map(|c| super::key_fields(&c.verifier_only))
        .collect();
    let mut elements = (0..fields[0].len()).map(|i| {
        let mut sum = b.zero();
        for (bit, key) in choice.iter().zip(&fields) {
            sum = b.mul_const_add(key[i], bit.target, sum);
        }
        sum
    });
    let circuit_digest = HashOutTarget {
        elements: std::array::from_fn(|_| elements.next().expect("digest")),
    };
    let cap = elements
        .collect::<Vec<_>>()
        .chunks(4)
        .map(|h| HashOutTarget {
            elements: [h[0], h[1], h[2], h[3]],
        })
        .collect();
    let key = VerifierCircuitTarget {
        constants_sigmas_cap: MerkleCapTarget(cap),
        circuit_digest,
    };
    (key, choice)
}
