//! The circuits of the proof pipeline, built together because each one's
//! verifier key is a constant of the next: the chunk circuits of every
//! layout (light, heavy; padded to one shape), the wrap that accepts a proof
//! of any of them, the prelude and its own wrap, fold, chain and final.

use std::time::Instant;

use plonky2::plonk::circuit_data::{CircuitData, VerifierOnlyCircuitData};
use plonky2::util::serialization::{Buffer, IoError, IoResult};

use super::chain::ChainCircuit;
use super::final_proof::FinalCircuit;
use super::fold::FoldCircuit;
use super::shape::fixed_point;
use super::wrap::WrapCircuit;
use super::Proof;
use crate::chunk::{ChunkCircuit, ChunkParams};
use crate::chunk::{ChunkError, ChunkPublicInputs};
use crate::config::{C, CF, D, F};
use crate::prelude::{PreludeCircuit, PreludeWitness};
use crate::rules::market::Market;
use crate::serialize::{Gates, Generators};

/// Chunk, wrap, fold, chain and final circuits for one set of parameters.
pub struct CircuitSet {
    /// Prove chunks of steps, one circuit per layout, in the order the
    /// layouts were given (the wrap's choice index); all of one shape.
    pub chunks: Vec<ChunkCircuit>,
    /// Restates a chunk proof in the fold's shape.
    pub wrap: WrapCircuit,
    /// Prices an epoch (at its own size: it verifies the quorum's signatures).
    pub prelude: PreludeCircuit,
    /// Restates a prelude proof in the fold's shape.
    pub prelude_wrap: WrapCircuit,
    /// Joins two segments.
    pub fold: FoldCircuit,
    /// Chains epochs.
    pub chain: ChainCircuit,
    /// Restates a chain proof small, for light clients.
    pub final_circuit: FinalCircuit,
    /// Milliseconds each took to build (chunks, prelude and wrap, fold,
    /// chain, final).
    pub build_ms: [u128; 5],
}

impl CircuitSet {
    /// Builds the circuits for one chunk layout, `params`.
    pub fn build(params: ChunkParams) -> Self {
        Self::build_layouts(&[params])
    }

    /// Builds the circuits for the chunk layouts `layouts` (one market
    /// shape; the chunk circuits dominate: each about as long as one chunk
    /// proof; wrap, fold and chain take a few builds each to find their
    /// shapes).
    ///
    /// # Panics
    /// If `layouts` is empty or mixes market shapes.
    pub fn build_layouts(layouts: &[ChunkParams]) -> Self {
        assert!(!layouts.is_empty(), "at least one chunk layout");
        assert!(
            layouts.iter().all(|p| p.shape == layouts[0].shape),
            "one market shape"
        );
        let clock = Instant::now();
        let chunks = one_shape(layouts);
        let chunk_ms = clock.elapsed().as_millis();
        Self::over(chunks, chunk_ms)
    }

    /// Builds wrap, fold and chain over existing chunk circuits of one shape.
    pub fn over(chunks: Vec<ChunkCircuit>, chunk_ms: u128) -> Self {
        let market = chunks[0].params.shape;
        let quorum = market.quorum;
        let data: Vec<_> = chunks.iter().map(|c| &c.data).collect();
        let clock = Instant::now();
        // The fold's leaves are the wraps of chunks and of the prelude: its
        // shape starts from the gates of both.
        let plain = WrapCircuit::build(&data, quorum, None).data.common;
        let prelude = PreludeCircuit::build(market, None);
        let unpadded_prelude_wrap = WrapCircuit::build(&[&prelude.data], quorum, None);
        let unpadded = WrapCircuit::build(&data, quorum, Some(&unpadded_prelude_wrap.data.common));
        let placeholder: VerifierOnlyCircuitData<C, D> = unpadded.data.verifier_only.clone();
        let shape = fixed_point(unpadded.data.common.clone(), |guess| {
            FoldCircuit::build(guess, &placeholder, &placeholder, quorum)
                .data
                .common
        });
        let wrap = WrapCircuit::build(&data, quorum, Some(&shape));
        assert_eq!(wrap.data.common, shape, "the wrap has the fold's shape");
        let prelude_wrap = WrapCircuit::build(&[&prelude.data], quorum, Some(&shape));
        assert_eq!(
            prelude_wrap.data.common, shape,
            "the prelude's wrap has the fold's shape"
        );
        let wrap_ms = clock.elapsed().as_millis();
        let clock = Instant::now();
        let fold = FoldCircuit::build(
            &shape,
            &wrap.data.verifier_only,
            &prelude_wrap.data.verifier_only,
            quorum,
        );
        assert_eq!(fold.data.common, shape, "the fold has its own shape");
        let fold_ms = clock.elapsed().as_millis();
        let clock = Instant::now();
        let chain = ChainCircuit::build(&fold, &plain);
        let chain_ms = clock.elapsed().as_millis();
        let clock = Instant::now();
        let final_circuit = FinalCircuit::build(&chain);
        let final_ms = clock.elapsed().as_millis();
        Self {
            chunks,
            wrap,
            prelude,
            prelude_wrap,
            fold,
            chain,
            final_circuit,
            build_ms: [chunk_ms, wrap_ms, fold_ms, chain_ms, final_ms],
        }
    }

    /// The prelude's leaf of an epoch's fold tree: the prelude proven, then
    /// wrapped into the fold's shape (its key slot filled with the fold's
    /// key). Reports that break a rule give [`ChunkError::Unprovable`].
    pub fn prove_prelude(
        &self,
        market: &Market,
        witness: &PreludeWitness,
    ) -> Result<Proof, ChunkError> {
        let priced = self.prelude.prove(market, witness)?;
        self.prelude_wrap
            .prove(0, &priced, &self.fold.data.verifier_only)
            .map_err(|e| ChunkError::Invalid(e.to_string()))
    }

    /// Verifies a prelude leaf ([`Self::prove_prelude`]) and decodes its
    /// statement (the key slot is the fold's to check).
    pub fn verify_prelude_leaf(&self, leaf: &Proof) -> Result<ChunkPublicInputs, ChunkError> {
        self.prelude_wrap
            .data
            .verify(leaf.clone())
            .map_err(|e| ChunkError::Invalid(e.to_string()))?;
        super::statement(leaf, self.fold.quorum).map_err(|e| ChunkError::Invalid(e.to_string()))
    }

    /// The parameters of every chunk layout, in choice order.
    pub fn layouts(&self) -> Vec<ChunkParams> {
        self.chunks.iter().map(|c| c.params).collect()
    }

    /// The layout that proves `chunk`: the first whose circuit holds it, or
    /// the last (the universal one, which then names what it cannot hold).
    pub fn layout_for(&self, chunk: &crate::chunk::ChunkWitness) -> usize {
        self.chunks
            .iter()
            .position(|c| c.params.fits(chunk))
            .unwrap_or(self.chunks.len() - 1)
    }

    /// The last chunk circuit (the universal layout in production).
    pub fn universal(&self) -> &ChunkCircuit {
        self.chunks.last().expect("at least one chunk layout")
    }

    /// Serialises the circuits (prover and verifier data, and the targets
    /// the prover fills). A 2^16 chunk circuit is about 560 MB.
    pub fn to_bytes(&self) -> IoResult<Vec<u8>> {
        let mut out = MAGIC.to_vec();
        out.extend((self.chunks.len() as u64).to_le_bytes());
        let mut blobs = Vec::with_capacity(self.chunks.len() + 4);
        for data in self.chunks.iter().map(|c| &c.data).chain([
            &self.wrap.data,
            &self.prelude.data,
            &self.prelude_wrap.data,
            &self.fold.data,
            &self.chain.data,
        ]) {
            blobs.push(data.to_bytes(&Gates, &Generators)?);
        }
        blobs.push(self.final_circuit.data.to_bytes(&Gates, &Generators)?);
        for bytes in blobs {
            out.extend((bytes.len() as u64).to_le_bytes());
            out.extend(bytes);
        }
        let mut targets = Vec::new();
        self.wrap.write_targets(&mut targets)?;
        self.prelude.write_targets(&mut targets)?;
        self.prelude_wrap.write_targets(&mut targets)?;
        self.fold.write_targets(&mut targets)?;
        self.chain.write_targets(&mut targets)?;
        self.final_circuit.write_targets(&mut targets)?;
        out.extend(targets);
        Ok(out)
    }

    /// Reads what [`Self::to_bytes`] wrote for `layouts`.
    pub fn from_bytes(layouts: &[ChunkParams], mut bytes: &[u8]) -> IoResult<Self> {
        Self::read_from(layouts, &mut bytes)
    }

    /// Reads what [`Self::to_bytes`] wrote for `layouts` from `reader`, one
    /// circuit at a time: only one circuit's serialised bytes are held
    /// beside the decoded ones (reading a whole 1.7 GB set into memory
    /// first peaked at 4.4 GB).
    pub fn read_from(layouts: &[ChunkParams], reader: &mut impl std::io::Read) -> IoResult<Self> {
        if read_exact(reader, MAGIC.len())? != MAGIC {
            return Err(IoError);
        }
        let n = layouts.len();
        if read_word(reader)? != n as u64 {
            return Err(IoError);
        }
        let mut data = Vec::with_capacity(n + 5);
        for _ in 0..n + 5 {
            let blob = read_blob(reader)?;
            data.push(CircuitData::<F, C, D>::from_bytes(
                &blob,
                &Gates,
                &Generators,
            )?);
        }
        let final_data =
            CircuitData::<F, CF, D>::from_bytes(&read_blob(reader)?, &Gates, &Generators)?;
        let mut rest = Vec::new();
        reader.read_to_end(&mut rest).map_err(|_| IoError)?;
        let mut buf = Buffer::new(&rest);
        let mut data = data.into_iter();
        let mut next = || data.next().ok_or(IoError);
        let mut chunks = Vec::with_capacity(n);
        for &params in layouts {
            chunks.push(ChunkCircuit::from_data(params, next()?));
        }
        let wrap = WrapCircuit::read(next()?, &mut buf)?;
        let prelude = PreludeCircuit::read(next()?, &mut buf)?;
        let prelude_wrap = WrapCircuit::read(next()?, &mut buf)?;
        let fold = FoldCircuit::read(next()?, &mut buf)?;
        let chain = ChainCircuit::read(next()?, &mut buf)?;
        let final_circuit = FinalCircuit::read(final_data, &mut buf)?;
        Ok(Self {
            chunks,
            wrap,
            prelude,
            prelude_wrap,
            fold,
            chain,
            final_circuit,
            build_ms: [0; 5],
        })
    }
}

/// Exactly `len` bytes from `reader`.
fn read_exact(reader: &mut impl std::io::Read, len: usize) -> IoResult<Vec<u8>> {
    use std::io::Read as _;
    let mut out = Vec::new();
    out.try_reserve_exact(len).map_err(|_| IoError)?;
    let got = reader
        .by_ref()
        .take(len as u64)
        .read_to_end(&mut out)
        .map_err(|_| IoError)?;
    (got == len).then_some(out).ok_or(IoError)
}

/// A little-endian `u64`.
fn read_word(reader: &mut impl std::io::Read) -> IoResult<u64> {
    let bytes = read_exact(reader, 8)?;
    Ok(u64::from_le_bytes(bytes.try_into().map_err(|_| IoError)?))
}

/// A length-prefixed blob.
fn read_blob(reader: &mut impl std::io::Read) -> IoResult<Vec<u8>> {
    let len = usize::try_from(read_word(reader)?).map_err(|_| IoError)?;
    read_exact(reader, len)
}

/// Leads a serialised circuit set (bump when the format changes).
const MAGIC: &[u8] = b"zksettle-circuits-5\n";

/// Rounds of padding after which chunk shapes that still differ are a bug.
const SHAPE_ROUNDS: usize = 3;

/// The chunk circuits of `layouts`, padded to one shape: each is rebuilt
/// with the gate types and degree of the largest until all agree (padding
/// only adds gate types and no-op rows, so this converges in a round or
/// two; one layout needs none).
fn one_shape(layouts: &[ChunkParams]) -> Vec<ChunkCircuit> {
    let mut chunks: Vec<ChunkCircuit> = layouts.iter().map(|&p| ChunkCircuit::build(p)).collect();
    for _ in 0..SHAPE_ROUNDS {
        let goal = chunks
            .iter()
            .map(|c| &c.data.common)
            .max_by_key(|c| (c.degree_bits(), c.gates.len()))
            .expect("at least one layout")
            .clone();
        if chunks.iter().all(|c| c.data.common == goal) {
            return chunks;
        }
        for chunk in &mut chunks {
            if chunk.data.common != goal {
                *chunk = ChunkCircuit::build_padded(chunk.params, Some(&goal));
            }
        }
    }
    panic!("chunk layouts did not reach one shape in {SHAPE_ROUNDS} rounds")
}
