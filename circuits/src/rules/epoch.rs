//! The files of `docs/design.md` section 13: an epoch (`epoch-NNNN.json`) and a state
//! snapshot (`state-NNNN.json`), with the checks that make a snapshot a valid
//! starting point.

use serde::{Deserialize, Serialize};

use super::account::{Account, Order, Position};
use super::encoding::{Digest, ZERO_DIGEST};
use super::market::Market;
use super::ops::Operation;
use super::oracle::Report;
use super::units::{
    is_system_index, BAD_DEBT_MAX, EPOCH_MAX, FEE_ACCOUNT, GLOBAL_LEAF, INSURANCE_FUND,
    ORDER_SLOTS, TIMESTAMP_MAX,
};

/// One settlement epoch as the sequencer ordered it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Epoch {
    /// Epoch number; follows the state's by one.
    pub epoch: u64,
    /// Epoch time, unix seconds; not before the state's.
    pub timestamp: u64,
    /// Root of the state the epoch applies to.
    #[serde(with = "super::encoding::serde_digest")]
    pub prev_root: Digest,
    /// The quorum's oracle reports, ascending by oracle.
    pub reports: Vec<Report>,
    /// Operations, applied in order.
    pub ops: Vec<Operation>,
    /// The custodians' attestation of the epoch's deposits; absent when it
    /// has none (`rules::custody`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deposit_report: Option<super::custody::DepositReport>,
}

/// One account of a state snapshot.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountEntry {
    /// Leaf index.
    pub index: u32,
    /// Owner key hash.
    #[serde(with = "super::encoding::serde_digest")]
    pub owner: Digest,
    /// Cash, micro-USD.
    pub cash: u64,
    /// Flag bits.
    pub flags: u64,
    /// Signed operations (withdrawals, orders, cancels) made so far (0
    /// when absent).
    #[serde(default)]
    pub nonce: u64,
    /// Positions, ascending by instrument.
    pub positions: Vec<Position>,
    /// Open-order slots (absent when all are empty).
    #[serde(default, skip_serializing_if = "no_orders")]
    pub orders: [Order; ORDER_SLOTS],
}

fn no_orders(orders: &[Order; ORDER_SLOTS]) -> bool {
    orders.iter().all(|o| *o == Order::default())
}

/// A state snapshot: only non-empty accounts are listed, ascending by index.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StateFile {
    /// Last applied epoch (0 for genesis).
    pub epoch: u64,
    /// Time of the last applied epoch.
    pub timestamp: u64,
    /// Outstanding bad debt, micro-USD.
    pub bad_debt: u64,
    /// Custodian deposits credited since genesis: the id the next deposit
    /// carries (0 when absent).
    #[serde(default)]
    pub deposits: u64,
    /// Non-empty accounts.
    pub accounts: Vec<AccountEntry>,
}

/// Why a state snapshot is invalid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StateError {
    /// An account entry breaks a bound.
    #[error("account {index}: {problem}")]
    Account {
        /// Leaf index.
        index: u32,
        /// What is wrong.
        problem: String,
    },
    /// Bad debt beyond its bound.
    #[error("bad_debt {0} is beyond its bound")]
    BadDebt(u64),
    /// An epoch number or timestamp beyond its bound.
    #[error("{field} {value} is beyond its bound {bound}")]
    OutOfRange {
        /// `epoch` or `timestamp`.
        field: &'static str,
        /// The value.
        value: u64,
        /// Its bound.
        bound: u64,
    },
}

impl AccountEntry {
    /// The account of this entry, checked against the market.
    pub fn to_account(
        &self,
        market: &Market,
        previous_index: Option<u32>,
    ) -> Result<Account, StateError> {
        let fail = |problem: String| StateError::Account {
            index: self.index,
            problem,
        };
        if previous_index.is_some_and(|p| p >= self.index) {
            return Err(fail(
                "accounts must be listed once each, ascending by index".into(),
            ));
        }
        if u64::from(self.index) >= market.capacity() {
            return Err(fail(format!(
                "index is beyond the tree's {} leaves",
                market.capacity()
            )));
        }
        if self.index == GLOBAL_LEAF {
            return Err(fail("index 2 is the global leaf, not an account".into()));
        }
        let open_orders = self.orders.iter().filter(|o| o.is_open());
        for instrument in self
            .positions
            .iter()
            .map(|p| p.instrument)
            .chain(open_orders.map(|o| o.instrument))
        {
            if market.instrument(instrument).is_none() {
                return Err(fail(format!("instrument {instrument} is not listed")));
            }
        }
        let account = Account {
            owner: self.owner,
            cash: self.cash,
            flags: self.flags,
            nonce: self.nonce,
            positions: self.positions.clone(),
            orders: self.orders,
        };
        account.check_shape().map_err(|e| fail(e.to_string()))?;
        if is_system_index(self.index) {
            if self.owner != market.venue_owner {
                return Err(fail("system accounts are owned by the venue_owner".into()));
            }
            if !self.positions.is_empty()
                || self.flags != 0
                || self.nonce != 0
                || !no_orders(&self.orders)
            {
                return Err(fail(
                    "system accounts hold no positions or orders, are never flagged and count no nonce"
                        .into(),
                ));
            }
        } else if account.is_empty() {
            return Err(fail("empty accounts are not listed".into()));
        } else if self.owner == ZERO_DIGEST {
            return Err(fail("user accounts have a nonzero owner".into()));
        }
        Ok(account)
    }

    /// The entry of an account.
    pub fn from_account(index: u32, account: &Account) -> Self {
        Self {
            index,
            owner: account.owner,
            cash: account.cash,
            flags: account.flags,
            nonce: account.nonce,
            positions: account.positions.clone(),
            orders: account.orders,
        }
    }
}

impl StateFile {
    /// Checks the snapshot and returns its accounts, ascending by index. The
    /// venue's accounts (insurance fund, fee account) exist in every state:
    /// one the snapshot does not list is the venue's, with no cash.
    pub fn accounts(&self, market: &Market) -> Result<Vec<(u32, Account)>, StateError> {
        if self.bad_debt > BAD_DEBT_MAX {
            return Err(StateError::BadDebt(self.bad_debt));
        }
        for (field, value, bound) in [
            ("epoch", self.epoch, EPOCH_MAX),
            ("timestamp", self.timestamp, TIMESTAMP_MAX),
        ] {
            if value > bound {
                return Err(StateError::OutOfRange {
                    field,
                    value,
                    bound,
                });
            }
        }
        let mut previous = None;
        let mut out = Vec::with_capacity(self.accounts.len() + 2);
        for entry in &self.accounts {
            out.push((entry.index, entry.to_account(market, previous)?));
            previous = Some(entry.index);
        }
        for system in [FEE_ACCOUNT, INSURANCE_FUND] {
            if !out.iter().any(|(index, _)| *index == system) {
                let venue = Account {
                    owner: market.venue_owner,
                    ..Account::default()
                };
                out.insert(0, (system, venue));
            }
        }
        out.sort_by_key(|(index, _)| *index);
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::F;
    use crate::gadgets::testing::market;
    use crate::rules::account::FLAG_UNDER_LIQUIDATION;
    use crate::rules::encoding::hash;
    use plonky2::field::types::Field;

    fn entry(index: u32, owner: Digest, flags: u64, positions: Vec<Position>) -> AccountEntry {
        AccountEntry {
            index,
            owner,
            cash: 10,
            flags,
            nonce: 0,
            positions,
            orders: Default::default(),
        }
    }

    fn state(accounts: Vec<AccountEntry>) -> StateFile {
        StateFile {
            epoch: 0,
            timestamp: 1,
            bad_debt: 0,
            deposits: 0,
            accounts,
        }
    }

    #[test]
    fn nonces_are_bounded_and_system_accounts_count_none() {
        use crate::rules::units::NONCE_MAX;
        let market = market();
        let at_most = AccountEntry {
            nonce: NONCE_MAX,
            ..entry(3, hash(&[F::TWO]), 0, vec![])
        };
        assert_eq!(at_most.to_account(&market, None).unwrap().nonce, NONCE_MAX);
        let beyond = AccountEntry {
            nonce: NONCE_MAX + 1,
            ..at_most.clone()
        };
        assert!(beyond.to_account(&market, None).is_err());
        let fee_account = AccountEntry {
            nonce: 1,
            ..entry(1, market.venue_owner, 0, vec![])
        };
        assert!(fee_account.to_account(&market, None).is_err());
    }

    #[test]
    fn the_venues_accounts_exist_listed_or_not() {
        let market = market();
        let user = entry(3, hash(&[F::TWO]), 0, vec![]);
        let accounts = state(vec![user.clone()]).accounts(&market).unwrap();
        let indices: Vec<u32> = accounts.iter().map(|(i, _)| *i).collect();
        assert_eq!(indices, [0, 1, 3]);
        for (index, account) in &accounts[..2] {
            assert_eq!(account.owner, market.venue_owner, "leaf {index}");
            assert_eq!(account.cash, 0);
        }
        let listed = state(vec![
            AccountEntry {
                cash: 0,
                ..entry(0, market.venue_owner, 0, vec![])
            },
            user,
        ]);
        assert_eq!(listed.accounts(&market).unwrap(), accounts);
    }

    #[test]
    fn invalid_snapshots_are_refused() {
        let market = market();
        let refused = |accounts: Vec<AccountEntry>| state(accounts).accounts(&market).is_err();
        let position = Position {
            instrument: 0,
            qty: 1,
        };
        assert!(
            refused(vec![entry(0, hash(&[F::TWO]), 0, vec![])]),
            "another owner of the fund"
        );
        assert!(
            refused(vec![entry(1, market.venue_owner, 0, vec![position])]),
            "fees with a position"
        );
        assert!(
            refused(vec![entry(
                3,
                hash(&[F::TWO]),
                FLAG_UNDER_LIQUIDATION,
                vec![]
            )]),
            "flagged without positions"
        );
        assert!(!refused(vec![entry(
            3,
            hash(&[F::TWO]),
            FLAG_UNDER_LIQUIDATION,
            vec![position]
        )]));
        let late = StateFile {
            timestamp: crate::rules::units::TIMESTAMP_MAX + 1,
            ..state(vec![])
        };
        assert!(late.accounts(&market).is_err(), "a timestamp beyond 2^40");
    }
}
