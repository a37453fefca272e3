//! A custom gate for GF(p^5) multiply-add: `c = a * b + d` in
//! `GF(p)[z] / (z^5 - 3)`.
//!
//! Layout: op `i` uses the 20 routed wires `20 i .. 20 i + 20`, as four
//! GF(p^5) elements of five coefficients each, constant coefficient first:
//! `a` (`20 i + 0..5`), `b` (`+5..10`), `d` (`+10..15`), `c` (`+15..20`).
//! All four are routed so every operand and the result can be copied.
//! [`Gfp5MulAddGate::new_from_config`] fits `num_routed_wires / 20` ops in a
//! row: 4 on the standard recursion config (80 of its 80 routed wires).
//!
//! Constraints: five per op, one per coefficient `k` of the result,
//!
//! ```text
//! c_k - d_k - sum_{i+j=k} a_i b_j - 3 * sum_{i+j=k+5} a_i b_j = 0,
//! ```
//!
//! i.e. the schoolbook product reduced by `z^5 = 3`. Degree 2, no constants.
//!
//! The gate is generic over the field, but the reduction constant is fixed
//! to 3: it is GF(p^5) only for Goldilocks, where `z^5 - 3` is irreducible.

use plonky2::field::extension::Extendable;
use plonky2::field::packed::PackedField;
use plonky2::gates::gate::Gate;
use plonky2::gates::packed_util::PackedEvaluableBase;
use plonky2::gates::util::StridedConstraintConsumer;
use plonky2::hash::hash_types::RichField;
use plonky2::iop::ext_target::ExtensionTarget;
use plonky2::iop::generator::{GeneratedValues, SimpleGenerator, WitnessGeneratorRef};
use plonky2::iop::target::Target;
use plonky2::iop::witness::{PartitionWitness, Witness, WitnessWrite};
use plonky2::plonk::circuit_builder::CircuitBuilder;
use plonky2::plonk::circuit_data::{CircuitConfig, CommonCircuitData};
use plonky2::plonk::vars::{
    EvaluationTargets, EvaluationVars, EvaluationVarsBase, EvaluationVarsBaseBatch,
    EvaluationVarsBasePacked,
};
use plonky2::util::serialization::{Buffer, IoResult, Read, Write};

/// Coefficients of a GF(p^5) element.
pub const LIMBS: usize = 5;
/// The reduction constant: `z^5 = W`.
pub const W: u64 = 3;
/// Routed wires per op: `a`, `b`, `d`, `c`.
pub const WIRES_PER_OP: usize = 4 * LIMBS;

/// `a * b + d` on coefficient arrays, reduced by `z^5 = 3`; generic over
/// whatever the constraint is evaluated in (field, extension, packed field).
/// `triple` multiplies by 3 (`x + x + x` works for every ring).
pub fn mul_add_coeffs<T>(
    a: [T; LIMBS],
    b: [T; LIMBS],
    d: [T; LIMBS],
    triple: impl Fn(T) -> T,
) -> [T; LIMBS]
where
    T: Copy + core::ops::Add<Output = T> + core::ops::Mul<Output = T>,
{
    core::array::from_fn(|k| {
        let mut low = d[k];
        for i in 0..=k {
            low = low + a[i] * b[k - i];
        }
        // Terms with i + j = k + 5, i.e. i in k+1..5, j = k + 5 - i.
        let mut high: Option<T> = None;
        for i in k + 1..LIMBS {
            let term = a[i] * b[k + LIMBS - i];
            high = Some(high.map_or(term, |h| h + term));
        }
        match high {
            Some(h) => low + triple(h),
            None => low,
        }
    })
}

/// `c = a * b + d` in GF(p^5), [`Gfp5MulAddGate::num_ops`] times per row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Gfp5MulAddGate {
    /// Operations per row.
    pub num_ops: usize,
}

impl Gfp5MulAddGate {
    /// As many ops as the config's routed wires hold (4 on the standard
    /// recursion config).
    pub const fn new_from_config(config: &CircuitConfig) -> Self {
        Self {
            num_ops: config.num_routed_wires / WIRES_PER_OP,
        }
    }

    /// Wire of coefficient `k` of op `op`'s `a`.
    pub const fn wire_a(op: usize, k: usize) -> usize {
        WIRES_PER_OP * op + k
    }

    /// Wire of coefficient `k` of op `op`'s `b`.
    pub const fn wire_b(op: usize, k: usize) -> usize {
        WIRES_PER_OP * op + LIMBS + k
    }

    /// Wire of coefficient `k` of op `op`'s addend `d`.
    pub const fn wire_d(op: usize, k: usize) -> usize {
        WIRES_PER_OP * op + 2 * LIMBS + k
    }

    /// Wire of coefficient `k` of op `op`'s result `c`.
    pub const fn wire_c(op: usize, k: usize) -> usize {
        WIRES_PER_OP * op + 3 * LIMBS + k
    }

    fn read<T: Copy>(wires: &[T], wire: impl Fn(usize) -> usize) -> [T; LIMBS] {
        core::array::from_fn(|k| wires[wire(k)])
    }
}

impl<F: RichField + Extendable<D>, const D: usize> Gate<F, D> for Gfp5MulAddGate {
    fn id(&self) -> String {
        format!("zksettle::Gfp5MulAddGate {{ num_ops: {} }}", self.num_ops)
    }

    fn serialize(&self, dst: &mut Vec<u8>, _common_data: &CommonCircuitData<F, D>) -> IoResult<()> {
        dst.write_usize(self.num_ops)
    }

    fn deserialize(src: &mut Buffer, _common_data: &CommonCircuitData<F, D>) -> IoResult<Self> {
        Ok(Self {
            num_ops: src.read_usize()?,
        })
    }

    fn eval_unfiltered(&self, vars: EvaluationVars<F, D>) -> Vec<F::Extension> {
        let w = vars.local_wires;
        let mut constraints = Vec::with_capacity(self.num_ops * LIMBS);
        for op in 0..self.num_ops {
            let computed = mul_add_coeffs(
                Self::read(w, |k| Self::wire_a(op, k)),
                Self::read(w, |k| Self::wire_b(op, k)),
                Self::read(w, |k| Self::wire_d(op, k)),
                |x| x + x + x,
            );
            let c = Self::read(w, |k| Self::wire_c(op, k));
            constraints.extend((0..LIMBS).map(|k| c[k] - computed[k]));
        }
        constraints
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
        let w = vars.local_wires;
        let three = F::from_canonical_u64(W);
        let mut constraints = Vec::with_capacity(self.num_ops * LIMBS);
        for op in 0..self.num_ops {
            let a = Self::read(w, |k| Self::wire_a(op, k));
            let b = Self::read(w, |k| Self::wire_b(op, k));
            for k in 0..LIMBS {
                // acc = c_k - d_k, then subtract every product term.
                let mut acc = builder.sub_extension(w[Self::wire_c(op, k)], w[Self::wire_d(op, k)]);
                for (i, &a_i) in a.iter().enumerate() {
                    let (j, weight) = if i <= k {
                        (k - i, F::ONE)
                    } else {
                        (k + LIMBS - i, three)
                    };
                    // acc - weight * a_i * b_j: one ArithmeticExtensionGate op.
                    acc = builder.arithmetic_extension(-weight, F::ONE, a_i, b[j], acc);
                }
                constraints.push(acc);
            }
        }
        constraints
    }

    fn generators(&self, row: usize, _local_constants: &[F]) -> Vec<WitnessGeneratorRef<F, D>> {
        (0..self.num_ops)
            .map(|op| WitnessGeneratorRef::new(Gfp5MulAddGenerator { row, op }.adapter()))
            .collect()
    }

    fn num_wires(&self) -> usize {
        self.num_ops * WIRES_PER_OP
    }

    fn num_constants(&self) -> usize {
        0
    }

    fn degree(&self) -> usize {
        2
    }

    fn num_constraints(&self) -> usize {
        self.num_ops * LIMBS
    }
}

impl<F: RichField + Extendable<D>, const D: usize> PackedEvaluableBase<F, D> for Gfp5MulAddGate {
    fn eval_unfiltered_base_packed<P: PackedField<Scalar = F>>(
        &self,
        vars: EvaluationVarsBasePacked<P>,
        mut yield_constr: StridedConstraintConsumer<P>,
    ) {
        let w = vars.local_wires;
        for op in 0..self.num_ops {
            let at = |wire: fn(usize, usize) -> usize| -> [P; LIMBS] {
                core::array::from_fn(|k| w[wire(op, k)])
            };
            let computed =
                mul_add_coeffs(at(Self::wire_a), at(Self::wire_b), at(Self::wire_d), |x| {
                    x + x + x
                });
            let c = at(Self::wire_c);
            yield_constr.many((0..LIMBS).map(|k| c[k] - computed[k]));
        }
    }
}

/// Computes op `op`'s `c = a * b + d` of a [`Gfp5MulAddGate`] at `row`: the
/// gate's constraint is that equation, so `c` is the only value allowed.
#[derive(Debug, Default)]
pub struct Gfp5MulAddGenerator {
    row: usize,
    op: usize,
}

impl Gfp5MulAddGenerator {
    fn targets(&self, wire: fn(usize, usize) -> usize) -> [Target; LIMBS] {
        core::array::from_fn(|k| Target::wire(self.row, wire(self.op, k)))
    }
}

impl<F: RichField + Extendable<D>, const D: usize> SimpleGenerator<F, D> for Gfp5MulAddGenerator {
    fn id(&self) -> String {
        "zksettle::Gfp5MulAddGenerator".into()
    }

    fn dependencies(&self) -> Vec<Target> {
        [
            self.targets(Gfp5MulAddGate::wire_a),
            self.targets(Gfp5MulAddGate::wire_b),
            self.targets(Gfp5MulAddGate::wire_d),
        ]
        .concat()
    }

    fn run_once(
        &self,
        witness: &PartitionWitness<F>,
        out: &mut GeneratedValues<F>,
    ) -> anyhow::Result<()> {
        let get = |wire| self.targets(wire).map(|t| witness.get_target(t));
        let c = mul_add_coeffs(
            get(Gfp5MulAddGate::wire_a),
            get(Gfp5MulAddGate::wire_b),
            get(Gfp5MulAddGate::wire_d),
            |x| x * F::from_canonical_u64(W),
        );
        for (t, v) in self.targets(Gfp5MulAddGate::wire_c).into_iter().zip(c) {
            out.set_target(t, v)?;
        }
        Ok(())
    }

    fn serialize(&self, dst: &mut Vec<u8>, _: &CommonCircuitData<F, D>) -> IoResult<()> {
        dst.write_usize(self.row)?;
        dst.write_usize(self.op)
    }

    fn deserialize(src: &mut Buffer, _: &CommonCircuitData<F, D>) -> IoResult<Self> {
        Ok(Self {
            row: src.read_usize()?,
            op: src.read_usize()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use plonky2::field::extension::quintic::QuinticExtension;
    use plonky2::field::types::{Field, Sample};
    use plonky2::gates::gate_testing::{test_eval_fns, test_low_degree};
    use plonky2::hash::hash_types::HashOut;
    use plonky2::iop::witness::PartialWitness;

    use super::*;
    use crate::config::{C, D, F};
    use crate::gadgets::testing::{builder, provable, prove_and_verify};

    type E5 = QuinticExtension<F>;

    fn gate() -> Gfp5MulAddGate {
        Gfp5MulAddGate::new_from_config(&CircuitConfig::standard_recursion_config())
    }

    #[test]
    fn four_ops_fill_the_routed_wires_of_the_standard_config() {
        let config = CircuitConfig::standard_recursion_config();
        let g = gate();
        assert_eq!(g.num_ops, 4);
        assert_eq!(Gate::<F, D>::num_wires(&g), config.num_routed_wires);
        assert_eq!(Gate::<F, D>::num_constraints(&g), 20);
        assert_eq!(Gate::<F, D>::degree(&g), 2);
        assert_eq!(Gate::<F, D>::num_ops(&g), 4);
    }

    #[test]
    fn gate_constraints_have_the_declared_degree() {
        test_low_degree::<F, _, D>(gate());
    }

    #[test]
    fn native_and_recursive_evaluations_agree() -> anyhow::Result<()> {
        test_eval_fns::<F, C, _, D>(gate())
    }

    #[test]
    fn the_coefficient_formula_is_quintic_multiplication() {
        for _ in 0..20 {
            let [a, b, d] = [(); 3].map(|()| E5::rand());
            let c = mul_add_coeffs(a.0, b.0, d.0, |x| x * F::from_canonical_u64(W));
            assert_eq!(QuinticExtension(c), a * b + d);
        }
    }

    /// Base-field wires of one row: the ops' `a, b, d` random, `c` as computed.
    fn honest_row(g: &Gfp5MulAddGate) -> Vec<F> {
        let mut wires = vec![F::ZERO; Gate::<F, D>::num_wires(g)];
        for op in 0..g.num_ops {
            let [a, b, d] = [(); 3].map(|()| E5::rand());
            let c = a * b + d;
            for k in 0..LIMBS {
                wires[Gfp5MulAddGate::wire_a(op, k)] = a.0[k];
                wires[Gfp5MulAddGate::wire_b(op, k)] = b.0[k];
                wires[Gfp5MulAddGate::wire_d(op, k)] = d.0[k];
                wires[Gfp5MulAddGate::wire_c(op, k)] = c.0[k];
            }
        }
        wires
    }

    fn evaluate(g: &Gfp5MulAddGate, wires: &[F]) -> Vec<F> {
        let hash = HashOut::<F>::ZERO;
        let vars = EvaluationVarsBaseBatch::new(1, &[], wires, &hash);
        Gate::<F, D>::eval_unfiltered_base_batch(g, vars)
    }

    #[test]
    fn a_wrong_result_coefficient_breaks_exactly_its_constraint() {
        let g = gate();
        let wires = honest_row(&g);
        assert!(evaluate(&g, &wires).iter().all(|v| *v == F::ZERO));
        for op in 0..g.num_ops {
            for k in 0..LIMBS {
                let mut bad = wires.clone();
                bad[Gfp5MulAddGate::wire_c(op, k)] += F::ONE;
                let values = evaluate(&g, &bad);
                for (i, v) in values.iter().enumerate() {
                    assert_eq!(*v != F::ZERO, i == op * LIMBS + k, "op {op} k {k} i {i}");
                }
            }
        }
    }

    /// One op of the gate: `a, b, d` virtual, `c` returned.
    fn one_op(b: &mut crate::gadgets::Builder) -> [[Target; LIMBS]; 4] {
        let (row, op) = b.find_slot(gate(), &[], &[]);
        let io: [[Target; LIMBS]; 4] = [
            Gfp5MulAddGate::wire_a,
            Gfp5MulAddGate::wire_b,
            Gfp5MulAddGate::wire_d,
            Gfp5MulAddGate::wire_c,
        ]
        .map(|wire| core::array::from_fn(|k| Target::wire(row, wire(op, k))));
        let inputs: [[Target; LIMBS]; 4] =
            core::array::from_fn(|_| core::array::from_fn(|_| b.add_virtual_target()));
        for (x, y) in inputs.iter().zip(&io) {
            for k in 0..LIMBS {
                b.connect(x[k], y[k]);
            }
        }
        inputs
    }

    fn set(pw: &mut PartialWitness<F>, t: [Target; LIMBS], v: E5) {
        for (t, v) in t.into_iter().zip(v.0) {
            pw.set_target(t, v).unwrap();
        }
    }

    #[test]
    fn the_gate_proves_a_times_b_plus_d_and_refuses_a_wrong_c() {
        // Six ops: one full row and one half-filled (unused ops stay zero).
        let mut b = builder();
        let ops: Vec<_> = (0..6).map(|_| one_op(&mut b)).collect();
        let data = b.build::<C>();
        let values: Vec<[E5; 3]> = (0..6).map(|_| [(); 3].map(|()| E5::rand())).collect();
        let witness = |wrong: Option<usize>| {
            let mut pw = PartialWitness::new();
            for (i, (t, [x, y, z])) in ops.iter().zip(&values).enumerate() {
                set(&mut pw, t[0], *x);
                set(&mut pw, t[1], *y);
                set(&mut pw, t[2], *z);
                let c = *x * *y + *z;
                set(
                    &mut pw,
                    t[3],
                    if wrong == Some(i) { c + E5::ONE } else { c },
                );
            }
            pw
        };
        prove_and_verify(&data, witness(None));
        for i in [0, 3, 5] {
            assert!(!provable(&data, witness(Some(i))), "a wrong c in op {i}");
        }
    }
}
