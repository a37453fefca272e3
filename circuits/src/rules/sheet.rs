//! The epoch's price sheet (`docs/design.md` sections 5.4 and 6): what the quorum's reports
//! say once the rule book has checked them, the median prices and the risk
//! arrays at those prices. It is derived once per epoch (the prelude circuit
//! proves the derivation from the reports) and every chunk of the epoch
//! uses it through one digest, [`PriceSheet::commitment`], that the fold
//! requires equal across the epoch.
//!
//! The commitment covers exactly what a chunk reads: spot per underlying,
//! mark and settlement price (0 where none) per instrument, the short
//! option minimum per underlying, and the first two elements of every risk
//! row's digest (a chunk's row lookup checks those 128 bits). Kappa enters
//! only through the rows. The report hashes travel beside it in the
//! statement (the light client's history records them), not inside it.

use super::encoding::{hash, signed, unsigned, Digest};
use super::error::EpochError;
use super::market::Market;
use super::oracle::{median_prices, Prices, Report};
use super::risk::RiskArrays;
use crate::config::F;

pub use zksettle_verifier::domain::PRICE_SHEET as DOMAIN_PRICE_SHEET;

/// Elements of a row digest a chunk's lookup checks.
pub const ROW_DIGEST_CHECKED: usize = 2;

/// The epoch's prices as every chunk uses them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PriceSheet {
    /// Hashes of the quorum's reports, in report order.
    pub report_hashes: Vec<Digest>,
    /// Median prices.
    pub prices: Prices,
    /// Risk arrays at the median prices.
    pub risk: RiskArrays,
}

impl PriceSheet {
    /// Checks the quorum's reports against the epoch time (every rule of
    /// [`median_prices`]) and derives the sheet.
    pub fn from_reports(market: &Market, reports: &[Report], now: u64) -> Result<Self, EpochError> {
        let prices = median_prices(market, reports, now)?;
        Ok(Self::at(
            market,
            reports.iter().map(|r| r.hash(market)).collect(),
            prices,
        ))
    }

    /// The sheet at `prices` (no report rule is checked: for tests that
    /// hand a chunk prices its epoch's reports do not give).
    pub fn at(market: &Market, report_hashes: Vec<Digest>, prices: Prices) -> Self {
        let risk = RiskArrays::compute(market, &prices);
        Self {
            report_hashes,
            prices,
            risk,
        }
    }

    /// The checked elements of every row digest: element `k` of row `i` at
    /// `[k][i]`.
    pub fn row_digests(&self) -> [Vec<F>; ROW_DIGEST_CHECKED] {
        let underlyings = self.prices.spot.len();
        let digests: Vec<Digest> = self
            .risk
            .instruments
            .iter()
            .map(|row| row.digest(underlyings))
            .collect();
        std::array::from_fn(|k| digests.iter().map(|d| d.elements[k]).collect())
    }

    /// The committed elements in hashing order: the domain tag, spot, mark,
    /// settlement, short option minimum, then the row digests' first and
    /// second elements.
    pub fn commitment_fields(&self) -> Vec<F> {
        let p = &self.prices;
        let mut out = vec![unsigned(DOMAIN_PRICE_SHEET)];
        out.extend(p.spot.iter().chain(&p.mark).map(|&x| unsigned(x)));
        out.extend(p.settlement.iter().map(|x| unsigned(x.unwrap_or(0))));
        out.extend(self.risk.som_per_unit.iter().map(|&x| signed(x)));
        for column in self.row_digests() {
            out.extend(column);
        }
        out
    }

    /// The digest every chunk of the epoch states.
    pub fn commitment(&self) -> Digest {
        hash(&self.commitment_fields())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gadgets::testing::{market, prices};

    #[test]
    fn the_commitment_moves_with_every_price_a_chunk_reads() {
        let market = market();
        let base = PriceSheet::at(&market, vec![], prices());
        let moved = |f: &dyn Fn(&mut Prices)| {
            let mut p = prices();
            f(&mut p);
            PriceSheet::at(&market, vec![], p).commitment()
        };
        let c = base.commitment();
        assert_ne!(c, moved(&|p| p.spot[0] += 100), "spot");
        assert_ne!(c, moved(&|p| p.mark[1] += 100), "mark");
        assert_ne!(c, moved(&|p| p.settlement[0] = Some(1_000)), "settlement");
        assert_ne!(
            c,
            moved(&|p| p.kappa_bps[2] += 100),
            "kappa, through the rows"
        );
    }
}
