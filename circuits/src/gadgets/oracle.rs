//! Oracle prices in the circuit (mirrors `rules/oracle.rs`).
//!
//! [`PricesTarget`] holds the median prices the rules read. The report
//! hashing, bounds, staleness and median gadgets build on it.

use plonky2::iop::target::Target;
use plonky2::iop::witness::{PartialWitness, WitnessWrite};

use super::market::MarketShape;
use super::Builder;
use crate::config::F;
use crate::rules::encoding::unsigned;
use crate::rules::oracle::Prices;

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

/// Oracle gadgets.
pub trait OracleGadget {
    /// Fresh targets for median prices of a market shape.
    fn add_virtual_prices(&mut self, shape: &MarketShape) -> PricesTarget;
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
}

/// Assigns median prices.
pub fn set_prices(
    witness: &mut PartialWitness<F>,
    target: &PricesTarget,
    prices: &Prices,
) -> anyhow::Result<()> {
    let settlement: Vec<u64> = prices.settlement.iter().map(|x| x.unwrap_or(0)).collect();
    for (targets, values) in [
        (&target.spot, &prices.spot),
        (&target.mark, &prices.mark),
        (&target.kappa_bps, &prices.kappa_bps),
        (&target.settlement, &settlement),
    ] {
        anyhow::ensure!(
            targets.len() == values.len(),
            "price list length differs from the circuit's"
        );
        for (&t, &v) in targets.iter().zip(values) {
            witness.set_target(t, unsigned(v))?;
        }
    }
    Ok(())
}
