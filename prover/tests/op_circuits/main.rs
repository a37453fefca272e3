//! Operation gadgets against the native rules: every operation the ledger
//! accepts proves with the ledger's roots, and a witness breaking any one
//! rule of the operation cannot be proven.

mod deposit;
mod harness;
mod settle_expiry;
mod trade;
mod withdraw;
