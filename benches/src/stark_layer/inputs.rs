//! What the table hashes: the two-to-one Merkle node hashes of a simulated
//! epoch's leaf updates, both roots of each (the path to the root before
//! the update and the path to the root after it), as Poseidon permutation
//! inputs `[left, right, 0, 0, 0, 0]` (`hash_pair` is `hash_no_pad` of eight
//! elements: one permutation, the rate overwritten, the capacity zero).

use plonky2::field::types::Field;
use zksettle_circuits::config::F;
use zksettle_circuits::rules::encoding::{hash_pair, Digest};
use zksettle_prover::ledger::{EpochWitness, LeafUpdate, LeafValue};
use zksettle_verifier::account::global_leaf_hash;

use super::poseidon_stark::WIDTH;
use super::StarkLayerError;

/// The digest of a leaf value, as the ledger writes it into the tree.
fn leaf_digest(value: &LeafValue) -> Digest {
    match value {
        LeafValue::Account(account) => account.leaf_hash(),
        LeafValue::Global { bad_debt, deposits } => global_leaf_hash(*bad_debt, *deposits),
    }
}

/// The permutation input of `hash_pair(left, right)`.
pub fn pair_input(left: &Digest, right: &Digest) -> [F; WIDTH] {
    let mut input = [F::ZERO; WIDTH];
    input[..4].copy_from_slice(&left.elements);
    input[4..8].copy_from_slice(&right.elements);
    input
}

/// Appends the inputs of the path from `leaf` at `index` to the root, and
/// returns the root it reaches.
fn path_inputs(leaf: Digest, index: u64, siblings: &[Digest], out: &mut Vec<[F; WIDTH]>) -> Digest {
    let mut node = leaf;
    for (height, sibling) in siblings.iter().enumerate() {
        let (left, right) = if (index >> height) & 1 == 0 {
            (node, *sibling)
        } else {
            (*sibling, node)
        };
        out.push(pair_input(&left, &right));
        node = hash_pair(&left, &right);
    }
    node
}

/// The permutation inputs of one leaf update's two paths, checked against
/// its recorded roots.
pub fn update_inputs(
    update: &LeafUpdate,
    out: &mut Vec<[F; WIDTH]>,
) -> Result<(), StarkLayerError> {
    let before = path_inputs(
        leaf_digest(&update.before),
        update.index,
        &update.siblings,
        out,
    );
    let after = path_inputs(
        leaf_digest(&update.after),
        update.index,
        &update.siblings,
        out,
    );
    if before != update.root_before || after != update.root_after {
        return Err(StarkLayerError::Workload(format!(
            "leaf {}: recomputed paths miss the recorded roots",
            update.index
        )));
    }
    Ok(())
}

/// Every node-hash permutation input of an epoch's leaf updates, in order,
/// and the number of leaf updates.
pub fn epoch_inputs(witness: &EpochWitness) -> Result<(Vec<[F; WIDTH]>, usize), StarkLayerError> {
    let mut out = Vec::new();
    let mut updates = 0;
    for step in &witness.steps {
        for update in &step.updates {
            update_inputs(update, &mut out)?;
            updates += 1;
        }
    }
    Ok((out, updates))
}
