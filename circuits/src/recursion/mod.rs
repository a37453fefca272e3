//! Recursion: chunk proofs folded into one epoch proof, epoch proofs chained
//! into one proof of the whole history (`docs/design.md` section 11).
//!
//! ```text
//! prelude, chunk proofs       c0    c1    c2    c3
//!                        |     |     |     |     |
//! leaves (fold's shape)  p    w0    w1    w2    w3
//!                         \   /      \   /      |
//! fold (2-to-1, cyclic)    f01        f23       |
//!                             \      /          |
//!                              f0123            |
//!                                   \          /
//! epoch proof                        f01234
//! chain (IVC, cyclic)    ... -> chain(e-1) -> chain(e)
//! ```
//!
//! The prelude ([`crate::prelude`], once per epoch) checks the reports and
//! their oracles' signatures and derives the price sheet every chunk uses;
//! wrapped like a chunk (by a wrap circuit of its own), it is the first leaf.
//!
//! * [`wrap`] restates one chunk proof, or the prelude proof, in the fold
//!   circuit's shape.
//! * [`fold`] joins two adjacent segments (roots, batch commitment and
//!   settlement registers chain; market, epoch, timestamp, reports and price
//!   sheet agree; operation and prelude counts add). Its children are
//!   preludes, wraps or folds, so one circuit folds a tree of any size.
//! * [`chain`] verifies the epoch proof and the previous chain proof and
//!   checks that they join: exactly one prelude priced the epoch, the root
//!   continues, the epoch number goes up by
//!   one, the timestamp does not go down, the market and genesis root stay;
//!   it folds the epoch's record into the history.
//! * [`final_proof`] restates a chain proof small (Keccak commitments, a
//!   higher FRI rate): the proof light clients download.
//!
//! Fold and chain proofs carry their own circuit's verifier key at the end
//! of their public inputs (plonky2's cyclic recursion); whoever verifies one
//! must check that key against the real one, which [`fold::FoldCircuit::verify`]
//! and [`chain::ChainCircuit::verify`] do.

pub mod chain;
pub mod final_proof;
pub mod fold;
pub mod segment;
pub mod set;
pub mod shape;
pub mod wrap;

use plonky2::iop::target::Target;
use plonky2::iop::witness::PartialWitness;
use plonky2::plonk::circuit_data::{CircuitData, VerifierCircuitTarget, VerifierOnlyCircuitData};
use plonky2::plonk::proof::ProofWithPublicInputs;

use crate::chunk::ChunkPublicInputs;
use crate::config::{C, D, F};

/// A proof of any of the recursion circuits.
pub type Proof = ProofWithPublicInputs<F, C, D>;

/// Why a recursive proof could not be made or checked.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RecursionError {
    /// The witness could not be set (a proof of the wrong shape).
    #[error("cannot fill the witness: {0}")]
    Witness(String),
    /// The two segments of a fold do not join.
    #[error("segments do not join: {0}")]
    Join(String),
    /// An epoch proof does not continue the previous chain proof.
    #[error("epoch proof does not continue the chain: {0}")]
    Chain(String),
    /// The circuit is not satisfied.
    #[error("{circuit} circuit cannot be proven: {reason}")]
    Unprovable {
        /// Which circuit.
        circuit: &'static str,
        /// plonky2's reason.
        reason: String,
    },
    /// A proof does not verify.
    #[error("{circuit} proof is invalid: {reason}")]
    Invalid {
        /// Which circuit.
        circuit: &'static str,
        /// plonky2's reason.
        reason: String,
    },
    /// Public inputs of an unexpected length.
    #[error("public inputs: {0}")]
    Layout(String),
}

/// The segment statement at the front of a chunk, wrap or fold proof.
pub fn statement(proof: &Proof, quorum: usize) -> Result<ChunkPublicInputs, RecursionError> {
    let len = ChunkPublicInputs::len(quorum);
    let fields = proof.public_inputs.get(..len).ok_or_else(|| {
        RecursionError::Layout(format!(
            "{} elements, a segment needs {len}",
            proof.public_inputs.len()
        ))
    })?;
    ChunkPublicInputs::from_fields(fields, quorum)
        .map_err(|e| RecursionError::Layout(e.to_string()))
}

/// A verifier key in public-input order (digest, then cap), as plonky2's
/// `add_verifier_data_public_inputs` registers it.
pub(crate) fn key_targets(key: &VerifierCircuitTarget) -> Vec<Target> {
    let mut out = key.circuit_digest.elements.to_vec();
    for hash in &key.constants_sigmas_cap.0 {
        out.extend(hash.elements);
    }
    out
}

/// A verifier key as the field elements `key_targets` order holds (digest,
/// then cap): what a proof's key slot holds.
pub fn key_fields(key: &VerifierOnlyCircuitData<C, D>) -> Vec<F> {
    let mut out = key.circuit_digest.elements.to_vec();
    for hash in &key.constants_sigmas_cap.0 {
        out.extend(hash.elements);
    }
    out
}

/// Proves and verifies, turning plonky2's errors and panics into
/// [`RecursionError::Unprovable`].
fn prove_checked(
    circuit: &'static str,
    data: &CircuitData<F, C, D>,
    pw: PartialWitness<F>,
) -> Result<Proof, RecursionError> {
    let unprovable = |reason: String| RecursionError::Unprovable { circuit, reason };
    let proof = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| data.prove(pw)))
        .map_err(|panic| unprovable(crate::chunk::panic_message(&panic)))?
        .map_err(|e| unprovable(e.to_string()))?;
    data.verify(proof.clone())
        .map_err(|e| unprovable(e.to_string()))?;
    Ok(proof)
}
