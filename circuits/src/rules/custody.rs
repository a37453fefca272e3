//! Custody: money enters the venue only on its custodians' word, and leaves
//! it only as proven withdrawals.
//!
//! The market names its **custodians** (ECgFp5 public keys, with a quorum;
//! part of the market's terms, so of the market hash). The custodians hold
//! the venue's money and keep a deposit log: every deposit they receive gets
//! the next **deposit id** (0, 1, 2, ... over the whole history). An epoch
//! that credits deposits carries a **deposit report**: the epoch's deposit
//! log and total ([`Transfers`]), signed by a quorum of distinct custodians,
//! ascending by custodian index, over
//! `[DEPOSIT_REPORT, market_hash[4], deposit_log[4], deposited]`
//! ([`report_message`]). The epoch is valid only if its deposits, in order,
//! hash to exactly that log and add up to exactly that total, and each
//! deposit's id is the next of the history (the global leaf counts the
//! deposits credited so far): so every credited deposit is one the
//! custodians received, none is credited twice, none is skipped.
//!
//! Why one report per epoch rather than one signature per deposit: a
//! Schnorr verification costs 313 rows. A report costs the prelude
//! `quorum x 313` rows once per epoch, and a deposit step 2 rows to extend
//! the log; a signature per deposit would cost a desk slot per deposit and
//! custodian. It is also how venues that settle on a chain consume
//! deposits: the proof consumes a contiguous run of the custodian's deposit
//! queue, identified by its rolling hash.
//!
//! An epoch without deposits carries no report; its prelude then verifies
//! the desk's filler signature (the public key 1 G, whose secret everyone
//! knows) over the all-zero message, which authorizes nothing: the epoch's
//! deposit total must then be zero.

use std::sync::OnceLock;

use plonky2::field::types::Field;
use serde::{Deserialize, Serialize};

use super::authorization::filler_key;
use super::ecgfp5::{PublicKey, SecretKey, Signature};
use super::encoding::{unsigned, Digest};
use super::epoch::Epoch;
use super::market::Market;
use super::ops::Operation;
use super::oracle::seeded_key;
use crate::config::F;
use zksettle_verifier::domain::DEPOSIT_REPORT;
pub use zksettle_verifier::transfers::{Transfers, TRANSFERS_LEN};

/// Every epoch's deposit total and withdrawal total stay below 2^62 (the
/// circuit's range on its running totals, `gadgets::custody`).
pub const TRANSFER_TOTAL_LIMIT: u64 = 1 << 62;

/// Largest number of custodians a market may name.
pub const MAX_CUSTODIANS: usize = 8;

/// Elements of the message custodians sign: tag, market hash, deposit log,
/// deposit total.
pub const REPORT_MESSAGE_LEN: usize = 10;

/// The message custodians sign.
pub type ReportMessage = [F; REPORT_MESSAGE_LEN];

/// The market's custodians.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustodianSet {
    /// ECgFp5 Schnorr public keys by custodian index, canonical encodings
    /// (five coefficients below p, z^0 first), as `zksettle keygen` prints
    /// them.
    #[serde(with = "zksettle_verifier::canonical::serde_keys")]
    pub keys: Vec<[u64; 5]>,
    /// Signatures from distinct custodians a deposit report needs.
    pub quorum: u32,
}

impl CustodianSet {
    /// `count` custodians with keys [`custodian_key_from_seed`] of `seed`
    /// (simulations and tests) and a quorum.
    pub fn seeded(seed: u64, count: u32, quorum: u32) -> Self {
        Self {
            keys: (0..count)
                .map(|i| custodian_key_from_seed(seed, i).public_key().encoding())
                .collect(),
            quorum,
        }
    }

    /// The signers of a deposit report: the first `quorum` custodians of a
    /// [`Self::seeded`] set (simulations and tests).
    pub fn seeded_signers(seed: u64, quorum: u32) -> Vec<(u32, SecretKey)> {
        (0..quorum)
            .map(|i| (i, custodian_key_from_seed(seed, i)))
            .collect()
    }

    /// Field encoding inside the market's terms: the count, the keys, the
    /// quorum.
    pub fn to_fields(&self) -> Vec<F> {
        let mut out = vec![unsigned(self.keys.len() as u64)];
        for key in &self.keys {
            out.extend(key.iter().map(|&w| unsigned(w)));
        }
        out.push(unsigned(self.quorum.into()));
        out
    }
}

/// One custodian's signature of a deposit report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustodianSignature {
    /// Index of the custodian in the market's custodian set.
    pub custodian: u32,
    /// Its Schnorr signature over [`report_message`], `0x` hex.
    pub signature: Signature,
}

/// The custodians' attestation of an epoch's deposits.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DepositReport {
    /// Hash chain of the epoch's deposits, in order
    /// ([`Transfers::deposit`] from zero).
    #[serde(with = "super::encoding::serde_digest")]
    pub deposit_log: Digest,
    /// Their total, micro-USD.
    pub deposited: u64,
    /// A quorum of distinct custodians' signatures, ascending by custodian.
    pub signatures: Vec<CustodianSignature>,
}

/// Why a deposit report does not attest an epoch's deposits.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DepositReportViolation {
    /// Not exactly the quorum of signatures.
    #[error("deposit report carries {signatures} custodian signatures, the quorum is {quorum}")]
    WrongQuorum {
        /// Signatures found.
        signatures: usize,
        /// The market's custodian quorum.
        quorum: usize,
    },
    /// A custodian index outside the market's set.
    #[error("deposit report signature {index} names custodian {custodian}, the market has {set}")]
    UnknownCustodian {
        /// Position of the signature.
        index: usize,
        /// Custodian named.
        custodian: u32,
        /// Custodians in the market.
        set: usize,
    },
    /// Custodians not strictly ascending (one signed twice, or out of order).
    #[error("deposit report signature {index} (custodian {custodian}) does not follow the previous custodian: one signature per custodian, ascending")]
    NotAscending {
        /// Position of the signature.
        index: usize,
        /// Custodian named.
        custodian: u32,
    },
    /// A signature that does not verify under its custodian's key.
    #[error("custodian {custodian}'s signature of the deposit report does not verify")]
    BadSignature {
        /// Custodian named.
        custodian: u32,
    },
    /// A report over no deposits (an epoch without deposits carries none).
    #[error("deposit report attests no deposits: an epoch without deposits carries none")]
    Empty,
    /// The epoch's deposits are not the attested ones.
    #[error("the epoch's deposits hash to {credited_log} totalling {credited}, the custodians attested {attested_log} totalling {attested}")]
    Mismatch {
        /// The attested log, hex.
        attested_log: String,
        /// The attested total.
        attested: u64,
        /// The log of the epoch's deposits, hex.
        credited_log: String,
        /// Their total.
        credited: u64,
    },
}

/// What custodians sign for a deposit log and total to the market with hash
/// `market` (tag first, as every signed message; the market hash makes a
/// report signed for one deployment worthless on another).
pub fn report_message(market: &Digest, deposit_log: &Digest, deposited: u64) -> ReportMessage {
    let mut out = [F::ZERO; REPORT_MESSAGE_LEN];
    out[0] = unsigned(DEPOSIT_REPORT);
    out[1..5].copy_from_slice(&market.elements);
    out[5..9].copy_from_slice(&deposit_log.elements);
    out[9] = unsigned(deposited);
    out
}

/// The signature an epoch without deposits gives each custodian slot of its
/// prelude: the filler key's over the all-zero message (tag 0, which no
/// object signs, so it authorizes nothing).
pub fn filler_report_signature() -> &'static Signature {
    static FILLER: OnceLock<Signature> = OnceLock::new();
    FILLER.get_or_init(|| filler_key().sign(&[F::ZERO; REPORT_MESSAGE_LEN]))
}

impl DepositReport {
    /// The report of `transfers`' deposits signed by `signers` (custodian
    /// index and key, ascending by index).
    pub fn sign(market: &Market, transfers: &Transfers, signers: &[(u32, SecretKey)]) -> Self {
        let msg = report_message(&market.hash(), &transfers.deposit_log, transfers.deposited);
        Self {
            deposit_log: transfers.deposit_log,
            deposited: transfers.deposited,
            signatures: signers
                .iter()
                .map(|(custodian, key)| CustodianSignature {
                    custodian: *custodian,
                    signature: key.sign(&msg),
                })
                .collect(),
        }
    }

    /// The report's own checks (the prelude's, rule for rule): exactly the
    /// quorum of signatures, custodians of the set strictly ascending, every
    /// signature valid under its custodian's key over the report's message,
    /// and a nonzero total.
    pub fn check(&self, market: &Market) -> Result<(), DepositReportViolation> {
        let set = &market.custodians;
        let quorum = set.quorum as usize;
        if self.signatures.len() != quorum {
            return Err(DepositReportViolation::WrongQuorum {
                signatures: self.signatures.len(),
                quorum,
            });
        }
        if self.deposited == 0 {
            return Err(DepositReportViolation::Empty);
        }
        let msg = report_message(&market.hash(), &self.deposit_log, self.deposited);
        let mut previous: Option<u32> = None;
        for (index, s) in self.signatures.iter().enumerate() {
            let custodian = s.custodian;
            let Some(key) = set.keys.get(custodian as usize) else {
                return Err(DepositReportViolation::UnknownCustodian {
                    index,
                    custodian,
                    set: set.keys.len(),
                });
            };
            if previous.is_some_and(|p| p >= custodian) {
                return Err(DepositReportViolation::NotAscending { index, custodian });
            }
            previous = Some(custodian);
            let valid = PublicKey::from_encoding(*key)
                .map(|k| k.verify(&msg, &s.signature))
                .unwrap_or(false);
            if !valid {
                return Err(DepositReportViolation::BadSignature { custodian });
            }
        }
        Ok(())
    }

    /// Whether the report attests exactly the deposits of `transfers`.
    pub fn covers(&self, transfers: &Transfers) -> Result<(), DepositReportViolation> {
        if self.deposit_log == transfers.deposit_log && self.deposited == transfers.deposited {
            return Ok(());
        }
        Err(DepositReportViolation::Mismatch {
            attested_log: super::encoding::digest_hex(&self.deposit_log),
            attested: self.deposited,
            credited_log: super::encoding::digest_hex(&transfers.deposit_log),
            credited: transfers.deposited,
        })
    }
}

/// The deposit log and total of `ops` (their deposits, in order).
pub fn deposits_of(ops: &[Operation]) -> Transfers {
    ops.iter().fold(Transfers::NONE, |t, op| match op {
        Operation::Deposit(d) => t.deposit(d.account, &d.owner, d.amount, d.id),
        _ => t,
    })
}

/// Signs `epoch`'s deposit report with `signers` (custodian index and key,
/// ascending), or leaves it without one when it has no deposit (sequencers,
/// simulations and tests: a real report comes from the custodians).
pub fn attest(epoch: &mut Epoch, market: &Market, signers: &[(u32, SecretKey)]) {
    let deposits = deposits_of(&epoch.ops);
    epoch.deposit_report =
        (deposits.deposited > 0).then(|| DepositReport::sign(market, &deposits, signers));
}

/// A deterministic custodian signing key derived from a seed (simulations
/// and tests only; real custodians generate their own keys).
pub fn custodian_key_from_seed(seed: u64, index: u32) -> SecretKey {
    seeded_key(&[
        unsigned(0x637573746f6479),
        unsigned(seed),
        unsigned(index.into()),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_filler_signature_verifies_over_zeros_only() {
        let filler = filler_key().public_key();
        assert!(filler.verify(&[F::ZERO; REPORT_MESSAGE_LEN], filler_report_signature()));
        let mut msg = [F::ZERO; REPORT_MESSAGE_LEN];
        msg[0] = unsigned(DEPOSIT_REPORT);
        assert!(!filler.verify(&msg, filler_report_signature()));
    }
}
