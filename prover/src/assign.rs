//! The assign step: cuts an epoch's witness records into chunk witnesses.
//!
//! The ledger records every leaf an operation writes, in the order the
//! chunk circuit's ports apply them (`A, B, S, G`), so each record maps to a
//! step without recomputing a path. Steps are cut into chunks, each as long
//! as one of the chunk layouts holds (its capacity, its operation types: a
//! light chunk holds no liquidation); each chunk starts where the previous
//! one ended (root, batch commitment, settlement registers), and the last
//! one is padded.

use plonky2::field::types::PrimeField64;
use zksettle_circuits::chunk::{
    ChunkParams, ChunkWitness, OpKinds, PortWitness, SettleCarry, StepWitness,
};
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

/// The chunk witnesses of an applied epoch for one universal layout,
/// `capacity` steps each.
pub fn chunk_witnesses(
    epoch: &Epoch,
    witness: &EpochWitness,
    capacity: usize,
) -> Result<Vec<ChunkWitness>, AssignError> {
    cut(epoch, witness, &[(OpKinds::ALL, capacity)])
}

/// The chunk witnesses of an applied epoch for the chunk layouts of
/// `layouts` (a circuit set's [`layouts`](zksettle_circuits::recursion::set::CircuitSet::layouts)).
pub fn chunk_witnesses_for(
    epoch: &Epoch,
    witness: &EpochWitness,
    layouts: &[ChunkParams],
) -> Result<Vec<ChunkWitness>, AssignError> {
    let layouts: Vec<(OpKinds, usize)> = layouts.iter().map(|p| (p.kinds, p.capacity)).collect();
    cut(epoch, witness, &layouts)
}

/// Cuts the steps into chunks, each the longest run from where the last one
/// ended that one layout (operation types, capacity) holds. Every layout
/// holds any run shorter than one it holds, so taking the longest run each
/// time gives the fewest chunks. A step no layout supports ends its chunk
/// alone (the universal circuit then refuses it by name).
fn cut(
    epoch: &Epoch,
    witness: &EpochWitness,
    layouts: &[(OpKinds, usize)],
) -> Result<Vec<ChunkWitness>, AssignError> {
    if layouts.is_empty() || layouts.iter().any(|&(_, capacity)| capacity == 0) {
        return Err(AssignError::ZeroCapacity);
    }
    let steps = witness
        .steps
        .iter()
        .map(|record| step_of(&witness.ops, record))
        .collect::<Result<Vec<_>, _>>()?;
    let tags: Vec<u64> = steps
        .iter()
        .map(|(step, _)| step.item[0].to_canonical_u64())
        .collect();
    let mut groups = Vec::new();
    let mut start = 0;
    for run in runs(&tags, layouts) {
        groups.push(&steps[start..start + run]);
        start += run;
    }
    let mut chunks = Vec::with_capacity(groups.len().max(1));
    let mut next = ChunkWitness::empty(
        epoch.reports.clone(),
        epoch.epoch,
        epoch.timestamp,
        witness.prev_root,
    );
    for group in groups {
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

/// The lengths of the chunks [`cut`] makes of steps of tags `tags`.
fn runs(tags: &[u64], layouts: &[(OpKinds, usize)]) -> Vec<usize> {
    let mut runs = Vec::new();
    let mut start = 0;
    while start < tags.len() {
        let run = layouts
            .iter()
            .map(|&(kinds, capacity)| {
                tags[start..]
                    .iter()
                    .take(capacity)
                    .take_while(|&&t| kinds.contains(t))
                    .count()
            })
            .max()
            .unwrap_or(0)
            .max(1);
        runs.push(run);
        start += run;
    }
    runs
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

#[cfg(test)]
mod tests {
    use super::*;
    use zksettle_circuits::rules::ops::tag::{DEPOSIT, LIQUIDATE, SETTLE_EXPIRY, TRADE};

    const LIGHT: (OpKinds, usize) = (OpKinds::LIGHT, 4);
    const HEAVY: (OpKinds, usize) = (OpKinds::ALL, 3);

    #[test]
    fn runs_are_the_longest_a_layout_holds() {
        let t = TRADE;
        // Light runs of up to 4 while no liquidation comes.
        assert_eq!(runs(&[t; 9], &[LIGHT, HEAVY]), vec![4, 4, 1]);
        // A liquidation within reach: the heavy run (3) beats the light run
        // that stops before it (2).
        assert_eq!(
            runs(&[t, t, LIQUIDATE, t, t, t, t], &[LIGHT, HEAVY]),
            vec![3, 4]
        );
        // Further off: the light run (4) is longer than the heavy one (3).
        assert_eq!(
            runs(&[t, t, t, t, LIQUIDATE, DEPOSIT], &[LIGHT, HEAVY]),
            vec![4, 2]
        );
        // Settlement holders are light.
        assert_eq!(runs(&[SETTLE_EXPIRY; 5], &[LIGHT, HEAVY]), vec![4, 1]);
        // One universal layout: fixed cuts.
        assert_eq!(runs(&[LIQUIDATE; 7], &[HEAVY]), vec![3, 3, 1]);
        // A tag no layout supports ends its chunk alone.
        assert_eq!(runs(&[t, 9, t], &[LIGHT]), vec![1, 1, 1]);
        assert!(!OpKinds::ALL.covers(OpKinds::of(&[t, 9])));
        assert!(OpKinds::ALL.covers(OpKinds::of(&[t, LIQUIDATE])));
        assert!(!OpKinds::LIGHT.covers(OpKinds::of(&[t, LIQUIDATE])));
        assert_eq!(runs(&[], &[LIGHT, HEAVY]), Vec::<usize>::new());
    }

    #[test]
    fn every_run_fits_a_layout_and_they_cover_the_steps() {
        let tags: Vec<u64> = (0..200)
            .map(|k| [TRADE, DEPOSIT, LIQUIDATE, TRADE, SETTLE_EXPIRY][k * 7 % 5])
            .collect();
        let cut = runs(&tags, &[LIGHT, HEAVY]);
        assert_eq!(cut.iter().sum::<usize>(), tags.len());
        let mut start = 0;
        for run in cut {
            let chunk = &tags[start..start + run];
            assert!([LIGHT, HEAVY].iter().any(|&(kinds, capacity)| {
                run <= capacity && chunk.iter().all(|&t| kinds.contains(t))
            }));
            start += run;
        }
    }
}
