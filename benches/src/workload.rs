//! What is measured: the shipped generated fixtures (seed 7, 40 accounts,
//! three epochs with liquidations and an expiry) and simulated epochs of
//! the simulator's operation mix, optionally moved to a smaller tree depth
//! (each epoch re-rooted onto the ledger, as the chunk-circuit tests do)
//! so that proving benches take seconds rather than minutes.

use std::collections::BTreeMap;

use zksettle_circuits::rules::custody::{self, CustodianSet};
use zksettle_circuits::rules::ops::Operation;
use zksettle_circuits::rules::{Epoch, Market, StateFile};
use zksettle_fixtures::fixture_dir;
use zksettle_prover::io::read_json;
use zksettle_prover::ledger::{EpochWitness, Ledger};
use zksettle_prover::sim::{simulate, Mix, SimConfig};

use crate::BenchError;

/// The simulator's seed for every simulated workload.
pub const SEED: u64 = 7;

/// User accounts of simulated workloads (`zksettle simulate`'s default).
pub const ACCOUNTS: u32 = 100;

/// The operation types, in batch-tag order.
pub const OP_KINDS: [&str; 5] = ["deposit", "withdraw", "trade", "liquidate", "settle_expiry"];

/// An epoch applied by the ledger.
#[derive(Clone)]
pub struct AppliedEpoch {
    /// The ledger before the epoch.
    pub before: Ledger,
    /// The epoch (re-rooted onto `before`).
    pub epoch: Epoch,
    /// The ledger after it.
    pub after: Ledger,
    /// Its witness records.
    pub witness: EpochWitness,
}

/// A market, its genesis and epochs, not yet applied.
pub struct History {
    /// The market.
    pub market: Market,
    /// Genesis state.
    pub genesis: StateFile,
    /// Epochs 1, 2, ...
    pub epochs: Vec<Epoch>,
}

impl History {
    /// The shipped `fixtures/generated` market and its three epochs.
    pub fn generated() -> Result<Self, BenchError> {
        let dir = fixture_dir("generated");
        let epochs = (1..=3)
            .map(|n| read_json(&dir.join(format!("epoch-{n:04}.json"))))
            .collect::<Result<Vec<Epoch>, _>>()?;
        Ok(Self {
            market: read_json(&dir.join("market.json"))?,
            genesis: read_json(&dir.join("state-0000.json"))?,
            epochs,
        })
    }

    /// One simulated epoch of `ops` operations over [`ACCOUNTS`] accounts
    /// (the first epoch of `zksettle simulate --mix MIX`).
    pub fn simulated(ops: usize, mix: Mix) -> Result<Self, BenchError> {
        let sim = simulate(SimConfig {
            seed: SEED,
            accounts: ACCOUNTS,
            epochs: 1,
            ops,
            mix,
        })?;
        Ok(Self {
            market: sim.market,
            genesis: sim.genesis,
            epochs: sim.epochs,
        })
    }

    /// The same history on a tree of `depth` levels, its signatures
    /// re-signed for that market (the tree depth is in the market hash
    /// every signature covers; the keys are the simulation's, seed
    /// [`SEED`]).
    pub fn at_depth(mut self, depth: u32) -> Self {
        let from = self.market.clone();
        self.market.tree_depth = depth;
        for epoch in &mut self.epochs {
            *epoch = zksettle_prover::sim::resign(&from, &self.market, epoch, &[SEED]);
        }
        self
    }

    /// Applies every epoch in order, re-rooting each onto the ledger.
    pub fn apply(&self) -> Result<Vec<AppliedEpoch>, BenchError> {
        let mut ledger = Ledger::from_state(self.market.clone(), &self.genesis)?;
        let mut applied = Vec::with_capacity(self.epochs.len());
        for epoch in &self.epochs {
            let epoch = Epoch {
                prev_root: ledger.root(),
                ..epoch.clone()
            };
            let (after, witness) = ledger.apply_epoch(&epoch)?;
            applied.push(AppliedEpoch {
                before: ledger,
                epoch,
                after: after.clone(),
                witness,
            });
            ledger = after;
        }
        Ok(applied)
    }
}

impl AppliedEpoch {
    /// The epoch cut to its first `ops` operations, applied (a prefix of a
    /// valid epoch is valid: the rules check operation by operation, and the
    /// simulation's custodians attest the prefix's deposits).
    pub fn prefix(&self, ops: usize) -> Result<AppliedEpoch, BenchError> {
        let mut epoch = Epoch {
            ops: self.epoch.ops.iter().take(ops).cloned().collect(),
            ..self.epoch.clone()
        };
        let market = self.before.market();
        let signers = CustodianSet::seeded_signers(SEED, market.custodians.quorum);
        custody::attest(&mut epoch, market, &signers);
        let (after, witness) = self.before.apply_epoch(&epoch)?;
        Ok(AppliedEpoch {
            before: self.before.clone(),
            epoch,
            after,
            witness,
        })
    }
}

/// Operations of each type in an epoch (every type listed, zeros included).
pub fn op_mix(epoch: &Epoch) -> BTreeMap<String, usize> {
    let mut mix: BTreeMap<String, usize> = OP_KINDS.iter().map(|k| (k.to_string(), 0)).collect();
    for op in &epoch.ops {
        *mix.entry(op.kind().to_string()).or_default() += 1;
    }
    mix
}

/// One operation at the point of an epoch where the ledger applies it.
pub struct OpAtPoint {
    /// The operation.
    pub op: Operation,
    /// The ledger with every earlier operation of the epoch applied.
    pub ledger: Ledger,
    /// The epoch it belongs to (for its prices and time).
    pub epoch: Epoch,
}

/// The first operation of type `kind` in `history`'s epochs, with the
/// ledger just before it.
pub fn first_op_of(applied: &[AppliedEpoch], kind: &str) -> Result<OpAtPoint, BenchError> {
    for a in applied {
        if let Some(index) = a.epoch.ops.iter().position(|op| op.kind() == kind) {
            let ledger = a.prefix(index)?.after;
            return Ok(OpAtPoint {
                op: a.epoch.ops[index].clone(),
                ledger,
                epoch: a.epoch.clone(),
            });
        }
    }
    Err(BenchError::Workload(format!("no {kind} operation")))
}
