//! # zksettle-verifier
//!
//! The light side of zksettle. A settlement proof states that an account tree
//! moved from one Poseidon root to the next by the venue's rule book, under a
//! market whose configuration hashes to `market_hash` and oracle reports whose
//! hashes are public inputs. This crate owns that statement's layout
//! ([`PublicInputs`]): the circuits implement it, and light clients check it
//! against the values they trust (genesis root, market hash, oracle set).
//!
//! It depends on plonky2 verification only, never on the circuits or the
//! prover, so that a client can audit and embed it.
#![deny(missing_docs)]
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]

pub mod config;
pub mod public_inputs;

pub use public_inputs::{Digest, LayoutError, PublicInputs};
