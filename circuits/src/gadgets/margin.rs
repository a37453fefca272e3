//! Portfolio margin in the circuit (mirrors `rules/margin.rs`).
//!
//! [`PortfolioRiskTarget`] is the linear part (scenario losses, short lots,
//! mark-to-market, long value), built from an account's slots or updated by
//! one position's contribution; [`MarginGadget::margin_from_risk`] is the
//! non-linear part: one max over scenarios per underlying, the short option
//! minimum and the initial-margin add-on. No comparison per slot and scenario.

use plonky2::field::types::Field;
use plonky2::iop::generator::{GeneratedValues, SimpleGenerator};
use plonky2::iop::target::Target;
use plonky2::iop::witness::{PartitionWitness, Witness, WitnessWrite};
use plonky2::plonk::circuit_data::CommonCircuitData;
use plonky2::util::serialization::{Buffer, IoResult, Read, Write};

use super::account::{AccountTarget, QTY_BITS};
use super::fixed::{from_signed, to_signed, FixedGadget};
use super::market::ParamsTarget;
use super::risk::{RiskGadget, RiskRowTarget, RiskTableTarget};
use super::Builder;
use crate::config::{D, F};
use crate::rules::units::{BPS, Q_SCALE};

/// Bits bounding a scenario loss, margin or equity in magnitude (all below 2^60).
pub const MONEY_BITS: usize = 60;

/// Bits of one underlying's short-option minimum `ceil(shorts * som / Q_SCALE)`:
/// at most 8 slots of under 2^19 short lots (< 2^22) times
/// `som_per_unit <= S <= 2^40` (`som_bps <= 10^4`) is below 2^62, so the
/// quotient is non-negative and below 2^55.4. A division by 100 is unique
/// only up to 56 bits (`fixed::division_is_unique`): the 58 bits used before
/// let a second quotient ~p/100 away pass, shifting any margin by ~1.8e17.
pub const SOM_BITS: usize = 56;

/// The linear part of an account's margin.
#[derive(Clone, Debug)]
pub struct PortfolioRiskTarget {
    /// Scenario losses per underlying and scenario.
    pub losses: Vec<Vec<Target>>,
    /// Short call lots per underlying.
    pub short_calls: Vec<Target>,
    /// Short put lots per underlying.
    pub short_puts: Vec<Target>,
    /// Mark-to-market value.
    pub mark_to_market: Target,
    /// Long value.
    pub long_value: Target,
}

/// Margin figures of one account.
#[derive(Clone, Copy, Debug)]
pub struct MarginTarget {
    /// Mark-to-market value.
    pub mark_to_market: Target,
    /// Long value.
    pub long_value: Target,
    /// Cash plus mark-to-market.
    pub equity: Target,
    /// Sum of scanning risk.
    pub scan: Target,
    /// Sum of short option minimum.
    pub short_option_minimum: Target,
    /// Maintenance margin.
    pub maintenance: Target,
    /// Initial margin.
    pub initial: Target,
}

/// Margin gadgets.
pub trait MarginGadget {
    /// `(max(q, 0), max(-q, 0))` for `|q| < 2^20`. Cost: a quarter of a row.
    fn long_short(&mut self, qty: Target) -> (Target, Target);

    /// `IM = MM + ceil(max(MM - LV, 0) * (im_bps - 10^4) / 10^4)`, exact for
    /// `MM < 2^59` and `im_bps <= 2 * 10^4`. Cost: about 5 rows.
    fn initial_margin(&mut self, maintenance: Target, long_value: Target, im_bps: Target)
        -> Target;

    /// The portfolio of an account with no positions.
    fn empty_portfolio(&mut self, underlyings: usize, scenarios: usize) -> PortfolioRiskTarget;

    /// Adds (`sign = 1`) or removes (`sign = -1`) `qty` lots of the instrument
    /// of `row` (whose one-hot underlying selects the losses it moves).
    /// Cost: a quarter of a row plus `scenarios * (2 + underlyings)`
    /// arithmetic operations (about 3 rows for 2 underlyings and 14 scenarios).
    fn add_position(
        &mut self,
        portfolio: &PortfolioRiskTarget,
        row: &RiskRowTarget,
        qty: Target,
        sign: i64,
    ) -> PortfolioRiskTarget;

    /// The linear part of an account's margin, with the rows looked up for
    /// its slots. Cost: about 10 rows per slot.
    fn portfolio_risk(
        &mut self,
        account: &AccountTarget,
        table: &RiskTableTarget,
    ) -> (PortfolioRiskTarget, Vec<RiskRowTarget>);

    /// Margin figures from the linear part and the cash. Cost: about
    /// `underlyings * (scenarios + 5) + 7` rows.
    fn margin_from_risk(
        &mut self,
        portfolio: &PortfolioRiskTarget,
        cash: Target,
        table: &RiskTableTarget,
        params: &ParamsTarget,
    ) -> MarginTarget;

    /// Margin of an account from scratch. Cost: the sum of the two above.
    fn margin(
        &mut self,
        account: &AccountTarget,
        table: &RiskTableTarget,
        params: &ParamsTarget,
    ) -> MarginTarget;

    /// The view of an account a step shares between its operations: the
    /// linear part, the looked-up rows of its slots and its margin. Cost:
    /// one [`Self::margin`].
    fn account_view(
        &mut self,
        account: &AccountTarget,
        table: &RiskTableTarget,
        params: &ParamsTarget,
    ) -> AccountView;
}

/// An account as a step's operations read it (mirrors `rules::margin::AccountView`):
/// built once per leaf port, so no operation recomputes a margin from the
/// slots; an operation derives the margin after it from the linear part by
/// the delta of the positions it moves ([`MarginGadget::add_position`]) or
/// by the cash alone ([`MarginTarget::with_cash`]).
#[derive(Clone, Debug)]
pub struct AccountView {
    /// The linear part of the margin.
    pub portfolio: PortfolioRiskTarget,
    /// The risk row of every slot, in slot order.
    pub rows: Vec<RiskRowTarget>,
    /// The margin at the account's cash.
    pub margin: MarginTarget,
}

impl MarginTarget {
    /// The same positions at another cash: only the equity moves (margins
    /// depend on the positions alone). Cost: arithmetic only.
    pub fn with_cash(&self, builder: &mut Builder, cash: Target) -> MarginTarget {
        MarginTarget {
            equity: builder.add(cash, self.mark_to_market),
            ..*self
        }
    }
}

impl MarginGadget for Builder {
    fn long_short(&mut self, qty: Target) -> (Target, Target) {
        let is_long = self.add_virtual_bool_target_safe();
        self.add_simple_generator(SignGenerator {
            qty,
            is_long: is_long.target,
        });
        let long = self.mul(is_long.target, qty);
        let short = self.sub(long, qty);
        // With the right sign bit both are in [0, 2^20) and the packed value is
        // below 2^40; with the wrong one, one of them is negative and the
        // packed value is a field element above 2^62.
        let packed = self.mul_const_add(F::from_canonical_u64(1 << (QTY_BITS + 1)), short, long);
        self.assert_nonnegative(packed);
        (long, short)
    }

    fn initial_margin(
        &mut self,
        maintenance: Target,
        long_value: Target,
        im_bps: Target,
    ) -> Target {
        let zero = self.zero();
        let excess = self.sub(maintenance, long_value);
        let base = self.max(excess, zero, MONEY_BITS);
        let rate = self.add_const(im_bps, -F::from_canonical_u64(BPS));
        let add_on = self.mul_bps_ceil(base, rate);
        self.add(maintenance, add_on)
    }

    fn empty_portfolio(&mut self, underlyings: usize, scenarios: usize) -> PortfolioRiskTarget {
        let zero = self.zero();
        PortfolioRiskTarget {
            losses: vec![vec![zero; scenarios]; underlyings],
            short_calls: vec![zero; underlyings],
            short_puts: vec![zero; underlyings],
            mark_to_market: zero,
            long_value: zero,
        }
    }

    fn add_position(
        &mut self,
        portfolio: &PortfolioRiskTarget,
        row: &RiskRowTarget,
        qty: Target,
        sign: i64,
    ) -> PortfolioRiskTarget {
        let (long, short) = self.long_short(qty);
        let (long, short, signed_qty) = if sign < 0 {
            (self.neg(long), self.neg(short), self.neg(qty))
        } else {
            (long, short, qty)
        };
        let selectors: Vec<Target> = row.selectors.iter().map(|s| s.target).collect();
        let contributions: Vec<Target> = row
            .long_loss
            .iter()
            .zip(&row.short_loss)
            .map(|(&a, &b)| {
                let long_part = self.mul(long, a);
                self.mul_add(short, b, long_part)
            })
            .collect();
        let losses = portfolio
            .losses
            .iter()
            .zip(&selectors)
            .map(|(scenario_losses, &sel)| {
                scenario_losses
                    .iter()
                    .zip(&contributions)
                    .map(|(&l, &c)| self.mul_add(sel, c, l))
                    .collect()
            })
            .collect();
        let short_put = self.mul(row.is_put.target, short);
        let short_call = self.sub(short, short_put);
        let short_calls = portfolio
            .short_calls
            .iter()
            .zip(&selectors)
            .map(|(&s, &sel)| self.mul_add(sel, short_call, s))
            .collect();
        let short_puts = portfolio
            .short_puts
            .iter()
            .zip(&selectors)
            .map(|(&s, &sel)| self.mul_add(sel, short_put, s))
            .collect();
        PortfolioRiskTarget {
            losses,
            short_calls,
            short_puts,
            mark_to_market: self.mul_add(signed_qty, row.mark_per_lot, portfolio.mark_to_market),
            long_value: self.mul_add(long, row.mark_per_lot, portfolio.long_value),
        }
    }

    fn portfolio_risk(
        &mut self,
        account: &AccountTarget,
        table: &RiskTableTarget,
    ) -> (PortfolioRiskTarget, Vec<RiskRowTarget>) {
        let underlyings = table.som_per_unit.len();
        let scenarios = table.rows.first().map_or(0, |r| r.long_loss.len());
        let mut portfolio = self.empty_portfolio(underlyings, scenarios);
        let mut rows = Vec::with_capacity(account.slots.len());
        for slot in &account.slots {
            let row = self.risk_row(table, slot.instrument);
            portfolio = self.add_position(&portfolio, &row, slot.qty, 1);
            rows.push(row);
        }
        (portfolio, rows)
    }

    fn margin_from_risk(
        &mut self,
        portfolio: &PortfolioRiskTarget,
        cash: Target,
        table: &RiskTableTarget,
        params: &ParamsTarget,
    ) -> MarginTarget {
        let mut scans = Vec::with_capacity(portfolio.losses.len());
        let mut soms = Vec::with_capacity(portfolio.losses.len());
        for (u, losses) in portfolio.losses.iter().enumerate() {
            scans.push(scan(self, losses));
            let calls_below = self.is_lt(
                portfolio.short_calls[u],
                portfolio.short_puts[u],
                QTY_BITS + 4,
            );
            let shorts = self.select(
                calls_below,
                portfolio.short_puts[u],
                portfolio.short_calls[u],
            );
            let exposure = self.mul(shorts, table.som_per_unit[u]);
            soms.push(self.ceil_div_const(exposure, Q_SCALE, SOM_BITS));
        }
        let scan = self.add_many(scans);
        let short_option_minimum = self.add_many(soms);
        let maintenance = self.add(scan, short_option_minimum);
        let initial = self.initial_margin(maintenance, portfolio.long_value, params.im_bps);
        MarginTarget {
            mark_to_market: portfolio.mark_to_market,
            long_value: portfolio.long_value,
            equity: self.add(cash, portfolio.mark_to_market),
            scan,
            short_option_minimum,
            maintenance,
            initial,
        }
    }

    fn margin(
        &mut self,
        account: &AccountTarget,
        table: &RiskTableTarget,
        params: &ParamsTarget,
    ) -> MarginTarget {
        let (portfolio, _) = self.portfolio_risk(account, table);
        self.margin_from_risk(&portfolio, account.cash, table, params)
    }

    fn account_view(
        &mut self,
        account: &AccountTarget,
        table: &RiskTableTarget,
        params: &ParamsTarget,
    ) -> AccountView {
        let (portfolio, rows) = self.portfolio_risk(account, table);
        let margin = self.margin_from_risk(&portfolio, account.cash, table, params);
        AccountView {
            portfolio,
            rows,
            margin,
        }
    }
}

/// `max(0, max_j losses[j])`: witnessed, at least every loss and 0, and equal
/// to one of them or 0. Cost: `(len + 2) / 4` rows.
fn scan(builder: &mut Builder, losses: &[Target]) -> Target {
    let out = builder.add_virtual_target();
    builder.add_simple_generator(ScanGenerator {
        losses: losses.to_vec(),
        out,
    });
    builder.assert_unsigned_bits(out, MONEY_BITS - 1);
    let mut product = out;
    for &loss in losses {
        let gap = builder.sub(out, loss);
        builder.assert_nonnegative(gap);
        product = builder.mul(product, gap);
    }
    builder.assert_zero(product);
    out
}

/// Witnesses the sign bit of a quantity for `long_short`. The only bit
/// allowed (for `|qty| < 2^20`): the wrong one makes `long = qty < 0` or
/// `short = -qty < 0`, so `short * 2^21 + long` is a negative integer of
/// magnitude below 2^41, a field element above 2^62 that the range check
/// refuses; for `qty = 0` both bits give the same `long` and `short`.
#[derive(Debug, Default)]
pub struct SignGenerator {
    pub(crate) qty: Target,
    pub(crate) is_long: Target,
}

impl SimpleGenerator<F, D> for SignGenerator {
    fn id(&self) -> String {
        "zksettle::SignGenerator".into()
    }

    fn dependencies(&self) -> Vec<Target> {
        vec![self.qty]
    }

    fn run_once(
        &self,
        witness: &PartitionWitness<F>,
        out: &mut GeneratedValues<F>,
    ) -> anyhow::Result<()> {
        let q = to_signed(witness.get_target(self.qty));
        out.set_target(self.is_long, F::from_bool(q > 0))
    }

    fn serialize(&self, dst: &mut Vec<u8>, _: &CommonCircuitData<F, D>) -> IoResult<()> {
        dst.write_target(self.qty)?;
        dst.write_target(self.is_long)
    }

    fn deserialize(src: &mut Buffer, _: &CommonCircuitData<F, D>) -> IoResult<Self> {
        Ok(Self {
            qty: src.read_target()?,
            is_long: src.read_target()?,
        })
    }
}

/// Witnesses `max(0, max losses)` for `scan`. The only value allowed: the
/// losses are below 2^61 in magnitude (per-lot losses under 2^37 times
/// under 2^22 lots), so `out - loss_j < 2^62` says `out >= loss_j` as
/// integers; `out` is in `[0, 2^59)`; and `out * prod(out - loss_j) = 0`
/// (a product in a field) says `out` is 0 or one of the losses. So `out` is
/// at least every loss and 0 and equal to one of them: the maximum.
#[derive(Debug, Default)]
pub struct ScanGenerator {
    pub(crate) losses: Vec<Target>,
    pub(crate) out: Target,
}

impl SimpleGenerator<F, D> for ScanGenerator {
    fn id(&self) -> String {
        "zksettle::ScanGenerator".into()
    }

    fn dependencies(&self) -> Vec<Target> {
        self.losses.clone()
    }

    fn run_once(
        &self,
        witness: &PartitionWitness<F>,
        out: &mut GeneratedValues<F>,
    ) -> anyhow::Result<()> {
        let max = self
            .losses
            .iter()
            .map(|&t| to_signed(witness.get_target(t)))
            .max()
            .unwrap_or(0)
            .max(0);
        out.set_target(self.out, from_signed(max))
    }

    fn serialize(&self, dst: &mut Vec<u8>, _: &CommonCircuitData<F, D>) -> IoResult<()> {
        dst.write_target_vec(&self.losses)?;
        dst.write_target(self.out)
    }

    fn deserialize(src: &mut Buffer, _: &CommonCircuitData<F, D>) -> IoResult<Self> {
        Ok(Self {
            losses: src.read_target_vec()?,
            out: src.read_target()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use plonky2::iop::witness::PartialWitness;

    use super::*;
    use crate::config::C;
    use crate::gadgets::account::{set_account, AccountGadget};
    use crate::gadgets::market::{set_market, MarketGadget, MarketShape};
    use crate::gadgets::oracle::{set_prices, OracleGadget};
    use crate::gadgets::testing::{account, builder, market, prices, provable};
    use crate::rules::account::Account;
    use crate::rules::margin::margin;
    use crate::rules::risk::RiskArrays;

    /// Whether the circuit's margin of `account` proves equal to `claimed`
    /// (equity, maintenance, initial).
    fn margin_provable(account: &Account, claimed: Option<[i64; 3]>) -> bool {
        let market = market();
        let prices = prices();
        let native = margin(
            account,
            &RiskArrays::compute(&market, &prices),
            &market.params,
        );
        let claimed = claimed.unwrap_or([native.equity, native.maintenance, native.initial]);
        let shape = MarketShape::of(&market);
        let mut b = builder();
        let m = b.add_virtual_market(&shape);
        let p = b.add_virtual_prices(&shape);
        let table = b.risk_arrays(&m, &p);
        let a = b.add_virtual_account();
        let figures = b.margin(&a, &table, &m.params);
        for (t, v) in [figures.equity, figures.maintenance, figures.initial]
            .into_iter()
            .zip(claimed)
        {
            let c = b.constant(from_signed(v.into()));
            b.connect(t, c);
        }
        let data = b.build::<C>();
        let mut pw = PartialWitness::new();
        set_market(&mut pw, &m, &market).unwrap();
        set_prices(&mut pw, &p, &prices).unwrap();
        set_account(&mut pw, &a, account).unwrap();
        provable(&data, pw)
    }

    #[test]
    fn margin_matches_the_native_rule_on_varied_portfolios() {
        let portfolios: [&[(u32, i64)]; 6] = [
            &[],
            &[(0, 100)],
            &[(1, -250)],
            &[(0, -100), (1, -100), (4, 300)],
            &[(0, 5), (1, -7), (2, 11), (3, -13), (4, 17), (5, -19)],
            &[(2, -524_287), (3, 524_287)],
        ];
        for positions in portfolios {
            assert!(
                margin_provable(&account(1_000_000_000, positions), None),
                "{positions:?}"
            );
        }
    }

    #[test]
    #[ignore = "prints row counts"]
    fn print_row_costs() {
        let market = market();
        let shape = MarketShape::of(&market);
        let mut b = builder();
        let m = b.add_virtual_market(&shape);
        let base = b.num_gates();
        let p = b.add_virtual_prices(&shape);
        let table = b.risk_arrays(&m, &p);
        let after_risk = b.num_gates();
        let a = b.add_virtual_account();
        b.margin(&a, &table, &m.params);
        let after_margin = b.num_gates();
        let a2 = b.add_virtual_account();
        b.margin(&a2, &table, &m.params);
        println!(
            "market hash {base}, risk arrays {} ({} instruments), margin {} then {}",
            after_risk - base,
            shape.instruments,
            after_margin - after_risk,
            b.num_gates() - after_margin
        );
    }

    #[test]
    fn a_wrong_margin_cannot_be_claimed() {
        let short_straddle = account(5_000_000_000, &[(0, -100), (1, -100)]);
        let m = margin(
            &short_straddle,
            &RiskArrays::compute(&market(), &prices()),
            &market().params,
        );
        assert!(margin_provable(
            &short_straddle,
            Some([m.equity, m.maintenance, m.initial])
        ));
        assert!(!margin_provable(
            &short_straddle,
            Some([m.equity, m.maintenance - 1, m.initial])
        ));
        assert!(!margin_provable(
            &short_straddle,
            Some([m.equity, m.maintenance, m.initial + 1])
        ));
        assert!(!margin_provable(
            &short_straddle,
            Some([m.equity + 1, m.maintenance, m.initial])
        ));
    }
}
