//! The epoch pipeline (`docs/design.md` section 11): the epoch's prelude proven (its
//! reports checked, its price sheet derived), chunk witnesses proven (a
//! bounded number at once, [`chunks_in_flight`], each proof parallel
//! inside), each wrapped into the fold circuit's shape, the prelude and the
//! wraps folded pairwise (each level in parallel) into one epoch proof,
//! then chained.
//!
//! Every proof is checkpointed (when a [`Checkpoints`] directory is given)
//! as soon as it is made; a rerun reuses every checkpoint that verifies and
//! states what is expected at its place, so a killed run resumes without
//! redoing finished chunks or folds and ends with the same statement.

pub mod checkpoint;
pub mod follow;
pub mod job;

use std::time::Instant;

use plonky2::field::types::PrimeField64;
use rayon::prelude::*;
use zksettle_circuits::chunk::{ChunkError, ChunkPublicInputs, ChunkWitness};
use zksettle_circuits::prelude::PreludeWitness;
use zksettle_circuits::recursion::fold::{Child, FoldCircuit};
use zksettle_circuits::recursion::set::CircuitSet;
use zksettle_circuits::recursion::{statement, Proof, RecursionError};
use zksettle_circuits::rules::encoding::{digest_hex, Digest};
use zksettle_circuits::rules::Market;
use zksettle_verifier::PublicInputs;

pub use checkpoint::{Checkpoints, Manifest};

use crate::assign::AssignError;
use crate::io::IoError;

/// One finished unit of work, reported as it finishes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// Work planned: the prelude, this many chunks and folds.
    Planned {
        /// Chunks to prove.
        chunks: usize,
        /// Folds to make.
        folds: usize,
    },
    /// The prelude proven.
    Prelude {
        /// Taken from a checkpoint.
        resumed: bool,
    },
    /// A chunk proven and wrapped.
    Chunk {
        /// Chunk index.
        index: usize,
        /// Taken from a checkpoint.
        resumed: bool,
    },
    /// Two segments folded.
    Fold {
        /// Level in the tree (1 folds wraps).
        level: usize,
        /// Index in the level.
        index: usize,
        /// Taken from a checkpoint.
        resumed: bool,
    },
    /// The chain proof made.
    Chain,
    /// The final proof made.
    Final,
}

/// Why an epoch could not be proven.
#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    /// The witness records do not make chunks.
    #[error(transparent)]
    Assign(#[from] AssignError),
    /// The prelude does not prove (its reports break a rule).
    #[error("prelude: {0}")]
    Prelude(ChunkError),
    /// No chunk to prove (an empty epoch has one chunk of padding).
    #[error("an epoch proof needs at least one chunk")]
    NoChunks,
    /// A chunk does not prove.
    #[error("chunk {index}: {source}")]
    Chunk {
        /// Chunk index.
        index: usize,
        /// Cause.
        source: ChunkError,
    },
    /// A wrap, fold or chain proof could not be made.
    #[error("{what}: {source}")]
    Recursion {
        /// Which proof.
        what: String,
        /// Cause.
        source: RecursionError,
    },
    /// A chunk witness whose statement cannot be computed (its steps break
    /// the settlement registers: an assign bug).
    #[error("chunk {index}: its steps break the settlement registers")]
    Statement {
        /// Chunk index.
        index: usize,
    },
    /// A checkpoint could not be written.
    #[error(transparent)]
    Io(#[from] IoError),
}

/// Seconds the proving stages of an epoch took, back to back: the
/// prelude, every chunk with its wrap, then the fold tree.
#[derive(Clone, Copy, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ProvingTimes {
    /// Proving the prelude (or loading its checkpoint).
    pub prelude_s: f64,
    /// Proving and wrapping every chunk.
    pub chunk_s: f64,
    /// The fold tree.
    pub fold_s: f64,
}

/// A proven epoch.
pub struct EpochProof {
    /// The root of the fold tree (the prelude and every chunk): a fold proof.
    pub proof: Proof,
    /// What it states.
    pub statement: ChunkPublicInputs,
    /// Chunks proven.
    pub chunks: usize,
    /// Folds made.
    pub folds: usize,
    /// What each stage took.
    pub times: ProvingTimes,
}

/// The manifest of the checkpoints of an epoch whose chain proof must state
/// `statement`, under `set`.
pub fn manifest(set: &CircuitSet, statement: &PublicInputs) -> Manifest {
    let mut circuits: Vec<String> = set
        .chunks
        .iter()
        .map(|c| &c.data.verifier_only)
        .chain([
            &set.wrap.data.verifier_only,
            &set.prelude.data.verifier_only,
            &set.prelude_wrap.data.verifier_only,
            &set.fold.data.verifier_only,
            &set.chain.data.verifier_only,
        ])
        .map(|v| digest_hex(&v.circuit_digest))
        .collect();
    circuits.push(crate::export::final_circuit_digest(set));
    Manifest {
        circuits,
        epoch: statement.epoch,
        capacities: set.chunks.iter().map(|c| c.params.capacity).collect(),
        statement: statement
            .to_fields()
            .iter()
            .map(|f| f.to_canonical_u64())
            .collect(),
    }
}

pub use zksettle_circuits::recursion::key_fields;

/// Which circuit made a node of the fold tree.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Made {
    /// The prelude's leaf (the prelude proof wrapped).
    Prelude,
    /// The wrap circuit (a chunk proof wrapped).
    Wrap,
    /// The fold circuit.
    Fold,
}

/// A segment node of the fold tree (public for the cluster's tasks, which
/// store nodes between activities).
#[derive(Clone)]
pub struct Node {
    /// The proof.
    pub proof: Proof,
    /// What it states.
    pub statement: ChunkPublicInputs,
    /// Which circuit made it.
    pub made: Made,
}

impl Node {
    fn child(&self) -> Child<'_> {
        match self.made {
            Made::Prelude => Child::Prelude(&self.proof),
            Made::Wrap => Child::Wrap(&self.proof),
            Made::Fold => Child::Fold(&self.proof),
        }
    }
}

/// Chunk proofs proven at once: `$ZKSETTLE_CHUNKS_IN_FLIGHT` when set to a
/// positive number, else one per eight rayon threads, at least one.
/// plonky2 parallelises inside a proof (FFTs, Merkle trees, the quotient),
/// and each 2^16 chunk proof holds about 1.3 GB while it runs: one at a time
/// keeps an epoch on 2 threads under 4 GiB (3.9 GiB measured, the two
/// chunk circuits loaded) where two side by side peaked at 5.3 GiB, for
/// about 10% more time on a crash epoch (346 s against 307 s, 720
/// operations; see `docs/performance.md`). Machines with the
/// memory to spare set the variable to 2 or more.
pub fn chunks_in_flight() -> usize {
    std::env::var("ZKSETTLE_CHUNKS_IN_FLIGHT")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .filter(|&n| n > 0)
        .unwrap_or_else(|| (rayon::current_num_threads() / 8).max(1))
}

/// Proves an epoch from its prelude and chunk witnesses (from
/// [`prelude_witness`](crate::assign::prelude_witness) and
/// [`chunk_witnesses`](crate::assign::chunk_witnesses)), reporting each
/// finished unit to `progress`: [`prove_leaves`], then [`fold_leaves`].
pub fn prove_epoch(
    set: &CircuitSet,
    market: &Market,
    prelude: &PreludeWitness,
    chunks: &[ChunkWitness],
    checkpoints: Option<&Checkpoints>,
    progress: &(dyn Fn(Stage) + Sync),
) -> Result<EpochProof, PipelineError> {
    let leaves = prove_leaves(set, market, prelude, chunks, checkpoints, progress)?;
    fold_leaves(set, leaves, checkpoints, progress)
}

/// The fold tree's leaves of an epoch: the prelude's node, then every
/// chunk proven and wrapped, in order.
pub struct Leaves {
    /// The prelude's node, then the chunks'.
    pub nodes: Vec<Node>,
    /// Chunks proven.
    pub chunks: usize,
    /// Seconds for the prelude.
    pub prelude_s: f64,
    /// Seconds for the chunks and their wraps.
    pub chunk_s: f64,
}

/// The first half of [`prove_epoch`]: the prelude and every chunk, proven
/// and wrapped (a bounded number of chunks at once, [`chunks_in_flight`]).
/// A prover that follows a sequencer runs this for the next epoch while
/// the previous one folds and chains.
pub fn prove_leaves(
    set: &CircuitSet,
    market: &Market,
    prelude: &PreludeWitness,
    chunks: &[ChunkWitness],
    checkpoints: Option<&Checkpoints>,
    progress: &(dyn Fn(Stage) + Sync),
) -> Result<Leaves, PipelineError> {
    if chunks.is_empty() {
        return Err(PipelineError::NoChunks);
    }
    progress(Stage::Planned {
        chunks: chunks.len(),
        folds: chunks.len(),
    });
    let indexed: Vec<(usize, &ChunkWitness)> = chunks.iter().enumerate().collect();
    let mut nodes = Vec::with_capacity(chunks.len() + 1);
    let clock = Instant::now();
    let (node, resumed) = prelude_leaf(set, market, prelude, checkpoints)?;
    progress(Stage::Prelude { resumed });
    nodes.push(node);
    let prelude_s = clock.elapsed().as_secs_f64();
    for group in indexed.chunks(chunks_in_flight()) {
        let proven = group
            .par_iter()
            .map(|&(index, chunk)| {
                let expected = chunk
                    .expected_statement(market)
                    .ok_or(PipelineError::Statement { index })?;
                let (node, resumed) = leaf(set, market, index, chunk, &expected, checkpoints)?;
                progress(Stage::Chunk { index, resumed });
                Ok(node)
            })
            .collect::<Result<Vec<Node>, PipelineError>>()?;
        nodes.extend(proven);
    }
    Ok(Leaves {
        nodes,
        chunks: chunks.len(),
        prelude_s,
        chunk_s: clock.elapsed().as_secs_f64() - prelude_s,
    })
}

/// The second half of [`prove_epoch`]: the leaves folded pairwise (each
/// level in parallel) into the epoch proof.
pub fn fold_leaves(
    set: &CircuitSet,
    leaves: Leaves,
    checkpoints: Option<&Checkpoints>,
    progress: &(dyn Fn(Stage) + Sync),
) -> Result<EpochProof, PipelineError> {
    let Leaves {
        mut nodes,
        chunks,
        prelude_s,
        chunk_s,
    } = leaves;
    let clock = Instant::now();
    let mut folds = 0;
    let mut level = 1;
    while nodes.len() > 1 {
        let pairs: Vec<&[Node]> = nodes.chunks(2).collect();
        folds += nodes.len() / 2;
        nodes = pairs
            .into_par_iter()
            .enumerate()
            .map(|(index, pair)| match pair {
                [left, right] => {
                    let (node, resumed) = fold(&set.fold, level, index, left, right, checkpoints)?;
                    progress(Stage::Fold {
                        level,
                        index,
                        resumed,
                    });
                    Ok(node)
                }
                [single] => Ok(single.clone()),
                _ => unreachable!("chunks(2) yields one or two"),
            })
            .collect::<Result<Vec<Node>, PipelineError>>()?;
        level += 1;
    }
    let root = nodes.pop().ok_or(PipelineError::NoChunks)?;
    if root.made != Made::Fold {
        return Err(PipelineError::NoChunks);
    }
    Ok(EpochProof {
        proof: root.proof,
        statement: root.statement,
        chunks,
        folds,
        times: ProvingTimes {
            prelude_s,
            chunk_s,
            fold_s: clock.elapsed().as_secs_f64(),
        },
    })
}

/// Whether a proof states exactly what its chunk must.
fn states(s: &ChunkPublicInputs, expected: &ChunkPublicInputs) -> Result<(), String> {
    if s == expected {
        Ok(())
    } else {
        Err("states another chunk".into())
    }
}

/// The prelude's node (the fold tree's leaf for the prelude): from its
/// checkpoint when one verifies and states what the reports give, else
/// proven. The cluster's `prelude` task calls this too.
pub fn prelude_leaf(
    set: &CircuitSet,
    market: &Market,
    prelude: &PreludeWitness,
    checkpoints: Option<&Checkpoints>,
) -> Result<(Node, bool), PipelineError> {
    let expected = prelude
        .expected_statement(market)
        .ok_or(PipelineError::Prelude(ChunkError::Unprovable(
            "the reports break a rule".into(),
        )))?;
    let fold_key = key_fields(&set.fold.data.verifier_only);
    let quorum = set.fold.quorum;
    let name = "prelude";
    let check = |p: &Proof| {
        let s = set.verify_prelude_leaf(p).map_err(|e| e.to_string())?;
        if p.public_inputs.get(ChunkPublicInputs::len(quorum)..) != Some(&fold_key[..]) {
            return Err("holds another fold key".into());
        }
        states(&s, &expected)
    };
    let node = |proof| Node {
        proof,
        statement: expected.clone(),
        made: Made::Prelude,
    };
    if let Some(proof) =
        checkpoints.and_then(|c| c.load(name, &set.prelude_wrap.data.common, check))
    {
        return Ok((node(proof), true));
    }
    let proof = set
        .prove_prelude(market, prelude)
        .map_err(PipelineError::Prelude)?;
    if set
        .verify_prelude_leaf(&proof)
        .map_err(PipelineError::Prelude)?
        != expected
    {
        return Err(PipelineError::Prelude(ChunkError::Invalid(
            "the proof states another prelude than the ledger's".into(),
        )));
    }
    if let Some(c) = checkpoints {
        c.save(name, &proof)?;
    }
    tracing::info!("prelude proven");
    Ok((node(proof), false))
}

fn leaf(
    set: &CircuitSet,
    market: &Market,
    index: usize,
    chunk: &ChunkWitness,
    expected: &ChunkPublicInputs,
    checkpoints: Option<&Checkpoints>,
) -> Result<(Node, bool), PipelineError> {
    let quorum = set.fold.quorum;
    let fold_key = key_fields(&set.fold.data.verifier_only);
    let wrap_name = format!("wrap-{index:04}");
    let check_wrap = |p: &Proof| {
        set.wrap.data.verify(p.clone()).map_err(|e| e.to_string())?;
        if p.public_inputs.get(ChunkPublicInputs::len(quorum)..) != Some(&fold_key[..]) {
            return Err("holds another fold key".into());
        }
        states(&statement(p, quorum).map_err(|e| e.to_string())?, expected)
    };
    if let Some(proof) =
        checkpoints.and_then(|c| c.load(&wrap_name, &set.wrap.data.common, check_wrap))
    {
        let statement = statement(&proof, quorum).expect("checked");
        return Ok((
            Node {
                proof,
                statement,
                made: Made::Wrap,
            },
            true,
        ));
    }
    let layout = set.layout_for(chunk);
    let circuit = &set.chunks[layout];
    let chunk_name = format!("chunk-{index:04}");
    let check_chunk = |p: &Proof| {
        let s = circuit.verify(p).map_err(|e| e.to_string())?;
        states(&s, expected)
    };
    let chunk_proof =
        match checkpoints.and_then(|c| c.load(&chunk_name, &circuit.data.common, check_chunk)) {
            Some(p) => p,
            None => {
                let span = tracing::info_span!("chunk", index, layout);
                let _enter = span.enter();
                let p = circuit
                    .prove(market, chunk)
                    .map_err(|source| PipelineError::Chunk { index, source })?;
                if let Some(c) = checkpoints {
                    c.save(&chunk_name, &p)?;
                }
                tracing::info!(index, "chunk proven");
                p
            }
        };
    let node = wrap_chunk(set, index, layout, &chunk_proof, expected)?;
    if let Some(c) = checkpoints {
        c.save(&wrap_name, &node.proof)?;
    }
    Ok((node, false))
}

/// Checks chunk `index`'s proof (it must state `expected`, the ledger's
/// chunk) and wraps it into the fold's shape: the one place a chunk leaf is
/// made, locally or on a cluster worker.
pub fn wrap_chunk(
    set: &CircuitSet,
    index: usize,
    layout: usize,
    chunk_proof: &Proof,
    expected: &ChunkPublicInputs,
) -> Result<Node, PipelineError> {
    let circuit = &set.chunks[layout];
    let proven = circuit
        .verify(chunk_proof)
        .map_err(|source| PipelineError::Chunk { index, source })?;
    if &proven != expected {
        return Err(PipelineError::Chunk {
            index,
            source: ChunkError::Invalid("the proof states another chunk than the ledger's".into()),
        });
    }
    let recursion = |source| PipelineError::Recursion {
        what: format!("wrap of chunk {index}"),
        source,
    };
    let proof = set
        .wrap
        .prove(layout, chunk_proof, &set.fold.data.verifier_only)
        .map_err(recursion)?;
    let statement = statement(&proof, set.fold.quorum).map_err(recursion)?;
    Ok(Node {
        proof,
        statement,
        made: Made::Wrap,
    })
}

/// Folds two adjacent segments (`level`/`index` name the checkpoint).
pub fn fold(
    circuit: &FoldCircuit,
    level: usize,
    index: usize,
    left: &Node,
    right: &Node,
    checkpoints: Option<&Checkpoints>,
) -> Result<(Node, bool), PipelineError> {
    let name = format!("fold-{level:02}-{index:04}");
    let expected = FoldCircuit::expected(&left.statement, &right.statement);
    let check = |p: &Proof| match circuit.verify(p) {
        Ok(s) if s == expected => Ok(()),
        Ok(_) => Err("states another fold".to_string()),
        Err(e) => Err(e.to_string()),
    };
    if let Some(proof) = checkpoints.and_then(|c| c.load(&name, &circuit.data.common, check)) {
        return Ok((
            Node {
                proof,
                statement: expected,
                made: Made::Fold,
            },
            true,
        ));
    }
    let proof = circuit
        .prove(left.child(), right.child())
        .map_err(|source| PipelineError::Recursion {
            what: format!("fold {index} of level {level}"),
            source,
        })?;
    if let Some(c) = checkpoints {
        c.save(&name, &proof)?;
    }
    tracing::info!(level, index, "fold proven");
    Ok((
        Node {
            proof,
            statement: expected,
            made: Made::Fold,
        },
        false,
    ))
}

/// Proves the chain step of `epoch` on top of `previous` (`None` for epoch 1).
pub fn prove_chain(
    set: &CircuitSet,
    previous: Option<&Proof>,
    epoch: &EpochProof,
    genesis_root: Digest,
) -> Result<Proof, PipelineError> {
    set.chain
        .prove(previous, &epoch.proof, genesis_root)
        .map_err(|source| PipelineError::Recursion {
            what: format!("chain proof of epoch {}", epoch.statement.epoch),
            source,
        })
}
