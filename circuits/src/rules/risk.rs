//! Risk arrays (`docs/design.md` section 6), computed once per epoch from the median
//! prices, never per account.
//!
//! For instrument `i` and scenario `j` with shocked spot `S_j`:
//! long loss per unit `A_ij = M_i - I_i(S_j)`, short loss per unit
//! `B_ij = I_i(S_j) + c_i - M_i` with `c_i = ceil_tick(K_i * kappa_i / 10^4)`.
//!
//! The arrays store these **per lot and already weighted**:
//! `a_ij = ceil(A_ij * w_j / (10^4 * Q_SCALE))`, likewise `b_ij`, rounded up
//! (against the account). Folding the weight in here, as SPAN does, makes an
//! account's scenario loss a plain dot product `L_j = sum q+ a_ij + q- b_ij`
//! with no division per account and scenario, and keeps every aggregate below
//! 2^59 so the circuit compares with single range checks. The rounding costs an
//! account at most one micro-USD per lot and scenario.

use super::fixed::{ceil_div, ceil_tick, floor_tick, mul_bps_ceil};
use super::market::{Market, OptionKind};
use super::oracle::Prices;
use super::units::{BPS, Q_SCALE};
use crate::config::F;
use crate::rules::encoding::{hash, signed, Digest};

/// One instrument's row of the risk arrays.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InstrumentRisk {
    /// Underlying id.
    pub underlying: u32,
    /// Call or put (the short option minimum counts them apart).
    pub kind: OptionKind,
    /// Mark per lot, `M / Q_SCALE` (exact: marks are on the tick).
    pub mark_per_lot: i64,
    /// Weighted long loss per lot, per scenario (`a_ij`).
    pub long_loss: Vec<i64>,
    /// Weighted short loss per lot, per scenario (`b_ij`).
    pub short_loss: Vec<i64>,
}

/// The risk arrays of an epoch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RiskArrays {
    /// One row per instrument, in market order.
    pub instruments: Vec<InstrumentRisk>,
    /// Short option minimum per short unit and underlying, `ceil(S * som_bps / 10^4)`.
    pub som_per_unit: Vec<i64>,
}

/// Shocked spot `S * move / 10^4`, rounded to the tick away from `S`.
pub fn shocked_spot(spot: u64, move_bps: u64) -> u64 {
    let exact = u128::from(spot) * u128::from(move_bps);
    let bps = u128::from(BPS);
    let rounded = if move_bps < BPS {
        floor_tick(exact / bps)
    } else {
        ceil_tick(exact.div_ceil(bps))
    };
    // Bounded by 5 * P_MAX (moves are at most 5x), far below u64::MAX.
    rounded as u64
}

/// Short time-value charge per unit, `c = ceil_tick(K * kappa / 10^4)`.
pub fn time_value_charge(strike: u64, kappa_bps: u64) -> u64 {
    ceil_tick((u128::from(strike) * u128::from(kappa_bps)).div_ceil(u128::from(BPS))) as u64
}

/// Weighted per-lot loss `ceil(loss_per_unit * weight / (10^4 * Q_SCALE))`.
pub fn weighted_loss_per_lot(loss_per_unit: i64, weight_bps: u64) -> i64 {
    ceil_div(
        i128::from(loss_per_unit) * i128::from(weight_bps),
        i128::from(BPS * Q_SCALE),
    ) as i64
}

impl InstrumentRisk {
    /// The row in its hashed encoding: a one-hot underlying over
    /// `underlyings`, put flag, mark per lot, long then short losses (signed).
    pub fn to_fields(&self, underlyings: usize) -> Vec<F> {
        use plonky2::field::types::Field;
        let mut out: Vec<F> = (0..underlyings)
            .map(|u| F::from_bool(self.underlying as usize == u))
            .collect();
        out.push(F::from_bool(self.kind == OptionKind::Put));
        out.push(signed(self.mark_per_lot));
        out.extend(
            self.long_loss
                .iter()
                .chain(&self.short_loss)
                .map(|&x| signed(x)),
        );
        out
    }

    /// Hash of [`Self::to_fields`]: what a chunk's row lookup checks.
    pub fn digest(&self, underlyings: usize) -> Digest {
        hash(&self.to_fields(underlyings))
    }
}

impl RiskArrays {
    /// Computes the arrays for the market at the median prices.
    pub fn compute(market: &Market, prices: &Prices) -> Self {
        let instruments = market
            .instruments
            .iter()
            .map(|instrument| {
                let spot = prices.spot[instrument.underlying as usize];
                let mark = prices.mark[instrument.id as usize] as i64;
                let charge =
                    time_value_charge(instrument.strike, prices.kappa_bps[instrument.id as usize])
                        as i64;
                let (long_loss, short_loss) = market
                    .scenarios
                    .iter()
                    .map(|scenario| {
                        let intrinsic =
                            instrument.intrinsic(shocked_spot(spot, scenario.move_bps)) as i64;
                        let long = mark - intrinsic;
                        let short = intrinsic + charge - mark;
                        (
                            weighted_loss_per_lot(long, scenario.weight_bps),
                            weighted_loss_per_lot(short, scenario.weight_bps),
                        )
                    })
                    .unzip();
                InstrumentRisk {
                    underlying: instrument.underlying,
                    kind: instrument.kind,
                    mark_per_lot: mark / Q_SCALE as i64,
                    long_loss,
                    short_loss,
                }
            })
            .collect();
        let som_per_unit = prices
            .spot
            .iter()
            .map(|&spot| mul_bps_ceil(i128::from(spot), market.params.som_bps) as i64)
            .collect();
        Self {
            instruments,
            som_per_unit,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shocked_spot_rounds_away_from_spot() {
        assert_eq!(shocked_spot(10_000, 8_200), 8_200);
        assert_eq!(shocked_spot(10_100, 8_200), 8_200); // 8282 down to 8200
        assert_eq!(shocked_spot(10_100, 11_800), 12_000); // 11918 up to 12000
        assert_eq!(shocked_spot(10_100, 10_000), 10_100);
    }

    #[test]
    fn time_value_charge_rounds_up_to_tick() {
        assert_eq!(time_value_charge(50_000, 100), 500);
        assert_eq!(time_value_charge(50_100, 100), 600); // 501 up to 600
    }

    #[test]
    fn weighted_loss_rounds_against_the_account() {
        assert_eq!(weighted_loss_per_lot(100, 10_000), 1);
        assert_eq!(weighted_loss_per_lot(100, 2_100), 1); // 0.21 up to 1
        assert_eq!(weighted_loss_per_lot(-100, 2_100), 0); // gain -0.21 up to 0
        assert_eq!(weighted_loss_per_lot(-300, 10_000), -3);
    }
}
