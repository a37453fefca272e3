//! The final circuit: the chain proof restated small, for light clients.
//!
//! Recursion continues from the chain proof (Poseidon commitments, FRI rate
//! 2^5, 91 KB); what a client downloads is a proof of this circuit, which
//! verifies one chain proof against the chain circuit's key (a constant),
//! checks that the chain proof's key slot holds that same key (the cyclic
//! recursion verified every earlier chain proof against it), and republishes
//! its statement ([`PublicInputs`]) unchanged.
//!
//! Its configuration is chosen for size and verification time: Keccak
//! commitments ([`CF`]: 25-byte digests, 100 bits of collision resistance,
//! and nothing verifies this proof in a circuit), FRI rate 2^6 with 14
//! queries and 16 bits of grinding (6 x 14 + 16 = 100 conjectured bits, as
//! plonky2's standard 3 x 28 + 16), and 40 routed wires (fewer permutation
//! polynomials to open per query). Rows: one chain-proof verification, about
//! 3,300; 2^12 rows; proofs of about 62 KB.

use plonky2::iop::witness::{PartialWitness, WitnessWrite};
use plonky2::plonk::circuit_builder::CircuitBuilder;
use plonky2::plonk::circuit_data::{CircuitConfig, CircuitData};
use plonky2::plonk::proof::{ProofWithPublicInputs, ProofWithPublicInputsTarget};
use plonky2::util::serialization::{Buffer, IoResult, Read, Write};
use zksettle_verifier::PublicInputs;

use super::chain::ChainCircuit;
use super::{key_targets, Proof, RecursionError};
use crate::config::{CF, D, F};

/// A final proof.
pub type FinalProof = ProofWithPublicInputs<F, CF, D>;

/// FRI rate of the final proof: a blowup of 2^6.
const FINAL_RATE_BITS: usize = 6;

/// FRI queries of the final proof: 6 x 14 + 16 bits of grinding = 100.
const FINAL_QUERY_ROUNDS: usize = 14;

/// Routed wires: enough for every gate of the recursive verifier.
const FINAL_ROUTED_WIRES: usize = 40;

/// The final circuit's configuration (see the module documentation).
pub fn final_config() -> CircuitConfig {
    let mut config = CircuitConfig::standard_recursion_config();
    config.fri_config.rate_bits = FINAL_RATE_BITS;
    config.fri_config.num_query_rounds = FINAL_QUERY_ROUNDS;
    config.num_routed_wires = FINAL_ROUTED_WIRES;
    config
}

/// A built final circuit.
pub struct FinalCircuit {
    /// Prover and verifier data.
    pub data: CircuitData<F, CF, D>,
    /// Reports per statement.
    pub quorum: usize,
    chain_proof: ProofWithPublicInputsTarget<D>,
}

impl FinalCircuit {
    /// Builds the final circuit over `chain`'s proofs.
    pub fn build(chain: &ChainCircuit) -> Self {
        let quorum = chain.quorum;
        let mut builder = CircuitBuilder::<F, D>::new(final_config());
        let b = &mut builder;
        let chain_proof = b.add_virtual_proof_with_pis(&chain.data.common);
        let key = b.constant_verifier_data(&chain.data.verifier_only);
        b.verify_proof::<crate::config::C>(&chain_proof, &key, &chain.data.common);
        let len = PublicInputs::len(quorum);
        for (pi, k) in chain_proof.public_inputs[len..]
            .iter()
            .zip(key_targets(&key))
        {
            b.connect(*pi, k);
        }
        b.register_public_inputs(&chain_proof.public_inputs[..len]);
        Self {
            data: builder.build::<CF>(),
            quorum,
            chain_proof,
        }
    }

    /// Restates a chain proof as a final proof.
    pub fn prove(&self, chain_proof: &Proof) -> Result<FinalProof, RecursionError> {
        let mut pw = PartialWitness::new();
        pw.set_proof_with_pis_target(&self.chain_proof, chain_proof)
            .map_err(|e| RecursionError::Witness(e.to_string()))?;
        let unprovable = |reason: String| RecursionError::Unprovable {
            circuit: "final",
            reason,
        };
        let proof = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.data.prove(pw)))
            .map_err(|panic| unprovable(crate::chunk::panic_message(&panic)))?
            .map_err(|e| unprovable(e.to_string()))?;
        self.data
            .verify(proof.clone())
            .map_err(|e| unprovable(e.to_string()))?;
        Ok(proof)
    }

    /// Verifies a final proof and returns its statement.
    pub fn verify(&self, proof: &FinalProof) -> Result<PublicInputs, RecursionError> {
        self.data
            .verify(proof.clone())
            .map_err(|e| RecursionError::Invalid {
                circuit: "final",
                reason: e.to_string(),
            })?;
        PublicInputs::from_fields(&proof.public_inputs, self.quorum)
            .map_err(|e| RecursionError::Layout(e.to_string()))
    }

    /// Writes the quorum and the targets the prover fills.
    pub(crate) fn write_targets(&self, out: &mut Vec<u8>) -> IoResult<()> {
        out.write_usize(self.quorum)?;
        out.write_target_proof_with_public_inputs(&self.chain_proof)
    }

    /// A final circuit from its data and what [`Self::write_targets`] wrote.
    pub(crate) fn read(data: CircuitData<F, CF, D>, buf: &mut Buffer) -> IoResult<Self> {
        Ok(Self {
            quorum: buf.read_usize()?,
            chain_proof: buf.read_target_proof_with_public_inputs()?,
            data,
        })
    }
}
