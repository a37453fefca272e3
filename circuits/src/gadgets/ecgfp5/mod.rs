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
//!   double-and-add over 256 positions with the tables {N, G, q, G + q} and,
//!   for s's top 63 bits (s = s_lo + 2^256 s_hi), {N, G, G', ...} with
//!   G' = 2^256 G (2,159 rows for a 319-bit s and a 256-bit e).
//! * [`schnorr`]: [`schnorr::SignatureTarget`] and
//!   [`schnorr::SchnorrGadget::verify_schnorr`], the native Schnorr
//!   verification (decode Q, s below n, R' = s G - e Q with e's canonical
//!   256 bits, R' not neutral, Poseidon challenge equal to e): 2,213 rows
//!   for a three-element message, so one verification fits a 2^12-row
//!   circuit.
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

#[cfg(test)]
pub(crate) mod testing;
