//! Test harness for adversarial witnesses: prove with a witness in which
//! some wires were overwritten after honest generation, as a cheating prover
//! would, bypassing the witness generators.

use std::panic::{catch_unwind, AssertUnwindSafe};

use plonky2::iop::generator::generate_partial_witness;
use plonky2::iop::target::Target;
use plonky2::iop::witness::{PartialWitness, PartitionWitness, Witness, WitnessWrite};
use plonky2::plonk::circuit_data::CircuitData;
use plonky2::plonk::prover::prove_with_partition_witness;
use plonky2::util::timing::TimingTree;

use crate::config::{C, D, F};

/// Whether a proof verifies for the honest witness of `inputs` with the
/// copy classes of `tamper`'s targets given `tamper`'s values instead (every
/// other wire keeps its generated value). A panic counts as "no".
pub fn provable_tampered(
    data: &CircuitData<F, C, D>,
    inputs: PartialWitness<F>,
    tamper: &[(Target, F)],
) -> bool {
    let attempt = || -> anyhow::Result<()> {
        let honest = generate_partial_witness(inputs, &data.prover_only, &data.common)?;
        let (rows, columns) = (data.common.degree(), data.common.config.num_wires);
        let mut witness =
            PartitionWitness::new(columns, rows, &data.prover_only.representative_map);
        for &(t, v) in tamper {
            witness.set_target(t, v)?;
        }
        for row in 0..rows {
            for column in 0..columns {
                let t = Target::wire(row, column);
                if witness.try_get_target(t).is_none() {
                    if let Some(v) = honest.try_get_target(t) {
                        witness.set_target(t, v)?;
                    }
                }
            }
        }
        let proof = prove_with_partition_witness(
            &data.prover_only,
            &data.common,
            witness,
            &mut TimingTree::default(),
        )?;
        data.verify(proof)
    };
    matches!(catch_unwind(AssertUnwindSafe(attempt)), Ok(Ok(())))
}
