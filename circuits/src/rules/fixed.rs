//! Fixed-point arithmetic with explicit rounding.
//!
//! All helpers work on `i128` so that intermediate products never overflow;
//! the rule book guarantees that results fit `i64` (`docs/design.md` section 2). The
//! circuit side performs the same divisions with a witnessed quotient and a
//! range-checked remainder.

use super::units::{BPS, TICK};

/// `ceil(n / d)` for `d > 0`, exact for negative `n` too.
pub fn ceil_div(n: i128, d: i128) -> i128 {
    debug_assert!(d > 0);
    -((-n).div_euclid(d))
}

/// `floor(n / d)` for `d > 0`, exact for negative `n` too.
pub fn floor_div(n: i128, d: i128) -> i128 {
    debug_assert!(d > 0);
    n.div_euclid(d)
}

/// `ceil(x * rate_bps / 10^4)`: a charge at a rate, rounded up.
pub fn mul_bps_ceil(x: i128, rate_bps: u64) -> i128 {
    ceil_div(x * i128::from(rate_bps), i128::from(BPS))
}

/// `floor(x * rate_bps / 10^4)`: a credit at a rate, rounded down.
pub fn mul_bps_floor(x: i128, rate_bps: u64) -> i128 {
    floor_div(x * i128::from(rate_bps), i128::from(BPS))
}

/// Truncation toward zero of `x * rate_bps / 10^4` (the liquidated share of a position).
pub fn mul_bps_trunc(x: i128, rate_bps: u64) -> i128 {
    (x * i128::from(rate_bps)) / i128::from(BPS)
}

/// Rounds a non-negative price up to the tick.
pub fn ceil_tick(x: u128) -> u128 {
    x.div_ceil(u128::from(TICK)) * u128::from(TICK)
}

/// Rounds a non-negative price down to the tick.
pub fn floor_tick(x: u128) -> u128 {
    x / u128::from(TICK) * u128::from(TICK)
}

/// Whether a price lies on the tick.
pub fn on_tick(price: u64) -> bool {
    price.is_multiple_of(TICK)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ceil_and_floor_round_in_their_direction_for_both_signs() {
        assert_eq!(ceil_div(7, 2), 4);
        assert_eq!(ceil_div(-7, 2), -3);
        assert_eq!(ceil_div(6, 2), 3);
        assert_eq!(floor_div(7, 2), 3);
        assert_eq!(floor_div(-7, 2), -4);
    }

    #[test]
    fn bps_helpers_round_as_named() {
        assert_eq!(mul_bps_ceil(1, 1), 1);
        assert_eq!(mul_bps_floor(1, 9_999), 0);
        assert_eq!(mul_bps_trunc(-7, 2_500), -1);
        assert_eq!(mul_bps_trunc(7, 2_500), 1);
        assert_eq!(mul_bps_ceil(-1, 5_000), 0);
    }

    #[test]
    fn tick_rounding() {
        assert_eq!(ceil_tick(101), 200);
        assert_eq!(ceil_tick(100), 100);
        assert_eq!(floor_tick(199), 100);
        assert!(on_tick(0) && on_tick(300) && !on_tick(301));
    }
}
