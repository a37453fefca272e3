//! `zksettle prove --cluster`: the epoch applied natively here (a rejected
//! epoch fails before anything is submitted), its inputs uploaded to the
//! store, the `ProveEpoch` workflow started (or attached to, by its id) on
//! the Temporal cluster, its progress shown, and the same files written as
//! a local `prove`, once the chain and final proofs state exactly the
//! ledger's statement.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result};
use serde_json::json;
use temporalio_client::{
    WorkflowGetResultOptions, WorkflowIdConflictPolicy, WorkflowIdReusePolicy,
    WorkflowQueryOptions, WorkflowStartOptions,
};
use zksettle_circuits::rules::encoding::digest_hex;
use zksettle_prover::assign::chunk_witnesses_for;
use zksettle_prover::cluster::task::{self, EpochInputs};
use zksettle_prover::cluster::{self, EpochKeys, EpochPlan, ProveEpoch, TASK_QUEUE};
use zksettle_prover::export::{attestation, expected_statement, layouts_for};
use zksettle_prover::io::{write_atomic, write_json};
use zksettle_prover::store::{digest_of, Store};
use zksettle_verifier::EMPTY_HISTORY;

/// What `prove --cluster` was asked.
pub struct Request<'a> {
    pub inputs: &'a super::EpochInputs,
    pub prev: Option<&'a Path>,
    pub out: &'a Path,
    pub layouts: super::circuits::LayoutArgs,
    pub cluster: &'a str,
    pub namespace: &'a str,
    pub store: &'a str,
}

/// Proves the epoch on the cluster and prints the same JSON line as `prove`.
pub fn run(req: Request<'_>) -> Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(prove(req))
}

async fn prove(req: Request<'_>) -> Result<()> {
    let clock = Instant::now();
    let epoch_path = &req.inputs.epoch;
    let ledger = super::load_ledger(&req.inputs.market, &req.inputs.state)?;
    let epoch = super::load_epoch(epoch_path)?;
    let (next, witness) = ledger
        .apply_epoch(&epoch)
        .with_context(|| format!("{}", epoch_path.display()))?;
    anyhow::ensure!(
        epoch.epoch == 1 || req.prev.is_some(),
        "{}: epoch {} needs the chain proof of epoch {} (--prev)",
        epoch_path.display(),
        epoch.epoch,
        epoch.epoch.saturating_sub(1)
    );
    let params = layouts_for(
        ledger.market(),
        req.layouts.light_capacity,
        req.layouts.capacity,
    );
    let chunks = chunk_witnesses_for(&epoch, &witness, &params)
        .with_context(|| format!("{}", epoch_path.display()))?
        .len();
    std::fs::create_dir_all(req.out)
        .with_context(|| format!("{}: cannot create", req.out.display()))?;
    let store = Store::open(req.store)?;
    let prev_bytes = req
        .prev
        .map(|p| std::fs::read(p).with_context(|| format!("{}: cannot read", p.display())))
        .transpose()?;
    let prev_chain = match &prev_bytes {
        Some(bytes) => {
            let key = format!("chain-upload-{}", digest_of(&[bytes]));
            if !store.exists(&key).await? {
                store.put(&key, bytes.clone()).await?;
            }
            Some(key)
        }
        None => None,
    };
    let inputs = EpochInputs {
        market: ledger.market().clone(),
        state: ledger.to_state(),
        epoch: epoch.clone(),
        capacity: req.layouts.capacity,
        light_capacity: req.layouts.light_capacity,
        prev_chain,
    };
    let inputs_key = task::put_inputs(&store, &inputs).await?;
    // The circuits, loaded (or built) here while the cluster proves: to
    // check the previous chain proof and the results as a local run does.
    let loading = tokio::task::spawn_blocking({
        let params = params.clone();
        move || task::circuits_for(&params)
    });
    let id = cluster::workflow_id(
        &digest_hex(&ledger.market().hash()),
        epoch.epoch,
        &digest_hex(&ledger.root()),
    );
    let client = cluster::connect(req.cluster, req.namespace).await?;
    let plan = EpochPlan {
        inputs: inputs_key,
        chunks,
    };
    let options = WorkflowStartOptions::new(TASK_QUEUE, id.clone())
        .id_conflict_policy(WorkflowIdConflictPolicy::UseExisting)
        .id_reuse_policy(WorkflowIdReusePolicy::AllowDuplicateFailedOnly)
        .build();
    // A second submission of the same epoch attaches: the running workflow
    // is used, a finished one's result read.
    if let Err(e) = client.start_workflow(ProveEpoch::run, plan, options).await {
        tracing::info!(workflow = %id, reason = %e, "attaching to the existing workflow");
    }
    let handle = client.get_workflow_handle::<ProveEpoch>(id.clone());
    eprintln!("workflow {id}: {chunks} chunks");
    let bar = super::prove::progress_bar();
    let result = handle.get_result(WorkflowGetResultOptions::default());
    tokio::pin!(result);
    let keys: EpochKeys = loop {
        tokio::select! {
            r = &mut result => break r.with_context(|| format!("workflow {id}"))?,
            _ = tokio::time::sleep(Duration::from_secs(2)) => {
                if let Ok(p) = handle
                    .query(ProveEpoch::progress, (), WorkflowQueryOptions::default())
                    .await
                {
                    bar.set_length(p.total as u64);
                    bar.set_position(p.done as u64);
                    bar.set_message(format!("workflow {id}"));
                }
            }
        }
    };
    bar.finish_and_clear();
    let set = loading.await.context("loading circuits")?;
    let set = set.as_ref();
    let (genesis_root, history_before) = match (&prev_bytes, req.prev) {
        (Some(bytes), Some(path)) => {
            let p = super::prove::decode_chain_proof(set, bytes.clone(), path)?;
            let s = zksettle_prover::pipeline::job::check_previous(set, &p, &ledger, &epoch)
                .with_context(|| format!("{}", path.display()))?;
            (s.genesis_root, s.history)
        }
        _ => (ledger.root(), EMPTY_HISTORY),
    };
    let expected = expected_statement(
        ledger.market(),
        genesis_root,
        &epoch,
        &witness,
        &history_before,
    );
    let epoch_bytes = store.get(&keys.epoch).await?;
    let epoch_node = task::decode_node(set, &keys.epoch, epoch_bytes)?;
    let chain_bytes = store.get(&keys.chain).await?;
    let chain = task::decode_chain(set, &keys.chain, chain_bytes.clone())?;
    let statement = task::chain_statement(set, &chain)?;
    anyhow::ensure!(
        statement == expected,
        "workflow {id}: the chain proof states another epoch than the ledger's"
    );
    let final_bytes = store.get(&keys.final_proof).await?;
    let final_proof = task::decode_final(set, &keys.final_proof, final_bytes.clone())?;
    let final_statement = set
        .final_circuit
        .verify(&final_proof)
        .map_err(|e| anyhow::anyhow!("workflow {id}: final proof: {e}"))?;
    anyhow::ensure!(
        final_statement == expected,
        "workflow {id}: the final proof states another epoch than the ledger's"
    );
    let n = epoch.epoch;
    let out = req.out;
    let epoch_proof_bytes = epoch_node.proof.to_bytes();
    write_atomic(&out.join(format!("epoch-{n:04}.proof")), &epoch_proof_bytes)?;
    write_json(
        &out.join(format!("attest-{n:04}.json")),
        &attestation(ledger.market(), &epoch, &witness, &history_before),
    )?;
    write_json(&out.join(format!("state-{n:04}.json")), &next.to_state())?;
    write_atomic(&out.join(format!("final-{n:04}.proof")), &final_bytes)?;
    write_atomic(&out.join(format!("chain-{n:04}.proof")), &chain_bytes)?;
    let s = &statement;
    let line = json!({
        "epoch": s.epoch,
        "prev_root": digest_hex(&s.prev_root),
        "new_root": digest_hex(&s.new_root),
        "ops": epoch.ops.len(),
        "chunks": chunks,
        "folds": chunks,
        "prove_s": super::prove::millis(clock.elapsed().as_secs_f64()),
        "workflow": id,
        "chain_proof_bytes": chain_bytes.len(),
        "final_proof_bytes": final_bytes.len(),
    });
    println!("{line}");
    Ok(())
}
