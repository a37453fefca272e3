//! Account leaves and inclusion proofs (`docs/design.md` section 4).
//!
//! A leaf is the Poseidon hash of `[ACCOUNT, owner[4], cash, flags, nonce,
//! (instrument, qty) x 8, (instrument, qty, limit, expiry) x 2]`: positions
//! sorted by instrument ascending, filled slots first, empty slots `(0, 0)`;
//! then the account's two open-order slots (an empty one all zero). The empty leaf is the hash of the
//! default account (zero owner, no cash, no positions). The global leaf,
//! `[GLOBAL, bad_debt, deposits]`, holds the venue's outstanding bad debt and
//! the number of custodian-attested deposits credited since genesis. Nodes are
//! `hash(left || right)`.
//!
//! The rule book (`zksettle-circuits`) uses this encoding for every leaf it
//! writes; a light client uses it to check an [`AccountProof`]: a user shows
//! its account under a finalized root ([`verify_account`]), which is what an
//! escape hatch needs.

use alloc::vec::Vec;

use plonky2::field::types::Field;
use plonky2::hash::hash_types::HashOut;
use plonky2::hash::poseidon::PoseidonHash;
use plonky2::plonk::config::Hasher;
use serde::{Deserialize, Serialize};

use crate::config::F;
use crate::hex::{digest_hex, serde_digest};
use crate::public_inputs::Digest;
use crate::units::{
    CASH_MAX, GLOBAL_LEAF, MAX_INSTRUMENTS, NONCE_MAX, N_SLOTS, ORDER_SLOTS, P_MAX, Q_MAX,
    TIMESTAMP_MAX,
};
use crate::{canonical, domain};

/// Flag bit 0: the account is under liquidation (withdrawals frozen).
pub const FLAG_UNDER_LIQUIDATION: u64 = 1;

/// Elements of an account leaf before hashing.
pub const ACCOUNT_LEAF_LEN: usize = 1 + 4 + 3 + 2 * N_SLOTS + ORDER_FIELDS * ORDER_SLOTS;

/// Elements of one open-order slot.
pub const ORDER_FIELDS: usize = 4;

/// Deepest account tree a proof may describe.
pub const MAX_TREE_DEPTH: usize = 32;

/// The all-zero digest (genesis batch hash, empty owner, empty history).
pub const ZERO_DIGEST: Digest = HashOut {
    elements: [F::ZERO; 4],
};

/// A position: signed lots of one instrument (never zero).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Position {
    /// Instrument id.
    pub instrument: u32,
    /// Signed lots, long positive.
    pub qty: i64,
}

/// An open order resting in one of an account's order slots: what is left
/// of a signed order (its instrument, remaining lots, limit and expiry).
/// The empty slot is all zero.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Order {
    /// Instrument id.
    pub instrument: u32,
    /// Lots still to fill, signed: positive to buy, negative to sell; 0
    /// for an empty slot.
    pub qty: i64,
    /// Limit price, micro-USD: the most a buy pays, the least a sell takes.
    pub limit: u64,
    /// The order fills only while the epoch time is below this (unix s).
    pub expiry: u64,
}

impl Order {
    /// Whether the slot holds an order (filled, cancelled or never used
    /// slots hold none).
    pub fn is_open(&self) -> bool {
        self.qty != 0
    }

    /// Whether the slot may take a new order at time `now`: it is empty,
    /// or its order has expired.
    pub fn is_free(&self, now: u64) -> bool {
        !self.is_open() || self.expiry <= now
    }

    /// The slot's elements in hashing order.
    pub fn to_fields(&self) -> [F; ORDER_FIELDS] {
        [
            canonical::unsigned(self.instrument.into()),
            canonical::signed(self.qty),
            canonical::unsigned(self.limit),
            canonical::unsigned(self.expiry),
        ]
    }

    /// Checks the slot's canonical form: empty slots all zero, an open
    /// order within `Q_MAX` lots, a listed instrument id, a limit at most
    /// `P_MAX` and an expiry at most `TIMESTAMP_MAX`.
    pub fn check_shape(&self) -> Result<(), AccountShapeError> {
        let fits = self.qty.abs() <= Q_MAX
            && (self.instrument as usize) < MAX_INSTRUMENTS
            && self.limit <= P_MAX
            && self.expiry <= TIMESTAMP_MAX;
        if !fits || (!self.is_open() && *self != Order::default()) {
            return Err(AccountShapeError::OrderSlot(*self));
        }
        Ok(())
    }
}

/// The first of `orders` that may take a new order at time `now` (see
/// [`Order::is_free`]), if any.
pub fn free_slot(orders: &[Order], now: u64) -> Option<usize> {
    orders.iter().position(|o| o.is_free(now))
}

fn no_orders(orders: &[Order; ORDER_SLOTS]) -> bool {
    orders.iter().all(|o| *o == Order::default())
}

/// One account: the contents of a leaf.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Account {
    /// Hash of the owner's key.
    #[serde(with = "serde_digest")]
    pub owner: Digest,
    /// Cash, micro-USD, in [0, 2^58].
    pub cash: u64,
    /// Flag bits; bit 0 is [`FLAG_UNDER_LIQUIDATION`].
    pub flags: u64,
    /// Withdrawals made so far, at most [`NONCE_MAX`]: the nonce the
    /// account's next withdrawal carries (0 when absent from JSON).
    #[serde(default)]
    pub nonce: u64,
    /// Positions sorted by instrument, at most 8, no zero quantity.
    pub positions: Vec<Position>,
    /// Open-order slots (absent from JSON when all are empty).
    #[serde(default, skip_serializing_if = "no_orders")]
    pub orders: [Order; ORDER_SLOTS],
}

/// Why a position change cannot be made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PositionError {
    /// |qty| would exceed Q_MAX.
    Limit(i64),
    /// A ninth instrument.
    TooMany,
}

/// Why an account is not in the canonical form every leaf has.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccountShapeError {
    /// Cash above [`CASH_MAX`].
    #[error("cash {0} is above the maximum {CASH_MAX}")]
    Cash(u64),
    /// A flag bit other than bit 0.
    #[error("flags {0} has unknown bits")]
    Flags(u64),
    /// A nonce above [`NONCE_MAX`].
    #[error("nonce {0} is above the maximum {NONCE_MAX}")]
    Nonce(u64),
    /// Flagged under liquidation without a position.
    #[error("an account without positions is never under liquidation")]
    FlaggedWithoutPositions,
    /// More than [`N_SLOTS`] positions.
    #[error("{0} positions, at most {N_SLOTS}")]
    TooManyPositions(usize),
    /// A position of zero lots or beyond [`Q_MAX`].
    #[error("position {qty} in instrument {instrument} is 0 or beyond {Q_MAX}")]
    Quantity {
        /// Instrument id.
        instrument: u32,
        /// The quantity.
        qty: i64,
    },
    /// Instruments not strictly ascending, or beyond the largest market.
    #[error(
        "positions must be ascending by instrument, one per instrument, below {MAX_INSTRUMENTS}"
    )]
    Order,
    /// An order slot out of bounds, or an empty one not all zero.
    #[error("order slot {0:?} is not canonical")]
    OrderSlot(Order),
}

impl Account {
    /// Whether the leaf is empty (the account was never created).
    pub fn is_empty(&self) -> bool {
        self.owner == ZERO_DIGEST
            && self.cash == 0
            && self.flags == 0
            && self.nonce == 0
            && self.positions.is_empty()
            && no_orders(&self.orders)
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
            Ok(at) => {
                if let Some(position) = self.positions.get_mut(at) {
                    position.qty = qty;
                }
            }
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

    /// Checks the canonical form every written leaf has: cash in
    /// `[0, 2^58]`, flags a single bit set only beside a position, nonce
    /// at most [`NONCE_MAX`], at most
    /// 8 positions, each nonzero within `Q_MAX`, strictly ascending by
    /// instrument.
    pub fn check_shape(&self) -> Result<(), AccountShapeError> {
        if self.cash > CASH_MAX {
            return Err(AccountShapeError::Cash(self.cash));
        }
        if self.flags & !FLAG_UNDER_LIQUIDATION != 0 {
            return Err(AccountShapeError::Flags(self.flags));
        }
        if self.under_liquidation() && self.positions.is_empty() {
            return Err(AccountShapeError::FlaggedWithoutPositions);
        }
        if self.nonce > NONCE_MAX {
            return Err(AccountShapeError::Nonce(self.nonce));
        }
        if self.positions.len() > N_SLOTS {
            return Err(AccountShapeError::TooManyPositions(self.positions.len()));
        }
        let mut previous: Option<u32> = None;
        for p in &self.positions {
            if p.qty == 0 || p.qty.abs() > Q_MAX {
                return Err(AccountShapeError::Quantity {
                    instrument: p.instrument,
                    qty: p.qty,
                });
            }
            if previous.is_some_and(|q| q >= p.instrument)
                || p.instrument as usize >= MAX_INSTRUMENTS
            {
                return Err(AccountShapeError::Order);
            }
            previous = Some(p.instrument);
        }
        for order in &self.orders {
            order.check_shape()?;
        }
        Ok(())
    }

    /// Leaf elements in hashing order (positions beyond 8 are not encoded:
    /// such an account has no leaf, see [`Self::check_shape`]).
    pub fn to_fields(&self) -> [F; ACCOUNT_LEAF_LEN] {
        let head = [canonical::unsigned(domain::ACCOUNT)]
            .into_iter()
            .chain(self.owner.elements)
            .chain([self.cash, self.flags, self.nonce].map(canonical::unsigned));
        let slots = self.positions.iter().take(N_SLOTS).flat_map(|p| {
            [
                canonical::unsigned(p.instrument.into()),
                canonical::signed(p.qty),
            ]
        });
        let mut out = [F::ZERO; ACCOUNT_LEAF_LEN];
        for (slot, value) in out.iter_mut().zip(head.chain(slots)) {
            *slot = value;
        }
        let orders = self.orders.iter().flat_map(Order::to_fields);
        for (slot, value) in out[ACCOUNT_LEAF_LEN - ORDER_FIELDS * ORDER_SLOTS..]
            .iter_mut()
            .zip(orders)
        {
            *slot = value;
        }
        out
    }

    /// The leaf hash.
    pub fn leaf_hash(&self) -> Digest {
        PoseidonHash::hash_no_pad(&self.to_fields())
    }
}

/// Leaf hash of the global leaf holding the outstanding `bad_debt` and the
/// number of custodian deposits credited since genesis (`deposits`: the id
/// the next deposit must carry).
pub fn global_leaf_hash(bad_debt: u64, deposits: u64) -> Digest {
    PoseidonHash::hash_no_pad(&[
        canonical::unsigned(domain::GLOBAL),
        canonical::unsigned(bad_debt),
        canonical::unsigned(deposits),
    ])
}

/// Hash of two digests (Merkle node): `hash(left || right)`.
pub fn hash_pair(left: &Digest, right: &Digest) -> Digest {
    let mut both = [F::ZERO; 8];
    for (slot, element) in both
        .iter_mut()
        .zip(left.elements.iter().chain(&right.elements))
    {
        *slot = *element;
    }
    PoseidonHash::hash_no_pad(&both)
}

/// Root reached from a leaf at `index` with its siblings, bottom-up.
pub fn root_from_path(leaf: Digest, index: u64, siblings: &[Digest]) -> Digest {
    siblings
        .iter()
        .enumerate()
        .fold(leaf, |node, (height, sibling)| {
            if (index >> height) & 1 == 0 {
                hash_pair(&node, sibling)
            } else {
                hash_pair(sibling, &node)
            }
        })
}

/// An account and its Merkle path under a root (`zksettle account-proof`
/// writes it as JSON).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountProof {
    /// The root the path leads to.
    #[serde(with = "serde_digest")]
    pub root: Digest,
    /// Leaf index of the account.
    pub index: u64,
    /// The account at that leaf (the empty account if none was created).
    pub account: Account,
    /// Hash of `account`'s leaf.
    #[serde(with = "serde_digest")]
    pub leaf_hash: Digest,
    /// Siblings bottom-up: one per level of the tree.
    #[serde(with = "crate::hex::serde_digests")]
    pub siblings: Vec<Digest>,
}

/// Why an account proof is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccountProofError {
    /// The proof is not valid JSON of the expected shape.
    #[error("malformed account proof: {0}")]
    Malformed(alloc::string::String),
    /// The proof is of another root than the one trusted.
    #[error("the proof is under root {proof_root}, the trusted root is {trusted_root}")]
    AnotherRoot {
        /// The root the proof names.
        proof_root: alloc::string::String,
        /// The root the caller trusts.
        trusted_root: alloc::string::String,
    },
    /// The path has not one sibling per level of the market's tree: a
    /// shorter path would show an inner node as a leaf, a longer one a leaf
    /// of another tree.
    #[error("the path has {siblings} siblings, the market's tree has depth {tree_depth}")]
    WrongDepth {
        /// Siblings in the proof.
        siblings: usize,
        /// The market's tree depth (one sibling per level).
        tree_depth: u32,
    },
    /// The path has no levels or more than [`MAX_TREE_DEPTH`], or the index
    /// is beyond the tree it describes.
    #[error("leaf {index} is not a leaf of a tree of depth {depth}")]
    IndexBeyondTree {
        /// The index.
        index: u64,
        /// Levels of the path.
        depth: usize,
    },
    /// Index 2 is the global leaf, not an account.
    #[error("leaf 2 is the global leaf, not an account")]
    GlobalLeaf,
    /// The account is not in the canonical form every leaf has.
    #[error("the account is not a leaf: {0}")]
    NotCanonical(AccountShapeError),
    /// The stated leaf hash is not the account's.
    #[error("the account hashes to {actual}, the proof states leaf {stated}")]
    LeafHashMismatch {
        /// The account's leaf hash.
        actual: alloc::string::String,
        /// The leaf hash the proof states.
        stated: alloc::string::String,
    },
    /// The path from the leaf does not reach the root.
    #[error("the path from leaf {index} reaches {reached}, not the root {root}")]
    NotUnderRoot {
        /// The index.
        index: u64,
        /// The root the path reaches.
        reached: alloc::string::String,
        /// The trusted root.
        root: alloc::string::String,
    },
}

impl AccountProof {
    /// Decodes an account proof from JSON.
    pub fn from_json(bytes: &[u8]) -> Result<Self, AccountProofError> {
        serde_json::from_slice(bytes)
            .map_err(|e| AccountProofError::Malformed(alloc::format!("{e}")))
    }
}

/// Checks that `proof` shows its account at its index under `root` (a root
/// the caller finalized, e.g. with [`crate::LightClient`]) in the account
/// tree of a market of depth `tree_depth` (the market's `tree_depth`, part
/// of its terms: the tree holds `2^tree_depth` leaves), and returns the
/// account: its owner, cash, flags and positions in that state. A path of
/// another length is [`AccountProofError::WrongDepth`].
pub fn verify_account(
    root: &Digest,
    tree_depth: u32,
    proof: &AccountProof,
) -> Result<Account, AccountProofError> {
    if &proof.root != root {
        return Err(AccountProofError::AnotherRoot {
            proof_root: digest_hex(&proof.root),
            trusted_root: digest_hex(root),
        });
    }
    let depth = proof.siblings.len();
    if u32::try_from(depth).ok() != Some(tree_depth) {
        return Err(AccountProofError::WrongDepth {
            siblings: depth,
            tree_depth,
        });
    }
    if depth == 0 || depth > MAX_TREE_DEPTH || proof.index >> depth != 0 {
        return Err(AccountProofError::IndexBeyondTree {
            index: proof.index,
            depth,
        });
    }
    if proof.index == u64::from(GLOBAL_LEAF) {
        return Err(AccountProofError::GlobalLeaf);
    }
    proof
        .account
        .check_shape()
        .map_err(AccountProofError::NotCanonical)?;
    let leaf = proof.account.leaf_hash();
    if leaf != proof.leaf_hash {
        return Err(AccountProofError::LeafHashMismatch {
            actual: digest_hex(&leaf),
            stated: digest_hex(&proof.leaf_hash),
        });
    }
    let reached = root_from_path(leaf, proof.index, &proof.siblings);
    if &reached != root {
        return Err(AccountProofError::NotUnderRoot {
            index: proof.index,
            reached: digest_hex(&reached),
            root: digest_hex(root),
        });
    }
    Ok(proof.account.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    fn owner() -> Digest {
        PoseidonHash::hash_no_pad(&[F::ONE])
    }

    fn account() -> Account {
        Account {
            owner: owner(),
            cash: 5_000,
            flags: 0,
            nonce: 2,
            positions: vec![
                Position {
                    instrument: 2,
                    qty: -3,
                },
                Position {
                    instrument: 7,
                    qty: 4,
                },
            ],
            orders: [
                Order::default(),
                Order {
                    instrument: 7,
                    qty: -2,
                    limit: 1_000_000,
                    expiry: 1_700_000_000,
                },
            ],
        }
    }

    /// A depth-4 tree holding `account()` at leaf 5 and another at leaf 3.
    fn proof() -> AccountProof {
        let empty = Account::default().leaf_hash();
        let other = Account {
            owner: owner(),
            cash: 1,
            ..Account::default()
        }
        .leaf_hash();
        let mut leaves = vec![empty; 16];
        leaves[5] = account().leaf_hash();
        leaves[3] = other;
        let mut siblings = Vec::new();
        let mut level = leaves;
        let mut index = 5usize;
        while level.len() > 1 {
            siblings.push(level[index ^ 1]);
            level = level
                .chunks(2)
                .map(|pair| hash_pair(&pair[0], &pair[1]))
                .collect();
            index /= 2;
        }
        AccountProof {
            root: level[0],
            index: 5,
            account: account(),
            leaf_hash: account().leaf_hash(),
            siblings,
        }
    }

    #[test]
    fn an_account_is_shown_under_its_root() {
        let p = proof();
        assert_eq!(verify_account(&p.root, 4, &p), Ok(account()));
        let json = serde_json::to_vec(&p).unwrap();
        assert_eq!(AccountProof::from_json(&json), Ok(p));
    }

    #[test]
    fn each_tampering_has_its_own_error() {
        let good = proof();
        let check = |edit: &dyn Fn(&mut AccountProof)| {
            let mut p = good.clone();
            edit(&mut p);
            verify_account(&good.root, 4, &p).unwrap_err()
        };
        assert!(matches!(
            check(&|p| p.account.cash += 1),
            AccountProofError::LeafHashMismatch { .. }
        ));
        assert!(matches!(
            check(&|p| p.siblings[2] = owner()),
            AccountProofError::NotUnderRoot { index: 5, .. }
        ));
        assert!(matches!(
            check(&|p| p.index = 4),
            AccountProofError::NotUnderRoot { index: 4, .. }
        ));
        assert!(matches!(
            check(&|p| {
                p.account.cash += 1;
                p.leaf_hash = p.account.leaf_hash();
            }),
            AccountProofError::NotUnderRoot { .. }
        ));
        assert!(matches!(
            check(&|p| p.root = owner()),
            AccountProofError::AnotherRoot { .. }
        ));
        assert!(matches!(
            check(&|p| p.index = 16),
            AccountProofError::IndexBeyondTree {
                index: 16,
                depth: 4
            }
        ));
        assert!(matches!(
            check(&|p| p.siblings.clear()),
            AccountProofError::WrongDepth {
                siblings: 0,
                tree_depth: 4
            }
        ));
        assert!(matches!(
            check(&|p| p.index = 2),
            AccountProofError::GlobalLeaf
        ));
        assert!(matches!(
            check(&|p| p.account.positions.swap(0, 1)),
            AccountProofError::NotCanonical(AccountShapeError::Order)
        ));
        assert!(matches!(
            check(&|p| p.account.flags = 1 << 3),
            AccountProofError::NotCanonical(AccountShapeError::Flags(8))
        ));
    }

    #[test]
    fn a_path_shorter_or_longer_than_the_market_tree_depth_is_refused() {
        let good = proof();
        // The node above leaf 5 reaches the same root with the upper three
        // siblings, as node 2 of a depth-3 tree: no leaf of the market's.
        let inner = hash_pair(&good.siblings[0], &good.leaf_hash);
        let mut short = good.clone();
        short.siblings.remove(0);
        short.index = 2;
        assert_eq!(root_from_path(inner, 2, &short.siblings), good.root);
        let mut long = good.clone();
        long.siblings.push(owner());
        for (p, tree_depth) in [(&short, 4), (&long, 4), (&good, 3), (&good, 5), (&good, 32)] {
            assert_eq!(
                verify_account(&good.root, tree_depth, p),
                Err(AccountProofError::WrongDepth {
                    siblings: p.siblings.len(),
                    tree_depth
                })
            );
        }
    }

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
    fn an_order_slot_is_hashed_and_shaped() {
        let a = account();
        let mut moved = a.clone();
        moved.orders[1].limit += 100;
        assert_ne!(a.leaf_hash(), moved.leaf_hash(), "the limit is in the leaf");
        assert_eq!(a.check_shape(), Ok(()));
        let mut stale = a.clone();
        stale.orders[0].limit = 5;
        assert!(
            matches!(stale.check_shape(), Err(AccountShapeError::OrderSlot(_))),
            "an empty slot is all zero"
        );
        let mut huge = a.clone();
        huge.orders[1].qty = Q_MAX + 1;
        assert!(huge.check_shape().is_err(), "beyond Q_MAX");
        let json = serde_json::to_string(&Account::default()).unwrap_or_default();
        assert!(
            !json.contains("orders"),
            "empty slots are not written: {json}"
        );
    }

    #[test]
    fn empty_leaf_differs_from_global_leaf_and_from_a_funded_account() {
        let empty = Account::default().leaf_hash();
        assert_ne!(empty, global_leaf_hash(0, 0));
        let funded = Account {
            cash: 1,
            ..Account::default()
        };
        assert_ne!(empty, funded.leaf_hash());
    }
}
