//! Oracle prices in the circuit (mirrors `rules/oracle.rs`).
//!
//! Each report is witnessed in its hashed encoding (per-instrument
//! settlement, 0 where none), hashed (the hash is a public input the oracle
//! signed), bounded and checked for staleness; the epoch's prices are the
//! median of each value across the quorum's reports.
//!
//! The circuit consumes the canonical per-instrument encoding that oracles
//! sign, as the native rule does (`rules::oracle::check_report`); a JSON
//! report without a canonical form (a settlement list out of order, naming
//! an unlisted expiry or a zero price) is refused natively before it could
//! reach either.

use plonky2::field::types::{Field, PrimeField64};
use plonky2::hash::hash_types::HashOutTarget;
use plonky2::iop::generator::{GeneratedValues, SimpleGenerator};
use plonky2::iop::target::Target;
use plonky2::iop::witness::{PartialWitness, PartitionWitness, Witness, WitnessWrite};
use plonky2::plonk::circuit_data::CommonCircuitData;
use plonky2::util::serialization::{Buffer, IoResult, Read, Write};

use super::ecgfp5::field::Gfp5Target;
use super::ecgfp5::schnorr::{SchnorrGadget, SignatureTarget};
use super::encoding::EncodingGadget;
use super::fixed::FixedGadget;
use super::market::{MarketShape, MarketTarget};
use super::risk::PRICE_BITS;
use super::Builder;
use crate::config::{D, F};
use crate::rules::encoding::{unsigned, DOMAIN_REPORT};
use crate::rules::market::Market;
use crate::rules::oracle::{Prices, Report};
use crate::rules::units::{BPS, P_MAX, TICK};

/// Bits of a timestamp or an age (unix seconds fit 40 bits for 30,000 years).
pub const TIME_BITS: usize = 40;

/// Median prices of an epoch.
#[derive(Clone, Debug)]
pub struct PricesTarget {
    /// Spot per underlying.
    pub spot: Vec<Target>,
    /// Mark per instrument.
    pub mark: Vec<Target>,
    /// Kappa per instrument, bps.
    pub kappa_bps: Vec<Target>,
    /// Settlement price per instrument (0 where none).
    pub settlement: Vec<Target>,
}

/// One report in its hashed encoding.
#[derive(Clone, Debug)]
pub struct ReportTarget {
    /// Oracle index.
    pub oracle: Target,
    /// Observation time.
    pub timestamp: Target,
    /// Quoted prices (settlement per instrument, 0 where none).
    pub prices: PricesTarget,
}

impl ReportTarget {
    fn to_fields(&self, domain: Target) -> Vec<Target> {
        let mut out = vec![domain, self.oracle, self.timestamp];
        out.extend(&self.prices.spot);
        out.extend(&self.prices.mark);
        out.extend(&self.prices.kappa_bps);
        out.extend(&self.prices.settlement);
        out
    }
}

/// Oracle gadgets.
pub trait OracleGadget {
    /// Fresh targets for median prices of a market shape.
    fn add_virtual_prices(&mut self, shape: &MarketShape) -> PricesTarget;

    /// A witnessed report and its hash. Cost: `ceil((3 + U + 3N) / 8)` rows.
    fn add_virtual_report(&mut self, shape: &MarketShape) -> (ReportTarget, HashOutTarget);

    /// A price on the tick in `[min, P_MAX]` (`min` 0 or 1 tick). Cost: 3 rows.
    fn check_price(&mut self, price: Target, positive: bool);

    /// The bounds of one report against the market at epoch time `now`:
    /// oracle index in the set, not from the future, not older than
    /// `max_report_age`; `0 < S <= P_MAX` on the tick; marks on the tick and
    /// at most spot (calls) or strike (puts); `kappa_floor <= kappa <= 10^4`;
    /// settlement prices 0 or on the tick in `(0, P_MAX]`, only for
    /// instruments expired by `now`, and each instrument's its settlement
    /// leader's. Cost: about `3U + 8N + 4` rows.
    fn check_report(&mut self, report: &ReportTarget, market: &MarketTarget, now: Target);

    /// The oracle's signature over a report's hash (the message
    /// `[DOMAIN_REPORT, market_hash, hash]`, [`crate::rules::oracle::signed_message`],
    /// with the market hash the circuit computed and states), verified under the key
    /// the report's oracle index selects from the market's oracle set (the
    /// index is bounded by [`OracleGadget::check_report`]). Cost: one
    /// Schnorr verification ([`SchnorrGadget::verify_schnorr`]) and five
    /// random accesses.
    fn verify_report_signature(
        &mut self,
        report: &ReportTarget,
        hash: HashOutTarget,
        market: &MarketTarget,
    ) -> SignatureTarget;

    /// Median of each value over the reports (an odd number of them), and the
    /// checks across reports: oracles strictly ascending, every report settling
    /// the same instruments. Cost: `(Q - 1)` rows per value plus arithmetic.
    fn median_prices(&mut self, reports: &[ReportTarget]) -> PricesTarget;
}

impl OracleGadget for Builder {
    fn add_virtual_prices(&mut self, shape: &MarketShape) -> PricesTarget {
        PricesTarget {
            spot: self.add_virtual_targets(shape.underlyings),
            mark: self.add_virtual_targets(shape.instruments),
            kappa_bps: self.add_virtual_targets(shape.instruments),
            settlement: self.add_virtual_targets(shape.instruments),
        }
    }

    fn add_virtual_report(&mut self, shape: &MarketShape) -> (ReportTarget, HashOutTarget) {
        let report = ReportTarget {
            oracle: self.add_virtual_target(),
            timestamp: self.add_virtual_target(),
            prices: self.add_virtual_prices(shape),
        };
        let domain = self.constant(unsigned(DOMAIN_REPORT));
        let hash = self.hash(report.to_fields(domain));
        (report, hash)
    }

    fn check_price(&mut self, price: Target, positive: bool) {
        let ticks = self.exact_div_const(price, TICK, PRICE_BITS);
        if positive {
            let above_zero = self.add_const(ticks, -F::ONE);
            self.assert_unsigned_bits(above_zero, PRICE_BITS);
        }
        let max = self.constant(F::from_canonical_u64(P_MAX));
        self.assert_le(price, max, PRICE_BITS + 1);
    }

    fn check_report(&mut self, report: &ReportTarget, market: &MarketTarget, now: Target) {
        let last_oracle = self.constant(F::from_canonical_usize(market.shape.oracles - 1));
        self.assert_le(report.oracle, last_oracle, 8);
        self.assert_unsigned_bits(report.oracle, 8);
        self.assert_le(report.timestamp, now, TIME_BITS);
        let age = self.sub(now, report.timestamp);
        self.assert_le(age, market.params.max_report_age, TIME_BITS);
        for &spot in &report.prices.spot {
            self.check_price(spot, true);
        }
        let ten_k = self.constant(F::from_canonical_u64(BPS));
        let zero = self.zero();
        for (i, instrument) in market.instruments.iter().enumerate() {
            let mark = report.prices.mark[i];
            self.check_price(mark, false);
            let spot = self.random_access(instrument.underlying, report.prices.spot.clone());
            let bound = self.select(instrument.is_put, instrument.strike, spot);
            self.assert_le(mark, bound, PRICE_BITS + 1);
            let kappa = report.prices.kappa_bps[i];
            self.assert_le(market.params.kappa_floor_bps, kappa, 14);
            self.assert_le(kappa, ten_k, 14);
            // A settlement price is 0, or on the tick in (0, P_MAX] for an expired instrument.
            let settlement = report.prices.settlement[i];
            self.check_price(settlement, false);
            let settled = self.is_nonzero(settlement);
            let expiry = self.select(settled, instrument.expiry, zero);
            self.assert_le(expiry, now, TIME_BITS);
            // One price per (underlying, expiry): the settlement leader's.
            let leader = self.random_access(
                instrument.settlement_leader,
                report.prices.settlement.clone(),
            );
            self.connect(settlement, leader);
        }
    }

    fn verify_report_signature(
        &mut self,
        report: &ReportTarget,
        hash: HashOutTarget,
        market: &MarketTarget,
    ) -> SignatureTarget {
        let key = Gfp5Target(std::array::from_fn(|j| {
            let column = market.oracle_keys.iter().map(|k| k.0[j]).collect();
            self.random_access(report.oracle, column)
        }));
        let signature = self.add_virtual_signature();
        let mut msg = vec![self.constant(unsigned(DOMAIN_REPORT))];
        msg.extend(market.hash.elements);
        msg.extend(hash.elements);
        self.verify_schnorr(key, &msg, &signature);
        signature
    }

    fn median_prices(&mut self, reports: &[ReportTarget]) -> PricesTarget {
        assert!(reports.len() % 2 == 1, "the quorum is odd");
        for pair in reports.windows(2) {
            let step = self.sub(pair[1].oracle, pair[0].oracle);
            let step = self.add_const(step, -F::ONE);
            self.assert_unsigned_bits(step, 8);
        }
        let first = &reports[0].prices;
        for report in &reports[1..] {
            for (&a, &b) in first.settlement.iter().zip(&report.prices.settlement) {
                let (sa, sb) = (self.is_nonzero(a), self.is_nonzero(b));
                self.connect(sa.target, sb.target);
            }
        }
        let column =
            |b: &mut Builder, pick: &dyn Fn(&PricesTarget) -> &Vec<Target>| -> Vec<Target> {
                (0..pick(first).len())
                    .map(|k| {
                        median(
                            b,
                            &reports
                                .iter()
                                .map(|r| pick(&r.prices)[k])
                                .collect::<Vec<_>>(),
                        )
                    })
                    .collect()
            };
        PricesTarget {
            spot: column(self, &|p| &p.spot),
            mark: column(self, &|p| &p.mark),
            kappa_bps: column(self, &|p| &p.kappa_bps),
            settlement: column(self, &|p| &p.settlement),
        }
    }
}

/// Median of an odd number of values below 2^41: a witnessed sorted copy,
/// ascending by range checks and equal as a multiset by its first `n` power
/// sums (Newton's identities, valid since `n! < p`).
fn median(builder: &mut Builder, values: &[Target]) -> Target {
    let sorted = builder.add_virtual_targets(values.len());
    builder.add_simple_generator(SortGenerator {
        values: values.to_vec(),
        sorted: sorted.clone(),
    });
    for pair in sorted.windows(2) {
        builder.assert_le(pair[0], pair[1], PRICE_BITS + 1);
    }
    let mut powers_in = values.to_vec();
    let mut powers_out = sorted.clone();
    for k in 0..values.len() {
        if k > 0 {
            powers_in = powers_in
                .iter()
                .zip(values)
                .map(|(&p, &v)| builder.mul(p, v))
                .collect();
            powers_out = powers_out
                .iter()
                .zip(&sorted)
                .map(|(&p, &v)| builder.mul(p, v))
                .collect();
        }
        let (sum_in, sum_out) = (
            builder.add_many(powers_in.clone()),
            builder.add_many(powers_out.clone()),
        );
        builder.connect(sum_in, sum_out);
    }
    sorted[values.len() / 2]
}

/// Witnesses the sorted copy of a few values for `median`. The only copy
/// allowed: consecutive entries are range-checked ascending (all below
/// 2^41), and the first `n` power sums equal the inputs', which fixes the
/// multiset (Newton's identities determine the elementary symmetric
/// polynomials since `n! < p`): a multiset has one ascending order.
#[derive(Debug, Default)]
pub struct SortGenerator {
    pub(crate) values: Vec<Target>,
    pub(crate) sorted: Vec<Target>,
}

impl SimpleGenerator<F, D> for SortGenerator {
    fn id(&self) -> String {
        "zksettle::SortGenerator".into()
    }

    fn dependencies(&self) -> Vec<Target> {
        self.values.clone()
    }

    fn run_once(
        &self,
        witness: &PartitionWitness<F>,
        out: &mut GeneratedValues<F>,
    ) -> anyhow::Result<()> {
        let mut values: Vec<u64> = self
            .values
            .iter()
            .map(|&t| witness.get_target(t).to_canonical_u64())
            .collect();
        values.sort_unstable();
        for (&t, v) in self.sorted.iter().zip(values) {
            out.set_target(t, F::from_canonical_u64(v))?;
        }
        Ok(())
    }

    fn serialize(&self, dst: &mut Vec<u8>, _: &CommonCircuitData<F, D>) -> IoResult<()> {
        dst.write_target_vec(&self.values)?;
        dst.write_target_vec(&self.sorted)
    }

    fn deserialize(src: &mut Buffer, _: &CommonCircuitData<F, D>) -> IoResult<Self> {
        Ok(Self {
            values: src.read_target_vec()?,
            sorted: src.read_target_vec()?,
        })
    }
}

/// Assigns a report in its hashed encoding.
pub fn set_report(
    witness: &mut PartialWitness<F>,
    target: &ReportTarget,
    report: &Report,
    market: &Market,
) -> anyhow::Result<()> {
    set_attested_report(witness, target, &report.attested(market))
}

/// Assigns a report given in its canonical (hashed) form.
pub fn set_attested_report(
    witness: &mut PartialWitness<F>,
    target: &ReportTarget,
    report: &zksettle_verifier::AttestedReport,
) -> anyhow::Result<()> {
    let fields = report.to_fields();
    let targets = report_fields_without_domain(target);
    anyhow::ensure!(
        fields.len() == targets.len() + 1,
        "report shape differs from the circuit's"
    );
    for (&t, &v) in targets.iter().zip(&fields[1..]) {
        witness.set_target(t, v)?;
    }
    Ok(())
}

fn report_fields_without_domain(target: &ReportTarget) -> Vec<Target> {
    let mut out = vec![target.oracle, target.timestamp];
    out.extend(&target.prices.spot);
    out.extend(&target.prices.mark);
    out.extend(&target.prices.kappa_bps);
    out.extend(&target.prices.settlement);
    out
}

/// Assigns median prices.
pub fn set_prices(
    witness: &mut PartialWitness<F>,
    target: &PricesTarget,
    prices: &Prices,
) -> anyhow::Result<()> {
    set_quoted_prices(witness, target, prices)?;
    set_unsigned(witness, &target.kappa_bps, &prices.kappa_bps)
}

/// Sets the spot, mark and settlement prices of `target` (not kappa: a
/// chunk's price sheet reads none).
pub fn set_quoted_prices(
    witness: &mut PartialWitness<F>,
    target: &PricesTarget,
    prices: &Prices,
) -> anyhow::Result<()> {
    let settlement: Vec<u64> = prices.settlement.iter().map(|x| x.unwrap_or(0)).collect();
    set_unsigned(witness, &target.spot, &prices.spot)?;
    set_unsigned(witness, &target.mark, &prices.mark)?;
    set_unsigned(witness, &target.settlement, &settlement)
}

/// Sets a list of unsigned price targets, refusing a list of another length.
fn set_unsigned(
    witness: &mut PartialWitness<F>,
    targets: &[Target],
    values: &[u64],
) -> anyhow::Result<()> {
    anyhow::ensure!(
        targets.len() == values.len(),
        "price list length differs from the circuit's"
    );
    for (&t, &v) in targets.iter().zip(values) {
        witness.set_target(t, unsigned(v))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::C;
    use crate::gadgets::market::{set_market, MarketGadget};
    use crate::gadgets::testing::{builder, market, prices, provable};
    use crate::rules::oracle::{median_prices, SettlementPrice};

    const NOW: u64 = 1_900_000_000;

    fn report(oracle: u32, scale_marks: u64) -> Report {
        let p = prices();
        Report {
            oracle,
            timestamp: NOW - 10,
            spot: p.spot.clone(),
            mark: p
                .mark
                .iter()
                .map(|m| m * scale_marks / 4 / TICK * TICK)
                .collect(),
            kappa_bps: p.kappa_bps.clone(),
            settlement: vec![],
            signature: crate::rules::oracle::oracle_key_from_seed(1, oracle).sign(&[]),
        }
    }

    /// Whether the circuit accepts the reports at `now` with the given
    /// median prices and hashes (the native ones when `None`).
    fn oracle_provable(
        market: &Market,
        reports: &[Report],
        now: u64,
        claimed: Option<Prices>,
    ) -> bool {
        let mut reports = reports.to_vec();
        for r in &mut reports {
            r.sign(
                market,
                &crate::rules::oracle::oracle_key_from_seed(1, r.oracle),
            );
        }
        let reports = &reports[..];
        let claimed =
            claimed.unwrap_or_else(|| median_prices(market, reports, now).expect("native accepts"));
        let shape = MarketShape::of(market);
        let mut b = builder();
        let m = b.add_virtual_market(&shape);
        let t_now = b.add_virtual_target();
        let mut targets = Vec::new();
        for _ in reports {
            let (r, hash) = b.add_virtual_report(&shape);
            b.check_report(&r, &m, t_now);
            targets.push((r, hash));
        }
        let medians = b.median_prices(&targets.iter().map(|(r, _)| r.clone()).collect::<Vec<_>>());
        let claimed_t = b.add_virtual_prices(&shape);
        for (a, c) in [
            (&medians.spot, &claimed_t.spot),
            (&medians.mark, &claimed_t.mark),
            (&medians.kappa_bps, &claimed_t.kappa_bps),
            (&medians.settlement, &claimed_t.settlement),
        ] {
            for (&x, &y) in a.iter().zip(c) {
                b.connect(x, y);
            }
        }
        let hashes: Vec<_> = targets.iter().map(|_| b.add_virtual_hash()).collect();
        for ((_, h), &public) in targets.iter().zip(&hashes) {
            b.connect_hashes(*h, public);
        }
        let data = b.build::<C>();
        let mut pw = PartialWitness::new();
        set_market(&mut pw, &m, market).unwrap();
        pw.set_target(t_now, F::from_canonical_u64(now)).unwrap();
        for ((r, _), report) in targets.iter().zip(reports) {
            set_report(&mut pw, r, report, market).unwrap();
        }
        set_prices(&mut pw, &claimed_t, &claimed).unwrap();
        for (&h, report) in hashes.iter().zip(reports) {
            pw.set_hash_target(h, report.hash(market)).unwrap();
        }
        provable(&data, pw)
    }

    fn honest() -> Vec<Report> {
        vec![report(0, 4), report(1, 4), report(2, 4)]
    }

    #[test]
    fn median_and_hashes_match_the_native_rule_with_a_lying_oracle() {
        let market = market();
        let mut reports = honest();
        reports[1] = report(1, 1); // marks at a quarter
        reports[2].spot[1] += 5 * TICK;
        assert!(oracle_provable(&market, &reports, NOW, None));
    }

    #[test]
    fn a_median_other_than_the_middle_value_cannot_be_claimed() {
        let market = market();
        let mut claimed = prices();
        claimed.mark[0] -= TICK;
        assert!(!oracle_provable(&market, &honest(), NOW, Some(claimed)));
    }

    /// A violation that must be unprovable whatever medians are claimed.
    fn rejected(mutate: impl Fn(&mut Vec<Report>)) -> bool {
        let market = market();
        let mut reports = honest();
        mutate(&mut reports);
        let claimed = prices();
        !oracle_provable(&market, &reports, NOW, Some(claimed))
    }

    #[test]
    fn every_report_bound_is_enforced() {
        assert!(!rejected(|_| {}), "control: the honest reports prove");
        assert!(rejected(|r| r[0].timestamp = NOW - 301), "stale");
        assert!(rejected(|r| r[0].timestamp = NOW + 1), "from the future");
        assert!(rejected(|r| r[1].oracle = 0), "oracle repeated");
        assert!(rejected(|r| r[2].oracle = 3), "oracle outside the set");
        assert!(rejected(|r| r[0].spot[0] = 0), "zero spot");
        assert!(rejected(|r| r[0].spot[0] += 1), "spot off the tick");
        assert!(
            rejected(|r| r[0].spot[0] = P_MAX + TICK),
            "spot above P_MAX"
        );
        assert!(
            rejected(|r| r[0].mark[4] = r[0].spot[1] + TICK),
            "call mark above spot"
        );
        assert!(
            rejected(|r| r[0].mark[5] = 3_100_000_000 + TICK),
            "put mark above strike"
        );
        assert!(
            rejected(|r| r[0].kappa_bps[0] = 99),
            "kappa below the floor"
        );
        assert!(rejected(|r| r[0].kappa_bps[0] = 10_001), "kappa above 10^4");
        assert!(
            rejected(|r| r[0].settlement = vec![SettlementPrice {
                underlying: 0,
                expiry: 2_000_000_000,
                price: 100
            }]),
            "settling an unexpired instrument, and only in one report"
        );
    }

    /// Two instruments of one underlying and expiry (2 and 3, leader 2),
    /// expired: a canonical report pricing them apart is refused natively
    /// (`SettlementPricesDiffer`) and cannot be proven.
    #[test]
    fn one_expiry_settles_at_one_price() {
        use crate::rules::error::ReportViolation;
        use crate::rules::oracle::check_report;
        let mut market = market();
        for i in [2, 3] {
            market.instruments[i].expiry = NOW - 100;
        }
        assert_eq!(market.settlement_leader(3), 2);
        let mut report = report(0, 4);
        report.settlement = vec![SettlementPrice {
            underlying: 0,
            expiry: NOW - 100,
            price: 48_000_000_000,
        }];
        let honest = report.attested(&market);
        assert_eq!(check_report(&honest, &market, NOW), Ok(()));
        let mut apart = honest.clone();
        apart.settlement_by_instrument[3] += TICK;
        assert_eq!(
            check_report(&apart, &market, NOW),
            Err(ReportViolation::SettlementPricesDiffer { instrument: 3 })
        );
        let proves = |r: &zksettle_verifier::AttestedReport| {
            let shape = MarketShape::of(&market);
            let mut b = builder();
            let m = b.add_virtual_market(&shape);
            let t_now = b.add_virtual_target();
            let (target, _) = b.add_virtual_report(&shape);
            b.check_report(&target, &m, t_now);
            let data = b.build::<C>();
            let mut pw = PartialWitness::new();
            set_market(&mut pw, &m, &market).unwrap();
            pw.set_target(t_now, F::from_canonical_u64(NOW)).unwrap();
            set_attested_report(&mut pw, &target, r).unwrap();
            provable(&data, pw)
        };
        assert!(proves(&honest), "control");
        assert!(!proves(&apart), "two prices for one expiry proved");
    }

    #[test]
    fn settlement_prices_of_expired_instruments_take_the_median() {
        let mut market = market();
        market.instruments[3].expiry = NOW - 100;
        let mut reports = honest();
        for (k, r) in reports.iter_mut().enumerate() {
            r.settlement = vec![SettlementPrice {
                underlying: 0,
                expiry: NOW - 100,
                price: 48_000_000_000 + 100 * k as u64,
            }];
        }
        assert!(oracle_provable(&market, &reports, NOW, None));
        reports[1].settlement.clear();
        let mut claimed = prices();
        claimed.settlement[3] = Some(48_000_000_000);
        assert!(
            !oracle_provable(&market, &reports, NOW, Some(claimed)),
            "reports settle different instruments"
        );
    }
}
