//! Public inputs of a chunk proof: DESIGN section 1 at chunk level, plus the
//! settlement registers a settlement split across chunks carries over.
//!
//! Order: `market_hash[4]`, `root_in[4]`, `root_out[4]`, `epoch`,
//! `timestamp`, `batch_in[4]`, `batch_out[4]`, `report_hashes[quorum][4]`,
//! `op_count`, `carry_in[6]`, `carry_out[6]` (the settlement registers:
//! open, instrument, count, next holder, net quantity as a signed element,
//! previous holder). Folding checks `root_out`, `batch_out` and `carry_out`
//! of a chunk against the ins of the next, and the rest equal.

use plonky2::field::types::PrimeField64;
use plonky2::hash::hash_types::HashOut;

use super::witness::SettleCarry;
use crate::config::F;
use crate::gadgets::fixed::to_signed;
use crate::rules::encoding::Digest;

/// Elements of the settlement registers.
pub const CARRY_LEN: usize = 6;

/// Elements of the layout besides the report hashes.
const FIXED_LEN: usize = 4 * 5 + 2 + 1 + 2 * CARRY_LEN;

/// The statement of one chunk proof.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChunkPublicInputs {
    /// Poseidon hash of the market.
    pub market_hash: Digest,
    /// Root before the chunk.
    pub root_in: Digest,
    /// Root after the chunk.
    pub root_out: Digest,
    /// Epoch number.
    pub epoch: u64,
    /// Epoch timestamp.
    pub timestamp: u64,
    /// Batch commitment before the chunk.
    pub batch_in: Digest,
    /// Batch commitment after the chunk.
    pub batch_out: Digest,
    /// Hashes of the quorum's reports.
    pub report_hashes: Vec<Digest>,
    /// Operations started in the chunk (a settlement counts where its first holder is).
    pub op_count: u64,
    /// Settlement registers before.
    pub carry_in: SettleCarry,
    /// Settlement registers after.
    pub carry_out: SettleCarry,
}

/// A public-input vector of the wrong length.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("chunk public inputs have {actual} elements, expected {expected}")]
pub struct ChunkLayoutError {
    /// Elements found.
    pub actual: usize,
    /// Elements expected.
    pub expected: usize,
}

impl ChunkPublicInputs {
    /// Elements of the layout for a quorum.
    pub const fn len(quorum: usize) -> usize {
        FIXED_LEN + 4 * quorum
    }

    /// Decodes the public inputs of a chunk proof.
    pub fn from_fields(fields: &[F], quorum: usize) -> Result<Self, ChunkLayoutError> {
        let expected = Self::len(quorum);
        if fields.len() != expected {
            return Err(ChunkLayoutError {
                actual: fields.len(),
                expected,
            });
        }
        let digest = |at: usize| HashOut {
            elements: [fields[at], fields[at + 1], fields[at + 2], fields[at + 3]],
        };
        let at = 22 + 4 * quorum;
        let carry = |at: usize| carry_from_fields(&fields[at..at + CARRY_LEN]);
        Ok(Self {
            market_hash: digest(0),
            root_in: digest(4),
            root_out: digest(8),
            epoch: fields[12].to_canonical_u64(),
            timestamp: fields[13].to_canonical_u64(),
            batch_in: digest(14),
            batch_out: digest(18),
            report_hashes: (0..quorum).map(|k| digest(22 + 4 * k)).collect(),
            op_count: fields[at].to_canonical_u64(),
            carry_in: carry(at + 1),
            carry_out: carry(at + 1 + CARRY_LEN),
        })
    }
}

/// The registers as public-input elements (open, instrument, count, next,
/// net, previous holder).
pub fn carry_fields(carry: &SettleCarry) -> [F; CARRY_LEN] {
    use plonky2::field::types::Field;
    [
        F::from_bool(carry.open),
        F::from_canonical_u32(carry.instrument),
        F::from_noncanonical_u64(carry.count),
        F::from_noncanonical_u64(carry.next),
        crate::gadgets::fixed::from_signed(carry.net.into()),
        F::from_noncanonical_u64(carry.previous_account),
    ]
}

/// The registers from public-input elements (values that fit no register
/// read as their truncation: such a statement is only ever compared).
pub fn carry_from_fields(fields: &[F]) -> SettleCarry {
    let at = |k: usize| fields.get(k).map_or(0, |f| f.to_canonical_u64());
    SettleCarry {
        open: at(0) != 0,
        instrument: at(1) as u32,
        count: at(2),
        next: at(3),
        net: fields.get(4).map_or(0, |f| to_signed(*f) as i64),
        previous_account: at(5),
    }
}
