//! Whether a witness satisfies a built circuit, without proving: the witness
//! generators are run as the prover runs them, then every gate constraint is
//! evaluated on every row, as the prover's quotient computation does.
//!
//! Copy constraints hold by construction (the generated witness gives every
//! wire of a copy class its class's one value; conflicting values are a
//! generation error), and the public inputs enter through their gate, so a
//! witness this check accepts is one plonky2 proves, and one it refuses
//! cannot be proven. The check costs a fraction of a proof (no FFT, no
//! commitment), which is what lets the adversarial tests try many witnesses.

use std::ops::Range;

use plonky2::field::types::Field;
use plonky2::iop::generator::generate_partial_witness;
use plonky2::iop::target::Target;
use plonky2::iop::witness::{PartialWitness, Witness};
use plonky2::plonk::circuit_data::{CircuitData, CommonCircuitData};
use plonky2::plonk::config::{GenericConfig, Hasher};
use plonky2::plonk::vars::EvaluationVarsBaseBatch;
use rayon::prelude::*;

use crate::config::{D, F};

/// Rows evaluated per batch.
const BATCH: usize = 64;

/// Why a witness does not satisfy a circuit.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Unsatisfied {
    /// Witness generation failed: a copy constraint with two values, or a
    /// generator that could not run.
    #[error("witness generation: {0}")]
    Generation(String),
    /// A gate constraint is not zero.
    #[error("row {row}: constraint {constraint} of gate {gate} does not hold")]
    Gate {
        /// The row.
        row: usize,
        /// The gate whose constraint fails.
        gate: String,
        /// Index of the constraint.
        constraint: usize,
    },
}

/// The selector groups plonky2 builds for `common`'s gates (its greedy
/// grouping by degree, against `quotient_degree_factor + 1`): for each gate
/// the selector column it uses and that column's range of gates.
fn selector_groups(common: &CommonCircuitData<F, D>) -> Vec<(usize, Range<usize>)> {
    let gates = &common.gates;
    let max_degree = common.quotient_degree_factor + 1;
    let max_gate_degree = gates.last().map_or(0, |g| g.0.degree());
    if max_gate_degree + gates.len() - 1 <= max_degree {
        return vec![(0, 0..gates.len()); gates.len()];
    }
    let mut groups = Vec::new();
    let mut start = 0;
    while start < gates.len() {
        let mut size = 0;
        while start + size < gates.len() && size + gates[start + size].0.degree() < max_degree {
            size += 1;
        }
        groups.push(start..start + size);
        start += size;
    }
    (0..gates.len())
        .map(|i| {
            let s = groups.iter().position(|r| r.contains(&i)).unwrap_or(0);
            (s, groups[s].clone())
        })
        .collect()
}

/// Runs the witness generators on `inputs` and checks every gate constraint
/// on every row of `data`'s circuit; returns the public inputs the proof
/// would carry.
pub fn check_witness<C: GenericConfig<D, F = F>>(
    data: &CircuitData<F, C, D>,
    inputs: PartialWitness<F>,
) -> Result<Vec<F>, Unsatisfied> {
    let (prover, common) = (&data.prover_only, &data.common);
    let generated = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        generate_partial_witness(inputs, prover, common)
    }))
    .map_err(|panic| Unsatisfied::Generation(crate::chunk::panic_message(&panic)))?
    .map_err(|e| Unsatisfied::Generation(e.to_string()))?;
    let public_inputs = generated.get_targets(&prover.public_inputs);
    let public_inputs_hash = C::InnerHasher::hash_no_pad(&public_inputs);
    let rows = common.degree();
    let wires: Vec<Vec<F>> = (0..common.config.num_wires)
        .into_par_iter()
        .map(|column| {
            (0..rows)
                .map(|row| {
                    generated
                        .try_get_target(Target::wire(row, column))
                        .unwrap_or(F::ZERO)
                })
                .collect()
        })
        .collect();
    let constants: Vec<Vec<F>> = prover.constants_sigmas_commitment.polynomials
        [..common.num_constants]
        .iter()
        .map(|p| p.clone().fft().values)
        .collect();
    let groups = selector_groups(common);
    let num_selectors = common.selectors_info.num_selectors();
    assert_eq!(
        groups.iter().map(|(s, _)| *s).max().map_or(0, |s| s + 1),
        num_selectors,
        "plonky2's selector grouping changed"
    );
    let checked = (0..rows.div_ceil(BATCH))
        .into_par_iter()
        .try_for_each(|batch| {
            let start = batch * BATCH;
            let end = (start + BATCH).min(rows);
            let size = end - start;
            let flat = |columns: &[Vec<F>]| -> Vec<F> {
                columns
                    .iter()
                    .flat_map(|c| c[start..end].iter().copied())
                    .collect()
            };
            let (local_constants, local_wires) = (flat(&constants), flat(&wires));
            let vars = EvaluationVarsBaseBatch::new(
                size,
                &local_constants,
                &local_wires,
                &public_inputs_hash,
            );
            for (i, gate) in common.gates.iter().enumerate() {
                let (selector, group) = groups[i].clone();
                let values = gate.0.eval_filtered_base_batch(
                    vars,
                    i,
                    selector,
                    group,
                    num_selectors,
                    common.num_lookup_selectors,
                );
                if let Some(at) = values.iter().position(|v| *v != F::ZERO) {
                    return Err(Unsatisfied::Gate {
                        row: start + at % size,
                        gate: gate.0.id(),
                        constraint: at / size,
                    });
                }
            }
            Ok(())
        });
    checked.map(|()| public_inputs)
}

#[cfg(test)]
mod tests {
    use plonky2::iop::witness::WitnessWrite;

    use super::*;
    use crate::config::C;
    use crate::gadgets::fixed::FixedGadget;
    use crate::gadgets::testing::{builder, provable};

    /// `x * y = z`, `x < 2^10`, and a hash of `z`: three kinds of gate.
    fn circuit() -> (CircuitData<F, C, D>, [plonky2::iop::target::Target; 3]) {
        let mut b = builder();
        let [x, y, z] = [(); 3].map(|()| b.add_virtual_target());
        let product = b.mul(x, y);
        b.connect(product, z);
        b.assert_unsigned_bits(x, 10);
        let h = b.hash_n_to_hash_no_pad::<plonky2::hash::poseidon::PoseidonHash>(vec![z, x]);
        b.register_public_inputs(&h.elements);
        (b.build::<C>(), [x, y, z])
    }

    fn witness(targets: [plonky2::iop::target::Target; 3], values: [u64; 3]) -> PartialWitness<F> {
        let mut pw = PartialWitness::new();
        for (t, v) in targets.into_iter().zip(values) {
            pw.set_target(t, F::from_canonical_u64(v)).unwrap();
        }
        pw
    }

    #[test]
    fn the_check_agrees_with_the_prover() {
        let (data, targets) = circuit();
        for (values, satisfied) in [
            ([3, 5, 15], true),
            ([3, 5, 16], false),
            ([1 << 10, 1, 1 << 10], false),
            ([1023, 2, 2046], true),
        ] {
            let checked = check_witness(&data, witness(targets, values));
            assert_eq!(checked.is_ok(), satisfied, "{values:?}: {checked:?}");
            if let Ok(public) = checked {
                assert_eq!(public.len(), 4, "the hash is public");
            }
            assert_eq!(provable(&data, witness(targets, values)), satisfied);
        }
    }
}
