//! Matching circuit shapes for recursion.
//!
//! A circuit that verifies proofs of itself (the fold and chain circuits)
//! needs its own `CommonCircuitData` before it is built. It is found as a
//! fixed point: build the circuit against a guess, take the shape it came
//! out with as the next guess, and stop when the shape repeats (two or three
//! rounds: the verifier gadget's size depends only on the degree and the gate
//! set). Circuits whose proofs must pass through the same verifier gadget
//! (the wrap circuit) are padded to the same shape.

use plonky2::gates::noop::NoopGate;
use plonky2::plonk::circuit_data::CommonCircuitData;

use crate::config::{D, F};
use crate::gadgets::Builder;

/// Rounds after which a shape that still changes is a bug.
const MAX_ROUNDS: usize = 6;

/// Adds `goal`'s gate types and pads with no-op rows so that the built
/// circuit has `goal`'s degree (if it is not already larger).
pub fn pad_to(builder: &mut Builder, goal: &CommonCircuitData<F, D>) {
    for gate in &goal.gates {
        builder.add_gate_to_gate_set(gate.clone());
    }
    // Building adds a few rows (public-input hashing, constants); just over
    // half the goal's rows makes the padded power of two the goal's.
    let half = goal.degree() / 2;
    while builder.num_gates() <= half {
        builder.add_gate(NoopGate, vec![]);
    }
}

/// Iterates `build` from `start` until the shape it produces is the shape
/// it was given.
///
/// # Panics
/// If no fixed point is reached in a few rounds (a construction bug).
pub fn fixed_point(
    start: CommonCircuitData<F, D>,
    mut build: impl FnMut(&CommonCircuitData<F, D>) -> CommonCircuitData<F, D>,
) -> CommonCircuitData<F, D> {
    let mut guess = start;
    for _ in 0..MAX_ROUNDS {
        let next = build(&guess);
        if next == guess {
            return guess;
        }
        guess = next;
    }
    panic!("recursive circuit shape did not converge in {MAX_ROUNDS} rounds")
}
