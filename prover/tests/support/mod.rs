//! Test support shared by the test binaries that build witnesses directly,
//! bypassing the ledger and `assign`: the account tree as the chunk's
//! steps write it ([`tree`]), a batch item's leaf writes computed with none
//! of the rules ([`unchecked`]), and the adversarial harness with its replay
//! property ([`adversary`]).
#![allow(dead_code)]

pub mod adversary;
pub mod scenario;
pub mod tree;
pub mod unchecked;
