//! The one place that chooses the field, the hasher and the extension degree.
//! Every other zksettle crate imports these instead of naming plonky2 types.

use plonky2::field::goldilocks_field::GoldilocksField;
use plonky2::plonk::config::PoseidonGoldilocksConfig;

/// Extension degree of the proof system.
pub const D: usize = 2;
/// Hasher and field configuration of every zksettle circuit.
pub type C = PoseidonGoldilocksConfig;
/// The base field (Goldilocks, p = 2^64 - 2^32 + 1).
pub type F = GoldilocksField;
