//! The fold circuit: two adjacent segment proofs become one.
//!
//! Each child is a wrap proof of a chunk or of the prelude (verified against
//! the chunk wrap's or the prelude wrap's key, constants) or a fold proof (verified
//! against the fold circuit's own key, which is a public input: cyclic
//! recursion). Two bits per child choose the key; a proof verified against
//! the wrong key fails, so the bits cannot lie.
//! Every child's key slot is connected to the fold's own key, so a fold
//! child cannot have verified its children against another key, and the
//! verifier of the final proof checks that key against the real one
//! ([`FoldCircuit::verify`]). The children must join
//! ([`SegmentTargets::join`]). Rows: two proof verifications (about 3,600
//! each) plus the key selection: the circuit is 2^13 rows.

use plonky2::iop::target::BoolTarget;
use plonky2::iop::witness::{PartialWitness, WitnessWrite};
use plonky2::plonk::circuit_builder::CircuitBuilder;
use plonky2::plonk::circuit_data::{
    CircuitConfig, CircuitData, CommonCircuitData, VerifierOnlyCircuitData,
};
use plonky2::plonk::proof::ProofWithPublicInputsTarget;
use plonky2::recursion::cyclic_recursion::check_cyclic_proof_verifier_data;
use plonky2::util::serialization::{Buffer, IoResult, Read, Write};

use super::segment::{joined, joins, SegmentTargets};
use super::shape::pad_to;
use super::{key_targets, prove_checked, statement, Proof, RecursionError};
use crate::chunk::ChunkPublicInputs;
use crate::config::{C, D, F};

/// One child of a fold: a wrapped chunk or an earlier fold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Child<'a> {
    /// A wrap proof.
    Wrap(&'a Proof),
    /// A prelude's leaf: the prelude proof wrapped
    /// ([`super::set::CircuitSet::prove_prelude`]).
    Prelude(&'a Proof),
    /// A fold proof.
    Fold(&'a Proof),
}

impl<'a> Child<'a> {
    /// The proof, whichever circuit made it.
    pub fn proof(self) -> &'a Proof {
        match self {
            Child::Wrap(p) | Child::Prelude(p) | Child::Fold(p) => p,
        }
    }
}

/// A built fold circuit.
pub struct FoldCircuit {
    /// Prover and verifier data.
    pub data: CircuitData<F, C, D>,
    /// Reports per statement.
    pub quorum: usize,
    children: [ChildTargets; 2],
}

/// One child's proof and the bits choosing its key.
struct ChildTargets {
    proof: ProofWithPublicInputsTarget<D>,
    is_fold: BoolTarget,
    is_prelude: BoolTarget,
}

impl FoldCircuit {
    /// Builds the fold of proofs of shape `shape` (its own shape, found by
    /// [`super::shape::fixed_point`]) whose leaves are proofs of the wrap
    /// circuit with key `wrap_key` and of the prelude's wrap with key
    /// `prelude_key`.
    pub fn build(
        shape: &CommonCircuitData<F, D>,
        wrap_key: &VerifierOnlyCircuitData<C, D>,
        prelude_key: &VerifierOnlyCircuitData<C, D>,
        quorum: usize,
    ) -> Self {
        let mut builder = CircuitBuilder::<F, D>::new(CircuitConfig::standard_recursion_config());
        let b = &mut builder;
        let children = [(); 2].map(|()| ChildTargets {
            proof: b.add_virtual_proof_with_pis(shape),
            is_fold: b.add_virtual_bool_target_safe(),
            is_prelude: b.add_virtual_bool_target_safe(),
        });
        let [left, right] = [&children[0].proof, &children[1].proof]
            .map(|p| SegmentTargets::read(&p.public_inputs, quorum));
        let out = SegmentTargets::join(b, &left, &right);
        b.register_public_inputs(&out.targets());
        let own_key = b.add_verifier_data_public_inputs();
        let wrap_key = b.constant_verifier_data(wrap_key);
        let prelude_key = b.constant_verifier_data(prelude_key);
        let slot = SegmentTargets::len(quorum);
        for child in &children {
            let leaf_key = b.select_verifier_data(child.is_prelude, &prelude_key, &wrap_key);
            let key = b.select_verifier_data(child.is_fold, &own_key, &leaf_key);
            let proof = &child.proof;
            b.verify_proof::<C>(proof, &key, shape);
            for (pi, k) in proof.public_inputs[slot..]
                .iter()
                .zip(key_targets(&own_key))
            {
                b.connect(*pi, k);
            }
        }
        pad_to(b, shape);
        Self {
            data: builder.build::<C>(),
            quorum,
            children,
        }
    }

    /// Folds two adjacent proofs. Children that do not join give
    /// [`RecursionError::Join`] before any proving.
    pub fn prove(&self, left: Child, right: Child) -> Result<Proof, RecursionError> {
        let l = statement(left.proof(), self.quorum)?;
        let r = statement(right.proof(), self.quorum)?;
        joins(&l, &r).map_err(RecursionError::Join)?;
        self.prove_unchecked(left, right)
    }

    /// [`Self::prove`] without the native join check: the circuit alone
    /// decides (for tests that segments which do not join cannot be folded).
    pub fn prove_unchecked(&self, left: Child, right: Child) -> Result<Proof, RecursionError> {
        prove_checked("fold", &self.data, self.witness(left, right)?)
    }

    /// Whether the fold of `left` and `right` is satisfiable, decided by
    /// the constraint check that agrees with the prover (no native join
    /// check, no proof): a fraction of a fold's proving time.
    pub fn check_unchecked(&self, left: Child, right: Child) -> Result<(), RecursionError> {
        crate::check::check_witness(&self.data, self.witness(left, right)?)
            .map(drop)
            .map_err(|e| RecursionError::Unprovable {
                circuit: "fold",
                reason: e.to_string(),
            })
    }

    fn witness(&self, left: Child, right: Child) -> Result<PartialWitness<F>, RecursionError> {
        let mut pw = PartialWitness::new();
        for (child, t) in [left, right].into_iter().zip(&self.children) {
            pw.set_proof_with_pis_target(&t.proof, child.proof())
                .and_then(|()| pw.set_bool_target(t.is_fold, matches!(child, Child::Fold(_))))
                .and_then(|()| pw.set_bool_target(t.is_prelude, matches!(child, Child::Prelude(_))))
                .map_err(|e| RecursionError::Witness(e.to_string()))?;
        }
        Ok(pw)
    }

    /// Verifies a fold proof, including that the key in its public inputs
    /// is this circuit's, and returns its statement.
    pub fn verify(&self, proof: &Proof) -> Result<ChunkPublicInputs, RecursionError> {
        let invalid = |e: anyhow::Error| RecursionError::Invalid {
            circuit: "fold",
            reason: e.to_string(),
        };
        check_cyclic_proof_verifier_data(proof, &self.data.verifier_only, &self.data.common)
            .map_err(invalid)?;
        self.data.verify(proof.clone()).map_err(invalid)?;
        statement(proof, self.quorum)
    }

    /// Writes the quorum and the targets the prover fills.
    pub(crate) fn write_targets(&self, out: &mut Vec<u8>) -> IoResult<()> {
        out.write_usize(self.quorum)?;
        for child in &self.children {
            out.write_target_proof_with_public_inputs(&child.proof)?;
            out.write_target_bool(child.is_fold)?;
            out.write_target_bool(child.is_prelude)?;
        }
        Ok(())
    }

    /// A fold circuit from its data and what [`Self::write_targets`] wrote.
    pub(crate) fn read(data: CircuitData<F, C, D>, buf: &mut Buffer) -> IoResult<Self> {
        let quorum = buf.read_usize()?;
        let mut child = || -> IoResult<_> {
            Ok(ChildTargets {
                proof: buf.read_target_proof_with_public_inputs()?,
                is_fold: buf.read_target_bool()?,
                is_prelude: buf.read_target_bool()?,
            })
        };
        let children = [child()?, child()?];
        Ok(Self {
            data,
            quorum,
            children,
        })
    }

    /// The statement two joined children make (what [`Self::prove`] proves).
    pub fn expected(left: &ChunkPublicInputs, right: &ChunkPublicInputs) -> ChunkPublicInputs {
        joined(left, right)
    }
}
