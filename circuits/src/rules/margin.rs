//! Portfolio margin of one account (DESIGN section 6).
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
}

/// Initial margin from maintenance margin and long value.
pub fn initial_margin(maintenance: i64, long_value: i64, params: &Params) -> i64 {
    let add_on_base = (maintenance - long_value).max(0);
    maintenance + mul_bps_ceil(i128::from(add_on_base), params.im_bps - BPS) as i64
}

/// Computes the margin of an account at the epoch's risk arrays.
pub fn margin(account: &Account, risk: &RiskArrays, params: &Params) -> Margin {
    let mut losses = [[0i128; MAX_SCENARIOS]; MAX_UNDERLYINGS];
    let mut short_calls = [0i128; MAX_UNDERLYINGS];
    let mut short_puts = [0i128; MAX_UNDERLYINGS];
    let mut touched = [false; MAX_UNDERLYINGS];
    let (mut mark_to_market, mut long_value) = (0i128, 0i128);
    for position in &account.positions {
        let row = &risk.instruments[position.instrument as usize];
        let u = row.underlying as usize;
        touched[u] = true;
        let q = i128::from(position.qty);
        let (long, short) = (q.max(0), (-q).max(0));
        for (loss, (&a, &b)) in losses[u]
            .iter_mut()
            .zip(row.long_loss.iter().zip(&row.short_loss))
        {
            *loss += long * i128::from(a) + short * i128::from(b);
        }
        match row.kind {
            OptionKind::Call => short_calls[u] += short,
            OptionKind::Put => short_puts[u] += short,
        }
        let value = q * i128::from(row.mark_per_lot);
        mark_to_market += value;
        long_value += value.max(0);
    }
    let scenarios = risk.instruments.first().map_or(0, |r| r.long_loss.len());
    let (mut scan, mut som) = (0i128, 0i128);
    for u in (0..MAX_UNDERLYINGS).filter(|&u| touched[u]) {
        scan += losses[u][..scenarios]
            .iter()
            .copied()
            .max()
            .unwrap_or(0)
            .max(0);
        let shorts = short_calls[u].max(short_puts[u]);
        som += ceil_div(
            shorts * i128::from(risk.som_per_unit[u]),
            i128::from(Q_SCALE),
        );
    }
    let maintenance = (scan + som) as i64;
    let long_value = long_value as i64;
    let mark_to_market = mark_to_market as i64;
    Margin {
        mark_to_market,
        long_value,
        equity: account.cash as i64 + mark_to_market,
        scan: scan as i64,
        short_option_minimum: som as i64,
        maintenance,
        initial: initial_margin(maintenance, long_value, params),
    }
}
