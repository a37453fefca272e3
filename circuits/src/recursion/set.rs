//! The five circuits of the proof pipeline, built together because each
//! one's verifier key is a constant of the next.

use std::time::Instant;

use plonky2::plonk::circuit_data::{CircuitData, VerifierOnlyCircuitData};
use plonky2::util::serialization::{Buffer, IoError, IoResult};

use super::chain::ChainCircuit;
use super::final_proof::FinalCircuit;
use super::fold::FoldCircuit;
use super::shape::fixed_point;
use super::wrap::WrapCircuit;
use crate::chunk::{ChunkCircuit, ChunkParams};
use crate::config::{C, CF, D, F};
use crate::serialize::{Gates, Generators};

/// Chunk, wrap, fold, chain and final circuits for one set of parameters.
pub struct CircuitSet {
    /// Proves a chunk of steps.
    pub chunk: ChunkCircuit,
    /// Restates a chunk proof in the fold's shape.
    pub wrap: WrapCircuit,
    /// Joins two segments.
    pub fold: FoldCircuit,
    /// Chains epochs.
    pub chain: ChainCircuit,
    /// Restates a chain proof small, for light clients.
    pub final_circuit: FinalCircuit,
    /// Milliseconds each took to build (chunk, wrap, fold, chain, final).
    pub build_ms: [u128; 5],
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
        let chain = ChainCircuit::build(&fold, &wrap.data.verifier_only);
        let chain_ms = clock.elapsed().as_millis();
        let clock = Instant::now();
        let final_circuit = FinalCircuit::build(&chain);
        let final_ms = clock.elapsed().as_millis();
        Self {
            chunk,
            wrap,
            fold,
            chain,
            final_circuit,
            build_ms: [chunk_ms, wrap_ms, fold_ms, chain_ms, final_ms],
        }
    }

    /// Serialises the five circuits (prover and verifier data, and the
    /// targets the prover fills). A 2^16 chunk circuit is about 560 MB.
    pub fn to_bytes(&self) -> IoResult<Vec<u8>> {
        let mut out = MAGIC.to_vec();
        let mut blobs = Vec::with_capacity(5);
        for data in [
            &self.chunk.data,
            &self.wrap.data,
            &self.fold.data,
            &self.chain.data,
        ] {
            blobs.push(data.to_bytes(&Gates, &Generators)?);
        }
        blobs.push(self.final_circuit.data.to_bytes(&Gates, &Generators)?);
        for bytes in blobs {
            out.extend((bytes.len() as u64).to_le_bytes());
            out.extend(bytes);
        }
        let mut targets = Vec::new();
        self.wrap.write_targets(&mut targets)?;
        self.fold.write_targets(&mut targets)?;
        self.chain.write_targets(&mut targets)?;
        self.final_circuit.write_targets(&mut targets)?;
        out.extend(targets);
        Ok(out)
    }

    /// Reads what [`Self::to_bytes`] wrote for `params`.
    pub fn from_bytes(params: ChunkParams, bytes: &[u8]) -> IoResult<Self> {
        let mut rest = bytes.strip_prefix(MAGIC).ok_or(IoError)?;
        let mut blobs = Vec::with_capacity(5);
        for _ in 0..5 {
            let (len, tail) = rest.split_first_chunk::<8>().ok_or(IoError)?;
            let len = usize::try_from(u64::from_le_bytes(*len)).map_err(|_| IoError)?;
            if tail.len() < len {
                return Err(IoError);
            }
            let (blob, tail) = tail.split_at(len);
            blobs.push(blob);
            rest = tail;
        }
        let mut data = Vec::with_capacity(4);
        for blob in &blobs[..4] {
            data.push(CircuitData::<F, C, D>::from_bytes(
                blob,
                &Gates,
                &Generators,
            )?);
        }
        let final_data = CircuitData::<F, CF, D>::from_bytes(blobs[4], &Gates, &Generators)?;
        let mut buf = Buffer::new(rest);
        let mut data = data.into_iter();
        let mut next = || data.next().ok_or(IoError);
        let chunk = ChunkCircuit::from_data(params, next()?);
        let wrap = WrapCircuit::read(next()?, &mut buf)?;
        let fold = FoldCircuit::read(next()?, &mut buf)?;
        let chain = ChainCircuit::read(next()?, &mut buf)?;
        let final_circuit = FinalCircuit::read(final_data, &mut buf)?;
        Ok(Self {
            chunk,
            wrap,
            fold,
            chain,
            final_circuit,
            build_ms: [0; 5],
        })
    }
}

/// Leads a serialised circuit set (bump when the format changes).
const MAGIC: &[u8] = b"zksettle-circuits-2\n";
