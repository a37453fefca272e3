//! The market configuration in the circuit (mirrors `rules/market.rs`).
//!
//! The circuit is built for a market *shape* (counts of underlyings,
//! instruments, scenarios and oracle keys); the market's values are witnessed
//! and hashed exactly as [`Market::terms_fields`] and the oracle set's
//! encoding are, then combined into the market hash, which is bound to the
//! `market_hash` public input. The market is trusted by that hash: a light
//! client validates the market it trusts natively, so the circuit does not
//! re-check its bounds (and values derived natively from it, such as each
//! instrument's settlement leader, are trusted the same way).

use plonky2::field::types::Field;
use plonky2::hash::hash_types::HashOutTarget;
use plonky2::iop::target::{BoolTarget, Target};
use plonky2::iop::witness::{PartialWitness, WitnessWrite};

use super::ecgfp5::field::Gfp5Target;
use super::encoding::EncodingGadget;
use super::Builder;
use crate::config::F;
use crate::rules::encoding::{DOMAIN_MARKET, DOMAIN_MARKET_TERMS};
use crate::rules::market::Market;
use zksettle_verifier::market::KEY_LEN;

/// The counts a circuit is built for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct MarketShape {
    /// Underlyings.
    pub underlyings: usize,
    /// Instruments.
    pub instruments: usize,
    /// Scenarios of the margin grid.
    pub scenarios: usize,
    /// Oracle keys.
    pub oracles: usize,
    /// Reports per epoch.
    pub quorum: usize,
    /// Depth of the account tree.
    pub tree_depth: usize,
    /// Custodian keys.
    pub custodians: usize,
    /// Custodian signatures per deposit report.
    pub custodian_quorum: usize,
}

impl MarketShape {
    /// The shape of a market.
    pub fn of(market: &Market) -> Self {
        Self {
            underlyings: market.underlyings.len(),
            instruments: market.instruments.len(),
            scenarios: market.scenarios.len(),
            oracles: market.oracles.keys.len(),
            quorum: market.oracles.quorum as usize,
            tree_depth: market.tree_depth as usize,
            custodians: market.custodians.keys.len(),
            custodian_quorum: market.custodians.quorum as usize,
        }
    }
}

/// One instrument's values.
#[derive(Clone, Copy, Debug)]
pub struct InstrumentTarget {
    /// Underlying id.
    pub underlying: Target,
    /// 1 for a put, 0 for a call.
    pub is_put: BoolTarget,
    /// Strike.
    pub strike: Target,
    /// Expiry.
    pub expiry: Target,
    /// The first instrument of the same underlying and expiry.
    pub settlement_leader: Target,
}

/// One scenario's values.
#[derive(Clone, Copy, Debug)]
pub struct ScenarioTarget {
    /// Move, bps of spot.
    pub move_bps: Target,
    /// Weight, bps.
    pub weight_bps: Target,
}

/// The parameters, in declaration order of [`crate::rules::market::Params`].
#[derive(Clone, Copy, Debug)]
pub struct ParamsTarget {
    /// Initial margin, bps of maintenance.
    pub im_bps: Target,
    /// Short option minimum, bps of spot.
    pub som_bps: Target,
    /// Fee, bps of spot.
    pub fee_bps: Target,
    /// Fee cap, bps of price.
    pub fee_cap_bps: Target,
    /// Price band, bps of spot.
    pub band_bps: Target,
    /// Liquidation step, bps.
    pub liq_step_bps: Target,
    /// Small maintenance margin.
    pub small_mm: Target,
    /// Penalty, bps.
    pub penalty_bps: Target,
    /// Liquidator's share, bps.
    pub liquidator_share_bps: Target,
    /// Kappa floor, bps.
    pub kappa_floor_bps: Target,
    /// Largest report age, seconds.
    pub max_report_age: Target,
}

/// The market's values in the circuit.
#[derive(Clone, Debug)]
pub struct MarketTarget {
    /// The shape the circuit is built for.
    pub shape: MarketShape,
    /// Every element of [`Market::terms_fields`] then of the oracle set's
    /// encoding, constants included.
    pub fields: Vec<Target>,
    /// Positions in `fields` that are witnessed (not constants of the shape).
    pub witnessed: Vec<usize>,
    /// Instruments.
    pub instruments: Vec<InstrumentTarget>,
    /// Scenarios.
    pub scenarios: Vec<ScenarioTarget>,
    /// Parameters.
    pub params: ParamsTarget,
    /// The owner of the venue's liquidation accounts (a view into
    /// `fields`, so bound by the market hash).
    pub liquidator_owner: HashOutTarget,
    /// The oracle keys (encodings of ECgFp5 points), by oracle index:
    /// views into `fields`, so bound by the market hash.
    pub oracle_keys: Vec<Gfp5Target>,
    /// The custodian keys, by custodian index: views into `fields`, so
    /// bound by the market hash.
    pub custodian_keys: Vec<Gfp5Target>,
    /// The market hash of the terms and the oracle set.
    pub hash: HashOutTarget,
}

/// Market gadgets.
pub trait MarketGadget {
    /// Witnessed market values of a shape, hashed. Cost: `ceil(len / 8)` rows
    /// (about 42 for 2 underlyings, 48 instruments, 14 scenarios, 4 oracles).
    fn add_virtual_market(&mut self, shape: &MarketShape) -> MarketTarget;
}

/// Layout of [`Market::terms_fields`] followed by the oracle set's encoding
/// for a shape: offsets of each section.
struct Layout {
    underlyings: usize,
    instruments: usize,
    scenarios: usize,
    params: usize,
    venue_owner: usize,
    liquidator_owner: usize,
    tree_depth: usize,
    /// The custodian count, then their keys, then the quorum.
    custodians: usize,
    /// Start of the oracle set's encoding (the end of the terms).
    oracles: usize,
    len: usize,
}

const HEADER: usize = 4;
const UNDERLYING_LEN: usize = 2 + crate::rules::market::MAX_SYMBOL_LEN / 4;
const INSTRUMENT_LEN: usize = 6;
const PARAMS_LEN: usize = 11;

impl Layout {
    fn of(shape: &MarketShape) -> Self {
        let underlyings = HEADER;
        let instruments = underlyings + UNDERLYING_LEN * shape.underlyings;
        let scenarios = instruments + INSTRUMENT_LEN * shape.instruments;
        let params = scenarios + 2 * shape.scenarios;
        let venue_owner = params + PARAMS_LEN;
        let liquidator_owner = venue_owner + 4;
        let tree_depth = liquidator_owner + 4;
        let custodians = tree_depth + 1;
        let oracles = custodians + 1 + KEY_LEN * shape.custodians + 1;
        let len = oracles + 2 + KEY_LEN * shape.oracles + 1;
        Self {
            underlyings,
            instruments,
            scenarios,
            params,
            venue_owner,
            liquidator_owner,
            tree_depth,
            custodians,
            oracles,
            len,
        }
    }
}

impl MarketGadget for Builder {
    fn add_virtual_market(&mut self, shape: &MarketShape) -> MarketTarget {
        let layout = Layout::of(shape);
        let mut fields: Vec<Target> = (0..layout.len).map(|_| self.add_virtual_target()).collect();
        let mut constants = vec![false; layout.len];
        // The shape is part of the circuit: counts, ids, quorum and depth are constants.
        let mut fix = |b: &mut Builder, at: usize, x: u64| {
            fields[at] = b.constant(F::from_canonical_u64(x));
            constants[at] = true;
        };
        fix(self, 0, DOMAIN_MARKET_TERMS);
        for (k, count) in [shape.underlyings, shape.instruments, shape.scenarios]
            .into_iter()
            .enumerate()
        {
            fix(self, 1 + k, count as u64);
        }
        for u in 0..shape.underlyings {
            fix(self, layout.underlyings + UNDERLYING_LEN * u, u as u64);
        }
        for i in 0..shape.instruments {
            fix(self, layout.instruments + INSTRUMENT_LEN * i, i as u64);
        }
        fix(self, layout.tree_depth, shape.tree_depth as u64);
        fix(self, layout.custodians, shape.custodians as u64);
        fix(self, layout.oracles - 1, shape.custodian_quorum as u64);
        fix(self, layout.oracles, zksettle_verifier::domain::ORACLE_SET);
        fix(self, layout.oracles + 1, shape.oracles as u64);
        fix(self, layout.len - 1, shape.quorum as u64);
        let witnessed = (0..layout.len).filter(|&k| !constants[k]).collect();
        let instruments = (0..shape.instruments)
            .map(|i| {
                let at = layout.instruments + INSTRUMENT_LEN * i;
                let is_put = BoolTarget::new_unsafe(fields[at + 2]);
                InstrumentTarget {
                    underlying: fields[at + 1],
                    is_put,
                    strike: fields[at + 3],
                    expiry: fields[at + 4],
                    settlement_leader: fields[at + 5],
                }
            })
            .collect();
        let scenarios = (0..shape.scenarios)
            .map(|j| ScenarioTarget {
                move_bps: fields[layout.scenarios + 2 * j],
                weight_bps: fields[layout.scenarios + 2 * j + 1],
            })
            .collect();
        let p = &fields[layout.params..layout.params + PARAMS_LEN];
        let params = ParamsTarget {
            im_bps: p[0],
            som_bps: p[1],
            fee_bps: p[2],
            fee_cap_bps: p[3],
            band_bps: p[4],
            liq_step_bps: p[5],
            small_mm: p[6],
            penalty_bps: p[7],
            liquidator_share_bps: p[8],
            kappa_floor_bps: p[9],
            max_report_age: p[10],
        };
        let terms = self.hash(fields[..layout.oracles].to_vec());
        let oracles = self.hash(fields[layout.oracles..].to_vec());
        let mut combined = vec![self.constant(F::from_canonical_u64(DOMAIN_MARKET))];
        combined.extend(terms.elements);
        combined.extend(oracles.elements);
        let hash = self.hash(combined);
        debug_assert_eq!(layout.venue_owner + 4, layout.liquidator_owner);
        debug_assert_eq!(layout.liquidator_owner + 4, layout.tree_depth);
        let liquidator_owner = HashOutTarget {
            elements: std::array::from_fn(|k| fields[layout.liquidator_owner + k]),
        };
        let oracle_keys = (0..shape.oracles)
            .map(|i| {
                let at = layout.oracles + 2 + KEY_LEN * i;
                Gfp5Target(std::array::from_fn(|j| fields[at + j]))
            })
            .collect();
        let custodian_keys = (0..shape.custodians)
            .map(|i| {
                let at = layout.custodians + 1 + KEY_LEN * i;
                Gfp5Target(std::array::from_fn(|j| fields[at + j]))
            })
            .collect();
        MarketTarget {
            liquidator_owner,
            custodian_keys,
            oracle_keys,
            shape: *shape,
            fields,
            witnessed,
            instruments,
            scenarios,
            params,
            hash,
        }
    }
}

/// Assigns a market's values (the constants of the shape are skipped).
pub fn set_market(
    witness: &mut PartialWitness<F>,
    target: &MarketTarget,
    market: &Market,
) -> anyhow::Result<()> {
    let mut values = market.terms_fields();
    values.extend(market.oracles.to_fields());
    anyhow::ensure!(
        values.len() == target.fields.len(),
        "market shape differs from the circuit's"
    );
    for &k in &target.witnessed {
        witness.set_target(target.fields[k], values[k])?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::C;
    use crate::gadgets::testing::{builder, provable};
    use crate::rules::market::{Instrument, OptionKind, OracleSet, Params, Scenario, Underlying};

    fn market() -> Market {
        Market {
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
            instruments: (0..3)
                .map(|id| Instrument {
                    id,
                    underlying: id % 2,
                    kind: OptionKind::Put,
                    strike: 1_000_000 * (u64::from(id) + 1),
                    expiry: 99,
                })
                .collect(),
            scenarios: Scenario::default_grid(),
            params: Params::defaults(),
            oracles: OracleSet {
                keys: vec![[7, 0, 0, 0, 0], [9, 0, 0, 0, 0], [11, 0, 0, 0, 0]],
                quorum: 3,
            },
            venue_owner: crate::rules::encoding::hash(&[F::ONE]),
            liquidator_owner: crate::rules::encoding::hash(&[F::TWO]),
            tree_depth: 8,
            custodians: crate::rules::custody::CustodianSet::seeded(1, 2, 1),
        }
    }

    fn proves_hash(witnessed: &Market, expected: &Market) -> bool {
        let mut b = builder();
        let target = b.add_virtual_market(&MarketShape::of(expected));
        let public = b.add_virtual_hash();
        b.connect_hashes(target.hash, public);
        let data = b.build::<C>();
        let mut pw = PartialWitness::new();
        set_market(&mut pw, &target, witnessed).unwrap();
        pw.set_hash_target(public, expected.hash()).unwrap();
        provable(&data, pw)
    }

    #[test]
    fn market_hash_matches_the_native_hash() {
        assert!(proves_hash(&market(), &market()));
    }

    #[test]
    fn another_market_cannot_claim_the_trusted_hash() {
        let mut other = market();
        other.params.im_bps += 1;
        assert!(!proves_hash(&other, &market()));
        let mut other = market();
        other.oracles.keys[1][0] ^= 1;
        assert!(!proves_hash(&other, &market()), "another oracle key");
        let mut other = market();
        other.venue_owner.elements[0] = F::TWO;
        assert!(!proves_hash(&other, &market()), "another venue owner");
        let mut other = market();
        other.liquidator_owner.elements[3] = F::TWO;
        assert!(!proves_hash(&other, &market()), "another liquidation owner");
    }
}
