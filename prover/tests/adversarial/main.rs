//! The prover is the adversary: witnesses built directly (any batch items,
//! any leaf values, bypassing the ledger and `assign`), and the replay
//! property (a batch that proves as an epoch replays natively to the same
//! root, batch hash and operation count). Small parameters: tree depth 8,
//! 4 steps per chunk; satisfiability is decided by the constraint check
//! that agrees with the prover (`zksettle_circuits::check`), and the
//! attempts that it accepts are proven for real where a test says so.
//!
//! * `exploits`: the settlement holes of the soundness review, built as the
//!   operator would, and variants; none proves.
//! * `consent`: a liquidation by an account that is not the venue's
//!   liquidation account, a deposit naming the owner of the key 1 G;
//!   neither proves.
//! * `custody`: deposit reports without a quorum of the market's
//!   custodians, deposits with a reused or skipped id, deposits other than
//!   the attested ones; none proves.
//! * `signatures`: signed withdrawals with another key, no signature,
//!   another amount's or nonce's signature, or the owner's signature for
//!   another market; none proves.
//! * `registers`: every settlement register, the root and the batch
//!   commitment carried across a chunk border, each set wrong.
//! * `orders`: fills, orders and cancels the rule book refuses (overfill,
//!   worse price, expired, cancelled, wrong side or slot, unsigned,
//!   replayed), and order slots written other than computed; none proves.
//! * `mutations`: valid batches mutated (a field of one item, swapped,
//!   dropped or duplicated items, interleaved settlements, another
//!   instrument for a later holder, another tag, a written leaf value,
//!   chunks reordered at a fold), proptest-style, each checked against the
//!   replay property.

#[path = "../support/mod.rs"]
mod support;

mod common;
mod consent;
mod custody;
mod exploits;
mod hints;
mod mutations;
mod oracle_quorum;
mod orders;
mod registers;
mod signatures;
mod system;
