//! # zksettle-prover
//!
//! The operator's side of zksettle: the [`ledger`] that holds the account
//! tree and applies epochs by the rule book of `zksettle-circuits`, the
//! deterministic market [`sim`]ulator, and the `zksettle` command line
//! (`src/main.rs`, one module per subcommand under `cli/`).
//!
//! Later issues add the proving pipeline: chunking an epoch, proving chunks in
//! parallel, folding them by recursion and chaining epochs.
#![deny(missing_docs)]

pub mod assign;
pub mod io;
pub mod ledger;
pub mod sim;
