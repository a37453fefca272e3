//! The rule book as plonky2 constraints: extension traits on
//! [`CircuitBuilder`], one file per file of [`crate::rules`], same function
//! names in the same order. Each gadget's doc comment states what it
//! constrains and what it costs in rows (standard recursion config).
//!
//! Soundness conventions: every value that stands for a signed integer is
//! range-checked as `x + 2^62` in `[0, 2^63)` wherever a negative value could
//! otherwise pass as a large field element; comparisons are range checks of
//! differences of values below 2^62.

pub mod account;
pub mod authorization;
pub mod custody;
pub mod ecgfp5;
pub mod encoding;
pub mod fixed;
pub mod margin;
pub mod market;
pub mod merkle;
pub mod ops;
pub mod oracle;
pub mod range_gate;
pub mod risk;
pub mod sheet;

#[cfg(test)]
pub(crate) mod testing;

use plonky2::plonk::circuit_builder::CircuitBuilder;

use crate::config::{D, F};

/// The circuit builder every gadget extends.
pub type Builder = CircuitBuilder<F, D>;
