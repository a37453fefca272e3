//! Poseidon hashing in the circuit (mirrors `rules/encoding.rs`).

use plonky2::hash::hash_types::{HashOutTarget, NUM_HASH_OUT_ELTS};
use plonky2::hash::hashing::PlonkyPermutation;
use plonky2::hash::poseidon::PoseidonHash;
use plonky2::iop::target::{BoolTarget, Target};
use plonky2::plonk::config::AlgebraicHasher;

use super::Builder;
use crate::config::F;

/// Hashing gadgets.
pub trait EncodingGadget {
    /// `hash(elements)`, never returned unhashed. Cost: `ceil(n / 8)` rows.
    fn hash(&mut self, elements: Vec<Target>) -> HashOutTarget;

    /// `hash(left || right)`, or `hash(right || left)` when `swap` is set.
    /// Cost: 1 row (the Poseidon gate swaps for free).
    fn hash_pair_swapped(
        &mut self,
        left: HashOutTarget,
        right: HashOutTarget,
        swap: BoolTarget,
    ) -> HashOutTarget;
}

impl EncodingGadget for Builder {
    fn hash(&mut self, elements: Vec<Target>) -> HashOutTarget {
        self.hash_n_to_hash_no_pad::<PoseidonHash>(elements)
    }

    fn hash_pair_swapped(
        &mut self,
        left: HashOutTarget,
        right: HashOutTarget,
        swap: BoolTarget,
    ) -> HashOutTarget {
        let zero = self.zero();
        let mut state = <PoseidonHash as AlgebraicHasher<F>>::AlgebraicPermutation::new(
            core::iter::repeat(zero),
        );
        state.set_from_slice(&left.elements, 0);
        state.set_from_slice(&right.elements, NUM_HASH_OUT_ELTS);
        let out = PoseidonHash::permute_swapped(state, swap, self);
        let squeezed = out.squeeze();
        HashOutTarget {
            elements: [squeezed[0], squeezed[1], squeezed[2], squeezed[3]],
        }
    }
}
