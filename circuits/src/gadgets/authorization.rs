//! Who may act for an account, in the circuit (mirrors
//! `rules/authorization.rs`), and the chunk's signature desk.
//!
//! A chunk verifies user signatures at a desk of a fixed number of slots,
//! not in every step: a Schnorr verification is about 313 rows, more than
//! half a step, and most steps (trades against open orders, deposits,
//! liquidations, settlements) need none. A step that needs one appends its
//! (key, message) pair to the steps' queue, a running digest
//! `q' = Poseidon(SIGNATURE_QUEUE, q, w(Q), msg)` starting from zero
//! ([`AuthorizationGadget::queue_signed`], 3 rows); each enabled desk slot
//! verifies one signature and appends its pair to the desk's queue the same
//! way ([`AuthorizationGadget::add_signature_desk`]); the chunk connects the
//! two digests. Equal digests mean the same pairs in the same order (anything
//! else is a Poseidon collision), so every pair a step queued has a
//! signature verified at the desk, and the desk verified nothing a step did
//! not ask for. A disabled slot still verifies a signature, the
//! [`filler`]'s (a message with domain tag 0, which no operation signs),
//! and queues nothing.
//!
//! No value crosses a chunk boundary: both queues start from zero in every
//! chunk.

use std::sync::OnceLock;

use plonky2::field::types::Field;
use plonky2::hash::hash_types::HashOutTarget;
use plonky2::iop::target::{BoolTarget, Target};
use plonky2::iop::witness::WitnessWrite;
use zksettle_verifier::domain::{OWNER, SIGNATURE_QUEUE};

use super::ecgfp5::field::Gfp5Gadget;
use super::ecgfp5::field::Gfp5Target;
use super::ecgfp5::schnorr::{set_signature, SchnorrGadget, SignatureTarget};
use super::encoding::EncodingGadget;
use super::Builder;
use crate::config::F;
use crate::rules::authorization::{filler_key, Authorization, Message, MESSAGE_LEN};
use crate::rules::encoding::unsigned;

/// A (key, message) pair that needs a signature: the key's encoding w(Q)
/// and the [`MESSAGE_LEN`] elements of the message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SignedTarget {
    /// w(Q), z^0 first.
    pub key: Gfp5Target,
    /// The message, domain tag first.
    pub message: [Target; MESSAGE_LEN],
}

/// One slot of a signature desk.
#[derive(Clone, Copy, Debug)]
pub struct DeskSlotTarget {
    /// Whether the slot's pair enters the desk's queue.
    pub enabled: BoolTarget,
    /// The pair whose signature the slot verifies.
    pub item: SignedTarget,
    /// The signature, verified whether or not the slot is enabled.
    pub signature: SignatureTarget,
}

/// A chunk's signature desk: its slots and the digest of its queue (to be
/// connected to the steps' queue).
#[derive(Clone, Debug)]
pub struct SignatureDeskTarget {
    /// The slots, in queue order.
    pub slots: Vec<DeskSlotTarget>,
    /// The digest of the enabled slots' pairs.
    pub queue: HashOutTarget,
}

/// Authorization gadgets.
pub trait AuthorizationGadget {
    /// A fresh pair: 13 unconstrained targets. Cost: none.
    fn add_virtual_signed(&mut self) -> SignedTarget;

    /// `owner_of(key)`: `Poseidon(OWNER, w(Q))` of the given encoding.
    /// The key is not decoded here (the desk's verification decodes it; an
    /// undecodable key has no valid signature). Cost: 1 row.
    fn owner_of(&mut self, key: Gfp5Target) -> HashOutTarget;

    /// The empty queue: the zero digest. Cost: constants only.
    fn empty_signature_queue(&mut self) -> HashOutTarget;

    /// `Poseidon(SIGNATURE_QUEUE, queue, w(Q), msg)` when `enabled`,
    /// `queue` otherwise. Cost: 3 rows and 4 selections.
    fn queue_signed(
        &mut self,
        queue: HashOutTarget,
        enabled: BoolTarget,
        item: &SignedTarget,
    ) -> HashOutTarget;

    /// A desk of `slots` slots: each verifies its signature over its pair
    /// ([`SchnorrGadget::verify_schnorr`]) and, when enabled, queues the
    /// pair. Cost: 316 rows per slot (313 of them the verification).
    fn add_signature_desk(&mut self, slots: usize) -> SignatureDeskTarget;
}

impl AuthorizationGadget for Builder {
    fn add_virtual_signed(&mut self) -> SignedTarget {
        SignedTarget {
            key: self.add_virtual_gfp5(),
            message: core::array::from_fn(|_| self.add_virtual_target()),
        }
    }

    fn owner_of(&mut self, key: Gfp5Target) -> HashOutTarget {
        let mut input = vec![self.constant(unsigned(OWNER))];
        input.extend(key.0);
        self.hash(input)
    }

    fn empty_signature_queue(&mut self) -> HashOutTarget {
        let zero = self.zero();
        HashOutTarget {
            elements: [zero; 4],
        }
    }

    fn queue_signed(
        &mut self,
        queue: HashOutTarget,
        enabled: BoolTarget,
        item: &SignedTarget,
    ) -> HashOutTarget {
        let mut input = vec![self.constant(unsigned(SIGNATURE_QUEUE))];
        input.extend(queue.elements);
        input.extend(item.key.0);
        input.extend(item.message);
        let next = self.hash(input);
        HashOutTarget {
            elements: core::array::from_fn(|k| {
                self.select(enabled, next.elements[k], queue.elements[k])
            }),
        }
    }

    fn add_signature_desk(&mut self, slots: usize) -> SignatureDeskTarget {
        let mut queue = self.empty_signature_queue();
        let slots = (0..slots)
            .map(|_| {
                let slot = DeskSlotTarget {
                    enabled: self.add_virtual_bool_target_safe(),
                    item: self.add_virtual_signed(),
                    signature: self.add_virtual_signature(),
                };
                self.verify_schnorr(slot.item.key, &slot.item.message, &slot.signature);
                queue = self.queue_signed(queue, slot.enabled, &slot.item);
                slot
            })
            .collect();
        SignatureDeskTarget { slots, queue }
    }
}

/// The signature a disabled desk slot verifies: the key 1 G over the
/// all-zero message (domain tag 0, which no operation signs, so the filler
/// never authorizes anything). Its secret is public, so no account may be
/// owned by its key: deposits refuse
/// [`reserved_owner`](crate::rules::authorization::reserved_owner).
pub fn filler() -> &'static (Authorization, Message) {
    static FILLER: OnceLock<(Authorization, Message)> = OnceLock::new();
    FILLER.get_or_init(|| {
        let msg = [F::ZERO; MESSAGE_LEN];
        (Authorization::sign(&filler_key(), &msg), msg)
    })
}

/// Sets a pair's targets.
pub fn set_signed<W: WitnessWrite<F> + ?Sized>(
    witness: &mut W,
    target: &SignedTarget,
    key: &[u64; 5],
    msg: &Message,
) -> anyhow::Result<()> {
    for (&t, &w) in target.key.0.iter().zip(key) {
        witness.set_target(t, F::from_noncanonical_u64(w))?;
    }
    for (&t, &m) in target.message.iter().zip(msg) {
        witness.set_target(t, m)?;
    }
    Ok(())
}

/// Fills a desk: `items` (at most one per slot, in the order the steps
/// queued them) in the first slots, the [`filler`] in the rest.
pub fn set_signature_desk<W: WitnessWrite<F> + ?Sized>(
    witness: &mut W,
    desk: &SignatureDeskTarget,
    items: &[(Authorization, Message)],
) -> anyhow::Result<()> {
    anyhow::ensure!(
        items.len() <= desk.slots.len(),
        "{} signatures for a desk of {} slots",
        items.len(),
        desk.slots.len()
    );
    let (filler_auth, filler_msg) = filler();
    for (k, slot) in desk.slots.iter().enumerate() {
        let (auth, msg, enabled) = match items.get(k) {
            Some((auth, msg)) => (auth, msg, true),
            None => (filler_auth, filler_msg, false),
        };
        witness.set_bool_target(slot.enabled, enabled)?;
        set_signed(witness, &slot.item, &auth.public_key, msg)?;
        set_signature(witness, &slot.signature, &auth.signature)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use plonky2::iop::witness::PartialWitness;
    use plonky2::plonk::circuit_data::CircuitData;

    use super::*;
    use crate::config::{C, D};
    use crate::gadgets::ecgfp5::testing::provable_tampered;
    use crate::gadgets::ops::GatedGadget;
    use crate::gadgets::testing::{builder, provable};
    use crate::rules::authorization::{owner_of, withdrawal_message};
    use crate::rules::ecgfp5::SecretKey;
    use crate::rules::encoding::{Digest, ZERO_DIGEST};

    /// The market hash the tests' messages carry.
    const MARKET: Digest = ZERO_DIGEST;

    /// Three steps (each a pair, an enabled flag and the account owner its
    /// key must hash to) queued in order, and a desk of three slots.
    struct Harness {
        data: CircuitData<F, C, D>,
        steps: Vec<(BoolTarget, SignedTarget, HashOutTarget)>,
        desk: SignatureDeskTarget,
        steps_queue: HashOutTarget,
    }

    fn harness() -> Harness {
        let mut b = builder();
        let mut queue = b.empty_signature_queue();
        let steps: Vec<_> = (0..3)
            .map(|_| {
                let enabled = b.add_virtual_bool_target_safe();
                let item = b.add_virtual_signed();
                let owner = b.add_virtual_hash();
                let derived = b.owner_of(item.key);
                for k in 0..4 {
                    b.assert_equal_if(enabled, derived.elements[k], owner.elements[k]);
                }
                queue = b.queue_signed(queue, enabled, &item);
                (enabled, item, owner)
            })
            .collect();
        let desk = b.add_signature_desk(3);
        b.connect_hashes(queue, desk.queue);
        Harness {
            data: b.build::<C>(),
            steps,
            desk,
            steps_queue: queue,
        }
    }

    fn key(secret: &str) -> SecretKey {
        SecretKey::from_decimal(secret).unwrap()
    }

    /// One step's contents: enabled, key, message, owner.
    type Step = (bool, [u64; 5], Message, Digest);

    fn witness(
        h: &Harness,
        steps: &[Step],
        desk: &[(Authorization, Message)],
    ) -> PartialWitness<F> {
        let mut w = steps_witness(h, steps);
        set_signature_desk(&mut w, &h.desk, desk).unwrap();
        w
    }

    /// The steps' targets only (the desk left to the caller).
    fn steps_witness(h: &Harness, steps: &[Step]) -> PartialWitness<F> {
        let mut w = PartialWitness::new();
        for ((enabled, item, owner), (on, k, msg, own)) in h.steps.iter().zip(steps) {
            w.set_bool_target(*enabled, *on).unwrap();
            set_signed(&mut w, item, k, msg).unwrap();
            w.set_hash_target(*owner, *own).unwrap();
        }
        w
    }

    /// Alice withdraws, an unsigned step (garbage pair), Bob withdraws.
    fn honest() -> (Vec<Step>, Vec<(Authorization, Message)>) {
        let (alice, bob) = (key("1111"), key("2222"));
        let m1 = withdrawal_message(&MARKET, 3, 500, 0);
        let m2 = withdrawal_message(&MARKET, 4, 700, 5);
        let steps = vec![
            (
                true,
                alice.public_key().encoding(),
                m1,
                owner_of(&alice.public_key()),
            ),
            (false, [9; 5], [F::ONE; MESSAGE_LEN], Digest::default()),
            (
                true,
                bob.public_key().encoding(),
                m2,
                owner_of(&bob.public_key()),
            ),
        ];
        let desk = vec![
            Authorization::sign(&alice, &m1),
            Authorization::sign(&bob, &m2),
        ];
        (steps, desk.into_iter().zip([m1, m2]).collect())
    }

    #[test]
    fn queued_pairs_signed_at_the_desk_prove() {
        let h = harness();
        let (steps, desk) = honest();
        assert!(provable(&h.data, witness(&h, &steps, &desk)));
    }

    #[test]
    fn a_forged_signature_cannot_be_proven() {
        let h = harness();
        let (steps, mut desk) = honest();
        // Alice's pair with a signature of another message under her key.
        desk[0].0.signature =
            Authorization::sign(&key("1111"), &withdrawal_message(&MARKET, 3, 501, 0)).signature;
        assert!(!provable(&h.data, witness(&h, &steps, &desk)));
        // Or with Mallory's signature of the very message.
        let (steps, mut desk) = honest();
        desk[0].0.signature = Authorization::sign(&key("6666"), &desk[0].1).signature;
        assert!(!provable(&h.data, witness(&h, &steps, &desk)));
    }

    #[test]
    fn a_signature_under_another_key_cannot_act_for_the_owner() {
        let h = harness();
        let (mut steps, mut desk) = honest();
        // Mallory signs Alice's withdrawal with her own key, validly; the
        // step queues Mallory's key against Alice's account.
        let mallory = key("6666");
        steps[0].1 = mallory.public_key().encoding();
        desk[0].0 = Authorization::sign(&mallory, &desk[0].1);
        assert!(!provable(&h.data, witness(&h, &steps, &desk)));
    }

    #[test]
    fn every_queued_pair_needs_its_own_slot_in_order() {
        let h = harness();
        let (steps, desk) = honest();
        // Bob's signature missing.
        assert!(!provable(&h.data, witness(&h, &steps, &desk[..1])));
        // A slot no step asked for.
        let mut extra = desk.clone();
        extra.push(desk[0].clone());
        assert!(!provable(&h.data, witness(&h, &steps, &extra)));
        // The right signatures in the wrong order.
        let swapped = vec![desk[1].clone(), desk[0].clone()];
        assert!(!provable(&h.data, witness(&h, &steps, &swapped)));
    }

    #[test]
    fn a_step_cannot_change_the_signed_message() {
        let h = harness();
        let (mut steps, desk) = honest();
        steps[2].2 = withdrawal_message(&MARKET, 4, 7_000, 5);
        assert!(!provable(&h.data, witness(&h, &steps, &desk)));
        let (mut steps, desk) = honest();
        steps[0].2 = withdrawal_message(&MARKET, 3, 500, 1);
        assert!(!provable(&h.data, witness(&h, &steps, &desk)));
    }

    #[test]
    fn a_disabled_slot_still_verifies_and_a_queue_cannot_be_overwritten() {
        let h = harness();
        let (steps, desk) = honest();
        let inputs = witness(&h, &steps, &desk);
        // The third (disabled) slot over the filler's pair with a signature
        // of something else.
        let mut bad = steps_witness(&h, &steps);
        let (filler_auth, filler_msg) = filler();
        let slots = [
            (true, &desk[0].0, &desk[0].1, desk[0].0.signature),
            (true, &desk[1].0, &desk[1].1, desk[1].0.signature),
            (false, filler_auth, filler_msg, desk[0].0.signature),
        ];
        for (slot, (on, auth, msg, signature)) in h.desk.slots.iter().zip(slots) {
            bad.set_bool_target(slot.enabled, on).unwrap();
            set_signed(&mut bad, &slot.item, &auth.public_key, msg).unwrap();
            set_signature(&mut bad, &slot.signature, &signature).unwrap();
        }
        assert!(!provable(&h.data, bad));
        // Disabling Bob's step and its slot proves (nothing is queued)...
        let mut fewer = steps.clone();
        fewer[2].0 = false;
        assert!(provable(&h.data, witness(&h, &fewer, &desk[..1])));
        // ...but a cheating prover cannot set the steps' digest to the
        // desk's, nor drop a slot from the desk's queue, after generation.
        let zero = [F::ZERO; 4];
        let tamper: Vec<_> = h.steps_queue.elements.iter().copied().zip(zero).collect();
        assert!(!provable_tampered(&h.data, inputs.clone(), &tamper));
        assert!(!provable_tampered(
            &h.data,
            inputs,
            &[(h.desk.slots[1].enabled.target, F::ZERO)]
        ));
    }

    #[test]
    fn a_queued_pair_costs_three_rows_and_a_slot_a_verification() {
        use crate::gadgets::ecgfp5::schnorr::verification_rows;
        let mut b = builder();
        let queue = b.empty_signature_queue();
        let enabled = b.add_virtual_bool_target_safe();
        let item = b.add_virtual_signed();
        let before = b.num_gates();
        b.queue_signed(queue, enabled, &item);
        let queue_rows = b.num_gates() - before;
        assert!(queue_rows <= 4, "queue_signed: {queue_rows} rows");
        let before = b.num_gates();
        b.add_signature_desk(1);
        let slot_rows = b.num_gates() - before;
        let verify = verification_rows(MESSAGE_LEN);
        assert!(
            slot_rows <= verify + 4,
            "a desk slot: {slot_rows} rows, a verification {verify}"
        );
        assert!(
            slot_rows >= verify,
            "a desk slot: {slot_rows} rows, a verification {verify}"
        );
    }
}
