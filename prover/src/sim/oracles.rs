//! Signed oracle reports around the true prices, with an occasional liar.

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use zksettle_circuits::rules::market::{Market, OptionKind};
use zksettle_circuits::rules::oracle::{oracle_key_from_seed, Report, SettlementPrice};

use super::market::ORACLES;
use super::pricing::to_tick;

/// True prices of an epoch.
#[derive(Clone, Debug)]
pub struct TruePrices {
    /// Spot per underlying.
    pub spot: Vec<u64>,
    /// Mark per instrument.
    pub mark: Vec<u64>,
    /// Settlement price per (underlying, expiry) that has passed.
    pub settlement: Vec<SettlementPrice>,
}

/// The quorum's reports for an epoch: three of the four oracles (one of them
/// left out in turn), each quoting with a little noise; when `liar` is set,
/// the middle oracle quotes marks far too high (within the bounds).
pub fn reports(
    market: &Market,
    seed: u64,
    epoch: u64,
    now: u64,
    truth: &TruePrices,
    liar: bool,
    rng: &mut ChaCha8Rng,
) -> Vec<Report> {
    let absent = (epoch % u64::from(ORACLES)) as u32;
    let oracles: Vec<u32> = (0..ORACLES).filter(|&o| o != absent).collect();
    oracles
        .iter()
        .enumerate()
        .map(|(position, &oracle)| {
            let lying = liar && position == 1;
            let mut noise = |x: u64| to_tick(x as f64 * (1.0 + (rng.gen::<f64>() - 0.5) * 0.001));
            let spot: Vec<u64> = truth.spot.iter().map(|&s| noise(s).max(100)).collect();
            let mark = market
                .instruments
                .iter()
                .zip(&truth.mark)
                .map(|(instrument, &m)| {
                    let quoted = if lying { m.saturating_mul(3) } else { noise(m) };
                    let bound = match instrument.kind {
                        OptionKind::Call => spot[instrument.underlying as usize],
                        OptionKind::Put => instrument.strike,
                    };
                    quoted.min(bound)
                })
                .collect();
            let mut report = Report {
                oracle,
                timestamp: now - 5 - u64::from(oracle),
                spot,
                mark,
                kappa_bps: vec![500; market.instruments.len()],
                settlement: truth.settlement.clone(),
                signature: Default::default(),
            };
            report.sign(market, &oracle_key_from_seed(seed, oracle));
            report
        })
        .collect()
}
