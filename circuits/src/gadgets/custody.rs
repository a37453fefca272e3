//! Custody in the circuit (mirrors `rules/custody.rs`): the running deposit
//! and withdrawal logs the steps extend, and the custodians' deposit report
//! the prelude verifies.
//!
//! A step extends a log only when its operation is enabled: the new log is
//! `Poseidon([tag, log[4], fields[7]])` (2 rows: 12 inputs), selected over
//! the old one, and the total grows by the amount, kept below 2^62 (each
//! amount is below 2^58, so a total below 2^62 plus an amount cannot wrap
//! modulo p: the range check after each addition is exact).
//!
//! The prelude takes the report's log and total, and `custodian_quorum`
//! (custodian index, signature) pairs: indices strictly ascending and below
//! the custodian count (so distinct custodians of the market), each
//! signature verified under the indexed key over
//! `[DEPOSIT_REPORT, market_hash, log, total]`. When the total is zero (an
//! epoch without deposits) the log must be the empty one and every slot
//! instead verifies under the filler key 1 G over the all-zero message,
//! which authorizes nothing: the empty log and the total of zero are what
//! the chain then holds the epoch's deposits to.

use plonky2::field::types::Field;
use plonky2::hash::hash_types::HashOutTarget;
use plonky2::iop::target::{BoolTarget, Target};
use plonky2::iop::witness::WitnessWrite;

use super::ecgfp5::field::Gfp5Target;
use super::ecgfp5::schnorr::{set_signature, SchnorrGadget, SignatureTarget};
use super::encoding::EncodingGadget;
use super::fixed::FixedGadget;
use super::market::MarketTarget;
use super::Builder;
use crate::config::F;
use crate::rules::authorization::filler_key;
use crate::rules::custody::{
    filler_report_signature, DepositReport, Transfers, REPORT_MESSAGE_LEN, TRANSFERS_LEN,
};
use crate::rules::encoding::unsigned;
use zksettle_verifier::domain::{DEPOSIT_LOG, DEPOSIT_REPORT, WITHDRAWAL_LOG};

/// Bits every running total stays below.
pub const TOTAL_BITS: usize = 62;

/// The running logs and totals ([`Transfers`]) as targets.
#[derive(Clone, Copy, Debug)]
pub struct TransfersTarget {
    /// Deposit log.
    pub deposit_log: HashOutTarget,
    /// Deposit total.
    pub deposited: Target,
    /// Withdrawal log.
    pub withdrawal_log: HashOutTarget,
    /// Withdrawal total.
    pub withdrawn: Target,
}

impl TransfersTarget {
    /// From the statement's elements (the order of [`Transfers::to_fields`]).
    pub fn from_targets(t: [Target; TRANSFERS_LEN]) -> Self {
        Self {
            deposit_log: HashOutTarget {
                elements: [t[0], t[1], t[2], t[3]],
            },
            deposited: t[4],
            withdrawal_log: HashOutTarget {
                elements: [t[5], t[6], t[7], t[8]],
            },
            withdrawn: t[9],
        }
    }

    /// The statement's elements.
    pub fn targets(&self) -> [Target; TRANSFERS_LEN] {
        let d = self.deposit_log.elements;
        let w = self.withdrawal_log.elements;
        [
            d[0],
            d[1],
            d[2],
            d[3],
            self.deposited,
            w[0],
            w[1],
            w[2],
            w[3],
            self.withdrawn,
        ]
    }
}

/// The deposit report in the prelude.
#[derive(Clone, Debug)]
pub struct DepositReportTarget {
    /// The attested deposit log.
    pub deposit_log: HashOutTarget,
    /// The attested total.
    pub deposited: Target,
    /// Per quorum slot: the custodian index and its signature.
    pub signatures: Vec<(Target, SignatureTarget)>,
}

impl DepositReportTarget {
    /// The statement's `deposit_report[5]`.
    pub fn targets(&self) -> [Target; 5] {
        let d = self.deposit_log.elements;
        [d[0], d[1], d[2], d[3], self.deposited]
    }
}

/// Custody gadgets.
pub trait CustodyGadget {
    /// `enabled =>` the deposit (`fields = [account, amount, owner[4], id]`,
    /// the deposit item after its tag) extends the deposit log and total.
    /// Cost: about 3 rows.
    fn credit_deposit(
        &mut self,
        enabled: BoolTarget,
        transfers: &TransfersTarget,
        fields: [Target; 7],
        amount: Target,
    ) -> TransfersTarget;

    /// `enabled =>` the withdrawal (`fields = [account, amount, nonce,
    /// owner[4]]`) extends the withdrawal log and total. Cost: about 3 rows.
    fn debit_withdrawal(
        &mut self,
        enabled: BoolTarget,
        transfers: &TransfersTarget,
        fields: [Target; 7],
        amount: Target,
    ) -> TransfersTarget;

    /// The custodians' deposit report, verified against `market` (see the
    /// module documentation). Cost: `custodian_quorum` signature
    /// verifications (313 rows each) and a few rows.
    fn add_deposit_report(&mut self, market: &MarketTarget) -> DepositReportTarget;
}

/// `enabled =>` one entry `fields` (under `domain`) extends `log`, and
/// `amount` its `total`; returns both after.
fn extend(
    builder: &mut Builder,
    enabled: BoolTarget,
    domain: u64,
    (log, total): (HashOutTarget, Target),
    fields: [Target; 7],
    amount: Target,
) -> (HashOutTarget, Target) {
    let mut input = vec![builder.constant(unsigned(domain))];
    input.extend(log.elements);
    input.extend(fields);
    let next = builder.hash(input);
    let log = HashOutTarget {
        elements: std::array::from_fn(|k| {
            builder.select(enabled, next.elements[k], log.elements[k])
        }),
    };
    let total = builder.mul_add(enabled.target, amount, total);
    builder.assert_unsigned_bits(total, TOTAL_BITS);
    (log, total)
}

impl CustodyGadget for Builder {
    fn credit_deposit(
        &mut self,
        enabled: BoolTarget,
        transfers: &TransfersTarget,
        fields: [Target; 7],
        amount: Target,
    ) -> TransfersTarget {
        let deposits = (transfers.deposit_log, transfers.deposited);
        let (deposit_log, deposited) = extend(self, enabled, DEPOSIT_LOG, deposits, fields, amount);
        TransfersTarget {
            deposit_log,
            deposited,
            ..*transfers
        }
    }

    fn debit_withdrawal(
        &mut self,
        enabled: BoolTarget,
        transfers: &TransfersTarget,
        fields: [Target; 7],
        amount: Target,
    ) -> TransfersTarget {
        let withdrawals = (transfers.withdrawal_log, transfers.withdrawn);
        let (withdrawal_log, withdrawn) =
            extend(self, enabled, WITHDRAWAL_LOG, withdrawals, fields, amount);
        TransfersTarget {
            withdrawal_log,
            withdrawn,
            ..*transfers
        }
    }

    fn add_deposit_report(&mut self, market: &MarketTarget) -> DepositReportTarget {
        let shape = market.shape;
        let deposit_log = self.add_virtual_hash();
        let deposited = self.add_virtual_target();
        self.assert_unsigned_bits(deposited, TOTAL_BITS);
        let zero = self.zero();
        let none = self.is_equal(deposited, zero);
        let attested = self.not(none);
        // Nothing attested: the log is the empty one, so the statement has
        // one form (the chain would refuse any other log anyway: a zero
        // total credits no deposit).
        for &element in &deposit_log.elements {
            let stray = self.mul(none.target, element);
            self.assert_zero(stray);
        }
        // The message, or all zeros (the filler's) when nothing is attested.
        let mut message = vec![self.constant(unsigned(DEPOSIT_REPORT))];
        message.extend(market.hash.elements);
        message.extend(deposit_log.elements);
        message.push(deposited);
        debug_assert_eq!(message.len(), REPORT_MESSAGE_LEN);
        let message: Vec<Target> = message
            .into_iter()
            .map(|m| self.mul(attested.target, m))
            .collect();
        let filler = filler_key().public_key().encoding();
        let last = self.constant(F::from_canonical_usize(shape.custodians - 1));
        let mut previous: Option<Target> = None;
        let signatures = (0..shape.custodian_quorum)
            .map(|_| {
                let custodian = self.add_virtual_target();
                // Strictly ascending and within the set: distinct custodians
                // of the market.
                self.assert_unsigned_bits(custodian, 8);
                self.assert_le(custodian, last, 8);
                if let Some(p) = previous {
                    let next = self.add_const(p, F::ONE);
                    self.assert_le(next, custodian, 8);
                }
                previous = Some(custodian);
                let key = Gfp5Target(std::array::from_fn(|j| {
                    let column = market.custodian_keys.iter().map(|k| k.0[j]).collect();
                    let custodian_key = self.random_access(custodian, column);
                    let filler = self.constant(F::from_canonical_u64(filler[j]));
                    self.select(attested, custodian_key, filler)
                }));
                let signature = self.add_virtual_signature();
                self.verify_schnorr(key, &message, &signature);
                (custodian, signature)
            })
            .collect();
        DepositReportTarget {
            deposit_log,
            deposited,
            signatures,
        }
    }
}

/// Assigns the deposit report of an epoch (`None`: an epoch without
/// deposits, the filler in every slot).
pub fn set_deposit_report<W: WitnessWrite<F> + ?Sized>(
    witness: &mut W,
    target: &DepositReportTarget,
    report: Option<&DepositReport>,
) -> anyhow::Result<()> {
    match report {
        Some(report) => {
            anyhow::ensure!(
                report.signatures.len() == target.signatures.len(),
                "{} custodian signatures, the circuit takes a quorum of {}",
                report.signatures.len(),
                target.signatures.len()
            );
            witness.set_hash_target(target.deposit_log, report.deposit_log)?;
            witness.set_target(target.deposited, unsigned(report.deposited))?;
            for ((custodian, signature), s) in target.signatures.iter().zip(&report.signatures) {
                witness.set_target(*custodian, F::from_canonical_u32(s.custodian))?;
                set_signature(witness, signature, &s.signature)?;
            }
        }
        None => {
            let none = Transfers::NONE;
            witness.set_hash_target(target.deposit_log, none.deposit_log)?;
            witness.set_target(target.deposited, F::ZERO)?;
            for (k, (custodian, signature)) in target.signatures.iter().enumerate() {
                witness.set_target(*custodian, F::from_canonical_usize(k))?;
                set_signature(witness, signature, filler_report_signature())?;
            }
        }
    }
    Ok(())
}
