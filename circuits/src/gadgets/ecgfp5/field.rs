//! GF(p^5) elements as circuit targets and the gadgets on them.
//!
//! Costs are in rows of the standard recursion config: a
//! [`Gfp5MulAddGate`] op is a quarter of a row (4 per row), a base-field
//! `ArithmeticGate` op a twentieth (20 per row). Rows are shared: ops of the
//! same kind fill a row before the next one is started, as plonky2 batches
//! its own arithmetic. Constants (`zero`, `one`, ...) are deduplicated and
//! cost a few `ConstantGate` rows per circuit, not per gadget.

use plonky2::field::extension::quintic::QuinticExtension;
use plonky2::field::types::Field;
use plonky2::iop::generator::{GeneratedValues, SimpleGenerator};
use plonky2::iop::target::{BoolTarget, Target};
use plonky2::iop::witness::{PartitionWitness, Witness, WitnessWrite};
use plonky2::plonk::circuit_data::CommonCircuitData;
use plonky2::util::serialization::{Buffer, IoResult, Read, Write};

use super::mul_gate::{Gfp5MulAddGate, LIMBS};
use crate::config::{D, F};
use crate::gadgets::Builder;

/// A native GF(p^5) element (the rule book's).
pub use crate::rules::ecgfp5::field::Gfp5;

/// A GF(p^5) element in a circuit: its five coefficients, constant term
/// first. A target built by these gadgets carries no range constraint (none
/// is needed: every coefficient is any field element).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Gfp5Target(pub [Target; LIMBS]);

/// Sets `target` to `value` in a witness.
pub fn set_gfp5<W: WitnessWrite<F> + ?Sized>(
    witness: &mut W,
    target: Gfp5Target,
    value: Gfp5,
) -> anyhow::Result<()> {
    for (t, v) in target.0.into_iter().zip(value.0) {
        witness.set_target(t, v)?;
    }
    Ok(())
}

/// The value of `target` in a witness (panics if a coefficient is unset).
pub fn get_gfp5<W: Witness<F> + ?Sized>(witness: &W, target: Gfp5Target) -> Gfp5 {
    QuinticExtension(target.0.map(|t| witness.get_target(t)))
}

/// The wires of one fresh [`Gfp5MulAddGate`] op: `c = a * b + d`.
struct MulAddOp {
    a: Gfp5Target,
    b: Gfp5Target,
    d: Gfp5Target,
    c: Gfp5Target,
}

/// Takes the next free op of a [`Gfp5MulAddGate`] (a new row every fourth).
fn mul_add_op(builder: &mut Builder) -> MulAddOp {
    let gate = Gfp5MulAddGate::new_from_config(&builder.config);
    let (row, op) = builder.find_slot(gate, &[], &[]);
    let wires = |wire: fn(usize, usize) -> usize| {
        Gfp5Target(core::array::from_fn(|k| Target::wire(row, wire(op, k))))
    };
    MulAddOp {
        a: wires(Gfp5MulAddGate::wire_a),
        b: wires(Gfp5MulAddGate::wire_b),
        d: wires(Gfp5MulAddGate::wire_d),
        c: wires(Gfp5MulAddGate::wire_c),
    }
}

/// GF(p^5) arithmetic on the circuit builder.
pub trait Gfp5Gadget {
    /// Five fresh unconstrained targets. Cost: none.
    fn add_virtual_gfp5(&mut self) -> Gfp5Target;

    /// The constant `c`. Cost: constants only (deduplicated per circuit).
    fn gfp5_constant(&mut self, c: Gfp5) -> Gfp5Target;

    /// The constant 0. Cost: as [`Gfp5Gadget::gfp5_constant`].
    fn gfp5_zero(&mut self) -> Gfp5Target;

    /// The constant 1. Cost: as [`Gfp5Gadget::gfp5_constant`].
    fn gfp5_one(&mut self) -> Gfp5Target;

    /// The base-field element `x` as `(x, 0, 0, 0, 0)`. Cost: constants only.
    fn gfp5_from_base(&mut self, x: Target) -> Gfp5Target;

    /// Constrains `x = y` (five copy constraints). Cost: none.
    fn connect_gfp5(&mut self, x: Gfp5Target, y: Gfp5Target);

    /// `a + b`, coefficient-wise. Cost: 5 base ops, a quarter of a row.
    fn gfp5_add(&mut self, a: Gfp5Target, b: Gfp5Target) -> Gfp5Target;

    /// `a - b`, coefficient-wise. Cost: a quarter of a row.
    fn gfp5_sub(&mut self, a: Gfp5Target, b: Gfp5Target) -> Gfp5Target;

    /// `-a`. Cost: a quarter of a row.
    fn gfp5_neg(&mut self, a: Gfp5Target) -> Gfp5Target;

    /// `a * b + d` in GF(p^5): one [`Gfp5MulAddGate`] op whose result the
    /// gate constrains. Cost: a quarter of a row.
    fn gfp5_mul_add(&mut self, a: Gfp5Target, b: Gfp5Target, d: Gfp5Target) -> Gfp5Target;

    /// `a * b`: [`Gfp5Gadget::gfp5_mul_add`] with `d = 0`. Cost: a quarter of a row.
    fn gfp5_mul(&mut self, a: Gfp5Target, b: Gfp5Target) -> Gfp5Target;

    /// `a^2`. Cost: a quarter of a row.
    fn gfp5_square(&mut self, a: Gfp5Target) -> Gfp5Target;

    /// `s * a` for a base-field `s`: five base multiplications. Cost: a
    /// quarter of a row.
    fn gfp5_scale(&mut self, a: Gfp5Target, s: Target) -> Gfp5Target;

    /// `c * a` for a constant `c`: five base multiplications by constants
    /// if `c` lies in the base field, else one gate op. Cost: a quarter of
    /// a row.
    fn gfp5_mul_const(&mut self, a: Gfp5Target, c: Gfp5) -> Gfp5Target;

    /// `1 / a`: the inverse is a hint `i`, pinned by the gate op
    /// `a * i + 0 = 1` (GF(p^5) is a field, so `i` is unique). Zero has no
    /// inverse: for `a = 0` the circuit is unsatisfiable. Cost: a quarter
    /// of a row.
    fn gfp5_inverse(&mut self, a: Gfp5Target) -> Gfp5Target;

    /// `a / b`: the quotient is a hint `q`, pinned by the gate op
    /// `q * b + 0 = a`. Requires `b != 0`, which the caller must guarantee:
    /// for `b = 0` the circuit is unsatisfiable if `a != 0`, but for
    /// `a = b = 0` any `q` satisfies it (the prover chooses the result). Use
    /// [`Gfp5Gadget::gfp5_assert_nonzero`] on `b` (another quarter row), or
    /// `a * gfp5_inverse(b)`, where `b` is not known to be nonzero. Cost: a
    /// quarter of a row.
    fn gfp5_div(&mut self, a: Gfp5Target, b: Gfp5Target) -> Gfp5Target;

    /// Constrains `a != 0` (by witnessing its inverse). Cost: a quarter of a row.
    fn gfp5_assert_nonzero(&mut self, a: Gfp5Target);

    /// Whether `a = 0`. Hints: a flag `f` and `i` (`1 / a`, or 0 for 0);
    /// two gate ops constrain `a * i + f = 1` and `a * f = 0`. If `a != 0`
    /// the second forces `f = 0`, and then the first has the solution
    /// `i = 1 / a`; if `a = 0` the first forces `f = 1`. So `f` is boolean
    /// and correct for every `a`. Cost: half a row.
    fn gfp5_is_zero(&mut self, a: Gfp5Target) -> BoolTarget;

    /// Whether `x = y`: [`Gfp5Gadget::gfp5_is_zero`] of `x - y`. Cost:
    /// three quarters of a row.
    fn gfp5_is_equal(&mut self, x: Gfp5Target, y: Gfp5Target) -> BoolTarget;

    /// `b ? x : y`, coefficient-wise. Cost: 10 base ops, half a row.
    fn select_gfp5(&mut self, b: BoolTarget, x: Gfp5Target, y: Gfp5Target) -> Gfp5Target;
}

impl Gfp5Gadget for Builder {
    fn add_virtual_gfp5(&mut self) -> Gfp5Target {
        Gfp5Target(core::array::from_fn(|_| self.add_virtual_target()))
    }

    fn gfp5_constant(&mut self, c: Gfp5) -> Gfp5Target {
        Gfp5Target(c.0.map(|x| self.constant(x)))
    }

    fn gfp5_zero(&mut self) -> Gfp5Target {
        self.gfp5_constant(Gfp5::ZERO)
    }

    fn gfp5_one(&mut self) -> Gfp5Target {
        self.gfp5_constant(Gfp5::ONE)
    }

    fn gfp5_from_base(&mut self, x: Target) -> Gfp5Target {
        let zero = self.zero();
        Gfp5Target([x, zero, zero, zero, zero])
    }

    fn connect_gfp5(&mut self, x: Gfp5Target, y: Gfp5Target) {
        for (x, y) in x.0.into_iter().zip(y.0) {
            self.connect(x, y);
        }
    }

    fn gfp5_add(&mut self, a: Gfp5Target, b: Gfp5Target) -> Gfp5Target {
        Gfp5Target(core::array::from_fn(|k| self.add(a.0[k], b.0[k])))
    }

    fn gfp5_sub(&mut self, a: Gfp5Target, b: Gfp5Target) -> Gfp5Target {
        Gfp5Target(core::array::from_fn(|k| self.sub(a.0[k], b.0[k])))
    }

    fn gfp5_neg(&mut self, a: Gfp5Target) -> Gfp5Target {
        Gfp5Target(a.0.map(|x| self.neg(x)))
    }

    fn gfp5_mul_add(&mut self, a: Gfp5Target, b: Gfp5Target, d: Gfp5Target) -> Gfp5Target {
        let op = mul_add_op(self);
        self.connect_gfp5(a, op.a);
        self.connect_gfp5(b, op.b);
        self.connect_gfp5(d, op.d);
        op.c
    }

    fn gfp5_mul(&mut self, a: Gfp5Target, b: Gfp5Target) -> Gfp5Target {
        let zero = self.gfp5_zero();
        self.gfp5_mul_add(a, b, zero)
    }

    fn gfp5_square(&mut self, a: Gfp5Target) -> Gfp5Target {
        self.gfp5_mul(a, a)
    }

    fn gfp5_scale(&mut self, a: Gfp5Target, s: Target) -> Gfp5Target {
        Gfp5Target(a.0.map(|x| self.mul(s, x)))
    }

    fn gfp5_mul_const(&mut self, a: Gfp5Target, c: Gfp5) -> Gfp5Target {
        let [c0, rest @ ..] = c.0;
        if rest.iter().all(|x| *x == F::ZERO) {
            Gfp5Target(a.0.map(|x| self.mul_const(c0, x)))
        } else {
            let c = self.gfp5_constant(c);
            self.gfp5_mul(a, c)
        }
    }

    fn gfp5_inverse(&mut self, a: Gfp5Target) -> Gfp5Target {
        let op = mul_add_op(self);
        let (zero, one) = (self.gfp5_zero(), self.gfp5_one());
        self.connect_gfp5(a, op.a);
        self.connect_gfp5(zero, op.d);
        self.connect_gfp5(one, op.c);
        self.add_simple_generator(Gfp5InverseGenerator {
            x: a,
            inverse: op.b,
        });
        op.b
    }

    fn gfp5_div(&mut self, a: Gfp5Target, b: Gfp5Target) -> Gfp5Target {
        let op = mul_add_op(self);
        let zero = self.gfp5_zero();
        self.connect_gfp5(b, op.b);
        self.connect_gfp5(zero, op.d);
        self.connect_gfp5(a, op.c);
        self.add_simple_generator(Gfp5QuotientGenerator {
            numerator: a,
            denominator: b,
            quotient: op.a,
        });
        op.a
    }

    fn gfp5_assert_nonzero(&mut self, a: Gfp5Target) {
        self.gfp5_inverse(a);
    }

    fn gfp5_is_zero(&mut self, a: Gfp5Target) -> BoolTarget {
        let zero = self.zero();
        let (zero5, one5) = (self.gfp5_zero(), self.gfp5_one());
        // a * i + (f, 0, 0, 0, 0) = 1
        let first = mul_add_op(self);
        self.connect_gfp5(a, first.a);
        let flag = first.d.0[0];
        for &t in &first.d.0[1..] {
            self.connect(t, zero);
        }
        self.connect_gfp5(one5, first.c);
        // a * (f, 0, 0, 0, 0) + 0 = 0
        let second = mul_add_op(self);
        self.connect_gfp5(a, second.a);
        let flag5 = self.gfp5_from_base(flag);
        self.connect_gfp5(flag5, second.b);
        self.connect_gfp5(zero5, second.d);
        self.connect_gfp5(zero5, second.c);
        self.add_simple_generator(Gfp5IsZeroGenerator {
            x: a,
            inverse: first.b,
            is_zero: flag,
        });
        BoolTarget::new_unsafe(flag)
    }

    fn gfp5_is_equal(&mut self, x: Gfp5Target, y: Gfp5Target) -> BoolTarget {
        let diff = self.gfp5_sub(x, y);
        self.gfp5_is_zero(diff)
    }

    fn select_gfp5(&mut self, b: BoolTarget, x: Gfp5Target, y: Gfp5Target) -> Gfp5Target {
        Gfp5Target(core::array::from_fn(|k| self.select(b, x.0[k], y.0[k])))
    }
}

pub(crate) fn write_gfp5_target(dst: &mut Vec<u8>, t: Gfp5Target) -> IoResult<()> {
    t.0.into_iter().try_for_each(|t| dst.write_target(t))
}

pub(crate) fn read_gfp5_target(src: &mut Buffer) -> IoResult<Gfp5Target> {
    let mut t = Gfp5Target::default();
    for x in &mut t.0 {
        *x = src.read_target()?;
    }
    Ok(t)
}

/// `1 / x`, or 0 for 0 (which then fails the gate's `x * i = 1`).
fn inverse_or_zero(x: Gfp5) -> Gfp5 {
    x.try_inverse().unwrap_or(Gfp5::ZERO)
}

/// Witnesses the inverse for [`Gfp5Gadget::gfp5_inverse`]: the multiply-add
/// row states `x * inverse = 1` in the field GF(p^5), which has one
/// solution for `x != 0` and none for 0.
#[derive(Debug, Default)]
pub struct Gfp5InverseGenerator {
    pub(crate) x: Gfp5Target,
    pub(crate) inverse: Gfp5Target,
}

impl SimpleGenerator<F, D> for Gfp5InverseGenerator {
    fn id(&self) -> String {
        "zksettle::Gfp5InverseGenerator".into()
    }

    fn dependencies(&self) -> Vec<Target> {
        self.x.0.to_vec()
    }

    fn run_once(
        &self,
        witness: &PartitionWitness<F>,
        out: &mut GeneratedValues<F>,
    ) -> anyhow::Result<()> {
        let x = get_gfp5(witness, self.x);
        set_gfp5(out, self.inverse, inverse_or_zero(x))
    }

    fn serialize(&self, dst: &mut Vec<u8>, _: &CommonCircuitData<F, D>) -> IoResult<()> {
        write_gfp5_target(dst, self.x)?;
        write_gfp5_target(dst, self.inverse)
    }

    fn deserialize(src: &mut Buffer, _: &CommonCircuitData<F, D>) -> IoResult<Self> {
        Ok(Self {
            x: read_gfp5_target(src)?,
            inverse: read_gfp5_target(src)?,
        })
    }
}

/// Witnesses the quotient for [`Gfp5Gadget::gfp5_div`] (0 if the
/// denominator is 0).
#[derive(Debug, Default)]
pub struct Gfp5QuotientGenerator {
    numerator: Gfp5Target,
    denominator: Gfp5Target,
    quotient: Gfp5Target,
}

impl SimpleGenerator<F, D> for Gfp5QuotientGenerator {
    fn id(&self) -> String {
        "zksettle::Gfp5QuotientGenerator".into()
    }

    fn dependencies(&self) -> Vec<Target> {
        [self.numerator.0, self.denominator.0].concat()
    }

    fn run_once(
        &self,
        witness: &PartitionWitness<F>,
        out: &mut GeneratedValues<F>,
    ) -> anyhow::Result<()> {
        let n = get_gfp5(witness, self.numerator);
        let d = get_gfp5(witness, self.denominator);
        set_gfp5(out, self.quotient, n * inverse_or_zero(d))
    }

    fn serialize(&self, dst: &mut Vec<u8>, _: &CommonCircuitData<F, D>) -> IoResult<()> {
        write_gfp5_target(dst, self.numerator)?;
        write_gfp5_target(dst, self.denominator)?;
        write_gfp5_target(dst, self.quotient)
    }

    fn deserialize(src: &mut Buffer, _: &CommonCircuitData<F, D>) -> IoResult<Self> {
        Ok(Self {
            numerator: read_gfp5_target(src)?,
            denominator: read_gfp5_target(src)?,
            quotient: read_gfp5_target(src)?,
        })
    }
}

/// Witnesses the flag and the inverse (or 0) for [`Gfp5Gadget::gfp5_is_zero`].
#[derive(Debug, Default)]
pub struct Gfp5IsZeroGenerator {
    x: Gfp5Target,
    inverse: Gfp5Target,
    is_zero: Target,
}

impl SimpleGenerator<F, D> for Gfp5IsZeroGenerator {
    fn id(&self) -> String {
        "zksettle::Gfp5IsZeroGenerator".into()
    }

    fn dependencies(&self) -> Vec<Target> {
        self.x.0.to_vec()
    }

    fn run_once(
        &self,
        witness: &PartitionWitness<F>,
        out: &mut GeneratedValues<F>,
    ) -> anyhow::Result<()> {
        let x = get_gfp5(witness, self.x);
        out.set_target(self.is_zero, F::from_bool(x == Gfp5::ZERO))?;
        set_gfp5(out, self.inverse, inverse_or_zero(x))
    }

    fn serialize(&self, dst: &mut Vec<u8>, _: &CommonCircuitData<F, D>) -> IoResult<()> {
        write_gfp5_target(dst, self.x)?;
        write_gfp5_target(dst, self.inverse)?;
        dst.write_target(self.is_zero)
    }

    fn deserialize(src: &mut Buffer, _: &CommonCircuitData<F, D>) -> IoResult<Self> {
        Ok(Self {
            x: read_gfp5_target(src)?,
            inverse: read_gfp5_target(src)?,
            is_zero: src.read_target()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use plonky2::field::types::Sample;
    use plonky2::iop::witness::PartialWitness;
    use plonky2::plonk::circuit_data::CircuitData;

    use super::*;
    use crate::config::C;
    use crate::gadgets::ecgfp5::testing::provable_tampered;
    use crate::gadgets::testing::{builder, provable, prove_and_verify};
    use crate::serialize::{Gates, Generators};

    fn base(x: F) -> Gfp5 {
        QuinticExtension([x, F::ZERO, F::ZERO, F::ZERO, F::ZERO])
    }

    fn rand_nonzero() -> Gfp5 {
        loop {
            let x = Gfp5::rand();
            if x != Gfp5::ZERO {
                return x;
            }
        }
    }

    /// Rows a gadget adds to a fresh builder (constants, placed at build
    /// time, not included), and the ops of a partly filled last row counted
    /// as a whole row.
    fn rows_of(gadget: impl FnOnce(&mut Builder)) -> usize {
        let mut b = builder();
        let before = b.num_gates();
        gadget(&mut b);
        b.num_gates() - before
    }

    #[test]
    fn row_costs() {
        let mut rows = Vec::new();
        for n in [1usize, 4, 100, 1000] {
            let r = rows_of(|b| {
                let x = b.add_virtual_gfp5();
                let mut acc = x;
                for _ in 0..n {
                    acc = b.gfp5_mul(acc, x);
                }
            });
            assert_eq!(r, n.div_ceil(4), "{n} multiplications");
            rows.push((format!("{n} x gfp5_mul"), r));
        }
        // Expected rows for 400 calls: a gate op is 1/4 row, a base op 1/20.
        type Case = (
            &'static str,
            usize,
            fn(&mut Builder, Gfp5Target, Gfp5Target),
        );
        let cases: [Case; 10] = [
            ("gfp5_add", 100, |b, x, y| {
                b.gfp5_add(x, y);
            }),
            ("gfp5_sub", 100, |b, x, y| {
                b.gfp5_sub(x, y);
            }),
            ("gfp5_mul_add", 100, |b, x, y| {
                b.gfp5_mul_add(x, y, x);
            }),
            ("gfp5_scale", 100, |b, x, y| {
                b.gfp5_scale(x, y.0[0]);
            }),
            ("gfp5_inverse", 100, |b, x, _| {
                b.gfp5_inverse(x);
            }),
            ("gfp5_div", 100, |b, x, y| {
                b.gfp5_div(x, y);
            }),
            ("gfp5_is_zero", 200, |b, x, _| {
                b.gfp5_is_zero(x);
            }),
            ("gfp5_is_equal", 300, |b, x, y| {
                b.gfp5_is_equal(x, y);
            }),
            ("select_gfp5", 200, |b, x, y| {
                let s = b.add_virtual_bool_target_unsafe();
                b.select_gfp5(s, x, y);
            }),
            ("gfp5_neg", 100, |b, x, _| {
                b.gfp5_neg(x);
            }),
        ];
        for (name, expected, gadget) in cases {
            // Fresh operands for every call (no arithmetic deduplication).
            let r = rows_of(|b| {
                for _ in 0..400 {
                    let (x, y) = (b.add_virtual_gfp5(), b.add_virtual_gfp5());
                    gadget(b, x, y);
                }
            });
            assert_eq!(r, expected, "400 x {name}");
            rows.push((format!("400 x {name}"), r));
        }
        for (what, r) in rows {
            println!("{what}: {r} rows");
        }
    }

    /// Every gadget on random operands, checked against `QuinticExtension`.
    #[test]
    fn the_gadgets_agree_with_quintic_extension() {
        let mut b = builder();
        let [x, y, z] = [(); 3].map(|()| b.add_virtual_gfp5());
        let zero_input = b.add_virtual_gfp5();
        let s = b.add_virtual_target();
        let (yes, no) = (b.constant_bool(true), b.constant_bool(false));
        let constant = Gfp5::rand();
        let base_constant = base(F::rand());
        let outputs = [
            b.gfp5_add(x, y),
            b.gfp5_sub(x, y),
            b.gfp5_neg(x),
            b.gfp5_mul_add(x, y, z),
            b.gfp5_mul(x, y),
            b.gfp5_square(x),
            b.gfp5_scale(x, s),
            b.gfp5_mul_const(x, constant),
            b.gfp5_mul_const(x, base_constant),
            b.gfp5_inverse(x),
            b.gfp5_div(x, y),
            b.gfp5_div(zero_input, y),
            b.select_gfp5(yes, x, y),
            b.select_gfp5(no, x, y),
            b.gfp5_from_base(s),
            b.gfp5_constant(constant),
        ];
        let flags = [
            b.gfp5_is_zero(x),
            b.gfp5_is_zero(zero_input),
            b.gfp5_is_equal(x, y),
            b.gfp5_is_equal(x, x),
            b.gfp5_is_equal(zero_input, zero_input),
        ];
        b.gfp5_assert_nonzero(y);
        let data = b.build::<C>();

        let (xv, yv, zv) = (rand_nonzero(), rand_nonzero(), Gfp5::rand());
        let sv = F::rand();
        let expected = [
            xv + yv,
            xv - yv,
            -xv,
            xv * yv + zv,
            xv * yv,
            xv * xv,
            xv * base(sv),
            xv * constant,
            xv * base_constant,
            xv.inverse(),
            xv / yv,
            Gfp5::ZERO,
            xv,
            yv,
            base(sv),
            constant,
        ];
        let expected_flags = [false, true, false, true, true];
        let mut pw = PartialWitness::new();
        for (t, v) in [(x, xv), (y, yv), (z, zv), (zero_input, Gfp5::ZERO)] {
            set_gfp5(&mut pw, t, v).unwrap();
        }
        pw.set_target(s, sv).unwrap();
        // Setting every output to its native value: a wrong gadget result
        // conflicts with the generated one and the proof fails.
        for (&t, &v) in outputs.iter().zip(&expected) {
            set_gfp5(&mut pw, t, v).unwrap();
        }
        for (&t, &v) in flags.iter().zip(&expected_flags) {
            pw.set_bool_target(t, v).unwrap();
        }
        prove_and_verify(&data, pw);
    }

    /// `1 / x` and `n / d`, proven for the given values.
    fn division_circuit() -> (CircuitData<F, C, D>, [Gfp5Target; 5]) {
        let mut b = builder();
        let [x, n, d] = [(); 3].map(|()| b.add_virtual_gfp5());
        let inverse = b.gfp5_inverse(x);
        let quotient = b.gfp5_div(n, d);
        (b.build::<C>(), [x, n, d, inverse, quotient])
    }

    fn division_witness(targets: &[Gfp5Target; 5], x: Gfp5, n: Gfp5, d: Gfp5) -> PartialWitness<F> {
        let mut pw = PartialWitness::new();
        for (&t, v) in targets.iter().zip([x, n, d]) {
            set_gfp5(&mut pw, t, v).unwrap();
        }
        pw
    }

    #[test]
    fn zero_has_no_inverse_and_nothing_nonzero_divides_by_zero() {
        let (data, t) = division_circuit();
        let (x, n, d) = (rand_nonzero(), Gfp5::rand(), rand_nonzero());
        assert!(provable(&data, division_witness(&t, x, n, d)));
        assert!(
            !provable(&data, division_witness(&t, Gfp5::ZERO, n, d)),
            "1 / 0"
        );
        assert!(
            !provable(&data, division_witness(&t, x, rand_nonzero(), Gfp5::ZERO)),
            "n / 0"
        );
        // The documented gap: 0 / 0 is satisfiable (with any quotient).
        assert!(
            provable(&data, division_witness(&t, x, Gfp5::ZERO, Gfp5::ZERO)),
            "0 / 0"
        );
    }

    #[test]
    fn a_cheating_prover_cannot_change_an_inverse_or_a_quotient() {
        let (data, t) = division_circuit();
        let (x, n, d) = (rand_nonzero(), Gfp5::rand(), rand_nonzero());
        let witness = || division_witness(&t, x, n, d);
        assert!(provable_tampered(&data, witness(), &[]), "untampered");
        let [_, _, _, inverse, quotient] = t;
        for k in 0..LIMBS {
            let wrong_inverse = (x.inverse() + Gfp5::rand()).0[k];
            assert!(!provable_tampered(
                &data,
                witness(),
                &[(inverse.0[k], wrong_inverse)]
            ));
            let wrong_quotient = (n / d + Gfp5::rand()).0[k];
            assert!(!provable_tampered(
                &data,
                witness(),
                &[(quotient.0[k], wrong_quotient)]
            ));
        }
        // A whole wrong inverse with the product it gives: only the copy
        // constraint of the product to the constant 1 stands in the way.
        let Target::Wire(wire) = inverse.0[0] else {
            panic!("the inverse is a gate wire")
        };
        let op = wire.column / super::super::mul_gate::WIRES_PER_OP;
        let wrong = rand_nonzero();
        let mut tamper: Vec<_> = (0..LIMBS).map(|k| (inverse.0[k], wrong.0[k])).collect();
        tamper.extend((0..LIMBS).map(|k| {
            let c = Target::wire(wire.row, Gfp5MulAddGate::wire_c(op, k));
            (c, (x * wrong).0[k])
        }));
        assert!(!provable_tampered(&data, witness(), &tamper));
    }

    #[test]
    fn a_cheating_prover_cannot_flip_is_zero() {
        let mut b = builder();
        let x = b.add_virtual_gfp5();
        let flag = b.gfp5_is_zero(x);
        let data = b.build::<C>();
        let witness = |v: Gfp5| {
            let mut pw = PartialWitness::new();
            set_gfp5(&mut pw, x, v).unwrap();
            pw
        };
        // The flag sits on the first op's d_0 wire; its hinted inverse on b.
        let Target::Wire(wire) = flag.target else {
            panic!("the flag is a gate wire")
        };
        let op = wire.column / super::super::mul_gate::WIRES_PER_OP;
        let inverse: [Target; LIMBS] =
            core::array::from_fn(|k| Target::wire(wire.row, Gfp5MulAddGate::wire_b(op, k)));
        let nonzero = rand_nonzero();
        assert!(provable_tampered(&data, witness(nonzero), &[]));
        assert!(provable_tampered(&data, witness(Gfp5::ZERO), &[]));
        // Claim "zero" for a nonzero x: inverse 0 satisfies x * i + f = 1,
        // and the second op's result is set to x * f = x, so only its copy
        // constraint to the constant 0 stands in the way.
        assert_eq!(op, 0, "a fresh builder's first op");
        let second: [Target; LIMBS] =
            core::array::from_fn(|k| Target::wire(wire.row, Gfp5MulAddGate::wire_c(1, k)));
        let mut claim_zero = vec![(flag.target, F::ONE)];
        claim_zero.extend(inverse.map(|t| (t, F::ZERO)));
        claim_zero.extend((0..LIMBS).map(|k| (second[k], nonzero.0[k])));
        assert!(!provable_tampered(&data, witness(nonzero), &claim_zero));
        // Claim "nonzero" for 0, with any inverse: 0 * i + 0 = 1 fails.
        let mut claim_nonzero = vec![(flag.target, F::ZERO)];
        claim_nonzero.extend(inverse.map(|t| (t, F::ONE)));
        assert!(!provable_tampered(
            &data,
            witness(Gfp5::ZERO),
            &claim_nonzero
        ));
        // A non-boolean flag fails for both.
        let two = vec![(flag.target, F::TWO)];
        assert!(!provable_tampered(&data, witness(nonzero), &two));
        assert!(!provable_tampered(&data, witness(Gfp5::ZERO), &two));
    }

    #[test]
    fn a_product_connected_to_a_wrong_value_fails() {
        let mut b = builder();
        let [x, y, claimed] = [(); 3].map(|()| b.add_virtual_gfp5());
        let product = b.gfp5_mul(x, y);
        b.connect_gfp5(product, claimed);
        let data = b.build::<C>();
        let (xv, yv) = (Gfp5::rand(), Gfp5::rand());
        let witness = |c: Gfp5| {
            let mut pw = PartialWitness::new();
            for (t, v) in [(x, xv), (y, yv), (claimed, c)] {
                set_gfp5(&mut pw, t, v).unwrap();
            }
            pw
        };
        assert!(provable(&data, witness(xv * yv)));
        assert!(!provable(&data, witness(xv * yv + base(F::ONE))));
        // And a cheating prover overwriting the product's wires fails too.
        let mut pw = PartialWitness::new();
        for (t, v) in [(x, xv), (y, yv)] {
            set_gfp5(&mut pw, t, v).unwrap();
        }
        let wrong = (xv * yv + Gfp5::rand()).0[3];
        assert!(!provable_tampered(&data, pw, &[(product.0[3], wrong)]));
    }

    #[test]
    fn a_circuit_with_the_gate_and_every_hint_round_trips_through_bytes() {
        let mut b = builder();
        let [x, y] = [(); 2].map(|()| b.add_virtual_gfp5());
        let p = b.gfp5_mul(x, y);
        let i = b.gfp5_inverse(x);
        let q = b.gfp5_div(p, y);
        let e = b.gfp5_is_equal(q, x);
        let data = b.build::<C>();
        let bytes = data.to_bytes(&Gates, &Generators).expect("serialises");
        let loaded =
            CircuitData::<F, C, D>::from_bytes(&bytes, &Gates, &Generators).expect("deserialises");
        assert_eq!(loaded.common, data.common);
        assert_eq!(
            loaded.verifier_only.circuit_digest,
            data.verifier_only.circuit_digest
        );
        let (xv, yv) = (rand_nonzero(), rand_nonzero());
        let mut pw = PartialWitness::new();
        set_gfp5(&mut pw, x, xv).unwrap();
        set_gfp5(&mut pw, y, yv).unwrap();
        set_gfp5(&mut pw, i, xv.inverse()).unwrap();
        pw.set_bool_target(e, true).unwrap();
        prove_and_verify(&loaded, pw);
    }
}
