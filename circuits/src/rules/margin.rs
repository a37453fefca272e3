//! Portfolio margin of one account (`docs/design.md` section 6).
//!
//! Per underlying `u`: scenario losses `L_uj = sum over u's slots of
//! q+ * a_ij + q- * b_ij` (a dot product with the weighted risk arrays),
//! `Scan_u = max(0, max_j L_uj)`, short option minimum
//! `SOM_u = ceil(max(short calls, short puts) * som_per_unit_u / Q_SCALE)`.
//! `MM = sum_u Scan_u + SOM_u`; `IM = MM + ceil(max(MM - LV, 0) * (im_bps - 10^4) / 10^4)`
//! where `LV = sum over long slots of q * M / Q_SCALE`. Equity `E = cash + MtM`
//! with `MtM = sum q * M / Q_SCALE`. Healthy: `E >= IM`. Liquidatable: `E < MM`.

use super::account::Account;
use super::fixed::{ceil_div, mul_bps_ceil};
use super::market::{OptionKind, Params};
use super::risk::RiskArrays;
use super::units::{BPS, MAX_SCENARIOS, MAX_UNDERLYINGS, Q_SCALE};

/// Margin figures of one account, micro-USD.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Margin {
    /// Mark-to-market value of the positions, `sum q * M / Q_SCALE`.
    pub mark_to_market: i64,
    /// Value of the long positions, `sum over q > 0 of q * M / Q_SCALE`.
    pub long_value: i64,
    /// Cash plus mark-to-market.
    pub equity: i64,
    /// Sum of the scanning risk over underlyings.
    pub scan: i64,
    /// Sum of the short option minimum over underlyings.
    pub short_option_minimum: i64,
    /// Maintenance margin.
    pub maintenance: i64,
    /// Initial margin.
    pub initial: i64,
}

impl Margin {
    /// Healthy for trading and withdrawal: `E >= IM`.
    pub fn meets_initial(&self) -> bool {
        self.equity >= self.initial
    }

    /// Liquidatable: `E < MM`.
    pub fn liquidatable(&self) -> bool {
        self.equity < self.maintenance
    }

    /// Margin excess over maintenance, `E - MM`.
    pub fn excess(&self) -> i64 {
        self.equity - self.maintenance
    }

    /// The same positions at another cash: only the equity moves, margins
    /// depend on the positions alone (the circuit's `MarginTarget::with_cash`).
    pub fn with_cash(&self, cash: u64) -> Margin {
        Margin {
            equity: cash as i64 + self.mark_to_market,
            ..*self
        }
    }
}

/// Initial margin from maintenance margin and long value.
pub fn initial_margin(maintenance: i64, long_value: i64, params: &Params) -> i64 {
    let add_on_base = (maintenance - long_value).max(0);
    maintenance + mul_bps_ceil(i128::from(add_on_base), params.im_bps - BPS) as i64
}

/// The part of an account's margin that is linear in its positions: sums
/// over slots of the risk arrays' rows. A position change updates it by the
/// changed slot's contribution alone ([`PortfolioRisk::add_position`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PortfolioRisk {
    /// Scenario losses `L_uj`, per underlying and scenario.
    pub losses: [[i128; MAX_SCENARIOS]; MAX_UNDERLYINGS],
    /// Short call lots per underlying.
    pub short_calls: [i128; MAX_UNDERLYINGS],
    /// Short put lots per underlying.
    pub short_puts: [i128; MAX_UNDERLYINGS],
    /// `sum q * M / Q_SCALE`.
    pub mark_to_market: i128,
    /// `sum over q > 0 of q * M / Q_SCALE`.
    pub long_value: i128,
}

impl PortfolioRisk {
    /// Adds (`sign = 1`) or removes (`sign = -1`) the contribution of `qty`
    /// lots of `instrument`.
    pub fn add_position(&mut self, risk: &RiskArrays, instrument: u32, qty: i64, sign: i128) {
        let row = &risk.instruments[instrument as usize];
        let u = row.underlying as usize;
        let q = i128::from(qty);
        let (long, short) = (q.max(0), (-q).max(0));
        for (loss, (&a, &b)) in self.losses[u]
            .iter_mut()
            .zip(row.long_loss.iter().zip(&row.short_loss))
        {
            *loss += sign * (long * i128::from(a) + short * i128::from(b));
        }
        match row.kind {
            OptionKind::Call => self.short_calls[u] += sign * short,
            OptionKind::Put => self.short_puts[u] += sign * short,
        }
        self.mark_to_market += sign * q * i128::from(row.mark_per_lot);
        self.long_value += sign * long * i128::from(row.mark_per_lot);
    }
}

/// The linear part of an account's margin.
pub fn portfolio_risk(account: &Account, risk: &RiskArrays) -> PortfolioRisk {
    let mut portfolio = PortfolioRisk::default();
    for position in &account.positions {
        portfolio.add_position(risk, position.instrument, position.qty, 1);
    }
    portfolio
}

/// Margin figures from the linear part and the cash: `Scan_u` is the largest
/// scenario loss (at least 0), `SOM_u` the short option minimum.
pub fn margin_from_risk(
    portfolio: &PortfolioRisk,
    cash: u64,
    risk: &RiskArrays,
    params: &Params,
) -> Margin {
    let scenarios = risk.instruments.first().map_or(0, |r| r.long_loss.len());
    let (mut scan, mut som) = (0i128, 0i128);
    for (u, &som_per_unit) in risk.som_per_unit.iter().enumerate() {
        scan += portfolio.losses[u][..scenarios]
            .iter()
            .copied()
            .max()
            .unwrap_or(0)
            .max(0);
        let shorts = portfolio.short_calls[u].max(portfolio.short_puts[u]);
        som += ceil_div(shorts * i128::from(som_per_unit), i128::from(Q_SCALE));
    }
    let maintenance = (scan + som) as i64;
    let long_value = portfolio.long_value as i64;
    let mark_to_market = portfolio.mark_to_market as i64;
    Margin {
        mark_to_market,
        long_value,
        equity: cash as i64 + mark_to_market,
        scan: scan as i64,
        short_option_minimum: som as i64,
        maintenance,
        initial: initial_margin(maintenance, long_value, params),
    }
}

/// Computes the margin of an account at the epoch's risk arrays.
pub fn margin(account: &Account, risk: &RiskArrays, params: &Params) -> Margin {
    margin_from_risk(&portfolio_risk(account, risk), account.cash, risk, params)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gadgets::testing::{account, market, prices};

    /// The deltas the circuit derives margins by are exact: a cash change
    /// moves only the equity, and a partial transfer `dq` (the sign of `q`,
    /// `|dq| <= |q|`) removes exactly the contribution of `dq`.
    #[test]
    fn margins_by_delta_equal_margins_from_scratch() {
        let market = market();
        let risk = RiskArrays::compute(&market, &prices());
        let params = &market.params;
        let positions = [(0, 7), (1, -3), (2, 12), (3, -20), (5, 1)];
        let before = account(5_000_000_000, &positions);
        let at = |a: &Account| margin(a, &risk, params);
        for cash in [0, 1, 4_000_000_000, 1 << 58] {
            assert_eq!(at(&before).with_cash(cash), at(&account(cash, &positions)));
        }
        for fraction in [1i64, 2_500, 5_000, 9_999, 10_000] {
            let moved: Vec<(u32, i64)> = positions
                .iter()
                .map(|&(i, q)| (i, q * fraction / BPS as i64))
                .collect();
            let kept: Vec<(u32, i64)> = positions
                .iter()
                .zip(&moved)
                .filter(|((_, q), (_, dq))| q != dq)
                .map(|(&(i, q), &(_, dq))| (i, q - dq))
                .collect();
            let mut delta = portfolio_risk(&before, &risk);
            for &(instrument, dq) in &moved {
                delta.add_position(&risk, instrument, dq, -1);
            }
            assert_eq!(
                delta,
                portfolio_risk(&account(0, &kept), &risk),
                "{fraction}"
            );
        }
    }
}
