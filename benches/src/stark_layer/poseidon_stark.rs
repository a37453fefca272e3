//! A starky table of Poseidon permutations, one per row.
//!
//! plonky2's Poseidon over Goldilocks (width 12, 4 + 4 full rounds around 22
//! partial rounds, `plonky2::hash::poseidon` constants), evaluated the naive
//! way (constant layer, S-boxes, full MDS layer every round) so that every
//! intermediate state is a linear combination of stored columns.
//!
//! The layout follows the idea of zk_evm's Poseidon table (inputs, S-box
//! auxiliaries, outputs; every constraint of degree 3), written afresh:
//!
//! * columns `0..12`: the permutation's input;
//! * for each of the first 8 * 12 + 22 - 12 = 106 S-box applications, in the
//!   order the rounds apply them, two columns: `cube = x^3` and
//!   `out = cube^2 * x = x^7`, where `x` (the S-box input) is a linear
//!   expression of earlier columns;
//! * for each S-box of the last round, its `cube` alone: its `x^7` feeds only
//!   the last MDS layer and the output, so `output - MDS(cube^2 x)` is itself
//!   a degree-3 constraint and the column would be redundant (12 columns
//!   saved, 4.6% of the table);
//! * the last 12 columns: the permutation's output.
//!
//! The constraints are `cube - x^3`, `out - cube^2 x` per stored S-box
//! (degree 3) and `output - state` (degree 3 through the last round), on
//! every row; rows are independent, so there are no transition constraints
//! and no public inputs. Padding rows hold permutations of all-zero inputs,
//! which satisfy them.

use core::marker::PhantomData;

use plonky2::field::extension::{Extendable, FieldExtension};
use plonky2::field::packed::PackedField;
use plonky2::field::polynomial::PolynomialValues;
use plonky2::field::types::Field;
use plonky2::hash::hash_types::RichField;
use plonky2::hash::poseidon::{
    Poseidon, ALL_ROUND_CONSTANTS, HALF_N_FULL_ROUNDS, N_PARTIAL_ROUNDS, N_ROUNDS, SPONGE_WIDTH,
};
use plonky2::iop::ext_target::ExtensionTarget;
use plonky2::plonk::circuit_builder::CircuitBuilder;
use starky::constraint_consumer::{ConstraintConsumer, RecursiveConstraintConsumer};
use starky::evaluation_frame::{StarkEvaluationFrame, StarkFrame};
use starky::stark::Stark;
use starky::util::trace_rows_to_poly_values;

/// Permutation width.
pub const WIDTH: usize = SPONGE_WIDTH;

/// S-box applications per permutation: 12 in each full round, 1 in each
/// partial round.
pub const SBOXES: usize = 2 * HALF_N_FULL_ROUNDS * WIDTH + N_PARTIAL_ROUNDS;

/// S-boxes whose output is stored (all but the last round's).
const STORED_SBOXES: usize = SBOXES - WIDTH;

/// First column of the S-box auxiliaries.
const SBOX_START: usize = WIDTH;

/// First column of the last round's cubes.
const LAST_CUBE_START: usize = SBOX_START + 2 * STORED_SBOXES;

/// First output column.
pub const OUTPUT_START: usize = LAST_CUBE_START + WIDTH;

/// Columns of the table: input, two per stored S-box, one per S-box of the
/// last round, output (248).
pub const COLUMNS: usize = OUTPUT_START + WIDTH;

/// Where S-box `sbox` (in application order) keeps its cube, and its
/// output when stored.
fn sbox_columns(sbox: usize) -> (usize, Option<usize>) {
    if sbox < STORED_SBOXES {
        (SBOX_START + 2 * sbox, Some(SBOX_START + 2 * sbox + 1))
    } else {
        (LAST_CUBE_START + sbox - STORED_SBOXES, None)
    }
}

/// One row of the table.
pub type Row<F> = [F; COLUMNS];

/// Whether round `round` (0-based, of [`N_ROUNDS`]) is a full round.
fn is_full_round(round: usize) -> bool {
    !(HALF_N_FULL_ROUNDS..HALF_N_FULL_ROUNDS + N_PARTIAL_ROUNDS).contains(&round)
}

/// S-boxes of a round: 12 in a full round, state element 0 alone in a
/// partial one.
fn sboxes_of_round(round: usize) -> usize {
    if is_full_round(round) {
        WIDTH
    } else {
        1
    }
}

/// The round constant of state element `i` in round `round`.
fn round_constant(round: usize, i: usize) -> u64 {
    ALL_ROUND_CONSTANTS[i + WIDTH * round]
}

/// The table's row for one permutation input: every auxiliary value the
/// constraints refer to, and the output.
pub fn trace_row<F: RichField>(input: [F; WIDTH]) -> Row<F> {
    let mut row = [F::ZERO; COLUMNS];
    row[..WIDTH].copy_from_slice(&input);
    let mut state = input;
    let mut sbox = 0;
    for round in 0..N_ROUNDS {
        for (i, s) in state.iter_mut().enumerate() {
            *s += F::from_canonical_u64(round_constant(round, i));
        }
        for s in state.iter_mut().take(sboxes_of_round(round)) {
            let x = *s;
            let cube = x * x * x;
            let out = cube * cube * x;
            let (cube_at, out_at) = sbox_columns(sbox);
            row[cube_at] = cube;
            if let Some(out_at) = out_at {
                row[out_at] = out;
            }
            *s = out;
            sbox += 1;
        }
        state = <F as Poseidon>::mds_layer(&state);
    }
    row[OUTPUT_START..].copy_from_slice(&state);
    row
}

/// The table's output columns of a row.
pub fn row_output<F: Copy>(row: &Row<F>) -> [F; WIDTH] {
    core::array::from_fn(|i| row[OUTPUT_START + i])
}

/// The trace of `inputs`, padded with permutations of zeros to `rows` rows
/// (a power of two, at least the number of inputs), as starky columns.
pub fn generate_trace<F: RichField>(
    inputs: &[[F; WIDTH]],
    rows: usize,
) -> Vec<PolynomialValues<F>> {
    trace_rows_to_poly_values(trace_rows(inputs, rows))
}

/// The trace of `inputs` as rows, padded like [`generate_trace`].
pub fn trace_rows<F: RichField>(inputs: &[[F; WIDTH]], rows: usize) -> Vec<Row<F>> {
    assert!(rows.is_power_of_two() && rows >= inputs.len());
    let padding = trace_row([F::ZERO; WIDTH]);
    let mut out: Vec<Row<F>> = inputs.iter().map(|input| trace_row(*input)).collect();
    out.resize(rows, padding);
    out
}

/// The Poseidon table (no state: every row stands alone).
#[derive(Clone, Copy, Debug, Default)]
pub struct PoseidonStark<F, const D: usize> {
    _field: PhantomData<F>,
}

impl<F, const D: usize> PoseidonStark<F, D> {
    /// The table.
    pub const fn new() -> Self {
        Self {
            _field: PhantomData,
        }
    }
}

impl<F: RichField + Extendable<D>, const D: usize> Stark<F, D> for PoseidonStark<F, D> {
    type EvaluationFrame<FE, P, const D2: usize>
        = StarkFrame<P, P::Scalar, COLUMNS, 0>
    where
        FE: FieldExtension<D2, BaseField = F>,
        P: PackedField<Scalar = FE>;

    type EvaluationFrameTarget = StarkFrame<ExtensionTarget<D>, ExtensionTarget<D>, COLUMNS, 0>;

    fn eval_packed_generic<FE, P, const D2: usize>(
        &self,
        vars: &Self::EvaluationFrame<FE, P, D2>,
        yield_constr: &mut ConstraintConsumer<P>,
    ) where
        FE: FieldExtension<D2, BaseField = F>,
        P: PackedField<Scalar = FE>,
    {
        let local = vars.get_local_values();
        let mut state: [P; WIDTH] = core::array::from_fn(|i| local[i]);
        let mut sbox = 0;
        for round in 0..N_ROUNDS {
            for (i, s) in state.iter_mut().enumerate() {
                *s += FE::from_canonical_u64(round_constant(round, i));
            }
            for s in state.iter_mut().take(sboxes_of_round(round)) {
                let x = *s;
                let (cube_at, out_at) = sbox_columns(sbox);
                let cube = local[cube_at];
                yield_constr.constraint(cube - x * x * x);
                *s = match out_at {
                    Some(out_at) => {
                        let out = local[out_at];
                        yield_constr.constraint(out - cube * cube * x);
                        out
                    }
                    // The last round: x^7 stays an expression of degree 3.
                    None => cube * cube * x,
                };
                sbox += 1;
            }
            state = core::array::from_fn(|r| {
                <F as Poseidon>::mds_row_shf_packed_field::<F, D, FE, P, D2>(r, &state)
            });
        }
        for (i, s) in state.iter().enumerate() {
            yield_constr.constraint(local[OUTPUT_START + i] - *s);
        }
    }

    fn eval_ext_circuit(
        &self,
        builder: &mut CircuitBuilder<F, D>,
        vars: &Self::EvaluationFrameTarget,
        yield_constr: &mut RecursiveConstraintConsumer<F, D>,
    ) {
        let local = vars.get_local_values();
        let mut state: [ExtensionTarget<D>; WIDTH] = core::array::from_fn(|i| local[i]);
        let mut sbox = 0;
        for round in 0..N_ROUNDS {
            for (i, s) in state.iter_mut().enumerate() {
                let c = builder
                    .constant_extension(F::Extension::from_canonical_u64(round_constant(round, i)));
                *s = builder.add_extension(*s, c);
            }
            for s in state.iter_mut().take(sboxes_of_round(round)) {
                let x = *s;
                let (cube_at, out_at) = sbox_columns(sbox);
                let cube = local[cube_at];
                let x3 = builder.cube_extension(x);
                let c1 = builder.sub_extension(cube, x3);
                yield_constr.constraint(builder, c1);
                let cube2 = builder.square_extension(cube);
                let x7 = builder.mul_extension(cube2, x);
                *s = match out_at {
                    Some(out_at) => {
                        let out = local[out_at];
                        let c2 = builder.sub_extension(out, x7);
                        yield_constr.constraint(builder, c2);
                        out
                    }
                    None => x7,
                };
                sbox += 1;
            }
            let before = state;
            for (r, s) in state.iter_mut().enumerate() {
                *s = <F as Poseidon>::mds_row_shf_circuit(builder, r, &before);
            }
        }
        for (i, s) in state.iter().enumerate() {
            let c = builder.sub_extension(local[OUTPUT_START + i], *s);
            yield_constr.constraint(builder, c);
        }
    }

    fn constraint_degree(&self) -> usize {
        3
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use plonky2::field::types::Sample;
    use plonky2::plonk::config::{GenericConfig, PoseidonGoldilocksConfig};
    use plonky2::util::timing::TimingTree;
    use starky::config::StarkConfig;
    use starky::prover::prove;
    use starky::verifier::verify_stark_proof;

    const D: usize = 2;
    type C = PoseidonGoldilocksConfig;
    type F = <C as GenericConfig<D>>::F;
    type S = PoseidonStark<F, D>;

    fn inputs(n: usize) -> Vec<[F; WIDTH]> {
        let mut out: Vec<[F; WIDTH]> = (0..n).map(|_| F::rand_array()).collect();
        out[0] = [F::ZERO; WIDTH];
        out[1] = core::array::from_fn(F::from_canonical_usize);
        out
    }

    #[test]
    fn rows_match_plonky2_poseidon() {
        for input in inputs(6) {
            let row = trace_row(input);
            assert_eq!(row_output(&row), <F as Poseidon>::poseidon(input));
            assert_eq!(row[..WIDTH], input);
        }
        assert_eq!(COLUMNS, 248);
    }

    #[test]
    fn a_table_proof_verifies() {
        let config = StarkConfig::standard_fast_config();
        let stark = S::new();
        let trace = generate_trace(&inputs(20), 1 << 5);
        let proof =
            prove::<F, C, S, D>(stark, &config, trace, &[], None, &mut TimingTree::default())
                .expect("proves");
        verify_stark_proof(stark, proof, &config, None).expect("verifies");
    }

    #[test]
    fn a_tampered_trace_does_not_prove() {
        let config = StarkConfig::standard_fast_config();
        let stark = S::new();
        // One value of one row, off by one: a stored S-box output, a cube
        // of the last round (whose output is not stored) and an output.
        let (last_cube, _) = sbox_columns(SBOXES - 1);
        for column in [SBOX_START + 2 * 50 + 1, last_cube, OUTPUT_START + 7] {
            let mut rows = trace_rows(&inputs(20), 1 << 5);
            rows[3][column] += F::ONE;
            let trace = trace_rows_to_poly_values(rows);
            // starky's prover checks the quotient's degree only in debug
            // builds; either it refuses or the proof does not verify.
            let outcome = std::panic::catch_unwind(|| {
                prove::<F, C, S, D>(stark, &config, trace, &[], None, &mut TimingTree::default())
            });
            if let Ok(Ok(proof)) = outcome {
                assert!(
                    verify_stark_proof(stark, proof, &config, None).is_err(),
                    "column {column}"
                );
            }
        }
    }
}
