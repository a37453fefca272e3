//! The assign step: cuts an epoch's witness records into chunk witnesses.
//!
//! The ledger records every leaf an operation writes, in the order the
//! chunk circuit's ports apply them (`A, B, S, G`), so each record maps to a
//! step without recomputing a path. Steps are cut into chunks of
//! `capacity`; each chunk starts where the previous one ended (root, batch
//! commitment, settlement registers), and the last one is padded.

use zksettle_circuits::chunk::{ChunkWitness, PortWitness, SettleCarry, StepWitness};
use zksettle_circuits::rules::account::Account;
use zksettle_circuits::rules::epoch::Epoch;
use zksettle_circuits::rules::ops::{extend_batch_hash, Operation};

use crate::ledger::{EpochWitness, LeafUpdate, LeafValue, OpWitness};

/// Why witness records do not make chunks.
#[derive(Debug, thiserror::Error)]
pub enum AssignError {
    /// Zero capacity.
    #[error("chunk capacity must be at least 1")]
    ZeroCapacity,
    /// Records that break the settlement registers (a ledger bug).
    #[error("operation {op_index}: {reason}")]
    Registers {
        /// Operation index in the epoch.
        op_index: usize,
        /// The register rule broken.
        reason: String,
    },
    /// A record whose leaves do not match its operation (a ledger bug).
    #[error("operation {op_index}: witness record does not match a {kind}")]
    RecordShape {
        /// Operation index in the epoch.
        op_index: usize,
        /// Operation type.
        kind: &'static str,
    },
}

/// The chunk witnesses of an applied epoch, `capacity` steps each.
pub fn chunk_witnesses(
    epoch: &Epoch,
    witness: &EpochWitness,
    capacity: usize,
) -> Result<Vec<ChunkWitness>, AssignError> {
    if capacity == 0 {
        return Err(AssignError::ZeroCapacity);
    }
    let steps = witness
        .steps
        .iter()
        .map(|record| step_of(&witness.ops, record))
        .collect::<Result<Vec<_>, _>>()?;
    let mut chunks = Vec::with_capacity(steps.len().div_ceil(capacity).max(1));
    let mut next = ChunkWitness::empty(
        epoch.reports.clone(),
        epoch.epoch,
        epoch.timestamp,
        witness.prev_root,
    );
    for group in steps.chunks(capacity) {
        let mut chunk = next.clone();
        for (step, record) in group {
            next.batch_in = extend_batch_hash(&next.batch_in, &step.item);
            if let Some(root) = record.updates.last().map(|u| u.root_after) {
                next.root_in = root;
            }
            next.carry_in = carry_after(next.carry_in, &witness.ops, record, step)?;
            chunk.steps.push(step.clone());
        }
        chunks.push(chunk);
    }
    if chunks.is_empty() {
        chunks.push(next);
    }
    Ok(chunks)
}

/// The settlement registers after a step, by the rule the circuit applies
/// (`SettlementRegisters`): unchanged unless it settles a holder.
fn carry_after(
    carry: SettleCarry,
    ops: &[Operation],
    record: &OpWitness,
    step: &StepWitness,
) -> Result<SettleCarry, AssignError> {
    let op = &ops[record.op_index];
    let shape = |reason: String| AssignError::Registers {
        op_index: record.op_index,
        reason,
    };
    match (op, &step.a) {
        (Operation::SettleExpiry(s), Some(a)) => carry
            .after_holder(
                s.instrument,
                a.index,
                record.step as u64,
                s.accounts.len() as u64,
                a.before.qty(s.instrument),
            )
            .map_err(|e| shape(e.to_string())),
        _ => carry.after_other().map_err(|e| shape(e.to_string())),
    }
}

fn step_of<'a>(
    ops: &[Operation],
    record: &'a OpWitness,
) -> Result<(StepWitness, &'a OpWitness), AssignError> {
    let op = &ops[record.op_index];
    let shape = || AssignError::RecordShape {
        op_index: record.op_index,
        kind: op.kind(),
    };
    let item = *op.batch_items().get(record.step).ok_or_else(shape)?;
    let u = &record.updates;
    let account = |k: usize| u.get(k).and_then(account_port).ok_or_else(shape);
    let global = |k: usize| u.get(k).and_then(global_port).ok_or_else(shape);
    let mut step = StepWitness::padding();
    step.item = item;
    match (op, u.len()) {
        (Operation::Deposit(_), 2) => {
            step.a = Some(account(0)?);
            step.g = Some(global(1)?);
        }
        (Operation::Withdraw(_), 2) => {
            step.a = Some(account(0)?);
            step.g = Some(global(1)?);
        }
        (Operation::Trade(_), 3) => {
            step.a = Some(account(0)?);
            step.b = Some(account(1)?);
            step.s = Some(account(2)?);
        }
        (Operation::Liquidate(_), 4) => {
            step.a = Some(account(0)?);
            step.b = Some(account(1)?);
            step.s = Some(account(2)?);
            step.g = Some(global(3)?);
        }
        (Operation::SettleExpiry(_) | Operation::SweepFees(_), 3) => {
            step.a = Some(account(0)?);
            step.s = Some(account(1)?);
            step.g = Some(global(2)?);
        }
        _ => return Err(shape()),
    }
    Ok((step, record))
}

fn account_port(update: &LeafUpdate) -> Option<PortWitness<Account>> {
    match (&update.before, &update.after) {
        (LeafValue::Account(before), LeafValue::Account(after)) => Some(PortWitness {
            index: update.index,
            before: before.clone(),
            after: after.clone(),
            siblings: update.siblings.clone(),
        }),
        _ => None,
    }
}

fn global_port(update: &LeafUpdate) -> Option<PortWitness<u64>> {
    match (&update.before, &update.after) {
        (LeafValue::Global { bad_debt: before }, LeafValue::Global { bad_debt: after }) => {
            Some(PortWitness {
                index: update.index,
                before: *before,
                after: *after,
                siblings: update.siblings.clone(),
            })
        }
        _ => None,
    }
}
