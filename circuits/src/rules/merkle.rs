//! The Poseidon Merkle tree of accounts: node = `hash(left || right)`,
//! empty subtrees hash up from the empty account leaf. The ledger keeps the
//! sparse tree; this module is the rule its paths obey.

use super::account::Account;
use super::encoding::{hash_pair, Digest};

/// Root of an empty subtree of each height `0..=depth` (height 0: the empty leaf).
pub fn empty_subtree_roots(depth: u32) -> Vec<Digest> {
    let mut roots = vec![Account::default().leaf_hash()];
    for h in 0..depth as usize {
        roots.push(hash_pair(&roots[h], &roots[h]));
    }
    roots
}

/// Root reached from a leaf at `index` with its siblings, bottom-up.
pub fn root_from_path(leaf: Digest, index: u64, siblings: &[Digest]) -> Digest {
    siblings
        .iter()
        .enumerate()
        .fold(leaf, |node, (height, sibling)| {
            if (index >> height) & 1 == 0 {
                hash_pair(&node, sibling)
            } else {
                hash_pair(sibling, &node)
            }
        })
}
