//! The stages of one epoch as pure tasks over the [`Store`]: each reads
//! objects by key, proves, and writes one object whose key is a digest of
//! what it is, so a task whose output exists returns at once (a retry after
//! a crash between the upload and the acknowledgement costs nothing).
//!
//! Every task's first input is the epoch's [`EpochInputs`] object (market,
//! state before, epoch, layouts, previous chain proof's key), whose key is
//! the digest of its bytes and of the circuit-set digest its layouts give;
//! every output key is the digest of (task kind, index, input keys), so the
//! circuit set is in every key.
//!
//! A chunk task re-derives its witness natively from the epoch inputs
//! (applying an epoch takes milliseconds, a chunk proof tens of seconds)
//! rather than reading a serialised witness: the store then holds one small
//! input object per epoch instead of one witness per chunk, and a chunk's
//! witness is exactly what the local pipeline proves, by the same code.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use serde::{Deserialize, Serialize};
use zksettle_circuits::chunk::{ChunkError, ChunkParams, ChunkWitness};
use zksettle_circuits::config::{D, F};
use zksettle_circuits::prelude::PreludeWitness;
use zksettle_circuits::recursion::final_proof::FinalProof;
use zksettle_circuits::recursion::set::CircuitSet;
use zksettle_circuits::recursion::{statement, Proof};
use zksettle_circuits::rules::epoch::{Epoch, StateFile};
use zksettle_circuits::rules::Market;
use zksettle_verifier::PublicInputs;

use crate::assign::{chunk_witnesses_for, prelude_witness};
use crate::circuit_cache;
use crate::export::layouts_for;
use crate::ledger::Ledger;
use crate::pipeline::job::{check_previous, JobError};
use crate::pipeline::{self, Made, Node, PipelineError};
use crate::store::{digest_of, Store, StoreError};

/// What one epoch's tasks start from: the client uploads it once.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EpochInputs {
    /// The market.
    pub market: Market,
    /// The state before the epoch.
    pub state: StateFile,
    /// The epoch.
    pub epoch: Epoch,
    /// Steps per chunk of the heavy layout.
    pub capacity: usize,
    /// Steps per chunk of the light layout (0: none).
    pub light_capacity: usize,
    /// Store key of the previous epoch's chain proof (after epoch 1).
    pub prev_chain: Option<String>,
}

/// The kinds of task.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum TaskKind {
    /// The prelude's fold-tree leaf. Inputs: the epoch inputs.
    Prelude,
    /// Chunk `index`'s proof. Inputs: the epoch inputs.
    Chunk,
    /// Chunk `index`'s proof wrapped (its fold-tree leaf). Inputs: the
    /// epoch inputs, the chunk proof.
    Wrap,
    /// Two adjacent segments folded. Inputs: the epoch inputs, left, right.
    Fold,
    /// The chain step. Inputs: the epoch inputs, the fold tree's root.
    Chain,
    /// The final proof. Inputs: the epoch inputs, the chain proof.
    Final,
}

impl TaskKind {
    fn name(self) -> &'static str {
        match self {
            Self::Prelude => "prelude",
            Self::Chunk => "chunk",
            Self::Wrap => "wrap",
            Self::Fold => "fold",
            Self::Chain => "chain",
            Self::Final => "final",
        }
    }

    fn inputs(self) -> usize {
        match self {
            Self::Prelude | Self::Chunk => 1,
            Self::Wrap | Self::Chain | Self::Final => 2,
            Self::Fold => 3,
        }
    }
}

/// One task: its kind, its input keys (the epoch inputs first) and the
/// chunk index (chunk and wrap tasks; 0 otherwise).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskSpec {
    /// What to do.
    pub kind: TaskKind,
    /// Input keys.
    pub inputs: Vec<String>,
    /// Chunk index.
    pub index: usize,
}

impl TaskSpec {
    /// The key of this task's output: a digest of its kind, index and
    /// input keys.
    pub fn output_key(&self) -> String {
        let index = (self.index as u64).to_le_bytes();
        let mut parts: Vec<&[u8]> = vec![b"zksettle-task-v1", self.kind.name().as_bytes(), &index];
        parts.extend(self.inputs.iter().map(|k| k.as_bytes()));
        format!("{}-{}", self.kind.name(), digest_of(&parts))
    }
}

/// Why a task failed.
#[derive(Debug, thiserror::Error)]
pub enum TaskError {
    /// The store failed (retryable).
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The task's inputs are not what it needs.
    #[error("task {kind:?}: {reason}")]
    BadTask {
        /// The task kind.
        kind: TaskKind,
        /// Why.
        reason: String,
    },
    /// An object does not decode.
    #[error("store object {key}: {reason}")]
    Decode {
        /// The object's key.
        key: String,
        /// Why.
        reason: String,
    },
    /// The witness breaks a rule: retrying cannot help.
    #[error("invalid witness: {0}")]
    Invalid(String),
    /// Proving failed for another reason.
    #[error("{0}")]
    Proving(String),
}

impl TaskError {
    /// Whether retrying the task cannot succeed (an invalid witness, a
    /// malformed task or object).
    pub fn is_permanent(&self) -> bool {
        !matches!(self, Self::Store(_) | Self::Proving(_))
    }
}

impl From<PipelineError> for TaskError {
    fn from(e: PipelineError) -> Self {
        match &e {
            PipelineError::Assign(_)
            | PipelineError::Prelude(ChunkError::Invalid(_) | ChunkError::Unprovable(_))
            | PipelineError::Chunk {
                source: ChunkError::Invalid(_) | ChunkError::Unprovable(_),
                ..
            }
            | PipelineError::Statement { .. } => Self::Invalid(e.to_string()),
            _ => Self::Proving(e.to_string()),
        }
    }
}

impl From<JobError> for TaskError {
    fn from(e: JobError) -> Self {
        match e {
            JobError::Pipeline(p) => p.into(),
            JobError::Io(io) => Self::Proving(io.to_string()),
            other => Self::Invalid(other.to_string()),
        }
    }
}

/// The epoch inputs' store key: the digest of the circuit-set digest and
/// the object's bytes.
pub fn inputs_key(inputs: &EpochInputs, bytes: &[u8]) -> String {
    let circuits = circuit_cache::cache_key(&layouts(inputs));
    format!(
        "inputs-{}",
        digest_of(&[b"zksettle-inputs-v1", circuits.as_bytes(), bytes])
    )
}

/// Uploads the epoch inputs (idempotent) and returns their key.
pub async fn put_inputs(store: &Store, inputs: &EpochInputs) -> Result<String, TaskError> {
    let bytes = serde_json::to_vec(inputs).map_err(|e| TaskError::BadTask {
        kind: TaskKind::Prelude,
        reason: e.to_string(),
    })?;
    let key = inputs_key(inputs, &bytes);
    if !store.exists(&key).await? {
        store.put(&key, bytes).await?;
    }
    Ok(key)
}

fn layouts(inputs: &EpochInputs) -> Vec<ChunkParams> {
    layouts_for(&inputs.market, inputs.light_capacity, inputs.capacity)
}

/// The circuit sets this process has loaded, one per layout list: built or
/// loaded from the on-disk cache once per process.
pub fn circuits_for(layouts: &[ChunkParams]) -> Arc<CircuitSet> {
    static SETS: OnceLock<Mutex<HashMap<String, Arc<CircuitSet>>>> = OnceLock::new();
    let sets = SETS.get_or_init(Default::default);
    let key = circuit_cache::cache_key(layouts);
    // Held while building, so two tasks never build the same set twice.
    let mut guard = sets.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    guard
        .entry(key)
        .or_insert_with(|| Arc::new(circuit_cache::load_or_build(layouts).0))
        .clone()
}

/// The epoch re-derived natively from its inputs.
pub struct Derived {
    /// The ledger before the epoch.
    pub ledger: Ledger,
    /// The prelude's witness.
    pub prelude: PreludeWitness,
    /// Every chunk's witness.
    pub chunks: Vec<ChunkWitness>,
}

/// Applies the epoch of `inputs` and cuts its witnesses for `set`.
pub fn derive(set: &CircuitSet, inputs: &EpochInputs) -> Result<Derived, TaskError> {
    let ledger = Ledger::from_state(inputs.market.clone(), &inputs.state)
        .map_err(|e| TaskError::Invalid(format!("state: {e}")))?;
    let (_, witness) = ledger
        .apply_epoch(&inputs.epoch)
        .map_err(|e| TaskError::Invalid(format!("epoch {}: {e}", inputs.epoch.epoch)))?;
    let chunks = chunk_witnesses_for(&inputs.epoch, &witness, &set.layouts())
        .map_err(PipelineError::from)?;
    Ok(Derived {
        prelude: prelude_witness(&inputs.epoch, &witness),
        ledger,
        chunks,
    })
}

fn made_tag(made: Made) -> u8 {
    match made {
        Made::Prelude => 0,
        Made::Wrap => 1,
        Made::Fold => 2,
    }
}

/// A fold-tree node as stored: one tag byte (which circuit made it), then
/// the proof.
pub fn encode_node(node: &Node) -> Vec<u8> {
    let mut out = vec![made_tag(node.made)];
    out.extend(node.proof.to_bytes());
    out
}

/// Decodes (and verifies) a stored fold-tree node.
pub fn decode_node(set: &CircuitSet, key: &str, bytes: Vec<u8>) -> Result<Node, TaskError> {
    let fail = |reason: String| TaskError::Decode {
        key: key.into(),
        reason,
    };
    let (&tag, rest) = bytes.split_first().ok_or_else(|| fail("empty".into()))?;
    let (made, common) = match tag {
        0 => (Made::Prelude, &set.prelude_wrap.data.common),
        1 => (Made::Wrap, &set.wrap.data.common),
        2 => (Made::Fold, &set.fold.data.common),
        t => return Err(fail(format!("unknown node tag {t}"))),
    };
    let proof = Proof::from_bytes(rest.to_vec(), common).map_err(|e| fail(e.to_string()))?;
    let statement = match made {
        Made::Prelude => set
            .verify_prelude_leaf(&proof)
            .map_err(|e| fail(e.to_string()))?,
        Made::Wrap => {
            set.wrap
                .data
                .verify(proof.clone())
                .map_err(|e| fail(e.to_string()))?;
            statement(&proof, set.fold.quorum).map_err(|e| fail(e.to_string()))?
        }
        Made::Fold => set.fold.verify(&proof).map_err(|e| fail(e.to_string()))?,
    };
    Ok(Node {
        proof,
        statement,
        made,
    })
}

/// Decodes a stored chain proof of `set`.
pub fn decode_chain(set: &CircuitSet, key: &str, bytes: Vec<u8>) -> Result<Proof, TaskError> {
    Proof::from_bytes(bytes, &set.chain.data.common).map_err(|e| TaskError::Decode {
        key: key.into(),
        reason: format!("not a chain proof: {e}"),
    })
}

/// Decodes a stored final proof of `set`.
pub fn decode_final(set: &CircuitSet, key: &str, bytes: Vec<u8>) -> Result<FinalProof, TaskError> {
    plonky2::plonk::proof::ProofWithPublicInputs::<F, _, D>::from_bytes(
        bytes,
        &set.final_circuit.data.common,
    )
    .map_err(|e| TaskError::Decode {
        key: key.into(),
        reason: format!("not a final proof: {e}"),
    })
}

/// Reads and decodes the epoch inputs `key`.
pub async fn get_inputs(store: &Store, key: &str) -> Result<EpochInputs, TaskError> {
    let bytes = store.get(key).await?;
    serde_json::from_slice(&bytes).map_err(|e| TaskError::Decode {
        key: key.into(),
        reason: e.to_string(),
    })
}

/// What a task run gave.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskOutput {
    /// The output's key.
    pub key: String,
    /// Whether the output was already in the store (nothing proven).
    pub existed: bool,
}

/// Runs one task: returns at once when its output exists, else reads its
/// inputs, proves (on a blocking thread) and writes its output.
pub async fn run(store: &Store, spec: &TaskSpec) -> Result<TaskOutput, TaskError> {
    let bad = |reason: String| TaskError::BadTask {
        kind: spec.kind,
        reason,
    };
    if spec.inputs.len() != spec.kind.inputs() {
        return Err(bad(format!(
            "takes {} input keys, got {}",
            spec.kind.inputs(),
            spec.inputs.len()
        )));
    }
    let key = spec.output_key();
    if store.exists(&key).await? {
        tracing::info!(task = ?spec.kind, index = spec.index, %key, "output exists");
        return Ok(TaskOutput { key, existed: true });
    }
    let inputs = get_inputs(store, &spec.inputs[0]).await?;
    let mut objects = Vec::new();
    for k in &spec.inputs[1..] {
        objects.push(store.get(k).await?);
    }
    let prev = match &inputs.prev_chain {
        Some(k) => Some(store.get(k).await?),
        None => None,
    };
    let spec2 = spec.clone();
    let bytes = tokio::task::spawn_blocking(move || prove(&spec2, &inputs, objects, prev))
        .await
        .map_err(|e| TaskError::Proving(format!("task thread: {e}")))??;
    store.put(&key, bytes).await?;
    tracing::info!(task = ?spec.kind, index = spec.index, %key, "task done");
    Ok(TaskOutput {
        key,
        existed: false,
    })
}

/// The proving part of a task, synchronous.
fn prove(
    spec: &TaskSpec,
    inputs: &EpochInputs,
    objects: Vec<Vec<u8>>,
    prev: Option<Vec<u8>>,
) -> Result<Vec<u8>, TaskError> {
    let set = circuits_for(&layouts(inputs));
    let set = set.as_ref();
    let market = &inputs.market;
    let mut objects = objects.into_iter();
    let mut next = |i: usize| {
        let key = spec.inputs[i].clone();
        (key, objects.next().unwrap_or_default())
    };
    let chunk_of = |derived: &Derived| {
        derived
            .chunks
            .get(spec.index)
            .cloned()
            .ok_or_else(|| TaskError::BadTask {
                kind: spec.kind,
                reason: format!(
                    "chunk {} of an epoch of {} chunks",
                    spec.index,
                    derived.chunks.len()
                ),
            })
    };
    match spec.kind {
        TaskKind::Prelude => {
            let derived = derive(set, inputs)?;
            // The prelude's fold-tree leaf, from the one pipeline function
            // that makes it (whatever the prelude's internals are).
            let (node, _) = pipeline::prelude_leaf(set, market, &derived.prelude, None)?;
            Ok(encode_node(&node))
        }
        TaskKind::Chunk => {
            let derived = derive(set, inputs)?;
            let chunk = chunk_of(&derived)?;
            let index = spec.index;
            let circuit = &set.chunks[set.layout_for(&chunk)];
            let proof = circuit
                .prove(market, &chunk)
                .map_err(|source| PipelineError::Chunk { index, source })?;
            Ok(proof.to_bytes())
        }
        TaskKind::Wrap => {
            let derived = derive(set, inputs)?;
            let chunk = chunk_of(&derived)?;
            let index = spec.index;
            let expected = chunk
                .expected_statement(market)
                .ok_or(PipelineError::Statement { index })?;
            let layout = set.layout_for(&chunk);
            let circuit = &set.chunks[layout];
            let (key, bytes) = next(1);
            let chunk_proof =
                Proof::from_bytes(bytes, &circuit.data.common).map_err(|e| TaskError::Decode {
                    key: key.clone(),
                    reason: e.to_string(),
                })?;
            let node = pipeline::wrap_chunk(set, index, layout, &chunk_proof, &expected)?;
            Ok(encode_node(&node))
        }
        TaskKind::Fold => {
            let (lk, lb) = next(1);
            let (rk, rb) = next(2);
            let left = decode_node(set, &lk, lb)?;
            let right = decode_node(set, &rk, rb)?;
            let (node, _) = pipeline::fold(&set.fold, 0, spec.index, &left, &right, None)?;
            Ok(encode_node(&node))
        }
        TaskKind::Chain => {
            let (rk, rb) = next(1);
            let root = decode_node(set, &rk, rb)?;
            if root.made != Made::Fold {
                return Err(TaskError::Decode {
                    key: rk,
                    reason: "the fold tree's root must be a fold".into(),
                });
            }
            let ledger = Ledger::from_state(inputs.market.clone(), &inputs.state)
                .map_err(|e| TaskError::Invalid(format!("state: {e}")))?;
            let previous = match (&prev, &inputs.prev_chain) {
                (Some(bytes), Some(k)) => Some(decode_chain(set, k, bytes.clone())?),
                _ => None,
            };
            let genesis_root = match &previous {
                Some(p) => check_previous(set, p, &ledger, &inputs.epoch)?.genesis_root,
                None => ledger.root(),
            };
            let epoch_proof = pipeline::EpochProof {
                proof: root.proof,
                statement: root.statement,
                chunks: 0,
                folds: 0,
                times: Default::default(),
            };
            let proof = pipeline::prove_chain(set, previous.as_ref(), &epoch_proof, genesis_root)?;
            Ok(proof.to_bytes())
        }
        TaskKind::Final => {
            let (ck, cb) = next(1);
            let chain = decode_chain(set, &ck, cb)?;
            let proof =
                set.final_circuit
                    .prove(&chain)
                    .map_err(|source| PipelineError::Recursion {
                        what: format!("final proof of epoch {}", inputs.epoch.epoch),
                        source,
                    })?;
            Ok(proof.to_bytes())
        }
    }
}

/// The statement of a stored chain proof (checked by the chain circuit).
pub fn chain_statement(set: &CircuitSet, proof: &Proof) -> Result<PublicInputs, TaskError> {
    set.chain
        .verify(proof)
        .map_err(|e| TaskError::Proving(e.to_string()))
}
