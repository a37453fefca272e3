//! Merkle paths of the account tree in the circuit (mirrors `rules/merkle.rs`).

use plonky2::hash::hash_types::HashOutTarget;
use plonky2::iop::target::BoolTarget;

use super::encoding::EncodingGadget;
use super::Builder;

/// Merkle path gadgets.
pub trait MerkleGadget {
    /// Root reached from `leaf` at the index whose little-endian bits are
    /// `index_bits`, with `siblings` bottom-up. Cost: 1 row per level.
    fn root_from_path(
        &mut self,
        leaf: HashOutTarget,
        index_bits: &[BoolTarget],
        siblings: &[HashOutTarget],
    ) -> HashOutTarget;

    /// Replaces `old_leaf` by `new_leaf` at one index: constrains the old
    /// root to `root_before` and returns the new root. Both paths share the
    /// siblings, so no other leaf can change. Cost: 2 rows per level.
    fn update_leaf(
        &mut self,
        root_before: HashOutTarget,
        old_leaf: HashOutTarget,
        new_leaf: HashOutTarget,
        index_bits: &[BoolTarget],
        siblings: &[HashOutTarget],
    ) -> HashOutTarget;
}

impl MerkleGadget for Builder {
    fn root_from_path(
        &mut self,
        leaf: HashOutTarget,
        index_bits: &[BoolTarget],
        siblings: &[HashOutTarget],
    ) -> HashOutTarget {
        assert_eq!(index_bits.len(), siblings.len(), "one index bit per level");
        index_bits
            .iter()
            .zip(siblings)
            .fold(leaf, |node, (&bit, &sibling)| {
                self.hash_pair_swapped(node, sibling, bit)
            })
    }

    fn update_leaf(
        &mut self,
        root_before: HashOutTarget,
        old_leaf: HashOutTarget,
        new_leaf: HashOutTarget,
        index_bits: &[BoolTarget],
        siblings: &[HashOutTarget],
    ) -> HashOutTarget {
        let old_root = self.root_from_path(old_leaf, index_bits, siblings);
        self.connect_hashes(old_root, root_before);
        self.root_from_path(new_leaf, index_bits, siblings)
    }
}

#[cfg(test)]
mod tests {
    use plonky2::field::types::Field;
    use plonky2::iop::witness::{PartialWitness, WitnessWrite};

    use super::*;
    use crate::config::{C, F};
    use crate::gadgets::testing::{builder, provable};
    use crate::rules::encoding::{hash, Digest};
    use crate::rules::merkle::{empty_subtree_roots, root_from_path};

    const DEPTH: usize = 8;

    /// Whether the update of `old` to `new` at `index` from `root_before` to
    /// `expected_after` can be proven in a depth-8 tree.
    fn update_circuit_provable(
        index: u64,
        old: Digest,
        new: Digest,
        root_before: Digest,
        expected_after: Digest,
        siblings: &[Digest],
    ) -> bool {
        let mut b = builder();
        let targets = |b: &mut Builder| b.add_virtual_hash();
        let (t_root, t_old, t_new, t_after) = (
            targets(&mut b),
            targets(&mut b),
            targets(&mut b),
            targets(&mut b),
        );
        let t_siblings: Vec<_> = (0..DEPTH).map(|_| b.add_virtual_hash()).collect();
        let t_bits: Vec<_> = (0..DEPTH)
            .map(|_| b.add_virtual_bool_target_safe())
            .collect();
        let after = b.update_leaf(t_root, t_old, t_new, &t_bits, &t_siblings);
        b.connect_hashes(after, t_after);
        let data = b.build::<C>();
        let mut pw = PartialWitness::new();
        pw.set_hash_target(t_root, root_before).unwrap();
        pw.set_hash_target(t_old, old).unwrap();
        pw.set_hash_target(t_new, new).unwrap();
        pw.set_hash_target(t_after, expected_after).unwrap();
        for (t, s) in t_siblings.iter().zip(siblings) {
            pw.set_hash_target(*t, *s).unwrap();
        }
        for (k, t) in t_bits.iter().enumerate() {
            pw.set_bool_target(*t, (index >> k) & 1 == 1).unwrap();
        }
        provable(&data, pw)
    }

    #[test]
    fn leaf_update_matches_the_native_tree_and_rejects_a_wrong_old_leaf() {
        let empty = empty_subtree_roots(DEPTH as u32);
        let siblings: Vec<Digest> = empty[..DEPTH].to_vec();
        let old = empty[0];
        let new = hash(&[F::ONE, F::TWO]);
        let index = 77;
        let root_before = root_from_path(old, index, &siblings);
        let root_after = root_from_path(new, index, &siblings);
        assert!(update_circuit_provable(
            index,
            old,
            new,
            root_before,
            root_after,
            &siblings
        ));
        // Claiming another old leaf, another index or another new root fails.
        assert!(!update_circuit_provable(
            index,
            new,
            new,
            root_before,
            root_after,
            &siblings
        ));
        assert!(!update_circuit_provable(
            76,
            old,
            new,
            root_before,
            root_after,
            &siblings
        ));
        let other = hash(&[F::TWO]);
        assert!(!update_circuit_provable(
            index,
            old,
            new,
            root_before,
            root_from_path(other, index, &siblings),
            &siblings
        ));
    }
}
