//! # zksettle-circuits
//!
//! The settlement rule book of a crypto-options venue, written twice:
//!
//! * [`rules`] is the native reference: plain integer arithmetic with explicit
//!   rounding and a typed error for every broken rule. The ledger applies
//!   epochs with it, and it decides what a valid epoch is.
//! * [`gadgets`] states the same rules as plonky2 constraints,
//!   file for file and function for function, so a reviewer reads a rule and its
//!   gadget side by side.
//!
//! Units follow `docs/design.md` section 2: money in signed micro-USD, prices in
//! micro-USD per underlying on a tick of 100, quantities in signed lots of
//! 0.01 underlying, rates in basis points. Every rounding goes against the
//! account, and every aggregate stays below 2^61 in magnitude so the circuit
//! can compare values with single range checks.
#![deny(missing_docs)]

pub mod config {
    //! Field, hasher and extension degree, chosen once in `zksettle-verifier`.
    pub use zksettle_verifier::config::{C, CF, D, F};
}
/// Fingerprint of this crate's sources: circuits cached on disk are keyed by
/// it, so a change to any rule or gadget invalidates them.
pub const SOURCE_DIGEST: &str = env!("ZKSETTLE_CIRCUIT_SOURCE_DIGEST");

pub mod check;
pub mod chunk;
pub mod gadgets;
pub mod hints;
pub mod prelude;
pub mod recursion;
pub mod rules;
pub mod serialize;
