//! A custom gate that range-checks several values per row.
//!
//! plonky2's `range_check` spends a whole row (a `BaseSumGate<2>`) on one
//! value. [`RangeCheckGate`] checks [`RangeCheckGate::OPS`] values per row,
//! each as `x = sum limb_i * 4^i` over 31 base-4 limbs with
//! `limb * (limb - 1) * (limb - 2) * (limb - 3) = 0`: that is `0 <= x < 2^62`.
//! Any interval check `lo <= x <= hi` with bounds below 2^61 is two such
//! checks (`x - lo` and `hi - x`), since a negative difference is a field
//! element above `p - 2^61 > 2^62`.
//!
//! Wires: the values first (routed, so they can be copied), then each op's
//! limbs (advice). Degree 4; 32 constraints per op.

use plonky2::field::extension::Extendable;
use plonky2::field::packed::PackedField;
use plonky2::field::types::Field;
use plonky2::gates::gate::Gate;
use plonky2::gates::packed_util::PackedEvaluableBase;
use plonky2::gates::util::StridedConstraintConsumer;
use plonky2::hash::hash_types::RichField;
use plonky2::iop::ext_target::ExtensionTarget;
use plonky2::iop::generator::{GeneratedValues, SimpleGenerator, WitnessGeneratorRef};
use plonky2::iop::target::Target;
use plonky2::iop::witness::{PartitionWitness, Witness, WitnessWrite};
use plonky2::plonk::circuit_builder::CircuitBuilder;
use plonky2::plonk::circuit_data::CommonCircuitData;
use plonky2::plonk::plonk_common::{reduce_with_powers, reduce_with_powers_ext_circuit};
use plonky2::plonk::vars::{
    EvaluationTargets, EvaluationVars, EvaluationVarsBase, EvaluationVarsBaseBatch,
    EvaluationVarsBasePacked,
};
use plonky2::util::serialization::{Buffer, IoResult, Read, Write};

/// Limbs per value (base 4): values below `4^31 = 2^62`.
pub const LIMBS: usize = 31;
/// Bits a value is checked to.
pub const BITS: usize = 2 * LIMBS;
const BASE: usize = 4;

/// Checks `0 <= x < 2^62` for [`RangeCheckGate::OPS`] values per row.
#[derive(Clone, Copy, Debug, Default)]
pub struct RangeCheckGate;

impl RangeCheckGate {
    /// Values per row: 4 x (1 value + 31 limbs) = 128 of the 135 wires.
    pub const OPS: usize = 4;

    /// Wire of the `op`-th value.
    pub const fn wire_value(op: usize) -> usize {
        op
    }

    /// Wire of the `i`-th limb of the `op`-th value.
    pub const fn wire_limb(op: usize, i: usize) -> usize {
        Self::OPS + op * LIMBS + i
    }
}

impl<F: RichField + Extendable<D>, const D: usize> Gate<F, D> for RangeCheckGate {
    fn id(&self) -> String {
        "zksettle::RangeCheckGate".into()
    }

    fn serialize(
        &self,
        _dst: &mut Vec<u8>,
        _common_data: &CommonCircuitData<F, D>,
    ) -> IoResult<()> {
        Ok(())
    }

    fn deserialize(_src: &mut Buffer, _common_data: &CommonCircuitData<F, D>) -> IoResult<Self> {
        Ok(Self)
    }

    fn eval_unfiltered(&self, vars: EvaluationVars<F, D>) -> Vec<F::Extension> {
        let mut constraints = Vec::with_capacity(Self::OPS * (1 + LIMBS));
        for op in 0..Self::OPS {
            let value = vars.local_wires[Self::wire_value(op)];
            let limbs: Vec<_> = (0..LIMBS)
                .map(|i| vars.local_wires[Self::wire_limb(op, i)])
                .collect();
            let base = F::Extension::from_canonical_usize(BASE);
            let sum = limbs
                .iter()
                .rev()
                .fold(F::Extension::ZERO, |acc, &limb| acc * base + limb);
            constraints.push(sum - value);
            for limb in limbs {
                constraints.push(
                    (0..BASE)
                        .map(|k| limb - F::Extension::from_canonical_usize(k))
                        .product(),
                );
            }
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
        let base = builder.constant(F::from_canonical_usize(BASE));
        let mut constraints = Vec::with_capacity(Self::OPS * (1 + LIMBS));
        for op in 0..Self::OPS {
            let value = vars.local_wires[Self::wire_value(op)];
            let limbs: Vec<_> = (0..LIMBS)
                .map(|i| vars.local_wires[Self::wire_limb(op, i)])
                .collect();
            let sum = reduce_with_powers_ext_circuit(builder, &limbs, base);
            constraints.push(builder.sub_extension(sum, value));
            for limb in limbs {
                let mut acc = builder.one_extension();
                for k in 0..BASE {
                    // acc * (limb - k) = acc * limb + (-k) * acc
                    acc = builder.arithmetic_extension(
                        F::ONE,
                        -F::from_canonical_usize(k),
                        acc,
                        limb,
                        acc,
                    );
                }
                constraints.push(acc);
            }
        }
        constraints
    }

    fn generators(&self, row: usize, _local_constants: &[F]) -> Vec<WitnessGeneratorRef<F, D>> {
        (0..Self::OPS)
            .map(|op| WitnessGeneratorRef::new(LimbGenerator { row, op }.adapter()))
            .collect()
    }

    fn num_wires(&self) -> usize {
        Self::OPS * (1 + LIMBS)
    }

    fn num_constants(&self) -> usize {
        0
    }

    fn degree(&self) -> usize {
        BASE
    }

    fn num_constraints(&self) -> usize {
        Self::OPS * (1 + LIMBS)
    }
}

impl<F: RichField + Extendable<D>, const D: usize> PackedEvaluableBase<F, D> for RangeCheckGate {
    fn eval_unfiltered_base_packed<P: PackedField<Scalar = F>>(
        &self,
        vars: EvaluationVarsBasePacked<P>,
        mut yield_constr: StridedConstraintConsumer<P>,
    ) {
        for op in 0..Self::OPS {
            let value = vars.local_wires[Self::wire_value(op)];
            let limbs = vars
                .local_wires
                .view(Self::wire_limb(op, 0)..Self::wire_limb(op, 0) + LIMBS);
            yield_constr.one(reduce_with_powers(limbs, F::from_canonical_usize(BASE)) - value);
            yield_constr.many(limbs.iter().map(|&limb| {
                (0..BASE)
                    .map(|k| limb - F::from_canonical_usize(k))
                    .product::<P>()
            }));
        }
    }
}

/// Splits one value of a [`RangeCheckGate`] into its base-4 limbs. The only
/// limbs allowed: each is in {0, 1, 2, 3} and their weighted sum is below
/// `4^31 = 2^62 < p`, so it equals the value as an integer, whose base-4
/// digits are unique (and a value of 2^62 or more has none).
#[derive(Debug, Default)]
pub struct LimbGenerator {
    pub(crate) row: usize,
    pub(crate) op: usize,
}

impl<F: RichField + Extendable<D>, const D: usize> SimpleGenerator<F, D> for LimbGenerator {
    fn id(&self) -> String {
        "zksettle::LimbGenerator".into()
    }

    fn dependencies(&self) -> Vec<Target> {
        vec![Target::wire(self.row, RangeCheckGate::wire_value(self.op))]
    }

    fn run_once(
        &self,
        witness: &PartitionWitness<F>,
        out: &mut GeneratedValues<F>,
    ) -> anyhow::Result<()> {
        // A value of 2^62 or more keeps only its low limbs and fails the sum constraint.
        let mut value = witness
            .get_target(Target::wire(self.row, RangeCheckGate::wire_value(self.op)))
            .to_canonical_u64();
        for i in 0..LIMBS {
            out.set_target(
                Target::wire(self.row, RangeCheckGate::wire_limb(self.op, i)),
                F::from_canonical_u64(value % BASE as u64),
            )?;
            value /= BASE as u64;
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

/// Places `x` in the next free slot of a [`RangeCheckGate`]: `0 <= x < 2^62`.
/// Cost: a quarter of a row.
pub fn check_below_2_62<F: RichField + Extendable<D>, const D: usize>(
    builder: &mut CircuitBuilder<F, D>,
    x: Target,
) {
    let (row, op) = builder.find_slot(RangeCheckGate, &[], &[]);
    builder.connect(x, Target::wire(row, RangeCheckGate::wire_value(op)));
}

#[cfg(test)]
mod tests {
    use plonky2::field::types::PrimeField64;
    use plonky2::gates::gate_testing::{test_eval_fns, test_low_degree};
    use plonky2::iop::witness::PartialWitness;

    use super::*;
    use crate::config::{C, D, F};
    use crate::gadgets::testing::{builder, provable};

    #[test]
    fn gate_constraints_have_the_declared_degree() {
        test_low_degree::<F, _, D>(RangeCheckGate);
    }

    #[test]
    fn native_and_recursive_evaluations_agree() -> anyhow::Result<()> {
        test_eval_fns::<F, C, _, D>(RangeCheckGate)
    }

    fn accepts(values: &[u64]) -> bool {
        let mut b = builder();
        let targets = b.add_virtual_targets(values.len());
        for &t in &targets {
            check_below_2_62(&mut b, t);
        }
        let data = b.build::<C>();
        let mut pw = PartialWitness::new();
        for (&t, &v) in targets.iter().zip(values) {
            pw.set_target(t, F::from_noncanonical_u64(v)).unwrap();
        }
        provable(&data, pw)
    }

    #[test]
    fn values_below_2_62_pass_and_others_fail_in_any_slot() {
        assert!(accepts(&[0, 1, (1 << 62) - 1, 12345, 7]));
        for slot in 0..5 {
            let mut values = vec![3u64; 5];
            values[slot] = 1 << 62;
            assert!(!accepts(&values), "2^62 in slot {slot}");
            values[slot] = F::NEG_ONE.to_canonical_u64();
            assert!(!accepts(&values), "-1 in slot {slot}");
        }
    }
}
