//! The chunk circuit against the native engine: every epoch the ledger
//! accepts proves, chunk by chunk, with the ledger's roots and batch
//! commitment; witnesses that break one rule do not prove.
//!
//! Small parameters (tree depth 8, 4 steps per chunk) keep it fast; the
//! fixtures' markets are used with their tree depth lowered to 8.

#[path = "../support/mod.rs"]
mod support;

mod common;
mod custody;
mod deposit_withdraw_tamper;
mod differential;
mod forced;
mod liquidation_tamper;
mod report_tamper;
mod settlement_tamper;
mod trade_tamper;
