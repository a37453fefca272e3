//! Prices: spot paths with a crash, and Black-Scholes marks rounded to the
//! tick. All floating point goes through `libm`, so results are the same on
//! every machine.

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use zksettle_circuits::rules::market::{Instrument, OptionKind};
use zksettle_circuits::rules::units::TICK;

/// Annual volatility used for marks, per underlying.
pub const VOLATILITY: [f64; 2] = [0.6, 0.7];
/// Daily volatility of the spot path.
const DAILY_VOL: f64 = 0.02;
/// The crash: spot falls by this share in the crash epoch.
pub const CRASH: [f64; 2] = [0.45, 0.40];

const YEAR_SECONDS: f64 = 365.0 * 86_400.0;

/// Rounds a micro-USD amount to the nearest tick.
pub fn to_tick(x: f64) -> u64 {
    let ticks = libm::round(x.max(0.0) / TICK as f64);
    ticks as u64 * TICK
}

/// Next day's spot: a lognormal step, or the crash.
pub fn next_spot(spot: u64, underlying: usize, crash: bool, rng: &mut ChaCha8Rng) -> u64 {
    let factor = if crash {
        1.0 - CRASH[underlying]
    } else {
        // Sum of uniforms approximates a normal draw deterministically.
        let z: f64 = (0..12).map(|_| rng.gen::<f64>()).sum::<f64>() - 6.0;
        libm::exp(DAILY_VOL * z - DAILY_VOL * DAILY_VOL / 2.0)
    };
    to_tick(spot as f64 * factor).max(TICK)
}

fn normal_cdf(x: f64) -> f64 {
    0.5 * (1.0 + libm::erf(x / core::f64::consts::SQRT_2))
}

/// Black-Scholes value (no rates) of an instrument at `spot` and time `now`,
/// rounded to the tick and kept within the oracle bounds (calls <= spot,
/// puts <= strike). Expired instruments are worth their intrinsic value.
pub fn mark(instrument: &Instrument, underlying_vol: f64, spot: u64, now: u64) -> u64 {
    let intrinsic = instrument.intrinsic(spot);
    if now >= instrument.expiry {
        return intrinsic;
    }
    let (s, k) = (spot as f64, instrument.strike as f64);
    let t = (instrument.expiry - now) as f64 / YEAR_SECONDS;
    let sd = underlying_vol * libm::sqrt(t);
    let d1 = (libm::log(s / k) + sd * sd / 2.0) / sd;
    let d2 = d1 - sd;
    let value = match instrument.kind {
        OptionKind::Call => s * normal_cdf(d1) - k * normal_cdf(d2),
        OptionKind::Put => k * normal_cdf(-d2) - s * normal_cdf(-d1),
    };
    let bound = match instrument.kind {
        OptionKind::Call => spot,
        OptionKind::Put => instrument.strike,
    };
    to_tick(value).max(intrinsic).min(bound)
}
