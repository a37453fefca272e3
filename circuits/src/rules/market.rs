//! The market configuration: underlyings, the options chain, the scenario
//! grid, margin and fee parameters, and the oracle set (`docs/design.md` section 5.1).
//!
//! A market is validated once when loaded; every later rule may rely on its
//! bounds. Its Poseidon hash (`market_hash`) is a public input of every proof.

use serde::{Deserialize, Serialize};

use super::encoding::{hash, pack_bytes, unsigned, Digest, DOMAIN_MARKET_TERMS, ZERO_DIGEST};
use super::fixed::on_tick;
use super::units::*;
use crate::config::F;

pub use zksettle_verifier::market::{market_hash, OracleSet};

/// An underlying asset (BTC, ETH, ...). Its `id` is its position in the list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Underlying {
    /// Position in `Market::underlyings`.
    pub id: u32,
    /// Ticker, at most [`MAX_SYMBOL_LEN`] ASCII bytes.
    pub symbol: String,
}

/// Longest underlying symbol.
pub const MAX_SYMBOL_LEN: usize = 16;

/// Call or put.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OptionKind {
    /// Right to buy at the strike.
    Call,
    /// Right to sell at the strike.
    Put,
}

impl OptionKind {
    /// Field code of the kind (call 0, put 1).
    pub fn code(self) -> u64 {
        match self {
            OptionKind::Call => 0,
            OptionKind::Put => 1,
        }
    }
}

/// A European option listed by the venue. Its `id` is its position in the list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Instrument {
    /// Position in `Market::instruments`.
    pub id: u32,
    /// Index of the underlying.
    pub underlying: u32,
    /// Call or put.
    pub kind: OptionKind,
    /// Strike price, micro-USD per underlying, on the tick.
    pub strike: u64,
    /// Expiry, unix seconds.
    pub expiry: u64,
}

impl Instrument {
    /// Intrinsic value per underlying at spot `x`: `max(x - K, 0)` for calls,
    /// `max(K - x, 0)` for puts.
    pub fn intrinsic(&self, x: u64) -> u64 {
        match self.kind {
            OptionKind::Call => x.saturating_sub(self.strike),
            OptionKind::Put => self.strike.saturating_sub(x),
        }
    }
}

/// One point of the margin scenario grid: a spot move and its weight.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Shocked spot as bps of spot (10^4 = unchanged).
    pub move_bps: u64,
    /// Share of the scenario's loss that counts, bps.
    pub weight_bps: u64,
}

/// Margin, fee, band and liquidation parameters.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Initial margin as bps of maintenance margin (>= 10^4).
    pub im_bps: u64,
    /// Short option minimum, bps of spot per short unit.
    pub som_bps: u64,
    /// Trading fee, bps of spot.
    pub fee_bps: u64,
    /// Fee cap, bps of the option price.
    pub fee_cap_bps: u64,
    /// Largest distance of a trade price from the mark, bps of spot.
    pub band_bps: u64,
    /// Largest fraction of a position taken per liquidation step, bps.
    pub liq_step_bps: u64,
    /// Maintenance margin at or below which an account may be liquidated whole, micro-USD.
    pub small_mm: u64,
    /// Liquidation penalty, bps of the maintenance margin released.
    pub penalty_bps: u64,
    /// Liquidator's share of the penalty, bps (the rest goes to the insurance fund).
    pub liquidator_share_bps: u64,
    /// Lowest time-value factor an oracle may report, bps.
    pub kappa_floor_bps: u64,
    /// Largest age of an oracle report relative to the epoch timestamp, seconds.
    pub max_report_age: u64,
}

/// The whole market configuration (`market.json`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Market {
    /// Underlying assets.
    pub underlyings: Vec<Underlying>,
    /// The options chain.
    pub instruments: Vec<Instrument>,
    /// Margin scenario grid, applied to every underlying.
    pub scenarios: Vec<Scenario>,
    /// Parameters.
    pub params: Params,
    /// Oracle set.
    pub oracles: OracleSet,
    /// Owner key hash of the venue's own accounts (the insurance fund and
    /// the fee account), which exist from genesis.
    #[serde(with = "super::encoding::serde_digest")]
    pub venue_owner: Digest,
    /// Owner key hash of the venue's liquidation key: every liquidation's
    /// liquidator is a user account with this owner (a venue-owned
    /// liquidation account), so no account takes positions it did not
    /// consent to.
    #[serde(with = "super::encoding::serde_digest")]
    pub liquidator_owner: Digest,
    /// Depth of the account tree (2^depth accounts).
    pub tree_depth: u32,
    /// The custodians who hold the venue's money and attest its deposits
    /// (`rules::custody`).
    pub custodians: super::custody::CustodianSet,
}

/// Why a market configuration is invalid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MarketError {
    /// A list is empty or longer than allowed.
    #[error("market lists {count} {what}, allowed 1..={max}")]
    Count {
        /// Which list.
        what: &'static str,
        /// Its length.
        count: usize,
        /// Largest length allowed.
        max: usize,
    },
    /// Ids must equal list positions.
    #[error("{what} at position {position} has id {id}; ids must be 0, 1, 2, ... in order")]
    IdNotPosition {
        /// Which list.
        what: &'static str,
        /// Position in the list.
        position: usize,
        /// The id found.
        id: u32,
    },
    /// A symbol is empty, too long or not ASCII.
    #[error("underlying {id} has symbol {symbol:?}; symbols are 1..={MAX_SYMBOL_LEN} ASCII bytes")]
    Symbol {
        /// Underlying id.
        id: u32,
        /// The symbol.
        symbol: String,
    },
    /// An instrument names an underlying that does not exist.
    #[error("instrument {instrument} names unknown underlying {underlying}")]
    UnknownUnderlying {
        /// Instrument id.
        instrument: u32,
        /// The underlying it names.
        underlying: u32,
    },
    /// An expiry beyond the largest timestamp.
    #[error(
        "instrument {instrument} has expiry {expiry}, beyond the largest timestamp {TIMESTAMP_MAX}"
    )]
    Expiry {
        /// Instrument id.
        instrument: u32,
        /// The expiry.
        expiry: u64,
    },
    /// The venue's owner is the zero digest.
    #[error("venue_owner is zero; the venue's accounts need an owner")]
    ZeroVenueOwner,
    /// The liquidation owner is the zero digest.
    #[error("liquidator_owner is zero; liquidations need a liquidation account's owner")]
    ZeroLiquidatorOwner,
    /// An owner of the market is the owner of the key 1 G, whose secret
    /// everyone knows (`authorization::reserved_owner`).
    #[error("{what} is the owner of the key 1 G, whose secret everyone knows")]
    ReservedOwner {
        /// Which owner (`venue_owner`, `liquidator_owner`).
        what: &'static str,
    },
    /// A strike is zero, above P_MAX or off the tick.
    #[error(
        "instrument {instrument} has strike {strike}; strikes are in (0, 2^40] on a tick of 100"
    )]
    Strike {
        /// Instrument id.
        instrument: u32,
        /// The strike.
        strike: u64,
    },
    /// A scenario is out of range.
    #[error("scenario {index} has move {move_bps} bps and weight {weight_bps} bps; moves are in [1, {MAX_MOVE_BPS}], weights in [0, 10000]")]
    Scenario {
        /// Scenario position.
        index: usize,
        /// Its move.
        move_bps: u64,
        /// Its weight.
        weight_bps: u64,
    },
    /// A parameter is out of range.
    #[error("parameter {name} = {value} is outside [{min}, {max}]")]
    Param {
        /// Parameter name.
        name: &'static str,
        /// Its value.
        value: u64,
        /// Smallest allowed.
        min: u64,
        /// Largest allowed.
        max: u64,
    },
    /// Quorum even, zero or larger than the oracle set.
    #[error("quorum {quorum} must be odd and at most the {oracles} oracles of the set")]
    Quorum {
        /// The quorum.
        quorum: u32,
        /// Oracles in the set.
        oracles: usize,
    },
    /// The same oracle key appears twice.
    #[error("oracle key {index} repeats an earlier key")]
    DuplicateOracle {
        /// Position of the repeated key.
        index: usize,
    },
    /// An oracle key is not the canonical encoding of an ECgFp5 point
    /// other than the neutral.
    #[error("oracle key {index} is not a valid ECgFp5 public key: {reason}")]
    BadOracleKey {
        /// Position of the key.
        index: usize,
        /// Why it is not.
        reason: super::ecgfp5::Ecgfp5Error,
    },
    /// The custodian quorum is 0 or beyond the custodian set.
    #[error(
        "custodian quorum {quorum} must be between 1 and the {custodians} custodians of the set"
    )]
    CustodianQuorum {
        /// The quorum.
        quorum: u32,
        /// Custodian keys listed.
        custodians: usize,
    },
    /// The same custodian key appears twice.
    #[error("custodian key {index} repeats an earlier key")]
    DuplicateCustodian {
        /// Position of the repeated key.
        index: usize,
    },
    /// A custodian key is not the canonical encoding of an ECgFp5 point
    /// other than the neutral.
    #[error("custodian key {index} is not a valid ECgFp5 public key: {reason}")]
    BadCustodianKey {
        /// Position of the key.
        index: usize,
        /// Why it is not.
        reason: super::ecgfp5::Ecgfp5Error,
    },
}

/// Smallest and largest tree depth.
pub const TREE_DEPTH_RANGE: (u32, u32) = (2, 32);

impl Market {
    /// Checks every bound the rule book relies on.
    pub fn validate(&self) -> Result<(), MarketError> {
        check_count("underlyings", self.underlyings.len(), MAX_UNDERLYINGS)?;
        check_count("instruments", self.instruments.len(), MAX_INSTRUMENTS)?;
        check_count("scenarios", self.scenarios.len(), MAX_SCENARIOS)?;
        check_count("oracle keys", self.oracles.keys.len(), MAX_ORACLES)?;
        for (position, u) in self.underlyings.iter().enumerate() {
            check_id("underlying", position, u.id)?;
            let len = u.symbol.len();
            if len == 0 || len > MAX_SYMBOL_LEN || !u.symbol.is_ascii() {
                return Err(MarketError::Symbol {
                    id: u.id,
                    symbol: u.symbol.clone(),
                });
            }
        }
        for (position, i) in self.instruments.iter().enumerate() {
            check_id("instrument", position, i.id)?;
            if i.underlying as usize >= self.underlyings.len() {
                return Err(MarketError::UnknownUnderlying {
                    instrument: i.id,
                    underlying: i.underlying,
                });
            }
            if i.expiry > TIMESTAMP_MAX {
                return Err(MarketError::Expiry {
                    instrument: i.id,
                    expiry: i.expiry,
                });
            }
            if i.strike == 0 || i.strike > P_MAX || !on_tick(i.strike) {
                return Err(MarketError::Strike {
                    instrument: i.id,
                    strike: i.strike,
                });
            }
        }
        for (index, s) in self.scenarios.iter().enumerate() {
            if s.move_bps == 0 || s.move_bps > MAX_MOVE_BPS || s.weight_bps > BPS {
                return Err(MarketError::Scenario {
                    index,
                    move_bps: s.move_bps,
                    weight_bps: s.weight_bps,
                });
            }
        }
        let p = &self.params;
        let year = 365 * 24 * 3600;
        for (name, value, min, max) in [
            ("im_bps", p.im_bps, BPS, 2 * BPS),
            ("som_bps", p.som_bps, 0, BPS),
            ("fee_bps", p.fee_bps, 0, BPS),
            ("fee_cap_bps", p.fee_cap_bps, 0, BPS),
            ("band_bps", p.band_bps, 0, BPS),
            ("liq_step_bps", p.liq_step_bps, 1, BPS),
            ("small_mm", p.small_mm, 0, CASH_MAX),
            ("penalty_bps", p.penalty_bps, 0, BPS),
            ("liquidator_share_bps", p.liquidator_share_bps, 0, BPS),
            ("kappa_floor_bps", p.kappa_floor_bps, 0, BPS),
            ("max_report_age", p.max_report_age, 0, year),
        ] {
            if value < min || value > max {
                return Err(MarketError::Param {
                    name,
                    value,
                    min,
                    max,
                });
            }
        }
        let (min_depth, max_depth) = TREE_DEPTH_RANGE;
        if self.tree_depth < min_depth || self.tree_depth > max_depth {
            return Err(MarketError::Param {
                name: "tree_depth",
                value: self.tree_depth.into(),
                min: min_depth.into(),
                max: max_depth.into(),
            });
        }
        if self.venue_owner == ZERO_DIGEST {
            return Err(MarketError::ZeroVenueOwner);
        }
        if self.liquidator_owner == ZERO_DIGEST {
            return Err(MarketError::ZeroLiquidatorOwner);
        }
        let reserved = super::authorization::reserved_owner();
        for (what, owner) in [
            ("venue_owner", self.venue_owner),
            ("liquidator_owner", self.liquidator_owner),
        ] {
            if owner == reserved {
                return Err(MarketError::ReservedOwner { what });
            }
        }
        let quorum = self.oracles.quorum;
        if quorum.is_multiple_of(2) || quorum as usize > self.oracles.keys.len() {
            return Err(MarketError::Quorum {
                quorum,
                oracles: self.oracles.keys.len(),
            });
        }
        for (index, key) in self.oracles.keys.iter().enumerate() {
            if self.oracles.keys[..index].contains(key) {
                return Err(MarketError::DuplicateOracle { index });
            }
            if let Err(reason) = super::ecgfp5::PublicKey::from_encoding(*key) {
                return Err(MarketError::BadOracleKey { index, reason });
            }
        }
        let custodians = &self.custodians;
        check_count(
            "custodian keys",
            custodians.keys.len(),
            super::custody::MAX_CUSTODIANS,
        )?;
        if custodians.quorum == 0 || custodians.quorum as usize > custodians.keys.len() {
            return Err(MarketError::CustodianQuorum {
                quorum: custodians.quorum,
                custodians: custodians.keys.len(),
            });
        }
        for (index, key) in custodians.keys.iter().enumerate() {
            if custodians.keys[..index].contains(key) {
                return Err(MarketError::DuplicateCustodian { index });
            }
            if let Err(reason) = super::ecgfp5::PublicKey::from_encoding(*key) {
                return Err(MarketError::BadCustodianKey { index, reason });
            }
        }
        Ok(())
    }

    /// The instrument with this id, if listed.
    pub fn instrument(&self, id: u32) -> Option<&Instrument> {
        self.instruments.get(id as usize)
    }

    /// Number of leaves of the account tree.
    pub fn capacity(&self) -> u64 {
        1u64 << self.tree_depth
    }

    /// The first instrument settling with instrument `id`: the lowest id
    /// of the same underlying and expiry. Every report prices all
    /// instruments of one (underlying, expiry) at one settlement price, the
    /// leader's.
    pub fn settlement_leader(&self, id: u32) -> u32 {
        let Some(this) = self.instrument(id) else {
            return id;
        };
        self.instruments
            .iter()
            .find(|i| i.underlying == this.underlying && i.expiry == this.expiry)
            .map_or(id, |i| i.id)
    }

    /// Field encoding of the market's terms, in this order: domain tag;
    /// counts; per underlying its id and symbol (length, then 4 bytes per
    /// element); per instrument id, underlying, kind, strike, expiry and
    /// settlement leader; per scenario move and weight; the parameters in
    /// declaration order; the venue owner; the liquidation owner; tree depth;
    /// the custodian count, keys and quorum.
    pub fn terms_fields(&self) -> Vec<F> {
        let mut out = vec![
            unsigned(DOMAIN_MARKET_TERMS),
            unsigned(self.underlyings.len() as u64),
            unsigned(self.instruments.len() as u64),
            unsigned(self.scenarios.len() as u64),
        ];
        for u in &self.underlyings {
            out.push(unsigned(u.id.into()));
            out.push(unsigned(u.symbol.len() as u64));
            let mut padded = [0u8; MAX_SYMBOL_LEN];
            let len = u.symbol.len().min(MAX_SYMBOL_LEN);
            padded[..len].copy_from_slice(&u.symbol.as_bytes()[..len]);
            out.extend(pack_bytes(&padded));
        }
        for i in &self.instruments {
            out.extend(
                [
                    i.id.into(),
                    i.underlying.into(),
                    i.kind.code(),
                    i.strike,
                    i.expiry,
                    self.settlement_leader(i.id).into(),
                ]
                .map(unsigned),
            );
        }
        for s in &self.scenarios {
            out.extend([s.move_bps, s.weight_bps].map(unsigned));
        }
        let p = &self.params;
        out.extend(
            [
                p.im_bps,
                p.som_bps,
                p.fee_bps,
                p.fee_cap_bps,
                p.band_bps,
                p.liq_step_bps,
                p.small_mm,
                p.penalty_bps,
                p.liquidator_share_bps,
                p.kappa_floor_bps,
                p.max_report_age,
            ]
            .map(unsigned),
        );
        out.extend(self.venue_owner.elements);
        out.extend(self.liquidator_owner.elements);
        out.push(unsigned(self.tree_depth.into()));
        out.extend(self.custodians.to_fields());
        out
    }

    /// Poseidon hash of [`Market::terms_fields`].
    pub fn terms_digest(&self) -> Digest {
        hash(&self.terms_fields())
    }

    /// The market hash: terms and oracle set, hashed apart then together
    /// (`zksettle_verifier::market`), so a light client can tell the oracle
    /// keys are the market's.
    pub fn hash(&self) -> Digest {
        market_hash(&self.terms_digest(), &self.oracles.digest())
    }
}

fn check_count(what: &'static str, count: usize, max: usize) -> Result<(), MarketError> {
    if count == 0 || count > max {
        return Err(MarketError::Count { what, count, max });
    }
    Ok(())
}

fn check_id(what: &'static str, position: usize, id: u32) -> Result<(), MarketError> {
    if id as usize != position {
        return Err(MarketError::IdNotPosition { what, position, id });
    }
    Ok(())
}

impl Scenario {
    /// The default grid (`docs/design.md` section 5.1): 9 core moves from 8200 to 11800
    /// bps at full weight, and 5 extended moves at reduced weights.
    pub fn default_grid() -> Vec<Scenario> {
        let core = (0..9).map(|k| Scenario {
            move_bps: 8_200 + 450 * k,
            weight_bps: BPS,
        });
        let extended = [
            (3_400, 2_100),
            (6_700, 4_200),
            (15_000, 2_772),
            (20_000, 1_386),
            (30_000, 693),
        ]
        .map(|(move_bps, weight_bps)| Scenario {
            move_bps,
            weight_bps,
        });
        core.chain(extended).collect()
    }
}

impl Params {
    /// The default parameters (`docs/design.md` section 5.1); `band_bps`,
    /// `small_mm`, `liquidator_share_bps`, `kappa_floor_bps` and
    /// `max_report_age`, which the original design notes left open, are set
    /// to 500 bps, 1,000 USD, 5000 bps, 100 bps and 300 s.
    pub fn defaults() -> Params {
        Params {
            im_bps: 12_500,
            som_bps: 500,
            fee_bps: 3,
            fee_cap_bps: 1_250,
            band_bps: 500,
            liq_step_bps: 2_500,
            small_mm: 1_000_000_000,
            penalty_bps: 1_000,
            liquidator_share_bps: 5_000,
            kappa_floor_bps: 100,
            max_report_age: 300,
        }
    }
}
