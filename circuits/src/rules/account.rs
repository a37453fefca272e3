//! Accounts: the leaves of the account tree (`docs/design.md` section 4).
//!
//! The leaf format is part of the contract with light clients (who check
//! account proofs against it), so `zksettle-verifier` owns it: a leaf is
//! the Poseidon hash of `[DOMAIN_ACCOUNT, owner[4], cash, flags, nonce,
//! (instrument, qty) x 8, (instrument, qty, limit, expiry) x 2]`:
//! positions sorted by instrument, empty slots `(0, 0)`, then the two
//! open-order slots (`rules::ops::place_order`), an empty one all zero. The
//! empty leaf is the hash of the default account; the global leaf holds the
//! venue's outstanding bad debt. This module re-exports it.

pub use zksettle_verifier::account::{
    free_slot, global_leaf_hash, Account, AccountShapeError, Order, Position, PositionError,
    ACCOUNT_LEAF_LEN, FLAG_UNDER_LIQUIDATION, ORDER_FIELDS,
};
