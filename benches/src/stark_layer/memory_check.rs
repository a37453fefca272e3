//! Issue 33 item 3: how many Merkle node hashes a chunk would need with a
//! memory argument in place of one tree update per port.
//!
//! Today every port of every step (an account leaf the step reads and
//! writes) proves two paths to the root, the one before the write and the
//! one after: `2 * depth` node hashes per port, and the chunk's system
//! write-back proves the node over leaves 0-3 twice more (`2 * (depth + 1)`).
//!
//! With memory checking, a chunk reads every leaf it touches once against
//! its first root and writes it once against its last root: the union of
//! the touched leaves' paths is hashed once for each root (upper levels the
//! paths share are hashed once), and the steps in between read and write
//! leaves in a memory table (address, value, time) whose sorted copy shows
//! that each read returns the last write, as zk_evm's memory table does.
//! Each port costs two memory accesses (its read and its write); the two
//! roots cost `2 * nodes(touched)`, where `nodes(S)` counts the distinct
//! internal nodes on the paths of the leaves `S` (system leaves included).
//!
//! The ports are those of the real chunk cut of a simulated epoch. The
//! simulator's venue is small (its accounts fill the tree's first leaves,
//! so their paths share every level above `log2(accounts)`); each estimate
//! is also given for the same traffic in a venue of `venue_accounts`
//! accounts, the simulated accounts placed at distinct pseudo-random leaves
//! of that venue (a fixed seed), which is what a large venue's chunk sees:
//! few shared levels.

use std::collections::{BTreeMap, BTreeSet};

use plonky2::field::types::PrimeField64;
use serde::{Deserialize, Serialize};
use zksettle_circuits::chunk::{DEFAULT_CAPACITY, LIGHT_CAPACITY};
use zksettle_circuits::gadgets::market::MarketShape;
use zksettle_prover::assign::chunk_witnesses_for;
use zksettle_prover::export::layouts_for;
use zksettle_prover::sim::Mix;

use super::StarkLayerError;
use crate::workload::{AppliedEpoch, History};

/// Leaves of the system accounts (insurance fund, fee account, global
/// leaf): the chunk's write-back reads and writes them once, under the
/// node over leaves 0-3. User accounts start at leaf 3.
const SYSTEM_LEAVES: [u64; 3] = [0, 1, 2];

/// The first user account's leaf.
const FIRST_USER_LEAF: u64 = 3;

/// One mix's estimate in one venue size.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct MemoryCheck {
    /// `steady` or `crash`.
    pub mix: String,
    /// Operations of the simulated epoch.
    pub ops: usize,
    /// Accounts of the venue the estimate places the traffic in (the
    /// simulated venue's own count for the first estimate of a mix).
    pub venue_accounts: u64,
    /// Tree depth.
    pub depth: u32,
    /// Chunks of the epoch's cut.
    pub chunks: usize,
    /// Ports (leaf read-writes by steps) over the epoch.
    pub ports: usize,
    /// Distinct leaves touched, summed over the chunks.
    pub touched_leaves: usize,
    /// Node hashes as the chunk proves them today: `2 * depth` per port
    /// and `2 * (depth + 1)` per chunk for the system write-back.
    pub hashes_today: usize,
    /// Node hashes with memory checking: `2 * nodes(touched)` per chunk.
    pub hashes_memory_checked: usize,
    /// Memory-table accesses: a read and a write per port.
    pub memory_accesses: usize,
    /// `hashes_today / hashes_memory_checked`.
    pub saving: f64,
    /// Node hashes per port today (system write-back included).
    pub hashes_per_port_today: f64,
    /// Node hashes per port with memory checking.
    pub hashes_per_port_memory_checked: f64,
}

/// The distinct internal nodes on the paths from `leaves` to the root of a
/// tree of `depth` levels: the hashes that compute its root from them.
pub fn path_nodes(leaves: &BTreeSet<u64>, depth: u32) -> usize {
    (1..=depth)
        .map(|height| {
            leaves
                .iter()
                .map(|leaf| leaf >> height)
                .collect::<BTreeSet<_>>()
                .len()
        })
        .sum()
}

/// splitmix64: the relabelling's deterministic generator.
fn splitmix(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Places the user leaves of `chunks` at distinct pseudo-random leaves of a
/// venue of `venue_accounts` user accounts (leaves from
/// [`FIRST_USER_LEAF`] on, fixed seed); system leaves stay where they are.
fn relabel(chunks: &[Vec<u64>], venue_accounts: u64) -> Vec<Vec<u64>> {
    let mut state = 0x5a5e_771e;
    let mut places: BTreeMap<u64, u64> = BTreeMap::new();
    let mut used: BTreeSet<u64> = BTreeSet::new();
    chunks
        .iter()
        .map(|ports| {
            ports
                .iter()
                .map(|&leaf| {
                    if SYSTEM_LEAVES.contains(&leaf) {
                        return leaf;
                    }
                    *places.entry(leaf).or_insert_with(|| loop {
                        let place = FIRST_USER_LEAF + splitmix(&mut state) % venue_accounts;
                        if used.insert(place) {
                            break place;
                        }
                    })
                })
                .collect()
        })
        .collect()
}

/// The estimate of chunks whose ports touch `chunks` (leaf indices, one
/// per port, in step order).
fn estimate(
    mix: &str,
    ops: usize,
    venue_accounts: u64,
    depth: u32,
    chunks: &[Vec<u64>],
) -> MemoryCheck {
    let depth_us = depth as usize;
    let ports: usize = chunks.iter().map(Vec::len).sum();
    let mut touched_leaves = 0;
    let mut hashes_memory_checked = 0;
    for chunk in chunks {
        let mut leaves: BTreeSet<u64> = chunk.iter().copied().collect();
        touched_leaves += leaves.len();
        leaves.extend(SYSTEM_LEAVES);
        hashes_memory_checked += 2 * path_nodes(&leaves, depth);
    }
    let hashes_today = 2 * depth_us * ports + 2 * (depth_us + 1) * chunks.len();
    MemoryCheck {
        mix: mix.to_string(),
        ops,
        venue_accounts,
        depth,
        chunks: chunks.len(),
        ports,
        touched_leaves,
        hashes_today,
        hashes_memory_checked,
        memory_accesses: 2 * ports,
        saving: hashes_today as f64 / hashes_memory_checked.max(1) as f64,
        hashes_per_port_today: hashes_today as f64 / ports.max(1) as f64,
        hashes_per_port_memory_checked: hashes_memory_checked as f64 / ports.max(1) as f64,
    }
}

/// A simulated epoch cut into the pipeline's chunks (light then heavy
/// layouts, as proven): each chunk's ports and each operation type's
/// steps and ports.
pub struct CutEpoch {
    /// The mix's name.
    pub mix: String,
    /// Operations of the epoch.
    pub ops: usize,
    /// User accounts of the simulated venue.
    pub accounts: u64,
    /// The market's shape (what the circuits' row counts depend on).
    pub shape: MarketShape,
    /// Tree depth.
    pub depth: u32,
    /// The leaf of every port of each chunk, in step order.
    pub chunk_ports: Vec<Vec<u64>>,
    /// Per batch tag: (steps, ports).
    pub by_tag: BTreeMap<u64, (usize, usize)>,
}

impl CutEpoch {
    /// Simulates one epoch of `mix` (`ops` operations), applies it and
    /// cuts it into chunks; also returns the applied epoch.
    pub fn simulate(mix: Mix, ops: usize) -> Result<(Self, AppliedEpoch), StarkLayerError> {
        let epoch = History::simulated(ops, mix)?
            .apply()?
            .into_iter()
            .next()
            .ok_or_else(|| StarkLayerError::Workload("the simulation made no epoch".into()))?;
        Ok((Self::cut(mix, &epoch)?, epoch))
    }

    /// Cuts an applied epoch of `mix` into the pipeline's chunks.
    pub fn cut(mix: Mix, epoch: &AppliedEpoch) -> Result<Self, StarkLayerError> {
        let market = epoch.before.market();
        let layouts = layouts_for(market, LIGHT_CAPACITY, DEFAULT_CAPACITY);
        let chunks = chunk_witnesses_for(&epoch.epoch, &epoch.witness, &layouts)
            .map_err(|e| StarkLayerError::Workload(format!("cutting the epoch: {e}")))?;
        let mut by_tag: BTreeMap<u64, (usize, usize)> = BTreeMap::new();
        let mut chunk_ports = Vec::with_capacity(chunks.len());
        for chunk in &chunks {
            let mut ports = Vec::new();
            for step in &chunk.steps {
                let leaves: Vec<u64> = [step.a.as_ref(), step.b.as_ref()]
                    .into_iter()
                    .flatten()
                    .map(|port| port.index)
                    .collect();
                let tag = step.item[0].to_canonical_u64();
                if tag != 0 {
                    let entry = by_tag.entry(tag).or_default();
                    entry.0 += 1;
                    entry.1 += leaves.len();
                }
                ports.extend(leaves);
            }
            chunk_ports.push(ports);
        }
        let accounts = epoch
            .before
            .accounts()
            .filter(|(index, _)| u64::from(*index) >= FIRST_USER_LEAF)
            .count() as u64;
        Ok(Self {
            mix: mix_name(mix),
            ops: epoch.epoch.ops.len(),
            accounts,
            shape: MarketShape::of(market),
            depth: market.tree_depth,
            chunk_ports,
            by_tag,
        })
    }

    /// Ports per step of operations tagged `tag` (0 if none ran).
    pub fn ports_per_step(&self, tag: u64) -> f64 {
        match self.by_tag.get(&tag) {
            Some(&(steps, ports)) if steps > 0 => ports as f64 / steps as f64,
            _ => 0.0,
        }
    }

    /// The estimates for the simulated venue and for each of
    /// `venue_sizes` (those larger than it that the tree holds).
    pub fn memory_check(&self, venue_sizes: &[u64]) -> Vec<MemoryCheck> {
        let (name, ops, depth) = (self.mix.as_str(), self.ops, self.depth);
        let mut out = vec![estimate(name, ops, self.accounts, depth, &self.chunk_ports)];
        for &venue in venue_sizes {
            if venue > self.accounts && FIRST_USER_LEAF + venue <= 1u64 << depth {
                let moved = relabel(&self.chunk_ports, venue);
                out.push(estimate(name, ops, venue, depth, &moved));
            }
        }
        out
    }
}

/// The name of a mix in the report: its `zksettle simulate --mix` value.
pub fn mix_name(mix: Mix) -> String {
    clap::ValueEnum::to_possible_value(&mix)
        .map(|value| value.get_name().to_string())
        .unwrap_or_else(|| format!("{mix:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_nodes_counts_shared_levels_once() {
        let depth = 4;
        // One leaf: one node per level.
        assert_eq!(path_nodes(&BTreeSet::from([5]), depth), 4);
        // Siblings share every node.
        assert_eq!(path_nodes(&BTreeSet::from([4, 5]), depth), 4);
        // Leaves 0 and 15 share only the root.
        assert_eq!(path_nodes(&BTreeSet::from([0, 15]), depth), 7);
        // Every leaf: every internal node.
        assert_eq!(path_nodes(&(0..16).collect(), depth), 15);
    }

    #[test]
    fn one_port_per_chunk_saves_nothing_but_the_system_sharing() {
        // A chunk with one port at leaf 9 of a depth-4 tree: today 2*4 for
        // the port and 2*5 for the system write-back. Memory-checked, the
        // union {0,1,2,9}: height 1 {0,1,4}, height 2 {0,2}, height 3
        // {0,1}, height 4 {0}: 8 nodes per root.
        let estimate = estimate("t", 1, 16, 4, &[vec![9]]);
        assert_eq!(estimate.hashes_today, 8 + 10);
        assert_eq!(estimate.hashes_memory_checked, 2 * 8);
        assert_eq!(estimate.memory_accesses, 2);
    }

    #[test]
    fn relabelling_keeps_leaves_distinct_and_system_leaves_fixed() {
        let chunks = vec![vec![0, 5, 6, 5], vec![6, 7, 2]];
        let moved = relabel(&chunks, 1000);
        assert_eq!(moved[0][0], 0);
        assert_eq!(moved[1][2], 2);
        assert_eq!(moved[0][1], moved[0][3]);
        assert_eq!(moved[0][2], moved[1][0]);
        let users: BTreeSet<u64> = [moved[0][1], moved[0][2], moved[1][1]].into();
        assert_eq!(users.len(), 3);
        assert!(users.iter().all(|&l| (3..1003).contains(&l)));
    }
}
