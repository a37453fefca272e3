//! The price sheet in the circuit (mirrors `rules/sheet.rs`).
//!
//! The prelude derives the sheet from the reports ([`OracleGadget::median_prices`],
//! [`RiskGadget::risk_arrays`]) and states its commitment; a chunk takes the
//! sheet as witness ([`SheetGadget::add_virtual_price_sheet`]) and states the
//! commitment of what it was given. The fold requires the two equal, so a
//! chunk's prices are the prelude's. A chunk's risk rows are advice for its
//! row lookups only (a looked-up row is checked against the committed row
//! digests, never read from the advice), so the commitment need not cover them.
//!
//! [`OracleGadget::median_prices`]: super::oracle::OracleGadget::median_prices
//! [`RiskGadget::risk_arrays`]: super::risk::RiskGadget::risk_arrays

use plonky2::field::types::Field;
use plonky2::hash::hash_types::HashOutTarget;
use plonky2::iop::target::BoolTarget;
use plonky2::iop::witness::{PartialWitness, WitnessWrite};

use super::encoding::EncodingGadget;
use super::market::MarketShape;
use super::oracle::{set_quoted_prices, PricesTarget};
use super::risk::{RiskRowTarget, RiskTableTarget};
use super::Builder;
use crate::config::F;
use crate::rules::encoding::signed;
use crate::rules::sheet::{PriceSheet, DOMAIN_PRICE_SHEET, ROW_DIGEST_CHECKED};

/// A price sheet as a chunk uses it.
#[derive(Clone, Debug)]
pub struct PriceSheetTarget {
    /// Median prices (spot, mark, settlement; a chunk reads no kappa).
    pub prices: PricesTarget,
    /// Risk arrays (a chunk's rows are lookup advice).
    pub table: RiskTableTarget,
}

/// Price sheet gadgets.
pub trait SheetGadget {
    /// A sheet taken as witness (a chunk's), whose commitment is
    /// [`RiskTableTarget::commitment`] (the row lookups wait on it). Cost:
    /// the commitment's hash, about `(3 * instruments + 2 * underlyings) / 8` rows.
    fn add_virtual_price_sheet(&mut self, shape: &MarketShape) -> PriceSheetTarget;

    /// The commitment of a sheet, `rules::sheet::PriceSheet::commitment`.
    fn price_sheet_commitment(
        &mut self,
        prices: &PricesTarget,
        table: &RiskTableTarget,
    ) -> HashOutTarget;
}

impl SheetGadget for Builder {
    fn add_virtual_price_sheet(&mut self, shape: &MarketShape) -> PriceSheetTarget {
        let prices = PricesTarget {
            spot: self.add_virtual_targets(shape.underlyings),
            mark: self.add_virtual_targets(shape.instruments),
            kappa_bps: Vec::new(),
            settlement: self.add_virtual_targets(shape.instruments),
        };
        let rows = (0..shape.instruments)
            .map(|_| RiskRowTarget {
                selectors: (0..shape.underlyings)
                    .map(|_| BoolTarget::new_unsafe(self.add_virtual_target()))
                    .collect(),
                is_put: BoolTarget::new_unsafe(self.add_virtual_target()),
                mark_per_lot: self.add_virtual_target(),
                long_loss: self.add_virtual_targets(shape.scenarios),
                short_loss: self.add_virtual_targets(shape.scenarios),
            })
            .collect();
        let mut table = RiskTableTarget {
            rows,
            digests: [(); ROW_DIGEST_CHECKED].map(|()| self.add_virtual_targets(shape.instruments)),
            commitment: HashOutTarget::from_partial(&[], self.zero()),
            som_per_unit: self.add_virtual_targets(shape.underlyings),
        };
        table.commitment = self.price_sheet_commitment(&prices, &table);
        PriceSheetTarget { prices, table }
    }

    fn price_sheet_commitment(
        &mut self,
        prices: &PricesTarget,
        table: &RiskTableTarget,
    ) -> HashOutTarget {
        let mut fields = vec![self.constant(F::from_canonical_u64(DOMAIN_PRICE_SHEET))];
        fields.extend(
            prices
                .spot
                .iter()
                .chain(&prices.mark)
                .chain(&prices.settlement),
        );
        fields.extend(&table.som_per_unit);
        for column in &table.digests {
            fields.extend(column);
        }
        self.hash(fields)
    }
}

/// Assigns a sheet taken as witness.
pub fn set_price_sheet(
    witness: &mut PartialWitness<F>,
    target: &PriceSheetTarget,
    sheet: &PriceSheet,
) -> anyhow::Result<()> {
    let t = &target.prices;
    set_quoted_prices(witness, t, &sheet.prices)?;
    let table = &target.table;
    anyhow::ensure!(
        table.rows.len() == sheet.risk.instruments.len()
            && table.som_per_unit.len() == sheet.risk.som_per_unit.len(),
        "risk arrays differ in shape from the circuit's"
    );
    let underlyings = t.spot.len();
    for (row, native) in table.rows.iter().zip(&sheet.risk.instruments) {
        let fields = native.to_fields(underlyings);
        let targets = row.to_fields();
        anyhow::ensure!(
            fields.len() == targets.len(),
            "a risk row differs in length from the circuit's"
        );
        for (&target, value) in targets.iter().zip(fields) {
            witness.set_target(target, value)?;
        }
    }
    for (column, values) in table.digests.iter().zip(sheet.row_digests()) {
        for (&target, value) in column.iter().zip(values) {
            witness.set_target(target, value)?;
        }
    }
    for (&target, &value) in table.som_per_unit.iter().zip(&sheet.risk.som_per_unit) {
        witness.set_target(target, signed(value))?;
    }
    Ok(())
}
