//! Oracle reports, their checks, and the median prices an epoch settles at
//! (`docs/design.md` section 5).
//!
//! An epoch carries exactly `quorum` reports from distinct oracles, in
//! ascending oracle order. Each report is bounded on its own; the epoch uses
//! the median of each price across the reports, which lies within the honest
//! range when fewer than half of the reports lie.

use serde::{Deserialize, Serialize};

use zksettle_verifier::AttestedReport;

use super::ecgfp5::{PublicKey, Scalar, SecretKey, Signature};
use super::encoding::{hash, unsigned, Digest, DOMAIN_REPORT};
use super::error::{EpochError, ReportViolation};
use super::fixed::on_tick;
use super::market::{Market, OptionKind};
use super::units::{BPS, P_MAX};
use crate::config::F;
use plonky2::field::types::PrimeField64;

/// Settlement price of one underlying at one expiry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SettlementPrice {
    /// Underlying id.
    pub underlying: u32,
    /// Expiry, unix seconds (an expiry of a listed instrument on that underlying).
    pub expiry: u64,
    /// Settlement price X, micro-USD per underlying.
    pub price: u64,
}

/// One oracle's signed report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Report {
    /// Index of the oracle in the market's oracle set.
    pub oracle: u32,
    /// Observation time, unix seconds.
    pub timestamp: u64,
    /// Spot per underlying.
    pub spot: Vec<u64>,
    /// Mark price per instrument.
    pub mark: Vec<u64>,
    /// Time-value factor per instrument, bps of strike.
    pub kappa_bps: Vec<u64>,
    /// Settlement prices of expiries that have passed, ascending by (underlying, expiry).
    pub settlement: Vec<SettlementPrice>,
    /// The oracle's ECgFp5 Schnorr signature over the report hash (the
    /// message [`signed_message`]), `0x` hex.
    pub signature: Signature,
}

/// Median prices of an epoch's reports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Prices {
    /// Spot per underlying.
    pub spot: Vec<u64>,
    /// Mark per instrument.
    pub mark: Vec<u64>,
    /// Time-value factor per instrument, bps.
    pub kappa_bps: Vec<u64>,
    /// Settlement price per instrument, if its expiry has a settlement price.
    pub settlement: Vec<Option<u64>>,
}

impl Report {
    /// Settlement price of each instrument as reported (0 where none is
    /// listed). For a report whose list is canonical (see
    /// [`Report::canonical`]) this is exactly its canonical encoding.
    pub fn settlement_per_instrument(&self, market: &Market) -> Vec<u64> {
        market
            .instruments
            .iter()
            .map(|i| {
                self.settlement
                    .iter()
                    .find(|s| s.underlying == i.underlying && s.expiry == i.expiry)
                    .map_or(0, |s| s.price)
            })
            .collect()
    }

    /// The report as the circuit hashes it and a light client checks it:
    /// settlement prices per instrument (the verifier crate owns the
    /// encoding). Meaningful for a report [`Report::canonical`] accepts.
    pub fn attested(&self, market: &Market) -> AttestedReport {
        AttestedReport {
            oracle: self.oracle,
            timestamp: self.timestamp,
            spot: self.spot.clone(),
            mark: self.mark.clone(),
            kappa_bps: self.kappa_bps.clone(),
            settlement_by_instrument: self.settlement_per_instrument(market),
        }
    }

    /// The canonical form of the report, which is what oracles sign, the
    /// circuit proves and a light client checks. A report whose JSON has no
    /// canonical form is refused: price lists of the wrong length, a
    /// settlement list that is not strictly ascending by (underlying,
    /// expiry), names an expiry no instrument has, or lists a price of 0
    /// (which the canonical form reads as "no price").
    pub fn canonical(&self, market: &Market) -> Result<AttestedReport, ReportViolation> {
        for (field, actual, expected) in [
            ("spot", self.spot.len(), market.underlyings.len()),
            ("mark", self.mark.len(), market.instruments.len()),
            ("kappa_bps", self.kappa_bps.len(), market.instruments.len()),
        ] {
            if actual != expected {
                return Err(ReportViolation::WrongLength {
                    field,
                    actual,
                    expected,
                });
            }
        }
        let mut previous: Option<(u32, u64)> = None;
        for s in &self.settlement {
            let key_of = (s.underlying, s.expiry);
            if previous.is_some_and(|p| p >= key_of) {
                return Err(ReportViolation::SettlementNotAscending {
                    underlying: s.underlying,
                    expiry: s.expiry,
                });
            }
            previous = Some(key_of);
            if !market
                .instruments
                .iter()
                .any(|i| i.underlying == s.underlying && i.expiry == s.expiry)
            {
                return Err(ReportViolation::UnknownExpiry {
                    underlying: s.underlying,
                    expiry: s.expiry,
                });
            }
            if s.price == 0 {
                return Err(ReportViolation::SettlementOutOfRange {
                    underlying: s.underlying,
                    expiry: s.expiry,
                    price: s.price,
                });
            }
        }
        Ok(self.attested(market))
    }

    /// Field encoding hashed into the report hash ([`AttestedReport::to_fields`]).
    pub fn to_fields(&self, market: &Market) -> Vec<F> {
        self.attested(market).to_fields()
    }

    /// Poseidon hash of [`Report::to_fields`]: the public input and the signed message.
    pub fn hash(&self, market: &Market) -> Digest {
        self.attested(market).hash()
    }

    /// Signs the report with an oracle key (simulator and tests).
    pub fn sign(&mut self, market: &Market, key: &SecretKey) {
        self.signature = key.sign(&signed_message(&market.hash(), &self.hash(market)));
    }

    /// Checks the report on its own against the market at epoch time `now`:
    /// its canonical form ([`Report::canonical`]), the rule of
    /// [`check_report`] on it, and the oracle's signature over its hash.
    pub fn check(&self, market: &Market, now: u64) -> Result<(), ReportViolation> {
        let report = self.canonical(market)?;
        check_report(&report, market, now)?;
        let key = market.oracles.keys.get(self.oracle as usize).ok_or(
            ReportViolation::UnknownOracle {
                oracle: self.oracle,
            },
        )?;
        let key = PublicKey::from_encoding(*key).map_err(|_| ReportViolation::BadSignature)?;
        if key.verify(
            &signed_message(&market.hash(), &report.hash()),
            &self.signature,
        ) {
            Ok(())
        } else {
            Err(ReportViolation::BadSignature)
        }
    }
}

/// What an oracle signs for a report with hash `hash` to the market with
/// hash `market`: the report's domain tag, the market hash, then the report
/// hash (every signed message starts with its object's tag, so no two kinds
/// of object sign the same elements; the market hash makes a report signed
/// for one deployment worthless on another).
pub fn signed_message(market: &Digest, hash: &Digest) -> [F; 9] {
    let [m0, m1, m2, m3] = market.elements;
    let [h0, h1, h2, h3] = hash.elements;
    [unsigned(DOMAIN_REPORT), m0, m1, m2, m3, h0, h1, h2, h3]
}

/// The bounds of one report in its canonical form against the market at
/// epoch time `now` (the circuit's `check_report`, rule for rule): oracle in
/// the set; not from the future, not older than `max_report_age`;
/// `0 < S <= P_MAX` on the tick; marks on the tick and at most spot (calls)
/// or strike (puts); `kappa_floor <= kappa <= 10^4`; settlement prices 0 or
/// on the tick in `(0, P_MAX]`, only for instruments expired by `now`, and
/// one price per (underlying, expiry): every instrument's is its settlement
/// leader's.
pub fn check_report(
    report: &AttestedReport,
    market: &Market,
    now: u64,
) -> Result<(), ReportViolation> {
    if report.oracle as usize >= market.oracles.keys.len() {
        return Err(ReportViolation::UnknownOracle {
            oracle: report.oracle,
        });
    }
    for (field, actual, expected) in [
        ("spot", report.spot.len(), market.underlyings.len()),
        ("mark", report.mark.len(), market.instruments.len()),
        (
            "kappa_bps",
            report.kappa_bps.len(),
            market.instruments.len(),
        ),
        (
            "settlement",
            report.settlement_by_instrument.len(),
            market.instruments.len(),
        ),
    ] {
        if actual != expected {
            return Err(ReportViolation::WrongLength {
                field,
                actual,
                expected,
            });
        }
    }
    if report.timestamp > now {
        return Err(ReportViolation::FromTheFuture {
            timestamp: report.timestamp,
            epoch_timestamp: now,
        });
    }
    let age = now - report.timestamp;
    if age > market.params.max_report_age {
        return Err(ReportViolation::Stale {
            age,
            max_age: market.params.max_report_age,
        });
    }
    for (underlying, &spot) in report.spot.iter().enumerate() {
        if spot == 0 || spot > P_MAX || !on_tick(spot) {
            return Err(ReportViolation::SpotOutOfRange {
                underlying: underlying as u32,
                spot,
            });
        }
    }
    for (k, instrument) in market.instruments.iter().enumerate() {
        let (mark, kappa, settlement) = (
            report.mark[k],
            report.kappa_bps[k],
            report.settlement_by_instrument[k],
        );
        let bound = match instrument.kind {
            OptionKind::Call => report.spot[instrument.underlying as usize],
            OptionKind::Put => instrument.strike,
        };
        if mark > bound || !on_tick(mark) {
            return Err(ReportViolation::MarkOutOfRange {
                instrument: instrument.id,
                mark,
                bound,
            });
        }
        if kappa < market.params.kappa_floor_bps || kappa > BPS {
            return Err(ReportViolation::KappaOutOfRange {
                instrument: instrument.id,
                kappa_bps: kappa,
                floor_bps: market.params.kappa_floor_bps,
            });
        }
        if settlement > P_MAX || !on_tick(settlement) {
            return Err(ReportViolation::SettlementOutOfRange {
                underlying: instrument.underlying,
                expiry: instrument.expiry,
                price: settlement,
            });
        }
        if settlement != 0 && instrument.expiry > now {
            return Err(ReportViolation::SettlementBeforeExpiry {
                underlying: instrument.underlying,
                expiry: instrument.expiry,
            });
        }
        let leader = market.settlement_leader(instrument.id) as usize;
        if settlement != report.settlement_by_instrument[leader] {
            return Err(ReportViolation::SettlementPricesDiffer {
                instrument: instrument.id,
            });
        }
    }
    Ok(())
}

/// The median of an odd number of values.
pub fn median(values: &mut [u64]) -> u64 {
    values.sort_unstable();
    values[values.len() / 2]
}

/// Checks the quorum of reports (each alone, then together) and returns their
/// median prices. Errors name the report position and its oracle.
pub fn median_prices(market: &Market, reports: &[Report], now: u64) -> Result<Prices, EpochError> {
    let quorum = market.oracles.quorum as usize;
    if reports.len() != quorum {
        return Err(EpochError::WrongQuorum {
            reports: reports.len(),
            quorum,
        });
    }
    let mut canonical: Vec<AttestedReport> = Vec::with_capacity(quorum);
    for (index, report) in reports.iter().enumerate() {
        let reject = |violation| EpochError::Report {
            index,
            oracle: report.oracle,
            violation,
        };
        if index > 0 && reports[index - 1].oracle >= report.oracle {
            return Err(reject(ReportViolation::OraclesNotDistinctAscending {
                oracle: report.oracle,
            }));
        }
        report.check(market, now).map_err(reject)?;
        let this = report.canonical(market).map_err(reject)?;
        let settled = |r: &AttestedReport| {
            r.settlement_by_instrument
                .iter()
                .map(|&x| x != 0)
                .collect::<Vec<_>>()
        };
        if canonical
            .first()
            .is_some_and(|first| settled(first) != settled(&this))
        {
            return Err(reject(ReportViolation::SettlementSetsDiffer));
        }
        canonical.push(this);
    }
    let column = |pick: &dyn Fn(&AttestedReport) -> u64| {
        let mut values: Vec<u64> = canonical.iter().map(pick).collect();
        median(&mut values)
    };
    Ok(Prices {
        spot: (0..market.underlyings.len())
            .map(|u| column(&|r| r.spot[u]))
            .collect(),
        mark: (0..market.instruments.len())
            .map(|i| column(&|r| r.mark[i]))
            .collect(),
        kappa_bps: (0..market.instruments.len())
            .map(|i| column(&|r| r.kappa_bps[i]))
            .collect(),
        settlement: (0..market.instruments.len())
            .map(|i| Some(column(&|r| r.settlement_by_instrument[i])).filter(|&x| x > 0))
            .collect(),
    })
}

/// A deterministic oracle signing key derived from a seed (simulations and
/// tests only; real oracles generate their own keys).
pub fn oracle_key_from_seed(seed: u64, index: u32) -> SecretKey {
    seeded_key(&[
        unsigned(0x6f7261636c65),
        unsigned(seed),
        unsigned(index.into()),
    ])
}

/// A deterministic secret key from field elements (simulations and tests):
/// two Poseidon hashes, eight words, reduced modulo the group order.
pub fn seeded_key(seed: &[F]) -> SecretKey {
    let mut limbs = [0u64; 8];
    for (half, tag) in limbs.chunks_mut(4).zip([0u64, 1]) {
        let mut input = seed.to_vec();
        input.push(unsigned(tag));
        for (limb, e) in half.iter_mut().zip(hash(&input).elements) {
            *limb = e.to_canonical_u64();
        }
    }
    SecretKey::from_scalar(Scalar::from_wide(&limbs)).unwrap_or_else(|_| {
        SecretKey::from_scalar(Scalar::from_u64(1)).expect("one is a valid secret")
    })
}
