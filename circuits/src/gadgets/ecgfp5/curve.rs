//! ECgFp5 points as circuit targets and the group law on them, mirroring
//! the native [`Point`] (fractional (x, u) coordinates (X : Z : U : T),
//! x = X / Z, u = U / T = x / y, neutral N = (0 : 1 : 0 : 1)).
//!
//! Costs are in rows of the standard recursion config: a GF(p^5) product
//! is a quarter of a row ([`Gfp5Gadget::gfp5_mul_add`]), a GF(p^5) linear
//! combination of two terms with monomial constants (`c z^k`, e.g. the
//! curve's b = 263 z) is five base `ArithmeticGate` ops, also a quarter of a
//! row. Every formula is written so that additions fold into `a * b + d`
//! ops or into those two-term combinations.
//!
//! Soundness: a [`PointTarget`] built by these gadgets from valid points
//! (constants, [`CurveGadget::point_decode`], the group law) always holds a
//! group element; a [`PointTarget`] set by [`set_point`] or
//! [`CurveGadget::add_virtual_point`] is whatever the prover puts there and
//! must be pinned by the caller.

use plonky2::field::types::Field;
use plonky2::iop::generator::{GeneratedValues, SimpleGenerator};
use plonky2::iop::target::{BoolTarget, Target};
use plonky2::iop::witness::{PartitionWitness, Witness, WitnessWrite};
use plonky2::plonk::circuit_data::CommonCircuitData;
use plonky2::util::serialization::{Buffer, IoResult};

use super::field::{
    get_gfp5, read_gfp5_target, set_gfp5, write_gfp5_target, Gfp5, Gfp5Gadget, Gfp5Target,
};
use super::step_gate::{self, CurveStepGate};
use crate::config::{D, F};
use crate::gadgets::Builder;
use crate::rules::ecgfp5::curve::{Point, A, B};
use crate::rules::ecgfp5::field as native_field;

/// A group element in a circuit, in the native [`Point`]'s fractional
/// coordinates: x = X / Z, u = U / T.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PointTarget {
    /// X.
    pub x: Gfp5Target,
    /// Z.
    pub z: Gfp5Target,
    /// U.
    pub u: Gfp5Target,
    /// T.
    pub t: Gfp5Target,
}

/// A group element with Z = T = 1, i.e. its affine (x, u) coordinates
/// (u = 0 for the neutral): the cheap second operand of
/// [`CurveGadget::point_add_affine`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AffinePointTarget {
    /// x = X / Z.
    pub x: Gfp5Target,
    /// u = U / T.
    pub u: Gfp5Target,
}

/// Sets `target` to the coordinates of `p` in a witness.
pub fn set_point<W: WitnessWrite<F> + ?Sized>(
    witness: &mut W,
    target: &PointTarget,
    p: &Point,
) -> anyhow::Result<()> {
    let [x, z, u, t] = p.coordinates();
    set_gfp5(witness, target.x, x)?;
    set_gfp5(witness, target.z, z)?;
    set_gfp5(witness, target.u, u)?;
    set_gfp5(witness, target.t, t)
}

/// The point held by `target` in a witness (unchecked).
pub fn get_point<W: Witness<F> + ?Sized>(witness: &W, target: &PointTarget) -> Point {
    Point::from_coordinates([target.x, target.z, target.u, target.t].map(|c| get_gfp5(witness, c)))
}

/// Coefficient `j` of `(c z^k) v` is `factor * v[source]`: multiplying by a
/// monomial only permutes and scales coefficients (z^5 = 3).
fn monomial(c: F, k: usize, j: usize) -> (F, usize) {
    if j >= k {
        (c, j - k)
    } else {
        (c * F::from_canonical_u64(3), j + 5 - k)
    }
}

/// A term `c z^k v` of a GF(p^5) linear combination.
type Term = (F, usize, Gfp5Target);

/// `c1 z^k1 v1 + c2 z^k2 v2`: one base `ArithmeticGate` op per coefficient
/// (a quarter of a row).
fn lin2(b: &mut Builder, (c1, k1, v1): Term, (c2, k2, v2): Term) -> Gfp5Target {
    let one = b.one();
    Gfp5Target(core::array::from_fn(|j| {
        let (f1, s1) = monomial(c1, k1, j);
        let (f2, s2) = monomial(c2, k2, j);
        b.arithmetic(f1, f2, v1.0[s1], one, v2.0[s2])
    }))
}

/// `c z^k v`: one base op per coefficient (a quarter of a row).
fn lin1(b: &mut Builder, (c, k, v): Term) -> Gfp5Target {
    Gfp5Target(core::array::from_fn(|j| {
        let (f, s) = monomial(c, k, j);
        b.mul_const(f, v.0[s])
    }))
}

/// b = 263 z as a monomial: (263, 1).
const B_COEFF: u64 = 263;

/// The tail of the complete addition formulas shared by
/// [`CurveGadget::point_add`] and [`CurveGadget::point_add_affine`], from
/// xx = x1 x2, zz = z1 z2, uu = u1 u2, tt = t1 t2, xz = x1 z2 + x2 z1 and
/// ut = u1 t2 + u2 t1 (native [`Point::add`]), with (X : Z) at -1 / b
/// times the native values (U and T are the native ones). Cost: 6 products
/// and 5 two-term combinations, 2.75 rows.
fn add_tail(b: &mut Builder, [xx, zz, uu, tt, xz, ut]: [Gfp5Target; 6]) -> PointTarget {
    let bc = b.gfp5_constant(B);
    let bb = F::from_canonical_u64(B_COEFF);
    // m = xx + b zz; s = b xz + m, so um = uu (2 b xz + a m) = 2 uu s (a = 2).
    debug_assert_eq!(A, Gfp5::TWO);
    let m = b.gfp5_mul_add(zz, bc, xx);
    let s = b.gfp5_mul_add(xz, bc, m);
    let um_half = b.gfp5_mul(uu, s);
    let tm = b.gfp5_mul(tt, m);
    // big = (tt + a uu) (xz + m). (X : Z) is taken at -1 / b times the
    // native (b (big - tm) : tm - um), the same x: X = tm - big is then one
    // `a * b + d` with the negated first factor.
    let minus_v = lin2(b, (-F::ONE, 0, tt), (-F::TWO, 0, uu));
    let xzm = lin2(b, (F::ONE, 0, xz), (F::ONE, 0, m));
    let x = b.gfp5_mul_add(minus_v, xzm, tm);
    // 1 / b = z^4 / (3 * 263), a monomial.
    let inv_b = F::from_canonical_u64(3 * B_COEFF).inverse();
    let z = lin2(b, (inv_b * F::TWO, 4, um_half), (-inv_b, 4, tm));
    let w = lin2(b, (bb, 1, zz), (-F::ONE, 0, xx));
    let u = b.gfp5_mul(ut, w);
    let t = lin2(b, (F::ONE, 0, tm), (F::TWO, 0, um_half));
    PointTarget { x, z, u, t }
}

/// The ECgFp5 group law on the circuit builder.
pub trait CurveGadget {
    /// Twenty fresh unconstrained targets. Cost: none.
    fn add_virtual_point(&mut self) -> PointTarget;

    /// The constant `p` (its native coordinates). Cost: constants only.
    fn point_constant(&mut self, p: &Point) -> PointTarget;

    /// The neutral N = (0 : 1 : 0 : 1). Cost: constants only.
    fn point_neutral(&mut self) -> PointTarget;

    /// `p + q` by the complete formulas of the native [`Point::add`] (no
    /// exceptional case: doubling, the neutral and `p + (-p)` all work),
    /// with (X : Z) scaled by -1 / b (the same element; U, T native). Cost:
    /// 14 products and 5 two-term combinations, 4.75 rows.
    fn point_add(&mut self, p: PointTarget, q: PointTarget) -> PointTarget;

    /// `p + q` for `q` with Z = T = 1: the same formulas with zz = z1,
    /// tt = t1 and one product each for xz and ut. Cost: 10 products and 5
    /// combinations, 3.75 rows.
    fn point_add_affine(&mut self, p: PointTarget, q: AffinePointTarget) -> PointTarget;

    /// `2 p` by the formulas of the native [`Point::double`], with (U : T)
    /// at half the native values (the same element; X and Z are the
    /// native ones). Cost: 9 products and 3 two-term combinations, 3 rows.
    fn point_double(&mut self, p: PointTarget) -> PointTarget;

    /// `-p` (U negated). Cost: a quarter of a row.
    fn point_neg(&mut self, p: PointTarget) -> PointTarget;

    /// `b ? p : q`, coordinate-wise. Cost: 2 rows (40 base ops).
    fn select_point(&mut self, b: BoolTarget, p: PointTarget, q: PointTarget) -> PointTarget;

    /// The affine (x, u) = (X / Z, U / T) of `p`, by two inverses (so
    /// Z = 0 or T = 0, which no group element has, is unsatisfiable) and
    /// two products. Cost: 1 row.
    fn point_to_affine(&mut self, p: PointTarget) -> AffinePointTarget;

    /// The encoding w = T / U of `p`, for a non-neutral `p` only: U's
    /// inverse is witnessed, so a neutral `p` (U = 0, the one element with
    /// encoding 0) makes the circuit unsatisfiable. The result is the
    /// native [`Point::encode`] as a field element (five coefficients, each
    /// a canonical field element). Cost: 2 products, half a row.
    fn point_encode(&mut self, p: PointTarget) -> Gfp5Target;

    /// The point of encoding `w`, for a non-neutral one only. x is a hint
    /// (the native [`Point::decode`]); constrained are
    /// x^2 - (w^2 - a) x + b = 0, and x b = r^2 for a hinted r, i.e. x is
    /// a non-square (b is a non-square, and x != 0 by the quadratic): the
    /// one root the native decoding picks. `w = 0` (the neutral) is
    /// refused (its inverse is witnessed), and so is every `w` native
    /// decoding rejects (the quadratic then has no root in GF(p^5)). The
    /// result is (x : 1 : 1 : w), u = 1 / w. Cost: 6 products, 1.5 rows.
    fn point_decode(&mut self, w: Gfp5Target) -> PointTarget;

    /// `s G + e q` (G the generator) for the little-endian bits of `s` and
    /// `e` (`|e| <= |s| <= 2 |e|`, `|e| > 0`; `q` a group element, as the
    /// gadgets here produce). With s = s_lo + 2^|e| s_hi and G' = 2^|e| G,
    /// one joint double-and-add over the |e| bit positions from the top,
    /// one [`CurveStepGate`] row per position: acc = 2 acc + T[s_lo_i,
    /// s_hi_i] + e_i q with the constant table T = {N, G, G', G + G'}
    /// (s_hi_i = 0 where s_hi has no bit). The gate constrains the bits to
    /// be boolean and pins every intermediate value; its complete formulas
    /// have no exceptional case. q enters as its affine (x, u) (1 row, two
    /// witnessed inverses). Cost: |e| + 1 rows, 257 for 319 bits of `s` and
    /// 256 of `e` (measured, see the tests).
    fn point_mul_add_generator(
        &mut self,
        s_bits: &[BoolTarget],
        e_bits: &[BoolTarget],
        q: PointTarget,
    ) -> PointTarget;
}

impl CurveGadget for Builder {
    fn add_virtual_point(&mut self) -> PointTarget {
        PointTarget {
            x: self.add_virtual_gfp5(),
            z: self.add_virtual_gfp5(),
            u: self.add_virtual_gfp5(),
            t: self.add_virtual_gfp5(),
        }
    }

    fn point_constant(&mut self, p: &Point) -> PointTarget {
        let [x, z, u, t] = p.coordinates().map(|c| self.gfp5_constant(c));
        PointTarget { x, z, u, t }
    }

    fn point_neutral(&mut self) -> PointTarget {
        self.point_constant(&Point::NEUTRAL)
    }

    fn point_add(&mut self, p: PointTarget, q: PointTarget) -> PointTarget {
        let xx = self.gfp5_mul(p.x, q.x);
        let zz = self.gfp5_mul(p.z, q.z);
        let uu = self.gfp5_mul(p.u, q.u);
        let tt = self.gfp5_mul(p.t, q.t);
        let x1z2 = self.gfp5_mul(p.x, q.z);
        let xz = self.gfp5_mul_add(q.x, p.z, x1z2);
        let u1t2 = self.gfp5_mul(p.u, q.t);
        let ut = self.gfp5_mul_add(q.u, p.t, u1t2);
        add_tail(self, [xx, zz, uu, tt, xz, ut])
    }

    fn point_add_affine(&mut self, p: PointTarget, q: AffinePointTarget) -> PointTarget {
        let xx = self.gfp5_mul(p.x, q.x);
        let uu = self.gfp5_mul(p.u, q.u);
        let xz = self.gfp5_mul_add(q.x, p.z, p.x);
        let ut = self.gfp5_mul_add(q.u, p.t, p.u);
        add_tail(self, [xx, p.z, uu, p.t, xz, ut])
    }

    fn point_double(&mut self, p: PointTarget) -> PointTarget {
        let PointTarget { x, z, u, t } = p;
        let zt = self.gfp5_mul(z, t);
        let ztt = self.gfp5_mul(zt, t);
        let ztu = self.gfp5_mul(zt, u);
        let uu = self.gfp5_mul(u, u);
        // w = ztt - 2 (x + z) u^2
        let nxz = lin2(self, (-F::TWO, 0, x), (-F::TWO, 0, z));
        let w = self.gfp5_mul_add(nxz, uu, ztt);
        let ztu2 = self.gfp5_mul(ztu, ztu);
        let w2 = self.gfp5_mul(w, w);
        let bb = F::from_canonical_u64(B_COEFF);
        let x_out = lin1(self, (bb * F::from_canonical_u64(4), 1, ztu2));
        // (U : T) is taken at half the native values (the same u = U / T):
        // U / 2 = ((w + ztu)^2 - ztu^2 - w^2) / 2 = w ztu and
        // T / 2 = ztt^2 - 2 ztu^2 - w^2 / 2, one product and one `a * b + d`.
        let u_out = self.gfp5_mul(w, ztu);
        let half = F::TWO.inverse();
        let rest = lin2(self, (-F::TWO, 0, ztu2), (-half, 0, w2));
        let t_out = self.gfp5_mul_add(ztt, ztt, rest);
        PointTarget {
            x: x_out,
            z: w2,
            u: u_out,
            t: t_out,
        }
    }

    fn point_neg(&mut self, p: PointTarget) -> PointTarget {
        PointTarget {
            u: self.gfp5_neg(p.u),
            ..p
        }
    }

    fn select_point(&mut self, b: BoolTarget, p: PointTarget, q: PointTarget) -> PointTarget {
        PointTarget {
            x: self.select_gfp5(b, p.x, q.x),
            z: self.select_gfp5(b, p.z, q.z),
            u: self.select_gfp5(b, p.u, q.u),
            t: self.select_gfp5(b, p.t, q.t),
        }
    }

    fn point_to_affine(&mut self, p: PointTarget) -> AffinePointTarget {
        let zi = self.gfp5_inverse(p.z);
        let ti = self.gfp5_inverse(p.t);
        AffinePointTarget {
            x: self.gfp5_mul(p.x, zi),
            u: self.gfp5_mul(p.u, ti),
        }
    }

    fn point_encode(&mut self, p: PointTarget) -> Gfp5Target {
        let ui = self.gfp5_inverse(p.u);
        self.gfp5_mul(p.t, ui)
    }

    fn point_decode(&mut self, w: Gfp5Target) -> PointTarget {
        let x = self.add_virtual_gfp5();
        let r = self.add_virtual_gfp5();
        self.add_simple_generator(PointDecodeGenerator { w, x, r });
        let bc = self.gfp5_constant(B);
        let minus_a = self.gfp5_constant(-A);
        // x^2 + b = x (w^2 - a)
        let e = self.gfp5_mul_add(w, w, minus_a);
        let lhs = self.gfp5_mul_add(x, x, bc);
        let rhs = self.gfp5_mul(x, e);
        self.connect_gfp5(lhs, rhs);
        // x b = r^2: x is a non-square.
        let xb = self.gfp5_mul(x, bc);
        let rr = self.gfp5_mul(r, r);
        self.connect_gfp5(xb, rr);
        self.gfp5_assert_nonzero(w);
        let one = self.gfp5_one();
        PointTarget {
            x,
            z: one,
            u: one,
            t: w,
        }
    }

    fn point_mul_add_generator(
        &mut self,
        s_bits: &[BoolTarget],
        e_bits: &[BoolTarget],
        q: PointTarget,
    ) -> PointTarget {
        let (len, high) = (e_bits.len(), s_bits.len().saturating_sub(e_bits.len()));
        assert!(
            s_bits.len() >= len && high <= len && len > 0,
            "s has between |e| and 2 |e| bits, e at least one"
        );
        // s = s_lo + 2^len s_hi: one step per bit position from the top,
        // acc = 2 acc + T[s_lo_i, s_hi_i] + e_i q, T = {N, G, G', G + G'}
        // with G' = 2^len G, s_hi_i = 0 from position `high` on.
        assert!(
            self.config.num_wires >= step_gate::WIRES
                && self.config.num_routed_wires >= step_gate::ROUTED,
            "a CurveStepGate needs {} wires, {} routed",
            step_gate::WIRES,
            step_gate::ROUTED
        );
        let gate = CurveStepGate::new(len);
        let q_affine = self.point_to_affine(q);
        let zero = self.zero();
        let mut acc = self.point_neutral();
        for i in (0..len).rev() {
            let row = self.add_gate(gate.clone(), vec![]);
            let wire = |c: usize| Target::wire(row, c);
            let point_at = |start: usize| {
                let el = |i: usize| Gfp5Target(core::array::from_fn(|k| wire(start + 5 * i + k)));
                PointTarget {
                    x: el(0),
                    z: el(1),
                    u: el(2),
                    t: el(3),
                }
            };
            let input = point_at(step_gate::ACC_IN);
            for (a, b) in [
                (acc.x, input.x),
                (acc.z, input.z),
                (acc.u, input.u),
                (acc.t, input.t),
            ] {
                self.connect_gfp5(a, b);
            }
            for (k, c) in [q_affine.x, q_affine.u].iter().enumerate() {
                let at = Gfp5Target(core::array::from_fn(|j| wire(step_gate::Q + 5 * k + j)));
                self.connect_gfp5(*c, at);
            }
            let s_hi = if i < high {
                s_bits[len + i].target
            } else {
                zero
            };
            self.connect(s_bits[i].target, wire(step_gate::S_LO));
            self.connect(s_hi, wire(step_gate::S_HI));
            self.connect(e_bits[i].target, wire(step_gate::E));
            acc = point_at(step_gate::ACC_OUT);
        }
        acc
    }
}

/// Witnesses x (the native decoding of w) and r = sqrt(x b) for
/// [`CurveGadget::point_decode`]; zeros if w does not decode (the
/// constraints then fail). x is the only value allowed: it is a root of
/// `x^2 - x (w^2 - a) + b`, whose two roots multiply to `b`, a non-square,
/// so exactly one is a non-square, and `x b = r^2` demands that one. `r`
/// may be either square root, but nothing but `r^2` reads it.
#[derive(Debug, Default)]
pub struct PointDecodeGenerator {
    pub(crate) w: Gfp5Target,
    pub(crate) x: Gfp5Target,
    pub(crate) r: Gfp5Target,
}

impl SimpleGenerator<F, D> for PointDecodeGenerator {
    fn id(&self) -> String {
        "zksettle::PointDecodeGenerator".into()
    }

    fn dependencies(&self) -> Vec<Target> {
        self.w.0.to_vec()
    }

    fn run_once(
        &self,
        witness: &PartitionWitness<F>,
        out: &mut GeneratedValues<F>,
    ) -> anyhow::Result<()> {
        let w = get_gfp5(witness, self.w);
        let (x, r) = match Point::decode(&w) {
            Ok(p) => {
                let (x, _) = p.to_affine_xu();
                let r = native_field::sqrt(&(x * B)).unwrap_or(Gfp5::ZERO);
                (x, r)
            }
            Err(_) => (Gfp5::ZERO, Gfp5::ZERO),
        };
        set_gfp5(out, self.x, x)?;
        set_gfp5(out, self.r, r)
    }

    fn serialize(&self, dst: &mut Vec<u8>, _: &CommonCircuitData<F, D>) -> IoResult<()> {
        write_gfp5_target(dst, self.w)?;
        write_gfp5_target(dst, self.x)?;
        write_gfp5_target(dst, self.r)
    }

    fn deserialize(src: &mut Buffer, _: &CommonCircuitData<F, D>) -> IoResult<Self> {
        Ok(Self {
            w: read_gfp5_target(src)?,
            x: read_gfp5_target(src)?,
            r: read_gfp5_target(src)?,
        })
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use plonky2::iop::generator::generate_partial_witness;
    use plonky2::iop::witness::{PartialWitness, PartitionWitness};
    use plonky2::plonk::circuit_data::CircuitData;
    use rand::{Rng, SeedableRng};
    use serde_json::Value;

    use super::*;
    use crate::config::C;
    use crate::gadgets::ecgfp5::testing::provable_tampered;
    use crate::gadgets::testing::{builder, provable, prove_and_verify};
    use crate::rules::ecgfp5::field::from_canonical;
    use crate::rules::ecgfp5::Scalar;

    pub(crate) fn rng() -> rand::rngs::StdRng {
        rand::rngs::StdRng::seed_from_u64(0x05ec_9f95)
    }

    pub(crate) fn random_scalar(rng: &mut impl Rng) -> Scalar {
        Scalar::from_wide(&core::array::from_fn(|_| rng.gen()))
    }

    pub(crate) fn random_point(rng: &mut impl Rng) -> Point {
        Point::GENERATOR.mul(&random_scalar(rng))
    }

    fn kat() -> Value {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../fixtures/vectors/ecgfp5-kat.json"
        ))
        .unwrap();
        serde_json::from_str(&text).unwrap()
    }

    fn words(v: &Value) -> [u64; 5] {
        let list: Vec<u64> = v
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_u64().unwrap())
            .collect();
        list.try_into().unwrap()
    }

    /// The honest witness (every generator run) and a proof of it.
    fn solve(data: &CircuitData<F, C, D>, pw: PartialWitness<F>) -> PartitionWitness<'_, F> {
        prove_and_verify(data, pw.clone());
        generate_partial_witness(pw, &data.prover_only, &data.common).unwrap()
    }

    /// Same element and same affine x (so the same (x, y)).
    fn assert_same(got: &Point, want: &Point, what: &str) {
        assert_eq!(got, want, "{what}: u");
        assert_eq!(got.to_affine_xu().0, want.to_affine_xu().0, "{what}: x");
    }

    #[test]
    fn the_group_law_agrees_with_native() {
        let mut rng = rng();
        let (pv, qv) = (random_point(&mut rng), random_point(&mut rng));
        let mut b = builder();
        let (p, q) = (b.add_virtual_point(), b.add_virtual_point());
        let n = b.point_neutral();
        let (yes, no) = (b.constant_bool(true), b.constant_bool(false));
        let minus_p = b.point_neg(p);
        let q_affine = b.point_to_affine(q);
        let n_affine = b.point_to_affine(n);
        let outputs = [
            b.point_add(p, q),
            b.point_add(p, n),
            b.point_add(n, p),
            b.point_add(p, minus_p),
            b.point_add(p, p),
            b.point_double(p),
            b.point_double(n),
            b.point_add_affine(p, q_affine),
            b.point_add_affine(p, n_affine),
            b.point_add_affine(n, q_affine),
            minus_p,
            b.select_point(yes, p, q),
            b.select_point(no, p, q),
        ];
        let data = b.build::<C>();
        let mut pw = PartialWitness::new();
        set_point(&mut pw, &p, &pv).unwrap();
        set_point(&mut pw, &q, &qv).unwrap();
        let w = solve(&data, pw);
        let nv = Point::NEUTRAL;
        let expected = [
            (pv.add(&qv), "p + q"),
            (pv, "p + N"),
            (pv, "N + p"),
            (nv, "p - p"),
            (pv.double(), "p + p"),
            (pv.double(), "2 p"),
            (nv, "2 N"),
            (pv.add(&qv), "p + affine q"),
            (pv, "p + affine N"),
            (qv, "N + affine q"),
            (pv.neg(), "-p"),
            (pv, "select(true, p, q)"),
            (qv, "select(false, p, q)"),
        ];
        for (t, (want, what)) in outputs.iter().zip(expected) {
            assert_same(&get_point(&w, t), &want, what);
        }
        // The full formulas give the native coordinates exactly.
        let [xs, zs, us, ts] = pv.add(&qv).coordinates();
        let minus_inv_b = -B.inverse();
        assert_eq!(
            get_point(&w, &outputs[0]).coordinates(),
            [xs * minus_inv_b, zs * minus_inv_b, us, ts]
        );
        let [x2, z2, u2, t2] = pv.double().coordinates();
        let half = Gfp5::TWO.inverse();
        assert_eq!(
            get_point(&w, &outputs[5]).coordinates(),
            [x2, z2, u2 * half, t2 * half]
        );
        assert!(get_point(&w, &outputs[3]).is_neutral());
    }

    #[test]
    fn decoding_and_encoding_agree_with_native() {
        let mut rng = rng();
        let kat = kat();
        let mut ws: Vec<Gfp5> = (1..=8)
            .filter_map(|i| kat["points"].get(format!("w{i}")))
            .map(|v| from_canonical(words(v)).unwrap())
            .collect();
        assert!(ws.len() >= 4);
        ws.push(Point::GENERATOR.encode());
        ws.extend((0..4).map(|_| random_point(&mut rng).encode()));
        let mut b = builder();
        let w = b.add_virtual_gfp5();
        let p = b.point_decode(w);
        let back = b.point_encode(p);
        let doubled = b.point_double(p);
        let doubled_w = b.point_encode(doubled);
        let data = b.build::<C>();
        for wv in ws {
            let native = Point::decode(&wv).unwrap();
            let mut pw = PartialWitness::new();
            set_gfp5(&mut pw, w, wv).unwrap();
            let sol = solve(&data, pw);
            assert_same(&get_point(&sol, &p), &native, "decode");
            assert_eq!(get_gfp5(&sol, back), wv, "encode(decode(w))");
            assert_eq!(get_gfp5(&sol, doubled_w), native.double().encode());
        }
    }

    fn decode_circuit() -> (CircuitData<F, C, D>, Gfp5Target, PointTarget) {
        let mut b = builder();
        let w = b.add_virtual_gfp5();
        let p = b.point_decode(w);
        (b.build::<C>(), w, p)
    }

    fn witness_w(w: Gfp5Target, v: Gfp5) -> PartialWitness<F> {
        let mut pw = PartialWitness::new();
        set_gfp5(&mut pw, w, v).unwrap();
        pw
    }

    #[test]
    fn undecodable_encodings_and_the_neutral_are_refused() {
        let (data, w, _) = decode_circuit();
        let kat = kat();
        let bad = kat["not_decodable"].as_array().unwrap();
        assert_eq!(bad.len(), 6);
        for v in bad {
            let wv = from_canonical(words(v)).unwrap();
            assert!(Point::decode(&wv).is_err());
            assert!(!provable(&data, witness_w(w, wv)), "{v}");
        }
        assert!(!provable(&data, witness_w(w, Gfp5::ZERO)), "w = 0");
        assert!(provable(&data, witness_w(w, Point::GENERATOR.encode())));
    }

    #[test]
    fn a_decoding_circuit_round_trips_through_bytes() {
        use crate::serialize::{Gates, Generators};
        let (data, w, _) = decode_circuit();
        let bytes = data.to_bytes(&Gates, &Generators).expect("serialises");
        let loaded =
            CircuitData::<F, C, D>::from_bytes(&bytes, &Gates, &Generators).expect("deserialises");
        assert_eq!(loaded.common, data.common);
        prove_and_verify(&loaded, witness_w(w, Point::GENERATOR.encode()));
    }

    #[test]
    fn the_neutral_has_no_encoding_in_circuit() {
        let mut b = builder();
        let p = b.add_virtual_point();
        b.point_encode(p);
        let data = b.build::<C>();
        let witness = |v: &Point| {
            let mut pw = PartialWitness::new();
            set_point(&mut pw, &p, v).unwrap();
            pw
        };
        assert!(provable(&data, witness(&random_point(&mut rng()))));
        assert!(!provable(&data, witness(&Point::NEUTRAL)));
    }

    #[test]
    fn the_square_root_of_the_quadratic_is_refused() {
        let (data, w, p) = decode_circuit();
        let mut rng = rng();
        for _ in 0..2 {
            let wv = random_point(&mut rng).encode();
            let x = Point::decode(&wv).unwrap().to_affine_xu().0;
            // The other root: the two sum to w^2 - a.
            let other = wv * wv - A - x;
            assert_eq!(other * other - (wv * wv - A) * other + B, Gfp5::ZERO);
            assert!(native_field::is_square(&other));
            assert!(provable_tampered(&data, witness_w(w, wv), &[]));
            let tamper: Vec<_> = (0..5).map(|k| (p.x.0[k], other.0[k])).collect();
            assert!(!provable_tampered(&data, witness_w(w, wv), &tamper));
            // A wrong x off the quadratic fails too.
            let tamper: Vec<_> = (0..5).map(|k| (p.x.0[k], (x + Gfp5::ONE).0[k])).collect();
            assert!(!provable_tampered(&data, witness_w(w, wv), &tamper));
        }
    }

    /// The published e * P1 = w2, in circuit: s = 0 and e's 319 bits (so
    /// every step's table entry is N or P1), the result's encoding
    /// connected to the one given.
    #[test]
    fn the_published_multiple_holds_in_circuit() {
        let kat = kat();
        let e = Scalar::from_decimal(kat["e"].as_str().unwrap()).unwrap();
        let p1 = Point::from_encoding(words(&kat["points"]["w1"])).unwrap();
        let w2 = from_canonical(words(&kat["points"]["w2"])).unwrap();
        let mut b = builder();
        let s_bits: Vec<_> = (0..Scalar::BITS)
            .map(|_| b.add_virtual_bool_target_safe())
            .collect();
        let e_bits: Vec<_> = (0..Scalar::BITS)
            .map(|_| b.add_virtual_bool_target_safe())
            .collect();
        let w = b.add_virtual_gfp5();
        let q = b.point_decode(w);
        let r = b.point_mul_add_generator(&s_bits, &e_bits, q);
        let encoding = b.point_encode(r);
        let claimed = b.add_virtual_gfp5();
        b.connect_gfp5(encoding, claimed);
        let data = b.build::<C>();
        let witness = |claim: Gfp5| {
            let mut pw = PartialWitness::new();
            for (t, v) in s_bits.iter().zip(Scalar::ZERO.bits_le()) {
                pw.set_bool_target(*t, v).unwrap();
            }
            for (t, v) in e_bits.iter().zip(e.bits_le()) {
                pw.set_bool_target(*t, v).unwrap();
            }
            set_gfp5(&mut pw, w, p1.encode()).unwrap();
            set_gfp5(&mut pw, claimed, claim).unwrap();
            pw
        };
        assert_eq!(p1.mul(&e).encode(), w2);
        assert!(provable(&data, witness(w2)));
        assert!(!provable(&data, witness(w2 + Gfp5::ONE)));
    }

    #[test]
    fn mul_add_generator_agrees_with_native() {
        let mut rng = rng();
        let mut b = builder();
        let s_bits: Vec<_> = (0..Scalar::BITS)
            .map(|_| b.add_virtual_bool_target_safe())
            .collect();
        let e_bits: Vec<_> = (0..256).map(|_| b.add_virtual_bool_target_safe()).collect();
        let q = b.add_virtual_point();
        let r = b.point_mul_add_generator(&s_bits, &e_bits, q);
        let data = b.build::<C>();
        let mut cases: Vec<(Scalar, Scalar, Point)> = (0..2)
            .map(|_| {
                let mut e = random_scalar(&mut rng).to_limbs();
                e[4] = 0;
                (
                    random_scalar(&mut rng),
                    Scalar::from_u256([e[0], e[1], e[2], e[3]]),
                    random_point(&mut rng),
                )
            })
            .collect();
        // q = G (so G + q = 2 G) and q = -G (G + q = N), e = 0, s = 0.
        let (s0, e0) = (random_scalar(&mut rng), Scalar::from_u64(12345));
        cases.push((s0, e0, Point::GENERATOR));
        cases.push((s0, e0, Point::GENERATOR.neg()));
        cases.push((s0, Scalar::ZERO, random_point(&mut rng)));
        // q = +-G', q = -(G + G') with G' = 2^256 G: table entries N.
        let g_hi = (0..256).fold(Point::GENERATOR, |acc, _| acc.double());
        cases.push((s0, e0, g_hi));
        cases.push((s0, e0, g_hi.neg()));
        cases.push((s0, e0, Point::GENERATOR.add(&g_hi).neg()));
        cases.push((Scalar::ZERO, e0, random_point(&mut rng)));
        for (s, e, qv) in cases {
            let mut pw = PartialWitness::new();
            for (t, v) in s_bits.iter().zip(s.bits_le()) {
                pw.set_bool_target(*t, v).unwrap();
            }
            for (t, v) in e_bits.iter().zip(e.bits_le()) {
                pw.set_bool_target(*t, v).unwrap();
            }
            set_point(&mut pw, &q, &qv).unwrap();
            let sol = solve(&data, pw);
            let want = Point::mul_add_generator(&s, &e, &qv);
            assert_same(&get_point(&sol, &r), &want, "s G + e q");
        }
    }

    fn rows_of(gadget: impl FnOnce(&mut Builder)) -> usize {
        let mut b = builder();
        let before = b.num_gates();
        gadget(&mut b);
        b.num_gates() - before
    }

    #[test]
    fn row_costs() {
        let per = |n: usize, op: fn(&mut Builder, PointTarget, PointTarget)| {
            rows_of(|b| {
                for _ in 0..n {
                    let (p, q) = (b.add_virtual_point(), b.add_virtual_point());
                    op(b, p, q);
                }
            }) as f64
                / n as f64
        };
        let add = per(40, |b, p, q| {
            b.point_add(p, q);
        });
        let add_affine = per(40, |b, p, q| {
            b.point_add_affine(p, AffinePointTarget { x: q.x, u: q.u });
        });
        let double = per(40, |b, p, _| {
            b.point_double(p);
        });
        let decode = per(40, |b, p, _| {
            b.point_decode(p.x);
        });
        let encode = per(40, |b, p, _| {
            b.point_encode(p);
        });
        let msm = rows_of(|b| {
            let s: Vec<_> = (0..319)
                .map(|_| b.add_virtual_bool_target_unsafe())
                .collect();
            let e: Vec<_> = (0..256)
                .map(|_| b.add_virtual_bool_target_unsafe())
                .collect();
            let q = b.add_virtual_point();
            b.point_mul_add_generator(&s, &e, q);
        });
        println!("point_add: {add} rows");
        println!("point_add_affine: {add_affine} rows");
        println!("point_double: {double} rows");
        println!("point_decode: {decode} rows");
        println!("point_encode: {encode} rows");
        println!("point_mul_add_generator (319 x 256 bits): {msm} rows");
        assert_eq!(add, 4.75);
        assert_eq!(add_affine, 3.75);
        assert_eq!(double, 3.0);
        assert_eq!(decode, 1.5);
        assert_eq!(encode, 0.5);
        assert_eq!(msm, 257, "one row per position and one for q's affine form");
    }
}
