//! In-circuit arithmetic in GF(p^5) = GF(p)\[z\] / (z^5 - 3), p the Goldilocks
//! prime: the field ECgFp5 (Pornin 2022) is defined over, on which its
//! Schnorr verification is built.
//!
//! * [`mul_gate`]: [`mul_gate::Gfp5MulAddGate`], a custom gate computing
//!   `c = a * b + d` in GF(p^5), four ops per row on the standard recursion
//!   config (20 routed wires each, degree 2, 5 constraints each).
//! * [`field`]: [`field::Gfp5Target`] and the [`field::Gfp5Gadget`] extension
//!   trait on the circuit builder: addition, multiplication, inverse,
//!   division, equality and selection, each with its row cost.
//! * [`curve`]: [`curve::PointTarget`] (the native
//!   [`Point`](crate::rules::ecgfp5::Point)'s fractional (X : Z : U : T)
//!   coordinates) and the [`curve::CurveGadget`] trait: the complete
//!   addition (4.75 rows; 3.75 with an affine second operand), doubling (3
//!   rows), negation, selection, encoding (half a row, refuses the
//!   neutral), decoding (1.5 rows: the non-square root of the quadratic,
//!   refuses w = 0 and undecodable w), and `s G + e q` by a joint
//!   double-and-add over 256 positions, one [`step_gate::CurveStepGate`]
//!   row each (s = s_lo + 2^256 s_hi; 257 rows for a 319-bit s and a
//!   256-bit e).
//! * [`step_gate`]: [`step_gate::CurveStepGate`], a custom gate doing one
//!   position of `s G + e q` per row: `acc = 2 acc + T[s_lo_i, s_hi_i] +
//!   e_i q` with the constant table T = {N, G, 2^256 G, G + 2^256 G}: a
//!   doubling and two complete additions, every intermediate on its own
//!   wires (128 wires, 53 routed, 98 constraints of degree at most 4).
//! * [`schnorr`]: [`schnorr::SignatureTarget`] and
//!   [`schnorr::SchnorrGadget::verify_schnorr`], the native Schnorr
//!   verification (decode Q, s below n, R' = s G - e Q with e's canonical
//!   256 bits, R' not neutral, Poseidon challenge equal to e): 312 rows
//!   for a three-element message (313 for eight; 2,213 before the step
//!   gate), so one verification fits a 2^9-row circuit.
//!
//! Native values are plonky2's
//! [`QuinticExtension<F>`](plonky2::field::extension::quintic::QuinticExtension)
//! (Goldilocks is `Extendable<5>` with `W = 3`, i.e. the same `z^5 = 3`).
//! Coefficients are stored constant term first, as there.
//!
//! Soundness: every hinted value (inverses, quotients, zero flags) is pinned
//! by the gate's constraints; each gadget's doc comment says how, and which
//! inputs make the circuit unsatisfiable.

pub mod curve;
pub mod field;
pub mod mul_gate;
pub mod schnorr;
pub mod step_gate;

#[cfg(test)]
pub(crate) mod testing;
