//! # zksettle-verifier
//!
//! The light side of zksettle: confirms that a settlement epoch is final
//! from one small proof and a few trusted values (plus, for a client that
//! already finalized an epoch, the epoch records since), without the
//! account state, without replaying anything and without building a circuit.
//!
//! ## What a verified proof guarantees
//! [`verify_proof`] accepting a proof of epoch `e` from anchor `N` (the last
//! epoch the client finalized, or genesis) means, for the market whose hash
//! is the trusted terms and oracle set, from the trusted genesis root:
//! 1. there is a sequence of epochs `1..=e`, each a batch of operations the
//!    rule book accepts (every register and carried value constrained in the
//!    circuit, whatever witness the prover chose), applied in order from the
//!    genesis root and ending at the stated `new_root`;
//! 2. every epoch `1..=e` was priced at the median of a quorum of reports
//!    from distinct oracles of the trusted set, each signed by its oracle
//!    (ECgFp5 Schnorr over the report hash, verified in the epoch's prelude
//!    circuit under the key the market hash binds), so a proof from genesis
//!    needs no attestation;
//! 3. the proven history passes through the anchor's root at epoch `N` (a
//!    history that left it is a [`VerifyError::Fork`]; showing it takes the
//!    attestations, i.e. epoch records, of `N+1..=e`);
//! 4. the proof's `batch_hash` is the Poseidon commitment to the epoch's
//!    operations, and every epoch's roots, batch and report hashes are in
//!    the history, so anyone holding the published epoch files can replay
//!    from genesis and check every root; a user can show its account under a
//!    finalized root with an [`AccountProof`] ([`verify_account`]).
//!
//! 5. every epoch credited exactly the deposits its custodians attested (a
//!    quorum of the market's custodians signed the epoch's deposit log and
//!    total over the market hash; the prelude verified the signatures, the
//!    chain held the epoch's log and total to them), each with the next
//!    deposit id of the history (none twice, none skipped), and debited
//!    exactly the withdrawals of its withdrawal log; the statement's
//!    [`Transfers`] are that epoch's logs and totals, and every epoch's are in
//!    the history. So the accounts' total cash minus bad debt is the genesis
//!    total plus the attested deposits minus the logged withdrawals.
//!
//! Every withdrawal from a user account, every order and every cancel was
//! signed by the account owner's key over its terms and the account's
//! nonce (so none is used twice), and every trade filled two open orders of
//! its accounts within their sides, instruments, expiries, lots left and
//! limits.
//!
//! ## Time is the operator's; freshness is the client's
//! Each epoch's timestamp is a public input the operator picks (the
//! circuits only require that it never goes down). Order expiries and the
//! freshness of oracle reports are checked against that proven timestamp,
//! not against any real clock: an operator that freezes its clock keeps
//! expired orders fillable and old reports valid, and its proofs still
//! verify. A proof says nothing about how long ago its epoch was. Only the
//! client's own clock bounds that: pass [`Freshness::within`]`(now,
//! max_age)` to [`verify_proof`] or [`LightClient::advance`] and an epoch
//! stamped before `now - max_age` is [`VerifyError::StaleTimestamp`] (one
//! stamped more than [`DEFAULT_CLOCK_SKEW`] seconds after `now` is
//! [`VerifyError::FutureTimestamp`]). [`Freshness::Unchecked`] accepts any
//! timestamp and is for replaying history; every call names its choice.
//!
//! It does **not** guarantee that a user got the best fill (the operator
//! matches orders), nor that
//! the operator includes every operation it received, in the order received,
//! or keeps producing epochs (censorship, ordering within the rules and
//! liveness stay with the operator), nor that the oracles reported true
//! prices (only that a quorum of them signed what priced the epoch), nor
//! that the epoch is recent (below), nor that the custodians attested only
//! money they received (a quorum of dishonest custodians can credit
//! deposits from nowhere), nor that the custodian paid the logged
//! withdrawals.
//!
//! ## What a client must trust, and why
//! * **The verifier data** ([`Verifier`]): it decides which statements a
//!   proof can prove. The final circuit's data for the default parameters
//!   ships in this crate ([`Verifier::shipped`]), pinned like data received
//!   from elsewhere ([`Verifier::from_pinned_bytes`]) by the data digest of
//!   all its bytes ([`SHIPPED_FINAL_DATA_DIGEST`], checked before
//!   decoding; the circuit digest inside the data identifies the circuit
//!   but, stored in the same bytes, pins nothing).
//! * **The genesis root and the market** ([`Trusted`]): the market's terms
//!   digest and its oracle set, which hash to the market hash every proof
//!   carries, so the oracle keys are bound to the market.
//!
//! ## What is checked
//! [`verify_proof`] decodes the proof (exactly one canonical encoding of the
//! circuit's proof shape, so plonky2 never sees a malformed proof; a chain
//! proof's key slot must hold the chain circuit's key), checks the statement
//! against the trusted values, checks the epoch timestamp against the
//! caller's [`Freshness`], checks every attestation since the anchor
//! when the anchor is not genesis, or when given ([`check_history`]), and
//! finally runs plonky2's verifier. [`LightClient`]
//! keeps the anchor between proofs. Every failure is a [`VerifyError`]; the
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

pub mod account;
pub mod canonical;
mod client;
pub mod config;
pub mod domain;
mod error;
mod freshness;
mod guard;
pub mod hex;
pub mod history;
pub mod market;
pub mod public_inputs;
pub mod report;
pub mod transfers;
pub mod units;
mod verify;

pub use account::{verify_account, Account, AccountProof, AccountProofError, Position};
pub use client::LightClient;
pub use error::{AttestationFault, VerifyError};
pub use freshness::{Freshness, DEFAULT_CLOCK_SKEW};
pub use history::{extend_history, EpochRecord, EMPTY_HISTORY};
pub use market::OracleSet;
pub use public_inputs::{Digest, Layout, LayoutError, PublicInputs};
pub use report::{Attestation, AttestedReport};
pub use transfers::Transfers;
pub use verify::{
    check_history, key_len, verify_proof, Anchor, DecodedProof, Finalized, ProofKind, Trusted,
    Verifier, SHIPPED_CHAIN_DATA, SHIPPED_CHAIN_DATA_DIGEST, SHIPPED_CHAIN_DIGEST,
    SHIPPED_FINAL_DATA, SHIPPED_FINAL_DATA_DIGEST, SHIPPED_FINAL_DIGEST,
};
