//! Accounts: the leaves of the account tree (DESIGN section 4).
//!
//! A leaf is the Poseidon hash of `[DOMAIN_ACCOUNT, owner[4], cash, flags,
//! (instrument, qty) x 8]`: positions sorted by instrument ascending, filled
//! slots first, empty slots `(0, 0)`. The empty leaf is the hash of the
//! default account (zero owner, no cash, no positions). The global leaf holds
//! the venue's outstanding bad debt.

use serde::{Deserialize, Serialize};

use super::encoding::{hash, signed, unsigned, Digest, DOMAIN_ACCOUNT, DOMAIN_GLOBAL, ZERO_DIGEST};
use super::units::{N_SLOTS, Q_MAX};
use crate::config::F;

/// Flag bit 0: the account is under liquidation (withdrawals frozen).
pub const FLAG_UNDER_LIQUIDATION: u64 = 1;

/// Elements of an account leaf before hashing.
pub const ACCOUNT_LEAF_LEN: usize = 1 + 4 + 2 + 2 * N_SLOTS;

/// A position: signed lots of one instrument (never zero).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Position {
    /// Instrument id.
    pub instrument: u32,
    /// Signed lots, long positive.
    pub qty: i64,
}

/// One account.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Account {
    /// Hash of the owner's key (room for in-circuit order authorization).
    pub owner: Digest,
    /// Cash, micro-USD, in [0, 2^58].
    pub cash: u64,
    /// Flag bits; bit 0 is [`FLAG_UNDER_LIQUIDATION`].
    pub flags: u64,
    /// Positions sorted by instrument, at most 8, no zero quantity.
    pub positions: Vec<Position>,
}

/// Why a position change cannot be made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PositionError {
    /// |qty| would exceed Q_MAX.
    Limit(i64),
    /// A ninth instrument.
    TooMany,
}

impl Account {
    /// Whether the leaf is empty (the account was never created).
    pub fn is_empty(&self) -> bool {
        self.owner == ZERO_DIGEST && self.cash == 0 && self.flags == 0 && self.positions.is_empty()
    }

    /// Whether an account exists at this leaf (it has an owner).
    pub fn exists(&self) -> bool {
        self.owner != ZERO_DIGEST
    }

    /// Whether the account is under liquidation.
    pub fn under_liquidation(&self) -> bool {
        self.flags & FLAG_UNDER_LIQUIDATION != 0
    }

    /// Sets or clears the under-liquidation flag.
    pub fn set_under_liquidation(&mut self, on: bool) {
        if on {
            self.flags |= FLAG_UNDER_LIQUIDATION;
        } else {
            self.flags &= !FLAG_UNDER_LIQUIDATION;
        }
    }

    /// Signed lots held in an instrument (0 if none).
    pub fn qty(&self, instrument: u32) -> i64 {
        self.positions
            .iter()
            .find(|p| p.instrument == instrument)
            .map_or(0, |p| p.qty)
    }

    /// Sets the position in an instrument to `qty`, keeping slots sorted and
    /// dropping a position that reaches zero.
    pub fn set_qty(&mut self, instrument: u32, qty: i64) -> Result<(), PositionError> {
        if qty.abs() > Q_MAX {
            return Err(PositionError::Limit(qty));
        }
        match self
            .positions
            .binary_search_by_key(&instrument, |p| p.instrument)
        {
            Ok(at) if qty == 0 => {
                self.positions.remove(at);
            }
            Ok(at) => self.positions[at].qty = qty,
            Err(_) if qty == 0 => {}
            Err(at) => {
                if self.positions.len() == N_SLOTS {
                    return Err(PositionError::TooMany);
                }
                self.positions.insert(at, Position { instrument, qty });
            }
        }
        Ok(())
    }

    /// Leaf elements in hashing order.
    pub fn to_fields(&self) -> [F; ACCOUNT_LEAF_LEN] {
        let mut out = [F::default(); ACCOUNT_LEAF_LEN];
        out[0] = unsigned(DOMAIN_ACCOUNT);
        out[1..5].copy_from_slice(&self.owner.elements);
        out[5] = unsigned(self.cash);
        out[6] = unsigned(self.flags);
        for (slot, position) in out[7..].chunks_exact_mut(2).zip(&self.positions) {
            slot[0] = unsigned(position.instrument.into());
            slot[1] = signed(position.qty);
        }
        out
    }

    /// The leaf hash.
    pub fn leaf_hash(&self) -> Digest {
        hash(&self.to_fields())
    }
}

/// Leaf hash of the global leaf holding `bad_debt`.
pub fn global_leaf_hash(bad_debt: u64) -> Digest {
    hash(&[unsigned(DOMAIN_GLOBAL), unsigned(bad_debt)])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_stay_sorted_and_zero_positions_vanish() {
        let mut account = Account::default();
        account.set_qty(5, 3).unwrap();
        account.set_qty(2, -1).unwrap();
        account.set_qty(9, 4).unwrap();
        assert_eq!(
            account
                .positions
                .iter()
                .map(|p| p.instrument)
                .collect::<Vec<_>>(),
            [2, 5, 9]
        );
        account.set_qty(5, 0).unwrap();
        assert_eq!(account.qty(5), 0);
        assert_eq!(account.positions.len(), 2);
    }

    #[test]
    fn ninth_instrument_and_q_max_plus_one_are_refused() {
        let mut account = Account::default();
        for instrument in 0..8 {
            account.set_qty(instrument, 1).unwrap();
        }
        assert_eq!(account.set_qty(8, 1), Err(PositionError::TooMany));
        assert_eq!(account.set_qty(0, Q_MAX), Ok(()));
        assert_eq!(
            account.set_qty(0, -Q_MAX - 1),
            Err(PositionError::Limit(-Q_MAX - 1))
        );
    }

    #[test]
    fn empty_leaf_differs_from_global_leaf_and_from_a_funded_account() {
        let empty = Account::default().leaf_hash();
        assert_ne!(empty, global_leaf_hash(0));
        let funded = Account {
            cash: 1,
            ..Account::default()
        };
        assert_ne!(empty, funded.leaf_hash());
    }
}
