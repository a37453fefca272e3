//! Test harness: build a tiny circuit, prove and verify it, or show that a
//! witness cannot be proven.

use std::panic::{catch_unwind, AssertUnwindSafe};

use plonky2::iop::witness::PartialWitness;
use plonky2::plonk::circuit_data::{CircuitConfig, CircuitData};

use super::Builder;
use crate::config::{C, D, F};

/// A fresh builder with the standard (non-ZK) recursion config.
pub fn builder() -> Builder {
    Builder::new(CircuitConfig::standard_recursion_config())
}

/// Proves and verifies; panics with the reason if either fails.
pub fn prove_and_verify(data: &CircuitData<F, C, D>, witness: PartialWitness<F>) {
    let proof = data.prove(witness).expect("an honest witness must prove");
    data.verify(proof).expect("an honest proof must verify");
}

/// Whether the witness yields a verifying proof (a failed generator, a
/// prover error, a panic and a rejected proof all count as "no").
pub fn provable(data: &CircuitData<F, C, D>, witness: PartialWitness<F>) -> bool {
    match catch_unwind(AssertUnwindSafe(|| data.prove(witness))) {
        Ok(Ok(proof)) => data.verify(proof).is_ok(),
        _ => false,
    }
}

/// An ownerless account with `cash` and `positions` `(instrument, qty)`.
pub fn account(cash: u64, positions: &[(u32, i64)]) -> crate::rules::account::Account {
    crate::rules::account::Account {
        cash,
        positions: positions
            .iter()
            .map(|&(instrument, qty)| crate::rules::account::Position { instrument, qty })
            .collect(),
        ..Default::default()
    }
}

/// A small market: BTC and ETH, six options (calls and puts, in and out of
/// the money), the default scenario grid and parameters, three oracle keys.
pub fn market() -> crate::rules::Market {
    use crate::rules::market::{Instrument, OptionKind, OracleSet, Params, Scenario, Underlying};
    const USD: u64 = 1_000_000;
    let chain = [
        (0, OptionKind::Call, 60_000 * USD),
        (0, OptionKind::Put, 60_000 * USD),
        (0, OptionKind::Call, 70_000 * USD),
        (0, OptionKind::Put, 50_000 * USD),
        (1, OptionKind::Call, 3_000 * USD),
        (1, OptionKind::Put, 3_100 * USD),
    ];
    crate::rules::Market {
        underlyings: vec![
            Underlying {
                id: 0,
                symbol: "BTC".into(),
            },
            Underlying {
                id: 1,
                symbol: "ETH".into(),
            },
        ],
        instruments: chain
            .iter()
            .enumerate()
            .map(|(id, &(underlying, kind, strike))| Instrument {
                id: id as u32,
                underlying,
                kind,
                strike,
                expiry: 2_000_000_000,
            })
            .collect(),
        scenarios: Scenario::default_grid(),
        params: Params::defaults(),
        oracles: OracleSet {
            keys: (0..3)
                .map(|i| {
                    crate::rules::oracle::oracle_key_from_seed(1, i)
                        .public_key()
                        .encoding()
                })
                .collect(),
            quorum: 3,
        },
        venue_owner: crate::rules::encoding::hash(&[plonky2::field::types::Field::ONE]),
        liquidator_owner: crate::rules::encoding::hash(&[plonky2::field::types::Field::TWO]),
        tree_depth: 8,
        custodians: crate::rules::custody::CustodianSet::seeded(1, 2, 2),
    }
}

/// Median prices for [`market`]: BTC 60,000 USD, ETH 3,000 USD.
pub fn prices() -> crate::rules::Prices {
    const USD: u64 = 1_000_000;
    crate::rules::Prices {
        spot: vec![60_000 * USD, 3_000 * USD],
        mark: vec![
            2_400 * USD,
            2_300 * USD,
            600 * USD,
            400 * USD,
            150 * USD,
            190 * USD,
        ],
        kappa_bps: vec![500, 500, 300, 300, 700, 700],
        settlement: vec![None; 6],
    }
}
