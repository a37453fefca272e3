//! The four circuits of the proof pipeline, built together because each
//! one's verifier key is a constant of the next.

use std::time::Instant;

use plonky2::plonk::circuit_data::VerifierOnlyCircuitData;

use super::chain::ChainCircuit;
use super::fold::FoldCircuit;
use super::shape::fixed_point;
use super::wrap::WrapCircuit;
use crate::chunk::{ChunkCircuit, ChunkParams};
use crate::config::{C, D};

/// Chunk, wrap, fold and chain circuits for one set of parameters.
pub struct CircuitSet {
    /// Proves a chunk of steps.
    pub chunk: ChunkCircuit,
    /// Restates a chunk proof in the fold's shape.
    pub wrap: WrapCircuit,
    /// Joins two segments.
    pub fold: FoldCircuit,
    /// Chains epochs.
    pub chain: ChainCircuit,
    /// Milliseconds each took to build (chunk, wrap, fold, chain).
    pub build_ms: [u128; 4],
}

impl CircuitSet {
    /// Builds the circuits for `params` (the chunk circuit dominates: about
    /// as long as one chunk proof; wrap, fold and chain take a few builds
    /// each to find their shapes).
    pub fn build(params: ChunkParams) -> Self {
        let clock = Instant::now();
        let chunk = ChunkCircuit::build(params);
        let chunk_ms = clock.elapsed().as_millis();
        Self::over(chunk, chunk_ms)
    }

    /// Builds wrap, fold and chain over an existing chunk circuit.
    pub fn over(chunk: ChunkCircuit, chunk_ms: u128) -> Self {
        let quorum = chunk.params.shape.quorum;
        let clock = Instant::now();
        let unpadded = WrapCircuit::build(&chunk.data, quorum, None);
        let placeholder: VerifierOnlyCircuitData<C, D> = unpadded.data.verifier_only.clone();
        let shape = fixed_point(unpadded.data.common.clone(), |guess| {
            FoldCircuit::build(guess, &placeholder, quorum).data.common
        });
        let wrap = WrapCircuit::build(&chunk.data, quorum, Some(&shape));
        assert_eq!(wrap.data.common, shape, "the wrap has the fold's shape");
        let wrap_ms = clock.elapsed().as_millis();
        let clock = Instant::now();
        let fold = FoldCircuit::build(&shape, &wrap.data.verifier_only, quorum);
        assert_eq!(fold.data.common, shape, "the fold has its own shape");
        let fold_ms = clock.elapsed().as_millis();
        let clock = Instant::now();
        let chain = ChainCircuit::build(&fold);
        let chain_ms = clock.elapsed().as_millis();
        Self {
            chunk,
            wrap,
            fold,
            chain,
            build_ms: [chunk_ms, wrap_ms, fold_ms, chain_ms],
        }
    }
}
