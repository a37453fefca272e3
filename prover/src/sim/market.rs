//! The simulated market: BTC and ETH options over three expiries.

use zksettle_circuits::rules::custody::CustodianSet;
use zksettle_circuits::rules::market::{
    Instrument, Market, OptionKind, OracleSet, Params, Scenario, Underlying,
};
use zksettle_circuits::rules::oracle::oracle_key_from_seed;

/// One USD in micro-USD.
pub const USD: u64 = 1_000_000;
/// Genesis time: 2026-01-01T00:00:00Z.
pub const GENESIS_TIME: u64 = 1_767_225_600;
/// Seconds between epochs.
pub const EPOCH_SECONDS: u64 = 86_400;
/// Oracles in the set.
pub const ORACLES: u32 = 4;

/// Underlying symbols, starting spots (USD) and strikes (USD).
pub const UNDERLYINGS: [(&str, u64, &[u64]); 2] = [
    ("BTC", 60_000, &[50_000, 55_000, 60_000, 65_000, 70_000]),
    ("ETH", 3_000, &[2_500, 3_000, 3_500]),
];

/// Expiries after genesis, seconds: 1.5 days (settles in epoch 2), a week, a month.
pub const EXPIRY_OFFSETS: [u64; 3] = [129_600, 7 * 86_400, 30 * 86_400];

/// The market of a seed: a chain of calls and puts per underlying, expiry and
/// strike (48 instruments), default grid and parameters, four seeded oracles,
/// the venue's accounts owned by the seed's owner 0.
pub fn simulated_market(seed: u64) -> Market {
    let mut instruments = Vec::new();
    for (u, (_, _, strikes)) in UNDERLYINGS.iter().enumerate() {
        for offset in EXPIRY_OFFSETS {
            for &strike in strikes.iter() {
                for kind in [OptionKind::Call, OptionKind::Put] {
                    instruments.push(Instrument {
                        id: instruments.len() as u32,
                        underlying: u as u32,
                        kind,
                        strike: strike * USD,
                        expiry: GENESIS_TIME + offset,
                    });
                }
            }
        }
    }
    Market {
        underlyings: UNDERLYINGS
            .iter()
            .enumerate()
            .map(|(id, (symbol, _, _))| Underlying {
                id: id as u32,
                symbol: (*symbol).into(),
            })
            .collect(),
        instruments,
        scenarios: Scenario::default_grid(),
        params: Params::defaults(),
        oracles: OracleSet {
            keys: (0..ORACLES)
                .map(|i| oracle_key_from_seed(seed, i).public_key().encoding())
                .collect(),
            quorum: 3,
        },
        venue_owner: super::agents::owner(seed, 0),
        // The liquidator's account is the venue's: its user's key is the
        // venue's liquidation key.
        liquidator_owner: super::agents::owner(seed, super::agents::LIQUIDATOR),
        tree_depth: 20,
        // Three custodians, any two of which attest the deposits.
        custodians: CustodianSet::seeded(seed, 3, 2),
    }
}
