//! The Poseidon Merkle tree of accounts: node = `hash(left || right)`,
//! empty subtrees hash up from the empty account leaf. The ledger keeps the
//! sparse tree; this module is the rule its paths obey (the path rule itself
//! is the verifier crate's, which light clients check account proofs with).

use super::account::Account;
use super::encoding::{hash_pair, Digest};

pub use zksettle_verifier::account::root_from_path;

/// Root of an empty subtree of each height `0..=depth` (height 0: the empty leaf).
pub fn empty_subtree_roots(depth: u32) -> Vec<Digest> {
    let mut roots = vec![Account::default().leaf_hash()];
    for h in 0..depth as usize {
        roots.push(hash_pair(&roots[h], &roots[h]));
    }
    roots
}
