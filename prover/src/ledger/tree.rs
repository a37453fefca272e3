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
}
