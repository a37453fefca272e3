//! The one place that chooses the field, the hashers and the extension degree.
//! Every other zksettle crate imports these instead of naming plonky2 types.

use plonky2::field::goldilocks_field::GoldilocksField;
use plonky2::plonk::config::{KeccakGoldilocksConfig, PoseidonGoldilocksConfig};

/// Extension degree of the proof system.
pub const D: usize = 2;
/// Hasher and field configuration of every zksettle circuit that is
/// verified inside another (Poseidon commitments: cheap in a circuit).
pub type C = PoseidonGoldilocksConfig;
/// Configuration of the final proof, the one light clients download and
/// nothing verifies in a circuit: Keccak commitments (25-byte digests, 100
/// bits of collision resistance) make its Merkle paths shorter and its
/// prover faster than Poseidon's.
pub type CF = KeccakGoldilocksConfig;
/// The base field (Goldilocks, p = 2^64 - 2^32 + 1).
pub type F = GoldilocksField;
