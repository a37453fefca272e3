//! Test harness: build a tiny circuit, prove and verify it, or show that a
//! witness cannot be proven.

use std::panic::{catch_unwind, AssertUnwindSafe};

use plonky2::iop::witness::PartialWitness;
use plonky2::plonk::circuit_data::{CircuitConfig, CircuitData};

use super::Builder;
use crate::config::{C, D, F};

/// A fresh builder with the standard (non-ZK) recursion config.
pub fn builder() -> Builder {
    Builder::new(CircuitConfig::standard_recursion_config())
}

/// Proves and verifies; panics with the reason if either fails.
pub fn prove_and_verify(data: &CircuitData<F, C, D>, witness: PartialWitness<F>) {
    let proof = data.prove(witness).expect("an honest witness must prove");
    data.verify(proof).expect("an honest proof must verify");
}

/// Whether the witness yields a verifying proof (a failed generator, a
/// prover error, a panic and a rejected proof all count as "no").
pub fn provable(data: &CircuitData<F, C, D>, witness: PartialWitness<F>) -> bool {
    match catch_unwind(AssertUnwindSafe(|| data.prove(witness))) {
        Ok(Ok(proof)) => data.verify(proof).is_ok(),
        _ => false,
    }
}
