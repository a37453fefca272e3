//! The venue's prover as a long-running process (`zksettle follow`): epochs
//! taken in order from an inbox directory, applied to a ledger store,
//! proven, and their outputs written to an outbox, pipelined so that epoch
//! k+1's application, prelude and chunks run while epoch k folds, chains
//! and shrinks.
//!
//! **Inbox.** The sequencer drops `epoch-NNNN.json` atomically (written
//! under another name, then renamed). Only the next epoch's name is looked
//! for; a file whose epoch number is not its name's is refused.
//!
//! **Order of writes, and what a restart finds.** For epoch k:
//! 1. the store applies k in one transaction (a rejected epoch writes
//!    nothing and stops the follower with the rule broken);
//! 2. its proofs are made, each checkpointed under `LEDGER/work/epoch-NNNN/`;
//! 3. its outputs go to the outbox, each atomically: `epoch-NNNN.proof`,
//!    `attest-NNNN.json`, `final-NNNN.proof`, `chain-NNNN.proof`;
//! 4. the store records k as proven ([`LedgerStore::mark_proven`]: the
//!    statement's roots and history, and the outputs' SHA-256).
//!
//! A restart opens the store (the last proven epoch), checks the outbox's
//! chain proof of that epoch (it must verify and state the stored roots),
//! then for each applied but unproven epoch either finds its outputs whole
//! in the outbox (killed between 3 and 4: they are checked against the
//! epoch's statement, rebuilt from the store, and recorded, not proven
//! again) or rebuilds its witness from the version before it
//! ([`LedgerStore::witness_of`]) and proves it, resuming from its
//! checkpoints. Nothing is skipped and no epoch is proven twice.
//!
//! **Stopping.** A stop request (SIGTERM or SIGINT in the CLI) is honoured
//! between stages: no new epoch is taken, the epoch in flight is finished
//! and recorded, and [`follow`] returns. A kill at any point loses only the
//! proofs not yet checkpointed.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime};

use serde::Serialize;
use sha2::{Digest as _, Sha256};
use zksettle_circuits::recursion::final_proof::FinalProof;
use zksettle_circuits::recursion::set::CircuitSet;
use zksettle_circuits::recursion::Proof;
use zksettle_circuits::rules::encoding::{digest_hex, Digest};
use zksettle_circuits::rules::epoch::Epoch;
use zksettle_verifier::{PublicInputs, EMPTY_HISTORY};

use super::job::{
    finish_epoch, first_difference, prove_epoch_leaves, write_outputs, Chained, EpochLeaves,
    JobError, StageTimes,
};
use crate::export::expected_statement;
use crate::io::{read_json, IoError};
use crate::ledger::store::{LedgerStore, OutputFile, ProofRecord, StoreError};

/// Why following stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum FollowError {
    /// The store refused an operation (a rejected epoch among them: the
    /// store is unchanged).
    #[error(transparent)]
    Store(#[from] StoreError),
    /// An epoch could not be proven.
    #[error("epoch {epoch}: {source}")]
    Job {
        /// The epoch.
        epoch: u64,
        /// Cause.
        source: JobError,
    },
    /// An inbox file could not be read.
    #[error(transparent)]
    Io(#[from] IoError),
    /// An inbox file is not the epoch its name says.
    #[error("{path}: holds epoch {found}, its name says epoch {expected}")]
    Misnamed {
        /// The file.
        path: PathBuf,
        /// Epoch in the file.
        found: u64,
        /// Epoch of its name.
        expected: u64,
    },
    /// The chain proof the next epoch continues from is missing or wrong.
    #[error("{path}: {problem}")]
    Previous {
        /// The chain proof's file.
        path: PathBuf,
        /// What is wrong.
        problem: String,
    },
    /// A thread pool for a pipeline stage could not be started.
    #[error("starting a thread pool: {0}")]
    Pool(String),
    /// A directory could not be created.
    #[error("{path}: cannot create")]
    Create {
        /// The directory.
        path: PathBuf,
        /// Cause.
        source: std::io::Error,
    },
}

/// How to follow.
#[derive(Clone, Debug)]
pub struct FollowConfig {
    /// Where the sequencer drops `epoch-NNNN.json`.
    pub inbox: PathBuf,
    /// Where the outputs go.
    pub outbox: PathBuf,
    /// The chain proof of the store's first epoch, when it is not epoch 0
    /// and the outbox does not hold it.
    pub prev: Option<PathBuf>,
    /// How often the inbox is looked at when the next epoch is not there.
    pub poll: Duration,
    /// Overlap epoch k+1's first stage with epoch k's second.
    pub pipeline: bool,
    /// Return once the next epoch is not in the inbox and nothing is in
    /// flight (for batch runs and tests), instead of waiting.
    pub exit_when_idle: bool,
    /// Take no epoch after this one.
    pub until: Option<u64>,
}

/// What the follower reports, one JSON line each in the CLI.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    /// Started: where the store and the outbox stand.
    Started {
        /// Last epoch proven.
        proven: u64,
        /// Last epoch applied.
        applied: u64,
    },
    /// An epoch's outputs were found whole in the outbox after a restart
    /// and recorded without proving again.
    Recovered {
        /// The epoch.
        epoch: u64,
    },
    /// An epoch was applied to the store (or, after a restart, its witness
    /// rebuilt from the version before it).
    Applied {
        /// The epoch.
        epoch: u64,
        /// Operations.
        ops: usize,
        /// Whether it was applied earlier and its witness rebuilt.
        rebuilt: bool,
        /// Root after it, hex.
        new_root: String,
    },
    /// An epoch proven, its outputs written and recorded.
    Proven {
        /// The epoch.
        epoch: u64,
        /// Operations.
        ops: usize,
        /// Chunks proven.
        chunks: usize,
        /// Folds made.
        folds: usize,
        /// Seconds per stage (`total_s` from the application to the final
        /// proof, overlapping the previous epoch when pipelined).
        stages_s: StageTimes,
        /// Seconds from the epoch file's arrival (its modification time) to
        /// its outputs written.
        latency_s: f64,
        /// Bytes of the final proof.
        final_proof_bytes: u64,
        /// Root after it, hex.
        new_root: String,
    },
    /// Stopped: why, and the last epoch proven.
    Stopped {
        /// `idle`, `until` or `signal`.
        reason: String,
        /// Last epoch proven.
        proven: u64,
    },
}

/// What a run of [`follow`] did.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FollowSummary {
    /// Epochs proven in this run.
    pub proven: Vec<u64>,
    /// Epochs recovered from the outbox in this run.
    pub recovered: Vec<u64>,
    /// Seconds of the run.
    pub wall_s: f64,
}

/// The inbox file of epoch `n`.
pub fn inbox_file(inbox: &Path, n: u64) -> PathBuf {
    inbox.join(format!("epoch-{n:04}.json"))
}

/// Where the checkpoints of epoch `n` go in a ledger directory.
fn work_dir(store: &LedgerStore, n: u64) -> PathBuf {
    let dir = store.path().parent().unwrap_or(Path::new("."));
    dir.join("work").join(format!("epoch-{n:04}"))
}

/// An epoch whose first stage is done.
struct Pending {
    epoch: Epoch,
    leaves: EpochLeaves,
    arrived: SystemTime,
    work: PathBuf,
}

/// What the second stage gives back to be recorded.
struct Finished {
    proof: Proof,
    record: ProofRecord,
    event: Event,
}

/// Where the chain stands: the last proven epoch's chain proof and what
/// the next epoch continues from.
struct Tip {
    proven: u64,
    previous: Option<Proof>,
    chained: Option<Chained>,
}

/// Follows the inbox until it is idle (with `exit_when_idle`), past
/// `until`, or `stop` is set; see the module documentation.
pub fn follow(
    set: &CircuitSet,
    store: &mut LedgerStore,
    config: &FollowConfig,
    stop: &AtomicBool,
    events: &mut dyn FnMut(&Event),
) -> Result<FollowSummary, FollowError> {
    let clock = Instant::now();
    fs::create_dir_all(&config.outbox).map_err(|source| FollowError::Create {
        path: config.outbox.clone(),
        source,
    })?;
    let mut summary = FollowSummary::default();
    events(&Event::Started {
        proven: store.proven_epoch(),
        applied: store.head().epoch,
    });
    let mut tip = load_tip(set, store, config)?;
    // Outputs written by a run killed before it recorded them.
    while tip.proven < store.head().epoch {
        let n = tip.proven + 1;
        let Some(found) = recover_outputs(set, store, config, &tip, n)? else {
            break;
        };
        store.mark_proven(&found.record)?;
        let _ = fs::remove_dir_all(work_dir(store, n));
        advance(&mut tip, found.proof, &found.record);
        summary.recovered.push(n);
        events(&Event::Recovered { epoch: n });
    }
    // Two pools for the two overlapping stages: on one shared pool a stage
    // waiting on its own parallel work steals the other's long tasks (a
    // final proof of 1.6 s took 14 s behind a chunk proof, measured), so
    // each stage gets its own threads and the OS shares the cores.
    let pools = (stage_pool("ahead")?, stage_pool("behind")?);
    let mut pending: Option<Pending> = None;
    let reason = loop {
        let next = pending.as_ref().map_or(tip.proven, |p| p.epoch.epoch) + 1;
        let stopping = stop.load(Ordering::SeqCst);
        let past = config.until.is_some_and(|until| next > until);
        let file = inbox_file(&config.inbox, next);
        let available = !stopping && !past && file.exists();
        match (available, pending.take()) {
            (false, None) if stopping => break "signal",
            (false, None) if past => break "until",
            (false, None) if config.exit_when_idle => break "idle",
            (false, None) => std::thread::sleep(config.poll),
            (false, Some(p)) => {
                let done = finish(set, store, config, &tip, p)?;
                record(store, &mut tip, &mut summary, done, events)?;
            }
            (true, None) => {
                let p = prepare(set, store, &file, next, &tip, events)?;
                if config.pipeline {
                    pending = Some(p);
                } else {
                    let done = finish(set, store, config, &tip, p)?;
                    record(store, &mut tip, &mut summary, done, events)?;
                }
            }
            (true, Some(p)) => {
                // Epoch p finishes on another thread while this one applies
                // the next epoch and proves its leaves; both share rayon's
                // pool. The next epoch continues from p's statement, which
                // `finish_epoch` checks against p's chain proof.
                let continues = Chained {
                    genesis_root: p.leaves.expected.genesis_root,
                    history_before: p.leaves.expected.history,
                };
                let (ahead_pool, behind_pool) = &pools;
                let (done, prepared) = std::thread::scope(|scope| {
                    let market = store.market().clone();
                    let tip = &tip;
                    let behind = scope.spawn(move || {
                        behind_pool.install(|| finish_with(set, &market, config, tip, p))
                    });
                    let ahead =
                        prepare_continuing(set, store, &file, next, continues, ahead_pool, events);
                    let done = behind
                        .join()
                        .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
                    (done, ahead)
                });
                // Record p before looking at the next epoch's outcome: a
                // rejected next epoch leaves p proven and recorded.
                record(store, &mut tip, &mut summary, done?, events)?;
                pending = Some(prepared?);
            }
        }
    };
    events(&Event::Stopped {
        reason: reason.into(),
        proven: tip.proven,
    });
    summary.wall_s = clock.elapsed().as_secs_f64();
    Ok(summary)
}

/// A thread pool as large as the global one, for one pipeline stage.
fn stage_pool(name: &'static str) -> Result<rayon::ThreadPool, FollowError> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(rayon::current_num_threads())
        .thread_name(move |i| format!("follow-{name}-{i}"))
        .build()
        .map_err(|e| FollowError::Pool(e.to_string()))
}

/// Proves the store's next unproven epoch (`epoch`, read by the caller)
/// to `out`, applying it first if the store has not: `zksettle prove
/// --ledger`. `previous` is the chain proof of the epoch before (none for
/// epoch 1). Returns the proof's event.
pub fn prove_next(
    set: &CircuitSet,
    store: &mut LedgerStore,
    epoch: &Epoch,
    previous: Option<Proof>,
    out: &Path,
) -> Result<Event, FollowError> {
    let n = epoch.epoch;
    if n != store.proven_epoch() + 1 {
        return Err(StoreError::Version {
            path: store.path().to_owned(),
            epoch: n,
            problem: format!(
                "the next epoch to prove is {} (epoch {} is the last proven)",
                store.proven_epoch() + 1,
                store.proven_epoch()
            ),
        }
        .into());
    }
    fs::create_dir_all(out).map_err(|source| FollowError::Create {
        path: out.into(),
        source,
    })?;
    let config = FollowConfig {
        inbox: PathBuf::new(),
        outbox: out.into(),
        prev: None,
        poll: Duration::ZERO,
        pipeline: false,
        exit_when_idle: true,
        until: None,
    };
    let tip = tip_with(set, store, n - 1, previous, &config.outbox)?;
    let started = Instant::now();
    let (witness, _) = witness_for(store, epoch)?;
    let chained = chained_for(&tip, n, witness.prev_root, &config.outbox)?;
    let work = work_dir(store, n);
    let leaves = prove_epoch_leaves(
        set,
        store.market(),
        epoch,
        witness,
        chained,
        started,
        Some(&work),
        &|_| {},
    )
    .map_err(|source| FollowError::Job { epoch: n, source })?;
    let pending = Pending {
        epoch: epoch.clone(),
        leaves,
        arrived: SystemTime::now(),
        work,
    };
    let done = finish(set, store, &config, &tip, pending)?;
    store.mark_proven(&done.record)?;
    Ok(done.event)
}

/// The chain proof of the last proven epoch (from `--prev` or the outbox),
/// checked against the store.
fn load_tip(
    set: &CircuitSet,
    store: &LedgerStore,
    config: &FollowConfig,
) -> Result<Tip, FollowError> {
    let proven = store.proven_epoch();
    if proven == 0 {
        return tip_from(0, None, PathBuf::new());
    }
    let path = config
        .outbox
        .join(format!("chain-{proven:04}.proof"))
        .exists()
        .then(|| config.outbox.join(format!("chain-{proven:04}.proof")))
        .or_else(|| config.prev.clone())
        .unwrap_or_else(|| config.outbox.join(format!("chain-{proven:04}.proof")));
    let bad = |problem: String| FollowError::Previous {
        path: path.clone(),
        problem,
    };
    let bytes = fs::read(&path).map_err(|e| {
        bad(format!(
            "cannot read the chain proof of epoch {proven}, the store's last proven epoch ({e}); \
             give it with --prev"
        ))
    })?;
    if let Some(record) = store.proof_record(proven)? {
        let name = format!("chain-{proven:04}.proof");
        let recorded = record.outputs.iter().find(|f| f.name == name);
        if recorded.is_some_and(|f| f.sha256 != hex::encode(Sha256::digest(&bytes))) {
            return Err(bad(format!(
                "not the chain proof the store recorded for epoch {proven}"
            )));
        }
    }
    let proof = Proof::from_bytes(bytes, &set.chain.data.common)
        .map_err(|e| bad(format!("not a chain proof: {e}")))?;
    tip_with(set, store, proven, Some(proof), &path)
}

/// The tip at the store's last proven epoch `proven`, from that epoch's
/// chain proof (read from `path`), which must verify and end at the root
/// the store holds for that epoch.
fn tip_with(
    set: &CircuitSet,
    store: &LedgerStore,
    proven: u64,
    previous: Option<Proof>,
    path: &Path,
) -> Result<Tip, FollowError> {
    let tip = tip_from(proven, previous, path.into())?;
    let Some(proof) = &tip.previous else {
        return Ok(tip);
    };
    let bad = |problem: String| FollowError::Previous {
        path: path.into(),
        problem,
    };
    let statement = set
        .chain
        .verify(proof)
        .map_err(|e| bad(format!("does not verify: {e}")))?;
    check_tip_statement(store, proven, &statement).map_err(bad)?;
    Ok(Tip {
        chained: Some(Chained {
            genesis_root: statement.genesis_root,
            history_before: statement.history,
        }),
        ..tip
    })
}

/// A tip at epoch `proven` with its chain proof (`None` only at epoch 0).
fn tip_from(proven: u64, previous: Option<Proof>, path: PathBuf) -> Result<Tip, FollowError> {
    if proven > 0 && previous.is_none() {
        return Err(FollowError::Previous {
            path,
            problem: format!(
                "epoch {} needs the chain proof of epoch {proven}",
                proven + 1
            ),
        });
    }
    Ok(Tip {
        proven,
        previous,
        chained: None,
    })
}

/// The chain proof of the last proven epoch must end at the root the store
/// recorded for it.
fn check_tip_statement(
    store: &LedgerStore,
    proven: u64,
    statement: &PublicInputs,
) -> Result<(), String> {
    if statement.epoch != proven {
        return Err(format!(
            "proves epoch {}, the store's last proven epoch is {proven}",
            statement.epoch
        ));
    }
    let root = store
        .root_at(proven)
        .map_err(|e| format!("the store has no root for epoch {proven}: {e}"))?;
    if statement.new_root != root {
        return Err(format!(
            "ends epoch {proven} at {}, the store's root after it is {}",
            digest_hex(&statement.new_root),
            digest_hex(&root)
        ));
    }
    Ok(())
}

/// What epoch `n` (whose root before is `prev_root`) continues from.
fn chained_for(
    tip: &Tip,
    n: u64,
    prev_root: Digest,
    outbox: &Path,
) -> Result<Chained, FollowError> {
    match (&tip.chained, n) {
        (Some(chained), _) => Ok(*chained),
        (None, 1) => Ok(Chained {
            genesis_root: prev_root,
            history_before: EMPTY_HISTORY,
        }),
        (None, _) => Err(FollowError::Previous {
            path: outbox.join(format!("chain-{:04}.proof", n - 1)),
            problem: format!("epoch {n} needs the chain proof of epoch {}", n - 1),
        }),
    }
}

/// The epoch's witness: applied now if it is the store's next epoch, else
/// rebuilt from the version before it. The flag says which.
fn witness_for(
    store: &mut LedgerStore,
    epoch: &Epoch,
) -> Result<(crate::ledger::EpochWitness, bool), FollowError> {
    let head = store.head().epoch;
    if epoch.epoch == head + 1 {
        Ok((store.apply_epoch(epoch)?.1, false))
    } else if epoch.epoch <= head {
        Ok((store.witness_of(epoch)?.1, true))
    } else {
        Err(StoreError::Version {
            path: store.path().to_owned(),
            epoch: epoch.epoch,
            problem: format!("the store is at epoch {head}: epochs must come in order"),
        }
        .into())
    }
}

fn read_inbox(file: &Path, n: u64) -> Result<(Epoch, SystemTime), FollowError> {
    let epoch: Epoch = read_json(file)?;
    if epoch.epoch != n {
        return Err(FollowError::Misnamed {
            path: file.into(),
            found: epoch.epoch,
            expected: n,
        });
    }
    let arrived = fs::metadata(file)
        .and_then(|m| m.modified())
        .unwrap_or_else(|_| SystemTime::now());
    Ok((epoch, arrived))
}

/// The first stage of epoch `n` right after the tip.
fn prepare(
    set: &CircuitSet,
    store: &mut LedgerStore,
    file: &Path,
    n: u64,
    tip: &Tip,
    events: &mut dyn FnMut(&Event),
) -> Result<Pending, FollowError> {
    let (epoch, arrived) = read_inbox(file, n)?;
    let started = Instant::now();
    let (witness, rebuilt) = witness_for(store, &epoch)?;
    let chained = chained_for(tip, n, witness.prev_root, file.parent().unwrap_or(file))?;
    leaves_of(
        set, store, epoch, arrived, witness, rebuilt, chained, started, None, events,
    )
}

/// The first stage of epoch `n`, continuing an epoch still in flight.
fn prepare_continuing(
    set: &CircuitSet,
    store: &mut LedgerStore,
    file: &Path,
    n: u64,
    chained: Chained,
    pool: &rayon::ThreadPool,
    events: &mut dyn FnMut(&Event),
) -> Result<Pending, FollowError> {
    let (epoch, arrived) = read_inbox(file, n)?;
    let started = Instant::now();
    let (witness, rebuilt) = witness_for(store, &epoch)?;
    leaves_of(
        set,
        store,
        epoch,
        arrived,
        witness,
        rebuilt,
        chained,
        started,
        Some(pool),
        events,
    )
}

#[allow(clippy::too_many_arguments)]
fn leaves_of(
    set: &CircuitSet,
    store: &LedgerStore,
    epoch: Epoch,
    arrived: SystemTime,
    witness: crate::ledger::EpochWitness,
    rebuilt: bool,
    chained: Chained,
    started: Instant,
    pool: Option<&rayon::ThreadPool>,
    events: &mut dyn FnMut(&Event),
) -> Result<Pending, FollowError> {
    let n = epoch.epoch;
    events(&Event::Applied {
        epoch: n,
        ops: epoch.ops.len(),
        rebuilt,
        new_root: digest_hex(&witness.new_root),
    });
    let work = work_dir(store, n);
    let market = store.market();
    let prove = || {
        prove_epoch_leaves(
            set,
            market,
            &epoch,
            witness,
            chained,
            started,
            Some(&work),
            &|_| {},
        )
    };
    let leaves = match pool {
        Some(pool) => pool.install(prove),
        None => prove(),
    }
    .map_err(|source| FollowError::Job { epoch: n, source })?;
    Ok(Pending {
        epoch,
        leaves,
        arrived,
        work,
    })
}

fn finish(
    set: &CircuitSet,
    store: &LedgerStore,
    config: &FollowConfig,
    tip: &Tip,
    pending: Pending,
) -> Result<Finished, FollowError> {
    finish_with(set, &store.market().clone(), config, tip, pending)
}

/// The second stage: fold, chain, final proof, outputs written.
fn finish_with(
    set: &CircuitSet,
    market: &zksettle_circuits::rules::market::Market,
    config: &FollowConfig,
    tip: &Tip,
    pending: Pending,
) -> Result<Finished, FollowError> {
    let Pending {
        epoch,
        leaves,
        arrived,
        work,
    } = pending;
    let n = epoch.epoch;
    let job = |source| FollowError::Job { epoch: n, source };
    let settled = finish_epoch(set, leaves, tip.previous.as_ref(), &|_| {}).map_err(job)?;
    let outputs = write_outputs(&config.outbox, market, &epoch, &settled, None).map_err(job)?;
    let _ = fs::remove_dir_all(&work);
    let latency_s = SystemTime::now()
        .duration_since(arrived)
        .map_or(0.0, |d| d.as_secs_f64());
    let s = &settled.statement;
    let final_proof_bytes = outputs
        .iter()
        .find(|f| f.name.starts_with("final-"))
        .map_or(0, |f| f.bytes);
    Ok(Finished {
        record: ProofRecord {
            epoch: n,
            prev_root: s.prev_root,
            new_root: s.new_root,
            history: s.history,
            outputs,
        },
        event: Event::Proven {
            epoch: n,
            ops: epoch.ops.len(),
            chunks: settled.epoch_proof.chunks,
            folds: settled.epoch_proof.folds,
            stages_s: settled.times,
            latency_s,
            final_proof_bytes,
            new_root: digest_hex(&s.new_root),
        },
        proof: settled.chain_proof,
    })
}

fn advance(tip: &mut Tip, proof: Proof, record: &ProofRecord) {
    let genesis_root = tip
        .chained
        .map_or(record.prev_root, |chained| chained.genesis_root);
    tip.proven = record.epoch;
    tip.previous = Some(proof);
    tip.chained = Some(Chained {
        genesis_root,
        history_before: record.history,
    });
}

fn record(
    store: &mut LedgerStore,
    tip: &mut Tip,
    summary: &mut FollowSummary,
    done: Finished,
    events: &mut dyn FnMut(&Event),
) -> Result<(), FollowError> {
    store.mark_proven(&done.record)?;
    advance(tip, done.proof, &done.record);
    summary.proven.push(done.record.epoch);
    events(&done.event);
    Ok(())
}

/// Epoch `n`'s outputs, if the outbox holds all of them and they prove
/// exactly the epoch the store applied (rebuilt from the inbox file and the
/// store's version before it); `None` sends the epoch to be proven.
fn recover_outputs(
    set: &CircuitSet,
    store: &LedgerStore,
    config: &FollowConfig,
    tip: &Tip,
    n: u64,
) -> Result<Option<Finished>, FollowError> {
    let names = [
        format!("epoch-{n:04}.proof"),
        format!("attest-{n:04}.json"),
        format!("final-{n:04}.proof"),
        format!("chain-{n:04}.proof"),
    ];
    let mut outputs = Vec::new();
    let mut chain_bytes = None;
    let mut final_bytes = None;
    for name in &names {
        let Ok(bytes) = fs::read(config.outbox.join(name)) else {
            return Ok(None);
        };
        outputs.push(OutputFile {
            name: name.clone(),
            sha256: hex::encode(Sha256::digest(&bytes)),
            bytes: bytes.len() as u64,
        });
        if name.starts_with("chain-") {
            chain_bytes = Some(bytes);
        } else if name.starts_with("final-") {
            final_bytes = Some(bytes);
        }
    }
    let file = inbox_file(&config.inbox, n);
    if !file.exists() {
        return Ok(None);
    }
    let (epoch, _) = read_inbox(&file, n)?;
    let (_, witness) = store.witness_of(&epoch)?;
    let chained = chained_for(tip, n, witness.prev_root, &config.outbox)?;
    let expected = expected_statement(
        store.market(),
        chained.genesis_root,
        &epoch,
        &witness,
        &chained.history_before,
    );
    let unusable = |why: String| {
        tracing::warn!(epoch = n, %why, "outputs in the outbox unusable: proving again");
        Ok(None)
    };
    let chain = match Proof::from_bytes(chain_bytes.unwrap_or_default(), &set.chain.data.common) {
        Ok(proof) => proof,
        Err(e) => return unusable(format!("chain proof: {e}")),
    };
    match set.chain.verify(&chain) {
        Ok(s) if first_difference(&s, &expected).is_none() => {}
        Ok(_) => return unusable("the chain proof states another epoch".into()),
        Err(e) => return unusable(format!("chain proof: {e}")),
    }
    let final_ok = FinalProof::from_bytes(
        final_bytes.unwrap_or_default(),
        &set.final_circuit.data.common,
    )
    .ok()
    .and_then(|p| set.final_circuit.verify(&p).ok())
    .is_some_and(|s| first_difference(&s, &expected).is_none());
    if !final_ok {
        return unusable("the final proof does not verify or states another epoch".into());
    }
    Ok(Some(Finished {
        record: ProofRecord {
            epoch: n,
            prev_root: expected.prev_root,
            new_root: expected.new_root,
            history: expected.history,
            outputs,
        },
        event: Event::Recovered { epoch: n },
        proof: chain,
    }))
}
