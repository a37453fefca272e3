//! Range checks, comparisons and fixed-point division with explicit rounding
//! (mirrors `rules/fixed.rs`).
//!
//! Divisions are witnessed: the prover supplies quotient and remainder, the
//! circuit checks `n = q * d + r` (or `q * d = n + r` for ceilings) with a
//! range-checked remainder and a range-checked quotient. The identity holds
//! modulo p, so it pins the quotient only while `q * d` cannot wrap:
//! [`division_is_unique`] is that condition, and every division refuses to
//! build without it (see `constrain_division` for the argument).
//!
//! ## Hints and why each is the only one
//! The operator runs the prover and may replace any witness generator. Each
//! generator of this module writes a value that its constraints force:
//! * [`DivisionGenerator`]: `(q, r)` is unique when
//!   `2^q_bits * d + d < p / 2` (`constrain_division`); a second solution
//!   differs by about `p / d` in `q`, outside the quotient's range.
//! * [`LessThanGenerator`]: the bit selects which of `b - a - 1` and `a - b`
//!   must be below 2^62; their sum is `-1`, i.e. `p - 1 > 2^63`, so at most
//!   one of them can be: the other bit is refused for every `a`, `b`.
//! * `max` is a selection by that bit, so it is unique too.

use plonky2::field::types::{Field, PrimeField64};
use plonky2::iop::generator::{GeneratedValues, SimpleGenerator};
use plonky2::iop::target::{BoolTarget, Target};
use plonky2::iop::witness::{PartitionWitness, Witness, WitnessWrite};
use plonky2::plonk::circuit_data::CommonCircuitData;
use plonky2::util::serialization::{Buffer, IoResult, Read, Write};

use super::range_gate::{check_below_2_62, BITS};
use super::Builder;
use crate::config::{D, F};

/// Offset that maps a signed value in `(-2^62, 2^62)` to `[0, 2^63)`.
pub const SIGNED_OFFSET_BITS: usize = 62;

/// A signed integer of a field element (values above p/2 are negative).
pub fn to_signed(x: F) -> i128 {
    let v = x.to_canonical_u64();
    if v > F::NEG_ONE.to_canonical_u64() / 2 {
        i128::from(v) - i128::from(F::NEG_ONE.to_canonical_u64()) - 1
    } else {
        i128::from(v)
    }
}

/// A field element of a signed integer.
pub fn from_signed(x: i128) -> F {
    if x >= 0 {
        F::from_noncanonical_u128(x as u128)
    } else {
        -F::from_noncanonical_u128((-x) as u128)
    }
}

/// Range checks, comparisons and divisions.
pub trait FixedGadget {
    /// Constrains `0 <= x < 2^bits` (`bits <= 62`). Cost: a quarter of a
    /// row for 62 bits, half a row below.
    fn assert_unsigned_bits(&mut self, x: Target, bits: usize);

    /// Constrains `-2^bits <= x < 2^bits` as a signed integer (`bits <= 61`):
    /// `x + 2^bits` in `[0, 2^(bits+1))`. Cost: as `assert_unsigned_bits`.
    fn assert_signed_bits(&mut self, x: Target, bits: usize);

    /// Constrains `0 <= b - a < 2^bits`. Cost: as `assert_unsigned_bits`.
    fn assert_le(&mut self, a: Target, b: Target, bits: usize);

    /// Constrains `0 <= x < 2^62`: non-negativity of a value known to lie in
    /// `(-2^61, 2^61)`. Cost: a quarter of a row.
    fn assert_nonnegative(&mut self, x: Target);

    /// Returns `a < b` for signed values with `|a|, |b| < 2^bits` (`bits <= 60`).
    /// Cost: a quarter of a row plus a little arithmetic.
    fn is_lt(&mut self, a: Target, b: Target, bits: usize) -> BoolTarget;

    /// Returns `max(a, b)` for signed values with `|a|, |b| < 2^bits`. Cost: as `is_lt`.
    fn max(&mut self, a: Target, b: Target, bits: usize) -> Target;

    /// Returns `floor(n / d)` for a constant `d > 0` and `|n| < 2^62`, with
    /// the quotient bounded by `|q| < 2^q_bits`. Cost: 2 rows (1 if `d` is a power of two).
    fn floor_div_const(&mut self, n: Target, d: u64, q_bits: usize) -> Target;

    /// Returns `ceil(n / d)` for a constant `d > 0` and `|n| < 2^62`. Cost: as `floor_div_const`.
    fn ceil_div_const(&mut self, n: Target, d: u64, q_bits: usize) -> Target;

    /// Returns `(floor(n / d), n mod d)`. Cost: as `floor_div_const`.
    fn div_rem_const(&mut self, n: Target, d: u64, q_bits: usize) -> (Target, Target);

    /// Returns `n / d` for an `n` that must be a non-negative multiple of `d`,
    /// with `0 <= n / d < 2^q_bits`. Cost: 1 row.
    fn exact_div_const(&mut self, n: Target, d: u64, q_bits: usize) -> Target;

    /// Whether `x != 0`. Cost: ~0.25 row.
    fn is_nonzero(&mut self, x: Target) -> BoolTarget;

    /// `floor(x * rate / 10^4)` for `0 <= x < 2^60` and `0 <= rate < 2^15`
    /// (mirrors `rules::fixed::mul_bps_floor`): `x` is split as
    /// `hi * 10^4 + lo` so no product overflows the field. Cost: about 4 rows.
    fn mul_bps_floor(&mut self, x: Target, rate: Target) -> Target;

    /// `ceil(x * rate / 10^4)`, as [`FixedGadget::mul_bps_floor`].
    fn mul_bps_ceil(&mut self, x: Target, rate: Target) -> Target;
}

impl FixedGadget for Builder {
    fn assert_unsigned_bits(&mut self, x: Target, bits: usize) {
        assert!(
            (1..=BITS).contains(&bits),
            "range checks beyond 62 bits bound nothing useful"
        );
        check_below_2_62(self, x);
        if bits < BITS {
            // 2^bits - 1 - x >= 0 as well.
            let headroom = self.constant(F::from_canonical_u64((1u64 << bits) - 1));
            let headroom = self.sub(headroom, x);
            check_below_2_62(self, headroom);
        }
    }

    fn assert_signed_bits(&mut self, x: Target, bits: usize) {
        assert!(bits <= 61);
        let shifted = self.add_const(x, F::from_canonical_u64(1u64 << bits));
        self.assert_unsigned_bits(shifted, bits + 1);
    }

    fn assert_le(&mut self, a: Target, b: Target, bits: usize) {
        let diff = self.sub(b, a);
        self.assert_unsigned_bits(diff, bits);
    }

    fn assert_nonnegative(&mut self, x: Target) {
        check_below_2_62(self, x);
    }

    fn is_lt(&mut self, a: Target, b: Target, bits: usize) -> BoolTarget {
        assert!(bits <= 61);
        // lt: b - a - 1 >= 0; otherwise a - b >= 0. A wrong bit makes the
        // checked value negative, i.e. a field element above 2^62.
        let lt = self.add_virtual_bool_target_safe();
        self.add_simple_generator(LessThanGenerator {
            a,
            b,
            lt: lt.target,
        });
        let a_minus_b = self.sub(a, b);
        let b_minus_a_minus_1 = self.add_const(a_minus_b, F::ONE);
        let b_minus_a_minus_1 = self.neg(b_minus_a_minus_1);
        let checked = self.select(lt, b_minus_a_minus_1, a_minus_b);
        check_below_2_62(self, checked);
        lt
    }

    fn max(&mut self, a: Target, b: Target, bits: usize) -> Target {
        let lt = self.is_lt(a, b, bits);
        self.select(lt, b, a)
    }

    fn floor_div_const(&mut self, n: Target, d: u64, q_bits: usize) -> Target {
        divide(self, n, d, q_bits, Rounding::Floor).0
    }

    fn ceil_div_const(&mut self, n: Target, d: u64, q_bits: usize) -> Target {
        divide(self, n, d, q_bits, Rounding::Ceil).0
    }

    fn div_rem_const(&mut self, n: Target, d: u64, q_bits: usize) -> (Target, Target) {
        divide(self, n, d, q_bits, Rounding::Floor)
    }

    fn exact_div_const(&mut self, n: Target, d: u64, q_bits: usize) -> Target {
        assert!(
            q_bits + 64 - (d.leading_zeros() as usize) < 63,
            "q * d must not wrap"
        );
        // Unique whatever the bounds: `q * d = n` with `d` invertible mod p
        // has the one solution `n / d`; the range check only makes it the
        // integer quotient (`q * d < 2^63 < p` cannot wrap).
        let (q, r) = divide_witness(self, n, d, Rounding::Floor);
        let zero = self.zero();
        self.connect(r, zero);
        self.assert_unsigned_bits(q, q_bits);
        let rebuilt = self.mul_const(F::from_canonical_u64(d), q);
        self.connect(rebuilt, n);
        q
    }

    fn is_nonzero(&mut self, x: Target) -> BoolTarget {
        let zero = self.zero();
        let is_zero = self.is_equal(x, zero);
        self.not(is_zero)
    }

    fn mul_bps_floor(&mut self, x: Target, rate: Target) -> Target {
        mul_bps(self, x, rate, Rounding::Floor)
    }

    fn mul_bps_ceil(&mut self, x: Target, rate: Target) -> Target {
        mul_bps(self, x, rate, Rounding::Ceil)
    }
}

/// `x * rate / 10^4` rounded as asked, by `x = hi * 10^4 + lo`.
fn mul_bps(builder: &mut Builder, x: Target, rate: Target, rounding: Rounding) -> Target {
    const BPS: u64 = crate::rules::units::BPS;
    let (hi, lo) = divide(builder, x, BPS, 47, Rounding::Floor);
    let lo_rate = builder.mul(lo, rate);
    let (lo_part, _) = divide(builder, lo_rate, BPS, 16, rounding);
    builder.mul_add(hi, rate, lo_part)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Rounding {
    Floor,
    Ceil,
}

/// Whether a division by `d` with a quotient in `[-2^q_bits, 2^q_bits)`
/// has at most one solution: `2^q_bits * d + d < p / 2`.
pub const fn division_is_unique(d: u64, q_bits: usize) -> bool {
    const HALF_P: u128 = (0xFFFF_FFFF_0000_0001u128 - 1) / 2;
    d > 0 && q_bits <= 61 && (1u128 << q_bits) * (d as u128) + (d as u128) < HALF_P
}

/// `n = q*d + r` (floor) or `q*d = n + r` (ceil) with `0 <= r < d` and
/// `-2^q_bits <= q < 2^q_bits`, unique by [`division_is_unique`].
fn divide(
    builder: &mut Builder,
    n: Target,
    d: u64,
    q_bits: usize,
    rounding: Rounding,
) -> (Target, Target) {
    let (q, r) = divide_witness(builder, n, d, rounding);
    constrain_division(builder, n, d, q, r, q_bits, rounding);
    (q, r)
}

/// The witness half of a division: unconstrained quotient and remainder.
fn divide_witness(
    builder: &mut Builder,
    n: Target,
    d: u64,
    rounding: Rounding,
) -> (Target, Target) {
    let q = builder.add_virtual_target();
    let r = builder.add_virtual_target();
    builder.add_simple_generator(DivisionGenerator {
        numerator: n,
        divisor: d,
        ceil: rounding == Rounding::Ceil,
        quotient: q,
        remainder: r,
    });
    (q, r)
}

/// The constraint half of [`divide`]: the quotient `q` and remainder `r` are
/// the only ones allowed for `n / d` under `rounding`.
///
/// Uniqueness: let `(q, r)` and `(q', r')` both pass, so
/// `(q - q') * d + (r - r') = 0 mod p` (the sign of `r` flips for ceilings).
/// As integers `|q - q'| < 2^(q_bits+1)` and `|r - r'| < d`, so the left
/// side is below `2^(q_bits+1) * d + d < p` in magnitude
/// ([`division_is_unique`]): it is 0 as an integer, hence `d` divides
/// `r - r'`, so `r = r'` and `q = q'`. And the one solution is the honest
/// one: `q * d + r` lies in `(-p/2, p/2)`, so it equals the signed integer
/// of `n`. Without the condition a second solution exists at
/// `q' = q +- (p +- (r - r')) / d` (the soundness review's division hole:
/// `d = 100`, `q_bits = 58` let the operator shift a margin by ~1.8e17).
///
/// # Panics
/// At build time, for a `(d, q_bits)` that [`division_is_unique`] refuses.
fn constrain_division(
    builder: &mut Builder,
    n: Target,
    d: u64,
    q: Target,
    r: Target,
    q_bits: usize,
    rounding: Rounding,
) {
    assert!(
        division_is_unique(d, q_bits),
        "a division by {d} with a {q_bits}-bit quotient can wrap modulo p: its quotient would not be unique"
    );
    builder.assert_signed_bits(q, q_bits);
    // 0 <= r <= d - 1
    builder.assert_nonnegative(r);
    let slack = builder.constant(F::from_canonical_u64(d - 1));
    let slack = builder.sub(slack, r);
    builder.assert_nonnegative(slack);
    let d_field = F::from_canonical_u64(d);
    match rounding {
        Rounding::Floor => {
            let rebuilt = builder.mul_const_add(d_field, q, r);
            builder.connect(rebuilt, n);
        }
        Rounding::Ceil => {
            let qd = builder.mul_const(d_field, q);
            let rebuilt = builder.add(n, r);
            builder.connect(qd, rebuilt);
        }
    }
}

/// Witnesses the quotient and remainder of a division by a constant: the
/// only pair `constrain_division` accepts (see its argument).
#[derive(Debug, Default)]
pub struct DivisionGenerator {
    pub(crate) numerator: Target,
    pub(crate) divisor: u64,
    pub(crate) ceil: bool,
    pub(crate) quotient: Target,
    pub(crate) remainder: Target,
}

impl SimpleGenerator<F, D> for DivisionGenerator {
    fn id(&self) -> String {
        "zksettle::DivisionGenerator".into()
    }

    fn dependencies(&self) -> Vec<Target> {
        vec![self.numerator]
    }

    fn run_once(
        &self,
        witness: &PartitionWitness<F>,
        out: &mut GeneratedValues<F>,
    ) -> anyhow::Result<()> {
        let n = to_signed(witness.get_target(self.numerator));
        let d = i128::from(self.divisor);
        let (q, r) = if self.ceil {
            let q = crate::rules::fixed::ceil_div(n, d);
            (q, q * d - n)
        } else {
            let q = crate::rules::fixed::floor_div(n, d);
            (q, n - q * d)
        };
        out.set_target(self.quotient, from_signed(q))?;
        out.set_target(self.remainder, from_signed(r))
    }

    fn serialize(&self, dst: &mut Vec<u8>, _: &CommonCircuitData<F, D>) -> IoResult<()> {
        dst.write_target(self.numerator)?;
        dst.write_usize(self.divisor as usize)?;
        dst.write_bool(self.ceil)?;
        dst.write_target(self.quotient)?;
        dst.write_target(self.remainder)
    }

    fn deserialize(src: &mut Buffer, _: &CommonCircuitData<F, D>) -> IoResult<Self> {
        Ok(Self {
            numerator: src.read_target()?,
            divisor: src.read_usize()? as u64,
            ceil: src.read_bool()?,
            quotient: src.read_target()?,
            remainder: src.read_target()?,
        })
    }
}

/// Witnesses `a < b` for signed values: the only bit `is_lt` accepts (the
/// other bit requires the negation minus one of an in-range difference to
/// be below 2^62, impossible as shown in the module doc).
#[derive(Debug, Default)]
pub struct LessThanGenerator {
    pub(crate) a: Target,
    pub(crate) b: Target,
    pub(crate) lt: Target,
}

impl SimpleGenerator<F, D> for LessThanGenerator {
    fn id(&self) -> String {
        "zksettle::LessThanGenerator".into()
    }

    fn dependencies(&self) -> Vec<Target> {
        vec![self.a, self.b]
    }

    fn run_once(
        &self,
        witness: &PartitionWitness<F>,
        out: &mut GeneratedValues<F>,
    ) -> anyhow::Result<()> {
        let (a, b) = (
            to_signed(witness.get_target(self.a)),
            to_signed(witness.get_target(self.b)),
        );
        out.set_target(self.lt, F::from_bool(a < b))
    }

    fn serialize(&self, dst: &mut Vec<u8>, _: &CommonCircuitData<F, D>) -> IoResult<()> {
        dst.write_target(self.a)?;
        dst.write_target(self.b)?;
        dst.write_target(self.lt)
    }

    fn deserialize(src: &mut Buffer, _: &CommonCircuitData<F, D>) -> IoResult<Self> {
        Ok(Self {
            a: src.read_target()?,
            b: src.read_target()?,
            lt: src.read_target()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use plonky2::iop::witness::PartialWitness;

    use super::*;
    use crate::gadgets::testing::{builder, provable, prove_and_verify};
    use crate::rules::fixed::{ceil_div, floor_div};
    use plonky2::field::types::Field64;

    /// Proves a one-input circuit built by `gadget` with input `x`.
    fn provable_with(x: i128, gadget: impl Fn(&mut Builder, Target)) -> bool {
        let mut b = builder();
        let input = b.add_virtual_target();
        gadget(&mut b, input);
        let data = b.build::<crate::config::C>();
        let mut pw = PartialWitness::new();
        pw.set_target(input, from_signed(x)).unwrap();
        provable(&data, pw)
    }

    #[test]
    fn signed_range_accepts_its_bounds_and_rejects_one_beyond() {
        let check = |x| provable_with(x, |b, t| b.assert_signed_bits(t, 20));
        assert!(check(-(1 << 20)) && check((1 << 20) - 1) && check(0));
        assert!(!check(1 << 20));
        assert!(!check(-(1 << 20) - 1));
    }

    #[test]
    fn negative_value_does_not_pass_as_a_large_unsigned_value() {
        assert!(!provable_with(-1, |b, t| b.assert_unsigned_bits(t, 62)));
        assert!(provable_with((1 << 62) - 1, |b, t| b.assert_unsigned_bits(t, 62)));
    }

    #[test]
    fn is_lt_and_max_agree_with_integers_across_signs() {
        for (a, b) in [
            (-5i128, 3i128),
            (3, -5),
            (7, 7),
            (-(1 << 40), (1 << 40) - 1),
            (0, 1),
        ] {
            let mut builder = builder();
            let (ta, tb) = (builder.add_virtual_target(), builder.add_virtual_target());
            let lt = builder.is_lt(ta, tb, 41);
            let max = builder.max(ta, tb, 41);
            let expected_lt = builder.constant_bool(a < b);
            let expected_max = builder.constant(from_signed(a.max(b)));
            builder.connect(lt.target, expected_lt.target);
            builder.connect(max, expected_max);
            let data = builder.build::<crate::config::C>();
            let mut pw = PartialWitness::new();
            pw.set_target(ta, from_signed(a)).unwrap();
            pw.set_target(tb, from_signed(b)).unwrap();
            prove_and_verify(&data, pw);
        }
    }

    #[test]
    fn divisions_round_as_the_native_rule() {
        for n in [-1_000_001i128, -100, -1, 0, 1, 99, 100, 101, 1 << 55] {
            for d in [1u64, 3, 100, 10_000, 1 << 10] {
                let mut b = builder();
                let input = b.add_virtual_target();
                // The widest quotient a division by d allows.
                let q_bits = (1..=56)
                    .rev()
                    .find(|&bits| division_is_unique(d, bits))
                    .unwrap();
                let floor = b.floor_div_const(input, d, q_bits);
                let ceil = b.ceil_div_const(input, d, q_bits);
                let (ef, ec) = (
                    b.constant(from_signed(floor_div(n, d.into()))),
                    b.constant(from_signed(ceil_div(n, d.into()))),
                );
                b.connect(floor, ef);
                b.connect(ceil, ec);
                let data = b.build::<crate::config::C>();
                let mut pw = PartialWitness::new();
                pw.set_target(input, from_signed(n)).unwrap();
                prove_and_verify(&data, pw);
            }
        }
    }

    #[test]
    #[should_panic(expected = "can wrap modulo p")]
    fn a_wrapping_division_is_refused_at_build_time() {
        // The short-option minimum's old bound: d = 100 with 58 bits.
        let mut b = builder();
        let n = b.add_virtual_target();
        b.ceil_div_const(n, 100, 58);
    }

    #[test]
    fn the_uniqueness_bound_is_tight_for_every_divisor_in_use() {
        // 2^q_bits * d + d < p / 2, and one more bit breaks it.
        for (d, q_bits) in [(100u64, 56usize), (10_000, 49), (1_000_000, 43)] {
            assert!(division_is_unique(d, q_bits), "{d}, {q_bits}");
            assert!(!division_is_unique(d, q_bits + 1), "{d}, {}", q_bits + 1);
        }
        assert!(!division_is_unique(0, 1));
        assert!(!division_is_unique(1, 62));
    }

    #[test]
    fn a_second_quotient_exists_exactly_when_the_bound_is_broken() {
        // n = 0 divided by 100, rounded up: besides (0, 0) the pair
        // (q, r) = (-184467440694145843, 21) satisfies q * 100 = n + r mod p;
        // its quotient fits 58 bits (the old bound) but not 56.
        let p = i128::from(F::ORDER);
        let q = -184_467_440_694_145_843i128;
        let r = 21i128;
        assert_eq!((q * 100 - r).rem_euclid(p), 0, "a solution modulo p");
        assert!(q.abs() < 1 << 58 && q.abs() >= 1 << 56);
        let attempt = |q_bits: usize| {
            let mut b = builder();
            let n = b.zero();
            let (tq, tr) = (b.add_virtual_target(), b.add_virtual_target());
            constrain_division(&mut b, n, 100, tq, tr, q_bits, Rounding::Ceil);
            let data = b.build::<crate::config::C>();
            let mut pw = PartialWitness::new();
            pw.set_target(tq, from_signed(q)).unwrap();
            pw.set_target(tr, from_signed(r)).unwrap();
            provable(&data, pw)
        };
        assert!(!attempt(56), "the new bound refuses it");
        // The old bound cannot even be built any more.
        assert!(std::panic::catch_unwind(|| attempt(58)).is_err());
    }

    #[test]
    fn a_tampered_quotient_cannot_be_proven() {
        // 1001 / 100: floor is (10, 1). Try (11, -99), (9, 101) and the honest pair.
        let attempt = |q: i128, r: i128, rounding| {
            let mut b = builder();
            let n = b.constant(from_signed(1001));
            let (tq, tr) = (b.add_virtual_target(), b.add_virtual_target());
            constrain_division(&mut b, n, 100, tq, tr, 20, rounding);
            let data = b.build::<crate::config::C>();
            let mut pw = PartialWitness::new();
            pw.set_target(tq, from_signed(q)).unwrap();
            pw.set_target(tr, from_signed(r)).unwrap();
            provable(&data, pw)
        };
        assert!(attempt(10, 1, Rounding::Floor));
        assert!(!attempt(11, -99, Rounding::Floor));
        assert!(!attempt(9, 101, Rounding::Floor));
        assert!(attempt(11, 99, Rounding::Ceil));
        assert!(!attempt(10, -1, Rounding::Ceil));
        assert!(!attempt(12, 199, Rounding::Ceil));
    }
}
