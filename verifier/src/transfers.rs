//! The money an epoch moved across the venue's boundary: its deposit log and
//! withdrawal log, with their totals.
//!
//! Both logs are Poseidon hash chains that start from zero in every epoch:
//! * a deposit `{account, owner, amount, id}` extends the deposit log to
//!   `Poseidon([DEPOSIT_LOG, log[4], account, amount, owner[4], id])`;
//! * a withdrawal of `amount` from `account` (owner `owner`, nonce `nonce`)
//!   extends the withdrawal log to
//!   `Poseidon([WITHDRAWAL_LOG, log[4], account, amount, nonce, owner[4]])`.
//!
//! A chain proof states the epoch's [`Transfers`] and records them in the
//! history. The circuits check that the deposit log and total are exactly
//! the ones the market's custodians signed (a quorum-signed deposit report,
//! verified in the epoch's prelude), and that every deposit's id is the next
//! one of the whole history (the global leaf counts them), so no custodian
//! receipt is credited twice or skipped. The withdrawal log lists exactly
//! the withdrawals the proof debited, in order, with the owner key hash the
//! custodian pays: a custodian that recomputes both logs from its own
//! records and the epoch's operations knows it pays exactly the proven
//! withdrawals and that the proof credited exactly its deposits.

use alloc::vec::Vec;

use plonky2::field::types::PrimeField64;
use plonky2::hash::poseidon::PoseidonHash;
use plonky2::plonk::config::Hasher;
use serde::{Deserialize, Serialize};

use crate::account::ZERO_DIGEST;
use crate::canonical::unsigned;
use crate::config::F;
use crate::domain;
use crate::hex::serde_digest;
use crate::public_inputs::Digest;

/// Field elements of [`Transfers`].
pub const TRANSFERS_LEN: usize = 10;

/// An epoch's deposit and withdrawal logs and totals (micro-USD).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Transfers {
    /// Hash chain of the deposits credited, in order.
    #[serde(with = "serde_digest")]
    pub deposit_log: Digest,
    /// Sum of the deposits credited.
    pub deposited: u64,
    /// Hash chain of the withdrawals debited, in order.
    #[serde(with = "serde_digest")]
    pub withdrawal_log: Digest,
    /// Sum of the withdrawals debited.
    pub withdrawn: u64,
}

impl Default for Transfers {
    fn default() -> Self {
        Self::NONE
    }
}

impl Transfers {
    /// An epoch that moved no money in or out.
    pub const NONE: Transfers = Transfers {
        deposit_log: ZERO_DIGEST,
        deposited: 0,
        withdrawal_log: ZERO_DIGEST,
        withdrawn: 0,
    };

    /// After crediting deposit `id` of `amount` to `account` for `owner`.
    pub fn deposit(&self, account: u32, owner: &Digest, amount: u64, id: u64) -> Self {
        let mut fields = Vec::with_capacity(12);
        fields.push(unsigned(domain::DEPOSIT_LOG));
        fields.extend(self.deposit_log.elements);
        fields.extend([unsigned(account.into()), unsigned(amount)]);
        fields.extend(owner.elements);
        fields.push(unsigned(id));
        Self {
            deposit_log: PoseidonHash::hash_no_pad(&fields),
            deposited: self.deposited + amount,
            ..*self
        }
    }

    /// After debiting a withdrawal of `amount` from `account` (owned by
    /// `owner`, the key hash the custodian pays) at withdrawal nonce `nonce`.
    pub fn withdrawal(&self, account: u32, owner: &Digest, amount: u64, nonce: u64) -> Self {
        let mut fields = Vec::with_capacity(12);
        fields.push(unsigned(domain::WITHDRAWAL_LOG));
        fields.extend(self.withdrawal_log.elements);
        fields.extend([account.into(), amount, nonce].map(unsigned));
        fields.extend(owner.elements);
        Self {
            withdrawal_log: PoseidonHash::hash_no_pad(&fields),
            withdrawn: self.withdrawn + amount,
            ..*self
        }
    }

    /// The field encoding: `deposit_log[4], deposited, withdrawal_log[4],
    /// withdrawn`.
    pub fn to_fields(&self) -> [F; TRANSFERS_LEN] {
        let mut out = [F::default(); TRANSFERS_LEN];
        out[..4].copy_from_slice(&self.deposit_log.elements);
        out[4] = unsigned(self.deposited);
        out[5..9].copy_from_slice(&self.withdrawal_log.elements);
        out[9] = unsigned(self.withdrawn);
        out
    }

    /// The inverse of [`Self::to_fields`] (`None` on a short slice).
    pub fn from_fields(fields: &[F]) -> Option<Self> {
        let f: &[F; TRANSFERS_LEN] = fields.get(..TRANSFERS_LEN)?.try_into().ok()?;
        let [d0, d1, d2, d3, deposited, w0, w1, w2, w3, withdrawn] = *f;
        Some(Self {
            deposit_log: Digest {
                elements: [d0, d1, d2, d3],
            },
            deposited: deposited.to_canonical_u64(),
            withdrawal_log: Digest {
                elements: [w0, w1, w2, w3],
            },
            withdrawn: withdrawn.to_canonical_u64(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logs_bind_every_field_and_the_order() {
        let owner = Digest {
            elements: [1, 2, 3, 4].map(unsigned),
        };
        let one = Transfers::NONE.deposit(3, &owner, 10, 0);
        assert_eq!(one.deposited, 10);
        assert_ne!(one.deposit_log, ZERO_DIGEST);
        assert_ne!(one, Transfers::NONE.deposit(3, &owner, 10, 1));
        assert_ne!(one, Transfers::NONE.deposit(4, &owner, 10, 0));
        let ab = one.deposit(4, &owner, 5, 1);
        let ba = Transfers::NONE
            .deposit(4, &owner, 5, 1)
            .deposit(3, &owner, 10, 0);
        assert_ne!(ab.deposit_log, ba.deposit_log);
        let w = Transfers::NONE.withdrawal(3, &owner, 10, 0);
        assert_eq!(w.deposit_log, ZERO_DIGEST);
        assert_ne!(w.withdrawal_log, one.deposit_log);
        assert_eq!(Transfers::from_fields(&ab.to_fields()), Some(ab));
    }
}
