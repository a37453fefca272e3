//! A sparse Poseidon Merkle tree: only nodes that differ from an empty
//! subtree are stored, so a depth-20 tree of a few thousand accounts costs a
//! few thousand map entries.

use std::collections::HashMap;

use zksettle_circuits::rules::encoding::{hash_pair, Digest};
use zksettle_circuits::rules::merkle::empty_subtree_roots;

/// The account tree.
#[derive(Clone, Debug)]
pub struct SparseTree {
    depth: u32,
    /// Non-empty nodes keyed by (height, index at that height); height 0 are leaves.
    nodes: HashMap<(u32, u64), Digest>,
    empty: Vec<Digest>,
}

impl SparseTree {
    /// An empty tree of `depth` levels (2^depth leaves).
    pub fn new(depth: u32) -> Self {
        Self {
            depth,
            nodes: HashMap::new(),
            empty: empty_subtree_roots(depth),
        }
    }

    /// Depth of the tree.
    pub fn depth(&self) -> u32 {
        self.depth
    }

    fn node(&self, height: u32, index: u64) -> Digest {
        self.nodes
            .get(&(height, index))
            .copied()
            .unwrap_or(self.empty[height as usize])
    }

    /// The root.
    pub fn root(&self) -> Digest {
        self.node(self.depth, 0)
    }

    /// The leaf at `index`.
    pub fn leaf(&self, index: u64) -> Digest {
        self.node(0, index)
    }

    /// Siblings of the leaf at `index`, bottom-up.
    pub fn path(&self, index: u64) -> Vec<Digest> {
        (0..self.depth)
            .map(|h| self.node(h, (index >> h) ^ 1))
            .collect()
    }

    /// A tree holding only `nodes` (non-empty nodes keyed by height and
    /// index; every other node reads as empty). Holding the nodes on and
    /// beside a leaf's path is enough for [`Self::path`], [`Self::set`] and
    /// [`Self::root`] at that leaf to agree with the whole tree.
    pub(super) fn from_nodes(
        depth: u32,
        nodes: impl IntoIterator<Item = ((u32, u64), Digest)>,
    ) -> Self {
        let mut tree = Self::new(depth);
        tree.nodes.extend(nodes);
        tree
    }

    /// The non-empty nodes, keyed by (height, index at that height).
    pub(super) fn nodes(&self) -> impl Iterator<Item = ((u32, u64), Digest)> + '_ {
        self.nodes.iter().map(|(&at, &node)| (at, node))
    }

    /// The stored node at (height, index): `None` when it is the empty
    /// subtree's root.
    pub(super) fn stored(&self, at: (u32, u64)) -> Option<Digest> {
        self.nodes.get(&at).copied()
    }

    /// The node positions whose value differs from `before`'s, with the new
    /// value (`None`: now empty). Cost: the size of both node maps.
    pub(super) fn changes_since(&self, before: &SparseTree) -> Vec<((u32, u64), Option<Digest>)> {
        let mut changes: Vec<_> = self
            .nodes
            .iter()
            .filter(|(at, node)| before.nodes.get(at) != Some(node))
            .map(|(&at, &node)| (at, Some(node)))
            .collect();
        changes.extend(
            before
                .nodes
                .keys()
                .filter(|at| !self.nodes.contains_key(at))
                .map(|&at| (at, None)),
        );
        changes.sort_unstable_by_key(|(at, _)| *at);
        changes
    }

    /// Sets the leaf at `index` to `leaf` and rehashes its path.
    pub fn set(&mut self, index: u64, leaf: Digest) {
        let mut node = leaf;
        let mut at = index;
        for height in 0..=self.depth {
            if node == self.empty[height as usize] {
                self.nodes.remove(&(height, at));
            } else {
                self.nodes.insert((height, at), node);
            }
            if height == self.depth {
                break;
            }
            let sibling = self.node(height, at ^ 1);
            node = if at & 1 == 0 {
                hash_pair(&node, &sibling)
            } else {
                hash_pair(&sibling, &node)
            };
            at >>= 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use plonky2::field::types::Field;
    use zksettle_circuits::config::F;
    use zksettle_circuits::rules::encoding::hash;
    use zksettle_circuits::rules::merkle::root_from_path;

    #[test]
    fn paths_reproduce_the_root_and_clearing_a_leaf_restores_the_empty_root() {
        let mut tree = SparseTree::new(8);
        let empty_root = tree.root();
        let leaf = hash(&[F::ONE]);
        tree.set(5, leaf);
        tree.set(200, hash(&[F::TWO]));
        assert_eq!(root_from_path(leaf, 5, &tree.path(5)), tree.root());
        let empty_leaf = empty_subtree_roots(0)[0];
        tree.set(5, empty_leaf);
        tree.set(200, empty_leaf);
        assert_eq!(tree.root(), empty_root);
        assert!(tree.nodes.is_empty());
    }

    #[test]
    fn a_tree_of_the_nodes_on_and_beside_some_paths_updates_them_as_the_whole_tree() {
        let mut whole = SparseTree::new(8);
        for index in (0..256).step_by(7) {
            whole.set(index, hash(&[F::from_canonical_u64(index)]));
        }
        let touched = [3u64, 14, 200];
        let on_or_beside = |(height, at): (u32, u64)| {
            touched.iter().any(|leaf| {
                height == whole.depth || (leaf >> height) == at || (leaf >> height) ^ 1 == at
            })
        };
        let before = SparseTree::from_nodes(
            whole.depth,
            whole.nodes().filter(|(at, _)| on_or_beside(*at)),
        );
        assert!(before.nodes.len() < whole.nodes.len());
        let old_whole = whole.clone();
        let mut partial = before.clone();
        let empty_leaf = empty_subtree_roots(0)[0];
        for (leaf, value) in touched
            .iter()
            .zip([hash(&[F::TWO]), empty_leaf, hash(&[F::ONE])])
        {
            assert_eq!(partial.path(*leaf), whole.path(*leaf));
            partial.set(*leaf, value);
            whole.set(*leaf, value);
            assert_eq!(partial.root(), whole.root());
        }
        // Writing the changes back onto the old whole tree gives the new one.
        let mut rebuilt = old_whole.nodes;
        for (at, node) in partial.changes_since(&before) {
            assert_eq!(whole.nodes.get(&at).copied(), node);
            match node {
                Some(node) => rebuilt.insert(at, node),
                None => rebuilt.remove(&at),
            };
        }
        assert_eq!(rebuilt, whole.nodes);
        // Leaf 14 was set and is now empty: its node is among the removals.
        assert!(partial.changes_since(&before).contains(&((0, 14), None)));
    }
}
