//! Distributed proving on Temporal: the [`task`]s of an epoch run as
//! activities of the `ProveEpoch` workflow, on any number of workers that
//! share a [`Store`].
//!
//! The workflow is deterministic: from its input ([`EpochPlan`]: the epoch
//! inputs' key and the number of chunks the client planned) it schedules
//! the prelude and every chunk (each followed by its wrap) in parallel,
//! then folds the leaves level by level (pairs in parallel, an odd node
//! carried up as the local pipeline does), then the chain step and the
//! final proof. Activities exchange store keys only, never proofs, so the
//! history stays small. A finished activity's result is in the history and
//! never recomputed; a worker that dies stops heartbeating and its activity
//! is retried elsewhere; an invalid witness fails the workflow at once
//! (non-retryable, naming the rule).

// The SDK's #[activities] and #[workflow_methods] macros generate public
// marker constants without docs; every item written here is documented.
#![allow(missing_docs)]

pub mod task;

use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use temporalio_common::RetryPolicy;
use temporalio_macros::{activities, workflow, workflow_methods};
use temporalio_sdk::activities::{ActivityContext, ActivityError};
use temporalio_sdk::{
    ActivityOptions, ApplicationFailure, WorkflowContext, WorkflowContextView, WorkflowResult,
};

use crate::store::Store;
use task::{TaskKind, TaskOutput, TaskSpec};

/// The task queue workers poll and the client submits to.
pub const TASK_QUEUE: &str = "zksettle-prove";

/// The error type of a non-retryable activity failure (an invalid witness
/// or a malformed task).
pub const INVALID: &str = "InvalidWitness";

/// What the workflow proves.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EpochPlan {
    /// Store key of the epoch inputs.
    pub inputs: String,
    /// Chunks the epoch is cut into (the client derives them natively).
    pub chunks: usize,
}

/// What the workflow returns: the store keys of its proofs.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EpochKeys {
    /// The fold tree's root (the epoch proof).
    pub epoch: String,
    /// The chain proof.
    pub chain: String,
    /// The final proof.
    pub final_proof: String,
}

/// The workflow's progress, as its query returns it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    /// Activities finished.
    pub done: usize,
    /// Activities the epoch needs.
    pub total: usize,
}

/// The activities: each runs one [`task`] on this worker's store.
pub struct ProveActivities {
    store: Store,
}

impl ProveActivities {
    /// Activities over `store`.
    pub fn new(store: Store) -> Self {
        Self { store }
    }

    async fn execute(&self, ctx: ActivityContext, spec: TaskSpec) -> Result<String, ActivityError> {
        let info = ctx.info();
        tracing::info!(task = ?spec.kind, index = spec.index, attempt = info.attempt, "activity started");
        let run = task::run(&self.store, &spec);
        tokio::pin!(run);
        let mut beat = tokio::time::interval(Duration::from_secs(2));
        let mut seconds = 0u64;
        let outcome = loop {
            tokio::select! {
                outcome = &mut run => break outcome,
                _ = beat.tick() => {
                    seconds += 2;
                    let _ = ctx.record_heartbeat(seconds).await;
                }
            }
        };
        match outcome {
            Ok(TaskOutput { key, .. }) => Ok(key),
            Err(e) if e.is_permanent() => {
                tracing::error!(error = %e, "task failed for good");
                Err(ActivityError::application(
                    ApplicationFailure::builder(e.to_string())
                        .type_name(INVALID.to_string())
                        .non_retryable(true)
                        .build(),
                ))
            }
            Err(e) => {
                tracing::warn!(error = %e, "task failed: retried");
                Err(ActivityError::application(ApplicationFailure::new(
                    e.to_string(),
                )))
            }
        }
    }
}

#[activities]
impl ProveActivities {
    /// The prelude's fold-tree leaf.
    #[activity]
    pub async fn prelude(
        self: Arc<Self>,
        ctx: ActivityContext,
        spec: TaskSpec,
    ) -> Result<String, ActivityError> {
        self.execute(ctx, spec).await
    }

    /// One chunk proof.
    #[activity]
    pub async fn chunk(
        self: Arc<Self>,
        ctx: ActivityContext,
        spec: TaskSpec,
    ) -> Result<String, ActivityError> {
        self.execute(ctx, spec).await
    }

    /// One chunk proof wrapped.
    #[activity]
    pub async fn wrap(
        self: Arc<Self>,
        ctx: ActivityContext,
        spec: TaskSpec,
    ) -> Result<String, ActivityError> {
        self.execute(ctx, spec).await
    }

    /// Two segments folded.
    #[activity]
    pub async fn fold(
        self: Arc<Self>,
        ctx: ActivityContext,
        spec: TaskSpec,
    ) -> Result<String, ActivityError> {
        self.execute(ctx, spec).await
    }

    /// The chain step.
    #[activity]
    pub async fn chain(
        self: Arc<Self>,
        ctx: ActivityContext,
        spec: TaskSpec,
    ) -> Result<String, ActivityError> {
        self.execute(ctx, spec).await
    }

    /// The final proof.
    #[activity]
    pub async fn final_proof(
        self: Arc<Self>,
        ctx: ActivityContext,
        spec: TaskSpec,
    ) -> Result<String, ActivityError> {
        self.execute(ctx, spec).await
    }
}

/// Options of every activity: a start-to-close timeout well above a chunk
/// proof (including a first circuit build), a heartbeat timeout that
/// notices a dead worker within seconds, and retries with back-off; an
/// invalid witness is never retried.
fn options(id: String) -> ActivityOptions {
    ActivityOptions::with_start_to_close_timeout(Duration::from_secs(3600))
        .heartbeat_timeout(Duration::from_secs(15))
        .activity_id(id)
        .retry_policy(
            RetryPolicy::builder()
                .initial_interval(Duration::from_secs(1))
                .backoff_coefficient(2.0)
                .maximum_interval(Duration::from_secs(60))
                .maximum_attempts(10)
                .non_retryable_error_types([INVALID])
                .build(),
        )
        .build()
}

/// The workflow proving one epoch.
#[workflow]
#[derive(Default)]
pub struct ProveEpoch {
    progress: Progress,
}

#[workflow_methods]
impl ProveEpoch {
    /// Proves the epoch of `plan`; returns its proofs' keys.
    #[run]
    pub async fn run(
        ctx: &mut WorkflowContext<Self>,
        plan: EpochPlan,
    ) -> WorkflowResult<EpochKeys> {
        // A shared reference, copied into every concurrent branch.
        let ctx: &WorkflowContext<Self> = ctx;
        let n = plan.chunks.max(1);
        // prelude + chunks + wraps + folds (one fewer than the leaves) + chain + final
        let total = 1 + 2 * n + n + 2;
        ctx.state_mut(|s| s.progress.total = total);
        let inputs = plan.inputs.clone();
        let spec = |kind, inputs: Vec<String>, index| TaskSpec {
            kind,
            inputs,
            index,
        };
        let bump = |ctx: &WorkflowContext<Self>| ctx.state_mut(|s| s.progress.done += 1);
        let prelude = async {
            let key = ctx
                .execute_activity(
                    ProveActivities::prelude,
                    spec(TaskKind::Prelude, vec![inputs.clone()], 0),
                    options("prelude".into()),
                )
                .await?;
            bump(ctx);
            Ok::<String, temporalio_sdk::ActivityExecutionError>(key)
        };
        let chunks = (0..n).map(|index| {
            let inputs = inputs.clone();
            async move {
                let chunk = ctx
                    .execute_activity(
                        ProveActivities::chunk,
                        spec(TaskKind::Chunk, vec![inputs.clone()], index),
                        options(format!("chunk-{index:04}")),
                    )
                    .await?;
                bump(ctx);
                let wrap = ctx
                    .execute_activity(
                        ProveActivities::wrap,
                        spec(TaskKind::Wrap, vec![inputs, chunk], index),
                        options(format!("wrap-{index:04}")),
                    )
                    .await?;
                bump(ctx);
                Ok::<String, temporalio_sdk::ActivityExecutionError>(wrap)
            }
        });
        let (prelude, wraps) = futures::join!(prelude, futures::future::join_all(chunks));
        let mut nodes = vec![prelude?];
        for wrap in wraps {
            nodes.push(wrap?);
        }
        let mut level = 1;
        while nodes.len() > 1 {
            let pairs: Vec<Vec<String>> = nodes.chunks(2).map(<[String]>::to_vec).collect();
            let folds = pairs.into_iter().enumerate().map(|(index, pair)| {
                let inputs = inputs.clone();
                async move {
                    match pair.as_slice() {
                        [left, right] => {
                            let key = ctx
                                .execute_activity(
                                    ProveActivities::fold,
                                    spec(
                                        TaskKind::Fold,
                                        vec![inputs, left.clone(), right.clone()],
                                        index,
                                    ),
                                    options(format!("fold-{level:02}-{index:04}")),
                                )
                                .await?;
                            bump(ctx);
                            Ok::<String, temporalio_sdk::ActivityExecutionError>(key)
                        }
                        _ => Ok(pair[0].clone()),
                    }
                }
            });
            nodes = futures::future::join_all(folds)
                .await
                .into_iter()
                .collect::<Result<Vec<_>, _>>()?;
            level += 1;
        }
        let epoch = nodes.remove(0);
        let chain = ctx
            .execute_activity(
                ProveActivities::chain,
                spec(TaskKind::Chain, vec![inputs.clone(), epoch.clone()], 0),
                options("chain".into()),
            )
            .await?;
        bump(ctx);
        let final_proof = ctx
            .execute_activity(
                ProveActivities::final_proof,
                spec(TaskKind::Final, vec![inputs, chain.clone()], 0),
                options("final".into()),
            )
            .await?;
        bump(ctx);
        Ok(EpochKeys {
            epoch,
            chain,
            final_proof,
        })
    }

    /// Activities done and needed.
    #[query]
    pub fn progress(&self, _ctx: &WorkflowContextView) -> Progress {
        self.progress.clone()
    }
}

/// The workflow id of an epoch: derived from its market hash, epoch number
/// and previous root, so a second submission of the same epoch attaches to
/// the running (or finished) workflow instead of proving it again.
pub fn workflow_id(market_hash: &str, epoch: u64, prev_root: &str) -> String {
    let digest = crate::store::digest_of(&[market_hash.as_bytes(), prev_root.as_bytes()]);
    format!("prove-epoch-{epoch:04}-{}", &digest[..16])
}

/// Why the cluster could not be reached or a worker failed.
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    /// The server address is not a URL.
    #[error("temporal address {addr}: {reason}")]
    Address {
        /// The address.
        addr: String,
        /// Why.
        reason: String,
    },
    /// Connecting or talking to the server failed.
    #[error("temporal server {addr}: {reason}")]
    Server {
        /// The address.
        addr: String,
        /// Why.
        reason: String,
    },
}

/// A client of the Temporal server at `addr` (`host:port` or a URL), in
/// namespace `namespace`.
pub async fn connect(
    addr: &str,
    namespace: &str,
) -> Result<temporalio_client::Client, ClusterError> {
    let url = if addr.contains("://") {
        addr.to_string()
    } else {
        format!("http://{addr}")
    };
    let url = temporalio_client::Url::parse(&url).map_err(|e| ClusterError::Address {
        addr: addr.into(),
        reason: e.to_string(),
    })?;
    let server = |e: &dyn std::fmt::Display| ClusterError::Server {
        addr: addr.into(),
        reason: e.to_string(),
    };
    let connection = temporalio_client::Connection::connect(
        temporalio_client::ConnectionOptions::new(url).build(),
    )
    .await
    .map_err(|e| server(&e))?;
    temporalio_client::Client::new(
        connection,
        temporalio_client::ClientOptions::new(namespace).build(),
    )
    .map_err(|e| server(&e))
}

/// Runs a worker of the task queue [`TASK_QUEUE`] until the process ends:
/// it hosts [`ProveEpoch`] and the [`ProveActivities`] over `store`, with at
/// most `slots` activities at once (each chunk proof holds about 1.3 GB).
pub async fn run_worker(
    addr: &str,
    namespace: &str,
    store: Store,
    slots: usize,
) -> Result<(), ClusterError> {
    use temporalio_sdk::runtime::worker_tuner::{FixedSizeSlotSupplier, TunerHolder};
    let server = |e: &dyn std::fmt::Display| ClusterError::Server {
        addr: addr.into(),
        reason: e.to_string(),
    };
    let client = connect(addr, namespace).await?;
    let runtime =
        temporalio_sdk::Runtime::from_current_tokio(Default::default()).map_err(|e| server(&e))?;
    let tuner = TunerHolder::builder()
        .workflow_task_slot_supplier(FixedSizeSlotSupplier::new(20))
        .activity_task_slot_supplier(FixedSizeSlotSupplier::new(slots.max(1)))
        .local_activity_task_slot_supplier(FixedSizeSlotSupplier::new(1))
        .nexus_task_slot_supplier(FixedSizeSlotSupplier::new(1))
        .build();
    let options = temporalio_sdk::WorkerOptions::new(TASK_QUEUE)
        .register_workflow::<ProveEpoch>()
        .map_err(|e| server(&e))?
        .register_activities(ProveActivities::new(store))
        .tuner(tuner)
        .build();
    let mut worker =
        temporalio_sdk::Worker::new(&runtime, client, options).map_err(|e| server(&e))?;
    tracing::info!(
        addr,
        slots,
        pid = std::process::id(),
        "worker polling {TASK_QUEUE}"
    );
    worker.run().await.map_err(|e| server(&e))
}
