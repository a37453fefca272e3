//! Domain tags: the first element of every hashed encoding, so no two kinds
//! of object ever hash the same elements (`docs/design.md` section 4.5). One list, so a
//! tag is never reused.

/// An account leaf.
pub const ACCOUNT: u64 = 1;
/// The global leaf (outstanding bad debt).
pub const GLOBAL: u64 = 2;
/// The market hash: market terms and oracle set combined.
pub const MARKET: u64 = 3;
/// An oracle report.
pub const REPORT: u64 = 4;
/// The market's terms (everything but the oracle set).
pub const MARKET_TERMS: u64 = 5;
/// The oracle set: keys and quorum.
pub const ORACLE_SET: u64 = 6;
/// One epoch's record in the history.
pub const EPOCH_RECORD: u64 = 7;
/// One step of the history accumulator.
pub const HISTORY: u64 = 8;
/// The epoch's price sheet: median prices and risk arrays, as every chunk
/// of the epoch uses them.
pub const PRICE_SHEET: u64 = 9;
/// The challenge of an ECgFp5 Schnorr signature: the public key, the
/// commitment R and the message (`rules::ecgfp5::schnorr`).
pub const SCHNORR_CHALLENGE: u64 = 10;
/// The deterministic nonce of an ECgFp5 Schnorr signature: the secret key
/// and the message, never hashed into anything public.
pub const SCHNORR_NONCE: u64 = 11;
/// An account's owner: the hash of its holder's ECgFp5 public key
/// (`rules::authorization::owner_of`).
pub const OWNER: u64 = 12;
/// The message a user signs to withdraw (`rules::authorization`).
pub const WITHDRAWAL: u64 = 13;
/// One item of a chunk's queue of user signatures (the steps' and the
/// signature desk's running digests, `gadgets::authorization`).
pub const SIGNATURE_QUEUE: u64 = 14;
/// The message a user signs to place an order (`rules::authorization`).
pub const ORDER: u64 = 15;
/// The message a user signs to cancel an order (`rules::authorization`).
pub const CANCEL: u64 = 16;
/// One deposit in an epoch's deposit log (`verifier::transfers`).
pub const DEPOSIT_LOG: u64 = 17;
/// One withdrawal in an epoch's withdrawal log (`verifier::transfers`).
pub const WITHDRAWAL_LOG: u64 = 18;
/// The message custodians sign over an epoch's deposit log and total
/// (`rules::custody`).
pub const DEPOSIT_REPORT: u64 = 19;
