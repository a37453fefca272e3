//! A custom gate doing one whole step of `s G + e Q` per row: a doubling
//! and two complete additions of ECgFp5 points,
//!
//! ```text
//! acc_out = 2 acc_in + T[s_lo, s_hi] + e Q,
//! ```
//!
//! with `T = {N, G, G', G + G'}` (constants, G' = 2^shift G), `s_lo`,
//! `s_hi`, `e` three bits and Q an affine point (x, u) (Z = T = 1). The
//! formulas are the native [`Point::double`] and [`Point::add`] (with the
//! second operand's Z = T = 1), so `acc_out` holds the native coordinates.
//!
//! Layout (base wires; a GF(p^5) element is 5 consecutive wires, constant
//! coefficient first; a point is X, Z, U, T):
//!
//! | wires     | routed | value                                          |
//! |-----------|--------|------------------------------------------------|
//! | 0..20     | yes    | `acc_in`                                       |
//! | 20..40    | yes    | `acc_out`                                      |
//! | 40..50    | yes    | Q's affine (x, u)                              |
//! | 50, 51, 52| yes    | the bits `s_lo`, `s_hi`, `e`                   |
//! | 53..68    | no     | doubling hints `ztt = Z T^2`, `ztu = Z T U`, `w = ztt - 2 (X + Z) U^2` |
//! | 68..88    | no     | `dbl = 2 acc_in`                               |
//! | 88..98    | no     | `gsel = T[s_lo, s_hi]` (affine)                |
//! | 98..118   | no     | `mid = dbl + gsel`                             |
//! | 118..128  | no     | `qsel = e Q` (affine: `e x`, `e u`)            |
//!
//! 128 wires (53 routed): one op per row on the standard recursion config
//! (135 wires, 80 routed).
//!
//! Constraints (98, degree 4): every hint equals its defining polynomial in
//! the wires before it (ztt, ztu, w: degree 3; dbl: degree 2 in the hints;
//! gsel: the multilinear polynomial in the two bits through the table,
//! degree 2; qsel: degree 2; mid and acc_out: the complete addition with an
//! affine second operand, degree 4), and each bit is boolean. So every wire
//! but the routed inputs is a function of those inputs: a prover has no
//! freedom in a row once `acc_in`, Q and the bits are fixed.
//!
//! Exceptional cases: none for group elements. The doubling and addition
//! formulas of ECgFp5 are complete (whitepaper, section 4): doubling the
//! neutral, adding the neutral, `P + P` and `P + (-P)` all give the right
//! element. The operands are group elements whenever `acc_in` and Q are:
//! with boolean bits, gsel is one of the four constant entries (the
//! neutral's affine form is (0, 0), i.e. (0 : 1 : 0 : 1)) and qsel is the
//! neutral or Q. The caller guarantees Q is a group element (in the
//! Schnorr verification it is a decoded key) and starts `acc_in` at one.

use core::marker::PhantomData;
use core::ops::{Add, Mul, Sub};

use plonky2::field::extension::Extendable;
use plonky2::field::packed::PackedField;
use plonky2::field::types::Field;
use plonky2::gates::gate::Gate;
use plonky2::gates::packed_util::PackedEvaluableBase;
use plonky2::gates::util::StridedConstraintConsumer;
use plonky2::iop::ext_target::ExtensionTarget;
use plonky2::iop::generator::{GeneratedValues, SimpleGenerator, WitnessGeneratorRef};
use plonky2::iop::target::Target;
use plonky2::iop::witness::{PartitionWitness, Witness, WitnessWrite};
use plonky2::plonk::circuit_builder::CircuitBuilder;
use plonky2::plonk::circuit_data::CommonCircuitData;
use plonky2::plonk::vars::{
    EvaluationTargets, EvaluationVars, EvaluationVarsBase, EvaluationVarsBaseBatch,
    EvaluationVarsBasePacked,
};
use plonky2::util::serialization::{Buffer, IoResult, Read, Write};

use super::mul_gate::{LIMBS, W};
use crate::config::{D, F};
use crate::rules::ecgfp5::curve::{Point, A, B};
use crate::rules::ecgfp5::field::Gfp5;

/// First wire of `acc_in` (X, Z, U, T).
pub const ACC_IN: usize = 0;
/// First wire of `acc_out` (X, Z, U, T).
pub const ACC_OUT: usize = 20;
/// First wire of Q's affine (x, u).
pub const Q: usize = 40;
/// The bit selecting G in the table.
pub const S_LO: usize = 50;
/// The bit selecting G' in the table.
pub const S_HI: usize = 51;
/// The bit selecting Q.
pub const E: usize = 52;
/// Routed wires: the inputs and `acc_out`.
pub const ROUTED: usize = 53;
const ZTT: usize = 53;
const ZTU: usize = 58;
const WW: usize = 63;
const DBL: usize = 68;
const GSEL: usize = 88;
const MID: usize = 98;
const QSEL: usize = 118;
/// Wires of one op.
pub const WIRES: usize = 128;
/// Constraints of one op.
pub const CONSTRAINTS: usize = 3 * LIMBS + 20 + 10 + 20 + 10 + 20 + 3;

/// The arithmetic the formulas need, over whatever they are evaluated in
/// (a field, a packed field, extension targets of a recursive circuit).
trait Ring<T: Copy> {
    fn add(&mut self, a: T, b: T) -> T;
    fn sub(&mut self, a: T, b: T) -> T;
    fn mul(&mut self, a: T, b: T) -> T;
    /// `a * b + c`.
    fn mul_add(&mut self, a: T, b: T, c: T) -> T {
        let p = self.mul(a, b);
        self.add(p, c)
    }
    /// `c * a` for a constant `c`.
    fn scale(&mut self, c: F, a: T) -> T;
    fn constant(&mut self, c: F) -> T;
}

/// [`Ring`] on values (field elements, packed or extension ones).
struct Values<T>(PhantomData<T>);

impl<T> Ring<T> for Values<T>
where
    T: Copy + Add<Output = T> + Sub<Output = T> + Mul<Output = T> + From<F>,
{
    fn add(&mut self, a: T, b: T) -> T {
        a + b
    }
    fn sub(&mut self, a: T, b: T) -> T {
        a - b
    }
    fn mul(&mut self, a: T, b: T) -> T {
        a * b
    }
    fn scale(&mut self, c: F, a: T) -> T {
        T::from(c) * a
    }
    fn constant(&mut self, c: F) -> T {
        T::from(c)
    }
}

/// [`Ring`] on extension targets, for the recursive verifier.
struct Targets<'a>(&'a mut CircuitBuilder<F, D>);

impl Ring<ExtensionTarget<D>> for Targets<'_> {
    fn add(&mut self, a: ExtensionTarget<D>, b: ExtensionTarget<D>) -> ExtensionTarget<D> {
        self.0.add_extension(a, b)
    }
    fn sub(&mut self, a: ExtensionTarget<D>, b: ExtensionTarget<D>) -> ExtensionTarget<D> {
        self.0.sub_extension(a, b)
    }
    fn mul(&mut self, a: ExtensionTarget<D>, b: ExtensionTarget<D>) -> ExtensionTarget<D> {
        self.0.mul_extension(a, b)
    }
    fn mul_add(
        &mut self,
        a: ExtensionTarget<D>,
        b: ExtensionTarget<D>,
        c: ExtensionTarget<D>,
    ) -> ExtensionTarget<D> {
        self.0.mul_add_extension(a, b, c)
    }
    fn scale(&mut self, c: F, a: ExtensionTarget<D>) -> ExtensionTarget<D> {
        self.0.mul_const_extension(c, a)
    }
    fn constant(&mut self, c: F) -> ExtensionTarget<D> {
        self.0.constant_extension(c.into())
    }
}

/// A GF(p^5) element as five coefficients.
type El<T> = [T; LIMBS];

fn el_add<T: Copy>(r: &mut impl Ring<T>, a: El<T>, b: El<T>) -> El<T> {
    core::array::from_fn(|k| r.add(a[k], b[k]))
}

fn el_sub<T: Copy>(r: &mut impl Ring<T>, a: El<T>, b: El<T>) -> El<T> {
    core::array::from_fn(|k| r.sub(a[k], b[k]))
}

/// `a * b` reduced by `z^5 = 3`.
fn el_mul<T: Copy>(r: &mut impl Ring<T>, a: El<T>, b: El<T>) -> El<T> {
    core::array::from_fn(|k| {
        let mut low = r.mul(a[0], b[k]);
        for i in 1..=k {
            low = r.mul_add(a[i], b[k - i], low);
        }
        if k + 1 == LIMBS {
            return low;
        }
        let mut high = r.mul(a[k + 1], b[LIMBS - 1]);
        for i in k + 2..LIMBS {
            high = r.mul_add(a[i], b[k + LIMBS - i], high);
        }
        let high = r.scale(F::from_canonical_u64(W), high);
        r.add(low, high)
    })
}

/// `c * a` for a constant `c` (zero coefficients of `c` skipped).
fn el_mul_const<T: Copy>(r: &mut impl Ring<T>, c: Gfp5, a: El<T>) -> El<T> {
    let three = F::from_canonical_u64(W);
    core::array::from_fn(|k| {
        let mut acc: Option<T> = None;
        for (i, &ci) in c.0.iter().enumerate() {
            if ci == F::ZERO {
                continue;
            }
            let (j, factor) = if i <= k {
                (k - i, ci)
            } else {
                (k + LIMBS - i, ci * three)
            };
            let term = r.scale(factor, a[j]);
            acc = Some(match acc {
                Some(acc) => r.add(acc, term),
                None => term,
            });
        }
        acc.unwrap_or_else(|| r.constant(F::ZERO))
    })
}

fn el_scale<T: Copy>(r: &mut impl Ring<T>, c: F, a: El<T>) -> El<T> {
    a.map(|x| r.scale(c, x))
}

/// A point's (X, Z, U, T).
type Pt<T> = [El<T>; 4];

/// `ztt = Z T^2` and `ztu = Z T U` of `p`.
fn double_hints<T: Copy>(r: &mut impl Ring<T>, [_, z, u, t]: Pt<T>) -> [El<T>; 2] {
    let zt = el_mul(r, z, t);
    [el_mul(r, zt, t), el_mul(r, zt, u)]
}

/// `w = ztt - 2 (X + Z) U^2`.
fn double_w<T: Copy>(r: &mut impl Ring<T>, [x, z, u, _]: Pt<T>, ztt: El<T>) -> El<T> {
    let xz = el_add(r, x, z);
    let uu = el_mul(r, u, u);
    let prod = el_mul(r, xz, uu);
    let twice = el_scale(r, F::TWO, prod);
    el_sub(r, ztt, twice)
}

/// The native [`Point::double`]'s coordinates from its hints.
fn double_point<T: Copy>(r: &mut impl Ring<T>, ztt: El<T>, ztu: El<T>, w: El<T>) -> Pt<T> {
    let ztu2 = el_mul(r, ztu, ztu);
    let w2 = el_mul(r, w, w);
    let x = el_mul_const(r, B * Gfp5::from_canonical_u64(4), ztu2);
    // (w + ztu)^2 - ztu^2 - w^2 = 2 w ztu.
    let wz = el_mul(r, w, ztu);
    let u = el_scale(r, F::TWO, wz);
    let ztt2 = el_mul(r, ztt, ztt);
    let a = el_scale(r, F::TWO, ztt2);
    let b = el_scale(r, F::from_canonical_u64(4), ztu2);
    let t = el_sub(r, a, b);
    let t = el_sub(r, t, w2);
    [x, w2, u, t]
}

/// The native [`Point::add`] of `p` and the affine `(x2, u2)`, i.e. with
/// Z2 = T2 = 1.
fn add_affine<T: Copy>(r: &mut impl Ring<T>, p: Pt<T>, [x2, u2]: [El<T>; 2]) -> Pt<T> {
    let [x1, z1, u1, t1] = p;
    let xx = el_mul(r, x1, x2);
    let uu = el_mul(r, u1, u2);
    let x2z1 = el_mul(r, x2, z1);
    let xz = el_add(r, x1, x2z1);
    let u2t1 = el_mul(r, u2, t1);
    let ut = el_add(r, u1, u2t1);
    let bz = el_mul_const(r, B, z1);
    let m = el_add(r, xx, bz);
    let tm = el_mul(r, t1, m);
    let bxz = el_mul_const(r, B.double(), xz);
    let am = el_mul_const(r, A, m);
    let s = el_add(r, bxz, am);
    let um = el_mul(r, uu, s);
    let auu = el_mul_const(r, A, uu);
    let v = el_add(r, t1, auu);
    let xzm = el_add(r, xz, m);
    let big = el_mul(r, v, xzm);
    let diff = el_sub(r, big, tm);
    let w = el_sub(r, bz, xx);
    [
        el_mul_const(r, B, diff),
        el_sub(r, tm, um),
        el_mul(r, ut, w),
        el_add(r, tm, um),
    ]
}

/// The affine entry of the table chosen by the bits: the multilinear
/// polynomial `c0 + c1 s_lo + c2 s_hi + c3 s_lo s_hi`.
fn table_entry<T: Copy>(
    r: &mut impl Ring<T>,
    coefficients: &[[Gfp5; 2]; 4],
    s_lo: T,
    s_hi: T,
) -> [El<T>; 2] {
    let both = r.mul(s_lo, s_hi);
    core::array::from_fn(|c| {
        core::array::from_fn(|k| {
            let [c0, c1, c2, c3] = coefficients.map(|e| e[c].0[k]);
            let base = r.constant(c0);
            let a = r.scale(c1, s_lo);
            let b = r.scale(c2, s_hi);
            let d = r.scale(c3, both);
            let ab = r.add(a, b);
            let abd = r.add(ab, d);
            r.add(base, abd)
        })
    })
}

/// `e Q` for a bit `e`: `(e x, e u)` (the neutral is (0, 0)).
fn q_entry<T: Copy>(r: &mut impl Ring<T>, e: T, [x, u]: [El<T>; 2]) -> [El<T>; 2] {
    [x.map(|c| r.mul(e, c)), u.map(|c| r.mul(e, c))]
}

fn read_el<T: Copy>(w: &[T], start: usize) -> El<T> {
    core::array::from_fn(|k| w[start + k])
}

fn read_pt<T: Copy>(w: &[T], start: usize) -> Pt<T> {
    core::array::from_fn(|i| read_el(w, start + LIMBS * i))
}

fn read_affine<T: Copy>(w: &[T], start: usize) -> [El<T>; 2] {
    [read_el(w, start), read_el(w, start + LIMBS)]
}

/// One step `acc_out = 2 acc_in + T[s_lo, s_hi] + e Q` per row: see the
/// module documentation. Cost: one row per step (one bit position of a
/// joint double-and-add).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CurveStepGate {
    /// G' = 2^shift G.
    pub shift: usize,
    /// Multilinear coefficients of the table's affine (x, u).
    coefficients: [[Gfp5; 2]; 4],
}

impl CurveStepGate {
    /// The gate with the table {N, G, 2^shift G, G + 2^shift G}.
    pub fn new(shift: usize) -> Self {
        let g = Point::GENERATOR;
        let g_hi = (0..shift).fold(g, |acc, _| acc.double());
        let entries = [Point::NEUTRAL, g, g_hi, g.add(&g_hi)].map(|p| {
            let (x, u) = p.to_affine_xu();
            [x, u]
        });
        let coefficients = [
            entries[0],
            core::array::from_fn(|c| entries[1][c] - entries[0][c]),
            core::array::from_fn(|c| entries[2][c] - entries[0][c]),
            core::array::from_fn(|c| entries[3][c] - entries[2][c] - entries[1][c] + entries[0][c]),
        ];
        Self {
            shift,
            coefficients,
        }
    }

    /// The constraints, `wire - definition` for every hint and output and
    /// `bit (bit - 1)` for the bits.
    fn constraints<T: Copy>(&self, r: &mut impl Ring<T>, w: &[T]) -> Vec<T> {
        let acc = read_pt(w, ACC_IN);
        let [ztt, ztu] = double_hints(r, acc);
        let (ztt_w, ztu_w, w_w) = (read_el(w, ZTT), read_el(w, ZTU), read_el(w, WW));
        let w_v = double_w(r, acc, ztt_w);
        let dbl = double_point(r, ztt_w, ztu_w, w_w);
        let dbl_w = read_pt(w, DBL);
        let gsel = table_entry(r, &self.coefficients, w[S_LO], w[S_HI]);
        let gsel_w = read_affine(w, GSEL);
        let mid = add_affine(r, dbl_w, gsel_w);
        let mid_w = read_pt(w, MID);
        let qsel = q_entry(r, w[E], read_affine(w, Q));
        let qsel_w = read_affine(w, QSEL);
        let acc_out = add_affine(r, mid_w, qsel_w);
        let acc_out_w = read_pt(w, ACC_OUT);
        // (wires, their definitions): the hints in wire order, then acc_out.
        let pinned: [(&[T], &[T]); 8] = [
            (&ztt_w, &ztt),
            (&ztu_w, &ztu),
            (&w_w, &w_v),
            (dbl_w.as_flattened(), dbl.as_flattened()),
            (gsel_w.as_flattened(), gsel.as_flattened()),
            (mid_w.as_flattened(), mid.as_flattened()),
            (qsel_w.as_flattened(), qsel.as_flattened()),
            (acc_out_w.as_flattened(), acc_out.as_flattened()),
        ];
        let mut out = Vec::with_capacity(CONSTRAINTS);
        for (wires, values) in pinned {
            for (&wire, &value) in wires.iter().zip(values) {
                out.push(r.sub(wire, value));
            }
        }
        for bit in [S_LO, S_HI, E] {
            let b = w[bit];
            let one = r.constant(F::ONE);
            let b_minus_one = r.sub(b, one);
            out.push(r.mul(b, b_minus_one));
        }
        debug_assert_eq!(out.len(), CONSTRAINTS);
        out
    }

    /// Every wire after the inputs, in order, from the inputs (which must
    /// be set in `w`).
    fn fill(&self, w: &mut [F]) {
        let r = &mut Values::<F>(PhantomData);
        let acc = read_pt(w, ACC_IN);
        let [ztt, ztu] = double_hints(r, acc);
        let wv = double_w(r, acc, ztt);
        let dbl = double_point(r, ztt, ztu, wv);
        let gsel = table_entry(r, &self.coefficients, w[S_LO], w[S_HI]);
        let mid = add_affine(r, dbl, gsel);
        let qsel = q_entry(r, w[E], read_affine(w, Q));
        let acc_out = add_affine(r, mid, qsel);
        let mut put = |start: usize, values: &[F]| {
            w[start..start + values.len()].copy_from_slice(values);
        };
        put(ZTT, &ztt);
        put(ZTU, &ztu);
        put(WW, &wv);
        put(DBL, dbl.as_flattened());
        put(GSEL, gsel.as_flattened());
        put(MID, mid.as_flattened());
        put(QSEL, qsel.as_flattened());
        put(ACC_OUT, acc_out.as_flattened());
    }
}

impl Gate<F, D> for CurveStepGate {
    fn id(&self) -> String {
        format!("zksettle::CurveStepGate {{ shift: {} }}", self.shift)
    }

    fn serialize(&self, dst: &mut Vec<u8>, _common_data: &CommonCircuitData<F, D>) -> IoResult<()> {
        dst.write_usize(self.shift)
    }

    fn deserialize(src: &mut Buffer, _common_data: &CommonCircuitData<F, D>) -> IoResult<Self> {
        Ok(Self::new(src.read_usize()?))
    }

    fn eval_unfiltered(&self, vars: EvaluationVars<F, D>) -> Vec<<F as Extendable<D>>::Extension> {
        self.constraints(&mut Values(PhantomData), vars.local_wires)
    }

    fn eval_unfiltered_base_one(
        &self,
        _vars: EvaluationVarsBase<F>,
        _yield_constr: StridedConstraintConsumer<F>,
    ) {
        panic!("use eval_unfiltered_base_packed instead");
    }

    fn eval_unfiltered_base_batch(&self, vars_base: EvaluationVarsBaseBatch<F>) -> Vec<F> {
        self.eval_unfiltered_base_batch_packed(vars_base)
    }

    fn eval_unfiltered_circuit(
        &self,
        builder: &mut CircuitBuilder<F, D>,
        vars: EvaluationTargets<D>,
    ) -> Vec<ExtensionTarget<D>> {
        self.constraints(&mut Targets(builder), vars.local_wires)
    }

    fn generators(&self, row: usize, _local_constants: &[F]) -> Vec<WitnessGeneratorRef<F, D>> {
        vec![WitnessGeneratorRef::new(
            CurveStepGenerator {
                row,
                gate: self.clone(),
            }
            .adapter(),
        )]
    }

    fn num_wires(&self) -> usize {
        WIRES
    }

    fn num_constants(&self) -> usize {
        0
    }

    fn degree(&self) -> usize {
        4
    }

    fn num_constraints(&self) -> usize {
        CONSTRAINTS
    }
}

impl PackedEvaluableBase<F, D> for CurveStepGate {
    fn eval_unfiltered_base_packed<P: PackedField<Scalar = F>>(
        &self,
        vars: EvaluationVarsBasePacked<P>,
        mut yield_constr: StridedConstraintConsumer<P>,
    ) {
        let wires: Vec<P> = (0..WIRES).map(|i| vars.local_wires[i]).collect();
        yield_constr.many(self.constraints(&mut Values(PhantomData), &wires));
    }
}

/// Fills a [`CurveStepGate`] row from its inputs (`acc_in`, Q, the bits).
/// Every wire it writes is fixed by the gate's constraints from the inputs
/// (each intermediate is defined by one constraint `wire = f(earlier wires)`),
/// so no other value can be written.
#[derive(Debug)]
pub struct CurveStepGenerator {
    row: usize,
    gate: CurveStepGate,
}

impl Default for CurveStepGenerator {
    fn default() -> Self {
        Self {
            row: 0,
            gate: CurveStepGate::new(0),
        }
    }
}

impl SimpleGenerator<F, D> for CurveStepGenerator {
    fn id(&self) -> String {
        "zksettle::CurveStepGenerator".into()
    }

    fn dependencies(&self) -> Vec<Target> {
        (ACC_IN..ACC_IN + 20)
            .chain(Q..ROUTED)
            .map(|c| Target::wire(self.row, c))
            .collect()
    }

    fn run_once(
        &self,
        witness: &PartitionWitness<F>,
        out: &mut GeneratedValues<F>,
    ) -> anyhow::Result<()> {
        let mut w = vec![F::ZERO; WIRES];
        for c in self.dependencies() {
            let Target::Wire(wire) = c else {
                unreachable!("gate wires")
            };
            w[wire.column] = witness.get_target(c);
        }
        self.gate.fill(&mut w);
        for (c, v) in w.iter().enumerate() {
            if !(ACC_IN..ACC_IN + 20).contains(&c) && !(Q..ROUTED).contains(&c) {
                out.set_target(Target::wire(self.row, c), *v)?;
            }
        }
        Ok(())
    }

    fn serialize(&self, dst: &mut Vec<u8>, _: &CommonCircuitData<F, D>) -> IoResult<()> {
        dst.write_usize(self.row)?;
        dst.write_usize(self.gate.shift)
    }

    fn deserialize(src: &mut Buffer, _: &CommonCircuitData<F, D>) -> IoResult<Self> {
        Ok(Self {
            row: src.read_usize()?,
            gate: CurveStepGate::new(src.read_usize()?),
        })
    }
}

#[cfg(test)]
mod tests {
    use plonky2::gates::gate_testing::{test_eval_fns, test_low_degree};
    use plonky2::hash::hash_types::HashOut;
    use plonky2::iop::generator::generate_partial_witness;
    use plonky2::iop::target::BoolTarget;
    use plonky2::iop::witness::PartialWitness;
    use plonky2::plonk::circuit_data::{CircuitConfig, CircuitData};
    use rand::Rng;

    use super::*;
    use crate::config::C;
    use crate::gadgets::ecgfp5::curve::tests::{random_point, rng};
    use crate::gadgets::ecgfp5::curve::{get_point, set_point, CurveGadget, PointTarget};
    use crate::gadgets::ecgfp5::testing::provable_tampered;
    use crate::gadgets::testing::{builder, prove_and_verify};
    use crate::rules::ecgfp5::Scalar;

    /// The native step: `2 acc + T[s_lo, s_hi] + e q`.
    fn native_step(shift: usize, acc: &Point, bits: [bool; 3], q: &Point) -> Point {
        let g = Point::GENERATOR;
        let g_hi = (0..shift).fold(g, |acc, _| acc.double());
        let mut r = acc.double();
        for (bit, p) in bits.into_iter().zip([g, g_hi, *q]) {
            if bit {
                r = r.add(&p);
            }
        }
        r
    }

    #[test]
    fn one_step_fits_a_row_of_the_standard_config() {
        let config = CircuitConfig::standard_recursion_config();
        let g = CurveStepGate::new(256);
        assert!(Gate::<F, D>::num_wires(&g) <= config.num_wires);
        assert!(ROUTED <= config.num_routed_wires);
        assert_eq!(Gate::<F, D>::num_constraints(&g), 98);
        assert!(Gate::<F, D>::degree(&g) < config.max_quotient_degree_factor);
    }

    #[test]
    fn the_recursive_evaluation_is_small() {
        let mut b = builder();
        let wires: Vec<_> = (0..WIRES)
            .map(|_| b.add_virtual_extension_target())
            .collect();
        let hash = b.add_virtual_hash();
        let before = b.num_gates();
        let vars = EvaluationTargets {
            local_constants: &[],
            local_wires: &wires,
            public_inputs_hash: &hash,
        };
        let constraints = CurveStepGate::new(256).eval_unfiltered_circuit(&mut b, vars);
        let rows = b.num_gates() - before;
        println!("CurveStepGate constraints in a recursive verifier: {rows} rows");
        assert_eq!(constraints.len(), CONSTRAINTS);
        assert!(rows <= 200, "{rows}");
    }

    #[test]
    fn gate_constraints_have_the_declared_degree() {
        test_low_degree::<F, _, D>(CurveStepGate::new(256));
    }

    #[test]
    fn native_and_recursive_evaluations_agree() -> anyhow::Result<()> {
        test_eval_fns::<F, C, _, D>(CurveStepGate::new(256))
    }

    /// A row filled from `acc`, the bits and `q`.
    fn row(gate: &CurveStepGate, acc: &Point, bits: [bool; 3], q: &Point) -> Vec<F> {
        let mut w = vec![F::ZERO; WIRES];
        for (i, c) in acc.coordinates().iter().enumerate() {
            w[ACC_IN + 5 * i..ACC_IN + 5 * i + 5].copy_from_slice(&c.0);
        }
        let (x, u) = q.to_affine_xu();
        w[Q..Q + 5].copy_from_slice(&x.0);
        w[Q + 5..Q + 10].copy_from_slice(&u.0);
        for (wire, bit) in [S_LO, S_HI, E].into_iter().zip(bits) {
            w[wire] = F::from_bool(bit);
        }
        gate.fill(&mut w);
        w
    }

    fn evaluate(gate: &CurveStepGate, wires: &[F]) -> Vec<F> {
        let hash = HashOut::<F>::ZERO;
        let vars = EvaluationVarsBaseBatch::new(1, &[], wires, &hash);
        Gate::<F, D>::eval_unfiltered_base_batch(gate, vars)
    }

    #[test]
    fn a_step_agrees_with_native_doubling_and_additions() {
        let mut rng = rng();
        let gate = CurveStepGate::new(256);
        let g_hi = (0..256).fold(Point::GENERATOR, |a, _| a.double());
        let accs = [
            Point::NEUTRAL,
            Point::GENERATOR,
            random_point(&mut rng),
            g_hi.neg(),
        ];
        let qs = [
            random_point(&mut rng),
            Point::NEUTRAL,
            Point::GENERATOR.neg(),
            Point::GENERATOR.double(),
        ];
        for acc in accs {
            for q in qs {
                for m in 0..8 {
                    let bits = [m & 1 == 1, m & 2 == 2, m & 4 == 4];
                    let w = row(&gate, &acc, bits, &q);
                    assert!(evaluate(&gate, &w).iter().all(|v| *v == F::ZERO));
                    let out = Point::from_coordinates(core::array::from_fn(|i| {
                        plonky2::field::extension::quintic::QuinticExtension(core::array::from_fn(
                            |k| w[ACC_OUT + 5 * i + k],
                        ))
                    }));
                    assert_eq!(out, native_step(256, &acc, bits, &q), "bits {bits:?}");
                }
            }
        }
    }

    #[test]
    fn every_wire_but_the_inputs_is_pinned_and_bits_are_boolean() {
        let mut rng = rng();
        let gate = CurveStepGate::new(256);
        let (acc, q) = (random_point(&mut rng), random_point(&mut rng));
        let w = row(&gate, &acc, [true, false, true], &q);
        // Changing any one computed wire breaks a constraint.
        for c in ZTT..WIRES {
            let mut bad = w.clone();
            bad[c] += F::ONE;
            assert!(evaluate(&gate, &bad).iter().any(|v| *v != F::ZERO), "{c}");
        }
        for c in ACC_OUT..ACC_OUT + 20 {
            let mut bad = w.clone();
            bad[c] += F::from_canonical_u64(rng.gen_range(1..1000));
            assert!(evaluate(&gate, &bad).iter().any(|v| *v != F::ZERO), "{c}");
        }
        // A non-boolean bit fails even with every hint recomputed for it.
        for bit in [S_LO, S_HI, E] {
            let mut bad = w.clone();
            bad[bit] = F::TWO;
            gate.fill(&mut bad);
            let values = evaluate(&gate, &bad);
            assert_eq!(values.iter().filter(|v| **v != F::ZERO).count(), 1);
        }
        // The table entry of other bits, with everything after it
        // recomputed from that entry: only the table constraint fails.
        let other = row(&gate, &acc, [false, true, true], &q);
        let mut bad = other.clone();
        bad[S_LO] = w[S_LO];
        bad[S_HI] = w[S_HI];
        let failing: Vec<usize> = evaluate(&gate, &bad)
            .iter()
            .enumerate()
            .filter(|(_, v)| **v != F::ZERO)
            .map(|(i, _)| i)
            .collect();
        assert!(!failing.is_empty());
        assert!(
            failing.iter().all(|&i| (35..45).contains(&i)),
            "{failing:?}"
        );
    }

    /// `s G + e q` over `len` positions, its result and its inputs.
    struct MulAdd {
        data: CircuitData<F, C, D>,
        s: Vec<BoolTarget>,
        e: Vec<BoolTarget>,
        q: PointTarget,
        r: PointTarget,
    }

    fn mul_add(s_len: usize, e_len: usize) -> MulAdd {
        let mut b = builder();
        let s: Vec<_> = (0..s_len)
            .map(|_| b.add_virtual_bool_target_safe())
            .collect();
        let e: Vec<_> = (0..e_len)
            .map(|_| b.add_virtual_bool_target_safe())
            .collect();
        let q = b.add_virtual_point();
        let r = b.point_mul_add_generator(&s, &e, q);
        MulAdd {
            data: b.build::<C>(),
            s,
            e,
            q,
            r,
        }
    }

    fn inputs(c: &MulAdd, s: &[bool], e: &[bool], q: &Point) -> PartialWitness<F> {
        let mut pw = PartialWitness::new();
        for (t, v) in c.s.iter().zip(s).chain(c.e.iter().zip(e)) {
            pw.set_bool_target(*t, *v).unwrap();
        }
        set_point(&mut pw, &c.q, q).unwrap();
        pw
    }

    #[test]
    fn a_step_computed_for_another_bit_is_unprovable() {
        let mut rng = rng();
        let c = mul_add(12, 8);
        let q = random_point(&mut rng);
        let s: Vec<bool> = (0..12).map(|_| rng.gen()).collect();
        let e: Vec<bool> = (0..8).map(|_| rng.gen()).collect();
        let honest =
            generate_partial_witness(inputs(&c, &s, &e, &q), &c.data.prover_only, &c.data.common)
                .unwrap();
        let to_int = |bits: &[bool]| {
            bits.iter()
                .rev()
                .fold(0u64, |acc, b| 2 * acc + u64::from(*b))
        };
        let want = Point::mul_add_generator(
            &Scalar::from_u64(to_int(&s)),
            &Scalar::from_u64(to_int(&e)),
            &q,
        );
        assert_eq!(get_point(&honest, &c.r), want);
        // Every wire of the witness for other bits (s bit 2 of s_lo, s bit
        // 9 of s_hi, e bit 5 flipped), except the flipped input bit's copy
        // class: the rows follow the other bits, the inputs are the honest
        // ones. Only the row's table (or e Q) constraint stands in the way.
        let (rows, columns) = (c.data.common.degree(), c.data.common.config.num_wires);
        for flip in [c.s[2], c.s[9], c.e[5]] {
            let flipped = |t: BoolTarget, v: bool| if t == flip { !v } else { v };
            let s2: Vec<bool> = c.s.iter().zip(&s).map(|(t, v)| flipped(*t, *v)).collect();
            let e2: Vec<bool> = c.e.iter().zip(&e).map(|(t, v)| flipped(*t, *v)).collect();
            let other = generate_partial_witness(
                inputs(&c, &s2, &e2, &q),
                &c.data.prover_only,
                &c.data.common,
            )
            .unwrap();
            let mut class =
                PartitionWitness::new(columns, rows, &c.data.prover_only.representative_map);
            class.set_target(flip.target, F::ONE).unwrap();
            let tamper: Vec<(Target, F)> = (0..rows)
                .flat_map(|r| (0..columns).map(move |col| Target::wire(r, col)))
                .filter(|t| class.try_get_target(*t).is_none())
                .filter_map(|t| {
                    let v = other.try_get_target(t)?;
                    (honest.try_get_target(t) != Some(v)).then_some((t, v))
                })
                .collect();
            assert!(!tamper.is_empty());
            assert!(
                !provable_tampered(&c.data, inputs(&c, &s, &e, &q), &tamper),
                "{flip:?}"
            );
            // The same witness with the bit flipped too is the honest one
            // for the other bits.
            assert!(provable_tampered(&c.data, inputs(&c, &s2, &e2, &q), &[]));
        }
        prove_and_verify(&c.data, inputs(&c, &s, &e, &q));
    }

    #[test]
    fn a_circuit_with_the_gate_round_trips_through_bytes() {
        use crate::serialize::{Gates, Generators};
        let c = mul_add(3, 2);
        let bytes = c.data.to_bytes(&Gates, &Generators).expect("serialises");
        let loaded =
            CircuitData::<F, C, D>::from_bytes(&bytes, &Gates, &Generators).expect("deserialises");
        assert_eq!(loaded.common, c.data.common);
        let q = random_point(&mut rng());
        prove_and_verify(&loaded, inputs(&c, &[true, false, true], &[true, true], &q));
    }
}
