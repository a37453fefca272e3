//! Risk arrays in the circuit (mirrors `rules/risk.rs`), computed once per
//! chunk from the median prices, and the row lookup the margin gadget uses.
//!
//! Each instrument's row `[is_underlying_0.., is_put, mark_per_lot, a_i0..,
//! b_i0..]` is hashed (the underlying as one-hot selectors, computed once per
//! chunk, so a margin update by the row needs no comparison); the first two elements of every row digest form two vectors,
//! and a slot's row is looked up by witnessing the row, hashing it and
//! matching both digest elements by random access at the slot's instrument:
//! about 6 rows per lookup, however long the row.

use std::sync::Arc;

use plonky2::field::types::{Field, PrimeField64};
use plonky2::hash::hash_types::HashOutTarget;
use plonky2::iop::generator::{GeneratedValues, SimpleGenerator};
use plonky2::iop::target::{BoolTarget, Target};
use plonky2::iop::witness::{PartitionWitness, Witness, WitnessWrite};
use plonky2::plonk::circuit_data::CommonCircuitData;
use plonky2::util::serialization::{Buffer, IoResult, Read, Write};

use super::encoding::EncodingGadget;
use super::fixed::FixedGadget;
use super::market::MarketTarget;
use super::oracle::PricesTarget;
use super::Builder;
use crate::config::{D, F};
use crate::rules::units::{BPS, Q_SCALE, TICK};

/// Bits of a price (P_MAX = 2^40).
pub const PRICE_BITS: usize = 40;
/// Bits bounding a shocked spot or a per-unit loss (below 6 * 2^40).
pub const LOSS_BITS: usize = 43;
/// Bits of a shocked spot in ticks: `S * move / 10^6 <= 2^40 / 20 < 2^36`.
pub const SHOCK_TICK_BITS: usize = 36;
/// Bits of a weighted loss per lot: `2^43 * 10^4 / 10^6 < 2^37`.
pub const WEIGHTED_LOSS_BITS: usize = 37;

/// One instrument's row of the risk arrays.
#[derive(Clone, Debug)]
pub struct RiskRowTarget {
    /// One-hot underlying: `selectors[u]` is 1 for the row's underlying.
    pub selectors: Vec<BoolTarget>,
    /// 1 for a put.
    pub is_put: BoolTarget,
    /// `M / Q_SCALE`.
    pub mark_per_lot: Target,
    /// Weighted long loss per lot, per scenario.
    pub long_loss: Vec<Target>,
    /// Weighted short loss per lot, per scenario.
    pub short_loss: Vec<Target>,
}

impl RiskRowTarget {
    /// Elements of the row in hashing order.
    pub fn to_fields(&self) -> Vec<Target> {
        let mut out: Vec<Target> = self.selectors.iter().map(|s| s.target).collect();
        out.extend([self.is_put.target, self.mark_per_lot]);
        out.extend(&self.long_loss);
        out.extend(&self.short_loss);
        out
    }

    fn from_fields(fields: &[Target], underlyings: usize, scenarios: usize) -> Self {
        let (selectors, rest) = fields.split_at(underlyings);
        Self {
            selectors: selectors
                .iter()
                .map(|&t| BoolTarget::new_unsafe(t))
                .collect(),
            is_put: BoolTarget::new_unsafe(rest[0]),
            mark_per_lot: rest[1],
            long_loss: rest[2..2 + scenarios].to_vec(),
            short_loss: rest[2 + scenarios..2 + 2 * scenarios].to_vec(),
        }
    }
}

/// The risk arrays of a chunk.
#[derive(Clone, Debug)]
pub struct RiskTableTarget {
    /// One row per instrument.
    pub rows: Vec<RiskRowTarget>,
    /// First and second element of every row digest.
    pub digests: [Vec<Target>; 2],
    /// Hash of every row digest: the arrays' commitment.
    pub commitment: HashOutTarget,
    /// `ceil(S * som_bps / 10^4)` per underlying.
    pub som_per_unit: Vec<Target>,
}

/// Risk array gadgets.
pub trait RiskGadget {
    /// Shocked spot `S * move / 10^4`, rounded to the tick away from `S`;
    /// `moves_down` is `move < 10^4`. Cost: 2 rows.
    fn shocked_spot(&mut self, spot: Target, move_bps: Target, moves_down: BoolTarget) -> Target;

    /// `c = ceil_tick(K * kappa / 10^4)`. Cost: 2 rows.
    fn time_value_charge(&mut self, strike: Target, kappa_bps: Target) -> Target;

    /// `ceil(loss * weight / (10^4 * Q_SCALE))`. Cost: 2 rows.
    fn weighted_loss_per_lot(&mut self, loss_per_unit: Target, weight_bps: Target) -> Target;

    /// The risk arrays of every instrument at the median prices. Cost per
    /// instrument about `5 * scenarios + 8` rows, plus the commitment.
    fn risk_arrays(&mut self, market: &MarketTarget, prices: &PricesTarget) -> RiskTableTarget;

    /// The row of `instrument` (which must be below the number of
    /// instruments; callers check it). Cost: about 6 rows.
    fn risk_row(&mut self, table: &RiskTableTarget, instrument: Target) -> RiskRowTarget;
}

impl RiskGadget for Builder {
    fn shocked_spot(&mut self, spot: Target, move_bps: Target, moves_down: BoolTarget) -> Target {
        // floor/ceil to the tick of S*m/10^4 is 100 * floor/ceil(S*m / 10^6).
        let exact = self.mul(spot, move_bps);
        // S <= P_MAX = 2^40 and move <= MAX_MOVE_BPS = 5 * 10^4, so the
        // quotient S * move / 10^6 is at most 2^40 / 20 < 2^36 (a 44-bit
        // quotient would let `q * 10^6` wrap: two solutions).
        let (floor, remainder) = self.div_rem_const(exact, BPS * TICK, SHOCK_TICK_BITS);
        let inexact = self.is_nonzero(remainder);
        let moves_up = self.not(moves_down);
        let round_up = self.and(inexact, moves_up);
        let ticks = self.add(floor, round_up.target);
        self.mul_const(F::from_canonical_u64(TICK), ticks)
    }

    fn time_value_charge(&mut self, strike: Target, kappa_bps: Target) -> Target {
        let exact = self.mul(strike, kappa_bps);
        let ticks = self.ceil_div_const(exact, BPS * TICK, PRICE_BITS);
        self.mul_const(F::from_canonical_u64(TICK), ticks)
    }

    fn weighted_loss_per_lot(&mut self, loss_per_unit: Target, weight_bps: Target) -> Target {
        // |loss| < 2^43 (LOSS_BITS) and weight <= 10^4: the quotient is
        // below 2^43 / 100 < 2^37.
        let weighted = self.mul(loss_per_unit, weight_bps);
        self.ceil_div_const(weighted, BPS * Q_SCALE, WEIGHTED_LOSS_BITS)
    }

    fn risk_arrays(&mut self, market: &MarketTarget, prices: &PricesTarget) -> RiskTableTarget {
        let ten_k = self.constant(F::from_canonical_u64(BPS));
        let moves_down: Vec<BoolTarget> = market
            .scenarios
            .iter()
            .map(|s| self.is_lt(s.move_bps, ten_k, 20))
            .collect();
        let shocked: Vec<Vec<Target>> = prices
            .spot
            .iter()
            .map(|&spot| {
                market
                    .scenarios
                    .iter()
                    .zip(&moves_down)
                    .map(|(s, &down)| self.shocked_spot(spot, s.move_bps, down))
                    .collect()
            })
            .collect();
        let zero = self.zero();
        let mut rows = Vec::with_capacity(market.instruments.len());
        for (i, instrument) in market.instruments.iter().enumerate() {
            let mark = prices.mark[i];
            let charge = self.time_value_charge(instrument.strike, prices.kappa_bps[i]);
            let spots = self.random_access_row(instrument.underlying, &shocked);
            let mut long_loss = Vec::with_capacity(spots.len());
            let mut short_loss = Vec::with_capacity(spots.len());
            for (scenario, &spot) in market.scenarios.iter().zip(&spots) {
                // call: S_j - K; put: K - S_j
                let call_payoff = self.sub(spot, instrument.strike);
                let put_payoff = self.neg(call_payoff);
                let payoff = self.select(instrument.is_put, put_payoff, call_payoff);
                let intrinsic = self.max(payoff, zero, LOSS_BITS);
                let long = self.sub(mark, intrinsic);
                let short = self.add(intrinsic, charge);
                let short = self.sub(short, mark);
                long_loss.push(self.weighted_loss_per_lot(long, scenario.weight_bps));
                short_loss.push(self.weighted_loss_per_lot(short, scenario.weight_bps));
            }
            let mark_per_lot = self.exact_div_const(mark, Q_SCALE, PRICE_BITS);
            let selectors = (0..prices.spot.len())
                .map(|u| {
                    let id = self.constant(F::from_canonical_usize(u));
                    self.is_equal(instrument.underlying, id)
                })
                .collect();
            rows.push(RiskRowTarget {
                selectors,
                is_put: instrument.is_put,
                mark_per_lot,
                long_loss,
                short_loss,
            });
        }
        let row_digests: Vec<HashOutTarget> =
            rows.iter().map(|r| self.hash(r.to_fields())).collect();
        let digests = [0, 1].map(|k| row_digests.iter().map(|d| d.elements[k]).collect());
        let commitment = self.hash(row_digests.iter().flat_map(|d| d.elements).collect());
        let som_per_unit = prices
            .spot
            .iter()
            .map(|&spot| {
                let exact = self.mul(spot, market.params.som_bps);
                self.ceil_div_const(exact, BPS, PRICE_BITS + 1)
            })
            .collect();
        RiskTableTarget {
            rows,
            digests,
            commitment,
            som_per_unit,
        }
    }

    fn risk_row(&mut self, table: &RiskTableTarget, instrument: Target) -> RiskRowTarget {
        let width = table.rows.first().map_or(0, |r| r.to_fields().len());
        let out = self.add_virtual_targets(width);
        self.add_simple_generator(RowLookupGenerator {
            index: instrument,
            table: Arc::new(table.rows.iter().map(RiskRowTarget::to_fields).collect()),
            ready: table.commitment.elements.to_vec(),
            out: out.clone(),
        });
        constrain_row(self, table, instrument, &out);
        let (underlyings, scenarios) = table
            .rows
            .first()
            .map_or((0, 0), |r| (r.selectors.len(), r.long_loss.len()));
        RiskRowTarget::from_fields(&out, underlyings, scenarios)
    }
}

/// The constraint half of a lookup: `row` hashes to the digest stored at `instrument`.
fn constrain_row(
    builder: &mut Builder,
    table: &RiskTableTarget,
    instrument: Target,
    row: &[Target],
) {
    let digest = builder.hash(row.to_vec());
    for k in 0..2 {
        let claimed = builder.random_access(instrument, table.digests[k].clone());
        builder.connect(claimed, digest.elements[k]);
    }
}

/// Picks the row `index` of a small table (one random access per column).
trait RowAccess {
    fn random_access_row(&mut self, index: Target, table: &[Vec<Target>]) -> Vec<Target>;
}

impl RowAccess for Builder {
    fn random_access_row(&mut self, index: Target, table: &[Vec<Target>]) -> Vec<Target> {
        let columns = table.first().map_or(0, Vec::len);
        (0..columns)
            .map(|c| self.random_access(index, table.iter().map(|row| row[c]).collect()))
            .collect()
    }
}

/// Copies the row at `index` of the table into `out` (the lookup's witness).
/// The only row allowed: `out` must hash to the first two elements of the
/// row digest stored at `index` (random access into the table's digests),
/// so another row would be a 128-bit second preimage of Poseidon.
#[derive(Debug, Default)]
pub struct RowLookupGenerator {
    pub(crate) index: Target,
    pub(crate) table: Arc<Vec<Vec<Target>>>,
    /// Targets set only once every row is known (the table commitment).
    pub(crate) ready: Vec<Target>,
    pub(crate) out: Vec<Target>,
}

impl SimpleGenerator<F, D> for RowLookupGenerator {
    fn id(&self) -> String {
        "zksettle::RowLookupGenerator".into()
    }

    fn dependencies(&self) -> Vec<Target> {
        let mut deps = vec![self.index];
        deps.extend(&self.ready);
        deps
    }

    fn run_once(
        &self,
        witness: &PartitionWitness<F>,
        out: &mut GeneratedValues<F>,
    ) -> anyhow::Result<()> {
        let index = witness.get_target(self.index).to_canonical_u64() as usize;
        let row = self
            .table
            .get(index)
            .or_else(|| self.table.last())
            .ok_or_else(|| anyhow::anyhow!("empty risk table"))?;
        for (&t, &source) in self.out.iter().zip(row) {
            out.set_target(t, witness.get_target(source))?;
        }
        Ok(())
    }

    fn serialize(&self, dst: &mut Vec<u8>, _: &CommonCircuitData<F, D>) -> IoResult<()> {
        dst.write_target(self.index)?;
        dst.write_usize(self.table.len())?;
        for row in self.table.iter() {
            dst.write_target_vec(row)?;
        }
        dst.write_target_vec(&self.ready)?;
        dst.write_target_vec(&self.out)
    }

    fn deserialize(src: &mut Buffer, _: &CommonCircuitData<F, D>) -> IoResult<Self> {
        let index = src.read_target()?;
        let rows = src.read_usize()?;
        let table = (0..rows)
            .map(|_| src.read_target_vec())
            .collect::<IoResult<Vec<_>>>()?;
        Ok(Self {
            index,
            table: Arc::new(table),
            ready: src.read_target_vec()?,
            out: src.read_target_vec()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use plonky2::iop::witness::PartialWitness;

    use super::*;
    use crate::config::C;
    use crate::gadgets::fixed::from_signed;
    use crate::gadgets::market::{set_market, MarketGadget, MarketShape};
    use crate::gadgets::oracle::{set_prices, OracleGadget};
    use crate::gadgets::testing::{builder, market, prices, provable};
    use crate::rules::risk::{InstrumentRisk, RiskArrays};

    fn native_row(row: &InstrumentRisk, underlyings: usize) -> Vec<F> {
        row.to_fields(underlyings)
    }

    /// Builds the risk arrays of the test market at `spot_scale` times its spots
    /// and checks every value against the native arrays; then looks up `lookups`
    /// claiming the rows `claimed` (honest when equal).
    fn risk_circuit_provable(spot_scale: u64, lookups: &[(u32, u32)]) -> bool {
        let market = market();
        let mut prices = prices();
        for s in &mut prices.spot {
            *s = *s * spot_scale / 4;
        }
        let native = RiskArrays::compute(&market, &prices);
        let shape = MarketShape::of(&market);
        let mut b = builder();
        let m = b.add_virtual_market(&shape);
        let p = b.add_virtual_prices(&shape);
        let table = b.risk_arrays(&m, &p);
        for (row, expected) in table.rows.iter().zip(&native.instruments) {
            for (t, v) in row
                .to_fields()
                .into_iter()
                .zip(native_row(expected, shape.underlyings))
            {
                let c = b.constant(v);
                b.connect(t, c);
            }
        }
        for (&t, &v) in table.som_per_unit.iter().zip(&native.som_per_unit) {
            let c = b.constant(from_signed(v.into()));
            b.connect(t, c);
        }
        let mut claims = Vec::new();
        for &(instrument, claimed) in lookups {
            let index = b.constant(F::from_canonical_u32(instrument));
            let row = b.add_virtual_targets(table.rows[0].to_fields().len());
            constrain_row(&mut b, &table, index, &row);
            claims.push((
                row,
                native_row(&native.instruments[claimed as usize], shape.underlyings),
            ));
        }
        let data = b.build::<C>();
        let mut pw = PartialWitness::new();
        set_market(&mut pw, &m, &market).unwrap();
        set_prices(&mut pw, &p, &prices).unwrap();
        for (targets, values) in claims {
            for (t, v) in targets.into_iter().zip(values) {
                pw.set_target(t, v).unwrap();
            }
        }
        provable(&data, pw)
    }

    #[test]
    fn risk_arrays_match_the_native_arrays_at_several_spots() {
        for scale in [1, 4, 7] {
            assert!(risk_circuit_provable(scale, &[]), "spot scale {scale}/4");
        }
    }

    #[test]
    fn a_looked_up_row_must_be_the_instruments_row() {
        assert!(risk_circuit_provable(4, &[(0, 0), (3, 3), (5, 5)]));
        assert!(!risk_circuit_provable(4, &[(3, 2)]));
    }
}
