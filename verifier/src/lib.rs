//! # zksettle-verifier
//!
//! The light side of zksettle: confirms that a settlement epoch is final
//! from one chain proof, a few trusted values and the epoch's oracle
//! attestation, without the account state, without replaying anything and
//! without building a circuit.
//!
//! ## What a client must trust, and why
//! * **The verifier data** ([`ChainVerifier`]): it decides which statements
//!   a proof can prove. The chain circuit's data for the default parameters
//!   ships in this crate ([`ChainVerifier::shipped`], pinned by its circuit
//!   digest); data received from elsewhere must be pinned by its bytes
//!   ([`ChainVerifier::from_pinned_bytes`]).
//! * **The genesis root and the market hash** ([`Trusted`]): a chain proof
//!   says "some valid history leads from this genesis to this root under this
//!   market"; the client must know which genesis and which market it follows.
//! * **The oracle set and its quorum**: the circuit prices each epoch at the
//!   median of the reports whose hashes it exposes, but cannot tell a real
//!   oracle from an invented one. The client checks that a quorum of distinct
//!   trusted oracles signed exactly those reports ([`Attestation::check`]).
//!
//! The operator is trusted for nothing: a proof that verifies against these
//! values says every operation of every epoch obeyed the rule book. (Order
//! authorisation, user signatures on trades and withdrawals, is not yet
//! proven: the operator is trusted to submit only authorised operations.)
//!
//! ## What is checked
//! [`verify_chain`] decodes the proof (exactly one canonical encoding of this
//! circuit's proof shape, so plonky2 never sees a malformed proof), checks
//! that its key slot holds this circuit's key (cyclic recursion), checks the
//! statement against the trusted values and the attestation, then runs
//! plonky2's verifier. [`LightClient`] adds the client's memory: an older
//! proof presented as newer is stale. Every failure is a [`VerifyError`]; the
//! crate denies `unwrap`, `expect`, `panic` and unchecked indexing, and with
//! `std` guards plonky2's own code against panics as a last resort.
//!
//! ## Features
//! `std` (default) and `parallel` (default, plonky2's rayon). With both off
//! the crate is `no_std` (with `alloc`) and plonky2 builds without its
//! default features.
#![cfg_attr(not(feature = "std"), no_std)]
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

extern crate alloc;

mod client;
pub mod config;
mod error;
mod guard;
pub mod hex;
pub mod public_inputs;
pub mod report;
mod verify;

pub use client::LightClient;
pub use error::VerifyError;
pub use public_inputs::{Digest, LayoutError, PublicInputs};
pub use report::{Attestation, AttestedReport};
pub use verify::{
    key_len, verify_chain, ChainProof, ChainVerifier, Finalized, Trusted, SHIPPED_CIRCUIT_DIGEST,
    SHIPPED_VERIFIER_DATA,
};
