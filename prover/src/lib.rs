//! # zksettle-prover
//!
//! The operator's side of zksettle: the [`ledger`] that holds the account
//! tree and applies epochs by the rule book of `zksettle-circuits`, the
//! deterministic market [`sim`]ulator, and the `zksettle` command line
//! (`src/main.rs`, one module per subcommand under `cli/`). A venue keeps
//! its ledger in a [`ledger::store`] (one redb file): an epoch is applied
//! and committed touching only its accounts and their paths, so a kill at
//! any point leaves the previous epoch or the new one (docs/ledger.md).
//!
//! The [`pipeline`] proves an applied epoch: chunk witnesses from
//! [`assign`], chunks proven in parallel, folded by recursion into one epoch
//! proof, and chained onto the previous epoch's proof. Built circuit sets
//! are kept on disk by [`circuit_cache`].
//!
//! With the `cluster` feature, the same stages run as pure tasks over a
//! content-addressed `store` (a directory or S3), scheduled by the
//! `cluster` module's Temporal workflow on any number of `zksettle worker`s
//! (`docs/cluster.md`).
#![deny(missing_docs)]

pub mod assign;
pub mod circuit_cache;
#[cfg(feature = "cluster")]
pub mod cluster;
pub mod export;
pub mod io;
pub mod ledger;
pub mod pipeline;
pub mod rows;
pub mod sim;
#[cfg(feature = "cluster")]
pub mod store;
